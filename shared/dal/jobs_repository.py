"""Background job records."""

from collections.abc import Iterator
from datetime import datetime

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition

from shared.dal.base import is_condition_failure, utcnow
from shared.dal.jobs import BackgroundJobItem
from shared.enums import JobStatus
from shared.observability import tracer


def stale_jobs(status: JobStatus, created_before: datetime, limit: int) -> Iterator[BackgroundJobItem]:
    """Jobs still in `status` that were created before the cutoff, oldest first."""
    return BackgroundJobItem.by_status.query(status, BackgroundJobItem.created_at < created_before, limit=limit)


@tracer.capture_method
def finish_job(job: BackgroundJobItem, expected: JobStatus, outcome: JobStatus, message: str) -> bool:
    """Move a job from `expected` to a final `outcome`; False when it had already moved on (no lost update)."""
    now = utcnow()
    condition: Condition = BackgroundJobItem.status == expected
    try:
        job.update(
            actions=[
                BackgroundJobItem.status.set(outcome),
                BackgroundJobItem.error_message.set(message),
                BackgroundJobItem.completed_at.set(now),
                BackgroundJobItem.updated_at.set(now),
            ],
            condition=condition,
        )
    except UpdateError as error:
        if is_condition_failure(error):
            return False
        raise
    return True
