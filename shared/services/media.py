"""Photos and recordings from the phone: upload tickets, the records, and the upload keys' layout.

The phone uploads straight to S3 with a presigned POST whose policy S3 enforces (content type, size, key,
expiry). The key `uploads/<kind>/<user_id>/<record_id>.<ext>` carries the owner, so the worker needs no
lookup, and records are only ever read under the caller's own user id.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.dal import content_repository, media_repository, media_storage
from shared.dal.base import new_id
from shared.domain.media import UPLOAD_PREFIXES
from shared.enums import MediaKind
from shared.errors import NotFound
from shared.schemas.common import Page
from shared.schemas.media import (
    AUDIO_EXTENSIONS,
    IMAGE_EXTENSIONS,
    AudioRecordPublic,
    OcrRecordPublic,
    OcrUploadRequest,
    OcrUploadTicket,
    PresignedUpload,
    SpeechUploadRequest,
    SpeechUploadTicket,
)
from shared.services.auth import Principal

MAX_IMAGE_BYTES = 10 * 1024 * 1024  # the OCR worker refuses more (shared/services/ocr.py)
MAX_AUDIO_BYTES = 10 * 1024 * 1024  # the speech worker refuses more (shared/services/speech.py)
_KEY = re.compile(
    r"^uploads/(?P<kind>ocr|speech)/(?P<user_id>[0-9a-f-]{36})/(?P<record_id>[0-9a-f-]{36})\.(?P<extension>[a-z0-9]+)$"
)


@dataclass(frozen=True)
class UploadKey:
    kind: MediaKind
    user_id: str
    record_id: str
    extension: str  # the ticket's format: the key was made from its content type


def upload_key(kind: MediaKind, user_id: str, record_id: str, extension: str) -> str:
    return f"{UPLOAD_PREFIXES[kind]}{user_id}/{record_id}.{extension}"


def parse_upload_key(key: str) -> UploadKey | None:
    match = _KEY.match(key)
    if match is None:
        return None
    return UploadKey(MediaKind(match["kind"]), match["user_id"], match["record_id"], match["extension"])


def _ticket_upload(policy: media_storage.UploadPolicy) -> PresignedUpload:
    return PresignedUpload(
        url=policy.url, fields=policy.fields, key=policy.key, max_bytes=policy.max_bytes, expires_at=policy.expires_at
    )


def start_ocr_upload(principal: Principal, request: OcrUploadRequest, now: datetime) -> OcrUploadTicket:
    record_id = new_id()
    key = upload_key(MediaKind.OCR, principal.user.id, record_id, IMAGE_EXTENSIONS[request.content_type])
    fields = {
        "content_type": request.content_type,
        "image_path": key,
        "image_format": IMAGE_EXTENSIONS[request.content_type],
        "source_description": request.source_description,
        "learning_purpose": request.learning_purpose,
    }
    media_repository.create_record(MediaKind.OCR, principal.user.id, record_id, fields, key)
    policy = media_storage.presigned_upload(key, request.content_type, MAX_IMAGE_BYTES, now)
    record = get_ocr_record(principal, record_id)
    return OcrUploadTicket(record=record, upload=_ticket_upload(policy))


def start_speech_upload(principal: Principal, request: SpeechUploadRequest, now: datetime) -> SpeechUploadTicket:
    target_text = request.target_text
    if request.sentence_id is not None:
        sentence = content_repository.get_sentence(request.sentence_id)
        if sentence is None or sentence.status != "active":
            raise NotFound("sentence not found")
        target_text = target_text or sentence.japanese_text
    record_id = new_id()
    key = upload_key(MediaKind.SPEECH, principal.user.id, record_id, AUDIO_EXTENSIONS[request.content_type])
    fields = {
        "content_type": request.content_type,
        "file_path": key,
        "audio_format": AUDIO_EXTENSIONS[request.content_type],
        "sentence_id": request.sentence_id,
        "target_text": target_text,
        "exercise_type": request.exercise_type,
    }
    media_repository.create_record(MediaKind.SPEECH, principal.user.id, record_id, fields, key)
    policy = media_storage.presigned_upload(key, request.content_type, MAX_AUDIO_BYTES, now)
    record = get_audio_record(principal, record_id)
    return SpeechUploadTicket(record=record, upload=_ticket_upload(policy))


def get_ocr_record(principal: Principal, record_id: str) -> OcrRecordPublic:
    record = media_repository.get_record(MediaKind.OCR, principal.user.id, record_id)
    if not isinstance(record, OcrRecordPublic):
        raise NotFound("record not found")
    return record


def get_audio_record(principal: Principal, record_id: str) -> AudioRecordPublic:
    record = media_repository.get_record(MediaKind.SPEECH, principal.user.id, record_id)
    if not isinstance(record, AudioRecordPublic):
        raise NotFound("record not found")
    return record


def list_records(principal: Principal, kind: MediaKind, limit: int, cursor: str | None) -> Page[Any]:
    return media_repository.list_records(kind, principal.user.id, limit, cursor)
