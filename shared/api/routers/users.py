from typing import Annotated

from fastapi import APIRouter, Body

from shared.api.deps import CurrentUser, Now
from shared.api.params import Cursor, PageSize
from shared.schemas.achievements import AchievementList
from shared.schemas.auth import PreferencesUpdate, UserPublic
from shared.schemas.export import DataExport
from shared.schemas.streaks import StreakHistory
from shared.services import achievements, export, profile, streaks

router = APIRouter(prefix="/users", tags=["users"])

PREFERENCES_EXAMPLES = {
    "limits": {
        "summary": "A daily goal and limits",
        "value": {"daily_goal_minutes": 20, "max_daily_reviews": 150, "max_daily_new_items": 10},
    },
    "timezone": {"summary": "Move to another time zone", "value": {"timezone": "Europe/Berlin"}},
}


@router.put("/me/preferences", summary="Update learning preferences (goals, reviews per day, time zone)")
def update_preferences(
    principal: CurrentUser, body: Annotated[PreferencesUpdate, Body(openapi_examples=PREFERENCES_EXAMPLES)]
) -> UserPublic:
    """Omitted or null fields stay as they are. `timezone` is an IANA time zone name such as `Asia/Tokyo`: the
    learner's day, streak and daily limits begin at its midnight."""
    return profile.update_preferences(principal, body)


@router.get("/me/streaks", summary="The current study streak and past streaks, newest first")
def list_streaks(
    principal: CurrentUser,
    current_time: Now,
    limit: PageSize = 20,
    cursor: Cursor = None,
) -> StreakHistory:
    """A streak is a run of consecutive days of the learner's calendar with at least one review; each past one
    comes with its totals and milestones."""
    return streaks.streak_history(principal, current_time, limit, cursor)


@router.get(
    "/me/achievements",
    summary="Achievements with the learner's progress; records any just completed (newly_completed marks them)",
)
def list_achievements(principal: CurrentUser, current_time: Now) -> AchievementList:
    """Every achievement of the catalogue with the learner's count towards it. One completed since the last
    call is recorded now and marked `newly_completed` this once."""
    return achievements.achievements_for(principal, current_time)


@router.get("/me/export", summary="Export all of the account's data: a short-lived link to one JSON document")
def export_data(principal: CurrentUser, current_time: Now) -> DataExport:
    """Writes the profile and every item the account owns to one JSON document in storage and returns a link to
    it that expires soon (`expires_at`); each call writes a new document."""
    return export.export_user_data(principal, current_time)
