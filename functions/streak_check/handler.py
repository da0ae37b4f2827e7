"""The streak_check function: an EventBridge schedule → end the day of the learners whose day just ended without
study (a streak freeze covers it, or the streak ends)."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.runtime import lambda_handler, scheduled_time
from shared.services.scheduled_checks import check_streaks


@lambda_handler
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
    run = check_streaks(now=scheduled_time(event), time_left_ms=context.get_remaining_time_in_millis)
    return {"learners": run.learners, "outcomes": run.outcomes}
