"""Spaced-repetition scheduling: SM-2 and FSRS behind one card state, so a learner can switch algorithm.

Pure logic: no AWS, no I/O, no clock. Every instant is passed in and must be timezone-aware; results are in UTC.
Both algorithms work on instants, not calendar days: where the learner's day starts is the caller's business.
"""

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from enum import IntEnum, StrEnum
from functools import lru_cache

import fsrs

from shared.domain.cards import CardState, require_aware
from shared.domain.scheduler import DEFAULT_RETENTION
from shared.enums import MasteryLevel

SECONDS_PER_DAY = 86_400.0

# SM-2 (SuperMemo 2, 1987).
SM2_PASSING_QUALITY = 3
SM2_MIN_EASINESS = 1.3
SM2_FIRST_INTERVAL_DAYS = 1
SM2_SECOND_INTERVAL_DAYS = 6

# Mastery thresholds on the scheduled interval, in days.
YOUNG_FROM_DAYS = 1.0
MATURE_FROM_DAYS = 21.0
BURNED_FROM_DAYS = 180.0


class Algorithm(StrEnum):
    FSRS = "fsrs"
    SM2 = "sm2"


class Rating(IntEnum):
    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


def new_card(now: datetime) -> CardState:
    """A card never reviewed, due at once."""
    return CardState(due=_as_utc(now, "now"))


def rating_from_quality(quality: int) -> Rating:
    """SM-2 grade 0-5 to a rating: 0-2 are failures (AGAIN), 3 HARD, 4 GOOD, 5 EASY."""
    _require_quality(quality)
    return Rating(max(quality - 1, Rating.AGAIN))


def quality_from_rating(rating: Rating) -> int:
    """The srs-benchmark convention for feeding four-button ratings to SM-2: quality = rating + 1 (AGAIN -> 2)."""
    return int(Rating(rating)) + 1


def review(
    state: CardState,
    algorithm: Algorithm,
    rating: Rating,
    now: datetime,
    *,
    quality: int | None = None,
    parameters: Sequence[float] | None = None,
    desired_retention: float = DEFAULT_RETENTION,
) -> CardState:
    """The card's state after a review at `now`.

    SM-2 grades with `quality` (0-5) when given, else with quality_from_rating(rating); FSRS uses `rating`
    (and `parameters`, default the fsrs package's, and the recall probability it schedules the next review at,
    `desired_retention`) and ignores `quality`. Raises ValueError for a naive `now`, for `now` before the last
    review, and for a rating or quality out of range.
    """
    now = _as_utc(now, "now")
    if state.last_review is not None and now < state.last_review:
        raise ValueError("now is before the card's last review")
    rating = Rating(rating)
    match Algorithm(algorithm):
        case Algorithm.SM2:
            return _review_sm2(state, quality_from_rating(rating) if quality is None else quality, now)
        case Algorithm.FSRS:
            return _review_fsrs(state, rating, now, parameters, desired_retention)


def mastery_level(state: CardState) -> MasteryLevel:
    """One rule for both algorithms, on the interval the last review scheduled:

    NEW: never reviewed. LEARNING: the last review failed (repetition_count == 0) or the interval is under
    1 day (FSRS learning and relearning steps; SM-2 after a failure, whose interval is exactly 1 day).
    Otherwise YOUNG below 21 days, MATURE below 180 days, BURNED from 180 days.
    """
    if state.review_count == 0:
        return MasteryLevel.NEW
    interval = state.interval_days
    if state.repetition_count == 0 or interval < YOUNG_FROM_DAYS:
        return MasteryLevel.LEARNING
    if interval < MATURE_FROM_DAYS:
        return MasteryLevel.YOUNG
    if interval < BURNED_FROM_DAYS:
        return MasteryLevel.MATURE
    return MasteryLevel.BURNED


def recall_probability(
    state: CardState, algorithm: Algorithm, now: datetime, *, parameters: Sequence[float] | None = None
) -> float:
    """The predicted probability that the learner recalls the card at `now`.

    FSRS: the fsrs package's retrievability, which counts whole elapsed days (24-hour spans), so it is exactly
    1.0 for a gap under 24 hours. SM-2 predicts no probability; the srs-benchmark convention
    0.9 ** (elapsed_days / interval_days) reads its interval as the time to 90 % recall.
    Raises ValueError for a card never reviewed (for FSRS: never reviewed with FSRS), a naive `now`, or `now`
    before the last review.
    """
    now = _as_utc(now, "now")
    if state.last_review is None:
        raise ValueError("a card never reviewed has no recall probability")
    if now < state.last_review:
        raise ValueError("now is before the card's last review")
    match Algorithm(algorithm):
        case Algorithm.SM2:
            if state.interval_days <= 0:
                raise ValueError("the card has no scheduled interval")
            elapsed_days = (now - state.last_review).total_seconds() / SECONDS_PER_DAY
            return float(0.9 ** (elapsed_days / state.interval_days))
        case Algorithm.FSRS:
            if state.stability is None:
                raise ValueError("the card was never reviewed with FSRS")
            return float(_scheduler(_parameters_key(parameters)).get_card_retrievability(_to_fsrs(state), now))


def _review_sm2(state: CardState, quality: int, now: datetime) -> CardState:
    """Classic SM-2: the next interval uses the easiness before this review; easiness changes on every review."""
    _require_quality(quality)
    passed = quality >= SM2_PASSING_QUALITY
    if not passed:
        repetitions, interval = 0, SM2_FIRST_INTERVAL_DAYS
    else:
        repetitions = state.repetition_count + 1
        if repetitions == 1:
            interval = SM2_FIRST_INTERVAL_DAYS
        elif repetitions == 2:
            interval = SM2_SECOND_INTERVAL_DAYS
        else:
            # At least a day: a card switched from FSRS mid-learning carries an interval of minutes.
            interval = max(SM2_FIRST_INTERVAL_DAYS, _round_half_up(state.interval_days * state.easiness_factor))
    miss = 5 - quality
    easiness = max(SM2_MIN_EASINESS, state.easiness_factor + 0.1 - miss * (0.08 + miss * 0.02))
    return replace(
        state,
        due=now + timedelta(days=interval),
        last_review=now,
        review_count=state.review_count + 1,
        lapses=state.lapses + int(not passed and state.repetition_count > 0),
        interval_days=float(interval),
        easiness_factor=easiness,
        repetition_count=repetitions,
    )


def _review_fsrs(
    state: CardState, rating: Rating, now: datetime, parameters: Sequence[float] | None, desired_retention: float
) -> CardState:
    scheduler = _scheduler(_parameters_key(parameters), desired_retention)
    card, _ = scheduler.review_card(_to_fsrs(state), fsrs.Rating(int(rating)), now)
    failed = rating == Rating.AGAIN
    return replace(
        state,
        due=card.due,
        last_review=now,
        review_count=state.review_count + 1,
        lapses=state.lapses + int(failed and state.fsrs_state == fsrs.State.Review),
        interval_days=(card.due - now).total_seconds() / SECONDS_PER_DAY,
        repetition_count=0 if failed else state.repetition_count + 1,
        stability=card.stability,
        difficulty=card.difficulty,
        fsrs_state=int(card.state),
        fsrs_step=card.step,
    )


def _to_fsrs(state: CardState) -> fsrs.Card:
    """card_id is irrelevant to scheduling; passing one also avoids fsrs.Card's 1 ms sleep to make a unique id."""
    return fsrs.Card(
        card_id=0,
        state=fsrs.State(state.fsrs_state),
        step=state.fsrs_step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=_as_utc(state.due, "due"),
        last_review=None if state.last_review is None else _as_utc(state.last_review, "last_review"),
    )


# Bounded rather than functools.cache: per-learner fitted parameters would otherwise grow it in a warm Lambda.
@lru_cache(maxsize=128)
def _scheduler(parameters: tuple[float, ...] | None, desired_retention: float = DEFAULT_RETENTION) -> fsrs.Scheduler:
    """No fuzzing: tests and benchmark replays must be reproducible. The review path spreads due dates over the
    same fuzz range itself, seeded, by load (services/load_balance.py). Out-of-range parameters raise ValueError
    (from fsrs)."""
    if parameters is None:
        return fsrs.Scheduler(desired_retention=desired_retention, enable_fuzzing=False)
    return fsrs.Scheduler(parameters=parameters, desired_retention=desired_retention, enable_fuzzing=False)


def _parameters_key(parameters: Sequence[float] | None) -> tuple[float, ...] | None:
    return None if parameters is None else tuple(float(p) for p in parameters)


def _round_half_up(days: float) -> int:
    """SM-2 rounds to whole days; Python's round() would round halves to even."""
    return math.floor(days + 0.5)


def _require_quality(quality: int) -> None:
    if not 0 <= quality <= 5:
        raise ValueError(f"SM-2 quality must be 0-5, got {quality}")


def _as_utc(moment: datetime, name: str) -> datetime:
    """fsrs insists on tzinfo == UTC; any aware datetime names an instant, so convert rather than refuse."""
    require_aware(moment, name)
    return moment.astimezone(UTC)
