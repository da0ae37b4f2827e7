"""What DynamoDB does and moto (5.2.5) does not: a Query of a local secondary index fetches from the table the
attributes its ProjectionExpression names that the index does not project.

DynamoDB documents it ("If you query a local secondary index and request attributes that are not projected into
the index, DynamoDB automatically fetches those attributes from the base table", charging a read of the table's
item for each). moto answers such a Query with the projected attributes only, so code written for AWS (the review
log's `by_record` index, which projects keys only) would see half-empty items in the tests and the local cloud.
Here the index projects everything for the length of such a query (DynamoDB requests are served one at a time).
A Query without a ProjectionExpression still answers the projected attributes, as DynamoDB does by default; a
global secondary index never fetches.

Applied by the local cloud's emulator and by the tests' in-process moto; tests/unit/localcloud/test_lsi_fetch.py
shows the difference.
"""

from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import LocalSecondaryIndex

_original_query = DynamoDBBackend.query
_ALL = {"ProjectionType": "ALL"}


def apply() -> None:
    DynamoDBBackend.query = _query_fetching_from_the_table  # type: ignore[method-assign, assignment]


def revert() -> None:
    DynamoDBBackend.query = _original_query  # type: ignore[method-assign]


def _query_fetching_from_the_table(backend: DynamoDBBackend, table_name: str, *args: Any, **kwargs: Any) -> Any:
    """moto's query (its arguments as moto's DynamoDB responses pass them), seeing an LSI as projecting everything
    when the query names an attribute the index does not project."""
    projection_expressions: list[list[str]] | None = args[6] if len(args) > 6 else kwargs.get("projection_expressions")
    index = _local_index(backend, table_name, kwargs.get("index_name"))
    if index is None or not projection_expressions or not _names_unprojected(index, projection_expressions):
        return _original_query(backend, table_name, *args, **kwargs)
    projection, index.projection = index.projection, _ALL
    try:
        return _original_query(backend, table_name, *args, **kwargs)
    finally:
        index.projection = projection


def _local_index(backend: DynamoDBBackend, table_name: str, index_name: str | None) -> LocalSecondaryIndex | None:
    if not index_name or table_name not in backend.tables:
        return None
    table = backend.get_table(table_name)
    return next((index for index in table.indexes if index.name == index_name), None)


def _names_unprojected(index: LocalSecondaryIndex, projection_expressions: list[list[str]]) -> bool:
    projection = index.projection or _ALL
    kind = projection.get("ProjectionType", "ALL")
    if kind == "ALL":
        return False
    projected = {*index.table_key_attrs, *index.schema_key_attrs}
    if kind == "INCLUDE":
        projected.update(projection.get("NonKeyAttributes", []))
    return any(path[0] not in projected for path in projection_expressions)
