"""What administrators see and do. Every change of an account is written with its audit entry, together."""

from datetime import datetime
from typing import Final

from shared.dal import audit_repository, users_repository
from shared.domain.accounts import User
from shared.enums import UserRole
from shared.errors import Conflict, NotFound
from shared.schemas.admin import AccountUpdate, AuditAction, AuditEntry
from shared.schemas.auth import UserPublic
from shared.schemas.common import Page
from shared.services.auth import Principal

ACCOUNT_CHANGE_ATTEMPTS: Final = 3


def list_users(principal: Principal, limit: int, cursor: str | None) -> Page[UserPublic]:
    return users_repository.list_users(principal.user.id, limit, cursor)


def update_user(principal: Principal, user_id: str, change: AccountUpdate, now: datetime) -> UserPublic:
    """Deactivate or reactivate an account, or change its role. A deactivated account is refused at once: the
    user is read on every request and refresh, and its sessions end. The last active admin cannot be removed."""
    for _ in range(ACCOUNT_CHANGE_ATTEMPTS):
        user = users_repository.get_user(user_id, consistent_read=True)
        if user is None:
            raise NotFound("user not found")
        is_admin = user.is_admin if change.role is None else change.role == UserRole.ADMIN
        is_active = user.profile.is_active if change.is_active is None else change.is_active
        audit = _actions(user, is_admin, is_active)
        if not audit:
            return user.profile  # already so: nothing to change or record
        keep_admin = None
        if user.is_admin and user.profile.is_active and not (is_admin and is_active):
            keep_admin = users_repository.other_active_admin(user_id)
            if keep_admin is None:
                raise Conflict("this is the last active admin: make another account admin first")
        changed = users_repository.change_account(
            user,
            is_admin=is_admin,
            is_active=is_active,
            audit=audit,
            actor_id=principal.user.id,
            keep_admin=keep_admin,
            now=now,
        )
        if changed is not None:
            return changed
    raise Conflict("this account kept changing while it was updated; try again")


def _actions(user: User, is_admin: bool, is_active: bool) -> list[AuditAction]:
    """The audit log's names for what the change does, in a fixed order."""
    actions: list[AuditAction] = []
    if is_active != user.profile.is_active:
        actions.append("reactivate" if is_active else "deactivate")
    if is_admin != user.is_admin:
        actions.append("make_admin" if is_admin else "remove_admin")
    return actions


def audit_log(principal: Principal, target_id: str, limit: int, cursor: str | None) -> Page[AuditEntry]:
    """What administrators did to an account or a sentence, newest first."""
    return audit_repository.entries(target_id, principal.user.id, limit, cursor)
