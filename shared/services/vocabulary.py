"""The words of a Japanese sentence with their dictionary meanings: a word-by-word gloss.

Sudachi (SudachiDict core, split mode C: its longest units, 日本語学校 rather than 日本|語|学校) cuts the sentence into
tokens and gives each one's dictionary form (食べ → 食べる), normalised form and reading. Content words (nouns,
pronouns, verbs, adjectives, adverbs, interjections, pre-noun adjectivals) are looked up in the trimmed JMdict
(shared/services/dictionary_build.py) by their dictionary form, then their normalised form, then as written; among
the entries written so, the one whose reading matches the token's and whose part of speech agrees wins, common
words first. Particles, auxiliaries, prefixes and suffixes, numbers and punctuation are left out. A content word that
the dictionary lacks is kept in the gloss without meanings, so that the learner sees it was not found.

sudachipy and the dictionary are loaded on first use only (about 1.5 s): like readings.py, this module imports fine
where they are absent, and only the readings worker's image calls `gloss_sentence`.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Final

from shared.constants import Env
from shared.domain.vocabulary import Gloss, GlossWord
from shared.enums import JLPTLevel, PartOfSpeech
from shared.services.dictionary_build import cached_build
from shared.services.readings import to_hiragana

DICTIONARY_ENV: Final = Env.VOCABULARY_DICTIONARY
TOKENISER_DISTRIBUTIONS: Final = ("sudachipy", "sudachidict-core")

# Sudachi's first part-of-speech field → the app's part of speech, for the kinds of token that are content words.
_CONTENT_POS: Final = {
    "名詞": PartOfSpeech.NOUN,
    "代名詞": PartOfSpeech.NOUN,
    "動詞": PartOfSpeech.VERB,
    "形容詞": PartOfSpeech.ADJECTIVE,
    "形状詞": PartOfSpeech.ADJECTIVE,  # na-adjectives (好き, 静か)
    "連体詞": PartOfSpeech.ADJECTIVE,  # この, 大きな
    "副詞": PartOfSpeech.ADVERB,
    "感動詞": PartOfSpeech.INTERJECTION,
    "接続詞": PartOfSpeech.CONJUNCTION,
}
_INFLECTING: Final = frozenset({"動詞", "形容詞"})
# Numbers (their reading is the lesson, not a dictionary entry) and the stems of auxiliaries (降りそう, 降るそう: the
# そう of "looks like" and "I hear" is grammar).
_NOT_CONTENT_SUBTYPES: Final = frozenset({"数詞", "助動詞語幹"})
_TE_PARTICLES: Final = frozenset({"て", "で"})
_HAS_KANJI: Final = re.compile(r"[\u3005\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class _Token:
    surface: str
    dictionary_form: str
    normalized_form: str
    reading: str  # katakana
    pos: tuple[str, ...]


@dataclass(frozen=True)
class _Entry:
    seq: int
    kanji: list[str]
    kana: list[str]
    usually_kana: bool
    common: bool
    frequency: int | None
    pos: PartOfSpeech
    meanings: list[str]
    jlpt: str | None
    form_is_kana: bool
    form_position: int


class _Engine:
    def __init__(self, dictionary_path: Path) -> None:
        from sudachipy import Dictionary, SplitMode

        self._tokenizer = Dictionary().tokenizer(mode=SplitMode.C)
        # Read-only and immutable: several threads may share the file, and SQLite takes no locks on it.
        self._db = sqlite3.connect(f"file:{dictionary_path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        (sources,) = self._db.execute("SELECT value FROM meta WHERE key = 'sources'").fetchone()
        tokeniser = " ".join(f"{name}=={metadata.version(name)}" for name in TOKENISER_DISTRIBUTIONS)
        self.source = f"JMdict 2021-04 ({sources}); {tokeniser}"

    def tokens(self, text: str) -> list[_Token]:
        return [
            _Token(
                surface=m.surface(),
                dictionary_form=m.dictionary_form(),
                normalized_form=m.normalized_form(),
                reading=m.reading_form(),
                pos=tuple(m.part_of_speech()),
            )
            for m in self._tokenizer.tokenize(text)
        ]

    @functools.lru_cache(maxsize=4096)  # noqa: B019 (one engine per process, kept for its life)
    def entries(self, form: str) -> tuple[_Entry, ...]:
        rows = self._db.execute(
            "SELECT e.seq, e.kanji, e.kana, e.usually_kana, e.common, e.frequency, e.pos, e.meanings, e.jlpt, "
            "f.is_kana, f.position FROM forms f JOIN entries e ON e.seq = f.seq WHERE f.form = ?",
            (form,),
        ).fetchall()
        return tuple(_entry(row) for row in rows)


def _entry(row: Sequence[Any]) -> _Entry:
    seq, kanji, kana, usually_kana, common, frequency, pos, meanings, jlpt, is_kana, position = row
    return _Entry(
        seq=seq,
        kanji=json.loads(kanji),
        kana=json.loads(kana),
        usually_kana=bool(usually_kana),
        common=bool(common),
        frequency=frequency,
        pos=PartOfSpeech(pos),
        meanings=json.loads(meanings),
        jlpt=jlpt,
        form_is_kana=bool(is_kana),
        form_position=position,
    )


def dictionary_path() -> Path:
    """The prepared dictionary the image names, else one built once into a cache (from the `dictionary` group)."""
    prepared = os.environ.get(DICTIONARY_ENV)
    if prepared:
        path = Path(prepared)
        if not path.is_file():
            raise RuntimeError(f"{DICTIONARY_ENV}={prepared} is not a file")
        return path
    return cached_build()


@functools.cache
def _engine() -> _Engine:
    return _Engine(dictionary_path())


def gloss_sentence(text: str) -> Gloss:
    """The content words of `text` in order, each looked up in the dictionary. A word written twice appears twice."""
    engine = _engine()
    tokens = engine.tokens(text)
    words = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        previous = tokens[index - 1] if index else None
        if not _is_content(token, previous):
            index += 1
            continue
        compound = _compound(engine, tokens, index)
        if compound is not None:
            word, used = compound
            words.append(word)
            index += used
            continue
        words.append(_look_up(engine, token))
        index += 1
    return Gloss(text=text, words=tuple(words), source=engine.source)


MAX_COMPOUND_TOKENS: Final = 4
_NOT_IN_COMPOUNDS: Final = frozenset({"補助記号", "記号", "空白"})


def _compound(engine: _Engine, tokens: Sequence[_Token], start: int) -> tuple[GlossWord, int] | None:
    """A set phrase that Sudachi cut into pieces, written and read as the pieces are (今日|は is not こんにちは): the
    longest from `start`, as (its gloss word, tokens taken). Only the dictionary's fixed forms of one verb or adjective
    with its auxiliaries (すみ|ませ|ん, はじめ|まし|て, いけ|ませ|ん) and adverbs made with a particle (一緒|に,
    本当|に): phrases of several words (写真を撮る) stay word by word, as a learner studies them."""
    for span in range(min(MAX_COMPOUND_TOKENS, len(tokens) - start), 1, -1):
        pieces = tokens[start : start + span]
        surface = "".join(piece.surface for piece in pieces)
        reading = to_hiragana("".join(piece.reading for piece in pieces))
        matches = [
            entry
            for entry in engine.entries(surface)
            if any(to_hiragana(kana) == reading for kana in entry.kana) and _fixed_phrase(pieces, entry)
        ]
        if matches:
            best = max(matches, key=lambda entry: (entry.common, -entry.form_position, -entry.seq))
            whole = _Token(surface, surface, surface, "".join(p.reading for p in pieces), pieces[0].pos)
            return _found(best, whole, surface), span
    return None


def _fixed_phrase(pieces: Sequence[_Token], entry: _Entry) -> bool:
    head, rest = pieces[0], pieces[1:]
    if any(piece.pos[0] in _NOT_IN_COMPOUNDS or piece.pos[1] in _NOT_CONTENT_SUBTYPES for piece in rest):
        return False
    if head.pos[0] in _INFLECTING:
        return all(p.pos[0] == "助動詞" or (p.pos[0] == "助詞" and p.surface in _TE_PARTICLES) for p in rest)
    return entry.pos == PartOfSpeech.ADVERB and all(p.pos[0] == "助詞" for p in rest)


def _is_content(token: _Token, previous: _Token | None) -> bool:
    pos = token.pos
    if pos[0] not in _CONTENT_POS or pos[1] in _NOT_CONTENT_SUBTYPES:
        return False
    if pos[0] == "名詞" and token.surface.isdecimal():
        return False
    # An auxiliary verb after て (食べている, 見てみる, 行ってください): grammar, not a word to learn here.
    after_te = previous is not None and previous.surface in _TE_PARTICLES
    return not (pos[0] == "動詞" and pos[1] == "非自立可能" and after_te)


def _look_up(engine: _Engine, token: _Token) -> GlossWord:
    sudachi_pos = _CONTENT_POS[token.pos[0]]
    for form in dict.fromkeys((token.dictionary_form, token.normalized_form, token.surface)):
        candidates = engine.entries(form)
        if candidates:
            best = max(candidates, key=lambda entry: _fit(entry, token, sudachi_pos))
            return _found(best, token, form)
    return GlossWord(
        surface=token.surface,
        dictionary_form=token.dictionary_form,
        reading=to_hiragana(token.reading),
        part_of_speech=sudachi_pos,
        meanings=(),
    )


def _fit(entry: _Entry, token: _Token, pos: PartOfSpeech) -> tuple[bool, bool, bool, bool, int, int]:
    """How well an entry written like the token fits it (compared as tuples: the first difference decides)."""
    return (
        any(_reading_matches(kana, token) for kana in entry.kana),
        entry.pos == pos,
        entry.common,
        # A token written in kana fits words usually written in kana (する: 為る, not 刷る "to print").
        entry.usually_kana or not entry.kanji or not entry.form_is_kana,
        -entry.form_position,
        -entry.seq,
    )


def _reading_matches(kana: str, token: _Token) -> bool:
    """An inflected token's reading is its stem's (タベ for 食べ, ハタライ for 働い): it matches a dictionary reading
    that starts with it less its last, changed sound; an uninflected token's reading must be the whole one."""
    entry_reading = to_hiragana(kana)
    token_reading = to_hiragana(token.reading)
    if token.pos[0] not in _INFLECTING or token.surface == token.dictionary_form:
        return entry_reading == token_reading
    stem = token_reading[:-1] or token_reading
    return entry_reading.startswith(stem)


def _found(entry: _Entry, token: _Token, form: str) -> GlossWord:
    readings = [kana for kana in entry.kana if _reading_matches(kana, token)] or entry.kana
    kana = readings[0] if readings else ""
    # Kanji as the learner wrote it; else the entry's usual kanji, unless the word is usually written in kana. JMdict's
    # "kanji" forms of some loanwords are Latin letters (full-width "Google" for グーグル): those are not kanji.
    usual = next((k for k in entry.kanji if _HAS_KANJI.search(k)), None)
    if form in entry.kanji and _HAS_KANJI.search(form):
        kanji: str | None = form
    else:
        kanji = usual if not entry.usually_kana else None
    return GlossWord(
        surface=token.surface,
        dictionary_form=kanji or kana or form,
        reading=to_hiragana(kana) if kana else to_hiragana(token.reading),
        part_of_speech=entry.pos,
        meanings=tuple(entry.meanings),
        entry_id=entry.seq,
        kanji=kanji,
        kana=kana,
        jlpt_level=JLPTLevel(entry.jlpt) if entry.jlpt else None,
        frequency_rank=entry.frequency,
    )
