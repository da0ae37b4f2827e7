from typing import Literal

from pydantic import BaseModel, Field

ComponentState = Literal["ok", "unreachable"]


class Liveness(BaseModel):
    """The function answers; nothing behind it was asked."""

    status: Literal["ok"]


class HealthReport(BaseModel):
    """Every table and bucket answered (any that does not makes the check a 503 naming it)."""

    status: Literal["ok"]
    stage: str
    tables: dict[str, ComponentState] = Field(description="Logical table name: its state.")
    buckets: dict[str, ComponentState] = Field(description="Logical bucket name: its state.")
