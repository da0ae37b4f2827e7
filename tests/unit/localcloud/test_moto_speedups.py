"""The local cloud's emulator answers exactly as moto does, only faster, and a cancelled transaction leaves the
table's stream readable (localcloud/moto_speedups.py)."""

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models.dynamo_type import DynamoType

from localcloud import moto_speedups

LOG = "review_logs"  # a range-key table with an LSI, two GSIs and a stream, like the review log
CARDS = "cards"  # a hash-only table
ALL_TYPES: dict[str, dict[str, Any]] = {
    "text": {"S": "猫が好きです"}, "count": {"N": "42.5"}, "blob": {"B": b"\x00\xffbinary"}, "flag": {"BOOL": True},
    "nothing": {"NULL": True}, "list": {"L": [{"S": "a"}, {"N": "1"}, {"M": {"deep": {"B": b"\x01"}}}]},
    "map": {"M": {"k": {"SS": ["x", "y"]}, "n": {"NS": ["1", "2"]}}}, "blobs": {"BS": [b"\x02", b"\x03"]},
}  # fmt: skip


@pytest.fixture
def speedups() -> Iterator[None]:
    moto_speedups.apply()
    yield
    moto_speedups.revert()


def index(name: str, hash_key: str, range_key: str | None, projection: dict[str, Any]) -> dict[str, Any]:
    keys = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    keys += [{"AttributeName": range_key, "KeyType": "RANGE"}] if range_key else []
    return {"IndexName": name, "KeySchema": keys, "Projection": projection}


def streams_client() -> Any:
    # botocore names a streams host that moto's in-process mock does not intercept; the regional one it does
    return boto3.client("dynamodbstreams", region_name="us-east-1",
                        endpoint_url="https://streams.dynamodb.us-east-1.amazonaws.com")  # fmt: skip


def names(**aliases: str) -> dict[str, str]:
    return {f"#{alias}": name for alias, name in aliases.items()}


def update(table: str, key: dict[str, Any], attribute: str, value: str) -> dict[str, Any]:
    expression = {"UpdateExpression": "SET #a = :v", "ExpressionAttributeNames": {"#a": attribute},
                  "ExpressionAttributeValues": {":v": {"S": value}}}  # fmt: skip
    return {"Update": {"TableName": table, "Key": key, **expression}}


def create_tables(client: Any) -> None:
    client.create_table(
        TableName=LOG,
        KeySchema=[{"AttributeName": "user", "KeyType": "HASH"}, {"AttributeName": "at", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"} for name in ("user", "at", "day", "status", "kind")
        ],
        LocalSecondaryIndexes=[
            index("by_day", "user", "day", {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["text", "count"]})
        ],
        GlobalSecondaryIndexes=[
            index("by_status", "status", "at", {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["text", "blob"]}),
            index("by_kind", "kind", None, {"ProjectionType": "KEYS_ONLY"}),
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        BillingMode="PAY_PER_REQUEST",
    )  # fmt: skip
    client.create_table(
        TableName=CARDS,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def log_entry(user: str, n: int) -> dict[str, Any]:
    return {
        "user": {"S": user}, "at": {"S": f"2026-12-03T10:{n:02d}"}, "day": {"S": f"2026-12-{n % 3 + 1:02d}"},
        "status": {"S": "active" if n % 2 else "hidden"}, "kind": {"S": f"kind{n % 4}"}, **ALL_TYPES,
    }  # fmt: skip


def answer(call: Callable[..., dict[str, Any]], **params: Any) -> dict[str, Any]:
    """The response without what differs between any two calls (request ids, retries, dates of headers)."""
    try:
        response = call(**params)
    except ClientError as error:
        response = {"Error": error.response["Error"], "Reasons": error.response.get("CancellationReasons")}
    response.pop("ResponseMetadata", None)
    return response


def replay() -> list[dict[str, Any]]:
    """Every operation the speed-ups touch, on fresh tables, with the answers in order."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_tables(client)
        answers = []
        for n in range(12):
            answers.append(answer(client.put_item, TableName=LOG, Item=log_entry(f"u{n % 2}", n)))
        answers.append(answer(client.put_item, TableName=CARDS, Item={"id": {"S": "c1"}, **ALL_TYPES}))
        answers.append(answer(client.get_item, TableName=CARDS, Key={"id": {"S": "c1"}}))
        answers.append(answer(client.get_item, TableName=CARDS, Key={"id": {"S": "missing"}}))
        answers.append(
            answer(client.get_item, TableName=CARDS, Key={"id": {"S": "c1"}}, ProjectionExpression="blob, id")
        )
        key = {"user": {"S": "u0"}, "at": {"S": "2026-12-03T10:00"}}
        answers.append(answer(client.get_item, TableName=LOG, Key=key, ReturnConsumedCapacity="TOTAL"))
        queries: list[dict[str, Any]] = [
            {"KeyConditionExpression": "#u = :u", "ExpressionAttributeNames": names(u="user")},
            {"KeyConditionExpression": "#u = :u", "ExpressionAttributeNames": names(u="user"), "Limit": 2},
            {"KeyConditionExpression": "#u = :u AND #a > :a", "ExpressionAttributeNames": names(u="user", a="at"),
             "ExpressionAttributeValues": {":a": {"S": "2026-12-03T10:03"}}, "ScanIndexForward": False},
            {"IndexName": "by_day", "KeyConditionExpression": "#u = :u AND #d = :d",
             "ExpressionAttributeNames": names(u="user", d="day"),
             "ExpressionAttributeValues": {":d": {"S": "2026-12-02"}}, "ReturnConsumedCapacity": "INDEXES"},
            {"IndexName": "by_day", "KeyConditionExpression": "#u = :u", "ExpressionAttributeNames": names(u="user"),
             "Select": "COUNT"},
            {"IndexName": "by_status", "KeyConditionExpression": "#s = :s",
             "ExpressionAttributeNames": names(s="status"), "ExpressionAttributeValues": {":s": {"S": "active"}},
             "Limit": 3},
            {"IndexName": "by_kind", "KeyConditionExpression": "#k = :s", "ExpressionAttributeNames": names(k="kind"),
             "ExpressionAttributeValues": {":s": {"S": "kind1"}}},
            {"KeyConditionExpression": "#u = :u", "ExpressionAttributeNames": names(u="user", d="day"),
             "FilterExpression": "#d = :d", "ExpressionAttributeValues": {":d": {"S": "2026-12-01"}},
             "ProjectionExpression": "#u, #d, blob"},
            {"KeyConditionExpression": "#u = :u", "ExpressionAttributeNames": names(u="user"),
             "ProjectionExpression": "#u, absent, #u, flag"},
            {"KeyConditionExpression": "#u = :u", "ExpressionAttributeNames": names(u="user", l="list", m="map"),
             "ProjectionExpression": "#m.k, #l[2].deep, #u"},
        ]  # fmt: skip
        for query in queries:
            values = {":u": {"S": "u0"}, **query.pop("ExpressionAttributeValues", {})}
            if "#u" not in query["KeyConditionExpression"]:
                values.pop(":u")
            first = answer(client.query, TableName=LOG, ExpressionAttributeValues=values, **query)
            answers.append(first)
            if "LastEvaluatedKey" in first:
                answers.append(
                    answer(client.query, TableName=LOG, ExpressionAttributeValues=values,
                           ExclusiveStartKey=first["LastEvaluatedKey"], **query)
                )  # fmt: skip
        answers.append(answer(client.query, TableName=CARDS, KeyConditionExpression="id = :i",
                              ExpressionAttributeValues={":i": {"S": "c1"}}))  # fmt: skip
        answers.append(answer(client.scan, TableName=LOG, Limit=5))
        answers.append(
            answer(client.batch_get_item, RequestItems={LOG: {"Keys": [key]}, CARDS: {"Keys": [{"id": {"S": "c1"}}]}})
        )
        answers.append(
            answer(client.transact_get_items, TransactItems=[{"Get": {"TableName": CARDS, "Key": {"id": {"S": "c1"}}}}])
        )
        answers.append(answer(client.update_item, TableName=CARDS, Key={"id": {"S": "c1"}}, ReturnValues="ALL_NEW",
                              UpdateExpression="SET #c = #c + :one", ExpressionAttributeNames=names(c="count"),
                              ExpressionAttributeValues={":one": {"N": "1"}}))  # fmt: skip
        counted = {
            "UpdateExpression": "SET #c = #c + :one REMOVE nothing",
            "ExpressionAttributeNames": names(c="count"),
        }
        for _ in range(2):  # the same texts again (each parsed once with the speed-ups), a valid and a broken one
            answers.append(answer(client.update_item, TableName=CARDS, Key={"id": {"S": "c1"}}, ReturnValues="ALL_NEW",
                                  ExpressionAttributeValues={":one": {"N": "1"}}, **counted))  # fmt: skip
            functions = {
                "UpdateExpression": "SET #l = list_append(#l, :more), fresh = if_not_exists(fresh, :one) "
                "ADD tally :one REMOVE #l[0], #m.k",
                "ExpressionAttributeNames": names(l="list", m="map"),
            }
            answers.append(answer(client.update_item, TableName=CARDS, Key={"id": {"S": "c1"}}, ReturnValues="ALL_NEW",
                                  ExpressionAttributeValues={":one": {"N": "1"}, ":more": {"L": [{"S": "z"}]}},
                                  **functions))  # fmt: skip
            broken = {"UpdateExpression": "SET #c = #c +", "ExpressionAttributeNames": names(c="count")}
            answers.append(answer(client.update_item, TableName=CARDS, Key={"id": {"S": "c1"}}, **broken))
        answers.append(answer(client.transact_write_items, TransactItems=[
            {"Put": {"TableName": CARDS, "Item": {"id": {"S": "c2"}, "text": {"S": "new"}}}},
            update(LOG, key, "text", "changed"),
        ]))  # fmt: skip
        answers.append(answer(client.transact_write_items, TransactItems=[
            {"Put": {"TableName": CARDS, "Item": {"id": {"S": "c3"}}}},
            {"Delete": {"TableName": CARDS, "Key": {"id": {"S": "c2"}}}},
            {"ConditionCheck": {"TableName": CARDS, "Key": {"id": {"S": "c1"}},
                                "ConditionExpression": "attribute_not_exists(id)"}},
        ]))  # fmt: skip
        answers.append(
            answer(client.batch_write_item, RequestItems={CARDS: [{"PutRequest": {"Item": {"id": {"S": "c4"}}}}]})
        )
        answers.append(answer(client.delete_item, TableName=CARDS, Key={"id": {"S": "c1"}}, ReturnValues="ALL_OLD"))
        answers.append(answer(client.scan, TableName=CARDS))
        answers.append(answer(client.query, TableName="no-such-table", KeyConditionExpression="id = :i",
                              ExpressionAttributeValues={":i": {"S": "c1"}}))  # fmt: skip
        stream = client.describe_table(TableName=LOG)["Table"]["LatestStreamArn"]
        answers.append({"stream": stream_events(stream)})
        return answers


def stream_events(stream_arn: str, iterator_type: str = "TRIM_HORIZON") -> list[tuple[str, Any]]:
    streams = streams_client()
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard, ShardIteratorType=iterator_type)
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    return [(r["eventName"], r["dynamodb"].get("NewImage", {}).get("text")) for r in records]


def test_every_answer_is_moto_s_own() -> None:
    # Given the answers of plain moto to every operation the speed-ups replace, on fresh tables
    plain = replay()

    # When the same operations are replayed with the speed-ups applied
    moto_speedups.apply()
    try:
        fast = replay()
    finally:
        moto_speedups.revert()

    # Then every answer is the same, items read back and a cancelled transaction's reasons included
    assert fast == plain
    assert any("Items" in a and a["Items"] for a in plain)  # the replay did read items back
    assert any(a.get("Error", {}).get("Code") == "TransactionCanceledException" for a in plain)


@pytest.mark.parametrize("name", sorted(ALL_TYPES))
def test_an_attribute_measures_as_moto_measures_it(name: str) -> None:
    # Given an attribute of each DynamoDB type, alone and nested in a map and a list, measured by moto
    value = DynamoType(ALL_TYPES[name])
    nested = DynamoType({"M": {"outer": {"L": [ALL_TYPES[name], {"M": {"inner": ALL_TYPES[name]}}]}}})
    moto_sizes = (value.size(), nested.size())

    # When they are measured again with the speed-ups applied, Then the sizes (which limits count) are moto's
    moto_speedups.apply()
    try:
        assert (value.size(), nested.size()) == moto_sizes
    finally:
        moto_speedups.revert()


def test_a_cancelled_transaction_changes_nothing_and_the_stream_goes_on(speedups: None) -> None:
    # Given a log entry written, and a stream reader waiting at the latest record
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_tables(client)
        client.put_item(TableName=LOG, Item=log_entry("u0", 1))
        stream = client.describe_table(TableName=LOG)["Table"]["LatestStreamArn"]
        streams = streams_client()
        shard = streams.describe_stream(StreamArn=stream)["StreamDescription"]["Shards"][0]["ShardId"]
        reader = streams.get_shard_iterator(StreamArn=stream, ShardId=shard, ShardIteratorType="LATEST")
        key = {"user": {"S": "u0"}, "at": {"S": "2026-12-03T10:01"}}

        # When a transaction (an update, a put, a failing condition check) is cancelled, and another entry is put
        with pytest.raises(ClientError, match="TransactionCanceled"):
            client.transact_write_items(TransactItems=[
                update(LOG, key, "text", "lost"),
                {"Put": {"TableName": LOG, "Item": log_entry("u1", 2)}},
                {"ConditionCheck": {"TableName": CARDS, "Key": {"id": {"S": "none"}},
                                    "ConditionExpression": "attribute_exists(id)"}},
            ])  # fmt: skip
        client.put_item(TableName=LOG, Item=log_entry("u2", 3))

        # Then neither the update nor the put of the transaction was written
        assert client.get_item(TableName=LOG, Key=key)["Item"]["text"] == ALL_TYPES["text"]
        assert "Item" not in client.get_item(TableName=LOG, Key={"user": {"S": "u1"}, "at": {"S": "2026-12-03T10:02"}})
        records = streams.get_records(ShardIterator=reader["ShardIterator"])["Records"]
        # The reader that was waiting sees the write after the cancelled transaction, and nothing of the latter.
        assert [(r["eventName"], r["dynamodb"]["Keys"]["user"]["S"]) for r in records] == [("INSERT", "u2")]


def test_a_stream_read_answers_moto_s_own_records() -> None:
    # Given a stream with an insert of every attribute type, an update in a transaction and a delete, and a reader
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_tables(client)
        key = {"user": {"S": "u0"}, "at": {"S": "2026-12-03T10:01"}}
        client.put_item(TableName=LOG, Item=log_entry("u0", 1))
        client.transact_write_items(TransactItems=[update(LOG, key, "text", "changed")])
        client.delete_item(TableName=LOG, Key=key)
        streams = streams_client()
        bodies: list[dict[str, Any]] = []
        streams.meta.events.register(
            "before-parse.dynamodbstreams.GetRecords",
            lambda response_dict, **_: bodies.append({**json.loads(response_dict["body"]), "NextShardIterator": None}),
        )
        stream = client.describe_table(TableName=LOG)["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=stream)["StreamDescription"]["Shards"][0]["ShardId"]
        oldest = streams.get_shard_iterator(StreamArn=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
        latest = streams.get_shard_iterator(StreamArn=stream, ShardId=shard, ShardIteratorType="LATEST")

        # When the same iterators are read by plain moto, then with the speed-ups (a read moves no iterator)
        for speedups in (False, True):
            if speedups:
                moto_speedups.apply()
            try:
                for iterator in (oldest, latest):
                    streams.get_records(ShardIterator=iterator["ShardIterator"])
            finally:
                moto_speedups.revert()

    # Then the JSON sent is the same, records (images, keys, creation times) and an empty read alike
    plain, fast = bodies[:2], bodies[2:]
    assert fast == plain
    assert [record["eventName"] for record in plain[0]["Records"]] == ["INSERT", "MODIFY", "REMOVE"]
    assert plain[1]["Records"] == []
