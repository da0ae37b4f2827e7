"""The documentation in a real browser, offline: headless Chromium opens /docs and /redoc on the local cloud, both
render every operation of the API, and no request leaves the API's origin on 127.0.0.1. Screenshots are kept under
test-artifacts/ (ignored by git) for a person to look at.

`make test` installs what this needs: Debian's chromium package and playwright-core (tests/e2e/browser/)."""

import json
import time
from pathlib import Path
from typing import Any

import pytest

from shared.api.openapi import whole_api_document
from tests.e2e.conftest import LocalCloud
from tests.node_tools import BROWSER_DIR, REPO_ROOT, run_node_tool

pytestmark = pytest.mark.slow

ARTIFACTS_DIR = REPO_ROOT / "test-artifacts" / "docs"
CHROMIUM = Path("/usr/bin/chromium")
# ReDoc's sidebar always shows a logo from cdn.redoc.ly; the page's Content-Security-Policy stops the browser from
# asking for it, and Chromium says so on the console.
REDOC_BLOCKED_LOGO = (
    "Loading the image 'https://cdn.redoc.ly/redoc/logo-mini.svg' violates the following Content Security Policy "
    "directive: \"img-src 'self' data:\". The action has been blocked."
)


def operation_count(document: dict[str, Any]) -> int:
    return sum(len(item) for item in document["paths"].values())


def open_docs_pages(api_url: str) -> dict[str, Any]:
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: `make test` installs Debian's chromium package"
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    finished = run_node_tool(BROWSER_DIR, "node", "docs_pages.mjs", api_url, str(ARTIFACTS_DIR))
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_docs_render_every_operation_offline(local_cloud: LocalCloud) -> None:
    # Given the local cloud as a developer starts it
    operations = operation_count(whole_api_document())

    # When Chromium opens Swagger UI and ReDoc, refusing anything but the API's own origin
    started = time.monotonic()
    seen = open_docs_pages(local_cloud.api_url)
    print(f"both pages rendered in {time.monotonic() - started:.1f} s: {json.dumps(seen['pages'])}")

    # Then both show every operation, and every request the browser made went to the local cloud's API
    assert seen["pages"]["swagger-ui"]["operations"] == operations
    assert seen["pages"]["redoc"]["operations"] == operations
    assert [url for url in seen["requested"] if not url.startswith(f"{local_cloud.api_url}/")] == []
    assert {url.removeprefix(local_cloud.api_url) for url in seen["requested"]} == {
        "/docs",
        "/docs/assets/swagger-ui.css",
        "/docs/assets/swagger-ui-bundle.js",
        "/api/v1/openapi.json",
        "/redoc",
        "/docs/assets/redoc.standalone.js",
    }
    assert seen["pages"]["swagger-ui"]["errors"] == []
    assert seen["pages"]["redoc"]["errors"] == [REDOC_BLOCKED_LOGO]
    assert (ARTIFACTS_DIR / "swagger-ui.png").stat().st_size > 10_000
    assert (ARTIFACTS_DIR / "redoc.png").stat().st_size > 10_000
