"""A learner's lifetime counts of rare events, kept on their `totals` item in the daily-stats table.

Each count is added inside the transaction that makes the event happen (a session's finish, a sentence's
creation, an upload's completion), whose own condition lets it happen once: so the count moves exactly once per
event, and reading the counts is part of the one Query that reads the learner's days (achievements)."""

from datetime import datetime

from pynamodb.attributes import NumberAttribute
from pynamodb.transactions import TransactWrite

from shared.dal.reviews import ACTIVITY_TOTALS, DailyStatsItem


def count_activity(
    transaction: TransactWrite, user_id: str, now: datetime, *counts: tuple[NumberAttribute, int]
) -> None:
    """Add to the learner's totals, e.g. `(DailyStatsItem.sessions_completed, 1)`, as part of `transaction`."""
    transaction.update(
        DailyStatsItem(user_id=user_id, day=ACTIVITY_TOTALS),
        actions=[
            *(attribute.add(amount) for attribute, amount in counts),
            DailyStatsItem.created_at.set(DailyStatsItem.created_at | now),
            DailyStatsItem.updated_at.set(now),
        ],
    )
