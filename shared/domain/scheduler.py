"""A learner's own FSRS scheduler: the desired retention they chose and the parameters fitted to their review log.

Kept on the user item, which every request reads to authenticate: the review path schedules with them at no extra
read, from the review after a fit on.
"""

from dataclasses import dataclass
from datetime import datetime

DEFAULT_RETENTION = 0.90  # FSRS schedules a card's next review when its predicted recall falls to this
MIN_RETENTION = 0.70
MAX_RETENTION = 0.97


@dataclass(frozen=True)
class LoggedReview:
    """One review of the learner's log, as a fit reads it."""

    card: str  # anything that tells the learner's cards apart
    reviewed_at: datetime  # timezone-aware
    rating: int  # 1 AGAIN, 2 HARD, 3 GOOD, 4 EASY


@dataclass(frozen=True)
class LearnerScheduler:
    """`parameters` None: the fsrs package's defaults (never fitted, or no fit beat them). The fit figures describe
    the last fit that ran, adopted or not; `fit_job` is the fit queued or running now, if any."""

    desired_retention: float = DEFAULT_RETENTION
    parameters: tuple[float, ...] | None = None
    fitted_at: datetime | None = None
    reviews_at_fit: int = 0  # reviews in the log the last fit read
    training_reviews: int = 0  # of them, those it trained on (a day or more after the card's previous review)
    log_loss_before: float | None = None  # of the parameters in use before the fit, on its training reviews
    log_loss_after: float | None = None  # of the parameters in use after it, on the same reviews
    recommended_retention: float | None = None
    fit_job: str | None = None
    fit_queued_at: datetime | None = None
