"""Study content as learners see it: only approved (active) sentences and active words, and, for a phone's sync,
what changed of them since a moment, with tombstones for what left."""

from datetime import datetime

from shared.dal import content_repository
from shared.enums import JLPTLevel, ModerationStatus
from shared.errors import InvalidInput, NotAllowed, NotFound
from shared.schemas.common import Page
from shared.schemas.content import (
    SentenceChange,
    SentenceFilters,
    SentencePublic,
    SentenceWords,
    Tombstone,
    VocabularyWordCreate,
    VocabularyWordPublic,
    WordChange,
)
from shared.services.auth import Principal

DEFAULT_WORD_LEVEL = JLPTLevel.N5


def list_sentences(
    filters: SentenceFilters, reader: Principal | None, updated_after: datetime | None, limit: int, cursor: str | None
) -> Page[SentenceChange]:
    """Approved sentences, oldest first; with `updated_after`, every sentence the reader may see (approved ones, and
    their own in moderation) written since, oldest change first, and a tombstone for each that left their view."""
    if updated_after is None:
        listed = content_repository.list_sentences(ModerationStatus.ACTIVE, filters, limit, cursor)
        return Page[SentenceChange](items=[*listed.items], next_cursor=listed.next_cursor)
    if filters.jlpt_level is not None or filters.beyond_level:
        raise InvalidInput("`updated_after` returns every change: it takes no filters")
    reader_id = reader.user.id if reader else None
    page = content_repository.sentences_changed(updated_after, reader_id, limit, cursor)
    return Page[SentenceChange](
        items=[s if _synced(s, reader_id) else _tombstone(s) for s in page.items],
        next_cursor=page.next_cursor,
    )


def _tombstone(item: SentencePublic | VocabularyWordPublic) -> Tombstone:
    return Tombstone(id=item.id, deleted=True, updated_at=item.updated_at)


def _synced(sentence: SentencePublic, reader_id: str | None) -> bool:
    """What a phone mirrors: approved sentences, and the reader's own until deleted (an admin's phone alike)."""
    if sentence.status == ModerationStatus.ACTIVE:
        return True
    return sentence.status != ModerationStatus.DELETED and reader_id is not None and sentence.created_by == reader_id


def get_sentence(sentence_id: str, reader: Principal | None) -> SentencePublic:
    """Approved sentences are public; one in moderation (pending, rejected) only to its author and admins."""
    sentence = content_repository.get_sentence(sentence_id)
    if sentence is None or not readable(sentence, reader):
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


def glossed_word_ids(sentence: SentencePublic) -> set[str]:
    """The vocabulary words a sentence's gloss links to (none before it is glossed)."""
    return {word.word_id for word in sentence.word_gloss or [] if word.word_id}


def readable(sentence: SentencePublic, reader: Principal | None) -> bool:
    if sentence.status == ModerationStatus.ACTIVE:
        return True
    if sentence.status == ModerationStatus.DELETED or reader is None:
        return False
    return reader.is_admin or sentence.created_by == reader.user.id


def list_words(
    jlpt_level: JLPTLevel | None, updated_after: datetime | None, limit: int, cursor: str | None
) -> Page[WordChange]:
    """Active words of one level (N5 unless given); with `updated_after`, the words of every level written since,
    oldest change first, an inactive one as a tombstone."""
    if updated_after is None:
        words = content_repository.list_words(jlpt_level or DEFAULT_WORD_LEVEL, limit, cursor)
        return Page[WordChange](items=[*words.items], next_cursor=words.next_cursor)
    if jlpt_level is not None:
        raise InvalidInput("`updated_after` returns the changes of every level: leave `jlpt_level` out")
    changes, next_cursor = content_repository.words_changed(updated_after, limit, cursor)
    return Page[WordChange](
        items=[c.word if c.active else _tombstone(c.word) for c in changes],
        next_cursor=next_cursor,
    )


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
