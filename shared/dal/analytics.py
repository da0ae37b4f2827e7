"""The app's figures for admins, kept per period: what happened each UTC day (sign-ups, reviews, sessions, uploads,
deletions, learners active), and the learners active each ISO week and month.

Each figure is added by the write that makes the event happen, in its own transaction (a sign-up, a finished session,
an upload's end, an account erased) or by the review aggregator per batch, exactly once per review (its markers):
never read-modify-write. A period's figures are spread over ANALYTICS_SHARDS items, by a hash of the learner, so no
one item takes every write of a busy day; reading a period is a BatchGetItem of its shards."""

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from shared.dal.base import TableMeta, TimestampedModel

ANALYTICS_SHARDS = 8


class AnalyticsItem(TimestampedModel):
    class Meta(TableMeta):
        table_name = "analytics"

    period = UnicodeAttribute(hash_key=True)  # day#2026-11-25, week#2026-W48 or month#2026-11 (UTC)
    shard = NumberAttribute(range_key=True)

    active_learners = NumberAttribute(default=0)  # learners with a review in the period (each counted once)
    registrations = NumberAttribute(default=0)
    reviews = NumberAttribute(default=0)
    correct = NumberAttribute(default=0)
    sessions_finished = NumberAttribute(default=0)
    uploads_processed = NumberAttribute(default=0)
    uploads_failed = NumberAttribute(default=0)
    accounts_deleted = NumberAttribute(default=0)
