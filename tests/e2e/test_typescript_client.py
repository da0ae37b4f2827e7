"""The TypeScript client against the running local cloud, as an app developer's first hour: its example signs up,
confirms the e-mail from the outbox, logs in, studies a card (sent twice, stored once), sees the dashboard after its
access token was renewed, and has a photo read by OCR."""

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import LocalCloud
from tests.e2e.test_media_flow import rendered_photo
from tests.node_tools import CLIENT_DIR, run_node_tool

pytestmark = pytest.mark.slow

PHOTO_TEXT = "今日は天気がいいです。"


def test_the_first_hour_with_the_typescript_client(local_cloud: LocalCloud, tmp_path: Path) -> None:
    # Given the local cloud, a photo of Japanese text, and the client compiled to JavaScript
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(rendered_photo(PHOTO_TEXT))
    built = run_node_tool(CLIENT_DIR, "npx", "tsc")
    assert built.returncode == 0, built.stdout

    # When its example runs the first hour against it
    ran = run_node_tool(
        CLIENT_DIR, "node", "dist/examples/first-hour.js", local_cloud.api_url, local_cloud.emulator_url, str(photo)
    )

    # Then every step did what the API promises
    assert ran.returncode == 0, ran.stderr
    summary = json.loads(ran.stdout.strip().splitlines()[-1])
    assert summary.pop("email").endswith("@example.com")
    assert summary == {
        "reviewed": {"mastery_level": "learning", "same_when_resent": True},
        "dashboard": {"reviewed_today": 1, "streak": 1},
        "refresh_token_rotated": True,
        "ocr_text": PHOTO_TEXT,
    }
