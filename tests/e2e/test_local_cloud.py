"""The README's first command, end to end: the local cloud reports each step of its start and one ready block,
serves the API and docs with sample content and an admin account, stops cleanly on Ctrl-C, and keeps its data
between runs."""

import re
from pathlib import Path

import boto3
import pytest
import requests

from localcloud.__main__ import READY_LINE
from localcloud.progress import RULE
from shared.dal.tables import table_definitions
from tests.e2e.conftest import LocalCloud, get, start_local_cloud, tooling

pytestmark = pytest.mark.slow


STEP_TIME = re.compile(r" \(\d+\.\d s\)$")


@pytest.fixture(scope="module")
def local_cloud(module_local_cloud: LocalCloud) -> LocalCloud:
    """One local cloud for the tests that only read what it started with (the restart test starts its own)."""
    return module_local_cloud


def test_start_report_docs_health_and_sample_content(local_cloud: LocalCloud) -> None:
    # Given the local cloud started on free ports with a fresh data directory, When it says it is ready
    # Then its start-up report has each step once done, each model worker once its model is loaded, then the ready
    # block
    report = [STEP_TIME.sub("", line) for line in local_cloud.output if line.startswith("  ✓ ")]
    assert report[:4] == [
        f"  ✓ AWS emulator on 127.0.0.1:{local_cloud.emulator_url.rsplit(':', 1)[1]} (moto)",
        "  ✓ tables, queues, bucket, schedule, keys, e-mail sender",
        "  ✓ data: sample content, 89 sentences, 178 words, 19 achievements",
        "  ✓ admin account: created",
    ]
    assert report[4].startswith("  ✓ dictionary of the word gloss (JMdict, trimmed): ")  # where it is cached
    assert sorted(report[5:]) == [
        "  ✓ API (uvicorn, 2 processes): answering",
        "  ✓ ocr_worker: PaddleOCR 3.7.0 PP-OCRv5_mobile loaded",
        "  ✓ speech_worker: faster-whisper 1.2.1 (Whisper base, int8) loaded",
    ]
    block = local_cloud.output[local_cloud.output.index(RULE) :]
    assert [line.split(":", 1)[0] for line in block[1:7]] == [
        "API",
        "docs",
        "admin account",
        "e-mail",
        "emulator",
        "data",
    ]
    assert block[2] == f"docs:          {local_cloud.api_url}/docs   (ReDoc {local_cloud.api_url}/redoc)"
    assert block[8].startswith(f"{READY_LINE} after ")

    # When the docs, the health check and the catalogue are read, Then the docs and liveness answer, and the sample
    # content is there with its readings
    assert get(local_cloud, "/docs").status_code == 200
    assert get(local_cloud, "/api/v1/health").json() == {"status": "ok"}  # liveness: public, calls nothing

    pages = [get(local_cloud, "/api/v1/learning/sentences", jlpt_level=level, limit="100") for level in ("n5", "n4")]
    assert [page.status_code for page in pages] == [200, 200], [page.text for page in pages]
    n5, n4 = (page.json()["items"] for page in pages)
    assert len(n5) + len(n4) >= 50
    assert all(s["hiragana_reading"] and s["romaji_reading"] and s["english_translation"] for s in n5 + n4)
    assert get(local_cloud, "/api/v1/learning/vocabulary", jlpt_level="n5").json()["items"]

    # When the admin account it printed signs in and asks for the deep health check, Then every table and the bucket
    # answer
    admin_lines = [line for line in local_cloud.output if line.startswith("admin account:")]
    assert admin_lines and "admin@example.com / " in admin_lines[0]
    password = admin_lines[0].split(" / ", 1)[1]
    tokens = requests.post(
        f"{local_cloud.api_url}/api/v1/auth/login",
        json={"email": "admin@example.com", "password": password},
        timeout=10,
    ).json()
    health = requests.get(
        f"{local_cloud.api_url}/api/v1/admin/health",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    ).json()
    assert health["status"] == "ok"
    assert set(health["tables"]) == {d.logical_name for d in table_definitions()}
    assert health["buckets"] == {"media": "ok"}


def test_the_emulator_holds_the_queues_and_schedules(local_cloud: LocalCloud) -> None:
    # When its emulator is asked, with the local cloud's own key, for its queues and schedule rules
    session = tooling(local_cloud)
    queues = boto3.client("sqs", **session).list_queues()["QueueUrls"]
    rules = boto3.client("events", **session).list_rules()["Rules"]

    # Then each job queue is there with its dead-letter queue, and each scheduled function has its rule
    assert sorted(url.rsplit("/", 1)[1] for url in queues) == [
        "kotoba-local-account-jobs",
        "kotoba-local-account-jobs-dlq",
        "kotoba-local-fsrs-fits",
        "kotoba-local-fsrs-fits-dlq",
        "kotoba-local-ocr-jobs",
        "kotoba-local-ocr-jobs-dlq",
        "kotoba-local-speech-jobs",
        "kotoba-local-speech-jobs-dlq",
    ]
    assert sorted((r["Name"], r["ScheduleExpression"]) for r in rules) == [
        ("kotoba-local-job_janitor", "rate(10 minutes)"),
        ("kotoba-local-streak_check", "rate(15 minutes)"),
        ("kotoba-local-study_reminders", "rate(15 minutes)"),
    ]


def test_ctrl_c_stops_everything_and_data_survives_a_restart(tmp_path: Path) -> None:
    # Given a local cloud keeping its data in a directory, and an object written to its bucket
    data_dir = tmp_path / "kept"
    first = start_local_cloud(data_dir)
    s3 = boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url=first.emulator_url,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    s3.put_object(Bucket="kotoba-local-media", Key="exports/u1/export.json", Body=b'{"kept": true}')
    # When it is stopped with Ctrl-C and started again on the same directory
    assert first.stop() == 0
    second = start_local_cloud(data_dir)
    try:
        # Then the first exited cleanly; the second restored the tables and the object instead of loading the sample
        # content again
        assert any("kept from an earlier run" in line for line in second.output)
        assert not any("sample content" in line for line in second.output)
        assert f"  ✓ data: kept from an earlier run, restored from {data_dir}" in [
            STEP_TIME.sub("", line) for line in second.output
        ]
        assert len(get(second, "/api/v1/learning/sentences", limit="100").json()["items"]) >= 50
        s3 = boto3.client(
            "s3",
            region_name="us-east-1",
            endpoint_url=second.emulator_url,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        assert s3.get_object(Bucket="kotoba-local-media", Key="exports/u1/export.json")["Body"].read() == (
            b'{"kept": true}'
        )
    finally:
        assert second.stop() == 0
