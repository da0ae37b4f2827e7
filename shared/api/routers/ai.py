from typing import Annotated

from fastapi import APIRouter, Body, Path, status
from fastapi.responses import RedirectResponse

from shared.api.deps import CurrentUser, Now
from shared.api.errors import errors
from shared.api.params import Cursor, ItemId, PageSize
from shared.enums import MediaKind
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

# The redirect may be reused for 5 minutes: well inside the 15-minute life of the presigned link it points to.
AUDIO_REDIRECT_CACHE_CONTROL = "private, max-age=300"

PHOTO_EXAMPLES = {
    "photo": {
        "summary": "A JPEG from the camera",
        "value": {"content_type": "image/jpeg", "source_description": "a menu in Kyoto", "learning_purpose": "food"},
    }
}
RECORDING_EXAMPLES = {
    "text": {
        "summary": "Saying a text",
        "value": {"content_type": "audio/mp4", "target_text": "こんにちは", "exercise_type": "pronunciation"},
    },
    "sentence": {
        "summary": "Shadowing a sentence (its Japanese is the target)",
        "value": {
            "content_type": "audio/webm",
            "sentence_id": "0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70",
            "exercise_type": "shadowing",
        },
    },
}
TTS_EXAMPLES = {
    "text": {"summary": "Speak a text", "value": {"text": "おはようございます", "voice": "Kazuha", "speed": 1.0}},
    "sentence": {
        "summary": "Speak a sentence and keep the audio as its audio_url",
        "value": {"sentence_id": "0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70", "speed": 0.8},
    },
}
UPLOAD_STEPS = """POST the file to `upload.url` as multipart form data: every field of `upload.fields`, then the
file as `file`. S3 refuses another content type, a file over `upload.max_bytes`, or a post after
`upload.expires_at`. Then poll the record until `processing_status` is `completed` or `failed`."""


@router.post(
    "/ocr/upload",
    status_code=status.HTTP_201_CREATED,
    summary="A record and a presigned POST for a photo",
    description=f"The photo's Japanese text is read once it is uploaded. {UPLOAD_STEPS}",
)
def upload_photo(
    principal: CurrentUser, body: Annotated[OcrUploadRequest, Body(openapi_examples=PHOTO_EXAMPLES)], now: Now
) -> OcrUploadTicket:
    return media.start_ocr_upload(principal, body, now)


@router.get("/ocr", summary="The caller's photo records, newest first")
def list_photos(principal: CurrentUser, limit: PageSize = 20, cursor: Cursor = None) -> Page[OcrRecordPublic]:
    """Only the caller's own records."""
    return media.list_records(principal, MediaKind.OCR, limit, cursor)


@router.get("/ocr/{record_id:id}", summary="One photo record: its status, then its text and sentences")
def get_photo(principal: CurrentUser, record_id: ItemId) -> OcrRecordPublic:
    """Only the caller's own records; any other id is a 404."""
    return media.get_ocr_record(principal, record_id)


@router.post(
    "/speech/upload",
    status_code=status.HTTP_201_CREATED,
    summary="A record and a presigned POST for a recording",
    description="The recording is transcribed and, with a target text or an approved `sentence_id` (otherwise a "
    f"404), scored for pronunciation. {UPLOAD_STEPS}",
    responses=errors(404),
)
def upload_recording(
    principal: CurrentUser, body: Annotated[SpeechUploadRequest, Body(openapi_examples=RECORDING_EXAMPLES)], now: Now
) -> SpeechUploadTicket:
    return media.start_speech_upload(principal, body, now)


@router.get("/speech", summary="The caller's recordings, newest first")
def list_recordings(principal: CurrentUser, limit: PageSize = 20, cursor: Cursor = None) -> Page[AudioRecordPublic]:
    """Only the caller's own records."""
    return media.list_records(principal, MediaKind.SPEECH, limit, cursor)


@router.get("/speech/{record_id:id}", summary="One recording: its status, then transcript and pronunciation score")
def get_recording(principal: CurrentUser, record_id: ItemId) -> AudioRecordPublic:
    """Only the caller's own records; any other id is a 404."""
    return media.get_audio_record(principal, record_id)


@router.post(
    "/tts/generate",
    summary="Japanese speech for a text or a sentence, as a short-lived link (cached)",
    responses=errors(403, 404),
)
def generate_speech(
    principal: CurrentUser, body: Annotated[TtsRequest, Body(openapi_examples=TTS_EXAMPLES)], now: Now
) -> TtsAudio:
    """Give `text`, or `sentence_id` to speak that sentence's Japanese. With `sentence_id` the sentence's
    `audio_url` is set to the stable `audio_path`, so only its author or an admin may (otherwise a 403); a
    sentence that does not exist or is deleted is a 404. The same request is synthesised once and cached."""
    return tts.synthesize(principal, body, now)


@router.get(
    "/tts/audio/{name}",
    status_code=status.HTTP_307_TEMPORARY_REDIRECT,
    response_class=RedirectResponse,
    summary="Stored speech (a sentence's audio_url): redirects to a fresh short-lived link",
    responses={
        status.HTTP_307_TEMPORARY_REDIRECT: {
            "description": "Redirect to a presigned link to the audio, valid for 15 minutes.",
            "headers": {
                "Location": {
                    "description": "The presigned link to the audio.",
                    "required": True,
                    "schema": {"type": "string", "format": "uri"},
                },
            },
        }
    },
)
def get_speech_audio(_: CurrentUser, name: Annotated[str, Path(max_length=80)]) -> RedirectResponse:
    """The path a sentence keeps as its `audio_url`. Each call redirects to a newly presigned link; the redirect
    itself may be cached privately for 5 minutes (`Cache-Control: private, max-age=300`)."""
    return RedirectResponse(
        tts.audio_link(name),
        status_code=status.HTTP_307_TEMPORARY_REDIRECT,
        headers={"Cache-Control": AUDIO_REDIRECT_CACHE_CONTROL},
    )
