"""Every change to a learner's study calendar (the streak, the vacation, the reminders) is written here, on the
calendar version read, with the streak history items it touches and the learner's next scheduled check; a change
that finds the calendar moved on reads it again and applies itself to what is there."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from shared.dal import progress_repository, streaks_repository
from shared.dal.streaks_repository import Learner
from shared.domain.streaks import ReminderSettings, StreakRecord, StreakState, StudyCalendar
from shared.errors import Conflict, InvalidInput, NotFound
from shared.observability import logger, metrics
from shared.schemas.auth import UserPublic
from shared.schemas.streaks import VacationStatus
from shared.services import reminders, streaks

MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class CalendarChange:
    """What one change does to the calendar it is given: the streak and the reminder settings after it (the
    reminder's next time is worked out from them), and the streak history items it touches."""

    streak: StreakState
    reminders: ReminderSettings
    history: Sequence[StreakRecord] = ()


# A change as a function of the learner and the calendar as read; None when there is nothing to change.
Change = Callable[[UserPublic, StudyCalendar], CalendarChange | None]


def apply(learner: Learner, change: Change, now: datetime) -> StudyCalendar | None:
    """Apply `change` to the learner's calendar and write it; read again and retry when another change came first.
    The calendar as written, or None when the change had nothing to do."""
    user, calendar = learner.user, learner.calendar
    for _ in range(MAX_ATTEMPTS):
        changed = change(user, calendar)
        if changed is None:
            return None
        draft = StudyCalendar(changed.streak, changed.reminders, calendar.version + 1)
        after = replace(draft, reminders=reminders.rescheduled(user, draft, now))
        deadline = streaks.deadline(after.streak, user.timezone)
        if streaks_repository.save_calendar(
            user.id, calendar.version, after, deadline, changed.history, user.daily_goal_minutes, now
        ):
            return after
        again = streaks_repository.learner(user.id)
        if again is None:
            raise NotFound("user not found")
        user, calendar = again.user, again.calendar
    raise Conflict("your study calendar is changing elsewhere at the same moment; try again")


def record_study(user: UserPublic, calendar: StudyCalendar, now: datetime) -> None:
    """Count today for the learner's streak, once a day (a review calls it after it is saved). Days missed since
    the last counted one are settled first, so a freeze held covers them before the streak is judged."""

    def studied(user: UserPublic, calendar: StudyCalendar) -> CalendarChange | None:
        ended = streaks.days_ended(calendar.streak, now, user.timezone)
        after = streaks.after_study(ended.state, now, user.timezone)
        if after is None:
            return None
        return CalendarChange(after, calendar.reminders, streaks.history_records(calendar.streak, ended, after))

    try:
        apply(Learner(user, calendar), studied, now)
    except Conflict:  # the review is saved: its day is counted by the next one (a rare three-way race)
        logger.warning("the day's study was not counted on the calendar", extra={"user_id": user.id})
        metrics.add_metric(name="StudyDayNotCounted", unit="Count", value=1)


def set_vacation(user: UserPublic, calendar: StudyCalendar, active: bool, now: datetime) -> VacationStatus:
    """Start or end the learner's vacation. While it lasts the streak is paused and no reminder is sent; when it
    ends, the cards that fell due during it are moved later by its length, so the learner comes back to the load
    they left. Asking for the state the learner is in changes nothing."""
    since = calendar.streak.vacation_since
    if active == (since is not None):
        return VacationStatus(active=active, since=since, cards_moved=0)
    if active:
        apply(Learner(user, calendar), _vacation_start(now), now)
        return VacationStatus(active=True, since=now, cards_moved=0)
    assert since is not None
    # The cards first, while the vacation still stands: a failure part-way is finished by asking again, and the
    # card keeps the vacation it was moved for, so none is moved twice.
    try:
        moved = progress_repository.shift_due_dates(user.id, since, now, now - since, vacation=since.isoformat())
    except progress_repository.CardBusy as busy:
        raise Conflict("your cards are being answered elsewhere at the same moment; try again") from busy
    apply(Learner(user, calendar), _vacation_end(since, now), now)
    return VacationStatus(active=False, since=None, cards_moved=moved)


def _vacation_start(now: datetime) -> Change:
    def start(user: UserPublic, calendar: StudyCalendar) -> CalendarChange | None:
        if calendar.streak.vacation_since is not None:
            return None
        ended = streaks.vacation_started(calendar.streak, now, user.timezone)
        history = streaks.history_records(calendar.streak, ended, ended.state)
        return CalendarChange(ended.state, calendar.reminders, history)

    return start


def _vacation_end(since: datetime, now: datetime) -> Change:
    def end(user: UserPublic, calendar: StudyCalendar) -> CalendarChange | None:
        if calendar.streak.vacation_since != since:
            return None
        after = streaks.vacation_ended(calendar.streak, now, user.timezone)
        unchanged = streaks.DaysEnded(calendar.streak, (), ended=False)
        return CalendarChange(after, calendar.reminders, streaks.history_records(calendar.streak, unchanged, after))

    return end


def change_reminders(learner: Learner, settings: ReminderSettings, now: datetime) -> StudyCalendar | None:
    """New reminder settings (on or off, the local time), the next reminder worked out from them."""

    def change(user: UserPublic, calendar: StudyCalendar) -> CalendarChange | None:
        updated = replace(settings, reminded_on=calendar.reminders.reminded_on, due_at=calendar.reminders.due_at)
        return CalendarChange(calendar.streak, updated)

    return apply(learner, change, now)


def unsubscribe(token: str, now: datetime) -> None:
    """Turn reminders off for the learner a reminder's unsubscribe link was made for."""
    user_id = reminders.user_of_unsubscribe_token(token)
    if user_id is None:
        raise InvalidInput("this unsubscribe link is not valid: open the one in your latest reminder")
    learner = streaks_repository.learner(user_id)
    if learner is not None:  # an account since deleted gets no mail anyway
        change_reminders(learner, replace(learner.calendar.reminders, enabled=False), now)


def reschedule(user_id: str, now: datetime) -> None:
    """Work out the learner's next reminder again after a change outside the calendar (a confirmed address, a new
    time zone) that decides whether and when it comes."""
    learner = streaks_repository.learner(user_id)
    if learner is not None:
        apply(learner, lambda user, calendar: CalendarChange(calendar.streak, calendar.reminders), now)
