"""Each function's role grants what its catalog entry lists and nothing more, read from the synthesized policies."""

from dataclasses import dataclass
from typing import Any

import pytest

from infra.constructs.api_function import ApiHandler
from shared.catalog import API_FUNCTIONS, ApiFunction
from shared.constants import physical_name
from shared.dal.tables import table_definitions
from tests.infra.conftest import STAGE, SynthesizedApp, as_list, logical_id, resources_of_type

pytestmark = pytest.mark.slow

INDEXES = {d.logical_name: {index.name for index in d.indexes} for d in table_definitions()}
ALL_TABLES = set(INDEXES)
READ_ACTIONS = {"dynamodb:BatchGetItem", "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query"}
WRITE_ACTIONS = {
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
}


@dataclass(frozen=True)
class Grant:
    """One (action, resource) pair of a role's policies, with DynamoDB resources named by table and index."""

    action: str
    resource: Any
    table: str | None = None
    index: str | None = None


@pytest.fixture(scope="module")
def table_by_export(synthesized: SynthesizedApp) -> dict[str, str]:
    """Export name of each table ARN in the data stack -> logical table name."""
    template = synthesized.template(synthesized.data)
    logical_by_id = {
        lid: table["Properties"]["TableName"].removeprefix(physical_name(STAGE, ""))
        for lid, table in resources_of_type(template, "AWS::DynamoDB::Table").items()
    }
    return {
        output["Export"]["Name"]: logical_by_id[output["Value"]["Fn::GetAtt"][0]]
        for output in template["Outputs"].values()
        if "Export" in output and output["Value"].get("Fn::GetAtt", [None, None])[1] == "Arn"
    }


def _grants(synthesized: SynthesizedApp, handler: ApiHandler, table_by_export: dict[str, str]) -> list[Grant]:
    template = synthesized.template(synthesized.api)
    role_ref = {"Ref": logical_id(handler.role)}
    grants: list[Grant] = []
    for policy in resources_of_type(template, "AWS::IAM::Policy").values():
        if role_ref not in policy["Properties"]["Roles"]:
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow"
            for action in as_list(statement["Action"]):
                grants.extend(_grant(action, resource, table_by_export) for resource in as_list(statement["Resource"]))
    return grants


def _grant(action: str, resource: Any, table_by_export: dict[str, str]) -> Grant:
    if not action.startswith("dynamodb:"):
        return Grant(action, resource)
    if isinstance(resource, dict) and "Fn::ImportValue" in resource:
        return Grant(action, resource, table=table_by_export[resource["Fn::ImportValue"]])
    if isinstance(resource, dict) and "Fn::Join" in resource:
        table_arn, suffix = resource["Fn::Join"][1]
        return Grant(action, resource, table_by_export[table_arn["Fn::ImportValue"]], suffix.removeprefix("/index/"))
    raise AssertionError(f"{action} on a resource that is not one table or index: {resource}")


@pytest.fixture(scope="module")
def grants_by_function(synthesized: SynthesizedApp, table_by_export: dict[str, str]) -> dict[str, list[Grant]]:
    return {handler.entry.name: _grants(synthesized, handler, table_by_export) for handler in synthesized.api.handlers}


def test_every_table_arn_export_is_known(table_by_export: dict[str, str]) -> None:
    assert set(table_by_export.values()) == ALL_TABLES


@pytest.mark.parametrize("entry", API_FUNCTIONS, ids=lambda e: e.name)
def test_no_scan_and_no_dynamodb_wildcards(grants_by_function: dict[str, list[Grant]], entry: ApiFunction) -> None:
    grants = grants_by_function[entry.name]

    assert not [g for g in grants if g.action in {"dynamodb:Scan", "dynamodb:*", "*"}]
    assert not [g for g in grants if g.action.startswith("dynamodb:") and "*" in str(g.resource)]


@pytest.mark.parametrize("entry", API_FUNCTIONS, ids=lambda e: e.name)
def test_dynamodb_actions_only_on_the_entry_tables(
    grants_by_function: dict[str, list[Grant]], entry: ApiFunction
) -> None:
    dynamodb = [g for g in grants_by_function[entry.name] if g.action.startswith("dynamodb:")]

    written = {g.table for g in dynamodb if g.action in WRITE_ACTIONS}
    read = {g.table for g in dynamodb if g.action in READ_ACTIONS - {"dynamodb:DescribeTable"}}
    described = {g.table for g in dynamodb if g.action == "dynamodb:DescribeTable"}
    assert {g.action for g in dynamodb} <= READ_ACTIONS | WRITE_ACTIONS
    assert written == set(entry.writes)
    assert read == set(entry.reads) | set(entry.writes)
    assert described == (ALL_TABLES if entry.describes_all_tables else set(entry.reads) | set(entry.writes))


@pytest.mark.parametrize("entry", API_FUNCTIONS, ids=lambda e: e.name)
def test_queries_reach_exactly_the_indexes_of_its_tables(
    grants_by_function: dict[str, list[Grant]], entry: ApiFunction
) -> None:
    queried = {(g.table, g.index) for g in grants_by_function[entry.name] if g.action == "dynamodb:Query"}

    expected = {(t, None) for t in {*entry.reads, *entry.writes}} | {
        (t, index) for t in {*entry.reads, *entry.writes} for index in INDEXES[t]
    }
    assert queried == expected


@pytest.mark.parametrize("entry", API_FUNCTIONS, ids=lambda e: e.name)
def test_s3_access_only_under_its_media_prefixes(
    grants_by_function: dict[str, list[Grant]], entry: ApiFunction
) -> None:
    s3 = [g for g in grants_by_function[entry.name] if g.action.startswith("s3:")]

    object_prefixes = {str(g.resource["Fn::Join"][1][-1]) for g in s3 if g.action != "s3:ListBucket"}
    assert {g.action for g in s3 if g.action != "s3:ListBucket"} == (
        {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"} if entry.media else set()
    )
    assert object_prefixes == {f"/{prefix}*" for prefix in entry.media}
    assert any(g.action == "s3:ListBucket" for g in s3) == entry.describes_all_tables


@pytest.mark.parametrize("entry", API_FUNCTIONS, ids=lambda e: e.name)
def test_only_its_own_logs_and_xray(
    synthesized: SynthesizedApp, grants_by_function: dict[str, list[Grant]], entry: ApiFunction
) -> None:
    (handler,) = [h for h in synthesized.api.handlers if h.entry == entry]
    others = [g for g in grants_by_function[entry.name] if not g.action.startswith(("dynamodb:", "s3:"))]

    assert {(g.action, str(g.resource)) for g in others} == {
        ("logs:CreateLogStream", str({"Fn::GetAtt": [logical_id(handler.log_group), "Arn"]})),
        ("logs:PutLogEvents", str({"Fn::GetAtt": [logical_id(handler.log_group), "Arn"]})),
        ("xray:PutTelemetryRecords", "*"),
        ("xray:PutTraceSegments", "*"),
    }


def test_function_roles_have_no_managed_policies(synthesized: SynthesizedApp) -> None:
    template = synthesized.template(synthesized.api)

    for handler in synthesized.api.handlers:
        assert "ManagedPolicyArns" not in template["Resources"][logical_id(handler.role)]["Properties"]
