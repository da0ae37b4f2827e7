"""The product's FSRS optimizer (shared/services/fsrs_fit.py): it fits fsrs-rs on a learner's own log, and what it fits
means the same to the fsrs package that schedules the reviews (same 21 weights in the same order, same desired
retention)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import fsrs_rs_python
import pytest
from fsrs.scheduler import DEFAULT_PARAMETERS, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

from shared.domain.cards import CardState
from shared.domain.scheduler import MAX_RETENTION, MIN_RETENTION, LoggedReview
from shared.services import fsrs_fit, srs
from tests.synthetic_reviews import forgetful_learner_log

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture(scope="module")
def fitted() -> tuple[float, ...]:
    fit = fsrs_fit.fit(forgetful_learner_log(150, 6, START), TOKYO)
    assert fit.parameters is not None
    return fit.parameters


def test_both_packages_have_the_same_default_fsrs6_vector() -> None:
    assert len(DEFAULT_PARAMETERS) == len(fsrs_rs_python.DEFAULT_PARAMETERS) == 21
    assert list(DEFAULT_PARAMETERS) == pytest.approx(fsrs_rs_python.DEFAULT_PARAMETERS, abs=1e-6)


@pytest.mark.parametrize("retention", [0.70, 0.80, 0.90, 0.97])
@pytest.mark.parametrize(
    ("elapsed_days", "rating"), [(3, srs.Rating.GOOD), (12, srs.Rating.HARD), (40, srs.Rating.EASY)]
)
def test_a_fitted_vector_schedules_the_same_next_review_in_both_packages(
    fitted: tuple[float, ...], retention: float, elapsed_days: int, rating: srs.Rating
) -> None:
    # Given a card in review (stability 8 days, difficulty 5) answered `elapsed_days` after its last review
    last = START
    card = CardState(
        due=last + timedelta(days=8),
        last_review=last,
        review_count=3,
        interval_days=8.0,
        repetition_count=3,
        stability=8.0,
        difficulty=5.0,
        fsrs_state=2,
        fsrs_step=None,
    )
    now = last + timedelta(days=elapsed_days)

    # When the product's scheduler (the fsrs package) reviews it with the fitted parameters at that retention
    after = srs.review(card, srs.Algorithm.FSRS, rating, now, parameters=fitted, desired_retention=retention)

    # Then fsrs-rs, given the same vector and retention, finds the same memory state and the same interval (whole days)
    states = fsrs_rs_python.FSRS(list(fitted)).next_states(
        fsrs_rs_python.MemoryState(8.0, 5.0), retention, elapsed_days
    )
    expected = {srs.Rating.HARD: states.hard, srs.Rating.GOOD: states.good, srs.Rating.EASY: states.easy}[rating]
    assert after.stability == pytest.approx(expected.memory.stability, rel=1e-4)
    assert after.difficulty == pytest.approx(expected.memory.difficulty, rel=1e-4)
    assert after.interval_days == max(1, round(expected.interval))


def test_a_higher_desired_retention_schedules_sooner() -> None:
    card = srs.review(srs.new_card(START), srs.Algorithm.FSRS, srs.Rating.EASY, START)
    later = START + timedelta(days=card.interval_days)
    intervals = [
        srs.review(card, srs.Algorithm.FSRS, srs.Rating.GOOD, later, desired_retention=r).interval_days
        for r in (0.70, 0.90, 0.97)
    ]
    assert intervals[0] > intervals[1] > intervals[2] >= 1


def test_a_learner_with_enough_history_gets_parameters_that_fit_their_log_better() -> None:
    log = forgetful_learner_log(150, 6, START)

    fit = fsrs_fit.fit(log, TOKYO)

    assert fit.enough_data and fit.reviews == len(log)
    assert fit.parameters is not None and len(fit.parameters) == 21
    assert fit.log_loss_after is not None and fit.log_loss_before is not None
    assert fit.log_loss_after < fit.log_loss_before - 0.02  # this learner forgets much faster than the defaults say
    assert all(
        low <= value <= high
        for value, low, high in zip(fit.parameters, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True)
    )
    assert fit.seconds < 5


def test_below_the_minimum_the_learner_keeps_what_they_had() -> None:
    log = forgetful_learner_log(40, 6, START)  # about 130 training reviews

    fit = fsrs_fit.fit(log, TOKYO)

    assert not fit.enough_data and fit.training_reviews < fsrs_fit.MIN_TRAINING_REVIEWS
    assert (fit.parameters, fit.log_loss_before, fit.log_loss_after) == (None, None, None)


def test_a_fit_no_better_than_the_parameters_in_use_keeps_them(fitted: tuple[float, ...]) -> None:
    # Given a learner already on the parameters fitted to this very log
    log = forgetful_learner_log(150, 6, START)

    # When it is fitted again, starting from them
    fit = fsrs_fit.fit(log, TOKYO, current=fitted)

    # Then it adopts nothing worse than what it has
    assert fit.log_loss_after is not None and fit.log_loss_before is not None
    assert fit.log_loss_after <= fit.log_loss_before
    if fit.parameters is None:
        assert fit.log_loss_after == fit.log_loss_before


def test_days_are_the_learners_own_starting_at_four_in_the_morning() -> None:
    # Two reviews of a card 2 hours apart across Tokyo's midnight are the same day; across 04:00, a day apart
    evening, after_midnight, after_four = (datetime(2026, 3, 1, h, 30, tzinfo=TOKYO) for h in (23, 1, 4))
    after_midnight += timedelta(days=1)
    after_four += timedelta(days=1)
    same_day = [LoggedReview("a", evening, 3), LoggedReview("a", after_midnight, 3)]
    next_day = [LoggedReview("b", after_midnight, 3), LoggedReview("b", after_four, 3)]

    assert fsrs_fit.training_items(same_day, TOKYO) == []
    assert len(fsrs_fit.training_items(next_day, TOKYO)) == 1


def test_workload_grows_with_the_desired_retention_and_a_recommendation_is_within_range(
    fitted: tuple[float, ...],
) -> None:
    loads = [fsrs_fit.daily_workload(fitted, r, new_per_day=10) for r in (0.70, 0.90, 0.97)]

    assert 10 <= loads[0] < loads[1] < loads[2]
    assert MIN_RETENTION <= fsrs_fit.recommended_retention(fitted, new_per_day=10) <= MAX_RETENTION
