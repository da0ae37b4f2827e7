"""Leeches and suspended cards through the API: a card forgotten again and again is flagged, and a card the learner
suspends is never due until taken back, at the date it had."""

from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.auth_helpers import Session
from tests.helpers import aggregate_reviews, assert_error
from tests.unit.progress.conftest import START, Clock, answer

API = "/api/v1/progress"


def first_new_sentence(client: TestClient, who: Session) -> str:
    return client.get(f"{API}/due", headers=who.headers).json()["new"][0]["sentence"]["id"]  # type: ignore[no-any-return]


def card(client: TestClient, who: Session, sentence_id: str) -> dict[str, Any] | None:
    items = client.get(f"{API}/sentences", headers=who.headers).json()["items"]
    return next((item for item in items if item["item_id"] == sentence_id), None)


def progress_of(client: TestClient, who: Session, sentence_id: str) -> dict[str, Any]:
    found = card(client, who, sentence_id)
    assert found is not None, f"no card for {sentence_id}"
    return found


def answer_when_due(client: TestClient, who: Session, clock: Clock, sentence_id: str, rating: str) -> None:
    known = card(client, who, sentence_id)
    if known is not None:
        clock.at = max(clock.at, datetime.fromisoformat(known["next_review_date"]))
    response = answer(client, who, sentence_id, rating)
    assert response.status_code == 200, response.text


def lapse(client: TestClient, who: Session, clock: Clock, sentence_id: str) -> None:
    """Learn the card until it is in review (an interval of a day or more), then forget it once."""
    while (known := card(client, who, sentence_id)) is None or known["interval_days"] < 1:
        answer_when_due(client, who, clock, sentence_id, "good")
    answer_when_due(client, who, clock, sentence_id, "again")


def suspend(client: TestClient, who: Session, sentence_id: str, suspended: bool = True) -> Any:
    return client.put(f"{API}/cards/sentence/{sentence_id}", headers=who.headers, json={"suspended": suspended})


def test_a_card_lapsed_as_often_as_the_threshold_is_a_leech_in_the_list_and_on_the_dashboard(
    client: TestClient, learner: Session, clock: Clock
) -> None:
    # Given a learner whose threshold is 2 lapses (8 by default) and a card forgotten once
    assert client.get("/api/v1/auth/me", headers=learner.headers).json()["leech_threshold"] == 8
    client.put("/api/v1/users/me/preferences", headers=learner.headers, json={"leech_threshold": 2})
    sentence = first_new_sentence(client, learner)
    lapse(client, learner, clock, sentence)
    assert (progress_of(client, learner, sentence)["lapses"], progress_of(client, learner, sentence)["is_leech"]) == (
        1,
        False,
    )

    # When it is forgotten a second time
    lapse(client, learner, clock, sentence)
    aggregate_reviews()  # the dashboard's deck summary is the review aggregator's

    # Then it is a leech in the list and counted on the dashboard, and a higher threshold unflags it
    assert (progress_of(client, learner, sentence)["lapses"], progress_of(client, learner, sentence)["is_leech"]) == (
        2,
        True,
    )
    dashboard = client.get(f"{API}/dashboard", headers=learner.headers).json()
    assert (dashboard["leeches"], dashboard["leech_threshold"]) == (1, 2)
    client.put("/api/v1/users/me/preferences", headers=learner.headers, json={"leech_threshold": 3})
    assert progress_of(client, learner, sentence)["is_leech"] is False
    assert client.get(f"{API}/dashboard", headers=learner.headers).json()["leeches"] == 0


def test_a_suspended_card_is_never_due_and_comes_back_at_its_date(
    client: TestClient, learner: Session, clock: Clock
) -> None:
    # Given a card answered once, due again later today
    sentence = first_new_sentence(client, learner)
    answer(client, learner, sentence, "good")
    due_at = datetime.fromisoformat(progress_of(client, learner, sentence)["next_review_date"])

    # When the learner suspends it and its due time passes
    suspended = suspend(client, learner, sentence)
    clock.at = due_at + timedelta(days=3)

    # Then it is in no due list or count, not offered as new, and cannot be answered
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["suspended"] is True
    assert datetime.fromisoformat(suspended.json()["next_review_date"]) == due_at
    due = client.get(f"{API}/due", headers=learner.headers).json()
    assert due["due"] == [] and sentence not in {c["sentence"]["id"] for c in due["new"]}
    dashboard = client.get(f"{API}/dashboard", headers=learner.headers).json()
    assert (dashboard["due_now"], dashboard["due_today"], sum(d["count"] for d in dashboard["forecast"])) == (0, 0, 0)
    assert_error(answer(client, learner, sentence, "good"), 409, "conflict")

    # And taken back, it is due at once (its date has passed), with its schedule as it was
    back = suspend(client, learner, sentence, suspended=False)
    assert back.json()["suspended"] is False
    assert datetime.fromisoformat(back.json()["next_review_date"]) == due_at
    assert [c["progress"]["item_id"] for c in client.get(f"{API}/due", headers=learner.headers).json()["due"]] == [
        sentence
    ]
    assert answer(client, learner, sentence, "good").status_code == 200


def test_suspending_twice_changes_nothing_the_second_time(client: TestClient, learner: Session, clock: Clock) -> None:
    sentence = first_new_sentence(client, learner)
    answer(client, learner, sentence, "good")

    first, second = suspend(client, learner, sentence), suspend(client, learner, sentence)

    assert second.status_code == 200
    assert second.json()["suspended_at"] == first.json()["suspended_at"]
    assert datetime.fromisoformat(first.json()["suspended_at"]) == START


def test_only_a_card_the_learner_has_can_be_suspended(client: TestClient, learner: Session) -> None:
    never_answered = first_new_sentence(client, learner)

    assert_error(suspend(client, learner, never_answered), 404, "not_found")
    assert_error(
        client.put(f"{API}/cards/kanji/{never_answered}", headers=learner.headers, json={"suspended": True}),
        422,
        "validation_error",
    )
    assert_error(
        client.put(f"{API}/cards/sentence/{never_answered}", headers=learner.headers, json={"suspended": "yes"}),
        422,
        "validation_error",
    )
    assert_error(
        client.put(f"{API}/cards/sentence/{never_answered}", json={"suspended": True}), 401, "not_authenticated"
    )


def test_the_leech_threshold_is_validated(client: TestClient, learner: Session) -> None:
    for bad in (1, 101, "8"):
        response = client.put("/api/v1/users/me/preferences", headers=learner.headers, json={"leech_threshold": bad})
        assert_error(response, 422, "validation_error")
