"""Forgot and reset password: no account enumeration, single-use tokens that expire, every session ended."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from shared.api.deps import now
from tests.auth_helpers import PASSWORD, Session, code_in, login, sent_emails, signed_up
from tests.helpers import assert_error

NEW_PASSWORD = "yama-no-ue-77"


class Clock:
    def __init__(self) -> None:
        self.at = datetime.now(UTC)


@pytest.fixture
def clock(app: FastAPI) -> Iterator[Clock]:
    """Lets a test move the API's notion of now (token expiry) without touching anything else."""
    current = Clock()
    app.dependency_overrides[now] = lambda: current.at
    yield current
    app.dependency_overrides.clear()


@pytest.fixture
def session(client: TestClient) -> Session:
    return signed_up(client)


def reset_code(client: TestClient, email: str) -> str:
    assert client.post("/api/v1/auth/forgot-password", json={"email": email}).status_code == 202
    return code_in([m for m in sent_emails(email) if m["subject"] == "Reset your Kotoba password"][-1])


def test_forgot_password_answers_the_same_whether_or_not_the_account_exists(
    client: TestClient, session: Session
) -> None:
    # When a reset is asked for a signed-up address and for one with no account
    known = client.post("/api/v1/auth/forgot-password", json={"email": session.email})
    unknown = client.post("/api/v1/auth/forgot-password", json={"email": "nobody@example.com"})

    # Then both get the same 202 answer, and only the account's owner is mailed a reset
    assert (known.status_code, unknown.status_code) == (202, 202)
    assert known.json() == unknown.json()
    assert [m["subject"] for m in sent_emails(session.email)][-1] == "Reset your Kotoba password"
    assert sent_emails("nobody@example.com") == []


def test_reset_changes_the_password_and_ends_every_session(client: TestClient, session: Session) -> None:
    # Given a user signed in on two devices, and the code of a reset they asked for
    other_device = login(client, session.email)
    code = reset_code(client, session.email)

    # When they reset their password with it
    response = client.post("/api/v1/auth/reset-password", json={"token": code, "new_password": NEW_PASSWORD})

    # Then the reset succeeds, and neither device's access or refresh token works any longer
    assert response.status_code == 200
    for old in (session, other_device):
        assert_error(client.get("/api/v1/auth/me", headers=old.headers), 401, "not_authenticated")
        refresh = client.post("/api/v1/auth/refresh", json={"refresh_token": old.refresh_token})
        assert_error(refresh, 401, "not_authenticated")

    # Then the old password is refused while the new one logs in
    assert_error(
        client.post("/api/v1/auth/login", json={"email": session.email, "password": PASSWORD}), 401, "not_authenticated"
    )
    assert login(client, session.email, NEW_PASSWORD).access_token


def test_a_reset_token_works_once(client: TestClient, session: Session) -> None:
    # Given a reset code used once to set a new password
    code = reset_code(client, session.email)
    body = {"token": code, "new_password": NEW_PASSWORD}
    assert client.post("/api/v1/auth/reset-password", json=body).status_code == 200

    # When it is used again, Then it is refused and the first new password still logs in
    again = client.post("/api/v1/auth/reset-password", json={**body, "new_password": "another-fine-pass-9"})
    assert_error(again, 400, "invalid_input")
    assert login(client, session.email, NEW_PASSWORD).access_token


def test_a_reset_token_expires_after_thirty_minutes(client: TestClient, session: Session, clock: Clock) -> None:
    # Given a reset code, and 31 minutes passed
    code = reset_code(client, session.email)
    clock.at += timedelta(minutes=31)

    # When it is used, Then it is refused and the old password still logs in
    response = client.post("/api/v1/auth/reset-password", json={"token": code, "new_password": NEW_PASSWORD})
    assert_error(response, 400, "invalid_input")
    clock.at = datetime.now(UTC)
    assert login(client, session.email).access_token  # the old password still works


def test_a_weak_new_password_does_not_spend_the_token(client: TestClient, session: Session) -> None:
    # Given a reset code
    code = reset_code(client, session.email)

    # When it is first sent with a weak new password, Then that is a 422, and the code still sets a good password
    weak = client.post("/api/v1/auth/reset-password", json={"token": code, "new_password": "aiko-aiko-aiko"})
    assert_error(weak, 422, "validation_error")
    assert (
        client.post("/api/v1/auth/reset-password", json={"token": code, "new_password": NEW_PASSWORD}).status_code
        == 200
    )


def test_an_unknown_reset_token_is_refused(client: TestClient, session: Session) -> None:
    # When a reset is sent with a well-formed code nobody was given, Then it is refused as bad input
    response = client.post("/api/v1/auth/reset-password", json={"token": "A" * 43, "new_password": NEW_PASSWORD})
    assert_error(response, 400, "invalid_input")


def test_forgot_password_is_limited_per_account(client: TestClient, session: Session) -> None:
    # When a reset is asked four times for one account, Then the fourth is a 429 and only three mails are sent
    codes = [client.post("/api/v1/auth/forgot-password", json={"email": session.email}).status_code for _ in range(4)]
    assert codes == [202, 202, 202, 429]
    assert len([m for m in sent_emails(session.email) if m["subject"] == "Reset your Kotoba password"]) == 3
