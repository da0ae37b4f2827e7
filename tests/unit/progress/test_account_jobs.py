"""Account jobs: a large data export written by the worker, and an account's deletion, which leaves nothing of the
learner in any table or in the bucket."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from fastapi.testclient import TestClient

from functions.account_jobs.handler import handler as account_jobs_worker
from functions.job_janitor.handler import handler as janitor
from localcloud.pump import scheduled_event, sqs_event
from shared.catalog import ACCOUNT_JOBS
from shared.constants import Queues, physical_name
from shared.dal.content import SentenceItem
from shared.dal.jobs import BackgroundJobItem
from shared.dal.tables import TABLE_MODELS
from shared.dal.users import UserItem
from shared.enums import JobStatus, ModerationStatus
from shared.services import account_jobs, export
from shared.settings import get_settings
from tests.auth_helpers import PASSWORD, Session, login, sent_emails, signed_up
from tests.helpers import FakeLambdaContext, aggregate_reviews, assert_error
from tests.unit.progress.conftest import answer

DELETE = {"password": PASSWORD, "confirm": "delete my account"}


def queued_jobs() -> list[dict[str, Any]]:
    """The messages waiting in the account-jobs queue (received, so a later call sees only newer ones)."""
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=physical_name(get_settings().stage, Queues.ACCOUNT_JOBS))["QueueUrl"]
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])


def run_worker(remaining_ms: int = 600_000) -> dict[str, Any]:
    """Hand the queued messages to the worker as Lambda would."""
    messages = queued_jobs()
    assert messages, "no account job was queued"
    arn = "arn:aws:sqs:us-east-1:123456789012:kotoba-test-account-jobs"
    return account_jobs_worker(sqs_event(arn, messages), FakeLambdaContext(remaining_ms=remaining_ms))  # type: ignore[no-any-return]


def study_a_little(client: TestClient, who: Session) -> None:
    session = client.post("/api/v1/progress/sessions", headers=who.headers, json={}).json()
    card = client.get("/api/v1/progress/due", headers=who.headers).json()["new"][0]["sentence"]["id"]
    assert answer(client, who, card, session_id=session["id"]).status_code == 200
    aggregate_reviews()
    client.post(f"/api/v1/progress/sessions/{session['id']}/finish", headers=who.headers)
    client.get("/api/v1/users/me/achievements", headers=who.headers)


def test_a_large_history_is_exported_by_a_job_whose_status_gives_the_link(
    client: TestClient, learner: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a learner whose history counts as large (the bound lowered to what they have)
    study_a_little(client, learner)
    monkeypatch.setattr(export, "LARGE_HISTORY_REVIEWS", 0)

    # When they ask for their export
    started = client.get("/api/v1/users/me/export", headers=learner.headers)

    # Then it is a job, pending, to follow at its status URL
    assert started.status_code == 202, started.text
    job = started.json()
    assert (job["status"], job["status_url"]) == ("pending", f"/api/v1/users/me/export/{job['job_id']}")
    assert client.get(job["status_url"], headers=learner.headers).json()["export"] is None

    # And once the worker has run it, the status has a link to the whole document
    assert run_worker() == {"batchItemFailures": []}
    done = client.get(job["status_url"], headers=learner.headers).json()
    assert (done["status"], done["error"]) == ("completed", None)
    bucket = get_settings().media_bucket_name()
    key = urlparse(done["export"]["url"]).path.lstrip("/").removeprefix(f"{bucket}/")
    document = json.loads(boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())
    assert (document["profile"]["id"], len(document["review_logs"])) == (learner.user_id, 1)
    assert done["export"]["counts"]["review_logs"] == 1

    # And nobody else can follow it
    other = signed_up(client, "ben@example.com", "ben")
    assert_error(client.get(job["status_url"], headers=other.headers), 404, "not_found")


def everything_stored() -> str:
    """Every item of every table and every key of the bucket, as one text to search (a test may Scan)."""
    items = [json.dumps(item.attribute_values, default=str) for model in TABLE_MODELS for item in model.scan()]
    objects = boto3.client("s3").list_objects_v2(Bucket=get_settings().media_bucket_name()).get("Contents", [])
    return "\n".join(items + [item["Key"] for item in objects])


def test_deleting_an_account_leaves_nothing_of_the_learner_in_any_table_or_the_bucket(
    client: TestClient, learner: Session
) -> None:
    # Given a learner who studied, wrote a sentence that was approved and one still pending, uploaded a photo,
    # exported their data, asked for a password reset and signed in on a second device
    study_a_little(client, learner)
    for text in ("猫が好きです。", "犬も好きです。"):
        client.post(
            "/api/v1/learning/sentences",
            headers=learner.headers,
            json={"japanese_text": text, "english_translation": "I like animals."},
        )
    approved = next(s for s in SentenceItem.by_author.query(learner.user_id) if s.japanese_text == "猫が好きです。")
    SentenceItem.get(approved.sentence_id).update(actions=[SentenceItem.status.set(ModerationStatus.ACTIVE)])
    photo = client.post("/api/v1/ai/ocr/upload", headers=learner.headers, json={"content_type": "image/png"}).json()
    boto3.client("s3").put_object(Bucket=get_settings().media_bucket_name(), Key=photo["upload"]["key"], Body=b"x")
    assert client.get("/api/v1/users/me/export", headers=learner.headers).status_code == 200
    client.post("/api/v1/auth/forgot-password", json={"email": learner.email})
    second_device = login(client, learner.email)
    assert learner.user_id in everything_stored()

    # When the learner deletes the account (the password asked again) and the worker runs its job
    response = client.request("DELETE", "/api/v1/users/me", headers=learner.headers, json=DELETE)
    assert response.status_code == 202, response.text

    # Then both devices are signed out at once, before the worker has run
    for device in (learner, second_device):
        assert_error(client.get("/api/v1/auth/me", headers=device.headers), 401, "not_authenticated")
        refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": device.refresh_token})
        assert refreshed.status_code == 401
    assert run_worker() == {"batchItemFailures": []}

    # And nothing of the learner is left anywhere: no item names them, no object is under their prefixes
    assert learner.user_id not in everything_stored()
    assert learner.email not in everything_stored()
    assert "aiko" not in {str(user.username) for user in UserItem.scan()}
    # Their approved sentence stays for others, unlinked; the pending one is gone
    assert SentenceItem.get(approved.sentence_id).created_by is None
    assert [s.japanese_text for s in SentenceItem.scan() if s.japanese_text == "犬も好きです。"] == []
    # The deletion's job stays for operations, naming nobody
    (job,) = [job for job in BackgroundJobItem.scan() if job.job_type == "account_deletion"]
    assert (job.status, job.user_id, job.input_data) == (JobStatus.COMPLETED, None, None)

    # And the address can sign up again, as a new account
    again = client.post(
        "/api/v1/auth/register", json={"email": learner.email, "username": "aiko", "password": PASSWORD}
    )
    assert again.status_code == 202
    assert [m["subject"] for m in sent_emails(learner.email)][-1] == "Confirm your Kotoba e-mail address"


def test_a_long_deletion_goes_on_in_another_invocation(client: TestClient, learner: Session) -> None:
    # Given a deletion whose worker has almost no time left
    study_a_little(client, learner)
    client.request("DELETE", "/api/v1/users/me", headers=learner.headers, json=DELETE)

    # When the worker runs out of time, Then it hands the job back to its queue, and the next run finishes it
    assert run_worker(remaining_ms=account_jobs.TIME_RESERVE_MS - 1) == {"batchItemFailures": []}
    assert UserItem.count() == 1  # the account is still there, closed
    assert run_worker() == {"batchItemFailures": []}
    assert learner.user_id not in everything_stored()


def test_an_export_that_fails_is_left_to_the_queue_until_its_last_delivery_gives_it_up(
    client: TestClient, learner: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a learner's large export queued, and the export's document failing to be written
    study_a_little(client, learner)
    monkeypatch.setattr(export, "LARGE_HISTORY_REVIEWS", 0)
    status_url = client.get("/api/v1/users/me/export", headers=learner.headers).json()["status_url"]

    def write_fails(*args: Any) -> None:
        raise RuntimeError("S3 is unavailable")

    monkeypatch.setattr(export, "write_export", write_fails)
    (message,) = queued_jobs()
    arn = "arn:aws:sqs:us-east-1:123456789012:kotoba-test-account-jobs"

    # When the queue delivers its message for the last time but one, then for the last time
    statuses = []
    for delivery in (ACCOUNT_JOBS.max_receive_count - 1, ACCOUNT_JOBS.max_receive_count):
        message["Attributes"]["ApproximateReceiveCount"] = str(delivery)
        with pytest.raises(BatchProcessingError):  # the batch's only message failed: Lambda retries the batch
            account_jobs_worker(sqs_event(arn, [message]), FakeLambdaContext())
        job = client.get(status_url, headers=learner.headers).json()
        statuses.append((job["status"], job["error"]))

    # Then the job stays running for the queue to retry, and after the last delivery it failed for the learner to see
    assert statuses == [("running", None), ("failed", account_jobs.EXPORT_FAILED)]


def test_a_wrong_password_or_confirmation_deletes_nothing(client: TestClient, learner: Session) -> None:
    wrong = client.request("DELETE", "/api/v1/users/me", headers=learner.headers, json={**DELETE, "password": "nope"})
    assert_error(wrong, 403, "forbidden")
    unconfirmed = client.request(
        "DELETE", "/api/v1/users/me", headers=learner.headers, json={**DELETE, "confirm": "yes"}
    )
    assert_error(unconfirmed, 422, "validation_error")
    assert_error(client.request("DELETE", "/api/v1/users/me", json=DELETE), 401, "not_authenticated")
    assert client.get("/api/v1/auth/me", headers=learner.headers).status_code == 200
    assert queued_jobs() == []


def test_the_last_active_administrator_cannot_delete_the_account(client: TestClient, aws: None) -> None:
    from shared.services.accounts import ensure_admin

    ensure_admin("admin@example.com", "admin", PASSWORD)
    admin = login(client, "admin@example.com")

    response = client.request("DELETE", "/api/v1/users/me", headers=admin.headers, json=DELETE)

    assert_error(response, 409, "conflict")
    assert client.get("/api/v1/auth/me", headers=admin.headers).status_code == 200


def test_the_janitor_hands_a_stalled_deletion_to_the_worker_again_then_gives_up(
    client: TestClient, learner: Session
) -> None:
    # Given a deletion whose message was lost (received and never deleted, as after a crash)
    client.request("DELETE", "/api/v1/users/me", headers=learner.headers, json=DELETE)
    assert len(queued_jobs()) == 1
    (job,) = BackgroundJobItem.scan()

    # When the janitor runs half an hour later, Then it queues the job again, once per run, up to its tries
    later = datetime.now(UTC) + timedelta(minutes=31)
    for _attempt in range(1, job.max_retries + 1):
        event = scheduled_event("arn:aws:events:us-east-1:123456789012:rule/kotoba-test-job_janitor", later)
        assert janitor(event, FakeLambdaContext())["requeued"] == 1
        assert len(queued_jobs()) == 1
        later += timedelta(minutes=31)
    janitor(scheduled_event("arn:aws:events:us-east-1:123456789012:rule/r", later), FakeLambdaContext())
    assert BackgroundJobItem.get(job.id).status == JobStatus.FAILED
