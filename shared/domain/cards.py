"""A card's scheduling state: what either algorithm (shared/services/srs.py) needs about one card, and what the
progress repository maps a stored card to and from."""

from dataclasses import dataclass
from datetime import datetime

from shared.enums import MasteryLevel


@dataclass(frozen=True)
class CardState:
    """Everything either algorithm needs about one card; each algorithm leaves the other's fields as they are.

    `repetition_count` (consecutive reviews not failed) is kept by both algorithms: SM-2 schedules with it and
    `mastery_level` reads it, so a card just failed under SM-2 (interval back to one day) counts as learning.
    """

    due: datetime  # timezone-aware UTC
    last_review: datetime | None = None
    review_count: int = 0  # every review, right or wrong
    lapses: int = 0  # failures of a card that was in review (FSRS Review state; SM-2 repetition_count > 0)
    interval_days: float = 0.0  # the interval the last review scheduled (due - last_review, in days)
    easiness_factor: float = 2.5  # SM-2
    repetition_count: int = 0  # consecutive correct reviews (SM-2's n; kept by FSRS reviews too)
    stability: float | None = None  # FSRS
    difficulty: float | None = None  # FSRS
    fsrs_state: int = 1  # fsrs.State value (1 Learning, 2 Review, 3 Relearning)
    fsrs_step: int | None = 0  # fsrs learning step

    def __post_init__(self) -> None:
        require_aware(self.due, "due")
        if self.last_review is not None:
            require_aware(self.last_review, "last_review")


def require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


@dataclass(frozen=True)
class OverdueCard:
    """A card that fell due before a backlog recovery's cutoff, as the recovery orders it, with the version its move
    is conditional on (a review that changed the card meanwhile wins)."""

    user_id: str
    item_key: str  # <sentence|word>#<id>
    version: int | None  # None for a card written without one (a batch import)
    mastery_level: MasteryLevel
    state: CardState
