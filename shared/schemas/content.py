"""Sentences and vocabulary as the API shows them."""

from datetime import datetime
from typing import Annotated, Literal, TypeVar

from pydantic import BeforeValidator, Field, StrictBool, StrictInt, model_validator
from pydantic.json_schema import SkipJsonSchema

from shared.enums import Difficulty, JLPTLevel, ModerationStatus, PartOfSpeech
from shared.schemas.common import ApiModel, PublicModel


class GlossWordPublic(PublicModel):
    """One content word of a sentence (nouns, verbs, adjectives, adverbs, interjections; not particles, auxiliaries,
    numbers or punctuation), with its meanings from JMdict (EDRDG, CC BY-SA 3.0)."""

    surface: str = Field(description="As written in the sentence, e.g. 食べ in 食べました.")
    dictionary_form: str = Field(description="Its dictionary form, e.g. 食べる.")
    reading: str = Field(description="The dictionary form in hiragana (katakana words: their sound in hiragana).")
    part_of_speech: PartOfSpeech
    meanings: list[str] = Field(description="English, one per sense, most common first. Empty: not in the dictionary.")
    word_id: str | None = Field(
        default=None,
        description="The vocabulary word to study (GET /learning/vocabulary/{word_id}); null: not in the dictionary.",
    )


class SentencePublic(PublicModel):
    id: str = Field(validation_alias="sentence_id")
    japanese_text: str
    hiragana_reading: str | None = None
    romaji_reading: str | None = None
    english_translation: str = Field(
        description="Empty where nobody gave one (a sentence read from a learner's photo): `word_gloss` then still "
        "gives the meanings word by word."
    )
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
    rejection_reason: str | None = None
    created_by: str | None = None
    total_attempts: int | None = Field(
        default=None,
        description="Answers by all learners, aggregated off the request path (not live). Given where one sentence "
        "is read by its id (its own page, a study card); absent (null) in lists.",
    )
    correct_attempts: int | None = Field(default=None, description="As total_attempts.")
    average_response_time: float | None = Field(default=None, description="Milliseconds; as total_attempts.")
    word_gloss: list[GlossWordPublic] | None = Field(
        default=None,
        description="The sentence's words in order with their meanings: a word-by-word translation. Made by the "
        "readings worker seconds after the sentence is written (again when its text changes): null until then, and "
        "in lists (read the sentence by its id).",
    )
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
    total_encounters: int | None = Field(
        default=None, description="Answers by all learners (aggregated, not live); absent (null) in lists."
    )
    success_rate: float | None = None
    created_at: datetime
    updated_at: datetime


class Tombstone(PublicModel):
    """In a list read with `updated_after`: an item the reader may have synced before that they may no longer see
    (deleted; for a sentence also one sent back to moderation, or rejected, that is not theirs). Drop it."""

    id: str
    deleted: Literal[True]
    updated_at: datetime = Field(description="When it left: what `updated_after` compares.")


SentenceChange = SentencePublic | Tombstone
WordChange = VocabularyWordPublic | Tombstone


class SentenceWords(PublicModel):
    """The words of one sentence to study, from its gloss: each vocabulary word once, in sentence order."""

    sentence_id: str
    words: list[VocabularyWordPublic]
    not_in_dictionary: list[str] = Field(description="Words of the sentence (as written) the dictionary lacks.")
    glossed: bool = Field(description="False while the readings worker has not glossed the sentence yet: ask again.")


Tag = Annotated[str, Field(min_length=1, max_length=60)]
MAX_FREQUENCY_RANK = 1_000_000  # JMdict-style ranks stay far below; DynamoDB numbers stop at 38 digits
T = TypeVar("T")


def _refuse_null(value: object) -> object:
    if value is None:
        raise ValueError("this field cannot be cleared: leave it out to keep it as it is")
    return value


# A field of an update that may be left out (kept as it is) but not set to null: it has no empty value.
Omittable = Annotated[T | SkipJsonSchema[None], BeforeValidator(_refuse_null)]


class SentenceCreate(ApiModel):
    japanese_text: str = Field(min_length=1, max_length=500)
    hiragana_reading: str | None = Field(default=None, max_length=1000, description="Filled in when omitted.")
    romaji_reading: str | None = Field(default=None, max_length=2000, description="Filled in when omitted.")
    english_translation: str = Field(min_length=1, max_length=1000)
    alternative_translations: list[Annotated[str, Field(max_length=1000)]] = Field(default_factory=list, max_length=5)
    difficulty_level: Difficulty = Difficulty.MEDIUM
    jlpt_level: JLPTLevel | None = None
    grammar_points: list[Tag] = Field(default_factory=list, max_length=20)
    vocabulary_tags: list[Tag] = Field(default_factory=list, max_length=30)
    source: str | None = Field(default=None, max_length=200)
    context: str | None = Field(default=None, max_length=500)


class SentenceUpdate(ApiModel):
    """Omitted fields stay as they are. Null clears a reading (it is read again automatically), the level, the
    source or the context; the other fields cannot be null. A person's reading always wins over the automatic one."""

    japanese_text: Omittable[str] = Field(default=None, min_length=1, max_length=500)
    hiragana_reading: str | None = Field(default=None, max_length=1000)
    romaji_reading: str | None = Field(default=None, max_length=2000)
    english_translation: Omittable[str] = Field(default=None, min_length=1, max_length=1000)
    alternative_translations: Omittable[list[Annotated[str, Field(max_length=1000)]]] = Field(
        default=None, max_length=5
    )
    difficulty_level: Omittable[Difficulty] = None
    jlpt_level: JLPTLevel | None = None
    grammar_points: Omittable[list[Tag]] = Field(default=None, max_length=20)
    vocabulary_tags: Omittable[list[Tag]] = Field(default=None, max_length=30)
    source: str | None = Field(default=None, max_length=200)
    context: str | None = Field(default=None, max_length=500)


class ModerationDecision(ApiModel):
    approve: StrictBool  # a phone's 0 or "no" is a mistake to refuse, not a rejection
    reason: str | None = Field(default=None, min_length=3, max_length=500, description="Required to reject.")

    @model_validator(mode="after")
    def _reason_to_reject(self) -> "ModerationDecision":
        if not self.approve and not self.reason:
            raise ValueError("a rejection needs a reason")
        return self


class WordAvailabilityChange(ApiModel):
    """An administrator withdrawing a vocabulary word (false) or bringing it back (true)."""

    is_active: StrictBool = Field(
        description="false: the word leaves the listings and cannot start as a new card; learners' cards of it wait "
        "unshown in their due lists, and phones syncing the vocabulary receive it as a tombstone."
    )


class WordAvailability(PublicModel):
    id: str
    is_active: bool
    updated_at: datetime = Field(description="Its last write: a withdrawal's tombstone carries this time.")


class UsageExampleIn(ApiModel):
    japanese: str = Field(min_length=1, max_length=500)
    english: str = Field(min_length=1, max_length=1000)


class VocabularyWordCreate(ApiModel):
    kanji: str | None = Field(default=None, max_length=30)
    hiragana: str | None = Field(default=None, max_length=60, pattern=r"^[\u3040-\u309f\u30fc]+$")
    katakana: str | None = Field(default=None, max_length=60, pattern=r"^[\u30a0-\u30ff]+$")
    romaji: str = Field(min_length=1, max_length=120, pattern=r"^[a-z' -]+$")
    english_meanings: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(min_length=1, max_length=10)
    part_of_speech: PartOfSpeech
    usage_examples: list[UsageExampleIn] = Field(default_factory=list, max_length=5)
    jlpt_level: JLPTLevel | None = None
    frequency_rank: StrictInt | None = Field(default=None, ge=1, le=MAX_FREQUENCY_RANK)
    difficulty_level: Difficulty = Difficulty.MEDIUM
    source: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _written_somehow(self) -> "VocabularyWordCreate":
        if not (self.kanji or self.hiragana or self.katakana):
            raise ValueError("a word needs a kanji, hiragana or katakana form")
        return self


class SentenceFilters(ApiModel):
    """Narrow a sentence list; every given filter must hold."""

    jlpt_level: JLPTLevel | None = None
    difficulty: Difficulty | None = None
    grammar_point: str | None = Field(default=None, min_length=1, max_length=60)
    vocabulary_tag: str | None = Field(default=None, min_length=1, max_length=60)
    text: str | None = Field(
        default=None, min_length=1, max_length=100, description="Found in the Japanese, a reading or a translation."
    )

    @property
    def beyond_level(self) -> bool:
        return any(v is not None for v in (self.difficulty, self.grammar_point, self.vocabulary_tag, self.text))
