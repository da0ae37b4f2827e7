"""Reads and writes of sentences and vocabulary words; maps stored items to the API's schemas."""

from pynamodb.exceptions import DoesNotExist

from shared.dal.content import SentenceItem, VocabularyWordItem
from shared.dal.pagination import collect_page, decode_cursor
from shared.enums import JLPTLevel, ModerationStatus
from shared.observability import tracer
from shared.schemas.common import Page
from shared.schemas.content import SentencePublic, VocabularyWordPublic


def sentence_public(item: SentenceItem) -> SentencePublic:
    return SentencePublic.model_validate(item.attribute_values)


def word_public(item: VocabularyWordItem) -> VocabularyWordPublic:
    fields = dict(item.attribute_values)
    fields["usage_examples"] = [example.attribute_values for example in item.usage_examples]
    return VocabularyWordPublic.model_validate(fields)


@tracer.capture_method
def get_sentence(sentence_id: str) -> SentencePublic | None:
    try:
        return sentence_public(SentenceItem.get(sentence_id))
    except DoesNotExist:
        return None


@tracer.capture_method
def list_sentences(
    status: ModerationStatus, jlpt_level: JLPTLevel | None, limit: int, cursor: str | None
) -> Page[SentencePublic]:
    """Sentences of one status (and level), oldest first: a stable order for cursor pagination."""
    start = decode_cursor(cursor)
    if jlpt_level is None:
        results = SentenceItem.by_status.query(status, limit=limit, last_evaluated_key=start)
    else:
        key = SentenceItem.level_status_key(jlpt_level, status)
        results = SentenceItem.by_level.query(key, limit=limit, last_evaluated_key=start)
    page = collect_page(results, limit)
    return Page[SentencePublic](items=[sentence_public(i) for i in page.items], next_cursor=page.next_cursor)


@tracer.capture_method
def get_word(word_id: str) -> VocabularyWordPublic | None:
    try:
        item = VocabularyWordItem.get(word_id)
    except DoesNotExist:
        return None
    return word_public(item) if item.is_active else None


@tracer.capture_method
def list_words(level: JLPTLevel, limit: int, cursor: str | None) -> Page[VocabularyWordPublic]:
    """Active words of one JLPT level, most frequent first."""
    results = VocabularyWordItem.by_level.query(
        level.value,
        filter_condition=VocabularyWordItem.is_active == True,  # noqa: E712 (a PynamoDB condition)
        limit=limit,
        last_evaluated_key=decode_cursor(cursor),
    )
    page = collect_page(results, limit)
    return Page[VocabularyWordPublic](items=[word_public(i) for i in page.items], next_cursor=page.next_cursor)
