"""Photo and recording records with their background jobs; every state change is a conditional write."""

from datetime import datetime, timedelta
from typing import Any, Final

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from shared.catalog import QUEUES, QueueSpec
from shared.constants import MediaPrefixes
from shared.dal import analytics_repository
from shared.dal.activity import count_activity
from shared.dal.analytics_repository import Figures, day_period
from shared.dal.base import atomic_writes, refused_conditions
from shared.dal.jobs import BackgroundJobItem
from shared.dal.media import AudioRecordItem, ExtractedSentence, MediaRecordItem, OCRRecordItem
from shared.dal.pagination import collect_page, cursor_scope, decode_cursor
from shared.dal.reviews import DailyStatsItem
from shared.enums import JobStatus, JobType, MediaKind, ProcessingStatus
from shared.observability import tracer
from shared.schemas.common import Page
from shared.schemas.media import AudioRecordPublic, OcrRecordPublic

_MODELS: dict[str, type[MediaRecordItem]] = {MediaKind.OCR: OCRRecordItem, MediaKind.SPEECH: AudioRecordItem}
_JOB_TYPES: dict[str, JobType] = {MediaKind.OCR: JobType.OCR_PROCESSING, MediaKind.SPEECH: JobType.STT_PROCESSING}
_PREFIXES: dict[str, str] = {MediaKind.OCR: MediaPrefixes.OCR_UPLOADS, MediaKind.SPEECH: MediaPrefixes.SPEECH_UPLOADS}
# Clock skew between the machines that compare `updated_at` with their own clock, with room to spare.
CLOCK_MARGIN: Final = timedelta(seconds=30)


def _queue(kind: str) -> QueueSpec:
    """The work queue, and so the worker, of a kind of upload (shared/catalog.py, which infra deploys)."""
    return next(spec for spec in QUEUES if spec.upload_prefix == _PREFIXES[kind])


# A record PROCESSING and untouched this long has no live worker: Lambda stops a worker at its timeout. The message of
# a worker that timed out comes back after the queue's visibility timeout, which is longer (six times the timeout),
# and takes the record over; a duplicated S3 event within the window finds the record held and does nothing.
TAKEOVER_AFTER: Final[dict[str, timedelta]] = {
    kind: timedelta(seconds=_queue(kind).worker_timeout_seconds) + CLOCK_MARGIN for kind in MediaKind
}
# A record untouched this long (PROCESSING, or given back PENDING after a transient error) has no live worker and no
# redelivery on the way, which would have come within one visibility timeout and taken it: the janitor may fail it.
ABANDONED_AFTER: Final[dict[str, timedelta]] = {
    kind: timedelta(seconds=max(_queue(kind).worker_timeout_seconds, _queue(kind).visibility_timeout_seconds))
    + CLOCK_MARGIN
    for kind in MediaKind
}


def ocr_public(item: OCRRecordItem) -> OcrRecordPublic:
    fields = dict(item.attribute_values)
    fields["japanese_sentences"] = [s.attribute_values for s in item.japanese_sentences]
    fields["furigana"] = [s.attribute_values for s in item.furigana]
    return OcrRecordPublic.model_validate(fields)


def audio_public(item: AudioRecordItem) -> AudioRecordPublic:
    return AudioRecordPublic.model_validate(item.attribute_values)


def _public(item: MediaRecordItem) -> OcrRecordPublic | AudioRecordPublic:
    return ocr_public(item) if isinstance(item, OCRRecordItem) else audio_public(item)  # type: ignore[arg-type]


@tracer.capture_method
def create_record(kind: str, user_id: str, record_id: str, fields: dict[str, Any], upload_key: str) -> str:
    """The PENDING record and its PENDING job, together or not at all. Returns the job id."""
    job = BackgroundJobItem(
        user_id=user_id, job_type=_JOB_TYPES[kind], input_data={"key": upload_key, "record_id": record_id}
    )
    record = _MODELS[kind](user_id=user_id, record_id=record_id, job_id=job.id, **fields)
    record.derive_keys()
    job.derive_keys()
    record.updated_at = job.updated_at
    with atomic_writes() as transaction:
        transaction.save(record, condition=_MODELS[kind].record_id.does_not_exist())
        transaction.save(job, condition=BackgroundJobItem.id.does_not_exist())
    return str(job.id)


@tracer.capture_method
def get_record(kind: str, user_id: str, record_id: str) -> OcrRecordPublic | AudioRecordPublic | None:
    try:
        return _public(_MODELS[kind].get(user_id, record_id, consistent_read=True))
    except DoesNotExist:
        return None


@tracer.capture_method
def list_records(kind: str, user_id: str, limit: int, cursor: str | None) -> Page[Any]:
    model = _MODELS[kind]
    scope = cursor_scope(f"ai.{kind}", user_id)
    results = model.by_created.query(  # type: ignore[attr-defined]
        user_id, scan_index_forward=False, limit=limit, last_evaluated_key=decode_cursor(cursor, scope)
    )
    page = collect_page(results, limit, scope)
    return Page[Any](items=[_public(item) for item in page.items], next_cursor=page.next_cursor)


@tracer.capture_method
def start_processing(kind: str, user_id: str, record_id: str, now: datetime) -> dict[str, Any] | None:
    """Take the record: PENDING → PROCESSING (or a stale PROCESSING taken over), the job RUNNING with one more
    try counted, in one transaction. None when another worker has it or it is finished (a duplicate event).
    Returns what the worker needs: the record's fields and its job's retry count."""
    model = _MODELS[kind]
    try:
        record = model.get(user_id, record_id, consistent_read=True)
    except DoesNotExist:
        return None
    free = model.processing_status == ProcessingStatus.PENDING
    stale = (model.processing_status == ProcessingStatus.PROCESSING) & (model.updated_at < now - TAKEOVER_AFTER[kind])
    job = BackgroundJobItem(id=record.job_id)
    try:
        with atomic_writes() as transaction:
            transaction.update(
                record,
                actions=[model.processing_status.set(ProcessingStatus.PROCESSING), model.updated_at.set(now)],
                condition=free | stale,
            )
            transaction.update(
                job,
                actions=[
                    BackgroundJobItem.status.set(JobStatus.RUNNING),
                    BackgroundJobItem.started_at.set(now),
                    BackgroundJobItem.retry_count.add(1),
                    BackgroundJobItem.updated_at.set(now),
                ],
                condition=BackgroundJobItem.id.exists(),
            )
    except TransactWriteError as error:
        if refused_conditions(error):
            return None
        raise
    attempt = BackgroundJobItem.get(record.job_id, consistent_read=True)
    return {**record.attribute_values, "attempt": int(attempt.retry_count), "max_retries": int(attempt.max_retries)}


@tracer.capture_method
def finish(
    kind: str,
    user_id: str,
    record_id: str,
    job_id: str,
    now: datetime,
    started: datetime,
    outcome: ProcessingStatus,
    fields: dict[str, Any],
    result: dict[str, Any] | None,
) -> None:
    """Write the outcome on the record and mirror it on the job, together; only a PROCESSING record moves. A
    completed upload counts on the learner's totals in the same transaction (a photo's sentences as added)."""
    model = _MODELS[kind]
    record = model(user_id=user_id, record_id=record_id)
    actions = [
        model.processing_status.set(outcome),
        model.processed_at.set(now),
        model.updated_at.set(now),
        *[getattr(model, name).set(_stored(kind, name, value)) for name, value in fields.items() if value is not None],
    ]
    job_status = JobStatus.COMPLETED if outcome == ProcessingStatus.COMPLETED else JobStatus.FAILED
    elapsed_ms = int((now - started).total_seconds() * 1000)
    job_actions: list[Action] = [
        BackgroundJobItem.status.set(job_status),
        BackgroundJobItem.completed_at.set(now),
        BackgroundJobItem.processing_time_ms.set(elapsed_ms),
        BackgroundJobItem.updated_at.set(now),
    ]
    if result is not None:
        job_actions.append(BackgroundJobItem.result_data.set(result))
    if fields.get("error_message"):
        job_actions.append(BackgroundJobItem.error_message.set(fields["error_message"]))
    with atomic_writes() as transaction:
        transaction.update(record, actions=actions, condition=model.processing_status == ProcessingStatus.PROCESSING)
        transaction.update(BackgroundJobItem(id=job_id), actions=job_actions, condition=BackgroundJobItem.id.exists())
        if outcome == ProcessingStatus.COMPLETED and kind == MediaKind.OCR:
            found = len(fields.get("processed_sentences") or [])
            count_activity(
                transaction, user_id, now, (DailyStatsItem.photos_processed, 1), (DailyStatsItem.sentences_added, found)
            )
        elif outcome == ProcessingStatus.COMPLETED:
            count_activity(transaction, user_id, now, (DailyStatsItem.recordings_processed, 1))
        processed = outcome == ProcessingStatus.COMPLETED
        analytics_repository.count(
            transaction,
            day_period(now.date()),
            user_id,
            Figures(uploads_processed=int(processed), uploads_failed=int(not processed)),
            now,
        )


def _stored(kind: str, name: str, value: Any) -> Any:
    if kind == MediaKind.OCR and name in ("japanese_sentences", "furigana"):
        return [ExtractedSentence(**sentence) for sentence in value]
    return value


def stale_record_failure(
    job_type: JobType, user_id: str | None, record_id: str | None, message: str, now: datetime
) -> tuple[MediaRecordItem, list[Action], Condition] | None:
    """The write that fails the photo or recording record of a job the janitor closes: (item, actions, condition)
    for the janitor's transaction, None for a job without a record. Only a record nobody has touched for
    ABANDONED_AFTER moves (waiting for an upload that never came, held by a worker that died, or given back for a
    retry that never came): one a worker or a redelivered message holds now is left to it."""
    kind = next((kind for kind, kind_job in _JOB_TYPES.items() if kind_job == job_type), None)
    if kind is None or not record_id or not user_id:
        return None
    model = _MODELS[kind]
    actions: list[Action] = [
        model.processing_status.set(ProcessingStatus.FAILED),
        model.error_message.set(message),
        model.processed_at.set(now),
        model.updated_at.set(now),
    ]
    unfinished = model.processing_status.is_in(ProcessingStatus.PENDING, ProcessingStatus.PROCESSING)
    return (
        model(user_id=user_id, record_id=record_id),
        actions,
        unfinished & (model.updated_at < now - ABANDONED_AFTER[kind]),
    )


@tracer.capture_method
def release(kind: str, user_id: str, record_id: str, job_id: str, now: datetime) -> None:
    """Give a record back after a transient failure, so the retried message can take it again."""
    model = _MODELS[kind]
    with atomic_writes() as transaction:
        transaction.update(
            model(user_id=user_id, record_id=record_id),
            actions=[model.processing_status.set(ProcessingStatus.PENDING), model.updated_at.set(now)],
            condition=model.processing_status == ProcessingStatus.PROCESSING,
        )
        transaction.update(
            BackgroundJobItem(id=job_id),
            actions=[BackgroundJobItem.status.set(JobStatus.PENDING), BackgroundJobItem.updated_at.set(now)],
            condition=BackgroundJobItem.id.exists(),
        )
