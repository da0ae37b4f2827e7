"""Creates in the emulator what CDK creates in AWS, from the same definitions."""

import json
import secrets
from dataclasses import dataclass
from typing import Any

import boto3

from localcloud.emulator import LOCAL_ACCOUNT, LOCAL_REGION
from localcloud.identity import acting_as
from shared.catalog import JOB_WORKERS, JWT_KEY_ROTATION, QUEUES, SCHEDULED_FUNCTIONS
from shared.constants import dead_letter_queue_name, physical_name
from shared.dal import key_store
from shared.dal.tables import table_definitions
from shared.services import signing_keys
from shared.settings import Settings


@dataclass(frozen=True)
class ProvisionedQueue:
    logical_name: str
    url: str
    dead_letter_url: str


def _client(service: str) -> Any:
    return boto3.client(service, region_name=LOCAL_REGION)


def create_tables(settings: Settings) -> list[str]:
    dynamodb = _client("dynamodb")
    existing = set(dynamodb.list_tables()["TableNames"])
    created = []
    for definition in table_definitions():
        name = settings.table_name(definition.logical_name)
        if name in existing:
            continue
        dynamodb.create_table(**definition.create_table_request(name))
        if definition.ttl_attribute:
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": definition.ttl_attribute},
            )
        created.append(name)
    return created


def create_queues(settings: Settings) -> list[ProvisionedQueue]:
    """The upload work queues and the job queues, each with its dead-letter queue, as CDK makes them."""
    sqs = _client("sqs")
    queues = []
    specs = [(spec.name, spec.visibility_timeout_seconds, spec.max_receive_count) for spec in QUEUES]
    specs += [(worker.queue, worker.visibility_timeout_seconds, worker.max_receive_count) for worker in JOB_WORKERS]
    for logical_name, visibility_timeout_seconds, max_receive_count in specs:
        name = physical_name(settings.stage, logical_name)
        dlq_url = sqs.create_queue(QueueName=dead_letter_queue_name(settings.stage, logical_name))["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        url = sqs.create_queue(
            QueueName=name,
            Attributes={
                "VisibilityTimeout": str(visibility_timeout_seconds),
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)}
                ),
            },
        )["QueueUrl"]
        queues.append(ProvisionedQueue(logical_name=logical_name, url=url, dead_letter_url=dlq_url))
    return queues


def create_media_bucket(settings: Settings, queues: list[ProvisionedQueue]) -> str:
    """The media bucket, announcing new uploads on the work queue of their prefix (as in AWS)."""
    s3, sqs = _client("s3"), _client("sqs")
    bucket = settings.media_bucket_name()
    s3.create_bucket(Bucket=bucket)
    urls = {queue.logical_name: queue.url for queue in queues}
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": sqs.get_queue_attributes(QueueUrl=urls[spec.name], AttributeNames=["QueueArn"])[
                        "Attributes"
                    ]["QueueArn"],
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": spec.upload_prefix}]}},
                }
                for spec in QUEUES
            ]
        },
    )
    return bucket


def create_schedules(settings: Settings) -> list[str]:
    """EventBridge rules as CDK makes them; the emulator stores but never fires them: the pump does."""
    events = _client("events")
    names = []
    for scheduled in SCHEDULED_FUNCTIONS:
        rule = physical_name(settings.stage, scheduled.name)
        events.put_rule(Name=rule, ScheduleExpression=scheduled.schedule, State="ENABLED")
        function_arn = f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT}:function:{rule}"
        events.put_targets(Rule=rule, Targets=[{"Id": scheduled.name, "Arn": function_arn}])
        names.append(rule)
    return names


def create_signing_key(settings: Settings) -> None:
    """The JWT signing-key secret, rotated once by the same code as the rotation function in AWS."""
    client = _client("secretsmanager")
    name = settings.signing_key_secret
    try:
        client.describe_secret(SecretId=name)
    except client.exceptions.ResourceNotFoundException:
        # CDK creates the secret with a placeholder too; the first rotation puts a real key in it.
        client.create_secret(Name=name, SecretString=json.dumps({"placeholder": True}))
    if key_store.secret_version(name, key_store.CURRENT) is None:
        with acting_as(JWT_KEY_ROTATION.name):  # in AWS, Secrets Manager runs it as the rotation function
            signing_keys.rotate_now(name)


def create_generated_keys(settings: Settings) -> None:
    """The list-cursor and e-mail link secrets: a random string each, as CDK generates them in AWS."""
    client = _client("secretsmanager")
    for name in (settings.cursor_key_secret, settings.link_key_secret):
        try:
            client.describe_secret(SecretId=name)
        except client.exceptions.ResourceNotFoundException:
            client.create_secret(Name=name, SecretString=secrets.token_urlsafe(48))


def verify_email_sender(settings: Settings) -> None:
    _client("ses").verify_email_identity(EmailAddress=settings.ses_sender)
