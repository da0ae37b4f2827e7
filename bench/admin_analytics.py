"""How many DynamoDB requests `GET /admin/analytics` makes with 10 and with 1000 users (who signed up and answered
today), for a range of one day and of 92 (the most): equal for any number of users, and no Scan, since it reads
figures kept per period, not the users.

    .venv/bin/python bench/admin_analytics.py [--users 10 1000]

Runs in-process against moto, as bench/study_requests.py does (same meter).
"""

import argparse
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from moto import mock_aws  # noqa: E402

from bench.study_requests import Measured, counted, install_request_counter  # noqa: E402  (sets the environment)
from localcloud import provision  # noqa: E402
from shared.api.app import create_app  # noqa: E402
from shared.api.routers import admin, auth  # noqa: E402
from shared.dal.analytics_repository import Figures, count_event  # noqa: E402
from shared.dal.base import batch_save  # noqa: E402
from shared.dal.tables import bind_tables  # noqa: E402
from shared.dal.users import UserItem  # noqa: E402
from shared.services.accounts import ensure_admin  # noqa: E402
from shared.services.sample_content import load_sample_content  # noqa: E402
from shared.settings import get_settings  # noqa: E402

PASSWORD = "bench-password-42"


def measure(users: int, days: int) -> tuple[Measured, int]:
    """One call over the last `days` days: its requests, and the registrations it reports."""
    with mock_aws():
        settings = get_settings()
        bind_tables(settings)
        provision.create_tables(settings)
        provision.create_signing_key(settings)
        provision.create_generated_keys(settings)
        load_sample_content()
        ensure_admin("admin@example.com", "admin", PASSWORD)
        learners = [UserItem(email=f"l{n}@example.com", username=f"l{n}", password_hash="-") for n in range(users)]
        batch_save(UserItem, learners)
        now = datetime.now(UTC)
        for learner in learners:  # what each learner's sign-up and first review of the day add
            count_event(now, learner.user_id, Figures(registrations=1, active_learners=1, reviews=1, correct=1))
        client = TestClient(create_app(auth.router, admin.router))
        token = client.post("/api/v1/auth/login", json={"email": "admin@example.com", "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        client.get("/api/v1/auth/me", headers=headers)  # warm the key caches, as a warm function has them
        with counted() as calls:
            first_day = now.date() - timedelta(days=days - 1)
            response = client.get("/api/v1/admin/analytics", headers=headers, params={"first_day": str(first_day)})
        assert response.status_code == 200, response.text
        return calls, response.json()["totals"]["registrations"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, nargs="+", default=[10, 1000])
    args = parser.parse_args()
    install_request_counter()
    grows = False
    print("GET /admin/analytics: DynamoDB requests, authentication included")
    for days in (1, 92):
        results = {users: measure(users, days) for users in args.users}
        for users, (calls, registrations) in results.items():
            operations = ", ".join(f"{op} {n}" for op, n in sorted(calls.requests.items()))
            total = sum(calls.requests.values())
            print(
                f"{days:>3} days, {users:>5} users: {total:>3} requests ({operations}); sign-ups read {registrations}"
            )
        grows |= len({sum(calls.requests.values()) for calls, _ in results.values()}) > 1
        grows |= any("Scan" in calls.requests for calls, _ in results.values())
    print("GROWS WITH THE USERS" if grows else "equal for every number of users; no Scan")
    sys.exit(1 if grows else 0)


if __name__ == "__main__":
    main()
