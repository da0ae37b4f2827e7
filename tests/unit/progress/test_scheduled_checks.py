"""The scheduled streak check and study reminders, run by their EventBridge events against learners in Tokyo and
Los Angeles: each acts on exactly the learners whose time has come, once."""

import importlib
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from localcloud.pump import scheduled_event
from shared.dal.gamification import StudyStreakItem
from shared.dal.progress import ProgressItem
from shared.dal.users import UserItem
from shared.services.sample_content import load_sample_content
from tests.auth_helpers import Session, sent_emails, signed_up
from tests.helpers import FakeLambdaContext, aggregate_reviews, assert_error
from tests.unit.progress.conftest import Clock, answer

TOKYO, LOS_ANGELES = "Asia/Tokyo", "America/Los_Angeles"
DAY = date(2026, 11, 24)
REMINDER_SUBJECT = re.compile(r"^\d+ Japanese reviews? waiting for you today$")


def noon(day: date, timezone: str) -> datetime:
    """Noon of `day` in Tokyo (03:00 UTC) or Los Angeles (20:00 UTC, PST)."""
    return datetime(day.year, day.month, day.day, 3 if timezone == TOKYO else 20, 0, tzinfo=UTC)


def end_of(day: date, timezone: str) -> datetime:
    """Midnight ending `day` in that time zone, in UTC."""
    following = day + timedelta(days=1)
    hour = 15 if timezone == TOKYO else 8
    return datetime(following.year, following.month, following.day, hour, 0, tzinfo=UTC) - timedelta(
        days=1 if timezone == TOKYO else 0
    )


def run(check: str, when: datetime) -> dict[str, Any]:
    handler = importlib.import_module(f"functions.{check}.handler").handler
    event = scheduled_event(f"arn:aws:events:us-east-1:123456789012:rule/kotoba-test-{check}", when)
    return handler(event, FakeLambdaContext(remaining_ms=300_000))  # type: ignore[no-any-return]


@pytest.fixture(autouse=True)
def no_scans(monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks find their learners by Query of the scheduled-checks index: a Scan of users fails the test."""
    monkeypatch.setattr(UserItem, "scan", lambda *args, **kwargs: pytest.fail("a scheduled check scanned users"))


@pytest.fixture
def learners(client: TestClient, clock: Clock, aws: None) -> dict[str, Session]:
    """Aiko in Tokyo and Ben in Los Angeles (addresses confirmed), who set their time zone on the 23rd, each with a
    5-minute goal, reminders off unless a test turns them on (`reminders_on`). (Signed up first, at the real time:
    their tokens are checked against it.)"""
    load_sample_content()
    clock.at = datetime.now(UTC)
    sessions = {
        TOKYO: signed_up(client, "aiko@example.com", "aiko"),
        LOS_ANGELES: signed_up(client, "ben@example.com", "ben"),
    }
    clock.at = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    for timezone, who in sessions.items():
        response = client.put(
            "/api/v1/users/me/preferences",
            headers=who.headers,
            json={"timezone": timezone, "daily_goal_minutes": 5, "max_daily_new_items": 20, "study_reminders": False},
        )
        assert response.status_code == 200, response.text
    return sessions


def reminders_on(client: TestClient, who: Session, at: str | None = None) -> None:
    body: dict[str, Any] = {"study_reminders": True} | ({"preferred_learning_time": at} if at else {})
    assert client.put("/api/v1/users/me/preferences", headers=who.headers, json=body).status_code == 200


def study(client: TestClient, who: Session, clock: Clock, at: datetime, rating: str = "good") -> None:
    """One answer to a new sentence at `at`, and the review log's stream handed to the aggregator."""
    clock.at = at
    sentence = client.get("/api/v1/progress/due", headers=who.headers).json()["new"][0]["sentence"]["id"]
    assert answer(client, who, sentence, rating).status_code == 200
    aggregate_reviews()


def streaks(client: TestClient, who: Session) -> dict[str, Any]:
    response = client.get("/api/v1/users/me/streaks", headers=who.headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def stored(who: Session) -> UserItem:
    return UserItem.get(who.user_id, consistent_read=True)


def test_the_streak_check_ends_only_the_streak_whose_day_just_ended_and_a_second_run_changes_nothing(
    client: TestClient, learners: dict[str, Session], clock: Clock
) -> None:
    # Given a two-day streak in each time zone, last studied on the 25th, local noon
    for timezone, who in learners.items():
        study(client, who, clock, noon(DAY, timezone))
        study(client, who, clock, noon(DAY + timedelta(days=1), timezone))
    aiko, ben = learners[TOKYO], learners[LOS_ANGELES]
    reminders_on(client, aiko)
    assert run("study_reminders", datetime(2026, 11, 26, 10, 0, tzinfo=UTC))["outcomes"] == {"reminded": 1}  # 19:00

    # When the check runs as the 26th ends in Tokyo (the day after the last study, missed), twice
    first = run("streak_check", end_of(DAY + timedelta(days=2), TOKYO))
    second = run("streak_check", end_of(DAY + timedelta(days=2), TOKYO))

    # Then Aiko's streak is ended on her record and its history item, Ben's (still the 26th in LA) is untouched
    assert first == {"learners": 1, "outcomes": {"ended": 1}}
    assert second == {"learners": 0, "outcomes": {}}
    assert (stored(aiko).current_streak_days, stored(aiko).longest_streak_days) == (0, 2)
    item = StudyStreakItem.get(aiko.user_id, DAY)
    assert (item.is_active, item.end_date, item.streak_length_days) == (False, DAY + timedelta(days=1), 2)
    assert stored(ben).current_streak_days == 2

    # And when Los Angeles' 26th ends, Ben's ends too
    assert run("streak_check", end_of(DAY + timedelta(days=2), LOS_ANGELES)) == {
        "learners": 1,
        "outcomes": {"ended": 1},
    }
    assert stored(ben).current_streak_days == 0
    clock.at = end_of(DAY + timedelta(days=2), LOS_ANGELES)
    history = streaks(client, ben)
    assert (history["current_streak_days"], history["items"][0]["end_date"]) == (0, "2026-11-25")


def test_a_failing_reminder_check_holds_up_no_streak(
    client: TestClient, learners: dict[str, Session], clock: Clock
) -> None:
    # Given Aiko's streak, whose next check is her reminder at 19:00 on the 26th, and a reminder check that has
    # not run since (its function failing)
    aiko = learners[TOKYO]
    reminders_on(client, aiko)
    study(client, aiko, clock, noon(DAY, TOKYO))
    assert stored(aiko).check_key.startswith("reminder#")

    # When the streak check runs as the 25th ends, more than an hour after her reminder was due
    result = run("streak_check", end_of(DAY + timedelta(days=1), TOKYO))

    # Then her streak is ended all the same, and her reminder, for a day that has ended, waits for the next evening
    assert result == {"learners": 1, "outcomes": {"ended": 1}}
    assert stored(aiko).current_streak_days == 0
    assert stored(aiko).reminder_due_at == datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def test_a_streak_freeze_earned_in_a_week_covers_a_missed_day(
    client: TestClient, learners: dict[str, Session], clock: Clock
) -> None:
    # Given seven days in a row in Tokyo (the seventh earns a freeze), then the 1st of December missed
    aiko = learners[TOKYO]
    for offset in range(7):
        study(client, aiko, clock, noon(DAY + timedelta(days=offset), TOKYO))
    assert streaks(client, aiko)["streak_freezes"] == 1
    missed = DAY + timedelta(days=7)

    # When the check runs as the missed day ends, and the learner studies the day after
    assert run("streak_check", end_of(missed, TOKYO)) == {"learners": 1, "outcomes": {"frozen": 1}}
    study(client, aiko, clock, noon(missed + timedelta(days=1), TOKYO))

    # Then the streak went on through the frozen day: 8 days studied, the freeze spent, the day listed
    history = streaks(client, aiko)
    assert (history["current_streak_days"], history["streak_freezes"]) == (8, 0)
    (streak,) = history["items"]
    assert (streak["streak_length_days"], streak["is_active"], streak["start_date"]) == (8, True, "2026-11-24")
    assert (streak["missed_days"], streak["frozen_days"]) == (1, ["2026-12-01"])
    assert client.get("/api/v1/progress/dashboard", headers=aiko.headers).json()["streak_freezes"] == 0


def first_reminder(who: Session) -> dict[str, Any]:
    mails = [m for m in sent_emails(who.email) if REMINDER_SUBJECT.match(m["subject"])]
    assert len(mails) == 1, [m["subject"] for m in sent_emails(who.email)]
    return mails[0]


def reminders_to(who: Session) -> int:
    return sum(1 for m in sent_emails(who.email) if REMINDER_SUBJECT.match(m["subject"]))


def test_a_reminder_goes_once_at_the_local_time_with_the_due_count_and_a_working_unsubscribe_link(
    client: TestClient, learners: dict[str, Session], clock: Clock
) -> None:
    # Given Aiko (Tokyo, reminders at 19:00 by default) who studied two new sentences on the 24th
    aiko = learners[TOKYO]
    reminders_on(client, aiko)
    study(client, aiko, clock, noon(DAY, TOKYO))
    study(client, aiko, clock, noon(DAY, TOKYO) + timedelta(minutes=1))
    seven_pm = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # 19:00 on the 25th in Tokyo

    # When the reminder check runs a quarter of an hour before her time, at it, and again at it
    early = run("study_reminders", seven_pm - timedelta(minutes=15))
    on_time = run("study_reminders", seven_pm)
    again = run("study_reminders", seven_pm)

    # Then exactly one e-mail went, at 19:00, with the reviews due and an unsubscribe link and header
    assert (early["learners"], on_time, again["learners"]) == (0, {"learners": 1, "outcomes": {"reminded": 1}}, 0)
    mail = first_reminder(aiko)
    assert mail["subject"] == "2 Japanese reviews waiting for you today"
    assert "You have 2 reviews due today." in mail["body"]
    link = re.search(r"(http://\S+/users/reminders/unsubscribe\?token=\S+)", mail["body"])
    assert link is not None
    assert mail["headers"]["List-Unsubscribe"] == f"<{link.group(1)}>"
    assert mail["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # And opening the link, without signing in, turns her reminders off: the next evening brings nothing
    page = client.get(urlsplit(link.group(1))._replace(scheme="", netloc="").geturl())
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Study reminders are off" in page.text
    assert client.get("/api/v1/auth/me", headers=aiko.headers).json()["study_reminders"] is False
    assert "reminded" not in run("study_reminders", seven_pm + timedelta(days=1))["outcomes"]
    assert reminders_to(aiko) == 1


def test_no_reminder_on_a_day_already_studied_or_with_nothing_due_and_the_next_day_it_comes(
    client: TestClient, learners: dict[str, Session], clock: Clock
) -> None:
    # Given Ben in Los Angeles, reminders at 07:30, who studies at noon on the 24th (after his time)
    ben = learners[LOS_ANGELES]
    reminders_on(client, ben, at="07:30")
    study(client, ben, clock, noon(DAY, LOS_ANGELES))
    half_past_seven = datetime(2026, 11, 25, 15, 30, tzinfo=UTC)  # 07:30 on the 25th in Los Angeles

    # When his time comes on the 25th, having studied at 07:00 that morning
    study(client, ben, clock, half_past_seven - timedelta(minutes=30))
    assert run("study_reminders", half_past_seven)["learners"] == 0  # studying moved his reminder to tomorrow

    # Then on the 26th, not studied and cards due, it comes; on a day with nothing due, nothing comes
    assert run("study_reminders", half_past_seven + timedelta(days=1))["outcomes"] == {"reminded": 1}
    assert reminders_to(ben) == 1
    ProgressItem.by_due.query(ben.user_id)  # (the deck as it stands: every card due before the 28th is answered)
    for card in ProgressItem.query(ben.user_id):
        card.update(actions=[ProgressItem.next_review_date.set(datetime(2027, 1, 1, tzinfo=UTC))])
    assert run("study_reminders", half_past_seven + timedelta(days=2))["outcomes"] == {"not_reminded": 1}
    assert reminders_to(ben) == 1


def test_one_click_unsubscribe_works_by_post_and_a_made_up_token_is_refused(
    client: TestClient, learners: dict[str, Session], clock: Clock
) -> None:
    aiko = learners[TOKYO]
    reminders_on(client, aiko)
    study(client, aiko, clock, noon(DAY, TOKYO))
    run("study_reminders", datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    header = first_reminder(aiko)["headers"]["List-Unsubscribe"].strip("<>")
    token = header.split("token=", 1)[1]

    # A mail client's one-click POST turns reminders off
    response = client.post(
        "/api/v1/users/reminders/unsubscribe",
        params={"token": token},
        content="List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    assert stored(aiko).study_reminders is False

    # A token for another user, made up, is a 400 and changes nothing
    forged = f"{learners[LOS_ANGELES].user_id}.{token.rsplit('.', 1)[1]}"
    assert_error(client.get("/api/v1/users/reminders/unsubscribe", params={"token": forged}), 400, "invalid_input")
    assert stored(learners[LOS_ANGELES]).study_reminders is False  # as it was


def test_a_vacation_pauses_the_streak_and_reminders_and_moves_the_cards_due_during_it_by_its_length(
    client: TestClient, learners: dict[str, Session], clock: Clock
) -> None:
    # Given Aiko with a two-day streak, reminders on, one card overdue and one due in a week (answered "easy"), going
    # on vacation on the evening of the 25th
    aiko = learners[TOKYO]
    reminders_on(client, aiko)
    study(client, aiko, clock, noon(DAY, TOKYO))
    study(client, aiko, clock, noon(DAY + timedelta(days=1), TOKYO), rating="easy")
    went = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # 21:00 on the 25th in Tokyo
    due_before = {card.item_key: card.next_review_date for card in ProgressItem.query(aiko.user_id)}
    during = {key for key, due in due_before.items() if went <= due <= went + timedelta(days=10)}
    assert len(during) == 1 and len(due_before) == 2
    clock.at = went
    started = client.put("/api/v1/users/me/vacation", headers=aiko.headers, json={"active": True})
    assert started.json() == {"active": True, "since": "2026-11-25T12:00:00Z", "cards_moved": 0}

    # When ten days pass, the streak check and the reminders running every day of it, and she comes back
    for offset in range(1, 11):
        assert run("streak_check", went + timedelta(days=offset))["learners"] == 0
        assert run("study_reminders", went + timedelta(days=offset))["learners"] == 0
    clock.at = went + timedelta(days=10)
    assert streaks(client, aiko)["on_vacation"] is True
    back = client.put("/api/v1/users/me/vacation", headers=aiko.headers, json={"active": False})

    # Then the streak is still two days, alive if she studies today; no reminder went; the card that fell due
    # during the vacation is due ten days later, the one already overdue when she left is as it was
    assert back.status_code == 200, back.text
    assert back.json() == {"active": False, "since": None, "cards_moved": 1}
    history = streaks(client, aiko)
    assert (history["current_streak_days"], history["on_vacation"], history["items"][0]["is_active"]) == (
        2,
        False,
        True,
    )
    assert reminders_to(aiko) == 0
    due_after = {card.item_key: card.next_review_date for card in ProgressItem.query(aiko.user_id)}
    assert due_after == {key: due + timedelta(days=10) if key in during else due for key, due in due_before.items()}

    # And coming back again moves nothing twice; studying that day makes the streak three days
    again = client.put("/api/v1/users/me/vacation", headers=aiko.headers, json={"active": False})
    assert again.json() == {"active": False, "since": None, "cards_moved": 0}
    study(client, aiko, clock, clock.at + timedelta(hours=1))
    assert streaks(client, aiko)["current_streak_days"] == 3


def test_vacation_and_reminder_settings_need_a_login_and_valid_input(
    client: TestClient, learners: dict[str, Session]
) -> None:
    aiko = learners[TOKYO]
    assert_error(client.put("/api/v1/users/me/vacation", json={"active": True}), 401, "not_authenticated")
    for bad in ({"active": "yes"}, {"active": 1}, {}, {"active": True, "until": "2027-01-01"}):
        assert_error(client.put("/api/v1/users/me/vacation", headers=aiko.headers, json=bad), 422, "validation_error")
    assert_error(client.get("/api/v1/users/reminders/unsubscribe"), 422, "validation_error")
    assert_error(
        client.get("/api/v1/users/reminders/unsubscribe", params={"token": "not a token"}), 422, "validation_error"
    )
