"""Administrators manage accounts: deactivation refuses an account at once, roles change, the last active admin
stays, and every change is in the account's audit log."""

from datetime import datetime

import httpx
import pytest
from fastapi.testclient import TestClient

from shared.dal.audit import AdminAuditItem
from shared.services.accounts import ensure_admin
from tests.auth_helpers import PASSWORD, Session, login, signed_up
from tests.helpers import assert_error

pytestmark = pytest.mark.usefixtures("aws")
ADMIN_PASSWORD = "an admin's long password"


@pytest.fixture
def admin(client: TestClient) -> Session:
    ensure_admin("root@example.com", "root", ADMIN_PASSWORD)
    return login(client, "root@example.com", ADMIN_PASSWORD)


@pytest.fixture
def learner(client: TestClient) -> Session:
    return signed_up(client)


def change(client: TestClient, who: Session, user_id: str, **body: object) -> httpx.Response:
    return client.put(f"/api/v1/admin/users/{user_id}", headers=who.headers, json=body)


def audit(client: TestClient, who: Session, user_id: str) -> list[dict[str, object]]:
    response = client.get(f"/api/v1/admin/users/{user_id}/audit", headers=who.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


def test_a_deactivated_account_is_refused_at_once_and_logs_in_again_once_reactivated(
    client: TestClient, admin: Session, learner: Session
) -> None:
    # Given a learner signed in on a phone
    assert client.get("/api/v1/auth/me", headers=learner.headers).status_code == 200

    # When an admin deactivates the account
    deactivated = client.put(f"/api/v1/admin/users/{learner.user_id}", headers=admin.headers, json={"is_active": False})

    # Then its access token and its refresh token are refused at once, and so is its login
    assert deactivated.status_code == 200, deactivated.text
    assert deactivated.json()["is_active"] is False
    assert client.get("/api/v1/auth/me", headers=learner.headers).status_code == 401
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": learner.refresh_token}).status_code == 401
    refused = client.post("/api/v1/auth/login", json={"email": learner.email, "password": PASSWORD})
    assert_error(refused, 403, "forbidden")  # the right password of a disabled account

    # And reactivated, the learner logs in again, while the tokens from before stay dead
    client.put(f"/api/v1/admin/users/{learner.user_id}", headers=admin.headers, json={"is_active": True})
    again = login(client, learner.email)
    assert client.get("/api/v1/auth/me", headers=again.headers).status_code == 200
    assert client.get("/api/v1/auth/me", headers=learner.headers).status_code == 401
    assert [entry["action"] for entry in audit(client, admin, learner.user_id)] == ["reactivate", "deactivate"]


def test_an_admin_can_make_an_admin_and_each_change_is_audited_with_who_and_when(
    client: TestClient, admin: Session, learner: Session
) -> None:
    promoted = client.put(f"/api/v1/admin/users/{learner.user_id}", headers=admin.headers, json={"role": "admin"})

    assert promoted.json()["role"] == "admin"
    new_admin = login(client, learner.email)
    assert client.get("/api/v1/admin/users", headers=new_admin.headers).status_code == 200
    (entry,) = audit(client, admin, learner.user_id)
    assert (entry["actor_id"], entry["action"]) == (admin.user_id, "make_admin")
    assert datetime.fromisoformat(str(entry["at"])) <= datetime.fromisoformat(promoted.json()["updated_at"])


def test_the_last_active_admin_cannot_be_removed_but_one_of_two_can(
    client: TestClient, admin: Session, learner: Session
) -> None:
    # Given one admin: neither demoting nor deactivating it is allowed, not even by itself
    for body in ({"role": "user"}, {"is_active": False}):
        assert_error(change(client, admin, admin.user_id, **body), 409, "conflict")
    assert AdminAuditItem.count(admin.user_id) == 0

    # When a second admin exists, the first may step down
    change(client, admin, learner.user_id, role="admin")
    stepped_down = change(client, admin, admin.user_id, role="user")

    # Then it did, and the one left cannot be removed
    assert stepped_down.json()["role"] == "user"
    second = login(client, learner.email)
    assert_error(change(client, second, learner.user_id, is_active=False), 409, "conflict")


def test_a_change_to_what_the_account_already_is_records_nothing(
    client: TestClient, admin: Session, learner: Session
) -> None:
    unchanged = change(client, admin, learner.user_id, is_active=True, role="user")

    assert unchanged.status_code == 200
    assert audit(client, admin, learner.user_id) == []


def test_account_changes_are_validated_and_for_admins_only(
    client: TestClient, admin: Session, learner: Session
) -> None:
    assert_error(change(client, admin, learner.user_id), 422, "validation_error")
    assert_error(change(client, admin, learner.user_id, role="owner"), 422, "validation_error")
    assert_error(change(client, admin, learner.user_id, is_active="no"), 422, "validation_error")
    assert_error(change(client, admin, "0d9e8f7a-0000-4000-8000-000000000000", is_active=False), 404, "not_found")
    assert_error(change(client, learner, admin.user_id, is_active=False), 403, "forbidden")
    assert_error(client.get(f"/api/v1/admin/users/{admin.user_id}/audit", headers=learner.headers), 403, "forbidden")
