"""The fsrs_fit function: an SQS batch of FSRS fit jobs, each a learner's parameters fitted to their whole review log
(services/scheduler.py); a failed one goes back to the queue (partial batch response), and its last delivery gives
it up."""

from typing import Any

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.observability import logger
from shared.record_batches import process_each_record
from shared.runtime import lambda_handler
from shared.services import scheduler


@lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    def run(record: SQSRecord) -> None:
        done = scheduler.run_delivery(record.body, int(record.attributes.approximate_receive_count))
        logger.info("fsrs fit job", extra={"job_id": done.job_id, "outcome": done.outcome})

    return process_each_record(event, context, EventType.SQS, run)
