"""Accounts: creation of users and the operator's admin account."""

from dataclasses import dataclass

from shared.dal import users_repository
from shared.dal.base import new_id
from shared.domain.accounts import NewAccount
from shared.services.passwords import hash_password


@dataclass(frozen=True)
class AdminAccount:
    email: str
    created: bool


def ensure_admin(email: str, username: str, password: str) -> AdminAccount:
    """Create the admin account unless a user with that e-mail exists (a kept local store, a re-run)."""
    if users_repository.get_user_by_email(email) is not None:
        return AdminAccount(email=email, created=False)
    admin = NewAccount(
        user_id=new_id(),
        email=email.strip().lower(),
        username=username,
        password_hash=hash_password(password),
        is_admin=True,
        is_verified=True,
    )
    created = users_repository.create_user(admin) is users_repository.NewUser.CREATED
    return AdminAccount(email=email, created=created)
