"""The keys: the private JWT signing key, the list-cursor key and the e-mail link key in Secrets Manager, the
public JWT verification keys in SSM.

Reads go through Powertools Parameters, which caches them in the function for `max_age` seconds: one
Secrets Manager or SSM call per cold start (and per cache period), not per request. Its readers are built on the
clients of `shared.dal.clients` rather than on a default session of their own, so that these calls are made like
every other AWS call of the app (and, in the local cloud, signed as the function that makes them).
"""

import hashlib
import json
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.parameters import SecretsProvider, SSMProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from botocore.exceptions import ClientError

from shared.dal.clients import aws_client
from shared.errors import DependencyUnavailable
from shared.settings import get_settings

KEY_CACHE_SECONDS = 300  # a rotated key reaches warm functions within five minutes
MISSING_KEYS_RETRY_SECONDS = 10  # before the first rotation, look again this often (not on every request)
CURRENT = "AWSCURRENT"
PENDING = "AWSPENDING"
_missing_until = 0.0  # monotonic time until which a missing verification-keys parameter is not looked up again


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key_pem: str


@cache
def secrets_reader() -> SecretsProvider:
    """Powertools' Secrets Manager reader, with its cache of what it read, once per process."""
    return SecretsProvider(boto3_client=aws_client("secretsmanager"))


@cache
def parameters_reader() -> SSMProvider:
    """Powertools' SSM Parameter Store reader, with its cache of what it read, once per process."""
    return SSMProvider(boto3_client=aws_client("ssm"))


def signing_key() -> SigningKey:
    value: Any = secrets_reader().get(
        get_settings().signing_key_secret, transform="json", max_age=KEY_CACHE_SECONDS, VersionStage=CURRENT
    )
    if "kid" not in value:  # the placeholder CDK creates, until the first rotation puts a key in it
        raise DependencyUnavailable("signing in is not available yet; try again in a few minutes")
    return SigningKey(kid=value["kid"], private_key_pem=value["private_key_pem"])


def verification_keys() -> dict[str, str]:
    """Public keys by key id: the current key and the one before it, so tokens outlive a rotation.

    No parameter yet (the first rotation, which creates it, has not run) means no keys: every token is refused
    as unknown (401), not an error (500). The miss is remembered for `MISSING_KEYS_RETRY_SECONDS`."""
    global _missing_until
    if time.monotonic() < _missing_until:
        return {}
    name = get_settings().verification_keys_parameter
    try:
        value: Any = parameters_reader().get(name, transform="json", max_age=KEY_CACHE_SECONDS)
    except GetParameterError as error:
        if not _parameter_not_found(error):
            raise
        _missing_until = time.monotonic() + MISSING_KEYS_RETRY_SECONDS
        return {}
    return dict(value["keys"])


def _parameter_not_found(error: GetParameterError) -> bool:
    """Powertools wraps every failure in GetParameterError; the SSM error it wraps is the exception's context."""
    cause = error.__cause__ or error.__context__
    return isinstance(cause, ClientError) and cause.response.get("Error", {}).get("Code") == "ParameterNotFound"


def cursor_key() -> bytes:
    """The 256-bit AES key list cursors are sealed with, derived from the secret's random string."""
    return _generated_key(get_settings().cursor_key_secret)


def link_key() -> bytes:
    """The 256-bit HMAC key links in e-mails are signed with, derived from the secret's random string."""
    return _generated_key(get_settings().link_key_secret)


def _generated_key(secret_name: str) -> bytes:
    value: Any = secrets_reader().get(secret_name, max_age=KEY_CACHE_SECONDS)
    return hashlib.sha256(str(value).encode()).digest()


# The rotation function's side: Secrets Manager's four-step rotation protocol on the signing-key secret.


def secret_version(secret_id: str, stage: str) -> tuple[str, dict[str, Any]] | None:
    """(version id, value) of the version carrying `stage`, or None when there is none or it is no key."""
    client = aws_client("secretsmanager")
    try:
        response = client.get_secret_value(SecretId=secret_id, VersionStage=stage)
    except client.exceptions.ResourceNotFoundException:
        return None
    value = json.loads(response["SecretString"])
    return (response["VersionId"], value) if "kid" in value else None


def version_of_token(secret_id: str, token: str) -> dict[str, Any] | None:
    client = aws_client("secretsmanager")
    try:
        response = client.get_secret_value(SecretId=secret_id, VersionId=token)
    except client.exceptions.ResourceNotFoundException:
        return None
    value: dict[str, Any] = json.loads(response["SecretString"])
    return value if "kid" in value else None


def put_pending(secret_id: str, token: str, key: SigningKey) -> None:
    aws_client("secretsmanager").put_secret_value(
        SecretId=secret_id,
        ClientRequestToken=token,
        SecretString=json.dumps({"kid": key.kid, "private_key_pem": key.private_key_pem}),
        VersionStages=[PENDING],
    )


def publish_verification_keys(public_keys: dict[str, str]) -> None:
    """Create or overwrite the parameter: the rotation function is its only writer (no stack owns it)."""
    aws_client("ssm").put_parameter(
        Name=get_settings().verification_keys_parameter,
        Value=json.dumps({"keys": public_keys}),
        Type="String",
        Overwrite=True,
    )


def make_current(secret_id: str, token: str) -> None:
    """Move AWSCURRENT to the version `token` (from whichever version held it)."""
    client = aws_client("secretsmanager")
    versions = client.describe_secret(SecretId=secret_id)["VersionIdsToStages"]
    current = next((version for version, stages in versions.items() if CURRENT in stages), None)
    if current == token:
        return
    client.update_secret_version_stage(
        SecretId=secret_id,
        VersionStage=CURRENT,
        MoveToVersionId=token,
        **({"RemoveFromVersionId": current} if current else {}),
    )


def clear_cache() -> None:
    """Forget every key read (and the readers with their clients): the next read asks AWS again."""
    global _missing_until
    _missing_until = 0.0
    secrets_reader.cache_clear()
    parameters_reader.cache_clear()
