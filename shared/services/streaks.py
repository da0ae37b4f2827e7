"""Study streaks: consecutive days of the learner's calendar with at least one review.

The running figures (current and longest streak, last study) sit on the user record, which every request has
already read to authenticate. Each streak also has a history item, written once a day by the first review of that
day, in the same transaction as the user's figures. What follows from a streak's days is not stored but read
back: its totals from the daily totals (one Query over the page's span), its milestones from its length, and
whether it is still alive from the learner's calendar today.
"""

from datetime import date, datetime, timedelta

from shared.dal import progress_repository, streaks_repository
from shared.schemas.auth import UserPublic
from shared.schemas.progress import DayStats
from shared.schemas.streaks import StreakHistory, StudyStreakPublic
from shared.services.auth import Principal
from shared.services.calendar import local_day

MILESTONES = (7, 30, 100, 365)


def next_streak(current: int, last_study: datetime | None, today: date, timezone: str) -> int | None:
    """The streak after studying today, or None when today was already counted.

    Studying on consecutive local days extends the streak, a gap of a day or more starts a new one.
    """
    if last_study is None:
        return 1
    last_day = local_day(last_study, timezone)
    if last_day == today:
        return None
    return current + 1 if last_day == today - timedelta(days=1) else 1


def record_study(user: UserPublic, now: datetime) -> None:
    """Count today for the learner's streak, once a day (a review calls it after it is saved)."""
    today = local_day(now, user.timezone)
    streak = next_streak(user.current_streak_days, user.last_study_date, today, user.timezone)
    if streak is None:
        return
    streaks_repository.record_study_day(
        streaks_repository.StudyDay(
            user_id=user.id,
            today=today,
            studied_at=now,
            previous_study=user.last_study_date,
            previous_day=local_day(user.last_study_date, user.timezone) if user.last_study_date else None,
            previous_streak=user.current_streak_days,
            streak=streak,
            longest=max(streak, user.longest_streak_days),
            daily_goal_minutes=user.daily_goal_minutes,
        )
    )


def current_streak(user: UserPublic, today: date) -> int:
    """The streak as the learner sees it today: it is lost once a whole day has passed without study."""
    if user.last_study_date is None:
        return 0
    return (
        user.current_streak_days if local_day(user.last_study_date, user.timezone) >= today - timedelta(days=1) else 0
    )


def studied_today(user: UserPublic, today: date) -> bool:
    return user.last_study_date is not None and local_day(user.last_study_date, user.timezone) == today


def streak_history(principal: Principal, now: datetime, limit: int, cursor: str | None) -> StreakHistory:
    """The current streak and a page of the history, newest first: one Query of streaks, one of the stored daily
    totals and, when the learner studied today, one of today's reviews (the day in progress, live: the stored
    totals follow the review aggregator by seconds)."""
    user = principal.user
    today = local_day(now, user.timezone)
    page = streaks_repository.streaks(user.id, limit, cursor)
    days: dict[date, DayStats] = {}
    if page.items:
        first = min(streak.start_date for streak in page.items)
        last = max(_last_day(streak) for streak in page.items)
        days = progress_repository.daily_stats(user.id, first, last)
        if first <= today <= last:
            days[today] = progress_repository.day_stats(user.id, today)
    return StreakHistory(
        current_streak_days=current_streak(user, today),
        longest_streak_days=user.longest_streak_days,
        studied_today=studied_today(user, today),
        items=[_public(streak, days, user.longest_streak_days, today) for streak in page.items],
        next_cursor=page.next_cursor,
    )


def _last_day(streak: streaks_repository.StoredStreak) -> date:
    return streak.start_date + timedelta(days=streak.length_days - 1)


def _public(
    streak: streaks_repository.StoredStreak, days: dict[date, DayStats], longest: int, today: date
) -> StudyStreakPublic:
    last_day = _last_day(streak)
    alive = not streak.closed and last_day >= today - timedelta(days=1)
    own_days = [stats for day, stats in days.items() if streak.start_date <= day <= last_day]
    minutes = round(sum(stats.study_minutes for stats in own_days), 1)
    goal_met = sum(1 for stats in own_days if stats.study_minutes >= streak.daily_goal_minutes)
    return StudyStreakPublic(
        id=streak.id,
        start_date=streak.start_date,
        end_date=None if alive else last_day,
        streak_length_days=streak.length_days,
        is_active=alive,
        daily_goal_minutes=streak.daily_goal_minutes,
        total_study_minutes=minutes,
        total_reviews=sum(stats.reviews for stats in own_days),
        average_daily_minutes=round(minutes / streak.length_days, 1),
        perfect_days=goal_met,
        minimum_days=streak.length_days - goal_met,
        longest_streak=streak.length_days == longest,
        milestones_reached=[milestone for milestone in MILESTONES if streak.length_days >= milestone],
    )
