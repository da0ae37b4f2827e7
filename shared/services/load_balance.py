"""Load balancing: which day of its fuzz window a card's next review lands on.

Pure logic, after Anki's load balancer: instead of a random fuzz, a card scheduled for a review interval of a few
days or more may land on any day of the fuzz range the fsrs package would draw from, and the day is drawn with a
weight that falls with the reviews already due that day, so a learner's days even out. A weekday the learner marked
easy takes cards only while it has at most half the reviews of the window's ordinary days (after Anki's "reduced"
easy days), and a day on which a sibling of the card is due (a sentence and the words learned from it) is left out
while another day of the window is free of siblings. The draw is seeded, so the same card and review always land on
the same day.
"""

import hashlib
import math
import random
from collections.abc import Collection, Mapping, Sequence
from datetime import date

from fsrs.scheduler import FUZZ_RANGES

MIN_BALANCED_DAYS = 3  # fsrs fuzzes intervals of 2.5 days and more; whole days here, so 3
MAX_INTERVAL_DAYS = 36_500  # the fsrs package's default maximum interval, which srs.review schedules with
EASY_DAY_SHARE = 0.5  # an easy day takes about half the reviews of an ordinary one (Anki's "reduced")
LOAD_EXPONENT = 2.0  # how hard a busier day is avoided: weight 1 / (due + 1) ** 2


def fuzz_window(interval_days: int) -> tuple[int, int] | None:
    """The shortest and longest interval, in days, the fsrs package's fuzz could give an interval of
    `interval_days` (its FUZZ_RANGES table: ±1 day, plus 15 % of the part between 2.5 and 7 days, 10 % of the part
    up to 20 and 5 % beyond); None for an interval too short to fuzz."""
    if interval_days < MIN_BALANCED_DAYS:
        return None
    delta = 1.0 + sum(
        float(band["factor"]) * max(min(float(interval_days), float(band["end"])) - float(band["start"]), 0.0)
        for band in FUZZ_RANGES
    )
    longest = min(round(interval_days + delta), MAX_INTERVAL_DAYS)
    shortest = min(max(2, round(interval_days - delta)), longest)
    return shortest, longest


def pick_day(
    days: Sequence[date],
    due_counts: Mapping[date, int],
    *,
    easy_weekdays: Collection[int] = (),
    sibling_days: Collection[date] = (),
    seed: str,
) -> date:
    """One of `days` (the window, in order), drawn with weight 1 / (reviews due that day + 1) ** 2.

    `due_counts`: the learner's reviews already due on each day (a day not in it has none). `easy_weekdays`
    (0 Monday to 6 Sunday): such a day is left out while it has more than half the average reviews of the window's
    other days (none is left out when every day is easy).
    `sibling_days`: left out unless every day of the window has a sibling due. `seed`: the same seed, days and
    counts always give the same day. Raises ValueError for an empty window.
    """
    if not days:
        raise ValueError("the window has no day")
    candidates = [day for day in days if day not in sibling_days] or list(days)
    ordinary = [due_counts.get(day, 0) for day in candidates if day.weekday() not in easy_weekdays]
    # An easy day takes cards only while it has at most its share of an ordinary day's reviews (after Anki's easy
    # days); with every day of the window easy there is nothing to compare with, and all are ordinary. An ordinary
    # day is never left out, so some day always remains.
    easy_limit = EASY_DAY_SHARE * sum(ordinary) / len(ordinary) if ordinary else math.inf
    candidates = [
        day for day in candidates if day.weekday() not in easy_weekdays or due_counts.get(day, 0) <= easy_limit
    ]
    weights = [math.pow(due_counts.get(day, 0) + 1, -LOAD_EXPONENT) for day in candidates]
    return _seeded(seed).choices(candidates, weights=weights)[0]


def review_seed(card_key: str, review_id: str) -> str:
    """What a review's draw is seeded with: the card and the review (a retried review draws the same day)."""
    return f"{card_key}|{review_id}"


def _seeded(seed: str) -> random.Random:
    """Python's str hash is salted per process: a digest gives the same generator in every function instance."""
    return random.Random(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big"))  # noqa: S311  # spreads load, guards nothing
