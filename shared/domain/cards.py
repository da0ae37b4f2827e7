"""A learner's card: its scheduling state (what either algorithm, shared/services/srs.py, needs about it), and the
card as the review path reads, changes and stores it (the progress repository maps stored cards to and from these)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

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


CardKind = Literal["sentence", "word"]


@dataclass(frozen=True)
class Card:
    """One learner's card of one sentence or word: its schedule, its level and what its answers add up to.

    The services change a card by making a new one (dataclasses.replace); progress_repository.record_review stores it
    on the version it was read with, so two answers racing on one card cannot both win."""

    user_id: str
    item_type: CardKind
    item_id: str
    state: CardState
    mastery_level: MasteryLevel = MasteryLevel.NEW
    correct_attempts: int = 0
    # Kept for sentence cards (the plan's UserProgress); a word card leaves them as they are.
    consecutive_correct: int = 0
    last_attempt_correct: bool | None = None
    average_response_time: float | None = None  # ms, the running mean of the answers that gave one
    mastered_date: datetime | None = None
    suspended_at: datetime | None = None  # taken out of study: never due until taken back
    learned_from_sentence_id: str | None = None  # a word card's sentence, where its first answer named one
    updated_at: datetime | None = None  # None: not stored yet
    stored: bool = False
    version: int | None = None  # what its next write is conditional on (None: none yet, or written without one)

    @property
    def key(self) -> tuple[CardKind, str]:
        """Which card it is, of its learner's."""
        return self.item_type, self.item_id

    @property
    def sentence_id(self) -> str | None:
        """The sentence the card belongs with: its own, or the one a word card was learned from."""
        return self.item_id if self.item_type == "sentence" else self.learned_from_sentence_id


def require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
