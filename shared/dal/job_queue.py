"""The job queues (account jobs: a large data export, an account's deletion; a learner's FSRS fit): a job's id is
handed to its worker."""

import json
from functools import cache

from shared.constants import Queues, physical_name
from shared.dal.clients import aws_client
from shared.observability import tracer
from shared.settings import get_settings


@tracer.capture_method
def hand_to_worker(job_id: str, queue: str = Queues.ACCOUNT_JOBS) -> None:
    """One message per job (or per part of a long one); the worker reads the job's record for everything else."""
    queue_url = _queue_url(physical_name(get_settings().stage, queue))
    aws_client("sqs").send_message(QueueUrl=queue_url, MessageBody=json.dumps({"job_id": job_id}))


@cache
def _queue_url(queue_name: str) -> str:
    """The queue's URL from its name, which derives from the stage as table names do: asked once per process."""
    return str(aws_client("sqs").get_queue_url(QueueName=queue_name)["QueueUrl"])


def job_id_of(message_body: str) -> str:
    return str(json.loads(message_body)["job_id"])
