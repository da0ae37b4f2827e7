"""The one factory for API Lambdas: every entry of `shared.catalog.API_FUNCTIONS` becomes an `ApiHandler`
with the same runtime, layer, tracing and logging, and a role that grants exactly what its entry lists."""

from typing import Final

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constructs.shared_layer import LAYER_ARCHITECTURE, PYTHON_RUNTIME
from infra.constructs.tables import KotobaTables
from infra.layout import FUNCTIONS_DIR
from infra.nag import acknowledge, finding_resource
from shared.catalog import ApiFunction
from shared.constants import LAMBDA_PYTHON_VERSION, METRICS_NAMESPACE, SERVICE_NAME, Env

HANDLER: Final = "handler.handler"
MEMORY_SIZE_MB: Final = 512
# API Gateway gives up on an integration after 29 s; a function that stops at 15 s answers well before.
TIMEOUT: Final = cdk.Duration.seconds(15)
LOG_RETENTION: Final = logs.RetentionDays.ONE_MONTH
POWERTOOLS_LOG_LEVEL: Final = "INFO"
CODE_EXCLUDES: Final = ("**/__pycache__", "**/*.pyc")

DYNAMODB_READ_ACTIONS: Final = (
    "dynamodb:BatchGetItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:Query",
)
# Reads plus item writes (transactions are authorized per item with these); never Scan.
DYNAMODB_WRITE_ACTIONS: Final = (
    *DYNAMODB_READ_ACTIONS,
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
)
MEDIA_OBJECT_ACTIONS: Final = ("s3:DeleteObject", "s3:GetObject", "s3:PutObject")


class ApiHandler(Construct):
    """One API function: code from `functions/<name>/`, the shared layer, and its own least-privilege role."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        entry: ApiFunction,
        stage: str,
        layer: lambda_.ILayerVersion,
        tables: KotobaTables,
        media_bucket: s3.IBucket,
    ) -> None:
        super().__init__(scope, construct_id)
        self.entry = entry
        self.log_group = logs.LogGroup(self, "LogGroup", retention=LOG_RETENTION)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{entry.name}: the tables and media prefixes listed in shared/catalog.py",
        )
        self.function = lambda_.Function(
            self,
            "Function",
            description=f"kotoba {entry.name}: {', '.join(entry.route_prefixes)}",
            runtime=PYTHON_RUNTIME,
            architecture=LAYER_ARCHITECTURE,
            handler=HANDLER,
            code=lambda_.Code.from_asset(str(FUNCTIONS_DIR / entry.name), exclude=list(CODE_EXCLUDES)),
            layers=[layer],
            memory_size=MEMORY_SIZE_MB,
            timeout=TIMEOUT,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=self.log_group,
            role=self.role,
            environment={
                Env.STAGE: stage,
                Env.MEDIA_BUCKET: media_bucket.bucket_name,
                "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                "POWERTOOLS_LOG_LEVEL": POWERTOOLS_LOG_LEVEL,
            },
        )
        self.log_group.grant_write(self.role)
        self._grant_tables(tables)
        self._grant_media(media_bucket)
        acknowledge(
            self.function,
            "L1",
            f"Python {LAMBDA_PYTHON_VERSION} is pinned on purpose (shared/constants.py): the shared layer's wheels "
            "are downloaded for that version only, and moving it is a deliberate, tested upgrade.",
        )
        acknowledge(
            self.role,
            "IAM5[Resource::*]",
            "Active tracing makes CDK grant xray:PutTraceSegments and xray:PutTelemetryRecords, which support "
            "no resource-level permissions: X-Ray only accepts Resource '*' for them.",
        )

    def _grant_tables(self, tables: KotobaTables) -> None:
        if self.entry.reads:
            self._allow(DYNAMODB_READ_ACTIONS, tables.arns_with_indexes(self.entry.reads))
        if self.entry.writes:
            self._allow(DYNAMODB_WRITE_ACTIONS, tables.arns_with_indexes(self.entry.writes))
        if self.entry.describes_all_tables:
            self._allow(("dynamodb:DescribeTable",), tables.table_arns())

    def _grant_media(self, bucket: s3.IBucket) -> None:
        for prefix in self.entry.media:
            objects_under_prefix = bucket.arn_for_objects(f"{prefix}*")
            self._allow(MEDIA_OBJECT_ACTIONS, [objects_under_prefix])
            acknowledge(
                self.role,
                f"IAM5[Resource::{finding_resource(self, objects_under_prefix)}]",
                f"Object actions under one key prefix ({prefix}) of the media bucket: keys are per user and "
                "per upload, so they can only be named by prefix.",
            )
        if self.entry.describes_all_tables:
            # HeadBucket, which the health check calls, is authorized by s3:ListBucket.
            self._allow(("s3:ListBucket",), [bucket.bucket_arn])

    def _allow(self, actions: tuple[str, ...], resources: list[str]) -> None:
        self.role.add_to_principal_policy(iam.PolicyStatement(actions=list(actions), resources=resources))
