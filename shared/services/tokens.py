"""Access tokens (ES256 JWTs) and opaque refresh and e-mail tokens.

Access tokens carry `iss`, `aud`, `sub`, `exp`, `iat`, `jti`, the user's `role` and the session id `sid`.
Every decode pins the algorithm, issuer and audience; a token whose `kid` is unknown is refused.
"""

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from jose import JWTError, jwt

from shared.dal import key_store
from shared.enums import UserRole
from shared.errors import NotAuthenticated
from shared.services.signing_keys import SIGNING_ALGORITHM
from shared.settings import get_settings

REFRESH_SECRET_BYTES = 32
# What login and refresh issue: `<session id (UUID)>.<generation>.<43 base64url characters>`. ASCII only:
# "²" is a digit to str.isdigit, but not to int().
REFRESH_TOKEN = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.(0|[1-9][0-9]{0,8})\.[A-Za-z0-9_-]{43}", re.ASCII
)
INVALID_REFRESH_TOKEN = "the refresh token is invalid or expired"
ACTION_TOKEN_BYTES = 32
INVALID_TOKEN = "the access token is missing, invalid or expired"


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    session_id: str
    role: UserRole
    token_id: str


def issue_access_token(user_id: str, session_id: str, role: UserRole, now: datetime) -> tuple[str, int]:
    settings = get_settings()
    lifetime = timedelta(minutes=settings.access_token_minutes)
    key = key_store.signing_key()
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": user_id,
        "sid": session_id,
        "role": role.value,
        "jti": uuid.uuid4().hex,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    token = jwt.encode(claims, key.private_key_pem, algorithm=SIGNING_ALGORITHM, headers={"kid": key.kid})
    return token, int(lifetime.total_seconds())


def verify_access_token(token: str) -> AccessClaims:
    settings = get_settings()
    try:
        header = jwt.get_unverified_header(token)
        public_key = key_store.verification_keys().get(str(header.get("kid")))
        if public_key is None or header.get("alg") != SIGNING_ALGORITHM:
            raise NotAuthenticated(INVALID_TOKEN)
        claims = jwt.decode(
            token,
            public_key,
            algorithms=[SIGNING_ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require_exp": True, "require_iat": True, "require_sub": True, "require_jti": True},
        )
        return AccessClaims(
            user_id=str(claims["sub"]), session_id=str(claims["sid"]), role=UserRole(claims["role"]),
            token_id=str(claims["jti"]),
        )  # fmt: skip
    except (JWTError, KeyError, ValueError) as error:
        raise NotAuthenticated(INVALID_TOKEN) from error


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class RefreshToken:
    """`<session id>.<generation>.<secret>`; only the digest of `<generation>.<secret>` is stored."""

    session_id: str
    generation: int
    secret: str

    def __str__(self) -> str:
        return f"{self.session_id}.{self.generation}.{self.secret}"

    @property
    def digest(self) -> str:
        return digest(f"{self.generation}.{self.secret}")

    @classmethod
    def new(cls, session_id: str, generation: int) -> "RefreshToken":
        return cls(session_id, generation, secrets.token_urlsafe(REFRESH_SECRET_BYTES))

    @classmethod
    def parse(cls, value: str) -> "RefreshToken":
        """The token's three parts; anything not shaped as we issue them is refused before any read."""
        if REFRESH_TOKEN.fullmatch(value) is None:
            raise NotAuthenticated(INVALID_REFRESH_TOKEN)
        session_id, generation, secret = value.split(".")
        return cls(session_id, int(generation), secret)


def new_action_token() -> str:
    return secrets.token_urlsafe(ACTION_TOKEN_BYTES)
