"""Accounts as the auth rules (shared/services/auth.py, accounts.py, admin.py) see them and data access maps its
stored users, login sessions and e-mail tokens to and from (shared/dal/user_records.py, auth_repository.py)."""

from dataclasses import dataclass
from datetime import datetime

from shared.domain.scheduler import LearnerScheduler
from shared.domain.streaks import StudyCalendar
from shared.enums import JapaneseLevel, UserRole
from shared.schemas.auth import UserPublic


@dataclass(frozen=True)
class User:
    """A stored account, read in one item: what the learner and administrators see of it (`profile`), how it
    signs in, and the learner's study calendar and FSRS scheduler, which every authenticated request needs."""

    profile: UserPublic
    password_hash: str
    token_version: int  # moves on to end every session of the account at once
    calendar: StudyCalendar
    scheduler: LearnerScheduler
    # Where the learner's new sentences continue in the catalogue (moved on by the review aggregator); None: its start.
    new_sentences_place: str | None = None

    @property
    def user_id(self) -> str:
        return self.profile.id

    @property
    def is_admin(self) -> bool:
        return self.profile.role == UserRole.ADMIN


@dataclass(frozen=True)
class NewAccount:
    """An account to create; what is not named here starts at the stored defaults."""

    user_id: str
    email: str
    username: str
    password_hash: str
    first_name: str | None = None
    last_name: str | None = None
    native_language: str = "en"
    japanese_level: JapaneseLevel = JapaneseLevel.BEGINNER
    timezone: str = "UTC"
    is_admin: bool = False
    is_verified: bool = False


@dataclass(frozen=True)
class AuthSession:
    """One login on one device: a family of refresh tokens, each used once and replaced by the next.

    `generation` counts rotations; `token_hash` is the digest of the current generation's token and
    `retired_hashes` those of the last few before it (one of them presented again: a copied token)."""

    session_id: str
    user_id: str
    token_hash: str
    token_version: int  # the user's token_version at login
    expires_at: datetime
    generation: int = 0
    retired_hashes: tuple[str, ...] = ()
    revoked: bool = False
    last_used_at: datetime | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class ActionToken:
    """A single-use token sent by e-mail (verify an address, reset a password), kept as its digest."""

    token_hash: str
    purpose: str
    user_id: str
    expires_at: datetime
    used_at: datetime | None = None
