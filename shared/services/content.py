"""Study content as learners see it: only approved (active) sentences and active words."""

from shared.dal import content_repository
from shared.enums import JLPTLevel, ModerationStatus
from shared.errors import NotAllowed, NotFound
from shared.schemas.common import Page
from shared.schemas.content import (
    SentenceFilters,
    SentencePublic,
    SentenceWords,
    VocabularyWordCreate,
    VocabularyWordPublic,
)
from shared.services.auth import Principal


def list_sentences(filters: SentenceFilters, limit: int, cursor: str | None) -> Page[SentencePublic]:
    return content_repository.list_sentences(ModerationStatus.ACTIVE, filters, limit, cursor)


def get_sentence(sentence_id: str, reader: Principal | None) -> SentencePublic:
    """Approved sentences are public; one in moderation (pending, rejected) only to its author and admins."""
    sentence = content_repository.get_sentence(sentence_id)
    if sentence is None or not _readable(sentence, reader):
        raise NotFound("sentence not found")
    return sentence


def sentence_words(sentence_id: str, reader: Principal | None) -> SentenceWords:
    """The vocabulary words of a sentence the reader may read, from its gloss, each once and in sentence order."""
    sentence = get_sentence(sentence_id, reader)
    gloss = sentence.word_gloss or []
    word_ids = list(dict.fromkeys(word.word_id for word in gloss if word.word_id))
    found = content_repository.words_by_id(word_ids)
    return SentenceWords(
        sentence_id=sentence.id,
        words=[found[word_id] for word_id in word_ids if word_id in found],
        not_in_dictionary=list(dict.fromkeys(word.surface for word in gloss if word.word_id is None)),
        glossed=sentence.word_gloss is not None,
    )


def word_ids_of(sentence_id: str, reader: Principal | None) -> set[str]:
    """The vocabulary words a readable sentence's gloss links to (none before it is glossed)."""
    return {word.word_id for word in get_sentence(sentence_id, reader).word_gloss or [] if word.word_id}


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
