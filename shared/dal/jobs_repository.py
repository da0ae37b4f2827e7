"""Background job records."""

from collections.abc import Iterator
from datetime import datetime

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action

from shared.dal import media_repository
from shared.dal.base import atomic_writes, refused_conditions, utcnow
from shared.dal.jobs import BackgroundJobItem
from shared.enums import JobStatus
from shared.observability import tracer


def stale_jobs(status: JobStatus, created_before: datetime, limit: int) -> Iterator[BackgroundJobItem]:
    """Jobs still in `status` that were created before the cutoff, oldest first."""
    return BackgroundJobItem.by_status.query(status, BackgroundJobItem.created_at < created_before, limit=limit)


@tracer.capture_method
def finish_job(job: BackgroundJobItem, expected: JobStatus, outcome: JobStatus, message: str) -> bool:
    """Move a job from `expected` to a final `outcome` and fail its photo or recording record with the same
    message, together; False when either had already moved on (no lost update): the job must still be in `expected`
    with the tries it had when it was read (a worker that took it since counted one more)."""
    now = utcnow()
    actions: list[Action] = [
        BackgroundJobItem.status.set(outcome),
        BackgroundJobItem.error_message.set(message),
        BackgroundJobItem.completed_at.set(now),
        BackgroundJobItem.updated_at.set(now),
    ]
    record_failure = media_repository.stale_record_failure(job, message, now)
    try:
        with atomic_writes() as transaction:
            transaction.update(
                job,
                actions=actions,
                condition=(BackgroundJobItem.status == expected) & (BackgroundJobItem.retry_count == job.retry_count),
            )
            if record_failure is not None:
                record, record_actions, record_condition = record_failure
                transaction.update(record, actions=record_actions, condition=record_condition)
    except TransactWriteError as error:
        if refused_conditions(error):
            return False
        raise
    return True
