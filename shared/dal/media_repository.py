"""Photo and recording records with their background jobs; every state change is a conditional write."""

from datetime import datetime, timedelta
from typing import Any, Final

from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from shared.catalog import QUEUES, QueueSpec
from shared.dal import analytics_repository
from shared.dal.activity import count_activity
from shared.dal.analytics_repository import Figures, day_period
from shared.dal.base import atomic_writes, refused_conditions, set_or_remove
from shared.dal.jobs import BackgroundJobItem
from shared.dal.media import AudioRecordItem, ExtractedSentence, MediaRecordItem, OCRRecordItem
from shared.dal.pagination import collect_page, cursor_scope, decode_cursor
from shared.dal.reviews import DailyStatsItem
from shared.domain.media import (
    UPLOAD_PREFIXES,
    MediaAnalysis,
    MediaClaim,
    PhotoAnalysis,
    RecordingAnalysis,
    TextRegion,
)
from shared.enums import JobStatus, JobType, MediaKind, ProcessingStatus
from shared.observability import tracer
from shared.schemas.common import Page
from shared.schemas.media import AudioRecordPublic, OcrRecordPublic

_MODELS: dict[MediaKind, type[MediaRecordItem]] = {MediaKind.OCR: OCRRecordItem, MediaKind.SPEECH: AudioRecordItem}
_JOB_TYPES: dict[MediaKind, JobType] = {MediaKind.OCR: JobType.OCR_PROCESSING, MediaKind.SPEECH: JobType.STT_PROCESSING}
# Clock skew between the machines that compare `updated_at` with their own clock, with room to spare.
CLOCK_MARGIN: Final = timedelta(seconds=30)


def _queue(kind: MediaKind) -> QueueSpec:
    """The work queue, and so the worker, of a kind of upload (shared/catalog.py, which infra deploys)."""
    return next(spec for spec in QUEUES if spec.upload_prefix == UPLOAD_PREFIXES[kind])


# A record PROCESSING and untouched this long has no live worker: Lambda stops a worker at its timeout. The message of
# a worker that timed out comes back after the queue's visibility timeout, which is longer (six times the timeout),
# and takes the record over; a duplicated S3 event within the window finds the record held and does nothing.
TAKEOVER_AFTER: Final[dict[MediaKind, timedelta]] = {
    kind: timedelta(seconds=_queue(kind).worker_timeout_seconds) + CLOCK_MARGIN for kind in MediaKind
}
# A record untouched this long (PROCESSING, or given back PENDING after a transient error) has no live worker and no
# redelivery on the way, which would have come within one visibility timeout and taken it: the janitor may fail it.
ABANDONED_AFTER: Final[dict[MediaKind, timedelta]] = {
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
def create_record(kind: MediaKind, user_id: str, record_id: str, fields: dict[str, Any], upload_key: str) -> str:
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
def get_record(kind: MediaKind, user_id: str, record_id: str) -> OcrRecordPublic | AudioRecordPublic | None:
    try:
        return _public(_MODELS[kind].get(user_id, record_id, consistent_read=True))
    except DoesNotExist:
        return None


@tracer.capture_method
def list_records(kind: MediaKind, user_id: str, limit: int, cursor: str | None) -> Page[Any]:
    model = _MODELS[kind]
    scope = cursor_scope(f"ai.{kind}", user_id)
    results = model.by_created.query(  # type: ignore[attr-defined]
        user_id, scan_index_forward=False, limit=limit, last_evaluated_key=decode_cursor(cursor, scope)
    )
    page = collect_page(results, limit, scope)
    return Page[Any](items=[_public(item) for item in page.items], next_cursor=page.next_cursor)


@tracer.capture_method
def start_processing(kind: MediaKind, user_id: str, record_id: str, now: datetime) -> MediaClaim | None:
    """Take the record: PENDING → PROCESSING (or a stale PROCESSING taken over), the job RUNNING with one more
    try counted, in one transaction. None when another worker has it or it is finished (a duplicate event)."""
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
    return MediaClaim(
        kind=kind,
        user_id=user_id,
        record_id=record_id,
        job_id=str(record.job_id),
        started_at=now,
        attempt=int(attempt.retry_count),
        max_retries=int(attempt.max_retries),
        content_type=record.content_type,
        target_text=record.target_text if isinstance(record, AudioRecordItem) else None,
    )


@tracer.capture_method
def complete(claim: MediaClaim, analysis: MediaAnalysis, now: datetime) -> None:
    """Store what the worker found and COMPLETE the record and its job, together; the upload counts on the
    learner's totals in the same transaction (a photo's sentences as added)."""
    if isinstance(analysis, PhotoAnalysis):
        actions = _photo_fields(analysis)
        counts: tuple[tuple[NumberAttribute, int], ...] = (
            (DailyStatsItem.photos_processed, 1),
            (DailyStatsItem.sentences_added, len(analysis.processed_sentences)),
        )
    else:
        actions = _recording_fields(analysis)
        counts = ((DailyStatsItem.recordings_processed, 1),)
    with atomic_writes() as transaction:
        _finish(transaction, claim, ProcessingStatus.COMPLETED, actions, now, result=analysis.job_summary())
        count_activity(transaction, claim.user_id, now, *counts)


@tracer.capture_method
def fail(claim: MediaClaim, message: str, now: datetime) -> None:
    """FAIL the record and its job with a message for the learner."""
    model = _MODELS[claim.kind]
    with atomic_writes() as transaction:
        _finish(transaction, claim, ProcessingStatus.FAILED, [model.error_message.set(message)], now, error=message)


def _photo_fields(analysis: PhotoAnalysis) -> list[Action]:
    item = OCRRecordItem
    return [
        item.image_size_bytes.set(analysis.image_size_bytes),
        item.image_format.set(analysis.image_format),
        item.image_width.set(analysis.image_width),
        item.image_height.set(analysis.image_height),
        item.extracted_text.set(analysis.extracted_text),
        item.confidence_score.set(analysis.confidence_score),
        set_or_remove(item.language_detected, analysis.language_detected),
        item.japanese_sentences.set([_region(region) for region in analysis.japanese_sentences]),
        item.furigana.set([_region(region) for region in analysis.furigana]),
        item.processed_sentences.set(analysis.processed_sentences),
        item.ocr_engine_used.set(analysis.ocr_engine_used),
        item.processing_time_ms.set(analysis.processing_time_ms),
    ]


def _recording_fields(analysis: RecordingAnalysis) -> list[Action]:
    item = AudioRecordItem
    actions = [
        item.file_size_bytes.set(analysis.file_size_bytes),
        item.audio_format.set(analysis.audio_format),
        item.duration_seconds.set(analysis.duration_seconds),
        set_or_remove(item.sample_rate, analysis.sample_rate),
        item.transcribed_text.set(analysis.transcribed_text),
        item.confidence_score.set(analysis.confidence_score),
        set_or_remove(item.language_detected, analysis.language_detected),
    ]
    if analysis.pronunciation is not None:
        actions += [
            item.pronunciation_score.set(analysis.pronunciation.score),
            item.pronunciation_feedback.set(analysis.pronunciation.feedback),
            item.phoneme_accuracy.set(analysis.pronunciation.morae),
        ]
    return actions


def _region(region: TextRegion) -> ExtractedSentence:
    return ExtractedSentence(text=region.text, confidence=region.confidence, bbox=list(region.bbox))


def _finish(
    transaction: TransactWrite,
    claim: MediaClaim,
    status: ProcessingStatus,
    field_actions: list[Action],
    now: datetime,
    *,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """The outcome on the record and mirrored on its job; only a PROCESSING record moves (a record the janitor
    failed meanwhile stays failed)."""
    model = _MODELS[claim.kind]
    record_actions = [
        model.processing_status.set(status),
        model.processed_at.set(now),
        model.updated_at.set(now),
        *field_actions,
    ]
    job_actions: list[Action] = [
        BackgroundJobItem.status.set(JobStatus.COMPLETED if status == ProcessingStatus.COMPLETED else JobStatus.FAILED),
        BackgroundJobItem.completed_at.set(now),
        BackgroundJobItem.processing_time_ms.set(int((now - claim.started_at).total_seconds() * 1000)),
        BackgroundJobItem.updated_at.set(now),
    ]
    if result is not None:
        job_actions.append(BackgroundJobItem.result_data.set(result))
    if error is not None:
        job_actions.append(BackgroundJobItem.error_message.set(error))
    transaction.update(
        model(user_id=claim.user_id, record_id=claim.record_id),
        actions=record_actions,
        condition=model.processing_status == ProcessingStatus.PROCESSING,
    )
    transaction.update(BackgroundJobItem(id=claim.job_id), actions=job_actions, condition=BackgroundJobItem.id.exists())
    processed = status == ProcessingStatus.COMPLETED
    analytics_repository.count(
        transaction,
        day_period(now.date()),
        claim.user_id,
        Figures(uploads_processed=int(processed), uploads_failed=int(not processed)),
        now,
    )


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
def release(claim: MediaClaim, now: datetime) -> None:
    """Give a record back after a transient failure, so the retried message can take it again."""
    model = _MODELS[claim.kind]
    with atomic_writes() as transaction:
        transaction.update(
            model(user_id=claim.user_id, record_id=claim.record_id),
            actions=[model.processing_status.set(ProcessingStatus.PENDING), model.updated_at.set(now)],
            condition=model.processing_status == ProcessingStatus.PROCESSING,
        )
        transaction.update(
            BackgroundJobItem(id=claim.job_id),
            actions=[BackgroundJobItem.status.set(JobStatus.PENDING), BackgroundJobItem.updated_at.set(now)],
            condition=BackgroundJobItem.id.exists(),
        )
