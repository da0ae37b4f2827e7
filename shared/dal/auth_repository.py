"""Refresh-token families, single-use e-mail tokens and rate-limit counters."""

from datetime import datetime
from typing import Any, TypeVar, cast

from pynamodb.exceptions import DoesNotExist, TransactGetError
from pynamodb.models import Model
from pynamodb.transactions import TransactGet

from shared.dal.auth import ActionTokenItem, AuthSessionItem, RateLimitItem
from shared.dal.base import applied, loaded, utcnow
from shared.dal.clients import transaction_connection
from shared.dal.user_records import user_of
from shared.dal.users import UserItem
from shared.domain.accounts import ActionToken, AuthSession, User
from shared.observability import tracer

M = TypeVar("M", bound=Model)


@tracer.capture_method
def create_session(session: AuthSession) -> None:
    AuthSessionItem(
        session_id=session.session_id,
        user_id=session.user_id,
        generation=session.generation,
        token_hash=session.token_hash,
        retired_hashes=list(session.retired_hashes),
        token_version=session.token_version,
        revoked=session.revoked,
        last_used_at=session.last_used_at,
        user_agent=session.user_agent,
        expires_at=session.expires_at,
    ).save(condition=AuthSessionItem.session_id.does_not_exist())


def _session_of(item: AuthSessionItem) -> AuthSession:
    return AuthSession(
        session_id=str(item.session_id),
        user_id=str(item.user_id),
        token_hash=str(item.token_hash),
        token_version=int(item.token_version),
        expires_at=item.expires_at,
        generation=int(item.generation),
        retired_hashes=tuple(item.retired_digests),
        revoked=bool(item.revoked),
        last_used_at=item.last_used_at,
        user_agent=item.user_agent,
    )


@tracer.capture_method
def get_session(session_id: str) -> AuthSession | None:
    try:
        return _session_of(AuthSessionItem.get(session_id, consistent_read=True))
    except DoesNotExist:
        return None


@tracer.capture_method
def user_and_session(user_id: str, session_id: str) -> tuple[User | None, AuthSession | None]:
    """Both records an access token depends on, read together and strongly consistent, in one call."""
    try:
        with TransactGet(connection=transaction_connection()) as transaction:
            user = transaction.get(UserItem, user_id)
            session = transaction.get(AuthSessionItem, session_id)
    except TransactGetError:
        return None, None
    user_item, session_item = loaded(user), loaded(session)
    return (
        user_of(user_item) if user_item is not None else None,
        _session_of(session_item) if session_item is not None else None,
    )


@tracer.capture_method
def rotate_session(
    session_id: str, expected_generation: int, new_hash: str, retired_hashes: list[str], now: datetime
) -> bool:
    """Advance the family one generation; False when another request rotated or revoked it first."""
    return applied(
        lambda: AuthSessionItem(session_id=session_id).update(
            actions=[
                AuthSessionItem.generation.set(expected_generation + 1),
                AuthSessionItem.token_hash.set(new_hash),
                AuthSessionItem.retired_hashes.set(cast(Any, retired_hashes)),  # PynamoDB types the list loosely
                AuthSessionItem.last_used_at.set(now),
                AuthSessionItem.updated_at.set(now),
            ],
            condition=(AuthSessionItem.generation == expected_generation) & (AuthSessionItem.revoked == False),  # noqa: E712
        )
    )


@tracer.capture_method
def revoke_session(session_id: str, reason: str) -> None:
    """End the session; one that does not exist (any more) is left so."""
    now = utcnow()
    applied(
        lambda: AuthSessionItem(session_id=session_id).update(
            actions=[
                AuthSessionItem.revoked.set(True),
                AuthSessionItem.revoked_reason.set(reason),
                AuthSessionItem.updated_at.set(now),
            ],
            condition=AuthSessionItem.session_id.exists(),
        )
    )


@tracer.capture_method
def save_action_token(token: ActionToken) -> None:
    ActionTokenItem(
        token_hash=token.token_hash,
        purpose=token.purpose,
        user_id=token.user_id,
        used_at=token.used_at,
        expires_at=token.expires_at,
    ).save(condition=ActionTokenItem.token_hash.does_not_exist())


@tracer.capture_method
def consume_action_token(token_hash: str, purpose: str, now: datetime) -> str | None:
    """Mark the token used and return its user, once: a used, expired or unknown token gives None."""
    item = ActionTokenItem(token_hash=token_hash)
    usable = (
        ActionTokenItem.token_hash.exists()
        & ActionTokenItem.used_at.does_not_exist()
        & (ActionTokenItem.purpose == purpose)
        & (ActionTokenItem.expires_at > now)
    )
    if not applied(lambda: item.update(actions=[ActionTokenItem.used_at.set(now)], condition=usable)):
        return None
    return item.user_id


@tracer.capture_method
def count_hit(key: str, expires_at: datetime) -> int:
    """Add one hit to a rate-limit window and return the window's total (one atomic UpdateItem)."""
    item = RateLimitItem(key=key)
    item.update(actions=[RateLimitItem.hits.add(1), RateLimitItem.expires_at.set(expires_at)])
    return int(item.hits)


@tracer.capture_method
def hits(key: str) -> int:
    try:
        return int(RateLimitItem.get(key).hits)
    except DoesNotExist:
        return 0


@tracer.capture_method
def get_action_token(token_hash: str) -> ActionToken | None:
    try:
        item = ActionTokenItem.get(token_hash, consistent_read=True)
    except DoesNotExist:
        return None
    return ActionToken(
        token_hash=str(item.token_hash),
        purpose=str(item.purpose),
        user_id=str(item.user_id),
        expires_at=item.expires_at,
        used_at=item.used_at,
    )
