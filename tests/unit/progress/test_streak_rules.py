"""The streak's rules on their own (shared/services/streaks.py): what a study day, a missed day, a freeze and a
vacation do, in the learner's own calendar."""

from datetime import UTC, date, datetime, timedelta

from shared.domain.streaks import StreakState
from shared.services import streaks

TOKYO = "Asia/Tokyo"
NEW_YORK = "America/New_York"


def state(**changes: object) -> StreakState:
    base = StreakState(
        current_days=0, longest_days=0, start=None, kept_through=None, freezes=0, last_study=None, vacation_since=None
    )
    return StreakState(**{**vars(base), **changes})  # type: ignore[arg-type]


def noon_in_tokyo(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)


D1 = date(2026, 11, 24)


def test_a_first_study_starts_a_streak_of_one_day() -> None:
    # When a learner with no streak studies at noon in Tokyo
    after = streaks.after_study(state(), noon_in_tokyo(D1), TOKYO)

    # Then a one-day streak starts that day, and it would end at the end of the next day (midnight Tokyo, in UTC)
    assert after == state(current_days=1, longest_days=1, start=D1, kept_through=D1, last_study=noon_in_tokyo(D1))
    assert streaks.deadline(after, TOKYO) == datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def test_studying_again_the_same_day_changes_nothing_and_the_next_day_extends_it() -> None:
    first = streaks.after_study(state(), noon_in_tokyo(D1), TOKYO)
    assert first is not None

    assert streaks.after_study(first, noon_in_tokyo(D1) + timedelta(hours=5), TOKYO) is None
    second = streaks.after_study(first, noon_in_tokyo(D1 + timedelta(days=1)), TOKYO)
    assert second is not None
    assert (second.current_days, second.start, second.kept_through) == (2, D1, D1 + timedelta(days=1))


def test_every_seventh_day_earns_a_freeze_up_to_two() -> None:
    # Given a streak of 6 days holding no freeze, and one of 13 days holding two
    six = state(current_days=6, longest_days=6, start=D1, kept_through=D1 + timedelta(days=5))
    thirteen = state(current_days=13, longest_days=13, start=D1, kept_through=D1 + timedelta(days=12), freezes=2)

    # When each learner studies the next day
    seventh = streaks.after_study(six, noon_in_tokyo(D1 + timedelta(days=6)), TOKYO)
    fourteenth = streaks.after_study(thirteen, noon_in_tokyo(D1 + timedelta(days=13)), TOKYO)

    # Then the seventh day earns one, and the fourteenth none beyond the two held
    assert seventh is not None and fourteenth is not None
    assert (seventh.freezes, fourteenth.freezes) == (1, 2)


def test_a_missed_day_without_a_freeze_ends_the_streak_at_its_deadline_and_not_before() -> None:
    running = state(current_days=3, longest_days=3, start=D1, kept_through=D1 + timedelta(days=2))
    deadline = streaks.deadline(running, TOKYO)
    assert deadline == datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # the end of the 27th in Tokyo

    before = streaks.days_ended(running, deadline - timedelta(seconds=1), TOKYO)
    at = streaks.days_ended(running, deadline, TOKYO)

    assert (before.state, before.ended) == (running, False)
    assert at.ended and at.frozen_days == ()
    assert (at.state.current_days, at.state.start, at.state.kept_through, at.state.longest_days) == (
        0, None, D1 + timedelta(days=2), 3,
    )  # fmt: skip


def test_freezes_cover_missed_days_one_each_then_the_streak_ends() -> None:
    # Given a streak last kept on the 26th, with two freezes
    running = state(current_days=8, longest_days=8, start=D1, kept_through=date(2026, 11, 26), freezes=2)

    # When three whole days have passed without study (checked late, all at once)
    ended = streaks.days_ended(running, datetime(2026, 11, 30, 15, 0, tzinfo=UTC), TOKYO)

    # Then the 27th and the 28th are frozen, and the 29th ends it with its last counted day the 28th
    assert ended.frozen_days == (date(2026, 11, 27), date(2026, 11, 28))
    assert ended.ended
    assert (ended.state.freezes, ended.state.kept_through, ended.state.current_days) == (0, date(2026, 11, 28), 0)


def test_one_freeze_keeps_the_streak_going_and_studying_after_it_extends_it() -> None:
    running = state(current_days=8, longest_days=8, start=D1, kept_through=date(2026, 11, 26), freezes=1)

    frozen = streaks.days_ended(running, datetime(2026, 11, 27, 15, 0, tzinfo=UTC), TOKYO)
    studied = streaks.after_study(frozen.state, noon_in_tokyo(date(2026, 11, 28)), TOKYO)

    assert (frozen.frozen_days, frozen.ended, frozen.state.freezes) == ((date(2026, 11, 27),), False, 0)
    assert studied is not None
    assert (studied.current_days, studied.start, studied.kept_through) == (9, D1, date(2026, 11, 28))


def test_the_deadline_follows_daylight_saving_time() -> None:
    # Given a New York learner whose last counted day is the 31st of October 2026 (DST ends on November 1st)
    running = state(current_days=2, longest_days=2, start=date(2026, 10, 30), kept_through=date(2026, 10, 31))

    # Then the streak ends at midnight starting November 2nd, New York time: 05:00 UTC (EST), not 04:00 (EDT)
    assert streaks.deadline(running, NEW_YORK) == datetime(2026, 11, 2, 5, 0, tzinfo=UTC)


def test_a_vacation_pauses_the_streak_and_its_days_count_when_it_ends() -> None:
    running = state(current_days=4, longest_days=4, start=D1, kept_through=date(2026, 11, 27))
    went = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)  # the 28th in Tokyo, before studying

    paused = streaks.vacation_started(running, went, TOKYO)
    ten_days_later = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)
    back = streaks.vacation_ended(paused.state, ten_days_later, TOKYO)

    assert (paused.ended, paused.state.vacation_since, streaks.deadline(paused.state, TOKYO)) == (False, went, None)
    assert streaks.current_streak(paused.state, date(2026, 12, 7)) == 4  # paused, not lost
    assert (back.vacation_since, back.kept_through, back.current_days) == (None, date(2026, 12, 7), 4)
    assert streaks.deadline(back, TOKYO) == datetime(2026, 12, 8, 15, 0, tzinfo=UTC)  # study on the 8th keeps it


def test_a_streak_already_lost_stays_lost_when_a_vacation_starts() -> None:
    lost = state(current_days=4, longest_days=4, start=D1, kept_through=date(2026, 11, 25))

    paused = streaks.vacation_started(lost, datetime(2026, 11, 28, 3, 0, tzinfo=UTC), TOKYO)

    assert paused.ended
    assert (paused.state.current_days, paused.state.vacation_since) == (0, datetime(2026, 11, 28, 3, 0, tzinfo=UTC))


def test_history_records_close_the_old_streak_and_start_a_new_one_after_a_gap() -> None:
    before = state(current_days=3, longest_days=3, start=D1, kept_through=date(2026, 11, 26), freezes=1)
    now = noon_in_tokyo(date(2026, 11, 29))  # the 27th frozen, the 28th missed

    ended = streaks.days_ended(before, now, TOKYO)
    after = streaks.after_study(ended.state, now, TOKYO)
    assert after is not None
    records = streaks.history_records(before, ended, after)

    assert [(r.start, r.length_days, r.last_day, r.ended, r.frozen) for r in records] == [
        (D1, 3, date(2026, 11, 27), True, (date(2026, 11, 27),)),
        (date(2026, 11, 29), 1, date(2026, 11, 29), False, ()),
    ]
