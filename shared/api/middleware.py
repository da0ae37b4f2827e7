"""Request-scoped concerns: a request id on every response and log line, the headers every response carries,
OPTIONS on every path, a cap on body size, and conditional GETs (ETag, If-None-Match, 304)."""

import base64
import hashlib
from collections.abc import Awaitable, Callable
from uuid import uuid4

from fastapi import FastAPI, Request, Response

from shared.api.errors import allowed_methods, error_response
from shared.observability import logger
from shared.services import rate_limits

MAX_BODY_BYTES = 64 * 1024  # JSON bodies only: media goes straight to S3 through presigned posts
REQUEST_ID_HEADER = "X-Request-Id"
# Responses carry tokens and learners' data: nothing is stored by a browser or a proxy unless a route says
# otherwise by setting its own Cache-Control (the TTS audio redirect does).
DEFAULT_CACHE_CONTROL = "no-store"


def _request_id(request: Request) -> str:
    """The Lambda request id when Mangum runs us, otherwise a fresh one (local server, tests)."""
    lambda_context = request.scope.get("aws.context")
    return getattr(lambda_context, "aws_request_id", None) or str(uuid4())


def _declared_too_large(request: Request) -> bool:
    declared = request.headers.get("content-length", "")
    # ASCII digits only: str.isdigit() also accepts "²" or "٣", which int() then refuses.
    return declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY_BYTES


def _entity_tag(body: bytes) -> str:
    """A weak tag of the body as sent: equal bodies, equal tags (the JSON is written the same way every time)."""
    digest = hashlib.sha256(body).digest()[:16]
    return f'W/"{base64.urlsafe_b64encode(digest).decode().rstrip("=")}"'


def _matches(if_none_match: str, tag: str) -> bool:
    """RFC 9110's weak comparison: `*`, or any listed tag with the same opaque part, W/ or not."""
    opaque = tag.removeprefix("W/")
    listed = [part.strip() for part in if_none_match.split(",")]
    return "*" in listed or any(part.removeprefix("W/") == opaque for part in listed)


async def _conditional(request: Request, response: Response) -> Response:
    """A successful JSON GET gets an ETag of its body; a client sending it back in If-None-Match while the body is
    the same gets a 304 without it. The body is still computed (the tag is of it): what is saved is the transfer,
    which is what a phone polling on a slow network pays for."""
    if request.method != "GET" or response.status_code != 200:
        return response
    if response.headers.get("content-type", "").split(";")[0] != "application/json":
        return response
    body = b"".join([chunk async for chunk in response.body_iterator])  # type: ignore[attr-defined]
    tag = _entity_tag(body)
    unchanged = _matches(request.headers.get("if-none-match", ""), tag)
    dropped = {b"content-length", b"content-type"} if unchanged else {b"content-length"}
    conditional = Response(status_code=304) if unchanged else Response(content=body, status_code=200)
    conditional.raw_headers = [
        *((name, value) for name, value in response.raw_headers if name.lower() not in dropped),
        *((name, value) for name, value in conditional.raw_headers if name == b"content-length"),
        (b"etag", tag.encode()),
    ]
    return conditional


def _state_quota(response: Response, quota: rate_limits.Quota | None) -> None:
    """The limit of shared.services.rate_limits closest to refusing this caller, as the IETF draft "RateLimit header
    fields for HTTP" states it; none on operations that no such limit counts."""
    if quota is None:
        return
    response.headers["RateLimit-Limit"] = str(quota.limit)
    response.headers["RateLimit-Remaining"] = str(quota.remaining)
    response.headers["RateLimit-Reset"] = str(quota.reset_seconds)
    response.headers["RateLimit-Policy"] = f"{quota.limit};w={quota.window_seconds}"


def _options(request: Request) -> Response:
    """OPTIONS on a path that exists is a 204 listing its methods; on any other path a 404."""
    methods = allowed_methods(request)
    if not methods:
        return error_response(request, 404, "not_found", "Not Found")
    return Response(status_code=204, headers={"Allow": ", ".join(methods)})


def install_middleware(app: FastAPI) -> None:
    @app.middleware("http")
    async def request_context(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request.state.request_id = _request_id(request)
        logger.append_keys(request_id=request.state.request_id)
        if _declared_too_large(request):
            response: Response = error_response(
                request, 413, "payload_too_large", f"the body is larger than {MAX_BODY_BYTES} bytes"
            )
        elif request.method == "OPTIONS":
            response = _options(request)
        else:
            quotas = rate_limits.track_quotas()
            try:
                response = await _conditional(request, await call_next(request))
                _state_quota(response, quotas.closest)
            except Exception:
                # Handled here, inside this middleware, so that the 500 carries the request id too.
                logger.exception("unhandled error")
                response = error_response(request, 500, "internal_error", "something went wrong on our side")
        response.headers[REQUEST_ID_HEADER] = request.state.request_id
        response.headers.setdefault("Cache-Control", DEFAULT_CACHE_CONTROL)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
