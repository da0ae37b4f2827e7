"""A learner's study calendar (streak and reminders) on the user record, its streaks' history in study_streaks,
and the learners whose scheduled check is due (the users table's sparse `scheduled_checks` index)."""

import hashlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from shared.dal.base import atomic_writes, new_id, refused_conditions, set_or_remove
from shared.dal.gamification import StudyStreakItem
from shared.dal.pagination import collect_page, cursor_scope, decode_cursor
from shared.dal.user_records import study_calendar, user_public
from shared.dal.users import CHECK_SHARDS, UserItem
from shared.domain.streaks import StreakRecord, StudyCalendar
from shared.observability import tracer
from shared.schemas.auth import UserPublic

BATCH_GET_KEYS = 100  # DynamoDB's limit for one BatchGetItem


class CheckKind(StrEnum):
    """The two scheduled checks, each reading its own partitions of the index."""

    STREAK = "streak"
    REMINDER = "reminder"


@dataclass(frozen=True)
class StoredStreak:
    id: str
    start_date: date
    length_days: int
    last_day: date
    daily_goal_minutes: int
    closed: bool
    frozen_days: tuple[date, ...]


@dataclass(frozen=True)
class StreakPage:
    items: list[StoredStreak]
    next_cursor: str | None


@dataclass(frozen=True)
class Learner:
    """A learner as a scheduled check reads them: the account and the study calendar."""

    user: UserPublic
    calendar: StudyCalendar


@tracer.capture_method
def save_calendar(
    user_id: str,
    read_version: int,
    after: StudyCalendar,
    streak_deadline: datetime | None,
    history: Sequence[StreakRecord],
    daily_goal_minutes: int,
    at: datetime,
) -> bool:
    """Write the learner's calendar and the streak history items it changes, in one transaction, on the calendar
    version read: False when another change came first (read again). The learner's place in the scheduled checks'
    index follows: under whichever check is next, the streak's deadline or the reminder."""
    streak, reminders = after.streak, after.reminders
    check = _next_check(user_id, streak_deadline, reminders.due_at)
    actions: list[Action] = [
        UserItem.current_streak_days.set(streak.current_days),
        UserItem.longest_streak_days.set(streak.longest_days),
        set_or_remove(UserItem.streak_start, streak.start),
        set_or_remove(UserItem.streak_kept_through, streak.kept_through),
        UserItem.streak_freezes.set(streak.freezes),
        set_or_remove(UserItem.last_study_date, streak.last_study),
        set_or_remove(UserItem.vacation_since, streak.vacation_since),
        UserItem.study_reminders.set(reminders.enabled),
        set_or_remove(
            UserItem.preferred_learning_time, reminders.local_time.strftime("%H:%M") if reminders.local_time else None
        ),
        set_or_remove(UserItem.reminded_on, reminders.reminded_on),
        set_or_remove(UserItem.streak_deadline, streak_deadline),
        set_or_remove(UserItem.reminder_due_at, reminders.due_at),
        set_or_remove(UserItem.check_key, check[0] if check else None),
        set_or_remove(UserItem.check_at, check[1] if check else None),
        UserItem.calendar_version.set(after.version),
        UserItem.updated_at.set(at),
    ]
    try:
        with atomic_writes() as writes:
            writes.update(
                UserItem(user_id=user_id), actions=actions, condition=UserItem.user_id.exists() & _at(read_version)
            )
            for record in history:
                writes.update(
                    StudyStreakItem(user_id=user_id, start_date=record.start),
                    actions=_history_actions(record, daily_goal_minutes, at),
                )
    except TransactWriteError as error:
        if refused_conditions(error):
            return False
        raise
    return True


def _at(version: int) -> Condition:
    """The calendar is still at the version read (a record older than the calendar has none stored)."""
    at_version: Condition = UserItem.calendar_version == version
    return UserItem.calendar_version.does_not_exist() | at_version if version == 0 else at_version


def _history_actions(record: StreakRecord, daily_goal_minutes: int, at: datetime) -> list[Action]:
    """Updates rather than puts, with if_not_exists for what a streak keeps from its first day, so that a streak
    begun before its history was kept gets an item when it next moves."""
    actions: list[Action] = [
        StudyStreakItem.streak_length_days.set(record.length_days),
        StudyStreakItem.last_day.set(record.last_day),
        StudyStreakItem.is_active.set(not record.ended),
        StudyStreakItem.streak_id.set(StudyStreakItem.streak_id | new_id()),
        StudyStreakItem.daily_goal_minutes.set(StudyStreakItem.daily_goal_minutes | daily_goal_minutes),
        StudyStreakItem.created_at.set(StudyStreakItem.created_at | at),
        StudyStreakItem.updated_at.set(at),
    ]
    if record.ended:
        actions.append(StudyStreakItem.end_date.set(record.last_day))
    if record.frozen:
        actions.append(
            StudyStreakItem.frozen_days.set(
                (StudyStreakItem.frozen_days | []).append([day.isoformat() for day in record.frozen])
            )
        )
    return actions


def check_shard(user_id: str) -> int:
    return int.from_bytes(hashlib.sha256(user_id.encode()).digest()[:4], "big") % CHECK_SHARDS


def _next_check(
    user_id: str, streak_deadline: datetime | None, reminder_due_at: datetime | None
) -> tuple[str, datetime] | None:
    """(check_key, check_at) of the learner's next check; the streak's first when both fall at one time."""
    checks = [
        (at, kind) for at, kind in ((streak_deadline, CheckKind.STREAK), (reminder_due_at, CheckKind.REMINDER)) if at
    ]
    if not checks:
        return None
    at, kind = min(checks, key=lambda check: (check[0], check[1] != CheckKind.STREAK))
    return f"{kind}#{check_shard(user_id)}", at


@tracer.capture_method
def learners_to_check(kind: CheckKind, now: datetime, others_due_before: datetime) -> list[Learner]:
    """The learners whose next check is of `kind` and due by `now`, and those whose next check is of the other kind
    and overdue (due before `others_due_before`: that check is failing, and a learner sits in the index only under
    their next check, so this one would never see them). One Query per kind and shard of the keys-only index, all
    at once, then the records themselves, consistent, in BatchGetItem calls of 100 keys (the index may lag behind
    the table: the caller goes by the record's own times)."""
    other = CheckKind.REMINDER if kind == CheckKind.STREAK else CheckKind.STREAK
    queries = [(kind, shard, now) for shard in range(CHECK_SHARDS)]
    queries += [(other, shard, others_due_before) for shard in range(CHECK_SHARDS)]
    with ThreadPoolExecutor(max_workers=len(queries)) as pool:
        keys = sorted({key for found in pool.map(lambda query: _due_keys(*query), queries) for key in found})
        chunks = [keys[start : start + BATCH_GET_KEYS] for start in range(0, len(keys), BATCH_GET_KEYS)]
        return [learner for batch in pool.map(_records, chunks) for learner in batch]


def _due_keys(kind: CheckKind, shard: int, by: datetime) -> list[str]:
    return [str(item.user_id) for item in UserItem.scheduled_checks.query(f"{kind}#{shard}", UserItem.check_at <= by)]


def _records(user_ids: list[str]) -> list[Learner]:
    return [
        Learner(user=user_public(user), calendar=study_calendar(user))
        for user in UserItem.batch_get(user_ids, consistent_read=True)
    ]


@tracer.capture_method
def learner(user_id: str) -> Learner | None:
    """One learner's account and calendar, read consistently (before a change on the version read)."""
    try:
        user = UserItem.get(user_id, consistent_read=True)
    except UserItem.DoesNotExist:
        return None
    return Learner(user=user_public(user), calendar=study_calendar(user))


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
                # A streak item older than `last_day` had no day that did not count.
                last_day=item.last_day or item.start_date + timedelta(days=int(item.streak_length_days) - 1),
                daily_goal_minutes=int(item.daily_goal_minutes),
                closed=not item.is_active,
                frozen_days=tuple(date.fromisoformat(str(day)) for day in item.frozen_days or []),
            )
            for item in page.items
        ],
        next_cursor=page.next_cursor,
    )
