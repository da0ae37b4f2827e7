"""DynamoDB write units of the calls a request makes, from the real items before and after each write.

moto reports a fixed ConsumedCapacity whatever the item, so the benches work the figure out by DynamoDB's
documented rules, on the items the emulator actually holds:

- a write costs one unit per started KB of the larger of the item before and after it (at least one); a
  transactional write costs two (TransactWriteItems prepares and commits each item); a ConditionCheck in a
  transaction costs the same as a transactional write of the checked item;
- each secondary index the write touches costs one unit per started KB of the index entry: one write when an
  entry appears, disappears or changes a projected attribute, two (a delete and a put) when its key changes,
  none when neither its key nor any attribute it projects changed. Index writes are counted at the standard
  rate also inside a transaction (the transactional doubling applies to the table's item);
- item sizes follow the documented sizes: attribute names plus values (strings and binaries by their bytes,
  numbers by about one byte per two significant digits plus one, lists and maps with 3 bytes of overhead and
  1 byte per element).

A write refused by its condition is still charged, as DynamoDB charges it.
"""

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import botocore.client

KB = 1024
MakeApiCall = Callable[[Any, str, dict[str, Any]], Any]


def attribute_size(value: dict[str, Any]) -> int:
    ((kind, content),) = value.items()
    if kind == "S":
        return len(content.encode())
    if kind == "B":
        return len(content)
    if kind == "N":
        digits = Decimal(content).normalize().as_tuple().digits
        return math.ceil(len(digits) / 2) + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in content)
    if kind == "NS":
        return sum(attribute_size({"N": n}) for n in content)
    if kind == "BS":
        return sum(len(b) for b in content)
    if kind == "L":
        return 3 + sum(1 + attribute_size(element) for element in content)
    if kind == "M":
        return 3 + sum(1 + len(name.encode()) + attribute_size(element) for name, element in content.items())
    raise ValueError(f"unknown attribute type {kind}")


def item_size(item: dict[str, Any] | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode()) + attribute_size(value) for name, value in item.items())


def units(size: int) -> int:
    return max(1, math.ceil(size / KB))


@dataclass(frozen=True)
class IndexShape:
    name: str
    key_names: tuple[str, ...]
    projection: str  # ALL, KEYS_ONLY or INCLUDE
    included: tuple[str, ...] = ()

    def entry(self, item: dict[str, Any] | None, table_keys: tuple[str, ...]) -> dict[str, Any] | None:
        if not item or any(name not in item for name in self.key_names):
            return None  # sparse: no entry without every key attribute
        if self.projection == "ALL":
            return item
        names = set(table_keys) | set(self.key_names) | set(self.included)
        return {name: value for name, value in item.items() if name in names}


@dataclass(frozen=True)
class TableShape:
    keys: tuple[str, ...]
    indexes: tuple[IndexShape, ...]


@dataclass
class WriteUnits:
    """Write units per table (its items) and per index, and the requests that made them."""

    table: dict[str, float] = field(default_factory=dict)
    index: dict[str, float] = field(default_factory=dict)

    def add(self, bucket: dict[str, float], name: str, amount: float) -> None:
        bucket[name] = bucket.get(name, 0) + amount

    @property
    def total(self) -> float:
        return sum(self.table.values()) + sum(self.index.values())

    def summary(self) -> str:
        parts = [f"{name} {amount:g}" for name, amount in sorted(self.table.items())]
        parts += [f"{name} {amount:g}" for name, amount in sorted(self.index.items())]
        return ", ".join(parts)


class WriteUnitMeter:
    """Wraps botocore's API call: every DynamoDB write is measured on the emulator's items before and after."""

    def __init__(self, original: MakeApiCall) -> None:
        self.original = original
        self.shapes: dict[str, TableShape] = {}
        self.current: WriteUnits | None = None

    def shape(self, client: Any, table: str) -> TableShape:
        if table not in self.shapes:
            description = self.original(client, "DescribeTable", {"TableName": table})["Table"]
            indexes = [
                IndexShape(
                    name=f"{table}.{index['IndexName']}",
                    key_names=tuple(key["AttributeName"] for key in index["KeySchema"]),
                    projection=index["Projection"]["ProjectionType"],
                    included=tuple(index["Projection"].get("NonKeyAttributes", [])),
                )
                for index in description.get("LocalSecondaryIndexes", [])
                + description.get("GlobalSecondaryIndexes", [])
            ]
            self.shapes[table] = TableShape(
                keys=tuple(key["AttributeName"] for key in description["KeySchema"]), indexes=tuple(indexes)
            )
        return self.shapes[table]

    def read(self, client: Any, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        response = self.original(client, "GetItem", {"TableName": table, "Key": key, "ConsistentRead": True})
        item: dict[str, Any] | None = response.get("Item")
        return item

    def charge(
        self, table: str, shape: TableShape, before: dict[str, Any] | None, after: dict[str, Any] | None, factor: int
    ) -> None:
        assert self.current is not None
        self.current.add(self.current.table, table, factor * units(max(item_size(before), item_size(after))))
        for index in shape.indexes:
            old, new = index.entry(before, shape.keys), index.entry(after, shape.keys)
            if old is None and new is None:
                continue
            if old is None or new is None:
                self.current.add(self.current.index, index.name, units(item_size(old or new)))
            elif any(old[name] != new[name] for name in index.key_names):
                self.current.add(self.current.index, index.name, units(item_size(old)) + units(item_size(new)))
            elif old != new:
                self.current.add(self.current.index, index.name, units(item_size(new)))

    def writes_of(self, operation: str, params: dict[str, Any]) -> list[tuple[str, dict[str, Any], int]]:
        """(table, key, factor) of each item the call writes."""
        if operation in ("PutItem", "UpdateItem", "DeleteItem"):
            return [(params["TableName"], self.key_of(params), 1)]
        if operation == "TransactWriteItems":
            writes = []
            for action in params["TransactItems"]:
                ((_, request),) = action.items()
                writes.append((request["TableName"], self.key_of(request), 2))
            return writes
        if operation == "BatchWriteItem":
            return [
                (table, self.key_of(request.get("PutRequest") or request["DeleteRequest"]), 1)
                for table, requests in params["RequestItems"].items()
                for request in requests
            ]
        return []

    def key_of(self, request: dict[str, Any]) -> dict[str, Any]:
        if "Key" in request:
            return dict(request["Key"])
        table = request.get("TableName")
        item = request["Item"]
        keys = self.shapes[table].keys if table in self.shapes else tuple(item)
        return {name: item[name] for name in keys}

    def __call__(self, client: Any, operation: str, params: dict[str, Any]) -> Any:
        if self.current is None or client.meta.service_model.service_name != "dynamodb":
            return self.original(client, operation, params)
        tables = {params["TableName"]} if "TableName" in params else set()
        tables |= set(params.get("RequestItems", {}))
        tables |= {next(iter(a.values()))["TableName"] for a in params.get("TransactItems", [])}
        for table in tables:
            self.shape(client, table)
        writes = self.writes_of(operation, params)
        before = [self.read(client, table, key) for table, key, _ in writes]
        try:
            return self.original(client, operation, params)
        finally:
            for (table, key, factor), old in zip(writes, before, strict=True):
                self.charge(table, self.shapes[table], old, self.read(client, table, key), factor)

    @contextmanager
    def measuring(self) -> Iterator[WriteUnits]:
        self.current = measured = WriteUnits()
        try:
            yield measured
        finally:
            self.current = None


def install() -> WriteUnitMeter:
    """Measure every DynamoDB call from now on (the benches run in their own process)."""
    meter = WriteUnitMeter(botocore.client.BaseClient._make_api_call)

    def measured_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
        return meter(client, operation, params)

    botocore.client.BaseClient._make_api_call = measured_call
    return meter
