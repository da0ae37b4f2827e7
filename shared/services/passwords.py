"""Password hashing with Argon2id (RFC 9106 low-memory profile: t=3, m=64 MiB, p=4).

About 60-100 ms a hash on one Lambda vCPU: slow for an attacker with a stolen table, fast enough for a login.
"""

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash was made with weaker parameters than today's: rehash at the next login."""
    return _hasher().check_needs_rehash(password_hash)
