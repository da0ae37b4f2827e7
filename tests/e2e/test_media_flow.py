"""Photos and voices end to end against the running local cloud, with the real models: upload with the
presigned POST, poll the status endpoint, read the result."""

import io
import time
import wave
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import LocalCloud, login_admin

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def local_cloud(module_local_cloud: LocalCloud) -> LocalCloud:
    """One local cloud for the module: each test uploads its own photo or recording."""
    return module_local_cloud


POLL_SECONDS = 120  # a cold start of the model worker included; warm processing takes seconds


def upload_and_wait(cloud: LocalCloud, auth: dict[str, str], kind: str, body: dict[str, Any], data: bytes) -> Any:
    api = f"{cloud.api_url}/api/v1/ai/{kind}"
    ticket = requests.post(f"{api}/upload", headers=auth, json=body, timeout=10).json()
    upload = ticket["upload"]
    sent = requests.post(upload["url"], data=upload["fields"], files={"file": data}, timeout=30)
    assert sent.status_code == 204
    deadline = time.monotonic() + POLL_SECONDS
    while time.monotonic() < deadline:
        record = requests.get(f"{api}/{ticket['record']['id']}", headers=auth, timeout=10).json()
        if record["processing_status"] in {"completed", "failed"}:
            return record
        time.sleep(0.5)
    raise AssertionError(f"still {record['processing_status']} after {POLL_SECONDS} s")


def rendered_photo(text: str) -> bytes:
    import cvttf_NotoSansCJK_Regular  # type: ignore[import-untyped]
    from PIL import Image, ImageDraw, ImageFont

    font_dir = Path(str(cvttf_NotoSansCJK_Regular.__file__)).parent
    font = ImageFont.truetype(str(next(font_dir.glob("*.otf"))), 48)
    image = Image.new("RGB", (900, 160), "white")
    ImageDraw.Draw(image).text((30, 50), text, font=font, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def spoken_wav(text: str) -> bytes:
    import numpy as np
    import pyopenjtalk

    samples, rate = pyopenjtalk.tts(text)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(int(rate))
        out.writeframes(np.clip(samples, -32768, 32767).astype("<i2").tobytes())
    return buffer.getvalue()


def test_a_photo_of_japanese_text_becomes_sentences(local_cloud: LocalCloud) -> None:
    # Given the admin signed in, and a JPEG of one line of Japanese rendered in Noto Sans CJK
    auth = login_admin(local_cloud)
    photo = rendered_photo("今日は天気がいいです。")

    # When it is uploaded with a presigned POST and its record polled until the OCR worker is done
    record = upload_and_wait(local_cloud, auth, "ocr", {"content_type": "image/jpeg"}, photo)

    # Then the record is completed with that sentence read back exactly, as Japanese, and stored as one sentence
    assert record["processing_status"] == "completed", record
    assert record["japanese_sentences"][0]["text"] == "今日は天気がいいです。"
    assert record["furigana"] == []
    assert record["language_detected"] == "ja"
    assert len(record["processed_sentences"]) == 1


def test_a_recording_of_a_target_sentence_is_scored(local_cloud: LocalCloud) -> None:
    # Given the admin signed in, and a WAV of the target sentence spoken by Open JTalk's synthetic voice
    auth = login_admin(local_cloud)
    target = "今日は天気がいいです。"
    body = {"content_type": "audio/wav", "target_text": target, "exercise_type": "pronunciation"}
    recording = spoken_wav(target)

    # When it is uploaded as a pronunciation exercise and its record polled until the speech worker is done
    record = upload_and_wait(local_cloud, auth, "speech", body, recording)

    # Then the transcript is the target (its final 。 aside), scored 90 or more with every phoneme correct
    assert record["processing_status"] == "completed", record
    assert record["transcribed_text"].rstrip("。") == target.rstrip("。")
    assert record["pronunciation_score"] >= 90
    assert {m["result"] for m in record["phoneme_accuracy"]} == {"correct"}
    # scored against the target from the audio: accuracy, completeness and fluency apart, and the target's pitch
    feedback = record["pronunciation_feedback"]
    assert feedback["expected_kana"] == "キョーワテンキガイイデス"
    assert (feedback["accuracy"], feedback["completeness"]) == (100.0, 100.0)
    assert feedback["fluency"]["score"] >= 90 and feedback["fluency"]["pauses"] == 0
    assert len(feedback["pitch"]) == 11 and set(feedback["pitch"]) == {"H", "L"}
    assert [m["pitch"] for m in record["phoneme_accuracy"]] == feedback["pitch"]
    # and the learner's pitch heard beside it (Open JTalk says its own accent): H, L or null (not heard) per mora,
    # mostly agreeing, a figure apart from the score
    assert {m["pitch_heard"] for m in record["phoneme_accuracy"]} <= {"H", "L", None}
    assert feedback["pitch_agreement"] >= 60
    assert [w["word"] for w in feedback["pitch_words"]] == ["今日は", "天気が", "いいです"]
