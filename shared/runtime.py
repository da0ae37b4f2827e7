"""The one wrapper of every function's handler (`lambda_handler`), the start-up of a function's execution environment
that it runs, and the SnapStart runtime hooks of the API functions.

The wrapper is here rather than in shared/observability.py, whose logger, tracer and metrics it applies: start-up binds
the tables (shared/dal), and data access imports shared/observability, which must not import it back.
"""

from collections.abc import Callable
from datetime import datetime
from functools import cache, wraps
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.dal import key_store
from shared.dal.clients import reset_clients
from shared.dal.tables import bind_tables
from shared.observability import correlation_id_of, logger, metrics, tracer
from shared.settings import get_settings

Response = TypeVar("Response")
LambdaHandler = Callable[[dict[str, Any], LambdaContext], Response]
if TYPE_CHECKING:  # Powertools' data_classes package imports every event class: the API functions take none of them
    from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent

try:  # provided by Lambda's Python runtimes (3.12+) for SnapStart; not on PyPI, so absent locally and in tests
    from snapshot_restore_py import (  # type: ignore[import-not-found]
        register_after_restore as _register_after_restore,
    )
    from snapshot_restore_py import (
        register_before_snapshot as _register_before_snapshot,
    )
except ImportError:  # pragma: no cover - depends on where the code runs

    def _register_after_restore(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Outside Lambda there is no snapshot to restore: nothing to register with."""

    def _register_before_snapshot(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Outside Lambda no snapshot is taken: nothing to register with."""


@cache
def configure() -> None:
    """Validate settings and bind every table to this stage: once per execution environment (cold start).

    Called on the first invocation rather than at import, so that importing a handler reads no environment.
    """
    bind_tables(get_settings())


def lambda_handler(handler: LambdaHandler[Response]) -> LambdaHandler[Response]:
    """Every function's handler, wrapped once for all of them:

    - the logger's context, cleared per invocation: the Lambda context's fields, `cold_start`, and the event's
      correlation id (`observability.correlation_id_of`);
    - the tracer's subsegment of the invocation (X-Ray), with its response or error;
    - the metrics the invocation added, flushed at its end, and the ColdStart metric after the environment's first
      invocation that returns (Powertools counts one that raised as no start);
    - `configure()`, on the environment's first invocation.
    """

    @logger.inject_lambda_context(clear_state=True)
    @tracer.capture_lambda_handler
    @metrics.log_metrics(capture_cold_start_metric=True)
    @wraps(handler)
    def wrapped(event: dict[str, Any], context: LambdaContext) -> Response:
        logger.set_correlation_id(correlation_id_of(event))
        configure()
        return handler(event, context)

    return wrapped


def scheduled_time(event: "EventBridgeEvent") -> datetime:
    """The time an EventBridge schedule ran a function for (not the invocation time, which lags on retries): the
    scheduled functions do the work due by then."""
    return datetime.fromisoformat(event.time.replace("Z", "+00:00"))


def after_restore() -> None:
    """What must not outlive a SnapStart snapshot, run when an environment is restored from one.

    - Keys read through Powertools Parameters (JWT verification keys, signing key, cursor key) are cached with a
      `max_age` measured from when they were read: a snapshot could hand out keys read hours or days ago, past a
      rotation. Clearing the cache (and the missing-keys back-off) makes the first request read them again.
    - boto3 clients and the PynamoDB transaction connection hold pooled connections and credentials from the
      moment of the snapshot; dropping them builds fresh ones on first use.
    Randomness needs nothing: tokens, nonces and ids come from `secrets`, `os.urandom` and `uuid4`, which read the
    operating system's generator on every call (the `random` module is not used for anything secret).
    """
    key_store.clear_cache()
    reset_clients()


@cache
def register_snapstart_hooks() -> None:
    """Register `after_restore` with the runtime, once per process: every API handler module calls this."""
    _register_after_restore(after_restore)


def prime_before_snapshot(prime: Callable[[], None]) -> None:
    """Have the runtime run `prime` when it takes the snapshot (at publish, after init), so that what it prepares is
    in the snapshot: each restored environment then starts with it instead of doing it in its first request. A cold
    start without SnapStart never runs it. Whatever `prime` builds that must not outlive the snapshot (clients),
    `after_restore` drops."""
    _register_before_snapshot(prime)
