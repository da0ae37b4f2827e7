"""Upload tickets and the processing state machine, with stand-in analysers (the real models are tested in
tests/unit/ocr, tests/unit/speech and end to end against the local cloud)."""

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import requests
from fastapi.testclient import TestClient

from shared.dal import media_storage
from shared.dal.jobs import BackgroundJobItem
from shared.dal.media import OCRRecordItem
from shared.domain.media import MediaAnalysis, MediaClaim
from shared.enums import JobStatus, ProcessingStatus
from shared.services.media_processing import Outcome, process_upload
from shared.settings import get_settings
from shared.upload_worker import make_upload_worker
from tests.auth_helpers import Session, signed_up
from tests.helpers import FakeLambdaContext, assert_error, s3_error, stand_in_analysis


@pytest.fixture
def learner(client: TestClient) -> Session:
    return signed_up(client)


def ticket(client: TestClient, who: Session, content_type: str = "image/png") -> dict[str, Any]:
    response = client.post("/api/v1/ai/ocr/upload", headers=who.headers, json={"content_type": content_type})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def policy_of(upload: dict[str, Any]) -> dict[str, Any]:
    return json.loads(base64.b64decode(upload["fields"]["policy"]))  # type: ignore[no-any-return]


PNG = b"\x89PNG\r\n\x1a\n"  # the signature a file under an image/png ticket must start with


def put_upload(key: str, body: bytes, content_type: str = "image/png") -> None:
    """What a POST under the ticket stores: a PNG (its signature, then `body`) with the ticket's Content-Type."""
    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket=get_settings().media_bucket_name(), Key=key, Body=PNG + body, ContentType=content_type
    )


class TestTickets:
    def test_a_ticket_is_a_pending_record_a_pending_job_and_a_policy_s3_enforces(
        self, client: TestClient, learner: Session
    ) -> None:
        issued_at = datetime.now(UTC)
        body = ticket(client, learner, "image/jpeg")
        record, upload = body["record"], body["upload"]
        assert record["processing_status"] == "pending"
        assert upload["key"] == f"uploads/ocr/{learner.user_id}/{record['id']}.jpg"
        assert BackgroundJobItem.get(record["job_id"]).status == JobStatus.PENDING
        # The policy S3 evaluates (as moto does here, localcloud/s3_post_policy.py): this key, type, size, 15 min.
        policy = policy_of(upload)
        conditions = policy["conditions"]
        assert {"key": upload["key"]} in conditions
        assert {"Content-Type": "image/jpeg"} in conditions
        assert ["content-length-range", 1, 10 * 1024 * 1024] in conditions
        expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
        assert timedelta(minutes=14) < expires - issued_at <= timedelta(minutes=15, seconds=5)

    def test_an_upload_larger_than_the_ticket_allows_is_refused_and_the_record_stays_pending(
        self, client: TestClient, learner: Session
    ) -> None:
        # Given a ticket for a PNG
        body = ticket(client, learner)
        record, upload = body["record"], body["upload"]

        # When the phone posts one byte more than the ticket allows
        too_large = PNG + b"\x00" * (upload["max_bytes"] + 1 - len(PNG))
        response = requests.post(upload["url"], data=upload["fields"], files={"file": too_large}, timeout=30)

        # Then S3 refuses it, nothing is stored, and the record still waits for its upload
        assert (response.status_code, s3_error(response.content)["Code"]) == (400, "EntityTooLarge")
        assert media_storage.object_exists(upload["key"]) is False
        assert client.get(f"/api/v1/ai/ocr/{record['id']}", headers=learner.headers).json()["processing_status"] == (
            "pending"
        )

    def test_only_declared_media_types_are_offered(self, client: TestClient, learner: Session) -> None:
        for content_type in ("image/gif", "application/pdf", "text/html"):
            response = client.post(
                "/api/v1/ai/ocr/upload", headers=learner.headers, json={"content_type": content_type}
            )
            assert_error(response, 422, "validation_error")
        speech = client.post("/api/v1/ai/speech/upload", headers=learner.headers, json={"content_type": "image/png"})
        assert_error(speech, 422, "validation_error")
        assert OCRRecordItem.count(learner.user_id) == 0

    def test_records_belong_to_their_owner(self, client: TestClient, learner: Session) -> None:
        record = ticket(client, learner)["record"]
        other = signed_up(client, "ren@example.com", "ren")
        assert_error(client.get(f"/api/v1/ai/ocr/{record['id']}", headers=other.headers), 404, "not_found")
        assert client.get("/api/v1/ai/ocr", headers=other.headers).json()["items"] == []
        mine = client.get("/api/v1/ai/ocr", headers=learner.headers).json()["items"]
        assert [r["id"] for r in mine] == [record["id"]]

    def test_a_recording_for_a_sentence_takes_its_text_as_target(self, client: TestClient, learner: Session) -> None:
        from shared.services.sample_content import load_sample_content

        load_sample_content()
        sentence = client.get("/api/v1/learning/sentences", params={"limit": 1}).json()["items"][0]
        body = {"content_type": "audio/wav", "sentence_id": sentence["id"], "exercise_type": "shadowing"}
        record = client.post("/api/v1/ai/speech/upload", headers=learner.headers, json=body).json()["record"]
        assert (record["target_text"], record["audio_format"]) == (sentence["japanese_text"], "wav")
        missing = {"content_type": "audio/wav", "sentence_id": "0000ffff"}
        assert_error(client.post("/api/v1/ai/speech/upload", headers=learner.headers, json=missing), 404, "not_found")


class Rejected(ValueError):
    pass


def analysed(data: bytes, claim: MediaClaim) -> MediaAnalysis:
    text = data.removeprefix(PNG)
    if text.startswith(b"NOT"):
        raise Rejected("not an image")
    if text.startswith(b"FLAKY"):
        raise RuntimeError("model server hiccup")
    return stand_in_analysis(claim, data, text.decode())


def process(key: str) -> Outcome:
    return process_upload("ocr", get_settings().media_bucket_name(), key, analysed, (Rejected,))


class TestProcessing:
    def test_a_duplicated_event_processes_once(self, client: TestClient, learner: Session) -> None:
        upload = ticket(client, learner)["upload"]
        put_upload(upload["key"], b"hello")
        assert [process(upload["key"]), process(upload["key"])] == [Outcome.COMPLETED, Outcome.DUPLICATE]
        record = client.get(f"/api/v1/ai/ocr/{upload['key'].rsplit('/', 1)[1][:-4]}", headers=learner.headers).json()
        assert (record["processing_status"], record["extracted_text"]) == ("completed", "hello")
        job = BackgroundJobItem.get(record["job_id"])
        assert (job.status, job.retry_count, job.result_data) == (
            JobStatus.COMPLETED, 1, {"lines": 1, "sentences": 0, "furigana": 0, "vertical": False}
        )  # fmt: skip
        assert job.processing_time_ms is not None and job.completed_at is not None

    def test_a_file_that_is_not_what_it_claims_fails_at_once_with_a_reason(
        self, client: TestClient, learner: Session
    ) -> None:
        upload = ticket(client, learner)["upload"]
        put_upload(upload["key"], b"NOT an image at all")
        assert process(upload["key"]) == Outcome.FAILED
        record_id = upload["key"].rsplit("/", 1)[1][:-4]
        record = client.get(f"/api/v1/ai/ocr/{record_id}", headers=learner.headers).json()
        assert (record["processing_status"], record["error_message"]) == ("failed", "Not an image.")
        assert BackgroundJobItem.get(record["job_id"]).status == JobStatus.FAILED

    def test_an_oversized_object_fails_without_being_read_whole(self, client: TestClient, learner: Session) -> None:
        upload = ticket(client, learner)["upload"]
        put_upload(upload["key"], b"x" * (10 * 1024 * 1024 + 10))
        assert process(upload["key"]) == Outcome.FAILED
        item = OCRRecordItem.get(learner.user_id, upload["key"].rsplit("/", 1)[1][:-4])
        assert item.error_message == "The file is larger than allowed."

    def test_a_transient_error_is_retried_then_given_up(self, client: TestClient, learner: Session) -> None:
        upload = ticket(client, learner)["upload"]
        put_upload(upload["key"], b"FLAKY")
        record_id = upload["key"].rsplit("/", 1)[1][:-4]
        for _ in range(2):
            with pytest.raises(RuntimeError):
                process(upload["key"])
            assert OCRRecordItem.get(learner.user_id, record_id).processing_status == ProcessingStatus.PENDING
        assert process(upload["key"]) == Outcome.FAILED  # the third and last try
        item = OCRRecordItem.get(learner.user_id, record_id)
        assert (item.processing_status, item.error_message) == (
            ProcessingStatus.FAILED, "We could not process this file. Please try again later.",
        )  # fmt: skip
        assert BackgroundJobItem.get(item.job_id).retry_count == 3

    def test_keys_outside_the_upload_layout_are_ignored(self) -> None:
        assert process("uploads/ocr/not-a-user/x.png") == Outcome.IGNORED
        assert process(
            "uploads/speech/00000000-0000-0000-0000-000000000000/00000000-0000-0000-0000-000000000000.wav"
        ) == (Outcome.IGNORED)

    def test_the_worker_handler_reads_s3_events_from_sqs_and_skips_test_events(
        self, client: TestClient, learner: Session
    ) -> None:
        upload = ticket(client, learner)["upload"]
        put_upload(upload["key"], b"from sqs")
        s3_event = {"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": "ObjectCreated:Post",
                                 "s3": {"bucket": {"name": get_settings().media_bucket_name()},
                                        "object": {"key": upload["key"].replace("/", "%2F"), "size": 8}}}]}  # fmt: skip
        messages = [json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent"}), json.dumps(s3_event)]
        event = {"Records": [
            {"messageId": f"m{n}", "receiptHandle": "r", "body": body, "attributes": {}, "messageAttributes": {},
             "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:1:q",
             "awsRegion": "us-east-1"}
            for n, body in enumerate(messages)
        ]}  # fmt: skip
        handler = make_upload_worker("ocr", analysed, (Rejected,))
        assert handler(event, FakeLambdaContext()) == {"batchItemFailures": []}
        record_id = upload["key"].rsplit("/", 1)[1][:-4]
        assert OCRRecordItem.get(learner.user_id, record_id).extracted_text == "from sqs"


def test_speech_synthesis_is_cached_and_playable(client: TestClient, learner: Session) -> None:
    import io
    import wave

    body = {"text": "こんにちは。", "speed": 1.0}
    first = client.post("/api/v1/ai/tts/generate", headers=learner.headers, json=body).json()
    second = client.post("/api/v1/ai/tts/generate", headers=learner.headers, json=body).json()
    assert (first["cached"], second["cached"], first["key"]) == (False, True, second["key"])
    assert first["content_type"] == "audio/wav"
    stored = (
        boto3.client("s3", region_name="us-east-1")
        .get_object(Bucket=get_settings().media_bucket_name(), Key=first["key"])["Body"]
        .read()
    )
    with wave.open(io.BytesIO(stored)) as audio:
        seconds = audio.getnframes() / audio.getframerate()
    assert 0.5 < seconds < 3.0  # こんにちは, spoken once
    assert_error(
        client.post("/api/v1/ai/tts/generate", headers=learner.headers, json={"text": ""}), 422, "validation_error"
    )


def test_a_sentence_can_point_its_audio_at_stored_speech(client: TestClient, learner: Session) -> None:
    from shared.services.accounts import ensure_admin
    from tests.auth_helpers import login

    ensure_admin("root@example.com", "root", "an admin's long password")
    admin = login(client, "root@example.com", "an admin's long password")
    sentence = client.post(
        "/api/v1/learning/sentences", headers=admin.headers,
        json={"japanese_text": "おはようございます。", "english_translation": "Good morning."},
    ).json()  # fmt: skip
    denied = client.post("/api/v1/ai/tts/generate", headers=learner.headers, json={"sentence_id": sentence["id"]})
    assert_error(denied, 403, "forbidden")

    spoken = client.post("/api/v1/ai/tts/generate", headers=admin.headers, json={"sentence_id": sentence["id"]}).json()
    stored = client.get(f"/api/v1/learning/sentences/{sentence['id']}").json()
    assert stored["audio_url"] == spoken["audio_path"]
    assert spoken["audio_path"].startswith("/api/v1/ai/tts/audio/")
    redirect = client.get(stored["audio_url"], headers=learner.headers, follow_redirects=False)
    assert redirect.status_code == 307
    assert spoken["key"] in redirect.headers["location"]
    assert_error(client.get(stored["audio_url"]), 401, "not_authenticated")
    assert_error(client.get("/api/v1/ai/tts/audio/" + "0" * 64 + ".wav", headers=learner.headers), 404, "not_found")
    assert_error(client.get("/api/v1/ai/tts/audio/..%2Fsecret.wav", headers=learner.headers), 404, "not_found")
    assert_error(client.post("/api/v1/ai/tts/generate", headers=admin.headers, json={}), 422, "validation_error")
    both = {"sentence_id": sentence["id"], "text": "ちがう文です"}  # would give the sentence another text's audio
    assert_error(client.post("/api/v1/ai/tts/generate", headers=admin.headers, json=both), 422, "validation_error")
    assert client.get(f"/api/v1/learning/sentences/{sentence['id']}").json()["audio_url"] == stored["audio_url"]
