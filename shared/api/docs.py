"""The API's documentation: Swagger UI at /docs and ReDoc at /redoc, with their scripts and styles served by the API
itself from the files the `fastapi-offline` package ships. FastAPI's own pages load them from a CDN, so offline
(a developer on a train, a locked-down laptop) /docs was a blank page.

Every URL in the pages is relative ("docs/assets/…", "api/v1/openapi.json"): behind API Gateway the pages live under
the stage's path (`/dev/docs`), which the function never sees, and an absolute path would drop it. That holds because
both pages sit at the root (constants.DocsPaths). The favicon is inline, as a data: URL, so that no binary response
has to cross API Gateway (a REST API returns a base64 body as text unless told which types are binary).

The pages, the assets and the document answer 404, like any path that does not exist, unless the settings turn docs
on (`Settings.api_docs`: the local cloud and dev stages).
"""

import base64
import hashlib
import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

from fastapi import APIRouter, Depends
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from shared.constants import API_TITLE, DocsPaths
from shared.errors import NotFound
from shared.settings import get_settings

# Served file name -> media type: what the two pages load, and nothing else of the package.
ASSETS: Final = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
}
FAVICON: Final = "favicon.png"
# Swagger UI would otherwise send the document's URL to validator.swagger.io for a badge.
SWAGGER_UI_PARAMETERS: Final = {"validatorUrl": None, "displayRequestDuration": True}
NOT_FOUND_MESSAGE: Final = "Not Found"  # what FastAPI answers for a path it does not route
# Both UIs set inline styles; ReDoc builds its search index in a worker made from a blob: URL.
CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; script-src 'self'{inline_scripts}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
INLINE_SCRIPT: Final = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def relative(path: str) -> str:
    """`path` as a URL relative to a page at the root (`/docs`, `/redoc`)."""
    return path.removeprefix("/")


def asset_url(name: str) -> str:
    return f"{relative(DocsPaths.ASSETS)}/{name}"


@cache
def _assets_dir() -> Path:
    return Path(str(resources.files("fastapi_offline").joinpath("static")))


@cache
def favicon_data_url() -> str:
    return "data:image/png;base64," + base64.b64encode((_assets_dir() / FAVICON).read_bytes()).decode("ascii")


def require_docs_enabled() -> None:
    if not get_settings().api_docs:
        raise NotFound(NOT_FOUND_MESSAGE)


def with_content_security_policy(page: HTMLResponse) -> HTMLResponse:
    """The page may load only from the API's own origin, and run only its own inline script: ReDoc's sidebar shows a
    logo from cdn.redoc.ly that no option turns off, and this keeps the browser from asking for it."""
    body = bytes(page.body).decode()
    inline_scripts = "".join(
        f" 'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in INLINE_SCRIPT.findall(body)
    )
    page.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.format(inline_scripts=inline_scripts)
    return page


def swagger_ui_page() -> HTMLResponse:
    page = get_swagger_ui_html(
        openapi_url=relative(DocsPaths.OPENAPI),
        title=f"{API_TITLE} - Swagger UI",
        swagger_js_url=asset_url("swagger-ui-bundle.js"),
        swagger_css_url=asset_url("swagger-ui.css"),
        swagger_favicon_url=favicon_data_url(),
        swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
    )
    return with_content_security_policy(page)


def redoc_page() -> HTMLResponse:
    page = get_redoc_html(
        openapi_url=relative(DocsPaths.OPENAPI),
        title=f"{API_TITLE} - ReDoc",
        redoc_js_url=asset_url("redoc.standalone.js"),
        redoc_favicon_url=favicon_data_url(),
        with_google_fonts=False,  # ReDoc falls back to the system's fonts
    )
    return with_content_security_policy(page)


def docs_router(document: Callable[[], dict[str, Any]]) -> APIRouter:
    """The pages, their assets and `document()` (the OpenAPI document they show), outside the OpenAPI document."""
    router = APIRouter(include_in_schema=False, dependencies=[Depends(require_docs_enabled)])

    @router.get(DocsPaths.OPENAPI)
    def openapi_document() -> JSONResponse:
        return JSONResponse(document())

    @router.get(DocsPaths.SWAGGER_UI)
    def swagger_ui() -> HTMLResponse:
        return swagger_ui_page()

    @router.get(DocsPaths.REDOC)
    def redoc() -> HTMLResponse:
        return redoc_page()

    @router.get(f"{DocsPaths.ASSETS}/{{name}}")
    def asset(name: str) -> FileResponse:
        media_type = ASSETS.get(name)
        if media_type is None:
            raise NotFound(NOT_FOUND_MESSAGE)
        return FileResponse(_assets_dir() / name, media_type=media_type)

    return router
