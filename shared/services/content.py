"""Study content as learners see it: only approved (active) sentences and active words."""

from shared.dal import content_repository
from shared.enums import JLPTLevel, ModerationStatus
from shared.errors import NotAllowed, NotFound
from shared.schemas.common import Page
from shared.schemas.content import SentenceFilters, SentencePublic, VocabularyWordCreate, VocabularyWordPublic
from shared.services.auth import Principal


def list_sentences(filters: SentenceFilters, limit: int, cursor: str | None) -> Page[SentencePublic]:
    return content_repository.list_sentences(ModerationStatus.ACTIVE, filters, limit, cursor)


def get_sentence(sentence_id: str, reader: Principal | None) -> SentencePublic:
    """Approved sentences are public; one in moderation (pending, rejected) only to its author and admins."""
    sentence = content_repository.get_sentence(sentence_id)
    if sentence is None or not _readable(sentence, reader):
        raise NotFound("sentence not found")
    return sentence


def _readable(sentence: SentencePublic, reader: Principal | None) -> bool:
    if sentence.status == ModerationStatus.ACTIVE:
        return True
    if sentence.status == ModerationStatus.DELETED or reader is None:
        return False
    return reader.is_admin or sentence.created_by == reader.user.id


def list_words(jlpt_level: JLPTLevel, limit: int, cursor: str | None) -> Page[VocabularyWordPublic]:
    return content_repository.list_words(jlpt_level, limit, cursor)


def get_word(word_id: str) -> VocabularyWordPublic:
    word = content_repository.get_word(word_id)
    if word is None:
        raise NotFound("word not found")
    return word


def create_word(principal: Principal, request: VocabularyWordCreate) -> VocabularyWordPublic:
    """Vocabulary is curated catalogue content: only admins add words."""
    if not principal.is_admin:
        raise NotAllowed("only admins add vocabulary")
    fields = request.model_dump(exclude={"usage_examples"})
    examples = [example.model_dump() for example in request.usage_examples]
    return content_repository.create_word(fields, examples, principal.user.id)
