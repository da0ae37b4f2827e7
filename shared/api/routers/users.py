from fastapi import APIRouter

from shared.api.deps import CurrentUser
from shared.schemas.auth import PreferencesUpdate, UserPublic
from shared.services import profile

router = APIRouter(prefix="/users", tags=["users"])


@router.put("/me/preferences", summary="Update learning preferences (goals, reviews per day, time zone)")
def update_preferences(principal: CurrentUser, body: PreferencesUpdate) -> UserPublic:
    return profile.update_preferences(principal, body)
