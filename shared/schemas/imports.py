"""Content as it is imported in bulk (sample content, catalogue updates): validated before any write."""

from pydantic import BaseModel, ConfigDict, Field

from shared.enums import AchievementCategory, Difficulty, JLPTLevel, PartOfSpeech, RequirementType
from shared.schemas.content import MAX_FREQUENCY_RANK


class _Import(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SentenceImport(_Import):
    japanese_text: str = Field(min_length=1, max_length=500)
    hiragana_reading: str | None = None
    romaji_reading: str | None = None
    english_translation: str = Field(min_length=1, max_length=1000)
    alternative_translations: list[str] = Field(default_factory=list)
    difficulty_level: Difficulty
    jlpt_level: JLPTLevel | None = None
    grammar_points: list[str] = Field(default_factory=list)
    vocabulary_tags: list[str] = Field(default_factory=list)
    context: str | None = None
    source: str | None = None


class UsageExampleImport(_Import):
    japanese: str
    english: str


class VocabularyWordImport(_Import):
    kanji: str | None = None
    hiragana: str | None = None
    katakana: str | None = None
    romaji: str = Field(min_length=1)
    english_meanings: list[str] = Field(min_length=1)
    part_of_speech: PartOfSpeech
    usage_examples: list[UsageExampleImport] = Field(default_factory=list)
    jlpt_level: JLPTLevel | None = None
    frequency_rank: int | None = Field(default=None, ge=1, le=MAX_FREQUENCY_RANK)
    difficulty_level: Difficulty
    source: str | None = None


class AchievementImport(_Import):
    code: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    description: str
    category: AchievementCategory
    requirement_type: RequirementType
    requirement_value: int = Field(gt=0)
    requirement_description: str
    exp_reward: int = Field(default=0, ge=0)
    badge_color: str | None = Field(default=None, pattern=r"^#[0-9A-Fa-f]{6}$")
    icon_url: str | None = None
    is_hidden: bool = False
    sort_order: int = 0
