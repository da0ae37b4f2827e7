"""Achievements through the API: progress against the catalogue, awards recorded once, hidden ones revealed."""

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from shared.dal import achievements_repository, progress_repository
from shared.dal.gamification import UserAchievementItem
from shared.enums import RequirementType
from shared.services.achievements import check_achievements
from tests.auth_helpers import Session
from tests.helpers import assert_error
from tests.unit.progress.conftest import START, Clock, answer

VISIBLE, HIDDEN = 16, 3  # in the sample catalogue (shared/content/achievements.json)


def achievements(client: TestClient, who: Session) -> dict:  # type: ignore[type-arg]
    response = client.get("/api/v1/users/me/achievements", headers=who.headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def by_code(listing: dict) -> dict:  # type: ignore[type-arg]
    return {item["code"]: item for item in listing["items"]}


def first_new_card(client: TestClient, who: Session) -> str:
    return client.get("/api/v1/progress/due", headers=who.headers).json()["new"][0]["sentence"]["id"]  # type: ignore[no-any-return]


def test_a_new_learner_sees_the_visible_catalogue_with_nothing_earned(client: TestClient, learner: Session) -> None:
    # When a learner who has done nothing yet lists their achievements
    listing = achievements(client, learner)

    # Then the 16 visible ones are listed, in catalogue order, none started, and the 3 hidden ones only counted
    assert (len(listing["items"]), listing["hidden_remaining"]) == (VISIBLE, HIDDEN)
    assert (listing["completed"], listing["exp_earned"]) == (0, 0)
    assert not any(item["is_completed"] or item["current_progress"] for item in listing["items"])
    assert [item["code"] for item in listing["items"][:2]] == ["first_session", "first_review"]


def test_the_first_review_earns_first_review_once_with_its_time(
    client: TestClient, learner: Session, clock: Clock
) -> None:
    # Given a learner who answered their first card
    answer(client, learner, first_new_card(client, learner))

    # When they list their achievements five minutes later, and again five minutes after that
    clock.at = START + timedelta(minutes=5)
    first_look = by_code(achievements(client, learner))
    clock.at = START + timedelta(minutes=10)
    second_look = achievements(client, learner)

    # Then the first list awards first_review, new, dated then; the second shows it as before, no longer new, with
    # its 10 points, one review towards reviews_100, and one award stored
    earned = first_look["first_review"]
    assert (earned["is_completed"], earned["newly_completed"], earned["current_progress"]) == (True, True, 1)
    assert datetime.fromisoformat(earned["completion_date"]) == START + timedelta(minutes=5)
    again = by_code(second_look)["first_review"]
    assert (again["newly_completed"], again["completion_date"]) == (False, earned["completion_date"])
    assert (second_look["completed"], second_look["exp_earned"]) == (1, 10)
    assert by_code(second_look)["reviews_100"]["current_progress"] == 1
    assert UserAchievementItem.count(learner.user_id) == 1


def test_a_finished_session_and_a_three_day_streak_are_counted(
    client: TestClient, learner: Session, clock: Clock
) -> None:
    # Given a learner who answered a card on each of three days in a row, the first day's in a session they finished
    session = client.post("/api/v1/progress/sessions", headers=learner.headers, json={}).json()
    for day in range(3):
        clock.at = START + timedelta(days=day)
        answer(client, learner, first_new_card(client, learner), session_id=session["id"] if day == 0 else None)
        if day == 0:
            client.post(f"/api/v1/progress/sessions/{session['id']}/finish", headers=learner.headers)

    # When they list their achievements, Then the session, the first review and the three-day streak are earned
    earned = {code for code, item in by_code(achievements(client, learner)).items() if item["is_completed"]}

    assert earned == {"first_session", "first_review", "streak_3"}


def test_a_hidden_achievement_appears_once_earned(client: TestClient, learner: Session) -> None:
    # Given a learner who started and finished 50 sessions
    for _ in range(50):
        session = client.post("/api/v1/progress/sessions", headers=learner.headers, json={}).json()
        finished = client.post(f"/api/v1/progress/sessions/{session['id']}/finish", headers=learner.headers)
        assert finished.status_code == 200, finished.text

    # When they list their achievements
    listing = achievements(client, learner)

    # Then the hidden sessions_50 is listed, earned, and one fewer hidden one remains
    assert by_code(listing)["sessions_50"]["is_completed"] is True
    assert (len(listing["items"]), listing["hidden_remaining"]) == (VISIBLE + 1, HIDDEN - 1)


def test_a_session_finished_twice_counts_once(client: TestClient, learner: Session) -> None:
    # Given a session the learner finished
    session = client.post("/api/v1/progress/sessions", headers=learner.headers, json={}).json()
    client.post(f"/api/v1/progress/sessions/{session['id']}/finish", headers=learner.headers)

    # When they finish it again
    again = client.post(f"/api/v1/progress/sessions/{session['id']}/finish", headers=learner.headers)

    # Then it is refused with 409, and their finished sessions count one
    assert_error(again, 409, "conflict")
    assert achievements_repository.activity_counts(learner.user_id, 0)[RequirementType.SESSIONS_COMPLETED] == 1


def test_a_sentence_the_learner_adds_counts_toward_its_achievement(client: TestClient, learner: Session) -> None:
    # Given a learner who added a sentence of their own
    added = client.post(
        "/api/v1/learning/sentences",
        headers=learner.headers,
        json={"japanese_text": "猫が好きです。", "english_translation": "I like cats.", "difficulty_level": "easy"},
    )
    assert added.status_code == 201, added.text

    # When they list their achievements, Then first_sentence_added is earned with that one sentence
    earned = by_code(achievements(client, learner))["first_sentence_added"]

    assert (earned["is_completed"], earned["current_progress"]) == (True, 1)


def test_two_checks_at_once_award_once(client: TestClient, learner: Session, clock: Clock) -> None:
    # Given a learner's first review, with its day stored as the aggregator does before it checks
    answer(client, learner, first_new_card(client, learner))
    progress_repository.store_day_stats(learner.user_id, START.date())
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

    # When two checks run a second apart (the aggregator's and the learner's list racing)
    # Then the first awards first_review, the second finds it recorded and awards nothing; the first's date stays
    assert check_achievements(learner.user_id, 1, now) == ["first_review"]
    assert check_achievements(learner.user_id, 1, now + timedelta(seconds=1)) == []
    stored = UserAchievementItem.get(learner.user_id, by_code(achievements(client, learner))["first_review"]["id"])
    assert stored.completion_date == now


def test_a_refused_award_is_not_reported_as_new(learner: Session) -> None:
    # Given an award of the catalogue's second achievement, complete
    achievement = achievements_repository.catalog()[1]
    award = achievements_repository.Award(achievement_id=achievement.achievement_id, progress=1, required=1)
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

    # When it is written, and written again an hour later, Then only the first reports it as new, and the stored
    # completion date stays the first's
    assert achievements_repository.award(learner.user_id, [award], now) == [achievement.achievement_id]
    assert achievements_repository.award(learner.user_id, [award], now + timedelta(hours=1)) == []
    assert UserAchievementItem.get(learner.user_id, achievement.achievement_id).completion_date == now


def test_achievements_need_a_signed_in_learner(client: TestClient) -> None:
    # When the achievements are asked for without a token, Then the answer is 401 not_authenticated
    assert_error(client.get("/api/v1/users/me/achievements"), 401, "not_authenticated")
