"""How many DynamoDB requests, and how many write units, one call of each study endpoint makes, with 10 and
with 1000 cards in the learner's deck, and what the review aggregator then writes for those reviews off the
request path; and a phone's content sync (`updated_after`) over 10 and 1000 sentences and words changed since its
last sync, a tenth of them deleted. The counts must not grow with the deck or the changes: no per-item loops, no Scan.
Also the read units of the reviews' Queries (load balancing reads the cards due in the review's fuzz window). The
backlog recovery's job is the exception, by design and off the request path: its row is what the worker did with the
backlog it was given (none with 10 cards, which the request moves itself).

    .venv/bin/python bench/study_requests.py [--sizes 10 1000]

Runs in-process against moto; counts every DynamoDB API call the request makes (authentication included) and
works out the write units of its writes from the items before and after (bench/write_units.py says how). A Query's
read units are worked out alike: the whole items its key condition reads (before any projection or filter), 4 KB a
unit, halved when eventually consistent.
"""

import argparse
import math
import os
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
os.environ.update(  # the in-process emulator takes any credentials
    AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1", AWS_REGION="us-east-1",
    KOTOBA_STAGE="bench", KOTOBA_MEDIA_BUCKET="kotoba-bench-media", POWERTOOLS_TRACE_DISABLED="true",
    POWERTOOLS_METRICS_DISABLED="true", POWERTOOLS_LOG_LEVEL="ERROR",
)  # fmt: skip

import botocore.client  # noqa: E402
from aws_lambda_powertools.utilities.typing import LambdaContext  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from moto import mock_aws  # noqa: E402

from bench import write_units  # noqa: E402
from functions.review_aggregator.handler import handler as aggregator  # noqa: E402
from localcloud import lsi_fetch, provision  # noqa: E402
from localcloud.emulator import serialize_in_process_moto  # noqa: E402
from shared.api.app import create_app  # noqa: E402
from shared.api.routers import auth, learning, progress, users  # noqa: E402
from shared.dal import achievements_repository  # noqa: E402
from shared.dal.base import batch_save  # noqa: E402
from shared.dal.content import SentenceItem, VocabularyWordItem  # noqa: E402
from shared.dal.progress import ProgressItem, SentenceProgressItem  # noqa: E402
from shared.dal.reviews import ReviewLogItem  # noqa: E402
from shared.dal.tables import bind_tables  # noqa: E402
from shared.dal.users import UserItem  # noqa: E402
from shared.enums import Difficulty, MasteryLevel, ModerationStatus, PartOfSpeech  # noqa: E402
from shared.services import account_jobs  # noqa: E402
from shared.services.accounts import ensure_admin  # noqa: E402
from shared.services.sample_content import load_sample_content  # noqa: E402
from shared.settings import get_settings  # noqa: E402

PASSWORD = "bench-password-42"
BATCH_REVIEWS = 5  # offline answers sent in one batch: its figures are per batch, divide for one review
BACKLOG_JOB = "backlog job (off the request path)"
GROWS_BY_DESIGN = frozenset({BACKLOG_JOB})  # a job's work is the backlog's size, in bounded transactions
METER = write_units.install()
lsi_fetch.apply()  # in-process moto answers a Query of an LSI as DynamoDB and the local cloud do
_calls: Counter[str] = Counter()
_query_reads: list[float] = []  # the read units of each Query of the call being counted
_measured = botocore.client.BaseClient._make_api_call
READ_UNIT = 4096  # bytes a read unit covers (strongly consistent; half a unit eventually consistent)
# The reviews whose Queries' read units are printed.
REVIEW_ROWS = ("POST /progress/review (a card in review)", "POST /progress/review (a known card)")


def _counting(self: Any, operation: str, params: dict[str, Any]) -> Any:
    if self.meta.service_model.service_name == "dynamodb":
        _calls[operation] += 1
        if operation == "Query":
            _query_reads.append(_query_read_units(self, params))
    return _measured(self, operation, params)


def _query_read_units(client: Any, params: dict[str, Any]) -> float:
    """What DynamoDB charges a Query: the whole items (index entries) its key condition reads, whatever it projects
    or filters out, by their documented sizes; this page only (same Limit and start key)."""
    condition = params["KeyConditionExpression"]
    names = {k: v for k, v in params.get("ExpressionAttributeNames", {}).items() if k in condition}
    values = {k: v for k, v in params.get("ExpressionAttributeValues", {}).items() if k in condition}
    dropped = {"ProjectionExpression", "AttributesToGet", "Select", "FilterExpression", "ExpressionAttributeNames",
               "ExpressionAttributeValues", "ReturnConsumedCapacity"}  # fmt: skip
    whole = {k: v for k, v in params.items() if k not in dropped} | {"ExpressionAttributeValues": values}
    if names:
        whole["ExpressionAttributeNames"] = names
    read = sum(write_units.item_size(item) for item in _measured(client, "Query", whole).get("Items", []))
    return max(1, math.ceil(read / READ_UNIT)) * (1.0 if params.get("ConsistentRead") else 0.5)


def install_request_counter() -> None:
    """Count every DynamoDB call made in this process from now on (read with `counted`)."""
    serialize_in_process_moto()
    botocore.client.BaseClient._make_api_call = _counting


@dataclass
class Measured:
    requests: Counter[str]
    writes: write_units.WriteUnits
    query_reads: list[float]


@contextmanager
def counted() -> Iterator[Measured]:
    _calls.clear()
    _query_reads.clear()
    with METER.measuring() as writes:
        snapshot = Measured(requests=Counter(), writes=writes, query_reads=[])
        yield snapshot
    snapshot.requests.update(_calls)
    snapshot.query_reads.extend(_query_reads)


class BenchLambdaContext:
    """The attributes of Lambda's context object that Powertools and the aggregator read."""

    function_name = "review_aggregator"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:review_aggregator"
    aws_request_id = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def stream_record(log: ReviewLogItem) -> dict[str, Any]:
    """The review log's stream record of a new review, as Lambda hands it to the aggregator."""
    image = log.serialize()
    return {
        "eventID": log.review_id, "eventName": "INSERT", "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/kotoba-bench-review_logs/stream/1",
        "dynamodb": {"Keys": {"user_id": image["user_id"], "review_id": image["review_id"]}, "NewImage": image,
                     "StreamViewType": "NEW_IMAGE", "SequenceNumber": "1"},
    }  # fmt: skip


def card_in_review(user_id: str, sentence_id: str, now: datetime) -> None:
    """A card in FSRS review, due now after a 4-day interval: answered "good", its next interval (some 2 weeks) is
    load balanced over the deck's cards due in its fuzz window (the 1000-card deck: some 24 a day)."""
    SentenceProgressItem(
        user_id=user_id, sentence_id=sentence_id, next_review_date=now, last_reviewed_date=now - timedelta(days=4),
        interval_days=4, total_attempts=2, correct_attempts=2, repetition_count=2, fsrs_state=2, fsrs_step=None,
        stability=4.0, difficulty=5.0, mastery_level=MasteryLevel.YOUNG,
    ).save()  # fmt: skip


def build_deck(user_id: str, size: int, now: datetime) -> None:
    levels = list(MasteryLevel)
    cards = []
    for n in range(size):
        card = SentenceProgressItem(
            user_id=user_id, sentence_id=str(uuid.uuid4()), next_review_date=now + timedelta(hours=n - size // 2),
            mastery_level=levels[n % len(levels)], total_attempts=1, last_reviewed_date=now - timedelta(days=1),
        )  # fmt: skip
        cards.append(card)
    batch_save(ProgressItem, cards)


def change_content(size: int) -> None:
    """`size` sentences and `size` words written at once (an import), every tenth sentence deleted and word withdrawn:
    the change set of a phone's next sync."""
    batch_save(SentenceItem, (
        SentenceItem(japanese_text=f"文{n}です。", english_translation=f"Sentence {n}.",
                     difficulty_level=Difficulty.EASY,
                     status=ModerationStatus.DELETED if n % 10 == 0 else ModerationStatus.ACTIVE)
        for n in range(size)
    ))  # fmt: skip
    batch_save(VocabularyWordItem, (
        VocabularyWordItem(hiragana=f"ことば{n}", romaji=f"kotoba {n}", english_meanings=[f"word {n}"],
                           part_of_speech=PartOfSpeech.NOUN, difficulty_level=Difficulty.EASY, is_active=n % 10 != 0)
        for n in range(size)
    ))  # fmt: skip


def build_backlog(user_id: str, size: int, now: datetime) -> None:
    """`size` cards more, overdue by 1 to `size` days after 10-day intervals: a break's backlog."""
    cards = []
    for n in range(size):
        card = SentenceProgressItem(
            user_id=user_id, sentence_id=str(uuid.uuid4()), next_review_date=now - timedelta(days=n + 1),
            mastery_level=MasteryLevel.YOUNG, total_attempts=3, interval_days=10,
            last_reviewed_date=now - timedelta(days=n + 11),
        )  # fmt: skip
        cards.append(card)
    batch_save(ProgressItem, cards)


def measure(size: int) -> dict[str, Measured]:
    with mock_aws():
        settings = get_settings()
        bind_tables(settings)
        provision.create_tables(settings)
        provision.create_queues(settings)  # the account-jobs queue a large backlog's job is handed to
        provision.create_signing_key(settings)
        provision.create_generated_keys(settings)
        load_sample_content()
        achievements_repository.catalog.cache_clear()  # each size is a fresh function: it reads the catalogue once
        ensure_admin("bench@example.com", "bench", PASSWORD)
        user = next(UserItem.scan())
        build_deck(user.user_id, size, datetime.now(UTC))
        client = TestClient(create_app(auth.router, users.router, learning.router, progress.router))
        token = client.post("/api/v1/auth/login", json={"email": "bench@example.com", "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        client.get("/api/v1/auth/me", headers=headers)  # warm the key caches, as a warm function has them
        sentence, reviewed = (
            s["id"] for s in client.get("/api/v1/learning/sentences", params={"limit": 2}).json()["items"]
        )
        results: dict[str, Measured] = {}

        def call(name: str, method: str, path: str, **kwargs: Any) -> Any:
            with counted() as calls:
                response = client.request(method, path, headers=headers, **kwargs)
            assert response.status_code < 300, response.text
            results[name] = calls
            return response.json() if response.content else None

        session = call("POST /progress/sessions", "POST", "/api/v1/progress/sessions", json={})
        call("GET /progress/due", "GET", "/api/v1/progress/due")
        review = {"review_id": str(uuid.uuid4()), "item_type": "sentence", "item_id": sentence, "rating": "good",
                  "response_time_ms": 1200, "session_id": session["id"]}  # fmt: skip
        call("POST /progress/review", "POST", "/api/v1/progress/review", json=review)
        call("POST /progress/review (retry)", "POST", "/api/v1/progress/review", json=review)
        again = {**review, "review_id": str(uuid.uuid4()), "rating": "again"}  # the card already in the deck
        call("POST /progress/review (a known card)", "POST", "/api/v1/progress/review", json=again)
        with counted() as calls:
            event = {"Records": [stream_record(log) for log in ReviewLogItem.query(user.user_id)]}
            aggregated = aggregator(event, cast(LambdaContext, BenchLambdaContext()))
        results[f"review aggregator ({aggregated['answers']} reviews)"] = calls
        # After the aggregator's row, so that its figures stay those of the three single reviews above.
        cards = [c.item_key for c in ProgressItem.query(user.user_id, limit=BATCH_REVIEWS + 1)]
        offline_at = (datetime.now(UTC) - timedelta(minutes=30)).isoformat()  # after the deck's last reviews
        batch = {"reviews": [
            {"review_id": str(uuid.uuid4()), "item_type": "sentence", "item_id": key.split("#", 1)[1],
             "rating": "good", "answered_at": offline_at}
            for key in cards if key != f"sentence#{sentence}"][:BATCH_REVIEWS]}  # fmt: skip
        call(f"POST /progress/reviews:batch ({BATCH_REVIEWS})", "POST", "/api/v1/progress/reviews:batch", json=batch)
        call("POST /progress/reviews:batch (replay)", "POST", "/api/v1/progress/reviews:batch", json=batch)
        since = {"updated_after": offline_at, "limit": 50}  # what the batch changed: its cards and its reviews
        call("GET /progress/sentences?updated_after", "GET", "/api/v1/progress/sentences", params=since)
        call("GET /progress/reviews?updated_after", "GET", "/api/v1/progress/reviews", params=since)
        call("GET /progress/sentences", "GET", "/api/v1/progress/sentences", params={"limit": 50})
        call("GET /progress/stats", "GET", "/api/v1/progress/stats")
        call("GET /progress/dashboard", "GET", "/api/v1/progress/dashboard")
        call("GET /users/me/streaks", "GET", "/api/v1/users/me/streaks")
        call("GET /users/me/achievements", "GET", "/api/v1/users/me/achievements")
        call("GET /users/me/achievements (again)", "GET", "/api/v1/users/me/achievements")
        call("POST /progress/sessions/{id}/finish", "POST", f"/api/v1/progress/sessions/{session['id']}/finish")
        # Last, so that the rows above keep the figures they had before load balancing came.
        card_in_review(user.user_id, reviewed, datetime.now(UTC))
        in_review = {"review_id": str(uuid.uuid4()), "item_type": "sentence", "item_id": reviewed, "rating": "good"}
        balanced = call(REVIEW_ROWS[0], "POST", "/api/v1/progress/review", json=in_review)
        assert balanced["interval_days"] >= 3, balanced  # so that it was load balanced
        synced = datetime.now(UTC).isoformat()
        added = {"japanese_text": "猫が好きです。", "english_translation": "I like cats.", "jlpt_level": "n5"}
        mine = call("POST /learning/sentences (an admin's)", "POST", "/api/v1/learning/sentences", json=added)
        call("PUT /learning/sentences/{id}", "PUT", f"/api/v1/learning/sentences/{mine['id']}",
             json={"english_translation": "I love cats."})  # fmt: skip
        change_content(size)
        content = {"updated_after": synced, "limit": 50}  # a page of the `size` changes
        call("GET /learning/sentences?updated_after", "GET", "/api/v1/learning/sentences", params=content)
        call("GET /learning/vocabulary?updated_after", "GET", "/api/v1/learning/vocabulary", params=content)
        # After every other row, whose figures it would change (it fills the coming week): a backlog of half the
        # deck's size more, with the deck's own overdue cards (about half of 1000, a few of 10 by the time of day),
        # spread over a week: 5 or so cards within the request, some 1,000 by a job.
        build_backlog(user.user_id, size // 2, datetime.now(UTC))
        spread = call("POST /progress/backlog (spread 7 days)", "POST", "/api/v1/progress/backlog",
                      json={"action": "spread", "days": 7})  # fmt: skip
        with counted() as calls:
            if "job_id" in spread:
                job = account_jobs.run(spread["job_id"], datetime.now(UTC), lambda: 600_000)
                assert job.progress == account_jobs.Progress.DONE, job
        results[BACKLOG_JOB] = calls
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 1000])
    args = parser.parse_args()
    install_request_counter()
    by_size = {size: measure(size) for size in args.sizes}
    endpoints = list(next(iter(by_size.values())))
    header = "".join(f"{f'{size} cards':>12}" for size in args.sizes)
    print(f"DynamoDB requests per call (authentication included)\n{'endpoint':40s}{header}  operations")
    grows = []
    for endpoint in endpoints:
        totals = [sum(by_size[size][endpoint].requests.values()) for size in args.sizes]
        operations = ", ".join(f"{op} {n}" for op, n in sorted(by_size[args.sizes[-1]][endpoint].requests.items()))
        print(f"{endpoint:40s}" + "".join(f"{t:12d}" for t in totals) + f"  {operations}")
        if len(set(totals)) > 1 and endpoint not in GROWS_BY_DESIGN:
            grows.append(endpoint)
        if any("Scan" in by_size[size][endpoint].requests for size in args.sizes):
            grows.append(f"{endpoint} (Scan!)")
    print(f"\nWrite units per call (DynamoDB's rules on the stored items)\n{'endpoint':40s}{header}  where")
    for endpoint in endpoints:
        writes = [by_size[size][endpoint].writes for size in args.sizes]
        if not any(w.total for w in writes):
            continue
        print(f"{endpoint:40s}" + "".join(f"{w.total:12g}" for w in writes) + f"  {writes[-1].summary()}")
    print(
        f"\nRead units of the reviews' Queries (eventually consistent: half a unit per 4 KB)\n{'endpoint':40s}{header}"
    )
    for endpoint in REVIEW_ROWS:
        reads = [by_size[size][endpoint].query_reads for size in args.sizes]
        print(f"{endpoint:40s}" + "".join(f"{' + '.join(f'{r:g}' for r in q) or '-':>12}" for q in reads))
    print("GROWS WITH THE DECK: " + ", ".join(grows) if grows else "no endpoint grows with the deck; no Scan")
    sys.exit(1 if grows else 0)


if __name__ == "__main__":
    main()
