"""A learner's spaced-repetition cards: one table holds sentence and vocabulary cards side by side.

Both kinds share the user's partition, so one Query on `by_due` returns every due card of a user in due
order, whatever its kind. The `item_type` discriminator picks the model class when items are read.
"""

from datetime import datetime

from pynamodb.attributes import (
    BooleanAttribute,
    DiscriminatorAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, IncludeProjection, LocalSecondaryIndex

from shared.dal.base import EnumAttribute, TableMeta, TimestampedModel, utcnow
from shared.enums import MasteryLevel

SENTENCE_CARD = "sentence"
WORD_CARD = "word"


class CardsByDueIndex(LocalSecondaryIndex["ProgressItem"]):
    """A user's cards ordered by next review time: due reviews, oldest due first, and the forecast.

    Sparse: a suspended card has no `next_review_date` (it waits in `due_when_suspended`), so it is in no due
    list, count or forecast, and no read has to filter it out."""

    class Meta:
        index_name = "by_due"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    next_review_date = UTCDateTimeAttribute(range_key=True)


class CardsByMasteryIndex(LocalSecondaryIndex["ProgressItem"]):
    """A user's cards by mastery level (`mature#sentence#<id>`): the counts per level, and of lapses (leeches).

    Keyed by the level and the card (not the due date), so a review writes to it only on the rare answer that
    moves the card to another level or lapses it. Besides the keys it projects the lapses and the card's kind:
    PynamoDB filters a polymorphic model's queries on the kind, and would find nothing on a keys-only index."""

    class Meta:
        index_name = "by_mastery"
        projection = IncludeProjection(["item_type", "lapses"])

    user_id = UnicodeAttribute(hash_key=True)
    mastery_key = UnicodeAttribute(range_key=True)


class CardsByChangeIndex(LocalSecondaryIndex["ProgressItem"]):
    """A user's cards of one kind in the order they were last written (`sentence#<updated_at>`): what a phone that
    synced at some moment fetches to catch up, a page at a time, whatever the size of the deck.

    Every write of a card moves its key here (a delete and a put, 2 write units for a card under 1 KB); the whole
    card is projected, so a page is one Query."""

    class Meta:
        index_name = "by_change"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    change_key = UnicodeAttribute(range_key=True)


class ProgressItem(TimestampedModel):
    class Meta(TableMeta):
        table_name = "progress"

    user_id = UnicodeAttribute(hash_key=True)
    item_key = UnicodeAttribute(range_key=True)
    item_type = DiscriminatorAttribute()

    easiness_factor = NumberAttribute(default=2.5)
    interval_days = NumberAttribute(default=1)
    repetition_count = NumberAttribute(default=0)
    next_review_date = UTCDateTimeAttribute(null=True, default_for_new=utcnow)  # None while suspended

    total_attempts = NumberAttribute(default=0)
    correct_attempts = NumberAttribute(default=0)

    mastery_level = EnumAttribute(MasteryLevel, default=MasteryLevel.NEW)
    last_reviewed_date = UTCDateTimeAttribute(null=True)

    # Scheduler state beyond the plan's SM-2 fields: FSRS memory state and lapses (see services/srs.py).
    lapses = NumberAttribute(default=0)
    stability = NumberAttribute(null=True)
    difficulty = NumberAttribute(null=True)
    fsrs_state = NumberAttribute(default=1)
    fsrs_step = NumberAttribute(null=True, default=0)
    # The learner took the card out of study (a leech, say): never due until taken back, at the date kept here.
    suspended_at = UTCDateTimeAttribute(null=True)
    due_when_suspended = UTCDateTimeAttribute(null=True)
    # The vacation (its start) for which the card's due date was moved by the vacation's length: once per vacation.
    moved_for_vacation = UnicodeAttribute(null=True)
    # Optimistic locking: a save fails if another request changed the card since it was read.
    version = VersionAttribute()

    mastery_key = UnicodeAttribute()
    change_key = UnicodeAttribute()  # <sentence|word>#<updated_at>, for `by_change`

    by_due = CardsByDueIndex()
    by_mastery = CardsByMasteryIndex()
    by_change = CardsByChangeIndex()

    @staticmethod
    def card_key(kind: str, item_id: str) -> str:
        return f"{kind}#{item_id}"

    @staticmethod
    def mastery_key_of(level: MasteryLevel, item_key: str) -> str:
        return f"{MasteryLevel(level).value}#{item_key}"

    @staticmethod
    def change_key_of(kind: str, updated_at: datetime) -> str:
        return f"{kind}#{UTCDateTimeAttribute().serialize(updated_at)}"  # a fixed-width UTC time: sorts as it runs

    def derive_keys(self) -> None:
        self.mastery_key = self.mastery_key_of(self.mastery_level, self.item_key)
        self.change_key = self.change_key_of(self.item_key.split("#", 1)[0], self.updated_at)


class SentenceProgressItem(ProgressItem, discriminator=SENTENCE_CARD):
    """The plan's UserProgress: one learner's progress on one sentence."""

    sentence_id = UnicodeAttribute()
    consecutive_correct = NumberAttribute(default=0)
    last_attempt_correct = BooleanAttribute(null=True)
    average_response_time = NumberAttribute(null=True)
    first_seen_date = UTCDateTimeAttribute(default_for_new=utcnow)
    mastered_date = UTCDateTimeAttribute(null=True)

    def derive_keys(self) -> None:
        self.item_key = self.card_key(SENTENCE_CARD, self.sentence_id)
        super().derive_keys()


class VocabularyProgressItem(ProgressItem, discriminator=WORD_CARD):
    """The plan's UserVocabularyProgress: one learner's progress on one word."""

    word_id = UnicodeAttribute()
    recognition_score = NumberAttribute(null=True)
    recall_score = NumberAttribute(null=True)
    first_encountered_date = UTCDateTimeAttribute(default_for_new=utcnow)
    learned_from_sentence_id = UnicodeAttribute(null=True)
    contexts_seen = ListAttribute(of=UnicodeAttribute, default=list)

    def derive_keys(self) -> None:
        self.item_key = self.card_key(WORD_CARD, self.word_id)
        super().derive_keys()
