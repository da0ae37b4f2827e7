"""Photos, recordings and speech synthesis: what the AI endpoints read and return."""

from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from shared.enums import ProcessingStatus
from shared.schemas.common import ApiModel, PublicModel

ImageType = Literal["image/jpeg", "image/png", "image/webp"]
AudioType = Literal[
    "audio/wav", "audio/x-wav", "audio/mpeg", "audio/mp4", "audio/x-m4a", "audio/aac", "audio/ogg", "audio/webm"
]
IMAGE_EXTENSIONS: dict[str, str] = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
AUDIO_EXTENSIONS: dict[str, str] = {
    "audio/wav": "wav", "audio/x-wav": "wav", "audio/mpeg": "mp3", "audio/mp4": "m4a", "audio/x-m4a": "m4a",
    "audio/aac": "aac", "audio/ogg": "ogg", "audio/webm": "webm",
}  # fmt: skip


class OcrUploadRequest(ApiModel):
    content_type: ImageType
    source_description: str | None = Field(default=None, max_length=300)
    learning_purpose: str | None = Field(default=None, max_length=300)


class SpeechUploadRequest(ApiModel):
    content_type: AudioType
    sentence_id: str | None = Field(default=None, max_length=64, pattern=r"^[0-9a-fA-F-]+$")
    target_text: str | None = Field(default=None, min_length=1, max_length=300, description="What the learner says.")
    exercise_type: Literal["shadowing", "pronunciation", "conversation"] | None = None


class PresignedUpload(PublicModel):
    """POST the file to `url` as multipart form data: every field below, then the file as `file`. S3 itself
    refuses another content type, a larger file, another key, or a post after `expires_at`."""

    url: str
    fields: dict[str, str]
    key: str
    max_bytes: int
    expires_at: datetime


class ExtractedSentencePublic(PublicModel):
    text: str
    confidence: float
    bbox: list[int]


class OcrRecordPublic(PublicModel):
    id: str = Field(validation_alias="record_id")
    processing_status: ProcessingStatus
    error_message: str | None = None
    image_format: str
    image_size_bytes: int
    image_width: int | None = None
    image_height: int | None = None
    extracted_text: str | None = None
    confidence_score: float | None = None
    language_detected: str | None = None
    japanese_sentences: list[ExtractedSentencePublic] = Field(
        default_factory=list,
        description="Sentences and stand-alone lines (headings, menu items, a sign's lines) in reading order, each "
        "with its box (x, y, width, height in pixels); furigana are not part of their text.",
    )
    furigana: list[ExtractedSentencePublic] = Field(
        default_factory=list,
        description="Readings set small over (or, in vertical text, beside) kanji, in reading order, with their boxes.",
    )
    processed_sentences: list[str] = Field(default_factory=list, description="Ids of the sentences created.")
    ocr_engine_used: str | None = None
    processing_time_ms: int | None = None
    source_description: str | None = None
    learning_purpose: str | None = None
    job_id: str | None = None
    created_at: datetime
    updated_at: datetime
    processed_at: datetime | None = None


class FluencyPublic(PublicModel):
    score: float = Field(description="0-100: pauses inside the sentence (beyond its commas) and a slow rate cost.")
    speech_seconds: float = Field(description="From the first to the last sound.")
    morae_per_second: float = Field(description="The target's morae over the speaking time (pauses left out).")
    pauses: int = Field(description="Silences of 0.3 s or more inside the speech.")


class WordPitchPublic(PublicModel):
    word: str = Field(description="As written, with the particles and auxiliaries after it: 雨が, 住んでいます.")
    first_mora: int = Field(description="Index of its first mora in `expected_kana`'s morae.")
    mora_count: int
    agreement: float | None = Field(
        description="0-100 over its morae whose pitch was heard; null where none was (devoiced, unvoiced)."
    )


class PronunciationFeedbackPublic(PublicModel):
    """How a recording of a target sentence was said. `accuracy`, `completeness`, `fluency` and `pitch` come with
    recordings scored against the target from the audio (teacher forcing); older records carry only the counts."""

    correct: int = Field(default=0, description="Target morae said right.")
    substituted: int = Field(default=0, description="Target morae said as another mora.")
    missing: int = Field(default=0, description="Target morae left out.")
    extra: int = Field(default=0, description="Morae said that the target lacks.")
    summary: str = Field(default="", description="One sentence for the learner.")
    expected_kana: str | None = Field(default=None, description="The target's pronunciation, in katakana.")
    heard_kana: str | None = Field(default=None, description="The free transcript's pronunciation, in katakana.")
    accuracy: float | None = Field(default=None, description="0-100: the share of the morae said that are right.")
    completeness: float | None = Field(default=None, description="0-100: the share of the target's morae said.")
    fluency: FluencyPublic | None = None
    pitch: list[Literal["H", "L"]] = Field(
        default_factory=list,
        description="The target's Tokyo pitch accent, high or low, one per mora of `expected_kana` (empty where "
        "unknown). The learner's, heard from the recording's F0, is each mora's `pitch_heard` in `phoneme_accuracy`.",
    )
    pitch_agreement: float | None = Field(
        default=None,
        description="0-100: the share of the morae whose pitch was heard (voiced) on which the learner's high or low "
        "matches the target's. Feedback beside the score, not part of it; null where no mora's pitch was heard.",
    )
    pitch_words: list[WordPitchPublic] = Field(
        default_factory=list, description="The pitch agreement word by word (each word with its particles)."
    )


class AudioRecordPublic(PublicModel):
    id: str = Field(validation_alias="record_id")
    processing_status: ProcessingStatus
    error_message: str | None = None
    sentence_id: str | None = None
    target_text: str | None = None
    exercise_type: str | None = None
    audio_format: str
    file_size_bytes: int
    duration_seconds: float
    sample_rate: int | None = None
    transcribed_text: str | None = None
    confidence_score: float | None = None
    language_detected: str | None = None
    pronunciation_score: float | None = Field(
        default=None,
        description="0-100, with a target: 0.6 x accuracy + 0.2 x completeness + 0.2 x fluency (see "
        "`pronunciation_feedback`).",
    )
    pronunciation_feedback: PronunciationFeedbackPublic | None = None
    phoneme_accuracy: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Mora by mora: `expected` (the target's mora, null for an extra one), `heard` (null for one left "
        "out), `result` (correct, substituted, missing, extra), `pitch` (the target mora's H or L, where known) and "
        "`pitch_heard` (the learner's H or L from the recording's F0; null where not heard: devoiced or unvoiced).",
    )
    job_id: str | None = None
    created_at: datetime
    updated_at: datetime
    processed_at: datetime | None = None


class OcrUploadTicket(PublicModel):
    record: OcrRecordPublic
    upload: PresignedUpload


class SpeechUploadTicket(PublicModel):
    record: AudioRecordPublic
    upload: PresignedUpload


class TtsRequest(ApiModel):
    """Speak `text`, or a sentence's Japanese: with `sentence_id` its author or an admin also sets the
    sentence's `audio_url` to the stored audio. Exactly one of `text` and `sentence_id` is given (both would
    set a sentence's audio to another text)."""

    # The rule `_something_to_say` checks, stated for clients.
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["text"], "properties": {"text": {"type": "string"}, "sentence_id": {"type": "null"}}},
                {
                    "required": ["sentence_id"],
                    "properties": {"sentence_id": {"type": "string"}, "text": {"type": "null"}},
                },
            ]
        }
    )

    text: str | None = Field(default=None, min_length=1, max_length=500)
    sentence_id: str | None = Field(default=None, max_length=64, pattern=r"^[0-9a-fA-F-]+$")
    voice: Literal["Takumi", "Kazuha", "Tomoko", "Mizuki"] = "Kazuha"
    speed: float = Field(default=1.0, ge=0.5, le=2.0)

    @model_validator(mode="after")
    def _something_to_say(self) -> "TtsRequest":
        if (self.text is None) == (self.sentence_id is None):
            raise ValueError("give either `text` or `sentence_id`, not both")
        return self


class TtsAudio(PublicModel):
    url: str = Field(description="A short-lived link to the audio.")
    expires_at: datetime
    content_type: str
    engine: str
    cached: bool
    key: str
    audio_path: str = Field(description="A stable API path that redirects to a fresh link (sentences keep it).")
