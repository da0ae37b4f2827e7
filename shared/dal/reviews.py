"""Every review a learner makes (kept for re-fitting schedulers and for export) and per-day totals.

A review log's sort key is the client's review id: writing it with `attribute_not_exists` makes a retried
request count once. The log is the record the learner's figures are derived from: a day's or a session's totals
are read from its time index, and the per-day totals below are recomputed from it off the request path (the
review aggregator, fed by the stream of new logs), so a retried batch rewrites the same numbers.
"""

from pynamodb.attributes import BooleanAttribute, MapAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, IncludeProjection, LocalSecondaryIndex

from shared.dal.base import TableMeta, TimestampedModel

# What the totals of a day or a session need from each review: the time index projects only these.
TOTALS_ATTRIBUTES = ("item_key", "correct", "response_time_ms", "session_id", "was_new", "became_mature", "study_day")


class ReviewsByTimeIndex(LocalSecondaryIndex["ReviewLogItem"]):
    """A user's reviews in time order, with what totals need: a day's and a session's figures."""

    class Meta:
        index_name = "by_time"
        projection = IncludeProjection(list(TOTALS_ATTRIBUTES))

    user_id = UnicodeAttribute(hash_key=True)
    reviewed_at = UTCDateTimeAttribute(range_key=True)


class ReviewsByRecordIndex(LocalSecondaryIndex["ReviewLogItem"]):
    """A user's reviews in the order they were stored (`updated_at`; a review is never changed), which is not the
    order they were answered for answers sent later from an offline phone: what another device fetches to catch
    up. The whole review is projected (one Query a page)."""

    class Meta:
        index_name = "by_record"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    updated_at = UTCDateTimeAttribute(range_key=True)


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
    deck_changed = BooleanAttribute(null=True)  # None on logs written before it was kept: read as changed
    study_day = UnicodeAttribute(null=True)  # YYYY-MM-DD in the learner's time zone when they answered
    # The schedule this review produced, returned again when the same review id is retried.
    interval_days = NumberAttribute()
    next_review_date = UTCDateTimeAttribute()
    mastery_level = UnicodeAttribute()

    by_time = ReviewsByTimeIndex()
    by_record = ReviewsByRecordIndex()


DECK_SUMMARY = "deck"  # the `day` of a learner's deck summary: it sorts after every `YYYY-MM-DD`
ACTIVITY_TOTALS = "totals"  # the `day` of a learner's lifetime counts of rare events: it sorts after the summary


class DailyStatsItem(TimestampedModel):
    """One user's totals for one day of their own calendar (their time zone): dashboard, streaks, achievements.

    Beside the days, two items sort after every date, so that one Query reads a month of days (or all of them) with
    them: `day = "deck"` holds the learner's cards per mastery level and mastered cards per kind, recomputed by the
    review aggregator from the deck's mastery index and written whole, like the days; `day = "totals"` counts the
    learner's rare events (finished sessions, sentences added, photos and recordings processed), each added by the
    transaction that makes the event happen (shared.dal.activity), so once per event."""

    class Meta(TableMeta):
        table_name = "daily_stats"

    user_id = UnicodeAttribute(hash_key=True)
    day = UnicodeAttribute(range_key=True)  # YYYY-MM-DD in the user's time zone
    reviews = NumberAttribute(default=0)
    correct = NumberAttribute(default=0)
    new_items = NumberAttribute(default=0)
    mastered = NumberAttribute(default=0)
    response_time_ms = NumberAttribute(default=0)
    cards_per_level = MapAttribute[str, int](null=True)  # the deck summary only: mastery level → cards
    mastered_cards = MapAttribute[str, int](null=True)  # the deck summary only: card kind (sentence, word) → mastered
    cards_per_lapses = MapAttribute[str, int](null=True)  # the deck summary only: lapses (1 or more) → cards
    sessions_completed = NumberAttribute(null=True)  # the totals only, and the three below
    sentences_added = NumberAttribute(null=True)
    photos_processed = NumberAttribute(null=True)
    recordings_processed = NumberAttribute(null=True)
