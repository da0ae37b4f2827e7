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
