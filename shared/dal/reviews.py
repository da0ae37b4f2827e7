"""Every review a learner makes (kept for re-fitting schedulers and for export) and per-day totals.

A review log's sort key is the client's review id: writing it with `attribute_not_exists` makes a retried
request count once. The log is the record the learner's figures are derived from: a day's or a session's totals
are read from its time index, and the per-day totals below are recomputed from it off the request path (the
review aggregator, fed by the stream of new logs), so a retried batch rewrites the same numbers.

A review stays here for 13 months (`archive_at`, DynamoDB's TTL attribute); when TTL removes it, its stream record
(with the old image) reaches the review archiver, which writes it to S3 (shared/dal/review_archive.py): the
learner's history is kept, at a fraction of DynamoDB's storage price (bench/review_archive_cost.py).
"""

import calendar
from datetime import datetime

from pynamodb.attributes import (
    BooleanAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import IncludeProjection, KeysOnlyProjection, LocalSecondaryIndex

from shared.dal.base import TableMeta, TimestampedModel

# What the totals of a day or a session need from each review: the time index projects only these.
TOTALS_ATTRIBUTES = ("item_key", "correct", "response_time_ms", "session_id", "was_new", "became_mature", "study_day")
# How long a review stays in DynamoDB: a year of history (a year-on-year view, FSRS re-fitting on the last year) and
# a month of margin; older reviews are read from the archive.
ARCHIVE_AFTER_MONTHS = 13


def archive_time(reviewed_at: datetime) -> datetime:
    """`ARCHIVE_AFTER_MONTHS` calendar months after `reviewed_at` (the 31st becomes the month's last day)."""
    months = reviewed_at.year * 12 + reviewed_at.month - 1 + ARCHIVE_AFTER_MONTHS
    year, month = divmod(months, 12)
    day = min(reviewed_at.day, calendar.monthrange(year, month + 1)[1])
    return reviewed_at.replace(year=year, month=month + 1, day=day)


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
    up. Keys only: a Query naming the attributes it wants has DynamoDB fetch them from the table in the same request
    (an LSI may), so the sync's rare reads pay a table read per review instead of every review storing a second copy
    of itself (~600 bytes, ~38 % of the log's storage)."""

    class Meta:
        index_name = "by_record"
        projection = KeysOnlyProjection()

    user_id = UnicodeAttribute(hash_key=True)
    updated_at = UTCDateTimeAttribute(range_key=True)


class ReviewLogItem(TimestampedModel):
    class Meta(TableMeta):
        table_name = "review_logs"
        # New images for the review aggregator (INSERT), old images for the review archiver (a TTL REMOVE).
        stream_view_type = "NEW_AND_OLD_IMAGES"

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
    # When DynamoDB's TTL removes it (and the archiver moves it to S3); None on logs written before it was kept.
    archive_at = TTLAttribute(null=True)

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
