"""The embedded AWS: moto server on 127.0.0.1 in a process of its own, and the environment that points every
client at it."""

import argparse
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import waitress
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from localcloud import moto_speedups
from localcloud.lifetime import answers_within, exit_with_parent
from shared.constants import Buckets, Env, physical_name
from shared.settings import LOCAL_STAGE

LOCAL_REGION = "us-east-1"
LOCAL_ACCOUNT = "123456789012"  # moto's default account
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


def serve(port: int) -> None:
    """Serve the emulator on 127.0.0.1 until SIGTERM: `python -m localcloud.emulator --port N`."""
    moto_speedups.apply()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the supervisor, which saves the data first
    exit_with_parent()
    app = SerializedDynamoDB(DomainDispatcherApplication(create_backend_app))
    # waitress rather than moto's werkzeug server, which closes the connection after every response: each AWS
    # call then paid a TCP connection and a thread, and the emulator spent more on sockets than on DynamoDB.
    # Its threads: the serialized DynamoDB requests, plus SQS long polls (one per queue worker) held meanwhile.
    waitress.serve(app, host="127.0.0.1", port=port, threads=SERVER_THREADS, connection_limit=MAX_CONNECTIONS,
                   ident="kotoba-local-aws", _quiet=True)  # fmt: skip


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


def point_environment_at(endpoint_url: str, log_level: str = "WARNING") -> None:
    """Make every boto3 and PynamoDB client in this process (and its children) talk to the emulator, and their
    Powertools loggers write from `log_level` up (uvicorn's access log still shows each request)."""
    # Powertools warns on every handler call that publishes no metric; locally none is ever published.
    warnings_filter = "ignore:No application metrics to publish:UserWarning"
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": LOCAL_REGION,
            "AWS_REGION": LOCAL_REGION,
            Env.STAGE: LOCAL_STAGE,
            Env.MEDIA_BUCKET: physical_name(LOCAL_STAGE, Buckets.MEDIA),
            Env.TTS_ENGINE: "openjtalk",  # the emulator's Polly returns silence
            Env.API_DOCS: "true",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": log_level,
            "PYTHONWARNINGS": ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), warnings_filter])),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m localcloud.emulator", description=serve.__doc__)
    parser.add_argument("--port", type=int, default=4566)
    serve(parser.parse_args().port)


if __name__ == "__main__":
    main()
