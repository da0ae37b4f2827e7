"""Sentences and vocabulary as the API shows them."""

from datetime import datetime

from pydantic import Field

from shared.enums import Difficulty, JLPTLevel, ModerationStatus, PartOfSpeech
from shared.schemas.common import PublicModel


class SentencePublic(PublicModel):
    id: str = Field(validation_alias="sentence_id")
    japanese_text: str
    hiragana_reading: str | None = None
    romaji_reading: str | None = None
    english_translation: str
    alternative_translations: list[str]
    difficulty_level: Difficulty
    jlpt_level: JLPTLevel | None = None
    grammar_points: list[str]
    vocabulary_tags: list[str]
    source: str | None = None
    context: str | None = None
    audio_url: str | None = None
    image_url: str | None = None
    status: ModerationStatus
    created_at: datetime
    updated_at: datetime


class UsageExamplePublic(PublicModel):
    japanese: str
    english: str


class VocabularyWordPublic(PublicModel):
    id: str = Field(validation_alias="word_id")
    kanji: str | None = None
    hiragana: str | None = None
    katakana: str | None = None
    romaji: str
    english_meanings: list[str]
    part_of_speech: PartOfSpeech
    usage_examples: list[UsageExamplePublic]
    jlpt_level: JLPTLevel | None = None
    frequency_rank: int | None = None
    difficulty_level: Difficulty
    source: str | None = None
    created_at: datetime
