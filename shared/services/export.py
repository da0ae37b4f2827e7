"""The learner's data export: one JSON document with the profile and every item the account owns.

It is written to the media bucket under exports/<user id>/ (a lifecycle rule deletes them after 7 days)
and handed out as a short-lived presigned link, so the document's size is not bound by the API's 6 MB response
limit. Each section is one paginated Query of the learner's own partition. A history large enough that writing
it would approach API Gateway's 29 seconds is written by the account-jobs worker instead: the request answers 202
with a job, and the job's status gives the link once it is done.
"""

import json
from dataclasses import dataclass
from datetime import datetime

from shared.constants import API_PREFIX, MediaPrefixes
from shared.dal import export_repository, job_queue, jobs_repository, media_storage, progress_repository
from shared.dal.base import new_id
from shared.enums import JobStatus, JobType
from shared.errors import NotFound
from shared.observability import metrics
from shared.schemas.auth import UserPublic
from shared.schemas.export import DataExport, ExportJob, ExportStarted

EXPORT_FORMAT = 1  # bumped when the document's shape changes
# Reviews beyond which the export is a job (the review log is most of the document, and it grows without bound):
# bench/export_time.py measured 20,000 reviews as an 11.7 MB document, 36 s to read and write on in-process moto
# (whose queries are far slower than DynamoDB's, where that is a few 1 MB pages).
LARGE_HISTORY_REVIEWS = 20_000


@dataclass(frozen=True)
class StoredExport:
    key: str
    size_bytes: int
    counts: dict[str, int]


def export_user_data(user: UserPublic, now: datetime) -> DataExport | ExportStarted:
    """The document now for most learners; a job for a history too large to write within the request."""
    if progress_repository.reviews_stored(user.id) <= LARGE_HISTORY_REVIEWS:
        return _public(write_export(user, now), now)
    job = jobs_repository.create_account_job(user.id, JobType.DATA_EXPORT, now)
    job_queue.hand_to_worker(job.id)
    return ExportStarted(job_id=job.id, status=job.status, status_url=f"{API_PREFIX}/users/me/export/{job.id}")


def write_export(user: UserPublic, now: datetime) -> StoredExport:
    """Read everything the learner owns and store it as one document (the request, or the worker for a job)."""
    records = export_repository.user_records(user.id)
    document = {
        "format": EXPORT_FORMAT,
        "exported_at": now.isoformat(),
        "profile": user.model_dump(mode="json"),
        **records,
    }
    body = json.dumps(document, ensure_ascii=False, indent=1).encode()
    key = f"{MediaPrefixes.EXPORTS}{user.id}/{now:%Y%m%dT%H%M%SZ}-{new_id()}.json"
    media_storage.put_object(key, body, "application/json")
    metrics.add_metric(name="DataExported", unit="Bytes", value=len(body))
    return StoredExport(key=key, size_bytes=len(body), counts={name: len(items) for name, items in records.items()})


def export_job(user: UserPublic, job_id: str, now: datetime) -> ExportJob:
    """An export job of the learner's: its status and, once completed, a fresh link to the document."""
    job = jobs_repository.account_job(job_id)
    if job is None or job.user_id != user.id or job.job_type != JobType.DATA_EXPORT:
        raise NotFound("export job not found")
    stored = (
        StoredExport(job.result["key"], int(job.result["size_bytes"]), dict(job.result["counts"]))
        if job.status == JobStatus.COMPLETED
        else None
    )
    return ExportJob(
        job_id=job.id,
        status=job.status,
        created_at=job.created_at,
        export=_public(stored, now) if stored else None,
        error=job.error_message,
    )


def _public(stored: StoredExport, now: datetime) -> DataExport:
    return DataExport(
        url=media_storage.presigned_download(stored.key),
        expires_at=now + media_storage.DOWNLOAD_LIFETIME,
        size_bytes=stored.size_bytes,
        counts=stored.counts,
    )
