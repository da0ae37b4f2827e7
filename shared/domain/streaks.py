"""A learner's study calendar: the streak and the study reminders, as the rules see them
(shared/services/streaks.py, shared/services/reminders.py) and as data access stores them on the user record."""

from dataclasses import dataclass
from datetime import date, datetime, time


@dataclass(frozen=True)
class StreakState:
    """The running streak. A day counts for it when the learner studied, when a streak freeze covered it, or when
    it passed on vacation; the streak ends when a whole day passes that does not count."""

    current_days: int  # days studied in the current streak; 0 when none is running
    longest_days: int
    start: date | None  # the first day of the current streak, in the learner's calendar
    kept_through: date | None  # the last day that counts for it (and, after it ended, its last day)
    freezes: int  # streak freezes held (each covers one missed day)
    last_study: datetime | None
    vacation_since: datetime | None  # on vacation since then: the streak and the due dates are paused


@dataclass(frozen=True)
class ReminderSettings:
    """Whether, and at what local time, a learner is reminded to study on a day they have not studied yet."""

    enabled: bool
    local_time: time | None  # None: the default time (shared/services/reminders.py)
    reminded_on: date | None  # the learner's last day with a reminder: at most one a day
    due_at: datetime | None  # when the reminder check next looks at the learner (None: it never will)


@dataclass(frozen=True)
class StudyCalendar:
    """What moves with the learner's days, and the version it was read at: every change is written on that version,
    so the review path, the scheduled checks and the learner's own settings never overwrite one another."""

    streak: StreakState
    reminders: ReminderSettings
    version: int


@dataclass(frozen=True)
class StreakRecord:
    """One streak's history item as it reads after a change: created or extended, or ended."""

    start: date
    length_days: int
    last_day: date  # its last counted day (studied, frozen or on vacation)
    ended: bool
    frozen: tuple[date, ...] = ()  # missed days a freeze covered by this change (added to those it has)
