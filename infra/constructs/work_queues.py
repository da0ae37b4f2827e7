"""Work queues: every `shared.catalog.QUEUES` entry becomes an SQS queue with its dead-letter queue, fed by the
media bucket's ObjectCreated notifications under the entry's upload prefix.

They live beside the bucket (storage stack): the queue policy names the bucket and the bucket's notification
names the queue, so splitting them across two stacks would make each stack import from the other.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import aws_cdk as cdk
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.nag import acknowledge
from infra.stage_config import stage_config
from shared.catalog import QUEUES, QueueSpec
from shared.constants import dead_letter_queue_name, physical_name

DEAD_LETTER_RETENTION: Final = cdk.Duration.days(14)  # SQS's maximum: time to look at what failed
# The id CDK gives the stack-wide singleton function behind every bucket's event notifications (aws-cdk-lib 2.x).
NOTIFICATIONS_HANDLER_ID_PREFIX: Final = "BucketNotificationsHandler"


def queue_name(stage: str, spec: QueueSpec) -> str:
    """The deployed queue name, the one the local cloud uses too."""
    return physical_name(stage, spec.name)


def _construct_id(logical_name: str) -> str:
    """`ocr-jobs` -> `OcrJobs`."""
    return "".join(part.capitalize() for part in logical_name.replace("_", "-").split("-"))


@dataclass(frozen=True)
class WorkQueue:
    spec: QueueSpec
    queue: sqs.Queue
    dead_letter_queue: sqs.Queue


class WorkQueues(Construct):
    """SSE-SQS, TLS-only queues; each redrives to its own dead-letter queue after `max_receive_count` receives."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        media_bucket: s3.Bucket,
        specs: Sequence[QueueSpec] = QUEUES,
    ) -> None:
        super().__init__(scope, construct_id)
        self.queues: Mapping[str, WorkQueue] = {spec.name: self._work_queue(stage, spec) for spec in specs}
        for work_queue in self.queues.values():
            media_bucket.add_event_notification(
                s3.EventType.OBJECT_CREATED,
                s3n.SqsDestination(work_queue.queue),
                s3.NotificationKeyFilter(prefix=work_queue.spec.upload_prefix),
            )
        self.notifications_log_group = _log_notifications_handler(self, stage) if self.queues else None

    def _work_queue(self, stage: str, spec: QueueSpec) -> WorkQueue:
        construct_id = _construct_id(spec.name)
        visibility_timeout = cdk.Duration.seconds(spec.visibility_timeout_seconds)
        dead_letter_queue = tls_only_queue(
            self,
            f"{construct_id}DeadLetterQueue",
            name=dead_letter_queue_name(stage, spec.name),
            visibility_timeout=visibility_timeout,
            retention_period=DEAD_LETTER_RETENTION,
        )
        queue = tls_only_queue(
            self,
            f"{construct_id}Queue",
            name=queue_name(stage, spec),
            visibility_timeout=visibility_timeout,
            dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letter_queue, max_receive_count=spec.max_receive_count),
        )
        return WorkQueue(spec=spec, queue=queue, dead_letter_queue=dead_letter_queue)


def _log_notifications_handler(scope: Construct, stage: str) -> logs.LogGroup:
    """A log group with the stage's retention for CDK's bucket-notifications function, which declares none and would
    otherwise write to a /aws/lambda/ group that Lambda creates and keeps forever. That function is a raw
    AWS::Lambda::Function resource with no logging option, so its LoggingConfig is set by an override."""
    stack = cdk.Stack.of(scope)
    (handler,) = [child for child in stack.node.children if child.node.id.startswith(NOTIFICATIONS_HANDLER_ID_PREFIX)]
    function = handler.node.find_child("Resource")
    if not isinstance(function, cdk.CfnResource) or function.cfn_resource_type != "AWS::Lambda::Function":
        raise TypeError(f"{function.node.path} is not the notifications handler's function")
    config = stage_config(stage)
    # Only CDK's own logs go there: the group goes with its stack on every stage.
    log_group = logs.LogGroup(
        scope, "NotificationsHandlerLogs", retention=config.log_retention, removal_policy=cdk.RemovalPolicy.DESTROY
    )
    function.add_property_override("LoggingConfig.LogGroup", log_group.log_group_name)
    return log_group


def tls_only_queue(
    scope: Construct,
    construct_id: str,
    *,
    name: str,
    visibility_timeout: cdk.Duration | None = None,
    retention_period: cdk.Duration | None = None,
    dead_letter_queue: sqs.DeadLetterQueue | None = None,
) -> sqs.Queue:
    """An encrypted queue that refuses requests without TLS.

    SSE-SQS rather than KMS: S3 and Lambda send to it without key policies or grants, and the messages are only
    object keys or stream positions, never user content."""
    return sqs.Queue(
        scope,
        construct_id,
        queue_name=name,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        visibility_timeout=visibility_timeout,
        retention_period=retention_period,
        dead_letter_queue=dead_letter_queue,
    )


def destination_dead_letter_queue(scope: Construct, *, name: str, fed_by: str) -> sqs.Queue:
    """A dead-letter queue that a Lambda destination or an event source feeds, not another queue's redrive
    policy, so cdk-nag's SQS3 cannot tell what it is: acknowledged with what feeds it."""
    queue = tls_only_queue(scope, "DeadLetterQueue", name=name, retention_period=DEAD_LETTER_RETENTION)
    acknowledge(queue, "SQS3", f"This queue is a dead-letter queue: {fed_by}")
    return queue
