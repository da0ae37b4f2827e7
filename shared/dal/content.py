"""Study content: Japanese sentences and vocabulary words."""

import hashlib
from datetime import datetime

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection

from shared.dal.base import EnumAttribute, TableMeta, TimestampedModel, new_id
from shared.enums import Difficulty, JLPTLevel, ModerationStatus, PartOfSpeech

UNRATED_JLPT = "unrated"
UNRANKED = 1_000_000  # words without a frequency rank list after every ranked word

# What the listing indexes copy: everything a list shows and filters on, but not the counters the review
# aggregator adds to, so that its writes touch the item alone and never the few hot partitions of an index
# keyed by status or level. A list therefore shows no counters; an item read by its id has them.
SENTENCE_COUNTERS = ("total_attempts", "correct_attempts", "average_response_time", "timed_attempts",
                     "response_time_total_ms")  # fmt: skip
SENTENCE_LISTED = (
    "japanese_text", "hiragana_reading", "romaji_reading", "english_translation", "alternative_translations",
    "difficulty_level", "jlpt_level", "grammar_points", "vocabulary_tags", "source", "context", "audio_url",
    "image_url", "is_active", "rejection_reason", "reviewed_by", "search_text", "updated_at",
)  # fmt: skip
WORD_COUNTERS = ("total_encounters", "correct_encounters", "success_rate")
WORD_LISTED = (
    "kanji", "hiragana", "katakana", "romaji", "english_meanings", "part_of_speech", "usage_examples", "jlpt_level",
    "frequency_rank", "difficulty_level", "is_active", "source", "created_by", "created_at", "updated_at",
)  # fmt: skip


def listed(attributes: tuple[str, ...], *also: str) -> IncludeProjection:
    return IncludeProjection(list(attributes + also))


# A phone's sync reads what changed from the `by_change` indexes. Content is shared, so a change feed keyed on one
# value would put every content write of the system on one partition, and time-ordered sort keys keep a burst (an
# import, a re-gloss of the catalogue) at its end, where DynamoDB cannot split it: the public feed is spread over
# FEED_SHARDS partitions by a hash of the item's id, which a sync reads at once and merges. A learner's own sentences
# that were never public have their own partition, per author. Two, not more: shards spread content writes only (rare,
# some 5/s at 1M learners; an import takes 2,000 WCU/s across two), while every sync page Queries each shard.
FEED_SHARDS = 2
PUBLIC_FEED = "public"
AUTHOR_FEED = "author"


def public_feed(item_id: str) -> str:
    shard = int.from_bytes(hashlib.sha256(item_id.encode()).digest()[:4], "big") % FEED_SHARDS
    return f"{PUBLIC_FEED}#{shard}"


def public_feeds() -> list[str]:
    return [f"{PUBLIC_FEED}#{shard}" for shard in range(FEED_SHARDS)]


def author_feed(user_id: str) -> str:
    return f"{AUTHOR_FEED}#{user_id}"


def change_key_of(updated_at: datetime, item_id: str) -> str:
    """`<updated_at>#<id>`: a fixed-width UTC time sorts as it runs, and the id orders changes of the same moment."""
    return f"{UTCDateTimeAttribute().serialize(updated_at)}#{item_id}"


class SentencesByStatusIndex(GlobalSecondaryIndex["SentenceItem"]):
    """Sentences in one moderation status by creation time: the moderation queue and the full catalogue."""

    class Meta:
        index_name = "by_status"
        projection = listed(SENTENCE_LISTED, "level_status", "created_by")

    status = EnumAttribute(ModerationStatus, hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class SentencesByLevelIndex(GlobalSecondaryIndex["SentenceItem"]):
    """Sentences of one JLPT level and status (`n5#active`) by creation time: study lists per level."""

    class Meta:
        index_name = "by_level"
        projection = listed(SENTENCE_LISTED, "status", "created_by")

    level_status = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class SentencesByAuthorIndex(GlobalSecondaryIndex["SentenceItem"]):
    """A learner's own submitted sentences, newest first (sparse: seeded content has no author)."""

    class Meta:
        index_name = "by_author"
        projection = listed(SENTENCE_LISTED, "status", "level_status")

    created_by = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class SentencesByChangeIndex(GlobalSecondaryIndex["SentenceItem"]):
    """Sentences by their last write (`change_key`), per feed (`change_scope`): `public#<shard>` for every sentence
    that is or ever was approved, and those without an author (so that leaving the catalogue, deleted or back in
    moderation, is a change others see), `author#<user>` for a learner's sentence never approved. A phone's sync."""

    class Meta:
        index_name = "by_change"
        projection = listed(SENTENCE_LISTED, "status", "created_by", "created_at")

    change_scope = UnicodeAttribute(hash_key=True)
    change_key = UnicodeAttribute(range_key=True)


class GlossEntry(MapAttribute[str, object]):
    """One content word of the sentence with its dictionary meanings (shared/domain/vocabulary.py, GlossWord)."""

    surface = UnicodeAttribute()
    dictionary_form = UnicodeAttribute()
    reading = UnicodeAttribute()
    part_of_speech = UnicodeAttribute()
    meanings = ListAttribute(of=UnicodeAttribute, default=list)  # empty: not in the dictionary
    word_id = UnicodeAttribute(null=True)  # the vocabulary word it is linked to


class SentenceItem(TimestampedModel):
    class Meta(TableMeta):
        table_name = "sentences"
        stream_view_type = "NEW_AND_OLD_IMAGES"  # the readings worker fills missing readings from it

    sentence_id = UnicodeAttribute(hash_key=True, default_for_new=new_id)

    japanese_text = UnicodeAttribute()
    hiragana_reading = UnicodeAttribute(null=True)
    romaji_reading = UnicodeAttribute(null=True)
    english_translation = UnicodeAttribute()
    alternative_translations = ListAttribute(of=UnicodeAttribute, default=list)

    difficulty_level = EnumAttribute(Difficulty)
    jlpt_level = EnumAttribute(JLPTLevel, null=True)
    grammar_points = ListAttribute(of=UnicodeAttribute, default=list)
    vocabulary_tags = ListAttribute(of=UnicodeAttribute, default=list)

    source = UnicodeAttribute(null=True)
    context = UnicodeAttribute(null=True)
    audio_url = UnicodeAttribute(null=True)
    image_url = UnicodeAttribute(null=True)

    # Aggregated off the request path from the review stream (services/aggregation.py), never per review.
    total_attempts = NumberAttribute(default=0)
    correct_attempts = NumberAttribute(default=0)
    average_response_time = NumberAttribute(null=True)
    timed_attempts = NumberAttribute(default=0)
    response_time_total_ms = NumberAttribute(default=0)

    is_active = BooleanAttribute(default=True)
    status = EnumAttribute(ModerationStatus, default=ModerationStatus.ACTIVE)
    rejection_reason = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute(null=True)
    reviewed_by = UnicodeAttribute(null=True)

    level_status = UnicodeAttribute()
    change_scope = UnicodeAttribute(null=True)  # `by_change`'s feed; null only on sentences written before it existed
    change_key = UnicodeAttribute(null=True)
    search_text = UnicodeAttribute(null=True)  # case-folded Japanese, readings and translations, for `contains`

    # The readings worker's word-by-word gloss of the current Japanese text, and what made it; both absent until it
    # ran (its stream filter invokes it while `gloss_source` is missing) and removed when the text changes. Not in
    # the listing indexes' projections: shown where a sentence is read by its id.
    word_gloss = ListAttribute(of=GlossEntry, null=True)
    gloss_source = UnicodeAttribute(null=True)

    by_status = SentencesByStatusIndex()
    by_level = SentencesByLevelIndex()
    by_author = SentencesByAuthorIndex()
    by_change = SentencesByChangeIndex()

    @staticmethod
    def level_status_key(jlpt_level: JLPTLevel | str | None, status: ModerationStatus | str) -> str:
        level = JLPTLevel(jlpt_level).value if jlpt_level else UNRATED_JLPT
        return f"{level}#{ModerationStatus(status).value}"

    def derive_keys(self) -> None:
        self.is_active = self.status == ModerationStatus.ACTIVE
        self.level_status = self.level_status_key(self.jlpt_level, self.status)
        texts: list[str | None] = [self.japanese_text, self.hiragana_reading, self.romaji_reading]
        texts += [self.english_translation, *(str(t) for t in self.alternative_translations or [])]
        self.search_text = " ".join(t for t in texts if t).casefold()
        if self.created_by and not self._once_public():
            self.change_scope = author_feed(self.created_by)
        else:
            self.change_scope = public_feed(self.sentence_id)
        self.change_key = change_key_of(self.updated_at, self.sentence_id)

    def _once_public(self) -> bool:
        """Approved now or before: then in the public feed for good, so that leaving the catalogue is a change every
        phone sees. `reviewed_by` (set by a moderator's decision, never cleared) stands for a past approval in
        sentences written before the feed existed; a rejection sets it too, whose tombstone other phones ignore."""
        already = (self.change_scope or "").startswith(f"{PUBLIC_FEED}#")
        return self.status == ModerationStatus.ACTIVE or already or self.reviewed_by is not None


class UsageExample(MapAttribute[str, str]):
    japanese = UnicodeAttribute()
    english = UnicodeAttribute()


class WordsByLevelIndex(GlobalSecondaryIndex["VocabularyWordItem"]):
    """Words of one JLPT level, most frequent first."""

    class Meta:
        index_name = "by_level"
        projection = listed(WORD_LISTED, "lemma")

    level = UnicodeAttribute(hash_key=True)
    level_rank = NumberAttribute(range_key=True)


class WordsByLemmaIndex(GlobalSecondaryIndex["VocabularyWordItem"]):
    """A word by its written form (kanji, else kana): links a sentence's vocabulary tags to words."""

    class Meta:
        index_name = "by_lemma"
        projection = listed(WORD_LISTED, "level", "level_rank")

    lemma = UnicodeAttribute(hash_key=True)


class WordsByChangeIndex(GlobalSecondaryIndex["VocabularyWordItem"]):
    """Words by their last write (`change_key`), in the public feed's shards (`public#<shard>`): a phone's sync."""

    class Meta:
        index_name = "by_change"
        projection = listed(WORD_LISTED)

    change_scope = UnicodeAttribute(hash_key=True)
    change_key = UnicodeAttribute(range_key=True)


class VocabularyWordItem(TimestampedModel):
    class Meta(TableMeta):
        table_name = "vocabulary"

    word_id = UnicodeAttribute(hash_key=True, default_for_new=new_id)

    kanji = UnicodeAttribute(null=True)
    hiragana = UnicodeAttribute(null=True)
    katakana = UnicodeAttribute(null=True)
    romaji = UnicodeAttribute()

    english_meanings = ListAttribute(of=UnicodeAttribute)
    part_of_speech = EnumAttribute(PartOfSpeech)
    usage_examples = ListAttribute(of=UsageExample, default=list)

    jlpt_level = EnumAttribute(JLPTLevel, null=True)
    frequency_rank = NumberAttribute(null=True)
    difficulty_level = EnumAttribute(Difficulty)

    total_encounters = NumberAttribute(default=0)  # aggregated from the review stream, like sentences'
    correct_encounters = NumberAttribute(default=0)
    success_rate = NumberAttribute(null=True)

    is_active = BooleanAttribute(default=True)
    source = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute(null=True)

    level = UnicodeAttribute()
    level_rank = NumberAttribute()
    lemma = UnicodeAttribute()
    change_scope = UnicodeAttribute(null=True)  # null only on words written before `by_change` existed
    change_key = UnicodeAttribute(null=True)

    by_level = WordsByLevelIndex()
    by_lemma = WordsByLemmaIndex()
    by_change = WordsByChangeIndex()

    def derive_keys(self) -> None:
        self.level = JLPTLevel(self.jlpt_level).value if self.jlpt_level else UNRATED_JLPT
        self.level_rank = self.frequency_rank if self.frequency_rank is not None else UNRANKED
        written = self.kanji or self.hiragana or self.katakana
        if not written:
            raise ValueError("a word needs a kanji, hiragana or katakana form")
        self.lemma = written
        self.change_scope = public_feed(self.word_id)
        self.change_key = change_key_of(self.updated_at, self.word_id)
