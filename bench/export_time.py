"""How long writing a learner's data export takes, and how large it is, for histories of some sizes: the basis of
`LARGE_HISTORY_REVIEWS` (shared/services/export.py), beyond which the export is a background job.

    .venv/bin/python bench/export_time.py [--reviews 1000 20000]

In-process moto stands in for DynamoDB and S3 (its queries are slower than DynamoDB's: an upper bound on the read).
"""

import argparse
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from moto import mock_aws  # noqa: E402

from bench.study_requests import install_request_counter  # noqa: E402  (sets the environment)
from localcloud import provision  # noqa: E402
from shared.dal.base import batch_save  # noqa: E402
from shared.dal.reviews import ReviewLogItem  # noqa: E402
from shared.dal.tables import bind_tables  # noqa: E402
from shared.dal.user_records import user_public  # noqa: E402
from shared.dal.users import UserItem  # noqa: E402
from shared.services import export  # noqa: E402
from shared.settings import get_settings  # noqa: E402


def measure(reviews: int) -> tuple[float, int]:
    with mock_aws():
        settings = get_settings()
        bind_tables(settings)
        provision.create_tables(settings)
        provision.create_media_bucket(settings, provision.create_queues(settings))
        user = UserItem(email="learner@example.com", username="learner", password_hash="-")
        user.save()
        start = datetime(2026, 1, 1, tzinfo=UTC)
        batch_save(
            ReviewLogItem,
            (
                ReviewLogItem(
                    user_id=user.user_id,
                    review_id=str(uuid.uuid4()),
                    item_key=f"sentence#{n % 2000}",
                    reviewed_at=start + timedelta(minutes=n),
                    rating=3,
                    correct=True,
                    response_time_ms=2400,
                    algorithm="fsrs",
                    study_day=(date(2026, 1, 1) + timedelta(days=n // 100)).isoformat(),
                    interval_days=3,
                    next_review_date=start + timedelta(minutes=n, days=3),
                    mastery_level="young",
                )
                for n in range(reviews)
            ),
        )
        began = time.perf_counter()
        stored = export.write_export(user_public(user), datetime.now(UTC))
        return time.perf_counter() - began, stored.size_bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reviews", type=int, nargs="+", default=[1000, 20_000])
    args = parser.parse_args()
    install_request_counter()
    print(f"{'reviews':>10}{'seconds':>10}{'MB':>8}")
    for reviews in args.reviews:
        seconds, size = measure(reviews)
        print(f"{reviews:>10}{seconds:>10.2f}{size / 1e6:>8.2f}")


if __name__ == "__main__":
    main()
