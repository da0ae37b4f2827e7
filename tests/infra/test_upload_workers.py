"""Upload workers: one container-image function per work queue, sized by its catalog entry, fed one upload at a time
by an SQS event source mapping on its own queue (the storage stack's, by name), with bounded concurrency."""

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3

from infra.constructs import upload_worker
from infra.constructs.tables import KotobaTables
from infra.constructs.upload_worker import WORKER_SETTINGS, UploadWorkerFunction, WorkerSettings, worker_settings
from infra.stage_config import DEV, PROD
from shared.catalog import QUEUES, QueueSpec
from shared.constants import Env, physical_name
from tests.infra.conftest import STAGE, SynthesizedApp, image_assets, logical_id

pytestmark = pytest.mark.slow

OCR, SPEECH = QUEUES
PADDLEX_CACHE = {"PADDLE_PDX_CACHE_HOME": "/tmp/paddlex"}


@pytest.fixture(scope="module")
def template(synthesized: SynthesizedApp) -> dict[str, Any]:
    return synthesized.template(synthesized.api)


@pytest.fixture(scope="module")
def workers(synthesized: SynthesizedApp) -> dict[str, UploadWorkerFunction]:
    return {worker.spec.name: worker for worker in synthesized.api.upload_workers}


def _function(template: dict[str, Any], worker: UploadWorkerFunction) -> dict[str, Any]:
    return dict(template["Resources"][logical_id(worker.function)])


def _mapping(template: dict[str, Any], worker: UploadWorkerFunction) -> dict[str, Any]:
    return dict(template["Resources"][logical_id(worker.event_source_mapping)]["Properties"])


def _queue_arn(name: str) -> dict[str, Any]:
    """The ARN of a queue of this account and region, named as the storage stack names it."""
    account = [{"Ref": "AWS::Region"}, ":", {"Ref": "AWS::AccountId"}]
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":sqs:", *account, f":{name}"]]}


def test_one_worker_per_queue_each_with_settings(workers: dict[str, UploadWorkerFunction]) -> None:
    # When the stack's upload workers are listed, Then there is one per queue, the OCR and speech workers, with settings
    assert sorted(workers) == sorted(spec.name for spec in QUEUES)
    assert sorted(WORKER_SETTINGS) == sorted(spec.worker for spec in QUEUES) == ["ocr_worker", "speech_worker"]
    assert [worker.name for worker in workers.values()] == [spec.worker for spec in QUEUES]


@pytest.mark.parametrize("spec", QUEUES, ids=lambda s: s.worker)
def test_worker_is_an_image_sized_by_its_catalog_entry(
    template: dict[str, Any], workers: dict[str, UploadWorkerFunction], spec: QueueSpec
) -> None:
    # When the worker's function is read
    worker = workers[spec.name]
    properties = _function(template, worker)["Properties"]

    # Then it is an image on its architecture, sized by its catalog entry, not reserved, and logging to its group
    assert properties["PackageType"] == "Image"
    # PaddleOCR's fast CPU path (oneDNN) is in paddlepaddle's x86_64 wheel only, Praat's pitch tracker
    # (praat-parselmouth) has no aarch64 wheel
    assert properties["Architectures"] == [{"ocr_worker": "x86_64", "speech_worker": "x86_64"}[spec.worker]]
    assert (properties["MemorySize"], properties["Timeout"]) == (spec.worker_memory_mb, spec.worker_timeout_seconds)
    assert "ReservedConcurrentExecutions" not in properties  # the mapping's maximum concurrency bounds it instead
    assert properties["LoggingConfig"] == {"LogGroup": {"Ref": logical_id(worker.log_group)}}


def test_catalog_sizes() -> None:
    """Two gigabytes each (PaddleOCR peaks near 850 MB, Whisper base near 450 MB; vCPU scales with memory)."""
    # When the catalog's queues are read, Then each worker has two gigabytes, the OCR one a minute, the speech one two
    assert (OCR.worker, OCR.worker_memory_mb, OCR.worker_timeout_seconds) == ("ocr_worker", 2048, 60)
    assert (SPEECH.worker, SPEECH.worker_memory_mb, SPEECH.worker_timeout_seconds) == ("speech_worker", 2048, 120)


@pytest.mark.parametrize(
    ("spec", "extra"), [(OCR, PADDLEX_CACHE), (SPEECH, {})], ids=lambda value: getattr(value, "worker", "")
)
def test_worker_environment(
    template: dict[str, Any], workers: dict[str, UploadWorkerFunction], spec: QueueSpec, extra: dict[str, str]
) -> None:
    """The stage, Powertools, and for OCR PaddleX's cache in /tmp; the bucket comes with each S3 event instead."""
    # When the worker's environment is read
    variables = _function(template, workers[spec.name])["Properties"]["Environment"]["Variables"]

    # Then it holds the stage and Powertools' settings, and for OCR PaddleX's cache folder
    assert variables == {
        Env.STAGE: STAGE,
        "POWERTOOLS_SERVICE_NAME": "kotoba-api",
        "POWERTOOLS_METRICS_NAMESPACE": "Kotoba",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        **extra,
    }


@pytest.mark.parametrize("spec", QUEUES, ids=lambda s: s.worker)
def test_mapping_takes_one_upload_at_a_time_from_its_own_queue(
    synthesized: SynthesizedApp, template: dict[str, Any], workers: dict[str, UploadWorkerFunction], spec: QueueSpec
) -> None:
    # Given the worker's queue in the storage stack
    worker = workers[spec.name]
    queue = synthesized.template(synthesized.storage)["Resources"][
        logical_id(synthesized.storage.work_queues.queues[spec.name].queue)
    ]["Properties"]

    # Then the queue has the stage's name, and the worker's mapping takes one upload at a time from it, reports
    # failures item by item, and runs five at once at most
    assert queue["QueueName"] == physical_name(STAGE, spec.name) == worker.queue_name
    assert _mapping(template, worker) == {
        "EventSourceArn": _queue_arn(queue["QueueName"]),
        "FunctionName": {"Ref": logical_id(worker.function)},
        "BatchSize": 1,
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "ScalingConfig": {"MaximumConcurrency": 5},
    }


@pytest.mark.parametrize("spec", QUEUES, ids=lambda s: s.worker)
def test_queue_visibility_is_six_times_the_worker_timeout(
    synthesized: SynthesizedApp, template: dict[str, Any], workers: dict[str, UploadWorkerFunction], spec: QueueSpec
) -> None:
    """Lambda refuses an SQS mapping whose queue's visibility timeout is under the function's timeout; AWS advises
    six times it, so that retries after throttling or a slow batch do not deliver the message twice at once."""
    # When the worker's queue and the function's timeout are read
    queue = synthesized.template(synthesized.storage)["Resources"][
        logical_id(synthesized.storage.work_queues.queues[spec.name].queue)
    ]["Properties"]
    timeout = _function(template, workers[spec.name])["Properties"]["Timeout"]

    # Then the queue hides a message for six times the timeout, as the catalog says
    assert queue["VisibilityTimeout"] == 6 * timeout == spec.visibility_timeout_seconds


@pytest.mark.parametrize("spec", QUEUES, ids=lambda s: s.worker)
def test_function_waits_for_its_policy_so_the_mapping_finds_its_queue_grants(
    template: dict[str, Any], workers: dict[str, UploadWorkerFunction], spec: QueueSpec
) -> None:
    """Lambda checks the role's SQS permissions when the mapping is created: the mapping refers to the function, and
    the function depends on the role's policy."""
    # When the worker's function is read, Then it depends on its role's policy
    worker = workers[spec.name]
    policy_id = logical_id(worker.role.node.find_child("DefaultPolicy"))

    assert policy_id in _function(template, worker)["DependsOn"]


def test_the_app_deploys_the_storage_stack_first(synthesized: SynthesizedApp) -> None:
    """The mappings name the queues by ARN, not by import: only the stack dependency orders the two."""
    # When the API stack's dependencies are read, Then the storage stack is among them
    assert synthesized.storage in synthesized.api.dependencies


def test_max_concurrency_is_within_what_sqs_mappings_accept() -> None:
    # When the stages' worker concurrency is read, Then it is 5 in dev and 50 in prod, within what SQS mappings take,
    # and a batch is one upload
    assert (DEV.worker_max_concurrency, PROD.worker_max_concurrency) == (5, 50)
    assert all(2 <= config.worker_max_concurrency <= 1000 for config in (DEV, PROD))
    assert upload_worker.BATCH_SIZE == 1


def test_a_worker_needs_settings() -> None:
    # Given a throwaway stack's tables and bucket
    stack = cdk.Stack(cdk.App(context={"aws:cdk:bundling-stacks": []}), "Throwaway")
    tables = KotobaTables(stack, "Tables", stage=STAGE)
    bucket = s3.Bucket.from_bucket_name(stack, "Bucket", "media")

    # When the OCR worker is built with settings for the speech worker only, Then it is refused
    with pytest.raises(KeyError, match="no WorkerSettings"):
        UploadWorkerFunction(
            stack,
            "Unknown",
            spec=OCR,
            stage=STAGE,
            tables=tables,
            media_bucket=bucket,
            settings={"speech_worker": WorkerSettings()},
        )


def test_the_speech_image_bakes_base_unless_the_deployer_names_a_model(synthesized: SynthesizedApp) -> None:
    # When the app is synthesized without a model, Then no image has build arguments: the speech image bakes base
    assert [source for _, source in image_assets(synthesized).values() if "dockerBuildArgs" in source] == []


@pytest.mark.parametrize(("model", "memory_mb"), [("small", 3008), ("kotoba-tech/kotoba-whisper-v2.0-faster", 6144)])
def test_a_larger_whisper_is_the_speech_images_build_argument_with_more_memory(model: str, memory_mb: int) -> None:
    # Given a throwaway stack's tables and bucket
    app = cdk.App(context={"aws:cdk:bundling-stacks": []})
    stack = cdk.Stack(app, "Throwaway")
    tables = KotobaTables(stack, "Tables", stage=STAGE)
    bucket = s3.Bucket.from_bucket_name(stack, "Bucket", "media")

    # When the speech worker is built with the settings for a larger model and synthesized
    worker = UploadWorkerFunction(
        stack, "Speech", spec=SPEECH, stage=STAGE, tables=tables, media_bucket=bucket, settings=worker_settings(model)
    )
    assembly = app.synth()
    template = assembly.get_stack_by_name(stack.stack_name).template
    manifest = json.loads((Path(assembly.directory) / f"{stack.stack_name}.assets.json").read_text())

    # Then its image is built with the model as WHISPER_MODEL (the Dockerfile's argument), and the function has the
    # memory the model needs, its timeout unchanged
    assert [image["source"].get("dockerBuildArgs") for image in manifest["dockerImages"].values()] == [
        {"WHISPER_MODEL": model}
    ]
    properties = template["Resources"][logical_id(worker.function)]["Properties"]
    assert (properties["MemorySize"], properties["Timeout"]) == (memory_mb, SPEECH.worker_timeout_seconds)
