"""The sample catalogue the local cloud loads: real N5/N4 content with readings, and its achievements."""

import json

import pytest

from shared.dal.content import SentenceItem, VocabularyWordItem
from shared.dal.gamification import AchievementItem
from shared.services.sample_content import CONTENT_DIR, load_sample_content


def read(name: str) -> list[dict[str, object]]:
    return json.loads((CONTENT_DIR / name).read_text())  # type: ignore[no-any-return]


def test_at_least_fifty_sentences_of_n5_and_n4_with_readings() -> None:
    # Given the sample sentences as shipped
    sentences = read("sentences.json")

    # Then there are at least fifty, all N5 or N4, each with hiragana, romaji and an English translation
    assert len(sentences) >= 50
    assert {s["jlpt_level"] for s in sentences} == {"n5", "n4"}
    for sentence in sentences:
        assert sentence["hiragana_reading"] and sentence["romaji_reading"] and sentence["english_translation"]


def test_particles_are_romanised_by_their_pronunciation() -> None:
    # Given the sample sentences by their Japanese text
    by_text = {s["japanese_text"]: s for s in read("sentences.json")}

    # When the romaji of sentences with the particles は, へ and を is read, Then it spells them wa, e and o
    assert by_text["今日は日曜日です。"]["romaji_reading"] == "kyou wa nichiyoubi desu."  # は is wa; 今日 kyou
    assert by_text["電車で東京へ行きます。"]["romaji_reading"] == "densha de toukyou e ikimasu."  # へ is e
    assert by_text["熱があるので、今日は学校を休みます。"]["romaji_reading"].endswith("gakkou o yasumimasu.")


def test_every_vocabulary_tag_names_a_word() -> None:
    # Given every written form of the sample vocabulary (kanji, hiragana or katakana, and the hiragana of kanji words)
    words = read("vocabulary.json")
    written = {w.get("kanji") or w.get("hiragana") or w.get("katakana") for w in words}
    written |= {w["hiragana"] for w in words if w.get("hiragana")}

    # When each sentence's vocabulary tags are looked up among them
    missing = {t for s in read("sentences.json") for t in s["vocabulary_tags"]} - written  # type: ignore[attr-defined]

    # Then none is missing
    assert missing == set()


@pytest.mark.usefixtures("aws")
def test_loading_twice_writes_each_item_once() -> None:
    # When the sample content is loaded twice
    first = load_sample_content()
    second = load_sample_content()

    # Then both loads report the same counts, and the tables hold each sentence, word and achievement once
    assert first == second
    assert SentenceItem.count() == first.sentences
    assert VocabularyWordItem.count() == first.words
    assert AchievementItem.count() == first.achievements >= 15
