from typing import Annotated

from fastapi import APIRouter, Path, status
from fastapi.responses import RedirectResponse

from shared.api.deps import CurrentUser, Now
from shared.api.params import Cursor, ItemId, PageSize
from shared.dal.media_repository import OCR, SPEECH
from shared.schemas.common import Page
from shared.schemas.media import (
    AudioRecordPublic,
    OcrRecordPublic,
    OcrUploadRequest,
    OcrUploadTicket,
    SpeechUploadRequest,
    SpeechUploadTicket,
    TtsAudio,
    TtsRequest,
)
from shared.services import media, tts

router = APIRouter(prefix="/ai", tags=["ai"])


@router.post("/ocr/upload", status_code=status.HTTP_201_CREATED, summary="A record and a presigned POST for a photo")
def upload_photo(principal: CurrentUser, body: OcrUploadRequest, now: Now) -> OcrUploadTicket:
    return media.start_ocr_upload(principal, body, now)


@router.get("/ocr", summary="The caller's photo records, newest first")
def list_photos(principal: CurrentUser, limit: PageSize = 20, cursor: Cursor = None) -> Page[OcrRecordPublic]:
    return media.list_records(principal, OCR, limit, cursor)


@router.get("/ocr/{record_id}", summary="One photo record: its status, then its text and sentences")
def get_photo(principal: CurrentUser, record_id: ItemId) -> OcrRecordPublic:
    return media.get_ocr_record(principal, record_id)


@router.post(
    "/speech/upload", status_code=status.HTTP_201_CREATED, summary="A record and a presigned POST for a recording"
)
def upload_recording(principal: CurrentUser, body: SpeechUploadRequest, now: Now) -> SpeechUploadTicket:
    return media.start_speech_upload(principal, body, now)


@router.get("/speech", summary="The caller's recordings, newest first")
def list_recordings(principal: CurrentUser, limit: PageSize = 20, cursor: Cursor = None) -> Page[AudioRecordPublic]:
    return media.list_records(principal, SPEECH, limit, cursor)


@router.get("/speech/{record_id}", summary="One recording: its status, then transcript and pronunciation score")
def get_recording(principal: CurrentUser, record_id: ItemId) -> AudioRecordPublic:
    return media.get_audio_record(principal, record_id)


@router.post("/tts/generate", summary="Japanese speech for a text or a sentence, as a short-lived link (cached)")
def generate_speech(principal: CurrentUser, body: TtsRequest, now: Now) -> TtsAudio:
    return tts.synthesize(principal, body, now)


@router.get(
    "/tts/audio/{name}",
    status_code=status.HTTP_307_TEMPORARY_REDIRECT,
    response_class=RedirectResponse,
    summary="Stored speech (a sentence's audio_url): redirects to a fresh short-lived link",
)
def get_speech(_: CurrentUser, name: Annotated[str, Path(max_length=80)]) -> RedirectResponse:
    return RedirectResponse(tts.audio_link(name), status_code=status.HTTP_307_TEMPORARY_REDIRECT)
