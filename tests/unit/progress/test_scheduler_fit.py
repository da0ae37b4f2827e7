"""A learner's own FSRS scheduler: fits queued by the learner or by the review aggregator and run by the fit worker,
the parameters they store used from the next review on, the defaults below the minimum, and the desired retention
with its bounds."""

from datetime import timedelta
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient

from functions.fsrs_fit.handler import handler as fit_worker
from localcloud.pump import sqs_event
from shared.catalog import FSRS_FITS
from shared.constants import Queues, physical_name
from shared.dal import scheduler_repository
from shared.dal.jobs import BackgroundJobItem
from shared.dal.reviews import ReviewLogItem
from shared.domain.scheduler import LoggedReview
from shared.enums import JobStatus
from shared.services import fsrs_fit, scheduler
from shared.settings import get_settings
from tests.auth_helpers import Session
from tests.helpers import FakeLambdaContext, assert_error
from tests.synthetic_reviews import forgetful_learner_log
from tests.unit.progress.conftest import START, Clock, answer

SCHEDULER = "/api/v1/progress/scheduler"
OPTIMIZE = "/api/v1/progress/scheduler/optimize"
PREFERENCES = "/api/v1/users/me/preferences"


def write_log(user_id: str, log: list[LoggedReview]) -> None:
    """The learner's history as the review path writes it (what a fit reads of it: card, time, rating, first)."""
    first_reviews = {review.card: review for review in reversed(log)}
    with ReviewLogItem.batch_write() as batch:
        for number, review in enumerate(log):
            batch.save(
                ReviewLogItem(
                    user_id=user_id,
                    review_id=f"history-{number:06d}",
                    item_key=review.card,
                    reviewed_at=review.reviewed_at,
                    algorithm="fsrs",
                    rating=review.rating,
                    correct=review.rating > 1,
                    was_new=first_reviews[review.card] is review,
                    interval_days=1.0,
                    next_review_date=review.reviewed_at + timedelta(days=1),
                    mastery_level="young",
                )
            )


def queued_fits() -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=physical_name(get_settings().stage, Queues.FSRS_FITS))["QueueUrl"]
    return list(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", []))


def run_fit_worker() -> dict[str, Any]:
    """Hand the queued fit messages to the worker as Lambda would."""
    messages = queued_fits()
    assert messages, "no fit was queued"
    arn = f"arn:aws:sqs:us-east-1:123456789012:kotoba-test-{Queues.FSRS_FITS}"
    return dict(fit_worker(sqs_event(arn, messages), FakeLambdaContext()))  # type: ignore[arg-type]


def first_interval(client: TestClient, who: Session, rating: str = "easy") -> float:
    """The interval FSRS gives a new sentence answered `rating`."""
    item = client.get("/api/v1/progress/due", headers=who.headers).json()["new"][0]["sentence"]["id"]
    result = answer(client, who, item, rating)
    assert result.status_code == 200, result.text
    return float(result.json()["interval_days"])


def test_a_learner_with_enough_history_is_fitted_and_their_next_interval_changes(
    client: TestClient, learner: Session, clock: Clock
) -> None:
    # Given a learner with a long history (900 reviews) who forgets faster than the defaults predict
    write_log(learner.user_id, forgetful_learner_log(150, 6, START - timedelta(days=300)))
    before = client.get(SCHEDULER, headers=learner.headers).json()
    assert (before["personalized"], before["last_fit"], before["recommended_retention"]) == (False, None, None)
    default_interval = first_interval(client, learner)

    # When they ask for a fit, twice
    queued = client.post(OPTIMIZE, headers=learner.headers)
    again = client.post(OPTIMIZE, headers=learner.headers)

    # Then one fit is queued (the second answer is the same job), shown as pending
    assert queued.status_code == again.status_code == 202, queued.text
    assert queued.json()["status"] == "pending" and again.json()["job_id"] == queued.json()["job_id"]
    assert client.get(SCHEDULER, headers=learner.headers).json()["fit_job"]["job_id"] == queued.json()["job_id"]

    # And once the worker has run it, the learner has their own parameters, better on their log than the defaults
    assert run_fit_worker() == {"batchItemFailures": []}
    after = client.get(SCHEDULER, headers=learner.headers).json()
    assert after["personalized"] is True and after["fit_job"] is None
    assert len(after["parameters"]) == 21 and after["parameters"] != before["parameters"]
    fit = after["last_fit"]
    assert fit["reviews"] == 901 and fit["training_reviews"] >= fsrs_fit.MIN_TRAINING_REVIEWS
    assert fit["log_loss_after"] < fit["log_loss_before"]
    assert 0.70 <= after["recommended_retention"] <= 0.97
    job = BackgroundJobItem.get(queued.json()["job_id"])
    assert (job.status, job.result_data["fitted"]) == (JobStatus.COMPLETED, True)

    # And their very next review is scheduled with them: the same first answer gets a shorter interval
    clock.at += timedelta(minutes=5)
    assert first_interval(client, learner) < default_interval


def test_a_learner_below_the_minimum_keeps_the_defaults(client: TestClient, learner: Session) -> None:
    # Given a learner with about 130 training reviews, fewer than a fit needs
    write_log(learner.user_id, forgetful_learner_log(40, 6, START - timedelta(days=300)))
    defaults = client.get(SCHEDULER, headers=learner.headers).json()["parameters"]

    # When a fit runs
    queued = client.post(OPTIMIZE, headers=learner.headers)
    assert queued.status_code == 202
    assert run_fit_worker() == {"batchItemFailures": []}

    # Then they keep the defaults, and the status says why
    after = client.get(SCHEDULER, headers=learner.headers).json()
    assert (after["personalized"], after["parameters"]) == (False, defaults)
    assert after["last_fit"]["training_reviews"] < after["min_training_reviews"] == fsrs_fit.MIN_TRAINING_REVIEWS
    assert (after["last_fit"]["log_loss_before"], after["recommended_retention"]) == (None, None)
    # And may ask again (the fit is no longer queued)
    assert client.post(OPTIMIZE, headers=learner.headers).json()["job_id"] != queued.json()["job_id"]


@pytest.mark.parametrize("retention", [0.69, 0.98, 1.5, 0, "high"])
def test_a_desired_retention_outside_070_097_is_refused(client: TestClient, learner: Session, retention: Any) -> None:
    response = client.put(PREFERENCES, headers=learner.headers, json={"desired_retention": retention})

    assert_error(response, 422, "validation_error")
    assert client.get(SCHEDULER, headers=learner.headers).json()["desired_retention"] == 0.9


def test_a_lower_desired_retention_means_longer_intervals_and_less_work(
    client: TestClient, learner: Session, clock: Clock
) -> None:
    at_default = client.get(SCHEDULER, headers=learner.headers).json()
    default_interval = first_interval(client, learner)

    changed = client.put(PREFERENCES, headers=learner.headers, json={"desired_retention": 0.8})

    assert changed.status_code == 200 and changed.json()["desired_retention"] == 0.8
    status = client.get(SCHEDULER, headers=learner.headers).json()
    assert status["desired_retention"] == 0.8
    assert 0 < status["expected_daily_reviews"] < at_default["expected_daily_reviews"]
    clock.at += timedelta(minutes=5)
    assert first_interval(client, learner) > default_interval


def test_the_aggregator_queues_a_fit_every_500_new_reviews_at_most_weekly(learner: Session, clock: Clock) -> None:
    now = clock.at
    write_log(learner.user_id, forgetful_learner_log(100, 5, START - timedelta(days=300)))  # 500 reviews
    # Fewer than 500 reviews: nothing; 500: a fit, once while it is queued
    assert scheduler.queue_due_fits({learner.user_id: 499}, now) == 0
    assert scheduler.queue_due_fits({learner.user_id: 500}, now) == 1
    assert scheduler.queue_due_fits({learner.user_id: 600}, now) == 0
    assert len(queued_fits()) == 1

    # Once it has run, on those 500 reviews
    (job,) = BackgroundJobItem.by_user.query(learner.user_id)
    scheduler.run(str(job.id), now)

    # Then the next is due after 500 more reviews and seven days, not before
    assert scheduler.queue_due_fits({learner.user_id: 999}, now + timedelta(days=8)) == 0
    assert scheduler.queue_due_fits({learner.user_id: 1000}, now + timedelta(days=6)) == 0
    assert scheduler.queue_due_fits({learner.user_id: 1000}, now + timedelta(days=7)) == 1

    # And a fit whose message was lost holds its claim for an hour only: then the next batch queues it again
    assert scheduler.queue_due_fits({learner.user_id: 1001}, now + timedelta(days=7, minutes=59)) == 0
    assert scheduler.queue_due_fits({learner.user_id: 1001}, now + timedelta(days=7, minutes=61)) == 1


def test_a_fit_whose_last_delivery_fails_is_failed_and_the_learner_may_queue_another(
    client: TestClient, learner: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = client.post(OPTIMIZE, headers=learner.headers).json()["job_id"]

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("the optimizer broke")

    monkeypatch.setattr(fsrs_fit, "fit", broken)
    body = f'{{"job_id": "{job_id}"}}'
    with pytest.raises(RuntimeError):
        scheduler.run_delivery(body, FSRS_FITS.max_receive_count)

    assert BackgroundJobItem.get(job_id).status == JobStatus.FAILED
    assert client.get(SCHEDULER, headers=learner.headers).json()["fit_job"] is None
    assert client.post(OPTIMIZE, headers=learner.headers).json()["job_id"] != job_id


def test_a_fit_reads_only_the_cards_whose_first_review_is_still_in_the_log(learner: Session) -> None:
    # Given a learner's 150 cards, 100 of which have had their first review archived out of the log (13 months)
    log = forgetful_learner_log(150, 6, START - timedelta(days=300))
    write_log(learner.user_id, log)
    archived = {f"sentence#{n:05d}" for n in range(100)}
    for card in archived:
        first = min((r for r in log if r.card == card), key=lambda r: r.reviewed_at)
        number = log.index(first)
        ReviewLogItem(user_id=learner.user_id, review_id=f"history-{number:06d}").delete()

    # When the fit reads the log, Then it reads the other 50 cards whole, and nothing of the 100
    read = scheduler_repository.review_log(learner.user_id)
    assert {r.card for r in read} == {f"sentence#{n:05d}" for n in range(100, 150)}
    assert len(read) == 50 * 6
