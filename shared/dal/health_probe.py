"""Reachability of every table and bucket, for the admins' health check (`GET /admin/health`)."""

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException

from shared.dal.clients import aws_client
from shared.dal.tables import TABLE_MODELS, logical_name
from shared.observability import logger
from shared.schemas.health import ComponentState


def probe_tables() -> dict[str, ComponentState]:
    states: dict[str, ComponentState] = {}
    for model in TABLE_MODELS:
        name = logical_name(model)
        try:
            model.describe_table()
            states[name] = "ok"
        except PynamoDBException:
            logger.warning("table unreachable", extra={"table": name})
            states[name] = "unreachable"
    return states


def probe_bucket(bucket: str) -> ComponentState:
    try:
        aws_client("s3").head_bucket(Bucket=bucket)
    except (BotoCoreError, ClientError):
        logger.warning("bucket unreachable", extra={"bucket": bucket})
        return "unreachable"
    return "ok"
