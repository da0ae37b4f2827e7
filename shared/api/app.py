"""The FastAPI app factory: every API function and the local server build their app here."""

from fastapi import APIRouter, FastAPI

from shared.api.errors import ERROR_RESPONSES, install_error_handlers
from shared.api.middleware import install_middleware
from shared.constants import API_PREFIX

API_DESCRIPTION = """
Backend of the Kotoba Japanese-learning app. Every error has the body
`{"error": {"code", "message", "details", "request_id"}}`.
"""


def create_app(*routers: APIRouter) -> FastAPI:
    app = FastAPI(
        title="Kotoba API",
        version="1.0.0",
        description=API_DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    install_middleware(app)
    install_error_handlers(app)
    for router in routers:
        app.include_router(router, prefix=API_PREFIX, responses=ERROR_RESPONSES)
    return app
