"""The readings_worker function (container image: Open JTalk's dictionary is too big for a zip):
the sentences table's stream → hiragana and romaji for sentences written without them."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.observability import logger, metrics, tracer
from shared.runtime import configure
from shared.services.sentence_readings import SentenceText, fill_readings

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


@tracer.capture_method
def fill_record(record: DynamoDBRecord) -> None:
    if record.event_name == DynamoDBRecordEventName.REMOVE or record.dynamodb is None:
        return
    image = record.dynamodb.new_image or {}
    if not image.get("japanese_text") or image.get("status") == "deleted":
        return
    filled = fill_readings(
        SentenceText(
            sentence_id=str(image["sentence_id"]),
            japanese_text=str(image["japanese_text"]),
            has_hiragana=bool(image.get("hiragana_reading")),
            has_romaji=bool(image.get("romaji_reading")),
        )
    )
    if filled:
        metrics.add_metric(name="ReadingsFilled", unit="Count", value=1)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """A failed record is reported alone (partial batch response), so one bad sentence blocks nothing."""
    configure()
    return process_partial_response(event=event, record_handler=fill_record, processor=processor, context=context)
