"""What administrators send and read about accounts and the audit log."""

from datetime import datetime
from typing import Literal

from pydantic import Field, StrictBool, model_validator

from shared.enums import UserRole
from shared.schemas.common import ApiModel, PublicModel

AuditAction = Literal[
    "deactivate", "reactivate", "make_admin", "remove_admin", "approve_sentence", "reject_sentence", "edit_sentence",
    "delete_sentence",
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
