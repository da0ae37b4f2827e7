"""A Query of a local secondary index that names attributes the index does not project gets them from the table,
as DynamoDB fetches them; moto alone answers without them (localcloud/lsi_fetch.py)."""

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from localcloud import lsi_fetch, moto_speedups

KEYS_ONLY = {"ProjectionType": "KEYS_ONLY"}


@pytest.fixture
def table() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        key = [{"AttributeName": "user_id", "KeyType": "HASH"}, {"AttributeName": "review_id", "KeyType": "RANGE"}]
        client.create_table(
            TableName="log",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("user_id", "review_id", "at")],
            KeySchema=key,
            LocalSecondaryIndexes=[
                {"IndexName": "by_at", "KeySchema": [key[0], {"AttributeName": "at", "KeyType": "RANGE"}],
                 "Projection": KEYS_ONLY}
            ],
            GlobalSecondaryIndexes=[
                {"IndexName": "by_time", "KeySchema": [{"AttributeName": "at", "KeyType": "HASH"}],
                 "Projection": KEYS_ONLY}
            ],
        )  # fmt: skip
        client.put_item(
            TableName="log", Item={"user_id": {"S": "u1"}, "review_id": {"S": "r1"}, "at": {"S": "2026-12-07"},
                                   "rating": {"N": "3"}, "item_key": {"S": "S#1"}}
        )  # fmt: skip
        yield client


def query(client: Any, index: str = "by_at", **projection: Any) -> list[dict[str, Any]]:
    hash_key = "at" if index == "by_time" else "user_id"
    value = "2026-12-07" if index == "by_time" else "u1"
    return client.query(  # type: ignore[no-any-return]
        TableName="log", IndexName=index, KeyConditionExpression="#k = :v",
        ExpressionAttributeValues={":v": {"S": value}},
        ExpressionAttributeNames={"#k": hash_key, **projection.pop("names", {})}, **projection
    )["Items"]  # fmt: skip


@pytest.fixture(params=["tests' moto", "the local cloud's moto, with its speedups"])
def fetching(request: pytest.FixtureRequest) -> Iterator[None]:
    """lsi_fetch is applied for the whole test session (tests/conftest.py), as the emulator applies it."""
    if request.param != "tests' moto":
        moto_speedups.apply()
    yield
    moto_speedups.revert()


@pytest.fixture
def moto_alone() -> Iterator[None]:
    lsi_fetch.revert()
    yield
    lsi_fetch.apply()


@pytest.mark.usefixtures("moto_alone")
def test_moto_alone_answers_an_unprojected_attribute_without_it(table: Any) -> None:
    # Given moto as it comes, When a query of a keys-only LSI names `rating`, Then moto leaves it out (not DynamoDB)
    assert query(table, ProjectionExpression="review_id, rating") == [{"review_id": {"S": "r1"}}]


@pytest.mark.usefixtures("fetching")
def test_named_attributes_the_local_index_does_not_project_come_from_the_table(table: Any) -> None:
    # When a query of the keys-only LSI names attributes the index does not hold
    items = query(table, ProjectionExpression="review_id, rating, #key", names={"#key": "item_key"})

    # Then they are fetched from the table's item, as DynamoDB does
    assert items == [{"review_id": {"S": "r1"}, "rating": {"N": "3"}, "item_key": {"S": "S#1"}}]


@pytest.mark.usefixtures("fetching")
def test_without_a_projection_expression_a_query_answers_what_the_index_projects(table: Any) -> None:
    # When the same index is queried without naming attributes, Then only the projected keys come back (the default)
    assert query(table) == [{"user_id": {"S": "u1"}, "review_id": {"S": "r1"}, "at": {"S": "2026-12-07"}}]


@pytest.mark.usefixtures("fetching")
def test_a_global_index_never_fetches(table: Any) -> None:
    # When a keys-only GSI is asked for an attribute it does not project, Then it is absent, as in DynamoDB
    assert query(table, "by_time", ProjectionExpression="review_id, rating") == [{"review_id": {"S": "r1"}}]
