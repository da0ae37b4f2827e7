"""A learner's own FSRS scheduler on their user item (shared/domain/scheduler.py), the fit jobs that refresh it, and
their whole review log read for a fit.

A fit is queued in one transaction with its job record and a claim on the user item (`fsrs_fit_job`), so a learner
has at most one fit queued or running; a claim older than FIT_CLAIM_LIFETIME (its message or worker lost) can be
taken over. The worker stores its result only while its claim holds, and releases it with the result.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action

from shared.dal.base import applied, atomic_writes, refused_conditions
from shared.dal.jobs import BackgroundJobItem
from shared.dal.reviews import ReviewLogItem
from shared.dal.users import UserItem
from shared.domain.scheduler import LearnerScheduler, LoggedReview
from shared.enums import JobType
from shared.observability import tracer

FIT_CLAIM_LIFETIME = timedelta(hours=1)  # far beyond a fit's two minutes of timeout and its queue's retries
LOG_PAGE_SIZE = 1000  # reviews per page of the paged Query of a learner's log (about 100 KB with three attributes)
# What a fit reads of each review: the card, when, the rating, and whether it was the card's first.
LOG_ATTRIBUTES = ("item_key", "reviewed_at", "rating", "was_new")
# What deciding whether a learner's fit is due reads of the user item.
FIT_STATE_ATTRIBUTES = ("user_id", "fsrs_fitted_at", "fsrs_fit_reviews", "fsrs_fit_job", "fsrs_fit_queued_at")


@dataclass(frozen=True)
class QueuedFit:
    job_id: str
    queued_at: datetime
    new: bool  # False: the learner's fit already queued (or running), returned as it is


@tracer.capture_method
def queue_fit(user_id: str, now: datetime) -> QueuedFit | None:
    """A PENDING fit job for the learner, claimed on their user item in the same transaction; the fit already
    claimed when there is one (None if the user is gone)."""
    job = BackgroundJobItem(user_id=user_id, job_type=JobType.FSRS_FIT, input_data={"user_id": user_id}, created_at=now)
    free = UserItem.fsrs_fit_job.does_not_exist() | (UserItem.fsrs_fit_queued_at < now - FIT_CLAIM_LIFETIME)
    try:
        with atomic_writes() as transaction:
            transaction.save(job, condition=BackgroundJobItem.id.does_not_exist())
            transaction.update(
                UserItem(user_id=user_id),
                actions=[UserItem.fsrs_fit_job.set(str(job.id)), UserItem.fsrs_fit_queued_at.set(now)],
                condition=UserItem.user_id.exists() & free,
            )
    except TransactWriteError as error:
        if not refused_conditions(error):
            raise
        current = _fit_state(user_id)
        if current is None or current.fsrs_fit_job is None or current.fsrs_fit_queued_at is None:
            return None
        return QueuedFit(str(current.fsrs_fit_job), current.fsrs_fit_queued_at, new=False)
    return QueuedFit(str(job.id), now, new=True)


def _fit_state(user_id: str) -> UserItem | None:
    try:
        return UserItem.get(user_id, consistent_read=True, attributes_to_get=list(FIT_STATE_ATTRIBUTES))
    except UserItem.DoesNotExist:
        return None


@tracer.capture_method
def fit_states(user_ids: set[str]) -> dict[str, LearnerScheduler]:
    """Each existing learner's fit bookkeeping (last fit, reviews it read, fit claimed): BatchGetItem, 100 keys a
    request, of those attributes only."""
    return {
        str(user.user_id): LearnerScheduler(
            fitted_at=user.fsrs_fitted_at,
            reviews_at_fit=int(user.fsrs_fit_reviews or 0),
            fit_job=user.fsrs_fit_job,
            fit_queued_at=user.fsrs_fit_queued_at,
        )
        for user in UserItem.batch_get(user_ids, attributes_to_get=list(FIT_STATE_ATTRIBUTES))
    }


@tracer.capture_method
def review_log(user_id: str) -> list[LoggedReview]:
    """The learner's review log as a fit needs it: a paged Query of their partition, four attributes a review.

    The log keeps 13 months (older reviews are archived to S3): a card whose first review has left it would read as
    new at its first review still here, so only the cards whose first review (`was_new`) is in the log are kept."""
    reviews = [
        (item.was_new, LoggedReview(card=str(item.item_key), reviewed_at=item.reviewed_at, rating=int(item.rating)))
        for item in ReviewLogItem.query(user_id, attributes_to_get=list(LOG_ATTRIBUTES), page_size=LOG_PAGE_SIZE)
    ]
    whole = {review.card for was_new, review in reviews if was_new}
    return [review for _, review in reviews if review.card in whole]


@dataclass(frozen=True)
class FitRecord:
    """What a finished fit stores; `parameters` None leaves the ones in use as they are."""

    parameters: tuple[float, ...] | None
    fitted_at: datetime
    reviews: int
    training_reviews: int
    log_loss_before: float | None
    log_loss_after: float | None
    recommended_retention: float | None


@tracer.capture_method
def store_fit(user_id: str, job_id: str, record: FitRecord) -> bool:
    """Store the fit and release the learner's claim, while the claim is still this job's (False otherwise). Figures
    the fit has not (too few reviews) are removed, not left from an earlier fit; the parameters in use stay."""
    actions: list[Action] = [
        UserItem.fsrs_fitted_at.set(record.fitted_at),
        UserItem.fsrs_fit_reviews.set(record.reviews),
        UserItem.fsrs_fit_training_reviews.set(record.training_reviews),
        UserItem.fsrs_fit_job.remove(),
        UserItem.fsrs_fit_queued_at.remove(),
    ]
    if record.parameters is not None:
        actions.append(UserItem.fsrs_parameters.set(list(record.parameters)))
    figures = (
        (UserItem.fsrs_log_loss_before, record.log_loss_before),
        (UserItem.fsrs_log_loss_after, record.log_loss_after),
        (UserItem.fsrs_recommended_retention, record.recommended_retention),
    )
    actions += [attribute.remove() if value is None else attribute.set(value) for attribute, value in figures]
    return applied(lambda: UserItem(user_id=user_id).update(actions=actions, condition=UserItem.fsrs_fit_job == job_id))


@tracer.capture_method
def release_fit(user_id: str, job_id: str) -> None:
    """Let the learner queue a fit again (this one failed for good), if the claim is still this job's."""
    applied(
        lambda: UserItem(user_id=user_id).update(
            actions=[UserItem.fsrs_fit_job.remove(), UserItem.fsrs_fit_queued_at.remove()],
            condition=UserItem.fsrs_fit_job == job_id,
        )
    )
