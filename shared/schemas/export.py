"""The data export: where to download everything the learner's account holds."""

from datetime import datetime

from pydantic import Field

from shared.schemas.common import PublicModel


class DataExport(PublicModel):
    url: str = Field(description="A short-lived link to the JSON document.")
    expires_at: datetime = Field(description="When the link stops working; ask for a new export after that.")
    size_bytes: int
    counts: dict[str, int] = Field(description="Items in each section of the document.")
