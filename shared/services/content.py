"""Study content as learners see it: only approved (active) sentences and active words."""

from shared.dal import content_repository
from shared.enums import JLPTLevel, ModerationStatus
from shared.errors import NotFound
from shared.schemas.common import Page
from shared.schemas.content import SentencePublic, VocabularyWordPublic


def list_sentences(jlpt_level: JLPTLevel | None, limit: int, cursor: str | None) -> Page[SentencePublic]:
    return content_repository.list_sentences(ModerationStatus.ACTIVE, jlpt_level, limit, cursor)


def get_sentence(sentence_id: str) -> SentencePublic:
    sentence = content_repository.get_sentence(sentence_id)
    if sentence is None or sentence.status != ModerationStatus.ACTIVE:
        raise NotFound("sentence not found")
    return sentence


def list_words(jlpt_level: JLPTLevel, limit: int, cursor: str | None) -> Page[VocabularyWordPublic]:
    return content_repository.list_words(jlpt_level, limit, cursor)


def get_word(word_id: str) -> VocabularyWordPublic:
    word = content_repository.get_word(word_id)
    if word is None:
        raise NotFound("word not found")
    return word
