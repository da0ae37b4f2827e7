"""Hiragana and romaji readings of Japanese text, from Open JTalk's word-by-word analysis (pyopenjtalk-plus).

Open JTalk segments the text into words and reads each one (NJD features). The hiragana line is the words'
readings as spelled (particles は/へ/を stay), with punctuation and non-Japanese characters kept as written;
the romaji line is modified Hepburn of the same words, grouped into units the way the sample content writes
them ("watashi wa toukyou ni sunde imasu.").

pyopenjtalk is imported on first use only: this module imports fine where it is absent (the zip functions);
only the readings worker's image, which installs the `readings` dependency group, calls `read_japanese`.
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from importlib import metadata
from typing import Any, cast

ENGINE_DISTRIBUTION = "pyopenjtalk-plus"


@dataclass(frozen=True)
class Reading:
    hiragana: str  # the whole text in hiragana, punctuation kept as in the input, particles as spelled (は, へ, を)
    romaji: str  # modified Hepburn, units separated by single spaces, lower case, 。→"." 、→"," and ?/! kept
    engine: str  # e.g. "pyopenjtalk-plus 0.4.1.post10"


Features = list[dict[str, Any]]


@dataclass(frozen=True)
class _Engine:
    name: str
    analyse: Callable[[str], Features]


@functools.cache
def _engine() -> _Engine:
    """Import pyopenjtalk and load its dictionary once per process (about 1 s)."""
    # On import it prints that ONNX Runtime is missing, which only matters to its model for 何 (なに/なん): that
    # model is turned off below (predict_nani=False) in favour of the dictionary and the rule in `_fix_nani`.
    with contextlib.redirect_stdout(io.StringIO()):
        import pyopenjtalk

    def analyse(text: str) -> Features:
        features = pyopenjtalk.run_frontend(text, predict_nani=False, revert_long_vowels=True, revert_yotsugana=True)
        return cast(Features, features)

    return _Engine(name=f"{ENGINE_DISTRIBUTION} {metadata.version(ENGINE_DISTRIBUTION)}", analyse=analyse)


def read_japanese(text: str) -> Reading:
    """Hiragana and romaji readings of a Japanese sentence (or several), e.g. 私は学生です。 →
    わたしはがくせいです。 / watashi wa gakusei desu. White space at either end is dropped."""
    text = text.strip()
    engine = _engine()
    words = _words(text, engine.analyse(text))
    words = _fix_nani(words)
    words = _fix_minutes(words)
    words = _fix_homographs(words)
    return Reading(hiragana=_hiragana(words), romaji=_romaji(words), engine=engine.name)


# --- words ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Word:
    gap: str  # input characters between the previous word and this one (white space), kept in the hiragana line
    surface: str  # Open JTalk's string for the word (NFKC-normalised, digits as kanji)
    source: str  # the input characters this word stands for ("" where Open JTalk expanded digits into more words)
    is_japanese: bool  # read (kana below) rather than kept as written (Latin letters, punctuation, emoji)
    kana: str  # katakana reading as spelled: particles ハ/ヘ/ヲ, long vowels as written (トウキョウ, コーヒー)
    spoken_kana: str  # the same with the particles' ハ/ヘ read ワ/エ: what the romaji is written from
    pos: str
    pos_group1: str
    pos_group2: str
    ctype: str
    orig: str


_JAPANESE_CHARACTER = re.compile(r"[\u3005\u3006\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
_NOT_KATAKANA = re.compile(r"[^\u30a1-\u30fa\u30fc]")


def _is_number_word(feature: dict[str, Any]) -> bool:
    return bool(feature["pos_group1"] == "数" or feature["pos_group2"] == "助数詞")


def _words(text: str, features: Features) -> list[_Word]:
    spans, tail = _align(text, [(str(f["string"]), _is_number_word(f)) for f in features])
    words = []
    for feature, (gap, source) in zip(features, spans, strict=True):
        # Numbers and counters: the dictionary reading (`read`) is the bare one (ロク ヒャク, サン ホン); Open
        # JTalk's number rules put the sound changes (ロッ ピャク, サン ボン, ヨ ジ, シチ ジ) in `pron`, which
        # `revert_long_vowels` gives back with long vowels spelled as read (ジュウ, not ジュー).
        reading = str(feature["pron"] if _is_number_word(feature) else feature["read"])
        kana = _NOT_KATAKANA.sub("", reading)
        is_japanese = bool(kana) and (_is_number_word(feature) or bool(_JAPANESE_CHARACTER.search(feature["string"])))
        words.append(
            _Word(
                gap=gap,
                surface=str(feature["string"]),
                source=source,
                is_japanese=is_japanese,
                kana=kana,
                spoken_kana=_spoken(feature, kana),
                pos=str(feature["pos"]),
                pos_group1=str(feature["pos_group1"]),
                pos_group2=str(feature["pos_group2"]),
                ctype=str(feature["ctype"]),
                orig=str(feature["orig"]),
            )
        )
    if tail.strip():  # characters after the last word that Open JTalk dropped: kept as written
        words.append(
            _Word(
                gap="",
                surface=tail,
                source=tail,
                is_japanese=False,
                kana="",
                spoken_kana="",
                pos="記号",
                pos_group1="*",
                pos_group2="*",
                ctype="*",
                orig=tail,
            )
        )
    return words


_PARTICLE_SOUNDS = {"ハ": "ワ", "ヘ": "エ"}


def _spoken(feature: dict[str, Any], kana: str) -> str:
    """は and へ are read wa and e as particles (助詞), and in set phrases that Open JTalk pronounces so
    (こんにちは, では): ハ/ヘ in the reading where the pronunciation has ワ/エ. Never elsewhere (はな → hana)."""
    if feature["pos"] == "助詞" and kana[-1:] in _PARTICLE_SOUNDS:
        return kana[:-1] + _PARTICLE_SOUNDS[kana[-1]]
    pron = _NOT_KATAKANA.sub("", str(feature["pron"]))
    if len(pron) != len(kana):
        return kana
    return "".join(
        p if _PARTICLE_SOUNDS.get(k) == p else k for k, p in zip(kana, pron, strict=True)
    )  # ヲ is romanised o by the table, as particle and wherever else it is written


def _align(text: str, surfaces: Sequence[tuple[str, bool]]) -> tuple[list[tuple[str, str]], str]:
    """For each word Open JTalk returns (its `string`, and whether it is a number word), the input characters
    before it that it skipped (white space, anything it dropped) and the input characters it stands for; and the
    input left after the last word. Open JTalk's strings are NFKC-normalised (full-width letters, ｶﾞ → ガ) and
    digits become kanji numbers, one word per digit group (2024 → 二 千 二 十 四): the first number word takes the
    whole digit run, the others take nothing."""
    normalised: list[str] = []  # NFKC of the input, one character cluster at a time
    owner: list[int] = []  # index in `text` of the cluster each character of `normalised` comes from
    index = 0
    while index < len(text):
        end = index + 1
        while end < len(text) and (unicodedata.combining(text[end]) or text[end] in _HALF_WIDTH_VOICING):
            end += 1
        for piece in unicodedata.normalize("NFKC", text[index:end]):
            normalised.append(piece)
            owner.append(index)
        index = end
    owner.append(len(text))

    spans: list[tuple[str, str]] = []
    position = 0  # in `normalised`
    consumed = 0  # in `text`: everything before it is in a gap or a word already
    in_digits = False
    for surface, is_number in surfaces:
        target = unicodedata.normalize("NFKC", surface)
        start = position
        while start < len(normalised) and normalised[start].isspace():
            start += 1
        ahead = "".join(normalised[start : start + len(target) + _LOOKAHEAD])
        end = start
        if target and ahead.startswith(target):
            end = start + len(target)
            in_digits = False
        elif is_number and start < len(normalised) and normalised[start].isdecimal():
            while end < len(normalised) and (
                normalised[end].isdecimal()
                or (normalised[end] == "," and end + 1 < len(normalised) and normalised[end + 1].isdecimal())
            ):
                end += 1
            in_digits = True
        elif is_number and in_digits:
            pass  # one more word of the digit run already taken
        elif len(target) == 1 and _is_punctuation_or_symbol(target) and _is_punctuation_or_symbol(ahead[:1]):
            end = start + 1  # a symbol Open JTalk swapped for a look-alike (hyphen for minus)
        elif target and target in ahead:
            start += ahead.index(target)  # what it skipped goes into the gap, kept as written
            end = start + len(target)
        elif _JAPANESE_CHARACTER.search(target):
            end = min(start + len(target), len(normalised))  # a variant kanji normalised (髙 → 高): same length
        else:
            spans.append(("", ""))  # not in the input: nothing shown; what it stood for ends in a later gap
            continue
        text_start, text_end = owner[start], owner[end]
        spans.append((text[consumed:text_start], text[text_start:text_end]))
        consumed, position = max(consumed, text_end), end
    return spans, text[consumed:]


_HALF_WIDTH_VOICING = frozenset("\uff9e\uff9f")  # ﾞ ﾟ: NFKC composes them with the kana before them
_LOOKAHEAD = 4  # characters Open JTalk may have dropped before a word


def _is_punctuation_or_symbol(character: str) -> bool:
    return unicodedata.category(character)[:1] in {"P", "S"}


# --- reading fixes ----------------------------------------------------------------------------------------------

_COPULA_TYPES = frozenset({"特殊・デス", "特殊・ダ"})


def _fix_nani(words: list[_Word]) -> list[_Word]:
    """何 is なん before a counter (何時, 何人: the dictionary does this) and before the copula (何ですか,
    何だ), where Open JTalk's dictionary says なに."""
    fixed = list(words)
    for index, word in enumerate(words[:-1]):
        following = words[index + 1]
        if word.orig == "何" and word.kana == "ナニ" and following.ctype in _COPULA_TYPES:
            fixed[index] = replace(word, kana="ナン", spoken_kana="ナン")
    return fixed


# Numeral + 分 written as one dictionary word, read in minutes.
_MINUTES = {
    "一": "イップン",
    "二": "ニフン",
    "三": "サンプン",
    "四": "ヨンプン",
    "五": "ゴフン",
    "六": "ロップン",
    "七": "ナナフン",
    "八": "ハップン",
    "九": "キュウフン",
    "十": "ジュップン",  # じっぷん is the older official reading; the sample content and Open JTalk's 10分: じゅっぷん
}
# Words after a number of minutes that make it a duration: かかる, 後, 前, 間, ぐらい...
_DURATION_FOLLOWERS = frozenset(
    {"かかる", "掛かる", "待つ", "遅れる", "経つ", "たつ",
     "後", "前", "間", "以内", "ほど", "程", "ぐらい", "くらい", "位"}
)  # fmt: skip


def _fix_minutes(words: list[_Word]) -> list[_Word]:
    """The dictionary has 五分 ごぶ, 八分 はちぶ, 九分 くぶ (tenths, as in 腹八分) and 十分 じゅうぶん (enough),
    二分 にぶん (halving), where learners' sentences nearly always mean minutes (八分かかります). Tenths readings
    become minutes; じゅうぶん and にぶん only where the context is a duration: after a te-form (歩いて十分) or
    before かかる/後/前/ぐらい... (十分です alone stays "enough")."""
    fixed = list(words)
    for index, word in enumerate(words):
        if len(word.surface) != 2 or word.surface[1] != "分" or word.surface[0] not in _MINUTES:
            continue
        if word.kana.endswith(("フン", "プン")):
            continue
        if word.kana.endswith("ブン"):
            previous = words[index - 1] if index > 0 else None
            following = words[index + 1] if index + 1 < len(words) else None
            after_te_form = previous is not None and previous.pos_group1 == "接続助詞" and previous.kana in {"テ", "デ"}
            before_duration_word = following is not None and following.orig in _DURATION_FOLLOWERS
            if not (after_te_form or before_duration_word):
                continue
        minutes = _MINUTES[word.surface[0]]
        fixed[index] = replace(word, kana=minutes, spoken_kana=minutes)
    return fixed


@dataclass(frozen=True)
class _Homograph:
    orig: str  # dictionary form Open JTalk analysed the word as
    surfaces: frozenset[str]  # its written forms concerned
    given: str  # how Open JTalk's reading starts
    wanted: str  # what to start it with instead
    after: tuple[str, ...]  # the text just before the word that calls for the other reading


# Verbs Open JTalk reads one way whatever the context, decided by the words just before them.
_HOMOGRAPHS = (
    # 開く with が is mostly intransitive あく (窓が開いている, ドアが開いた); with を it stays ひらく (会議を開く).
    _Homograph("開く", frozenset({"開か", "開き", "開く", "開い", "開け", "開こ"}), "ヒラ", "ア", ("が",)),
    # 降り is the stem of both 降りる (おりる, get off) and 降る (ふる, fall), and Open JTalk always picks おりる:
    # with rain or snow as the subject it is ふる (雨が降ります). The other forms differ (降りた/降った).
    _Homograph("降りる", frozenset({"降り"}), "オ", "フ", ("雨が", "雪が", "雨も", "雪も", "雹が", "霰が")),
)


def _fix_homographs(words: list[_Word]) -> list[_Word]:
    fixed = list(words)
    for index, word in enumerate(words):
        before = "".join(w.surface for w in words[max(0, index - 2) : index])
        for homograph in _HOMOGRAPHS:
            if (
                word.orig == homograph.orig
                and word.surface in homograph.surfaces
                and word.kana.startswith(homograph.given)
                and before.endswith(homograph.after)
            ):
                kana = homograph.wanted + word.kana.removeprefix(homograph.given)
                fixed[index] = replace(word, kana=kana, spoken_kana=kana)
    return fixed


# --- hiragana ---------------------------------------------------------------------------------------------------

_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}


def to_hiragana(katakana: str) -> str:
    return katakana.translate(_KATAKANA_TO_HIRAGANA)


def _hiragana(words: Sequence[_Word]) -> str:
    return "".join(word.gap + (to_hiragana(word.kana) if word.is_japanese else word.source) for word in words)


# --- romaji -----------------------------------------------------------------------------------------------------

_SYLLABLES = {
    **dict(zip("アイウエオ", ["a", "i", "u", "e", "o"], strict=True)),
    **dict(zip("カキクケコ", ["ka", "ki", "ku", "ke", "ko"], strict=True)),
    **dict(zip("サシスセソ", ["sa", "shi", "su", "se", "so"], strict=True)),
    **dict(zip("タチツテト", ["ta", "chi", "tsu", "te", "to"], strict=True)),
    **dict(zip("ナニヌネノ", ["na", "ni", "nu", "ne", "no"], strict=True)),
    **dict(zip("ハヒフヘホ", ["ha", "hi", "fu", "he", "ho"], strict=True)),
    **dict(zip("マミムメモ", ["ma", "mi", "mu", "me", "mo"], strict=True)),
    **dict(zip("ヤユヨ", ["ya", "yu", "yo"], strict=True)),
    **dict(zip("ラリルレロ", ["ra", "ri", "ru", "re", "ro"], strict=True)),
    **dict(zip("ワヰヱヲ", ["wa", "i", "e", "o"], strict=True)),
    **dict(zip("ガギグゲゴ", ["ga", "gi", "gu", "ge", "go"], strict=True)),
    **dict(zip("ザジズゼゾ", ["za", "ji", "zu", "ze", "zo"], strict=True)),
    **dict(zip("ダヂヅデド", ["da", "ji", "zu", "de", "do"], strict=True)),
    **dict(zip("バビブベボ", ["ba", "bi", "bu", "be", "bo"], strict=True)),
    **dict(zip("パピプペポ", ["pa", "pi", "pu", "pe", "po"], strict=True)),
    **dict(zip("ァィゥェォャュョヮヵヶ", ["a", "i", "u", "e", "o", "ya", "yu", "yo", "wa", "ka", "ke"], strict=True)),
    "ヴ": "vu",
}
_YOON_ONSETS = {
    "キ": "ky", "ギ": "gy", "ニ": "ny", "ヒ": "hy", "ビ": "by", "ピ": "py", "ミ": "my", "リ": "ry",
    "シ": "sh", "ジ": "j", "チ": "ch", "ヂ": "j",
}  # fmt: skip
_DIGRAPHS = {
    **{onset + small: romaji + vowel for onset, romaji in _YOON_ONSETS.items() for small, vowel in
       zip("ャュョ", "auo", strict=True)},
    **{onset + "ェ": romaji + "e" for onset, romaji in _YOON_ONSETS.items() if romaji in {"sh", "j", "ch"}},
    "ティ": "ti", "ディ": "di", "トゥ": "tu", "ドゥ": "du", "テュ": "tyu", "デュ": "dyu",
    "ファ": "fa", "フィ": "fi", "フェ": "fe", "フォ": "fo", "フュ": "fyu",
    "ウィ": "wi", "ウェ": "we", "ウォ": "wo", "イェ": "ye", "クァ": "kwa", "グァ": "gwa",
    "ヴァ": "va", "ヴィ": "vi", "ヴェ": "ve", "ヴォ": "vo", "ヴュ": "vyu",
    "ツァ": "tsa", "ツィ": "tsi", "ツェ": "tse", "ツォ": "tso",
}  # fmt: skip
_VOWELS = "aeiou"
_CONSONANTS = frozenset("bcdfghjkmprstvwz")


_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)}


def word_romaji(kana: str) -> str:
    """Modified Hepburn of one word's reading, in hiragana or katakana (たべる → taberu, コーヒー → koohii)."""
    return _kana_to_romaji(kana.translate(_HIRAGANA_TO_KATAKANA))


def _kana_to_romaji(kana: str) -> str:
    """Modified Hepburn of a katakana string: ッ doubles the next consonant (っち → tchi), ン before a vowel or
    y is n' (kin'en, kon'ya), ー repeats the vowel (コーヒー → koohii), other long vowels as spelled (ou, ei)."""
    syllables: list[str] = []
    index = 0
    while index < len(kana):
        pair = kana[index : index + 2]
        if pair in _DIGRAPHS:
            syllables.append(_DIGRAPHS[pair])
            index += 2
        else:
            syllables.append(_SYLLABLES.get(kana[index], kana[index]))
            index += 1

    romaji: list[str] = []
    for position, syllable in enumerate(syllables):
        following = next((s for s in syllables[position + 1 :] if s not in {"ッ", "ー"}), "")
        if syllable == "ッ":
            if following[:2] == "ch":
                romaji.append("t")
            elif following[:1] in _CONSONANTS:
                romaji.append(following[0])
        elif syllable == "ン":
            romaji.append("n'" if following[:1] in {*_VOWELS, "y"} and following else "n")
        elif syllable == "ー":
            previous = "".join(romaji)
            romaji.append(previous[-1] if previous[-1:] in set(_VOWELS) else "")
        else:
            romaji.append(syllable)
    return "".join(romaji)


_ROMAJI_PUNCTUATION = {"。": ".", "、": ",", "「": '"', "」": '"', "『": '"', "』": '"', "・": " ", "〜": "~"}
_OPENING_PUNCTUATION = frozenset("「『([{〈《【“")  # compared after NFKC (full-width brackets too)
_TE_BA_ENDINGS = frozenset({"テ", "デ", "バ", "ナガラ", "タリ", "ダリ", "ツツ"})
_ATTACHING_AFTER = frozenset({"動詞", "形容詞", "助動詞"})


def _joins_previous(previous: _Word | None, word: _Word) -> bool:
    """Whether `word` belongs to the romaji unit of the word before it.

    A unit is an independent word with what grammar glues to it: auxiliaries and inflections after a verb or
    adjective (食べ|まし|た tabemashita, 高く|ない takakunai), the te/ba/nagara endings (住ん|で sunde, 聞き|ながら
    kikinagara), an auxiliary verb straight after a verb stem (食べ|すぎ tabesugi), suffixes and counters
    (郵便|局 yuubinkyoku, 三|本 sanbon), the parts of a number (六|百|円 roppyakuen) and whatever follows a prefix
    (お|元気 ogenki). Particles, the copula (です, でした, でしょう, だ), auxiliary verbs after て (sunde imasu,
    kashite agemashita) and nouns start units of their own, as the sample content writes them.
    """
    if previous is None:
        return False
    if not word.is_japanese:
        return (_is_symbol(word) and not _opens(word)) or _opens(previous)
    if not previous.is_japanese:
        return _opens(previous)
    if previous.pos == "接頭詞":
        return True
    if word.pos == "助動詞":
        return word.ctype not in _COPULA_TYPES and previous.pos in _ATTACHING_AFTER
    if word.pos in {"動詞", "形容詞"}:
        return word.pos_group1 == "接尾" or (word.pos_group1 == "非自立" and previous.pos in {"動詞", "形容詞"})
    if word.pos == "助詞":
        return word.pos_group1 == "接続助詞" and word.kana in _TE_BA_ENDINGS and previous.pos in _ATTACHING_AFTER
    if word.pos == "名詞":
        return word.pos_group1 == "接尾" or (word.pos_group1 == "数" and previous.pos_group1 == "数")
    return False


def _opens(word: _Word) -> bool:
    return unicodedata.normalize("NFKC", word.source)[-1:] in _OPENING_PUNCTUATION


def _is_symbol(word: _Word) -> bool:
    return bool(word.source) and all(unicodedata.category(c).startswith("P") for c in word.source)


def _romaji(words: Sequence[_Word]) -> str:
    # Each unit is a list of pieces, kana (katakana) or text already in romaji. Kana pieces next to each other are
    # romanised together, so that っ and ん see the next word of their unit (行っ|た itta, 千|円 sen'en).
    units: list[list[tuple[bool, str]]] = []
    previous: _Word | None = None
    for word in words:
        pieces: list[tuple[bool, str]]
        if not word.is_japanese:
            pieces = [
                (False, "".join(_ROMAJI_PUNCTUATION.get(c, c) for c in unicodedata.normalize("NFKC", word.source)))
            ]
        elif word.pos_group1 == "接尾" and word.pos_group2 == "人名":
            pieces = [(False, "-"), (True, word.spoken_kana)]  # honorific suffixes: tanaka-san
        else:
            pieces = [(True, word.spoken_kana)]
        if word.gap.strip():  # characters Open JTalk dropped, kept as written
            units.append([(False, unicodedata.normalize("NFKC", word.gap))])
        if units and not word.gap and _joins_previous(previous, word):
            units[-1].extend(pieces)
        else:
            units.append(pieces)
        previous = word
    return " ".join(" ".join(_unit_romaji(unit) for unit in units).split())


def _unit_romaji(pieces: Sequence[tuple[bool, str]]) -> str:
    romaji: list[str] = []
    kana = ""
    for is_kana, text in pieces:
        if is_kana:
            kana += text
        else:
            romaji += [_kana_to_romaji(kana), text]
            kana = ""
    return "".join([*romaji, _kana_to_romaji(kana)])
