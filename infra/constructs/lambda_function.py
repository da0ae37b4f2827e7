"""The one Lambda factory: every zip function of the app (API, scheduled, key rotation) is a `KotobaFunction`
with the same runtime, layer, tracing and logging, and a role of its own that starts with nothing but its log
group and X-Ray. Whoever builds one then grants exactly what the catalog lists for it, through `allow`."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.constructs.shared_layer import LAYER_ARCHITECTURE, PYTHON_RUNTIME
from infra.constructs.tables import KotobaTables
from infra.layout import FUNCTIONS_DIR
from infra.nag import acknowledge
from shared.constants import LAMBDA_PYTHON_VERSION, METRICS_NAMESPACE, SERVICE_NAME, Env

HANDLER: Final = "handler.handler"
MEMORY_SIZE_MB: Final = 512
# API Gateway gives up on an integration after 29 s; a function that stops at 15 s answers well before.
DEFAULT_TIMEOUT: Final = cdk.Duration.seconds(15)
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


def base_environment(stage: str) -> dict[str, str]:
    """What every function reads: its stage (table, secret and parameter names derive from it) and Powertools."""
    return {
        Env.STAGE: stage,
        "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        "POWERTOOLS_LOG_LEVEL": POWERTOOLS_LOG_LEVEL,
    }


class KotobaFunction(Construct):
    """One zip function: code from `functions/<name>/`, the shared layer, and its own least-privilege role."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        description: str,
        role_description: str,
        stage: str,
        layer: lambda_.ILayerVersion,
        environment: Mapping[str, str] | None = None,
        timeout: cdk.Duration = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(scope, construct_id)
        self.name = name
        self.environment: Mapping[str, str] = {**base_environment(stage), **(environment or {})}
        self.log_group = logs.LogGroup(self, "LogGroup", retention=LOG_RETENTION)
        self.role = iam.Role(
            self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), description=role_description
        )
        self.function = lambda_.Function(
            self,
            "Function",
            description=description,
            runtime=PYTHON_RUNTIME,
            architecture=LAYER_ARCHITECTURE,
            handler=HANDLER,
            code=lambda_.Code.from_asset(str(FUNCTIONS_DIR / name), exclude=list(CODE_EXCLUDES)),
            layers=[layer],
            memory_size=MEMORY_SIZE_MB,
            timeout=timeout,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=self.log_group,
            role=self.role,
            environment=dict(self.environment),
        )
        self.log_group.grant_write(self.role)
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

    def allow(
        self, actions: Iterable[str], resources: Sequence[str], conditions: Mapping[str, Any] | None = None
    ) -> None:
        """Add one Allow statement to this function's role."""
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=sorted(actions), resources=list(resources), conditions=dict(conditions) if conditions else None
            )
        )

    def grant_tables(self, tables: KotobaTables, *, reads: Sequence[str] = (), writes: Sequence[str] = ()) -> None:
        """Item reads on `reads`, reads and item writes on `writes`: each table and its indexes by name, no Scan."""
        if reads:
            self.allow(DYNAMODB_READ_ACTIONS, tables.arns_with_indexes(reads))
        if writes:
            self.allow(DYNAMODB_WRITE_ACTIONS, tables.arns_with_indexes(writes))
