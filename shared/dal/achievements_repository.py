"""The achievement catalogue, what each learner has earned, and the counts achievements are measured by."""

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from pynamodb.exceptions import TransactWriteError

from shared.dal import progress_repository
from shared.dal.base import atomic_writes, refused_conditions
from shared.dal.gamification import CATALOG_PARTITION, AchievementItem, UserAchievementItem
from shared.dal.progress import SENTENCE_CARD, WORD_CARD
from shared.dal.reviews import ACTIVITY_TOTALS, DECK_SUMMARY, DailyStatsItem
from shared.enums import AchievementCategory, RequirementType
from shared.observability import tracer


@dataclass(frozen=True)
class Achievement:
    achievement_id: str
    code: str
    name: str
    description: str
    icon_url: str | None
    category: AchievementCategory
    requirement_type: RequirementType
    requirement_value: int
    requirement_description: str
    exp_reward: int
    badge_color: str | None
    is_hidden: bool


@dataclass(frozen=True)
class Earned:
    achievement_id: str
    completion_date: datetime


@dataclass(frozen=True)
class Award:
    achievement_id: str
    progress: int
    required: int


@functools.cache
def catalog() -> tuple[Achievement, ...]:
    """The active achievements in display order: one Query of a few dozen items, kept for the function's life
    (a new achievement reaches a warm function when it is next started)."""
    return tuple(
        Achievement(
            achievement_id=str(item.achievement_id),
            code=str(item.code),
            name=str(item.name),
            description=str(item.description),
            icon_url=item.icon_url,
            category=AchievementCategory(item.category),
            requirement_type=RequirementType(item.requirement_type),
            requirement_value=int(item.requirement_value),
            requirement_description=str(item.requirement_description),
            exp_reward=int(item.exp_reward),
            badge_color=item.badge_color,
            is_hidden=bool(item.is_hidden),
        )
        for item in AchievementItem.in_order.query(CATALOG_PARTITION)
        if item.is_active
    )


@tracer.capture_method
def earned(user_id: str) -> dict[str, Earned]:
    """The user's completed achievements by id: one Query."""
    return {
        str(item.achievement_id): Earned(achievement_id=str(item.achievement_id), completion_date=item.completion_date)
        for item in UserAchievementItem.query(user_id)
        if item.is_completed and item.completion_date is not None
    }


@tracer.capture_method
def award(user_id: str, awards: Iterable[Award], now: datetime) -> list[str]:
    """Record newly completed achievements in one transaction, each only if not already completed (a concurrent
    check may have recorded it: then nothing is written here and the caller reads again). The ids awarded."""
    awards = list(awards)
    if not awards:
        return []
    try:
        with atomic_writes() as transaction:
            for new in awards:
                item = UserAchievementItem(
                    user_id=user_id,
                    achievement_id=new.achievement_id,
                    current_progress=new.progress,
                    required_progress=new.required,
                    is_completed=True,
                    completion_date=now,
                    created_at=now,
                    updated_at=now,
                )
                transaction.save(
                    item,
                    condition=UserAchievementItem.achievement_id.does_not_exist()
                    | (UserAchievementItem.is_completed == False),  # noqa: E712 (a DynamoDB condition)
                )
    except TransactWriteError as error:
        if refused_conditions(error):
            return []
        raise
    return [new.achievement_id for new in awards]


@tracer.capture_method
def activity_counts(user_id: str, longest_streak_days: int, today: date | None = None) -> dict[RequirementType, int]:
    """Everything achievements count, in one Query of the learner's daily-stats partition whatever the history's
    size: the stored days (one small item each), the deck summary's mastered cards and the activity totals. With
    `today`, the learner's day in progress is counted live from its reviews (a second Query) rather than as last
    stored."""
    reviews = milliseconds = 0
    mastered: dict[str, int] = {}
    totals = DailyStatsItem(user_id=user_id, day=ACTIVITY_TOTALS)
    for item in DailyStatsItem.query(user_id):
        if item.day == DECK_SUMMARY:
            mastered = item.mastered_cards.as_dict() if item.mastered_cards else {}
        elif item.day == ACTIVITY_TOTALS:
            totals = item
        elif today is None or item.day != today.isoformat():
            reviews += int(item.reviews)
            milliseconds += int(item.response_time_ms)
    if today is not None:
        live = progress_repository.count_day(user_id, today)
        reviews += int(live.reviews)
        milliseconds += int(live.response_time_ms)
    return {
        RequirementType.REVIEWS_COMPLETED: reviews,
        RequirementType.STUDY_MINUTES: milliseconds // 60_000,
        RequirementType.SENTENCES_MASTERED: int(mastered.get(SENTENCE_CARD, 0)),
        RequirementType.WORDS_MASTERED: int(mastered.get(WORD_CARD, 0)),
        RequirementType.STREAK_DAYS: longest_streak_days,
        RequirementType.SESSIONS_COMPLETED: int(totals.sessions_completed or 0),
        RequirementType.SENTENCES_ADDED: int(totals.sentences_added or 0),
        RequirementType.OCR_UPLOADS: int(totals.photos_processed or 0),
        RequirementType.SPEECH_UPLOADS: int(totals.recordings_processed or 0),
    }
