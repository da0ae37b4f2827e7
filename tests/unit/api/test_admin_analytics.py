"""System analytics for admins: the figures equal what the learners did, and reading them costs the same few
requests whatever the number of users."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shared.dal.reviews import ReviewLogItem
from shared.dal.users import UserItem
from shared.services.accounts import ensure_admin
from shared.services.sample_content import load_sample_content
from tests.auth_helpers import PASSWORD, Session, login, signed_up
from tests.helpers import aggregate_reviews, assert_error
from tests.unit.media.test_uploads import process, put_upload

TODAY = datetime.now(UTC).date()


@pytest.fixture
def admin(client: TestClient, aws: None) -> Session:
    load_sample_content()
    ensure_admin("admin@example.com", "admin", PASSWORD)
    return login(client, "admin@example.com")


def answer(client: TestClient, who: Session, rating: str, session_id: str | None = None) -> None:
    sentence = client.get("/api/v1/progress/due", headers=who.headers).json()["new"][0]["sentence"]["id"]
    body = {"review_id": str(uuid.uuid4()), "item_type": "sentence", "item_id": sentence, "rating": rating}
    response = client.post("/api/v1/progress/review", headers=who.headers, json={**body, "session_id": session_id})
    assert response.status_code == 200, response.text


def analytics(client: TestClient, admin: Session, **params: str) -> dict[str, Any]:
    response = client.get("/api/v1/admin/analytics", headers=admin.headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_the_figures_are_what_the_learners_did(client: TestClient, admin: Session) -> None:
    # Given two learners who signed up today (and the admin); Aiko answers twice (once wrong) in a session she
    # finishes, Ben once, and the review aggregator has read the log; Ben's photo fails, Aiko's is read
    aiko, ben = signed_up(client, "aiko@example.com", "aiko"), signed_up(client, "ben@example.com", "ben")
    session = client.post("/api/v1/progress/sessions", headers=aiko.headers, json={}).json()
    answer(client, aiko, "good", session["id"])
    answer(client, aiko, "again", session["id"])
    client.post(f"/api/v1/progress/sessions/{session['id']}/finish", headers=aiko.headers)
    answer(client, ben, "good")
    aggregate_reviews()
    aggregate_reviews()  # a redelivered batch counts nothing twice
    for who, body in ((aiko, b"a photo"), (ben, b"NOT an image")):
        ticket = client.post("/api/v1/ai/ocr/upload", headers=who.headers, json={"content_type": "image/png"})
        key = ticket.json()["upload"]["key"]
        put_upload(key, body)
        process(key)

    # When an admin reads today's analytics
    report = analytics(client, admin, first_day=TODAY.isoformat(), last_day=TODAY.isoformat())

    # Then each figure is what happened
    (today,) = report["days"]
    assert today == {
        "day": TODAY.isoformat(), "active_learners": 2, "registrations": 3, "reviews": 3, "correct": 2,
        "retention": 0.667, "sessions_finished": 1, "uploads_processed": 1, "uploads_failed": 1, "accounts_deleted": 0,
    }  # fmt: skip
    assert report["totals"] == {key: value for key, value in today.items() if key != "day"}
    assert [w["active_learners"] for w in report["weeks"]] == [2]
    assert [m["active_learners"] for m in report["months"]] == [2]
    assert report["weeks"][0]["period"] == f"{TODAY.isocalendar().year}-W{TODAY.isocalendar().week:02d}"
    content = report["content"]
    assert sum(content["sentences"][level]["active"] for level in content["sentences"]) > 0
    assert set(content["sentences"]["n5"]) == {"pending", "active", "rejected"}


def test_a_learner_active_on_two_days_counts_once_in_the_week_and_the_month(client: TestClient, admin: Session) -> None:
    # Given a learner's two reviews logged on Wednesday and Thursday of one week (copies of today's, set back)
    aiko = signed_up(client, "aiko@example.com", "aiko")
    answer(client, aiko, "good")
    answer(client, aiko, "good")
    aggregate_reviews()  # today's, counted today
    wednesday = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
    for offset, review in enumerate(ReviewLogItem.query(aiko.user_id)):
        moved = {
            **review.attribute_values,
            "review_id": str(uuid.uuid4()),
            "reviewed_at": wednesday + timedelta(offset),
        }
        ReviewLogItem(**moved).save()

    # When the aggregator reads them, and an admin reads those days
    aggregate_reviews()
    report = analytics(client, admin, first_day="2026-11-18", last_day="2026-11-19")

    # Then both days count her active, and the week and the month once
    assert [day["active_learners"] for day in report["days"]] == [1, 1]
    assert report["weeks"] == [{"period": "2026-W47", "active_learners": 1}]
    assert report["months"] == [{"period": "2026-11", "active_learners": 1}]
    assert report["totals"]["reviews"] == 2


def test_only_admins_read_analytics_and_the_range_is_bounded(client: TestClient, admin: Session) -> None:
    learner = signed_up(client, "aiko@example.com", "aiko")
    assert_error(client.get("/api/v1/admin/analytics", headers=learner.headers), 403, "forbidden")
    assert_error(client.get("/api/v1/admin/analytics"), 401, "not_authenticated")
    too_long = {"first_day": "2026-01-01", "last_day": "2026-06-01"}
    assert_error(client.get("/api/v1/admin/analytics", headers=admin.headers, params=too_long), 400, "invalid_input")
    backwards = {"first_day": "2026-02-01", "last_day": "2026-01-01"}
    assert_error(client.get("/api/v1/admin/analytics", headers=admin.headers, params=backwards), 400, "invalid_input")
    for bad in ({"first_day": "yesterday"}, {"last_day": "0"}, {"first_day": "2026-02-30"}):
        refused = client.get("/api/v1/admin/analytics", headers=admin.headers, params=bad)
        assert_error(refused, 422, "validation_error")
    default = analytics(client, admin)
    assert (len(default["days"]), default["last_day"]) == (30, TODAY.isoformat())


def test_reading_analytics_scans_nothing(client: TestClient, admin: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(UserItem, "scan", lambda *args, **kwargs: pytest.fail("analytics scanned users"))
    assert analytics(client, admin)["totals"]["registrations"] == 1
