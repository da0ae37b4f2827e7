"""The written form transcripts are compared in: numbers in one form (7時 = 七時), width and punctuation ignored,
and nothing else a reader would call different text."""

import pytest

from shared.services.transcript_text import character_error_rate, comparable_text, kanji_number


@pytest.mark.parametrize(
    ("digits", "kanji"),
    [
        ("0", "〇"),  # noqa: RUF001 (the kanji zero is the point)
        ("7", "七"),
        ("10", "十"),
        ("20", "二十"),
        ("600", "六百"),
        ("1000", "千"),
        ("2026", "二千二十六"),
        ("10000", "一万"),
        ("35000", "三万五千"),
        ("120000000", "一億二千万"),
        ("3.5", "三点五"),
    ],
)
def test_a_number_in_digits_is_written_in_kanji_numerals_as_japanese_writes_them(digits, kanji):
    assert kanji_number(digits) == kanji


@pytest.mark.parametrize(
    ("transcript", "sentence"),
    [
        ("毎朝7時に起きます。", "毎朝七時に起きます。"),
        ("この本は1,000円です", "この本は千円です。"),
        ("この本は１０００円です", "この本は千円です。"),
        ("弟は来年20歳になります", "弟は来年二十歳になります。"),
        ("駅まで歩いて10分です", "駅まで歩いて十分です。"),
        ("今、何時ですか?", "今、何時ですか？"),  # noqa: RUF001
    ],
)
def test_the_same_sentence_written_with_digits_or_other_punctuation_compares_equal(transcript, sentence):
    # When both are put in their comparable form, Then they are the same text and the error rate is 0
    assert comparable_text(transcript) == comparable_text(sentence)
    assert character_error_rate(sentence, transcript) == 0.0


def test_kanji_numerals_in_words_stay_words_and_digits_never_replace_them():
    # 一緒 and 一人 are words, not the number one: nothing turns them into digits
    assert comparable_text("一緒に一人で行きます。") == "一緒に一人で行きます"


@pytest.mark.parametrize(
    ("sentence", "transcript", "errors"),
    [
        ("今日はとても暑いですね。", "今日はとても熱いですね", 1),  # a homophone in other kanji is another word
        ("りんごを一つください。", "リンゴを一つください", 3),  # kana in another script is counted
        ("毎朝七時に起きます。", "毎朝8時に起きます", 1),  # the wrong number, in digits, is still wrong
        ("駅まで歩いて十分です。", "駅まで歩いて十五分です", 1),
    ],
)
def test_what_a_reader_would_call_different_text_still_counts(sentence, transcript, errors):
    assert character_error_rate(sentence, transcript) == pytest.approx(errors / len(comparable_text(sentence)))


def test_an_empty_transcript_misses_every_character():
    assert character_error_rate("こんにちは。", "") == 1.0
    assert character_error_rate("。", "") == 0.0
