"""Users and their unique e-mail / username claims."""

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from shared.dal.users import UniqueKeyItem, UserItem
from shared.errors import Conflict
from shared.observability import tracer


@tracer.capture_method
def create_user(user: UserItem) -> UserItem:
    """Write the user and claim its e-mail and username in one transaction: of two simultaneous sign-ups
    with one address, exactly one succeeds."""
    user.derive_keys()
    try:
        with TransactWrite(connection=Connection(region=UserItem.Meta.region)) as transaction:
            transaction.save(user, condition=UserItem.user_id.does_not_exist())
            for key in (UniqueKeyItem.email_key(user.email), UniqueKeyItem.username_key(user.username)):
                claim = UniqueKeyItem(key=key, user_id=user.user_id)
                transaction.save(claim, condition=UniqueKeyItem.key.does_not_exist())
    except TransactWriteError as error:
        reasons = [reason.code for reason in (error.cancellation_reasons or []) if reason]
        if "ConditionalCheckFailed" in reasons:
            raise Conflict("that e-mail address or username is already registered") from error
        raise
    return user


@tracer.capture_method
def get_user(user_id: str) -> UserItem | None:
    try:
        return UserItem.get(user_id)
    except DoesNotExist:
        return None


@tracer.capture_method
def get_user_by_email(email: str) -> UserItem | None:
    try:
        claim = UniqueKeyItem.get(UniqueKeyItem.email_key(email))
    except DoesNotExist:
        return None
    return get_user(claim.user_id)
