"""The FastAPI app factory: every API function and the local server build their app here."""

from fastapi import APIRouter, FastAPI

from shared.api.errors import install_error_handlers
from shared.api.middleware import install_middleware
from shared.api.openapi import API_DESCRIPTION, install_openapi, operation_id
from shared.constants import API_PREFIX


def create_app(*routers: APIRouter) -> FastAPI:
    app = FastAPI(
        title="Kotoba API",
        version="1.0.0",
        description=API_DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        generate_unique_id_function=operation_id,
    )
    install_middleware(app)
    install_error_handlers(app)
    install_openapi(app)
    for router in routers:
        app.include_router(router, prefix=API_PREFIX)
    return app
