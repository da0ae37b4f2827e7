"""Request-scoped concerns: a request id on every response and log line, the headers every response carries,
OPTIONS on every path, and a cap on body size."""

from collections.abc import Awaitable, Callable
from uuid import uuid4

from fastapi import FastAPI, Request, Response

from shared.api.errors import allowed_methods, error_response
from shared.observability import logger

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
            try:
                response = await call_next(request)
            except Exception:
                # Handled here, inside this middleware, so that the 500 carries the request id too.
                logger.exception("unhandled error")
                response = error_response(request, 500, "internal_error", "something went wrong on our side")
        response.headers[REQUEST_ID_HEADER] = request.state.request_id
        response.headers.setdefault("Cache-Control", DEFAULT_CACHE_CONTROL)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
