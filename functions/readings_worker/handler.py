"""The readings_worker function (container image: Open JTalk's and Sudachi's dictionaries are too big for a zip):
the sentences table's stream → hiragana and romaji for sentences written without them, and each sentence's
word-by-word gloss, its words linked to vocabulary words (made from JMdict where the catalogue has none)."""

from typing import Any

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.observability import metrics, tracer
from shared.record_batches import process_each_record
from shared.runtime import lambda_handler
from shared.services.sentence_readings import SentenceText, fill_missing


@tracer.capture_method
def fill_record(record: DynamoDBRecord) -> None:
    if record.event_name == DynamoDBRecordEventName.REMOVE or record.dynamodb is None:
        return
    image = record.dynamodb.new_image or {}
    if not image.get("japanese_text") or image.get("status") == "deleted":
        return
    filled = fill_missing(
        SentenceText(
            sentence_id=str(image["sentence_id"]),
            japanese_text=str(image["japanese_text"]),
            has_hiragana=bool(image.get("hiragana_reading")),
            has_romaji=bool(image.get("romaji_reading")),
            has_gloss=bool(image.get("gloss_source")),
        )
    )
    if filled.readings:
        metrics.add_metric(name="ReadingsFilled", unit="Count", value=1)
    if filled.glossed_words is not None and filled.words_found is not None:
        metrics.add_metric(name="GlossWords", unit="Count", value=filled.glossed_words)
        metrics.add_metric(name="GlossWordsNotFound", unit="Count", value=filled.glossed_words - filled.words_found)


@lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """A failed record is reported alone (partial batch response), so one bad sentence blocks nothing."""
    return process_each_record(event, context, EventType.DynamoDBStreams, fill_record)
