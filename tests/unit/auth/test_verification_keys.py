"""The public verification keys have one owner, the rotation: it creates the parameter on the first rotation and
rewrites it on every later one; nothing else (no stack, no re-provisioning) writes it, and until it exists every
token is refused with a 401, never a 500."""

import json

import boto3
import pytest
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient
from jose import jwt

from localcloud import provision
from shared.dal import key_store
from shared.services import signing_keys
from shared.settings import get_settings
from tests.auth_helpers import Session, signed_up
from tests.helpers import assert_error

ME = "/api/v1/auth/me"
REGION = "us-east-1"


def _published() -> dict[str, str]:
    value = boto3.client("ssm", region_name=REGION).get_parameter(Name=get_settings().verification_keys_parameter)
    return dict(json.loads(value["Parameter"]["Value"])["keys"])


def _delete_parameter() -> None:
    boto3.client("ssm", region_name=REGION).delete_parameter(Name=get_settings().verification_keys_parameter)
    key_store.clear_cache()


def _kid(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


@pytest.fixture
def session(client: TestClient) -> Session:
    return signed_up(client)


def test_no_parameter_means_no_keys(aws: None) -> None:
    # Given no verification-keys parameter
    _delete_parameter()

    # When the keys are read, Then there are none
    assert key_store.verification_keys() == {}


def test_before_the_first_rotation_publishes_tokens_are_refused_with_401(client: TestClient, session: Session) -> None:
    """A fresh deploy: the API may be called before the rotation has created the parameter."""
    # Given a signed-up user and no verification-keys parameter yet
    _delete_parameter()

    # When they call the API with their token, Then it is a 401, not a 500
    assert_error(client.get(ME, headers=session.headers), 401, "not_authenticated")  # type: ignore[arg-type]


def test_any_other_failure_to_read_the_keys_is_not_taken_for_no_keys(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given reading the parameter refused with access denied, as Powertools reports it
    def refused(*_: object, **__: object) -> object:
        try:
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetParameter")
        except ClientError as error:
            raise GetParameterError(str(error))  # noqa: B904 - as Powertools wraps it: the context, no cause

    monkeypatch.setattr(key_store.parameters_reader(), "get", refused)

    # When the keys are read, Then the error surfaces instead of an empty key set
    with pytest.raises(GetParameterError):
        key_store.verification_keys()


def test_the_first_rotation_creates_the_parameter(aws: None) -> None:
    """What CloudFormation leaves after a first deploy: the secret with its placeholder, and no parameter."""
    # Given a new signing-key secret holding its placeholder, and no parameter
    _delete_parameter()
    secret = "first-deploy-signing-key"  # a secret of its own: no version carries a key yet
    boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name=secret, SecretString=json.dumps({"placeholder": "replaced by the first rotation"})
    )

    # When the first rotation runs
    signing_keys.rotate_now(secret)

    # Then the parameter publishes the current key, and the key store reads it
    current = key_store.secret_version(secret, key_store.CURRENT)
    assert current is not None
    assert set(_published()) == {current[1]["kid"]}
    key_store.clear_cache()
    assert current[1]["kid"] in key_store.verification_keys()


def test_a_rotation_after_the_parameter_was_lost_publishes_the_current_key_too(
    client: TestClient, session: Session
) -> None:
    """The way back for a stack that CloudFormation took the old parameter from: rotate once, and the tokens
    signed before still verify beside the new key."""
    # Given the parameter lost, so that a signed-up user's token is refused
    _delete_parameter()
    assert_error(client.get(ME, headers=session.headers), 401, "not_authenticated")  # type: ignore[arg-type]

    # When the signing key is rotated once
    signing_keys.rotate_now(get_settings().signing_key_secret)
    key_store.clear_cache()

    # Then the key of the token signed before is published again and the token works
    assert _kid(session.access_token) in _published()
    assert client.get(ME, headers=session.headers).status_code == 200


def test_provisioning_again_keeps_the_published_keys(client: TestClient, session: Session) -> None:
    """A redeploy re-creates what the stacks own; the keys are owned by the rotation and must survive it."""
    # Given the published keys, one of them signing a signed-up user's token
    before = _published()
    settings = get_settings()

    # When the local cloud is provisioned again
    provision.create_tables(settings)
    provision.create_signing_key(settings)
    provision.create_generated_keys(settings)
    key_store.clear_cache()

    # Then the published keys are unchanged and the token still works
    assert _published() == before
    assert _kid(session.access_token) in before
    assert client.get(ME, headers=session.headers).status_code == 200


def test_logging_in_before_the_first_rotation_is_a_503_not_a_500(client: TestClient, session: Session) -> None:
    """CDK creates the signing-key secret with a placeholder; the first rotation puts the key in it."""
    # Given the signing-key secret holding only its placeholder, as before the first rotation
    secrets = boto3.client("secretsmanager", region_name=REGION)
    name = get_settings().signing_key_secret
    secrets.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    secrets.create_secret(Name=name, SecretString='{"placeholder": "replaced by the first rotation"}')
    key_store.clear_cache()

    # When a user logs in, Then it is a 503 dependency error, not a 500
    response = client.post("/api/v1/auth/login", json={"email": session.email, "password": "kumo-to-ame-42"})
    assert_error(response, 503, "dependency_unavailable")
