"""What administrators see and do."""

from shared.dal import users_repository
from shared.schemas.auth import UserPublic
from shared.schemas.common import Page


def list_users(limit: int, cursor: str | None) -> Page[UserPublic]:
    return users_repository.list_users(limit, cursor)
