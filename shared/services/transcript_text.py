"""Japanese text as a reader compares it: one written form for what is written several ways, nothing more.

A transcript and the sentence it should match differ in ways a Japanese reader does not count as different text:
- numbers in Arabic or in kanji numerals: Whisper writes 7時, 1,000円, 20歳 where the sentence says 七時, 千円, 二十歳.
  Digits are always a number, while a kanji numeral may be part of a word (一緒, 一人, 十分 read じゅうぶん), so
  digits become kanji numerals (the form the sample sentences use) and never the other way round;
- full-width and half-width forms (full-width digits, half-width katakana): NFKC;
- punctuation and spaces, which speech does not carry.
Kanji, kana and homophones are left as they are: 暑い and 熱い, or 私 and わたし, are not the same text to a reader
(pronunciation scoring compares readings instead: shared.services.pronunciation).
"""

import re
import unicodedata
from typing import Final

from rapidfuzz.distance import Levenshtein

_DIGITS: Final = "〇一二三四五六七八九"
_SMALL_UNITS: Final = ((1000, "千"), (100, "百"), (10, "十"))
_LARGE_UNITS: Final = ((10**12, "兆"), (10**8, "億"), (10**4, "万"))
_NUMBER: Final = re.compile(r"\d+(?:\.\d+)?")
_THOUSANDS_SEPARATOR: Final = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_PUNCTUATION_AND_SPACE: Final = re.compile(r"[\s、。,.!?「」『』()\[\]・…~〜\"']")  # after NFKC: ASCII forms


def kanji_number(digits: str) -> str:
    """A number written in digits (`1000`, `3.5`) in kanji numerals as Japanese writes them: 千, 三点五, 二十."""
    whole, _, fraction = digits.partition(".")
    text = _kanji_integer(int(whole))
    return f"{text}点{''.join(_DIGITS[int(d)] for d in fraction)}" if fraction else text


def _kanji_integer(number: int) -> str:
    if number == 0:
        return _DIGITS[0]
    text = ""
    for value, unit in _LARGE_UNITS:
        if number >= value:
            text += _below_ten_thousand(number // value) + unit
            number %= value
    return text + _below_ten_thousand(number)


def _below_ten_thousand(number: int) -> str:
    """1-9999 as 千九百九十九; 一 is not written before 十, 百 or 千."""
    text = ""
    for value, unit in _SMALL_UNITS:
        count, number = divmod(number, value)
        if count:
            text += ("" if count == 1 else _DIGITS[count]) + unit
    return text + (_DIGITS[number] if number else "")


def comparable_text(text: str) -> str:
    """`text` in NFKC, numbers in kanji numerals, without punctuation or spaces."""
    text = _THOUSANDS_SEPARATOR.sub("", unicodedata.normalize("NFKC", text))
    text = _NUMBER.sub(lambda match: kanji_number(match.group()), text)
    return _PUNCTUATION_AND_SPACE.sub("", text)


def character_error_rate(expected: str, got: str) -> float:
    """Edit distance between the comparable forms over the expected one's length (0 when both are empty)."""
    reference, heard = comparable_text(expected), comparable_text(got)
    if not reference:
        return 0.0 if not heard else 1.0
    return Levenshtein.distance(reference, heard) / len(reference)
