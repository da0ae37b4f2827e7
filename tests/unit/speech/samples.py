"""Recordings for the speech tests, made offline: Japanese speech from Open JTalk (pyopenjtalk-plus), written as WAV
by the standard library and as MP3, M4A (AAC), Ogg (Opus), WebM (Opus) or FLAC by PyAV."""

import functools
import io
import re
import wave

import av
import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import Levenshtein

from shared.services.transcript_text import character_error_rate

__all__ = ["character_error_rate"]  # the one used everywhere: shared.services.transcript_text

SHORT = "今日はいい天気ですね。"  # about 1.9 s
MEDIUM = "この本はとても面白いので、あなたも読んでみてください。"  # about 4.7 s
BABBLE = "四時に友達と会います。"  # a fourth voice for background babble
LONG = "私は毎朝七時に起きて、駅まで歩いて行きます。電車の中では日本語の本を読んだり、音楽を聞いたりします。"  # 9.1 s

# PyAV output format and encoder for each container the uploads may use.
ENCODINGS = {
    "mp3": ("mp3", "mp3"),
    "m4a": ("ipod", "aac"),
    "aac": ("adts", "aac"),
    "ogg": ("ogg", "libopus"),
    "webm": ("webm", "libopus"),
    "flac": ("flac", "flac"),
}


@functools.cache
def synthesise(text: str) -> tuple[npt.NDArray[np.int16], int]:
    """Open JTalk's reading of `text`: 16-bit mono samples (48 kHz) and the rate."""
    import pyopenjtalk

    samples, rate = pyopenjtalk.tts(text)  # float64 on the int16 scale
    return np.clip(samples, -32768, 32767).astype(np.int16), int(rate)


def wav_bytes(samples: npt.NDArray[np.integer] | npt.NDArray[np.floating], rate: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(np.asarray(samples).astype(np.int16).tobytes())
    return buffer.getvalue()


class _Unseekable(io.RawIOBase):
    """A sink muxers cannot seek back in, as a browser's MediaRecorder streams: WebM then carries no length."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        return self.buffer.write(data)


def encoded(samples: npt.NDArray[np.int16], rate: int, kind: str, *, streamed: bool = False) -> bytes:
    """`samples` in one of ENCODINGS' formats; `streamed` writes it the way a live recorder does (no seeking back to
    fill in the length)."""
    container_format, codec = ENCODINGS[kind]
    if codec == "libopus" and rate not in (8000, 12000, 16000, 24000, 48000):
        raise ValueError("Opus takes 8, 12, 16, 24 or 48 kHz")
    unseekable, seekable = _Unseekable(), io.BytesIO()
    with av.open(unseekable if streamed else seekable, "w", format=container_format) as container:
        stream = container.add_stream(codec, rate=rate)
        assert isinstance(stream, av.AudioStream)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(samples[None, :], format="s16", layout="mono")
        frame.sample_rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    return (unseekable.buffer if streamed else seekable).getvalue()


def kana_error_rate(expected: str, got: str) -> float:
    """The same over Open JTalk's pronunciation katakana: spelling (7時/七時, 行き/いき, 暑い/熱い) does not count."""
    import pyopenjtalk

    def kana(text: str) -> str:
        return re.sub(r"[^\u30a1-\u30fa\u30fc]", "", str(pyopenjtalk.g2p(text, kana=True)))

    reference = kana(expected)
    return Levenshtein.distance(reference, kana(got)) / len(reference)
