"""What outlives its stack must not block the next deploy: a retained resource either has no fixed name
(CloudFormation names it) or is a table with its documented name, deleted when its own creation rolls back."""

from typing import Any

import pytest

from infra.layout import REPO_ROOT
from shared.constants import physical_name
from shared.dal.tables import table_definitions
from tests.infra.conftest import STAGE, SynthesizedApp

pytestmark = pytest.mark.slow

RETAINED = {"Retain", "RetainExceptOnCreate"}
# The property that names each type's physical resource, where it is not plain `Name`.
NAME_PROPERTIES = {
    "AWS::DynamoDB::Table": "TableName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::IAM::Role": "RoleName",
    "AWS::KMS::Key": None,  # a key has no name (an alias would be a resource of its own)
    "AWS::ApiGateway::Account": None,  # one per account and region, named by neither
    "AWS::SNS::Topic": "TopicName",
    "AWS::SES::EmailIdentity": "EmailIdentity",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::CloudWatch::Dashboard": "DashboardName",
}
DOCUMENTED_TABLE_NAMES = {physical_name(STAGE, d.logical_name) for d in table_definitions()}
DATA_MODEL = REPO_ROOT / "docs" / "data-model.md"


def _resources(synthesized: SynthesizedApp) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (stack.stack_name, logical_id, resource)
        for stack in (synthesized.data, synthesized.storage, synthesized.api)
        for logical_id, resource in synthesized.template(stack)["Resources"].items()
    ]


def _fixed_name(resource: dict[str, Any]) -> Any:
    resource_type = resource["Type"]
    if resource_type in NAME_PROPERTIES:
        name_property = NAME_PROPERTIES[resource_type]
        return resource.get("Properties", {}).get(name_property) if name_property else None
    if not resource_type.startswith("AWS::"):
        return None  # a custom resource: its properties are its handler's input, none names it
    return resource.get("Properties", {}).get("Name")


def test_every_retained_type_is_known(synthesized: SynthesizedApp) -> None:
    """A new kind of retained resource needs its name property listed above before the test below can judge it."""
    # When the types of the resources kept on delete are listed, Then the test knows the name property of each
    retained_types = {r["Type"] for _, _, r in _resources(synthesized) if r.get("DeletionPolicy") in RETAINED}

    assert retained_types <= set(NAME_PROPERTIES)


def test_a_retained_resource_has_no_fixed_name_unless_it_is_a_documented_table(synthesized: SynthesizedApp) -> None:
    # When every retained resource is checked for a fixed name
    offenders = []
    for stack, logical_id, resource in _resources(synthesized):
        retained = {resource.get("DeletionPolicy"), resource.get("UpdateReplacePolicy")} & RETAINED
        name = _fixed_name(resource)
        if not retained or name is None:
            continue
        documented_table = resource["Type"] == "AWS::DynamoDB::Table" and name in DOCUMENTED_TABLE_NAMES
        if not (documented_table and resource["DeletionPolicy"] == "RetainExceptOnCreate"):
            offenders.append((stack, logical_id, resource["Type"], name, resource.get("DeletionPolicy")))

    # Then none has one, the documented tables aside, which are kept only once their creation succeeded
    assert offenders == []


def test_every_table_is_a_documented_name_deleted_only_if_its_creation_rolls_back(synthesized: SynthesizedApp) -> None:
    """Guards the test above against passing vacuously, and pins what docs/data-model.md says."""
    # When the tables are listed
    tables = [r for _, _, r in _resources(synthesized) if r["Type"] == "AWS::DynamoDB::Table"]

    # Then they have the documented names and are kept on delete or replace, unless their creation rolls back
    assert {t["Properties"]["TableName"] for t in tables} == DOCUMENTED_TABLE_NAMES
    assert {(t["DeletionPolicy"], t["UpdateReplacePolicy"]) for t in tables} == {("RetainExceptOnCreate", "Retain")}


def test_the_data_model_documents_the_names_and_what_a_rollback_or_a_destroy_leaves() -> None:
    # When the data model's section on table names is read
    text = DATA_MODEL.read_text()
    section = text[text.index("## Table names") : text.index("## Tables")]

    # Then it gives the naming, the retention policy, how to take a kept table back (cdk import) and this test
    assert "`kotoba-<stage>-<table>`" in section
    assert "RetainExceptOnCreate" in section
    assert "cdk import" in section
    assert "test_retained_resources.py" in section


def test_named_resources_that_are_not_retained_are_deleted_with_their_stack(synthesized: SynthesizedApp) -> None:
    """Queues, secrets, the SES identity...: CloudFormation deletes them on rollback or stack deletion, so their
    names are free again (a queue's after 60 seconds, a secret's at once: CloudFormation skips the recovery window)."""
    # When the named resources other than tables are listed with a deletion policy other than Delete
    kept = [
        (stack, logical_id, resource.get("DeletionPolicy"))
        for stack, logical_id, resource in _resources(synthesized)
        if _fixed_name(resource) is not None
        and resource["Type"] != "AWS::DynamoDB::Table"
        and resource.get("DeletionPolicy") not in (None, "Delete")
    ]

    # Then there are none
    assert kept == []
