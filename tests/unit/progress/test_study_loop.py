"""The daily study loop through the API: due cards, answers, sessions, dashboard, and their edge cases."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError
from pynamodb.transactions import TransactWrite

from shared.dal import progress_repository
from shared.dal.progress import ProgressItem
from shared.dal.reviews import ReviewLogItem
from tests.auth_helpers import Session, signed_up
from tests.helpers import aggregate_reviews, assert_error
from tests.unit.progress.conftest import START, Clock, answer


def test_a_new_learner_gets_new_sentences_up_to_the_daily_limit(client: TestClient, learner: Session) -> None:
    # Given a new learner who set a limit of 5 new cards a day
    client.put("/api/v1/users/me/preferences", headers=learner.headers, json={"max_daily_new_items": 5})
    # When they ask for their due cards
    due = client.get("/api/v1/progress/due", headers=learner.headers).json()
    # Then nothing is due for review, and 5 new sentences come, each with its readings
    assert due["due"] == []
    assert len(due["new"]) == due["new_left_today"] == 5
    assert all(card["sentence"]["hiragana_reading"] for card in due["new"])


def test_answering_moves_a_card_out_of_new_and_schedules_it(client: TestClient, learner: Session, clock: Clock) -> None:
    # When a learner answers their first new sentence "good"
    first = client.get("/api/v1/progress/due", headers=learner.headers).json()["new"][0]["sentence"]["id"]
    result = answer(client, learner, first, "good", response_time_ms=4200).json()
    # Then it is correct, learning, scheduled later; it leaves the new cards, which have 9 left today
    assert result["correct"] is True and result["mastery_level"] == "learning"
    assert datetime.fromisoformat(result["next_review_date"]) > START
    due = client.get("/api/v1/progress/due", headers=learner.headers).json()
    assert first not in {c["sentence"]["id"] for c in due["new"]}
    assert due["new_left_today"] == 9
    # When its review time has passed, Then it is the one card due, with its one attempt
    clock.at = datetime.fromisoformat(result["next_review_date"]) + timedelta(seconds=1)
    due_later = client.get("/api/v1/progress/due", headers=learner.headers).json()["due"]
    assert [c["progress"]["item_id"] for c in due_later] == [first]
    assert due_later[0]["progress"]["total_attempts"] == 1
    assert due_later[0]["sentence"]["id"] == first


def test_a_retried_review_counts_once(client: TestClient, learner: Session) -> None:
    # Given a review of a new sentence with its review id
    sentence = client.get("/api/v1/progress/due", headers=learner.headers).json()["new"][0]["sentence"]["id"]
    body = {"review_id": "retry-1234-abcd", "item_type": "sentence", "item_id": sentence, "rating": "good"}
    # When it is sent twice, as a phone retries after a lost answer
    first = client.post("/api/v1/progress/review", headers=learner.headers, json=body)
    again = client.post("/api/v1/progress/review", headers=learner.headers, json=body)
    # Then both get the same 200 answer, and the card, the log and today's count hold it once
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    card = ProgressItem.get(learner.user_id, f"sentence#{sentence}")
    assert card.total_attempts == 1
    assert ReviewLogItem.count(learner.user_id) == 1
    stats = client.get("/api/v1/progress/dashboard", headers=learner.headers).json()
    assert stats["reviews_today"] == 1


def test_a_review_id_cannot_be_reused_for_another_card(client: TestClient, learner: Session) -> None:
    # Given a review of one new sentence, accepted
    ids = [c["sentence"]["id"] for c in client.get("/api/v1/progress/due", headers=learner.headers).json()["new"][:2]]
    body = {"review_id": "same-id-9999", "item_type": "sentence", "rating": "good"}
    assert (
        client.post("/api/v1/progress/review", headers=learner.headers, json={**body, "item_id": ids[0]}).status_code
        == 200
    )
    # When the same review id is sent for another sentence, Then it is refused with 409
    assert_error(
        client.post("/api/v1/progress/review", headers=learner.headers, json={**body, "item_id": ids[1]}),
        409,
        "conflict",
    )


def test_two_racing_reviews_of_one_card_are_both_kept(
    client: TestClient, learner: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a card answered once, and another phone's answer that lands between this answer's read and its write
    sentence = client.get("/api/v1/progress/due", headers=learner.headers).json()["new"][0]["sentence"]["id"]
    answer(client, learner, sentence, "good")
    real_record = progress_repository.record_review
    raced = {"done": False}

    def record_after_a_rival(*args: Any, **kwargs: Any) -> Any:
        if not raced["done"]:  # the other phone's answer lands between our read and our write
            raced["done"] = True
            assert answer(client, learner, sentence, "easy").status_code == 200
        return real_record(*args, **kwargs)

    monkeypatch.setattr(progress_repository, "record_review", record_after_a_rival)
    # When this answer is sent, Then it succeeds, and the card and the log hold all three answers
    assert answer(client, learner, sentence, "hard").status_code == 200
    card = ProgressItem.get(learner.user_id, f"sentence#{sentence}")
    assert card.total_attempts == 3
    assert ReviewLogItem.count(learner.user_id) == 3


def test_a_transaction_conflict_in_dynamodb_is_retried_not_a_500(
    client: TestClient, learner: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DynamoDB cancels a transaction that meets another on the same item with TransactionConflict (the
    emulator never does): the review reads again and is stored once."""
    # Given DynamoDB cancelling the next transaction with TransactionConflict on the card
    sentence = client.get("/api/v1/progress/due", headers=learner.headers).json()["new"][0]["sentence"]["id"]
    real_commit = TransactWrite._commit
    conflicts = {"left": 1}

    def commit_after_a_collision(self: TransactWrite) -> Any:
        if conflicts["left"]:
            conflicts["left"] -= 1
            cause = VerboseClientError(
                {"Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"}},
                "TransactWriteItems",
                cancellation_reasons=[None, CancellationReason(code="TransactionConflict"), None, None],
            )
            raise TransactWriteError("Failed to commit transaction", cause=cause)
        return real_commit(self)

    monkeypatch.setattr(TransactWrite, "_commit", commit_after_a_collision)
    # When an answer is sent, Then it succeeds after the conflict, stored once in the card and the log
    assert answer(client, learner, sentence, "good").status_code == 200
    assert conflicts["left"] == 0
    assert ProgressItem.get(learner.user_id, f"sentence#{sentence}").total_attempts == 1
    assert ReviewLogItem.count(learner.user_id) == 1


def test_grades_are_validated(client: TestClient, learner: Session) -> None:
    # When answers are sent with an unknown rating, no grade, both grades, a quality out of range, a negative time,
    # or for a sentence that does not exist, Then each is refused (422, or 404), and no card is written
    sentence = client.get("/api/v1/progress/due", headers=learner.headers).json()["new"][0]["sentence"]["id"]
    for extra in ({"rating": "perfect"}, {"rating": None, "quality": 6}, {"rating": "good", "quality": 4},
                  {"rating": None}, {"response_time_ms": -5}):  # fmt: skip
        assert_error(answer(client, learner, sentence, **extra), 422, "validation_error")
    assert_error(answer(client, learner, "0000dead"), 404, "not_found")
    assert ProgressItem.count(learner.user_id) == 0


def test_sm2_learners_may_grade_zero_to_five(client: TestClient, learner: Session) -> None:
    # Given a learner who chose SM-2
    client.put("/api/v1/users/me/preferences", headers=learner.headers, json={"srs_algorithm": "sm2"})
    sentence = client.get("/api/v1/progress/due", headers=learner.headers).json()["new"][0]["sentence"]["id"]
    # When they grade a new card 5, then 1, Then it is correct in a day, then failed back to a day and learning
    result = answer(client, learner, sentence, rating=None, quality=5).json()
    assert (result["correct"], result["interval_days"]) == (True, 1)
    failed = answer(client, learner, sentence, rating=None, quality=1).json()
    assert (failed["correct"], failed["interval_days"], failed["mastery_level"]) == (False, 1, "learning")


def test_days_and_streaks_follow_the_learners_time_zone(client: TestClient, learner: Session, clock: Clock) -> None:
    # Given a learner in Tokyo who answers at 23:59 on the 24th and at 00:01 on the 25th, their time (both the 24th
    # in UTC)
    client.put("/api/v1/users/me/preferences", headers=learner.headers, json={"timezone": "Asia/Tokyo"})
    ids = [c["sentence"]["id"] for c in client.get("/api/v1/progress/due", headers=learner.headers).json()["new"]]
    clock.at = datetime(2026, 11, 24, 14, 59, tzinfo=UTC)  # 23:59 in Tokyo on the 24th
    answer(client, learner, ids[0])
    aggregate_reviews()  # the event pump stores the 24th's totals seconds later
    clock.at = datetime(2026, 11, 24, 15, 1, tzinfo=UTC)  # 00:01 in Tokyo on the 25th, still the 24th in UTC
    answer(client, learner, ids[1])
    # When they look at their dashboard and stats, Then today is the 25th with one review, the streak is two days,
    # and each day has one review
    dashboard = client.get("/api/v1/progress/dashboard", headers=learner.headers).json()
    assert dashboard["day"] == "2026-11-25"
    assert (dashboard["reviews_today"], dashboard["current_streak_days"]) == (1, 2)
    days = {
        d["day"]: d["reviews"] for d in client.get("/api/v1/progress/stats", headers=learner.headers).json()["days"]
    }
    assert (days["2026-11-24"], days["2026-11-25"]) == (1, 1)
    # When they next answer on the 27th, having missed the 26th, Then their streak starts again at one day
    clock.at = datetime(2026, 11, 26, 15, 1, tzinfo=UTC)  # the 27th in Tokyo: the 26th was missed
    answer(client, learner, ids[2])
    assert client.get("/api/v1/auth/me", headers=learner.headers).json()["current_streak_days"] == 1


def test_the_daily_review_limit_is_honoured(client: TestClient, learner: Session, clock: Clock) -> None:
    # Given a learner with a limit of 3 reviews a day, who answers the 3 cards offered "again"
    client.put("/api/v1/users/me/preferences", headers=learner.headers, json={"max_daily_reviews": 3})
    due = client.get("/api/v1/progress/due", headers=learner.headers).json()
    assert due["new_left_today"] == 3
    for card in due["new"]:
        answer(client, learner, card["sentence"]["id"], "again")
    # When they ask again two hours later, when those cards are due again
    clock.at += timedelta(hours=2)
    after = client.get("/api/v1/progress/due", headers=learner.headers).json()
    # Then no review is left today: nothing is due and nothing new is offered
    assert (after["reviews_left_today"], after["due"], after["new"]) == (0, [], [])


def test_a_session_collects_answers_and_reports_its_metrics(client: TestClient, learner: Session, clock: Clock) -> None:
    # Given a session in which three new sentences were answered good, again and easy in 3, 6 and 1.5 s
    session = client.post("/api/v1/progress/sessions", headers=learner.headers, json={"device_type": "mobile"}).json()
    ids = [c["sentence"]["id"] for c in client.get("/api/v1/progress/due", headers=learner.headers).json()["new"][:3]]
    for sentence, rating, ms in zip(ids, ["good", "again", "easy"], [3000, 6000, 1500], strict=True):
        assert (
            answer(client, learner, sentence, rating, response_time_ms=ms, session_id=session["id"]).status_code == 200
        )
    # When it is finished six minutes later
    clock.at += timedelta(minutes=6)
    done = client.post(f"/api/v1/progress/sessions/{session['id']}/finish", headers=learner.headers).json()
    # Then its figures are those of the three answers, without the internal running total
    assert (done["total_questions"], done["correct_answers"], done["new_sentences_learned"]) == (3, 2, 3)
    assert (done["accuracy_percentage"], done["average_response_time"], done["duration_minutes"]) == (66.7, 3500.0, 6)
    assert done["exp_gained"] == 10 * 2 + 2 * 3 + 5 * 3
    assert len(done["sentences_reviewed"]) == 3
    assert "response_time_total_ms" not in done
    # When it is finished again, or answered in after it was finished, Then 409, then 404
    assert_error(
        client.post(f"/api/v1/progress/sessions/{session['id']}/finish", headers=learner.headers), 409, "conflict"
    )
    late = answer(client, learner, ids[0], "good", session_id=session["id"])
    assert_error(late, 404, "not_found")


def test_sessions_belong_to_their_learner(client: TestClient, learner: Session) -> None:
    # Given a learner's session, When another learner asks for it by its id, Then it is not found for them
    session = client.post("/api/v1/progress/sessions", headers=learner.headers, json={}).json()
    other = signed_up(client, "ren@example.com", "ren")
    assert_error(client.get(f"/api/v1/progress/sessions/{session['id']}", headers=other.headers), 404, "not_found")


def test_the_dashboard_counts_due_cards_forecast_and_mastery(client: TestClient, learner: Session) -> None:
    # Given four new sentences answered good, and the review aggregator's run
    ids = [c["sentence"]["id"] for c in client.get("/api/v1/progress/due", headers=learner.headers).json()["new"][:4]]
    for sentence in ids:
        answer(client, learner, sentence, "good")  # FSRS's first learning step: due again today
    aggregate_reviews()  # the deck summary behind "mastery" is the review aggregator's
    # When the learner opens the dashboard, Then the four are scheduled (none due now), counted in the mastery levels,
    # 4 of 4 correct, added in the last 30 days, with a one-day streak; and their progress lists the four
    dashboard = client.get("/api/v1/progress/dashboard", headers=learner.headers).json()
    assert dashboard["due_now"] == 0
    assert sum(d["count"] for d in dashboard["forecast"]) + dashboard["due_today"] == 4
    assert sum(dashboard["mastery"].values()) == 4
    assert dashboard["retention_7_days"] == {"reviews": 4, "correct": 4, "rate": 1.0}
    assert (dashboard["items_added_30_days"], dashboard["current_streak_days"]) == (4, 1)
    progress = client.get("/api/v1/progress/sentences", headers=learner.headers).json()["items"]
    assert sorted(p["item_id"] for p in progress) == sorted(ids)
