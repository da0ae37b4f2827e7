"""Readings for sentences that arrive without them (a learner's sentence, an OCR result)."""

from dataclasses import dataclass

from shared.dal import content_repository
from shared.observability import logger
from shared.services.readings import read_japanese


@dataclass(frozen=True)
class SentenceText:
    sentence_id: str
    japanese_text: str
    has_hiragana: bool
    has_romaji: bool


def fill_readings(sentence: SentenceText) -> bool:
    """Compute and store what is missing; False when nothing was missing (so our own update is a no-op)."""
    if sentence.has_hiragana and sentence.has_romaji:
        return False
    reading = read_japanese(sentence.japanese_text)
    content_repository.fill_missing_readings(sentence.sentence_id, reading.hiragana, reading.romaji)
    logger.info("readings filled", extra={"sentence_id": sentence.sentence_id, "engine": reading.engine})
    return True
