"""The review_aggregator function: the review log's DynamoDB stream → the shared counters, each learner's day
totals and deck summary, and their achievements (services/aggregation.py says how each review counts once)."""

from datetime import UTC, date, datetime
from typing import Any

from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent, event_source
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecordEventName
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.runtime import lambda_handler
from shared.services.aggregation import AnsweredItem, aggregate

STORED_TIME = "%Y-%m-%dT%H:%M:%S.%f%z"  # how the log stores times (PynamoDB's UTCDateTimeAttribute)


@lambda_handler
@event_source(data_class=DynamoDBStreamEvent)
def handler(event: DynamoDBStreamEvent, context: LambdaContext) -> dict[str, Any]:
    answers = [
        AnsweredItem(
            user_id=str(image["user_id"]),
            review_id=str(image["review_id"]),
            item_key=str(image["item_key"]),
            correct=bool(image["correct"]),
            response_time_ms=int(image["response_time_ms"]) if image.get("response_time_ms") is not None else None,
            study_day=date.fromisoformat(str(image["study_day"])) if image.get("study_day") else None,
            reviewed_at=datetime.strptime(str(image["reviewed_at"]), STORED_TIME),
            deck_changed=bool(image.get("deck_changed", True)),
            was_new=bool(image.get("was_new", False)),
        )
        for record in event.records
        if record.event_name == DynamoDBRecordEventName.INSERT and record.dynamodb is not None
        for image in [record.dynamodb.new_image]
        if image
    ]
    result = aggregate(answers, datetime.now(UTC))
    return {"answers": result.answers, "counted": result.counted, "items": result.items,
            "achievements": result.achievements, "fits_queued": result.fits_queued}  # fmt: skip
