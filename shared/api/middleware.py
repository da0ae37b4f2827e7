"""Request-scoped concerns: a request id on every response and log line, and a cap on body size."""

from collections.abc import Awaitable, Callable
from uuid import uuid4

from fastapi import FastAPI, Request, Response

from shared.api.errors import error_response
from shared.observability import logger

MAX_BODY_BYTES = 64 * 1024  # JSON bodies only: media goes straight to S3 through presigned posts
REQUEST_ID_HEADER = "X-Request-Id"


def _request_id(request: Request) -> str:
    """The Lambda request id when Mangum runs us, otherwise a fresh one (local server, tests)."""
    lambda_context = request.scope.get("aws.context")
    return getattr(lambda_context, "aws_request_id", None) or str(uuid4())


def install_middleware(app: FastAPI) -> None:
    @app.middleware("http")
    async def request_context(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request.state.request_id = _request_id(request)
        logger.append_keys(request_id=request.state.request_id)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            response: Response = error_response(
                request, 413, "payload_too_large", f"the body is larger than {MAX_BODY_BYTES} bytes"
            )
        else:
            try:
                response = await call_next(request)
            except Exception:
                # Handled here, inside this middleware, so that the 500 carries the request id too.
                logger.exception("unhandled error")
                response = error_response(request, 500, "internal_error", "something went wrong on our side")
        response.headers[REQUEST_ID_HEADER] = request.state.request_id
        return response
