"""The study loop's fixtures: a learner with the sample content, a clock the API reads, and an answer helper."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from shared.api.deps import now
from shared.services.sample_content import load_sample_content
from tests.auth_helpers import Session, signed_up

START = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo


class Clock:
    def __init__(self) -> None:
        self.at = START


@pytest.fixture
def clock(app: FastAPI) -> Iterator[Clock]:
    current = Clock()
    app.dependency_overrides[now] = lambda: current.at
    yield current
    app.dependency_overrides.clear()


@pytest.fixture
def learner(client: TestClient, aws: None) -> Session:
    load_sample_content()
    return signed_up(client)


def answer(client: TestClient, who: Session, item_id: str, rating: str = "good", **extra: Any) -> Any:
    body = {"review_id": str(uuid.uuid4()), "item_type": "sentence", "item_id": item_id, "rating": rating, **extra}
    return client.post("/api/v1/progress/review", headers=who.headers, json=body)
