"""Fixtures shared by every suite: an in-process AWS (moto) with the real tables and bucket."""

import os
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from moto import mock_aws

from localcloud import lsi_fetch, provision, s3_post_policy
from localcloud.emulator import serialize_in_process_moto
from shared.api.openapi import whole_api
from shared.dal import achievements_repository, key_store
from shared.dal.clients import reset_clients
from shared.dal.tables import bind_tables
from shared.observability import metrics
from shared.runtime import configure
from shared.services import sentence_readings
from shared.settings import get_settings

REGION = "us-east-1"
serialize_in_process_moto()


TEST_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "KOTOBA_STAGE": "test",
    "KOTOBA_MEDIA_BUCKET": "kotoba-test-media",
    "KOTOBA_TTS_ENGINE": "openjtalk",
    "KOTOBA_API_DOCS": "true",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "KotobaTest",
}


# What mock_aws puts in the environment's place while it runs (moto/core/models.py, MockAWS): what clients sign with.
MOTO_MOCK_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "FOOBARKEY", "AWS_SECRET_ACCESS_KEY": "FOOBARSECRET"}
# Access key id → secret key: what S3 (moto, in-process) checks presigned POSTs' signatures with.
SIGNING_SECRETS = {
    credentials["AWS_ACCESS_KEY_ID"]: credentials["AWS_SECRET_ACCESS_KEY"]
    for credentials in (TEST_ENVIRONMENT, MOTO_MOCK_CREDENTIALS)
}


def isolate_from_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test can reach a real AWS account: fake credentials, the test stage, no endpoint override."""
    for key in [k for k in os.environ if k.startswith("KOTOBA_")] + ["AWS_ENDPOINT_URL", "AWS_PROFILE"]:
        monkeypatch.delenv(key, raising=False)
    for key, value in TEST_ENVIRONMENT.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    configure.cache_clear()
    reset_clients()
    key_store.clear_cache()


def provision_emulated_aws() -> None:
    """Inside mock_aws: what the local cloud's code provisions from the definitions CDK deploys (every table,
    the bucket and its queues, the JWT signing key, the cursor and link keys and the e-mail sender)."""
    settings = get_settings()
    bind_tables(settings)
    provision.create_tables(settings)
    queues = provision.create_queues(settings)
    provision.create_media_bucket(settings, queues)
    provision.create_signing_key(settings)
    provision.create_generated_keys(settings)
    provision.verify_email_sender(settings)
    key_store.clear_cache()
    achievements_repository.catalog.cache_clear()  # a warm function's cache; each test has its own tables
    sentence_readings.linked_words.clear()  # the readings worker's, likewise


@pytest.fixture(autouse=True, scope="session")
def s3_checks_post_policies() -> Iterator[None]:
    """moto, in-process, stores a presigned POST only if S3 would, as the local cloud's emulator does."""
    s3_post_policy.apply(SIGNING_SECRETS)
    yield
    s3_post_policy.revert()


@pytest.fixture(autouse=True, scope="session")
def local_indexes_fetch_from_their_tables() -> Iterator[None]:
    """moto, in-process, answers a Query of a local secondary index as DynamoDB does, as the emulator does."""
    lsi_fetch.apply()
    yield
    lsi_fetch.revert()


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_from_aws(monkeypatch)


@pytest.fixture
def aws() -> Iterator[None]:
    """Moto in-process, provisioned as the local cloud is (`provision_emulated_aws`)."""
    # Metrics a service added when a test called it directly (no handler flushes them) would otherwise be published
    # by the next test's first handler call, as if that invocation had added them.
    metrics.clear_metrics()
    with mock_aws():
        provision_emulated_aws()
        yield
        reset_clients()
        key_store.clear_cache()


@pytest.fixture
def app(aws: None) -> FastAPI:
    return whole_api()


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)
