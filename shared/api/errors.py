"""Every failure leaves the API as one JSON shape, `ErrorResponse`, whatever raised it.

Unexpected exceptions become a 500 in `shared.api.middleware`, which also stamps the request id.
"""

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.errors import DomainError, RateLimited
from shared.observability import logger
from shared.schemas.common import ErrorBody, ErrorDetail, ErrorResponse

_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}

# Documented on every route, so that the OpenAPI schema names the body the app actually sends.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": code.replace("_", " ")}
    for status, code in {**_HTTP_CODES, 500: "internal_error"}.items()
    if status in {400, 401, 403, 404, 413, 422, 429, 500}
}


def request_id_of(request: Request) -> str:
    return str(getattr(request.state, "request_id", "unknown"))


def error_response(
    request: Request,
    status_code: int,
    code: str,
    message: str,
    details: list[ErrorDetail] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = ErrorResponse(
        error=ErrorBody(code=code, message=message, details=details or [], request_id=request_id_of(request))
    )
    return JSONResponse(status_code=status_code, content=body.model_dump(mode="json"), headers=headers)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    headers = {"Retry-After": str(exc.retry_after_seconds)} if isinstance(exc, RateLimited) else None
    details = [ErrorDetail.model_validate(detail) for detail in exc.details]
    if exc.status_code >= 500:
        logger.error("request failed", extra={"code": exc.code, "details": exc.details})
    return error_response(request, exc.status_code, exc.code, exc.message, details, headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        ErrorDetail(
            field=".".join(str(part) for part in error.get("loc", ())),
            message=str(error.get("msg", "invalid value")),
            type=str(error.get("type", "")) or None,
        )
        for error in exc.errors()
    ]
    return error_response(request, 422, "validation_error", "the request is not valid", details)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return error_response(request, exc.status_code, code, message, headers=exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
