"""The review log's archive: a review leaves DynamoDB 13 months after it was answered (TTL), and its removal, read
from the log's stream, lands in S3 once per review; the learner's export still lists it, and deleting the account
erases it. moto expires nothing by itself: `expire` does what DynamoDB's TTL does, and builds its stream records."""

import gzip
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient

from functions.review_archiver.handler import TTL_DELETER, handler
from shared.constants import MediaPrefixes
from shared.dal.reviews import ReviewLogItem
from shared.settings import get_settings
from tests.auth_helpers import Session
from tests.helpers import FakeLambdaContext
from tests.unit.progress.conftest import Clock, answer
from tests.unit.progress.test_account_jobs import DELETE, run_worker
from tests.unit.progress.test_export import exported

pytestmark = pytest.mark.usefixtures("aws")
STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/kotoba-test-review_logs/stream/1"


def removal_record(item: dict[str, Any], sequence: int, user_identity: dict[str, str] | None) -> dict[str, Any]:
    """A REMOVE record of the log's stream, as Lambda hands it: the keys, the old image and, for a TTL deletion,
    DynamoDB as the one who deleted."""
    record: dict[str, Any] = {
        "eventID": str(sequence),
        "eventName": "REMOVE",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "eventSourceARN": STREAM_ARN,
        "dynamodb": {
            "Keys": {"user_id": item["user_id"], "review_id": item["review_id"]},
            "OldImage": item,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
            "SequenceNumber": str(sequence),
        },
    }
    return record | ({"userIdentity": user_identity} if user_identity else {})


def expire(user_id: str, user_identity: dict[str, str] | None = TTL_DELETER) -> list[dict[str, Any]]:
    """Delete each of the learner's logs, as TTL does once its `archive_at` has passed: their stream records."""
    dynamodb = boto3.client("dynamodb")
    table = get_settings().table_name("review_logs")
    items = dynamodb.query(
        TableName=table, KeyConditionExpression="user_id = :u", ExpressionAttributeValues={":u": {"S": user_id}}
    )["Items"]
    for item in items:
        dynamodb.delete_item(TableName=table, Key={"user_id": item["user_id"], "review_id": item["review_id"]})
    return [removal_record(item, 100 + n, user_identity) for n, item in enumerate(items)]


def archive(records: list[dict[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = handler({"Records": records}, FakeLambdaContext())
    return result


def archived_objects(user_id: str) -> dict[str, list[dict[str, Any]]]:
    """The learner's archive objects: key → its reviews."""
    s3 = boto3.client("s3")
    bucket = get_settings().media_bucket_name()
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"{MediaPrefixes.REVIEW_ARCHIVE}{user_id}/").get("Contents", [])
    return {
        item["Key"]: [
            json.loads(line)
            for line in gzip.decompress(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()).splitlines()
        ]
        for item in listed
    }


def study(client: TestClient, who: Session, cards: int) -> list[str]:
    """Answer `cards` new cards: their ids."""
    new = client.get("/api/v1/progress/due", headers=who.headers).json()["new"][:cards]
    for card in new:
        assert answer(client, who, card["sentence"]["id"]).status_code == 200
    return [card["sentence"]["id"] for card in new]


def test_a_review_leaves_dynamodb_13_months_after_it_was_answered(
    client: TestClient, learner: Session, clock: Clock
) -> None:
    # Given a learner answering on 31 January (no 31 February the next year: the month's last day instead)
    clock.at = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)

    # When they answer a card
    study(client, learner, 1)

    # Then the log's TTL attribute is 13 months later, in epoch seconds as DynamoDB's TTL reads it
    (log,) = ReviewLogItem.query(learner.user_id)
    assert log.archive_at == datetime(2027, 2, 28, 9, 0, tzinfo=UTC)
    raw = boto3.client("dynamodb").get_item(
        TableName=get_settings().table_name("review_logs"),
        Key={"user_id": {"S": learner.user_id}, "review_id": {"S": log.review_id}},
    )["Item"]
    assert raw["archive_at"] == {"N": str(int(datetime(2027, 2, 28, 9, 0, tzinfo=UTC).timestamp()))}


def test_expired_reviews_land_in_the_archive_once_per_learner_and_month_even_when_the_batch_comes_twice(
    client: TestClient, learner: Session, clock: Clock
) -> None:
    # Given a learner who answered two cards in November and one in December, and TTL removing the three logs
    november = study(client, learner, 2)
    clock.at += timedelta(days=40)
    december = study(client, learner, 1)
    records = expire(learner.user_id)

    # When the archiver gets the batch, then again (a retried batch), and then its second half alone (a bisected one)
    first = archive(records)
    again = archive(records)
    half = archive(records[len(records) // 2 :])

    # Then the reviews were written once, in one object per month, and the redeliveries wrote nothing
    assert first == {"reviews": 3, "archived": 3, "objects_written": 2}
    assert again == {"reviews": 3, "archived": 0, "objects_written": 0}
    assert half["archived"] == 0
    prefix = f"{MediaPrefixes.REVIEW_ARCHIVE}{learner.user_id}/"
    objects = archived_objects(learner.user_id)
    assert {key: sorted(r["item_key"] for r in reviews) for key, reviews in objects.items()} == {
        f"{prefix}2026-11.jsonl.gz": sorted(f"sentence#{card}" for card in november),
        f"{prefix}2027-01.jsonl.gz": [f"sentence#{card}" for card in december],
    }


def test_only_removals_by_ttl_are_archived(client: TestClient, learner: Session) -> None:
    # Given a learner's logs deleted by someone other than DynamoDB's TTL (the account's erasure does that)
    study(client, learner, 1)
    records = expire(learner.user_id, user_identity=None)

    # When the archiver gets their stream records, Then nothing is archived
    assert archive(records) == {"reviews": 0, "archived": 0, "objects_written": 0}
    assert archived_objects(learner.user_id) == {}


def test_the_export_still_lists_an_archived_review_with_the_recent_ones(
    client: TestClient, learner: Session, clock: Clock
) -> None:
    # Given a learner whose first review was archived (13 months later), and who answered another card since
    (old,) = study(client, learner, 1)
    archive(expire(learner.user_id))
    clock.at += timedelta(days=1)
    (recent,) = study(client, learner, 1)

    # When they export their data
    ticket, document = exported(client, learner)

    # Then the document lists both reviews, the archived one first, each once
    assert ticket["counts"]["review_logs"] == 2
    assert [review["item_key"] for review in document["review_logs"]] == [f"sentence#{old}", f"sentence#{recent}"]
    assert document["review_logs"][0]["user_id"] == learner.user_id


def test_deleting_the_account_erases_its_archived_reviews(client: TestClient, learner: Session) -> None:
    # Given a learner with archived reviews
    study(client, learner, 1)
    archive(expire(learner.user_id))
    assert archived_objects(learner.user_id)

    # When they delete their account and the worker runs the deletion
    assert client.request("DELETE", "/api/v1/users/me", headers=learner.headers, json=DELETE).status_code == 202
    assert run_worker() == {"batchItemFailures": []}

    # Then their archive is gone
    assert archived_objects(learner.user_id) == {}


def test_reviews_expiring_after_the_account_was_closed_are_not_archived(client: TestClient, learner: Session) -> None:
    # Given a learner who asked for their account's deletion while TTL was removing their logs
    study(client, learner, 1)
    records = expire(learner.user_id)
    assert client.request("DELETE", "/api/v1/users/me", headers=learner.headers, json=DELETE).status_code == 202

    # When the archiver gets the removals, Then it archives nothing of theirs: the deletion may have erased it already
    assert archive(records) == {"reviews": 1, "archived": 0, "objects_written": 0}
    assert archived_objects(learner.user_id) == {}
