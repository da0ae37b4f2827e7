"""A phone's sync of study content: `updated_after` on the sentence and vocabulary lists returns exactly what changed
since, tombstones included, oldest change first, a page at a time, and a 304 while nothing did."""

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shared.dal.content import public_feed, public_feeds
from shared.services.accounts import ensure_admin
from tests.auth_helpers import Session, login, signed_up
from tests.helpers import add_word, assert_error

SENTENCES = "/api/v1/learning/sentences"
VOCABULARY = "/api/v1/learning/vocabulary"


@pytest.fixture
def learner(client: TestClient) -> Session:
    return signed_up(client)


@pytest.fixture
def admin(client: TestClient) -> Session:
    ensure_admin("root@example.com", "root", "an admin's long password")
    return login(client, "root@example.com", "an admin's long password")


def add(client: TestClient, who: Session, text: str) -> str:
    body = {"japanese_text": text, "english_translation": f"({text})", "jlpt_level": "n5"}
    response = client.post(SENTENCES, headers=who.headers, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def changes(client: TestClient, path: str, since: datetime, who: Session | None = None, **params: Any) -> Any:
    headers = who.headers if who else {}
    return client.get(path, headers=headers, params={"updated_after": since.isoformat(), **params})


def every_page(client: TestClient, path: str, since: datetime, who: Session | None, limit: int) -> list[Any]:
    items: list[Any] = []
    cursor = None
    for _ in range(20):
        page = changes(client, path, since, who, limit=limit, **({"cursor": cursor} if cursor else {})).json()
        assert len(page["items"]) <= limit
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the pages never ended")


def test_updated_after_returns_exactly_the_sentences_changed_tombstones_included(
    client: TestClient, learner: Session, admin: Session
) -> None:
    # Given three approved sentences and a learner's own one in moderation, as the learner's phone last synced them
    edited, deleted, unchanged = (add(client, admin, text) for text in ("猫です。", "犬です。", "鳥です。"))
    own_earlier = add(client, learner, "魚です。")
    synced = datetime.now(UTC)

    # When one is edited and one deleted, the learner adds a sentence, and someone else adds one (in moderation)
    client.put(f"{SENTENCES}/{edited}", headers=admin.headers, json={"english_translation": "It is a cat."})
    assert client.delete(f"{SENTENCES}/{deleted}", headers=admin.headers).status_code == 204
    own = add(client, learner, "本です。")
    add(client, signed_up(client, "ren@example.com", "ren"), "花です。")

    # Then the learner's sync holds exactly those of theirs, oldest change first: the edit whole, a tombstone for the
    # deletion, and their own new sentence with its status; the unchanged ones and the other learner's are absent
    response = changes(client, SENTENCES, synced, learner)
    assert response.status_code == 200
    page = response.json()
    first, tombstone, mine = page["items"]
    assert (first["id"], first["english_translation"], first["status"]) == (edited, "It is a cat.", "active")
    assert tombstone == {"id": deleted, "deleted": True, "updated_at": tombstone["updated_at"]}
    assert (mine["id"], mine["status"], mine["created_by"]) == (own, "pending", learner.user_id)
    assert page["next_cursor"] is None
    assert all(datetime.fromisoformat(item["updated_at"]) > synced for item in page["items"])
    assert unchanged not in str(page) and own_earlier not in str(page)
    # and a phone without a token gets the public changes only
    assert [item["id"] for item in changes(client, SENTENCES, synced).json()["items"]] == [edited, deleted]
    # and the deleted sentence is in no plain list and no read by id
    assert deleted not in str(client.get(SENTENCES, params={"limit": 100}).json())
    assert_error(client.get(f"{SENTENCES}/{deleted}"), 404, "not_found")


def test_a_change_set_comes_a_page_at_a_time_and_an_unchanged_one_is_a_304(
    client: TestClient, learner: Session, admin: Session
) -> None:
    # Given a catalogue written before the phone's last sync, and five sentences written after it
    add(client, admin, "古いです。")
    synced = datetime.now(UTC)
    written = [add(client, admin, f"文{n}です。") for n in range(5)]

    # When the phone reads the changes two at a time, each page after the previous one's cursor
    paged = every_page(client, SENTENCES, synced, learner, limit=2)

    # Then it gets each of them once, in the order written
    assert [item["id"] for item in paged] == written

    # and asking again with the ETag of the answer it holds is a 304 without a body, until something changes
    first = changes(client, SENTENCES, synced, learner)
    tag = first.headers["etag"]
    again = client.get(
        SENTENCES, headers={**learner.headers, "If-None-Match": tag}, params={"updated_after": synced.isoformat()}
    )
    assert (again.status_code, again.content) == (304, b"")
    client.put(f"{SENTENCES}/{written[0]}", headers=admin.headers, json={"english_translation": "Sentence zero."})
    moved = client.get(
        SENTENCES, headers={**learner.headers, "If-None-Match": tag}, params={"updated_after": synced.isoformat()}
    )
    assert moved.status_code == 200 and moved.headers["etag"] != tag
    assert [item["id"] for item in moved.json()["items"]] == [*written[1:], written[0]]
    # A cursor belongs to its reader and moment: another's, or the same at another moment, is a 400
    cursor = changes(client, SENTENCES, synced, learner, limit=1).json()["next_cursor"]
    assert_error(changes(client, SENTENCES, synced, None, limit=1, cursor=cursor), 400, "invalid_input")
    later = synced.replace(microsecond=(synced.microsecond + 1) % 1_000_000)
    assert_error(changes(client, SENTENCES, later, learner, limit=1, cursor=cursor), 400, "invalid_input")


def test_a_change_set_spread_over_every_shard_comes_whole_and_in_order_tombstones_included(
    client: TestClient, learner: Session, admin: Session
) -> None:
    # Given twelve sentences written after the phone's last sync, in both shards of the public feed, a third deleted
    synced = datetime.now(UTC)
    written = [add(client, admin, f"文{n}です。") for n in range(12)]
    deleted = written[::3]
    for sentence_id in deleted:
        assert client.delete(f"{SENTENCES}/{sentence_id}", headers=admin.headers).status_code == 204
    assert {public_feed(sentence_id) for sentence_id in written} == set(public_feeds())

    # When the phone reads the changes five at a time
    paged = every_page(client, SENTENCES, synced, learner, limit=5)

    # Then it gets every one once, in the order last written (the deletions last), the deleted ones as tombstones
    kept = [sentence_id for sentence_id in written if sentence_id not in deleted]
    assert [item["id"] for item in paged] == kept + deleted
    assert [item.get("deleted", False) for item in paged] == [False] * len(kept) + [True] * len(deleted)


def test_an_approved_sentence_sent_back_to_moderation_leaves_the_others_view_not_its_authors(
    client: TestClient, learner: Session, admin: Session
) -> None:
    # Given a learner's sentence that was approved, as every phone last synced it
    sentence = add(client, learner, "雨です。")
    client.put(f"/api/v1/admin/sentences/{sentence}/approve", headers=admin.headers, json={"approve": True})
    other = signed_up(client, "ren@example.com", "ren")
    synced = datetime.now(UTC)

    # When its author edits it, which sends it back to moderation
    client.put(f"{SENTENCES}/{sentence}", headers=learner.headers, json={"english_translation": "It rains."})

    # Then the author's phone gets it with its new status, and everyone else's a tombstone
    (authors,) = changes(client, SENTENCES, synced, learner).json()["items"]
    assert (authors["id"], authors["status"], authors["english_translation"]) == (sentence, "pending", "It rains.")
    for phone in (other, None):
        (gone,) = changes(client, SENTENCES, synced, phone).json()["items"]
        assert (gone["id"], gone["deleted"]) == (sentence, True)

    # and once the author deletes it, a tombstone for the author too
    resynced = datetime.fromisoformat(authors["updated_at"])
    assert client.delete(f"{SENTENCES}/{sentence}", headers=learner.headers).status_code == 204
    (deleted,) = changes(client, SENTENCES, resynced, learner).json()["items"]
    assert (deleted["id"], deleted["deleted"]) == (sentence, True)


def test_updated_after_returns_exactly_the_words_changed_withdrawn_ones_as_tombstones(
    client: TestClient, admin: Session
) -> None:
    # Given two words of different levels, as a phone last synced the vocabulary
    withdrawn = add_word(client, admin.headers, "ねこ", "neko")
    unchanged = add_word(client, admin.headers, "いぬ", "inu")
    synced = datetime.now(UTC)

    # When a word is added and an admin withdraws another
    added = add_word(client, admin.headers, "とり", "tori")
    response = client.put(
        f"/api/v1/admin/vocabulary/{withdrawn}/availability", headers=admin.headers, json={"is_active": False}
    )
    assert response.status_code == 200, response.text

    # Then the sync holds exactly those two, oldest change first, the withdrawn one as a tombstone
    response = changes(client, VOCABULARY, synced)
    assert response.status_code == 200
    new, tombstone = response.json()["items"]
    assert (new["id"], new["hiragana"], new["romaji"]) == (added, "とり", "tori")
    assert datetime.fromisoformat(new["updated_at"]) > synced
    assert tombstone == {"id": withdrawn, "deleted": True, "updated_at": tombstone["updated_at"]}
    assert unchanged not in response.text and response.json()["next_cursor"] is None
    assert [item["id"] for item in every_page(client, VOCABULARY, synced, None, limit=1)] == [added, withdrawn]
    # and the plain list of the level no longer shows the withdrawn word, and an unchanged sync is a 304
    listed = client.get(VOCABULARY, params={"limit": 100}).json()["items"]
    assert withdrawn not in str(listed) and unchanged in str(listed)
    tag = response.headers["etag"]
    again = client.get(VOCABULARY, headers={"If-None-Match": tag}, params={"updated_after": synced.isoformat()})
    assert again.status_code == 304


def test_updated_after_takes_no_filters_and_only_a_time_with_its_offset(client: TestClient) -> None:
    since = datetime.now(UTC).isoformat()
    for params in ({"jlpt_level": "n5"}, {"text": "猫"}, {"difficulty": "easy"}):
        assert_error(client.get(SENTENCES, params={"updated_after": since, **params}), 400, "invalid_input")
    assert_error(client.get(VOCABULARY, params={"updated_after": since, "jlpt_level": "n4"}), 400, "invalid_input")
    for path in (SENTENCES, VOCABULARY):
        for bad in ("2026-11-24T03:00:00", "yesterday", "1796651854"):
            assert_error(client.get(path, params={"updated_after": bad}), 422, "validation_error")
