"""A learner's own FSRS scheduler: what it is, fits of it queued (by the learner, or by the review aggregator once
enough new reviews came in) and run by the fit worker, never on a request.

The fit worker reads the learner's whole log, fits (shared/services/fsrs_fit.py) and stores the parameters with the
fit's figures on the user item, which every request reads: the learner's next review is scheduled with them.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from fsrs.scheduler import DEFAULT_PARAMETERS

from shared.catalog import FSRS_FITS
from shared.constants import Queues
from shared.dal import job_queue, jobs_repository, scheduler_repository, users_repository
from shared.dal.scheduler_repository import FIT_CLAIM_LIFETIME, FitRecord
from shared.enums import JobStatus
from shared.errors import NotFound
from shared.observability import logger, metrics
from shared.schemas.progress import FitFigures, FitJob, SchedulerStatus
from shared.services import fsrs_fit
from shared.services.auth import Principal

# The review aggregator queues a learner's fit once this many reviews came in since the last fit (the first fit:
# since the start), and the last fit is at least FIT_AT_MOST_EVERY old.
FIT_EVERY_REVIEWS = 500
FIT_AT_MOST_EVERY = timedelta(days=7)
FIT_FAILED = "the fit could not finish; the scheduler keeps the parameters it had"


def status(principal: Principal) -> SchedulerStatus:
    """From the user item read to authenticate, and a workload simulation (about 0.1 s, then cached in the warm
    function for those parameters and that retention): no further request."""
    user, scheduler = principal.user, principal.scheduler
    parameters = scheduler.parameters or tuple(DEFAULT_PARAMETERS)
    last_fit = None
    if scheduler.fitted_at is not None:
        last_fit = FitFigures(
            fitted_at=scheduler.fitted_at,
            reviews=scheduler.reviews_at_fit,
            training_reviews=scheduler.training_reviews,
            log_loss_before=scheduler.log_loss_before,
            log_loss_after=scheduler.log_loss_after,
        )
    fit_job = None
    if scheduler.fit_job is not None and scheduler.fit_queued_at is not None:
        fit_job = FitJob(job_id=scheduler.fit_job, status=JobStatus.PENDING, queued_at=scheduler.fit_queued_at)
    return SchedulerStatus(
        algorithm=user.srs_algorithm,
        parameters=list(parameters),
        personalized=scheduler.parameters is not None,
        min_training_reviews=fsrs_fit.MIN_TRAINING_REVIEWS,
        last_fit=last_fit,
        desired_retention=scheduler.desired_retention,
        recommended_retention=scheduler.recommended_retention,
        expected_daily_reviews=fsrs_fit.daily_workload(
            parameters, scheduler.desired_retention, new_per_day=user.max_daily_new_items
        ),
        fit_job=fit_job,
    )


def request_fit(principal: Principal, now: datetime) -> FitJob:
    """Queue a fit of the learner's parameters; while one is queued or running, that one is returned."""
    return _queue(principal.user.id, now)


def _queue(user_id: str, now: datetime) -> FitJob:
    queued = scheduler_repository.queue_fit(user_id, now)
    if queued is None:
        raise NotFound("user not found")
    if queued.new:
        # If this send fails, the claim expires (FIT_CLAIM_LIFETIME) and the learner or the aggregator queues again.
        job_queue.hand_to_worker(queued.job_id, Queues.FSRS_FITS)
        metrics.add_metric(name="FsrsFitQueued", unit="Count", value=1)
    return FitJob(job_id=queued.job_id, status=JobStatus.PENDING, queued_at=queued.queued_at)


def queue_due_fits(reviews_by_learner: Mapping[str, int], now: datetime) -> int:
    """The review aggregator's call, with each learner's lifetime review count (which it has just read for their
    achievements): queue a fit for those with FIT_EVERY_REVIEWS reviews since their last fit, itself at least
    FIT_AT_MOST_EVERY old. One BatchGetItem of their fit bookkeeping. The number of fits queued.

    A learner whose fit cannot be queued is logged and counted, not raised: the batch's counters are written already,
    and the next batch of their reviews tries again."""
    candidates = {user for user, reviews in reviews_by_learner.items() if reviews >= FIT_EVERY_REVIEWS}
    if not candidates:
        return 0
    queued = 0
    for user_id, state in scheduler_repository.fit_states(candidates).items():
        if reviews_by_learner[user_id] - state.reviews_at_fit < FIT_EVERY_REVIEWS:
            continue
        if state.fitted_at is not None and now - state.fitted_at < FIT_AT_MOST_EVERY:
            continue
        if state.fit_queued_at is not None and now - state.fit_queued_at < FIT_CLAIM_LIFETIME:
            continue  # queued or running already; a claim older than that was lost, and is taken over
        try:
            _queue(user_id, now)
        except Exception:  # see the docstring
            logger.exception("fsrs fit not queued", extra={"user_id": user_id})
            metrics.add_metric(name="FsrsFitNotQueued", unit="Count", value=1)
            continue
        queued += 1
    return queued


class FitOutcome(StrEnum):
    FITTED = "fitted"  # new parameters stored
    KEPT = "kept"  # the fit ran; the learner keeps what they had (too few reviews, or no better)
    NOT_PENDING = "not_pending"  # finished already, or no such job: a duplicate message
    SUPERSEDED = "superseded"  # the learner's claim had expired and another fit took it


@dataclass(frozen=True)
class FitRun:
    job_id: str
    outcome: FitOutcome


def run_delivery(message_body: str, delivery: int) -> FitRun:
    """One delivery of a fit's message; when the queue's last delivery fails too, the job is FAILED and the learner
    may queue another, before the message goes to the dead-letter queue."""
    job_id = job_queue.job_id_of(message_body)
    try:
        return run(job_id, datetime.now(UTC))
    except Exception:
        if delivery >= FSRS_FITS.max_receive_count:
            give_up(job_id, datetime.now(UTC))
        raise


def run(job_id: str, now: datetime) -> FitRun:
    job = jobs_repository.start_account_job(job_id, now)
    if job is None or job.user_id is None:
        return FitRun(job_id, FitOutcome.NOT_PENDING)
    user = users_repository.get_user(job.user_id)
    if user is None or not user.profile.is_active:
        jobs_repository.finish_account_job(job_id, JobStatus.CANCELLED, now, error="the account is closed")
        return FitRun(job_id, FitOutcome.NOT_PENDING)
    current = user.scheduler
    log = scheduler_repository.review_log(job.user_id)
    fit = fsrs_fit.fit(log, ZoneInfo(user.profile.timezone), current.parameters)
    in_use = fit.parameters or current.parameters or tuple(DEFAULT_PARAMETERS)
    record = FitRecord(
        parameters=fit.parameters,
        fitted_at=now,
        reviews=fit.reviews,
        training_reviews=fit.training_reviews,
        log_loss_before=fit.log_loss_before,
        log_loss_after=fit.log_loss_after,
        recommended_retention=(
            fsrs_fit.recommended_retention(in_use, user.profile.max_daily_new_items) if fit.enough_data else None
        ),
    )
    if not scheduler_repository.store_fit(job.user_id, job_id, record):
        jobs_repository.finish_account_job(job_id, JobStatus.CANCELLED, now, error="another fit of the learner ran")
        return FitRun(job_id, FitOutcome.SUPERSEDED)
    result = {
        "fitted": fit.parameters is not None,
        "reviews": fit.reviews,
        "training_reviews": fit.training_reviews,
        "log_loss_before": fit.log_loss_before,
        "log_loss_after": fit.log_loss_after,
        "fit_seconds": round(fit.seconds, 3),
    }
    jobs_repository.finish_account_job(job_id, JobStatus.COMPLETED, now, result=result)
    metrics.add_metric(name="FsrsFitted" if fit.parameters else "FsrsFitKept", unit="Count", value=1)
    logger.info("fsrs fit", extra={"job_id": job_id, **result})
    return FitRun(job_id, FitOutcome.FITTED if fit.parameters is not None else FitOutcome.KEPT)


def give_up(job_id: str, now: datetime) -> None:
    job = jobs_repository.account_job(job_id)
    if job is None or job.user_id is None or job.status not in (JobStatus.PENDING, JobStatus.RUNNING):
        return
    jobs_repository.finish_account_job(job_id, JobStatus.FAILED, now, error=FIT_FAILED)
    scheduler_repository.release_fit(job.user_id, job_id)
