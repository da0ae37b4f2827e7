"""The learner's calendar: days begin and end in the learner's own time zone."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


def local_day(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def day_start(day: date, timezone: str) -> datetime:
    """The UTC instant at which `day` begins in the learner's time zone."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(timezone)).astimezone(UTC)
