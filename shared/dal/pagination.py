"""Opaque cursors for paginated Queries: DynamoDB's LastEvaluatedKey, base64url-encoded JSON."""

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pynamodb.models import Model

from shared.errors import InvalidInput

M = TypeVar("M", bound=Model)

MAX_CURSOR_LENGTH = 2048


@dataclass(frozen=True)
class ItemPage(Generic[M]):
    items: list[M]
    next_cursor: str | None


def encode_cursor(last_evaluated_key: dict[str, Any] | None) -> str | None:
    if not last_evaluated_key:
        return None
    raw = json.dumps(last_evaluated_key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    """Turn a client's cursor back into a start key; anything that is not one of ours is a 400."""
    if cursor is None:
        return None
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidInput("cursor is not valid")
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("cursor is not valid") from exc
    if not _is_key(decoded):
        raise InvalidInput("cursor is not valid")
    return decoded  # type: ignore[no-any-return]


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


def collect_page(results: Iterator[M], limit: int) -> ItemPage[M]:
    """Drain one page of a PynamoDB ResultIterator created with `limit`."""
    items = list(results)[:limit]
    return ItemPage(items=items, next_cursor=encode_cursor(getattr(results, "last_evaluated_key", None)))
