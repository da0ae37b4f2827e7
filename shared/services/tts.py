"""Japanese speech for a text: Amazon Polly in AWS, Open JTalk offline, cached in S3 by what was asked.

The cache key is a hash of engine, voice, speed and text, so the same request is synthesised once and every
later one is a presigned link to the stored audio.
"""

import hashlib
import io
import wave
from datetime import datetime

from shared.constants import MediaPrefixes
from shared.dal import media_storage, polly
from shared.schemas.media import TtsAudio, TtsRequest
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


def synthesize(request: TtsRequest, now: datetime) -> TtsAudio:
    engine = get_settings().tts_engine
    key = cache_key(engine, request)
    cached = media_storage.object_exists(key)
    if not cached:
        if engine == OPEN_JTALK:
            media_storage.put_object(key, open_jtalk_wav(request.text, request.speed), "audio/wav")
        else:
            media_storage.put_object(
                key, polly.synthesize_mp3(request.text, request.voice, request.speed), "audio/mpeg"
            )
    return TtsAudio(
        url=media_storage.presigned_download(key),
        expires_at=now + media_storage.DOWNLOAD_LIFETIME,
        content_type="audio/wav" if engine == OPEN_JTALK else "audio/mpeg",
        engine=OPEN_JTALK_ENGINE if engine == OPEN_JTALK else POLLY_ENGINE,
        cached=cached,
        key=key,
    )
