"""What authentication keeps: refresh-token families, single-use e-mail tokens and rate-limit counters.

No token is stored in the clear: only SHA-256 digests of high-entropy random values.
"""

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from shared.dal.base import TableMeta, TimestampedModel


class SessionsByUserIndex(GlobalSecondaryIndex["AuthSessionItem"]):
    """A user's sessions (keys only): what an account's deletion removes. Written once per login."""

    class Meta:
        index_name = "by_user"
        projection = KeysOnlyProjection()

    user_id = UnicodeAttribute(hash_key=True)
    session_id = UnicodeAttribute(range_key=True)


class TokensByUserIndex(GlobalSecondaryIndex["ActionTokenItem"]):
    """A user's e-mail tokens (keys only): what an account's deletion removes. Written once per e-mail sent."""

    class Meta:
        index_name = "by_user"
        projection = KeysOnlyProjection()

    user_id = UnicodeAttribute(hash_key=True)
    token_hash = UnicodeAttribute(range_key=True)


class AuthSessionItem(TimestampedModel):
    """One login on one device: a family of refresh tokens, each used once and replaced by the next.

    `generation` counts rotations. `retired_hashes` keeps the digests of the last few generations: presenting
    one of those again means a token was copied (stolen-token detection), and the whole family is revoked.
    """

    class Meta(TableMeta):
        table_name = "auth_sessions"

    session_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    generation = NumberAttribute(default=0)
    token_hash = UnicodeAttribute()
    retired_hashes = ListAttribute(of=UnicodeAttribute, default=list)
    token_version = NumberAttribute()  # the user's token_version at login: a password reset bumps it
    revoked = BooleanAttribute(default=False)
    revoked_reason = UnicodeAttribute(null=True)
    last_used_at = UTCDateTimeAttribute(null=True)
    user_agent = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()
    by_user = SessionsByUserIndex()

    @property
    def retired_digests(self) -> list[str]:
        return [str(value) for value in self.retired_hashes]


class ActionTokenItem(TimestampedModel):
    """A single-use token sent by e-mail: verify an address or reset a password."""

    class Meta(TableMeta):
        table_name = "action_tokens"

    token_hash = UnicodeAttribute(hash_key=True)
    purpose = UnicodeAttribute()
    user_id = UnicodeAttribute()
    used_at = UTCDateTimeAttribute(null=True)
    expires_at = TTLAttribute()
    by_user = TokensByUserIndex()


class RateLimitItem(TimestampedModel):
    """Hits of one client (an account or an IP) on one action within one fixed window."""

    class Meta(TableMeta):
        table_name = "rate_limits"

    key = UnicodeAttribute(hash_key=True)  # <action>#<scope>#<client>#<window start>
    hits = NumberAttribute(default=0)
    expires_at = TTLAttribute()
