"""The review log's archive: the reviews DynamoDB's TTL removed from review_logs, in the media bucket under
`review-archive/<user id>/<YYYY-MM>.jsonl.gz`, one gzipped JSON Lines object per learner and UTC month answered,
each line a review as the export writes it (`to_simple_dict`), in answer order.

Written by the review archiver from the TTL removals on the log's stream, read by the learner's data export, deleted
with the account (shared/dal/erasure_repository.py). A lifecycle rule moves the objects to S3 Glacier Instant
Retrieval (infra/constructs/media_storage.py): read in milliseconds, but rarely (an export).

Idempotent: a batch merges its reviews into the learner-month's object by review id, so a batch delivered again
(Lambda retries a failed batch, split in halves) finds its reviews there and writes nothing. The read-modify-write
is safe because one learner's records are all in one stream shard, which Lambda hands to one invocation at a time,
in order. Readers still de-duplicate by review id (a review can be in the table and the archive for the moment
between the archiver's write and the end of its batch)."""

import gzip
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from shared.constants import MediaPrefixes
from shared.dal.clients import aws_client
from shared.dal.reviews import ReviewLogItem
from shared.observability import tracer
from shared.settings import get_settings

ArchivedReview = dict[str, Any]  # a review as the export writes it: ReviewLogItem.to_simple_dict()
ARCHIVE_CONTENT_TYPE = "application/gzip"  # gzipped JSON Lines


@dataclass(frozen=True)
class ArchiveResult:
    reviews: int  # removed reviews handed in
    archived: int  # of them, new in the archive (the rest were there already: a redelivery)
    objects_written: int


def archive_key(user_id: str, month: str) -> str:
    """The learner-month's object; `month` is `YYYY-MM` (UTC) of the answers."""
    return f"{MediaPrefixes.REVIEW_ARCHIVE}{user_id}/{month}.jsonl.gz"


def learner_prefix(user_id: str) -> str:
    return f"{MediaPrefixes.REVIEW_ARCHIVE}{user_id}/"


@tracer.capture_method
def archive_removed(images: Iterable[dict[str, Any]], keep: set[str] | None = None) -> ArchiveResult:
    """Merge the removed logs (their stream records' old images, DynamoDB JSON) into their learner-month objects.
    `keep`: the learners whose reviews are archived (None: all); the others' are dropped (an account being erased)."""
    by_object: dict[str, list[ArchivedReview]] = defaultdict(list)
    reviews = 0
    for image in images:
        log = ReviewLogItem.from_raw_data(image)
        reviews += 1
        if keep is None or log.user_id in keep:
            by_object[archive_key(log.user_id, f"{log.reviewed_at:%Y-%m}")].append(log.to_simple_dict())
    archived = written = 0
    for key, removed in by_object.items():
        added = _merge(key, removed)
        archived, written = archived + added, written + bool(added)
    return ArchiveResult(reviews=reviews, archived=archived, objects_written=written)


@tracer.capture_method
def archived_reviews(user_id: str) -> list[ArchivedReview]:
    """Every review of the learner's archive, oldest month first (a ListObjectsV2 page per 1,000 months, a
    GetObject per month)."""
    s3 = aws_client("s3")
    bucket = get_settings().media_bucket_name()
    reviews: list[ArchivedReview] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=learner_prefix(user_id)):
        for stored in page.get("Contents", []):
            reviews += _read(s3, bucket, stored["Key"])
    return reviews


def _merge(key: str, removed: list[ArchivedReview]) -> int:
    """Add the reviews the object lacks, rewriting it once; the number added (0: nothing written)."""
    s3 = aws_client("s3")
    bucket = get_settings().media_bucket_name()
    by_id = {review["review_id"]: review for review in _read(s3, bucket, key)}
    new = {review["review_id"]: review for review in removed if review["review_id"] not in by_id}
    if not new:
        return 0
    merged = sorted({**by_id, **new}.values(), key=lambda review: (review["reviewed_at"], review["review_id"]))
    body = gzip.compress("".join(json.dumps(review, ensure_ascii=False) + "\n" for review in merged).encode())
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=ARCHIVE_CONTENT_TYPE)
    return len(new)


def _read(s3: Any, bucket: str, key: str) -> list[ArchivedReview]:
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "NoSuchKey":
            return []
        raise
    return [json.loads(line) for line in gzip.decompress(body).decode().splitlines() if line]
