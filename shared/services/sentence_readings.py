"""What the readings worker adds to sentences that arrive without it (a learner's sentence, an OCR result): the
hiragana and romaji readings, and the word-by-word gloss with each word linked to a vocabulary word."""

from dataclasses import dataclass, replace
from typing import Final

from shared.dal import content_repository
from shared.domain.vocabulary import DictionaryWord, Gloss, GlossWord
from shared.enums import Difficulty, JLPTLevel
from shared.observability import logger
from shared.services.readings import read_japanese, word_romaji
from shared.services.vocabulary import gloss_sentence

MAX_VOCABULARY_TAGS: Final = 30  # as many as a person may give (shared/schemas/content.py)
MAX_TAG_LENGTH: Final = 60
DIFFICULTY_BY_LEVEL: Final = {
    JLPTLevel.N5: Difficulty.VERY_EASY,
    JLPTLevel.N4: Difficulty.EASY,
    JLPTLevel.N3: Difficulty.MEDIUM,
    JLPTLevel.N2: Difficulty.HARD,
    JLPTLevel.N1: Difficulty.VERY_HARD,
}


@dataclass(frozen=True)
class SentenceText:
    sentence_id: str
    japanese_text: str
    has_hiragana: bool
    has_romaji: bool
    has_gloss: bool = False


@dataclass(frozen=True)
class Filled:
    readings: bool
    glossed_words: int | None  # content words glossed; None when the sentence had its gloss already
    words_found: int | None  # of those, found in the dictionary


def fill_missing(sentence: SentenceText) -> Filled:
    """Compute and store what is missing: the readings, the gloss (nothing at all when nothing is, so that our own
    update is a no-op)."""
    reading = None if sentence.has_hiragana and sentence.has_romaji else read_japanese(sentence.japanese_text)
    gloss = None if sentence.has_gloss else _linked(gloss_sentence(sentence.japanese_text))
    if reading is None and gloss is None:
        return Filled(readings=False, glossed_words=None, words_found=None)
    content_repository.fill_missing_analysis(
        sentence.sentence_id,
        hiragana=reading.hiragana if reading else None,
        romaji=reading.romaji if reading else None,
        gloss=gloss,
        vocabulary_tags=vocabulary_tags(gloss) if gloss else [],
    )
    found = sum(word.found for word in gloss.words) if gloss else None
    logger.info(
        "sentence analysed",
        extra={"sentence_id": sentence.sentence_id, "engine": reading.engine if reading else None, "found": found},
    )
    return Filled(readings=reading is not None, glossed_words=len(gloss.words) if gloss else None, words_found=found)


# Dictionary entry -> its vocabulary word, for the life of the process: a word's id never changes, and a batch of
# sentences shares most of its words, which then cost no lookup.
linked_words: dict[int, str] = {}


def _linked(gloss: Gloss) -> Gloss:
    """The gloss with each word found in the dictionary linked to its vocabulary word (made where there is none)."""
    entries = {
        word.entry_id: dictionary_word(word)
        for word in gloss.words
        if word.entry_id is not None and word.entry_id not in linked_words
    }
    if entries:
        linked_words.update(content_repository.link_words(list(entries.values())))
    words = tuple(
        replace(w, word_id=linked_words.get(w.entry_id)) if w.entry_id is not None else w for w in gloss.words
    )
    return replace(gloss, words=words)


def dictionary_word(word: GlossWord) -> DictionaryWord:
    if word.entry_id is None:
        raise ValueError("only a word found in the dictionary becomes a vocabulary word")
    kana = word.kana or word.reading
    katakana_only = word.kanji is None and _is_katakana(kana)
    return DictionaryWord(
        entry_id=word.entry_id,
        kanji=word.kanji,
        hiragana=None if katakana_only else word.reading,
        katakana=kana if katakana_only else None,
        romaji=word_romaji(kana),
        english_meanings=word.meanings,
        part_of_speech=word.part_of_speech,
        jlpt_level=word.jlpt_level,
        frequency_rank=word.frequency_rank,
        difficulty_level=DIFFICULTY_BY_LEVEL[word.jlpt_level] if word.jlpt_level else Difficulty.MEDIUM,
    )


def _is_katakana(kana: str) -> bool:
    return bool(kana) and all("\u30a0" <= c <= "\u30ff" for c in kana)


def vocabulary_tags(gloss: Gloss) -> list[str]:
    """The dictionary forms of the words found, each once, in sentence order: how a sentence is found by its words."""
    tags = dict.fromkeys(w.dictionary_form for w in gloss.words if w.found and len(w.dictionary_form) <= MAX_TAG_LENGTH)
    return list(tags)[:MAX_VOCABULARY_TAGS]
