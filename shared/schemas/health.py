from typing import Literal

from pydantic import BaseModel

ComponentState = Literal["ok", "unreachable"]


class HealthReport(BaseModel):
    status: Literal["ok"]
    stage: str
    tables: dict[str, ComponentState]
    buckets: dict[str, ComponentState]
