"""Study streaks through the API: the current streak and the history, in the learner's own calendar."""

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from shared.dal.gamification import StudyStreakItem
from tests.auth_helpers import Session
from tests.helpers import aggregate_reviews, assert_error
from tests.unit.progress.conftest import Clock, answer

NOON_IN_TOKYO = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # the 24th, 12:00 in Tokyo


@pytest.fixture
def tokyo_learner(client: TestClient, learner: Session) -> Session:
    client.put(
        "/api/v1/users/me/preferences",
        headers=learner.headers,
        json={"timezone": "Asia/Tokyo", "daily_goal_minutes": 5, "max_daily_new_items": 20},
    )
    return learner


def study_on(client: TestClient, who: Session, clock: Clock, day_offset: int, minutes: float = 1.0) -> None:
    """One answer at noon in Tokyo, `day_offset` days after the 24th, taking `minutes`, and the review log's
    stream handed to the aggregator (as the event pump does within seconds)."""
    clock.at = NOON_IN_TOKYO + timedelta(days=day_offset)
    card = client.get("/api/v1/progress/due", headers=who.headers).json()["new"][0]["sentence"]["id"]
    assert answer(client, who, card, response_time_ms=int(minutes * 60_000)).status_code == 200
    aggregate_reviews()


def streaks(client: TestClient, who: Session, **params: object) -> dict:  # type: ignore[type-arg]
    response = client.get("/api/v1/users/me/streaks", headers=who.headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_three_days_in_a_row_make_one_live_streak_with_its_totals(
    client: TestClient, tokyo_learner: Session, clock: Clock
) -> None:
    # Given a learner with a 5-minute goal who studies 6 minutes, then 1 minute on each of the next two days
    study_on(client, tokyo_learner, clock, 0, minutes=6)
    study_on(client, tokyo_learner, clock, 1)
    study_on(client, tokyo_learner, clock, 2)

    # When the learner looks at the streaks that day
    history = streaks(client, tokyo_learner)

    # Then there is one live streak of 3 days from the 24th, the goal met on one of them
    assert (history["current_streak_days"], history["longest_streak_days"], history["studied_today"]) == (3, 3, True)
    (streak,) = history["items"]
    assert streak["start_date"] == "2026-11-24"
    assert (streak["streak_length_days"], streak["is_active"], streak["end_date"]) == (3, True, None)
    assert (streak["total_reviews"], streak["total_study_minutes"], streak["average_daily_minutes"]) == (3, 8.0, 2.7)
    assert (streak["perfect_days"], streak["minimum_days"], streak["daily_goal_minutes"]) == (1, 2, 5)
    assert (streak["longest_streak"], streak["milestones_reached"]) == (True, [])
    assert history["next_cursor"] is None


def test_a_missed_day_closes_the_streak_and_the_next_study_starts_another(
    client: TestClient, tokyo_learner: Session, clock: Clock
) -> None:
    for day in (0, 1, 3):  # the 26th is missed
        study_on(client, tokyo_learner, clock, day)

    history = streaks(client, tokyo_learner)

    assert (history["current_streak_days"], history["longest_streak_days"]) == (1, 2)
    newest, older = history["items"]
    assert (newest["start_date"], newest["streak_length_days"], newest["is_active"]) == ("2026-11-27", 1, True)
    assert newest["longest_streak"] is False
    assert (older["start_date"], older["end_date"], older["streak_length_days"]) == ("2026-11-24", "2026-11-25", 2)
    assert (older["is_active"], older["longest_streak"], older["total_reviews"]) == (False, True, 2)


def test_a_streak_left_for_a_whole_day_reads_as_lost_without_any_write(
    client: TestClient, tokyo_learner: Session, clock: Clock
) -> None:
    study_on(client, tokyo_learner, clock, 0)
    study_on(client, tokyo_learner, clock, 1)

    # The next day it can still be saved; the day after that it is gone
    clock.at = NOON_IN_TOKYO + timedelta(days=2)
    alive = streaks(client, tokyo_learner)
    assert (alive["current_streak_days"], alive["studied_today"], alive["items"][0]["is_active"]) == (2, False, True)
    clock.at = NOON_IN_TOKYO + timedelta(days=3)
    lost = streaks(client, tokyo_learner)
    assert lost["current_streak_days"] == 0
    assert (lost["items"][0]["is_active"], lost["items"][0]["end_date"]) == (False, "2026-11-25")
    assert lost["longest_streak_days"] == 2
    assert client.get("/api/v1/progress/dashboard", headers=tokyo_learner.headers).json()["current_streak_days"] == 0


def test_a_week_in_a_row_reaches_the_seven_day_milestone(
    client: TestClient, tokyo_learner: Session, clock: Clock
) -> None:
    for day in range(7):
        study_on(client, tokyo_learner, clock, day)

    (streak,) = streaks(client, tokyo_learner)["items"]

    assert (streak["streak_length_days"], streak["milestones_reached"]) == (7, [7])


def test_more_answers_on_one_day_count_that_day_once(client: TestClient, tokyo_learner: Session, clock: Clock) -> None:
    study_on(client, tokyo_learner, clock, 0)
    study_on(client, tokyo_learner, clock, 0)

    (streak,) = streaks(client, tokyo_learner)["items"]

    assert (streak["streak_length_days"], streak["total_reviews"]) == (1, 2)
    assert StudyStreakItem.count(tokyo_learner.user_id) == 1


def test_the_history_pages_newest_first(client: TestClient, tokyo_learner: Session, clock: Clock) -> None:
    for day in (0, 2, 4):
        study_on(client, tokyo_learner, clock, day)

    first = streaks(client, tokyo_learner, limit=2)
    rest = streaks(client, tokyo_learner, limit=2, cursor=first["next_cursor"])

    assert [s["start_date"] for s in first["items"]] == ["2026-11-28", "2026-11-26"]
    assert [s["start_date"] for s in rest["items"]] == ["2026-11-24"]
    assert rest["next_cursor"] is None


def test_a_streak_begun_before_its_history_was_kept_gets_an_item_when_it_moves(
    client: TestClient, tokyo_learner: Session, clock: Clock
) -> None:
    # Given a two-day streak whose history item is missing (as for streaks older than the history)
    study_on(client, tokyo_learner, clock, 0)
    study_on(client, tokyo_learner, clock, 1)
    StudyStreakItem.get(tokyo_learner.user_id, date(2026, 11, 24)).delete()

    # When the learner studies the next day, Then the streak has its item again, complete
    study_on(client, tokyo_learner, clock, 2)
    (streak,) = streaks(client, tokyo_learner)["items"]
    assert (streak["start_date"], streak["streak_length_days"], streak["daily_goal_minutes"]) == ("2026-11-24", 3, 5)
    assert streak["id"]


def test_a_learner_who_never_studied_has_no_streak(client: TestClient, tokyo_learner: Session) -> None:
    history = streaks(client, tokyo_learner)

    assert history == {
        "current_streak_days": 0,
        "longest_streak_days": 0,
        "studied_today": False,
        "streak_freezes": 0,
        "max_streak_freezes": 2,
        "on_vacation": False,
        "items": [],
        "next_cursor": None,
    }


def test_streaks_need_a_signed_in_learner_and_a_valid_cursor(client: TestClient, tokyo_learner: Session) -> None:
    assert_error(client.get("/api/v1/users/me/streaks"), 401, "not_authenticated")
    bad_cursor = client.get("/api/v1/users/me/streaks", headers=tokyo_learner.headers, params={"cursor": "nope"})
    assert_error(bad_cursor, 400, "invalid_input")
    assert_error(
        client.get("/api/v1/users/me/streaks", headers=tokyo_learner.headers, params={"limit": 0}),
        422,
        "validation_error",
    )
