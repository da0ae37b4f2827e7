"""Study reminders: on a day the learner has not studied yet and has reviews due, one e-mail at their chosen local
time (at most one a day), never during a vacation, never to an unconfirmed address, and never after they turned
reminders off (in their preferences or by the link in any reminder)."""

import base64
import hashlib
import hmac
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.dal import key_store
from shared.domain.streaks import ReminderSettings, StudyCalendar
from shared.schemas.auth import UserPublic
from shared.services.calendar import local_day
from shared.services.streaks import studied_on
from shared.settings import get_settings

DEFAULT_TIME = time(19, 0)  # when a learner has not chosen one: early evening, local time


def wants_reminders(user: UserPublic, calendar: StudyCalendar) -> bool:
    return calendar.reminders.enabled and user.is_verified and user.is_active and calendar.streak.vacation_since is None


def next_due_at(user: UserPublic, calendar: StudyCalendar, now: datetime) -> datetime | None:
    """When the learner's reminder is next due: a reminder due today and not yet handled stays as it is (only the
    reminder check moves it on, by claiming it); otherwise their local reminder time today, or tomorrow when today's
    has passed, or they studied or were reminded today. None when they get no reminders."""
    if not wants_reminders(user, calendar):
        return None
    zone = ZoneInfo(user.timezone)
    today = local_day(now, user.timezone)
    local_time = calendar.reminders.local_time or DEFAULT_TIME
    if today in (calendar.reminders.reminded_on, studied_on(calendar.streak, user.timezone)):
        day = today + timedelta(days=1)
    else:
        pending = calendar.reminders.due_at
        if pending is not None and pending <= now and _is_local(pending, today, local_time, zone):
            return pending
        day = today
    due = datetime.combine(day, local_time, tzinfo=zone).astimezone(UTC)
    if due <= now:
        due = datetime.combine(day + timedelta(days=1), local_time, tzinfo=zone).astimezone(UTC)
    return due


def _is_local(moment: datetime, day: date, local_time: time, zone: ZoneInfo) -> bool:
    """Whether `moment` is `local_time` on `day` in that time zone."""
    local = moment.astimezone(zone)
    return local.date() == day and local.timetz().replace(tzinfo=None) == local_time


def rescheduled(user: UserPublic, calendar: StudyCalendar, now: datetime) -> ReminderSettings:
    """The reminder settings with `due_at` worked out again from everything else in the calendar."""
    return replace(calendar.reminders, due_at=next_due_at(user, calendar, now))


def reminded(calendar: StudyCalendar, today: date) -> ReminderSettings:
    return replace(calendar.reminders, reminded_on=today)


def reminder_email(
    user: UserPublic, due: int, streak_days: int, app_link: str, unsubscribe_url: str
) -> tuple[str, str]:
    """(subject, body) of a reminder."""
    subject = f"{due} Japanese review{'s' if due != 1 else ''} waiting for you today"
    streak = (
        f"Your streak is {streak_days} day{'s' if streak_days != 1 else ''}: a few minutes today keep it going.\n\n"
        if streak_days
        else ""
    )
    body = (
        f"Hello {user.username},\n\n"
        f"You have {due} review{'s' if due != 1 else ''} due today.\n\n"
        f"{streak}"
        f"Open Kotoba to study: {app_link}\n\n"
        "You get this e-mail because study reminders are on in your Kotoba preferences. "
        f"To stop them, open this link (no sign-in needed): {unsubscribe_url}\n"
    )
    return subject, body


UNSUBSCRIBE_PURPOSE = b"kotoba:unsubscribe-reminders:"
UNSUBSCRIBE_MAC_BYTES = 16


def unsubscribe_token(user_id: str) -> str:
    """`<user id>.<MAC>`: opens no account and expires never, since all it can do is turn reminders off."""
    mac = hmac.new(key_store.link_key(), UNSUBSCRIBE_PURPOSE + user_id.encode(), hashlib.sha256).digest()
    return f"{user_id}.{base64.urlsafe_b64encode(mac[:UNSUBSCRIBE_MAC_BYTES]).decode().rstrip('=')}"


def user_of_unsubscribe_token(token: str) -> str | None:
    """The user a token was made for, or None when it was not made by us."""
    user_id, _, mac = token.rpartition(".")
    return user_id if user_id and hmac.compare_digest(unsubscribe_token(user_id), token) and mac else None


def unsubscribe_url(user_id: str) -> str:
    return f"{get_settings().public_api_url}/users/reminders/unsubscribe?token={unsubscribe_token(user_id)}"
