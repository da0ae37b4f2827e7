"""How many requests one run of each scheduled check makes, with 10 and with 1000 learners of whom the same 10
are concerned (their streak's day ended without study; their reminder time has come): the counts must be equal,
and no Scan. Also the write units and the e-mails sent.

    .venv/bin/python bench/scheduled_checks.py [--learners 10 1000] [--concerned 10]

Runs in-process against moto, as bench/study_requests.py does (same meters).
"""

import argparse
import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from moto import mock_aws  # noqa: E402
from moto.core.models import DEFAULT_ACCOUNT_ID  # noqa: E402
from moto.ses.models import ses_backends  # noqa: E402

from bench.study_requests import Measured, counted, install_request_counter  # noqa: E402  (sets the environment)
from functions.streak_check.handler import handler as streak_check  # noqa: E402
from functions.study_reminders.handler import handler as study_reminders  # noqa: E402
from localcloud import provision  # noqa: E402
from localcloud.pump import scheduled_event  # noqa: E402
from shared.dal import streaks_repository  # noqa: E402
from shared.dal.base import batch_save  # noqa: E402
from shared.dal.progress import ProgressItem, SentenceProgressItem  # noqa: E402
from shared.dal.tables import bind_tables  # noqa: E402
from shared.dal.users import UserItem  # noqa: E402
from shared.domain.streaks import ReminderSettings, StreakState  # noqa: E402
from shared.services import study_calendar  # noqa: E402
from shared.settings import get_settings  # noqa: E402

TOKYO = "Asia/Tokyo"
STREAK_RUN = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # midnight in Tokyo, ending the 26th
REMINDER_RUN = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # 19:00 on the 26th in Tokyo


class BenchContext:
    function_name = "scheduled-check"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:scheduled-check"
    aws_request_id = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


def streak_scenario(concerned: bool) -> study_calendar.Change:
    """A three-day streak last studied on the 25th (concerned: it ends at STREAK_RUN) or the 26th; no reminders."""
    return _calendar(date(2026, 11, 25) if concerned else date(2026, 11, 26), reminders_at=None)


def reminder_scenario(concerned: bool) -> study_calendar.Change:
    """Last studied on the 25th, a card due; reminders at 19:00 (concerned: due at REMINDER_RUN) or 21:00."""
    return _calendar(date(2026, 11, 25), reminders_at=time(19, 0) if concerned else time(21, 0))


def _calendar(studied: date, reminders_at: time | None) -> study_calendar.Change:
    def change(user: Any, calendar: Any) -> study_calendar.CalendarChange:
        streak = StreakState(
            current_days=3, longest_days=3, start=studied - timedelta(days=2), kept_through=studied, freezes=0,
            last_study=datetime.combine(studied, time(3, 0), tzinfo=UTC), vacation_since=None,
        )  # fmt: skip
        reminders = ReminderSettings(enabled=reminders_at is not None, local_time=reminders_at, reminded_on=None,
                                     due_at=None)  # fmt: skip
        return study_calendar.CalendarChange(streak, reminders)

    return change


SCENARIOS: dict[str, tuple[Callable[[bool], study_calendar.Change], Any, datetime]] = {
    "streak check": (streak_scenario, streak_check, STREAK_RUN),
    "study reminders": (reminder_scenario, study_reminders, REMINDER_RUN),
}


def measure(check: str, learners: int, concerned: int) -> tuple[Measured, int]:
    """One run of `check` over `learners` learners, `concerned` of them due: its requests and the e-mails sent."""
    scenario, handler, run_at = SCENARIOS[check]
    with mock_aws():
        settings = get_settings()
        bind_tables(settings)
        provision.create_tables(settings)
        provision.create_generated_keys(settings)
        provision.verify_email_sender(settings)
        users = [
            UserItem(
                email=f"learner{n}@example.com",
                username=f"learner{n}",
                password_hash="-",
                is_verified=True,
                timezone=TOKYO,
            )
            for n in range(learners)
        ]
        batch_save(UserItem, users)
        cards = [
            SentenceProgressItem(
                user_id=user.user_id, sentence_id=f"s-{n}", next_review_date=run_at - timedelta(hours=1)
            )
            for n, user in enumerate(users)
        ]
        batch_save(ProgressItem, cards)
        for n, user in enumerate(users):
            learner = streaks_repository.learner(user.user_id)
            assert learner is not None
            study_calendar.apply(learner, scenario(n < concerned), datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
        sent = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
        with counted() as calls:
            run = handler(
                scheduled_event(f"arn:aws:events:us-east-1:123456789012:rule/{check}", run_at), BenchContext()
            )
        assert run["learners"] == concerned, run
        return calls, len(sent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, nargs="+", default=[10, 1000])
    parser.add_argument("--concerned", type=int, default=10)
    args = parser.parse_args()
    install_request_counter()
    by_size = {size: {check: measure(check, size, args.concerned) for check in SCENARIOS} for size in args.learners}
    header = "".join(f"{f'{size} learners':>14}" for size in args.learners)
    print(f"One run, {args.concerned} learners concerned: DynamoDB requests (e-mails sent)")
    print(f"{'check':18s}{header}  operations")
    unequal = []
    for check in next(iter(by_size.values())):
        totals = [sum(by_size[size][check][0].requests.values()) for size in args.learners]
        mails = [by_size[size][check][1] for size in args.learners]
        operations: Counter[str] = by_size[args.learners[-1]][check][0].requests
        cells = "".join(f"{f'{total} ({mail})':>14}" for total, mail in zip(totals, mails, strict=True))
        print(f"{check:18s}{cells}  {', '.join(f'{op} {n}' for op, n in sorted(operations.items()))}")
        writes = by_size[args.learners[-1]][check][0].writes
        print(f"{'':18s}write units {writes.total:g}: {writes.summary()}")
        if len(set(totals)) > 1 or any("Scan" in by_size[size][check][0].requests for size in args.learners):
            unequal.append(check)
    print("GROWS WITH THE LEARNERS: " + ", ".join(unequal) if unequal else "equal for every size; no Scan")
    sys.exit(1 if unequal else 0)


if __name__ == "__main__":
    main()
