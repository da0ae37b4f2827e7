"""One settings object for every function, read from the environment once and validated at cold start."""

from functools import cache
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.constants import (
    API_PREFIX,
    APP_NAME,
    Buckets,
    cursor_key_secret_name,
    link_key_secret_name,
    physical_name,
    signing_key_secret_name,
    verification_keys_parameter_name,
)

LOCAL_STAGE = "local"


class Settings(BaseSettings):
    """Deployment settings. Names of tables derive from the stage; buckets and queues come from CDK outputs."""

    model_config = SettingsConfigDict(env_prefix="KOTOBA_", frozen=True, extra="ignore")

    stage: str = Field(default=LOCAL_STAGE, pattern=r"^[a-z][a-z0-9-]{1,20}$")
    region: str = Field(default="us-east-1", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))
    media_bucket: str = Field(default="", description="Bucket for uploads, TTS audio and exports.")
    ses_sender: str = "no-reply@kotoba.local"
    app_link_base: str = Field(
        default="kotoba://", description="Start of the links in e-mails, opened by the mobile app."
    )
    public_api_url: str = Field(
        default=f"http://127.0.0.1:8000{API_PREFIX}",
        description="The API's public address, for links in e-mails that work without the app (unsubscribe).",
    )
    tts_engine: Literal["polly", "openjtalk"] = Field(
        default="polly", description="Amazon Polly in AWS; Open JTalk offline (the local cloud, tests)."
    )
    api_docs: bool = Field(
        default=False,
        description="Serve Swagger UI, ReDoc and the OpenAPI document: the local cloud and dev stages; never prod.",
    )
    jwt_audience: str = "kotoba-app"
    access_token_minutes: int = Field(default=15, ge=1, le=60)
    refresh_token_days: int = Field(default=30, ge=1, le=90)

    @property
    def is_local(self) -> bool:
        return self.stage == LOCAL_STAGE

    @property
    def jwt_issuer(self) -> str:
        return f"{APP_NAME}-{self.stage}"

    @property
    def signing_key_secret(self) -> str:
        return signing_key_secret_name(self.stage)

    @property
    def cursor_key_secret(self) -> str:
        return cursor_key_secret_name(self.stage)

    @property
    def link_key_secret(self) -> str:
        return link_key_secret_name(self.stage)

    @property
    def verification_keys_parameter(self) -> str:
        return verification_keys_parameter_name(self.stage)

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
