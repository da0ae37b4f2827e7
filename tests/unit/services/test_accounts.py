"""Accounts: uniqueness of e-mail and username, and passwords never stored in the clear."""

import pytest

from shared.dal import users_repository
from shared.dal.base import new_id
from shared.dal.users import UniqueKeyItem, UserItem
from shared.dal.users_repository import NewUser
from shared.domain.accounts import NewAccount
from shared.services.accounts import ensure_admin
from shared.services.passwords import hash_password, verify_password

pytestmark = pytest.mark.usefixtures("aws")


def test_admin_account_is_created_once() -> None:
    # When the admin account is ensured twice, the second time with another case of the e-mail and another password
    first = ensure_admin("Admin@Example.com", "admin", "correct horse battery")
    again = ensure_admin("admin@example.com", "admin", "another password")

    # Then only the first call created it, and the stored admin is a superuser who signs in with the first password only
    assert (first.created, again.created) == (True, False)
    admin = users_repository.get_user_by_email("ADMIN@example.com")
    assert admin is not None
    assert admin.is_admin is True
    assert verify_password(admin.password_hash, "correct horse battery")
    assert not verify_password(admin.password_hash, "another password")


def test_stored_user_holds_no_plaintext_password() -> None:
    # Given an admin account created with a password
    ensure_admin("admin@example.com", "admin", "correct horse battery")

    # When its stored item is read raw
    raw = UserItem.scan().next().to_simple_dict()  # a test may scan; request paths never do

    # Then the password appears nowhere in it, only its argon2id hash
    assert "correct horse battery" not in str(raw)
    assert raw["password_hash"].startswith("$argon2id$")


def test_an_email_or_username_cannot_be_registered_twice() -> None:
    # Given a user registered as a@example.com / aiko
    first = NewAccount(user_id=new_id(), email="a@example.com", username="aiko", password_hash=hash_password("x"))
    assert users_repository.create_user(first) is NewUser.CREATED

    # When sign-ups reuse the e-mail, the username in another case, or both, Then each is refused naming what is taken
    for email, username, outcome in (
        ("a@example.com", "other", NewUser.EMAIL_TAKEN),
        ("b@example.com", "AIKO", NewUser.USERNAME_TAKEN),
        ("a@example.com", "aiko", NewUser.EMAIL_TAKEN),
    ):
        refused = NewAccount(user_id=new_id(), email=email, username=username, password_hash="h")
        assert users_repository.create_user(refused) is outcome

    # Then the store holds the one user and its two uniqueness claims, nothing from the refused sign-ups
    assert UserItem.count() == 1
    assert UniqueKeyItem.count() == 2  # a refused sign-up leaves no half-written claim behind


def test_wrong_or_garbled_hashes_do_not_verify() -> None:
    # When a password is checked against a garbled hash or the hash of another password, Then neither verifies
    assert verify_password("not-a-hash", "x") is False
    assert verify_password(hash_password("secret one"), "secret two") is False
