"""boto3 clients, each built once per process on first use (endpoint and region come from the environment,
so the same code talks to AWS, the local cloud's emulator or moto's in-process mock)."""

from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from pynamodb.connection import Connection

from shared.settings import get_settings

_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=10)


@cache
def aws_client(service: str) -> Any:
    return boto3.client(service, region_name=get_settings().region, config=_CLIENT_CONFIG)


@cache
def transaction_connection() -> Connection:
    """The PynamoDB connection that TransactWrite and TransactGet need (models keep their own)."""
    return Connection(region=get_settings().region)


def reset_clients() -> None:
    """Forget cached clients (tests switch emulators between cases)."""
    aws_client.cache_clear()
    transaction_connection.cache_clear()
