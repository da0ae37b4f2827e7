"""The accounts flow against the running local cloud, e-mails read back from its emulator:
register → verify e-mail → login → me → refresh → logout → forgot → reset."""

import pytest
import requests

from localcloud import outbox
from tests.e2e.conftest import LocalCloud

pytestmark = pytest.mark.slow

PASSWORD = "kumo-to-ame-42"


def post(cloud: LocalCloud, path: str, body: dict[str, str], token: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(f"{cloud.api_url}/api/v1{path}", json=body, headers=headers, timeout=10)


def latest_code(cloud: LocalCloud, to: str, subject: str) -> str:
    code = outbox.latest_code(cloud.emulator_url, to, subject)
    assert code is not None
    return code


def test_register_verify_login_me_refresh_logout_reset(local_cloud: LocalCloud) -> None:
    email = "hana@example.com"
    assert (
        post(local_cloud, "/auth/register", {"email": email, "username": "hana", "password": PASSWORD}).status_code
        == 202
    )
    code = latest_code(local_cloud, email, "Confirm your Kotoba e-mail address")
    assert post(local_cloud, "/auth/verify-email", {"token": code}).status_code == 200

    tokens = post(local_cloud, "/auth/login", {"email": email, "password": PASSWORD}).json()
    me = requests.get(
        f"{local_cloud.api_url}/api/v1/auth/me",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    ).json()
    assert (me["email"], me["is_verified"]) == (email, True)

    refreshed = post(local_cloud, "/auth/refresh", {"refresh_token": tokens["refresh_token"]}).json()
    assert post(local_cloud, "/auth/logout", {}, token=refreshed["access_token"]).status_code == 204
    assert post(local_cloud, "/auth/refresh", {"refresh_token": refreshed["refresh_token"]}).status_code == 401

    assert post(local_cloud, "/auth/forgot-password", {"email": email}).status_code == 202
    reset = latest_code(local_cloud, email, "Reset your Kotoba password")
    new_password = "yama-no-ue-77"
    assert post(local_cloud, "/auth/reset-password", {"token": reset, "new_password": new_password}).status_code == 200
    assert post(local_cloud, "/auth/reset-password", {"token": reset, "new_password": new_password}).status_code == 400
    assert post(local_cloud, "/auth/login", {"email": email, "password": PASSWORD}).status_code == 401
    assert post(local_cloud, "/auth/login", {"email": email, "password": new_password}).status_code == 200


def test_the_printed_admin_account_logs_in_and_deactivates_an_account_at_once(local_cloud: LocalCloud) -> None:
    # Given the admin account the local cloud prints, and a learner signed in
    line = next(line for line in local_cloud.output if line.startswith("admin account:"))
    email, password = line.removeprefix("admin account:").strip().split(" / ")
    admin = post(local_cloud, "/auth/login", {"email": email, "password": password}).json()["access_token"]
    as_admin = {"Authorization": f"Bearer {admin}"}
    users = requests.get(f"{local_cloud.api_url}/api/v1/admin/users", headers=as_admin, timeout=10)
    assert users.status_code == 200
    assert [u["email"] for u in users.json()["items"]] == [email]
    learner = "ren@example.com"
    post(local_cloud, "/auth/register", {"email": learner, "username": "ren", "password": PASSWORD})
    post(
        local_cloud,
        "/auth/verify-email",
        {"token": latest_code(local_cloud, learner, "Confirm your Kotoba e-mail address")},
    )
    tokens = post(local_cloud, "/auth/login", {"email": learner, "password": PASSWORD}).json()
    as_learner = {"Authorization": f"Bearer {tokens['access_token']}"}
    learner_id = requests.get(f"{local_cloud.api_url}/api/v1/auth/me", headers=as_learner, timeout=10).json()["id"]

    # When the admin deactivates the learner's account
    deactivated = requests.put(
        f"{local_cloud.api_url}/api/v1/admin/users/{learner_id}",
        json={"is_active": False},
        headers=as_admin,
        timeout=10,
    )

    # Then the learner's access and refresh tokens stop working at once, and the audit log says who did it
    assert deactivated.status_code == 200, deactivated.text
    assert requests.get(f"{local_cloud.api_url}/api/v1/auth/me", headers=as_learner, timeout=10).status_code == 401
    assert post(local_cloud, "/auth/refresh", {"refresh_token": tokens["refresh_token"]}).status_code == 401
    audit = requests.get(f"{local_cloud.api_url}/api/v1/admin/users/{learner_id}/audit", headers=as_admin, timeout=10)
    assert [entry["action"] for entry in audit.json()["items"]] == ["deactivate"]
