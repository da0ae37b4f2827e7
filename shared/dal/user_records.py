"""A stored user item mapped to what the layers above read of it: the account (shared/domain/accounts.py), its public
profile, the learner's study calendar and FSRS scheduler. One module that only maps, so that every repository reading
users (accounts, sessions, streaks, the scheduler) maps them alike without importing one another."""

from datetime import time, timedelta
from zoneinfo import ZoneInfo

from shared.dal.users import UserItem
from shared.domain.accounts import User
from shared.domain.scheduler import LearnerScheduler
from shared.domain.streaks import ReminderSettings, StreakState, StudyCalendar
from shared.enums import UserRole
from shared.schemas.auth import UserPublic


def user_of(item: UserItem) -> User:
    return User(
        profile=user_public(item),
        password_hash=str(item.password_hash),
        token_version=int(item.token_version),
        calendar=study_calendar(item),
        scheduler=learner_scheduler(item),
        new_sentences_place=item.new_sentences_cursor,
    )


def user_public(user: UserItem) -> UserPublic:
    role = UserRole.ADMIN if user.is_superuser else UserRole.USER
    return UserPublic.model_validate({**user.attribute_values, "role": role})


def study_calendar(user: UserItem) -> StudyCalendar:
    """The learner's calendar as stored. A record written before the calendar was kept has its streak's start and
    last counted day worked out from the last study, as they were then."""
    timezone = ZoneInfo(str(user.timezone))
    last_study_day = user.last_study_date.astimezone(timezone).date() if user.last_study_date else None
    current = int(user.current_streak_days)
    kept_through = user.streak_kept_through or last_study_day
    start = user.streak_start
    if start is None and current > 0 and kept_through is not None:
        start = kept_through - timedelta(days=current - 1)
    return StudyCalendar(
        streak=StreakState(
            current_days=current,
            longest_days=int(user.longest_streak_days),
            start=start if current > 0 else None,
            kept_through=kept_through,
            freezes=int(user.streak_freezes),
            last_study=user.last_study_date,
            vacation_since=user.vacation_since,
        ),
        reminders=ReminderSettings(
            enabled=bool(user.study_reminders),
            local_time=_time_of_day(user.preferred_learning_time),
            reminded_on=user.reminded_on,
            due_at=user.reminder_due_at,
        ),
        version=int(user.calendar_version),
    )


def _time_of_day(value: str | None) -> time | None:
    try:
        return time.fromisoformat(value) if value else None
    except ValueError:  # a part of the day, as the first version of the preference was
        return None


def learner_scheduler(user: UserItem) -> LearnerScheduler:
    return LearnerScheduler(
        desired_retention=float(user.desired_retention),
        parameters=tuple(float(w) for w in user.fsrs_parameters) if user.fsrs_parameters else None,
        fitted_at=user.fsrs_fitted_at,
        reviews_at_fit=int(user.fsrs_fit_reviews or 0),
        training_reviews=int(user.fsrs_fit_training_reviews or 0),
        log_loss_before=_float_or_none(user.fsrs_log_loss_before),
        log_loss_after=_float_or_none(user.fsrs_log_loss_after),
        recommended_retention=_float_or_none(user.fsrs_recommended_retention),
        fit_job=user.fsrs_fit_job,
        fit_queued_at=user.fsrs_fit_queued_at,
    )


def _float_or_none(value: float | None) -> float | None:
    return None if value is None else float(value)
