"""Opaque, authenticated cursors for paginated Queries.

A cursor is DynamoDB's LastEvaluatedKey and an expiry, sealed with AES-256-GCM under the cursor key (Secrets
Manager). The list it belongs to and who read it (the caller, the partition, the filters) are the associated
data: a cursor altered, made up, borrowed from another list or another learner, or older than
`CURSOR_LIFETIME` fails to open, and the caller gets a 400. Clients see random bytes, never keys or user ids.
"""

import base64
import binascii
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pynamodb.models import Model

from shared.dal import key_store
from shared.errors import InvalidInput

M = TypeVar("M", bound=Model)

MAX_CURSOR_LENGTH = 2048
CURSOR_LIFETIME_SECONDS = 24 * 3600  # a phone resumes a list within a day; older positions are stale anyway
NONCE_BYTES = 12
INVALID_CURSOR = "cursor is not valid for this list; start again from the first page"
EXPIRED_CURSOR = "cursor has expired; start again from the first page"


@dataclass(frozen=True)
class CursorScope:
    """What a cursor is valid for: one list, read with the same binding (caller, partition, filters)."""

    list_name: str
    binding: tuple[str, ...] = ()

    def associated_data(self) -> bytes:
        return json.dumps([self.list_name, *self.binding], separators=(",", ":")).encode()


def cursor_scope(list_name: str, *binding: str | None) -> CursorScope:
    return CursorScope(list_name, tuple("" if part is None else part for part in binding))


@dataclass(frozen=True)
class ItemPage(Generic[M]):
    items: list[M]
    next_cursor: str | None


def encode_cursor(last_evaluated_key: dict[str, Any] | None, scope: CursorScope) -> str | None:
    if not last_evaluated_key:
        return None
    plain = json.dumps(
        {"k": last_evaluated_key, "x": int(time.time()) + CURSOR_LIFETIME_SECONDS}, separators=(",", ":")
    ).encode()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key_store.cursor_key()).encrypt(nonce, plain, scope.associated_data())
    return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def decode_cursor(cursor: str | None, scope: CursorScope) -> dict[str, Any] | None:
    """Turn a client's cursor back into a start key; anything that is not ours, for this list, is a 400."""
    if cursor is None:
        return None
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidInput(INVALID_CURSOR)
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        plain = AESGCM(key_store.cursor_key()).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], scope.associated_data())
        content = json.loads(plain)
    except (binascii.Error, ValueError, InvalidTag) as exc:
        raise InvalidInput(INVALID_CURSOR) from exc
    if not isinstance(content, dict) or not isinstance(content.get("x"), int) or not _is_key(content.get("k")):
        raise InvalidInput(INVALID_CURSOR)
    if content["x"] < time.time():
        raise InvalidInput(EXPIRED_CURSOR)
    return content["k"]  # type: ignore[no-any-return]


def _is_key(value: Any) -> bool:
    """A start key maps attribute names to one typed value each: {"user_id": {"S": "…"}}."""
    return (
        isinstance(value, dict)
        and 0 < len(value) <= 4
        and all(
            isinstance(name, str)
            and isinstance(typed, dict)
            and len(typed) == 1
            and next(iter(typed)) in {"S", "N"}
            and isinstance(next(iter(typed.values())), str)
            for name, typed in value.items()
        )
    )


def collect_page(results: Iterator[M], limit: int, scope: CursorScope) -> ItemPage[M]:
    """Drain one page of a PynamoDB ResultIterator created with `limit`."""
    items = list(results)[:limit]
    return ItemPage(items=items, next_cursor=encode_cursor(getattr(results, "last_evaluated_key", None), scope))
