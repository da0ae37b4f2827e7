"""The review_archiver function: the review log's DynamoDB stream → the reviews DynamoDB's TTL removed, written to
the archive in S3 (services/review_archive.py). The event source mapping passes only TTL removals; the check here
keeps the local pump, which applies no filters, to the same records."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent, event_source
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord, DynamoDBRecordEventName
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.runtime import lambda_handler
from shared.services.review_archive import archive_expired_reviews

# Who a TTL deletion's stream record names: DynamoDB itself. A delete by anyone else (an account's erasure) names
# no one, and is not archived.
TTL_DELETER = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}


def removed_by_ttl(record: DynamoDBRecord) -> bool:
    return record.event_name == DynamoDBRecordEventName.REMOVE and record.get("userIdentity") == TTL_DELETER


@lambda_handler
@event_source(data_class=DynamoDBStreamEvent)
def handler(event: DynamoDBStreamEvent, context: LambdaContext) -> dict[str, Any]:
    images = [record.raw_event["dynamodb"]["OldImage"] for record in event.records if removed_by_ttl(record)]
    result = archive_expired_reviews(images)
    return {"reviews": result.reviews, "archived": result.archived, "objects_written": result.objects_written}
