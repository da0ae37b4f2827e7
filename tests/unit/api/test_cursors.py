"""List cursors are sealed: a client can only hand back, unchanged and in time, a cursor it got for that list."""

import base64
import json
import time
import uuid

import pytest
from fastapi.testclient import TestClient

from shared.dal import pagination
from shared.services.accounts import ensure_admin
from shared.services.sample_content import load_sample_content
from tests.auth_helpers import Session, login, signed_up
from tests.helpers import assert_error

ADMIN_PASSWORD = "an admin's long password"


@pytest.fixture
def catalogue(aws: None) -> None:
    load_sample_content()


@pytest.fixture
def admin(client: TestClient) -> Session:
    ensure_admin("root@example.com", "root", ADMIN_PASSWORD)
    return login(client, "root@example.com", ADMIN_PASSWORD)


def studied(client: TestClient, who: Session, cards: int = 3) -> Session:
    sentences = client.get("/api/v1/learning/sentences", params={"limit": cards}).json()["items"]
    for sentence in sentences:
        body = {"review_id": str(uuid.uuid4()), "item_type": "sentence", "item_id": sentence["id"], "rating": "good"}
        assert client.post("/api/v1/progress/review", headers=who.headers, json=body).status_code == 200
    return who


def first_cursor(client: TestClient, path: str, who: Session | None = None, **params: str) -> str:
    headers = who.headers if who else {}
    page = client.get(path, headers=headers, params={"limit": "1", **params})
    assert page.status_code == 200, page.text
    cursor = page.json()["next_cursor"]
    assert cursor, page.json()
    return str(cursor)


def flipped(cursor: str, at: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw[at] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")


@pytest.mark.usefixtures("catalogue")
class TestSealedCursors:
    def test_a_cursor_continues_its_own_list(self, client: TestClient) -> None:
        # Given the cursor of the first page of sentences
        cursor = first_cursor(client, "/api/v1/learning/sentences")

        # When it is handed back to the same list, Then the next page is served
        page = client.get("/api/v1/learning/sentences", params={"limit": "1", "cursor": cursor})
        assert page.status_code == 200
        assert page.json()["items"]

    def test_a_cursor_shows_no_key_and_no_user_id(self, client: TestClient) -> None:
        # Given a learner's cursor over their studied sentences
        learner = studied(client, signed_up(client))
        cursor = first_cursor(client, "/api/v1/progress/sentences", learner)

        # When its bytes are decoded, Then neither the learner's id nor any key name can be read in them
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        assert learner.user_id.encode() not in raw
        assert b"user_id" not in raw and b"item_key" not in raw

    @pytest.mark.parametrize("position", [0, 13, -1])  # the nonce, the sealed key, the tag
    def test_an_altered_cursor_is_a_400(self, client: TestClient, position: int) -> None:
        # Given a sentences cursor with one bit flipped in its nonce, sealed key or tag
        cursor = first_cursor(client, "/api/v1/learning/sentences")
        raw_length = len(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        altered = flipped(cursor, position % raw_length)

        # When it is handed back, Then it is a 400
        response = client.get("/api/v1/learning/sentences", params={"cursor": altered})
        assert_error(response, 400, "invalid_input")

    def test_a_raw_start_key_of_the_old_format_is_a_400(self, client: TestClient) -> None:
        # Given a start key in the old, unsealed format, base64-encoded as a client could forge it
        key = {"sentence_id": {"S": "x"}, "status": {"S": "active"}, "created_at": {"S": "2026"}}
        forged = base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")

        # When it is handed to the sentences list, Then it is a 400
        assert_error(client.get("/api/v1/learning/sentences", params={"cursor": forged}), 400, "invalid_input")

    def test_a_cursor_of_another_list_is_a_400(self, client: TestClient, admin: Session) -> None:
        # Given the cursors of three lists: vocabulary, a learner's progress, and sentences
        learner = studied(client, signed_up(client))
        cursors = {
            "/api/v1/learning/vocabulary": first_cursor(client, "/api/v1/learning/vocabulary"),
            "/api/v1/progress/sentences": first_cursor(client, "/api/v1/progress/sentences", learner),
            "/api/v1/learning/sentences": first_cursor(client, "/api/v1/learning/sentences"),
        }

        # When each is handed to every other list (admin users, vocabulary, OCR records, progress, sentences)
        # Then each is a 400
        targets = [
            ("/api/v1/admin/users", admin),
            ("/api/v1/learning/vocabulary", learner),
            ("/api/v1/ai/ocr", learner),
            ("/api/v1/progress/sentences", learner),
            ("/api/v1/learning/sentences", learner),
        ]
        for source, cursor in cursors.items():
            for target, who in targets:
                if target == source:
                    continue
                response = client.get(target, headers=who.headers, params={"cursor": cursor})
                assert_error(response, 400, "invalid_input")

    def test_a_cursor_under_other_filters_is_a_400(self, client: TestClient) -> None:
        # Given a cursor of the N5 sentences
        cursor = first_cursor(client, "/api/v1/learning/sentences", jlpt_level="n5")

        # When it is handed back with the N4 filter, Then it is a 400
        response = client.get("/api/v1/learning/sentences", params={"jlpt_level": "n4", "cursor": cursor})
        assert_error(response, 400, "invalid_input")

    def test_another_learners_cursor_is_a_400(self, client: TestClient) -> None:
        # Given Aiko's and Kenji's studied cards, and a cursor over Aiko's
        aiko = studied(client, signed_up(client))
        kenji = studied(client, signed_up(client, "kenji@example.com", "kenji"))
        cursor = first_cursor(client, "/api/v1/progress/sentences", aiko)

        # When Kenji hands Aiko's cursor to his own list, Then it is a 400
        response = client.get("/api/v1/progress/sentences", headers=kenji.headers, params={"cursor": cursor})
        assert_error(response, 400, "invalid_input")

    def test_another_admins_cursor_is_a_400(self, client: TestClient, admin: Session) -> None:
        # Given an admin's cursor over the users, and a second admin
        signed_up(client)
        cursor = first_cursor(client, "/api/v1/admin/users", admin)
        ensure_admin("second@example.com", "second", ADMIN_PASSWORD)
        other = login(client, "second@example.com", ADMIN_PASSWORD)

        # When the second admin hands back the first one's cursor, Then it is a 400
        assert_error(
            client.get("/api/v1/admin/users", headers=other.headers, params={"cursor": cursor}), 400, "invalid_input"
        )

    def test_an_expired_cursor_is_a_400_that_says_so(self, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
        # Given a sentences cursor, and the clock past its lifetime
        cursor = first_cursor(client, "/api/v1/learning/sentences")
        later = time.time() + pagination.CURSOR_LIFETIME_SECONDS + 1
        monkeypatch.setattr(pagination.time, "time", lambda: later)

        # When it is handed back, Then it is a 400 whose message says it expired
        error = assert_error(client.get("/api/v1/learning/sentences", params={"cursor": cursor}), 400, "invalid_input")
        assert "expired" in error["message"]
