"""Job workers: every `shared.catalog.JOB_WORKERS` entry becomes a zip `KotobaFunction` fed by an SQS queue of its
own (with a dead-letter queue after `max_receive_count` receives) that API functions and the janitor send job ids
to. Its role holds its tables, its media prefixes (objects, and listing them), its queue (to consume it, and to send
itself the rest of a job that needs another invocation)."""

from typing import Final

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.lambda_function import KotobaFunction, zip_package
from infra.constructs.shared_layer import SharedDependencyLayer
from infra.constructs.tables import KotobaTables
from infra.constructs.work_queues import DEAD_LETTER_RETENTION, tls_only_queue
from infra.stage_config import FunctionSize
from shared.catalog import JobWorker
from shared.constants import Env, dead_letter_queue_name, physical_name
from shared.iam_policy import JOB_SEND_ACTIONS, QUEUE_CONSUME_ACTIONS

BATCH_SIZE: Final = 1  # one job per invocation: its timeout is the job's, and a failure retries that job alone


class JobWorkerFunction(KotobaFunction):
    """One job worker: its queue and dead-letter queue, its function and role, and the event source mapping."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        entry: JobWorker,
        stage: str,
        layer: SharedDependencyLayer,
        tables: KotobaTables,
        media_bucket: s3.IBucket,
    ) -> None:
        self.entry = entry
        self.dead_letter_queue_name = dead_letter_queue_name(stage, entry.queue)
        scope_of_queues = Construct(scope, f"{construct_id}Queues")
        visibility_timeout = cdk.Duration.seconds(entry.visibility_timeout_seconds)
        self.dead_letter_queue = tls_only_queue(
            scope_of_queues,
            "DeadLetterQueue",
            name=self.dead_letter_queue_name,
            visibility_timeout=visibility_timeout,
            retention_period=DEAD_LETTER_RETENTION,
        )
        self.queue = tls_only_queue(
            scope_of_queues,
            "Queue",
            name=physical_name(stage, entry.queue),
            visibility_timeout=visibility_timeout,
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letter_queue, max_receive_count=entry.max_receive_count
            ),
        )
        super().__init__(
            scope,
            construct_id,
            name=entry.name,
            description=f"kotoba {entry.name}: the jobs of the {entry.queue} queue",
            role_description=f"{entry.name}: its queue, media prefixes and the tables listed in shared/catalog.py",
            stage=stage,
            size=FunctionSize(memory_mb=entry.memory_mb, timeout_seconds=entry.timeout_seconds),
            package=zip_package(entry.name, layer),
            environment={Env.MEDIA_BUCKET: media_bucket.bucket_name},
        )
        self.grant_tables(tables, reads=entry.reads, writes=entry.writes)
        self.grant_media(media_bucket, entry.media, listed=entry.lists_media)
        self.allow(QUEUE_CONSUME_ACTIONS, [self.queue.queue_arn])
        self.allow(JOB_SEND_ACTIONS, [self.queue.queue_arn])  # the rest of a long job, for another invocation
        self.event_source_mapping = lambda_.EventSourceMapping(
            self,
            "QueueMapping",
            target=self.function,
            event_source_arn=self.queue.queue_arn,
            batch_size=BATCH_SIZE,
            report_batch_item_failures=True,
        )

    def grant_send(self, function: KotobaFunction) -> None:
        """Let `function` hand jobs to this worker (it finds the queue by its name, which derives from the stage)."""
        function.allow(JOB_SEND_ACTIONS, [self.queue.queue_arn])
