"""The Lambda functions of the system and what each may touch: read by CDK (routes, IAM grants),
the local cloud and the benchmarks, so that the three never disagree."""

from dataclasses import dataclass
from typing import Final

from shared.constants import MediaPrefixes, Queues


@dataclass(frozen=True)
class ApiFunction:
    """A zip function serving some routers of the FastAPI app through Mangum."""

    name: str  # folder under functions/, module functions.<name>.handler
    route_prefixes: tuple[str, ...]  # path prefixes under /api/v1 that API Gateway sends to it
    reads: tuple[str, ...] = ()  # logical table names it only reads
    writes: tuple[str, ...] = ()  # logical table names it reads and writes
    media: tuple[str, ...] = ()  # key prefixes of the media bucket it may use
    # Prefixes (within `media`) under which it asks whether an object exists (HeadObject, media_storage.object_exists).
    # S3 answers a missing key with 404 only to a caller allowed s3:ListBucket, and with 403 to anyone else, so these
    # get ListBucket, limited to them by an s3:prefix condition.
    checks_objects_under: tuple[str, ...] = ()
    describes_all_tables: bool = False  # the health check describes every table and the bucket
    signs_tokens: bool = False  # reads the private JWT signing key (only the auth function mints tokens)
    sends_email: bool = False  # sends through SES from the configured sender
    synthesizes_speech: bool = False  # calls Amazon Polly (text to speech)
    pages_lists: bool = False  # seals and opens list cursors: reads the cursor-key secret
    # Serves the whole API's documentation (constants.DocsPaths) on stages that turn it on (infra/stage_config.py).
    serves_docs: bool = False
    # Every API function verifies access tokens: it reads the public verification keys (SSM parameter) and
    # the caller's user and session records (`AUTHENTICATION_READS`, within each entry's reads or writes).


# What verifying an access token reads: the user and the session, in one TransactGetItems.
AUTHENTICATION_READS: Final = ("users", "auth_sessions")

AUTH_API = ApiFunction(
    name="auth_api",
    route_prefixes=("/auth",),
    writes=("users", "unique_keys", "auth_sessions", "action_tokens", "rate_limits"),
    signs_tokens=True,
    sends_email=True,
)
STUDY_API = ApiFunction(
    name="study_api",
    route_prefixes=("/learning", "/progress", "/users"),
    # records and jobs: for the data export
    # daily_stats: the days written by the review aggregator, read here; a finished session and an added sentence
    # counted on the learner's totals here
    reads=("vocabulary", "achievements", "auth_sessions", "ocr_records", "audio_records", "jobs"),
    # admin_audit: an admin's edit or deletion of someone else's sentence goes through /learning, with its entry
    writes=(
        "users",
        "daily_stats",
        "admin_audit",
        "sentences",
        "progress",
        "learning_sessions",
        "study_streaks",
        "user_achievements",
        "review_logs",
        "idempotency",
    ),
    media=("exports/",),
    pages_lists=True,
)
MEDIA_API = ApiFunction(
    name="media_api",
    route_prefixes=("/ai",),
    reads=AUTHENTICATION_READS,
    writes=("audio_records", "ocr_records", "jobs", "sentences"),  # sentences: a sentence's audio_url
    media=("uploads/", MediaPrefixes.TTS_CACHE),
    checks_objects_under=(MediaPrefixes.TTS_CACHE,),  # the TTS cache: synthesize once, then link to what is stored
    synthesizes_speech=True,
    pages_lists=True,
)
ADMIN_API = ApiFunction(
    name="admin_api",
    route_prefixes=("/admin", "/health"),
    reads=(*AUTHENTICATION_READS, "jobs"),
    writes=("sentences", "users", "admin_audit"),  # users: an account's role and activation, with its audit entry
    describes_all_tables=True,
    pages_lists=True,
    serves_docs=True,  # like /health, a public page that touches no data
)

API_FUNCTIONS: Final = (AUTH_API, STUDY_API, MEDIA_API, ADMIN_API)


@dataclass(frozen=True)
class QueueSpec:
    """An SQS work queue with its dead-letter queue; uploads under `upload_prefix` are announced on it and
    consumed by `worker`, a container-image function (its models do not fit a zip)."""

    name: str  # logical name (constants.Queues)
    upload_prefix: str  # S3 ObjectCreated events under this key prefix of the media bucket feed the queue
    visibility_timeout_seconds: int  # six times the worker's timeout, as AWS advises for SQS event sources
    worker: str  # folder under functions/ and containers/
    worker_timeout_seconds: int
    worker_memory_mb: int
    writes: tuple[str, ...]
    # Deliveries before a message moves to the dead-letter queue: AWS advises 5 or more for a Lambda-consumed
    # queue, so that throttled receives do not dead-letter it; the job gives up after its own 3 tries first.
    max_receive_count: int = 5


QUEUES: Final = (
    QueueSpec(
        Queues.OCR,
        upload_prefix=MediaPrefixes.OCR_UPLOADS,
        visibility_timeout_seconds=360,
        worker="ocr_worker",
        worker_timeout_seconds=60,
        worker_memory_mb=2048,  # PaddleOCR peaks near 850 MB; more memory also buys more vCPU
        writes=("ocr_records", "jobs", "sentences", "daily_stats"),  # daily_stats: the learner's totals
    ),
    QueueSpec(
        Queues.SPEECH,
        upload_prefix=MediaPrefixes.SPEECH_UPLOADS,
        visibility_timeout_seconds=720,
        worker="speech_worker",
        worker_timeout_seconds=120,
        worker_memory_mb=2048,  # Whisper base int8 needs about 450 MB; vCPU scales with memory
        writes=("audio_records", "jobs", "daily_stats"),  # daily_stats: the learner's totals
    ),
)


@dataclass(frozen=True)
class ScheduledFunction:
    """A zip function EventBridge runs on a schedule; the local pump runs it every `every_seconds`."""

    name: str  # folder under functions/
    schedule: str  # EventBridge schedule expression
    every_seconds: int
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()


# It fails the photo or recording record of a job it closes, in the same transaction.
JOB_JANITOR = ScheduledFunction(
    name="job_janitor",
    schedule="rate(10 minutes)",
    every_seconds=600,
    writes=("jobs", "ocr_records", "audio_records"),
)

SCHEDULED_FUNCTIONS: Final = (JOB_JANITOR,)


@dataclass(frozen=True)
class RotationFunction:
    """The zip function Secrets Manager calls to rotate the JWT signing key (and publish its public half)."""

    name: str
    rotate_every_days: int


JWT_KEY_ROTATION = RotationFunction(name="jwt_key_rotation", rotate_every_days=90)


@dataclass(frozen=True)
class StreamConsumer:
    """A function fed by a table's DynamoDB stream (in AWS an event source mapping; locally the pump)."""

    name: str  # folder under functions/
    table: str  # logical table whose stream it reads
    batch_size: int
    container: bool = False  # built as a container image (containers/<name>/Dockerfile), not a zip
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()


REVIEW_AGGREGATOR = StreamConsumer(
    name="review_aggregator",
    table="review_logs",
    batch_size=500,
    # review_logs, progress: each learner's day recounted from its reviews, the deck from the mastery index;
    # achievements, daily_stats: what each learner of the batch has done, read from their totals;
    # idempotency: a marker per review counted
    reads=("users", "achievements", "review_logs", "progress"),
    writes=("sentences", "vocabulary", "user_achievements", "daily_stats", "idempotency"),
)
READINGS_WORKER = StreamConsumer(
    name="readings_worker", table="sentences", batch_size=25, container=True, writes=("sentences",)
)

STREAM_CONSUMERS: Final = (REVIEW_AGGREGATOR, READINGS_WORKER)
