"""What administrators send and read about accounts and the audit log."""

from datetime import date, datetime
from typing import Literal

from pydantic import Field, StrictBool, model_validator

from shared.enums import UserRole
from shared.schemas.common import ApiModel, PublicModel

AuditAction = Literal[
    "deactivate", "reactivate", "make_admin", "remove_admin", "approve_sentence", "reject_sentence", "edit_sentence",
    "delete_sentence", "withdraw_word", "restore_word",
]  # fmt: skip


class AccountUpdate(ApiModel):
    """An administrator's change of an account: give `is_active`, `role`, or both."""

    is_active: StrictBool | None = Field(
        default=None, description="false refuses the account at once (its tokens, its refresh, its login)."
    )
    role: UserRole | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> "AccountUpdate":
        if self.is_active is None and self.role is None:
            raise ValueError("give `is_active`, `role`, or both")
        return self


class AuditEntry(PublicModel):
    actor_id: str = Field(description="The administrator who acted.")
    action: AuditAction
    at: datetime


class PeriodFigures(PublicModel):
    active_learners: int = Field(description="Learners who answered at least one review in the period.")
    registrations: int
    reviews: int
    correct: int
    retention: float | None = Field(description="correct / reviews; absent without reviews.")
    sessions_finished: int
    uploads_processed: int = Field(description="Photos and recordings read.")
    uploads_failed: int = Field(description="Photos and recordings that ended FAILED.")
    accounts_deleted: int


class DayFigures(PeriodFigures):
    day: date


class ActiveLearners(PublicModel):
    period: str = Field(description="An ISO week (`2026-W48`) or a month (`2026-11`), in UTC.")
    active_learners: int


class ContentCounts(PublicModel):
    sentences: dict[str, dict[str, int]] = Field(
        description="Sentences by JLPT level (`n5`…`n1`, `unrated`), then by status (pending, active, rejected)."
    )
    vocabulary: dict[str, int] = Field(description="Words by JLPT level.")


class AnalyticsReport(PublicModel):
    first_day: date
    last_day: date
    totals: PeriodFigures = Field(description="The range's days added up (active learners: the sum of each day's).")
    days: list[DayFigures] = Field(description="Each UTC day of the range, oldest first.")
    weeks: list[ActiveLearners] = Field(description="Each ISO week the range touches, whole.")
    months: list[ActiveLearners] = Field(description="Each month the range touches, whole.")
    content: ContentCounts = Field(description="The content as it is now.")
