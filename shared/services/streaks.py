"""Study streaks: consecutive days of the learner's calendar that count, a day counting when the learner studied,
when a streak freeze covered it, or when it passed on vacation.

The running figures sit on the user record, which every request has already read to authenticate. Each streak
also has a history item, written in the same transaction as the record whenever the streak moves: by the day's
first review, and by the scheduled streak check at the end of a learner's day (shared/services/streak_check.py),
which spends a freeze on a missed day or ends the streak. What follows from a streak's days is not stored but read
back: its totals from the daily totals (one Query over the page's span), its milestones from its length.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from shared.dal import progress_repository, streaks_repository
from shared.domain.streaks import StreakRecord, StreakState
from shared.schemas.auth import UserPublic
from shared.schemas.progress import DayStats
from shared.schemas.streaks import StreakHistory, StudyStreakPublic
from shared.services.calendar import day_start, local_day

MILESTONES = (7, 30, 100, 365)
MAX_FREEZES = 2
FREEZE_EARNED_EVERY_DAYS = 7  # each time the streak reaches a multiple of a week, while fewer than MAX_FREEZES held


@dataclass(frozen=True)
class DaysEnded:
    """What the end of one or more of the learner's days did to the streak."""

    state: StreakState
    frozen_days: tuple[date, ...]  # missed days a freeze covered, oldest first
    ended: bool  # a missed day with no freeze left ended the streak


def studied_on(state: StreakState, timezone: str) -> date | None:
    return local_day(state.last_study, timezone) if state.last_study is not None else None


def is_alive(state: StreakState, today: date) -> bool:
    """Studying today extends it: its last counted day is yesterday or today, or it is paused by a vacation."""
    if state.current_days == 0 or state.kept_through is None:
        return False
    return state.vacation_since is not None or state.kept_through >= today - timedelta(days=1)


def after_study(state: StreakState, now: datetime, timezone: str) -> StreakState | None:
    """The streak once the learner has studied at `now`, or None when today was already counted."""
    today = local_day(now, timezone)
    if studied_on(state, timezone) == today:
        return None
    alive = is_alive(state, today)
    current = state.current_days + 1 if alive else 1
    earned = current % FREEZE_EARNED_EVERY_DAYS == 0 and state.freezes < MAX_FREEZES
    return replace(
        state,
        current_days=current,
        longest_days=max(current, state.longest_days),
        start=state.start if alive and state.start is not None else today,
        kept_through=max(today, state.kept_through) if alive and state.kept_through else today,
        freezes=state.freezes + int(earned),
        last_study=now,
    )


def deadline(state: StreakState, timezone: str) -> datetime | None:
    """When the streak ends unless the learner studies: the end of the day after its last counted day. None while
    no streak runs, or while it is paused by a vacation."""
    if state.current_days == 0 or state.kept_through is None or state.vacation_since is not None:
        return None
    return day_start(state.kept_through + timedelta(days=2), timezone)


def days_ended(state: StreakState, now: datetime, timezone: str) -> DaysEnded:
    """Apply each of the learner's days that ended by `now` without counting: a freeze covers it while one is
    held, otherwise the streak ends (its last counted day stays as its end)."""
    frozen: list[date] = []
    while (due := deadline(state, timezone)) is not None and due <= now:
        assert state.kept_through is not None  # a deadline implies it
        missed = state.kept_through + timedelta(days=1)
        if state.freezes == 0:
            return DaysEnded(replace(state, current_days=0, start=None), tuple(frozen), ended=True)
        state = replace(state, freezes=state.freezes - 1, kept_through=missed)
        frozen.append(missed)
    return DaysEnded(state, tuple(frozen), ended=False)


def vacation_started(state: StreakState, now: datetime, timezone: str) -> DaysEnded:
    """Days already missed are settled first (a streak already lost stays lost); then the streak is paused."""
    settled = days_ended(state, now, timezone)
    return replace(settled, state=replace(settled.state, vacation_since=now))


def vacation_ended(state: StreakState, now: datetime, timezone: str) -> StreakState:
    """The vacation's days count for a running streak: it goes on if the learner studies today."""
    yesterday = local_day(now, timezone) - timedelta(days=1)
    kept = state.kept_through
    if state.current_days > 0 and kept is not None:
        kept = max(kept, yesterday)
    return replace(state, vacation_since=None, kept_through=kept)


def current_streak(state: StreakState, today: date) -> int:
    """The streak as the learner sees it today: 0 once a whole day has passed that does not count, even before the
    scheduled check has ended it on the record."""
    return state.current_days if is_alive(state, today) else 0


def studied_today(state: StreakState, today: date, timezone: str) -> bool:
    return studied_on(state, timezone) == today


def history_records(before: StreakState, ended: DaysEnded, after: StreakState) -> list[StreakRecord]:
    """The history items a change of the streak touches: the streak that was running (extended, frozen or ended)
    and the one running after it, when that is another."""
    records: list[StreakRecord] = []
    running = before.start if before.current_days > 0 else None
    if running is not None and (ended.ended or after.start != running):
        assert ended.state.kept_through is not None  # a running streak has counted a day
        records.append(
            StreakRecord(running, before.current_days, ended.state.kept_through, ended=True, frozen=ended.frozen_days)
        )
    if after.current_days > 0 and after.start is not None and after.kept_through is not None:
        frozen = ended.frozen_days if after.start == running else ()
        records.append(StreakRecord(after.start, after.current_days, after.kept_through, ended=False, frozen=frozen))
    return records


def streak_history(
    user: UserPublic, state: StreakState, now: datetime, limit: int, cursor: str | None
) -> StreakHistory:
    """The current streak and a page of the history, newest first: one Query of streaks, one of the stored daily
    totals and, when the learner studied today, one of today's reviews (the day in progress, live: the stored
    totals follow the review aggregator by seconds)."""
    today = local_day(now, user.timezone)
    page = streaks_repository.streaks(user.id, limit, cursor)
    days: dict[date, DayStats] = {}
    if page.items:
        first = min(streak.start_date for streak in page.items)
        last = max(streak.last_day for streak in page.items)
        days = progress_repository.daily_stats(user.id, first, last)
        if first <= today <= last:
            days[today] = progress_repository.day_stats(user.id, today)
    return StreakHistory(
        current_streak_days=current_streak(state, today),
        longest_streak_days=state.longest_days,
        studied_today=studied_today(state, today, user.timezone),
        streak_freezes=state.freezes,
        max_streak_freezes=MAX_FREEZES,
        on_vacation=state.vacation_since is not None,
        items=[_public(streak, days, state, today) for streak in page.items],
        next_cursor=page.next_cursor,
    )


def _public(
    streak: streaks_repository.StoredStreak, days: dict[date, DayStats], state: StreakState, today: date
) -> StudyStreakPublic:
    alive = not streak.closed and streak.start_date == state.start and is_alive(state, today)
    own_days = [stats for day, stats in days.items() if streak.start_date <= day <= streak.last_day]
    studied = [stats for stats in own_days if stats.reviews > 0]
    minutes = round(sum(stats.study_minutes for stats in studied), 1)
    goal_met = sum(1 for stats in studied if stats.study_minutes >= streak.daily_goal_minutes)
    return StudyStreakPublic(
        id=streak.id,
        start_date=streak.start_date,
        end_date=None if alive else streak.last_day,
        streak_length_days=streak.length_days,
        is_active=alive,
        daily_goal_minutes=streak.daily_goal_minutes,
        total_study_minutes=minutes,
        total_reviews=sum(stats.reviews for stats in studied),
        average_daily_minutes=round(minutes / streak.length_days, 1),
        perfect_days=goal_met,
        minimum_days=streak.length_days - goal_met,
        missed_days=len(streak.frozen_days),
        frozen_days=list(streak.frozen_days),
        longest_streak=streak.length_days == state.longest_days,
        milestones_reached=[milestone for milestone in MILESTONES if streak.length_days >= milestone],
    )
