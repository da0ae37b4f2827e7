"""The handler of an upload worker: SQS messages carrying S3 notifications, each upload processed on its own."""

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.enums import MediaKind
from shared.observability import logger
from shared.record_batches import process_each_record
from shared.runtime import LambdaHandler, lambda_handler
from shared.services.media_processing import Analyser, Outcome, process_upload

UploadHandler = Callable[[str, str], object]  # (bucket, key) → outcome


def make_record_handler(process: UploadHandler) -> Callable[[SQSRecord], None]:
    def handle(record: SQSRecord) -> None:
        body = json.loads(record.body)
        if "Records" not in body:  # S3 sends one s3:TestEvent when notifications are configured
            logger.info("ignored a message without S3 records", extra={"event": body.get("Event")})
            return
        for s3_record in S3Event(body).records:
            # S3 event keys are URL-encoded (spaces as '+'); the Powertools S3Event class keeps them raw.
            process(s3_record.s3.bucket.name, unquote_plus(s3_record.s3.get_object.key))

    return handle


def make_upload_worker(
    kind: MediaKind, analyse: Analyser, rejections: tuple[type[Exception], ...]
) -> LambdaHandler[PartialItemFailureResponse]:
    """The Lambda handler of an upload worker: SQS batch → S3 events → `process_upload` of each upload."""

    def process(bucket: str, key: str) -> Outcome:
        return process_upload(kind, bucket, key, analyse, rejections)

    record_handler = make_record_handler(process)

    @lambda_handler
    def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        return process_each_record(event, context, EventType.SQS, record_handler)

    return handler
