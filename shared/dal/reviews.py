"""Every review a learner makes (kept for re-fitting schedulers and for export) and per-day totals.

A review log's sort key is the client's review id: writing it with `attribute_not_exists` makes a retried
request count once. The stream of new logs feeds the aggregation of per-sentence counters off the request path.
"""

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, LocalSecondaryIndex

from shared.dal.base import TableMeta, TimestampedModel


class ReviewsByTimeIndex(LocalSecondaryIndex["ReviewLogItem"]):
    """A user's reviews in time order: history, export, re-fitting."""

    class Meta:
        index_name = "by_time"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    reviewed_at = UTCDateTimeAttribute(range_key=True)


class ReviewLogItem(TimestampedModel):
    class Meta(TableMeta):
        table_name = "review_logs"
        stream_view_type = "NEW_IMAGE"

    user_id = UnicodeAttribute(hash_key=True)
    review_id = UnicodeAttribute(range_key=True)
    item_key = UnicodeAttribute()
    reviewed_at = UTCDateTimeAttribute()
    algorithm = UnicodeAttribute()
    rating = NumberAttribute()
    quality = NumberAttribute(null=True)
    correct = BooleanAttribute()
    response_time_ms = NumberAttribute(null=True)
    session_id = UnicodeAttribute(null=True)
    was_new = BooleanAttribute(default=False)
    became_mature = BooleanAttribute(default=False)
    # The schedule this review produced, returned again when the same review id is retried.
    interval_days = NumberAttribute()
    next_review_date = UTCDateTimeAttribute()
    mastery_level = UnicodeAttribute()

    by_time = ReviewsByTimeIndex()


class DailyStatsItem(TimestampedModel):
    """One user's totals for one day of their own calendar (their time zone): dashboard and streaks."""

    class Meta(TableMeta):
        table_name = "daily_stats"

    user_id = UnicodeAttribute(hash_key=True)
    day = UnicodeAttribute(range_key=True)  # YYYY-MM-DD in the user's time zone
    reviews = NumberAttribute(default=0)
    correct = NumberAttribute(default=0)
    new_items = NumberAttribute(default=0)
    mastered = NumberAttribute(default=0)
    response_time_ms = NumberAttribute(default=0)
