"""Limits on the auth endpoints, per account and per client IP, as fixed-window counters in DynamoDB.

API Gateway's stage throttling protects the service as a whole; these protect each account from
password guessing and each mailbox from floods. Counters expire with DynamoDB TTL.
"""

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.dal import auth_repository
from shared.errors import RateLimited
from shared.observability import logger, metrics
from shared.services.tokens import digest

TTL_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class RateLimit:
    action: str
    scope: str  # "account" or "ip"
    limit: int
    window_seconds: int

    def window(self, now: datetime) -> tuple[int, int]:
        start = int(now.timestamp()) // self.window_seconds * self.window_seconds
        return start, start + self.window_seconds

    def key(self, client: str, now: datetime) -> str:
        # Accounts are keyed by a digest: the counter table never holds e-mail addresses.
        name = digest(client) if self.scope == "account" else client
        return f"{self.action}#{self.scope}#{name}#{self.window(now)[0]}"


LOGIN_PER_IP = RateLimit("login", "ip", limit=30, window_seconds=60)
LOGIN_FAILURES_PER_ACCOUNT = RateLimit("login-failure", "account", limit=5, window_seconds=60)
REGISTER_PER_IP = RateLimit("register", "ip", limit=10, window_seconds=3600)
REGISTER_PER_ACCOUNT = RateLimit("register", "account", limit=3, window_seconds=3600)  # mails to one address
FORGOT_PER_IP = RateLimit("forgot", "ip", limit=10, window_seconds=3600)
FORGOT_PER_ACCOUNT = RateLimit("forgot", "account", limit=3, window_seconds=3600)
RESET_PER_IP = RateLimit("reset", "ip", limit=10, window_seconds=900)
VERIFY_PER_IP = RateLimit("verify", "ip", limit=20, window_seconds=900)
RESEND_PER_ACCOUNT = RateLimit("resend-verification", "account", limit=3, window_seconds=3600)


@dataclass(frozen=True)
class Quota:
    """Where one limit stands for this caller: what the RateLimit-* response headers say."""

    limit: int
    remaining: int
    reset_seconds: int  # until the window ends
    window_seconds: int


class RequestQuotas:
    """The limits one request met; the API reports the one closest to refusing (the IETF draft's choice)."""

    def __init__(self) -> None:
        self.closest: Quota | None = None

    def met(self, quota: Quota) -> None:
        if self.closest is None or (quota.remaining, -quota.reset_seconds) < (
            self.closest.remaining,
            -self.closest.reset_seconds,
        ):
            self.closest = quota


# Set per request by the API (a mutable holder: routes run in a worker thread on a copy of the context).
_request_quotas: ContextVar[RequestQuotas | None] = ContextVar("request_quotas", default=None)


def track_quotas() -> RequestQuotas:
    """Start collecting the limits the current request meets."""
    quotas = RequestQuotas()
    _request_quotas.set(quotas)
    return quotas


def _report(rule: RateLimit, used: int, now: datetime) -> None:
    quotas = _request_quotas.get()
    if quotas is not None:
        quotas.met(Quota(rule.limit, max(0, rule.limit - used), _seconds_left(rule, now), rule.window_seconds))


def _seconds_left(rule: RateLimit, now: datetime) -> int:
    return max(1, rule.window(now)[1] - int(now.timestamp()))


def _refuse(rule: RateLimit, now: datetime) -> RateLimited:
    metrics.add_metric(name="RateLimited", unit="Count", value=1)
    logger.warning("rate limited", extra={"action": rule.action, "scope": rule.scope})
    return RateLimited("too many attempts; try again later", retry_after_seconds=_seconds_left(rule, now))


def hit(rule: RateLimit, client: str, now: datetime) -> None:
    """Count this attempt; refuse it when the window already holds `limit` attempts."""
    expires = datetime.fromtimestamp(rule.window(now)[1], tz=now.tzinfo) + TTL_MARGIN
    used = auth_repository.count_hit(rule.key(client, now), expires)
    _report(rule, used, now)
    if used > rule.limit:
        raise _refuse(rule, now)


def check(rule: RateLimit, client: str, now: datetime) -> None:
    """Refuse when the window is full, without counting (for limits that count failures only)."""
    used = auth_repository.hits(rule.key(client, now))
    _report(rule, used, now)
    if used >= rule.limit:
        raise _refuse(rule, now)


def record(rule: RateLimit, client: str, now: datetime) -> None:
    expires = datetime.fromtimestamp(rule.window(now)[1], tz=now.tzinfo) + TTL_MARGIN
    _report(rule, auth_repository.count_hit(rule.key(client, now), expires), now)
