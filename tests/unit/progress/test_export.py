"""The data export: one JSON document with everything the learner's account holds, and nothing of anyone else's."""

import json
from typing import Any
from urllib.parse import urlparse

import boto3
from fastapi.testclient import TestClient

from shared.settings import get_settings
from tests.auth_helpers import Session, signed_up
from tests.helpers import aggregate_reviews, assert_error
from tests.unit.progress.conftest import Clock, answer


def exported(client: TestClient, who: Session) -> tuple[dict[str, Any], dict[str, Any]]:
    """The export's response and the document its link points at (read from the emulated bucket)."""
    response = client.get("/api/v1/users/me/export", headers=who.headers)
    assert response.status_code == 200, response.text
    ticket = response.json()
    bucket = get_settings().media_bucket_name()
    key = urlparse(ticket["url"]).path.lstrip("/").removeprefix(f"{bucket}/")
    body = boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    assert len(body) == ticket["size_bytes"]
    return ticket, json.loads(body)


def test_the_export_holds_the_profile_and_every_part_of_the_learners_study(
    client: TestClient, learner: Session, clock: Clock
) -> None:
    # Given a learner who studied in a session, wrote a sentence and uploaded a photo
    session = client.post("/api/v1/progress/sessions", headers=learner.headers, json={}).json()
    card = client.get("/api/v1/progress/due", headers=learner.headers).json()["new"][0]["sentence"]["id"]
    answer(client, learner, card, session_id=session["id"], response_time_ms=3000)
    aggregate_reviews()
    client.post(f"/api/v1/progress/sessions/{session['id']}/finish", headers=learner.headers)
    client.post(
        "/api/v1/learning/sentences",
        headers=learner.headers,
        json={"japanese_text": "猫が好きです。", "english_translation": "I like cats."},
    )
    client.post("/api/v1/ai/ocr/upload", headers=learner.headers, json={"content_type": "image/png"})
    client.get("/api/v1/users/me/achievements", headers=learner.headers)

    # When the learner exports their data
    ticket, document = exported(client, learner)

    # Then the document has the profile and one item in each part, and the response says how many
    assert (document["format"], document["profile"]["email"]) == (1, "aiko@example.com")
    assert ticket["counts"] == {
        "progress": 1,
        "review_logs": 1,
        "daily_stats": 1,
        "learning_sessions": 1,
        "study_streaks": 1,
        "achievements": 3,  # first review, first session, first sentence added
        "sentences_written": 1,
        "photos": 1,
        "recordings": 0,
        "jobs": 1,  # the photo's
    }
    assert document["review_logs"][0]["item_key"] == f"sentence#{card}"
    assert document["sentences_written"][0]["japanese_text"] == "猫が好きです。"
    assert document["daily_stats"][0]["response_time_ms"] == 3000


def test_the_export_holds_no_secret_and_nothing_of_another_learner(client: TestClient, learner: Session) -> None:
    card = client.get("/api/v1/progress/due", headers=learner.headers).json()["new"][0]["sentence"]["id"]
    answer(client, learner, card)
    other = signed_up(client, "ren@example.com", "ren")

    _, mine = exported(client, learner)
    ticket, theirs = exported(client, other)

    assert "password" not in json.dumps(mine)
    assert "$argon2" not in json.dumps(mine)
    assert theirs["profile"]["email"] == "ren@example.com"
    assert set(ticket["counts"].values()) == {0}
    assert learner.user_id not in json.dumps(theirs)


def test_the_export_needs_a_signed_in_learner(client: TestClient) -> None:
    assert_error(client.get("/api/v1/users/me/export"), 401, "not_authenticated")
