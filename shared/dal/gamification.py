"""Study streaks, the achievement catalogue and what each learner has earned."""

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from shared.dal.base import DateAttribute, EnumAttribute, TableMeta, TimestampedModel, new_id
from shared.enums import AchievementCategory

CATALOG_PARTITION = "catalog"


class StudyStreakItem(TimestampedModel):
    """One streak of a user; a user's streaks sort by start date, so the newest is the current one. Its length counts
    the days studied; its last day is the last that counted (studied, frozen or on vacation). What follows from its
    days (study minutes, days the goal was met, milestones, whether it is the longest or still alive) is read back,
    not stored: shared/services/streaks.py."""

    class Meta(TableMeta):
        table_name = "study_streaks"

    user_id = UnicodeAttribute(hash_key=True)
    start_date = DateAttribute(range_key=True)
    streak_id = UnicodeAttribute(default_for_new=new_id)

    end_date = DateAttribute(null=True)  # set when it ends
    streak_length_days = NumberAttribute(default=1)
    last_day = DateAttribute(null=True)  # absent on items older than it: then start_date + length - 1
    frozen_days = ListAttribute(of=UnicodeAttribute, null=True)  # ISO days a streak freeze covered
    is_active = BooleanAttribute(default=True)  # False once closed; an open one is alive only until a day is missed
    daily_goal_minutes = NumberAttribute()  # the learner's goal when the streak began


class AchievementsInOrderIndex(GlobalSecondaryIndex["AchievementItem"]):
    """The whole catalogue in display order: a few dozen items, read rarely and cached in the function."""

    class Meta:
        index_name = "in_order"
        projection = AllProjection()

    catalog = UnicodeAttribute(hash_key=True)
    sort_order = NumberAttribute(range_key=True)


class AchievementItem(TimestampedModel):
    class Meta(TableMeta):
        table_name = "achievements"

    achievement_id = UnicodeAttribute(hash_key=True, default_for_new=new_id)
    code = UnicodeAttribute()

    name = UnicodeAttribute()
    description = UnicodeAttribute()
    icon_url = UnicodeAttribute(null=True)
    category = EnumAttribute(AchievementCategory)

    requirement_type = UnicodeAttribute()
    requirement_value = NumberAttribute()
    requirement_description = UnicodeAttribute()

    exp_reward = NumberAttribute(default=0)
    badge_color = UnicodeAttribute(null=True)
    is_hidden = BooleanAttribute(default=False)

    is_active = BooleanAttribute(default=True)
    sort_order = NumberAttribute(default=0)
    catalog = UnicodeAttribute(default=CATALOG_PARTITION)

    in_order = AchievementsInOrderIndex()


class UserAchievementItem(TimestampedModel):
    class Meta(TableMeta):
        table_name = "user_achievements"

    user_id = UnicodeAttribute(hash_key=True)
    achievement_id = UnicodeAttribute(range_key=True)

    current_progress = NumberAttribute(default=0)
    required_progress = NumberAttribute()
    is_completed = BooleanAttribute(default=False)
    completion_date = UTCDateTimeAttribute(null=True)

    earned_from_session_id = UnicodeAttribute(null=True)
    celebration_shown = BooleanAttribute(default=False)
