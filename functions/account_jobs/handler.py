"""The account_jobs function: an SQS batch of account jobs (a large data export, an account's deletion), each run
on its own; a failed one goes back to the queue (partial batch response), and its last delivery gives it up."""

from typing import Any

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.observability import logger, metrics, tracer
from shared.runtime import configure
from shared.services import account_jobs
from shared.upload_worker import sqs_batch_processor

processor = sqs_batch_processor()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    configure()

    def run(record: SQSRecord) -> None:
        delivery = int(record.attributes.approximate_receive_count)
        done = account_jobs.run_delivery(record.body, delivery, context.get_remaining_time_in_millis)
        logger.info("account job", extra={"job_id": done.job_id, "progress": done.progress})

    return process_partial_response(event=event, record_handler=run, processor=processor, context=context)
