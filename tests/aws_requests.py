"""Real AWS requests, as botocore signs them, turned into the WSGI environments the emulator's IAM gate reads: the
gate is then tested (and measured, bench/iam_gate.py) on what clients send, not on hand-written guesses."""

import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import Any
from urllib.parse import unquote, urlsplit

import boto3
import requests

REGION = "us-east-1"
ENDPOINT = "http://127.0.0.1:4566"


class _Sent(Exception):
    """Raised where botocore would send the request: it is captured, never sent."""


def client(service: str, access_key: str, endpoint_url: str = ENDPOINT) -> Any:
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=endpoint_url,
        aws_access_key_id=access_key,
        aws_secret_access_key="local",
    )


@contextmanager
def _capturing(aws: Any) -> Iterator[list[Any]]:
    captured: list[Any] = []

    def capture(request: Any, **_: Any) -> None:
        captured.append(request)
        raise _Sent

    aws.meta.events.register("before-send", capture)
    try:
        yield captured
    finally:
        aws.meta.events.unregister("before-send", capture)


def signed_environ(aws: Any, operation: str, **parameters: Any) -> dict[str, Any]:
    """The environment of the request `aws.<operation>(**parameters)` would send."""
    with _capturing(aws) as captured, suppress(_Sent):
        getattr(aws, operation)(**parameters)
    (request,) = captured
    return wsgi_environ(request.method, request.url, request.headers, request.body)


def url_environ(method: str, url: str) -> dict[str, Any]:
    """A request of a presigned URL: everything is in the URL."""
    return wsgi_environ(method, url, {}, b"")


def upload_environ(post: Mapping[str, Any], data: bytes) -> dict[str, Any]:
    """The browser POST upload a phone makes with a presigned POST (url and fields)."""
    prepared = requests.Request("POST", post["url"], data=post["fields"], files={"file": data}).prepare()
    return wsgi_environ("POST", post["url"], prepared.headers, prepared.body)


def wsgi_environ(method: str, url: str, headers: Mapping[str, Any], body: Any) -> dict[str, Any]:
    if hasattr(body, "read"):
        body = body.read()
    data = body.encode() if isinstance(body, str) else bytes(body or b"")
    parts = urlsplit(url)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        # WSGI passes the decoded path as Latin-1 code points of its bytes
        "PATH_INFO": unquote(parts.path).encode("utf-8").decode("latin-1"),
        "QUERY_STRING": parts.query,
        "SERVER_NAME": parts.hostname,
        "SERVER_PORT": str(parts.port),
        "wsgi.input": io.BytesIO(data),
        "wsgi.url_scheme": parts.scheme,
        "CONTENT_LENGTH": str(len(data)),
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        text = value.decode() if isinstance(value, bytes) else str(value)
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = text
    return environ
