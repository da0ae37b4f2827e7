"""Powertools logger, tracer and metrics, importable from every layer (handlers, logic, data access), and the
correlation id that ties a function's log lines to what AWS knows the invocation's work by.

The objects are cheap to build and read their configuration (POWERTOOLS_* variables) lazily.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final

from aws_lambda_powertools import Logger, Metrics, Tracer

from shared.constants import METRICS_NAMESPACE, SERVICE_NAME

# What the functions reach the network through, traced as X-Ray subsegments: boto3 (botocore) and PynamoDB. The
# default, every library the X-Ray SDK can patch, imports each one that is installed at every cold start (sqlite3,
# http.client, requests, httpx...) for calls the functions never make.
TRACED_MODULES: Final = ("botocore", "pynamodb")

logger = Logger(service=SERVICE_NAME)
tracer = Tracer(service=SERVICE_NAME, patch_modules=TRACED_MODULES)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE_NAME)


def record_id(record: Mapping[str, Any]) -> str | None:
    """The id of one record of a batch: an SQS message's `messageId`, a DynamoDB stream record's `eventID`."""
    identifier = record.get("messageId", record.get("eventID"))
    return None if identifier is None else str(identifier)


def correlation_id_of(event: Mapping[str, Any]) -> str | None:
    """The id AWS gives the work an event carries, where it gives one, for every log line of the invocation:

    - API Gateway: the request id (`requestContext.requestId`), which API Gateway's own logs carry too;
    - EventBridge: the event id, as the schedule's rule delivered it;
    - Secrets Manager rotation: the rotation's token (`ClientRequestToken`), the same in each of its four steps;
    - SQS messages and DynamoDB stream records: the batch's first record's id (a retried batch starts there again);
      each record handled on its own logs its own id instead (`correlated_with`, shared/record_batches.py).
    """
    records = event.get("Records")
    if isinstance(records, list):
        return record_id(records[0]) if records else None
    request_context = event.get("requestContext")
    if isinstance(request_context, Mapping):
        identifier = request_context.get("requestId")
    elif "detail-type" in event:
        identifier = event.get("id")
    else:
        identifier = event.get("ClientRequestToken")
    return None if identifier is None else str(identifier)


@contextmanager
def correlated_with(correlation_id: str | None) -> Iterator[None]:
    """Log lines written inside carry `correlation_id`; the lines after carry the invocation's one again."""
    invocation_id = logger.get_correlation_id()
    logger.set_correlation_id(correlation_id)
    try:
        yield
    finally:
        logger.set_correlation_id(invocation_id)
