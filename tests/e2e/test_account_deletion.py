"""An account's deletion through the running local cloud, its IAM gate on: the learner is signed out at once, and
the account-jobs worker (fed by the pump from its queue) erases the account within seconds, every grant it needs
being in its role (the fixture fails on any refusal)."""

import uuid

import boto3
import pytest
import requests

from localcloud.outbox import sent_emails
from shared.constants import Buckets, MediaPrefixes, physical_name
from shared.settings import LOCAL_STAGE
from tests.e2e.conftest import LocalCloud, eventually, tooling

pytestmark = pytest.mark.slow
ACCOUNT = {"email": "mio@example.com", "username": "mio", "password": "natsu-no-umi-55"}


def test_a_deleted_account_is_signed_out_at_once_and_erased_by_the_worker(local_cloud: LocalCloud) -> None:
    # Given a learner who studied and exported their data
    api = f"{local_cloud.api_url}/api/v1"
    assert requests.post(f"{api}/auth/register", json=ACCOUNT, timeout=10).status_code == 202
    code = sent_emails(local_cloud.emulator_url, ACCOUNT["email"])[-1].body.rsplit("enter this code: ", 1)[1].split()[0]
    assert requests.post(f"{api}/auth/verify-email", json={"token": code}, timeout=10).status_code == 200
    login = {"email": ACCOUNT["email"], "password": ACCOUNT["password"]}
    tokens = requests.post(f"{api}/auth/login", json=login, timeout=10).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    card = requests.get(f"{api}/progress/due", headers=auth, timeout=10).json()["new"][0]["sentence"]["id"]
    review = {"review_id": str(uuid.uuid4()), "item_type": "sentence", "item_id": card, "rating": "good"}
    assert requests.post(f"{api}/progress/review", headers=auth, json=review, timeout=10).status_code == 200
    assert requests.get(f"{api}/users/me/export", headers=auth, timeout=30).status_code == 200
    user_id = requests.get(f"{api}/auth/me", headers=auth, timeout=10).json()["id"]
    s3 = boto3.client("s3", **tooling(local_cloud))
    bucket = physical_name(LOCAL_STAGE, Buckets.MEDIA)

    def exports() -> list[str]:
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"{MediaPrefixes.EXPORTS}{user_id}/")
        return [item["Key"] for item in listed.get("Contents", [])]

    assert len(exports()) == 1

    # When they delete the account
    body = {"password": ACCOUNT["password"], "confirm": "delete my account"}
    deleted = requests.delete(f"{api}/users/me", headers=auth, json=body, timeout=10)
    assert deleted.status_code == 202, deleted.text

    # Then they are signed out at once, and the worker erases the account: its export is gone, and the address
    # signs up again as a new account
    assert requests.get(f"{api}/auth/me", headers=auth, timeout=10).status_code == 401
    assert (
        requests.post(f"{api}/auth/refresh", json={"refresh_token": tokens["refresh_token"]}, timeout=10).status_code
        == 401
    )
    assert eventually(exports, lambda keys: keys == []) == []
    assert (
        eventually(
            lambda: requests.post(f"{api}/auth/login", json=login, timeout=10).status_code, lambda status: status == 401
        )
        == 401
    )
    assert requests.post(f"{api}/auth/register", json=ACCOUNT, timeout=10).status_code == 202
    subjects = [mail.subject for mail in sent_emails(local_cloud.emulator_url, ACCOUNT["email"])]
    assert subjects[-1] == "Confirm your Kotoba e-mail address"
