"""Every function (API, scheduled, key rotation, stream consumers, upload workers) with the layer the zip functions
share, the REST API, the SES identity the e-mail is sent from, and their monitoring.

The functions stay in one stack with the layer: a layer version referenced from another stack would be an
export whose value changes with every layer build, which CloudFormation refuses to update while imported.
"""

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constructs.api_function import ApiHandler
from infra.constructs.email_identity import EmailIdentities, EmailSettings
from infra.constructs.generated_key import GeneratedKey
from infra.constructs.job_worker import JobWorkerFunction
from infra.constructs.jwt_keys import JwtKeys
from infra.constructs.lambda_function import KotobaFunction
from infra.constructs.monitoring import Monitoring
from infra.constructs.rest_api import KotobaRestApi
from infra.constructs.scheduled_job import ScheduledJob
from infra.constructs.shared_layer import SharedDependencyLayer
from infra.constructs.stream_consumer import StreamConsumerFunction
from infra.constructs.tables import KotobaTables, construct_name
from infra.constructs.upload_worker import UploadWorkerFunction, worker_settings
from shared.catalog import API_FUNCTIONS, JOB_WORKERS, QUEUES, SCHEDULED_FUNCTIONS, STREAM_CONSUMERS
from shared.constants import API_PREFIX, cursor_key_secret_name, link_key_secret_name

API_URL_OUTPUT = "ApiUrl"
ALARM_TOPIC_OUTPUT = "AlarmTopicArn"


class ApiStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        tags: dict[str, str],
        tables: KotobaTables,
        media_bucket_name: str,
        email: EmailSettings,
        alarm_email: str | None = None,
        whisper_model: str = "",
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            description=f"kotoba {stage}: functions, REST API, JWT, cursor and link keys, upload workers, monitoring",
            tags=tags,
        )
        media_bucket = s3.Bucket.from_bucket_name(self, "MediaBucket", media_bucket_name)
        self.shared_layer = SharedDependencyLayer(self, "SharedLayer")
        self.jwt_keys = JwtKeys(self, "JwtKeys", stage=stage, layer=self.shared_layer)
        self.cursor_key = GeneratedKey(
            self,
            "CursorKey",
            secret_name=cursor_key_secret_name(stage),
            description="kotoba list-cursor key: seals the next_cursor of every paginated API list",
            no_rotation_reason="the key only seals list positions that expire within a day, and replacing it (a new "
            "value in the secret) only sends clients paging at that moment back to the first page.",
        )
        self.link_key = GeneratedKey(
            self,
            "LinkKey",
            secret_name=link_key_secret_name(stage),
            description="kotoba e-mail link key: signs the unsubscribe link of every study reminder",
            no_rotation_reason="the key only signs unsubscribe links, which can do nothing but turn reminders off; "
            "replacing it makes the links of reminders already sent stop working, and the next reminder has a new one.",
        )
        self.email = EmailIdentities(self, "Email", settings=email)
        self.handlers = [
            ApiHandler(
                self,
                construct_name(entry.name),
                entry=entry,
                stage=stage,
                layer=self.shared_layer,
                tables=tables,
                media_bucket=media_bucket,
                jwt_keys=self.jwt_keys,
                cursor_key=self.cursor_key,
                link_key=self.link_key,
                email=self.email,
            )
            for entry in API_FUNCTIONS
        ]
        self.api = KotobaRestApi(self, "Api", stage=stage, handlers=self.handlers)
        self.scheduled_jobs = [
            ScheduledJob(
                self,
                construct_name(entry.name),
                entry=entry,
                stage=stage,
                layer=self.shared_layer,
                tables=tables,
                email=self.email,
                link_key=self.link_key,
                public_api_url=self.api.rest_api.url_for_path(API_PREFIX),
            )
            for entry in SCHEDULED_FUNCTIONS
        ]
        # The stream ARNs come from the data stack (exports): each consumer reads its own table's stream only.
        self.stream_consumers = [
            StreamConsumerFunction(
                self,
                construct_name(entry.name),
                entry=entry,
                stage=stage,
                layer=self.shared_layer,
                tables=tables,
                media_bucket=media_bucket,
            )
            for entry in STREAM_CONSUMERS
        ]
        # Fed by the storage stack's work queues, named by ARN (this stack is deployed after that one).
        self.upload_workers = [
            UploadWorkerFunction(
                self,
                construct_name(spec.worker),
                spec=spec,
                stage=stage,
                tables=tables,
                media_bucket=media_bucket,
                settings=worker_settings(whisper_model),
            )
            for spec in QUEUES
        ]
        self.job_workers = [
            JobWorkerFunction(
                self,
                construct_name(entry.name),
                entry=entry,
                stage=stage,
                layer=self.shared_layer,
                tables=tables,
                media_bucket=media_bucket,
            )
            for entry in JOB_WORKERS
        ]
        worker_of_queue = {worker.entry.queue: worker for worker in self.job_workers}
        senders: list[tuple[KotobaFunction, tuple[str, ...]]] = [
            *((handler, handler.entry.enqueues) for handler in self.handlers),
            *((job, job.entry.enqueues) for job in self.scheduled_jobs),
            *((consumer, consumer.entry.enqueues) for consumer in self.stream_consumers),
        ]
        for function, queues in senders:
            for queue in queues:
                worker_of_queue[queue].grant_send(function)
        self.functions: list[KotobaFunction] = [
            *self.handlers,
            *self.scheduled_jobs,
            self.jwt_keys.rotation,
            *self.stream_consumers,
            *self.upload_workers,
            *self.job_workers,
        ]
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            stage=stage,
            functions=self.functions,
            rest_api=self.api.rest_api,
            queues=QUEUES,
            stream_consumers=self.stream_consumers,
            scheduled_jobs=self.scheduled_jobs,
            job_workers=self.job_workers,
            sends_email=any(entry.sends_email for entry in (*API_FUNCTIONS, *SCHEDULED_FUNCTIONS)),
            alarm_email=alarm_email,
        )
        cdk.CfnOutput(self, API_URL_OUTPUT, value=self.api.rest_api.url)
        cdk.CfnOutput(self, ALARM_TOPIC_OUTPUT, value=self.monitoring.topic.topic_arn)
