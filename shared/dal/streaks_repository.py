"""A learner's streak: its running figures on the user record and its history in study_streaks."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action

from shared.dal.base import atomic_writes, new_id, refused_conditions
from shared.dal.gamification import StudyStreakItem
from shared.dal.pagination import collect_page, cursor_scope, decode_cursor
from shared.dal.users import UserItem
from shared.observability import tracer


@dataclass(frozen=True)
class StudyDay:
    """A learner's first study of a local day, as the caller read the user before it."""

    user_id: str
    today: date
    studied_at: datetime
    previous_study: datetime | None  # last_study_date as read: the write is conditional on it
    previous_day: date | None  # that study's local day
    previous_streak: int  # current_streak_days as read: the length of the streak that ended on previous_day
    streak: int  # the streak after today
    longest: int
    daily_goal_minutes: int


@dataclass(frozen=True)
class StoredStreak:
    id: str
    start_date: date
    length_days: int
    daily_goal_minutes: int
    closed: bool


@dataclass(frozen=True)
class StreakPage:
    items: list[StoredStreak]
    next_cursor: str | None


@tracer.capture_method
def record_study_day(day: StudyDay) -> bool:
    """Move the streak on, once per day, in one transaction: the user's figures (conditional on last_study_date
    being what the caller saw, so two simultaneous first reviews of the day count one day) and the streak's
    history item (extended, or a new one started and the one before closed). False when another request did it
    first."""
    seen = (
        UserItem.last_study_date.does_not_exist()
        if day.previous_study is None
        else UserItem.last_study_date == day.previous_study
    )
    with_history = _history_writes(day)
    try:
        with atomic_writes() as writes:
            writes.update(
                UserItem(user_id=day.user_id),
                actions=[
                    UserItem.last_study_date.set(day.studied_at),
                    UserItem.current_streak_days.set(day.streak),
                    UserItem.longest_streak_days.set(day.longest),
                    UserItem.updated_at.set(day.studied_at),
                ],
                condition=UserItem.user_id.exists() & seen,
            )
            for start, actions in with_history:
                writes.update(StudyStreakItem(user_id=day.user_id, start_date=start), actions=actions)
    except TransactWriteError as error:
        if refused_conditions(error):
            return False
        raise
    return True


def _history_writes(day: StudyDay) -> list[tuple[date, list[Action]]]:
    """(start date, update actions) of the streak items today touches. Updates rather than puts, with
    if_not_exists for what a streak keeps from its first day, so that a streak begun before its history was
    kept gets an item when it next moves."""
    kept_from_first_day: list[Action] = [
        StudyStreakItem.streak_id.set(StudyStreakItem.streak_id | new_id()),
        StudyStreakItem.daily_goal_minutes.set(StudyStreakItem.daily_goal_minutes | day.daily_goal_minutes),
        StudyStreakItem.created_at.set(StudyStreakItem.created_at | day.studied_at),
        StudyStreakItem.updated_at.set(day.studied_at),
    ]
    ongoing: list[Action] = [
        StudyStreakItem.streak_length_days.set(day.streak),
        StudyStreakItem.is_active.set(True),
        *kept_from_first_day,
    ]
    writes = [(day.today - timedelta(days=day.streak - 1), ongoing)]
    if day.streak == 1 and day.previous_day is not None and day.previous_streak > 0:
        closed: list[Action] = [
            StudyStreakItem.is_active.set(False),
            StudyStreakItem.end_date.set(day.previous_day),
            StudyStreakItem.streak_length_days.set(day.previous_streak),
            *kept_from_first_day,
        ]
        writes.append((day.previous_day - timedelta(days=day.previous_streak - 1), closed))
    return writes


@tracer.capture_method
def streaks(user_id: str, limit: int, cursor: str | None) -> StreakPage:
    """A user's streaks newest first: one Query."""
    scope = cursor_scope("progress.streaks", user_id)
    results = StudyStreakItem.query(
        user_id, scan_index_forward=False, limit=limit, last_evaluated_key=decode_cursor(cursor, scope)
    )
    page = collect_page(results, limit, scope)
    return StreakPage(
        items=[
            StoredStreak(
                id=str(item.streak_id),
                start_date=item.start_date,
                length_days=int(item.streak_length_days),
                daily_goal_minutes=int(item.daily_goal_minutes),
                closed=not item.is_active,
            )
            for item in page.items
        ],
        next_cursor=page.next_cursor,
    )
