"""DynamoDB cancels a transaction that collides with another on one of its items (TransactionConflict), which
the emulator never does: sign-ups and streak days are sent again instead of answering 500."""

from typing import Any

import pytest
from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError
from pynamodb.transactions import TransactWrite

from shared.dal import users_repository
from shared.dal.base import COLLISION_ATTEMPTS, new_id
from shared.dal.users import UniqueKeyItem, UserItem
from shared.dal.users_repository import NewUser
from shared.domain.accounts import NewAccount

pytestmark = pytest.mark.usefixtures("aws")


def cancelled(*codes: str | None) -> TransactWriteError:
    cause = VerboseClientError(
        {"Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"}},
        "TransactWriteItems",
        cancellation_reasons=[CancellationReason(code=code) if code else None for code in codes],
    )
    return TransactWriteError("Failed to commit transaction", cause=cause)


@pytest.fixture
def collisions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make the next N commits collide: append N to the list."""
    pending: list[int] = []
    real_commit = TransactWrite._commit

    def commit(self: TransactWrite) -> Any:
        if pending and pending[0] > 0:
            pending[0] -= 1
            raise cancelled(None, "TransactionConflict", None)
        return real_commit(self)

    monkeypatch.setattr(TransactWrite, "_commit", commit)
    return pending


def new_user(email: str = "aiko@example.com", username: str = "aiko") -> NewAccount:
    return NewAccount(user_id=new_id(), email=email, username=username, password_hash="h")


def test_a_sign_up_that_collides_is_sent_again_and_stored_once(collisions: list[int]) -> None:
    # Given a sign-up whose transaction collides on all but its last attempt
    collisions.append(COLLISION_ATTEMPTS - 1)

    # When it is made, Then the user is created, stored once with its two uniqueness claims
    assert users_repository.create_user(new_user()) is NewUser.CREATED
    assert (UserItem.count(), UniqueKeyItem.count()) == (1, 2)


def test_a_refused_condition_is_not_sent_again(collisions: list[int]) -> None:
    # Given a user signed up with an e-mail
    assert users_repository.create_user(new_user()) is NewUser.CREATED

    # When another sign-up with that e-mail is refused by its condition, Then it answers e-mail taken and one user stays
    assert users_repository.create_user(new_user(username="other")) is NewUser.EMAIL_TAKEN
    assert UserItem.count() == 1


def test_collisions_that_do_not_stop_surface_as_the_error(collisions: list[int]) -> None:
    # Given a sign-up whose transaction collides on every attempt
    collisions.append(COLLISION_ATTEMPTS)

    # When it is made, Then the transaction error surfaces and nothing is stored
    with pytest.raises(TransactWriteError):
        users_repository.create_user(new_user())
    assert (UserItem.count(), UniqueKeyItem.count()) == (0, 0)
