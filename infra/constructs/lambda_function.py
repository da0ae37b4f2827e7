"""The one Lambda factory: every function of the app (API, scheduled, key rotation, stream consumers) is a
`KotobaFunction` with the same tracing, logging and environment, and a role of its own that starts with nothing but
its log group and X-Ray. Whoever builds one then grants exactly what the catalog lists for it, through `allow` and
`grant_tables`.

What differs is the package: a zip of `functions/<name>/` on the shared layer (`zip_package`), or a container image
built from `containers/<name>/Dockerfile` (`image_package`) for code too big for a zip. The package also says which
processor the function runs on: the shared layer's platform, or the image's (both decided in infra/architectures.py).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.architectures import LambdaPlatform, image_platform
from infra.constructs.shared_layer import PYTHON_RUNTIME, SharedDependencyLayer
from infra.constructs.tables import KotobaTables
from infra.layout import CONTAINERS_DIR, FUNCTIONS_DIR, REPO_ROOT, SHARED_PACKAGE_DIR
from infra.nag import acknowledge, finding_resource
from infra.stage_config import FunctionSize, stage_config
from shared.constants import LAMBDA_PYTHON_VERSION, METRICS_NAMESPACE, SERVICE_NAME, Env
from shared.iam_policy import (
    DYNAMODB_READ_ACTIONS,
    DYNAMODB_WRITE_ACTIONS,
    LIST_BUCKET_ACTIONS,
    MEDIA_OBJECT_ACTIONS,
    list_bucket_condition,
)

HANDLER: Final = "handler.handler"
# Lambda rejects an image whose manifest is an index with provenance attestations, which Docker's BuildKit adds by
# default. CDK's image assets (aws-cdk-lib 2.275) have no setting for them (`outputs` is `--output`, `build_args` are
# `--build-arg`), so whoever runs `cdk deploy` exports this variable (README, deploy section); buildx reads it.
NO_ATTESTATIONS_ENV: Final = "BUILDX_NO_DEFAULT_ATTESTATIONS"
POWERTOOLS_LOG_LEVEL: Final = "INFO"
CODE_EXCLUDES: Final = ("**/__pycache__", "**/*.pyc")


def image_context_excludes(name: str) -> list[str]:
    """What the image of `name` leaves out of its build context, the repository root: everything but what its
    Dockerfile copies (the `shared` package, `functions/<name>/`, `containers/<name>/`), and no bytecode.

    Docker ignore syntax, so that CDK never walks into what is excluded (.venv, node_modules, cdk.out...)."""
    included = [
        SHARED_PACKAGE_DIR.relative_to(REPO_ROOT),
        (FUNCTIONS_DIR / name).relative_to(REPO_ROOT),
        (CONTAINERS_DIR / name).relative_to(REPO_ROOT),
    ]
    return ["*", *(f"!{path.as_posix()}" for path in included), *CODE_EXCLUDES]


@dataclass(frozen=True)
class FunctionPackage:
    """How a function's code is packaged: what differs between a zip function and a container image function."""

    code: lambda_.Code
    handler: str
    runtime: lambda_.Runtime
    platform: LambdaPlatform  # what the function runs on: what its layer's wheels or its image were built for
    layers: tuple[lambda_.ILayerVersion, ...] = ()
    is_image: bool = False


def zip_package(name: str, layer: SharedDependencyLayer) -> FunctionPackage:
    """`functions/<name>/` zipped, on the shared layer (dependencies and `shared/`), Python 3.12, on the layer's
    platform."""
    return FunctionPackage(
        code=lambda_.Code.from_asset(str(FUNCTIONS_DIR / name), exclude=list(CODE_EXCLUDES)),
        handler=HANDLER,
        runtime=PYTHON_RUNTIME,
        platform=layer.platform,
        layers=(layer.layer,),
    )


def image_package(name: str, build_args: Mapping[str, str] | None = None) -> FunctionPackage:
    """The image `containers/<name>/Dockerfile` builds from the repository root (its CMD names the handler), with
    `build_args` as its `--build-arg`s.

    Synth only stages the context (see `image_context_excludes`); the image is built by `cdk deploy`, with Docker,
    for the image's platform (`image_platform`), even on a laptop of the other architecture (Docker then needs
    QEMU), and must be built with `NO_ATTESTATIONS_ENV=1` in the environment. The Dockerfiles name the multi-arch
    base tag and leave the choice of architecture to this.
    """
    platform = image_platform(name)
    return FunctionPackage(
        code=lambda_.Code.from_asset_image(
            str(REPO_ROOT),
            file=(CONTAINERS_DIR / name / "Dockerfile").relative_to(REPO_ROOT).as_posix(),
            platform=platform.image_platform,
            build_args=dict(build_args) if build_args else None,
            exclude=image_context_excludes(name),
            ignore_mode=cdk.IgnoreMode.DOCKER,
        ),
        handler=lambda_.Handler.FROM_IMAGE,
        runtime=lambda_.Runtime.FROM_IMAGE,
        platform=platform,
        is_image=True,
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
    """One function: its package (zip on the shared layer, or container image), and its own least-privilege role."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        description: str,
        role_description: str,
        stage: str,
        size: FunctionSize,
        package: FunctionPackage,
        environment: Mapping[str, str] | None = None,
        reserved_concurrency: int | None = None,
        snap_start: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        self.name = name
        self.environment: Mapping[str, str] = {**base_environment(stage), **(environment or {})}
        self.size = size
        config = stage_config(stage)
        self.log_group = logs.LogGroup(
            self, "LogGroup", retention=config.log_retention, removal_policy=config.log_removal_policy
        )
        self.role = iam.Role(
            self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), description=role_description
        )
        self.package = package
        self.function = lambda_.Function(
            self,
            "Function",
            description=description,
            runtime=package.runtime,
            architecture=package.platform.architecture,
            handler=package.handler,
            code=package.code,
            layers=list(package.layers) or None,
            memory_size=size.memory_mb,
            timeout=size.timeout,
            reserved_concurrent_executions=reserved_concurrency,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=self.log_group,
            role=self.role,
            environment=dict(self.environment),
            # SnapStart (Python 3.12+, zip only) snapshots the initialized environment of each published version.
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if snap_start else None,
        )
        self.log_group.grant_write(self.role)
        if snap_start:
            cdk.Annotations.of(self.function).acknowledge_warning(
                "@aws-cdk/aws-lambda:snapStartRequirePublish",
                "Whoever enables SnapStart publishes `current_version` and invokes it through an alias (ApiHandler).",
            )
        if not package.is_image:  # an image function declares no runtime, so L1 has nothing to check there
            acknowledge(
                self.function,
                "L1",
                f"Python {LAMBDA_PYTHON_VERSION} is pinned on purpose (shared/constants.py): the shared layer's "
                "wheels are downloaded for that version only, and moving it is a deliberate, tested upgrade.",
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

    def grant_media(
        self,
        bucket: s3.IBucket,
        prefixes: Sequence[str],
        *,
        listed: Sequence[str] = (),
        actions: Sequence[str] = MEDIA_OBJECT_ACTIONS,
    ) -> None:
        """Object `actions` (by default reads, writes and deletes) under each of `prefixes` of the media bucket, and
        ListBucket limited by an s3:prefix condition to `listed` (which must be among them)."""
        for prefix in prefixes:
            objects_under_prefix = bucket.arn_for_objects(f"{prefix}*")
            self.allow(actions, [objects_under_prefix])
            acknowledge(
                self.role,
                f"IAM5[Resource::{finding_resource(self, objects_under_prefix)}]",
                f"Object actions under one key prefix ({prefix}) of the media bucket: keys are per user and "
                "per upload or month, so they can only be named by prefix.",
            )
        if listed:
            if not set(listed) <= set(prefixes):
                raise ValueError(f"{self.name}: the prefixes it lists must be within its media prefixes")
            self.allow(LIST_BUCKET_ACTIONS, [bucket.bucket_arn], conditions=list_bucket_condition(listed))

    def grant_tables(self, tables: KotobaTables, *, reads: Sequence[str] = (), writes: Sequence[str] = ()) -> None:
        """Item reads on `reads`, reads and item writes on `writes`: each table and its indexes by name, no Scan."""
        if reads:
            self.allow(DYNAMODB_READ_ACTIONS, tables.arns_with_indexes(reads))
        if writes:
            self.allow(DYNAMODB_WRITE_ACTIONS, tables.arns_with_indexes(writes))
