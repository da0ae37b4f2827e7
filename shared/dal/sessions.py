"""Learning sessions: a learner's study sittings with their metrics.

Read by id only (a session's reviews are counted from the review log's `by_time` index), so the table has no
secondary index: a "sessions newest first" index had no reader and cost a write unit on every start and finish."""

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from shared.dal.base import EnumAttribute, TableMeta, TimestampedModel, new_id, utcnow
from shared.enums import SessionType


class LearningSessionItem(TimestampedModel):
    class Meta(TableMeta):
        table_name = "learning_sessions"

    user_id = UnicodeAttribute(hash_key=True)
    session_id = UnicodeAttribute(range_key=True, default_for_new=new_id)

    session_type = EnumAttribute(SessionType)
    start_time = UTCDateTimeAttribute(default_for_new=utcnow)
    end_time = UTCDateTimeAttribute(null=True)
    duration_minutes = NumberAttribute(null=True)

    total_questions = NumberAttribute(default=0)
    correct_answers = NumberAttribute(default=0)
    accuracy_percentage = NumberAttribute(null=True)
    average_response_time = NumberAttribute(null=True)

    sentences_reviewed = ListAttribute(of=UnicodeAttribute, default=list)
    new_sentences_learned = NumberAttribute(default=0)
    sentences_mastered = NumberAttribute(default=0)

    response_time_total_ms = NumberAttribute(default=0)  # summed per answer; the average is taken at finish

    exp_gained = NumberAttribute(default=0)
    streak_maintained = BooleanAttribute(default=True)

    device_type = UnicodeAttribute(null=True)
    study_mode = UnicodeAttribute(null=True)
