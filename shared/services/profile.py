"""A learner's own profile and learning preferences. Omitted or null fields are left as they are."""

from shared.dal import users_repository
from shared.schemas.auth import PreferencesUpdate, ProfileUpdate, UserPublic
from shared.services.auth import Principal


def update_profile(principal: Principal, changes: ProfileUpdate) -> UserPublic:
    return _apply(principal, changes.model_dump(exclude_none=True))


def update_preferences(principal: Principal, changes: PreferencesUpdate) -> UserPublic:
    return _apply(principal, changes.model_dump(exclude_none=True))


def _apply(principal: Principal, changes: dict[str, object]) -> UserPublic:
    if not changes:
        return principal.user
    return users_repository.update_user(principal.user.id, changes)
