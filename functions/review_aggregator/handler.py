"""The review_aggregator function: the review log's DynamoDB stream → per-sentence and per-word counters,
one UpdateItem per item per batch (services/aggregation.py says why), then an achievement check for each learner
of the batch."""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent, event_source
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecordEventName
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.dal import content_repository
from shared.observability import logger, metrics, tracer
from shared.runtime import configure
from shared.services.achievements import check_after_reviews
from shared.services.aggregation import AnsweredItem, totals_by_item


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_source(data_class=DynamoDBStreamEvent)
def handler(event: DynamoDBStreamEvent, context: LambdaContext) -> dict[str, Any]:
    configure()
    images = [
        image
        for record in event.records
        if record.event_name == DynamoDBRecordEventName.INSERT and record.dynamodb is not None
        for image in [record.dynamodb.new_image]
        if image
    ]
    answers = [
        AnsweredItem(
            item_key=str(image["item_key"]),
            correct=bool(image["correct"]),
            response_time_ms=int(image["response_time_ms"]) if image.get("response_time_ms") is not None else None,
        )
        for image in images
    ]
    totals = totals_by_item(answers)
    for item_key, item in totals.items():
        kind, item_id = item_key.split("#", 1)
        if kind == "sentence":
            content_repository.add_sentence_attempts(
                item_id, item.attempts, item.correct, item.timed, item.response_time_ms
            )
        else:
            content_repository.add_word_encounters(item_id, item.attempts, item.correct)
    metrics.add_metric(name="ReviewsAggregated", unit="Count", value=len(answers))
    awarded = check_after_reviews({str(image["user_id"]) for image in images}, datetime.now(UTC))
    return {"answers": len(answers), "items": len(totals), "achievements": awarded}
