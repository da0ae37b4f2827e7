"""Achievements as a learner sees them: the catalogue with their own progress and what they have earned."""

from datetime import datetime

from pydantic import Field

from shared.enums import AchievementCategory, RequirementType
from shared.schemas.common import PublicModel


class AchievementPublic(PublicModel):
    id: str
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
    current_progress: int = Field(description="The learner's count, at most requirement_value.")
    is_completed: bool
    completion_date: datetime | None
    newly_completed: bool = Field(description="Completed by this very check: the moment to celebrate it.")


class AchievementList(PublicModel):
    items: list[AchievementPublic] = Field(
        description="Every visible achievement in display order; a hidden one appears once earned."
    )
    completed: int
    hidden_remaining: int = Field(description="Hidden achievements not yet earned.")
    exp_earned: int = Field(description="The experience points of the completed achievements.")
