"""A sentence's words with their dictionary meanings (the gloss), as the vocabulary lookup makes them
(shared/services/vocabulary.py) and as data access stores them on the sentence and links them to vocabulary words."""

from dataclasses import dataclass

from shared.enums import Difficulty, JLPTLevel, PartOfSpeech


@dataclass(frozen=True)
class GlossWord:
    """One content word of a sentence, as written there and as the dictionary knows it."""

    surface: str  # as written in the sentence (食べ)
    dictionary_form: str  # its lemma (食べる): the dictionary's written form where found
    reading: str  # hiragana of the dictionary form (たべる); the token's own reading where not found
    part_of_speech: PartOfSpeech
    meanings: tuple[str, ...]  # English, one string per sense; empty where the dictionary lacks the word
    entry_id: int | None = None  # JMdict's entry number; None: not in the dictionary
    kanji: str | None = None  # the written form in kanji, unless the word is usually written in kana
    kana: str = ""  # the reading as JMdict spells it (hiragana, or katakana for loanwords)
    jlpt_level: JLPTLevel | None = None
    frequency_rank: int | None = None
    word_id: str | None = None  # the vocabulary word it is linked to, once linked

    @property
    def found(self) -> bool:
        return self.entry_id is not None


@dataclass(frozen=True)
class Gloss:
    text: str  # the Japanese text glossed
    words: tuple[GlossWord, ...]
    source: str  # what made it: the dictionary's and the tokeniser's versions


@dataclass(frozen=True)
class DictionaryWord:
    """A vocabulary word to create from a dictionary entry, where no word for it exists yet."""

    entry_id: int
    kanji: str | None
    hiragana: str | None
    katakana: str | None
    romaji: str
    english_meanings: tuple[str, ...]
    part_of_speech: PartOfSpeech
    jlpt_level: JLPTLevel | None
    frequency_rank: int | None
    difficulty_level: Difficulty

    @property
    def lemma(self) -> str:
        """The written form vocabulary words are found by (VocabularyWordItem.lemma): kanji, else kana."""
        return self.kanji or self.hiragana or self.katakana or ""
