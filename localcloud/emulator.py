"""The embedded AWS: moto server on 127.0.0.1, and the environment that points every client at it."""

import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

from shared.constants import Buckets, Env, physical_name
from shared.settings import LOCAL_STAGE

LOCAL_REGION = "us-east-1"
LOCAL_ACCOUNT = "123456789012"  # moto's default account

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
        with self._lock:  # the body is read and the whole response produced inside
            response = self._app(environ, start_response)
            try:
                return list(response)
            finally:
                if hasattr(response, "close"):
                    response.close()


class SerializedMotoServer(ThreadedMotoServer):
    """moto's ThreadedMotoServer with its app wrapped in `SerializedDynamoDB`."""

    def _server_entry(self) -> None:
        app = SerializedDynamoDB(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()


@dataclass(frozen=True)
class Emulator:
    server: SerializedMotoServer
    endpoint_url: str

    def stop(self) -> None:
        self.server.stop()


def start_emulator(port: int) -> Emulator:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per emulated AWS call is noise
    server = SerializedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return Emulator(server=server, endpoint_url=f"http://127.0.0.1:{port}")


def point_environment_at(endpoint_url: str) -> None:
    """Make every boto3 and PynamoDB client in this process (and its children) talk to the emulator."""
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
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
    )
