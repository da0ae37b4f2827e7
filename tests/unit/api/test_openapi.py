"""The OpenAPI document as a client generator reads it: ids, descriptions, examples, security, statuses and
headers, the rules the server checks in code; and the committed copy in docs/ is the one served."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shared.api.openapi import COMMON_HEADERS, DOCUMENT_PATH, REGENERATE, render, whole_api

METHODS = {"get", "put", "post", "delete", "patch"}
PUBLIC = {
    "auth_register",
    "auth_verify_email",
    "auth_resend_verification",
    "auth_login",
    "auth_refresh",
    "auth_forgot_password",
    "auth_reset_password",
    "learning_list_vocabulary",
    "learning_get_vocabulary_word",
    "health_check_liveness",
    "users_unsubscribe_page",
    "users_unsubscribe_one_click",
}
# Where the services raise a 409 (grep for Conflict in shared/services): nowhere else may it be documented.
CONFLICTS = {
    "learning_update_sentence",
    "learning_delete_sentence",
    "progress_review_card",
    "progress_finish_session",
    "progress_update_card",
    "progress_recover_backlog",
    "admin_decide_sentence",
    "admin_set_word_availability",
    "admin_update_user",
    "users_delete_account",
    "users_set_vacation",
    "users_update_preferences",
    "users_unsubscribe_page",
    "users_unsubscribe_one_click",
}

# Where the services raise a 403 beyond the admin dependency, a 400 beyond a cursor, a 429 (rate_limits.hit).
FORBIDDEN = {
    "auth_login",
    "learning_update_sentence",
    "learning_delete_sentence",
    "learning_create_vocabulary_word",
    "ai_generate_speech",
    "health_check_dependencies",
    "users_delete_account",
}
BAD_INPUT = {
    "auth_verify_email",
    "auth_reset_password",
    "auth_logout",
    "users_unsubscribe_page",
    "users_unsubscribe_one_click",
    "admin_get_analytics",
}
RATE_LIMITED = {
    "auth_register",
    "auth_verify_email",
    "auth_resend_verification",
    "auth_login",
    "auth_forgot_password",
    "auth_reset_password",
    "users_delete_account",
}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return whole_api().openapi()


def operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        operation["operationId"]: operation
        for item in document["paths"].values()
        for method, operation in item.items()
        if method in METHODS
    }


def test_the_committed_document_is_the_served_one(client: TestClient) -> None:
    # Given the document the API serves and the copy committed in docs/
    served = client.get("/api/v1/openapi.json").json()
    committed = DOCUMENT_PATH.read_text(encoding="utf-8")

    # When the served one is rendered, Then it is the committed copy, byte for byte
    assert render(served) == committed, (
        f"docs/openapi.json differs from the document the API serves; regenerate it with `{REGENERATE}` and commit it"
    )


def test_operation_ids_are_short_unique_and_name_their_area(document: dict[str, Any]) -> None:
    # When every operation id is listed
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]

    # Then none repeats, each is lower-case words led by its tag, progress_finish_session among them
    assert len(ids) == len(set(ids))
    for operation in operations(document).values():
        assert re.fullmatch(r"[a-z]+_[a-z_]+", operation["operationId"])
        assert operation["operationId"].startswith(f"{operation['tags'][0]}_")
    assert "progress_finish_session" in ids


def test_every_operation_has_a_summary_and_a_description(document: dict[str, Any]) -> None:
    # When each operation is read, Then it has a summary and a description of more than a few words
    for name, operation in operations(document).items():
        assert operation.get("summary"), name
        assert len(operation.get("description", "")) > 20, name


def test_every_request_body_has_examples(document: dict[str, Any]) -> None:
    # When each operation with a request body is read, Then its JSON body has examples
    for name, operation in operations(document).items():
        if "requestBody" in operation:
            assert operation["requestBody"]["content"]["application/json"]["examples"], name


def test_bearer_is_the_default_and_public_operations_say_so(document: dict[str, Any]) -> None:
    # When the security is read, Then a JWT bearer is the default, exactly the public operations opt out
    # and a sentence, and the sentence list (whose sync adds the caller's own), may be read with or without a token
    assert document["security"] == [{"HTTPBearer": []}]
    assert document["components"]["securitySchemes"]["HTTPBearer"]["bearerFormat"] == "JWT"
    public = {name for name, op in operations(document).items() if op.get("security") == []}
    assert public == PUBLIC
    for optional in ("learning_get_sentence", "learning_list_sentences"):
        assert operations(document)[optional]["security"] == [{"HTTPBearer": []}, {}]


def test_servers_are_the_local_cloud_and_a_deployed_stage(document: dict[str, Any]) -> None:
    # When the servers are read, Then they are the local cloud and a stage's API Gateway URL
    assert [server["url"] for server in document["servers"]] == [
        "http://127.0.0.1:8000",
        "https://{api_id}.execute-api.{region}.amazonaws.com/{stage}",
    ]


def test_statuses_follow_what_each_operation_can_do(document: dict[str, Any]) -> None:
    # When each operation's documented statuses are read, Then each status is there exactly where the operation
    # can answer it (a cursor or bad input, a token, a refusal, a conflict, a body, a limit, a dependency, a path id)
    for name, operation in operations(document).items():
        statuses = set(operation["responses"])
        secured = operation.get("security") != []
        has_cursor = any(parameter["name"] == "cursor" for parameter in operation.get("parameters", []))
        assert ("400" in statuses) == (has_cursor or name in BAD_INPUT), name
        assert ("401" in statuses) == (secured or name in {"auth_login", "auth_refresh"}), name
        assert ("403" in statuses) == (name in FORBIDDEN or name.startswith("admin_")), name
        assert ("409" in statuses) == (name in CONFLICTS), name
        assert ("413" in statuses) == ("requestBody" in operation), name
        assert ("429" in statuses) == (name in RATE_LIMITED), name
        assert ("503" in statuses) == (name in {"auth_login", "auth_refresh", "health_check_dependencies"}), name
        assert "500" in statuses, name
        if any(parameter["in"] == "path" for parameter in operation.get("parameters", [])):
            assert "404" in statuses, name

    # Then FastAPI's own validation error shape is not documented
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_every_error_has_the_common_shape(document: dict[str, Any]) -> None:
    # When each documented error answer is read, Then its body is the common ErrorResponse
    for name, operation in operations(document).items():
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, (name, status)


def test_response_headers_are_documented(document: dict[str, Any]) -> None:
    # When each documented answer is read, Then it has the common headers, and a 429 its Retry-After
    for name, operation in operations(document).items():
        for status, response in operation["responses"].items():
            assert set(COMMON_HEADERS) <= set(response["headers"]), (name, status)
            if status == "429":
                assert response["headers"]["Retry-After"]["required"] is True

    # Then the audio's redirect has its Location, and the request id header is required
    redirect = operations(document)["ai_get_speech_audio"]["responses"]["307"]
    assert redirect["headers"]["Location"]["required"] is True
    assert document["components"]["headers"]["X-Request-Id"]["required"] is True


def test_rules_checked_in_code_are_stated(document: dict[str, Any]) -> None:
    # When the schemas are read, Then the e-mails, the IANA timezones and the one-of-two fields checked in code are
    # stated there
    schemas = document["components"]["schemas"]
    for model in ("RegisterRequest", "LoginRequest", "EmailRequest"):
        assert schemas[model]["properties"]["email"]["format"] == "email", model
    for model in ("RegisterRequest", "PreferencesUpdate"):
        timezone = schemas[model]["properties"]["timezone"]
        assert "IANA" in timezone["description"] and timezone["examples"] == ["Asia/Tokyo"], model
    assert [branch["required"] for branch in schemas["ReviewRequest"]["oneOf"]] == [["rating"], ["quality"]]
    assert [branch["required"] for branch in schemas["TtsRequest"]["oneOf"]] == [["text"], ["sentence_id"]]


def test_rate_limits_are_documented_as_configured(document: dict[str, Any]) -> None:
    from infra.stage_config import DEV, PROD
    from shared.services import rate_limits

    description = document["info"]["description"]
    for stage in (DEV, PROD):
        per_second, per_minute = stage.api_throttle_rate_rps, stage.api_throttle_rate_rps * 60
        assert f"{per_second:,}" in description and f"{per_minute:,} a minute" in description
        assert f"a burst of {stage.api_throttle_burst:,}" in description
    assert "| `POST /auth/login` | wrong passwords per account | 5 per minute | 5 |" in description
    assert rate_limits.LOGIN_FAILURES_PER_ACCOUNT.limit == 5
    login = document["paths"]["/api/v1/auth/login"]["post"]["responses"]
    for status in ("200", "429"):
        assert {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy"} <= set(
            login[status]["headers"]
        )
    assert "RateLimit-Limit" not in document["paths"]["/api/v1/progress/due"]["get"]["responses"]["200"]["headers"]


def test_json_reads_state_their_conditional_answers(document: dict[str, Any]) -> None:
    due = document["paths"]["/api/v1/progress/due"]["get"]
    assert "ETag" in due["responses"]["200"]["headers"] and "304" in due["responses"]
    assert {"name": "If-None-Match", "in": "header"}.items() <= due["parameters"][-1].items()
    assert "304" not in document["paths"]["/api/v1/progress/review"]["post"]["responses"]
