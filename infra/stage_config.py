"""What differs between stages, in one place: one frozen `StageConfig` per deployable stage, chosen by the `stage`
context (infra/app.py). Constructs read their sizes, limits, thresholds, retention and protection from it instead of
module constants, so that `dev` and `prod` differ only here.

Any other stage that the functions accept (`staging-2`, a developer's own) is built like `dev`.

Prod is sized for 1M learners x 100 reviews a day: about 1.2k requests/s on average and 5k at peak.
"""

from dataclasses import dataclass
from typing import Final

import aws_cdk as cdk
from aws_cdk import aws_logs as logs

PRODUCTION_STAGE: Final = "prod"


@dataclass(frozen=True)
class FunctionSize:
    """Memory and timeout of one kind of function."""

    memory_mb: int
    timeout_seconds: int

    @property
    def timeout(self) -> cdk.Duration:
        return cdk.Duration.seconds(self.timeout_seconds)


@dataclass(frozen=True)
class AlarmThresholds:
    """Counts per 5-minute period unless the name says otherwise (the alarms are built in monitoring.py)."""

    function_errors: int  # unhandled errors or timeouts of one function
    function_throttles: int  # invocations of one function refused for lack of concurrency
    # A count, not a rate: in dev one failed request in a quiet 5 minutes is already "100 %"; in prod 5 minutes hold
    # ~360k requests at the average rate, so the count is set far above noise (about 0.05 % of them).
    api_5xx: int
    api_latency_p95_ms: int
    table_throttles: int  # read + write throttle events of one table (and its indexes)
    mail_not_sent: int  # MailNotSent metrics emitted by shared/services/auth.py
    # ClaimedAccountConcurrency at or above this alarms: the account is close to its concurrency quota, after which
    # every function (the API first) is throttled.
    account_concurrency: int


@dataclass(frozen=True)
class WafSettings:
    """The web ACL in front of the REST API stage (infra/constructs/web_acl.py)."""

    # Requests per IP address per 5 minutes before the rate rule blocks it. Generous on purpose: mobile carriers put
    # many learners behind one CGNAT address, and one learner's study session makes a request every few seconds.
    requests_per_ip_per_5_minutes: int


@dataclass(frozen=True)
class StageConfig:
    name: str
    # Function sizes per kind. The upload workers' memory and timeout stay in shared/catalog.py (QueueSpec): their
    # queue's visibility timeout is derived from the timeout there.
    api_function: FunctionSize
    scheduled_function: FunctionSize
    rotation_function: FunctionSize
    stream_function: FunctionSize
    stream_image_function: FunctionSize
    # The REST API stage's throttling (steady requests/s, and the bucket a burst may drain).
    api_throttle_rate_rps: int
    api_throttle_burst: int
    alarms: AlarmThresholds
    log_retention: logs.RetentionDays
    # What happens to the log groups when their stack is deleted (or a group replaced).
    log_removal_policy: cdk.RemovalPolicy
    # DeletionProtectionEnabled on every table (their removal policy is RETAIN_ON_UPDATE_OR_DELETE on every stage,
    # see infra/constructs/tables.py; the buckets are retained on every stage too).
    table_deletion_protection: bool
    # The most instances of one upload worker its queue's event source mapping runs at once.
    worker_max_concurrency: int
    # Reserved concurrency of each upload worker (None: none). It caps the worker and sets that much of the account's
    # pool aside for it, so OCR and speech can never hold more than this of the pool the API draws from. None in dev:
    # a fresh account's quota is often 10, and Lambda refuses a reservation that leaves it under 100 unreserved.
    worker_reserved_concurrency: int | None
    waf: WafSettings | None  # None: no web ACL
    # Swagger UI, ReDoc and the OpenAPI document (shared.constants.DocsPaths), served by the function whose catalog
    # entry `serves_docs`: routed by API Gateway and turned on in that function's settings only where this is True.
    api_docs: bool

    def __post_init__(self) -> None:
        reserved = self.worker_reserved_concurrency
        if reserved is not None and reserved < self.worker_max_concurrency:
            raise ValueError(f"{self.name}: worker reserved concurrency {reserved} is under its mapping's maximum")
        if self.api_throttle_burst < self.api_throttle_rate_rps:
            raise ValueError(f"{self.name}: the API's burst is smaller than its rate")


DEV: Final = StageConfig(
    name="dev",
    # API Gateway gives up on an integration after 29 s; a function that stops at 15 s answers well before.
    api_function=FunctionSize(memory_mb=512, timeout_seconds=15),
    # A sweep may update a few hundred items (shared/services/jobs.py: MAX_JOBS_PER_RUN per status); a minute is
    # still far below the shortest schedule.
    # The scheduled checks go through every learner due in a run (in parallel, stopping 15 s before this): at scale
    # the hour a big time zone's day ends is a long run.
    scheduled_function=FunctionSize(memory_mb=512, timeout_seconds=300),
    rotation_function=FunctionSize(memory_mb=512, timeout_seconds=30),
    # A batch is a few hundred UpdateItems at most. Sixty seconds also leaves a cold start of the readings image (a
    # 1+ GB image, Open JTalk's dictionary loaded at import) inside the first invocation; that image gets 1024 MB
    # (the dictionary in memory, and Lambda scales CPU with memory; not measured: the image cannot be built here).
    stream_function=FunctionSize(memory_mb=512, timeout_seconds=60),
    stream_image_function=FunctionSize(memory_mb=1024, timeout_seconds=60),
    api_throttle_rate_rps=50,
    api_throttle_burst=100,
    alarms=AlarmThresholds(
        function_errors=1,
        function_throttles=1,
        api_5xx=5,
        api_latency_p95_ms=1000,
        table_throttles=1,
        mail_not_sent=1,
        account_concurrency=800,  # 80 % of Lambda's default quota of 1,000
    ),
    log_retention=logs.RetentionDays.TWO_WEEKS,
    log_removal_policy=cdk.RemovalPolicy.DESTROY,
    table_deletion_protection=False,
    worker_max_concurrency=5,
    worker_reserved_concurrency=None,
    waf=None,
    api_docs=True,  # for the app's developers
)

PROD: Final = StageConfig(
    name=PRODUCTION_STAGE,
    # More memory buys more CPU: shorter cold starts and p95 for the API at the same timeout.
    api_function=FunctionSize(memory_mb=1024, timeout_seconds=15),
    scheduled_function=DEV.scheduled_function,
    rotation_function=DEV.rotation_function,
    stream_function=FunctionSize(memory_mb=1024, timeout_seconds=60),
    stream_image_function=FunctionSize(memory_mb=2048, timeout_seconds=60),
    # 5k requests/s at peak for 1M learners x 100 reviews a day (1.2k/s on average). The account's regional API
    # Gateway quota (10k/s by default) must stay above the rate.
    api_throttle_rate_rps=5000,
    api_throttle_burst=10000,
    alarms=AlarmThresholds(
        function_errors=10,
        function_throttles=10,
        api_5xx=200,
        api_latency_p95_ms=1000,
        table_throttles=25,
        mail_not_sent=10,
        # 80 % of a 3,000 quota, which prod needs (the default 1,000 is too little at 5k requests/s): ask for it in
        # Service Quotas before the first prod deploy, and move this figure with the quota.
        account_concurrency=2400,
    ),
    log_retention=logs.RetentionDays.THREE_MONTHS,
    log_removal_policy=cdk.RemovalPolicy.RETAIN,
    table_deletion_protection=True,
    worker_max_concurrency=50,
    worker_reserved_concurrency=50,
    waf=WafSettings(requests_per_ip_per_5_minutes=3000),
    # Not routed, and off in the function: a public map of every operation helps an attacker more than a learner.
    api_docs=False,
)

STAGE_CONFIGS: Final = {config.name: config for config in (DEV, PROD)}


def stage_config(stage: str) -> StageConfig:
    """The configuration of `stage`: prod's own, and dev's for every other stage (built like dev)."""
    return STAGE_CONFIGS.get(stage, DEV)
