"""The review log's archive: the reviews DynamoDB's TTL removed from the table (13 months after they were answered)
are kept in S3, grouped per learner and month (shared/dal/review_archive.py), so that nothing leaves a learner's
history: the data export reads them back. A learner who is gone or whose account's deletion was asked for is left
out: their history goes with the account, and the deletion job may already have erased their archive."""

from typing import Any

from shared.dal import review_archive, users_repository
from shared.dal.review_archive import ArchiveResult
from shared.observability import metrics


def archive_expired_reviews(images: list[dict[str, Any]]) -> ArchiveResult:
    """`images`: the removed logs, as their stream records' old images (DynamoDB JSON)."""
    if not images:
        return ArchiveResult(reviews=0, archived=0, objects_written=0)
    keep = users_repository.keeping_their_data({str(image["user_id"]["S"]) for image in images})
    result = review_archive.archive_removed(images, keep)
    metrics.add_metric(name="ReviewsArchived", unit="Count", value=result.archived)
    return result
