"""A new learner's first study session against the running local cloud: log in, get due items, review them
in a session, finish it, and see the dashboard change."""

import uuid
from datetime import UTC, datetime, timedelta

import boto3
import pytest
import requests

from localcloud.outbox import sent_emails
from shared.constants import physical_name
from shared.dal.streaks_repository import CheckKind, check_shard
from shared.dal.users import UserItem
from shared.settings import LOCAL_STAGE
from tests.e2e.conftest import LocalCloud, eventually, tooling

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def local_cloud(module_local_cloud: LocalCloud) -> LocalCloud:
    """One local cloud for the module: each test signs up its own learner (the admin only adds a sentence)."""
    return module_local_cloud


def test_first_session_changes_the_dashboard(local_cloud: LocalCloud) -> None:
    # Given a learner who signed up, confirmed the address with the code mailed, and logged in
    api = f"{local_cloud.api_url}/api/v1"
    account = {"email": "kenta@example.com", "username": "kenta", "password": "sakura-saku-2026"}
    assert requests.post(f"{api}/auth/register", json=account, timeout=10).status_code == 202
    code = sent_emails(local_cloud.emulator_url, account["email"])[-1].body.rsplit("enter this code: ", 1)[1].split()[0]
    assert requests.post(f"{api}/auth/verify-email", json={"token": code}, timeout=10).status_code == 200
    login = {"email": account["email"], "password": account["password"]}
    token = requests.post(f"{api}/auth/login", json=login, timeout=10).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}

    # When they answer five new sentences in a session (one "again") and finish it
    before = requests.get(f"{api}/progress/dashboard", headers=auth, timeout=10).json()
    due = requests.get(f"{api}/progress/due", headers=auth, timeout=10).json()
    assert due["new"], due
    session = requests.post(f"{api}/progress/sessions", headers=auth, json={"device_type": "mobile"}, timeout=10).json()
    for card, rating in zip(due["new"][:5], ["good", "good", "again", "easy", "good"], strict=True):
        review = {
            "review_id": str(uuid.uuid4()), "item_type": "sentence", "item_id": card["sentence"]["id"],
            "rating": rating, "response_time_ms": 2500, "session_id": session["id"],
        }  # fmt: skip
        assert requests.post(f"{api}/progress/review", headers=auth, json=review, timeout=10).status_code == 200
    finished = requests.post(f"{api}/progress/sessions/{session['id']}/finish", headers=auth, timeout=10).json()
    assert (finished["total_questions"], finished["correct_answers"], finished["accuracy_percentage"]) == (5, 4, 80.0)

    # Then the dashboard, the streaks and the achievements count them: five reviews today, a one-day streak, 80 %
    # retention, five cards in the mastery levels, the first session and review earned.
    # mastery comes from the deck summary, which the review aggregator writes off the request path
    after = eventually(
        lambda: requests.get(f"{api}/progress/dashboard", headers=auth, timeout=10).json(),
        lambda dashboard: sum(dashboard["mastery"].values()) == 5,
    )
    assert (before["reviews_today"], after["reviews_today"]) == (0, 5)
    assert (before["current_streak_days"], after["current_streak_days"]) == (0, 1)
    assert after["retention_7_days"]["rate"] == 0.8
    assert sum(after["mastery"].values()) == 5
    streaks = requests.get(f"{api}/users/me/streaks", headers=auth, timeout=10).json()
    assert (streaks["current_streak_days"], streaks["studied_today"]) == (1, True)
    assert [(s["streak_length_days"], s["total_reviews"], s["is_active"]) for s in streaks["items"]] == [(1, 5, True)]
    achievements = requests.get(f"{api}/users/me/achievements", headers=auth, timeout=10).json()["items"]
    assert {"first_session", "first_review"} <= {a["code"] for a in achievements if a["is_completed"]}

    # When the learner suspends a card, Then it leaves every due count at once
    forgotten = due["new"][2]["sentence"]["id"]
    suspended = requests.put(
        f"{api}/progress/cards/sentence/{forgotten}", headers=auth, json={"suspended": True}, timeout=10
    )
    assert suspended.status_code == 200 and suspended.json()["suspended"] is True
    later = requests.get(f"{api}/progress/dashboard", headers=auth, timeout=10).json()
    scheduled = [(d["due_today"] + sum(f["count"] for f in d["forecast"])) for d in (after, later)]
    assert scheduled[1] == scheduled[0] - 1

    # When they export their data, Then the document behind the presigned link has the five reviews and the session
    export = requests.get(f"{api}/users/me/export", headers=auth, timeout=30).json()
    document = requests.get(export["url"], timeout=30).json()  # the presigned link, served by the emulated S3
    assert (len(document["review_logs"]), len(document["learning_sessions"])) == (5, 1)


def test_a_new_sentence_gets_its_readings_from_the_stream(local_cloud: LocalCloud) -> None:
    import time

    # Given the admin account the local cloud printed, signed in
    api = f"{local_cloud.api_url}/api/v1"
    line = next(line for line in local_cloud.output if line.startswith("admin account:"))
    email, password = line.removeprefix("admin account:").strip().split(" / ")
    token = requests.post(f"{api}/auth/login", json={"email": email, "password": password}, timeout=10).json()
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    # When it adds a sentence without readings
    body = {"japanese_text": "大人は三本の傘を持っています。", "english_translation": "The adult has three umbrellas."}
    created = requests.post(f"{api}/learning/sentences", headers=auth, json=body, timeout=10).json()
    assert created["hiragana_reading"] is None
    # The worker may still be glossing the sample content's 89 sentences (about 0.1 s each against the emulator)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        sentence = requests.get(f"{api}/learning/sentences/{created['id']}", timeout=10).json()
        if sentence["hiragana_reading"]:
            break
        time.sleep(0.3)
    # Then the readings worker, invoked from the table's stream, writes its readings within a minute
    assert sentence["hiragana_reading"] == "おとなはさんぼんのかさをもっています。"
    assert sentence["romaji_reading"].startswith("otona wa sanbon no kasa o")
    # and its words with their meanings, written in the same write as the readings
    assert [word["dictionary_form"] for word in sentence["word_gloss"]] == ["大人", "傘", "持つ"]


def test_the_local_pump_runs_the_reminder_check_and_the_mail_unsubscribes_without_a_login(
    local_cloud: LocalCloud,
) -> None:
    # Given a learner who studied, with a card due later today, reminders on (the default)
    api = f"{local_cloud.api_url}/api/v1"
    account = {"email": "yui@example.com", "username": "yui", "password": "hoshi-ga-mieru-7"}
    assert requests.post(f"{api}/auth/register", json=account, timeout=10).status_code == 202
    code = sent_emails(local_cloud.emulator_url, account["email"])[-1].body.rsplit("enter this code: ", 1)[1].split()[0]
    assert requests.post(f"{api}/auth/verify-email", json={"token": code}, timeout=10).status_code == 200
    login = {"email": account["email"], "password": account["password"]}
    auth = {
        "Authorization": f"Bearer {requests.post(f'{api}/auth/login', json=login, timeout=10).json()['access_token']}"
    }
    card = requests.get(f"{api}/progress/due", headers=auth, timeout=10).json()["new"][0]["sentence"]["id"]
    review = {"review_id": str(uuid.uuid4()), "item_type": "sentence", "item_id": card, "rating": "again"}
    assert requests.post(f"{api}/progress/review", headers=auth, json=review, timeout=10).status_code == 200
    me = requests.get(f"{api}/auth/me", headers=auth, timeout=10).json()

    # When a day passes and her reminder time comes (the test moves her record's clock: the last study to yesterday,
    # the reminder to a minute ago, as the scheduled-checks index would hold it then)
    now = datetime.now(UTC)
    due = now - timedelta(minutes=1)
    boto3.client("dynamodb", **tooling(local_cloud)).update_item(
        TableName=physical_name(LOCAL_STAGE, "users"),
        Key={"user_id": {"S": me["id"]}},
        UpdateExpression="SET last_study_date = :yesterday, reminder_due_at = :due, check_key = :key, check_at = :due",
        ExpressionAttributeValues={
            ":yesterday": {"S": UserItem.last_study_date.serialize(now - timedelta(days=1))},
            ":due": {"S": UserItem.reminder_due_at.serialize(due)},
            ":key": {"S": f"{CheckKind.REMINDER}#{check_shard(me['id'])}"},
        },
    )

    # Then the event pump's next run of the reminder check mails her, once, with a link that turns reminders off
    mail = eventually(
        lambda: [m for m in sent_emails(local_cloud.emulator_url, account["email"]) if "waiting for you" in m.subject],
        lambda mails: len(mails) == 1,
        seconds=60,  # the local pump runs the check every 15 s
    )[0]
    assert mail.subject == "1 Japanese review waiting for you today"
    link = mail.headers["List-Unsubscribe"].strip("<>")
    assert link.startswith(f"{api}/users/reminders/unsubscribe?token=")
    page = requests.get(link, timeout=10)
    assert (page.status_code, "Study reminders are off" in page.text) == (200, True)
    assert requests.get(f"{api}/auth/me", headers=auth, timeout=10).json()["study_reminders"] is False
