"""Reviews sent at the same moment against the running local cloud, as phones on a flaky network send them:
every review that answered 200 is counted exactly once (review log, card, day totals, session, export) and
every other one not at all. Retries of 409 resend the same review id, as the app does."""

import random
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from localcloud.outbox import sent_emails
from tests.e2e.conftest import LocalCloud, eventually

pytestmark = pytest.mark.slow

PASSWORD = "ame-nochi-hare-31"
MAX_SENDS = 40  # a phone gives up after this many 409s


@pytest.fixture(scope="module")
def cloud(module_local_cloud: LocalCloud) -> LocalCloud:
    """One local cloud for the module: each test uses its own learner."""
    return module_local_cloud


@dataclass(frozen=True)
class Device:
    """One logged-in phone of a learner, with its own study session."""

    api: str
    token: str
    session_id: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str) -> Any:
        response = requests.get(f"{self.api}{path}", headers=self.auth, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str) -> Any:
        response = requests.post(f"{self.api}{path}", headers=self.auth, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()


@dataclass(frozen=True)
class Review:
    device: Device
    review_id: str
    sentence_id: str
    rating: str

    def send(self) -> int:
        """POST until an answer other than 409 (the server reads the card again itself); the final status."""
        body = {
            "review_id": self.review_id, "item_type": "sentence", "item_id": self.sentence_id,
            "rating": self.rating, "response_time_ms": 1500, "session_id": self.device.session_id,
        }  # fmt: skip
        url = f"{self.device.api}/progress/review"
        for _ in range(MAX_SENDS):
            response = requests.post(url, headers=self.device.auth, json=body, timeout=30)
            if response.status_code != 409:
                return response.status_code
            time.sleep(random.uniform(0.01, 0.1))
        return 409


def learner_devices(cloud: LocalCloud, name: str, devices: int = 1) -> list[Device]:
    api = f"{cloud.api_url}/api/v1"
    email = f"{name}@example.com"
    account = {"email": email, "username": name, "password": PASSWORD}
    assert requests.post(f"{api}/auth/register", json=account, timeout=10).status_code == 202
    code = sent_emails(cloud.emulator_url, email)[-1].body.rsplit("enter this code: ", 1)[1].split()[0]
    assert requests.post(f"{api}/auth/verify-email", json={"token": code}, timeout=10).status_code == 200
    found = []
    for _ in range(devices):  # logged in once per phone
        login = requests.post(f"{api}/auth/login", json={"email": email, "password": PASSWORD}, timeout=10)
        token = login.json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        session = requests.post(f"{api}/progress/sessions", headers=auth, json={"device_type": "mobile"}, timeout=10)
        assert session.status_code == 201, session.text
        found.append(Device(api, token, session.json()["id"]))
    return found


def new_sentences(device: Device, count: int) -> list[str]:
    due = device.get("/progress/due")
    assert len(due["new"]) >= count, due
    return [card["sentence"]["id"] for card in due["new"][:count]]


def send_at_once(reviews: list[Review]) -> list[int]:
    start = threading.Barrier(len(reviews))

    def send(review: Review) -> int:
        start.wait()
        return review.send()

    with ThreadPoolExecutor(max_workers=len(reviews)) as pool:
        return list(pool.map(send, reviews))


def assert_counted_once(devices: list[Device], reviews: list[Review], statuses: list[int]) -> None:
    """Each distinct review id that answered 200 is in every book once; one that did not, in none."""
    accepted = {r.review_id: r for r, status in zip(reviews, statuses, strict=True) if status == 200}
    refused = {r.review_id for r, status in zip(reviews, statuses, strict=True) if status != 200} - set(accepted)
    card = {sentence_id: f"card {n}" for n, sentence_id in enumerate(dict.fromkeys(r.sentence_id for r in reviews))}
    device = {each.session_id: f"device {n}" for n, each in enumerate(devices)}
    per_card = dict(Counter(card[r.sentence_id] for r in accepted.values()))
    per_device = {name: sum(r.device.session_id == s for r in accepted.values()) for s, name in device.items()}
    correct = sum(r.rating != "again" for r in accepted.values())

    open_sessions = [each.get(f"/progress/sessions/{each.session_id}") for each in devices]
    sessions = [each.post(f"/progress/sessions/{each.session_id}/finish") for each in devices]  # stored once
    # the stored day totals are the review aggregator's, written seconds after the reviews
    document = eventually(
        lambda: requests.get(devices[0].get("/users/me/export")["url"], timeout=30).json(),
        lambda document: sum(d["reviews"] for d in document["daily_stats"]) >= len(accepted),
    )
    stats = devices[0].get("/progress/stats")
    counted = {
        "review logs": dict(Counter(card[log["item_key"].split("#", 1)[1]] for log in document["review_logs"])),
        "card total_attempts": {
            card[c["item_id"]]: c["total_attempts"] for c in devices[0].get("/progress/sentences?limit=100")["items"]
        },
        "card total_attempts (export)": {
            card[p["item_key"].split("#", 1)[1]]: p["total_attempts"] for p in document["progress"]
        },
        "day totals (reviews, correct)": (stats["total_reviews"], stats["total_correct"]),
        "day totals (export)": sum(d["reviews"] for d in document["daily_stats"]),
        "session total_questions (open)": {device[s["id"]]: s["total_questions"] for s in open_sessions},
        "session total_questions": {device[s["id"]]: s["total_questions"] for s in sessions},
        "session sentences_reviewed": {device[s["id"]]: len(s["sentences_reviewed"]) for s in sessions},
        "session total_questions (export)": {
            device[s["session_id"]]: s["total_questions"] for s in document["learning_sessions"]
        },
    }
    expected = {
        "review logs": per_card,
        "card total_attempts": per_card,
        "card total_attempts (export)": per_card,
        "day totals (reviews, correct)": (len(accepted), correct),
        "day totals (export)": len(accepted),
        "session total_questions (open)": per_device,
        "session total_questions": per_device,
        "session sentences_reviewed": per_device,
        "session total_questions (export)": per_device,
    }
    assert counted == expected, f"{len(accepted)} answered 200, {len(refused)} did not"

    logged = Counter(log["review_id"] for log in document["review_logs"])
    assert set(logged) == set(accepted), {
        "lost": set(accepted) - set(logged),
        "unanswered": set(logged) - set(accepted),
    }
    assert max(logged.values()) == 1 and not refused & set(logged)
    dashboard = devices[0].get("/progress/dashboard")
    assert dashboard["reviews_today"] == next((d["reviews"] for d in stats["days"] if d["day"] == dashboard["day"]), 0)


def test_distinct_reviews_of_one_card_at_once_each_count_once(cloud: LocalCloud) -> None:
    # Given a learner on one phone, and ten reviews of one new card, each with its own review id
    [device] = learner_devices(cloud, "aoi")
    reviews = [
        Review(device, str(uuid.uuid4()), sentence_id, random.choice(["again", "good", "easy"]))
        for sentence_id in new_sentences(device, 1)
        for _ in range(10)
    ]

    # When all ten are sent at the same moment, each resent on 409 as the app does
    statuses = send_at_once(reviews)

    # Then every one is answered 200 and counted once in the log, the card, the day totals, the session, the export
    assert statuses.count(200) == len(reviews), Counter(statuses)
    assert_counted_once([device], reviews, statuses)


def test_one_review_sent_five_times_at_once_counts_once(cloud: LocalCloud) -> None:
    # Given a learner on one phone, and one review of each of three new cards, each review to be sent five times
    [device] = learner_devices(cloud, "ren")
    reviews = [
        review
        for sentence_id in new_sentences(device, 3)
        for review in [Review(device, str(uuid.uuid4()), sentence_id, "good")] * 5
    ]

    # When the fifteen requests (three review ids) are sent at the same moment
    statuses = send_at_once(reviews)

    # Then each request is answered 200, and each of the three reviews is counted once everywhere, not five times
    assert statuses.count(200) == len(reviews), Counter(statuses)
    assert_counted_once([device], reviews, statuses)


def test_two_devices_of_one_learner_reviewing_the_same_cards(cloud: LocalCloud) -> None:
    # Given a learner logged in on two phones, each with its own session, and four reviews of each of two new cards
    # from each phone, each with its own review id
    devices = learner_devices(cloud, "mio", devices=2)
    reviews = [
        Review(device, str(uuid.uuid4()), sentence_id, random.choice(["again", "hard", "good"]))
        for sentence_id in new_sentences(devices[0], 2)
        for device in devices
        for _ in range(4)
    ]

    # When all sixteen are sent at the same moment
    statuses = send_at_once(reviews)

    # Then every one is answered 200 and counted once, in the cards' totals and in the session of the phone that sent it
    assert statuses.count(200) == len(reviews), Counter(statuses)
    assert_counted_once(devices, reviews, statuses)
