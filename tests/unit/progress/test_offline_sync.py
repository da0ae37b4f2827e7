"""Sync for offline phones: answers given offline sent as one batch, replayed safely, applied in answer order."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shared.dal.progress import ProgressItem
from shared.dal.reviews import ReviewLogItem
from tests.auth_helpers import Session, signed_up
from tests.helpers import aggregate_reviews, assert_error
from tests.unit.progress.conftest import START, Clock, answer

BATCH = "/api/v1/progress/reviews:batch"


def offline(item_id: str, rating: str, at: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "review_id": str(uuid.uuid4()),
        "item_type": "sentence",
        "item_id": item_id,
        "rating": rating,
        "answered_at": at.isoformat(),
        **extra,
    }


def new_sentences(client: TestClient, who: Session, count: int) -> list[str]:
    due = client.get("/api/v1/progress/due", headers=who.headers).json()
    return [card["sentence"]["id"] for card in due["new"][:count]]


def schedule(user_id: str, item_id: str) -> tuple[Any, ...]:
    card = ProgressItem.get(user_id, f"sentence#{item_id}")
    return (card.next_review_date, card.last_reviewed_date, card.total_attempts, card.lapses, card.stability)


@pytest.fixture
def rival(client: TestClient, learner: Session) -> Session:
    """A second learner, signed up before the clock is set (tokens are issued at the real time)."""
    return signed_up(client, "ren@example.com", "ren")


def test_a_batch_replayed_twice_is_counted_once_and_applied_in_answer_order(
    client: TestClient, learner: Session, rival: Session, clock: Clock
) -> None:
    # Given three answers on one card, given offline over two days and sent out of order
    sentence = new_sentences(client, learner, 1)[0]
    times = [START - timedelta(days=2), START - timedelta(days=1, hours=20), START - timedelta(hours=1)]
    reviews = [
        offline(sentence, "good", times[2]),
        offline(sentence, "again", times[0]),
        offline(sentence, "good", times[1]),
    ]

    # When the phone sends them, and then sends the same batch again (its first response was lost)
    first = client.post(BATCH, headers=learner.headers, json={"reviews": reviews})
    again = client.post(BATCH, headers=learner.headers, json={"reviews": reviews})

    # Then each is applied once, the results come back in the order sent, and the replay changes nothing
    assert first.status_code == again.status_code == 200
    results = first.json()["results"]
    assert [r["review_id"] for r in results] == [r["review_id"] for r in reviews]
    assert [r["status"] for r in results] == ["applied"] * 3
    assert [r["status"] for r in again.json()["results"]] == ["duplicate"] * 3
    assert [r["result"] for r in again.json()["results"]] == [r["result"] for r in results]
    assert ReviewLogItem.count(learner.user_id) == 3
    logged = {log.review_id: log.reviewed_at for log in ReviewLogItem.query(learner.user_id)}
    assert [logged[r["review_id"]] for r in reviews] == [times[2], times[0], times[1]]
    # and the card is where the same answers given online at those times, in that order, would have left it
    for at, rating in zip(times, ["again", "good", "good"], strict=True):
        clock.at = at
        assert answer(client, rival, sentence, rating).status_code == 200
    assert schedule(learner.user_id, sentence) == schedule(rival.user_id, sentence)
    assert schedule(learner.user_id, sentence)[1:3] == (times[2], 3)


def test_an_answer_older_than_the_cards_last_review_is_logged_but_does_not_move_the_card(
    client: TestClient, learner: Session, clock: Clock
) -> None:
    # Given a card answered online this morning
    sentence = new_sentences(client, learner, 1)[0]
    assert answer(client, learner, sentence, "good").status_code == 200
    before = schedule(learner.user_id, sentence)

    # When the phone sends an answer it gave offline the day before
    yesterday = START - timedelta(days=1)
    late = offline(sentence, "again", yesterday)
    response = client.post(BATCH, headers=learner.headers, json={"reviews": [late]})

    # Then it is kept in the log and yesterday's figures, and the card keeps its schedule
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result["status"] == "recorded_not_applied"
    assert datetime.fromisoformat(result["result"]["next_review_date"]) == before[0]
    assert schedule(learner.user_id, sentence) == before
    assert ReviewLogItem.get(learner.user_id, late["review_id"]).reviewed_at == yesterday
    aggregate_reviews()
    days = {d["day"]: d for d in client.get("/api/v1/progress/stats", headers=learner.headers).json()["days"]}
    assert (days[yesterday.date().isoformat()]["reviews"], days[yesterday.date().isoformat()]["correct"]) == (1, 0)
    assert days[START.date().isoformat()]["reviews"] == 1


def test_one_refused_answer_leaves_the_others_of_the_batch_stored(
    client: TestClient, learner: Session, clock: Clock
) -> None:
    # Given a batch in which one answer is for a sentence that does not exist and one for a suspended card
    sentence, suspended = new_sentences(client, learner, 2)
    answer(client, learner, suspended, "good")
    client.put(f"/api/v1/progress/cards/sentence/{suspended}", headers=learner.headers, json={"suspended": True})
    reviews = [
        offline("0000dead", "good", START - timedelta(minutes=3)),
        offline(sentence, "good", START - timedelta(minutes=2)),
        offline(suspended, "good", START - timedelta(minutes=1)),
    ]

    # When it is sent
    response = client.post(BATCH, headers=learner.headers, json={"reviews": reviews})

    # Then each refused answer carries its error, and the good one is stored
    assert response.status_code == 200
    missing, stored, refused = response.json()["results"]
    assert (missing["status"], missing["error"]["code"], missing["result"]) == ("error", "not_found", None)
    assert (refused["status"], refused["error"]["code"]) == ("error", "conflict")
    assert refused["error"]["message"] and "request_id" not in refused["error"]
    assert stored["status"] == "applied" and stored["error"] is None
    assert ReviewLogItem.count(learner.user_id) == 2  # the suspended card's first answer, and this one


def test_a_batch_that_is_not_valid_is_refused_whole(client: TestClient, learner: Session, clock: Clock) -> None:
    sentence = new_sentences(client, learner, 1)[0]
    good = offline(sentence, "good", START - timedelta(hours=1))
    bodies = [
        {"reviews": []},
        {"reviews": [offline(sentence, "good", START - timedelta(seconds=n)) for n in range(101)]},
        {"reviews": [good, {**good, "rating": "again"}]},  # one review id twice
        {"reviews": [good, {**offline(sentence, "good", START), "answered_at": "2026-11-24T02:00:00"}]},  # no offset
        {"reviews": [good, {**offline(sentence, "good", START), "rating": None}]},  # no grade
        {"reviews": [good, {**offline(sentence, "good", START), "answered_at": START.timestamp()}]},  # a number
    ]
    for body in bodies:
        assert_error(client.post(BATCH, headers=learner.headers, json=body), 422, "validation_error")
    # An answer from the future (beyond a few minutes of clock skew) or from long ago refuses the batch too
    for at in (START + timedelta(minutes=10), START - timedelta(days=31)):
        refused = assert_error(
            client.post(BATCH, headers=learner.headers, json={"reviews": [good, offline(sentence, "good", at)]}),
            422,
            "validation_error",
        )
        assert [d["field"] for d in refused["details"]] == ["body.reviews.1.answered_at"]
    assert ProgressItem.count(learner.user_id) == 0
    assert ReviewLogItem.count(learner.user_id) == 0


def test_a_phone_clock_slightly_ahead_is_taken_as_now(client: TestClient, learner: Session, clock: Clock) -> None:
    sentence = new_sentences(client, learner, 1)[0]
    ahead = offline(sentence, "good", START + timedelta(minutes=2))
    assert client.post(BATCH, headers=learner.headers, json={"reviews": [ahead]}).json()["results"][0]["status"] == (
        "applied"
    )
    assert ReviewLogItem.get(learner.user_id, ahead["review_id"]).reviewed_at == START


def test_todays_offline_answers_count_for_the_streak(client: TestClient, learner: Session, clock: Clock) -> None:
    sentence = new_sentences(client, learner, 1)[0]
    body = {"reviews": [offline(sentence, "good", START - timedelta(minutes=30))]}
    assert client.post(BATCH, headers=learner.headers, json=body).status_code == 200
    assert client.get("/api/v1/auth/me", headers=learner.headers).json()["current_streak_days"] == 1


def test_a_phone_polling_with_the_etag_gets_a_304_until_something_changes(
    client: TestClient, learner: Session, clock: Clock
) -> None:
    # Given the learner's card list as the phone last read it
    sentence = new_sentences(client, learner, 1)[0]
    answer(client, learner, sentence, "good")
    first = client.get("/api/v1/progress/sentences", headers=learner.headers)
    tag = first.headers["etag"]
    assert tag.startswith('W/"') and first.json()["items"]

    # When it asks again with that tag, the answer is a 304 without a body, carrying the same tag
    unchanged = client.get("/api/v1/progress/sentences", headers={**learner.headers, "If-None-Match": tag})
    assert (unchanged.status_code, unchanged.content, unchanged.headers["etag"]) == (304, b"", tag)
    assert unchanged.headers["x-request-id"] and unchanged.headers["cache-control"] == "no-store"
    listed = client.get("/api/v1/progress/sentences", headers={**learner.headers, "If-None-Match": f'"x", {tag}'})
    assert listed.status_code == 304

    # Then, once a review changes the card, the same tag gets the new list and a new tag
    clock.at += timedelta(hours=1)
    answer(client, learner, sentence, "easy")
    changed = client.get("/api/v1/progress/sentences", headers={**learner.headers, "If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag
    assert changed.json()["items"][0]["total_attempts"] == 2


def test_only_successful_reads_are_tagged(client: TestClient, learner: Session) -> None:
    missing = client.get("/api/v1/progress/sessions/0000dead", headers=learner.headers)
    assert missing.status_code == 404 and "etag" not in missing.headers
    body = {"reviews": [offline(new_sentences(client, learner, 1)[0], "good", datetime.now(UTC))]}
    posted = client.post(BATCH, headers=learner.headers, json=body)
    assert posted.status_code == 200 and "etag" not in posted.headers
    everything = client.get("/api/v1/progress/due", headers={**learner.headers, "If-None-Match": "*"})
    assert everything.status_code == 304


def changed_cards(client: TestClient, who: Session, since: datetime, **params: Any) -> Any:
    return client.get(
        "/api/v1/progress/sentences", headers=who.headers, params={"updated_after": since.isoformat(), **params}
    )


def test_updated_after_returns_exactly_the_cards_changed_since(
    client: TestClient, learner: Session, clock: Clock
) -> None:
    # Given three cards, as a phone last synced them
    first, second, third = new_sentences(client, learner, 3)
    for sentence in (first, second, third):
        answer(client, learner, sentence, "good")
    synced = datetime.now(UTC)  # the cards' updated_at is the time of the write

    # When one is answered again and another suspended
    clock.at += timedelta(hours=1)
    answer(client, learner, third, "easy")
    client.put(f"/api/v1/progress/cards/sentence/{second}", headers=learner.headers, json={"suspended": True})

    # Then exactly those two come back, oldest change first, a page at a time
    changed = changed_cards(client, learner, synced).json()
    assert [c["item_id"] for c in changed["items"]] == [third, second]
    assert changed["items"][1]["suspended"] is True and changed["next_cursor"] is None
    assert all(datetime.fromisoformat(c["updated_at"]) > synced for c in changed["items"])
    page = changed_cards(client, learner, synced, limit=1).json()
    rest = changed_cards(client, learner, synced, limit=1, cursor=page["next_cursor"]).json()
    assert [c["item_id"] for c in page["items"] + rest["items"]] == [third, second]
    everything = changed_cards(client, learner, synced - timedelta(days=1)).json()["items"]
    assert sorted(c["item_id"] for c in everything) == sorted([first, second, third])
    assert changed_cards(client, learner, datetime.now(UTC)).json() == {"items": [], "next_cursor": None}
    assert changed_cards(client, learner, synced, item_type="word").json()["items"] == []
    # A cursor belongs to its moment: reused with another, it is refused
    other = changed_cards(client, learner, synced - timedelta(seconds=1), limit=1, cursor=page["next_cursor"])
    assert_error(other, 400, "invalid_input")


def test_cards_moved_by_a_vacation_are_changes_too(client: TestClient, learner: Session, clock: Clock) -> None:
    sentence = new_sentences(client, learner, 1)[0]
    answer(client, learner, sentence, "good")  # due again within the hour
    client.put("/api/v1/users/me/vacation", headers=learner.headers, json={"active": True})
    synced = datetime.now(UTC)
    clock.at += timedelta(days=2)
    ended = client.put("/api/v1/users/me/vacation", headers=learner.headers, json={"active": False}).json()
    assert ended["cards_moved"] == 1
    assert [c["item_id"] for c in changed_cards(client, learner, synced).json()["items"]] == [sentence]


def test_updated_after_needs_a_time_with_its_offset(client: TestClient, learner: Session) -> None:
    for path in ("/api/v1/progress/sentences", "/api/v1/progress/reviews"):
        for bad in ("2026-11-24T03:00:00", "yesterday", "0.5", "1796651854"):
            response = client.get(path, headers=learner.headers, params={"updated_after": bad})
            assert_error(response, 422, "validation_error")


def test_updated_after_returns_the_reviews_stored_since_offline_ones_included(
    client: TestClient, learner: Session, clock: Clock
) -> None:
    # Given an answer given online, as another device last synced the learner's reviews
    first, second = new_sentences(client, learner, 2)
    online = answer(client, learner, first, "good").json()
    synced = datetime.now(UTC)

    # When a phone sends an answer it gave offline two days ago
    late = offline(second, "hard", START - timedelta(days=2), response_time_ms=2100)
    client.post(BATCH, headers=learner.headers, json={"reviews": [late]})

    # Then that answer, and only it, is what changed since, with both its times
    reviews = client.get(
        "/api/v1/progress/reviews", headers=learner.headers, params={"updated_after": synced.isoformat()}
    ).json()
    (stored,) = reviews["items"]
    assert (stored["review_id"], stored["item_id"], stored["rating"], stored["response_time_ms"]) == (
        late["review_id"],
        second,
        2,
        2100,
    )
    assert datetime.fromisoformat(stored["answered_at"]) == START - timedelta(days=2)
    assert datetime.fromisoformat(stored["recorded_at"]) > synced
    # and without updated_after, every review in the order stored
    every = client.get("/api/v1/progress/reviews", headers=learner.headers).json()["items"]
    assert [r["review_id"] for r in every] == [online["review_id"], late["review_id"]]
