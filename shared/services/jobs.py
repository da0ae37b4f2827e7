"""Rules for background jobs that outlive their worker."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.dal import jobs_repository
from shared.dal.media_storage import UPLOAD_LIFETIME
from shared.enums import JobStatus, JobType
from shared.observability import logger, metrics
from shared.services import account_jobs

# A job RUNNING this long after it was created is looked at; its record is failed only when no worker has touched it
# for media_repository.ABANDONED_AFTER (a worker, or the redelivery of one that timed out, may still hold it).
RUNNING_TIMEOUT = timedelta(minutes=20)
# A ticket's presigned POST expires after UPLOAD_LIFETIME. S3 may still be taking in a post it accepted just before
# (10 MB over a slow link), and its event still be on the way to the worker: past this grace the upload never came.
UPLOAD_GRACE = timedelta(minutes=5)
PENDING_TIMEOUT = UPLOAD_LIFETIME + UPLOAD_GRACE
MAX_JOBS_PER_RUN = 500
# The janitor looks after the upload jobs only; an export or a deletion is retried by its queue and, when it gives
# up, failed by its worker (shared/services/account_jobs.py).
UPLOAD_JOBS = (JobType.OCR_PROCESSING, JobType.STT_PROCESSING)

TOO_LONG = "processing took too long and was stopped"
NEVER_ARRIVED = "the upload never arrived"
NOT_RETRIED = "processing failed and was not retried"


@dataclass(frozen=True)
class SweepResult:
    failed: int
    cancelled: int
    requeued: int  # account jobs handed to their worker again (shared/services/account_jobs.py)


def sweep_stale_jobs(now: datetime) -> SweepResult:
    """Fail jobs whose worker died and cancel jobs whose upload never came, so nobody polls forever; hand stalled
    account jobs to their worker again."""
    failed = sum(
        jobs_repository.finish_job(job, JobStatus.RUNNING, JobStatus.FAILED, TOO_LONG)
        for job in jobs_repository.stale_jobs(JobStatus.RUNNING, now - RUNNING_TIMEOUT, UPLOAD_JOBS, MAX_JOBS_PER_RUN)
    )
    cancelled = 0
    for job in jobs_repository.stale_jobs(JobStatus.PENDING, now - PENDING_TIMEOUT, UPLOAD_JOBS, MAX_JOBS_PER_RUN):
        if job.retry_count == 0:  # no worker ever took it: its ticket expired unused
            cancelled += jobs_repository.finish_job(job, JobStatus.PENDING, JobStatus.CANCELLED, NEVER_ARRIVED)
        else:  # given back after a transient error, for a retry that has not come (its record says since when)
            failed += jobs_repository.finish_job(job, JobStatus.PENDING, JobStatus.FAILED, NOT_RETRIED)
    requeued = account_jobs.requeue_stalled(now, MAX_JOBS_PER_RUN)
    metrics.add_metric(name="StaleJobsFailed", unit="Count", value=failed)
    metrics.add_metric(name="StaleJobsCancelled", unit="Count", value=cancelled)
    metrics.add_metric(name="StalledAccountJobsRequeued", unit="Count", value=requeued)
    logger.info("swept stale jobs", extra={"failed": failed, "cancelled": cancelled, "requeued": requeued})
    return SweepResult(failed=failed, cancelled=cancelled, requeued=requeued)
