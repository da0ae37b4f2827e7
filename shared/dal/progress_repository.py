"""Cards, review logs, per-day totals and sessions of the study loop.

Every read here is a GetItem, a Query on the user's partition (often Select=COUNT) or a batch call, so the
number of requests of one API call does not grow with the size of a learner's deck.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.update import Action

from shared.dal import analytics_repository, jobs_repository
from shared.dal.activity import count_activity
from shared.dal.analytics_repository import Figures, day_period
from shared.dal.base import (
    ItemKey,
    applied,
    atomic_writes,
    batch_read,
    collided,
    refused_conditions,
    set_or_remove,
    utcnow,
)
from shared.dal.content import SentenceItem, VocabularyWordItem
from shared.dal.content_repository import sentence_public, word_public
from shared.dal.pagination import CursorScope, collect_page, cursor_scope, decode_cursor
from shared.dal.progress import (
    SENTENCE_CARD,
    WORD_CARD,
    ProgressItem,
    SentenceProgressItem,
    VocabularyProgressItem,
)
from shared.dal.reviews import DECK_SUMMARY, DailyStatsItem, ReviewLogItem, archive_time
from shared.dal.sessions import LearningSessionItem
from shared.domain.cards import Card, CardKind, CardState
from shared.enums import MasteryLevel
from shared.observability import tracer
from shared.schemas.common import Page
from shared.schemas.content import SentencePublic, VocabularyWordPublic
from shared.schemas.progress import CardProgress, DayStats, ItemType, ReviewPublic, SessionPublic, SessionStart


def card_key(item_type: ItemType, item_id: str) -> str:
    return ProgressItem.card_key(item_type, item_id)


def _item_of(card: ProgressItem) -> tuple[CardKind, str]:
    kind, item_id = card.item_key.split("#", 1)
    return ("sentence" if kind == SENTENCE_CARD else "word"), item_id


def _new_item(user_id: str, item_type: CardKind, item_id: str, learned_from_sentence_id: str | None) -> ProgressItem:
    if item_type == "sentence":
        return SentenceProgressItem(user_id=user_id, sentence_id=item_id)
    return VocabularyProgressItem(user_id=user_id, word_id=item_id, learned_from_sentence_id=learned_from_sentence_id)


def _state_of(card: ProgressItem) -> CardState:
    return CardState(
        due=_due_date(card),
        last_review=card.last_reviewed_date,
        review_count=int(card.total_attempts),
        lapses=int(card.lapses),
        interval_days=float(card.interval_days) if card.last_reviewed_date else 0.0,
        easiness_factor=float(card.easiness_factor),
        repetition_count=int(card.repetition_count),
        stability=card.stability,
        difficulty=card.difficulty,
        fsrs_state=int(card.fsrs_state),
        fsrs_step=None if card.fsrs_step is None else int(card.fsrs_step),
    )


def _card(item: ProgressItem) -> Card:
    """A stored card as the services see it."""
    item_type, item_id = _item_of(item)
    card = Card(
        user_id=item.user_id,
        item_type=item_type,
        item_id=item_id,
        state=_state_of(item),
        mastery_level=MasteryLevel(item.mastery_level),
        correct_attempts=int(item.correct_attempts),
        suspended_at=item.suspended_at,
        updated_at=item.updated_at,
        stored=True,
        version=None if item.version is None else int(item.version),
    )
    if isinstance(item, SentenceProgressItem):
        return replace(
            card,
            consecutive_correct=int(item.consecutive_correct),
            last_attempt_correct=item.last_attempt_correct,
            average_response_time=item.average_response_time,
            mastered_date=item.mastered_date,
        )
    if isinstance(item, VocabularyProgressItem):
        return replace(card, learned_from_sentence_id=item.learned_from_sentence_id)
    return card


def _review_actions(card: Card, written: datetime) -> list[Action]:
    """What a review writes of a stored card: its schedule, level and answer counts, and its change (`by_change`)
    and level (`by_mastery`) keys. PynamoDB adds the version's condition and increment."""
    state = card.state
    key = card_key(card.item_type, card.item_id)
    kind = key.split("#", 1)[0]
    actions = [
        ProgressItem.next_review_date.set(state.due),
        set_or_remove(ProgressItem.last_reviewed_date, state.last_review),
        ProgressItem.total_attempts.set(state.review_count),
        ProgressItem.lapses.set(state.lapses),
        ProgressItem.interval_days.set(state.interval_days),
        ProgressItem.easiness_factor.set(state.easiness_factor),
        ProgressItem.repetition_count.set(state.repetition_count),
        set_or_remove(ProgressItem.stability, state.stability),
        set_or_remove(ProgressItem.difficulty, state.difficulty),
        ProgressItem.fsrs_state.set(state.fsrs_state),
        set_or_remove(ProgressItem.fsrs_step, state.fsrs_step),
        ProgressItem.mastery_level.set(card.mastery_level),
        ProgressItem.mastery_key.set(ProgressItem.mastery_key_of(card.mastery_level, key)),
        ProgressItem.correct_attempts.set(card.correct_attempts),
        ProgressItem.updated_at.set(written),
        ProgressItem.change_key.set(ProgressItem.change_key_of(kind, written)),
    ]
    if card.item_type == "sentence":
        actions += [
            SentenceProgressItem.consecutive_correct.set(card.consecutive_correct),
            set_or_remove(SentenceProgressItem.last_attempt_correct, card.last_attempt_correct),
            set_or_remove(SentenceProgressItem.average_response_time, card.average_response_time),
            set_or_remove(SentenceProgressItem.mastered_date, card.mastered_date),
        ]
    return actions


def _first_write(card: Card, written: datetime) -> ProgressItem:
    """A card's first write: the whole item (its defaults included), conditional on there being none."""
    item = _new_item(card.user_id, card.item_type, card.item_id, card.learned_from_sentence_id)
    state = card.state
    item.next_review_date = state.due
    item.last_reviewed_date = state.last_review
    item.total_attempts = state.review_count
    item.lapses = state.lapses
    item.interval_days = state.interval_days
    item.easiness_factor = state.easiness_factor
    item.repetition_count = state.repetition_count
    item.stability = state.stability
    item.difficulty = state.difficulty
    item.fsrs_state = state.fsrs_state
    item.fsrs_step = state.fsrs_step
    item.mastery_level = card.mastery_level
    item.correct_attempts = card.correct_attempts
    if isinstance(item, SentenceProgressItem):
        item.first_seen_date = state.last_review or written  # when it was first answered (the due list's new count)
        item.consecutive_correct = card.consecutive_correct
        item.last_attempt_correct = card.last_attempt_correct
        item.average_response_time = card.average_response_time
        item.mastered_date = card.mastered_date
    item.updated_at = written  # as Model.save would: what a phone's sync (`by_change`) finds it by
    item.derive_keys()
    return item


MATURE_LEVELS = frozenset({MasteryLevel.MATURE, MasteryLevel.BURNED})


def _due_date(card: ProgressItem) -> datetime:
    """When the card falls due, or would if it were not suspended."""
    due = card.next_review_date or card.due_when_suspended
    if due is None:
        raise ValueError(f"card {card.item_key} of {card.user_id} has no due date")
    return due


def card_progress(card: Card, leech_threshold: int) -> CardProgress:
    """A stored card as the API shows it."""
    if card.updated_at is None:
        raise ValueError(f"card {card.item_type}#{card.item_id} of {card.user_id} is not stored")
    state = card.state
    return CardProgress(
        item_type=card.item_type,
        item_id=card.item_id,
        mastery_level=card.mastery_level,
        next_review_date=state.due,
        interval_days=state.interval_days,
        easiness_factor=state.easiness_factor,
        repetition_count=state.repetition_count,
        total_attempts=state.review_count,
        correct_attempts=card.correct_attempts,
        lapses=state.lapses,
        last_reviewed_date=state.last_review,
        average_response_time=card.average_response_time,
        is_leech=state.lapses >= leech_threshold,
        suspended=card.suspended_at is not None,
        suspended_at=card.suspended_at,
        learned_from_sentence_id=card.learned_from_sentence_id,
        updated_at=card.updated_at,
    )


MAX_CARD_WRITE_ATTEMPTS = 3


class CardBusy(Exception):
    """The card was written by someone else at every try."""


@tracer.capture_method
def set_suspended(user_id: str, item_type: ItemType, item_id: str, suspended: bool, now: datetime) -> Card | None:
    """Take a card out of study or back in: None when the learner has no such card. A suspended card leaves the
    due index (its due date is kept aside and restored); the write is on the card's version, so a review racing
    with it is retried by whichever lost, never half-applied. Asking for the state it is in changes nothing."""
    for _ in range(MAX_CARD_WRITE_ATTEMPTS):
        card = _get_card(user_id, item_type, item_id)
        if card is None or suspended == (card.suspended_at is not None):
            return None if card is None else _card(card)
        if suspended:
            card.due_when_suspended, card.next_review_date, card.suspended_at = card.next_review_date, None, now
        else:
            card.next_review_date, card.due_when_suspended, card.suspended_at = card.due_when_suspended, None, None
        if applied(card.save):  # conditional on the version read (PynamoDB's VersionAttribute)
            return _card(card)
    raise CardBusy(f"card {item_type}#{item_id} kept changing")


TRANSACTION_ITEMS = 100  # DynamoDB's limit of actions in one TransactWriteItems


@tracer.capture_method
def shift_due_dates(user_id: str, since: datetime, until: datetime, by: timedelta, vacation: str) -> int:
    """Move each card that fell due between `since` and `until` later by `by`, once per vacation (the card keeps
    the vacation it was moved for, so a retry moves no card twice): one Query of the due index, and the cards
    written on their versions in transactions of 100. A card a review changed meanwhile is read again."""
    moved = 0
    for _ in range(MAX_CARD_WRITE_ATTEMPTS):
        cards = list(
            ProgressItem.by_due.query(
                user_id,
                ProgressItem.next_review_date.between(since, until),
                filter_condition=ProgressItem.moved_for_vacation.does_not_exist()
                | (ProgressItem.moved_for_vacation != vacation),
            )
        )
        if not cards:
            return moved
        for start in range(0, len(cards), TRANSACTION_ITEMS):
            chunk = cards[start : start + TRANSACTION_ITEMS]
            written = utcnow()
            try:
                with atomic_writes() as writes:
                    for card in chunk:
                        writes.update(
                            card,
                            actions=[
                                *_due_moved(card, card.next_review_date + by, written),
                                ProgressItem.moved_for_vacation.set(vacation),
                            ],
                            condition=ProgressItem.user_id.exists(),  # and its version, added by PynamoDB
                        )
            except TransactWriteError as error:
                if not refused_conditions(error):
                    raise
                continue  # a card of the chunk was answered meanwhile: the next pass reads it again
            moved += len(chunk)
    raise CardBusy(f"the cards of {user_id} kept changing while their due dates moved")


def _due_moved(card: ProgressItem, due: datetime, written: datetime) -> list[Action]:
    """The card falls due at `due` instead: a change a phone's sync must see (`by_change`)."""
    kind, _ = card.item_key.split("#", 1)
    return [
        ProgressItem.next_review_date.set(due),
        ProgressItem.updated_at.set(written),
        ProgressItem.change_key.set(ProgressItem.change_key_of(kind, written)),
    ]


@tracer.capture_method
def overdue_cards(user_id: str, before: datetime, limit: int | None = None) -> list[Card]:
    """The cards that fell due before `before`, oldest due first: one Query of the due index (with no `limit`, paged
    past 1 MB, some 900 cards)."""
    return [
        _card(item) for item in ProgressItem.by_due.query(user_id, ProgressItem.next_review_date < before, limit=limit)
    ]


def _as_read(user_id: str, item_key: str, version: int | None) -> ProgressItem:
    """A stored card as it was read: its key and version, which a versioned write is conditional on."""
    kind, item_id = item_key.split("#", 1)
    item = _new_item(user_id, "sentence" if kind == SENTENCE_CARD else "word", item_id, None)
    item.item_key = item_key
    if version is not None:  # None: the write is conditional on the card having no version still
        item.version = version
    return item


CARDS_PER_MOVE = TRANSACTION_ITEMS - 1  # and the job's cursor


@dataclass(frozen=True)
class JobStep:
    """The job whose plan a move advances, as read: its cursor and its tally so far."""

    job_id: str
    position: int
    moved: int
    skipped: int


class JobMovedOn(Exception):
    """Another run of the job advanced its cursor first: this run's plan is stale."""


@tracer.capture_method
def move_due_dates(moves: Sequence[tuple[Card, datetime]], step: JobStep | None = None) -> int:
    """Give each card its new due date, in one TransactWriteItems, each on its version as read; with `step`, the job's
    cursor advances past the whole chunk in the same transaction, on condition that it is where it was read. A card
    written meanwhile (answered, suspended) is left as it is and the others are written without it: the number of
    cards moved. Raises JobMovedOn when another run of the job advanced its cursor first."""
    if len(moves) > CARDS_PER_MOVE:
        raise ValueError(f"at most {CARDS_PER_MOVE} cards a move, got {len(moves)}")
    pending = list(moves)
    while pending or step is not None:
        written = utcnow()
        try:
            with atomic_writes() as writes:
                for card, due in pending:
                    item = _as_read(card.user_id, card_key(*card.key), card.version)
                    writes.update(item, actions=_due_moved(item, due, written), condition=ProgressItem.user_id.exists())
                if step is not None:
                    tally = {"moved": step.moved + len(pending), "skipped": step.skipped + len(moves) - len(pending)}
                    jobs_repository.advance_cursor(writes, step.job_id, step.position, len(moves), tally, written)
        except TransactWriteError as error:
            refused = refused_conditions(error)
            if not refused:
                raise
            if step is not None and len(pending) in refused:  # the job's update comes after the cards'
                raise JobMovedOn(step.job_id) from error
            pending = [move for index, move in enumerate(pending) if index not in refused]
            continue
        return len(pending)
    return 0


@tracer.capture_method
def count_due(user_id: str, until: datetime) -> int:
    """Cards due by `until`: Select=COUNT on the due index (keys only read, no item returned)."""
    return int(ProgressItem.by_due.count(user_id, ProgressItem.next_review_date <= until))


def _get_card(user_id: str, item_type: ItemType, item_id: str) -> ProgressItem | None:
    try:
        return ProgressItem.get(user_id, card_key(item_type, item_id), consistent_read=True)
    except DoesNotExist:
        return None


@tracer.capture_method
def started_sentences(user_id: str, sentence_ids: list[str]) -> set[str]:
    """Which of these sentences the learner has a card for: one BatchGetItem per 100 keys, reading the keys only."""
    if not sentence_ids:
        return set()
    cards = ProgressItem.batch_get(
        [(user_id, card_key("sentence", sentence_id)) for sentence_id in sentence_ids],
        consistent_read=True,
        attributes_to_get=[ProgressItem.item_key.attr_name],
    )
    return {card.item_key.split("#", 1)[1] for card in cards}


@dataclass(frozen=True)
class DueReads:
    """What the due list reads in one BatchGetItem once it knows its due cards and its new sentences to look at."""

    today: DayStats  # the day's totals as the review aggregator last counted them (zero before its first count)
    counted_at: datetime | None  # when it counted them; None: not yet today
    started: dict[str, datetime | None]  # of the sentences looked at, those the learner has a card for: first seen
    sentences: dict[str, SentencePublic]  # whatever their status: who may read one is the service's rule
    words: dict[str, VocabularyWordPublic]  # the active ones (a withdrawn word is not studied)


@tracer.capture_method
def due_reads(user_id: str, day: date, cards: list[Card], new_sentence_ids: list[str]) -> DueReads:
    """Today's stored totals, which of `new_sentence_ids` the learner has started, and the content of the cards and
    of those sentences: one BatchGetItem across daily_stats, progress, sentences and vocabulary (the learner's items
    strongly consistent), one more per 100 keys beyond (limits above the defaults of 50 reviews and 10 new a day)."""
    sentence_ids = [card.item_id for card in cards if card.item_type == "sentence"] + new_sentence_ids
    word_ids = [card.item_id for card in cards if card.item_type == "word"]
    keys = [
        ItemKey(DailyStatsItem, user_id, day.isoformat()),
        *(ItemKey(ProgressItem, user_id, card_key("sentence", sentence_id)) for sentence_id in new_sentence_ids),
        *(ItemKey(SentenceItem, sentence_id) for sentence_id in sentence_ids),
        *(ItemKey(VocabularyWordItem, word_id) for word_id in word_ids),
    ]
    found = batch_read(keys, consistent=(DailyStatsItem, ProgressItem))
    stored = found.one(DailyStatsItem)
    return DueReads(
        today=_stored_day(stored or DailyStatsItem(day=day.isoformat())),
        counted_at=stored.updated_at if stored else None,
        started={card.sentence_id: card.first_seen_date for card in found.all(SentenceProgressItem)},
        sentences={item.sentence_id: sentence_public(item) for item in found.all(SentenceItem)},
        words={item.word_id: word_public(item) for item in found.all(VocabularyWordItem) if item.is_active},
    )


@tracer.capture_method
def due_cards(user_id: str, now: datetime, limit: int) -> list[Card]:
    if limit <= 0:
        return []
    return [
        _card(item) for item in ProgressItem.by_due.query(user_id, ProgressItem.next_review_date <= now, limit=limit)
    ]


@tracer.capture_method
def due_dates(user_id: str, until: datetime) -> list[datetime]:
    """When each card due by `until` falls due (overdue ones included): one Query of the due index, reading only
    the dates, for the dashboard's counts and forecast."""
    return [
        card.next_review_date
        for card in ProgressItem.by_due.query(
            user_id, ProgressItem.next_review_date <= until, attributes_to_get=["next_review_date"]
        )
    ]


@dataclass(frozen=True)
class DueCard:
    """A card as the load balancer sees it: when it is due, and the sentence it belongs with (its own, for a sentence
    card; the one it was learned from, for a word card; None for a word learned on its own)."""

    item_key: str
    due: datetime
    sentence_id: str | None


def _sentence_of(card: ProgressItem) -> str | None:
    """The sentence a card belongs with, for dispersing siblings (see DueCard)."""
    if isinstance(card, SentenceProgressItem):
        return str(card.sentence_id)
    if isinstance(card, VocabularyProgressItem):
        return card.learned_from_sentence_id
    return None


# What the load balancer reads of each card (the kind picks the model class).
FORECAST_ATTRIBUTES = ["item_key", "item_type", "next_review_date", "sentence_id", "learned_from_sentence_id"]


@tracer.capture_method
def due_between(user_id: str, start: datetime, end: datetime) -> list[DueCard]:
    """The cards due from `start` to `end` (both included), for load balancing a review: one eventually consistent
    Query of the due index over that range (a card's fuzz window), paged past 1 MB (over ~1,500 cards due in it)."""
    return [
        DueCard(item_key=card.item_key, due=card.next_review_date, sentence_id=_sentence_of(card))
        for card in ProgressItem.by_due.query(
            user_id, ProgressItem.next_review_date.between(start, end), attributes_to_get=FORECAST_ATTRIBUTES
        )
    ]


@dataclass(frozen=True)
class DeckCounts:
    per_level: dict[MasteryLevel, int]
    mastered: dict[str, int]  # card kind (SENTENCE_CARD, WORD_CARD) → its cards at a mature level
    per_lapses: dict[int, int]  # lapses (1 or more) → cards: the leeches at any threshold


@tracer.capture_method
def count_deck(user_id: str) -> DeckCounts:
    """The deck's cards per mastery level, its mastered cards per kind and its cards per number of lapses, counted
    on the mastery index, which projects nothing else (the review aggregator)."""
    per_level = dict.fromkeys(MasteryLevel, 0)
    mastered = {SENTENCE_CARD: 0, WORD_CARD: 0}
    per_lapses: dict[int, int] = {}
    for card in ProgressItem.by_mastery.query(user_id, attributes_to_get=["mastery_key", "lapses"]):
        level, kind, _ = str(card.mastery_key).split("#", 2)  # <level>#<sentence|word>#<id>
        per_level[MasteryLevel(level)] += 1
        if MasteryLevel(level) in MATURE_LEVELS:
            mastered[kind] += 1
        if card.lapses:
            per_lapses[int(card.lapses)] = per_lapses.get(int(card.lapses), 0) + 1
    return DeckCounts(per_level=per_level, mastered=mastered, per_lapses=per_lapses)


def leeches(per_lapses: dict[int, int], threshold: int) -> int:
    """The cards with at least `threshold` lapses."""
    return sum(cards for lapses, cards in per_lapses.items() if lapses >= threshold)


def _card_page(
    results: Iterator[ProgressItem], limit: int, scope: CursorScope, leech_threshold: int
) -> Page[CardProgress]:
    page = collect_page(results, limit, scope)
    return Page[CardProgress](
        items=[card_progress(_card(c), leech_threshold) for c in page.items], next_cursor=page.next_cursor
    )


@tracer.capture_method
def cards_page(
    user_id: str, item_type: ItemType, leech_threshold: int, limit: int, cursor: str | None
) -> Page[CardProgress]:
    prefix = f"{SENTENCE_CARD if item_type == 'sentence' else WORD_CARD}#"
    scope = cursor_scope("progress.cards", user_id, item_type)
    results = ProgressItem.query(
        user_id,
        ProgressItem.item_key.startswith(prefix),
        limit=limit,
        last_evaluated_key=decode_cursor(cursor, scope),
    )
    return _card_page(results, limit, scope, leech_threshold)


@tracer.capture_method
def cards_changed_page(
    user_id: str, item_type: ItemType, since: datetime, leech_threshold: int, limit: int, cursor: str | None
) -> Page[CardProgress]:
    """The cards of one kind written after `since`, oldest change first: one consistent Query of `by_change` a
    page (a change's write is on the table and its local index at once)."""
    kind = SENTENCE_CARD if item_type == "sentence" else WORD_CARD
    scope = cursor_scope("progress.cards_changed", user_id, item_type, since.isoformat())
    results = ProgressItem.by_change.query(
        user_id,
        ProgressItem.change_key.between(
            ProgressItem.change_key_of(kind, since + timedelta(microseconds=1)), f"{kind}#~"
        ),  # "~" sorts after every time
        consistent_read=True,
        limit=limit,
        last_evaluated_key=decode_cursor(cursor, scope),
    )
    return _card_page(results, limit, scope, leech_threshold)


@tracer.capture_method
def reviews_recorded_page(user_id: str, since: datetime | None, limit: int, cursor: str | None) -> Page[ReviewPublic]:
    """The learner's reviews stored after `since` (all of them without it), in the order they were stored: one
    consistent Query of `by_record` a page, which fetches what the keys-only index lacks from the table."""
    scope = cursor_scope("progress.reviews", user_id, since.isoformat() if since else None)
    results = ReviewLogItem.by_record.query(
        user_id,
        ReviewLogItem.updated_at > since if since else None,
        consistent_read=True,
        limit=limit,
        last_evaluated_key=decode_cursor(cursor, scope),
        attributes_to_get=SYNCED_REVIEW_ATTRIBUTES,
    )
    page = collect_page(results, limit, scope)
    return Page[ReviewPublic](items=[_review_public(log) for log in page.items], next_cursor=page.next_cursor)


# What a synced review carries (ReviewPublic), named in its Query: `by_record` projects keys only.
SYNCED_REVIEW_ATTRIBUTES = [
    "review_id", "item_key", "reviewed_at", "updated_at", "algorithm", "rating", "quality", "correct",
    "response_time_ms", "session_id", "mastery_level", "interval_days", "next_review_date",
]  # fmt: skip


def _review_public(log: ReviewLogItem) -> ReviewPublic:
    kind, item_id = log.item_key.split("#", 1)
    return ReviewPublic.model_validate(
        {
            **log.attribute_values,
            "item_type": "sentence" if kind == SENTENCE_CARD else "word",
            "item_id": item_id,
            "answered_at": log.reviewed_at,
            "recorded_at": log.updated_at,
        }
    )


@dataclass(frozen=True)
class ReviewEntry:
    """One answer as the review log keeps it."""

    review_id: str
    reviewed_at: datetime
    algorithm: str
    rating: int
    quality: int | None
    correct: bool
    response_time_ms: int | None
    session_id: str | None
    was_new: bool
    became_mature: bool
    deck_changed: bool  # the card moved to another mastery level (a new card always does) or lapsed: the summary moves
    study_day: date  # the learner's local day when they answered


@dataclass(frozen=True)
class RecordedReview:
    """What a stored review produced: returned again when its review id is retried."""

    item_key: str
    correct: bool
    mastery_level: MasteryLevel
    interval_days: float
    next_review_date: datetime


def review_result(card: Card, entry: ReviewEntry) -> RecordedReview:
    return RecordedReview(
        item_key=card_key(card.item_type, card.item_id),
        correct=entry.correct,
        mastery_level=card.mastery_level,
        interval_days=card.state.interval_days,
        next_review_date=card.state.due,
    )


def _recorded(log: ReviewLogItem) -> RecordedReview:
    return RecordedReview(
        item_key=log.item_key,
        correct=bool(log.correct),
        mastery_level=MasteryLevel(log.mastery_level),
        interval_days=float(log.interval_days),
        next_review_date=log.next_review_date,
    )


@dataclass(frozen=True)
class ReviewContext:
    """What answering a card reads first, in one BatchGetItem: the learner's items strongly consistent (the answer's
    transaction is conditional on them as read), the content eventually, as any read of it."""

    earlier: RecordedReview | None  # this review id was stored before: a retry
    card: Card | None  # None: the learner's first answer on this item
    session_open: bool  # the session named by the answer exists and is not finished (True without one)
    sentence: SentencePublic | None  # the card's sentence, or the one a word card is learned from; None: none such
    word: VocabularyWordPublic | None  # a word card's word, while it is active


@tracer.capture_method
def review_context(
    user_id: str,
    review_id: str,
    item_type: ItemType,
    item_id: str,
    session_id: str | None,
    learned_from_sentence_id: str | None = None,
) -> ReviewContext:
    """The review's log (a retry), card, session and content: the content is only needed for a new card, but which
    card is new is known only once read, and reading it with the rest costs half a read unit, not a request."""
    sentence_id = item_id if item_type == "sentence" else learned_from_sentence_id
    keys = [
        ItemKey(ReviewLogItem, user_id, review_id),
        ItemKey(ProgressItem, user_id, card_key(item_type, item_id)),
        *([ItemKey(LearningSessionItem, user_id, session_id)] if session_id else []),
        *([ItemKey(SentenceItem, sentence_id)] if sentence_id else []),
        *([ItemKey(VocabularyWordItem, item_id)] if item_type == "word" else []),
    ]
    found = batch_read(keys, consistent=(ReviewLogItem, ProgressItem, LearningSessionItem))
    log, stored, session = found.one(ReviewLogItem), found.one(ProgressItem), found.one(LearningSessionItem)
    sentence, word = found.one(SentenceItem), found.one(VocabularyWordItem)
    return ReviewContext(
        earlier=_recorded(log) if log else None,
        card=_card(stored) if stored else None,
        session_open=session_id is None or (session is not None and session.end_time is None),
        sentence=sentence_public(sentence) if sentence else None,
        word=word_public(word) if word and word.is_active else None,
    )


# A local day lies within these hours of its UTC date, whatever the time zone (UTC-12 to UTC+14).
DAY_REACH_BEFORE, DAY_REACH_AFTER = timedelta(hours=14), timedelta(hours=36)


def _reviews_of_day(user_id: str, day: date) -> list[ReviewLogItem]:
    """The reviews the learner made on their local `day`: one consistent Query of the time index over the hours
    that day can span in any time zone, keeping those the review marked with that day."""
    midnight = datetime.combine(day, time(), tzinfo=UTC)
    return list(
        ReviewLogItem.by_time.query(
            user_id,
            ReviewLogItem.reviewed_at.between(midnight - DAY_REACH_BEFORE, midnight + DAY_REACH_AFTER),
            filter_condition=ReviewLogItem.study_day == day.isoformat(),
            consistent_read=True,
        )
    )


def _counted(day: date, reviews: list[ReviewLogItem]) -> DailyStatsItem:
    return DailyStatsItem(
        day=day.isoformat(),
        reviews=len(reviews),
        correct=sum(1 for review in reviews if review.correct),
        new_items=sum(1 for review in reviews if review.was_new),
        mastered=sum(1 for review in reviews if review.became_mature),
        response_time_ms=sum(int(review.response_time_ms or 0) for review in reviews),
    )


def _stored_day(item: DailyStatsItem) -> DayStats:
    return DayStats(
        day=date.fromisoformat(item.day),
        reviews=int(item.reviews),
        correct=int(item.correct),
        new_items=int(item.new_items),
        mastered=int(item.mastered),
        study_minutes=round(int(item.response_time_ms) / 60_000, 1),
    )


def count_day(user_id: str, day: date) -> DailyStatsItem:
    """The totals of one day counted from its reviews (not stored)."""
    item = _counted(day, _reviews_of_day(user_id, day))
    item.user_id = user_id
    return item


@tracer.capture_method
def day_stats(user_id: str, day: date) -> DayStats:
    """The totals of one day, live: counted from that day's reviews (the day in progress)."""
    return _stored_day(count_day(user_id, day))


@tracer.capture_method
def store_day_stats(user_id: str, day: date) -> DayStats:
    """Count the day again from its reviews and write the totals whole (the review aggregator): a batch delivered
    twice writes the same figures twice."""
    item = count_day(user_id, day)
    item.save()
    return _stored_day(item)


@tracer.capture_method
def store_deck_summary(user_id: str) -> DeckCounts:
    """Count the deck again and write the summary whole (the review aggregator)."""
    counts = count_deck(user_id)
    DailyStatsItem(
        user_id=user_id,
        day=DECK_SUMMARY,
        cards_per_level={level.value: n for level, n in counts.per_level.items()},
        mastered_cards=counts.mastered,
        cards_per_lapses={str(lapses): n for lapses, n in counts.per_lapses.items()},
    ).save()
    return counts


@dataclass(frozen=True)
class StoredFigures:
    days: dict[date, DayStats]
    cards_per_level: dict[MasteryLevel, int]  # as of the review aggregator's last count
    cards_per_lapses: dict[int, int]  # likewise


@tracer.capture_method
def stored_figures(user_id: str, first_day: date) -> StoredFigures:
    """The stored totals of the days from `first_day` on and the deck summary: one Query (the summary's sort key
    `deck` sorts after every date, and before the activity totals)."""
    days: dict[date, DayStats] = {}
    levels = dict.fromkeys(MasteryLevel, 0)
    lapses: dict[int, int] = {}
    for item in DailyStatsItem.query(user_id, DailyStatsItem.day.between(first_day.isoformat(), DECK_SUMMARY)):
        if item.day == DECK_SUMMARY:
            stored = item.cards_per_level.as_dict() if item.cards_per_level else {}
            levels |= {MasteryLevel(level): int(n) for level, n in stored.items()}
            stored = item.cards_per_lapses.as_dict() if item.cards_per_lapses else {}
            lapses = {int(count): int(n) for count, n in stored.items()}
        else:
            days[date.fromisoformat(item.day)] = _stored_day(item)
    return StoredFigures(days=days, cards_per_level=levels, cards_per_lapses=lapses)


@tracer.capture_method
def reviewed_between(user_id: str, start: datetime, before: datetime) -> bool:
    """Whether the learner answered anything from `start` up to (not including) `before`: a Query of the log's time
    index for one key."""
    until = before - timedelta(microseconds=1)
    if until < start:
        return False
    found = ReviewLogItem.by_time.query(
        user_id, ReviewLogItem.reviewed_at.between(start, until), limit=1, attributes_to_get=["review_id"]
    )
    return next(iter(found), None) is not None


@tracer.capture_method
def reviews_stored(user_id: str) -> int:
    """The learner's reviews as far as the stored days count them (not the day in progress): one Query of one small
    item per study day, reading their review counts only."""
    days = DailyStatsItem.query(user_id, DailyStatsItem.day < DECK_SUMMARY, attributes_to_get=["reviews"])
    return sum(int(item.reviews) for item in days)


@tracer.capture_method
def daily_stats(user_id: str, first_day: date, last_day: date) -> dict[date, DayStats]:
    """The stored totals of the days of the range the learner studied: one Query of one small item per day."""
    items = DailyStatsItem.query(user_id, DailyStatsItem.day.between(first_day.isoformat(), last_day.isoformat()))
    return {date.fromisoformat(item.day): _stored_day(item) for item in items}


@dataclass(frozen=True)
class SessionTotals:
    total_questions: int
    correct_answers: int
    response_time_total_ms: int
    new_sentences_learned: int
    sentences_mastered: int
    sentences_reviewed: list[str]


@tracer.capture_method
def session_totals(user_id: str, session_id: str, start: datetime, end: datetime) -> SessionTotals:
    """A session's figures, counted from the reviews that named it between its start and `end`: one Query of the
    time index (paged past 1 MB, some 8,000 answers)."""
    reviews = list(
        ReviewLogItem.by_time.query(
            user_id,
            ReviewLogItem.reviewed_at.between(start, end),
            filter_condition=ReviewLogItem.session_id == session_id,
            consistent_read=True,
        )
    )
    sentence_prefix = f"{SENTENCE_CARD}#"
    sentences = [r.item_key.removeprefix(sentence_prefix) for r in reviews if r.item_key.startswith(sentence_prefix)]
    return SessionTotals(
        total_questions=len(reviews),
        correct_answers=sum(1 for r in reviews if r.correct),
        response_time_total_ms=sum(int(r.response_time_ms or 0) for r in reviews),
        new_sentences_learned=sum(1 for r in reviews if r.was_new),
        sentences_mastered=sum(1 for r in reviews if r.became_mature),
        sentences_reviewed=sentences,  # one entry per answer, in answer order, as the plan keeps it
    )


class ReviewOutcome(Enum):
    SAVED = "saved"
    ALREADY_RECORDED = "already recorded"  # the same review id was saved before: a retry
    CARD_CHANGED = "card changed"  # another review of the card won the race: read again and retry


LOG_WRITE, CARD_WRITE = 0, 1  # their positions in record_review's transaction, where DynamoDB names refusals


@tracer.capture_method
def record_review(card: Card, entry: ReviewEntry) -> ReviewOutcome:
    """Write the log and the card in one transaction: all or nothing, and nothing else on the request path (the
    day's, the session's and the deck's figures are derived from the log).

    The log is conditional on its review id being new (idempotency), the card on its version (no lost update): a
    card's first write puts the whole item on there being none; later ones update what a review changes.
    """
    written = utcnow()
    key = card_key(card.item_type, card.item_id)
    fields = vars(entry) | {"study_day": entry.study_day.isoformat()}
    log = ReviewLogItem(
        user_id=card.user_id,
        item_key=key,
        interval_days=card.state.interval_days,
        next_review_date=card.state.due,
        mastery_level=card.mastery_level.value,
        archive_at=archive_time(entry.reviewed_at),
        **fields,
    )
    try:
        with atomic_writes() as transaction:
            transaction.save(log, condition=ReviewLogItem.review_id.does_not_exist())
            if card.stored:
                item = _as_read(card.user_id, key, card.version)
                transaction.update(
                    item, actions=_review_actions(card, written), condition=ProgressItem.user_id.exists()
                )
            else:
                transaction.save(_first_write(card, written))
    except TransactWriteError as error:
        failed = refused_conditions(error)
        if LOG_WRITE in failed:
            return ReviewOutcome.ALREADY_RECORDED
        if CARD_WRITE in failed or collided(error):
            return ReviewOutcome.CARD_CHANGED  # another review of this card at that moment
        raise
    return ReviewOutcome.SAVED


def session_public(item: LearningSessionItem) -> SessionPublic:
    return SessionPublic.model_validate(item.attribute_values)


@tracer.capture_method
def start_session(user_id: str, request: SessionStart, now: datetime) -> SessionPublic:
    item = LearningSessionItem(user_id=user_id, start_time=now, **request.model_dump())
    item.save(condition=LearningSessionItem.session_id.does_not_exist())
    return session_public(item)


@tracer.capture_method
def get_session(user_id: str, session_id: str) -> SessionPublic | None:
    try:
        return session_public(LearningSessionItem.get(user_id, session_id, consistent_read=True))
    except DoesNotExist:
        return None


@dataclass(frozen=True)
class SessionSummary(SessionTotals):
    """What a finished session stores: its totals, and what follows from them."""

    end_time: datetime
    duration_minutes: int
    accuracy_percentage: float | None
    average_response_time: float | None
    exp_gained: int
    streak_maintained: bool


@tracer.capture_method
def finish_session(user_id: str, session_id: str, summary: SessionSummary) -> bool:
    """Store the summary once, counted on the learner's totals in the same transaction; False when the session was
    finished meanwhile."""
    item = LearningSessionItem(user_id=user_id, session_id=session_id)
    actions = [
        getattr(LearningSessionItem, name).set(value) for name, value in vars(summary).items() if value is not None
    ]
    try:
        with atomic_writes() as transaction:
            transaction.update(
                item,
                actions=[*actions, LearningSessionItem.updated_at.set(summary.end_time)],
                condition=LearningSessionItem.session_id.exists() & LearningSessionItem.end_time.does_not_exist(),
            )
            count_activity(transaction, user_id, summary.end_time, (DailyStatsItem.sessions_completed, 1))
            analytics_repository.count(
                transaction,
                day_period(summary.end_time.date()),
                user_id,
                Figures(sessions_finished=1),
                summary.end_time,
            )
    except TransactWriteError as error:
        if refused_conditions(error):
            return False
        raise
    return True
