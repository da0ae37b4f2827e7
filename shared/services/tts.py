"""Japanese speech for a text: Amazon Polly in AWS, Open JTalk offline, cached in S3 by what was asked.

The cache key is a hash of engine, voice, speed and text, so the same request is synthesised once and every
later one is a presigned link to the stored audio.
"""

import hashlib
import io
import re
import wave
from datetime import datetime

from shared.constants import API_PREFIX, MediaPrefixes
from shared.dal import content_repository, media_storage, polly
from shared.enums import ModerationStatus
from shared.errors import NotAllowed, NotFound
from shared.schemas.content import SentencePublic
from shared.schemas.media import TtsAudio, TtsRequest
from shared.services.auth import Principal
from shared.settings import get_settings

OPEN_JTALK = "openjtalk"
POLLY_ENGINE = "Amazon Polly"
OPEN_JTALK_ENGINE = "Open JTalk (pyopenjtalk-plus)"


def cache_key(engine: str, request: TtsRequest) -> str:
    digest = hashlib.sha256(f"{engine}|{request.voice}|{request.speed:.2f}|{request.text}".encode()).hexdigest()
    extension = "wav" if engine == OPEN_JTALK else "mp3"
    return f"{MediaPrefixes.TTS_CACHE}{digest}.{extension}"


def open_jtalk_wav(text: str, speed: float) -> bytes:
    """16-bit mono WAV from Open JTalk's default voice (the voice names are Polly's; offline there is one)."""
    import numpy as np
    import pyopenjtalk  # only where the offline engine runs: the local cloud and tests, not the zip functions

    samples, rate = pyopenjtalk.tts(text, speed=speed)
    pcm = np.clip(samples, -32768, 32767).astype("<i2").tobytes()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(int(rate))
        out.writeframes(pcm)
    return buffer.getvalue()


AUDIO_NAME = re.compile(r"^[0-9a-f]{64}\.(wav|mp3)$")


def audio_path(key: str) -> str:
    return f"{API_PREFIX}/ai/tts/audio/{key.removeprefix(MediaPrefixes.TTS_CACHE)}"


def audio_link(name: str) -> str:
    """A fresh presigned link to stored speech, for the stable path a sentence keeps as its `audio_url`."""
    if not AUDIO_NAME.match(name) or not media_storage.object_exists(f"{MediaPrefixes.TTS_CACHE}{name}"):
        raise NotFound("audio not found")
    return media_storage.presigned_download(f"{MediaPrefixes.TTS_CACHE}{name}")


def synthesize(principal: Principal, request: TtsRequest, now: datetime) -> TtsAudio:
    sentence = _sentence_to_voice(principal, request.sentence_id) if request.sentence_id else None
    text = request.text or (sentence.japanese_text if sentence else "")
    spoken = request.model_copy(update={"text": text, "sentence_id": None})
    engine = get_settings().tts_engine
    key = cache_key(engine, spoken)
    cached = media_storage.object_exists(key)
    if not cached:
        if engine == OPEN_JTALK:
            media_storage.put_object(key, open_jtalk_wav(text, request.speed), "audio/wav")
        else:
            media_storage.put_object(key, polly.synthesize_mp3(text, request.voice, request.speed), "audio/mpeg")
    if sentence is not None:
        content_repository.update_sentence(sentence.id, {"audio_url": audio_path(key)})
    return TtsAudio(
        url=media_storage.presigned_download(key),
        expires_at=now + media_storage.DOWNLOAD_LIFETIME,
        content_type="audio/wav" if engine == OPEN_JTALK else "audio/mpeg",
        engine=OPEN_JTALK_ENGINE if engine == OPEN_JTALK else POLLY_ENGINE,
        cached=cached,
        key=key,
        audio_path=audio_path(key),
    )


def _sentence_to_voice(principal: Principal, sentence_id: str) -> SentencePublic:
    sentence = content_repository.get_sentence(sentence_id)
    if sentence is None or sentence.status == ModerationStatus.DELETED:
        raise NotFound("sentence not found")
    if not principal.is_admin and sentence.created_by != principal.user.id:
        raise NotAllowed("only its author or an admin may set a sentence's audio")
    return sentence
