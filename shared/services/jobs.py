"""Rules for background jobs that outlive their worker."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.dal import jobs_repository
from shared.enums import JobStatus
from shared.observability import logger, metrics

# A Lambda runs at most 15 minutes, so a job RUNNING longer than that lost its worker.
RUNNING_TIMEOUT = timedelta(minutes=20)
# Presigned uploads expire after 15 minutes; a job still PENDING well after that will never start.
PENDING_TIMEOUT = timedelta(hours=1)
MAX_JOBS_PER_RUN = 500


@dataclass(frozen=True)
class SweepResult:
    failed: int
    cancelled: int


def sweep_stale_jobs(now: datetime) -> SweepResult:
    """Fail jobs whose worker died and cancel jobs whose upload never came, so nobody polls forever."""
    failed = _finish_stale(
        JobStatus.RUNNING, now - RUNNING_TIMEOUT, JobStatus.FAILED, "processing took too long and was stopped"
    )
    cancelled = _finish_stale(JobStatus.PENDING, now - PENDING_TIMEOUT, JobStatus.CANCELLED, "the upload never arrived")
    metrics.add_metric(name="StaleJobsFailed", unit="Count", value=failed)
    metrics.add_metric(name="StaleJobsCancelled", unit="Count", value=cancelled)
    logger.info("swept stale jobs", extra={"failed": failed, "cancelled": cancelled})
    return SweepResult(failed=failed, cancelled=cancelled)


def _finish_stale(status: JobStatus, created_before: datetime, outcome: JobStatus, message: str) -> int:
    return sum(
        jobs_repository.finish_job(job, status, outcome, message)
        for job in jobs_repository.stale_jobs(status, created_before, MAX_JOBS_PER_RUN)
    )
