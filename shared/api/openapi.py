"""The OpenAPI document as a client generator reads it.

FastAPI writes the paths and schemas; this module adds what it cannot know: the statuses that follow from an
operation's shape (each route names only those it raises itself, with `shared.api.errors.errors`), the headers
every response carries, bearer authentication as the default with public operations marked `security: []`,
the servers, and rules the server enforces in code that the request schemas do not state.

`python -m shared.api.openapi [PATH]` writes the document of the whole API (every router) to `docs/openapi.json`;
a test fails when the served document differs from that file.
"""

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic.json_schema import models_json_schema

from shared.api.errors import ERROR_DESCRIPTIONS
from shared.schemas.common import ErrorResponse
from shared.services import rate_limits

DOCUMENT_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
REGENERATE = "python -m shared.api.openapi"
SCHEMA_REF = "#/components/schemas/"
BEARER = "HTTPBearer"

SERVERS: list[dict[str, Any]] = [
    {"url": "http://127.0.0.1:8000", "description": "The local cloud (`make local`)."},
    {
        "url": "https://{api_id}.execute-api.{region}.amazonaws.com/{stage}",
        "description": "A deployed stage: the `ApiUrl` output of its API stack.",
        "variables": {
            "api_id": {"default": "abcdef1234", "description": "The REST API's id."},
            "region": {"default": "us-east-1"},
            "stage": {"default": "dev", "description": "The stage the stack was deployed as (`-c stage=…`)."},
        },
    },
]

# Every response of every operation carries these (shared.api.middleware stamps them).
COMMON_HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-Id": {
        "description": "This request's id, also in every log line of it and in an error's `request_id`.",
        "required": True,
        "schema": {"type": "string"},
    },
    "Cache-Control": {
        "description": "`no-store`: responses carry tokens and learners' data. Only the TTS audio redirect may be "
        "cached, privately and for 5 minutes.",
        "required": True,
        "schema": {"type": "string", "examples": ["no-store"]},
    },
    "X-Content-Type-Options": {"required": True, "schema": {"type": "string", "enum": ["nosniff"]}},
}

# A JSON GET's 200 carries a weak ETag of its body; sent back in If-None-Match, an unchanged body is a 304.
ETAG_HEADER: dict[str, Any] = {
    "description": "A weak tag of this body: send it as `If-None-Match` to get a 304 while the body is unchanged.",
    "required": True,
    "schema": {"type": "string", "examples": ['W/"q1w2e3r4t5y6u7i8o9p0aA"']},
}
IF_NONE_MATCH: dict[str, Any] = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "The `ETag` of the copy the client holds: a 304 without a body while the answer is the same.",
    "schema": {"type": "string"},
}
NOT_MODIFIED: dict[str, Any] = {"description": "Unchanged since the `ETag` sent in `If-None-Match`: no body."}

# The limits of shared.services.rate_limits, by the operation that counts them.
RATE_LIMITS: list[tuple[str, str, rate_limits.RateLimit]] = [
    ("POST /auth/login", "attempts per client IP", rate_limits.LOGIN_PER_IP),
    ("POST /auth/login", "wrong passwords per account", rate_limits.LOGIN_FAILURES_PER_ACCOUNT),
    ("POST /auth/register", "attempts per client IP", rate_limits.REGISTER_PER_IP),
    ("POST /auth/register", "attempts per e-mail address", rate_limits.REGISTER_PER_ACCOUNT),
    ("POST /auth/verify-email", "attempts per client IP", rate_limits.VERIFY_PER_IP),
    ("POST /auth/resend-verification", "attempts per client IP", rate_limits.VERIFY_PER_IP),
    ("POST /auth/resend-verification", "attempts per e-mail address", rate_limits.RESEND_PER_ACCOUNT),
    ("POST /auth/forgot-password", "attempts per client IP", rate_limits.FORGOT_PER_IP),
    ("POST /auth/forgot-password", "attempts per e-mail address", rate_limits.FORGOT_PER_ACCOUNT),
    ("POST /auth/reset-password", "attempts per client IP", rate_limits.RESET_PER_IP),
]
RATE_LIMIT_HEADERS: dict[str, dict[str, Any]] = {
    "RateLimit-Limit": {
        "description": "The limit closest to refusing this caller on this operation: requests in its window.",
        "schema": {"type": "integer"},
    },
    "RateLimit-Remaining": {"description": "Requests left in that window.", "schema": {"type": "integer"}},
    "RateLimit-Reset": {"description": "Seconds until that window ends.", "schema": {"type": "integer"}},
    "RateLimit-Policy": {
        "description": "That limit as `<requests>;w=<window seconds>`.",
        "schema": {"type": "string", "examples": ["5;w=60"]},
    },
}


def _window(seconds: int) -> str:
    names = {60: "minute", 3600: "hour"}
    return names.get(seconds) or f"{seconds // 60} minutes"


def rate_limits_table() -> str:
    """The limits in Markdown, for the document's description (README quotes the same table)."""
    rows = [
        f"| `{operation}` | {what} | {rule.limit} per {_window(rule.window_seconds)} | "
        f"{round(rule.limit * 60 / rule.window_seconds, 2):g} |"
        for operation, what, rule in RATE_LIMITS
    ]
    header = "| Operation | Counted | Limit | Per minute |\n|---|---|---|---|\n"
    return header + "\n".join(rows)


EMAIL_RULE = {"format": "email", "description": "An e-mail address; addresses are compared lower-cased."}
TIME_ZONE_RULE = {
    "description": "An IANA time zone name (the tz database, e.g. `Asia/Tokyo`), or `UTC`; anything else is a 422. "
    "The learner's day, streak and daily limits begin at its midnight.",
    "examples": ["Asia/Tokyo"],
}
# Checked in code (shared.schemas.auth), stated here: (schema, property) -> keywords added to the property.
PROPERTY_RULES: dict[tuple[str, str], dict[str, Any]] = {
    ("RegisterRequest", "email"): EMAIL_RULE,
    ("LoginRequest", "email"): EMAIL_RULE,
    ("EmailRequest", "email"): EMAIL_RULE,
    ("RegisterRequest", "timezone"): TIME_ZONE_RULE,
    ("PreferencesUpdate", "timezone"): TIME_ZONE_RULE,
}

API_DESCRIPTION = """
Backend of the Kotoba Japanese-learning app.

**Authentication.** Operations need `Authorization: Bearer <access token>` (from `/auth/login` or
`/auth/refresh`) unless they are marked public (`security: []`).

**Errors.** Every 4xx and 5xx has the body `{"error": {"code", "message", "details", "request_id"}}`; each
operation lists the statuses it can return. A 422 lists at most 20 problems. Any request whose body is over
64 KiB is refused with a 413. A method a path does not have is a 405 whose `Allow` lists those it has;
`OPTIONS` on any path is a 204 with that `Allow`. In AWS, two answers come from in front of the API, not in
this shape: API Gateway's 429 (`{"message": "Too Many Requests"}`) when the stage's throttle is reached, and,
on stages with a web ACL, AWS WAF's 403 for a request it blocks.

**Headers.** Every response carries `X-Request-Id`, `Cache-Control: no-store` (except the TTS audio redirect)
and `X-Content-Type-Options: nosniff`.

**Rate limits.** The operations below count their requests in fixed windows (per client IP, per account); each
of their answers carries `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds) and
`RateLimit-Policy` for the limit closest to refusing (IETF draft "RateLimit header fields for HTTP"), and a 429
with `Retry-After` once it is reached. Every other operation, the study calls included, is limited only by the
stage's throttle in API Gateway, a steady rate and a burst for the whole stage, not per caller (`dev` and the
stages built like it: 50 requests/s, 3,000 a minute, a burst of 100; `prod`: 5,000/s, 300,000 a minute,
a burst of 10,000), and states no `RateLimit-*` headers; a `POST /progress/reviews:batch` is one request there
however many reviews it holds.

{rate_limits}

**Polling.** Every GET answering JSON carries a weak `ETag` of its body. Send it back as `If-None-Match` and an
unchanged answer is a `304` without a body (the app keeps its copy itself: `no-store` keeps HTTP caches out).
""".replace("{rate_limits}", rate_limits_table())


def operation_id(route: APIRoute) -> str:
    """`<area>_<route function>`, e.g. `progress_finish_session`: short, unique, stable while the names are."""
    return f"{route.tags[0]}_{route.name}" if route.tags else route.name


def _error(status: int) -> dict[str, Any]:
    return {
        "description": ERROR_DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": f"{SCHEMA_REF}ErrorResponse"}}},
    }


def _implied_statuses(operation: dict[str, Any]) -> set[int]:
    """What an operation can answer because of its shape, whatever its route does."""
    parameters = operation.get("parameters", [])
    statuses = {500}
    if operation.get("security"):
        statuses.add(401)  # no, a bad or an expired token
    if any(parameter["in"] == "path" for parameter in parameters):
        statuses.add(404)  # an id that does not exist, or cannot (it is not routed)
    if any(parameter["in"] == "query" and parameter["name"] == "cursor" for parameter in parameters):
        statuses.add(400)  # a cursor that is not one of ours
    if parameters or "requestBody" in operation:
        statuses.add(422)
    if "requestBody" in operation:
        statuses.add(413)
    return statuses


def _complete_operation(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation["responses"]
    for status in _implied_statuses(operation):
        responses.setdefault(str(status), _error(status))
    if "422" in responses:  # FastAPI's own 422 names a body this API never sends
        responses["422"] = _error(422)
    for code, response in responses.items():
        if int(code) >= 400:  # JSON whatever the operation's own media type (an HTML page's errors too)
            response["content"] = _error(int(code))["content"]
    for response in responses.values():
        headers = response.setdefault("headers", {})
        headers.update({name: {"$ref": f"#/components/headers/{name}"} for name in COMMON_HEADERS})
    operation["responses"] = dict(sorted(responses.items()))
    security = operation.get("security")
    if security == [{BEARER: []}]:
        del operation["security"]  # the document's default
    elif not security:
        operation["security"] = []  # public
    # otherwise as the route states it, e.g. an optional token: [{}, {"HTTPBearer": []}]


def _conditional_get(operation: dict[str, Any]) -> None:
    """What shared.api.middleware adds to a GET answering JSON: the tag on its 200, and the 304."""
    ok = operation["responses"].get("200", {})
    if "application/json" not in ok.get("content", {}):
        return
    ok.setdefault("headers", {})["ETag"] = {"$ref": "#/components/headers/ETag"}
    headers = {name: {"$ref": f"#/components/headers/{name}"} for name in (*COMMON_HEADERS, "ETag")}
    operation["responses"] = dict(
        sorted({**operation["responses"], "304": {**NOT_MODIFIED, "headers": headers}}.items())
    )
    operation.setdefault("parameters", []).append(IF_NONE_MATCH)


def _state_quotas(operation: dict[str, Any]) -> None:
    """An operation counted by a rate limit (it can answer 429) states the limit on its answers."""
    if "429" not in operation["responses"]:
        return
    for code, response in operation["responses"].items():
        if code.startswith("2") or code == "429":
            response["headers"].update({name: {"$ref": f"#/components/headers/{name}"} for name in RATE_LIMIT_HEADERS})


def _state_rules(schemas: dict[str, Any]) -> None:
    for (schema, prop), rule in PROPERTY_RULES.items():
        schemas[schema]["properties"][prop].update(rule)


def build_document(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        servers=SERVERS,
    )
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    _, error_schemas = models_json_schema([(ErrorResponse, "serialization")], ref_template=f"{SCHEMA_REF}{{model}}")
    for name, schema in error_schemas.get("$defs", {}).items():
        schemas.setdefault(name, schema)
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    _state_rules(schemas)
    components["headers"] = COMMON_HEADERS | RATE_LIMIT_HEADERS | {"ETag": ETAG_HEADER}
    components["schemas"] = dict(sorted(schemas.items()))
    bearer = components.setdefault("securitySchemes", {}).get(BEARER)
    if bearer is not None:
        bearer["bearerFormat"] = "JWT"
        document["security"] = [{BEARER: []}]
    for path_item in document["paths"].values():
        for method, operation in path_item.items():
            _complete_operation(operation)
            _state_quotas(operation)
            if method == "get":
                _conditional_get(operation)
    return document


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to customise the document


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def whole_api() -> FastAPI:
    """The app with every router, as the local cloud serves it (each function serves only some of them)."""
    from shared.api.app import create_app
    from shared.api.routers import admin, ai, auth, health, learning, progress, users

    return create_app(
        auth.router,
        users.router,
        learning.router,
        progress.router,
        ai.router,
        admin.router,
        health.router,
        serves_docs=True,
    )


@cache
def whole_api_document() -> dict[str, Any]:
    """The document of every router, built once per process: the function that serves the docs in AWS has only some
    of the routers, and imports the others here, at the first request for the document rather than at its start."""
    return whole_api().openapi()


def main(argv: list[str]) -> None:
    target = Path(argv[0]) if argv else DOCUMENT_PATH
    target.write_text(render(whole_api().openapi()), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main(sys.argv[1:])
