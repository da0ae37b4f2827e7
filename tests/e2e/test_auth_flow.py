"""The accounts flow against the running local cloud, e-mails read back from its emulator:
register → verify e-mail → login → me → refresh → logout → forgot → reset."""

import re

import pytest
import requests

from localcloud.outbox import sent_emails
from tests.e2e.conftest import LocalCloud

pytestmark = pytest.mark.slow

CODE = re.compile(r"enter this code: (\S+)")
PASSWORD = "kumo-to-ame-42"


def post(cloud: LocalCloud, path: str, body: dict[str, str], token: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(f"{cloud.api_url}/api/v1{path}", json=body, headers=headers, timeout=10)


def latest_code(cloud: LocalCloud, to: str, subject: str) -> str:
    [*_, email] = [e for e in sent_emails(cloud.emulator_url, to) if e.subject == subject]
    match = CODE.search(email.body)
    assert match
    return match.group(1)


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


def test_the_printed_admin_account_logs_in(local_cloud: LocalCloud) -> None:
    line = next(line for line in local_cloud.output if line.startswith("admin account:"))
    email, password = line.removeprefix("admin account:").strip().split(" / ")
    tokens = post(local_cloud, "/auth/login", {"email": email, "password": password}).json()
    users = requests.get(
        f"{local_cloud.api_url}/api/v1/admin/users",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    )
    assert users.status_code == 200
    assert [u["email"] for u in users.json()["items"]] == [email]
