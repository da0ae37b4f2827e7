"""Fitting a learner's FSRS-6 parameters to their own review log, their recommended retention and expected workload.

Pure logic around fsrs-rs-python (the fsrs-rs optimizer, Rust wheels, no torch): no AWS, no clock. The log is read
the way the srs-benchmark and Anki read one:
- days are the learner's own days, starting at 04:00 local time (Anki's default), so a review after midnight still
  belongs to the evening before, and the gap between two reviews is the number of day boundaries crossed;
- every review with at least one day since the card's previous one is a training example (the card's history up to
  it); same-day reviews only shape the short-term stability (w17-w19) through the histories they sit in;
- outcome: forgotten for AGAIN (1), recalled otherwise.

The fitted vector has the fsrs package's 21 weights in the same order (tests/unit/srs/test_fsrs_fit.py checks that
both packages compute the same intervals for it), clipped into the fsrs package's bounds, since the scheduler refuses
anything outside them.
"""

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache

import fsrs_rs_python
from fsrs.scheduler import DEFAULT_PARAMETERS, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

from shared.domain.scheduler import MAX_RETENTION, MIN_RETENTION, LoggedReview

DAY_STARTS_AT = timedelta(hours=4)
# Fewer training examples than this (reviews at least a day after the card's previous one) and the learner keeps
# the defaults: on a short log a fit mostly learns noise (fsrs-rs itself only pretrains the first stabilities below
# a few hundred).
MIN_TRAINING_REVIEWS = 400
WORKLOAD_DAYS = 30
# The workload simulation runs the learner's limits for this many days and reports the mean of the last WORKLOAD_DAYS:
# the load of a learner who has studied that way for a while, not of the first weeks of a fresh deck.
WORKLOAD_WARM_UP_DAYS = 180
WORKLOAD_SAMPLE_NEW_PER_DAY = 20
RECOMMENDATION_DAYS = 365  # the horizon over which the recommended retention minimises time per card remembered
UNLIMITED_REVIEWS = 1_000_000
UNLIMITED_SECONDS = 1e9
SIMULATION_SEED = 2023  # simulations are reproducible: the same inputs give the same figures


@dataclass(frozen=True)
class Fit:
    """What a fit found. `parameters` is None when the learner keeps what they had: too few training reviews, or a
    fit no better (in log loss on the log itself) than the parameters already in use."""

    parameters: tuple[float, ...] | None
    reviews: int  # reviews in the log
    training_reviews: int  # of which training examples
    log_loss_before: float | None  # of the parameters in use before (the defaults when none), on the training reviews
    log_loss_after: float | None  # of the fitted parameters, on the same reviews
    seconds: float

    @property
    def enough_data(self) -> bool:
        return self.training_reviews >= MIN_TRAINING_REVIEWS


def anki_day(moment: datetime, zone: tzinfo) -> int:
    """The learner's day of `moment` (a day starting at 04:00 local time), as an ordinal: differences are days."""
    return (moment.astimezone(zone) - DAY_STARTS_AT).date().toordinal()


def training_items(reviews: Iterable[LoggedReview], zone: tzinfo) -> list[fsrs_rs_python.FSRSItem]:
    """One example per review at least a day after the card's previous one: the card's history up to it."""
    by_card: dict[str, list[LoggedReview]] = defaultdict(list)
    for logged in reviews:
        by_card[logged.card].append(logged)
    items = []
    for history in by_card.values():
        history.sort(key=lambda logged: logged.reviewed_at)
        days = [anki_day(logged.reviewed_at, zone) for logged in history]
        gaps = [day - (days[index - 1] if index else day) for index, day in enumerate(days)]
        steps = [fsrs_rs_python.FSRSReview(int(logged.rating), gap) for logged, gap in zip(history, gaps, strict=True)]
        items += [fsrs_rs_python.FSRSItem(steps[: index + 1]) for index in range(1, len(steps)) if gaps[index]]
    return items


def fit(reviews: Sequence[LoggedReview], zone: tzinfo, current: Sequence[float] | None = None) -> Fit:
    """Fit the learner's parameters to `reviews`, their whole log; `current`: those in use (None: the defaults)."""
    started = time.perf_counter()
    items = training_items(reviews, zone)
    if len(items) < MIN_TRAINING_REVIEWS:
        return Fit(None, len(reviews), len(items), None, None, time.perf_counter() - started)
    before = tuple(current) if current is not None else tuple(DEFAULT_PARAMETERS)
    fitted = within_bounds(fsrs_rs_python.FSRS(list(before)).compute_parameters(items))
    loss_before = log_loss(before, items)
    loss_after = log_loss(fitted, items)
    better = loss_after < loss_before
    return Fit(
        fitted if better else None,
        len(reviews),
        len(items),
        loss_before,
        loss_after if better else loss_before,
        time.perf_counter() - started,
    )


def log_loss(parameters: Sequence[float], items: Sequence[fsrs_rs_python.FSRSItem]) -> float:
    return float(fsrs_rs_python.FSRS(list(parameters)).evaluate(items).log_loss)


def within_bounds(parameters: Sequence[float]) -> tuple[float, ...]:
    """The fsrs package's scheduler refuses parameters outside its bounds; fsrs-rs keeps to nearly the same ones."""
    if len(parameters) != len(DEFAULT_PARAMETERS):
        raise ValueError(f"FSRS-6 has {len(DEFAULT_PARAMETERS)} parameters, the optimizer gave {len(parameters)}")
    return tuple(
        min(high, max(low, float(value)))
        for value, low, high in zip(parameters, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True)
    )


def _simulator(days: int, new_per_day: int, reviews_per_day: int) -> fsrs_rs_python.SimulatorConfig:
    """fsrs-rs's default simulator (Anki's measured rating shares and costs), on the learner's daily limits."""
    config = fsrs_rs_python.default_simulator_config()
    config.learn_span = days
    config.deck_size = max(1, new_per_day) * days  # never runs out of new cards
    config.learn_limit = new_per_day
    config.review_limit = reviews_per_day
    config.new_cards_ignore_review_limit = False  # as the app's /progress/due: new items count against the limit
    config.max_cost_perday = UNLIMITED_SECONDS  # the app sets no time limit on a day's study
    return config


def daily_workload(parameters: Sequence[float], retention: float, new_per_day: int) -> float:
    """Expected cards a day (new items included) at `retention` for a learner adding `new_per_day` new items a day:
    the mean of the last WORKLOAD_DAYS days of WORKLOAD_WARM_UP_DAYS + WORKLOAD_DAYS days of simulated study. The
    review limit is left out: the figure is what the retention asks for, which a limit would only postpone."""
    if new_per_day <= 0:
        return 0.0
    return round(new_per_day * _cards_a_day_per_new_card(tuple(parameters), retention), 1)


@lru_cache(maxsize=256)
def _cards_a_day_per_new_card(parameters: tuple[float, ...], retention: float) -> float:
    """With neither a review nor a time limit the simulated cards are independent, so the workload is proportional to
    the new cards a day: simulated once for WORKLOAD_SAMPLE_NEW_PER_DAY (tens of milliseconds, whatever the learner's
    limit; simulating 200 a day took seconds) and scaled. Cached: a learner's parameters change weekly at most."""
    days = WORKLOAD_WARM_UP_DAYS + WORKLOAD_DAYS
    config = _simulator(days, WORKLOAD_SAMPLE_NEW_PER_DAY, UNLIMITED_REVIEWS)
    result = fsrs_rs_python.simulate(list(parameters), retention, config, SIMULATION_SEED)
    counts = [r + n for r, n in zip(result.review_cnt_per_day, result.learn_cnt_per_day, strict=True)][-WORKLOAD_DAYS:]
    return sum(counts) / len(counts) / WORKLOAD_SAMPLE_NEW_PER_DAY


def recommended_retention(parameters: Sequence[float], new_per_day: int) -> float:
    """fsrs-rs's optimal retention (least study time per card remembered over RECOMMENDATION_DAYS), within the range a
    learner may choose. Seconds of simulation: for the fit job, not a request."""
    config = _simulator(RECOMMENDATION_DAYS, new_per_day, UNLIMITED_REVIEWS)
    best = fsrs_rs_python.optimal_retention(config, list(parameters))
    return round(min(MAX_RETENTION, max(MIN_RETENTION, float(best))), 2)
