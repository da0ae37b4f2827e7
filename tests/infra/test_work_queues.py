"""Work queues: encrypted, TLS-only, each with its dead-letter queue, fed by the media bucket per upload prefix."""

from typing import Any

import pytest

from infra.constructs.work_queues import WorkQueue
from shared.catalog import QUEUES, QueueSpec
from shared.constants import physical_name
from tests.infra.conftest import STAGE, SynthesizedApp, as_list, logical_id, resources_of_type

pytestmark = pytest.mark.slow

FOURTEEN_DAYS = 14 * 24 * 3600
BASIC_EXECUTION_POLICY = "service-role/AWSLambdaBasicExecutionRole"


@pytest.fixture(scope="module")
def template(synthesized: SynthesizedApp) -> dict[str, Any]:
    return synthesized.template(synthesized.storage)


@pytest.fixture(scope="module")
def queues(synthesized: SynthesizedApp) -> dict[str, WorkQueue]:
    return dict(synthesized.storage.work_queues.queues)


def _properties(template: dict[str, Any], construct: Any) -> dict[str, Any]:
    return dict(template["Resources"][logical_id(construct)]["Properties"])


def _policy_statements(template: dict[str, Any], queue_id: str) -> list[dict[str, Any]]:
    (policy,) = [
        p
        for p in resources_of_type(template, "AWS::SQS::QueuePolicy").values()
        if p["Properties"]["Queues"] == [{"Ref": queue_id}]
    ]
    return list(policy["Properties"]["PolicyDocument"]["Statement"])


def test_a_queue_and_a_dead_letter_queue_per_spec(template: dict[str, Any], queues: dict[str, WorkQueue]) -> None:
    # When the storage stack's queues are listed, Then there are a queue and its dead-letter queue per catalog spec
    assert sorted(queues) == sorted(spec.name for spec in QUEUES)
    assert sorted(resources_of_type(template, "AWS::SQS::Queue")) == sorted(
        logical_id(q) for wq in queues.values() for q in (wq.queue, wq.dead_letter_queue)
    )


@pytest.mark.parametrize("spec", QUEUES, ids=lambda s: s.name)
def test_queue_settings_and_redrive(template: dict[str, Any], queues: dict[str, WorkQueue], spec: QueueSpec) -> None:
    # When the spec's queue and dead-letter queue are read
    work_queue = queues[spec.name]
    queue = _properties(template, work_queue.queue)
    dead_letters = _properties(template, work_queue.dead_letter_queue)

    # Then they are named as the local cloud names them, hide messages for the spec's timeout, and the queue sends a
    # message to the dead-letter queue after the spec's receives, which keeps it 14 days
    assert queue["QueueName"] == physical_name(STAGE, spec.name)  # the local cloud's names
    assert dead_letters["QueueName"] == physical_name(STAGE, spec.name) + "-dlq"
    assert queue["VisibilityTimeout"] == dead_letters["VisibilityTimeout"] == spec.visibility_timeout_seconds
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [logical_id(work_queue.dead_letter_queue), "Arn"]},
        "maxReceiveCount": spec.max_receive_count,
    }
    assert dead_letters["MessageRetentionPeriod"] == FOURTEEN_DAYS
    assert "RedrivePolicy" not in dead_letters


@pytest.mark.parametrize("spec", QUEUES, ids=lambda s: s.name)
@pytest.mark.parametrize("which", ["queue", "dead_letter_queue"])
def test_queue_is_encrypted_and_tls_only(
    template: dict[str, Any], queues: dict[str, WorkQueue], spec: QueueSpec, which: str
) -> None:
    # When the queue and its policy are read
    queue = getattr(queues[spec.name], which)
    queue_id = logical_id(queue)

    # Then it is encrypted and refuses every request without TLS
    assert _properties(template, queue)["SqsManagedSseEnabled"] is True
    deny_insecure = [
        s
        for s in _policy_statements(template, queue_id)
        if s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    assert [(s["Action"], s["Principal"]) for s in deny_insecure] == [("sqs:*", {"AWS": "*"})]


@pytest.mark.parametrize("spec", QUEUES, ids=lambda s: s.name)
def test_only_the_media_bucket_may_send_to_the_queue(
    template: dict[str, Any], queues: dict[str, WorkQueue], synthesized: SynthesizedApp, spec: QueueSpec
) -> None:
    # When the statements that allow sending to the queue are read
    allows = [s for s in _policy_statements(template, logical_id(queues[spec.name].queue)) if s["Effect"] == "Allow"]

    # Then only S3, for the media bucket, may send to it, and nothing may send to its dead-letter queue
    assert [(s["Principal"], s["Condition"]) for s in allows] == [
        (
            {"Service": "s3.amazonaws.com"},
            {
                "ArnLike": {
                    "aws:SourceArn": {"Fn::GetAtt": [logical_id(synthesized.storage.storage.media_bucket), "Arn"]}
                }
            },
        )
    ]
    assert "sqs:SendMessage" in as_list(allows[0]["Action"])
    dead_letter_id = logical_id(queues[spec.name].dead_letter_queue)
    assert [s for s in _policy_statements(template, dead_letter_id) if s["Effect"] == "Allow"] == []


def test_object_created_under_each_upload_prefix_goes_to_its_queue(
    template: dict[str, Any], queues: dict[str, WorkQueue], synthesized: SynthesizedApp
) -> None:
    # When the media bucket's notifications are read
    (notifications,) = resources_of_type(template, "Custom::S3BucketNotifications").values()
    properties = notifications["Properties"]

    # Then an object created under each upload prefix is announced to that prefix's queue
    assert properties["BucketName"] == {"Ref": logical_id(synthesized.storage.storage.media_bucket)}
    assert properties["NotificationConfiguration"] == {
        "QueueConfigurations": [
            {
                "Events": ["s3:ObjectCreated:*"],
                "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": spec.upload_prefix}]}},
                "QueueArn": {"Fn::GetAtt": [logical_id(queues[spec.name].queue), "Arn"]},
            }
            for spec in QUEUES
        ]
    }


def test_notifications_handler_role_may_only_set_the_media_bucket_notifications(
    template: dict[str, Any], synthesized: SynthesizedApp
) -> None:
    # When the notifications handler role's statements are read
    role_id = logical_id(synthesized.storage.storage.notifications_role)
    statements = [
        statement
        for policy in resources_of_type(template, "AWS::IAM::Policy").values()
        if policy["Properties"]["Roles"] == [{"Ref": role_id}]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]

    # Then it may only set the media bucket's notifications, and log as a basic Lambda function
    assert [(s["Action"], s["Resource"]) for s in statements] == [
        ("s3:PutBucketNotification", {"Fn::GetAtt": [logical_id(synthesized.storage.storage.media_bucket), "Arn"]})
    ]
    (managed,) = template["Resources"][role_id]["Properties"]["ManagedPolicyArns"]
    assert managed["Fn::Join"][1][-1].endswith(BASIC_EXECUTION_POLICY)
