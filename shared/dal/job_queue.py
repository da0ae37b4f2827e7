"""The queue of account jobs (a large data export, an account's deletion): the API hands a job's id to its worker."""

import json

from shared.dal.clients import aws_client
from shared.observability import tracer
from shared.settings import get_settings


@tracer.capture_method
def hand_to_worker(job_id: str) -> None:
    """One message per job (or per part of a long one); the worker reads the job's record for everything else."""
    aws_client("sqs").send_message(
        QueueUrl=get_settings().account_jobs_queue_url, MessageBody=json.dumps({"job_id": job_id})
    )


def job_id_of(message_body: str) -> str:
    return str(json.loads(message_body)["job_id"])
