"""How well each scheduler predicts recall on review history it has not seen: SM-2, FSRS with the fsrs package's
default parameters, FSRS with parameters fitted by the product's optimizer (shared/services/fsrs_fit.py, what the
fit job runs) on the earlier part of the same history, and, beside it, fsrs-rs-python's optimizer called directly.

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

Both fits see the training part only and are scored the same way, through the product's scheduler (the fsrs
package): the product's fit reads the log as the fit job reads a learner's (raw instants, its own day arithmetic);
the direct call gets examples built from this script's Anki days. Prints; asserts nothing.
    .venv/bin/python bench/srs_quality.py [--csv PATH] [--utc-offset HOURS]
"""

import argparse
import csv
import math
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path

import fsrs_rs_python
import numpy as np
from fsrs.scheduler import DEFAULT_PARAMETERS

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from shared.domain.cards import CardState  # noqa: E402
from shared.domain.scheduler import LoggedReview  # noqa: E402
from shared.services import fsrs_fit  # noqa: E402
from shared.services.srs import Algorithm, Rating, new_card, recall_probability, review  # noqa: E402

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "srs"
DEFAULT_CSV = DATA_DIR / "review_logs_josh_1711744352250_to_1728234780857.csv"
DAY_STARTS_AT = timedelta(hours=4)
TRAIN_SHARE = 0.7
EPSILON = 1e-7  # probabilities are clipped to [EPSILON, 1 - EPSILON] for the log loss


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


def _rows(path: Path) -> list[tuple[datetime, str, Rating]]:
    """(instant, card, rating) in time order; review_time is ms epoch or ISO 8601."""
    with path.open(newline="") as handle:
        rows = [
            (_instant(r["review_time"]), r["card_id"], Rating(int(r["review_rating"]))) for r in csv.DictReader(handle)
        ]
    return sorted(rows, key=lambda row: row[0])


def load(path: Path, zone: tzinfo) -> tuple[list[Card], datetime, int]:
    """Cards in time order, the split instant and the number of reviews."""
    rows = _rows(path)
    split_at = rows[int(len(rows) * TRAIN_SHARE)][0]
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


def product_fit(path: Path, split_at_index: int, zone: tzinfo) -> fsrs_fit.Fit:
    """The product's optimizer (shared/services/fsrs_fit.py) on the training reviews, read from the log as the fit
    job reads a learner's log: raw instants and ratings, its own day arithmetic in the learner's time zone."""
    rows = _rows(path)[:split_at_index]
    return fsrs_fit.fit([LoggedReview(card, moment, int(rating)) for moment, card, rating in rows], zone)


def direct_fit(cards: Sequence[Card]) -> list[float]:
    """fsrs-rs-python's optimizer called directly, on examples built here from the bench's own Anki days (as its
    train_csv example does): one per training review at least a day after the card's previous one."""
    items = []
    for card in cards:
        steps = []
        for item in card:
            if item.in_test:
                break
            steps.append(fsrs_rs_python.FSRSReview(int(item.rating), item.elapsed_days or 0))
            if item.scored:
                items.append(fsrs_rs_python.FSRSItem(steps[:]))
    return fsrs_rs_python.FSRS(list(DEFAULT_PARAMETERS)).compute_parameters(items)


# --- Report -------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--utc-offset", type=float, default=0.0, help="hours east of UTC of the learner's day")
    args = parser.parse_args()

    started = time.perf_counter()
    zone = timezone(timedelta(hours=args.utc_offset))
    cards, split_at, total = load(args.csv, zone)
    reviews = [r for card in cards for r in card]
    zone_name = "UTC" if args.utc_offset == 0 else f"UTC{args.utc_offset:+g}"
    print(f"{args.csv.name}: {total} reviews of {len(cards)} cards")
    print(
        f"Anki day from 04:00 {zone_name}; split at {split_at:%Y-%m-%d %H:%M} UTC (first 70 % of reviews "
        f"train); scored (>= 1 day after the previous review): {sum(r.scored and not r.in_test for r in reviews)} "
        f"train, {sum(r.scored and r.in_test for r in reviews)} test; same-day reviews: "
        f"{sum(r.elapsed_days == 0 for r in reviews)}"
    )

    fit_started = time.perf_counter()
    product = product_fit(args.csv, int(total * TRAIN_SHARE), zone)
    product_s = time.perf_counter() - fit_started
    if product.parameters is None:
        raise SystemExit(f"the product's fit kept the defaults ({product.training_reviews} training reviews)")
    fit_started = time.perf_counter()
    direct = direct_fit(cards)
    direct_s = time.perf_counter() - fit_started
    print(
        f"Product's fit: {product.training_reviews} training examples in {product_s:.2f} s; its own training log "
        f"loss {product.log_loss_before:.4f} (defaults) -> {product.log_loss_after:.4f}"
    )
    print(f"fsrs-rs-python called directly: {direct_s:.2f} s")

    schedulers: list[tuple[str, Algorithm, Sequence[float] | None]] = [
        ("SM-2", Algorithm.SM2, None),
        ("FSRS (default parameters)", Algorithm.FSRS, None),
        ("FSRS (product's fit)", Algorithm.FSRS, product.parameters),
        ("FSRS (fsrs-rs direct fit)", Algorithm.FSRS, fsrs_fit.within_bounds(direct)),
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
    margin = log_loss(results["FSRS (product's fit)"]) - log_loss(results["FSRS (fsrs-rs direct fit)"])
    print(f"Product's fit minus the direct call, test log loss: {margin:+.4f} (required: <= +0.002)")

    print("\nMean predicted recall against actual, by elapsed days (test part)")
    print(f"{'elapsed':<10}{'n':>6}{'actual':>8}" + "".join(f"{name.split(' (')[0][:6]:>9}" for name in results))
    print(f"{'':<24}" + "".join(f"{tag:>9}" for tag in ("", "default", "product", "direct")))
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

    print("\nFitted FSRS parameters: the product's, the direct call's, the defaults")
    for index, (mine, theirs, default) in enumerate(zip(product.parameters, direct, DEFAULT_PARAMETERS, strict=True)):
        print(f"  w{index:<3} {mine:>9.4f} {theirs:>9.4f}   (default {default:.4f})")
    print(f"\nTotal run time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
