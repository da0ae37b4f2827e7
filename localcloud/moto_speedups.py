"""Hot spots of moto's server (5.2.5), made fast without changing any answer, and a transaction rollback that
keeps the table's stream readable.

Measured in the local cloud under bench/local_load.py:
- a query of 50 sentences from an INCLUDE-projected index took ~400 ms: projecting each entry rebuilt the whole
  item as JSON once per projected attribute and re-checked the 400 KB limit attribute by attribute (~25%), and
  the generic response serializer walked botocore's shape of every attribute value (~60%). Then ~40 ms;
- of what was left, 60% was writing the answer: moto turns every attribute value of the result into plain dicts
  (`dynamo_to_dict`), which were walked again to base64 the binary ones, then encoded. The item operations'
  answers are now encoded straight from moto's values (json's C encoder, calling back only per attribute value),
  and a query no longer deep-copies the items it answers before projecting them (nothing changes them while the
  answer is written: DynamoDB requests are served one at a time). A Query's emulator CPU time went from 6.2 to 3.3 ms on
  average under bench/local_load.py;
- every query measured the size of every item it looked at, twice (for the 1 MB page limit), and moto measures a
  map by rebuilding each member, with all it holds, as a new attribute value first: a sentence with its words
  took ~0.1 ms. The same size is now summed over the values as they are (about 18% of the emulator's time in a
  cProfile of the load before; LimitedSizeDict's 400 KB check on every attribute written uses it too);
- a query of an index sorts the index's entries of the partition, comparing key values through moto's
  `cast_value` (a new Decimal, set, list or dict per comparison, even of strings): strings and binary values, which
  it leaves as they are, are now compared as they are (half of the time of a query of 50 sentence ids);
- a ProjectionExpression of top-level attributes converted the whole item to plain JSON and back for each
  attribute named: those attributes are now taken as stored (a set then keeps its stored order, where moto's
  round trip through a Python set reorders it: DynamoDB gives sets in no particular order);
- every query sorted every item of the table to keep those of one partition, a cost growing with the review
  log: a query on the table's partition key (the base table, every LSI) now reads that partition only;
- every request listed moto's package folder on disk (150 `isdir` calls) to find its service, under a lock
  that every request of every service shares: listed once now;
- moto parsed every UpdateExpression anew (its tokenizer and recursive parser: ~5% of the emulator's CPU under the
  load), though the text is one of a few a PynamoDB model sends (placeholders, not values): each text is parsed once
  now. The parse is pure, and its tree is only read (moto's validator works on a deep copy of it);
- the validator of an update starts from a deep copy of the parsed tree (copy.deepcopy, ~10%): copied node by node
  now, sharing the immutable leaves (strings, numbers) that deepcopy returns as they are anyway;
- the validator of an update walks the expression's tree ten times, and each walk rebuilt its map of node types to
  handlers twice per node: built once per walk now (the maps are fixed per walker);
- every request listed the methods of its service's response class (`inspect.getmembers`) to find its action's:
  listed once per class now;
- a DynamoDB Streams GetRecords (the local event pump reads a consumer's stream every 0.5 to 5 s) went through
  moto's generic serializer, which walks botocore's shape of every attribute value of every image: ~17% of
  the emulator's CPU under bench/local_load.py. The records are now encoded as JSON straight, as the item
  operations' answers are (only their creation time needs converting, to epoch seconds as moto's serializer does);
- every TransactWriteItems deep-copied each table it touched, items and stream records included, to restore on
  failure: a cost that grew with every write. And the restore put the copy in the table's place, so a stream
  reader's shard iterator went on reading the discarded table's shard, seeing no record again (the local review
  aggregator, after the first cancelled review transaction). Now only the items the transaction names are copied,
  and a cancelled transaction puts them back and drops its stream records, in place.
tests/unit/localcloud/test_moto_speedups.py replays requests of every operation concerned with and without these
and asserts the same responses, so an upgrade of moto that changes what they replace fails there.
"""

import base64
import copy
import functools
import inspect
import json
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import moto.dynamodb.models as dynamodb_models
import moto.dynamodb.models.table as dynamodb_tables
import moto.dynamodb.parsing.validators as dynamodb_validators
from moto import backends
from moto.core import responses as core_responses
from moto.core.responses import ActionContext, ActionResult
from moto.core.serialize import TimestampSerializer
from moto.core.utils import method_names_from_class
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import SecondaryIndex, Table
from moto.dynamodb.models.utilities import bytesize, dynamo_to_dict
from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser, Node  # type: ignore[attr-defined]  # untyped module
from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]  # untyped module
from moto.dynamodb.responses import DynamoResult
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

# Operations whose output is items, keys, counts and consumed capacity only: JSON as it stands, once the
# values moto leaves as bytes (binary attributes) are base64, and absent members (None) are left out.
ITEM_OPERATIONS = frozenset(
    {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem", "BatchWriteItem",
     "TransactGetItems", "TransactWriteItems"}
)  # fmt: skip

_original_execute_result = DynamoResult.execute_result
_original_dynamo_result_init = DynamoResult.__init__
_original_list_of_moto_modules = backends.list_of_moto_modules
_original_transact_write_items = DynamoDBBackend.transact_write_items
_original_query = Table.query
_original_item_project = Item.project
_SET_MEMBER_TYPE = {"SS": "S", "NS": "N", "BS": "B"}
_original_equals = DynamoType.__eq__
_original_less_than = DynamoType.__lt__
_AS_THEY_ARE = frozenset({"S", "B", "BOOL"})  # the types whose cast_value is their value itself
_original_parse_update_expression = UpdateExpressionParser.make.__func__
_original_method_names_from_class = method_names_from_class
_original_get_records = DynamoDBStreamsHandler.get_records


def apply() -> None:
    for owner, name, replacement in _replacements():
        setattr(owner, name, replacement)


def revert() -> None:
    for owner, name, original in _ORIGINALS:
        setattr(owner, name, original)


def _replacements() -> list[tuple[Any, str, Any]]:
    return [
        (SecondaryIndex, "project", _project_index_entry),
        (Item, "project", _project_top_level_attributes),
        (DynamoType, "size", _attribute_size),
        (Item, "size", _item_size),
        (DynamoType, "__eq__", _equals),
        (DynamoType, "__lt__", _less_than),
        (DynamoResult, "__init__", _keep_result_as_moto_holds_it),
        (DynamoResult, "execute_result", _execute_item_result),
        (backends, "list_of_moto_modules", _moto_modules),
        (DynamoDBBackend, "transact_write_items", _transact_write_items),
        (Table, "query", _query_measuring_each_item_once),
        (dynamodb_models, "copy", _TablesNotCopied),
        (dynamodb_tables, "copy", _AnsweredItemsNotCopied),
        (UpdateExpressionParser, "make", classmethod(_parse_update_expression_once)),
        (dynamodb_validators, "deepcopy", _deepcopy_trees_by_node),
        (DepthFirstTraverser, "nodes_to_be_processed", _nodes_to_be_processed),
        (DepthFirstTraverser, "process", _process),
        (core_responses, "method_names_from_class", _method_names_of_class),
        (DynamoDBStreamsHandler, "get_records", _get_records_as_json),
    ]


@functools.lru_cache(maxsize=1024)
def _parsed_update_expression(parser: Any, expression: str) -> Node:
    return _original_parse_update_expression(parser, expression)


def _parse_update_expression_once(parser: Any, expression: str) -> Node:
    """moto's parse of an UpdateExpression, once per text (a text that fails to parse raises each time)."""
    return _parsed_update_expression(parser, expression)


_IMMUTABLE_LEAVES = (str, int, float, bool, type(None))


def _deepcopy_trees_by_node(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """What moto's validators see as `deepcopy`: an expression's tree (what each update's validation starts from, a
    copy of the parse it then rewrites) copied node by node, which copy.deepcopy did generically at ~10% of the
    emulator's CPU; anything else deep-copied as before."""
    if isinstance(value, Node) and value.parent is None:
        return _copy_node(value, None)
    return copy.deepcopy(value, memo)


def _copy_node(node: Node, parent: Node | None) -> Node:
    """A new node with the node's attributes, its parent `parent`, and copies of its children: nodes copied the same
    way, leaves (names, placeholders, operators, indexes) kept when immutable, else deep-copied."""
    copied = object.__new__(type(node))
    copied.__dict__.update(node.__dict__)
    copied.parent = parent
    if node.children is not None:
        copied.children = [
            child if isinstance(child, _IMMUTABLE_LEAVES)
            else _copy_node(child, copied) if isinstance(child, Node) and child.parent is node
            else copy.deepcopy(child)
            for child in node.children
        ]  # fmt: skip
    return copied


def _processing_map(traverser: DepthFirstTraverser) -> dict[type, Any]:
    """The walker's map of node types to handlers (bound methods), built once per walker."""
    built: dict[type, Any] | None = traverser.__dict__.get("_speedups_processing_map")
    if built is None:
        built = traverser.__dict__["_speedups_processing_map"] = traverser._processing_map()
    return built


def _nodes_to_be_processed(traverser: DepthFirstTraverser) -> tuple[type, ...]:
    return tuple(_processing_map(traverser))


def _process(traverser: DepthFirstTraverser, node: Node) -> Any:
    for node_type, handler in _processing_map(traverser).items():
        if isinstance(node, node_type):
            return handler(node)
    return None


@functools.cache
def _method_names_of_class(response_class: type) -> list[str]:
    return _original_method_names_from_class(response_class)


class _StreamRecordsResult(ActionResult):
    """GetRecords' answer, JSON as moto holds it: records of attribute values already in their wire form (moto
    stores each image as JSON), their creation time a datetime."""

    def execute_result(self, context: ActionContext) -> Any:
        json_version = context.service_model.metadata["jsonVersion"]
        headers = {"Content-Type": f"application/x-amz-json-{json_version}"}
        return 200, headers, json.dumps(_present_members(self.result), default=_epoch_seconds)


def _epoch_seconds(value: Any) -> Any:
    if isinstance(value, datetime):
        return TimestampSerializer._timestamp_unixtimestamp(value)
    return _wire_attribute_value(value)


def _get_records_as_json(handler: DynamoDBStreamsHandler) -> ActionResult:
    answer = _original_get_records(handler)
    return _StreamRecordsResult(answer.result)


@functools.cache
def _moto_modules() -> tuple[str, ...]:
    return tuple(_original_list_of_moto_modules())


# The sizes of the items measured in the query being answered (by id: the items do not change meanwhile, since
# DynamoDB requests are served one at a time); None outside a query.
_sizes_in_query: dict[int, int] | None = None


def _query_measuring_each_item_once(table: Table, hash_key: DynamoType | None, *args: Any, **kwargs: Any) -> Any:
    """moto's query measures each item it looks at twice (does it fit the 1 MB page? then it adds it up)."""
    global _sizes_in_query
    _sizes_in_query = {}
    try:
        return _query_one_partition(table, hash_key, *args, **kwargs)
    finally:
        _sizes_in_query = None


def _query_one_partition(table: Table, hash_key: DynamoType | None, *args: Any, **kwargs: Any) -> Any:
    """moto's query, shown only the partition asked for when it is one of the table's own partitions.

    moto finds a query's items by sorting every item of the table and keeping those of the partition, even on
    the base table: a cost that grew with every review logged. A query of the table, or of an index keyed by the
    table's partition key (every LSI), can only match items stored under that key, already grouped by it."""
    index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
    partition_attr = table.hash_key_attr
    if index_name:
        index = next((i for i in table.all_indexes() if i.name == index_name), None)
        index_hash = [key["AttributeName"] for key in index.schema if key["KeyType"] == "HASH"] if index else []
        if index_hash != [partition_attr]:
            return _original_query(table, hash_key, *args, **kwargs)  # a GSI on another attribute
        conditions = dict(kwargs.get("hash_key_conditions") or [])
        partition = conditions.get(partition_attr, hash_key)
    else:
        partition = hash_key
    if partition is None:
        return _original_query(table, hash_key, *args, **kwargs)
    stored = table.items.get(partition)
    if stored is None:
        items: list[Item] = []
    elif table.range_key_attr:
        items = sorted(stored.values(), key=lambda item: item.range_key)  # type: ignore[arg-type, return-value]
    else:
        items = [stored]  # type: ignore[list-item]  # (a hash-only table stores the item itself)
    table.all_items = lambda: items  # type: ignore[method-assign]  # for this call; DynamoDB calls are serial
    try:
        return _original_query(table, hash_key, *args, **kwargs)
    finally:
        del table.all_items


def _deepcopy_except_tables(value: Any, memo: dict[int, Any] | None = None) -> Any:
    return value if isinstance(value, Table) else copy.deepcopy(value, memo)


# What moto.dynamodb.models sees as `copy`: its transaction's "backup" of a whole table is the table itself, left
# in place (`_transact_write_items` restores what the transaction changed); every other copy is a real one.
_TablesNotCopied = SimpleNamespace(deepcopy=_deepcopy_except_tables, copy=copy.copy)


def _deepcopy_except_answered_items(value: Any, memo: dict[int, Any] | None = None) -> Any:
    if isinstance(value, list) and all(isinstance(member, Item) for member in value):
        return list(value)
    return copy.deepcopy(value, memo)


# What moto.dynamodb.models.table sees as `copy`: a query's items (a list of items) are answered as they are
# stored; a table's backup and a scan's single items are still real copies.
_AnsweredItemsNotCopied = SimpleNamespace(deepcopy=_deepcopy_except_answered_items, copy=copy.copy)


def _transact_write_items(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    saved = _TransactionBackup(backend, transact_items)
    try:
        _original_transact_write_items(backend, transact_items)
    except Exception:
        saved.restore()
        raise


class _TransactionBackup:
    """The items a transaction names, as they were, and where each table's stream ended."""

    def __init__(self, backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        self._items: dict[tuple[str, DynamoType, DynamoType | None], Item | None] = {}
        self._stream_ends: dict[str, int] = {}
        self._tables: dict[str, Table] = {}
        for entry in transact_items:
            operation = next(iter(entry.values()))
            table = backend.tables.get(operation.get("TableName", ""))
            if table is None:
                continue  # moto answers ResourceNotFound before it writes anything
            self._tables[table.name] = table
            if table.stream_shard is not None:
                self._stream_ends.setdefault(table.name, len(table.stream_shard.items))
            key = operation.get("Key") or operation.get("Item") or {}
            if table.hash_key_attr not in key or (table.range_key_attr and table.range_key_attr not in key):
                continue  # invalid: moto refuses it before writing
            hash_key = DynamoType(key[table.hash_key_attr])
            range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
            self._items.setdefault(
                (table.name, hash_key, range_key), copy.deepcopy(table.get_item(hash_key, range_key))
            )

    def restore(self) -> None:
        for (name, hash_key, range_key), item in self._items.items():
            table = self._tables[name]
            if range_key is None:
                if item is None:
                    table.items.pop(hash_key, None)
                else:
                    table.items[hash_key] = item  # type: ignore[assignment]  # (as moto stores them)
            elif item is None:
                table.items[hash_key].pop(range_key, None)
            else:
                table.items[hash_key][range_key] = item
        for name, end in self._stream_ends.items():
            shard = self._tables[name].stream_shard
            assert shard is not None
            del shard.items[end:]


def _project_index_entry(index: SecondaryIndex, item: Item) -> Item:
    """The item as the index stores it: its keys and projected attributes (all of them for ALL).

    An index's projection names top-level attributes only, so this keeps those entries of the item as they are;
    a projection is never larger than its item, which passed the size limit when it was written."""
    projection = index.projection or {}
    kind = projection.get("ProjectionType")
    if kind not in ("KEYS_ONLY", "INCLUDE"):
        return item
    kept = set(index.table_key_attrs) | {key["AttributeName"] for key in index.schema}
    if kind == "INCLUDE":
        kept.update(projection.get("NonKeyAttributes", []))
    entry = Item(hash_key=item.hash_key, range_key=item.range_key, attrs={})
    entry.attrs = LimitedSizeDict({name: value for name, value in item.attrs.items() if name in kept})
    return entry


def _keep_result_as_moto_holds_it(result: DynamoResult, value: object) -> None:
    """The result with moto's own attribute values: converted when it is written (`_execute_item_result`)."""
    ActionResult.__init__(result, value)


def _attribute_size(value: DynamoType) -> int:
    """DynamoType.size without rebuilding what it measures: a number by its digits, a string or binary by its bytes,
    a boolean or null 1, a set, list or map by what it holds (a map's names included)."""
    kind, held = value.type, value.value
    if kind == "N":
        return len(str(held))
    if kind in _SET_MEMBER_TYPE:
        if _SET_MEMBER_TYPE[kind] == "N":
            return sum(len(str(member)) for member in held)
        return sum(bytesize(member) for member in held)
    if kind == "L":
        return sum(_attribute_size(_attribute(member)) for member in held)
    if kind == "M":
        return sum(bytesize(name) + _attribute_size(_attribute(member)) for name, member in held.items())
    if isinstance(held, bool):
        return 1
    return bytesize(held)


def _item_size(item: Item) -> int:
    sizes = _sizes_in_query
    size = None if sizes is None else sizes.get(id(item))
    if size is None:
        size = sum(bytesize(name) + _attribute_size(value) for name, value in item.attrs.items())
        if sizes is not None:
            sizes[id(item)] = size
    return size


def _equals(value: DynamoType, other: DynamoType) -> bool:
    if value.type == other.type and value.type in _AS_THEY_ARE:
        return bool(value.value == other.value)
    return _original_equals(value, other)


def _less_than(value: DynamoType, other: DynamoType) -> bool:
    if value.type == other.type and value.type in _AS_THEY_ARE:
        return bool(value.value < other.value)
    return _original_less_than(value, other)


def _attribute(member: Any) -> DynamoType:
    return member if isinstance(member, DynamoType) else DynamoType(member)


def _project_top_level_attributes(item: Item, projection_expressions: list[list[str]]) -> Item:
    """A ProjectionExpression naming top-level attributes only (what PynamoDB's `attributes_to_get` sends): those
    attributes as stored. moto converts the whole item to plain JSON and back for each path it projects."""
    if any(len(path) != 1 or path[0].endswith("]") for path in projection_expressions):
        return _original_item_project(item, projection_expressions)  # a nested path or a list element
    projected = Item(hash_key=item.hash_key, range_key=item.range_key, attrs={})
    kept = [name for name, *_ in projection_expressions if name in item.attrs]
    projected.attrs = LimitedSizeDict({name: item.attrs[name] for name in kept})
    return projected


def _execute_item_result(result: DynamoResult, context: ActionContext) -> Any:
    operation = context.operation_model.name
    if operation not in ITEM_OPERATIONS or not isinstance(result.result, dict):
        result._result = dynamo_to_dict(result.result)  # what DynamoResult.__init__ does, for moto's serializer
        return _original_execute_result(result, context)
    json_version = context.service_model.metadata["jsonVersion"]
    headers = {"Content-Type": f"application/x-amz-json-{json_version}"}
    return 200, headers, json.dumps(_present_members(result.result), default=_wire_attribute_value)


def _present_members(value: Any) -> Any:
    """The result's structure without its absent (None) members, down to the attribute values, left as they are."""
    if isinstance(value, dict):
        return {key: _present_members(member) for key, member in value.items() if member is not None}
    if isinstance(value, list):
        return [_present_members(member) for member in value]
    if isinstance(value, DynamoType) or not hasattr(value, "to_json"):
        return value
    return _present_members(value.to_json())  # as dynamo_to_dict does for moto's other objects


def _wire_attribute_value(value: Any) -> Any:
    """json's callback for what it cannot encode itself: an attribute value as DynamoDB writes it, its members (of a
    map or list) left to the encoder, which calls back for each; binary held as bytes (what moto's own objects
    give as JSON), base64."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if not isinstance(value, DynamoType):
        raise TypeError(f"{type(value).__name__} is not an attribute value")
    if value.type == "B":
        return {"B": _base64(value.value)}
    if value.type == "BS":
        return {"BS": [_base64(member) for member in value.value]}
    return {value.type: value.value}


def _base64(binary: bytes | str) -> str:
    """moto holds a binary value as the base64 it came in, or as bytes once projected: either way as it is sent."""
    raw = base64.b64decode(binary) if isinstance(binary, str) else binary
    return base64.b64encode(raw).decode("ascii")


# As defined (a classmethod as such, not bound to its class), to be put back as it was.
_ORIGINALS = [(owner, name, inspect.getattr_static(owner, name)) for owner, name, _ in _replacements()]
