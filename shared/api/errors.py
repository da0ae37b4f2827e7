"""Every failure leaves the API as one JSON shape, `ErrorResponse`, whatever raised it.

Unexpected exceptions become a 500 in `shared.api.middleware`, which also stamps the request id.
"""

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from shared.errors import DomainError, RateLimited
from shared.observability import logger
from shared.schemas.common import ErrorBody, ErrorDetail, ErrorResponse

_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "dependency_unavailable",
}

# What each documented status means in this API; `shared.api.openapi` adds the ones every operation of a kind has.
ERROR_DESCRIPTIONS: Mapping[int, str] = {
    400: "Input the schema cannot check is refused (`invalid_input`): a cursor that is not one of ours, "
    "a one-time token that is unknown, used or expired.",
    401: "No access token, or one that is invalid, expired or of an ended session (`not_authenticated`).",
    403: "The caller may not do this (`forbidden`, `email_not_verified`).",
    404: "Nothing with that id, or nothing the caller may see (`not_found`).",
    409: "The request conflicts with the current state; reload and try again (`conflict`).",
    413: "The body is larger than 64 KiB (`payload_too_large`).",
    422: "The request does not match its schema, or breaks a rule that depends on several fields "
    "(`validation_error`); `details` lists the first 20 problems.",
    429: "Too many attempts; wait for `Retry-After` seconds (`rate_limited`).",
    500: "Something went wrong on our side (`internal_error`); quote the request id.",
    503: "Something the operation needs is not available yet or not answering (`dependency_unavailable`): "
    "tokens, before a new stage's first signing-key rotation; the deep health check, a table or the bucket "
    "(`details` names it). Try again later.",
}
RETRY_AFTER_HEADER: dict[str, Any] = {
    "description": "Seconds until the attempt may be repeated.",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}

MAX_VALIDATION_DETAILS = 20  # a body of thousands of unknown keys must not answer with thousands of details
MAX_DETAIL_CHARS = 200


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route for the error statuses it raises itself (403, 409, 429…).

    Those that follow from the operation's shape (401 with a token, 404 with a path id, 400 with a cursor,
    413/422 with input, 500 always) are added to every such operation by `shared.api.openapi`.
    """
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        response: dict[str, Any] = {"model": ErrorResponse, "description": ERROR_DESCRIPTIONS[status]}
        if status == 429:
            response["headers"] = {"Retry-After": RETRY_AFTER_HEADER}
        responses[status] = response
    return responses


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


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers at this request's path, plus OPTIONS (answered on every path); none
    when no route has this path. Each route knows only its own methods, so they are gathered from all."""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.router.routes):
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= set(route.methods or ())
    return sorted(methods | {"OPTIONS"}) if methods else []


def _clip(text: str) -> str:
    return text if len(text) <= MAX_DETAIL_CHARS else f"{text[: MAX_DETAIL_CHARS - 1]}…"


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    headers = {"Retry-After": str(exc.retry_after_seconds)} if isinstance(exc, RateLimited) else None
    details = [ErrorDetail.model_validate(detail) for detail in exc.details]
    if exc.status_code >= 500:
        logger.error("request failed", extra={"code": exc.code, "details": exc.details})
    return error_response(request, exc.status_code, exc.code, exc.message, details, headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = exc.errors()
    details = [
        ErrorDetail(
            field=_clip(".".join(str(part) for part in error.get("loc", ()))),
            message=_clip(str(error.get("msg", "invalid value"))),
            type=_clip(str(error.get("type", ""))) or None,
        )
        for error in problems[:MAX_VALIDATION_DETAILS]
    ]
    message = "the request is not valid"
    if len(problems) > MAX_VALIDATION_DETAILS:
        message += f": {len(problems)} problems, the first {MAX_VALIDATION_DETAILS} are listed"
    return error_response(request, 422, "validation_error", message, details)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
        # FastAPI's "error parsing the body" (bytes that are not UTF-8): as unusable as malformed JSON, so the
        # same 422 that JSON FastAPI cannot decode gets.
        detail = ErrorDetail(field="body", message="the body is not JSON in UTF-8", type="json_invalid")
        return error_response(request, 422, "validation_error", "the request is not valid", [detail])
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    return error_response(request, exc.status_code, code, message, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
