"""Accounts for tests: register, read the mail the system sent, confirm, log in."""

import re
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from localcloud.outbox import parsed

PASSWORD = "kumo-to-ame-42"
CODE_PATTERN = re.compile(r"enter this code: (\S+)")


def sent_emails(to: str | None = None) -> list[dict[str, Any]]:
    """Mail sent through SES in moto's in-process backend, oldest first."""
    messages = [parsed(m.raw_data) for m in ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages]
    return [vars(m) for m in messages if to is None or to in m.to]


def code_in(email: dict[str, Any]) -> str:
    match = CODE_PATTERN.search(email["body"])
    assert match, email["body"]
    return match.group(1)


@dataclass
class Session:
    user_id: str
    email: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def register(client: TestClient, email: str, username: str, password: str = PASSWORD) -> dict[str, Any]:
    response = client.post("/api/v1/auth/register", json={"email": email, "username": username, "password": password})
    assert response.status_code == 202, response.text
    return response.json()  # type: ignore[no-any-return]


def confirm(client: TestClient, email: str) -> None:
    token = code_in([m for m in sent_emails(email) if "Confirm" in m["subject"]][-1])
    assert client.post("/api/v1/auth/verify-email", json={"token": token}).status_code == 200


def login(client: TestClient, email: str, password: str = PASSWORD) -> Session:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    tokens = response.json()
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    return Session(me["id"], email, tokens["access_token"], tokens["refresh_token"])


def signed_up(client: TestClient, email: str = "aiko@example.com", username: str = "aiko") -> Session:
    register(client, email, username)
    confirm(client, email)
    return login(client, email)
