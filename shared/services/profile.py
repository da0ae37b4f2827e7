"""A learner's own profile and learning preferences. Omitted or null fields are left as they are."""

from dataclasses import replace
from datetime import datetime, time

from shared.dal import streaks_repository, users_repository
from shared.dal.streaks_repository import Learner
from shared.errors import NotFound
from shared.schemas.auth import PreferencesUpdate, ProfileUpdate, UserPublic
from shared.services.auth import Principal

# Preferences that belong to the study calendar: written on its version, with the next reminder worked out again.
REMINDER_PREFERENCES = ("study_reminders", "preferred_learning_time")


def update_profile(principal: Principal, changes: ProfileUpdate) -> UserPublic:
    return _apply(principal.user, changes.model_dump(exclude_none=True))


def update_preferences(principal: Principal, changes: PreferencesUpdate, now: datetime) -> UserPublic:
    values = changes.model_dump(exclude_none=True)
    reminder_values = {name: values.pop(name) for name in REMINDER_PREFERENCES if name in values}
    user = _apply(principal.user, values)
    if not reminder_values and "timezone" not in values:
        return user
    settings = principal.calendar.reminders
    if "study_reminders" in reminder_values:
        settings = replace(settings, enabled=reminder_values["study_reminders"])
    if "preferred_learning_time" in reminder_values:
        settings = replace(settings, local_time=time.fromisoformat(reminder_values["preferred_learning_time"]))
    # A new time zone moves the streak's deadline and the reminder: both are worked out again here. Imported here:
    # the study calendar brings the review scheduler and the progress data, which the auth function (it serves
    # profile changes, never preferences) does not otherwise load.
    from shared.services import study_calendar

    study_calendar.change_reminders(Learner(user, principal.calendar), settings, now)
    learner = streaks_repository.learner(user.id)
    if learner is None:
        raise NotFound("user not found")
    return learner.user


def _apply(user: UserPublic, changes: dict[str, object]) -> UserPublic:
    if not changes:
        return user
    return users_repository.update_user(user.id, changes)
