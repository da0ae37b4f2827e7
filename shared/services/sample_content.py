"""The sample catalogue shipped in `shared/content/`: N5/N4 sentences, vocabulary and achievements."""

from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import TypeAdapter

from shared.dal import import_repository
from shared.schemas.imports import AchievementImport, SentenceImport, VocabularyWordImport

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"


@dataclass(frozen=True)
class ImportCounts:
    sentences: int
    words: int
    achievements: int


T = TypeVar("T")


def _read(name: str, model: type[T]) -> list[T]:
    adapter: TypeAdapter[list[T]] = TypeAdapter(list[model])  # type: ignore[valid-type]
    return adapter.validate_json((CONTENT_DIR / name).read_bytes())


def load_sample_content() -> ImportCounts:
    """Validate every file first, then write: a bad file changes nothing."""
    sentences = _read("sentences.json", SentenceImport)
    words = _read("vocabulary.json", VocabularyWordImport)
    achievements = _read("achievements.json", AchievementImport)
    return ImportCounts(
        sentences=import_repository.import_sentences(sentences),
        words=import_repository.import_words(words),
        achievements=import_repository.import_achievements(achievements),
    )
