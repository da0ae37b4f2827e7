"""Every function (API, scheduled, key rotation, stream consumers, upload workers) with the layer the zip functions
share, the REST API, the SES identity the e-mail is sent from, and their monitoring.

The functions stay in one stack with the layer: a layer version referenced from another stack would be an
export whose value changes with every layer build, which CloudFormation refuses to update while imported.
"""

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constructs.api_function import ApiHandler
from infra.constructs.cursor_key import CursorKey
from infra.constructs.email_identity import EmailIdentities, EmailSettings
from infra.constructs.jwt_keys import JwtKeys
from infra.constructs.lambda_function import KotobaFunction
from infra.constructs.monitoring import Monitoring
from infra.constructs.rest_api import KotobaRestApi
from infra.constructs.scheduled_job import ScheduledJob
from infra.constructs.shared_layer import SharedDependencyLayer
from infra.constructs.stream_consumer import StreamConsumerFunction
from infra.constructs.tables import KotobaTables, construct_name
from infra.constructs.upload_worker import UploadWorkerFunction
from shared.catalog import API_FUNCTIONS, QUEUES, SCHEDULED_FUNCTIONS, STREAM_CONSUMERS

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
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            description=f"kotoba {stage}: functions, REST API, JWT and cursor keys, upload workers, monitoring",
            tags=tags,
        )
        media_bucket = s3.Bucket.from_bucket_name(self, "MediaBucket", media_bucket_name)
        self.shared_layer = SharedDependencyLayer(self, "SharedLayer")
        layer = self.shared_layer.layer
        self.jwt_keys = JwtKeys(self, "JwtKeys", stage=stage, layer=layer)
        self.cursor_key = CursorKey(self, "CursorKey", stage=stage)
        self.email = EmailIdentities(self, "Email", settings=email)
        self.handlers = [
            ApiHandler(
                self,
                construct_name(entry.name),
                entry=entry,
                stage=stage,
                layer=layer,
                tables=tables,
                media_bucket=media_bucket,
                jwt_keys=self.jwt_keys,
                cursor_key=self.cursor_key,
                email=self.email,
            )
            for entry in API_FUNCTIONS
        ]
        self.scheduled_jobs = [
            ScheduledJob(self, construct_name(entry.name), entry=entry, stage=stage, layer=layer, tables=tables)
            for entry in SCHEDULED_FUNCTIONS
        ]
        # The stream ARNs come from the data stack (exports): each consumer reads its own table's stream only.
        self.stream_consumers = [
            StreamConsumerFunction(
                self, construct_name(entry.name), entry=entry, stage=stage, layer=layer, tables=tables
            )
            for entry in STREAM_CONSUMERS
        ]
        # Fed by the storage stack's work queues, named by ARN (this stack is deployed after that one).
        self.upload_workers = [
            UploadWorkerFunction(
                self, construct_name(spec.worker), spec=spec, stage=stage, tables=tables, media_bucket=media_bucket
            )
            for spec in QUEUES
        ]
        self.functions: list[KotobaFunction] = [
            *self.handlers,
            *self.scheduled_jobs,
            self.jwt_keys.rotation,
            *self.stream_consumers,
            *self.upload_workers,
        ]
        self.api = KotobaRestApi(self, "Api", stage=stage, handlers=self.handlers)
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            stage=stage,
            functions=self.functions,
            rest_api=self.api.rest_api,
            queues=QUEUES,
            stream_consumers=self.stream_consumers,
            scheduled_jobs=self.scheduled_jobs,
            sends_email=any(entry.sends_email for entry in API_FUNCTIONS),
            alarm_email=alarm_email,
        )
        cdk.CfnOutput(self, API_URL_OUTPUT, value=self.api.rest_api.url)
        cdk.CfnOutput(self, ALARM_TOPIC_OUTPUT, value=self.monitoring.topic.topic_arn)
