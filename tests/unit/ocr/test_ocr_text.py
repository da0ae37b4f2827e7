"""Repairs of characters the recogniser reads from the wrong script (shared/services/ocr_text.py)."""

import pytest

from shared.services.ocr_text import (
    RARE_IN_JAPANESE,
    SIMPLIFIED_TO_JAPANESE,
    is_japanese_context,
    normalise,
    repair_katakana,
    to_japanese_forms,
)


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("テ一ブル", "テーブル"),  # the kanji 一 inside a katakana word
        ("コ一ヒ一", "コーヒー"),  # ... and at its end
        ("コ一ヒ一を飲む", "コーヒーを飲む"),  # ... before a particle
        ("スーパ一。", "スーパー。"),  # ... before punctuation
        ("ラ-メン", "ラーメン"),  # a hyphen for ー
        ("ホテルのべッド", "ホテルのベッド"),  # hiragana べ before a small katakana
        ("べーコン", "ベーコン"),  # ... before ー
        ("ハンバ一グ", "ハンバーグ"),
        ("アイスティ一", "アイスティー"),
        ("スぺイン", "スペイン"),  # hiragana between katakana (not a particle)
        ("ロ口ボット", "ロロボット"),  # the kanji 口 between katakana
    ],
)
def test_katakana_look_alikes_inside_katakana_words_are_repaired(read, meant):
    assert repair_katakana(read) == meant


@pytest.mark.parametrize(
    "text",
    [
        "メモ一つ",  # 一 counting: the kanji
        "ケーキ一個",
        "一番おいしい",
        "ケーキのセット",  # particles between katakana words stay hiragana
        "パンとコーヒー",
        "ローマへバスで行く",  # へ after katakana but before katakana: the particle
        "学校へバスで",
        "人口が多い",  # 口 between kanji
    ],
)
def test_real_kanji_and_particles_are_left_alone(text):
    assert repair_katakana(text) == text


def test_simplified_forms_become_japanese_ones():
    assert to_japanese_forms("赏を取った。说明书を读む。") == "賞を取った。説明書を読む。"


def test_repairs_are_made_only_in_a_japanese_context():
    # Given Chinese text (no kana), then neither its simplified forms nor its 一 are touched
    assert is_japanese_context("我获得了奖赏") is False
    assert normalise("我获得了奖赏", japanese=False) == "我获得了奖赏"
    # while in Japanese text they are
    assert is_japanese_context("賞をもらった")
    assert normalise("ベ一コンで赏をもらった", japanese=True) == "ベーコンで賞をもらった"


def jis_x_0208(char: str) -> bool:
    try:
        char.encode("shift_jis")
    except UnicodeEncodeError:
        return False
    return True


def test_the_table_maps_only_characters_japanese_does_not_write_to_ones_it_does():
    # Every key is outside JIS X 0208 (the characters Japanese text is written with) but for a few old or rare ones
    in_jis = {key for key in SIMPLIFIED_TO_JAPANESE if jis_x_0208(key)}
    assert in_jis == RARE_IN_JAPANESE
    # and every value is in it, a different character
    assert all(jis_x_0208(value) and value != key for key, value in SIMPLIFIED_TO_JAPANESE.items())
    # and Japanese words that look simplified are not keys
    assert not set("机后叶据泪") & set(SIMPLIFIED_TO_JAPANESE)
