"""Achievements: the catalogue measured against the learner's own activity.

A check counts what the catalogue's requirements need (shared.dal.achievements_repository.activity_counts: reviews,
study minutes, mastered sentences and words, the longest streak, finished sessions, sentences added, photos and
recordings processed) and records every achievement whose count has reached its requirement, with the time of
the check. Checks run off the request path after each batch of reviews (the review aggregator), and when the
learner opens the list, which therefore always agrees with what is stored. Recording is conditional, so two
checks at once award an achievement once.
"""

from dataclasses import asdict, dataclass
from datetime import datetime

from shared.dal import achievements_repository, users_repository
from shared.dal.achievements_repository import Achievement, Award, Earned
from shared.enums import RequirementType
from shared.observability import logger, metrics
from shared.schemas.achievements import AchievementList, AchievementPublic
from shared.services.auth import Principal
from shared.services.calendar import local_day


def achievements_for(principal: Principal, now: datetime) -> AchievementList:
    user = principal.user
    today = local_day(now, user.timezone)
    counts = achievements_repository.activity_counts(user.id, user.longest_streak_days, today)
    earned, newly = _check(user.id, counts, now)
    catalog = achievements_repository.catalog()
    return AchievementList(
        items=[
            _public(achievement, counts, earned.get(achievement.achievement_id), newly)
            for achievement in catalog
            if not achievement.is_hidden or achievement.achievement_id in earned
        ],
        completed=sum(1 for achievement in catalog if achievement.achievement_id in earned),
        hidden_remaining=sum(1 for a in catalog if a.is_hidden and a.achievement_id not in earned),
        exp_earned=sum(a.exp_reward for a in catalog if a.achievement_id in earned),
    )


@dataclass(frozen=True)
class ReviewChecks:
    awarded: int  # achievements awarded
    reviews_completed: dict[str, int]  # each learner checked: their reviews in all, as counted for the check


def check_after_reviews(user_ids: set[str], now: datetime) -> ReviewChecks:
    """Check every learner of a batch of reviews (the review aggregator): one batch read of their streaks, then a
    check each.

    A check that fails is logged and counted, not raised: the counters are already written (each review once), and a
    missed award is recorded by the learner's next check anyway, with no need to redeliver the whole batch."""
    awarded, reviews = 0, {}
    for user_id, longest in users_repository.longest_streaks(user_ids).items():
        try:
            counts = achievements_repository.activity_counts(user_id, longest)
            reviews[user_id] = counts[RequirementType.REVIEWS_COMPLETED]
            awarded += len(_award(user_id, counts, now))
        except Exception:  # see the docstring: the next check heals a miss
            logger.exception("achievement check failed", extra={"user_id": user_id})
            metrics.add_metric(name="AchievementCheckFailed", unit="Count", value=1)
    return ReviewChecks(awarded=awarded, reviews_completed=reviews)


def check_achievements(user_id: str, longest_streak_days: int, now: datetime) -> list[str]:
    """Record what the learner has newly completed. The codes awarded."""
    return _award(user_id, achievements_repository.activity_counts(user_id, longest_streak_days), now)


def _award(user_id: str, counts: dict[RequirementType, int], now: datetime) -> list[str]:
    _, newly = _check(user_id, counts, now)
    by_id = {achievement.achievement_id: achievement.code for achievement in achievements_repository.catalog()}
    return [by_id[achievement_id] for achievement_id in newly]


def _check(user_id: str, counts: dict[RequirementType, int], now: datetime) -> tuple[dict[str, Earned], set[str]]:
    """What the user has earned (after recording what is newly complete) and which of it is new."""
    earned = achievements_repository.earned(user_id)
    due = [
        Award(
            achievement_id=achievement.achievement_id,
            progress=counts[achievement.requirement_type],
            required=achievement.requirement_value,
        )
        for achievement in achievements_repository.catalog()
        if achievement.achievement_id not in earned
        and counts[achievement.requirement_type] >= achievement.requirement_value
    ]
    if not due:
        return earned, set()
    awarded = achievements_repository.award(user_id, due, now)
    if not awarded:
        # A concurrent check won the race and recorded them with its own time: read them back
        return achievements_repository.earned(user_id), set()
    metrics.add_metric(name="AchievementsAwarded", unit="Count", value=len(awarded))
    logger.info("achievements awarded", extra={"user_id": user_id, "achievements": awarded})
    return {**earned, **{i: Earned(achievement_id=i, completion_date=now) for i in awarded}}, set(awarded)


def _public(
    achievement: Achievement, counts: dict[RequirementType, int], earned: Earned | None, newly: set[str]
) -> AchievementPublic:
    return AchievementPublic(
        **asdict(achievement),  # the catalogue's fields (achievement_id and is_hidden are not shown)
        id=achievement.achievement_id,
        current_progress=min(counts[achievement.requirement_type], achievement.requirement_value),
        is_completed=earned is not None,
        completion_date=earned.completion_date if earned else None,
        newly_completed=achievement.achievement_id in newly,
    )
