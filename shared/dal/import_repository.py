"""Bulk, idempotent writes of catalogue content. Ids derive from the content's natural key (uuid5), so that
importing the same file twice updates items instead of duplicating them."""

import uuid

from shared.dal.base import batch_save
from shared.dal.content import SentenceItem, UsageExample, VocabularyWordItem
from shared.dal.gamification import AchievementItem
from shared.enums import ModerationStatus
from shared.schemas.imports import AchievementImport, SentenceImport, VocabularyWordImport

_CONTENT_NAMESPACE = uuid.UUID("6f1c1d52-93a4-4b8e-9a55-3a0f0a3c7e11")


def stable_id(kind: str, natural_key: str) -> str:
    return str(uuid.uuid5(_CONTENT_NAMESPACE, f"{kind}:{natural_key}"))


def import_sentences(sentences: list[SentenceImport]) -> int:
    return batch_save(
        SentenceItem,
        (
            SentenceItem(
                sentence_id=stable_id("sentence", s.japanese_text),
                status=ModerationStatus.ACTIVE,
                **s.model_dump(),
            )
            for s in sentences
        ),
    )


def import_words(words: list[VocabularyWordImport]) -> int:
    return batch_save(
        VocabularyWordItem,
        (
            VocabularyWordItem(
                word_id=stable_id("word", f"{w.kanji}|{w.hiragana}|{w.katakana}"),
                usage_examples=[UsageExample(**e.model_dump()) for e in w.usage_examples],
                **w.model_dump(exclude={"usage_examples"}),
            )
            for w in words
        ),
    )


def import_achievements(achievements: list[AchievementImport]) -> int:
    return batch_save(
        AchievementItem,
        (AchievementItem(achievement_id=stable_id("achievement", a.code), **a.model_dump()) for a in achievements),
    )
