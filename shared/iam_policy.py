"""What each function's IAM role allows, as plain statements built from the catalog (`shared/catalog.py`).

CDK grants these actions with these conditions (infra/constructs), and the local cloud's emulator enforces the same
statements on every call a function makes (localcloud/iam): `tests/infra/test_role_statements.py` checks that each
role of the synthesized template holds exactly `role_statements` rendered for its stage, so the two cannot drift.

Pure Python, no aws_cdk: the emulator imports it. The statements are generic over the catalog's entries: a function
added to `API_FUNCTIONS`, `QUEUES`, `SCHEDULED_FUNCTIONS`, `STREAM_CONSUMERS` or `JOB_WORKERS` gets its role here,
and at the gate, without further code.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Final

from shared.catalog import (
    API_FUNCTIONS,
    JOB_WORKERS,
    JWT_KEY_ROTATION,
    QUEUES,
    SCHEDULED_FUNCTIONS,
    STREAM_CONSUMERS,
    ApiFunction,
    JobWorker,
    QueueSpec,
    RotationFunction,
    ScheduledFunction,
    StreamConsumer,
)
from shared.constants import (
    cursor_key_secret_name,
    dead_letter_queue_name,
    link_key_secret_name,
    physical_name,
    signing_key_secret_name,
    verification_keys_parameter_name,
)
from shared.dal.tables import table_definitions

DYNAMODB_READ_ACTIONS: Final = (
    "dynamodb:BatchGetItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:Query",
)
# Reads plus item writes (transactions are authorized per item with these); never Scan.
# The trade-off, accepted: grants are per table, as the catalog lists them (`reads`, `writes`), not per action a
# function happens to call. A writer gets every item write on its tables, so the review aggregator, which only
# calls UpdateItem on `sentences` and `vocabulary`, may also Put and Delete items there, and a bug or a compromise
# of it could. Exact per-action lists would be a second, hand-kept copy of each function's data access that the
# catalog cannot check. What stays exact: which tables, which indexes (by name, no `index/*`), and never Scan.
DYNAMODB_WRITE_ACTIONS: Final = (
    *DYNAMODB_READ_ACTIONS,
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
)
# What an event source mapping reads a DynamoDB stream with, granted on the consumer's own stream ARN only.
STREAM_READ_ACTIONS: Final = (
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
)
MEDIA_OBJECT_ACTIONS: Final = ("s3:DeleteObject", "s3:GetObject", "s3:PutObject")
MEDIA_READ_ACTIONS: Final = ("s3:GetObject",)  # the review archive, read back by the data export
# The review archiver merges removed reviews into their learner-month object: it reads and rewrites, never deletes.
MEDIA_REWRITE_ACTIONS: Final = ("s3:GetObject", "s3:PutObject")
# HeadBucket (the health check) and, for a missing key, the 404 of HeadObject are both authorized by ListBucket.
LIST_BUCKET_ACTIONS: Final = ("s3:ListBucket",)
UPLOAD_READ_ACTIONS: Final = ("s3:GetObject",)
# What the event source mapping receives, deletes and reads attributes with (AWS's AWSLambdaSQSQueueExecutionRole
# holds exactly these): granted on the worker's own queue only.
QUEUE_CONSUME_ACTIONS: Final = ("sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage")
# What CDK's `grant_send_messages` grants, which a Lambda destination or an event source's on-failure queue calls:
# Lambda sends what a function gave up on to its dead-letter queue with the function's role.
DEAD_LETTER_SEND_ACTIONS: Final = ("sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage")
# shared/dal/polly.py calls SynthesizeSpeech only: no lexicons, no asynchronous tasks (which would write to S3).
POLLY_ACTIONS: Final = ("polly:SynthesizeSpeech",)
# SES v1 SendEmail (shared/dal/mailer.py) and its raw variant. SES authorizes them against the identity of the sender
# (the address, or the verified domain that covers it) and, in the sandbox, against each recipient's identity.
SES_SEND_ACTIONS: Final = ("ses:SendEmail", "ses:SendRawEmail")
# The four steps of Secrets Manager's rotation protocol (shared/services/signing_keys.py): read the current and
# pending versions, put the pending one, describe the stages and move AWSCURRENT. No GetRandomPassword: the key
# is generated in the function.
ROTATION_SECRET_ACTIONS: Final = (
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
)
# setSecret creates or overwrites the verification-keys parameter (PutParameter, Overwrite), testSecret reads it back.
PUBLISH_KEYS_ACTIONS: Final = ("ssm:GetParameter", "ssm:PutParameter")
VERIFY_KEYS_ACTIONS: Final = ("ssm:GetParameter",)
SIGNING_KEY_READ_ACTIONS: Final = ("secretsmanager:GetSecretValue",)
# The list-cursor key and the e-mail link key (infra/constructs/generated_key.py): read, never written.
GENERATED_KEY_READ_ACTIONS: Final = ("secretsmanager:GetSecretValue",)
# Handing a job to a job worker (shared/dal/job_queue.py): the queue's URL from its name, and a message on it.
JOB_SEND_ACTIONS: Final = ("sqs:GetQueueUrl", "sqs:SendMessage")
# What CDK grants every function for its own log group (`LogGroup.grant_write`) and for active tracing.
LOG_WRITE_ACTIONS: Final = ("logs:CreateLogStream", "logs:PutLogEvents")
TRACE_WRITE_ACTIONS: Final = ("xray:PutTelemetryRecords", "xray:PutTraceSegments")

# An IAM Condition block: operator -> condition key -> one value or several (any of them matches).
ConditionBlock = Mapping[str, Mapping[str, str | Sequence[str]]]


def list_bucket_condition(prefixes: Iterable[str]) -> ConditionBlock:
    """ListBucket only for keys under `prefixes`: S3 sets s3:prefix to a listing's prefix, and to the key when it
    decides whether a missing object is a 404 or a 403."""
    return {"StringLike": {"s3:prefix": [f"{prefix}*" for prefix in prefixes]}}


def sender_condition(sender: str) -> ConditionBlock:
    """Mail only from the configured sender, whichever identity of the account covers it."""
    return {"StringEquals": {"ses:FromAddress": sender}}


def requested_region_condition(region: str) -> ConditionBlock:
    return {"StringEquals": {"aws:RequestedRegion": region}}


@dataclass(frozen=True)
class Statement:
    """One Allow statement of a role: every action on every resource (ARN patterns with `*` and `?`), when the
    condition block holds."""

    actions: tuple[str, ...]
    resources: tuple[str, ...]
    condition: ConditionBlock = field(default_factory=dict)


@dataclass(frozen=True)
class MailSender:
    """Who the app's e-mail comes from, and the SES identities that a send is authorized against."""

    sender: str  # the From address, pinned in IAM by ses:FromAddress
    domain: str | None = None  # a verified domain covering the sender, rather than the sender address alone
    sandbox_recipients: tuple[str, ...] = ()  # verified recipients, while the account is in the SES sandbox

    @property
    def identity(self) -> str:
        """The SES identity that covers the sender: its domain when one is given, else the address itself."""
        return self.domain or self.sender

    @property
    def identities(self) -> tuple[str, ...]:
        """Every identity a send may be authorized against: with a domain, SES may still authorize against the
        address's own identity (when the address is one too); in the sandbox, each recipient's."""
        return (self.identity, *((self.sender,) if self.domain else ()), *self.sandbox_recipients)


@dataclass(frozen=True)
class StageArns:
    """The ARNs of one stage's resources in one account and region, as IAM names them."""

    stage: str
    account: str
    region: str
    media_bucket: str  # CloudFormation names the bucket in AWS; the local cloud names it after the stage
    mail: MailSender
    partition: str = "aws"

    def _regional(self, service: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{self.account}:{resource}"

    def table(self, logical_name: str) -> str:
        return self._regional("dynamodb", f"table/{physical_name(self.stage, logical_name)}")

    def tables_with_indexes(self, logical_names: Iterable[str]) -> tuple[str, ...]:
        """Each table's ARN followed by the ARN of each of its indexes, by name: a Query on an index is authorized
        against the index ARN."""
        return tuple(
            arn
            for name in logical_names
            for arn in (self.table(name), *(f"{self.table(name)}/index/{index}" for index in _index_names()[name]))
        )

    def stream(self, logical_name: str) -> str:
        """The table's stream, whatever label DynamoDB gave it when the stream was enabled."""
        return f"{self.table(logical_name)}/stream/*"

    @property
    def bucket(self) -> str:
        return f"arn:{self.partition}:s3:::{self.media_bucket}"

    def objects_under(self, prefix: str) -> str:
        return f"{self.bucket}/{prefix}*"

    def queue(self, name: str) -> str:
        return self._regional("sqs", name)

    def secret(self, name: str) -> str:
        """Secrets Manager appends six random characters to a secret's ARN: `-??????` matches them, as IAM advises."""
        return self._regional("secretsmanager", f"secret:{name}-??????")

    def parameter(self, name: str) -> str:
        return self._regional("ssm", f"parameter/{name.removeprefix('/')}")

    def email_identity(self, identity: str) -> str:
        return self._regional("ses", f"identity/{identity}")

    def log_group(self, function_name: str) -> str:
        """CloudFormation names each function's log group; here it is named after the function."""
        return self._regional("logs", f"log-group:{physical_name(self.stage, function_name)}:*")


@cache
def _index_names() -> Mapping[str, tuple[str, ...]]:
    return {definition.logical_name: tuple(i.name for i in definition.indexes) for definition in table_definitions()}


def role_statements(arns: StageArns) -> dict[str, tuple[Statement, ...]]:
    """Every function of the catalog, by name, with the statements of its role in the stage of `arns`."""
    roles: list[tuple[str, tuple[Statement, ...]]] = [
        *((entry.name, api_function_statements(entry, arns)) for entry in API_FUNCTIONS),
        *((spec.worker, upload_worker_statements(spec, arns)) for spec in QUEUES),
        *((entry.name, scheduled_function_statements(entry, arns)) for entry in SCHEDULED_FUNCTIONS),
        *((entry.name, stream_consumer_statements(entry, arns)) for entry in STREAM_CONSUMERS),
        *((entry.name, job_worker_statements(entry, arns)) for entry in JOB_WORKERS),
        (JWT_KEY_ROTATION.name, key_rotation_statements(JWT_KEY_ROTATION, arns)),
    ]
    statements = dict(roles)
    if len(statements) != len(roles):
        raise ValueError(f"two catalog entries share a function name: {sorted(name for name, _ in roles)}")
    return statements


def api_function_statements(entry: ApiFunction, arns: StageArns) -> tuple[Statement, ...]:
    statements = [*_every_function(entry.name, arns), *_tables(arns, entry.reads, entry.writes)]
    if entry.describes_all_tables:
        statements.append(Statement(("dynamodb:DescribeTable",), tuple(arns.table(t) for t in _index_names())))
    statements += [Statement(MEDIA_OBJECT_ACTIONS, (arns.objects_under(prefix),)) for prefix in entry.media]
    statements += [Statement(MEDIA_READ_ACTIONS, (arns.objects_under(prefix),)) for prefix in entry.reads_media]
    if listed := (*entry.checks_objects_under, *entry.reads_media):
        statements.append(Statement(LIST_BUCKET_ACTIONS, (arns.bucket,), list_bucket_condition(listed)))
    if entry.describes_all_tables:  # HeadBucket carries no prefix
        statements.append(Statement(LIST_BUCKET_ACTIONS, (arns.bucket,)))
    statements.append(Statement(VERIFY_KEYS_ACTIONS, (arns.parameter(verification_keys_parameter_name(arns.stage)),)))
    if entry.signs_tokens:
        statements.append(Statement(SIGNING_KEY_READ_ACTIONS, (arns.secret(signing_key_secret_name(arns.stage)),)))
    if entry.pages_lists:
        statements.append(Statement(GENERATED_KEY_READ_ACTIONS, (arns.secret(cursor_key_secret_name(arns.stage)),)))
    statements += _email_links_and_jobs(entry.sends_email, entry.signs_links, entry.enqueues, arns)
    if entry.synthesizes_speech:  # Polly's voices have no ARN
        statements.append(Statement(POLLY_ACTIONS, ("*",), requested_region_condition(arns.region)))
    return tuple(statements)


def upload_worker_statements(spec: QueueSpec, arns: StageArns) -> tuple[Statement, ...]:
    return (
        *_every_function(spec.worker, arns),
        *_tables(arns, (), spec.writes),
        Statement(UPLOAD_READ_ACTIONS, (arns.objects_under(spec.upload_prefix),)),
        Statement(QUEUE_CONSUME_ACTIONS, (arns.queue(physical_name(arns.stage, spec.name)),)),
    )


def scheduled_function_statements(entry: ScheduledFunction, arns: StageArns) -> tuple[Statement, ...]:
    return (
        *_every_function(entry.name, arns),
        *_tables(arns, entry.reads, entry.writes),
        _sends_to_its_dead_letter_queue(entry.name, arns),
        *_email_links_and_jobs(entry.sends_email, entry.signs_links, entry.enqueues, arns),
    )


def job_worker_statements(entry: JobWorker, arns: StageArns) -> tuple[Statement, ...]:
    """Its queue (consumed, and sent to: the rest of a long job), its tables, its learners' objects and listings."""
    queue = arns.queue(physical_name(arns.stage, entry.queue))
    return (
        *_every_function(entry.name, arns),
        *_tables(arns, entry.reads, entry.writes),
        *(Statement(MEDIA_OBJECT_ACTIONS, (arns.objects_under(prefix),)) for prefix in entry.media),
        *((Statement(LIST_BUCKET_ACTIONS, (arns.bucket,), list_bucket_condition(entry.lists_media)),)
          if entry.lists_media else ()),
        Statement(QUEUE_CONSUME_ACTIONS, (queue,)),
        Statement(JOB_SEND_ACTIONS, (queue,)),
    )  # fmt: skip


def stream_consumer_statements(entry: StreamConsumer, arns: StageArns) -> tuple[Statement, ...]:
    return (
        *_every_function(entry.name, arns),
        *_tables(arns, entry.reads, entry.writes),
        Statement(STREAM_READ_ACTIONS, (arns.stream(entry.table),)),
        _sends_to_its_dead_letter_queue(entry.name, arns),
        *(Statement(MEDIA_REWRITE_ACTIONS, (arns.objects_under(prefix),)) for prefix in entry.rewrites_media),
        *((Statement(LIST_BUCKET_ACTIONS, (arns.bucket,), list_bucket_condition(entry.rewrites_media)),)
          if entry.rewrites_media else ()),
        *_email_links_and_jobs(False, False, entry.enqueues, arns),
    )  # fmt: skip


def key_rotation_statements(rotation: RotationFunction, arns: StageArns) -> tuple[Statement, ...]:
    return (
        *_every_function(rotation.name, arns),
        Statement(ROTATION_SECRET_ACTIONS, (arns.secret(signing_key_secret_name(arns.stage)),)),
        Statement(PUBLISH_KEYS_ACTIONS, (arns.parameter(verification_keys_parameter_name(arns.stage)),)),
    )


def _email_links_and_jobs(
    sends_email: bool, signs_links: bool, enqueues: Sequence[str], arns: StageArns
) -> list[Statement]:
    """SES from the sender; the link key; a message on each job queue it hands work to."""
    statements = []
    if sends_email:
        identities = tuple(arns.email_identity(identity) for identity in arns.mail.identities)
        statements.append(Statement(SES_SEND_ACTIONS, identities, sender_condition(arns.mail.sender)))
    if signs_links:
        statements.append(Statement(GENERATED_KEY_READ_ACTIONS, (arns.secret(link_key_secret_name(arns.stage)),)))
    statements += [Statement(JOB_SEND_ACTIONS, (arns.queue(physical_name(arns.stage, queue)),)) for queue in enqueues]
    return statements


def _every_function(name: str, arns: StageArns) -> tuple[Statement, ...]:
    """Its own log group, and X-Ray (whose actions take no resource but `*`)."""
    return Statement(TRACE_WRITE_ACTIONS, ("*",)), Statement(LOG_WRITE_ACTIONS, (arns.log_group(name),))


def _tables(arns: StageArns, reads: Sequence[str], writes: Sequence[str]) -> tuple[Statement, ...]:
    """Item reads on `reads`, reads and item writes on `writes`: each table and its indexes by name, no Scan."""
    return (
        *((Statement(DYNAMODB_READ_ACTIONS, arns.tables_with_indexes(reads)),) if reads else ()),
        *((Statement(DYNAMODB_WRITE_ACTIONS, arns.tables_with_indexes(writes)),) if writes else ()),
    )


def _sends_to_its_dead_letter_queue(name: str, arns: StageArns) -> Statement:
    return Statement(DEAD_LETTER_SEND_ACTIONS, (arns.queue(dead_letter_queue_name(arns.stage, name)),))
