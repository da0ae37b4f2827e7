"""Load balancing (shared/services/load_balance.py): which day of its fuzz window a card's next review lands on."""

from collections import Counter
from datetime import date, timedelta
from statistics import mean

import fsrs
import pytest

from shared.services.load_balance import fuzz_window, pick_day, review_seed

TODAY = date(2026, 12, 7)  # a Monday


def window_days(interval_days: int) -> list[date]:
    window = fuzz_window(interval_days)
    assert window is not None
    shortest, longest = window
    return [TODAY + timedelta(days=offset) for offset in range(shortest, longest + 1)]


def schedule(cards: int, interval_days: int, easy_weekdays: tuple[int, ...] = ()) -> Counter[date]:
    """`cards` cards reviewed today, each scheduled for `interval_days`, one after the other (each sees the others)."""
    due: Counter[date] = Counter()
    days = window_days(interval_days)
    for card in range(cards):
        due[pick_day(days, due, easy_weekdays=easy_weekdays, seed=review_seed(f"sentence#{card}", f"r-{card}"))] += 1
    return due


@pytest.mark.parametrize("interval_days", [3, 4, 7, 8, 15, 30, 100, 365, 3_650])
def test_the_window_is_the_fsrs_packages_fuzz_range(interval_days: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the fsrs package's own fuzz, drawn at both ends of its range (it draws in [min, max + 1) and rounds)
    scheduler = fsrs.Scheduler()

    def fuzzed(draw: float) -> int:
        monkeypatch.setattr(fsrs.scheduler, "random", lambda: draw)
        return scheduler._get_fuzzed_interval(interval=timedelta(days=interval_days)).days

    # Then the window spans the same days
    assert fuzz_window(interval_days) == (fuzzed(0.0), fuzzed(1 - 1e-9) - 1)


def test_the_window_stops_at_the_maximum_interval() -> None:
    assert fuzz_window(36_500) == (34_673, fsrs.Scheduler().maximum_interval)


@pytest.mark.parametrize("interval_days", [0, 1, 2])
def test_intervals_under_three_days_are_not_balanced(interval_days: int) -> None:
    assert fuzz_window(interval_days) is None


def test_two_hundred_cards_due_the_same_day_spread_over_their_window() -> None:
    # Given 200 cards reviewed today, each with a 30-day interval (window: 27 to 33 days)
    days = window_days(30)
    assert len(days) == 7

    # When each is load balanced in turn
    due = schedule(200, 30)

    # Then they all land in the window, on every one of its days, evenly (without balancing: 200 on day 30)
    assert sum(due.values()) == 200 and set(due) == set(days)
    assert min(due.values()) >= 20 and max(due.values()) <= 36
    assert max(due.values()) - min(due.values()) <= 10


def test_the_least_busy_day_is_by_far_the_likeliest() -> None:
    days = window_days(10)  # 8 to 12 days
    busy = dict.fromkeys(days, 20) | {days[3]: 2}
    picked = Counter(pick_day(days, busy, seed=review_seed("word#w", f"r-{n}")) for n in range(200))
    assert picked[days[3]] >= 175  # weights 1/3² against 4 x 1/21²: 92 %


def test_an_easy_day_gets_fewer_reviews() -> None:
    # Given the weekday of the middle of a 30-day window marked easy
    easy_day = window_days(30)[3]

    # When 200 cards are balanced over the window, with and without the easy day
    ordinary = schedule(200, 30)
    eased = schedule(200, 30, easy_weekdays=(easy_day.weekday(),))

    # Then the easy day gets about half the reviews of each other day, and the others take the rest
    others = [count for day, count in eased.items() if day != easy_day]
    assert sum(eased.values()) == 200
    assert eased[easy_day] <= 0.6 * mean(others)
    assert eased[easy_day] < ordinary[easy_day] - 8


def test_an_easy_day_past_half_the_others_load_is_left_out() -> None:
    days = window_days(10)  # 8 to 12 days
    easy_day = days[2]
    seeds = [f"word#w|r-{n}" for n in range(100)]
    over = dict.fromkeys(days, 10) | {easy_day: 6}  # the least busy day, but past half of 10
    under = dict.fromkeys(days, 10) | {easy_day: 5}
    assert easy_day not in {pick_day(days, over, easy_weekdays={easy_day.weekday()}, seed=s) for s in seeds}
    assert easy_day in {pick_day(days, under, easy_weekdays={easy_day.weekday()}, seed=s) for s in seeds}
    assert easy_day in {pick_day(days, over, seed=s) for s in seeds}  # not easy: the favourite


def test_when_every_day_is_easy_none_is_eased() -> None:
    assert schedule(70, 30, easy_weekdays=tuple(range(7))) == schedule(70, 30)


def test_a_sibling_due_on_a_day_keeps_the_card_off_that_day() -> None:
    # Given a sentence due on the least busy day of its word's window
    days = window_days(8)
    sentence_day = days[2]
    counts = dict.fromkeys(days, 5) | {sentence_day: 1}

    # When the word is balanced, under many seeds
    picked = {pick_day(days, counts, sibling_days={sentence_day}, seed=f"word#w|r-{n}") for n in range(100)}

    # Then it never lands with its sentence, though that day is the least busy
    assert sentence_day not in picked and picked <= set(days)


def test_with_siblings_on_every_day_the_card_still_lands_in_its_window() -> None:
    days = window_days(8)
    assert pick_day(days, {}, sibling_days=set(days), seed="word#w|r-1") in days


def test_the_same_card_and_review_land_on_the_same_day() -> None:
    days = window_days(60)
    counts = {day: n % 4 for n, day in enumerate(days)}
    seed = review_seed("sentence#s", "review-1")
    assert len({pick_day(days, counts, seed=seed) for _ in range(20)}) == 1
    assert len({pick_day(days, counts, seed=review_seed("sentence#s", f"review-{n}")) for n in range(50)}) > 1


def test_an_empty_window_is_refused() -> None:
    with pytest.raises(ValueError, match="no day"):
        pick_day([], {}, seed="x")
