"""System analytics for admins: what happened on each UTC day of a range, the learners active each week and month
it touches, and the content as it is now. Read from the figures kept per period (shared/dal/analytics.py), so the
requests do not grow with the users: a BatchGetItem of the range's periods (8 shards each, 100 keys a call) and a
COUNT Query per (level, status) of the content."""

from dataclasses import asdict
from datetime import date, timedelta

from shared.dal import analytics_repository
from shared.dal.analytics_repository import Figures, day_period, days_between, month_period, week_period
from shared.errors import InvalidInput
from shared.schemas.admin import ActiveLearners, AnalyticsReport, ContentCounts, DayFigures, PeriodFigures

MAX_RANGE_DAYS = 92  # a quarter: at most 92 days, 15 weeks and 4 months of periods, 9 BatchGetItem calls
DEFAULT_RANGE_DAYS = 30


def report(first_day: date | None, last_day: date | None, today: date) -> AnalyticsReport:
    last = last_day or today
    first = first_day or last - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if first > last:
        raise InvalidInput("first_day is after last_day")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput(f"a range is at most {MAX_RANGE_DAYS} days")
    days = days_between(first, last)
    weeks = list(dict.fromkeys(week_period(day) for day in days))
    months = list(dict.fromkeys(month_period(day) for day in days))
    stored = analytics_repository.figures([*(day_period(day) for day in days), *weeks, *months])
    totals = sum((stored[day_period(day)] for day in days), Figures())
    sentences, words = analytics_repository.content_counts()
    return AnalyticsReport(
        first_day=first,
        last_day=last,
        totals=_public(totals),
        days=[DayFigures(day=day, **_public(stored[day_period(day)]).model_dump()) for day in days],
        weeks=[ActiveLearners(period=_label(week), active_learners=stored[week].active_learners) for week in weeks],
        months=[ActiveLearners(period=_label(m), active_learners=stored[m].active_learners) for m in months],
        content=ContentCounts(sentences=sentences, vocabulary=words),
    )


def _public(figures: Figures) -> PeriodFigures:
    retention = round(figures.correct / figures.reviews, 3) if figures.reviews else None
    return PeriodFigures(**asdict(figures), retention=retention)


def _label(period: str) -> str:
    return period.split("#", 1)[1]
