from fastapi import APIRouter

from shared.api.deps import CurrentUser, Now
from shared.api.params import Cursor, PageSize
from shared.schemas.achievements import AchievementList
from shared.schemas.auth import PreferencesUpdate, UserPublic
from shared.schemas.export import DataExport
from shared.schemas.streaks import StreakHistory
from shared.services import achievements, export, profile, streaks

router = APIRouter(prefix="/users", tags=["users"])


@router.put("/me/preferences", summary="Update learning preferences (goals, reviews per day, time zone)")
def update_preferences(principal: CurrentUser, body: PreferencesUpdate) -> UserPublic:
    return profile.update_preferences(principal, body)


@router.get("/me/streaks", summary="The current study streak and past streaks, newest first")
def study_streaks(
    principal: CurrentUser,
    current_time: Now,
    limit: PageSize = 20,
    cursor: Cursor = None,
) -> StreakHistory:
    return streaks.streak_history(principal, current_time, limit, cursor)


@router.get(
    "/me/achievements",
    summary="Achievements with the learner's progress; records any just completed (newly_completed marks them)",
)
def learner_achievements(principal: CurrentUser, current_time: Now) -> AchievementList:
    return achievements.achievements_for(principal, current_time)


@router.get("/me/export", summary="Export all of the account's data: a short-lived link to one JSON document")
def export_data(principal: CurrentUser, current_time: Now) -> DataExport:
    return export.export_user_data(principal, current_time)
