"""Scheduling logic of shared/services/srs.py: SM-2 by hand-computed sequences, FSRS by numbers pinned from the
fsrs 6.3.2 default parameters (re-derived from its formulas), mastery levels, recall probability, time zones."""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fsrs.scheduler import DEFAULT_PARAMETERS

from shared.domain.cards import CardState
from shared.enums import MasteryLevel
from shared.services.srs import (
    Algorithm,
    Rating,
    mastery_level,
    new_card,
    quality_from_rating,
    rating_from_quality,
    recall_probability,
    review,
)

T0 = datetime(2024, 4, 1, 12, 0, tzinfo=UTC)
TOKYO = ZoneInfo("Asia/Tokyo")
TEN_MINUTES_IN_DAYS = 10 / (24 * 60)


def sm2_grades(*qualities: int, start: datetime = T0) -> list[CardState]:
    """Review a new card with SM-2 at each due date; return the state after each review."""
    state, states = new_card(start), []
    for quality in qualities:
        state = review(state, Algorithm.SM2, rating_from_quality(quality), state.due, quality=quality)
        states.append(state)
    return states


def fsrs_ratings(*ratings: Rating, start: datetime = T0) -> list[CardState]:
    """Review a new card with FSRS (default parameters) at each due date; return the state after each review."""
    state, states = new_card(start), []
    for rating in ratings:
        state = review(state, Algorithm.FSRS, rating, state.due)
        states.append(state)
    return states


def fsrs_review_card() -> CardState:
    """A card learned with GOOD, GOOD: in FSRS review, stability 2.3065 (w2), due in 2 days."""
    return fsrs_ratings(Rating.GOOD, Rating.GOOD)[-1]


# --- SM-2 ---------------------------------------------------------------------------------------------------


def test_sm2_perfect_grades_follow_the_classic_sequence() -> None:
    # EF +0.1 per grade 5; the third interval uses the EF from before the third review: round(6 * 2.7) = 16,
    # the fourth round(16 * 2.8) = round(44.8) = 45.
    states = sm2_grades(5, 5, 5, 5)

    assert [s.interval_days for s in states] == [1.0, 6.0, 16.0, 45.0]
    assert [s.easiness_factor for s in states] == pytest.approx([2.6, 2.7, 2.8, 2.9], abs=1e-12)
    assert [s.repetition_count for s in states] == [1, 2, 3, 4]
    assert [s.review_count for s in states] == [1, 2, 3, 4]
    assert [s.due - s.last_review for s in states if s.last_review] == [timedelta(days=d) for d in (1, 6, 16, 45)]
    assert all(s.lapses == 0 for s in states)


def test_sm2_grade_four_keeps_easiness_and_grade_three_lowers_it() -> None:
    good = sm2_grades(4, 4, 4)
    hard = sm2_grades(3, 3, 3)

    assert [s.interval_days for s in good] == [1.0, 6.0, 15.0]
    assert [s.easiness_factor for s in good] == pytest.approx([2.5, 2.5, 2.5], abs=1e-12)
    # EF - 0.14 each time; third interval round(6 * 2.22) = round(13.32) = 13.
    assert [s.interval_days for s in hard] == [1.0, 6.0, 13.0]
    assert [s.easiness_factor for s in hard] == pytest.approx([2.36, 2.22, 2.08], abs=1e-12)


def test_sm2_failure_resets_repetitions_and_interval_and_counts_a_lapse() -> None:
    # Given a card at interval 16 days, EF 2.8
    learned = sm2_grades(5, 5, 5)[-1]

    # When the learner grades it 2, then 4, 4, 4
    failed = review(learned, Algorithm.SM2, Rating.AGAIN, learned.due, quality=2)
    after = [failed]
    for _ in range(3):
        after.append(review(after[-1], Algorithm.SM2, Rating.GOOD, after[-1].due, quality=4))

    # Then the sequence restarts at 1, 1, 6 and the EF loses 0.32 once (2.8 -> 2.48): round(6 * 2.48) = 15
    assert (failed.repetition_count, failed.interval_days, failed.lapses) == (0, 1.0, 1)
    assert failed.easiness_factor == pytest.approx(2.48, abs=1e-12)
    assert [s.interval_days for s in after] == [1.0, 1.0, 6.0, 15.0]
    assert [s.lapses for s in after] == [1, 1, 1, 1]
    assert failed.review_count == 4


def test_sm2_failing_a_card_never_recalled_is_not_a_lapse() -> None:
    states = sm2_grades(1, 0, 2)

    assert [s.lapses for s in states] == [0, 0, 0]
    assert [s.interval_days for s in states] == [1.0, 1.0, 1.0]


def test_sm2_easiness_never_drops_below_1_3() -> None:
    # 2.5 - 0.8 = 1.7, then 1.7 - 0.8 = 0.9, floored.
    states = sm2_grades(0, 0, 0, 3, 3)

    assert states[0].easiness_factor == pytest.approx(1.7, abs=1e-12)
    assert [s.easiness_factor for s in states[1:]] == [1.3, 1.3, 1.3, 1.3]


@pytest.mark.parametrize("quality", range(6))
def test_sm2_easiness_stays_at_or_above_the_floor_for_every_grade(quality: int) -> None:
    states = sm2_grades(*([quality] * 12))

    assert min(s.easiness_factor for s in states) >= 1.3


def test_sm2_rounds_half_days_up() -> None:
    # 5 * 2.5 = 12.5: Python's round() would give 12.
    state = CardState(due=T0, last_review=T0 - timedelta(days=5), review_count=2, interval_days=5.0, repetition_count=2)

    assert review(state, Algorithm.SM2, Rating.GOOD, T0).interval_days == 13.0


def test_sm2_without_quality_grades_rating_plus_one() -> None:
    good = review(new_card(T0), Algorithm.SM2, Rating.GOOD, T0)  # quality 4: EF unchanged
    again = review(new_card(T0), Algorithm.SM2, Rating.AGAIN, T0)  # quality 2: EF - 0.32

    assert (good.easiness_factor, good.repetition_count) == (2.5, 1)
    assert again.easiness_factor == pytest.approx(2.18, abs=1e-12)
    assert again.repetition_count == 0


def test_sm2_given_quality_wins_over_rating() -> None:
    state = review(new_card(T0), Algorithm.SM2, Rating.AGAIN, T0, quality=5)

    assert state.repetition_count == 1
    assert state.easiness_factor == pytest.approx(2.6, abs=1e-12)


@pytest.mark.parametrize(
    ("quality", "rating"),
    [(0, Rating.AGAIN), (1, Rating.AGAIN), (2, Rating.AGAIN), (3, Rating.HARD), (4, Rating.GOOD), (5, Rating.EASY)],
)
def test_rating_from_quality(quality: int, rating: Rating) -> None:
    assert rating_from_quality(quality) is rating


@pytest.mark.parametrize(
    ("rating", "quality"), [(Rating.AGAIN, 2), (Rating.HARD, 3), (Rating.GOOD, 4), (Rating.EASY, 5)]
)
def test_quality_from_rating_is_rating_plus_one(rating: Rating, quality: int) -> None:
    assert quality_from_rating(rating) == quality
    assert rating_from_quality(quality_from_rating(rating)) is rating


@pytest.mark.parametrize("quality", [-1, 6])
def test_quality_out_of_range_is_refused(quality: int) -> None:
    with pytest.raises(ValueError, match="0-5"):
        rating_from_quality(quality)
    with pytest.raises(ValueError, match="0-5"):
        review(new_card(T0), Algorithm.SM2, Rating.GOOD, T0, quality=quality)


# --- FSRS ---------------------------------------------------------------------------------------------------


def test_fsrs_new_card_good_good_follows_the_default_parameters() -> None:
    # First GOOD: stability w2 = 2.3065, learning step 1 (10 min). Second GOOD 10 min later, same day: the
    # short-term factor e^(w17 * w18) * S^-w19 = 0.9945 is clamped to 1, so S stays 2.3065 and the card
    # graduates with round(S) = 2 days (at retention 0.9 the interval is S). GOOD on day 2: R = 0.90949,
    # S = 10.971 -> 11 days; then 46 days.
    states = fsrs_ratings(Rating.GOOD, Rating.GOOD, Rating.GOOD, Rating.GOOD)

    assert [s.interval_days for s in states] == pytest.approx([TEN_MINUTES_IN_DAYS, 2.0, 11.0, 46.0], abs=1e-12)
    assert [s.stability for s in states] == pytest.approx([2.3065, 2.3065, 10.971048263, 46.316858440], abs=1e-8)
    assert [s.difficulty for s in states] == pytest.approx([2.1181039705, 2.1112142358, 2.1043313908, 2.0974554288])
    assert [(s.fsrs_state, s.fsrs_step) for s in states] == [(1, 1), (2, None), (2, None), (2, None)]
    assert [s.repetition_count for s in states] == [1, 2, 3, 4]
    assert states[1].due == T0 + timedelta(minutes=10) + timedelta(days=2)


def test_fsrs_again_on_a_review_card_is_a_lapse_and_relearns() -> None:
    # Given a card in review, due in 2 days
    card = fsrs_review_card()

    # When the learner forgets it, then recalls it at the relearning step
    forgotten = review(card, Algorithm.FSRS, Rating.AGAIN, card.due)
    relearned = review(forgotten, Algorithm.FSRS, Rating.GOOD, forgotten.due)

    # Then one lapse, a 10-minute relearning step, and back to review with a one-day interval
    assert (forgotten.lapses, forgotten.fsrs_state, forgotten.fsrs_step) == (1, 3, 0)
    assert forgotten.interval_days == pytest.approx(TEN_MINUTES_IN_DAYS)
    assert forgotten.stability == pytest.approx(0.6077016627)
    assert mastery_level(forgotten) is MasteryLevel.LEARNING
    assert (relearned.lapses, relearned.fsrs_state, relearned.interval_days) == (1, 2, 1.0)


def test_fsrs_again_while_learning_is_not_a_lapse() -> None:
    states = fsrs_ratings(Rating.AGAIN, Rating.AGAIN, Rating.GOOD)

    assert [s.lapses for s in states] == [0, 0, 0]
    assert states[0].interval_days == pytest.approx(1 / (24 * 60))  # first learning step: 1 minute
    assert states[0].stability == pytest.approx(0.212)  # w0


def test_fsrs_easy_beats_good_beats_hard_for_the_same_card() -> None:
    card = fsrs_review_card()

    hard, good, easy = (review(card, Algorithm.FSRS, r, card.due) for r in (Rating.HARD, Rating.GOOD, Rating.EASY))

    assert (hard.interval_days, good.interval_days, easy.interval_days) == (8.0, 11.0, 19.0)


def test_fsrs_parameters_default_to_the_package_defaults_and_can_be_given() -> None:
    card = fsrs_review_card()
    slow_start = list(DEFAULT_PARAMETERS)
    slow_start[2] = 5.0  # initial stability after GOOD

    explicit = review(card, Algorithm.FSRS, Rating.GOOD, card.due, parameters=DEFAULT_PARAMETERS)
    learned = review(new_card(T0), Algorithm.FSRS, Rating.GOOD, T0, parameters=slow_start)
    graduated = review(learned, Algorithm.FSRS, Rating.GOOD, learned.due, parameters=slow_start)

    assert explicit == review(card, Algorithm.FSRS, Rating.GOOD, card.due)
    assert graduated.interval_days == 5.0
    # Retrievability depends on the parameters only through the decay w20: the same 0.9 at t = S, else not.
    steep = list(DEFAULT_PARAMETERS)
    steep[20] = 0.5
    assert recall_probability(graduated, Algorithm.FSRS, T0 + timedelta(days=3), parameters=steep) > (
        recall_probability(graduated, Algorithm.FSRS, T0 + timedelta(days=3))
    )


def test_fsrs_parameters_out_of_bounds_are_refused() -> None:
    bad = list(DEFAULT_PARAMETERS)
    bad[0] = -1.0

    with pytest.raises(ValueError, match="out of bounds"):
        review(new_card(T0), Algorithm.FSRS, Rating.GOOD, T0, parameters=bad)


def test_each_algorithm_leaves_the_other_algorithms_fields_alone() -> None:
    sm2 = sm2_grades(5, 5)[-1]
    fsrs_card = fsrs_review_card()

    after_fsrs = review(sm2, Algorithm.FSRS, Rating.GOOD, sm2.due)
    after_sm2 = review(fsrs_card, Algorithm.SM2, Rating.GOOD, fsrs_card.due)

    assert after_fsrs.easiness_factor == sm2.easiness_factor
    assert (after_sm2.stability, after_sm2.difficulty, after_sm2.fsrs_state, after_sm2.fsrs_step) == (
        fsrs_card.stability,
        fsrs_card.difficulty,
        fsrs_card.fsrs_state,
        fsrs_card.fsrs_step,
    )


def test_sm2_after_fsrs_learning_steps_schedules_at_least_a_day() -> None:
    # Given a card switched from FSRS at a 10-minute learning step after two correct reviews
    step = CardState(
        due=T0 + timedelta(minutes=10),
        last_review=T0,
        review_count=2,
        interval_days=TEN_MINUTES_IN_DAYS,
        repetition_count=2,
        stability=2.3065,
        difficulty=2.1,
        fsrs_step=1,
    )

    # When SM-2 grades the third correct review (10 minutes x 2.5 would round to 0 days)
    switched = review(step, Algorithm.SM2, Rating.GOOD, step.due)

    # Then it still schedules a whole day
    assert (switched.interval_days, switched.repetition_count) == (1.0, 3)


# --- Mastery ------------------------------------------------------------------------------------------------

SM2_SHAPED: dict[str, Any] = {"review_count": 6, "repetition_count": 4, "easiness_factor": 2.3}
FSRS_SHAPED: dict[str, Any] = {
    "review_count": 6,
    "repetition_count": 4,
    "stability": 30.0,
    "difficulty": 5.0,
    "fsrs_state": 2,
}


@pytest.mark.parametrize("shape", [SM2_SHAPED, FSRS_SHAPED], ids=["sm2", "fsrs"])
@pytest.mark.parametrize(
    ("interval_days", "level"),
    [
        (0.99, MasteryLevel.LEARNING),
        (1.0, MasteryLevel.YOUNG),
        (20.9, MasteryLevel.YOUNG),
        (21.0, MasteryLevel.MATURE),
        (179.0, MasteryLevel.MATURE),
        (180.0, MasteryLevel.BURNED),
    ],
)
def test_mastery_boundaries(shape: dict[str, Any], interval_days: float, level: MasteryLevel) -> None:
    state = CardState(due=T0, last_review=T0 - timedelta(days=interval_days), interval_days=interval_days, **shape)

    assert mastery_level(state) is level


def test_mastery_of_a_new_card_is_new() -> None:
    assert mastery_level(new_card(T0)) is MasteryLevel.NEW


def test_mastery_follows_real_reviews_of_both_algorithms() -> None:
    sm2 = sm2_grades(5, 5, 5, 5, 1)  # 1, 6, 16, 45 days, then a failure: back to 1 day
    fsrs_states = fsrs_ratings(Rating.GOOD, Rating.GOOD, Rating.GOOD, Rating.GOOD, Rating.AGAIN)

    assert [mastery_level(s) for s in sm2] == ["young", "young", "young", "mature", "learning"]
    assert [mastery_level(s) for s in fsrs_states] == ["learning", "young", "young", "mature", "learning"]


# --- Recall probability -------------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_recall_probability_decreases_with_elapsed_time(algorithm: Algorithm) -> None:
    card = sm2_grades(5, 5)[-1] if algorithm is Algorithm.SM2 else fsrs_ratings(*[Rating.GOOD] * 3)[-1]
    assert card.last_review

    recalls = [recall_probability(card, algorithm, card.last_review + timedelta(days=d)) for d in (1, 2, 5, 10, 30)]

    assert recalls == sorted(recalls, reverse=True)
    assert len(set(recalls)) == len(recalls)
    assert all(0.0 < r < 1.0 for r in recalls)


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_recall_probability_is_about_0_9_when_due(algorithm: Algorithm) -> None:
    # FSRS schedules at retention 0.9 but rounds the interval to whole days (10.971 -> 11 here).
    card = sm2_grades(5, 5, 5)[-1] if algorithm is Algorithm.SM2 else fsrs_ratings(*[Rating.GOOD] * 3)[-1]

    assert recall_probability(card, algorithm, card.due) == pytest.approx(0.9, abs=0.005)


def test_sm2_recall_probability_is_0_9_to_the_elapsed_share_of_the_interval() -> None:
    card = sm2_grades(5, 5)[-1]  # 6 days
    assert card.last_review

    assert recall_probability(card, Algorithm.SM2, card.last_review + timedelta(days=3)) == pytest.approx(0.9**0.5)
    assert recall_probability(card, Algorithm.SM2, card.last_review + timedelta(days=12)) == pytest.approx(0.81)


def test_fsrs_recall_probability_is_exactly_one_within_24_hours() -> None:
    # fsrs counts whole elapsed days (timedelta.days): a gap under 24 hours is 0 days.
    card = fsrs_review_card()
    assert card.last_review

    assert recall_probability(card, Algorithm.FSRS, card.last_review + timedelta(hours=23, minutes=59)) == 1.0
    assert recall_probability(card, Algorithm.FSRS, card.last_review + timedelta(hours=24)) < 1.0


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_recall_probability_of_a_card_never_reviewed_is_refused(algorithm: Algorithm) -> None:
    with pytest.raises(ValueError, match="never reviewed"):
        recall_probability(new_card(T0), algorithm, T0 + timedelta(days=1))


def test_fsrs_recall_probability_needs_an_fsrs_memory_state() -> None:
    with pytest.raises(ValueError, match="never reviewed with FSRS"):
        recall_probability(sm2_grades(5)[-1], Algorithm.FSRS, T0 + timedelta(days=1))


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_recall_probability_refuses_naive_and_earlier_datetimes(algorithm: Algorithm) -> None:
    card = fsrs_review_card() if algorithm is Algorithm.FSRS else sm2_grades(5)[-1]

    with pytest.raises(ValueError, match="timezone-aware"):
        recall_probability(card, algorithm, datetime(2024, 4, 10, 12, 0))
    with pytest.raises(ValueError, match="before the card's last review"):
        recall_probability(card, algorithm, T0 - timedelta(days=1))


# --- Time zones and day boundaries --------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_review_refuses_naive_datetimes(algorithm: Algorithm) -> None:
    naive = datetime(2024, 4, 1, 23, 59)

    with pytest.raises(ValueError, match="timezone-aware"):
        review(new_card(T0), algorithm, Rating.GOOD, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        new_card(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        CardState(due=naive)


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_review_before_the_last_review_is_refused(algorithm: Algorithm) -> None:
    card = review(new_card(T0), algorithm, Rating.GOOD, T0)

    with pytest.raises(ValueError, match="before the card's last review"):
        review(card, algorithm, Rating.GOOD, T0 - timedelta(seconds=1))


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_any_aware_time_zone_gives_the_same_result_for_the_same_instant(algorithm: Algorithm) -> None:
    tokyo = datetime(2024, 4, 1, 23, 59, tzinfo=TOKYO)
    instants = [tokyo, tokyo.astimezone(UTC), tokyo.astimezone(ZoneInfo("America/New_York"))]

    results = [review(review(new_card(t), algorithm, Rating.GOOD, t), algorithm, Rating.GOOD, t) for t in instants]

    assert results[0] == results[1] == results[2]
    assert all(r.due.tzinfo is UTC and r.last_review and r.last_review.tzinfo is UTC for r in results)
    assert results[0].last_review == datetime(2024, 4, 1, 14, 59, tzinfo=UTC)


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_tokyo_midnight_is_not_a_day_boundary_for_the_schedulers(algorithm: Algorithm) -> None:
    # Given a card first reviewed at 23:59 in Tokyo (14:59 UTC)
    before_midnight = datetime(2024, 4, 1, 23, 59, tzinfo=TOKYO)
    after_midnight = datetime(2024, 4, 2, 0, 1, tzinfo=TOKYO)  # two minutes later, the next Tokyo date
    first = review(new_card(before_midnight), algorithm, Rating.GOOD, before_midnight)

    # When it is reviewed again at 00:01 in Tokyo
    second = review(first, algorithm, Rating.GOOD, after_midnight)

    # Then only the two minutes count: the same as two reviews two minutes apart at noon UTC
    noon = review(new_card(T0), algorithm, Rating.GOOD, T0)
    noon_second = review(noon, algorithm, Rating.GOOD, T0 + timedelta(minutes=2))
    assert second.due - after_midnight == noon_second.due - (T0 + timedelta(minutes=2))
    assert (second.stability, second.difficulty, second.easiness_factor, second.repetition_count) == (
        noon_second.stability,
        noon_second.difficulty,
        noon_second.easiness_factor,
        noon_second.repetition_count,
    )
    assert second.due.tzinfo is UTC


def test_due_dates_of_reviews_either_side_of_tokyo_midnight_are_two_minutes_apart() -> None:
    late = datetime(2024, 4, 1, 23, 59, tzinfo=TOKYO)
    early = datetime(2024, 4, 2, 0, 1, tzinfo=TOKYO)

    a = review(new_card(late), Algorithm.SM2, Rating.GOOD, late)
    b = review(new_card(early), Algorithm.SM2, Rating.GOOD, early)

    assert b.due - a.due == timedelta(minutes=2)
    assert a.due == datetime(2024, 4, 2, 14, 59, tzinfo=UTC)  # 23:59 the next day in Tokyo
