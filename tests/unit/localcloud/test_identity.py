"""Who signs: in the local cloud each AWS call of a function's code carries that function's access key id (boto3
clients, PynamoDB connections, presigned URLs), the local API attributes each request to the function of its route,
the pump to the function it invokes; outside a function, or where the local cloud never installs this (AWS, tests),
nothing changes."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from localcloud import provision, pump
from localcloud.api import UNROUTED, ActAsRoutedFunction, routed_function
from localcloud.identity import acting_as, acting_function, function_access_key, function_of, sign_as_acting_function
from shared.dal import clients, media_storage
from shared.dal.tables import bind_tables
from shared.dal.users import UserItem
from shared.runtime import configure
from shared.services import signing_keys
from shared.settings import get_settings


class _Sent(Exception):
    pass


def signing_key(aws: Any, call: Any) -> str:
    """The access key id of the request `call()` makes with the botocore client `aws`, captured before it leaves."""
    keys: list[str] = []

    def capture(request: Any, **_: Any) -> None:
        keys.append(request.headers["Authorization"].decode().split("Credential=", 1)[1].split("/", 1)[0])
        raise _Sent

    aws.meta.events.register("before-send", capture)
    try:
        with pytest.raises(_Sent):
            call()
    finally:
        aws.meta.events.unregister("before-send", capture)
    return keys[0]


@pytest.fixture
def signing_as_functions() -> Iterator[None]:
    """This process signs as the local cloud's processes do, until the test ends."""
    sign_as_acting_function()
    configure()  # binds the tables: their PynamoDB connections are built anew, with the provider
    yield
    clients.use_credential_provider(None)
    bind_tables(get_settings())  # connections without the provider for whatever runs next


def test_access_keys_name_their_function() -> None:
    # When a function's access key is made and read back, Then it names the function; the tooling key, an empty name
    # and an AWS key name none
    assert function_access_key("study_api") == "local-study_api"
    assert function_of("local-study_api") == "study_api"
    assert [function_of(key) for key in ("local", "local-", "AKIAEXAMPLE")] == [None, None, None]


@pytest.mark.usefixtures("signing_as_functions")
def test_a_boto3_client_signs_as_the_function_acting_and_as_tooling_outside_one() -> None:
    # Given the process's one S3 client, signing as the local cloud's processes do
    s3 = clients.aws_client("s3")

    def head() -> Any:
        return s3.head_object(Bucket="kotoba-test-media", Key="tts/a.wav")

    # When it sends a request while media_api acts, and another after
    with acting_as("media_api"):
        inside = signing_key(s3, head)
    outside = signing_key(s3, head)

    # Then the first is signed with media_api's key, the second with the tooling key
    assert (inside, outside) == ("local-media_api", "local")


@pytest.mark.usefixtures("signing_as_functions")
def test_pynamodb_models_and_transactions_sign_as_the_function_acting() -> None:
    # Given a model's PynamoDB connection and the one the transactions use
    connection = UserItem._get_connection().connection
    transactions = clients.transaction_connection()

    # When each sends a request while admin_api acts
    with acting_as("admin_api"):
        model = signing_key(connection.client, lambda: UserItem.get("u1"))
        transaction = signing_key(transactions.client, lambda: transactions.describe_table("t"))

    # Then both are signed with admin_api's key
    assert (model, transaction) == ("local-admin_api", "local-admin_api")


@pytest.mark.usefixtures("signing_as_functions")
def test_presigned_links_carry_the_signer_that_hands_them_out() -> None:
    # When media_api hands out a download link and an upload POST
    with acting_as("media_api"):
        download = media_storage.presigned_download("tts/a.wav")
        upload = media_storage.presigned_upload("uploads/ocr/u1/p.jpg", "image/jpeg", 10, now=datetime.now(UTC))

    # Then both carry media_api's key as their credential, so the emulator judges them by its role
    assert "X-Amz-Credential=local-media_api%2F" in download  # Signature Version 4 (shared/dal/clients.py)
    assert upload.fields["x-amz-credential"].startswith("local-media_api/")


def test_without_the_local_cloud_a_function_signs_with_the_environments_credentials() -> None:
    """In AWS (and in the other tests) nothing registers the provider: acting_as changes nothing there."""
    # Given no credential provider registered, as in AWS
    dynamodb = clients.aws_client("dynamodb")

    # When a request is sent while study_api acts
    with acting_as("study_api"):
        key = signing_key(dynamodb, lambda: dynamodb.describe_table(TableName="t"))

    # Then it is signed with the environment's key
    assert key == "testing"  # tests/conftest.py's AWS_ACCESS_KEY_ID


@pytest.mark.parametrize(
    ("path", "function"),
    [
        ("/api/v1/auth/login", "auth_api"),
        ("/api/v1/auth", "auth_api"),
        ("/api/v1/learning/sentences", "study_api"),
        ("/api/v1/progress/review", "study_api"),
        ("/api/v1/users/me/streaks", "study_api"),
        ("/api/v1/ai/tts/audio/ab.wav", "media_api"),
        ("/api/v1/admin/health", "admin_api"),
        ("/api/v1/health", "admin_api"),
        ("/api/v1/authors", UNROUTED),  # a prefix is a whole path segment
        ("/api/v1/openapi.json", UNROUTED),
        ("/docs", UNROUTED),
        ("/auth/login", UNROUTED),
    ],
)
def test_each_path_acts_as_the_function_api_gateway_routes_it_to(path: str, function: str) -> None:
    # When the local API looks up a request path, Then it acts as the function of its route prefix, or none
    assert routed_function(path) == function


def test_a_synchronous_endpoint_runs_as_the_function_of_its_route() -> None:
    """FastAPI runs a plain `def` endpoint in a thread pool: the function acting must reach that thread."""
    # Given an app with a plain `def` endpoint that answers which function acts, behind ActAsRoutedFunction
    app = FastAPI()

    @app.get("/api/v1/{path:path}")
    def whoami(path: str) -> dict[str, str | None]:
        return {"acting": acting_function()}

    app.add_middleware(ActAsRoutedFunction)
    client = TestClient(app)

    # When it is called on a study route and on a media route, Then each runs as its route's function
    assert client.get("/api/v1/progress/due").json() == {"acting": "study_api"}
    assert client.get("/api/v1/ai/ocr/upload").json() == {"acting": "media_api"}
    assert acting_function() is None  # and nothing stays behind


def test_the_pump_invokes_each_handler_as_its_function(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given handlers that answer which function acts and the name in their context
    monkeypatch.setattr(
        pump, "load_handler", lambda name: lambda event, context: (acting_function(), context.function_name)
    )

    # When the pump invokes the review aggregator, Then it runs as that function, and nothing acts afterwards
    assert pump.invoke("review_aggregator", {"Records": []}) == ("review_aggregator", "review_aggregator")
    assert acting_function() is None


def test_the_first_key_rotation_runs_as_the_rotation_function(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """In AWS, Secrets Manager invokes the rotation function for it: locally provisioning runs its code as it."""
    # Given the rotation recording which function acts when it runs
    rotated_as: list[str | None] = []
    monkeypatch.setattr(signing_keys, "rotate_now", lambda name: rotated_as.append(acting_function()))

    # When provisioning creates a signing-key secret that has no key yet
    provision.create_signing_key(get_settings().model_copy(update={"stage": "fresh"}))

    # Then the first rotation ran, once, as jwt_key_rotation
    assert rotated_as == ["jwt_key_rotation"]
