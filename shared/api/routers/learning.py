from typing import Annotated

from fastapi import APIRouter, Body, Query, status

from shared.api.deps import CurrentUser, OptionalUser
from shared.api.errors import errors
from shared.api.params import Cursor, ItemId, PageSize, UpdatedAfter
from shared.enums import Difficulty, JLPTLevel
from shared.schemas.common import Page
from shared.schemas.content import (
    SentenceChange,
    SentenceCreate,
    SentenceFilters,
    SentencePublic,
    SentenceUpdate,
    SentenceWords,
    VocabularyWordCreate,
    VocabularyWordPublic,
    WordChange,
)
from shared.services import content, moderation

router = APIRouter(prefix="/learning", tags=["learning"])
# Added to the bearer requirement FastAPI states: a token (which must then be valid), or none.
OPTIONAL_TOKEN: list[dict[str, list[str]]] = [{}]

SENTENCE_CREATE_EXAMPLES = {
    "minimal": {
        "summary": "Japanese and English (readings are filled in)",
        "value": {"japanese_text": "猫が好きです。", "english_translation": "I like cats."},
    },
    "tagged": {
        "summary": "With level, grammar and vocabulary tags",
        "value": {
            "japanese_text": "明日は雨が降るでしょう。",
            "english_translation": "It will probably rain tomorrow.",
            "difficulty_level": "easy",
            "jlpt_level": "n4",
            "grammar_points": ["でしょう"],
            "vocabulary_tags": ["weather"],
            "source": "textbook, lesson 12",
        },
    },
}
SENTENCE_UPDATE_EXAMPLES = {
    "translation": {"summary": "Change only the translation", "value": {"english_translation": "I love cats."}},
    "text": {
        "summary": "New Japanese: the readings are made again unless given",
        "value": {"japanese_text": "犬が好きです。", "english_translation": "I like dogs."},
    },
}
WORD_CREATE_EXAMPLES = {
    "noun": {
        "summary": "A noun with kanji, reading and an example",
        "value": {
            "kanji": "猫",
            "hiragana": "ねこ",
            "romaji": "neko",
            "english_meanings": ["cat"],
            "part_of_speech": "noun",
            "usage_examples": [{"japanese": "猫が好きです。", "english": "I like cats."}],
            "jlpt_level": "n5",
            "frequency_rank": 1200,
        },
    },
    "katakana": {
        "summary": "A word written in katakana only",
        "value": {"katakana": "コーヒー", "romaji": "koohii", "english_meanings": ["coffee"], "part_of_speech": "noun"},
    },
}


@router.get(
    "/sentences",
    summary="Approved sentences, oldest first, filtered; or what changed since a moment",
    openapi_extra={"security": OPTIONAL_TOKEN},
)
def list_sentences(
    reader: OptionalUser,
    jlpt_level: JLPTLevel | None = None,
    difficulty: Difficulty | None = None,
    grammar_point: Annotated[str | None, Query(min_length=1, max_length=60)] = None,
    vocabulary_tag: Annotated[str | None, Query(min_length=1, max_length=60)] = None,
    text: Annotated[
        str | None, Query(min_length=1, max_length=100, description="Japanese, reading or English.")
    ] = None,
    limit: PageSize = 20,
    cursor: Cursor = None,
    updated_after: UpdatedAfter = None,
) -> Page[SentenceChange]:
    """Public. With filters beyond the level, a page may hold fewer than `limit` sentences while `next_cursor` is
    set: each call examines a bounded window of the catalogue. Keep following `next_cursor` until it is null.

    With `updated_after` (no filters: a 400), a phone's sync: every sentence written since that the caller may see,
    approved ones and, with an access token, the caller's own in moderation (with their `status`), oldest change
    first, and a tombstone `{id, deleted: true, updated_at}` for each that left their view (deleted, or an approved
    one sent back to moderation)."""
    filters = SentenceFilters(
        jlpt_level=jlpt_level,
        difficulty=difficulty,
        grammar_point=grammar_point,
        vocabulary_tag=vocabulary_tag,
        text=text,
    )
    return content.list_sentences(filters, reader, updated_after, limit, cursor)


@router.get(
    "/sentences/{sentence_id:id}",
    summary="One sentence: an approved one, or one's own in moderation",
    openapi_extra={"security": OPTIONAL_TOKEN},
)
def get_sentence(sentence_id: ItemId, reader: OptionalUser) -> SentencePublic:
    """Public for approved sentences. Its author (and an admin) also reads a pending or rejected one, with its
    `status` and `rejection_reason`, by sending the access token. Anything else, and a deleted sentence, is a 404."""
    return content.get_sentence(sentence_id, reader)


@router.get(
    "/sentences/{sentence_id:id}/vocabulary",
    summary="The words of one sentence, to study",
    openapi_extra={"security": OPTIONAL_TOKEN},
)
def get_sentence_vocabulary(sentence_id: ItemId, reader: OptionalUser) -> SentenceWords:
    """Readable as the sentence is. The vocabulary words its gloss links to, each once, in sentence order, and the
    words the dictionary lacks. Study one with POST /progress/review (`item_type` word) and
    `learned_from_sentence_id` set to this sentence: the learner's card then remembers where the word was learned."""
    return content.sentence_words(sentence_id, reader)


@router.get("/vocabulary", summary="Vocabulary words of a JLPT level, most frequent first; or what changed since")
def list_vocabulary(
    jlpt_level: Annotated[JLPTLevel | None, Query(description="N5 when left out.")] = None,
    limit: PageSize = 20,
    cursor: Cursor = None,
    updated_after: UpdatedAfter = None,
) -> Page[WordChange]:
    """Public. The active words of one JLPT level (N5 unless given), a page at a time. With `updated_after` (without
    `jlpt_level`: a 400), a phone's sync: the words of every level written since, oldest change first, and a
    tombstone `{id, deleted: true, updated_at}` for a word withdrawn from the catalogue."""
    return content.list_words(jlpt_level, updated_after, limit, cursor)


@router.get("/vocabulary/{word_id:id}", summary="One vocabulary word")
def get_vocabulary_word(word_id: ItemId) -> VocabularyWordPublic:
    """Public. A word with its readings, meanings and usage examples."""
    return content.get_word(word_id)


@router.post("/sentences", status_code=status.HTTP_201_CREATED, summary="Add a sentence (a learner's waits for review)")
def create_sentence(
    principal: CurrentUser, body: Annotated[SentenceCreate, Body(openapi_examples=SENTENCE_CREATE_EXAMPLES)]
) -> SentencePublic:
    """A learner's sentence is `pending` until an admin approves it; an admin's is `active` at once. Readings left
    out are filled in shortly after by the readings worker."""
    return moderation.create_sentence(principal, body)


@router.put(
    "/sentences/{sentence_id:id}",
    summary="Change a sentence (its author or an admin)",
    responses=errors(403, 409),
)
def update_sentence(
    principal: CurrentUser,
    sentence_id: ItemId,
    body: Annotated[SentenceUpdate, Body(openapi_examples=SENTENCE_UPDATE_EXAMPLES)],
) -> SentencePublic:
    """Omitted fields stay as they are. An author's change to an approved sentence sends it back to moderation.
    Someone else's approved sentence is a 403, their pending one a 404; a concurrent change a 409."""
    return moderation.update_sentence(principal, sentence_id, body)


@router.delete(
    "/sentences/{sentence_id:id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a sentence (soft)",
    responses=errors(403, 409),
)
def delete_sentence(principal: CurrentUser, sentence_id: ItemId) -> None:
    """Its author or an admin. The sentence leaves every list; reviews and progress that point at it stay."""
    moderation.delete_sentence(principal, sentence_id)


@router.post(
    "/vocabulary",
    status_code=status.HTTP_201_CREATED,
    summary="Add a vocabulary word (admins)",
    responses=errors(403),
)
def create_vocabulary_word(
    principal: CurrentUser, body: Annotated[VocabularyWordCreate, Body(openapi_examples=WORD_CREATE_EXAMPLES)]
) -> VocabularyWordPublic:
    """Vocabulary is curated catalogue content: a learner's call is a 403. A word needs at least one of `kanji`,
    `hiragana` or `katakana`."""
    return content.create_word(principal, body)
