"""The two checks EventBridge runs on a schedule, each over only the learners it is due for (the users table's
`scheduled_checks` index, <= the run's time; never a Scan), in parallel, and idempotent: every change is written on
the calendar version read, and moves the learner's next check past the run's time, so a second run for the same
time finds nobody, and a run that missed its time is made up by the next.

- The streak check: for each learner whose day after the streak's last counted day has ended, a streak freeze
  covers the missed day while one is held, otherwise the streak ends (on the record and its history item).
- The reminder check: for each learner whose reminder time has come, one e-mail with the reviews due today, unless
  they studied today, have nothing due, are on vacation or turned reminders off; then the next reminder is
  tomorrow's. The reminder is claimed (written) before it is sent: at most one a day, even if sending fails.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from shared.dal import mailer, progress_repository, streaks_repository
from shared.dal.streaks_repository import CheckKind, Learner
from shared.domain.streaks import StudyCalendar
from shared.observability import logger, metrics
from shared.schemas.auth import UserPublic
from shared.services import reminders, streaks, study_calendar
from shared.services.calendar import day_start, local_day
from shared.settings import get_settings

# A learner sits in the index under their next check only: one whose other check is this overdue is looked at too,
# so that a failing check (its function erroring for hours) holds up neither the streaks nor the reminders.
OTHER_CHECK_OVERDUE = timedelta(hours=1)
PARALLEL_LEARNERS = 16  # learners handled at once (each is a few DynamoDB and SES calls, waiting on the network)
TIME_RESERVE_MS = 15_000  # stop taking learners on this long before the function's timeout: the next run has them


class Outcome(StrEnum):
    UNCHANGED = "unchanged"  # nothing due after all (the index lags behind the table), or another run came first
    FROZEN = "frozen"  # a freeze covered a missed day (or several), the streak goes on
    ENDED = "ended"  # the streak ended
    REMINDED = "reminded"  # a reminder was sent
    NOT_REMINDED = "not_reminded"  # its time came, but the learner studied today, has nothing due or wants none
    MAIL_REFUSED = "mail_refused"  # SES did not take the reminder (claimed all the same: at most one a day)
    LEFT_FOR_NEXT_RUN = "left_for_next_run"  # the run's time ran out
    FAILED = "failed"  # an error, logged; the learner stays due, for the next run


@dataclass(frozen=True)
class CheckRun:
    learners: int
    outcomes: dict[Outcome, int]


def check_streaks(now: datetime, time_left_ms: Callable[[], int]) -> CheckRun:
    return _run(CheckKind.STREAK, now, time_left_ms, lambda learner: _settle_streak(learner, now))


def send_reminders(now: datetime, time_left_ms: Callable[[], int]) -> CheckRun:
    return _run(CheckKind.REMINDER, now, time_left_ms, lambda learner: _remind(learner, now))


def _run(
    kind: CheckKind, now: datetime, time_left_ms: Callable[[], int], handle: Callable[[Learner], Outcome]
) -> CheckRun:
    learners = streaks_repository.learners_to_check(kind, now, others_due_before=now - OTHER_CHECK_OVERDUE)

    def guarded(learner: Learner) -> Outcome:
        if time_left_ms() < TIME_RESERVE_MS:
            return Outcome.LEFT_FOR_NEXT_RUN
        try:
            return handle(learner)
        except Exception:
            logger.exception("scheduled check failed for a learner", extra={"check": kind, "user_id": learner.user.id})
            return Outcome.FAILED

    with ThreadPoolExecutor(max_workers=PARALLEL_LEARNERS) as pool:
        outcomes = list(pool.map(guarded, learners))
    counts = {outcome: outcomes.count(outcome) for outcome in Outcome if outcome in outcomes}
    # Metrics from this thread only (Powertools' metric set is not made for threads), once per run.
    for outcome, count in counts.items():
        metrics.add_metric(
            name=f"{kind.capitalize()}Check{outcome.title().replace('_', '')}", unit="Count", value=count
        )
    if Outcome.MAIL_REFUSED in counts:  # the alarm on refused mail watches this one name, whoever sends
        metrics.add_metric(name="MailNotSent", unit="Count", value=counts[Outcome.MAIL_REFUSED])
    logger.info("scheduled check done", extra={"check": kind, "learners": len(learners), "outcomes": counts})
    return CheckRun(learners=len(learners), outcomes=counts)


def _settle_streak(learner: Learner, now: datetime) -> Outcome:
    def settle(user: UserPublic, calendar: StudyCalendar) -> study_calendar.CalendarChange | None:
        ended = streaks.days_ended(calendar.streak, now, user.timezone)
        if ended.state == calendar.streak:
            return None
        history = streaks.history_records(calendar.streak, ended, ended.state)
        return study_calendar.CalendarChange(ended.state, calendar.reminders, history)

    after = study_calendar.apply(learner, settle, now)
    if after is None:
        return Outcome.UNCHANGED
    return Outcome.ENDED if after.streak.current_days == 0 else Outcome.FROZEN


def _remind(learner: Learner, now: datetime) -> Outcome:
    user, calendar = learner.user, learner.calendar
    today = local_day(now, user.timezone)
    wanted = reminders.wants_reminders(user, calendar) and not streaks.studied_today(
        calendar.streak, today, user.timezone
    )
    end_of_today = day_start(today + timedelta(days=1), user.timezone) - timedelta(microseconds=1)
    due = progress_repository.count_due(user.id, end_of_today) if wanted else 0

    def claim(user: UserPublic, calendar: StudyCalendar) -> study_calendar.CalendarChange | None:
        if calendar.reminders.due_at is None or calendar.reminders.due_at > now:
            return None  # claimed by another run, or moved by the learner
        settings = reminders.reminded(calendar, today) if due else calendar.reminders
        return study_calendar.CalendarChange(calendar.streak, settings)

    claimed = study_calendar.apply(learner, claim, now)
    if claimed is None:
        return Outcome.UNCHANGED
    if not due:
        return Outcome.NOT_REMINDED
    streak_days = streaks.current_streak(calendar.streak, today)
    unsubscribe_url = reminders.unsubscribe_url(user.id)
    subject, body = reminders.reminder_email(
        user, due, streak_days, f"{get_settings().app_link_base}study", unsubscribe_url
    )
    try:
        mailer.send_email(user.email, subject, body, unsubscribe_url=unsubscribe_url)
    except mailer.MailNotSent as error:
        logger.warning("reminder not sent", extra={"user_id": user.id, "reason": str(error)})
        return Outcome.MAIL_REFUSED
    return Outcome.REMINDED
