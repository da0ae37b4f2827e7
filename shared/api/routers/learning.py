from fastapi import APIRouter

from shared.api.params import Cursor, ItemId, PageSize
from shared.enums import JLPTLevel
from shared.schemas.common import Page
from shared.schemas.content import SentencePublic, VocabularyWordPublic
from shared.services import content

router = APIRouter(prefix="/learning", tags=["learning"])


@router.get("/sentences", summary="Approved sentences, oldest first")
def list_sentences(
    jlpt_level: JLPTLevel | None = None, limit: PageSize = 20, cursor: Cursor = None
) -> Page[SentencePublic]:
    return content.list_sentences(jlpt_level, limit, cursor)


@router.get("/sentences/{sentence_id}", summary="One approved sentence")
def get_sentence(sentence_id: ItemId) -> SentencePublic:
    return content.get_sentence(sentence_id)


@router.get("/vocabulary", summary="Vocabulary words of a JLPT level, most frequent first")
def list_vocabulary(
    jlpt_level: JLPTLevel = JLPTLevel.N5, limit: PageSize = 20, cursor: Cursor = None
) -> Page[VocabularyWordPublic]:
    return content.list_words(jlpt_level, limit, cursor)


@router.get("/vocabulary/{word_id}", summary="One vocabulary word")
def get_vocabulary_word(word_id: ItemId) -> VocabularyWordPublic:
    return content.get_word(word_id)
