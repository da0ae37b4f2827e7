"""The local event pump against the emulator: S3 uploads reach the queue's worker, failures stay queued,
and schedules run their function."""

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote_plus

import boto3
import pytest
import requests

from localcloud import provision
from localcloud.pump import LOCAL_BATCHING_WINDOW_SECONDS, EventPump, QueueRoute
from shared.constants import MediaPrefixes, Queues
from shared.dal.jobs import BackgroundJobItem
from shared.enums import JobStatus, JobType
from shared.settings import get_settings

pytestmark = pytest.mark.slow


def wait_for(condition: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def s3_records(sqs_event: dict[str, Any]) -> list[dict[str, Any]]:
    """The S3 records inside an SQS event (S3 also sends one `s3:TestEvent` when notifications are set up)."""
    return [r for m in sqs_event["Records"] for r in json.loads(m["body"]).get("Records", [])]


def presigned_upload(key: str, body: bytes) -> None:
    bucket = get_settings().media_bucket_name()
    post = boto3.client("s3", region_name="us-east-1").generate_presigned_post(bucket, key, ExpiresIn=60)
    response = requests.post(post["url"], data=post["fields"], files={"file": body}, timeout=10)
    assert response.status_code == 204


def test_an_upload_reaches_the_worker_of_its_prefix(provisioned: list[provision.ProvisionedQueue]) -> None:
    # Given the pump routing the OCR queue to a worker that takes every message
    ocr_queue = next(q for q in provisioned if q.logical_name == Queues.OCR)
    received: list[dict[str, Any]] = []

    def worker(function_name: str, event: dict[str, Any]) -> dict[str, Any]:
        received.append(event)
        return {"batchItemFailures": []}

    pump = EventPump(get_settings().stage, [QueueRoute(ocr_queue.url, "ocr_worker", invoke=worker)])
    pump.start()
    try:
        # When a photo is uploaded under the OCR prefix with a presigned POST
        presigned_upload(f"{MediaPrefixes.OCR_UPLOADS}user-1/photo 1.jpg", b"\xff\xd8\xff fake jpeg")
        records = wait_for(lambda: [r for e in received for r in s3_records(e)])
    finally:
        pump.stop()

    # Then the worker gets one object-created record of that key, and the queue is left empty
    assert len(records) == 1
    assert records[0]["eventName"].startswith("ObjectCreated")
    assert unquote_plus(records[0]["s3"]["object"]["key"]) == "uploads/ocr/user-1/photo 1.jpg"
    attributes = boto3.client("sqs", region_name="us-east-1").get_queue_attributes(
        QueueUrl=ocr_queue.url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    assert attributes == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}


def test_a_message_the_worker_reports_failed_is_kept_for_retry(
    provisioned: list[provision.ProvisionedQueue],
) -> None:
    # Given the pump routing the speech queue to a worker that reports every message failed
    speech_queue = next(q for q in provisioned if q.logical_name == Queues.SPEECH)
    seen: list[dict[str, Any]] = []

    def failing_worker(function_name: str, event: dict[str, Any]) -> dict[str, Any]:
        seen.append(event)
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]]}

    pump = EventPump(get_settings().stage, [QueueRoute(speech_queue.url, "speech_worker", invoke=failing_worker)])
    pump.start()
    try:
        # When a recording is uploaded under the speech prefix
        presigned_upload(f"{MediaPrefixes.SPEECH_UPLOADS}user-1/voice.wav", b"RIFF....WAVE")
        wait_for(lambda: [r for e in seen for r in s3_records(e)])
    finally:
        pump.stop()

    # Then every message handed out is still in the queue, in flight, and none counts as delivered
    handed_out = {r["messageId"] for e in seen for r in e["Records"]}
    in_flight = boto3.client("sqs", region_name="us-east-1").get_queue_attributes(
        QueueUrl=speech_queue.url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]["ApproximateNumberOfMessagesNotVisible"]
    assert int(in_flight) == len(handed_out) >= 1  # none deleted: each comes back after its visibility timeout
    assert pump.delivered == 0


def test_schedules_run_their_function(provisioned: list[provision.ProvisionedQueue]) -> None:
    # Given a speech job left running for two hours
    stale = BackgroundJobItem(
        job_type=JobType.STT_PROCESSING, status=JobStatus.RUNNING, created_at=datetime.now(UTC) - timedelta(hours=2)
    )
    stale.save()

    # When the pump starts, running each scheduled function once at start, the job janitor among them
    pump = EventPump(get_settings().stage, [])
    pump.start()  # a schedule's first run is at start, then every interval
    try:
        # Then the job is marked failed
        wait_for(lambda: BackgroundJobItem.get(stale.id).status == JobStatus.FAILED)
    finally:
        pump.stop()


def test_a_stream_keeps_flowing_after_a_cancelled_transaction(
    provisioned: list[provision.ProvisionedQueue], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every review that loses a race cancels a transaction on review_logs; the aggregator must still see the
    reviews written after it (moto restores a copy of the table on cancel, with a new stream shard)."""
    # Given the pump handing the review logs' stream to a consumer that records the review ids it gets
    delivered: list[str] = []

    def consumer(function_name: str, event: dict[str, Any]) -> dict[str, Any]:
        if function_name == "review_aggregator":
            delivered.extend(r["dynamodb"]["Keys"]["review_id"]["S"] for r in event["Records"])
        return {"batchItemFailures": []}

    monkeypatch.setattr("localcloud.pump.invoke", consumer)
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    table = get_settings().table_name("review_logs")

    def log(review_id: str) -> dict[str, Any]:
        return {"TableName": table, "Item": {"user_id": {"S": "u1"}, "review_id": {"S": review_id}}}

    pump = EventPump(get_settings().stage, [])
    pump.start()
    try:
        # When a review is logged, a transaction writing it again is cancelled, and another review is logged
        dynamodb.put_item(**log("first"))
        wait_for(lambda: delivered == ["first"])
        with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
            dynamodb.transact_write_items(
                TransactItems=[{"Put": {**log("first"), "ConditionExpression": "attribute_not_exists(review_id)"}}]
            )
        dynamodb.put_item(**log("second"))

        # Then the consumer gets both reviews in order, the one after the cancel included
        wait_for(lambda: delivered == ["first", "second"])
    finally:
        pump.stop()


def test_the_aggregator_gets_the_reviews_of_its_batching_window_in_one_batch(
    provisioned: list[provision.ProvisionedQueue], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lambda waits up to the aggregator's batching window to fill a batch, and the aggregator recounts a learner's
    day once per batch: the pump gathers records as long (at most LOCAL_BATCHING_WINDOW_SECONDS)."""
    # Given the pump handing the review logs' stream to a consumer that records each batch's review ids, and a review
    # it has delivered (its next read is a window away)
    batches: list[list[str]] = []

    def consumer(function_name: str, event: dict[str, Any]) -> dict[str, Any]:
        if function_name == "review_aggregator":
            batches.append([r["dynamodb"]["Keys"]["review_id"]["S"] for r in event["Records"]])
        return {"batchItemFailures": []}

    monkeypatch.setattr("localcloud.pump.invoke", consumer)
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    table = get_settings().table_name("review_logs")

    def log(review_id: str) -> None:
        dynamodb.put_item(TableName=table, Item={"user_id": {"S": "u1"}, "review_id": {"S": review_id}})

    pump = EventPump(get_settings().stage, [])
    pump.start()
    try:
        log("first")
        wait_for(lambda: batches == [["first"]])

        # When two more reviews are logged a second apart
        log("second")
        time.sleep(1)
        log("third")

        # Then both reach the aggregator in one batch
        wait_for(lambda: len(batches) > 1, timeout=LOCAL_BATCHING_WINDOW_SECONDS + 10)
    finally:
        pump.stop()
    assert batches == [["first"], ["second", "third"]]
