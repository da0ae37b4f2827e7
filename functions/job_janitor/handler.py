"""The job_janitor function: an EventBridge schedule → fail or cancel background jobs that went stale."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.runtime import lambda_handler, scheduled_time
from shared.services.jobs import sweep_stale_jobs


@lambda_handler
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
    result = sweep_stale_jobs(now=scheduled_time(event))
    return {"failed": result.failed, "cancelled": result.cancelled, "requeued": result.requeued}
