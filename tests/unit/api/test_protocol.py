"""HTTP details a client relies on: 405 and OPTIONS with a complete Allow, bounded 422s, and the headers every
response carries (request id, no-store, nosniff)."""

import asyncio
import re
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from shared.api.app import create_app
from shared.api.errors import MAX_VALIDATION_DETAILS
from shared.api.middleware import MAX_BODY_BYTES
from shared.api.routers import ai
from shared.dal.media_storage import DOWNLOAD_LIFETIME
from tests.auth_helpers import PASSWORD, Session, signed_up
from tests.helpers import assert_error

SOME_ID = "0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70"


@pytest.fixture
def learner(client: TestClient) -> Session:
    return signed_up(client)


@pytest.fixture
def crashing_client() -> TestClient:
    router = APIRouter()

    @router.get("/crash")
    def crash() -> None:
        raise RuntimeError("boom")

    return TestClient(create_app(router), raise_server_exceptions=False)


def documented_methods(app: FastAPI) -> dict[str, set[str]]:
    """Each documented path, with sample ids in place of its parameters, and the methods documented there."""
    paths = app.openapi()["paths"]
    return {re.sub(r"\{[^}]+\}", SOME_ID, path): {m.upper() for m in item} for path, item in paths.items()}


def allow_of(response: object) -> set[str]:
    return {method.strip() for method in response.headers["allow"].split(",")}  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", ["/api/v1/ai/ocr/upload", "/api/v1/ai/speech/upload"])
def test_get_on_an_upload_path_is_a_405_not_the_record_route(client: TestClient, learner: Session, path: str) -> None:
    # When a learner GETs an upload path, Then it is a 405 allowing POST and OPTIONS, not a record looked up
    response = client.get(path, headers=learner.headers)
    assert_error(response, 405, "method_not_allowed")
    assert allow_of(response) == {"POST", "OPTIONS"}


def test_a_405_lists_every_method_of_the_path(client: TestClient) -> None:
    """GET and POST /learning/sentences are two routes; the Allow of either alone would be incomplete."""
    # When the sentences list is sent a DELETE, Then the 405's Allow lists the methods of both its routes
    response = client.delete("/api/v1/learning/sentences")
    assert_error(response, 405, "method_not_allowed")
    assert allow_of(response) == {"GET", "POST", "OPTIONS"}


def test_every_documented_path_answers_options_with_its_methods(app: FastAPI, client: TestClient) -> None:
    # When each documented path is sent OPTIONS, Then it is an empty 204 allowing the documented methods
    for path, methods in documented_methods(app).items():
        response = client.options(path)
        assert response.status_code == 204, (path, response.status_code, response.text)
        assert allow_of(response) == methods | {"OPTIONS"}, path
        assert response.content == b""


def test_every_documented_path_answers_an_unknown_method_with_405_and_its_methods(
    app: FastAPI, client: TestClient
) -> None:
    # When each documented path is sent a PATCH it does not serve, Then it is a 405 allowing the documented methods
    for path, methods in documented_methods(app).items():
        response = client.request("PATCH", path)
        assert_error(response, 405, "method_not_allowed")
        assert allow_of(response) == methods | {"OPTIONS"}, path


def test_options_on_an_unknown_path_is_a_404(client: TestClient) -> None:
    # When a path no route serves is sent OPTIONS, Then it is a 404
    assert_error(client.options("/api/v1/nowhere"), 404, "not_found")


def test_a_body_of_thousands_of_unknown_keys_gets_a_short_422(client: TestClient) -> None:
    # Given a login body with 3000 unknown keys
    body = {f"unknown_{i}": "x" for i in range(3000)}  # about 50 KB

    # When it is sent
    response = client.post("/api/v1/auth/login", json={"email": "aiko@example.com", "password": PASSWORD, **body})

    # Then the 422 lists only the first problems, says how many there were, and stays under 8 kB
    error = assert_error(response, 422, "validation_error")
    assert len(error["details"]) == MAX_VALIDATION_DETAILS
    assert "3000 problems" in error["message"]
    assert len(response.content) < 8 * 1024


def test_a_huge_field_name_is_clipped_in_the_details(client: TestClient) -> None:
    # When a body has a field name of 20,000 characters
    response = client.post("/api/v1/auth/forgot-password", json={"email": "aiko@example.com", "k" * 20_000: 1})

    # Then the 422 names it clipped, and stays under 2 kB
    error = assert_error(response, 422, "validation_error")
    assert all(len(detail["field"]) <= 200 for detail in error["details"])
    assert len(response.content) < 2 * 1024


def test_token_and_profile_responses_are_no_store(client: TestClient, learner: Session) -> None:
    # When a learner logs in, refreshes and reads their profile
    login = client.post("/api/v1/auth/login", json={"email": learner.email, "password": PASSWORD})
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": login.json()["refresh_token"]})
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {refreshed.json()['access_token']}"})

    # Then each answer succeeds and may not be stored by any cache
    for response in (login, refreshed, me):
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"


def test_errors_and_lists_are_no_store_too(client: TestClient) -> None:
    # When a list or a 404 is answered, Then it may not be stored either
    for response in (client.get("/api/v1/learning/sentences"), client.get("/api/v1/nowhere")):
        assert response.headers["cache-control"] == "no-store"


def test_the_audio_redirect_may_be_cached_privately_for_less_than_its_links_life() -> None:
    # When the audio redirect's cache header is read, Then only private caches may keep it, for less than its link lives
    max_age = int(ai.AUDIO_REDIRECT_CACHE_CONTROL.split("max-age=")[1])
    assert ai.AUDIO_REDIRECT_CACHE_CONTROL.startswith("private")
    assert 0 < max_age < DOWNLOAD_LIFETIME.total_seconds()


def test_every_kind_of_response_carries_nosniff(
    client: TestClient, crashing_client: TestClient, learner: Session
) -> None:
    # When the API answers each kind of status, from a 200 to a 500
    responses = [
        client.get("/api/v1/learning/sentences"),  # 200
        client.options("/api/v1/learning/sentences"),  # 204
        client.get("/api/v1/nowhere"),  # 404 of no route
        client.delete("/api/v1/learning/sentences"),  # 405
        client.get("/api/v1/auth/me"),  # 401
        client.get("/api/v1/learning/sentences?limit=0"),  # 422
        client.post(
            "/api/v1/auth/login", content=b"1" * (MAX_BODY_BYTES + 1), headers={"content-type": "application/json"}
        ),  # 413
        crashing_client.get("/api/v1/crash"),  # 500
    ]

    # Then each answer carries nosniff and a request id
    assert [r.status_code for r in responses] == [200, 204, 404, 405, 401, 422, 413, 500]
    for response in responses:
        assert response.headers["x-content-type-options"] == "nosniff", response.status_code
        assert response.headers["x-request-id"]


async def status_of_raw_get(app: FastAPI, path: str, headers: list[tuple[bytes, bytes]]) -> int:
    """An ASGI call with exactly these header bytes (an HTTP client would re-encode them)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return int(sent[0]["status"])


@pytest.mark.parametrize("declared", ["²", "³", "1²"])
def test_a_content_length_of_non_ascii_digits_is_not_a_crash(app: FastAPI, declared: str) -> None:
    """str.isdigit() accepts these and int() refuses them: the size check must not turn them into a 500.
    (Header bytes are Latin-1, so these are the non-ASCII digits a client can send.)"""
    # When a GET declares its length in non-ASCII digits, Then it is served, not a 500
    headers = [(b"host", b"testserver"), (b"content-length", declared.encode("latin-1"))]
    assert asyncio.run(status_of_raw_get(app, "/api/v1/learning/sentences", headers)) == 200
