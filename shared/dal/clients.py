"""boto3 clients, each built once per process on first use (endpoint and region come from the environment,
so the same code talks to AWS, the local cloud's emulator or moto's in-process mock)."""

from functools import cache
from typing import Any

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.credentials import CredentialProvider
from pynamodb.connection import Connection
from pynamodb.connection import base as pynamodb_connection

from shared.settings import get_settings

_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=10)
# Signature Version 4 for S3 everywhere: botocore would sign presigned POSTs and links with version 2 in the regions
# older than 2014 (us-east-1 among them), which AWS has deprecated and buckets created since mid-2020 may refuse.
_SERVICE_CONFIG = {"s3": _CLIENT_CONFIG.merge(Config(signature_version="s3v4"))}
_SERVICE_DEFINITIONS = botocore.loaders.create_loader()  # caches what it has parsed
# Consulted before the environment by every session built here; None (always, in AWS) leaves botocore's own chain.
_credential_provider: CredentialProvider | None = None


def botocore_session() -> botocore.session.Session:
    """A new botocore session that reads botocore's service definitions through the process's one loader.

    PynamoDB makes a session per model class and thread (botocore sessions are not thread-safe), and each would
    parse the DynamoDB and endpoint definitions again, about 1 MB of JSON: 0.12-0.35 s on the first call to every
    table, in a Lambda's first request and in each of the local API's threads. With the shared loader it is ~7 ms."""
    session = botocore.session.get_session()
    session.register_component("data_loader", _SERVICE_DEFINITIONS)
    if _credential_provider is not None:
        session.get_component("credential_provider").insert_before("env", _credential_provider)
    return session


def use_credential_provider(provider: CredentialProvider | None) -> None:
    """Resolve credentials with `provider` first in every session built from now on (None: botocore's chain again).

    Only the local cloud calls this (localcloud/identity.py), so that each AWS call is signed as the function making
    it and its emulator can enforce that function's policy; in AWS nothing does, and a function signs with its role's
    credentials from the environment. Call it before the first AWS call of the process: PynamoDB models keep their
    connections (and sessions) until `bind_tables` renews them."""
    global _credential_provider
    _credential_provider = provider
    reset_clients()


pynamodb_connection.get_session = botocore_session  # type: ignore[attr-defined]  # PynamoDB offers no other way


@cache
def _boto3_session() -> boto3.session.Session:
    return boto3.session.Session(botocore_session=botocore_session())


@cache
def aws_client(service: str) -> Any:
    config = _SERVICE_CONFIG.get(service, _CLIENT_CONFIG)
    return _boto3_session().client(service, region_name=get_settings().region, config=config)


@cache
def transaction_connection() -> Connection:
    """The PynamoDB connection that TransactWrite and TransactGet need (models keep their own)."""
    return Connection(region=get_settings().region)


def reset_clients() -> None:
    """Forget cached clients (tests switch emulators between cases)."""
    aws_client.cache_clear()
    _boto3_session.cache_clear()
    transaction_connection.cache_clear()
