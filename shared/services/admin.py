"""What administrators see and do."""

from shared.dal import users_repository
from shared.schemas.auth import UserPublic
from shared.schemas.common import Page
from shared.services.auth import Principal


def list_users(principal: Principal, limit: int, cursor: str | None) -> Page[UserPublic]:
    return users_repository.list_users(principal.user.id, limit, cursor)
