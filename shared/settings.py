"""One settings object for every function, read from the environment once and validated at cold start."""

from functools import cache

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.constants import Buckets, physical_name

LOCAL_STAGE = "local"


class Settings(BaseSettings):
    """Deployment settings. Names of tables derive from the stage; buckets and queues come from CDK outputs."""

    model_config = SettingsConfigDict(env_prefix="KOTOBA_", frozen=True, extra="ignore")

    stage: str = Field(default=LOCAL_STAGE, pattern=r"^[a-z][a-z0-9-]{1,20}$")
    region: str = Field(default="us-east-1", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))
    media_bucket: str = Field(default="", description="Bucket for uploads, TTS audio and exports.")
    ocr_queue_url: str = ""
    speech_queue_url: str = ""
    ses_sender: str = "no-reply@kotoba.local"
    cors_origins: list[str] = Field(default_factory=list)

    @property
    def is_local(self) -> bool:
        return self.stage == LOCAL_STAGE

    def table_name(self, logical: str) -> str:
        return physical_name(self.stage, logical)

    def media_bucket_name(self) -> str:
        """The configured bucket, or the local cloud's fixed name when running locally."""
        if self.media_bucket:
            return self.media_bucket
        if self.is_local:
            return physical_name(self.stage, Buckets.MEDIA)
        raise RuntimeError("KOTOBA_MEDIA_BUCKET is not set")


@cache
def get_settings() -> Settings:
    return Settings()
