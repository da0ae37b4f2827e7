"""Shapes every endpoint shares: the error body and paginated lists."""

from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field


def _iso_8601(value: Any) -> Any:
    """Only the text the schema states (`format: date-time`): pydantic alone also takes a number of seconds."""
    if not isinstance(value, str):
        raise ValueError("give a date and time as ISO 8601 text, with its offset")
    return datetime.fromisoformat(value)


# A moment as ISO 8601 text with its UTC offset (`2026-11-24T03:00:00Z`): no bare numbers, no local times.
Moment = Annotated[AwareDatetime, BeforeValidator(_iso_8601)]


class ApiModel(BaseModel):
    """Base of every API schema: unknown fields in a request are refused, not silently dropped."""

    # NaN and infinities parse from JSON in Python but fit no DynamoDB number: refused with the rest.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


class PublicModel(BaseModel):
    """Base of response schemas: built from stored items, which carry more attributes than they show."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)


class ErrorDetail(BaseModel):
    field: str | None = Field(default=None, description="Dotted path of the offending input, if any.")
    message: str
    type: str | None = None
    extra: dict[str, Any] | None = None


class ItemError(BaseModel):
    """Why one item of a batch was refused: the error body without the request id (the batch's is in its header)."""

    code: str = Field(description="Stable machine-readable error code, e.g. `not_found`.")
    message: str = Field(description="What went wrong, for people.")
    details: list[ErrorDetail] = Field(default_factory=list)


class ErrorBody(ItemError):
    request_id: str = Field(description="Quote it when reporting a problem; it is in every log line.")


class ErrorResponse(BaseModel):
    """The one body of every 4xx and 5xx response."""

    error: ErrorBody


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` to get the next page; absent on the last page."
    )
