"""Every 4xx and 5xx leaves the API in one JSON shape with the request id of its response header."""

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from shared.api.app import create_app
from shared.api.middleware import MAX_BODY_BYTES
from shared.errors import Conflict, RateLimited
from tests.helpers import assert_error


@pytest.fixture
def failing_client() -> TestClient:
    """An app with routes that fail in each way a real route can."""
    router = APIRouter(prefix="/boom")

    @router.get("/conflict")
    def conflict() -> None:
        raise Conflict("that e-mail address is taken")

    @router.get("/limited")
    def limited() -> None:
        raise RateLimited("too many attempts", retry_after_seconds=42)

    @router.get("/crash")
    def crash() -> None:
        raise RuntimeError("secret table name kotoba-prod-users leaked?")

    @router.post("/echo")
    def echo(payload: dict[str, int]) -> dict[str, int]:
        return payload

    app: FastAPI = create_app(router)
    return TestClient(app, raise_server_exceptions=False)


def test_unknown_route_is_a_404_in_the_common_shape(client: TestClient) -> None:
    # When a path no route serves is asked for, Then it is a 404 in the common shape
    assert_error(client.get("/api/v1/nowhere"), 404, "not_found")


def test_wrong_method_is_a_405(client: TestClient) -> None:
    # When the sentences list is sent a DELETE, Then it is a 405
    assert_error(client.delete("/api/v1/learning/sentences"), 405, "method_not_allowed")


def test_invalid_query_is_a_422_naming_the_field(client: TestClient) -> None:
    # When the sentences are asked with a limit of 1000, Then it is a 422 naming the query's limit
    error = assert_error(client.get("/api/v1/learning/sentences?limit=1000"), 422, "validation_error")
    assert [d["field"] for d in error["details"]] == ["query.limit"]


def test_invalid_path_parameter_is_a_422(client: TestClient) -> None:
    # When a sentence is asked by a 65-character id, Then it is a 422 naming the path's sentence_id
    error = assert_error(client.get(f"/api/v1/learning/sentences/{'a' * 65}"), 422, "validation_error")
    assert error["details"][0]["field"] == "path.sentence_id"


def test_a_path_segment_that_cannot_be_an_id_is_a_404(client: TestClient) -> None:
    # When a sentence is asked by an id that is not hex, Then it is a 404, as for no such sentence
    assert_error(client.get("/api/v1/learning/sentences/not-a-hex-id!"), 404, "not_found")


def test_domain_errors_keep_their_status_and_code(failing_client: TestClient) -> None:
    # When a route raises a conflict, Then it is a 409 with the conflict's own message
    error = assert_error(failing_client.get("/api/v1/boom/conflict"), 409, "conflict")
    assert error["message"] == "that e-mail address is taken"


def test_rate_limited_answers_with_retry_after(failing_client: TestClient) -> None:
    # When a route is rate limited for 42 seconds
    response = failing_client.get("/api/v1/boom/limited")

    # Then it is a 429 with a Retry-After of 42
    assert_error(response, 429, "rate_limited")
    assert response.headers["retry-after"] == "42"


def test_unexpected_errors_are_a_500_that_leaks_nothing(failing_client: TestClient) -> None:
    # When a route crashes with a message naming a table
    response = failing_client.get("/api/v1/boom/crash")

    # Then it is a 500 with a generic message, and the table's name appears nowhere in the answer
    error = assert_error(response, 500, "internal_error")
    assert "kotoba-prod-users" not in response.text
    assert error["message"] == "something went wrong on our side"


def test_malformed_json_is_a_422_not_a_500(failing_client: TestClient) -> None:
    # When a route is sent truncated JSON, Then it is a 422
    response = failing_client.post(
        "/api/v1/boom/echo", content=b'{"a": 1', headers={"content-type": "application/json"}
    )
    assert_error(response, 422, "validation_error")


def test_a_body_that_is_not_utf8_is_a_422_like_malformed_json(failing_client: TestClient) -> None:
    # When a route is sent a body that is not UTF-8, Then it is a 422 naming the body
    response = failing_client.post(
        "/api/v1/boom/echo", content=b"\xff\xfe{", headers={"content-type": "application/json"}
    )
    error = assert_error(response, 422, "validation_error")
    assert error["details"][0]["field"] == "body"


def test_oversized_body_is_refused_before_parsing(failing_client: TestClient) -> None:
    # When a route is sent a body one byte over the limit, Then it is a 413
    response = failing_client.post(
        "/api/v1/boom/echo", content=b"1" * (MAX_BODY_BYTES + 1), headers={"content-type": "application/json"}
    )
    assert_error(response, 413, "payload_too_large")


def test_every_response_carries_a_request_id(client: TestClient) -> None:
    # When the sentences are asked twice, Then each answer carries its own request id
    first, second = client.get("/api/v1/learning/sentences"), client.get("/api/v1/learning/sentences")
    assert first.status_code == 200
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_openapi_documents_the_error_shape(client: TestClient) -> None:
    # When the OpenAPI document is read
    spec = client.get("/api/v1/openapi.json").json()
    responses = spec["paths"]["/api/v1/learning/sentences/{sentence_id}"]["get"]["responses"]

    # Then a sentence's 404 answer is documented as the common ErrorResponse schema
    assert responses["404"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorResponse"}
    assert "ErrorResponse" in spec["components"]["schemas"]
