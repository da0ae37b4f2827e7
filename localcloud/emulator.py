"""The embedded AWS: moto server on 127.0.0.1 in a process of its own, behind the IAM gate that enforces each function's
policy (localcloud/iam), and the environment that points every client at it."""

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import waitress
from moto.core.botocore_stubber import BotocoreStubber
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from localcloud import lsi_fetch, moto_speedups, s3_post_policy
from localcloud.iam.gate import IamGate, MotoResources
from localcloud.identity import SECRET_ACCESS_KEY, TOOLING_ACCESS_KEY, function_access_key
from localcloud.lifetime import answers_within, exit_with_parent
from shared.constants import Buckets, Env, physical_name
from shared.iam_policy import MailSender, StageArns, role_statements
from shared.settings import LOCAL_STAGE

LOCAL_REGION = "us-east-1"
LOCAL_ACCOUNT = "123456789012"  # moto's default account
LOCAL_MEDIA_BUCKET = physical_name(LOCAL_STAGE, Buckets.MEDIA)
LOCAL_SES_SENDER = "no-reply@kotoba.local"  # verified by provisioning; the functions' roles may send from it only
START_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 10
SERVER_THREADS = 8
MAX_CONNECTIONS = 1000  # each API and worker process keeps a pool of connections per AWS client

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# X-Amz-Target prefixes of the requests served one at a time: DynamoDB, and its streams (a read of the shard
# in the middle of a transaction would see records that the transaction's rollback then takes back).
SERIALIZED_TARGETS = ("DynamoDB_20120810.", "DynamoDBStreams_20120810.")


class SerializedDynamoDB:
    """WSGI middleware: DynamoDB requests one at a time, other services concurrently.

    DynamoDB applies each request (a condition and its write, a whole transaction) atomically. moto's
    threaded server does not: it checks a condition and writes without a lock, and a transaction
    deep-copies whole tables, then restores that copy if any condition failed, erasing what other
    threads wrote meanwhile (moto/dynamodb/models/__init__.py, `transact_write_items`). So concurrent
    requests could both pass a condition, or succeed and then be rolled back by another's failure.
    """

    def __init__(self, app: "WSGIApplication") -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: "WSGIEnvironment", start_response: "StartResponse") -> Iterable[bytes]:
        if not str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith(SERIALIZED_TARGETS):
            return self._app(environ, start_response)
        with self._lock:  # the whole response is produced inside (waitress has read the whole body before)
            response = self._app(environ, start_response)
            try:
                return list(response)
            finally:
                if hasattr(response, "close"):
                    response.close()


_in_process_lock = threading.Lock()


def serialize_in_process_moto() -> None:
    """moto's in-process mock (`mock_aws`: the unit tests and the benches) answers the process's AWS calls one at a
    time, as the emulator serves DynamoDB: code that calls AWS from several threads (the scheduled checks) would
    otherwise have moto deep-copy a table for a transaction while another thread writes to it."""
    if getattr(BotocoreStubber.process_request, "serialized", False):
        return
    unserialized = BotocoreStubber.process_request

    def process_request(self: BotocoreStubber, request: Any) -> Any:
        with _in_process_lock:
            return unserialized(self, request)

    process_request.serialized = True  # type: ignore[attr-defined]
    BotocoreStubber.process_request = process_request  # type: ignore[method-assign]


def serve(port: int) -> None:
    """Serve the emulator on 127.0.0.1 until SIGTERM: `python -m localcloud.emulator --port N`."""
    moto_speedups.apply()
    lsi_fetch.apply()
    roles = role_statements(local_stage_arns())
    # A presigned upload is signed by the function that issued it: every key of the local cloud has the one secret.
    s3_post_policy.apply(dict.fromkeys((TOOLING_ACCESS_KEY, *map(function_access_key, roles)), SECRET_ACCESS_KEY))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the supervisor, which saves the data first
    exit_with_parent()
    app = IamGate(
        SerializedDynamoDB(DomainDispatcherApplication(create_backend_app)),
        roles,
        account=LOCAL_ACCOUNT,
        region=LOCAL_REGION,
        resources=MotoResources(LOCAL_ACCOUNT),
    )
    # waitress rather than moto's werkzeug server, which closes the connection after every response: each AWS
    # call then paid a TCP connection and a thread, and the emulator spent more on sockets than on DynamoDB.
    # Its threads: the serialized DynamoDB requests, plus SQS long polls (one per queue worker) held meanwhile.
    # Requests waiting for a thread are the normal state under load (DynamoDB's are served one at a time): waitress
    # warned of each ("Task queue depth is N"), a line per request in the developer's terminal.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    waitress.serve(app, host="127.0.0.1", port=port, threads=SERVER_THREADS, connection_limit=MAX_CONNECTIONS,
                   ident="kotoba-local-aws", _quiet=True)  # fmt: skip


def local_stage_arns() -> StageArns:
    """Where the local cloud's resources are: what its functions' roles are rendered for."""
    return StageArns(
        stage=LOCAL_STAGE,
        account=LOCAL_ACCOUNT,
        region=LOCAL_REGION,
        media_bucket=LOCAL_MEDIA_BUCKET,
        mail=MailSender(LOCAL_SES_SENDER),
    )


@dataclass(frozen=True)
class Emulator:
    process: subprocess.Popen[bytes]
    endpoint_url: str

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_emulator(port: int) -> Emulator:
    """The emulator in a process of its own, once it answers: its work (every AWS call of the API, the workers
    and the pump) then never waits for the API's Python, nor the API's for it, on one interpreter lock."""
    process = subprocess.Popen([sys.executable, "-m", "localcloud.emulator", "--port", str(port)])
    emulator = Emulator(process=process, endpoint_url=f"http://127.0.0.1:{port}")
    if answers_within(f"{emulator.endpoint_url}/moto-api/", START_TIMEOUT_SECONDS, lambda: process.poll() is not None):
        return emulator
    if process.poll() is not None:
        raise RuntimeError(f"the AWS emulator exited with code {process.returncode} (is port {port} free?)")
    emulator.stop()
    raise RuntimeError(f"the AWS emulator did not answer on port {port} within {START_TIMEOUT_SECONDS} s")


def local_environment(endpoint_url: str, log_level: str = "WARNING") -> dict[str, str]:
    """The variables that point every boto3 and PynamoDB client at the emulator, as the local cloud's functions, and
    have their Powertools loggers write from `log_level` up (uvicorn's access log still shows each request)."""
    # Powertools warns on every handler call that publishes no metric; locally none is ever published.
    warnings_filter = "ignore:No application metrics to publish:UserWarning"
    return {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ACCESS_KEY_ID": TOOLING_ACCESS_KEY,  # a function's calls are signed as the function (identity.py)
        "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        "AWS_DEFAULT_REGION": LOCAL_REGION,
        "AWS_REGION": LOCAL_REGION,
        Env.STAGE: LOCAL_STAGE,
        Env.MEDIA_BUCKET: LOCAL_MEDIA_BUCKET,
        Env.SES_SENDER: LOCAL_SES_SENDER,
        Env.TTS_ENGINE: "openjtalk",  # the emulator's Polly returns silence
        Env.API_DOCS: "true",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": log_level,
        "PYTHONWARNINGS": ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), warnings_filter])),
    }


def point_environment_at(endpoint_url: str, log_level: str = "WARNING") -> None:
    """Make every boto3 and PynamoDB client in this process (and its children) talk to the emulator."""
    os.environ.update(local_environment(endpoint_url, log_level))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m localcloud.emulator", description=serve.__doc__)
    parser.add_argument("--port", type=int, default=4566)
    serve(parser.parse_args().port)


if __name__ == "__main__":
    main()
