"""Batches of SQS messages or DynamoDB stream records handled one record at a time (Powertools' batch processor): a
record that fails is reported alone (partial batch response), so one bad record blocks nothing."""

from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.common import DictWrapper
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.observability import correlated_with, record_id

BatchRecord = TypeVar("BatchRecord", bound=DictWrapper)  # SQSRecord for EventType.SQS, DynamoDBRecord for streams


def process_each_record(
    event: dict[str, Any],
    context: LambdaContext,
    event_type: EventType,
    handle_record: Callable[[BatchRecord], None],
) -> PartialItemFailureResponse:
    """`handle_record` of every record of the batch, each logging with its own record's id as correlation id."""

    def handle_correlated(record: BatchRecord) -> None:
        with correlated_with(record_id(record.raw_event)):
            handle_record(record)

    return process_partial_response(
        event=event, record_handler=handle_correlated, processor=BatchProcessor(event_type), context=context
    )
