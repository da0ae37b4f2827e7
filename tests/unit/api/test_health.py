import boto3
from fastapi.testclient import TestClient

from shared.dal.tables import table_definitions
from shared.settings import get_settings
from tests.helpers import assert_error


def test_health_reports_every_table_and_the_bucket(client: TestClient) -> None:
    report = client.get("/api/v1/health").json()
    assert report["status"] == "ok"
    assert report["tables"] == {d.logical_name: "ok" for d in table_definitions()}
    assert report["buckets"] == {"media": "ok"}


def test_a_missing_table_makes_health_a_503_naming_it(client: TestClient) -> None:
    boto3.client("dynamodb", region_name="us-east-1").delete_table(TableName=get_settings().table_name("jobs"))
    error = assert_error(client.get("/api/v1/health"), 503, "dependency_unavailable")
    assert [d["field"] for d in error["details"]] == ["jobs"]
