"""Uploads that used to never finish (issue #9): an empty file, a file that is not its ticket's type, the retry of a
worker that timed out, and the sentences of a photo read twice. The workers run in-process on moto, with the real
handlers where nothing reaches a model, and with the OCR faked at `read_image` where something would."""

import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import requests
from fastapi.testclient import TestClient
from PIL import Image

from shared.catalog import QUEUES
from shared.constants import MediaPrefixes
from shared.dal import achievements_repository, media_repository
from shared.dal.content import SentenceItem
from shared.dal.jobs import BackgroundJobItem
from shared.dal.media import AudioRecordItem, OCRRecordItem
from shared.domain.media import MediaAnalysis, MediaClaim
from shared.enums import JobStatus, MediaKind, ModerationStatus, ProcessingStatus, RequirementType
from shared.services import media_processing, ocr_processing
from shared.services.media_processing import Outcome, process_upload
from shared.services.ocr import OcrResult, TextBox
from shared.settings import get_settings
from tests.auth_helpers import Session, signed_up
from tests.helpers import FakeLambdaContext, stand_in_analysis

PNG = b"\x89PNG\r\n\x1a\n"
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt "


@pytest.fixture
def learner(client: TestClient) -> Session:
    return signed_up(client)


def ticket(client: TestClient, who: Session, kind: str, content_type: str) -> dict[str, Any]:
    response = client.post(f"/api/v1/ai/{kind}/upload", headers=who.headers, json={"content_type": content_type})
    assert response.status_code == 201, response.text
    return response.json()["upload"]  # type: ignore[no-any-return]


def post_upload(upload: dict[str, Any], data: bytes) -> None:
    """What the phone does with its ticket: the presigned POST (held to its policy, as S3 does)."""
    response = requests.post(upload["url"], data=upload["fields"], files={"file": data}, timeout=10)
    assert response.status_code == 204, response.text


def put_at_ticket_key(upload: dict[str, Any], data: bytes, content_type: str) -> None:
    """An object at the ticket's key that its POST could not store (S3 refuses it by the policy), written as any
    other writer of the bucket could: the worker must not trust the policy alone."""
    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket=get_settings().media_bucket_name(), Key=upload["key"], Body=data, ContentType=content_type
    )


def record_id_of(upload: dict[str, Any]) -> str:
    return str(upload["key"].rsplit("/", 1)[1].split(".")[0])


def sqs_event(key: str) -> dict[str, Any]:
    """One SQS message carrying the S3 notification of `key`, as the worker's event source mapping hands it over."""
    s3_event = {"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": "ObjectCreated:Post",
                             "s3": {"bucket": {"name": get_settings().media_bucket_name()},
                                    "object": {"key": key.replace("/", "%2F"), "size": 0}}}]}  # fmt: skip
    return {"Records": [
        {"messageId": "m1", "receiptHandle": "r", "body": json.dumps(s3_event), "attributes": {},
         "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
         "eventSourceARN": "arn:aws:sqs:us-east-1:1:q", "awsRegion": "us-east-1"}
    ]}  # fmt: skip


class Analyser:
    """A stand-in analyser that counts its calls: a refused upload must never reach it."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, data: bytes, claim: MediaClaim) -> MediaAnalysis:
        self.calls += 1
        return stand_in_analysis(claim, data)


def process(kind: str, key: str, analyse: Any) -> Outcome:
    return process_upload(kind, get_settings().media_bucket_name(), key, analyse, ())


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="JPEG")
    return buffer.getvalue()


class TestEmptyFiles:
    @pytest.mark.parametrize(
        ("kind", "content_type", "model"),
        [("ocr", "image/png", OCRRecordItem), ("speech", "audio/wav", AudioRecordItem)],
    )
    def test_an_empty_upload_fails_at_once_as_empty_and_is_not_retried(
        self, client: TestClient, learner: Session, kind: str, content_type: str, model: Any
    ) -> None:
        from functions.ocr_worker.handler import handler as ocr_worker
        from functions.speech_worker.handler import handler as speech_worker

        # Given a 0-byte object at a ticket's key (its POST S3 refuses: the policy's smallest size is 1 byte)
        upload = ticket(client, learner, kind, content_type)
        put_at_ticket_key(upload, b"", content_type)

        # When its worker gets the S3 event
        worker = ocr_worker if kind == "ocr" else speech_worker
        response = worker(sqs_event(upload["key"]), FakeLambdaContext())

        # Then the message is done with (no retry), and the record failed with the reason, after one try
        assert response == {"batchItemFailures": []}
        record = model.get(learner.user_id, record_id_of(upload))
        assert (record.processing_status, record.error_message) == (ProcessingStatus.FAILED, "The file is empty.")
        job = BackgroundJobItem.get(record.job_id)
        assert (job.status, job.retry_count, job.error_message) == (JobStatus.FAILED, 1, "The file is empty.")


class TestFilesThatAreNotTheirTicketsType:
    def test_a_jpeg_posted_under_a_png_ticket_fails_at_once(self, client: TestClient, learner: Session) -> None:
        upload = ticket(client, learner, "ocr", "image/png")
        post_upload(upload, jpeg())  # the form says image/png, as the ticket's fields do
        analyse = Analyser()

        assert process("ocr", upload["key"], analyse) == Outcome.FAILED

        record = OCRRecordItem.get(learner.user_id, record_id_of(upload))
        assert (record.processing_status, record.error_message) == ("failed", "The file is not a PNG image.")
        assert BackgroundJobItem.get(record.job_id).status == JobStatus.FAILED
        assert analyse.calls == 0

    def test_an_object_stored_as_another_type_than_the_tickets_fails_at_once(
        self, client: TestClient, learner: Session
    ) -> None:
        upload = ticket(client, learner, "ocr", "image/png")
        put_at_ticket_key(upload, jpeg(), "image/jpeg")  # a POST with this Content-Type S3 refuses (the policy's eq)
        analyse = Analyser()

        assert process("ocr", upload["key"], analyse) == Outcome.FAILED

        record = OCRRecordItem.get(learner.user_id, record_id_of(upload))
        assert record.error_message == "The file was sent as image/jpeg, but its upload ticket is for image/png."
        assert analyse.calls == 0

    def test_a_picture_posted_as_a_recording_fails_at_once(self, client: TestClient, learner: Session) -> None:
        upload = ticket(client, learner, "speech", "audio/mpeg")
        post_upload(upload, PNG + b"\x00" * 64)
        analyse = Analyser()

        assert process("speech", upload["key"], analyse) == Outcome.FAILED

        record = AudioRecordItem.get(learner.user_id, record_id_of(upload))
        assert (record.processing_status, record.error_message) == ("failed", "The file is not an MP3 recording.")
        assert analyse.calls == 0

    def test_a_file_of_the_tickets_type_goes_on_to_the_analyser(self, client: TestClient, learner: Session) -> None:
        upload = ticket(client, learner, "speech", "audio/x-wav")
        post_upload(upload, WAV + b"\x00" * 64)
        analyse = Analyser()

        assert process("speech", upload["key"], analyse) == Outcome.COMPLETED
        assert analyse.calls == 1


def take(kind: str, upload: dict[str, Any], user_id: str, at: datetime) -> None:
    """A first worker takes the record at `at`, then is never heard of again (Lambda stopped it at its timeout)."""
    assert media_repository.start_processing(kind, user_id, record_id_of(upload), at) is not None


class TestRetryAfterATimeout:
    def test_the_redelivered_message_takes_the_record_over_and_finishes_it_once(
        self, client: TestClient, learner: Session
    ) -> None:
        (spec,) = [spec for spec in QUEUES if spec.upload_prefix == MediaPrefixes.OCR_UPLOADS]
        upload = ticket(client, learner, "ocr", "image/png")
        post_upload(upload, PNG + b"pixels")
        # Given a worker that took the record and timed out: SQS hands its message out again once the queue's
        # visibility timeout has passed since it was received
        take("ocr", upload, learner.user_id, datetime.now(UTC) - timedelta(seconds=spec.visibility_timeout_seconds))
        analyse = Analyser()

        # When the redelivered message comes, and then a duplicate of it
        outcomes = [process("ocr", upload["key"], analyse), process("ocr", upload["key"], analyse)]

        # Then the first takes the record over and finishes it; the duplicate does nothing
        assert outcomes == [Outcome.COMPLETED, Outcome.DUPLICATE]
        assert analyse.calls == 1
        record = OCRRecordItem.get(learner.user_id, record_id_of(upload))
        assert (record.processing_status, record.image_size_bytes) == (ProcessingStatus.COMPLETED, len(PNG + b"pixels"))
        job = BackgroundJobItem.get(record.job_id)
        assert (job.status, job.retry_count) == (JobStatus.COMPLETED, 2)

    def test_a_record_a_live_worker_holds_is_left_to_it(self, client: TestClient, learner: Session) -> None:
        (spec,) = [spec for spec in QUEUES if spec.upload_prefix == MediaPrefixes.SPEECH_UPLOADS]
        upload = ticket(client, learner, "speech", "audio/wav")
        post_upload(upload, WAV)
        # Given a worker that took the record as long ago as it may still be running
        take("speech", upload, learner.user_id, datetime.now(UTC) - timedelta(seconds=spec.worker_timeout_seconds))
        analyse = Analyser()

        # Then a duplicated event leaves the record to it
        assert process("speech", upload["key"], analyse) == Outcome.DUPLICATE
        assert analyse.calls == 0

    @pytest.mark.parametrize("spec", QUEUES, ids=lambda spec: spec.name)
    def test_the_takeover_window_lies_between_the_worker_timeout_and_the_redelivery(self, spec: Any) -> None:
        kind = "ocr" if spec.upload_prefix == MediaPrefixes.OCR_UPLOADS else "speech"
        worker_timeout = timedelta(seconds=spec.worker_timeout_seconds)
        redelivery = timedelta(seconds=spec.visibility_timeout_seconds)
        # A live worker is never taken over; the redelivery of a worker that timed out always is, wherever in its
        # run the worker took the record; the janitor fails only what that redelivery would have taken
        takeover = media_repository.TAKEOVER_AFTER[kind]
        assert worker_timeout < takeover <= redelivery - worker_timeout
        assert media_repository.ABANDONED_AFTER[kind] > redelivery
        assert {"ocr": 90, "speech": 150}[kind] == takeover.total_seconds()


def read(texts: list[str]) -> OcrResult:
    boxes = [TextBox(text=text, confidence=0.99, bbox=(0, 40 * n, 300, 32)) for n, text in enumerate(texts)]
    return OcrResult(
        text="\n".join(texts), lines=boxes, sentences=boxes, confidence=0.99, language="ja", vertical=False,
        width=320, height=40 * len(texts), format="png", processing_time_ms=5,
    )  # fmt: skip


def photo_sentences(user_id: str) -> list[SentenceItem]:
    return list(SentenceItem.by_author.query(user_id))


TEXTS = ["今日は雨です。", "傘を持って行きます。"]


class TestSentencesOfAPhotoReadTwice:
    @pytest.fixture(autouse=True)
    def fake_ocr(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The seam under the OCR worker's analysis: PaddleOCR's reading of the photo."""
        monkeypatch.setattr(ocr_processing, "read_image", lambda data: read(TEXTS))

    @pytest.mark.usefixtures("aws")
    def test_reading_the_same_record_twice_gives_the_same_sentences_once(self) -> None:
        claim = MediaClaim(
            kind=MediaKind.OCR, user_id="u1", record_id="4a1e6c7e-1b7d-4c39-8a57-3f0d1c1f2a90", job_id="j1",
            started_at=datetime.now(UTC), attempt=1, max_retries=3, content_type="image/png",
        )  # fmt: skip

        first = ocr_processing.analyse_photo(PNG, claim)
        second = ocr_processing.analyse_photo(PNG, claim)

        assert first.processed_sentences == second.processed_sentences
        stored = photo_sentences("u1")
        assert sorted(s.sentence_id for s in stored) == sorted(first.processed_sentences)
        assert sorted(s.japanese_text for s in stored) == sorted(TEXTS)
        other = ocr_processing.analyse_photo(PNG, replace(claim, record_id="another"))
        assert set(other.processed_sentences).isdisjoint(first.processed_sentences)

    def test_a_worker_that_timed_out_after_writing_them_is_retried_without_copies(
        self, client: TestClient, learner: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        (spec,) = [spec for spec in QUEUES if spec.upload_prefix == MediaPrefixes.OCR_UPLOADS]
        upload = ticket(client, learner, "ocr", "image/png")
        post_upload(upload, PNG + b"pixels")
        key, bucket = upload["key"], get_settings().media_bucket_name()
        analyse = ocr_processing.analyse_photo

        # Given a first try that wrote the sentences and was stopped (its timeout) before it wrote the outcome
        def stopped(*args: object, **kwargs: object) -> None:
            raise TimeoutError("Task timed out")

        with monkeypatch.context() as timing_out:
            timing_out.setattr(media_repository, "complete", stopped)
            with pytest.raises(TimeoutError):
                process_upload("ocr", bucket, key, analyse, ocr_processing.REJECTIONS)
        assert len(photo_sentences(learner.user_id)) == len(TEXTS)

        # When its message comes back after the visibility timeout
        later = datetime.now(UTC) + timedelta(seconds=spec.visibility_timeout_seconds)
        monkeypatch.setattr(media_processing, "_now", lambda: later)
        assert process_upload("ocr", bucket, key, analyse, ocr_processing.REJECTIONS) == Outcome.COMPLETED

        # Then the photo's sentences are there once, and the record names exactly those
        record = OCRRecordItem.get(learner.user_id, record_id_of(upload))
        stored = photo_sentences(learner.user_id)
        assert sorted(s.sentence_id for s in stored) == sorted(record.processed_sentences)
        assert sorted(s.japanese_text for s in stored) == sorted(TEXTS)
        assert all(s.status == ModerationStatus.PENDING and s.source == f"photo {record.record_id}" for s in stored)
        # And the learner's achievements count one photo read and its sentences added, also after a late duplicate
        process_upload("ocr", bucket, key, analyse, ocr_processing.REJECTIONS)
        counts = achievements_repository.activity_counts(learner.user_id, 0)
        assert (counts[RequirementType.OCR_UPLOADS], counts[RequirementType.SENTENCES_ADDED]) == (1, len(TEXTS))


@pytest.mark.usefixtures("aws")
def test_the_bucket_read_gives_bytes_and_content_type_and_an_empty_object_reads_as_empty() -> None:
    from shared.dal import media_storage

    bucket = get_settings().media_bucket_name()
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.put_object(Bucket=bucket, Key="a.png", Body=PNG, ContentType="image/png")
    s3.put_object(Bucket=bucket, Key="empty.png", Body=b"", ContentType="image/png")

    assert media_storage.read_object(bucket, "empty.png", 100).data == b""
    assert media_storage.read_object(bucket, "a.png", 100) == media_storage.StoredObject(PNG, "image/png")
