"""Names that infra, the functions, the local cloud and the tests all share.

Only plain constants live here: importing this module reads no environment and builds no client.
"""

from typing import Final

APP_NAME: Final = "kotoba"
SERVICE_NAME: Final = "kotoba-api"
METRICS_NAMESPACE: Final = "Kotoba"
API_PREFIX: Final = "/api/v1"
API_TITLE: Final = "Kotoba API"  # the OpenAPI document's title and the docs pages'
LAMBDA_PYTHON_VERSION: Final = "3.12"


class Env:
    """Environment variable keys read by `shared.settings.Settings` (prefix `KOTOBA_`)."""

    STAGE: Final = "KOTOBA_STAGE"
    MEDIA_BUCKET: Final = "KOTOBA_MEDIA_BUCKET"
    SES_SENDER: Final = "KOTOBA_SES_SENDER"
    TTS_ENGINE: Final = "KOTOBA_TTS_ENGINE"
    PUBLIC_API_URL: Final = "KOTOBA_PUBLIC_API_URL"  # where links in e-mails reach the API (unsubscribe)
    WHISPER_MODEL_DIR: Final = "KOTOBA_WHISPER_MODEL_DIR"  # a prepared model directory (the speech image sets it)
    VOCABULARY_DICTIONARY: Final = "KOTOBA_VOCABULARY_DICTIONARY"  # trimmed JMdict (the readings image sets it)
    API_DOCS: Final = "KOTOBA_API_DOCS"  # "true": serve the documentation pages and the OpenAPI document


class DocsPaths:
    """Where the API's documentation is served, when the settings turn it on (`Settings.api_docs`). The pages sit at
    the root, beside `API_PREFIX`, so that the URLs inside them can be relative (shared/api/docs.py); API Gateway
    routes these paths to the function whose catalog entry `serves_docs`."""

    SWAGGER_UI: Final = "/docs"
    REDOC: Final = "/redoc"
    ASSETS: Final = "/docs/assets"  # the pages' scripts and styles, e.g. /docs/assets/swagger-ui.css
    OPENAPI: Final = f"{API_PREFIX}/openapi.json"


class Buckets:
    """Logical bucket names. In AWS CloudFormation names the bucket; the function gets it by env var."""

    MEDIA: Final = "media"


class Queues:
    """Logical queue names; each has a dead-letter queue named `<name>-dlq`."""

    OCR: Final = "ocr-jobs"
    SPEECH: Final = "speech-jobs"
    ACCOUNT_JOBS: Final = "account-jobs"
    FSRS_FITS: Final = "fsrs-fits"


class MediaPrefixes:
    """Key prefixes inside the media bucket; uploads sit under `<prefix><user_id>/`."""

    OCR_UPLOADS: Final = "uploads/ocr/"
    SPEECH_UPLOADS: Final = "uploads/speech/"
    TTS_CACHE: Final = "tts/"
    EXPORTS: Final = "exports/"
    # The review log's archive: what DynamoDB's TTL removed from review_logs, one object per learner and month
    # (shared/dal/review_archive.py).
    REVIEW_ARCHIVE: Final = "review-archive/"


def physical_name(stage: str, logical: str) -> str:
    """The deployed name of a table, queue or schedule: one app, one stage, one logical name."""
    return f"{APP_NAME}-{stage}-{logical}"


def dead_letter_queue_name(stage: str, logical_queue: str) -> str:
    return f"{physical_name(stage, logical_queue)}-dlq"


def signing_key_secret_name(stage: str) -> str:
    """The Secrets Manager secret holding the private JWT signing key: only the auth function reads it."""
    return physical_name(stage, "jwt-signing-key")


def cursor_key_secret_name(stage: str) -> str:
    """The Secrets Manager secret that list cursors are sealed with: read by the API functions that page lists."""
    return physical_name(stage, "cursor-key")


def link_key_secret_name(stage: str) -> str:
    """The Secrets Manager secret that links in e-mails are signed with (a reminder's unsubscribe link): read by the
    function that sends them and the API function that opens them."""
    return physical_name(stage, "link-key")


def verification_keys_parameter_name(stage: str) -> str:
    """The SSM parameter holding the public keys (by key id) that every function verifies tokens with."""
    return f"/{APP_NAME}/{stage}/jwt-verification-keys"
