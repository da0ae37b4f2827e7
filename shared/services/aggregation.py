"""What the review log's stream adds up off the request path: each sentence's and word's counters over all
learners, each learner's day totals and deck summary, and then their achievements and the FSRS fits now due.

Delivery is at least once (a failed batch is retried, split in halves), so every figure is written so that a
review counts once however often it arrives:
- the shared counters are added in a transaction with one marker per review (`attribute_not_exists`), which a
  redelivered review finds, and is then left out of the sums;
- a learner's day totals and deck summary are recounted from the log and the deck, and written whole (the deck
  only when a review of the batch moved a card to another mastery level);
- a learner who started new sentences has their place in the catalogue moved on past those they have all started
  (services/new_sentences.py), on condition that it is where it was read.
The counters are written once per item per transaction rather than once per review: no hot key however many
learners answer the same sentence.
"""

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from shared.dal import content_repository, progress_repository
from shared.dal.analytics_repository import Figures, day_period, month_period, week_period
from shared.dal.content_repository import ContentCounts
from shared.observability import metrics
from shared.services import new_sentences
from shared.services.achievements import check_after_reviews
from shared.services.scheduler import queue_due_fits

TRANSACTION_ACTIONS = 100  # DynamoDB's limit of writes in one TransactWriteItems
# The admins' figures a transaction adds to: a UTC day, its ISO week and month, twice over for a chunk that spans
# midnight (all in the one shard of the transaction, so one write each).
ANALYTICS_PERIODS = 6
COUNT_ATTEMPTS = 3  # a refusal names the reviews counted before and the items gone; the next try leaves them out


@dataclass(frozen=True)
class AnsweredItem:
    user_id: str
    review_id: str
    item_key: str  # "sentence#<id>" or "word#<id>"
    correct: bool
    response_time_ms: int | None
    study_day: date | None  # None on logs written before reviews carried their day
    reviewed_at: datetime
    deck_changed: bool = True  # the card changed mastery level or lapsed: the learner's deck summary is counted again
    was_new: bool = False  # the card's first answer: for a sentence, the learner's place in the catalogue may move on

    @property
    def marker(self) -> str:
        """Named by a digest, so that the markers, which outlive an account's deletion by up to two days, name no
        one."""
        return f"review-counted#{hashlib.sha256(f'{self.user_id}#{self.review_id}'.encode()).hexdigest()}"


@dataclass(frozen=True)
class AggregationResult:
    answers: int  # new reviews in the batch
    counted: int  # of them, added to the shared counters now (not before)
    items: int  # sentences and words whose counters changed
    learners: int
    achievements: int
    fits_queued: int  # learners whose FSRS fit these reviews made due (services/scheduler.py)


def aggregate(answers: list[AnsweredItem], now: datetime) -> AggregationResult:
    counted = items = 0
    for chunk in _chunks(answers):
        added, changed = _count_once(chunk, now)
        counted, items = counted + added, items + changed
    learners = {answer.user_id for answer in answers}
    for user_id, day in {(a.user_id, a.study_day) for a in answers if a.study_day is not None}:
        progress_repository.store_day_stats(user_id, day)
    for user_id in {answer.user_id for answer in answers if answer.deck_changed}:
        progress_repository.store_deck_summary(user_id)  # most reviews leave the level as it was: no recount
    for user_id in {answer.user_id for answer in answers if answer.was_new and answer.item_key.startswith("sentence#")}:
        new_sentences.move_place_on(user_id)
    metrics.add_metric(name="ReviewsAggregated", unit="Count", value=counted)
    if counted < len(answers):
        metrics.add_metric(name="ReviewsRedelivered", unit="Count", value=len(answers) - counted)
    checks = check_after_reviews(learners, now)
    fits = queue_due_fits(checks.reviews_completed, now)
    return AggregationResult(
        answers=len(answers),
        counted=counted,
        items=items,
        learners=len(learners),
        achievements=checks.awarded,
        fits_queued=fits,
    )


def totals_by_item(answers: list[AnsweredItem]) -> dict[str, ContentCounts]:
    totals: dict[str, ContentCounts] = defaultdict(ContentCounts)
    for answer in answers:
        item = totals[answer.item_key]
        item.attempts += 1
        item.correct += int(answer.correct)
        if answer.response_time_ms is not None:
            item.timed += 1
            item.response_time_ms += answer.response_time_ms
    return dict(totals)


def activity(answers: list[AnsweredItem]) -> dict[str, Figures]:
    """What these reviews add to the admins' figures, by period: reviews and correct answers per UTC day, and each
    learner active for the first time in a day, an ISO week or a month (no earlier review of theirs in the log: the
    reviews of one learner reach the aggregator in order, and these are not counted yet, so whichever is earliest in
    its period is counted active there once)."""
    added: dict[str, Figures] = defaultdict(Figures)
    earliest: dict[tuple[str, date], datetime] = {}
    for answer in answers:
        day = answer.reviewed_at.astimezone(UTC).date()
        added[day_period(day)] += Figures(reviews=1, correct=int(answer.correct))
        key = (answer.user_id, day)
        earliest[key] = min(earliest.get(key, answer.reviewed_at), answer.reviewed_at)
    for (user_id, day), first in earliest.items():
        day_start = datetime.combine(day, time.min, tzinfo=UTC)
        if progress_repository.reviewed_between(user_id, day_start, first):
            continue
        added[day_period(day)] += Figures(active_learners=1)
        week_start = day_start - timedelta(days=day.weekday())
        if not progress_repository.reviewed_between(user_id, week_start, day_start):
            added[week_period(day)] += Figures(active_learners=1)
        if not progress_repository.reviewed_between(user_id, day_start.replace(day=1), day_start):
            added[month_period(day)] += Figures(active_learners=1)
    return dict(added)


def _chunks(answers: list[AnsweredItem]) -> Iterator[list[AnsweredItem]]:
    """Runs of answers whose markers and distinct items fit in one transaction."""
    chunk: list[AnsweredItem] = []
    items: set[str] = set()
    for answer in answers:
        if len(chunk) + 1 + len(items | {answer.item_key}) > TRANSACTION_ACTIONS - ANALYTICS_PERIODS:
            yield chunk
            chunk, items = [], set()
        chunk.append(answer)
        items.add(answer.item_key)
    if chunk:
        yield chunk


def _count_once(chunk: list[AnsweredItem], now: datetime) -> tuple[int, int]:
    """Add the chunk's answers that were never counted: (answers counted, items changed)."""
    pending = list({answer.marker: answer for answer in chunk}.values())  # a record twice in one batch counts once
    gone: set[str] = set()
    for _ in range(COUNT_ATTEMPTS):
        if not pending:
            return 0, 0
        totals = {key: counts for key, counts in totals_by_item(pending).items() if key not in gone}
        refused = content_repository.add_counts_once([a.marker for a in pending], totals, activity(pending), now)
        if refused is None:
            return len(pending), len(totals)
        pending = [answer for answer in pending if answer.marker not in refused.counted_before]
        gone |= refused.missing_items  # a deleted sentence or word simply stops counting
    raise RuntimeError("the shared counters were refused three times")
