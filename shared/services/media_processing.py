"""What the OCR and speech workers share: take the record, read the upload, analyse, store the outcome.

States: PENDING → PROCESSING → COMPLETED or FAILED, mirrored on the BackgroundJob. Every move is a conditional
write, so a duplicated S3 event finds the record taken or finished and does nothing, while the redelivery of a message
whose worker timed out takes the record over (media_repository.TAKEOVER_AFTER). A file that is empty, not what its
ticket declared (media_types), too large, or otherwise unusable ends FAILED at once with a message for the learner
(no retry storm); an unexpected error gives the record back and lets SQS retry, until the job's retries are spent.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum

from shared.dal import media_repository, media_storage
from shared.domain.media import MediaAnalysis, MediaClaim
from shared.enums import MediaKind
from shared.observability import logger, metrics
from shared.services.media import MAX_AUDIO_BYTES, MAX_IMAGE_BYTES, parse_upload_key
from shared.services.media_types import UploadRefused, check_upload

Analyser = Callable[[bytes, MediaClaim], MediaAnalysis]
GIVE_UP_MESSAGE = "We could not process this file. Please try again later."
MAX_BYTES: dict[MediaKind, int] = {MediaKind.OCR: MAX_IMAGE_BYTES, MediaKind.SPEECH: MAX_AUDIO_BYTES}


class Outcome(StrEnum):
    COMPLETED = "completed"
    FAILED = "failed"
    DUPLICATE = "duplicate"  # another delivery of the same upload already has it
    IGNORED = "ignored"  # not an upload of this worker's kind


def _now() -> datetime:
    return datetime.now(UTC)


def process_upload(
    kind: MediaKind, bucket: str, key: str, analyse: Analyser, rejections: tuple[type[Exception], ...]
) -> Outcome:
    upload = parse_upload_key(key)
    if upload is None or upload.kind != kind:
        logger.warning("not an upload of this worker", extra={"key": key})
        return Outcome.IGNORED
    refusals: tuple[type[Exception], ...] = (UploadRefused, *rejections)
    claim = media_repository.start_processing(kind, upload.user_id, upload.record_id, _now())
    if claim is None:
        return Outcome.DUPLICATE
    try:
        stored = media_storage.read_object(bucket, key, MAX_BYTES[kind])
        check_upload(stored.data, stored.content_type, claim.content_type, upload.extension)
        analysis = analyse(stored.data, claim)
    except media_storage.ObjectTooLarge:
        media_repository.fail(claim, "The file is larger than allowed.", _now())
        return _counted(Outcome.FAILED, kind)
    except refusals as rejected:
        media_repository.fail(claim, _sentence(str(rejected)), _now())
        return _counted(Outcome.FAILED, kind)
    except Exception:
        logger.exception("processing failed", extra={"key": key, "attempt": claim.attempt})
        if claim.last_try:
            media_repository.fail(claim, GIVE_UP_MESSAGE, _now())
            return _counted(Outcome.FAILED, kind)
        media_repository.release(claim, _now())
        raise
    media_repository.complete(claim, analysis, _now())
    return _counted(Outcome.COMPLETED, kind)


def _sentence(message: str) -> str:
    text = message.strip() or "The file could not be used"
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _counted(outcome: Outcome, kind: MediaKind) -> Outcome:
    metrics.add_metric(name=f"{kind.capitalize()}{outcome.value.capitalize()}", unit="Count", value=1)
    return outcome
