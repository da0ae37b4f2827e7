"""How well each scheduler predicts recall on review history it has not seen: SM-2, FSRS with the fsrs package's
default parameters, and FSRS with parameters fitted here on the earlier part of the same history.

Replays the Anki review log in ../shared/data/srs card by card through shared/services/srs.py (review and
recall_probability) and, before each scored review, asks for the probability of recall. Follows the
srs-benchmark conventions:
- Anki days: a day starts at 04:00 in one fixed time zone, UTC here (--utc-offset to change it). The schedulers
  are fed the instant the review's Anki day started, so the fsrs package's whole-day arithmetic (timedelta.days)
  counts day boundaries crossed, and SM-2's elapsed/interval ratio is in Anki days too.
- A review is scored when it comes at least one Anki day after the card's previous review; same-day reviews
  still update the state. Outcome 0 for AGAIN, 1 otherwise. SM-2 grades quality = rating + 1 and predicts
  R = 0.9 ** (elapsed / scheduled interval).
- Split by time: the first 70 % of all reviews train, the scheduler is scored on the scored reviews among the
  last 30 % (their cards' earlier reviews, training ones included, still build the state).
- RMSE(bins) groups scored reviews by elapsed days, review number and lapse count on srs-benchmark's log
  scales and takes the bin-size-weighted RMSE of mean predicted against mean actual recall.

The fsrs optimizer needs torch, so FSRS is fitted by a compass search (coordinate steps, both directions
evaluated in parallel) over the parameters that matter for this log, minimising log loss on the training part.
Prints; asserts nothing.
    .venv/bin/python bench/srs_quality.py [--csv PATH] [--utc-offset HOURS] [--budget-s 240] [--workers 2]
"""

import argparse
import csv
import math
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
from fsrs.scheduler import DEFAULT_PARAMETERS, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from shared.services.srs import Algorithm, CardState, Rating, new_card, recall_probability, review  # noqa: E402

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "srs"
DEFAULT_CSV = DATA_DIR / "review_logs_josh_1711744352250_to_1728234780857.csv"
DAY_STARTS_AT = timedelta(hours=4)
TRAIN_SHARE = 0.7
EPSILON = 1e-7  # probabilities are clipped to [EPSILON, 1 - EPSILON] for the log loss

# FSRS parameters searched: initial stabilities w0-w3 (in log space), initial difficulty w4-w5, difficulty
# change w6, recall stability w8-w10, forget stability w11-w14, same-day stability w17-w19, decay w20.
# w15 (Hard penalty) and w16 (Easy bonus) are left out: this log has one Hard and no Easy.
LOG_SCALE = (0, 1, 2, 3)
SEARCHED = (0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 17, 18, 19, 20)
FIRST_STEP = 0.1  # share of a parameter's range (log space: 0.5, a factor of 1.65)
LAST_STEP = 0.002


@dataclass(frozen=True)
class Review:
    at: datetime  # start of the review's Anki day, in UTC: the instant the schedulers see
    rating: Rating
    elapsed_days: int | None  # Anki days since the card's previous review; None for its first review
    number: int  # 1-based review number of the card (srs-benchmark's i)
    lapses: int  # srs-benchmark's lapse count: earlier AGAINs that were not same-day reviews
    in_test: bool

    @property
    def scored(self) -> bool:
        return self.elapsed_days is not None and self.elapsed_days >= 1


@dataclass(frozen=True)
class Scored:
    p: float
    y: int
    review: Review


Card = tuple[Review, ...]


def load(path: Path, utc_offset_hours: float) -> tuple[list[Card], datetime, int]:
    """Cards in time order, the split instant and the number of reviews; review_time is ms epoch or ISO 8601."""
    with path.open(newline="") as handle:
        rows = [
            (_instant(r["review_time"]), r["card_id"], Rating(int(r["review_rating"]))) for r in csv.DictReader(handle)
        ]
    rows.sort(key=lambda row: row[0])
    split_at = rows[int(len(rows) * TRAIN_SHARE)][0]
    zone = timezone(timedelta(hours=utc_offset_hours))
    by_card: dict[str, list[Review]] = defaultdict(list)
    for index, (moment, card_id, rating) in enumerate(rows):
        local_day = (moment.astimezone(zone) - DAY_STARTS_AT).date()
        day_start = datetime.combine(local_day, datetime.min.time(), zone) + DAY_STARTS_AT
        history = by_card[card_id]
        previous = history[-1] if history else None
        elapsed = None if previous is None else (day_start - previous.at).days
        lapses = sum(1 for r in history if r.rating == Rating.AGAIN and r.elapsed_days) if history else 0
        history.append(
            Review(
                at=day_start.astimezone(UTC),
                rating=rating,
                elapsed_days=elapsed,
                number=len(history) + 1,
                lapses=lapses,
                in_test=index >= int(len(rows) * TRAIN_SHARE),
            )
        )
    return [tuple(reviews) for reviews in by_card.values()], split_at, len(rows)


def _instant(text: str) -> datetime:
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def replay(
    cards: Sequence[Card], algorithm: Algorithm, parameters: Sequence[float] | None, *, test: bool
) -> list[Scored]:
    """Predictions for the scored reviews of one part; a training replay stops at each card's first test review."""
    scored: list[Scored] = []
    for card in cards:
        state: CardState = new_card(card[0].at)
        for item in card:
            if item.in_test and not test:
                break
            if item.scored and item.in_test == test:
                p = recall_probability(state, algorithm, item.at, parameters=parameters)
                scored.append(Scored(p=p, y=int(item.rating != Rating.AGAIN), review=item))
            state = review(state, algorithm, item.rating, item.at, parameters=parameters)
    return scored


def log_loss(scored: Sequence[Scored]) -> float:
    p = np.clip(np.array([s.p for s in scored]), EPSILON, 1 - EPSILON)
    y = np.array([s.y for s in scored])
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def rmse_bins(scored: Sequence[Scored]) -> float:
    """srs-benchmark's bins: floor of log base 3.62 of elapsed days, 1.89 of review number, 1.73 of lapses."""
    bins: dict[tuple[int, int, int], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for s in scored:
        r = s.review
        assert r.elapsed_days is not None
        key = (_log_bin(r.elapsed_days, 3.62), _log_bin(r.number, 1.89), _log_bin(r.lapses, 1.73) if r.lapses else -1)
        totals = bins[key]
        totals[0] += s.p
        totals[1] += s.y
        totals[2] += 1
    squared = sum(n * (p / n - y / n) ** 2 for p, y, n in bins.values())
    return math.sqrt(squared / sum(n for _, _, n in bins.values()))


def _log_bin(value: int, base: float) -> int:
    return math.floor(math.log(value) / math.log(base))


def auc(scored: Sequence[Scored]) -> float:
    """Rank-based (Mann-Whitney) AUC, ties given their average rank."""
    p = np.array([s.p for s in scored])
    y = np.array([s.y for s in scored])
    order = np.argsort(p, kind="mergesort")
    _, first, counts = np.unique(p[order], return_index=True, return_counts=True)
    ranks = np.empty(len(p))
    ranks[order] = np.repeat(first + (counts + 1) / 2, counts)
    positives = int(y.sum())
    negatives = len(y) - positives
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


# --- Fitting FSRS -------------------------------------------------------------------------------------------

_cards: Sequence[Card] = ()


def _init_worker(cards: Sequence[Card]) -> None:
    global _cards  # one copy of the log per worker process
    _cards = cards


def train_loss(parameters: tuple[float, ...]) -> float:
    return log_loss(replay(_cards, Algorithm.FSRS, parameters, test=False))


def _bounds(index: int) -> tuple[float, float]:
    low, high = LOWER_BOUNDS_PARAMETERS[index], UPPER_BOUNDS_PARAMETERS[index]
    return (math.log(low), math.log(high)) if index in LOG_SCALE else (low, high)


def _to_parameters(point: dict[int, float]) -> tuple[float, ...]:
    parameters = list(DEFAULT_PARAMETERS)
    for index, value in point.items():
        parameters[index] = math.exp(value) if index in LOG_SCALE else value
    return tuple(parameters)


def fit_fsrs(cards: Sequence[Card], workers: int, budget_s: float) -> tuple[tuple[float, ...], float, float, int]:
    """Compass search from the defaults: try +/- a step on one parameter at a time (in parallel), move on the
    better improvement and widen that step, else halve it; stop when every step is below LAST_STEP of its range
    or the time budget is spent. Returns the parameters, the default and fitted training loss and evaluations."""
    started = time.perf_counter()
    point = {i: (math.log(DEFAULT_PARAMETERS[i]) if i in LOG_SCALE else DEFAULT_PARAMETERS[i]) for i in SEARCHED}
    steps = {i: FIRST_STEP * (_bounds(i)[1] - _bounds(i)[0]) for i in SEARCHED}
    steps.update(dict.fromkeys(LOG_SCALE, 0.5))
    smallest = {i: LAST_STEP * (_bounds(i)[1] - _bounds(i)[0]) for i in SEARCHED}
    smallest.update(dict.fromkeys(LOG_SCALE, 0.005))
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(cards,)) as pool:
        best = default = pool.submit(train_loss, _to_parameters(point)).result()
        evaluations = 1
        while any(steps[i] >= smallest[i] for i in SEARCHED) and time.perf_counter() - started < budget_s:
            for i in SEARCHED:
                if steps[i] < smallest[i] or time.perf_counter() - started >= budget_s:
                    continue
                low, high = _bounds(i)
                tries = [min(high, max(low, point[i] + sign * steps[i])) for sign in (1, -1)]
                losses = list(pool.map(train_loss, [_to_parameters({**point, i: value}) for value in tries]))
                evaluations += 2
                winner = min(range(2), key=losses.__getitem__)
                if losses[winner] < best - 1e-9:
                    point[i], best = tries[winner], losses[winner]
                    steps[i] *= 1.5
                else:
                    steps[i] *= 0.5
    return _to_parameters(point), default, best, evaluations


# --- Report -------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--utc-offset", type=float, default=0.0, help="hours east of UTC of the learner's day")
    parser.add_argument("--budget-s", type=float, default=240.0, help="time limit of the FSRS fit")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    started = time.perf_counter()
    cards, split_at, total = load(args.csv, args.utc_offset)
    reviews = [r for card in cards for r in card]
    zone = "UTC" if args.utc_offset == 0 else f"UTC{args.utc_offset:+g}"
    print(f"{args.csv.name}: {total} reviews of {len(cards)} cards")
    print(
        f"Anki day from 04:00 {zone}; split at {split_at:%Y-%m-%d %H:%M} UTC (first 70 % of reviews "
        f"train); scored (>= 1 day after the previous review): {sum(r.scored and not r.in_test for r in reviews)} "
        f"train, {sum(r.scored and r.in_test for r in reviews)} test; same-day reviews: "
        f"{sum(r.elapsed_days == 0 for r in reviews)}"
    )

    fit_started = time.perf_counter()
    fitted, default_train, fitted_train, evaluations = fit_fsrs(cards, args.workers, args.budget_s)
    fit_s = time.perf_counter() - fit_started
    print(
        f"FSRS fit: {evaluations} evaluations in {fit_s:.0f} s on {args.workers} workers; training log loss "
        f"{default_train:.4f} (defaults) -> {fitted_train:.4f}"
    )

    schedulers: list[tuple[str, Algorithm, Sequence[float] | None]] = [
        ("SM-2", Algorithm.SM2, None),
        ("FSRS (default parameters)", Algorithm.FSRS, None),
        ("FSRS (fitted on train)", Algorithm.FSRS, fitted),
    ]
    results = {name: replay(cards, algorithm, parameters, test=True) for name, algorithm, parameters in schedulers}

    print(f"\nTest part (last 30 % of reviews by time)\n{'scheduler':<27}{'scored':>7}{'log loss':>10}", end="")
    print(f"{'RMSE(bins)':>12}{'AUC':>8}{'mean p':>8}{'recalled':>10}")
    for name, scored in results.items():
        recalled = sum(s.y for s in scored) / len(scored)
        mean_p = sum(s.p for s in scored) / len(scored)
        print(
            f"{name:<27}{len(scored):>7}{log_loss(scored):>10.4f}{rmse_bins(scored):>12.4f}{auc(scored):>8.4f}"
            f"{mean_p:>8.3f}{recalled:>10.3f}"
        )

    print("\nMean predicted recall against actual, by elapsed days (test part)")
    print(f"{'elapsed':<10}{'n':>6}{'actual':>8}" + "".join(f"{name.split(' (')[0][:6]:>9}" for name in results))
    print(f"{'':<24}" + "".join(f"{tag:>9}" for tag in ("", "default", "fitted")))
    for low, high in ((1, 1), (2, 3), (4, 7), (8, 14), (15, 30), (31, 90), (91, 10_000)):
        rows = {
            name: [s for s in scored if low <= (s.review.elapsed_days or 0) <= high] for name, scored in results.items()
        }
        first = next(iter(rows.values()))
        if not first:
            continue
        label = f"{low}" if low == high else (f"{low}-{high}" if high < 10_000 else f"{low}+")
        actual = sum(s.y for s in first) / len(first)
        means = "".join(f"{sum(s.p for s in group) / len(group):>9.3f}" for group in rows.values())
        print(f"{label:<10}{len(first):>6}{actual:>8.3f}{means}")

    print("\nFitted FSRS parameters (* searched; the rest are the defaults)")
    for index, (value, default) in enumerate(zip(fitted, DEFAULT_PARAMETERS, strict=True)):
        mark = "*" if index in SEARCHED else " "
        print(f"  w{index:<3}{mark} {value:>9.4f}   (default {default:.4f})")
    print(f"\nTotal run time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
