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
    # Prefixes of the media bucket whose objects it only reads, and lists (s3:ListBucket with an s3:prefix condition):
    # the review archive, which the data export reads back.
    reads_media: tuple[str, ...] = ()
    describes_all_tables: bool = False  # the health check describes every table and the bucket
    signs_tokens: bool = False  # reads the private JWT signing key (only the auth function mints tokens)
    sends_email: bool = False  # sends through SES from the configured sender
    synthesizes_speech: bool = False  # calls Amazon Polly (text to speech)
    pages_lists: bool = False  # seals and opens list cursors: reads the cursor-key secret
    signs_links: bool = False  # signs or opens links in e-mails (a reminder's unsubscribe link): reads the link key
    enqueues: tuple[str, ...] = ()  # job queues (JOB_WORKERS) it hands work to: sqs:SendMessage on each
    # Serves the whole API's documentation (constants.DocsPaths) on stages that turn it on (infra/stage_config.py).
    serves_docs: bool = False
    # Every API function verifies access tokens: it reads the public verification keys (SSM parameter) and
    # the caller's user and session records (`AUTHENTICATION_READS`, within each entry's reads or writes).

    @property
    def aws_services(self) -> tuple[str, ...]:
        """The AWS services its code builds clients for (botocore's names): what its role lets it call."""
        wanted = {
            "dynamodb": True,
            "ssm": True,  # the verification keys
            "secretsmanager": self.signs_tokens or self.pages_lists or self.signs_links,
            # the health check asks for the bucket
            "s3": bool(self.media or self.reads_media) or self.describes_all_tables,
            "ses": self.sends_email,
            "polly": self.synthesizes_speech,
            "sqs": bool(self.enqueues),
        }
        return tuple(service for service, used in wanted.items() if used)


# What verifying an access token reads: the user and the session, in one TransactGetItems.
AUTHENTICATION_READS: Final = ("users", "auth_sessions")

AUTH_API = ApiFunction(
    name="auth_api",
    route_prefixes=("/auth",),
    writes=("users", "unique_keys", "auth_sessions", "action_tokens", "rate_limits", "analytics"),  # a sign-up counted
    signs_tokens=True,
    sends_email=True,
)
STUDY_API = ApiFunction(
    name="study_api",
    route_prefixes=("/learning", "/progress", "/users"),
    # records and jobs: for the data export
    # daily_stats: the days written by the review aggregator, read here; a finished session and an added sentence
    # counted on the learner's totals here
    reads=("achievements", "auth_sessions", "ocr_records", "audio_records"),
    # admin_audit: an admin's edit or deletion of someone else's sentence goes through /learning, with its entry
    # vocabulary: an admin adds a word through /learning (POST /learning/vocabulary)
    # jobs: a large export's and an account deletion's; analytics: a finished session counted; rate_limits: the
    # password asked again to delete the account counts failures like a login
    writes=(
        "users",
        "jobs",
        "analytics",
        "rate_limits",
        "vocabulary",
        "daily_stats",
        "admin_audit",
        "sentences",
        "progress",
        "learning_sessions",
        "study_streaks",
        "user_achievements",
        "review_logs",
    ),
    media=("exports/",),
    reads_media=(MediaPrefixes.REVIEW_ARCHIVE,),  # the reviews archived, in the data export
    pages_lists=True,
    signs_links=True,  # opens the unsubscribe link of a study reminder (/users/reminders/unsubscribe)
    enqueues=(Queues.ACCOUNT_JOBS, Queues.FSRS_FITS),  # a large data export, an account's deletion; a learner's fit
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
    reads=(*AUTHENTICATION_READS, "jobs", "analytics", "vocabulary"),  # analytics, vocabulary: GET /admin/analytics
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
        # daily_stats: the learner's totals; analytics: uploads processed and failed
        writes=("ocr_records", "jobs", "sentences", "daily_stats", "analytics"),
    ),
    QueueSpec(
        Queues.SPEECH,
        upload_prefix=MediaPrefixes.SPEECH_UPLOADS,
        visibility_timeout_seconds=720,
        worker="speech_worker",
        worker_timeout_seconds=120,
        worker_memory_mb=2048,  # Whisper base int8 needs about 450 MB; vCPU scales with memory
        writes=("audio_records", "jobs", "daily_stats", "analytics"),  # as the OCR worker's
    ),
)


@dataclass(frozen=True)
class JobWorker:
    """A zip function fed by an SQS queue of the background jobs an API function hands it (its dead-letter queue after
    `max_receive_count` receives): work too long for a request, each job recorded in the jobs table."""

    name: str  # folder under functions/
    queue: str  # logical queue name (constants.Queues)
    timeout_seconds: int
    memory_mb: int
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    media: tuple[str, ...] = ()  # key prefixes of the media bucket whose objects it reads, writes and deletes
    lists_media: tuple[str, ...] = ()  # prefixes (within `media`) it lists: s3:ListBucket with an s3:prefix condition
    max_receive_count: int = 3

    @property
    def visibility_timeout_seconds(self) -> int:
        return 6 * self.timeout_seconds  # as AWS advises for SQS event sources


# A learner's large data export (the document written to exports/, with the reviews of the review archive) and an
# account's deletion (every item of every table that holds the learner, their uploads, exports and archived reviews,
# their sentences unlinked or deleted).
LEARNER_MEDIA: Final = (
    MediaPrefixes.OCR_UPLOADS,
    MediaPrefixes.SPEECH_UPLOADS,
    MediaPrefixes.EXPORTS,
    MediaPrefixes.REVIEW_ARCHIVE,
)
ACCOUNT_JOBS = JobWorker(
    name="account_jobs",
    queue=Queues.ACCOUNT_JOBS,
    timeout_seconds=900,
    memory_mb=2048,  # the export document is built in memory
    writes=(
        "users",
        "unique_keys",
        "auth_sessions",
        "action_tokens",
        "progress",
        "review_logs",
        "daily_stats",
        "learning_sessions",
        "study_streaks",
        "user_achievements",
        "ocr_records",
        "audio_records",
        "admin_audit",
        "jobs",
        "sentences",
        "analytics",  # an account deleted, counted
    ),
    media=LEARNER_MEDIA,
    lists_media=LEARNER_MEDIA,
)

# A learner's FSRS parameters fitted to their whole review log (a paged Query of their partition), stored on their user
# item with the fit's figures. A fit takes well under a second; the recommended retention, seconds of simulation.
FSRS_FITS = JobWorker(
    name="fsrs_fit",
    queue=Queues.FSRS_FITS,
    timeout_seconds=120,
    memory_mb=1024,
    reads=("review_logs",),
    writes=("users", "jobs"),
)

JOB_WORKERS: Final = (ACCOUNT_JOBS, FSRS_FITS)


@dataclass(frozen=True)
class ScheduledFunction:
    """A zip function EventBridge runs on a schedule; the local pump runs it every `every_seconds`."""

    name: str  # folder under functions/
    schedule: str  # EventBridge schedule expression
    every_seconds: int
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    sends_email: bool = False  # sends through SES from the configured sender
    signs_links: bool = False  # signs links in its e-mails: reads the link key, and is told the API's public URL
    enqueues: tuple[str, ...] = ()  # job queues (JOB_WORKERS) it hands work to: sqs:SendMessage on each


# It fails the photo or recording record of a job it closes, in the same transaction, and hands stalled account
# jobs to their worker again.
JOB_JANITOR = ScheduledFunction(
    name="job_janitor",
    schedule="rate(10 minutes)",
    every_seconds=600,
    writes=("jobs", "ocr_records", "audio_records", "analytics"),  # analytics: an upload failed, counted
    enqueues=(Queues.ACCOUNT_JOBS,),
)

# The learners whose day just ended without study, from the users table's scheduled-checks index: a freeze covers
# the day or the streak ends, on the user and its streak item (study_streaks).
STREAK_CHECK = ScheduledFunction(
    name="streak_check",
    schedule="rate(15 minutes)",
    every_seconds=15,  # locally: a run with nobody due is a few queries
    writes=("users", "study_streaks"),
)
# The learners whose reminder time has come, from the same index: their due cards counted (progress), one e-mail.
STUDY_REMINDERS = ScheduledFunction(
    name="study_reminders",
    schedule="rate(15 minutes)",
    every_seconds=15,  # locally: a run with nobody due is a few queries
    reads=("progress",),
    writes=("users",),
    sends_email=True,
    signs_links=True,
)

SCHEDULED_FUNCTIONS: Final = (JOB_JANITOR, STREAK_CHECK, STUDY_REMINDERS)


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
    # Prefixes of the media bucket whose objects it reads and rewrites (GetObject, PutObject; never deletes), and
    # lists (s3:ListBucket with an s3:prefix condition), so that a missing object reads as 404, not 403.
    rewrites_media: tuple[str, ...] = ()
    enqueues: tuple[str, ...] = ()  # job queues (JOB_WORKERS) it hands work to: sqs:SendMessage on each


REVIEW_AGGREGATOR = StreamConsumer(
    name="review_aggregator",
    table="review_logs",
    batch_size=500,
    # review_logs, progress: each learner's day recounted from its reviews, the deck from the mastery index, and the
    # catalogue's sentences a learner started (sentences `by_status`, users: their place moved on past them);
    # achievements, daily_stats: what each learner of the batch has done, read from their totals;
    # idempotency: a marker per review counted
    reads=("achievements", "review_logs", "progress"),
    # analytics: reviews, correct answers and learners active per day, week and month
    # users, jobs: a learner's FSRS fit queued when they crossed FIT_EVERY_REVIEWS new reviews (services/scheduler.py)
    writes=("sentences", "vocabulary", "user_achievements", "daily_stats", "idempotency", "analytics", "users", "jobs"),
    enqueues=(Queues.FSRS_FITS,),
)
READINGS_WORKER = StreamConsumer(
    name="readings_worker",
    table="sentences",
    batch_size=25,
    container=True,
    writes=("sentences", "vocabulary"),  # vocabulary: the words of a gloss, found (by_lemma) or made from JMdict
)

# The reviews DynamoDB's TTL removes from the log, merged into the learner-month objects of the review archive.
REVIEW_ARCHIVER = StreamConsumer(
    name="review_archiver",
    table="review_logs",
    # Large batches, fewer objects rewritten: a learner's expired reviews of a month land in one write or a few.
    batch_size=1000,
    reads=("users",),  # a learner erased, or whose deletion was asked for, is not archived
    rewrites_media=(MediaPrefixes.REVIEW_ARCHIVE,),
)

STREAM_CONSUMERS: Final = (REVIEW_AGGREGATOR, READINGS_WORKER, REVIEW_ARCHIVER)
