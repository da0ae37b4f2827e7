"""A learner's photo or recording as the upload workers see it: the record a worker claims, and what it found.

The workers' analyses are typed values, and the data-access layer writes each field to its attribute by name
(`media_repository.complete`), so a misspelt field fails mypy instead of a write in production.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from shared.constants import MediaPrefixes
from shared.enums import MediaKind

# Where the phone uploads each kind: `<prefix><user_id>/<record_id>.<ext>`, and so which worker is notified.
UPLOAD_PREFIXES: Final[Mapping[MediaKind, str]] = {
    MediaKind.OCR: MediaPrefixes.OCR_UPLOADS,
    MediaKind.SPEECH: MediaPrefixes.SPEECH_UPLOADS,
}


@dataclass(frozen=True)
class MediaClaim:
    """A record a worker has taken (PENDING -> PROCESSING) with its job: all the worker needs to finish it."""

    kind: MediaKind
    user_id: str
    record_id: str
    job_id: str
    started_at: datetime
    attempt: int  # this try, counted on the job
    max_retries: int
    content_type: str | None  # the upload ticket's: the worker refuses a file stored as another
    target_text: str | None = None  # a recording's sentence to read, when the learner practised one

    @property
    def last_try(self) -> bool:
        return self.attempt >= self.max_retries


@dataclass(frozen=True)
class TextRegion:
    """A piece of text read from a photo, with the reader's confidence and its box in image pixels."""

    text: str
    confidence: float
    bbox: tuple[float, ...]


@dataclass(frozen=True)
class PhotoAnalysis:
    """What the OCR worker read from one photo."""

    image_size_bytes: int
    image_format: str
    image_width: int
    image_height: int
    extracted_text: str
    confidence_score: float
    language_detected: str | None
    japanese_sentences: list[TextRegion]
    furigana: list[TextRegion]
    processed_sentences: list[str]  # ids of the pending sentences made from it
    ocr_engine_used: str
    processing_time_ms: int
    lines: int
    vertical: bool

    def job_summary(self) -> dict[str, Any]:
        """The job's result: counts a status screen shows."""
        return {
            "lines": self.lines,
            "sentences": len(self.processed_sentences),
            "furigana": len(self.furigana),
            "vertical": self.vertical,
        }


@dataclass(frozen=True)
class PronunciationResult:
    """A recording scored against the sentence the learner was asked to read."""

    score: float
    feedback: dict[str, Any]  # counts, a summary sentence for the learner, expected and heard kana
    morae: list[dict[str, Any]]  # one per aligned mora: expected, heard, result


@dataclass(frozen=True)
class RecordingAnalysis:
    """What the speech worker heard in one recording."""

    file_size_bytes: int
    audio_format: str
    duration_seconds: float
    sample_rate: int | None  # None where the container does not say
    transcribed_text: str
    confidence_score: float
    language_detected: str | None
    pronunciation: PronunciationResult | None = field(default=None)

    def job_summary(self) -> dict[str, Any]:
        summary: dict[str, Any] = {"duration_seconds": self.duration_seconds, "characters": len(self.transcribed_text)}
        if self.pronunciation is not None:
            summary["pronunciation_score"] = self.pronunciation.score
        return summary


MediaAnalysis = PhotoAnalysis | RecordingAnalysis
