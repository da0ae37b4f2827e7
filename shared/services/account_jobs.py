"""Work on a whole account that does not fit a request: a large data export, the account's deletion and a large
backlog's recovery (shared/services/backlog.py), each a job in the jobs table handed to the account-jobs worker through
its queue.

A deletion begins in the request: the password is asked again, the account is closed at once (refused from then
on, every session ended, out of the admin roster and the scheduled checks) and its job is queued. The worker then
erases it page by page, each step idempotent, handing the job back to its queue to continue when its invocation's
time runs short; the user item and the claims on the address and username go last. What is kept: the job, with no
trace of whose it was, and the count of accounts deleted that day (admin analytics).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from shared.catalog import ACCOUNT_JOBS
from shared.dal import erasure_repository, job_queue, jobs_repository, users_repository
from shared.dal.jobs_repository import AccountJob
from shared.dal.progress_repository import JobMovedOn
from shared.enums import JobStatus, JobType
from shared.errors import Conflict, NotAllowed
from shared.observability import logger, metrics
from shared.schemas.auth import Message
from shared.schemas.export import AccountDeletionRequest
from shared.services import backlog, export, rate_limits
from shared.services.auth import Principal
from shared.services.passwords import verify_password

TIME_RESERVE_MS = 60_000  # hand the job back this long before the invocation's timeout: a step is a few seconds
STALLED_AFTER = timedelta(minutes=30)  # untouched this long, PENDING or RUNNING: its message or worker was lost
DELETION_ANSWER = (
    "Your account is closed and is being deleted: you are signed out everywhere, and everything it holds is erased "
    "within minutes."
)
EXPORT_FAILED = "the export could not be written; ask for a new one"
DELETION_FAILED = "the deletion could not finish; operations were alerted (AccountDeletionFailed)"


def request_deletion(principal: Principal, request: AccountDeletionRequest, now: datetime) -> Message:
    """Close the account now (the password asked again) and queue its erasure."""
    email = principal.user.email
    rate_limits.check(rate_limits.LOGIN_FAILURES_PER_ACCOUNT, email, now)
    user = users_repository.get_user(principal.user.id, consistent_read=True)
    if user is None or not verify_password(user.password_hash, request.password):
        rate_limits.record(rate_limits.LOGIN_FAILURES_PER_ACCOUNT, email, now)
        raise NotAllowed("that is not the account's password")
    keep_admin = None
    if principal.is_admin:
        keep_admin = users_repository.other_active_admin(principal.user.id)
        if keep_admin is None:
            raise Conflict("you are the last active administrator: make someone else one before you go")
    job = jobs_repository.create_account_job(principal.user.id, JobType.ACCOUNT_DELETION, now)
    if not users_repository.close_account(principal.user.id, keep_admin, now):
        raise Conflict("the account changed at the same moment; try again")
    job_queue.hand_to_worker(job.id)  # if this fails, the janitor hands over the stalled job (requeue_stalled)
    metrics.add_metric(name="AccountDeletionRequested", unit="Count", value=1)
    return Message(message=DELETION_ANSWER)


class Progress(StrEnum):
    DONE = "done"
    CONTINUED = "continued"  # handed back to the queue, to go on in another invocation
    NOT_PENDING = "not_pending"  # finished already, no such job, or another delivery running it: a duplicate message


@dataclass(frozen=True)
class JobRun:
    job_id: str
    progress: Progress


def run_delivery(message_body: str, delivery: int, time_left_ms: Callable[[], int]) -> JobRun:
    """One delivery of a job's message (`delivery`: how many times the queue has handed it out): `run` the job; when
    the queue's last delivery fails too, `give_up` on it before the message goes to the dead-letter queue."""
    job_id = job_queue.job_id_of(message_body)
    try:
        return run(job_id, datetime.now(UTC), time_left_ms)
    except Exception:
        if delivery >= ACCOUNT_JOBS.max_receive_count:
            give_up(job_id, datetime.now(UTC))
        raise


def run(job_id: str, now: datetime, time_left_ms: Callable[[], int]) -> JobRun:
    """Run (or go on with) one account job; an exception leaves it to the queue's retries."""
    job = jobs_repository.start_account_job(job_id, now)
    if job is None or job.user_id is None:
        return JobRun(job_id, Progress.NOT_PENDING)
    if job.job_type == JobType.DATA_EXPORT:
        _export(job, now)
        return JobRun(job_id, Progress.DONE)
    if job.job_type == JobType.BACKLOG_RECOVERY:
        return _recover_backlog(job, now, time_left_ms)
    while time_left_ms() > TIME_RESERVE_MS:
        if not erasure_repository.erase_step(job.user_id, keep_job=job.id):
            erasure_repository.erase_account_record(job.user_id)
            jobs_repository.close_deletion(job.id, now)
            metrics.add_metric(name="AccountDeleted", unit="Count", value=1)
            return JobRun(job_id, Progress.DONE)
    job_queue.hand_to_worker(job.id)
    return JobRun(job_id, Progress.CONTINUED)


def _recover_backlog(job: AccountJob, now: datetime, time_left_ms: Callable[[], int]) -> JobRun:
    try:
        run = backlog.run_job(job, now, time_left_ms)
    except JobMovedOn:
        return JobRun(job.id, Progress.NOT_PENDING)  # another delivery of it is at work: it goes on
    if run.done:
        return JobRun(job.id, Progress.DONE)
    job_queue.hand_to_worker(job.id)
    return JobRun(job.id, Progress.CONTINUED)


def _export(job: AccountJob, now: datetime) -> None:
    assert job.user_id is not None
    user = users_repository.get_user(job.user_id)
    if user is None or not user.profile.is_active:  # gone, or being deleted, since it was asked for
        jobs_repository.finish_account_job(job.id, JobStatus.CANCELLED, now, error="the account is closed")
        return
    stored = export.write_export(user.profile, now)
    result = {"key": stored.key, "size_bytes": stored.size_bytes, "counts": stored.counts}
    jobs_repository.finish_account_job(job.id, JobStatus.COMPLETED, now, result=result)


# What the learner reads of a job that failed for good, by its type.
FAILURES = {
    JobType.DATA_EXPORT: EXPORT_FAILED,
    JobType.ACCOUNT_DELETION: DELETION_FAILED,
    JobType.BACKLOG_RECOVERY: backlog.BACKLOG_FAILED,
}


def give_up(job_id: str, now: datetime) -> None:
    """The queue's last delivery of the job failed: the learner's export or backlog recovery is FAILED (they may ask
    again); a deletion is left RUNNING for the janitor to hand over again, since an account must not stay
    half-erased."""
    job = jobs_repository.account_job(job_id)
    if job is not None and job.job_type != JobType.ACCOUNT_DELETION and job.status == JobStatus.RUNNING:
        jobs_repository.finish_account_job(job_id, JobStatus.FAILED, now, error=FAILURES[job.job_type])


def requeue_stalled(now: datetime, limit: int) -> int:
    """Hand the account jobs nothing has touched for STALLED_AFTER to their worker again (a message never sent, or
    given up on by the queue, a worker that died); a job handed over `max_retries` times already is FAILED."""
    requeued = 0
    for job in jobs_repository.stalled_account_jobs(now - STALLED_AFTER, limit):
        if job.retry_count >= job.max_retries:
            deletion = job.job_type == JobType.ACCOUNT_DELETION
            logger.error("account job failed for good", extra={"job_id": job.id, "job_type": job.job_type})
            if deletion:  # a closed account with data left: someone must look (the job keeps its user id)
                metrics.add_metric(name="AccountDeletionFailed", unit="Count", value=1)
            jobs_repository.finish_account_job(job.id, JobStatus.FAILED, now, error=FAILURES[job.job_type])
        elif jobs_repository.count_requeue(job, now):
            job_queue.hand_to_worker(job.id)
            requeued += 1
    return requeued
