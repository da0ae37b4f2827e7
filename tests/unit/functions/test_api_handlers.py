"""Each API function, called as Lambda calls it: a real API Gateway event through its Mangum handler."""

import importlib
import json

import pytest

from shared.catalog import API_FUNCTIONS
from shared.services.sample_content import load_sample_content
from tests.helpers import FakeLambdaContext, api_gateway_event, assert_error


def handler_of(function_name: str):  # type: ignore[no-untyped-def]
    return importlib.import_module(f"functions.{function_name}.handler").handler


@pytest.mark.usefixtures("aws")
def test_study_function_serves_sentences() -> None:
    load_sample_content()
    response = handler_of("study_api")(
        api_gateway_event("GET", "/api/v1/learning/sentences", query={"limit": "3", "jlpt_level": "n5"}),
        FakeLambdaContext(),
    )
    assert response["statusCode"] == 200
    body = json.loads(response["body"])
    assert len(body["items"]) == 3
    assert {item["jlpt_level"] for item in body["items"]} == {"n5"}


@pytest.mark.usefixtures("aws")
def test_admin_function_serves_health() -> None:
    response = handler_of("admin_api")(api_gateway_event("GET", "/api/v1/health"), FakeLambdaContext())
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["status"] == "ok"


@pytest.mark.usefixtures("aws")
def test_errors_carry_the_lambda_request_id() -> None:
    context = FakeLambdaContext()
    response = handler_of("study_api")(api_gateway_event("GET", "/api/v1/learning/sentences/ffff"), context)
    error = assert_error(response, 404, "not_found")
    assert error["request_id"] == context.aws_request_id


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize("function", [f.name for f in API_FUNCTIONS])
def test_a_function_answers_only_its_own_routes(function: str) -> None:
    """API Gateway sends each function only its prefixes; anything else is a clean 404 in the common shape."""
    others = [p for f in API_FUNCTIONS if f.name != function for p in f.route_prefixes]
    response = handler_of(function)(api_gateway_event("GET", f"/api/v1{others[0]}/x"), FakeLambdaContext())
    assert_error(response, 404, "not_found")


def test_admin_function_serves_the_docs_of_the_whole_api() -> None:
    # Given the admin function on a stage whose docs are on (the test settings)
    handler = handler_of("admin_api")

    # When API Gateway hands it the page and the document the page loads
    page = handler(api_gateway_event("GET", "/docs"), FakeLambdaContext())
    document = handler(api_gateway_event("GET", "/api/v1/openapi.json"), FakeLambdaContext())

    # Then the page loads its files by relative URLs (under the stage's path) and the document covers every router
    assert page["statusCode"] == 200
    assert 'href="docs/assets/swagger-ui.css"' in page["body"]
    assert document["statusCode"] == 200
    assert "/api/v1/progress/review" in json.loads(document["body"])["paths"]


def test_a_docs_script_crosses_api_gateway_as_text() -> None:
    # Given the admin function, When the largest file of the docs is asked for through API Gateway
    response = handler_of("admin_api")(
        api_gateway_event("GET", "/docs/assets/swagger-ui-bundle.js"), FakeLambdaContext()
    )

    # Then it is a text body (a REST API passes a base64 body on as text unless told the type is binary), under the
    # 6 MB a Lambda response may carry
    assert response["statusCode"] == 200
    assert response["isBase64Encoded"] is False
    assert response["body"].startswith("/*! For license information please see swagger-ui-bundle.js.LICENSE.txt */")
    assert len(response["body"].encode()) < 6_000_000
