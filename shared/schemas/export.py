"""The data export: where to download everything the learner's account holds."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from shared.enums import JobStatus
from shared.schemas.common import ApiModel, PublicModel


class DataExport(PublicModel):
    url: str = Field(description="A short-lived link to the JSON document.")
    expires_at: datetime = Field(description="When the link stops working; ask for a new export after that.")
    size_bytes: int
    counts: dict[str, int] = Field(description="Items in each section of the document.")


class ExportStarted(PublicModel):
    """A history too large to write within one request: a background job writes it."""

    job_id: str
    status: JobStatus
    status_url: str = Field(description="Ask here (GET) until `status` is `completed`: the answer then has the link.")


class ExportJob(PublicModel):
    job_id: str
    status: JobStatus
    created_at: datetime
    export: DataExport | None = Field(default=None, description="Once completed: a fresh short-lived link.")
    error: str | None = Field(default=None, description="Why it failed, when it did.")


class AccountDeletionRequest(ApiModel):
    password: str = Field(min_length=1, max_length=128, description="The account's password, asked again.")
    confirm: Literal["delete my account"] = Field(description="Exactly `delete my account`: no deletion by mistake.")
