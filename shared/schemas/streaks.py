"""A learner's study streaks: the current one and the history, newest first."""

from datetime import date, datetime

from pydantic import Field, StrictBool

from shared.schemas.common import ApiModel, PublicModel


class StudyStreakPublic(PublicModel):
    id: str
    start_date: date = Field(description="The first day of the streak, in the learner's calendar.")
    end_date: date | None = Field(description="Its last day; absent while the streak can still go on.")
    streak_length_days: int
    is_active: bool = Field(description="True while studying today would extend it (or it is paused by a vacation).")
    daily_goal_minutes: int = Field(description="The learner's daily goal when the streak started.")
    total_study_minutes: float = Field(description="Answering time over the streak's days.")
    total_reviews: int
    average_daily_minutes: float
    perfect_days: int = Field(description="Days on which the daily goal was met.")
    minimum_days: int = Field(description="Days studied, but short of the daily goal.")
    missed_days: int = Field(description="Days missed that a streak freeze covered, so the streak went on.")
    frozen_days: list[date] = Field(description="Those days, oldest first.")
    longest_streak: bool = Field(description="Whether this is (one of) the learner's longest streaks.")
    milestones_reached: list[int] = Field(description="Milestones (days) this streak has passed: 7, 30, 100, 365.")


class StreakHistory(PublicModel):
    current_streak_days: int = Field(description="0 once a whole day has passed without study.")
    longest_streak_days: int
    studied_today: bool
    streak_freezes: int = Field(
        description="Streak freezes held: each covers one missed day. One is earned at every 7 days of a streak."
    )
    max_streak_freezes: int = Field(description="The most a learner can hold.")
    on_vacation: bool = Field(description="While on vacation the streak is paused and no reminder is sent.")
    items: list[StudyStreakPublic] = Field(description="Streaks, newest first.")
    next_cursor: str | None = Field(default=None, description="Pass as `cursor` to get older streaks.")


class VacationRequest(ApiModel):
    active: StrictBool = Field(description="true: go on vacation now; false: come back now.")


class VacationStatus(PublicModel):
    active: bool
    since: datetime | None = Field(description="When the vacation began; absent when not on vacation.")
    cards_moved: int = Field(
        description="On coming back: the cards that fell due during the vacation, each moved later by its length."
    )
