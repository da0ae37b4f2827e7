"""The admins' figures: added where events happen (shared/dal/analytics.py), read for a range of days in a bounded
number of BatchGetItem calls, whatever the number of users; and the content's counts by level and status, one COUNT
Query per (level, status) of the content's indexes."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from shared.dal.analytics import ANALYTICS_SHARDS, AnalyticsItem
from shared.dal.base import atomic_writes
from shared.dal.content import UNRATED_JLPT, SentenceItem, VocabularyWordItem
from shared.enums import JLPTLevel, ModerationStatus
from shared.observability import tracer

LEVELS = (*(level.value for level in JLPTLevel), UNRATED_JLPT)
COUNTED_STATUSES = (ModerationStatus.PENDING, ModerationStatus.ACTIVE, ModerationStatus.REJECTED)


@dataclass(frozen=True)
class Figures:
    """What happened in one period (or what one event adds to it)."""

    active_learners: int = 0
    registrations: int = 0
    reviews: int = 0
    correct: int = 0
    sessions_finished: int = 0
    uploads_processed: int = 0
    uploads_failed: int = 0
    accounts_deleted: int = 0

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


def day_period(day: date) -> str:
    return f"day#{day.isoformat()}"


def week_period(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"week#{year}-W{week:02d}"


def month_period(day: date) -> str:
    return f"month#{day:%Y-%m}"


def shard_of(spread_by: str) -> int:
    return int.from_bytes(hashlib.sha256(spread_by.encode()).digest()[:4], "big") % ANALYTICS_SHARDS


def count(transaction: TransactWrite, period: str, spread_by: str, added: Figures, at: datetime) -> None:
    """Add `added` to a period's figures, in the transaction of the event (in the shard of `spread_by`, a learner)."""
    actions: list[Action] = [
        getattr(AnalyticsItem, f.name).add(getattr(added, f.name)) for f in fields(added) if getattr(added, f.name)
    ]
    if not actions:
        return
    transaction.update(
        AnalyticsItem(period=period, shard=shard_of(spread_by)),
        actions=[
            *actions,
            AnalyticsItem.created_at.set(AnalyticsItem.created_at | at),
            AnalyticsItem.updated_at.set(at),
        ],
    )


def count_event(at: datetime, spread_by: str, added: Figures) -> None:
    """An event of its own (no other write to go with): its day's figures, in a transaction of one."""
    with atomic_writes() as transaction:
        count(transaction, day_period(at.date()), spread_by, added, at)


@tracer.capture_method
def figures(periods: Iterable[str]) -> dict[str, Figures]:
    """Each period's figures, its shards added up: BatchGetItem, 100 keys a request (8 shards a period)."""
    wanted = list(dict.fromkeys(periods))
    totals = dict.fromkeys(wanted, Figures())
    keys = [(period, shard) for period in wanted for shard in range(ANALYTICS_SHARDS)]
    for item in AnalyticsItem.batch_get(keys):
        stored = Figures(**{f.name: int(getattr(item, f.name) or 0) for f in fields(Figures)})
        totals[item.period] = totals[item.period] + stored
    return totals


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


@tracer.capture_method
def content_counts() -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """(sentences per level and status, words per level): a COUNT Query of the level indexes per (level, status),
    a bounded number whatever the users and the content."""
    sentences = {
        level: {
            status.value: int(SentenceItem.by_level.count(SentenceItem.level_status_key(_rated(level), status)))
            for status in COUNTED_STATUSES
        }
        for level in LEVELS
    }
    words = {level: int(VocabularyWordItem.by_level.count(level)) for level in LEVELS}
    return sentences, words


def _rated(level: str) -> JLPTLevel | None:
    return None if level == UNRATED_JLPT else JLPTLevel(level)
