"""Query and path parameters shared by several routers."""

import re
from datetime import date
from typing import Annotated

from fastapi import Path, Query
from pydantic import BeforeValidator
from starlette.convertors import Convertor, register_url_convertor

from shared.schemas.common import Moment

ID_PATTERN = r"^[0-9a-fA-F-]+$"
MAX_ID_LENGTH = 64


class IdConvertor(Convertor[str]):
    """`{name:id}` in a route path: the segment matches only if it could be one of our ids (hex and dashes).

    So a literal segment such as `upload` in `/ai/ocr/upload` never falls to `/ai/ocr/{record_id:id}`: a GET
    there is a 405 of the upload route, and an id that cannot exist is a 404. Length is left to validation.
    """

    regex = "[0-9a-fA-F-]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("id", IdConvertor())

PageSize = Annotated[int, Query(ge=1, le=100, description="Items per page.")]
Cursor = Annotated[
    str | None,
    Query(max_length=2048, description="`next_cursor` of the previous page; anything else is a 400."),
]
ItemId = Annotated[str, Path(min_length=1, max_length=MAX_ID_LENGTH, pattern=ID_PATTERN)]
UpdatedAfter = Annotated[
    Moment | None,
    Query(
        description="Only what changed after this moment (ISO 8601 with its offset, e.g. `2026-11-24T03:00:00Z`; "
        "`+` is `%2B` in a URL), oldest change first. Deleted items are included as tombstones where the list has "
        "them. Pass the largest `updated_at` seen, minus a minute: items are whole, so seeing one twice is harmless."
    ),
]


def _calendar_date(value: object) -> object:
    """Only `YYYY-MM-DD`: pydantic would also read a number (`0`) as a Unix time."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("a date as YYYY-MM-DD")
    return value


CalendarDate = Annotated[date, BeforeValidator(_calendar_date)]
