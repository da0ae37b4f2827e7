"""Background job records."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from shared.dal import analytics_repository, media_repository
from shared.dal.analytics_repository import Figures, day_period
from shared.dal.base import applied, atomic_writes, refused_conditions, utcnow
from shared.dal.jobs import BackgroundJobItem
from shared.enums import JobStatus, JobType
from shared.observability import tracer


@dataclass(frozen=True)
class StaleJob:
    """A job the janitor closes, as it was read: its photo or recording record, and the tries it had then."""

    id: str
    job_type: JobType
    user_id: str | None
    record_id: str | None  # the photo's or recording's; None for a job without one
    retry_count: int


def stale_jobs(
    status: JobStatus, created_before: datetime, job_types: tuple[JobType, ...], limit: int
) -> list[StaleJob]:
    """Jobs of these types still in `status` that were created before the cutoff, oldest first."""
    items = BackgroundJobItem.by_status.query(
        status,
        BackgroundJobItem.created_at < created_before,
        filter_condition=BackgroundJobItem.job_type.is_in(*job_types),
        limit=limit,
    )
    return [
        StaleJob(
            id=str(item.id),
            job_type=JobType(item.job_type),
            user_id=item.user_id,
            record_id=_record_id(item),
            retry_count=int(item.retry_count),
        )
        for item in items
    ]


def _record_id(job: BackgroundJobItem) -> str | None:
    record_id = (job.input_data or {}).get("record_id")
    return str(record_id) if record_id else None


@tracer.capture_method
def finish_job(job: StaleJob, expected: JobStatus, outcome: JobStatus, message: str) -> bool:
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
    record_failure = media_repository.stale_record_failure(job.job_type, job.user_id, job.record_id, message, now)
    try:
        with atomic_writes() as transaction:
            transaction.update(
                BackgroundJobItem(id=job.id),
                actions=actions,
                condition=(BackgroundJobItem.status == expected) & (BackgroundJobItem.retry_count == job.retry_count),
            )
            if record_failure is not None:
                record, record_actions, record_condition = record_failure
                transaction.update(record, actions=record_actions, condition=record_condition)
                if outcome == JobStatus.FAILED and job.user_id:
                    analytics_repository.count(
                        transaction, day_period(now.date()), str(job.user_id), Figures(uploads_failed=1), now
                    )
    except TransactWriteError as error:
        if refused_conditions(error):
            return False
        raise
    return True


ACCOUNT_JOB_TYPES = (JobType.DATA_EXPORT, JobType.ACCOUNT_DELETION, JobType.BACKLOG_RECOVERY)
FINISHED = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)


@dataclass(frozen=True)
class AccountJob:
    """An export, a deletion or a backlog recovery job as its worker and the learner see it."""

    id: str
    user_id: str | None  # None once a deletion has finished: nothing of the learner is kept
    job_type: JobType
    status: JobStatus
    retry_count: int
    max_retries: int
    result: dict[str, Any]
    error_message: str | None
    created_at: datetime
    completed_at: datetime | None
    input: dict[str, Any]
    cursor: int  # the positions of its plan done, for a job worked through in steps (0 before the first)


def _account_job(item: BackgroundJobItem) -> AccountJob:
    return AccountJob(
        id=str(item.id),
        user_id=item.user_id,
        job_type=JobType(item.job_type),
        status=JobStatus(item.status),
        retry_count=int(item.retry_count),
        max_retries=int(item.max_retries),
        result=dict(item.result_data or {}),
        error_message=item.error_message,
        created_at=item.created_at,
        completed_at=item.completed_at,
        input=dict(item.input_data or {}),
        cursor=int(item.cursor or 0),
    )


@tracer.capture_method
def create_account_job(user_id: str, job_type: JobType, now: datetime) -> AccountJob:
    """A PENDING job for one learner (the worker finds its input by the job's user)."""
    job = BackgroundJobItem(user_id=user_id, job_type=job_type, input_data={"user_id": user_id}, created_at=now)
    job.save(condition=BackgroundJobItem.id.does_not_exist())
    return _account_job(job)


@tracer.capture_method
def claim_account_job(job_id: str, user_id: str, job_type: JobType, details: dict[str, Any], now: datetime) -> bool:
    """A PENDING job under an id the caller derives (one such job at a time): written unless a job that has not
    finished holds the id (False; a finished one is replaced). `details`: the job's input beside its user."""
    job = BackgroundJobItem(
        id=job_id, user_id=user_id, job_type=job_type, input_data={"user_id": user_id, **details}, created_at=now
    )
    return applied(
        lambda: job.save(condition=BackgroundJobItem.id.does_not_exist() | BackgroundJobItem.status.is_in(*FINISHED))
    )


@tracer.capture_method
def account_job(job_id: str) -> AccountJob | None:
    try:
        return _account_job(BackgroundJobItem.get(job_id, consistent_read=True))
    except BackgroundJobItem.DoesNotExist:
        return None


@tracer.capture_method
def start_account_job(job_id: str, now: datetime) -> AccountJob | None:
    """PENDING or RUNNING (a delivery after a worker that timed out, or a job continued in another invocation) to
    RUNNING, one try more; None when the job is finished or does not exist."""
    job = BackgroundJobItem(id=job_id)
    running = BackgroundJobItem.status.is_in(JobStatus.PENDING, JobStatus.RUNNING)
    applied_now = applied(
        lambda: job.update(
            actions=[
                BackgroundJobItem.status.set(JobStatus.RUNNING),
                BackgroundJobItem.started_at.set(BackgroundJobItem.started_at | now),
                BackgroundJobItem.updated_at.set(now),
            ],
            condition=BackgroundJobItem.id.exists() & running,
        )
    )
    return _account_job(job) if applied_now else None


def advance_cursor(
    transaction: TransactWrite, job_id: str, position: int, steps: int, result: dict[str, Any], now: datetime
) -> None:
    """In `transaction`: the job's cursor moves from `position` (as read; refused if another run moved it) past
    `steps` more, with its tally so far."""
    at_position = BackgroundJobItem.cursor.does_not_exist() if position == 0 else BackgroundJobItem.cursor == position
    transaction.update(
        BackgroundJobItem(id=job_id),
        actions=[
            BackgroundJobItem.cursor.set(position + steps),
            BackgroundJobItem.result_data.set(result),
            BackgroundJobItem.updated_at.set(now),
        ],
        condition=at_position & (BackgroundJobItem.status == JobStatus.RUNNING),
    )


@tracer.capture_method
def stalled_account_jobs(untouched_since: datetime, limit: int) -> list[AccountJob]:
    """Account jobs PENDING or RUNNING that nothing has written since the cutoff: their message was lost (never
    sent, or given up on by its queue) or their worker died."""
    stalled = []
    for status in (JobStatus.PENDING, JobStatus.RUNNING):
        stalled += [
            _account_job(item)
            for item in BackgroundJobItem.by_status.query(
                status,
                filter_condition=BackgroundJobItem.job_type.is_in(*ACCOUNT_JOB_TYPES)
                & (BackgroundJobItem.updated_at < untouched_since),
                limit=limit,
            )
        ]
    return stalled


@tracer.capture_method
def count_requeue(job: AccountJob, now: datetime) -> bool:
    """One more hand-over of a stalled job to its worker (its `retry_count`), on the job as read."""
    return applied(
        lambda: BackgroundJobItem(id=job.id).update(
            actions=[BackgroundJobItem.retry_count.add(1), BackgroundJobItem.updated_at.set(now)],
            condition=BackgroundJobItem.status == job.status,
        )
    )


@tracer.capture_method
def finish_account_job(
    job_id: str, outcome: JobStatus, now: datetime, *, result: dict[str, Any] | None = None, error: str | None = None
) -> None:
    """PENDING or RUNNING to a final status, with the result or the learner-readable error."""
    job = BackgroundJobItem.get(job_id, consistent_read=True)
    started = job.started_at or now
    actions: list[Action] = [
        BackgroundJobItem.status.set(outcome),
        BackgroundJobItem.completed_at.set(now),
        BackgroundJobItem.processing_time_ms.set(int((now - started).total_seconds() * 1000)),
        BackgroundJobItem.updated_at.set(now),
    ]
    if result is not None:
        actions.append(BackgroundJobItem.result_data.set(result))
    if error is not None:
        actions.append(BackgroundJobItem.error_message.set(error))
    job.update(actions=actions, condition=BackgroundJobItem.status.is_in(JobStatus.PENDING, JobStatus.RUNNING))


@tracer.capture_method
def close_deletion(job_id: str, now: datetime) -> None:
    """A finished deletion: COMPLETED, kept for operations with no trace of whose it was, and counted (the one
    anonymous count an erased account leaves), together."""
    job = BackgroundJobItem.get(job_id, consistent_read=True)
    with atomic_writes() as transaction:
        transaction.update(
            job,
            actions=[
                BackgroundJobItem.status.set(JobStatus.COMPLETED),
                BackgroundJobItem.completed_at.set(now),
                BackgroundJobItem.processing_time_ms.set(int((now - (job.started_at or now)).total_seconds() * 1000)),
                BackgroundJobItem.user_id.remove(),
                BackgroundJobItem.input_data.remove(),
                BackgroundJobItem.updated_at.set(now),
            ],
            condition=BackgroundJobItem.status == JobStatus.RUNNING,
        )
        analytics_repository.count(transaction, day_period(now.date()), job_id, Figures(accounts_deleted=1), now)
