"""Base model and attribute types shared by every table."""

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar
from uuid import uuid4

from pynamodb.attributes import Attribute, UTCDateTimeAttribute
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE, STRING
from pynamodb.exceptions import (
    DeleteError,
    DoesNotExist,
    PutError,
    PynamoDBException,
    TransactGetError,
    TransactWriteError,
    UpdateError,
)
from pynamodb.expressions.update import Action
from pynamodb.models import Model, _ModelFuture
from pynamodb.transactions import TransactWrite

from shared.dal.clients import transaction_connection

E = TypeVar("E", bound=StrEnum)
M = TypeVar("M", bound=Model)
V = TypeVar("V")


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid4())


class EnumAttribute(Attribute[E], Generic[E]):
    """A string attribute that only stores members of one enum; a bad value fails before it is written."""

    attr_type = STRING

    def __init__(self, enum_type: type[E], **kwargs: Any) -> None:
        self.enum_type = enum_type
        super().__init__(**kwargs)

    def serialize(self, value: E | str) -> str:
        return self.enum_type(value).value

    def deserialize(self, value: str) -> E:
        return self.enum_type(value)


class DateAttribute(Attribute[date]):
    """A calendar date stored as ISO `YYYY-MM-DD`, which sorts in date order."""

    attr_type = STRING

    def serialize(self, value: date) -> str:
        if isinstance(value, datetime) or not isinstance(value, date):
            raise ValueError(f"expected a date, got {value!r}")
        return value.isoformat()

    def deserialize(self, value: str) -> date:
        return date.fromisoformat(value)


class TableMeta:
    """Meta defaults of every table. `table_name` holds the logical name until `bind_tables` runs."""

    table_name: str
    region = "us-east-1"
    billing_mode = PAY_PER_REQUEST_BILLING_MODE


class TimestampedModel(Model):
    """A table row with the plan's `created_at` / `updated_at`; derived key attributes are set on save."""

    created_at = UTCDateTimeAttribute(default_for_new=utcnow)
    updated_at = UTCDateTimeAttribute(default=utcnow)

    def derive_keys(self) -> None:
        """Fill attributes derived from others (composite index keys). Subclasses override."""

    def save(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self.updated_at = utcnow()
        self.derive_keys()
        return super().save(*args, **kwargs)


def batch_save(model: type[TimestampedModel], items: Iterable[TimestampedModel]) -> int:
    """Write many items of one table in batched requests (25 a call): imports and seeding, not request paths."""
    count = 0
    with model.batch_write() as batch:
        for item in items:
            item.derive_keys()
            batch.save(item)
            count += 1
    return count


BATCH_GET_KEYS = 100  # DynamoDB's limit of keys in one BatchGetItem, whatever tables they are in
UNPROCESSED_RETRIES = 5  # DynamoDB may hand back some keys of a batch (throttling, 16 MB): asked again, with backoff


@dataclass(frozen=True)
class ItemKey:
    """One item to read in a batch: its model (which names the table) and its key."""

    model: type[Model]
    hash_key: Any
    range_key: Any = None

    def serialized(self) -> dict[str, Any]:
        keys = [(self.model._hash_key_attribute(), self.hash_key)]
        if self.range_key is not None:
            keys.append((self.model._range_key_attribute(), self.range_key))
        return {attribute.attr_name: {attribute.attr_type: attribute.serialize(value)} for attribute, value in keys}


@dataclass(frozen=True)
class ReadItems:
    """What `batch_read` found (an absent key is simply missing), asked for by model."""

    items: tuple[Model, ...]

    def all(self, model: type[M]) -> list[M]:
        """The items found of `model` (a subclass picked by a discriminator counts as its base's and as itself)."""
        return [item for item in self.items if isinstance(item, model)]

    def one(self, model: type[M]) -> M | None:
        """The item found of `model`, where one key of it was asked for."""
        return next(iter(self.all(model)), None)


def batch_read(keys: Sequence[ItemKey], consistent: Iterable[type[Model]] = ()) -> ReadItems:
    """Items of several tables in one BatchGetItem per 100 keys (so one call for a request's few dozen), the keys a
    batch hands back asked again (one model per table, whose `from_raw_data` picks a subclass by its discriminator).
    `consistent`: the models read strongly consistent (the others eventually: half the read units)."""
    keys = list({(key.model, key.hash_key, key.range_key): key for key in keys}.values())  # DynamoDB refuses repeats
    strong = set(consistent)
    found: list[Model] = []
    models = {str(key.model.Meta.table_name): key.model for key in keys}
    for start in range(0, len(keys), BATCH_GET_KEYS):
        request: dict[str, Any] = {}
        for key in keys[start : start + BATCH_GET_KEYS]:
            table = request.setdefault(
                str(key.model.Meta.table_name), {"Keys": [], "ConsistentRead": key.model in strong}
            )
            table["Keys"].append(key.serialized())
        for attempt in range(UNPROCESSED_RETRIES + 1):
            answer = transaction_connection().dispatch("BatchGetItem", {"RequestItems": request})
            for table, items in answer.get("Responses", {}).items():
                found += [models[table].from_raw_data(item) for item in items]
            request = answer.get("UnprocessedKeys") or {}
            if not request:
                break
            if attempt == UNPROCESSED_RETRIES:
                raise RuntimeError(f"DynamoDB kept keys of {sorted(request)} unprocessed")
            time.sleep(0.05 * 2**attempt)
    return ReadItems(tuple(found))


def set_or_remove(attribute: Attribute[V], value: V | None) -> Action:
    """The update action that stores `value`, or removes the attribute for None (DynamoDB stores no nulls here)."""
    return attribute.remove() if value is None else attribute.set(value)


def is_condition_failure(error: PynamoDBException) -> bool:
    """A conditional write refused because its condition did not hold: an expected outcome, not an outage."""
    return error.cause_response_code == "ConditionalCheckFailedException"


def applied(conditional_write: Callable[[], object]) -> bool:
    """Run one conditional PutItem, UpdateItem or DeleteItem: False when DynamoDB refused its condition (an
    expected outcome the caller decides about), True when it was written; any other failure raises."""
    try:
        conditional_write()
    except (PutError, UpdateError, DeleteError) as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def refused_conditions(error: TransactWriteError) -> set[int]:
    """Positions (in DynamoDB's order: checks, deletes, puts, updates) of the transaction's writes whose
    condition did not hold; empty when the transaction failed for another reason."""
    reasons = error.cancellation_reasons or []
    return {index for index, reason in enumerate(reasons) if reason and reason.code == "ConditionalCheckFailed"}


COLLISION_ATTEMPTS = 3


class CollisionRetryingTransactWrite(TransactWrite):
    """A TransactWriteItems sent again when DynamoDB cancels it only for colliding with another transaction on
    one of its items (TransactionConflict: nothing was written). A refused condition, or a third collision,
    raises TransactWriteError for the caller to read. The emulator never collides; DynamoDB does under load."""

    def _commit(self) -> Any:
        for attempt in range(1, COLLISION_ATTEMPTS + 1):
            try:
                return super()._commit()
            except TransactWriteError as error:
                if attempt == COLLISION_ATTEMPTS or refused_conditions(error) or not collided(error):
                    raise
        raise AssertionError("unreachable")


def atomic_writes() -> CollisionRetryingTransactWrite:
    """`with atomic_writes() as t: t.save(...)`: every TransactWriteItems of the system goes through here."""
    return CollisionRetryingTransactWrite(connection=transaction_connection())


def collided(error: TransactWriteError | TransactGetError) -> bool:
    """The transaction met another one writing the same item at that moment (DynamoDB's TransactionConflict):
    nothing was written (or read), and trying again after reading again is the answer. The emulator never says this."""
    return any(reason and reason.code == "TransactionConflict" for reason in error.cancellation_reasons or [])


def loaded(future: _ModelFuture[M]) -> M | None:
    """The item a TransactGet read, or None where there was none."""
    try:
        return future.get()
    except DoesNotExist:
        return None
