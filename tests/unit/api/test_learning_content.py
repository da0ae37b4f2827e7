"""Browsing study content: approved sentences and vocabulary, filtered and paginated."""

from typing import ClassVar

import pytest
from fastapi.testclient import TestClient

from shared.dal.content import SentenceItem
from shared.enums import ModerationStatus
from shared.services.sample_content import load_sample_content
from tests.helpers import assert_error


@pytest.fixture
def catalogue(aws: None) -> None:
    load_sample_content()


@pytest.mark.usefixtures("catalogue")
class TestSentences:
    def test_pages_walk_every_active_sentence_once_in_a_stable_order(self, client: TestClient) -> None:
        # When the sentences are walked page by page, 25 at a time, until no cursor comes back
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": "25", **({"cursor": cursor} if cursor else {})}
            page = client.get("/api/v1/learning/sentences", params=params).json()
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break

        # Then every sentence was listed, none twice
        assert len(seen) == len(set(seen)) == SentenceItem.count()

    def test_level_filter_returns_only_that_level(self, client: TestClient) -> None:
        # When the sentences are listed for N4, Then some come back, all of them N4
        items = client.get("/api/v1/learning/sentences", params={"jlpt_level": "n4", "limit": 100}).json()["items"]
        assert items
        assert {item["jlpt_level"] for item in items} == {"n4"}

    def test_pending_sentences_are_not_shown_to_learners(self, client: TestClient) -> None:
        # Given an N5 sentence a user submitted, pending review
        pending = SentenceItem(
            japanese_text="テストです。",
            english_translation="A test.",
            difficulty_level="easy",
            jlpt_level="n5",
            status=ModerationStatus.PENDING,
            created_by="u1",
        )
        pending.save()

        # When learners list the N5 sentences and ask for it by id
        listed = client.get("/api/v1/learning/sentences", params={"jlpt_level": "n5", "limit": 100}).json()

        # Then the list leaves it out and asking for it is a 404
        assert pending.sentence_id not in {item["id"] for item in listed["items"]}
        assert_error(client.get(f"/api/v1/learning/sentences/{pending.sentence_id}"), 404, "not_found")

    def test_one_sentence_with_readings(self, client: TestClient) -> None:
        # Given the first sentence of the list
        first = client.get("/api/v1/learning/sentences", params={"limit": 1}).json()["items"][0]

        # When it is asked for by id
        sentence = client.get(f"/api/v1/learning/sentences/{first['id']}").json()

        # Then it is the listed sentence, with its readings and its counters, and no storage key
        counters = {"total_attempts", "correct_attempts", "average_response_time"}
        assert {key: value for key, value in sentence.items() if key not in counters} == {
            key: value for key, value in first.items() if key not in counters
        }
        # The counters come with the sentence itself, not with lists (their index entries leave them out)
        assert (sentence["total_attempts"], sentence["correct_attempts"]) == (0, 0)
        assert (first["total_attempts"], first["correct_attempts"]) == (None, None)
        assert sentence["hiragana_reading"] and sentence["romaji_reading"]
        assert "level_status" not in sentence  # storage keys never leave the API

    def test_a_forged_cursor_is_a_400(self, client: TestClient) -> None:
        # When the sentences are asked with a cursor the client made up, Then it is a 400
        assert_error(client.get("/api/v1/learning/sentences", params={"cursor": "bm90LWEta2V5"}), 400, "invalid_input")

    def test_unknown_sentence_is_a_404(self, client: TestClient) -> None:
        # When a sentence nobody stored is asked for, Then it is a 404
        assert_error(client.get("/api/v1/learning/sentences/0000-0000"), 404, "not_found")


@pytest.mark.usefixtures("catalogue")
class TestVocabulary:
    def test_words_of_a_level_most_frequent_first(self, client: TestClient) -> None:
        # When the N5 words are listed
        items = client.get("/api/v1/learning/vocabulary", params={"jlpt_level": "n5", "limit": 50}).json()["items"]

        # Then they come most frequent first, all N5, with their usage examples
        ranks = [item["frequency_rank"] for item in items]
        assert ranks == sorted(ranks)
        assert {item["jlpt_level"] for item in items} == {"n5"}
        assert items[0]["usage_examples"][0]["japanese"]

    def test_one_word(self, client: TestClient) -> None:
        # Given the first word of the list
        listed = client.get("/api/v1/learning/vocabulary", params={"limit": 1}).json()["items"][0]

        # When it is asked for by id
        word = client.get(f"/api/v1/learning/vocabulary/{listed['id']}").json()

        # Then it is the listed word, with its counters, which the list leaves out
        counters = {"total_encounters", "success_rate"}
        assert {key: value for key, value in word.items() if key not in counters} == {
            key: value for key, value in listed.items() if key not in counters
        }
        assert (word["total_encounters"], listed["total_encounters"]) == (0, None)

    def test_unknown_word_is_a_404(self, client: TestClient) -> None:
        # When a word nobody stored is asked for, Then it is a 404
        assert_error(client.get("/api/v1/learning/vocabulary/abc"), 404, "not_found")


class TestVocabularyCreation:
    WORD: ClassVar[dict[str, object]] = {
        "kanji": "猫", "hiragana": "ねこ", "romaji": "neko", "english_meanings": ["cat"], "part_of_speech": "noun",
        "jlpt_level": "n5", "frequency_rank": 3,
        "usage_examples": [{"japanese": "猫が好きです。", "english": "I like cats."}],
    }  # fmt: skip

    def test_an_admin_adds_a_word_that_learners_then_find(self, client: TestClient) -> None:
        from shared.services.accounts import ensure_admin
        from tests.auth_helpers import login

        # Given an admin
        ensure_admin("root@example.com", "root", "an admin's long password")
        admin = login(client, "root@example.com", "an admin's long password")

        # When the admin adds 猫 with a usage example
        created = client.post("/api/v1/learning/vocabulary", headers=admin.headers, json=self.WORD)

        # Then it is created, and learners find it by id with its example and no success rate yet
        assert created.status_code == 201
        word = client.get(f"/api/v1/learning/vocabulary/{created.json()['id']}").json()
        assert (word["kanji"], word["usage_examples"][0]["english"], word["success_rate"]) == (
            "猫",
            "I like cats.",
            None,
        )

    def test_learners_cannot_add_words_and_bad_words_are_422(self, client: TestClient) -> None:
        from tests.auth_helpers import signed_up

        # Given a learner
        learner = signed_up(client)

        # When the learner adds a word, Then it is a 403
        assert_error(
            client.post("/api/v1/learning/vocabulary", headers=learner.headers, json=self.WORD), 403, "forbidden"
        )

        # When a word has romaji as hiragana, no meaning, or no written form, Then it is a 422
        for bad in ({**self.WORD, "hiragana": "neko"}, {**self.WORD, "english_meanings": []},
                    {k: v for k, v in self.WORD.items() if k not in {"kanji", "hiragana"}}):  # fmt: skip
            assert_error(
                client.post("/api/v1/learning/vocabulary", headers=learner.headers, json=bad), 422, "validation_error"
            )


@pytest.mark.usefixtures("catalogue")
class TestSentenceFilters:
    def walk(self, client: TestClient, **params: str) -> list[dict[str, object]]:
        items: list[dict[str, object]] = []
        cursor = None
        for _ in range(50):
            page = client.get(
                "/api/v1/learning/sentences", params={**params, "limit": "5", **({"cursor": cursor} if cursor else {})}
            ).json()
            items += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                return items
        raise AssertionError("pagination did not end")

    def test_every_filter_narrows_and_pages_end(self, client: TestClient) -> None:
        # Given every sentence, walked page by page
        everything = self.walk(client)
        cases = {
            "difficulty": ("easy", lambda s: s["difficulty_level"] == "easy"),
            "grammar_point": ("です", lambda s: "です" in s["grammar_points"]),
            "vocabulary_tag": ("学校", lambda s: "学校" in s["vocabulary_tags"]),
            "text": ("TOKYO", lambda s: "tokyo" in (s["english_translation"] + str(s["romaji_reading"])).lower()),
        }

        # When the sentences are walked under each filter (difficulty, grammar point, word, text in any case)
        # Then each walk ends and lists exactly the sentences the filter holds for, in the same order
        for name, (value, holds) in cases.items():
            found = self.walk(client, **{name: value})
            expected = [s["id"] for s in everything if holds(s)]
            assert expected, name
            assert [s["id"] for s in found] == expected, name

    def test_japanese_text_search_and_combined_filters(self, client: TestClient) -> None:
        # When the N5 sentences are searched for 東京, Then some come back, all N5 holding it
        found = self.walk(client, text="東京", jlpt_level="n5")
        assert found
        assert all("東京" in str(s["japanese_text"]) and s["jlpt_level"] == "n5" for s in found)

        # When a text no sentence holds is searched for, Then nothing comes back
        assert self.walk(client, text="no such sentence anywhere") == []
