"""What a learner's review history costs to store each month, before the review-log archive (every review in
DynamoDB for ever) and after it (13 months in DynamoDB, older months in S3): sizes measured in the emulator, prices
stated below.

    .venv/bin/python bench/review_archive_cost.py [--reviews-per-day 100]

A month of one learner's reviews is written as the review path writes them (every attribute, the TTL included), read
back raw from the emulated table, and sized by DynamoDB's rules (attribute names and values, 100 bytes a item, and
the `by_time` index's entry: its key, the table's key, the projected attributes and 100 bytes; and the `by_record`
index's, keys only: its key, the table's key and 100 bytes). Then DynamoDB's TTL is
played (each log deleted, its REMOVE record built) and the review archiver run on the records: the learner-month's
object in the emulated bucket is the archive's size.
"""

import argparse
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import boto3  # noqa: E402
from aws_lambda_powertools.utilities.typing import LambdaContext  # noqa: E402
from moto import mock_aws  # noqa: E402

from bench.study_requests import BenchLambdaContext  # noqa: E402  (sets the environment)
from bench.write_units import attribute_size  # noqa: E402
from functions.review_archiver.handler import TTL_DELETER  # noqa: E402
from functions.review_archiver.handler import handler as archiver  # noqa: E402
from localcloud import provision  # noqa: E402
from shared.dal.base import batch_save  # noqa: E402
from shared.dal.review_archive import archive_key  # noqa: E402
from shared.dal.reviews import TOTALS_ATTRIBUTES, ReviewLogItem, archive_time  # noqa: E402
from shared.dal.tables import bind_tables  # noqa: E402
from shared.dal.users import UserItem  # noqa: E402
from shared.settings import get_settings  # noqa: E402

# us-east-1 list prices, USD per GB-month (decimal GB, as AWS bills)
DYNAMODB_STANDARD = 0.25
S3_STANDARD = 0.023
S3_STANDARD_IA = 0.0125  # for comparison: bills objects under 128 KB as 128 KB, 30 days at least
S3_GLACIER_IR = 0.004  # what the lifecycle rule moves the archive to: 128 KB and 90 days at least, too
GLACIER_IR_MIN_OBJECT = 128 * 1024  # S3 moves smaller objects to no other class (its lifecycle default)
S3_PUT_PER_1000 = 0.005
TRANSITION_PER_1000 = 0.02  # a lifecycle transition to Glacier IR
DAYS_PER_MONTH = 30.44
KEPT_MONTHS = 13
GB = 1e9
ITEM_OVERHEAD = 100  # bytes DynamoDB adds to each item, and to each index entry


def attributes_size(item: dict[str, Any], names: set[str] | None = None) -> int:
    return sum(
        len(name.encode()) + attribute_size(value) for name, value in item.items() if names is None or name in names
    )


def stored_bytes(item: dict[str, Any]) -> int:
    """What one log takes in the table, in its time index and in its record index (the sync's: keys only)."""
    whole = attributes_size(item) + ITEM_OVERHEAD
    time_entry = attributes_size(item, {"user_id", "review_id", "reviewed_at", *TOTALS_ATTRIBUTES}) + ITEM_OVERHEAD
    record_entry = attributes_size(item, {"user_id", "review_id", "updated_at"}) + ITEM_OVERHEAD
    return whole + time_entry + record_entry


def a_month_of_reviews(user_id: str, reviews: int, start: datetime) -> list[ReviewLogItem]:
    """As the review path writes them (shared/dal/progress_repository.record_review): every attribute present."""
    session = str(uuid.uuid4())
    logs = []
    for n in range(reviews):
        reviewed_at = start + timedelta(minutes=n * 30 * 24 * 60 // reviews)
        logs.append(
            ReviewLogItem(
                user_id=user_id,
                review_id=str(uuid.uuid4()),
                item_key=f"sentence#{uuid.uuid4()}",
                reviewed_at=reviewed_at,
                algorithm="fsrs",
                rating=3,
                quality=4,
                correct=True,
                response_time_ms=2400 + n % 5000,
                session_id=session,
                was_new=n % 10 == 0,
                became_mature=False,
                deck_changed=n % 4 == 0,
                study_day=reviewed_at.date().isoformat(),
                interval_days=12,
                next_review_date=reviewed_at + timedelta(days=12),
                mastery_level="young",
                archive_at=archive_time(reviewed_at),
            )
        )
    return logs


def measure(reviews: int) -> tuple[float, int]:
    """(DynamoDB bytes per review, the archive's bytes for the learner-month)."""
    with mock_aws():
        settings = get_settings()
        bind_tables(settings)
        provision.create_tables(settings)
        provision.create_media_bucket(settings, provision.create_queues(settings))
        user = UserItem(email="learner@example.com", username="learner", password_hash="-")
        user.save()
        start = datetime(2025, 10, 1, tzinfo=UTC)
        batch_save(ReviewLogItem, a_month_of_reviews(user.user_id, reviews, start))
        dynamodb = boto3.client("dynamodb")
        table = settings.table_name("review_logs")
        items: list[dict[str, Any]] = []
        for page in dynamodb.get_paginator("query").paginate(
            TableName=table,
            KeyConditionExpression="user_id = :u",
            ExpressionAttributeValues={":u": {"S": user.user_id}},
        ):
            items += page["Items"]
        per_review = sum(stored_bytes(item) for item in items) / len(items)
        records = []
        for n, item in enumerate(items):  # what DynamoDB's TTL does, 13 months on
            keys = {"user_id": item["user_id"], "review_id": item["review_id"]}
            dynamodb.delete_item(TableName=table, Key=keys)
            records.append({"eventID": str(n), "eventName": "REMOVE", "eventSource": "aws:dynamodb",
                            "userIdentity": TTL_DELETER,
                            "dynamodb": {"Keys": keys, "OldImage": item, "SequenceNumber": str(n)}})  # fmt: skip
        result = archiver({"Records": records}, cast(LambdaContext, BenchLambdaContext()))
        assert result["archived"] == len(items), result
        head = boto3.client("s3").head_object(
            Bucket=settings.media_bucket_name(), Key=archive_key(user.user_id, f"{start:%Y-%m}")
        )
        return per_review, int(head["ContentLength"])


def monthly_cost(months: int, month_bytes_dynamodb: float, object_bytes: int) -> tuple[float, float]:
    """(before, after) in USD for the storage of a learner with `months` of history."""
    before = months * month_bytes_dynamodb / GB * DYNAMODB_STANDARD
    archived = max(0, months - KEPT_MONTHS)
    s3_price = S3_GLACIER_IR if object_bytes >= GLACIER_IR_MIN_OBJECT else S3_STANDARD
    after = min(months, KEPT_MONTHS) * month_bytes_dynamodb / GB * DYNAMODB_STANDARD
    after += archived * object_bytes / GB * s3_price
    return before, after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reviews-per-day", type=int, nargs="+", default=[100, 20])
    args = parser.parse_args()
    for per_day in args.reviews_per_day:
        reviews = round(per_day * DAYS_PER_MONTH)
        per_review, object_bytes = measure(reviews)
        month_bytes = per_review * reviews
        archived_class = "Glacier IR" if object_bytes >= GLACIER_IR_MIN_OBJECT else "S3 Standard (under 128 KB)"
        print(f"\n{per_day} reviews a day ({reviews} a month):")
        print(f"  DynamoDB: {per_review:.0f} bytes a review (item, by_time and by_record entries, overheads included), "
              f"{month_bytes / 1e6:.2f} MB a month")  # fmt: skip
        print(f"  archive: {object_bytes / reviews:.0f} bytes a review (gzipped JSON Lines), "
              f"{object_bytes / 1e3:.0f} KB a learner-month object, kept in {archived_class}")  # fmt: skip
        print(f"  {'history':>10}{'before $/month':>16}{'after $/month':>15}{'saved':>8}")
        for years in (1, 2, 3, 5):
            before, after = monthly_cost(12 * years, month_bytes, object_bytes)
            print(f"  {years:>8} y{before:>16.5f}{after:>15.5f}{1 - after / before:>8.0%}")
        # Once per learner-month, as it is archived: a rewrite per batch that holds its reviews (about one a day when
        # TTL removes them as they come due), and one transition.
        once = 30 * S3_PUT_PER_1000 / 1000 + (
            TRANSITION_PER_1000 / 1000 if object_bytes >= GLACIER_IR_MIN_OBJECT else 0
        )
        print(f"  requests, once per learner-month archived: ~${once:.5f} (about 30 PUTs, and the transition if any)")
        at_5y_ia = (
            KEPT_MONTHS * month_bytes / GB * DYNAMODB_STANDARD
            + 47 * max(object_bytes, 128 * 1024) / GB * S3_STANDARD_IA
        )
        print(f"  for comparison, 5 years with Standard-IA instead of Glacier IR: ${at_5y_ia:.5f}/month")
    print(
        f"\nPrices (us-east-1, USD per GB-month): DynamoDB standard {DYNAMODB_STANDARD}, S3 Standard {S3_STANDARD}, "
        f"Standard-IA {S3_STANDARD_IA}, Glacier Instant Retrieval {S3_GLACIER_IR}; PUT ${S3_PUT_PER_1000}/1000, "
        f"transition to Glacier IR ${TRANSITION_PER_1000}/1000."
    )


if __name__ == "__main__":
    main()
