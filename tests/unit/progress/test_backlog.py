"""Recovering from a backlog after a break: postponing or spreading the overdue cards by the FSRS Helper add-on's rules,
within the request for a small backlog and by a resumable job for a large one, and the dashboard's suggestion."""

import json
import math
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient

from functions.account_jobs.handler import handler as account_jobs_worker
from localcloud.pump import sqs_event
from shared.catalog import ACCOUNT_JOBS
from shared.constants import Queues, physical_name
from shared.dal import progress_repository
from shared.dal.base import batch_save
from shared.dal.jobs import BackgroundJobItem
from shared.dal.progress import ProgressItem, SentenceProgressItem
from shared.enums import JobStatus, MasteryLevel
from shared.services import account_jobs, backlog
from shared.settings import get_settings
from tests.auth_helpers import Session
from tests.helpers import FakeLambdaContext, assert_error
from tests.unit.progress.conftest import START, Clock, answer

BACKLOG = "/api/v1/progress/backlog"
TODAY = datetime(2026, 11, 24, tzinfo=UTC)  # the learner's day (UTC) at START


def review_card(
    user_id: str, *, due: datetime, interval_days: float, stability: float, level: MasteryLevel = MasteryLevel.YOUNG
) -> SentenceProgressItem:
    """A card in review, last reviewed `interval_days` before it fell due, with an FSRS memory state."""
    return SentenceProgressItem(
        user_id=user_id,
        sentence_id=str(uuid.uuid4()),
        next_review_date=due,
        last_reviewed_date=due - timedelta(days=interval_days),
        interval_days=interval_days,
        stability=stability,
        difficulty=5.0,
        fsrs_state=2,  # Review
        total_attempts=3,
        correct_attempts=3,
        repetition_count=3,
        mastery_level=level,
    )


def stored(cards: list[SentenceProgressItem]) -> list[SentenceProgressItem]:
    batch_save(ProgressItem, cards)
    return cards


def read(card: ProgressItem) -> ProgressItem:
    return ProgressItem.get(card.user_id, card.item_key, consistent_read=True)


def overdue_deck(user_id: str, count: int) -> list[SentenceProgressItem]:
    """`count` overdue cards, the n-th due n+1 days ago after an interval of 10 days: the longer overdue, the lower
    its retrievability."""
    return stored(
        [review_card(user_id, due=TODAY - timedelta(days=n + 1), interval_days=10, stability=10) for n in range(count)]
    )


def queued_jobs(visible_again: bool = False) -> list[dict[str, Any]]:
    """The messages waiting in the account-jobs queue; received, unless `visible_again` (a peek)."""
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=physical_name(get_settings().stage, Queues.ACCOUNT_JOBS))["QueueUrl"]
    received = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], VisibilityTimeout=0 if visible_again else 30
    )
    return list(received.get("Messages", []))


def run_worker() -> dict[str, Any]:
    messages = queued_jobs()
    assert messages, "no account job was queued"
    arn = "arn:aws:sqs:us-east-1:123456789012:kotoba-test-account-jobs"
    return dict(account_jobs_worker(sqs_event(arn, messages), FakeLambdaContext(remaining_ms=600_000)))  # type: ignore[arg-type]


def days_of(cards: list[SentenceProgressItem]) -> Counter[int]:
    """On which day (0: today) each card now falls due."""
    return Counter((read(card).next_review_date - TODAY).days for card in cards)


def test_postpone_moves_only_overdue_cards(client: TestClient, learner: Session, clock: Clock) -> None:
    # Given three overdue review cards of 10, 40 and 100 days, one due earlier today, one due tomorrow
    overdue = stored(
        [
            review_card(learner.user_id, due=TODAY - timedelta(days=3), interval_days=interval, stability=interval)
            for interval in (10, 40, 100)
        ]
    )
    today_card, tomorrow_card = stored(
        [
            review_card(learner.user_id, due=START - timedelta(hours=2), interval_days=5, stability=5),
            review_card(learner.user_id, due=START + timedelta(days=1), interval_days=5, stability=5),
        ]
    )

    synced_at = datetime.now(UTC)  # a phone's last sync

    # When the learner postpones all of them
    response = client.post(BACKLOG, headers=learner.headers, json={"action": "postpone", "keep": 0})

    # Then only the overdue cards moved, each by 7.5 % of its interval (at least a day) from today's start
    assert response.status_code == 200, response.text
    assert response.json() == {"action": "postpone", "overdue_before": 3, "moved": 3, "skipped": 0, "overdue_after": 0}
    assert [read(card).next_review_date for card in overdue] == [
        TODAY + timedelta(days=days) for days in (1, math.ceil(40 * 0.075), math.ceil(100 * 0.075))
    ]
    for untouched in (today_card, tomorrow_card):
        after = read(untouched)
        assert (after.next_review_date, after.version) == (untouched.next_review_date, None)  # never written
    # And a phone that synced before sees the moved cards, and only them, as changed
    changed = client.get(
        "/api/v1/progress/sentences", headers=learner.headers, params={"updated_after": synced_at.isoformat()}
    ).json()["items"]
    assert {item["item_id"] for item in changed} == {card.sentence_id for card in overdue}


def test_postpone_keeps_the_most_urgent_and_leaves_learning_cards(
    client: TestClient, learner: Session, clock: Clock
) -> None:
    # Given five overdue review cards (the longer overdue, the lower their recall probability) and a learning card
    deck = overdue_deck(learner.user_id, 5)
    (learning,) = stored(
        [
            review_card(
                learner.user_id,
                due=TODAY - timedelta(days=1),
                interval_days=0.01,
                stability=0.5,
                level=MasteryLevel.LEARNING,
            )
        ]
    )

    # When the learner postpones all but two
    response = client.post(BACKLOG, headers=learner.headers, json={"action": "postpone", "keep": 2})

    # Then four of the six wait: those that lose least by waiting, the review cards least overdue
    assert response.json() == {"action": "postpone", "overdue_before": 6, "moved": 4, "skipped": 0, "overdue_after": 2}
    still_due = {
        progress_repository.card_key(*c.key) for c in progress_repository.overdue_cards(learner.user_id, TODAY)
    }
    assert still_due == {deck[4].item_key, learning.item_key}  # the lowest recall probability, and the learning card
    assert all(read(card).next_review_date == TODAY + timedelta(days=1) for card in deck[:4])

    # And the same request again changes nothing: its target is met
    again = client.post(BACKLOG, headers=learner.headers, json={"action": "postpone", "keep": 2})
    assert again.json() == {"action": "postpone", "overdue_before": 2, "moved": 0, "skipped": 0, "overdue_after": 2}


def test_postpone_keeps_a_days_reviews_by_default(client: TestClient, learner: Session, clock: Clock) -> None:
    # Given a learner reviewing up to 3 cards a day, with 5 overdue
    client.put("/api/v1/users/me/preferences", headers=learner.headers, json={"max_daily_reviews": 3})
    overdue_deck(learner.user_id, 5)

    # When they postpone without saying how many to keep
    response = client.post(BACKLOG, headers=learner.headers, json={"action": "postpone"})

    # Then a day's reviews stay due
    assert (response.json()["moved"], response.json()["overdue_after"]) == (2, 3)


def test_spread_lays_the_overdue_cards_evenly_over_the_days_most_urgent_first(
    client: TestClient, learner: Session, clock: Clock
) -> None:
    # Given seven overdue cards
    deck = overdue_deck(learner.user_id, 7)

    # When the learner spreads them over three days
    response = client.post(BACKLOG, headers=learner.headers, json={"action": "spread", "days": 3})

    # Then each day gets an even share (3, 2, 2), the lowest recall probability (longest overdue) first
    assert response.json() == {"action": "spread", "overdue_before": 7, "moved": 7, "skipped": 0, "overdue_after": 0}
    assert [(read(card).next_review_date - TODAY).days for card in reversed(deck)] == [0, 0, 0, 1, 1, 2, 2]
    assert read(deck[-1]).next_review_date == TODAY  # due from the start of today: today's work, no longer overdue

    # And spreading again finds nothing overdue, and moves nothing twice
    again = client.post(BACKLOG, headers=learner.headers, json={"action": "spread", "days": 3})
    assert again.json() == {"action": "spread", "overdue_before": 0, "moved": 0, "skipped": 0, "overdue_after": 0}
    assert {read(card).version for card in deck} == {1}


@pytest.mark.parametrize(
    "body",
    [
        {"action": "spread", "days": 0},
        {"action": "spread", "days": 31},
        {"action": "spread"},
        {"action": "spread", "days": "3"},
        {"action": "postpone", "keep": -1},
        {"action": "postpone", "keep": 1001},
        {"action": "postpone", "days": 3},
        {"action": "forget"},
        {},
    ],
)
def test_a_bad_request_is_a_422_and_moves_nothing(
    client: TestClient, learner: Session, clock: Clock, body: dict[str, Any]
) -> None:
    deck = overdue_deck(learner.user_id, 2)
    assert_error(client.post(BACKLOG, headers=learner.headers, json=body), 422, "validation_error")
    assert {read(card).version for card in deck} == {None}


def test_a_job_of_another_learner_or_none_at_all_is_a_404(client: TestClient, learner: Session) -> None:
    assert_error(client.get(f"{BACKLOG}/{uuid.uuid4()}", headers=learner.headers), 404, "not_found")
    assert_error(client.post(BACKLOG, json={"action": "spread", "days": 2}), 401, "not_authenticated")


def test_a_large_backlog_is_moved_by_a_job_that_the_learner_follows(
    client: TestClient, learner: Session, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a backlog larger than a request moves (the bound lowered to 5 cards)
    monkeypatch.setattr(backlog, "IN_REQUEST_CARDS", 5)
    deck = overdue_deck(learner.user_id, 12)

    # When the learner spreads it over 3 days, and their phone retries the request
    started = client.post(BACKLOG, headers=learner.headers, json={"action": "spread", "days": 3})
    retried = client.post(BACKLOG, headers=learner.headers, json={"action": "spread", "days": 3})

    # Then a job is queued (202), the retry gets the same job, and a different recovery meanwhile is a 409
    assert started.status_code == retried.status_code == 202, started.text
    job_id = started.json()["job_id"]
    assert started.json() == {"job_id": job_id, "status": "pending", "status_url": f"{BACKLOG}/{job_id}"}
    assert retried.json()["job_id"] == job_id
    assert_error(client.post(BACKLOG, headers=learner.headers, json={"action": "postpone"}), 409, "conflict")
    assert {read(card).version for card in deck} == {None}  # nothing moved within the request

    # And once the worker has run it, every card has its day, and the job says so
    assert run_worker() == {"batchItemFailures": []}
    assert days_of(deck) == Counter({0: 4, 1: 4, 2: 4})
    followed = client.get(started.json()["status_url"], headers=learner.headers).json()
    assert {k: followed[k] for k in ("job_id", "status", "action", "moved", "skipped", "error")} == {
        "job_id": job_id,
        "status": "completed",
        "action": "spread",
        "moved": 12,
        "skipped": 0,
        "error": None,
    }
    # And the learner may recover again later: the finished job makes way for a new one
    overdue_deck(learner.user_id, 6)
    assert client.post(BACKLOG, headers=learner.headers, json={"action": "postpone"}).status_code == 202


def test_the_job_resumes_where_it_stopped_and_a_duplicate_delivery_moves_no_card_twice(
    client: TestClient, learner: Session, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a large backlog's job, moving 4 cards a transaction
    monkeypatch.setattr(backlog, "IN_REQUEST_CARDS", 5)
    monkeypatch.setattr(backlog, "CARDS_PER_MOVE", 4)
    deck = overdue_deck(learner.user_id, 12)
    job_id = client.post(BACKLOG, headers=learner.headers, json={"action": "spread", "days": 3}).json()["job_id"]

    # When its first run has time for one transaction only (its queued message still waiting, as after a timeout)
    time_left = iter([600_000, 0])
    first = account_jobs.run(job_id, datetime.now(UTC), lambda: next(time_left))

    # Then it moved 4 cards, kept its place, and handed itself back
    assert first.progress == account_jobs.Progress.CONTINUED
    job = BackgroundJobItem.get(job_id, consistent_read=True)
    assert (job.status, job.cursor, job.result_data) == (JobStatus.RUNNING, 4, {"moved": 4, "skipped": 0})
    assert days_of(deck)[0] == 4

    # And when the continuation and the original message are both delivered, the job ends as one run would have
    assert len(queued_jobs(visible_again=True)) == 2
    assert run_worker() == {"batchItemFailures": []}
    assert days_of(deck) == Counter({0: 4, 1: 4, 2: 4})
    assert {read(card).version for card in deck} == {1}  # each card written once
    done = BackgroundJobItem.get(job_id, consistent_read=True)
    assert (done.status, done.cursor, done.result_data["moved"]) == (JobStatus.COMPLETED, 12, 12)


def test_while_a_job_runs_the_request_answers_with_it_even_for_a_small_rest(
    client: TestClient, learner: Session, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a large backlog's job that has moved 8 of its 12 cards, 4 left: few enough for a request
    monkeypatch.setattr(backlog, "IN_REQUEST_CARDS", 5)
    monkeypatch.setattr(backlog, "CARDS_PER_MOVE", 8)
    deck = overdue_deck(learner.user_id, 12)
    job_id = client.post(BACKLOG, headers=learner.headers, json={"action": "spread", "days": 3}).json()["job_id"]
    time_left = iter([600_000, 0])
    assert account_jobs.run(job_id, datetime.now(UTC), lambda: next(time_left)).progress.value == "continued"

    # When the phone sends its request again
    again = client.post(BACKLOG, headers=learner.headers, json={"action": "spread", "days": 3})

    # Then it is told about the job, which keeps the rest of its backlog to itself
    assert (again.status_code, again.json()["job_id"], again.json()["status"]) == (202, job_id, "running")
    assert sorted(read(card).version or 0 for card in deck) == [0] * 4 + [1] * 8
    assert_error(client.post(BACKLOG, headers=learner.headers, json={"action": "spread", "days": 2}), 409, "conflict")


def test_a_job_whose_last_delivery_fails_is_failed_and_the_learner_may_ask_again(
    client: TestClient, learner: Session, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a large backlog's job whose every run fails
    monkeypatch.setattr(backlog, "IN_REQUEST_CARDS", 5)
    overdue_deck(learner.user_id, 6)
    started = client.post(BACKLOG, headers=learner.headers, json={"action": "postpone"}).json()

    def broken(*_: Any) -> Any:
        raise RuntimeError("DynamoDB is down")

    monkeypatch.setattr(backlog.progress_repository, "overdue_cards", broken)
    body = json.dumps({"job_id": started["job_id"]})

    # When the queue delivers it for the last time
    with pytest.raises(RuntimeError):
        account_jobs.run_delivery(body, ACCOUNT_JOBS.max_receive_count, lambda: 600_000)

    # Then the learner reads why, and a new request starts a new job
    job = client.get(started["status_url"], headers=learner.headers).json()
    assert (job["status"], job["error"]) == ("failed", backlog.BACKLOG_FAILED)
    monkeypatch.undo()
    monkeypatch.setattr(backlog, "IN_REQUEST_CARDS", 5)
    assert client.post(BACKLOG, headers=learner.headers, json={"action": "postpone"}).status_code == 202


def test_a_review_racing_the_move_wins_and_its_card_is_skipped(
    client: TestClient, learner: Session, clock: Clock
) -> None:
    # Given a plan to postpone three overdue cards, read before one of them is answered
    deck = overdue_deck(learner.user_id, 3)
    recovery = backlog.Recovery(
        action="postpone", cutoff=TODAY, timezone="UTC", keep=0, days=0, algorithm="fsrs", parameters=None
    )
    moves = backlog.plan(recovery, progress_repository.overdue_cards(learner.user_id, TODAY), position=0)
    assert len(moves) == 3
    answered = answer(client, learner, deck[0].sentence_id, "good")
    assert answered.status_code == 200, answered.text

    # When the cards are moved
    moved = progress_repository.move_due_dates(moves)

    # Then the answered card keeps the date its answer gave it; the other two moved
    assert moved == 2
    assert read(deck[0]).next_review_date == datetime.fromisoformat(answered.json()["next_review_date"])
    assert [read(card).next_review_date for card in deck[1:]] == [TODAY + timedelta(days=1)] * 2


def test_the_dashboard_counts_the_backlog_and_suggests_a_spread(
    client: TestClient, learner: Session, clock: Clock
) -> None:
    # Given a learner reviewing up to 50 cards a day with 120 overdue and one due later today
    overdue_deck(learner.user_id, 120)
    stored([review_card(learner.user_id, due=START + timedelta(hours=2), interval_days=5, stability=5)])

    # When they open the dashboard
    dashboard = client.get("/api/v1/progress/dashboard", headers=learner.headers).json()

    # Then it shows the backlog and the request that spreads it at 50 a day at most
    assert dashboard["overdue"] == 120 and dashboard["due_today"] == 121
    assert dashboard["backlog"]["action"] == {"action": "spread", "days": 3}
    assert "120 overdue" in dashboard["backlog"]["message"]

    # And following it clears the backlog
    assert client.post(BACKLOG, json=dashboard["backlog"]["action"], headers=learner.headers).json()["moved"] == 120
    after = client.get("/api/v1/progress/dashboard", headers=learner.headers).json()
    assert (after["overdue"], after["backlog"]["action"]) == (0, None)


@pytest.mark.parametrize(
    ("overdue", "action"),
    [
        (0, None),
        (50, None),
        (51, {"action": "spread", "days": 2}),
        (1500, {"action": "spread", "days": 30}),
        (1501, {"action": "postpone", "keep": 50}),
    ],
)
def test_the_suggestion_spreads_within_a_month_else_postpones(overdue: int, action: dict[str, Any] | None) -> None:
    suggested = backlog.suggestion(overdue, daily_reviews=50).action
    assert (suggested.model_dump() if suggested else None) == action
