"""Reads and writes of sentences and vocabulary words; maps stored items to the API's schemas."""

import functools
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, TypeVar

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.condition import Condition

from shared.dal import analytics_repository, audit_repository
from shared.dal.activity import count_activity
from shared.dal.analytics_repository import Figures
from shared.dal.audit_repository import AdminAction
from shared.dal.base import applied, atomic_writes, batch_save, refused_conditions, utcnow
from shared.dal.content import (
    SENTENCE_COUNTERS,
    WORD_COUNTERS,
    GlossEntry,
    SentenceItem,
    UsageExample,
    VocabularyWordItem,
    author_feed,
    change_key_of,
    public_feeds,
)
from shared.dal.idempotency import IdempotencyItem
from shared.dal.pagination import CursorScope, collect_page, cursor_scope, decode_cursor, encode_cursor
from shared.dal.reviews import DailyStatsItem
from shared.domain.vocabulary import DictionaryWord, Gloss, GlossWord
from shared.enums import Difficulty, JLPTLevel, ModerationStatus
from shared.observability import tracer
from shared.schemas.common import Page
from shared.schemas.content import SentenceFilters, SentencePublic, VocabularyWordPublic


def sentence_public(item: SentenceItem, counted: bool = True) -> SentencePublic:
    """`counted=False` for an item read from a listing index, which does not project the counters."""
    fields = {name: value for name, value in item.attribute_values.items() if name not in SENTENCE_COUNTERS}
    if item.word_gloss is not None:
        fields["word_gloss"] = [entry.attribute_values for entry in item.word_gloss]
    if counted:
        timed = int(item.timed_attempts or 0)
        fields["total_attempts"] = int(item.total_attempts or 0)
        fields["correct_attempts"] = int(item.correct_attempts or 0)
        fields["average_response_time"] = round(int(item.response_time_total_ms or 0) / timed, 1) if timed else None
    return SentencePublic.model_validate(fields)


def word_public(item: VocabularyWordItem, counted: bool = True) -> VocabularyWordPublic:
    """`counted=False` for an item read from a listing index, as for sentences."""
    fields = {name: value for name, value in item.attribute_values.items() if name not in WORD_COUNTERS}
    fields["usage_examples"] = [example.attribute_values for example in item.usage_examples]
    if counted:
        total = int(item.total_encounters or 0)
        fields["total_encounters"] = total
        fields["success_rate"] = round(int(item.correct_encounters or 0) / total, 3) if total else None
    return VocabularyWordPublic.model_validate(fields)


@tracer.capture_method
def get_sentence(sentence_id: str) -> SentencePublic | None:
    try:
        return sentence_public(SentenceItem.get(sentence_id))
    except DoesNotExist:
        return None


@dataclass(frozen=True)
class CatalogueEntry:
    """An approved sentence in catalogue order (oldest first, the order of `list_sentences` without filters)."""

    sentence_id: str
    place: str  # `<created_at>#<sentence_id>`: where the catalogue continues after it


def _catalogue_place(item: SentenceItem) -> str:
    return f"{SentenceItem.created_at.serialize(item.created_at)}#{item.sentence_id}"


@tracer.capture_method
def catalogue_after(place: str | None, limit: int) -> list[CatalogueEntry]:
    """The approved sentences after `place` (from the start without it), for a caller that picks sentences by id:
    one Query of `by_status` for `limit` entries, read as their keys only."""
    start = None
    if place is not None:
        created_at, sentence_id = place.split("#", 1)
        start = {
            "sentence_id": {"S": sentence_id},
            "status": {"S": ModerationStatus.ACTIVE.value},
            "created_at": {"S": created_at},
        }
    query = SentenceItem.by_status.query(
        ModerationStatus.ACTIVE.value,
        limit=limit,
        last_evaluated_key=start,
        attributes_to_get=[SentenceItem.sentence_id.attr_name, SentenceItem.created_at.attr_name],
    )
    return [CatalogueEntry(sentence_id=item.sentence_id, place=_catalogue_place(item)) for item in query]


# A filtered list examines at most this many index entries per call (one Query), so its cost stays bounded
# however selective the filter; the cursor continues where the window ended.
FILTER_WINDOW = 200
FILL_ATTEMPTS = 3  # reads of a sentence that others keep changing while the readings worker fills it


@tracer.capture_method
def list_sentences(
    status: ModerationStatus, filters: SentenceFilters, limit: int, cursor: str | None, reader: str | None = None
) -> Page[SentencePublic]:
    """Sentences of one status (and level), oldest first: a stable order for cursor pagination.

    The cursor holds for the same status and filters, and for the same `reader` where the list is one
    person's (the moderation queue); the approved catalogue is public."""
    scope = cursor_scope("learning.sentences", status.value, reader, filters.model_dump_json())
    start = decode_cursor(cursor, scope)
    if filters.jlpt_level is None:
        index: Any = SentenceItem.by_status
        hash_name, hash_value = "status", status.value
    else:
        index = SentenceItem.by_level
        hash_name, hash_value = "level_status", SentenceItem.level_status_key(filters.jlpt_level, status)
    condition = _filter_condition(filters)
    if condition is None:
        page = collect_page(index.query(hash_value, limit=limit, last_evaluated_key=start), limit, scope)
        return Page[SentencePublic](
            items=[sentence_public(i, counted=False) for i in page.items], next_cursor=page.next_cursor
        )
    # One Query of FILTER_WINDOW keys, however few of them match: iterating the results would read on to the end.
    pages = index.query(hash_value, filter_condition=condition, page_size=FILTER_WINDOW, last_evaluated_key=start)
    raw = next(pages.page_iter)
    items = [SentenceItem.from_raw_data(data) for data in raw.get("Items", [])]
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_key: dict[str, Any] | None = {
            "sentence_id": {"S": last.sentence_id},
            hash_name: {"S": hash_value},
            "created_at": {"S": SentenceItem.created_at.serialize(last.created_at)},
        }
    else:
        next_key = pages.page_iter.last_evaluated_key
    return Page[SentencePublic](
        items=[sentence_public(i, counted=False) for i in items], next_cursor=encode_cursor(next_key, scope)
    )


def _filter_condition(filters: SentenceFilters) -> Condition | None:
    conditions: list[Condition] = []
    if filters.difficulty is not None:
        conditions.append(SentenceItem.difficulty_level == filters.difficulty)
    if filters.grammar_point is not None:
        conditions.append(SentenceItem.grammar_points.contains(filters.grammar_point))
    if filters.vocabulary_tag is not None:
        conditions.append(SentenceItem.vocabulary_tags.contains(filters.vocabulary_tag))
    if filters.text is not None:
        conditions.append(SentenceItem.search_text.contains(filters.text.casefold()))
    if not conditions:
        return None
    combined = conditions[0]
    for condition in conditions[1:]:
        combined &= condition
    return combined


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
    scope = cursor_scope("learning.vocabulary", level.value)
    results = VocabularyWordItem.by_level.query(
        level.value,
        filter_condition=VocabularyWordItem.is_active == True,  # noqa: E712 (a PynamoDB condition)
        limit=limit,
        last_evaluated_key=decode_cursor(cursor, scope),
    )
    page = collect_page(results, limit, scope)
    return Page[VocabularyWordPublic](
        items=[word_public(i, counted=False) for i in page.items], next_cursor=page.next_cursor
    )


C = TypeVar("C", SentenceItem, VocabularyWordItem)


def _changed_page(
    query: Callable[[str, str, int], list[C]],
    feeds: list[str],
    since: datetime,
    limit: int,
    cursor: str | None,
    scope: CursorScope,
) -> tuple[list[C], str | None]:
    """The items of `feeds` written after `since`, oldest change first: one Query per feed partition, all at once,
    merged on `change_key` (`<updated_at>#<id>`, unique), of which the first `limit` are the page. The cursor is the
    last `change_key` given, so the next page reads every feed after it; each feed reads one item beyond `limit`, so
    a page is known to be the last one exactly when they hold no more than `limit` together."""
    start = decode_cursor(cursor, scope)
    after = start["change_key"]["S"] if start else change_key_of(since, "~")  # "~" sorts after every id
    with ThreadPoolExecutor(max_workers=len(feeds)) as pool:
        found = [item for items in pool.map(lambda feed: query(feed, after, limit + 1), feeds) for item in items]
    found.sort(key=lambda item: str(item.change_key))
    page = found[:limit]
    last = {"change_key": {"S": str(page[-1].change_key)}} if len(found) > limit else None
    return page, encode_cursor(last, scope)


def _sentences_after(feed: str, after: str, limit: int) -> list[SentenceItem]:
    return list(SentenceItem.by_change.query(feed, SentenceItem.change_key > after, limit=limit))


def _words_after(feed: str, after: str, limit: int) -> list[VocabularyWordItem]:
    return list(VocabularyWordItem.by_change.query(feed, VocabularyWordItem.change_key > after, limit=limit))


@tracer.capture_method
def sentences_changed(since: datetime, author: str | None, limit: int, cursor: str | None) -> Page[SentencePublic]:
    """The sentences of the public feed, and of `author`'s own feed where given, written after `since`, oldest change
    first, whatever their status: the caller decides which of them the reader sees and which are tombstones."""
    feeds = public_feeds() + ([author_feed(author)] if author else [])
    scope = cursor_scope("learning.sentences.changed", author, since.isoformat())
    items, next_cursor = _changed_page(_sentences_after, feeds, since, limit, cursor, scope)
    return Page[SentencePublic](items=[sentence_public(i, counted=False) for i in items], next_cursor=next_cursor)


@dataclass(frozen=True)
class ChangedWord:
    word: VocabularyWordPublic
    active: bool


@tracer.capture_method
def words_changed(since: datetime, limit: int, cursor: str | None) -> tuple[list[ChangedWord], str | None]:
    """The words written after `since`, oldest change first, active or not (the caller makes tombstones)."""
    scope = cursor_scope("learning.vocabulary.changed", since.isoformat())
    items, next_cursor = _changed_page(_words_after, public_feeds(), since, limit, cursor, scope)
    return [ChangedWord(word_public(i, counted=False), bool(i.is_active)) for i in items], next_cursor


@tracer.capture_method
def sentences_by_id(sentence_ids: list[str]) -> dict[str, SentencePublic]:
    """Many sentences in BatchGetItem calls (100 keys each): content for a page of cards."""
    if not sentence_ids:
        return {}
    return {item.sentence_id: sentence_public(item) for item in SentenceItem.batch_get(set(sentence_ids))}


@tracer.capture_method
def words_by_id(word_ids: list[str]) -> dict[str, VocabularyWordPublic]:
    if not word_ids:
        return {}
    return {item.word_id: word_public(item) for item in VocabularyWordItem.batch_get(set(word_ids))}


@dataclass
class ContentCounts:
    """Answers to one sentence or word to add to its counters."""

    attempts: int = 0
    correct: int = 0
    timed: int = 0
    response_time_ms: int = 0


@dataclass(frozen=True)
class CountsRefused:
    counted_before: set[str]  # markers already written: those reviews were counted by an earlier delivery
    missing_items: set[str]  # item keys with no sentence or word (deleted)


COUNTED_MARKER_LIFETIME = timedelta(days=2)  # longer than the 24 h a stream keeps a record for redelivery


@tracer.capture_method
def add_counts_once(
    markers: list[str], totals: dict[str, ContentCounts], activity: dict[str, Figures], now: datetime
) -> CountsRefused | None:
    """In one transaction, write a marker per review (each only if new), add the totals to each item's counters
    (each only if the item exists) and the reviews' activity to the admins' figures of each period (in one shard,
    picked by the first marker). None when written; otherwise nothing was, and what refused it."""
    expires = now + COUNTED_MARKER_LIFETIME
    keys = list(totals)
    try:
        with atomic_writes() as transaction:
            for marker in markers:
                transaction.save(
                    IdempotencyItem(id=marker, expiration=expires), condition=IdempotencyItem.id.does_not_exist()
                )
            for item_key in keys:
                kind, item_id = item_key.split("#", 1)
                counts = totals[item_key]
                if kind == "sentence":
                    transaction.update(
                        SentenceItem(sentence_id=item_id),
                        actions=[
                            SentenceItem.total_attempts.add(counts.attempts),
                            SentenceItem.correct_attempts.add(counts.correct),
                            SentenceItem.timed_attempts.add(counts.timed),
                            SentenceItem.response_time_total_ms.add(counts.response_time_ms),
                        ],
                        condition=SentenceItem.sentence_id.exists(),
                    )
                else:
                    transaction.update(
                        VocabularyWordItem(word_id=item_id),
                        actions=[
                            VocabularyWordItem.total_encounters.add(counts.attempts),
                            VocabularyWordItem.correct_encounters.add(counts.correct),
                        ],
                        condition=VocabularyWordItem.word_id.exists(),
                    )
            for period, figures in activity.items():  # after the counters: their positions stay as above
                analytics_repository.count(transaction, period, markers[0], figures, now)
    except TransactWriteError as error:
        refused = refused_conditions(error)  # puts (the markers) come before updates (the counters)
        if not refused:
            raise
        return CountsRefused(
            counted_before={markers[i] for i in refused if i < len(markers)},
            missing_items={keys[i - len(markers)] for i in refused if i >= len(markers)},
        )
    return None


@tracer.capture_method
def fill_missing_analysis(
    sentence_id: str, hiragana: str | None, romaji: str | None, gloss: Gloss | None, vocabulary_tags: list[str]
) -> None:
    """Set what is still missing of the readings, the gloss and the vocabulary tags (None or empty: nothing to set),
    with the search text, so that text search finds the sentence by its readings. What a person wrote meanwhile (a
    reading, tags) is never overwritten: the write is conditional on the sentence being as read, and a sentence
    changed in between is read again. A gloss is stored only while the text is the one glossed: the worker's stream
    record may be older than the sentence."""
    for _ in range(FILL_ATTEMPTS):
        try:
            item = SentenceItem.get(sentence_id, consistent_read=True)
        except DoesNotExist:
            return
        missing: dict[str, object] = {
            name: value
            for name, value in (("hiragana_reading", hiragana), ("romaji_reading", romaji))
            if value is not None and not getattr(item, name)
        }
        if gloss is not None and item.gloss_source is None and item.japanese_text == gloss.text:
            missing["word_gloss"] = [_gloss_entry(word) for word in gloss.words]
            missing["gloss_source"] = gloss.source
            if vocabulary_tags and not item.vocabulary_tags:
                missing["vocabulary_tags"] = vocabulary_tags
        if not missing or _write_back(item, missing):
            return
    raise RuntimeError(f"sentence {sentence_id} kept changing while its readings were filled")  # the batch retries


def _gloss_entry(word: GlossWord) -> GlossEntry:
    return GlossEntry(
        surface=word.surface,
        dictionary_form=word.dictionary_form,
        reading=word.reading,
        part_of_speech=word.part_of_speech.value,
        meanings=list(word.meanings),
        word_id=word.word_id,
    )


# Vocabulary words made from JMdict entries have ids derived from the entry's number, so that the same entry met
# again (a stream redelivery, another sentence at the same moment) can only ever be one word.
DICTIONARY_WORD_NAMESPACE: Final = uuid.UUID("5f0c9a52-8d1e-4c43-9d35-2b7e0f6a1c84")
DICTIONARY_WORD_SOURCE: Final = "JMdict (EDRDG, CC BY-SA 3.0)"


def dictionary_word_id(entry_id: int) -> str:
    return str(uuid.uuid5(DICTIONARY_WORD_NAMESPACE, f"jmdict:{entry_id}"))


@tracer.capture_method
def link_words(words: Sequence[DictionaryWord]) -> dict[int, str]:
    """The vocabulary word of each dictionary entry, as entry id -> word id: the word made from that entry before
    (one BatchGetItem), else a catalogue word written and read the same (a Query on `by_lemma` each), else a new word
    made from the entry, written only if its id is still free (so that concurrent or repeated calls make one)."""
    wanted = {word.entry_id: word for word in words}
    ids = {entry_id: dictionary_word_id(entry_id) for entry_id in wanted}
    existing = (
        {item.word_id for item in VocabularyWordItem.batch_get(set(ids.values()), attributes_to_get=["word_id"])}
        if ids
        else set()
    )
    linked = {entry_id: word_id for entry_id, word_id in ids.items() if word_id in existing}
    for entry_id, word in wanted.items():
        if entry_id in linked:
            continue
        reading = word.hiragana or word.katakana
        same = next(
            (i for i in VocabularyWordItem.by_lemma.query(word.lemma) if (i.hiragana or i.katakana) == reading), None
        )
        if same is not None:
            linked[entry_id] = same.word_id
            continue
        item = VocabularyWordItem(
            word_id=ids[entry_id],
            kanji=word.kanji,
            hiragana=word.hiragana,
            katakana=word.katakana,
            romaji=word.romaji,
            english_meanings=list(word.english_meanings),
            part_of_speech=word.part_of_speech,
            jlpt_level=word.jlpt_level,
            frequency_rank=word.frequency_rank,
            difficulty_level=word.difficulty_level,
            source=DICTIONARY_WORD_SOURCE,
        )
        # Refused: another delivery or sentence made it meanwhile; the id is the same either way.
        applied(functools.partial(item.save, condition=VocabularyWordItem.word_id.does_not_exist()))
        linked[entry_id] = ids[entry_id]
    return linked


@tracer.capture_method
def create_sentence(
    fields: dict[str, Any], status: ModerationStatus, created_by: str, reviewed_by: str | None
) -> SentencePublic:
    """A new sentence, counted on its author's totals in the same transaction."""
    item = SentenceItem(status=status, created_by=created_by, reviewed_by=reviewed_by, **fields)
    item.derive_keys()
    with atomic_writes() as transaction:
        transaction.save(item, condition=SentenceItem.sentence_id.does_not_exist())
        count_activity(transaction, created_by, item.updated_at, (DailyStatsItem.sentences_added, 1))
    return sentence_public(item)


@tracer.capture_method
def update_sentence(
    sentence_id: str,
    changes: dict[str, object],
    expected_status: ModerationStatus | None = None,
    audit: AdminAction | None = None,
) -> SentencePublic | None:
    """Read, change and write back only if nobody wrote in between (and the status is still the expected one);
    an administrator's action is written with its audit entry, in one transaction.

    Writing the whole item lets `derive_keys` keep the index keys in step with level and status. None when
    the sentence is gone, was changed meanwhile, or left `expected_status`: the caller decides what that means.
    """
    try:
        item = SentenceItem.get(sentence_id, consistent_read=True)
    except DoesNotExist:
        return None
    if expected_status is not None and item.status != expected_status:
        return None
    return sentence_public(item) if _write_back(item, changes, audit) else None


def _write_back(item: SentenceItem, changes: Mapping[str, object], audit: AdminAction | None = None) -> bool:
    """Apply `changes` to `item` and save it whole (which derives its index keys and search text again), only if
    nobody wrote it since it was read, with the audit entry of an administrator's action. False when somebody
    wrote it."""
    seen = item.updated_at
    for name, value in changes.items():
        setattr(item, name, value)
    unchanged = SentenceItem.updated_at == seen
    if audit is None:
        return applied(lambda: item.save(condition=unchanged))
    item.updated_at = utcnow()
    item.derive_keys()
    try:
        with atomic_writes() as transaction:
            transaction.save(item, condition=unchanged)
            audit_repository.record(transaction, item.sentence_id, audit, item.updated_at)
    except TransactWriteError as error:
        if refused_conditions(error):
            return False
        raise
    return True


@tracer.capture_method
def create_word(fields: dict[str, Any], examples: list[dict[str, str]], created_by: str) -> VocabularyWordPublic:
    item = VocabularyWordItem(
        created_by=created_by, usage_examples=[UsageExample(**example) for example in examples], **fields
    )
    item.save(condition=VocabularyWordItem.word_id.does_not_exist())
    return word_public(item)


@tracer.capture_method
def save_photo_sentences(sentences: list[tuple[str, str]], created_by: str, source: str) -> None:
    """Sentences found in a learner's photo, as (sentence id, text): pending moderation, without translation (the
    learner may add one); readings are filled by the readings worker. One batch write of puts, so a retry that
    writes the same ids again replaces them instead of adding copies."""
    batch_save(
        SentenceItem,
        (
            SentenceItem(
                sentence_id=sentence_id,
                japanese_text=text,
                english_translation="",
                difficulty_level=Difficulty.MEDIUM,
                status=ModerationStatus.PENDING,
                created_by=created_by,
                source=source,
            )
            for sentence_id, text in sentences
        ),
    )
