"""A learner's study streaks: the current one and the history, newest first."""

from datetime import date

from pydantic import Field

from shared.schemas.common import PublicModel


class StudyStreakPublic(PublicModel):
    id: str
    start_date: date = Field(description="The first day of the streak, in the learner's calendar.")
    end_date: date | None = Field(description="Its last day; absent while the streak can still go on.")
    streak_length_days: int
    is_active: bool = Field(description="True while studying today or tomorrow would extend it.")
    daily_goal_minutes: int = Field(description="The learner's daily goal when the streak started.")
    total_study_minutes: float = Field(description="Answering time over the streak's days.")
    total_reviews: int
    average_daily_minutes: float
    perfect_days: int = Field(description="Days on which the daily goal was met.")
    minimum_days: int = Field(description="Days studied, but short of the daily goal.")
    longest_streak: bool = Field(description="Whether this is (one of) the learner's longest streaks.")
    milestones_reached: list[int] = Field(description="Milestones (days) this streak has passed: 7, 30, 100, 365.")


class StreakHistory(PublicModel):
    current_streak_days: int = Field(description="0 once a whole day has passed without study.")
    longest_streak_days: int
    studied_today: bool
    items: list[StudyStreakPublic] = Field(description="Streaks, newest first.")
    next_cursor: str | None = Field(default=None, description="Pass as `cursor` to get older streaks.")
