"""The scheduled job janitor, called with the EventBridge event its schedule sends."""

from datetime import UTC, datetime, timedelta

import pytest

from functions.job_janitor.handler import handler
from localcloud.pump import scheduled_event
from shared.dal.jobs import BackgroundJobItem
from shared.enums import JobStatus, JobType, MediaKind
from tests.helpers import FakeLambdaContext

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.usefixtures("aws")


@pytest.fixture(autouse=True)
def no_scans(monkeypatch: pytest.MonkeyPatch) -> None:
    """The janitor finds its jobs by Query on the jobs' `by_status` index: a Scan of any table fails the test."""
    from shared.dal.media import AudioRecordItem, OCRRecordItem

    for model in (BackgroundJobItem, OCRRecordItem, AudioRecordItem):
        monkeypatch.setattr(model, "scan", lambda *args, **kwargs: pytest.fail("the janitor scanned a table"))


def janitor_run(when: datetime) -> dict[str, object]:
    return scheduled_event("arn:aws:events:us-east-1:123456789012:rule/kotoba-test-job_janitor", when)


def job(status: JobStatus, age: timedelta) -> BackgroundJobItem:
    item = BackgroundJobItem(job_type=JobType.OCR_PROCESSING, user_id="u1", status=status, created_at=NOW - age)
    item.save()
    return item


def test_stale_jobs_are_closed_and_fresh_ones_left_alone() -> None:
    stuck = job(JobStatus.RUNNING, timedelta(minutes=45))
    working = job(JobStatus.RUNNING, timedelta(minutes=5))
    abandoned = job(JobStatus.PENDING, timedelta(hours=3))
    waiting = job(JobStatus.PENDING, timedelta(minutes=10))
    done = job(JobStatus.COMPLETED, timedelta(days=2))

    result = handler(janitor_run(NOW), FakeLambdaContext())

    assert result == {"failed": 1, "cancelled": 1, "requeued": 0}
    states = {j.id: BackgroundJobItem.get(j.id) for j in (stuck, working, abandoned, waiting, done)}
    assert states[stuck.id].status == JobStatus.FAILED
    assert states[stuck.id].error_message == "processing took too long and was stopped"
    assert states[stuck.id].completed_at is not None
    assert states[abandoned.id].status == JobStatus.CANCELLED
    assert [states[j.id].status for j in (working, waiting, done)] == [
        JobStatus.RUNNING,
        JobStatus.PENDING,
        JobStatus.COMPLETED,
    ]


def test_a_job_that_finished_meanwhile_is_not_overwritten() -> None:
    from shared.dal.jobs_repository import finish_job, stale_jobs

    # Given a running job read as stale, which its worker then finishes
    job(JobStatus.RUNNING, timedelta(hours=1))
    [stale] = stale_jobs(JobStatus.RUNNING, NOW, (JobType.OCR_PROCESSING,), limit=10)
    BackgroundJobItem.get(stale.id).update(actions=[BackgroundJobItem.status.set(JobStatus.COMPLETED)])

    # When the janitor closes it as read, Then nothing is written: the job stays completed
    assert finish_job(stale, JobStatus.RUNNING, JobStatus.FAILED, "too slow") is False
    assert BackgroundJobItem.get(stale.id).status == JobStatus.COMPLETED


def test_a_second_run_changes_nothing() -> None:
    job(JobStatus.RUNNING, timedelta(hours=1))
    handler(janitor_run(NOW), FakeLambdaContext())
    assert handler(janitor_run(NOW), FakeLambdaContext()) == {"failed": 0, "cancelled": 0, "requeued": 0}


def media_job(
    kind: str,
    job_status: JobStatus,
    job_age: timedelta,
    record_status: str,
    idle: timedelta,
    *,
    tries: int = 0,
    name: str = "",
) -> str:
    """A photo or recording record with its job, as an upload makes them, aged: the job created `job_age` ago and the
    record last touched `idle` ago, with `tries` counted on the job. Returns the record id."""
    from shared.dal import media_repository
    from shared.dal.base import utcnow
    from shared.dal.media import AudioRecordItem, OCRRecordItem

    model = OCRRecordItem if kind == MediaKind.OCR else AudioRecordItem
    fields = (
        {"image_path": "k", "image_format": "png"}
        if kind == MediaKind.OCR
        else {"file_path": "k", "audio_format": "wav"}
    )
    record_id = f"r-{kind}-{record_status}{name}"
    media_repository.create_record(kind, "u1", record_id, fields, "k")
    record = model.get("u1", record_id)
    now = utcnow()
    record.update(actions=[model.processing_status.set(record_status), model.updated_at.set(now - idle)])
    BackgroundJobItem.get(record.job_id).update(
        actions=[
            BackgroundJobItem.status.set(job_status),
            BackgroundJobItem.created_at.set(now - job_age),
            BackgroundJobItem.retry_count.set(tries),
        ]
    )
    return record.record_id


def test_a_photo_whose_worker_died_shows_failed_with_the_reason() -> None:
    from shared.dal.base import utcnow
    from shared.dal.media import OCRRecordItem

    # Given a photo whose worker took it 30 minutes ago and was never heard of again
    record_id = media_job("ocr", JobStatus.RUNNING, timedelta(minutes=45), "processing", timedelta(minutes=30))

    # When the janitor runs
    assert handler(janitor_run(utcnow()), FakeLambdaContext()) == {"failed": 1, "cancelled": 0, "requeued": 0}

    # Then the learner polling the photo sees it failed, with the reason, and the job says the same
    record = OCRRecordItem.get("u1", record_id)
    assert (record.processing_status, record.error_message) == ("failed", "processing took too long and was stopped")
    assert record.processed_at is not None
    assert BackgroundJobItem.get(record.job_id).status == JobStatus.FAILED


def test_a_recording_that_never_arrived_shows_failed_and_its_job_cancelled() -> None:
    from shared.dal.base import utcnow
    from shared.dal.media import AudioRecordItem

    record_id = media_job("speech", JobStatus.PENDING, timedelta(hours=2), "pending", timedelta(hours=2))

    assert handler(janitor_run(utcnow()), FakeLambdaContext()) == {"failed": 0, "cancelled": 1, "requeued": 0}

    record = AudioRecordItem.get("u1", record_id)
    assert (record.processing_status, record.error_message) == ("failed", "the upload never arrived")
    assert BackgroundJobItem.get(record.job_id).status == JobStatus.CANCELLED


def test_a_record_a_retried_worker_holds_now_is_left_to_it() -> None:
    from shared.dal.base import utcnow
    from shared.dal.media import OCRRecordItem

    # Given an old job whose record a retried worker took two minutes ago
    record_id = media_job("ocr", JobStatus.RUNNING, timedelta(minutes=45), "processing", timedelta(minutes=2))

    # When the janitor runs, Then neither the record nor the job is touched: the worker can still finish
    assert handler(janitor_run(utcnow()), FakeLambdaContext()) == {"failed": 0, "cancelled": 0, "requeued": 0}
    record = OCRRecordItem.get("u1", record_id)
    assert record.processing_status == "processing"
    assert BackgroundJobItem.get(record.job_id).status == JobStatus.RUNNING


def test_an_upload_ticket_never_used_fails_once_its_lifetime_has_passed() -> None:
    from shared.dal.base import utcnow
    from shared.dal.media import OCRRecordItem
    from shared.dal.media_storage import UPLOAD_LIFETIME

    # Given a photo ticket whose 15 minutes (and the 5 minutes' grace for a post S3 accepted at the last moment) are
    # over, and one still within its lifetime
    old, young = UPLOAD_LIFETIME + timedelta(minutes=6), UPLOAD_LIFETIME - timedelta(minutes=1)
    expired = media_job("ocr", JobStatus.PENDING, old, "pending", old)
    valid = media_job("ocr", JobStatus.PENDING, young, "pending", young, name="-valid")

    # When the janitor runs
    assert handler(janitor_run(utcnow()), FakeLambdaContext()) == {"failed": 0, "cancelled": 1, "requeued": 0}

    # Then the expired ticket's record shows failed with the reason, its job cancelled; the valid one waits on
    record = OCRRecordItem.get("u1", expired)
    assert (record.processing_status, record.error_message) == ("failed", "the upload never arrived")
    assert BackgroundJobItem.get(record.job_id).status == JobStatus.CANCELLED
    waiting = OCRRecordItem.get("u1", valid)
    assert (waiting.processing_status, BackgroundJobItem.get(waiting.job_id).status) == ("pending", JobStatus.PENDING)


def test_the_wait_for_an_upload_is_the_ticket_lifetime_and_a_grace() -> None:
    from shared.dal.media_storage import UPLOAD_LIFETIME
    from shared.services.jobs import PENDING_TIMEOUT, UPLOAD_GRACE

    assert PENDING_TIMEOUT == UPLOAD_LIFETIME + UPLOAD_GRACE == timedelta(minutes=20)


def test_a_job_given_back_for_its_retry_is_not_taken_for_an_upload_that_never_arrived() -> None:
    from shared.dal.base import utcnow
    from shared.dal.media import AudioRecordItem

    # Given an old recording whose worker hit a transient error a minute ago and gave it back for SQS to retry
    record_id = media_job("speech", JobStatus.PENDING, timedelta(hours=2), "pending", timedelta(minutes=1), tries=1)

    # When the janitor runs, Then it leaves the record to the retry that is on its way
    assert handler(janitor_run(utcnow()), FakeLambdaContext()) == {"failed": 0, "cancelled": 0, "requeued": 0}
    record = AudioRecordItem.get("u1", record_id)
    assert (record.processing_status, BackgroundJobItem.get(record.job_id).status) == ("pending", JobStatus.PENDING)


def test_a_record_given_back_for_a_retry_that_never_came_shows_failed() -> None:
    from shared.dal.base import utcnow
    from shared.dal.media import AudioRecordItem

    # Given a recording given back for a retry an hour ago, longer than any redelivery takes (one visibility timeout)
    record_id = media_job("speech", JobStatus.PENDING, timedelta(hours=2), "pending", timedelta(hours=1), tries=2)

    # When the janitor runs, Then the record and its job show failed, with the reason
    assert handler(janitor_run(utcnow()), FakeLambdaContext()) == {"failed": 1, "cancelled": 0, "requeued": 0}
    record = AudioRecordItem.get("u1", record_id)
    assert (record.processing_status, record.error_message) == ("failed", "processing failed and was not retried")
    assert BackgroundJobItem.get(record.job_id).status == JobStatus.FAILED
