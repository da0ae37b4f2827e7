"""Users and their unique e-mail / username claims."""

from datetime import datetime
from enum import Enum

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.update import Action

from shared.dal import analytics_repository, audit_repository
from shared.dal.analytics_repository import Figures, day_period
from shared.dal.audit_repository import AdminAction
from shared.dal.base import applied, atomic_writes, refused_conditions, utcnow
from shared.dal.pagination import collect_page, cursor_scope, decode_cursor
from shared.dal.user_records import user_of, user_public
from shared.dal.users import ADMIN_ROSTER, USER_LISTING, UniqueKeyItem, UserItem
from shared.domain.accounts import NewAccount, User
from shared.enums import UserRole
from shared.errors import NotFound
from shared.observability import tracer
from shared.schemas.admin import AuditAction
from shared.schemas.auth import UserPublic
from shared.schemas.common import Page

EMAIL_CLAIM, USERNAME_CLAIM = 1, 2  # positions of the claims in create_user's transaction (after the user)


class NewUser(Enum):
    CREATED = "created"
    EMAIL_TAKEN = "e-mail address taken"
    USERNAME_TAKEN = "username taken"


@tracer.capture_method
def create_user(account: NewAccount) -> NewUser:
    """Write the user and claim its e-mail and username in one transaction: of two simultaneous sign-ups
    with one address, exactly one succeeds. A taken address wins over a taken username."""
    user = UserItem(
        user_id=account.user_id,
        email=account.email,
        username=account.username,
        password_hash=account.password_hash,
        first_name=account.first_name,
        last_name=account.last_name,
        native_language=account.native_language,
        japanese_level=account.japanese_level,
        timezone=account.timezone,
        is_superuser=account.is_admin,
        is_verified=account.is_verified,
    )
    user.derive_keys()
    try:
        with atomic_writes() as writes:
            writes.save(user, condition=UserItem.user_id.does_not_exist())
            for key in (UniqueKeyItem.email_key(user.email), UniqueKeyItem.username_key(user.username)):
                writes.save(UniqueKeyItem(key=key, user_id=user.user_id), condition=UniqueKeyItem.key.does_not_exist())
            signed_up = user.created_at
            analytics_repository.count(
                writes, day_period(signed_up.date()), user.user_id, Figures(registrations=1), signed_up
            )
    except TransactWriteError as error:
        refused = refused_conditions(error)
        if EMAIL_CLAIM in refused:
            return NewUser.EMAIL_TAKEN
        if USERNAME_CLAIM in refused:
            return NewUser.USERNAME_TAKEN
        raise
    return NewUser.CREATED


@tracer.capture_method
def get_user(user_id: str, consistent_read: bool = False) -> User | None:
    try:
        return user_of(UserItem.get(user_id, consistent_read=consistent_read))
    except DoesNotExist:
        return None


@tracer.capture_method
def other_active_admin(user_id: str) -> str | None:
    """An active admin other than `user_id`, from the sparse index of active admins (two keys read at most)."""
    return next(
        (str(item.user_id) for item in UserItem.active_admins.query(ADMIN_ROSTER, limit=2) if item.user_id != user_id),
        None,
    )


@tracer.capture_method
def change_account(
    user: User,
    *,
    is_admin: bool,
    is_active: bool,
    audit: list[AuditAction],
    actor_id: str,
    keep_admin: str | None,
    now: datetime,
) -> UserPublic | None:
    """An administrator's change of an account's role or activation, with one audit entry per action, in one
    transaction. It holds only if the account is as read (its `updated_at`) and, where `keep_admin` is named,
    that one is still an active admin: so two admins removing each other at once cannot leave none. None when a
    condition failed (read again). Deactivating also ends every session of the account (its token version)."""
    roster = UserItem.roster_key(is_admin, is_active)
    actions: list[Action] = [
        UserItem.is_superuser.set(is_admin),
        UserItem.is_active.set(is_active),
        UserItem.admin_roster.set(roster) if roster else UserItem.admin_roster.remove(),
        UserItem.updated_at.set(now),
    ]
    if user.profile.is_active and not is_active:
        actions.append(UserItem.token_version.add(1))
    try:
        with atomic_writes() as transaction:
            transaction.update(
                UserItem(user_id=user.user_id),
                actions=actions,
                condition=UserItem.updated_at == user.profile.updated_at,
            )
            if keep_admin is not None:
                transaction.condition_check(UserItem, keep_admin, condition=UserItem.admin_roster == ADMIN_ROSTER)
            for action in audit:
                audit_repository.record(transaction, user.user_id, AdminAction(actor_id, action), now)
    except TransactWriteError as error:
        if refused_conditions(error):
            return None
        raise
    role = UserRole.ADMIN if is_admin else UserRole.USER
    return user.profile.model_copy(update={"role": role, "is_active": is_active, "updated_at": now})


@tracer.capture_method
def close_account(user_id: str, keep_admin: str | None, now: datetime) -> bool:
    """The learner asked for their account's deletion: it is refused from now on and every session ends (its token
    version moves on), it leaves the admin roster and the scheduled checks, until its deletion job erases it. Holds
    only on an active account and, where `keep_admin` is named, while that one is still an active admin (so the last
    one cannot go). False when a condition failed."""
    try:
        with atomic_writes() as transaction:
            transaction.update(
                UserItem(user_id=user_id),
                actions=[
                    UserItem.is_active.set(False),
                    UserItem.token_version.add(1),
                    UserItem.deletion_requested_at.set(now),
                    UserItem.admin_roster.remove(),
                    UserItem.check_key.remove(),
                    UserItem.check_at.remove(),
                    UserItem.updated_at.set(now),
                ],
                condition=UserItem.user_id.exists() & (UserItem.is_active == True),  # noqa: E712 (an expression)
            )
            if keep_admin is not None:
                transaction.condition_check(UserItem, keep_admin, condition=UserItem.admin_roster == ADMIN_ROSTER)
    except TransactWriteError as error:
        if refused_conditions(error):
            return False
        raise
    return True


@tracer.capture_method
def longest_streaks(user_ids: set[str]) -> dict[str, int]:
    """Each existing user's longest streak: BatchGetItem, 100 keys a request."""
    return {
        str(user.user_id): int(user.longest_streak_days)
        for user in UserItem.batch_get(user_ids, attributes_to_get=["user_id", "longest_streak_days"])
    }


@tracer.capture_method
def keeping_their_data(user_ids: set[str]) -> set[str]:
    """Those of the users who exist and have not asked for their account's deletion: BatchGetItem, 100 keys a
    request, consistent (a deletion asked a moment ago counts)."""
    users = UserItem.batch_get(user_ids, consistent_read=True, attributes_to_get=["user_id", "deletion_requested_at"])
    return {str(user.user_id) for user in users if user.deletion_requested_at is None}


@tracer.capture_method
def get_user_by_email(email: str) -> User | None:
    try:
        claim = UniqueKeyItem.get(UniqueKeyItem.email_key(email))
    except DoesNotExist:
        return None
    return get_user(claim.user_id)


@tracer.capture_method
def update_user(user_id: str, changes: dict[str, object]) -> UserPublic:
    """Set the given attributes in one UpdateItem; the user must still exist (no resurrection by update)."""
    user = UserItem(user_id=user_id)
    actions = [getattr(UserItem, name).set(value) for name, value in changes.items()]
    actions.append(UserItem.updated_at.set(utcnow()))
    if not applied(lambda: user.update(actions=actions, condition=UserItem.user_id.exists())):
        raise NotFound("user not found")
    return user_public(user)


def mark_verified(user_id: str) -> None:
    """The user read a mail sent to their address: it is theirs."""
    update_user(user_id, {"is_verified": True})


def store_rehashed_password(user_id: str, password_hash: str) -> None:
    """The same password, hashed again with today's parameters: the sessions stay."""
    update_user(user_id, {"password_hash": password_hash})


@tracer.capture_method
def set_password(user_id: str, password_hash: str) -> None:
    """Store a new password hash and end every session of the user (their token_version moves on)."""
    UserItem(user_id=user_id).update(
        actions=[
            UserItem.password_hash.set(password_hash),
            UserItem.is_verified.set(True),  # whoever read the reset mail owns the address
            UserItem.token_version.add(1),
            UserItem.updated_at.set(utcnow()),
        ],
        condition=UserItem.user_id.exists(),
    )


@tracer.capture_method
def list_users(reader: str, limit: int, cursor: str | None) -> Page[UserPublic]:
    """Users newest first, from the sign-up index (admins only); the cursor is the reading admin's."""
    scope = cursor_scope("admin.users", reader)
    results = UserItem.by_signup.query(
        USER_LISTING, scan_index_forward=False, limit=limit, last_evaluated_key=decode_cursor(cursor, scope)
    )
    page = collect_page(results, limit, scope)  # keys only: the users themselves in one BatchGetItem
    users = {user.user_id: user for user in UserItem.batch_get([key.user_id for key in page.items])}
    listed = [users[key.user_id] for key in page.items if key.user_id in users]
    return Page[UserPublic](items=[user_public(u) for u in listed], next_cursor=page.next_cursor)


@tracer.capture_method
def new_sentences_place(user_id: str) -> str | None:
    """Where the learner's new sentences continue in the catalogue (None: at its start, or no such user)."""
    try:
        item = UserItem.get(user_id, consistent_read=True, attributes_to_get=[UserItem.new_sentences_cursor.attr_name])
    except DoesNotExist:
        return None
    return item.new_sentences_cursor


@tracer.capture_method
def move_new_sentences_place(user_id: str, read: str | None, place: str) -> bool:
    """Move the place on, on condition that the user is there and the place is as read: False otherwise."""
    as_read = UserItem.new_sentences_cursor.does_not_exist() if read is None else UserItem.new_sentences_cursor == read
    return applied(
        lambda: UserItem(user_id=user_id).update(
            actions=[UserItem.new_sentences_cursor.set(place)], condition=UserItem.user_id.exists() & as_read
        )
    )
