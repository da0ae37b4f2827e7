from typing import Annotated

from fastapi import APIRouter, Query, status

from shared.api.deps import CurrentUser, OptionalUser
from shared.api.params import Cursor, ItemId, PageSize
from shared.enums import Difficulty, JLPTLevel
from shared.schemas.common import Page
from shared.schemas.content import (
    SentenceCreate,
    SentenceFilters,
    SentencePublic,
    SentenceUpdate,
    VocabularyWordCreate,
    VocabularyWordPublic,
)
from shared.services import content, moderation

router = APIRouter(prefix="/learning", tags=["learning"])


@router.get("/sentences", summary="Approved sentences, oldest first, filtered")
def list_sentences(
    jlpt_level: JLPTLevel | None = None,
    difficulty: Difficulty | None = None,
    grammar_point: Annotated[str | None, Query(min_length=1, max_length=60)] = None,
    vocabulary_tag: Annotated[str | None, Query(min_length=1, max_length=60)] = None,
    text: Annotated[
        str | None, Query(min_length=1, max_length=100, description="Japanese, reading or English.")
    ] = None,
    limit: PageSize = 20,
    cursor: Cursor = None,
) -> Page[SentencePublic]:
    """With filters beyond the level, a page may hold fewer than `limit` sentences while `next_cursor` is set:
    each call examines a bounded window of the catalogue. Keep following `next_cursor` until it is null."""
    filters = SentenceFilters(
        jlpt_level=jlpt_level,
        difficulty=difficulty,
        grammar_point=grammar_point,
        vocabulary_tag=vocabulary_tag,
        text=text,
    )
    return content.list_sentences(filters, limit, cursor)


@router.get("/sentences/{sentence_id}", summary="One approved sentence")
def get_sentence(sentence_id: ItemId, reader: OptionalUser) -> SentencePublic:
    """Public for approved sentences; its author (and an admin) also reads a pending or rejected one."""
    return content.get_sentence(sentence_id, reader)


@router.get("/vocabulary", summary="Vocabulary words of a JLPT level, most frequent first")
def list_vocabulary(
    jlpt_level: JLPTLevel = JLPTLevel.N5, limit: PageSize = 20, cursor: Cursor = None
) -> Page[VocabularyWordPublic]:
    return content.list_words(jlpt_level, limit, cursor)


@router.get("/vocabulary/{word_id}", summary="One vocabulary word")
def get_vocabulary_word(word_id: ItemId) -> VocabularyWordPublic:
    return content.get_word(word_id)


@router.post("/sentences", status_code=status.HTTP_201_CREATED, summary="Add a sentence (a learner's waits for review)")
def create_sentence(principal: CurrentUser, body: SentenceCreate) -> SentencePublic:
    return moderation.create_sentence(principal, body)


@router.put("/sentences/{sentence_id}", summary="Change a sentence (its author or an admin)")
def update_sentence(principal: CurrentUser, sentence_id: ItemId, body: SentenceUpdate) -> SentencePublic:
    return moderation.update_sentence(principal, sentence_id, body)


@router.delete("/sentences/{sentence_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a sentence (soft)")
def delete_sentence(principal: CurrentUser, sentence_id: ItemId) -> None:
    moderation.delete_sentence(principal, sentence_id)


@router.post("/vocabulary", status_code=status.HTTP_201_CREATED, summary="Add a vocabulary word (admins)")
def create_vocabulary_word(principal: CurrentUser, body: VocabularyWordCreate) -> VocabularyWordPublic:
    return content.create_word(principal, body)
