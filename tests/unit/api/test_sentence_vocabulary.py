"""A sentence's words through the API: its word-by-word gloss, the words to study, and studying one of them with
the sentence it was learned from (UserVocabularyProgress.learned_from_sentence_id)."""

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shared.dal.content import SentenceItem
from shared.dal.progress import VocabularyProgressItem
from shared.enums import ModerationStatus
from shared.services.accounts import ensure_admin
from shared.services.sentence_readings import SentenceText, fill_missing
from tests.auth_helpers import Session, login, signed_up
from tests.helpers import assert_error


def glossed_sentence(text: str, status: ModerationStatus = ModerationStatus.ACTIVE, **fields: Any) -> str:
    """A sentence as it is once the readings worker has run."""
    item = SentenceItem(
        japanese_text=text, english_translation="", difficulty_level="easy", status=status, **fields
    )  # fmt: skip
    item.save()
    fill_missing(SentenceText(item.sentence_id, text, has_hiragana=False, has_romaji=False))
    return item.sentence_id


@pytest.fixture
def learner(client: TestClient, aws: None) -> Session:
    return signed_up(client)


def review(client: TestClient, who: Session, word_id: str, **extra: Any) -> Any:
    body = {"review_id": str(uuid.uuid4()), "item_type": "word", "item_id": word_id, "rating": "good", **extra}
    return client.post("/api/v1/progress/review", headers=who.headers, json=body)


def test_a_sentence_without_translation_is_glossed_word_by_word(client: TestClient, aws: None) -> None:
    sentence_id = glossed_sentence("昨日、友達と寿司を食べました。")

    body = client.get(f"/api/v1/learning/sentences/{sentence_id}").json()

    assert body["english_translation"] == ""
    assert [(w["surface"], w["dictionary_form"], w["reading"], w["meanings"][0]) for w in body["word_gloss"]] == [
        ("昨日", "昨日", "きのう", "yesterday"),
        ("友達", "友達", "ともだち", "friend; companion"),
        ("寿司", "寿司", "すし", "sushi; anything made with vinegared rice (may also contain vegetables, spices, fish, "
         "or other delicacies)"),
        ("食べ", "食べる", "たべる", "to eat"),
    ]  # fmt: skip
    assert all(w["word_id"] for w in body["word_gloss"])
    assert body["vocabulary_tags"] == ["昨日", "友達", "寿司", "食べる"]
    assert "gloss_source" not in body


def test_lists_leave_the_gloss_out(client: TestClient, aws: None) -> None:
    sentence_id = glossed_sentence("猫が好きです。")
    (listed,) = client.get("/api/v1/learning/sentences").json()["items"]
    assert (listed["id"], listed["word_gloss"]) == (sentence_id, None)


def test_the_words_of_a_sentence_in_order_and_those_the_dictionary_lacks(client: TestClient, aws: None) -> None:
    sentence_id = glossed_sentence("猫が好きです。ズンドコベロンチョも猫が好きです。")

    body = client.get(f"/api/v1/learning/sentences/{sentence_id}/vocabulary").json()

    assert [(w["kanji"], w["hiragana"], w["romaji"]) for w in body["words"]] == [
        ("猫", "ねこ", "neko"),
        ("好き", "すき", "suki"),
    ]
    assert body["words"][0]["english_meanings"][0].startswith("cat")
    assert (body["sentence_id"], body["not_in_dictionary"], body["glossed"]) == (
        sentence_id,
        ["ズンドコベロンチョ"],
        True,
    )


def test_a_sentence_not_glossed_yet_says_so(client: TestClient, aws: None) -> None:
    bare = SentenceItem(japanese_text="猫です。", english_translation="", difficulty_level="easy")
    bare.save()
    body = client.get(f"/api/v1/learning/sentences/{bare.sentence_id}/vocabulary").json()
    assert (body["words"], body["not_in_dictionary"], body["glossed"]) == ([], [], False)


def test_the_words_of_someone_elses_pending_sentence_are_not_found(client: TestClient, learner: Session) -> None:
    pending = glossed_sentence("猫が好きです。", status=ModerationStatus.PENDING, created_by="someone-else")
    response = client.get(f"/api/v1/learning/sentences/{pending}/vocabulary", headers=learner.headers)
    assert_error(response, 404, "not_found")


def test_a_word_studied_from_its_sentence_remembers_the_sentence(client: TestClient, learner: Session) -> None:
    # Given a glossed sentence and its words
    sentence_id = glossed_sentence("昨日、友達と寿司を食べました。")
    words = client.get(f"/api/v1/learning/sentences/{sentence_id}/vocabulary").json()["words"]
    eat = next(w for w in words if w["kanji"] == "食べる")

    # When the learner answers the word for the first time, naming the sentence
    assert review(client, learner, eat["id"], learned_from_sentence_id=sentence_id).status_code == 200

    # Then the learner's card on the word (UserVocabularyProgress) keeps the sentence
    cards = client.get("/api/v1/progress/sentences", params={"item_type": "word"}, headers=learner.headers).json()
    assert [(c["item_id"], c["learned_from_sentence_id"]) for c in cards["items"]] == [(eat["id"], sentence_id)]
    card = VocabularyProgressItem.get(learner.user_id, f"word#{eat['id']}")
    assert card.learned_from_sentence_id == sentence_id


def test_a_word_the_sentence_does_not_contain_is_refused(client: TestClient, learner: Session) -> None:
    first = glossed_sentence("寿司を食べました。")
    other = glossed_sentence("猫が好きです。")
    cat = client.get(f"/api/v1/learning/sentences/{other}/vocabulary").json()["words"][0]

    assert_error(review(client, learner, cat["id"], learned_from_sentence_id=first), 404, "not_found")
    assert_error(review(client, learner, cat["id"], learned_from_sentence_id="0000-0000"), 404, "not_found")
    # nothing was written: the card does not exist
    assert (
        client.get("/api/v1/progress/sentences", params={"item_type": "word"}, headers=learner.headers).json()["items"]
        == []
    )


def test_only_a_word_is_learned_from_a_sentence(client: TestClient, learner: Session) -> None:
    sentence_id = glossed_sentence("猫が好きです。")
    body = {
        "review_id": str(uuid.uuid4()),
        "item_type": "sentence",
        "item_id": sentence_id,
        "rating": "good",
        "learned_from_sentence_id": sentence_id,
    }
    assert_error(client.post("/api/v1/progress/review", headers=learner.headers, json=body), 422, "validation_error")


def test_new_text_drops_the_old_gloss_until_the_worker_glosses_it_again(client: TestClient, aws: None) -> None:
    # Given an admin's glossed sentence
    ensure_admin("root@example.com", "root", "an admin's long password")
    admin = login(client, "root@example.com", "an admin's long password")
    sentence_id = glossed_sentence("猫が好きです。")

    # When its Japanese changes
    url = f"/api/v1/learning/sentences/{sentence_id}"
    changed = client.put(url, headers=admin.headers, json={"japanese_text": "犬が好きです。"}).json()

    # Then the old gloss and the tags made from it are gone at once, and the worker's next pass does the new text
    assert (changed["word_gloss"], changed["vocabulary_tags"]) == (None, [])
    fill_missing(SentenceText(sentence_id, "犬が好きです。", has_hiragana=False, has_romaji=False))
    again = client.get(url).json()
    assert [w["dictionary_form"] for w in again["word_gloss"]] == again["vocabulary_tags"] == ["犬", "好き"]


def test_new_text_keeps_a_persons_tags(client: TestClient, aws: None) -> None:
    ensure_admin("root@example.com", "root", "an admin's long password")
    admin = login(client, "root@example.com", "an admin's long password")
    sentence_id = glossed_sentence("猫が好きです。", vocabulary_tags=["pets"])

    url = f"/api/v1/learning/sentences/{sentence_id}"
    changed = client.put(url, headers=admin.headers, json={"japanese_text": "犬が好きです。"}).json()

    assert (changed["word_gloss"], changed["vocabulary_tags"]) == (None, ["pets"])
