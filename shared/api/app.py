"""The FastAPI app factory: every API function and the local server build their app here."""

from fastapi import APIRouter, FastAPI

from shared.api.docs import docs_router
from shared.api.errors import install_error_handlers
from shared.api.middleware import install_middleware
from shared.api.openapi import API_DESCRIPTION, install_openapi, operation_id, whole_api_document
from shared.constants import API_PREFIX, API_TITLE


def create_app(*routers: APIRouter, serves_docs: bool = False) -> FastAPI:
    """An app serving `routers` under API_PREFIX; with `serves_docs`, also the documentation of the whole API (every
    router, not only these), which answers only where the settings turn it on (shared.api.docs)."""
    app = FastAPI(
        title=API_TITLE,
        version="1.0.0",
        description=API_DESCRIPTION,
        # FastAPI's own pages load Swagger UI from a CDN, and its document would be this app's routers only.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=operation_id,
    )
    install_middleware(app)
    install_error_handlers(app)
    install_openapi(app)
    for router in routers:
        app.include_router(router, prefix=API_PREFIX)
    if serves_docs:
        app.include_router(docs_router(whole_api_document))
    return app
