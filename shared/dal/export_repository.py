"""Everything a learner owns, table by table, for the data export."""

from typing import Any

from shared.dal.content import SentenceItem
from shared.dal.gamification import StudyStreakItem, UserAchievementItem
from shared.dal.jobs import BackgroundJobItem
from shared.dal.media import AudioRecordItem, OCRRecordItem
from shared.dal.progress import ProgressItem
from shared.dal.review_archive import archived_reviews
from shared.dal.reviews import DECK_SUMMARY, DailyStatsItem, ReviewLogItem
from shared.dal.sessions import LearningSessionItem
from shared.observability import tracer


@tracer.capture_method
def user_records(user_id: str) -> dict[str, list[dict[str, Any]]]:
    """The user's items in each of their partitions as plain JSON values: one paginated Query per table (the
    sentences they wrote through the by_author index, their background jobs through by_user). The user record
    itself is not here: its public view, without the password hash, is the export's profile. The review log is the
    table's reviews and, before them, the archive's (those older than 13 months, shared/dal/review_archive.py)."""
    sections: dict[str, Any] = {
        "progress": ProgressItem.query(user_id),
        "daily_stats": DailyStatsItem.query(user_id, DailyStatsItem.day < DECK_SUMMARY),  # the days, not the summary
        "learning_sessions": LearningSessionItem.query(user_id),
        "study_streaks": StudyStreakItem.query(user_id),
        "achievements": UserAchievementItem.query(user_id),
        "sentences_written": SentenceItem.by_author.query(user_id),
        "photos": OCRRecordItem.query(user_id),
        "recordings": AudioRecordItem.query(user_id),
        "jobs": BackgroundJobItem.by_user.query(user_id),
    }
    records = {name: [item.to_simple_dict() for item in items] for name, items in sections.items()}
    return {"progress": records.pop("progress"), "review_logs": review_history(user_id), **records}


def review_history(user_id: str) -> list[dict[str, Any]]:
    """Every review of the learner, oldest first, each once: a review the archiver is writing at this moment can be
    in the archive and still in the table (the table's copy is kept)."""
    by_id = {review["review_id"]: review for review in archived_reviews(user_id)}
    by_id |= {log.review_id: log.to_simple_dict() for log in ReviewLogItem.query(user_id)}
    return sorted(by_id.values(), key=lambda review: (review["reviewed_at"], review["review_id"]))
