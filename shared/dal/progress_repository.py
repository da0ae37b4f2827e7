"""Cards, review logs, per-day totals and sessions of the study loop.

Every read here is a GetItem, a Query on the user's partition (often Select=COUNT) or a batch call, so the
number of requests of one API call does not grow with the size of a learner's deck.
"""

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition

from shared.dal.base import atomic_writes, collided, is_condition_failure, refused_conditions
from shared.dal.pagination import collect_page, cursor_scope, decode_cursor
from shared.dal.progress import (
    SENTENCE_CARD,
    WORD_CARD,
    ProgressItem,
    SentenceProgressItem,
    VocabularyProgressItem,
)
from shared.dal.reviews import DailyStatsItem, ReviewLogItem
from shared.dal.sessions import LearningSessionItem
from shared.enums import MasteryLevel
from shared.observability import tracer
from shared.schemas.common import Page
from shared.schemas.progress import CardProgress, DayStats, ItemType, SessionPublic, SessionStart
from shared.services.srs import CardState


def card_key(item_type: ItemType, item_id: str) -> str:
    return ProgressItem.card_key(item_type, item_id)


def item_of(card: ProgressItem) -> tuple[ItemType, str]:
    kind, item_id = card.item_key.split("#", 1)
    return ("sentence" if kind == SENTENCE_CARD else "word"), item_id


def new_card(user_id: str, item_type: ItemType, item_id: str) -> ProgressItem:
    if item_type == "sentence":
        return SentenceProgressItem(user_id=user_id, sentence_id=item_id)
    return VocabularyProgressItem(user_id=user_id, word_id=item_id)


def state_of(card: ProgressItem) -> CardState:
    return CardState(
        due=card.next_review_date,
        last_review=card.last_reviewed_date,
        review_count=int(card.total_attempts),
        lapses=int(card.lapses),
        interval_days=float(card.interval_days) if card.last_reviewed_date else 0.0,
        easiness_factor=float(card.easiness_factor),
        repetition_count=int(card.repetition_count),
        stability=card.stability,
        difficulty=card.difficulty,
        fsrs_state=int(card.fsrs_state),
        fsrs_step=None if card.fsrs_step is None else int(card.fsrs_step),
    )


def apply_state(card: ProgressItem, state: CardState, mastery: MasteryLevel) -> None:
    card.next_review_date = state.due
    card.last_reviewed_date = state.last_review
    card.total_attempts = state.review_count
    card.lapses = state.lapses
    card.interval_days = state.interval_days
    card.easiness_factor = state.easiness_factor
    card.repetition_count = state.repetition_count
    card.stability = state.stability
    card.difficulty = state.difficulty
    card.fsrs_state = state.fsrs_state
    card.fsrs_step = state.fsrs_step
    card.mastery_level = mastery


MATURE_LEVELS = frozenset({MasteryLevel.MATURE, MasteryLevel.BURNED})


def apply_answer(card: ProgressItem, correct: bool, response_time_ms: int | None, now: datetime) -> None:
    """The plan's performance fields of a card, after `apply_state` has counted this answer."""
    card.correct_attempts = int(card.correct_attempts) + int(correct)
    if not isinstance(card, SentenceProgressItem):
        return
    card.consecutive_correct = int(card.consecutive_correct) + 1 if correct else 0
    card.last_attempt_correct = correct
    if response_time_ms is not None:
        previous = card.average_response_time or 0.0
        card.average_response_time = previous + (response_time_ms - previous) / int(card.total_attempts)
    if card.mastery_level in MATURE_LEVELS and card.mastered_date is None:
        card.mastered_date = now


def card_progress(card: ProgressItem) -> CardProgress:
    item_type, item_id = item_of(card)
    return CardProgress.model_validate(
        {
            **card.attribute_values,
            "item_type": item_type,
            "item_id": item_id,
            "average_response_time": getattr(card, "average_response_time", None),
        }
    )


@tracer.capture_method
def get_card(user_id: str, item_type: ItemType, item_id: str) -> ProgressItem | None:
    try:
        return ProgressItem.get(user_id, card_key(item_type, item_id), consistent_read=True)
    except DoesNotExist:
        return None


@tracer.capture_method
def existing_cards(user_id: str, keys: list[str]) -> set[str]:
    """Which of these card keys the user already has: one BatchGetItem per 100 keys."""
    if not keys:
        return set()
    return {card.item_key for card in ProgressItem.batch_get([(user_id, key) for key in keys])}


@tracer.capture_method
def due_cards(user_id: str, now: datetime, limit: int) -> list[ProgressItem]:
    if limit <= 0:
        return []
    return list(ProgressItem.by_due.query(user_id, ProgressItem.next_review_date <= now, limit=limit))


@tracer.capture_method
def count_due(user_id: str, after: datetime | None, until: datetime) -> int:
    """Cards falling due in (after, until]: a COUNT Query, which returns a number, not the cards."""
    condition: Condition = (
        ProgressItem.next_review_date <= until if after is None else ProgressItem.next_review_date.between(after, until)
    )
    return int(ProgressItem.by_due.count(user_id, condition))


@tracer.capture_method
def count_mastery(user_id: str, level: MasteryLevel) -> int:
    return int(ProgressItem.by_mastery.count(user_id, ProgressItem.mastery_due.startswith(f"{level.value}#")))


@tracer.capture_method
def cards_page(user_id: str, item_type: ItemType, limit: int, cursor: str | None) -> Page[CardProgress]:
    prefix = f"{SENTENCE_CARD if item_type == 'sentence' else WORD_CARD}#"
    scope = cursor_scope("progress.cards", user_id, item_type)
    results = ProgressItem.query(
        user_id,
        ProgressItem.item_key.startswith(prefix),
        limit=limit,
        last_evaluated_key=decode_cursor(cursor, scope),
    )
    page = collect_page(results, limit, scope)
    return Page[CardProgress](items=[card_progress(c) for c in page.items], next_cursor=page.next_cursor)


@dataclass(frozen=True)
class ReviewEntry:
    """One answer as the review log keeps it."""

    review_id: str
    reviewed_at: datetime
    algorithm: str
    rating: int
    quality: int | None
    correct: bool
    response_time_ms: int | None
    session_id: str | None
    was_new: bool
    became_mature: bool


@dataclass(frozen=True)
class RecordedReview:
    """What a stored review produced: returned again when its review id is retried."""

    item_key: str
    correct: bool
    mastery_level: MasteryLevel
    interval_days: float
    next_review_date: datetime


def review_result(card: ProgressItem, entry: ReviewEntry) -> RecordedReview:
    return RecordedReview(
        item_key=card.item_key,
        correct=entry.correct,
        mastery_level=MasteryLevel(card.mastery_level),
        interval_days=float(card.interval_days),
        next_review_date=card.next_review_date,
    )


@tracer.capture_method
def get_review_log(user_id: str, review_id: str) -> RecordedReview | None:
    try:
        log = ReviewLogItem.get(user_id, review_id, consistent_read=True)
    except DoesNotExist:
        return None
    return RecordedReview(
        item_key=log.item_key,
        correct=bool(log.correct),
        mastery_level=MasteryLevel(log.mastery_level),
        interval_days=float(log.interval_days),
        next_review_date=log.next_review_date,
    )


@tracer.capture_method
def daily_stats(user_id: str, first_day: date, last_day: date) -> dict[date, DayStats]:
    """The days of the range the learner studied: one Query of at most one small item per day."""
    items = DailyStatsItem.query(user_id, DailyStatsItem.day.between(first_day.isoformat(), last_day.isoformat()))
    return {
        date.fromisoformat(item.day): DayStats(
            day=date.fromisoformat(item.day),
            reviews=int(item.reviews),
            correct=int(item.correct),
            new_items=int(item.new_items),
            mastered=int(item.mastered),
            study_minutes=round(int(item.response_time_ms) / 60_000, 1),
        )
        for item in items
    }


class ReviewOutcome(Enum):
    SAVED = "saved"
    ALREADY_RECORDED = "already recorded"  # the same review id was saved before: a retry
    CARD_CHANGED = "card changed"  # another review of the card won the race: read again and retry
    SESSION_CLOSED = "session closed"  # the session does not exist or was finished


@dataclass(frozen=True)
class DayTotals:
    day: date
    correct: bool
    was_new: bool
    became_mature: bool
    response_time_ms: int


@tracer.capture_method
def record_review(card: ProgressItem, entry: ReviewEntry, totals: DayTotals) -> ReviewOutcome:
    """Write the log, the card, the day's totals and the session's counters in one transaction: all or nothing.

    The log is conditional on its review id being new (idempotency), the card on its version (no lost update).
    """
    card.derive_keys()
    session_id = entry.session_id
    log = ReviewLogItem(
        user_id=card.user_id,
        item_key=card.item_key,
        interval_days=card.interval_days,
        next_review_date=card.next_review_date,
        mastery_level=MasteryLevel(card.mastery_level).value,
        **vars(entry),
    )
    stats = DailyStatsItem(user_id=card.user_id, day=totals.day.isoformat())
    try:
        with atomic_writes() as transaction:
            transaction.save(log, condition=ReviewLogItem.review_id.does_not_exist())
            transaction.save(card)
            transaction.update(
                stats,
                actions=[
                    DailyStatsItem.reviews.add(1),
                    DailyStatsItem.correct.add(int(totals.correct)),
                    DailyStatsItem.new_items.add(int(totals.was_new)),
                    DailyStatsItem.mastered.add(int(totals.became_mature)),
                    DailyStatsItem.response_time_ms.add(totals.response_time_ms),
                ],
            )
            if session_id is not None:
                session = LearningSessionItem(user_id=card.user_id, session_id=session_id)
                item_type, item_id = item_of(card)
                reviewed = LearningSessionItem.sentences_reviewed
                transaction.update(
                    session,
                    actions=[
                        LearningSessionItem.total_questions.add(1),
                        LearningSessionItem.correct_answers.add(int(totals.correct)),
                        LearningSessionItem.response_time_total_ms.add(totals.response_time_ms),
                        LearningSessionItem.new_sentences_learned.add(int(totals.was_new)),
                        LearningSessionItem.sentences_mastered.add(int(totals.became_mature)),
                        *(
                            [LearningSessionItem.sentences_reviewed.set(reviewed.append([item_id]))]
                            if item_type == "sentence"
                            else []
                        ),
                    ],
                    condition=LearningSessionItem.session_id.exists() & LearningSessionItem.end_time.does_not_exist(),
                )
    except TransactWriteError as error:
        failed = refused_conditions(error)
        if 0 in failed:
            return ReviewOutcome.ALREADY_RECORDED
        if 1 in failed:
            return ReviewOutcome.CARD_CHANGED
        if 3 in failed:
            return ReviewOutcome.SESSION_CLOSED
        if collided(error):
            return ReviewOutcome.CARD_CHANGED  # another review of this card (or session, or day) at that moment
        raise
    return ReviewOutcome.SAVED


def session_public(item: LearningSessionItem) -> SessionPublic:
    return SessionPublic.model_validate(item.attribute_values)


@tracer.capture_method
def start_session(user_id: str, request: SessionStart, now: datetime) -> SessionPublic:
    item = LearningSessionItem(user_id=user_id, start_time=now, **request.model_dump())
    item.save(condition=LearningSessionItem.session_id.does_not_exist())
    return session_public(item)


@tracer.capture_method
def get_session(user_id: str, session_id: str) -> SessionPublic | None:
    try:
        return session_public(LearningSessionItem.get(user_id, session_id, consistent_read=True))
    except DoesNotExist:
        return None


@dataclass(frozen=True)
class SessionSummary:
    end_time: datetime
    duration_minutes: int
    accuracy_percentage: float | None
    average_response_time: float | None
    exp_gained: int
    streak_maintained: bool


@tracer.capture_method
def finish_session(user_id: str, session_id: str, summary: SessionSummary) -> SessionPublic | None:
    """Store the summary once; None when the session was finished meanwhile."""
    item = LearningSessionItem(user_id=user_id, session_id=session_id)
    actions = [
        getattr(LearningSessionItem, name).set(value) for name, value in vars(summary).items() if value is not None
    ]
    try:
        item.update(
            actions=[*actions, LearningSessionItem.updated_at.set(summary.end_time)],
            condition=LearningSessionItem.session_id.exists() & LearningSessionItem.end_time.does_not_exist(),
        )
    except UpdateError as error:
        if is_condition_failure(error):
            return None
        raise
    return session_public(item)
