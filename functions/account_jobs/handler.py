"""The account_jobs function: an SQS batch of account jobs (a large data export, an account's deletion), each run
on its own; a failed one goes back to the queue (partial batch response), and its last delivery gives it up."""

from typing import Any

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.observability import logger
from shared.record_batches import process_each_record
from shared.runtime import lambda_handler
from shared.services import account_jobs


@lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    def run(record: SQSRecord) -> None:
        delivery = int(record.attributes.approximate_receive_count)
        done = account_jobs.run_delivery(record.body, delivery, context.get_remaining_time_in_millis)
        logger.info("account job", extra={"job_id": done.job_id, "progress": done.progress})

    return process_each_record(event, context, EventType.SQS, run)
