"""Liveness is public and calls nothing; the deep check (every table and the bucket) is for admins."""

import boto3
import pytest
from fastapi.testclient import TestClient

from shared.api.app import create_app
from shared.api.routers import health
from shared.dal import health_probe
from shared.dal.tables import table_definitions
from shared.services.accounts import ensure_admin
from shared.settings import get_settings
from tests.auth_helpers import Session, login, signed_up
from tests.helpers import assert_error


@pytest.fixture
def admin(client: TestClient) -> Session:
    ensure_admin("root@example.com", "root", "an admin's long password")
    return login(client, "root@example.com", "an admin's long password")


def test_liveness_is_public_says_only_ok_and_calls_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """No moto and probes that fail the test if called: the answer cannot depend on AWS."""

    # Given the table and bucket probes failing the test if called
    def no_calls(*_: object) -> None:
        raise AssertionError("liveness called AWS")

    monkeypatch.setattr(health_probe, "probe_tables", no_calls)
    monkeypatch.setattr(health_probe, "probe_bucket", no_calls)

    # When the liveness check is called without credentials
    response = TestClient(create_app(health.router)).get("/api/v1/health")

    # Then it answers 200 and only says ok
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_the_deep_check_needs_an_admin(client: TestClient) -> None:
    # When the deep check is called without a token, Then it is a 401
    assert_error(client.get("/api/v1/admin/health"), 401, "not_authenticated")

    # When a learner calls it, Then it is a 403
    learner = signed_up(client)
    assert_error(client.get("/api/v1/admin/health", headers=learner.headers), 403, "forbidden")


def test_the_deep_check_reports_every_table_and_the_bucket(client: TestClient, admin: Session) -> None:
    # When an admin calls the deep check
    report = client.get("/api/v1/admin/health", headers=admin.headers).json()

    # Then it reports ok for every designed table and the media bucket
    assert report["status"] == "ok"
    assert report["tables"] == {d.logical_name: "ok" for d in table_definitions()}
    assert report["buckets"] == {"media": "ok"}


def test_a_missing_table_makes_the_deep_check_a_503_naming_it(client: TestClient, admin: Session) -> None:
    # Given the jobs table deleted
    boto3.client("dynamodb", region_name="us-east-1").delete_table(TableName=get_settings().table_name("jobs"))

    # When an admin calls the deep check, Then it is a 503 naming the jobs table
    error = assert_error(client.get("/api/v1/admin/health", headers=admin.headers), 503, "dependency_unavailable")
    assert [d["field"] for d in error["details"]] == ["jobs"]
