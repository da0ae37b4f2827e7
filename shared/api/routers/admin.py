from fastapi import APIRouter

from shared.api.deps import AdminUser
from shared.api.params import Cursor, PageSize
from shared.schemas.auth import UserPublic
from shared.schemas.common import Page
from shared.services import admin

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/users", summary="Users, newest first")
def list_users(_: AdminUser, limit: PageSize = 50, cursor: Cursor = None) -> Page[UserPublic]:
    return admin.list_users(limit, cursor)
