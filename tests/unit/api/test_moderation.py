"""Learners add sentences, admins moderate them; nobody edits what is not theirs."""

import uuid

import pytest
from fastapi.testclient import TestClient

from shared.services.accounts import ensure_admin
from tests.auth_helpers import Session, login, signed_up
from tests.helpers import add_word, assert_error

SENTENCE = {"japanese_text": "猫が好きです。", "english_translation": "I like cats.", "jlpt_level": "n5"}


@pytest.fixture
def learner(client: TestClient) -> Session:
    return signed_up(client)


@pytest.fixture
def admin(client: TestClient) -> Session:
    ensure_admin("root@example.com", "root", "an admin's long password")
    return login(client, "root@example.com", "an admin's long password")


def add(client: TestClient, who: Session, **fields: object) -> dict[str, object]:
    response = client.post("/api/v1/learning/sentences", headers=who.headers, json={**SENTENCE, **fields})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def listed_ids(client: TestClient) -> set[str]:
    return {s["id"] for s in client.get("/api/v1/learning/sentences", params={"limit": 100}).json()["items"]}


def test_a_learners_sentence_waits_for_approval(client: TestClient, learner: Session, admin: Session) -> None:
    sentence = add(client, learner)
    assert (sentence["status"], sentence["created_by"]) == ("pending", learner.user_id)
    assert sentence["id"] not in listed_ids(client)
    pending = client.get("/api/v1/admin/sentences/pending", headers=admin.headers).json()["items"]
    assert [s["id"] for s in pending] == [sentence["id"]]
    approved = client.put(
        f"/api/v1/admin/sentences/{sentence['id']}/approve", headers=admin.headers, json={"approve": True}
    ).json()
    assert approved["status"] == "active"
    assert sentence["id"] in listed_ids(client)
    assert client.get("/api/v1/admin/sentences/pending", headers=admin.headers).json()["items"] == []
    again = client.put(
        f"/api/v1/admin/sentences/{sentence['id']}/approve", headers=admin.headers, json={"approve": True}
    )
    assert_error(again, 409, "conflict")


def test_rejection_needs_and_keeps_a_reason(client: TestClient, learner: Session, admin: Session) -> None:
    sentence = add(client, learner)
    url = f"/api/v1/admin/sentences/{sentence['id']}/approve"
    assert_error(client.put(url, headers=admin.headers, json={"approve": False}), 422, "validation_error")
    rejected = client.put(url, headers=admin.headers, json={"approve": False, "reason": "not natural Japanese"}).json()
    assert (rejected["status"], rejected["rejection_reason"]) == ("rejected", "not natural Japanese")
    assert sentence["id"] not in listed_ids(client)


def test_an_admins_sentence_is_active_at_once(client: TestClient, admin: Session) -> None:
    sentence = add(client, admin)
    assert sentence["status"] == "active"
    assert sentence["id"] in listed_ids(client)


def test_a_learner_cannot_moderate(client: TestClient, learner: Session) -> None:
    sentence = add(client, learner)
    assert_error(client.get("/api/v1/admin/sentences/pending", headers=learner.headers), 403, "forbidden")
    response = client.put(
        f"/api/v1/admin/sentences/{sentence['id']}/approve", headers=learner.headers, json={"approve": True}
    )
    assert_error(response, 403, "forbidden")


def test_nobody_edits_or_deletes_anothers_sentence(client: TestClient, learner: Session, admin: Session) -> None:
    other = signed_up(client, "ren@example.com", "ren")
    pending = add(client, learner)
    active = add(client, admin)
    url = "/api/v1/learning/sentences/{}"
    assert_error(
        client.put(url.format(pending["id"]), headers=other.headers, json={"english_translation": "x"}),
        404,
        "not_found",
    )
    assert_error(
        client.put(url.format(active["id"]), headers=other.headers, json={"english_translation": "x"}), 403, "forbidden"
    )
    assert_error(client.delete(url.format(active["id"]), headers=other.headers), 403, "forbidden")
    assert client.get(url.format(active["id"])).json()["english_translation"] == "I like cats."


def test_an_authors_edit_of_an_approved_sentence_goes_back_to_moderation(
    client: TestClient, learner: Session, admin: Session
) -> None:
    sentence = add(client, learner, hiragana_reading="ねこがすきです。")
    client.put(f"/api/v1/admin/sentences/{sentence['id']}/approve", headers=admin.headers, json={"approve": True})
    edited = client.put(
        f"/api/v1/learning/sentences/{sentence['id']}",
        headers=learner.headers,
        json={"japanese_text": "犬が好きです。"},
    ).json()
    assert (edited["status"], edited["japanese_text"], edited["hiragana_reading"]) == (
        "pending",
        "犬が好きです。",
        None,
    )
    assert sentence["id"] not in listed_ids(client)


def test_a_person_can_override_a_reading(client: TestClient, admin: Session) -> None:
    sentence = add(client, admin)
    fixed = client.put(
        f"/api/v1/learning/sentences/{sentence['id']}", headers=admin.headers,
        json={"hiragana_reading": "ねこがすきです。", "romaji_reading": "neko ga suki desu."},
    ).json()  # fmt: skip
    assert (fixed["hiragana_reading"], fixed["romaji_reading"], fixed["status"]) == (
        "ねこがすきです。", "neko ga suki desu.", "active",
    )  # fmt: skip


def test_deleting_is_soft_and_hides_the_sentence(client: TestClient, admin: Session) -> None:
    sentence = add(client, admin)
    assert client.delete(f"/api/v1/learning/sentences/{sentence['id']}", headers=admin.headers).status_code == 204
    assert_error(client.get(f"/api/v1/learning/sentences/{sentence['id']}"), 404, "not_found")
    assert_error(client.delete(f"/api/v1/learning/sentences/{sentence['id']}", headers=admin.headers), 404, "not_found")


def test_bad_sentences_are_422(client: TestClient, learner: Session) -> None:
    bad_bodies = [
        {"english_translation": "x"},
        {**SENTENCE, "jlpt_level": "n9"},
        {**SENTENCE, "japanese_text": "あ" * 501},
        {**SENTENCE, "status": "active"},
        {**SENTENCE, "grammar_points": ["x"] * 21},
    ]
    for body in bad_bodies:
        assert_error(
            client.post("/api/v1/learning/sentences", headers=learner.headers, json=body), 422, "validation_error"
        )
    assert_error(client.post("/api/v1/learning/sentences", json=SENTENCE), 401, "not_authenticated")


def test_an_author_reads_their_sentence_while_it_waits(client: TestClient, learner: Session, admin: Session) -> None:
    """Read your own write: the 201 is followed by a 200 for its author and admins, a 404 for anyone else."""
    sentence = add(client, learner)
    url = f"/api/v1/learning/sentences/{sentence['id']}"
    mine = client.get(url, headers=learner.headers)
    assert (mine.status_code, mine.json()["status"], mine.json()["id"]) == (200, "pending", sentence["id"])
    assert client.get(url, headers=admin.headers).json()["status"] == "pending"
    other = signed_up(client, "ren@example.com", "ren")
    assert_error(client.get(url, headers=other.headers), 404, "not_found")
    assert_error(client.get(url), 404, "not_found")
    assert_error(client.get(url, headers={"Authorization": "Bearer not-a-token"}), 401, "not_authenticated")

    client.put(f"/api/v1/admin/sentences/{sentence['id']}/approve", headers=admin.headers,
               json={"approve": False, "reason": "not natural Japanese"})  # fmt: skip
    rejected = client.get(url, headers=learner.headers).json()
    assert (rejected["status"], rejected["rejection_reason"]) == ("rejected", "not natural Japanese")
    assert client.delete(url, headers=learner.headers).status_code == 204
    assert_error(client.get(url, headers=learner.headers), 404, "not_found")


@pytest.mark.parametrize(
    "field",
    ["japanese_text", "english_translation", "alternative_translations", "difficulty_level", "grammar_points",
     "vocabulary_tags"],
)  # fmt: skip
def test_a_field_without_an_empty_value_cannot_be_set_to_null(client: TestClient, admin: Session, field: str) -> None:
    sentence = add(client, admin)
    url = f"/api/v1/learning/sentences/{sentence['id']}"
    error = assert_error(client.put(url, headers=admin.headers, json={field: None}), 422, "validation_error")
    assert [d["field"] for d in error["details"]] == [f"body.{field}"]
    assert client.get(url).json() == sentence  # nothing written


def test_null_clears_what_can_be_empty(client: TestClient, admin: Session) -> None:
    sentence = add(client, admin, source="textbook", context="at a cafe")
    url = f"/api/v1/learning/sentences/{sentence['id']}"
    cleared = client.put(url, headers=admin.headers, json={"source": None, "context": None, "jlpt_level": None})
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["source"], cleared.json()["context"], cleared.json()["jlpt_level"]) == (None, None, None)


@pytest.mark.parametrize("approve", [0, 1, "false", "yes", None])
def test_a_decision_must_be_a_real_boolean(
    client: TestClient, learner: Session, admin: Session, approve: object
) -> None:
    sentence = add(client, learner)
    response = client.put(
        f"/api/v1/admin/sentences/{sentence['id']}/approve", headers=admin.headers,
        json={"approve": approve, "reason": "a reason to reject"},
    )  # fmt: skip
    assert_error(response, 422, "validation_error")
    assert (
        client.get(f"/api/v1/learning/sentences/{sentence['id']}", headers=admin.headers).json()["status"] == "pending"
    )


@pytest.mark.parametrize("rank", [10**130, 10**6 + 1, 0, 2.5, "7", True])
def test_an_out_of_range_or_mistyped_frequency_rank_is_422(client: TestClient, admin: Session, rank: object) -> None:
    word = {"kanji": "猫", "hiragana": "ねこ", "romaji": "neko", "english_meanings": ["cat"], "part_of_speech": "noun",
            "frequency_rank": rank}  # fmt: skip
    assert_error(client.post("/api/v1/learning/vocabulary", headers=admin.headers, json=word), 422, "validation_error")


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e400"])
def test_numbers_no_table_can_store_are_422(client: TestClient, learner: Session, number: bytes) -> None:
    body = b'{"text": "\xe3\x81\x82", "speed": ' + number + b"}"
    response = client.post(
        "/api/v1/ai/tts/generate", headers={**learner.headers, "content-type": "application/json"}, content=body
    )
    assert_error(response, 422, "validation_error")


def test_every_moderation_by_an_admin_is_in_the_sentences_audit_log(
    client: TestClient, learner: Session, admin: Session
) -> None:
    # Given a learner's sentence and the admin's own
    theirs, own = add(client, learner), add(client, admin)

    # When the admin rejects, edits and deletes the learner's, and edits their own
    url = f"/api/v1/admin/sentences/{theirs['id']}"
    client.put(f"{url}/approve", headers=admin.headers, json={"approve": False, "reason": "not natural Japanese"})
    client.put(
        f"/api/v1/learning/sentences/{theirs['id']}", headers=admin.headers, json={"english_translation": "Cats!"}
    )
    client.delete(f"/api/v1/learning/sentences/{theirs['id']}", headers=admin.headers)
    client.put(f"/api/v1/learning/sentences/{own['id']}", headers=admin.headers, json={"english_translation": "Cats."})

    # Then the learner's sentence lists each action, newest first, with who did it; the admin's own lists none
    entries = client.get(f"{url}/audit", headers=admin.headers).json()["items"]
    assert [(e["action"], e["actor_id"]) for e in entries] == [
        ("delete_sentence", admin.user_id),
        ("edit_sentence", admin.user_id),
        ("reject_sentence", admin.user_id),
    ]
    assert client.get(f"/api/v1/admin/sentences/{own['id']}/audit", headers=admin.headers).json()["items"] == []
    assert_error(client.get(f"{url}/audit", headers=learner.headers), 403, "forbidden")


def test_an_admin_withdraws_a_word_and_brings_it_back_each_change_audited(
    client: TestClient, learner: Session, admin: Session
) -> None:
    # Given a word of the catalogue
    word_id = add_word(client, admin.headers, "ねこ", "neko")
    url = f"/api/v1/admin/vocabulary/{word_id}"

    # When the admin withdraws it, twice
    withdrawn = client.put(f"{url}/availability", headers=admin.headers, json={"is_active": False})
    again = client.put(f"{url}/availability", headers=admin.headers, json={"is_active": False})

    # Then it is inactive (the second asking changes nothing), gone from its page and its listing, and a learner
    # cannot start it as a new card
    assert withdrawn.status_code == again.status_code == 200
    assert (withdrawn.json()["id"], withdrawn.json()["is_active"]) == (word_id, False)
    assert again.json() == withdrawn.json()
    assert_error(client.get(f"/api/v1/learning/vocabulary/{word_id}"), 404, "not_found")
    assert word_id not in str(client.get("/api/v1/learning/vocabulary", params={"limit": 100}).json())
    review = {"item_id": word_id, "item_type": "word", "rating": "good", "review_id": str(uuid.uuid4())}
    assert_error(client.post("/api/v1/progress/review", headers=learner.headers, json=review), 404, "not_found")

    # When the admin brings it back, Then it is there again, and the word's audit log has each change, newest first
    restored = client.put(f"{url}/availability", headers=admin.headers, json={"is_active": True}).json()
    assert restored["is_active"] is True and restored["updated_at"] > withdrawn.json()["updated_at"]
    assert client.get(f"/api/v1/learning/vocabulary/{word_id}").status_code == 200
    entries = client.get(f"{url}/audit", headers=admin.headers).json()["items"]
    assert [(e["action"], e["actor_id"]) for e in entries] == [
        ("restore_word", admin.user_id),
        ("withdraw_word", admin.user_id),
    ]


def test_only_an_admin_withdraws_a_word_that_exists_with_a_real_boolean(
    client: TestClient, learner: Session, admin: Session
) -> None:
    # Given a word of the catalogue
    word_id = add_word(client, admin.headers, "いぬ", "inu")
    url = f"/api/v1/admin/vocabulary/{word_id}/availability"

    # When a learner asks, an admin names a word that does not exist, or sends no real boolean
    by_learner = client.put(url, headers=learner.headers, json={"is_active": False})
    missing = client.put(
        f"/api/v1/admin/vocabulary/{uuid.uuid4()}/availability", headers=admin.headers, json={"is_active": False}
    )
    mistyped = [client.put(url, headers=admin.headers, json=body) for body in ({"is_active": "no"}, {}, {"x": 1})]

    # Then each is refused with its error, and the word stays in the catalogue
    assert_error(by_learner, 403, "forbidden")
    assert_error(missing, 404, "not_found")
    for response in mistyped:
        assert_error(response, 422, "validation_error")
    assert client.get(f"/api/v1/learning/vocabulary/{word_id}").status_code == 200
