"""Everything a learner owns, table by table, for the data export."""

from typing import Any

from shared.dal.content import SentenceItem
from shared.dal.gamification import StudyStreakItem, UserAchievementItem
from shared.dal.jobs import BackgroundJobItem
from shared.dal.media import AudioRecordItem, OCRRecordItem
from shared.dal.progress import ProgressItem
from shared.dal.reviews import DECK_SUMMARY, DailyStatsItem, ReviewLogItem
from shared.dal.sessions import LearningSessionItem
from shared.observability import tracer


@tracer.capture_method
def user_records(user_id: str) -> dict[str, list[dict[str, Any]]]:
    """The user's items in each of their partitions as plain JSON values: one paginated Query per table (the
    sentences they wrote through the by_author index, their background jobs through by_user). The user record
    itself is not here: its public view, without the password hash, is the export's profile."""
    sections: dict[str, Any] = {
        "progress": ProgressItem.query(user_id),
        "review_logs": ReviewLogItem.query(user_id),
        "daily_stats": DailyStatsItem.query(user_id, DailyStatsItem.day < DECK_SUMMARY),  # the days, not the summary
        "learning_sessions": LearningSessionItem.query(user_id),
        "study_streaks": StudyStreakItem.query(user_id),
        "achievements": UserAchievementItem.query(user_id),
        "sentences_written": SentenceItem.by_author.query(user_id),
        "photos": OCRRecordItem.query(user_id),
        "recordings": AudioRecordItem.query(user_id),
        "jobs": BackgroundJobItem.by_user.query(user_id),
    }
    return {name: [item.to_simple_dict() for item in items] for name, items in sections.items()}
