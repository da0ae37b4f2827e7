"""The deployed tables are exactly the PynamoDB models' tables: same keys, indexes, TTL and streams."""

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import assertions

from infra.constructs.tables import KotobaTables
from shared.constants import physical_name
from shared.dal.tables import TableDefinition, table_definitions
from tests.infra.conftest import STAGE, SynthesizedApp, resources_of_type

pytestmark = pytest.mark.slow

DEFINITIONS = table_definitions()


def _table(synthesized: SynthesizedApp, definition: TableDefinition) -> dict[str, Any]:
    tables = resources_of_type(synthesized.template(synthesized.data), "AWS::DynamoDB::Table")
    (table,) = [
        t for t in tables.values() if t["Properties"]["TableName"] == physical_name(STAGE, definition.logical_name)
    ]
    return table


def _by_name(indexes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {index["IndexName"]: index for index in indexes}


def test_every_definition_is_deployed_and_nothing_else(synthesized: SynthesizedApp) -> None:
    # When the data stack's tables are listed
    tables = resources_of_type(synthesized.template(synthesized.data), "AWS::DynamoDB::Table")

    # Then they are the stage's names of exactly the defined tables
    assert sorted(t["Properties"]["TableName"] for t in tables.values()) == sorted(
        physical_name(STAGE, d.logical_name) for d in DEFINITIONS
    )


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.logical_name)
def test_keys_and_indexes_match_the_create_table_request(
    synthesized: SynthesizedApp, definition: TableDefinition
) -> None:
    """The local cloud creates its tables from `create_table_request`: the deployed ones must be identical."""
    # Given the request the local cloud creates the table with, and the deployed table
    expected = definition.create_table_request(physical_name(STAGE, definition.logical_name))
    properties = _table(synthesized, definition)["Properties"]

    # Then both have the same keys, attribute types and indexes
    assert properties["KeySchema"] == expected["KeySchema"]
    assert sorted(properties["AttributeDefinitions"], key=str) == sorted(expected["AttributeDefinitions"], key=str)
    for field in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        assert _by_name(properties.get(field, [])) == _by_name(expected.get(field, []))


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.logical_name)
def test_table_is_on_demand_recoverable_encrypted_and_retained_unless_its_creation_rolls_back(
    synthesized: SynthesizedApp, definition: TableDefinition
) -> None:
    # When the deployed table is read
    table = _table(synthesized, definition)
    properties = table["Properties"]

    # Then it is on demand, recoverable to a point in time, encrypted, kept on delete or replace, unprotected in dev
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"] == {"SSEEnabled": True}
    assert table["DeletionPolicy"] == "RetainExceptOnCreate"  # a rolled-back creation leaves no named table behind
    assert table["UpdateReplacePolicy"] == "Retain"
    assert properties["DeletionProtectionEnabled"] is False  # dev; prod is checked below


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.logical_name)
def test_ttl_and_stream_only_where_defined(synthesized: SynthesizedApp, definition: TableDefinition) -> None:
    # When the deployed table is read
    properties = _table(synthesized, definition)["Properties"]

    # Then it has a TTL and a stream exactly where its definition has them, of the same attribute and view
    expected_ttl = {"AttributeName": definition.ttl_attribute, "Enabled": True} if definition.ttl_attribute else None
    assert properties.get("TimeToLiveSpecification") == expected_ttl
    expected_stream = {"StreamViewType": definition.stream_view_type} if definition.stream_view_type else None
    assert properties.get("StreamSpecification") == expected_stream


def test_some_table_has_a_ttl() -> None:
    """Guards the TTL test above against passing vacuously."""
    # When the definitions are read, Then at least one has a TTL
    assert any(d.ttl_attribute for d in DEFINITIONS)


def test_prod_tables_have_deletion_protection() -> None:
    # Given the tables built for prod
    stack = cdk.Stack(cdk.App())
    KotobaTables(stack, "Tables", stage="prod")

    # When their template is read
    template = assertions.Template.from_stack(stack)

    # Then every table is protected from deletion
    template.resource_count_is("AWS::DynamoDB::Table", len(DEFINITIONS))
    template.all_resources_properties("AWS::DynamoDB::Table", {"DeletionProtectionEnabled": True})


def test_each_table_name_is_an_output(synthesized: SynthesizedApp) -> None:
    # Given the data stack's outputs and its tables
    outputs = synthesized.template(synthesized.data)["Outputs"]
    table_refs = {
        logical_id: table["Properties"]["TableName"]
        for logical_id, table in resources_of_type(
            synthesized.template(synthesized.data), "AWS::DynamoDB::Table"
        ).items()
    }

    # When the outputs that are not exports are read, Then they name each table once
    output_names = {table_refs[o["Value"]["Ref"]] for o in outputs.values() if "Export" not in o}
    assert output_names == {physical_name(STAGE, d.logical_name) for d in DEFINITIONS}
