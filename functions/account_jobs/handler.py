"""The account_jobs function: an SQS batch of account jobs (a large data export, an account's deletion), each run
on its own; a failed one goes back to the queue (partial batch response), and its last delivery gives it up."""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.catalog import ACCOUNT_JOBS
from shared.dal.job_queue import job_id_of
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
        job_id = job_id_of(record.body)
        try:
            done = account_jobs.run(job_id, datetime.now(UTC), context.get_remaining_time_in_millis)
        except Exception:
            if int(record.attributes.approximate_receive_count) >= ACCOUNT_JOBS.max_receive_count:
                account_jobs.give_up(job_id, datetime.now(UTC))
            raise
        logger.info("account job", extra={"job_id": job_id, "progress": done.progress})

    return process_partial_response(event=event, record_handler=run, processor=processor, context=context)
