"""Functions and the REST API: runtime and wiring of every function, routes from the catalog, stage settings."""

import json
from typing import Any

import pytest

from infra.constructs.api_function import ApiHandler
from infra.constructs.lambda_function import KotobaFunction
from infra.stacks.api_stack import API_URL_OUTPUT
from infra.stacks.storage_stack import MEDIA_BUCKET_EXPORT
from infra.stage_config import DEV
from shared.catalog import (
    API_FUNCTIONS,
    JOB_WORKERS,
    JWT_KEY_ROTATION,
    QUEUES,
    SCHEDULED_FUNCTIONS,
    STREAM_CONSUMERS,
    ApiFunction,
    ScheduledFunction,
)
from shared.constants import (
    API_PREFIX,
    LAMBDA_PYTHON_VERSION,
    METRICS_NAMESPACE,
    SERVICE_NAME,
    DocsPaths,
    Env,
    physical_name,
)
from tests.infra.conftest import SES_SENDER, STAGE, SynthesizedApp, logical_id, resources_of_type

pytestmark = pytest.mark.slow

LOG_RETENTION_DAYS = 14  # dev: two weeks
ALL_FUNCTION_NAMES = [
    *(entry.name for entry in API_FUNCTIONS),
    *(entry.name for entry in SCHEDULED_FUNCTIONS),
    JWT_KEY_ROTATION.name,
    *(entry.name for entry in STREAM_CONSUMERS),
    *(spec.worker for spec in QUEUES),
    *(worker.name for worker in JOB_WORKERS),
]
IMAGE_FUNCTION_NAMES = [
    *(entry.name for entry in STREAM_CONSUMERS if entry.container),
    *(spec.worker for spec in QUEUES),
]
ZIP_FUNCTION_NAMES = [name for name in ALL_FUNCTION_NAMES if name not in IMAGE_FUNCTION_NAMES]
# the API functions stop at 15 s
MEMORY = {worker.name: worker.memory_mb for worker in JOB_WORKERS}  # the export document is built in memory
TIMEOUTS = {
    **{entry.name: 300 for entry in SCHEDULED_FUNCTIONS},
    **{worker.name: worker.timeout_seconds for worker in JOB_WORKERS},
    JWT_KEY_ROTATION.name: 30,
    **{entry.name: 60 for entry in STREAM_CONSUMERS},
}


@pytest.fixture(scope="module")
def template(synthesized: SynthesizedApp) -> dict[str, Any]:
    return synthesized.template(synthesized.api)


@pytest.fixture(scope="module")
def handlers(synthesized: SynthesizedApp) -> dict[str, ApiHandler]:
    return {handler.entry.name: handler for handler in synthesized.api.handlers}


@pytest.fixture(scope="module")
def functions(synthesized: SynthesizedApp) -> dict[str, KotobaFunction]:
    return {function.name: function for function in synthesized.api.functions}


def _resource_paths(template: dict[str, Any]) -> dict[str, str]:
    """Logical id of each API Gateway resource -> its full path, rebuilt from the parent links."""
    resources = resources_of_type(template, "AWS::ApiGateway::Resource")

    def path(resource_id: str) -> str:
        properties = resources[resource_id]["Properties"]
        parent = properties["ParentId"]
        prefix = path(parent["Ref"]) if "Ref" in parent else ""  # else Fn::GetAtt RestApi.RootResourceId
        return f"{prefix}/{properties['PathPart']}"

    return {resource_id: path(resource_id) for resource_id in resources}


def _routes(template: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(path, HTTP method) -> the method's properties."""
    paths = _resource_paths(template)
    return {
        (paths[m["Properties"]["ResourceId"]["Ref"]], m["Properties"]["HttpMethod"]): m["Properties"]
        for m in resources_of_type(template, "AWS::ApiGateway::Method").values()
    }


def _integrated_function(method: dict[str, Any]) -> str:
    """The logical id of what a proxy integration invokes: a function's alias (`Ref`), never a function ($LATEST)."""
    assert method["Integration"]["Type"] == "AWS_PROXY"
    uri_parts = method["Integration"]["Uri"]["Fn::Join"][1]
    refs = [part for part in uri_parts if isinstance(part, dict)]
    assert not any("Fn::GetAtt" in part for part in refs), "an integration invokes a function's $LATEST"
    (target_id,) = {part["Ref"] for part in refs if "Ref" in part and not part["Ref"].startswith("AWS::")}
    return str(target_id)


def test_one_function_per_catalog_entry(template: dict[str, Any], functions: dict[str, KotobaFunction]) -> None:
    deployed = resources_of_type(template, "AWS::Lambda::Function")

    assert sorted(functions) == sorted(ALL_FUNCTION_NAMES)
    assert sorted(deployed) == sorted(logical_id(function.function) for function in functions.values())


def test_the_readings_worker_and_the_upload_workers_are_the_image_functions() -> None:
    assert IMAGE_FUNCTION_NAMES == ["readings_worker", "ocr_worker", "speech_worker"]


@pytest.mark.parametrize("name", ZIP_FUNCTION_NAMES)
def test_zip_function_runtime_and_configuration(
    synthesized: SynthesizedApp, template: dict[str, Any], functions: dict[str, KotobaFunction], name: str
) -> None:
    function = functions[name]
    shared_layer = synthesized.api.shared_layer.layer
    properties = template["Resources"][logical_id(function.function)]["Properties"]

    assert properties["Runtime"] == f"python{LAMBDA_PYTHON_VERSION}"
    assert properties["Architectures"] == ["arm64"]  # Graviton: every wheel of the shared layer has an aarch64 build
    assert properties["Handler"] == "handler.handler"
    assert properties["MemorySize"] == MEMORY.get(name, DEV.api_function.memory_mb) == MEMORY.get(name, 512)
    assert properties["Timeout"] == TIMEOUTS.get(name, 15)
    assert properties["TracingConfig"] == {"Mode": "Active"}
    assert properties["Role"] == {"Fn::GetAtt": [logical_id(function.role), "Arn"]}
    assert properties["Layers"] == [{"Ref": logical_id(shared_layer)}]
    variables = properties["Environment"]["Variables"]
    assert variables[Env.STAGE] == STAGE
    assert variables["POWERTOOLS_SERVICE_NAME"] == SERVICE_NAME
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == METRICS_NAMESPACE
    assert variables["POWERTOOLS_LOG_LEVEL"] == "INFO"


@pytest.mark.parametrize("entry", API_FUNCTIONS, ids=lambda e: e.name)
def test_api_function_environment(
    template: dict[str, Any], handlers: dict[str, ApiHandler], entry: ApiFunction
) -> None:
    variables = template["Resources"][logical_id(handlers[entry.name].function)]["Properties"]["Environment"][
        "Variables"
    ]

    assert variables[Env.MEDIA_BUCKET] == {"Fn::ImportValue": physical_name(STAGE, MEDIA_BUCKET_EXPORT)}
    assert variables.get(Env.SES_SENDER) == (SES_SENDER if entry.sends_email else None)
    assert variables.get(Env.TTS_ENGINE) == ("polly" if entry.synthesizes_speech else None)
    assert variables.get(Env.API_DOCS) == ("true" if entry.serves_docs else None)  # dev publishes its docs


def test_only_the_media_api_speaks() -> None:
    assert [entry.name for entry in API_FUNCTIONS if entry.synthesizes_speech] == ["media_api"]


@pytest.mark.parametrize(
    "name",
    [
        *(entry.name for entry in SCHEDULED_FUNCTIONS),
        *(entry.name for entry in STREAM_CONSUMERS if not entry.rewrites_media),  # the archiver writes to the bucket
        JWT_KEY_ROTATION.name,
        *(spec.worker for spec in QUEUES),
    ],
)
def test_other_functions_get_no_bucket_sender_or_speech_engine(
    template: dict[str, Any], functions: dict[str, KotobaFunction], name: str
) -> None:
    """The upload workers read the bucket named in each S3 event."""
    variables = template["Resources"][logical_id(functions[name].function)]["Properties"]["Environment"]["Variables"]

    assert Env.MEDIA_BUCKET not in variables
    assert variables.get(Env.SES_SENDER) == (SES_SENDER if name in SCHEDULED_SENDERS else None)
    assert Env.TTS_ENGINE not in variables


SCHEDULED_SENDERS = {entry.name for entry in SCHEDULED_FUNCTIONS if entry.sends_email}


@pytest.mark.parametrize("entry", SCHEDULED_FUNCTIONS, ids=lambda e: e.name)
def test_a_scheduled_function_that_signs_links_is_told_the_api_url(
    template: dict[str, Any], functions: dict[str, KotobaFunction], entry: ScheduledFunction
) -> None:
    """The unsubscribe link of a reminder opens the deployed API: its stage URL and the API prefix."""
    variables = template["Resources"][logical_id(functions[entry.name].function)]["Properties"]["Environment"][
        "Variables"
    ]

    if not entry.signs_links:
        assert Env.PUBLIC_API_URL not in variables
        return
    url = json.dumps(variables[Env.PUBLIC_API_URL])
    assert '"https://"' in url and "execute-api" in url and f'"{API_PREFIX}"' in url
    assert {entry.name for entry in SCHEDULED_FUNCTIONS if entry.signs_links} == {"study_reminders"}


@pytest.mark.parametrize("name", ALL_FUNCTION_NAMES)
def test_function_logs_to_its_own_log_group_with_retention(
    template: dict[str, Any], functions: dict[str, KotobaFunction], name: str
) -> None:
    function = functions[name]
    log_group_id = logical_id(function.log_group)

    assert template["Resources"][logical_id(function.function)]["Properties"]["LoggingConfig"] == {
        "LogGroup": {"Ref": log_group_id}
    }
    assert template["Resources"][log_group_id]["Properties"]["RetentionInDays"] == LOG_RETENTION_DAYS


def test_shared_layer_is_for_python_312_on_arm64(template: dict[str, Any]) -> None:
    (layer,) = resources_of_type(template, "AWS::Lambda::LayerVersion").values()

    assert layer["Properties"]["CompatibleRuntimes"] == [f"python{LAMBDA_PYTHON_VERSION}"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]


DOCS_ROUTES = [
    (DocsPaths.SWAGGER_UI, "GET"),
    (DocsPaths.REDOC, "GET"),
    (DocsPaths.OPENAPI, "GET"),
    (f"{DocsPaths.ASSETS}/{{proxy+}}", "GET"),
]


def test_routes_are_exactly_the_catalog_prefixes_and_the_docs(
    template: dict[str, Any], handlers: dict[str, ApiHandler]
) -> None:
    # Given dev, whose configuration publishes the docs, served by the admin function
    docs_function = logical_id(handlers["admin_api"].alias)
    expected = {
        (f"{API_PREFIX}{prefix}{suffix}", "ANY"): logical_id(handlers[entry.name].alias)
        for entry in API_FUNCTIONS
        for prefix in entry.route_prefixes
        for suffix in ("", "/{proxy+}")
    } | dict.fromkeys(DOCS_ROUTES, docs_function)

    # When the routes are read from the template
    routed = {route: _integrated_function(method) for route, method in _routes(template).items()}

    # Then they are the catalog's prefixes and GET of the docs' pages, files and document
    assert routed == expected
    assert [entry.name for entry in API_FUNCTIONS if entry.serves_docs] == ["admin_api"]


def test_prod_routes_no_docs_and_turns_them_off(synthesized_prod: SynthesizedApp) -> None:
    # Given prod, whose configuration does not publish the docs
    template = synthesized_prod.template(synthesized_prod.api)
    admin = next(handler for handler in synthesized_prod.api.handlers if handler.entry.serves_docs)

    # When its routes and the docs function's settings are read
    routed = {path for path, _ in _routes(template)}
    variables = template["Resources"][logical_id(admin.function)]["Properties"]["Environment"]["Variables"]

    # Then no documentation path is routed, and the function itself would not serve them either
    assert [path for path in routed if not path.startswith(API_PREFIX) or path == DocsPaths.OPENAPI] == []
    assert variables[Env.API_DOCS] == "false"


def test_every_method_uses_the_request_validator(template: dict[str, Any]) -> None:
    (validator_id, validator) = next(iter(resources_of_type(template, "AWS::ApiGateway::RequestValidator").items()))

    assert validator["Properties"]["ValidateRequestBody"] is True
    assert validator["Properties"]["ValidateRequestParameters"] is True
    assert {json.dumps(m["RequestValidatorId"]) for m in _routes(template).values()} == {
        json.dumps({"Ref": validator_id})
    }


def test_stage_throttling_logging_tracing_and_metrics(template: dict[str, Any]) -> None:
    (stage,) = resources_of_type(template, "AWS::ApiGateway::Stage").values()
    properties = stage["Properties"]

    assert properties["StageName"] == STAGE
    assert properties["TracingEnabled"] is True
    assert properties["MethodSettings"] == [
        {
            "HttpMethod": "*",
            "ResourcePath": "/*",
            "ThrottlingRateLimit": DEV.api_throttle_rate_rps,
            "ThrottlingBurstLimit": DEV.api_throttle_burst,
            "LoggingLevel": "ERROR",
            "DataTraceEnabled": False,
            "MetricsEnabled": True,
        }
    ]
    assert (DEV.api_throttle_rate_rps, DEV.api_throttle_burst) == (50, 100)


def test_access_logs_are_json_in_their_own_log_group(template: dict[str, Any], synthesized: SynthesizedApp) -> None:
    (stage,) = resources_of_type(template, "AWS::ApiGateway::Stage").values()
    access_logs_id = logical_id(synthesized.api.api.access_log_group)
    setting = stage["Properties"]["AccessLogSetting"]

    assert {"Ref": access_logs_id} in setting["DestinationArn"]["Fn::Join"][1]
    fields = json.loads(setting["Format"])
    assert {"requestId", "ip", "httpMethod", "resourcePath", "status"} <= fields.keys()
    assert template["Resources"][access_logs_id]["Properties"]["RetentionInDays"] == LOG_RETENTION_DAYS


def test_account_logging_role_is_set_before_the_stage_and_has_no_managed_policy(template: dict[str, Any]) -> None:
    (account_id, account) = next(iter(resources_of_type(template, "AWS::ApiGateway::Account").items()))
    role_id = account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]
    (stage,) = resources_of_type(template, "AWS::ApiGateway::Stage").values()

    assert account_id in stage["DependsOn"]
    assert "ManagedPolicyArns" not in template["Resources"][role_id]["Properties"]


def test_api_is_named_for_the_stage_and_its_url_is_an_output(template: dict[str, Any]) -> None:
    (api,) = resources_of_type(template, "AWS::ApiGateway::RestApi").values()

    assert api["Properties"]["Name"] == physical_name(STAGE, "api")
    assert API_URL_OUTPUT in template["Outputs"]


@pytest.mark.parametrize("entry", API_FUNCTIONS, ids=lambda entry: entry.name)
def test_api_functions_have_snapstart_a_published_version_and_a_live_alias(
    template: dict[str, Any], handlers: dict[str, ApiHandler], entry: ApiFunction
) -> None:
    handler = handlers[entry.name]
    function_id = logical_id(handler.function)
    function = template["Resources"][function_id]["Properties"]
    assert function["Runtime"] == f"python{LAMBDA_PYTHON_VERSION}"  # SnapStart for Python needs 3.12 or later
    assert tuple(int(part) for part in LAMBDA_PYTHON_VERSION.split(".")) >= (3, 12)
    assert function["SnapStart"] == {"ApplyOn": "PublishedVersions"}

    versions = [
        (version_id, version["Properties"])
        for version_id, version in resources_of_type(template, "AWS::Lambda::Version").items()
        if version["Properties"]["FunctionName"] == {"Ref": function_id}
    ]
    assert len(versions) == 1
    (version_id, _) = versions[0]
    alias = template["Resources"][logical_id(handler.alias)]
    assert alias["Type"] == "AWS::Lambda::Alias"
    assert alias["Properties"]["Name"] == "live"
    assert alias["Properties"]["FunctionName"] == {"Ref": function_id}
    assert alias["Properties"]["FunctionVersion"] == {"Fn::GetAtt": [version_id, "Version"]}
    assert "ProvisionedConcurrencyConfig" not in alias["Properties"]


def test_other_functions_have_no_snapstart(template: dict[str, Any], functions: dict[str, KotobaFunction]) -> None:
    api_names = {entry.name for entry in API_FUNCTIONS}
    for name, function in functions.items():
        if name not in api_names:
            assert "SnapStart" not in template["Resources"][logical_id(function.function)]["Properties"], name


def test_api_gateway_may_invoke_only_the_aliases(template: dict[str, Any], handlers: dict[str, ApiHandler]) -> None:
    aliases = {logical_id(handler.alias) for handler in handlers.values()}
    functions = {logical_id(handler.function) for handler in handlers.values()}
    from_api_gateway = [
        p["Properties"]
        for p in resources_of_type(template, "AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "apigateway.amazonaws.com"
    ]

    assert from_api_gateway
    assert {p["FunctionName"]["Ref"] for p in from_api_gateway} == aliases
    assert not any(p["FunctionName"] in ({"Ref": f} for f in functions) for p in from_api_gateway)
    assert all(p["Action"] == "lambda:InvokeFunction" for p in from_api_gateway)
