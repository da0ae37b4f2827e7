"""The documentation pages work offline: /docs and /redoc reference no other host, their scripts and styles come from
the installed package through the API itself, every URL is relative (so the pages work under an API Gateway stage's
path), and nothing of it answers where the settings turn docs off. The rendering is checked in a real browser by
tests/e2e/test_docs_in_a_browser.py."""

import base64
import hashlib
import re
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from shared.api.app import create_app
from shared.api.docs import ASSETS
from shared.api.openapi import whole_api_document
from shared.api.routers import health
from shared.settings import get_settings
from tests.helpers import assert_error

STATIC = Path(str(resources.files("fastapi_offline").joinpath("static")))


class References(HTMLParser):
    """Every URL a page makes the browser load: src and href attributes, and ReDoc's spec-url."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in {"src", "href", "spec-url"} and value]


def references(html: str) -> list[str]:
    parser = References()
    parser.feed(html)
    return [url if not url.startswith("data:") else url.split(",", 1)[0] for url in parser.urls]


@pytest.fixture
def docs_client() -> TestClient:
    """Docs need no AWS: an app serving docs beside one router, as the admin function does."""
    return TestClient(create_app(health.router, serves_docs=True), raise_server_exceptions=False)


def test_swagger_ui_loads_only_relative_urls_and_the_api_document(docs_client: TestClient) -> None:
    # Given docs turned on (the test settings), When the page is fetched
    page = docs_client.get("/docs")

    # Then it loads Swagger UI from the API itself, by relative URLs, and names no host anywhere
    assert (page.status_code, page.headers["content-type"]) == (200, "text/html; charset=utf-8")
    assert references(page.text) == [
        "docs/assets/swagger-ui.css",
        "data:image/png;base64",
        "docs/assets/swagger-ui-bundle.js",
    ]
    assert "url: 'api/v1/openapi.json'" in page.text
    assert '"validatorUrl": null' in page.text  # no badge fetched from validator.swagger.io
    assert "http://" not in page.text and "https://" not in page.text and "//" + "cdn" not in page.text


def test_redoc_loads_only_relative_urls_and_no_fonts(docs_client: TestClient) -> None:
    # Given docs turned on, When the ReDoc page is fetched
    page = docs_client.get("/redoc")

    # Then its script and document are relative and no Google font is linked
    assert page.status_code == 200
    assert references(page.text) == ["data:image/png;base64", "api/v1/openapi.json", "docs/assets/redoc.standalone.js"]
    assert "http://" not in page.text and "https://" not in page.text


@pytest.mark.parametrize(("path", "inline_scripts"), [("/docs", 1), ("/redoc", 0)])
def test_pages_may_load_only_from_their_own_origin(docs_client: TestClient, path: str, inline_scripts: int) -> None:
    # Given docs turned on, When a page is fetched
    page = docs_client.get(path)

    # Then its policy allows the API's origin and the page's own inline script (by hash) only
    scripts = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    hashes = "".join(f" 'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts)
    assert len(scripts) == inline_scripts
    assert page.headers["content-security-policy"] == (
        f"default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )


@pytest.mark.parametrize("name", sorted(ASSETS))
def test_each_asset_is_the_packaged_file(docs_client: TestClient, name: str) -> None:
    # Given a file the pages load, When it is fetched through the API
    response = docs_client.get(f"/docs/assets/{name}")

    # Then it is byte for byte the file the package ships, with its type
    assert response.status_code == 200
    assert response.content == (STATIC / name).read_bytes()
    assert response.headers["content-type"] == ASSETS[name]


@pytest.mark.parametrize("path", ["/docs/assets/favicon.png", "/docs/assets/core.py", "/docs/assets/..%2F__init__.py"])
def test_nothing_else_of_the_package_is_served(docs_client: TestClient, path: str) -> None:
    # Given a file the pages do not load (or a path that climbs out), When it is asked for, Then it is a 404
    assert_error(docs_client.get(path), 404, "not_found")


def test_the_document_is_the_whole_apis_even_beside_one_router(docs_client: TestClient) -> None:
    # Given an app with the health router only, When its docs' document is fetched
    document = docs_client.get("/api/v1/openapi.json").json()

    # Then it describes every router of the API, as the committed docs/openapi.json does
    assert document == whole_api_document()
    assert "/api/v1/progress/review" in document["paths"]


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/docs/assets/swagger-ui.css", "/api/v1/openapi.json"])
def test_docs_turned_off_answer_like_paths_that_do_not_exist(monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    # Given a stage whose settings turn docs off (prod)
    monkeypatch.setenv("KOTOBA_API_DOCS", "false")
    get_settings.cache_clear()
    client = TestClient(create_app(health.router, serves_docs=True), raise_server_exceptions=False)

    # When any part of the docs is asked for, Then it is the 404 of an unknown path
    error = assert_error(client.get(path), 404, "not_found")
    assert error["message"] == "Not Found"


def test_an_app_without_docs_serves_none(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given docs turned on, but an app that does not serve them (the study, auth and media functions)
    app: FastAPI = create_app(health.router)
    client = TestClient(app, raise_server_exceptions=False)

    # When the pages or the document are asked for, Then they are not there
    for path in ("/docs", "/redoc", "/api/v1/openapi.json"):
        assert_error(client.get(path), 404, "not_found")
