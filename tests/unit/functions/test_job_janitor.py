"""The scheduled job janitor, called with the EventBridge event its schedule sends."""

from datetime import UTC, datetime, timedelta

import pytest

from functions.job_janitor.handler import handler
from shared.dal.jobs import BackgroundJobItem
from shared.enums import JobStatus, JobType
from tests.helpers import FakeLambdaContext

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.usefixtures("aws")


def scheduled_event(when: datetime) -> dict[str, object]:
    return {
        "version": "0",
        "id": "e1",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/kotoba-test-job_janitor"],
        "detail": {},
    }


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

    result = handler(scheduled_event(NOW), FakeLambdaContext())

    assert result == {"failed": 1, "cancelled": 1}
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
    from shared.dal.jobs_repository import finish_job

    stale = job(JobStatus.RUNNING, timedelta(hours=1))
    BackgroundJobItem.get(stale.id).update(actions=[BackgroundJobItem.status.set(JobStatus.COMPLETED)])

    assert finish_job(stale, JobStatus.RUNNING, JobStatus.FAILED, "too slow") is False
    assert BackgroundJobItem.get(stale.id).status == JobStatus.COMPLETED


def test_a_second_run_changes_nothing() -> None:
    job(JobStatus.RUNNING, timedelta(hours=1))
    handler(scheduled_event(NOW), FakeLambdaContext())
    assert handler(scheduled_event(NOW), FakeLambdaContext()) == {"failed": 0, "cancelled": 0}
