"""The jwt_key_rotation function: Secrets Manager's rotation of the JWT signing key, one step per call."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import SecretsManagerEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.observability import logger
from shared.runtime import lambda_handler
from shared.services.signing_keys import RotationStep, rotate


@lambda_handler
@event_source(data_class=SecretsManagerEvent)
def handler(event: SecretsManagerEvent, context: LambdaContext) -> dict[str, Any]:
    step = RotationStep(event.step)
    logger.info("rotation step", extra={"step": step.value})  # never the key itself
    rotate(step, event.secret_id, event.client_request_token)
    return {"step": step.value}
