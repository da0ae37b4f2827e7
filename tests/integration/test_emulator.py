"""The emulator as the local cloud runs it: a process of its own, serving many calls on one connection, holding
presigned uploads to their policy as S3 does, and gone when the process that started it is gone."""

import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
import requests

from localcloud import provision
from localcloud.emulator import start_emulator
from shared.constants import MediaPrefixes
from shared.dal import media_storage
from shared.settings import get_settings
from tests.helpers import s3_error
from tests.integration.conftest import free_port

pytestmark = pytest.mark.slow
REPO_ROOT = Path(__file__).resolve().parents[2]


def test_calls_share_a_kept_alive_connection() -> None:
    emulator = start_emulator(free_port())
    try:
        with requests.Session() as session:
            answers = [session.get(f"{emulator.endpoint_url}/moto-api/data.json", timeout=10) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert all(a.headers.get("Connection", "").lower() != "close" for a in answers)  # moto's own server closes each

        dynamodb = boto3.client("dynamodb", endpoint_url=emulator.endpoint_url, region_name="us-east-1",
                                aws_access_key_id="local", aws_secret_access_key="local")  # fmt: skip
        dynamodb.create_table(TableName="t", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                              BillingMode="PAY_PER_REQUEST")  # fmt: skip
        dynamodb.put_item(TableName="t", Item={"k": {"S": "猫"}, "b": {"B": b"\x00\x01"}})
        assert dynamodb.get_item(TableName="t", Key={"k": {"S": "猫"}})["Item"]["b"] == {"B": b"\x00\x01"}
    finally:
        emulator.stop()
    assert emulator.process.returncode is not None


def test_a_presigned_upload_is_held_to_its_policy(provisioned: list[provision.ProvisionedQueue]) -> None:
    # Given a ticket as the API issues it: this key, a PNG, at most 64 bytes
    key, png = f"{MediaPrefixes.OCR_UPLOADS}user-1/photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
    ticket = media_storage.presigned_upload(key, "image/png", 64, datetime.now(UTC))

    def post(data: bytes, **changed: str) -> requests.Response:
        return requests.post(ticket.url, data={**ticket.fields, **changed}, files={"file": data}, timeout=10)

    # When the phone posts 65 bytes, another content type, to another key, then the file the ticket is for
    refused = [
        post(png + b"\x00" * (64 - len(png) + 1)),
        post(png, **{"Content-Type": "image/jpeg"}),
        post(png, key=f"{MediaPrefixes.OCR_UPLOADS}user-2/photo.png"),
    ]
    accepted = post(png)

    # Then S3's refusals, and only the ticket's file is stored, with the ticket's content type
    assert [(response.status_code, s3_error(response.content)["Code"]) for response in refused] == [
        (400, "EntityTooLarge"), (403, "AccessDenied"), (403, "AccessDenied"),
    ]  # fmt: skip
    assert s3_error(refused[2].content)["Message"] == (
        f'Invalid according to Policy: Policy Condition failed: ["eq", "$key", "{key}"]'
    )
    assert accepted.status_code == 204, accepted.text
    s3, bucket = boto3.client("s3"), get_settings().media_bucket_name()
    assert [stored["Key"] for stored in s3.list_objects_v2(Bucket=bucket)["Contents"]] == [key]
    stored = s3.get_object(Bucket=bucket, Key=key)
    assert (stored["Body"].read(), stored["ContentType"]) == (png, "image/png")


def test_it_exits_when_the_process_that_started_it_is_killed() -> None:
    port = free_port()
    script = (
        f"from localcloud.emulator import start_emulator; import time; start_emulator({port}); "
        "print('up', flush=True); time.sleep(300)"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None and parent.stdout.readline().strip() == "up"
    assert requests.get(f"http://127.0.0.1:{port}/moto-api/", timeout=5).ok

    parent.kill()  # as a crashed terminal or a test that gives up would: no chance to stop its children
    parent.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/moto-api/", timeout=1)
        except requests.ConnectionError:
            return
        time.sleep(0.2)
    pytest.fail("the orphaned emulator still answers 15 s after its parent was killed")
