"""Every enum of the feature plan, plus the moderation status that content moderation needs."""

from enum import StrEnum


class JapaneseLevel(StrEnum):
    ABSOLUTE_BEGINNER = "absolute_beginner"
    BEGINNER = "beginner"
    ELEMENTARY = "elementary"
    INTERMEDIATE = "intermediate"
    UPPER_INTERMEDIATE = "upper_intermediate"
    ADVANCED = "advanced"
    NATIVE = "native"


class Difficulty(StrEnum):
    VERY_EASY = "very_easy"
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"
    VERY_HARD = "very_hard"


class JLPTLevel(StrEnum):
    N5 = "n5"
    N4 = "n4"
    N3 = "n3"
    N2 = "n2"
    N1 = "n1"


class MasteryLevel(StrEnum):
    NEW = "new"
    LEARNING = "learning"
    YOUNG = "young"
    MATURE = "mature"
    BURNED = "burned"


class SessionType(StrEnum):
    REVIEW = "review"
    LESSON = "lesson"
    PRACTICE = "practice"
    QUIZ = "quiz"
    FREE_STUDY = "free_study"


class ProcessingStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


class PartOfSpeech(StrEnum):
    NOUN = "noun"
    VERB = "verb"
    ADJECTIVE = "adjective"
    ADVERB = "adverb"
    PARTICLE = "particle"
    CONJUNCTION = "conjunction"
    INTERJECTION = "interjection"
    COUNTER = "counter"


class AchievementCategory(StrEnum):
    STREAK = "streak"
    MASTERY = "mastery"
    MILESTONE = "milestone"
    SPECIAL = "special"


class RequirementType(StrEnum):
    """What an achievement counts; shared/services/achievements.py says where each count comes from."""

    REVIEWS_COMPLETED = "reviews_completed"
    SESSIONS_COMPLETED = "sessions_completed"
    SENTENCES_ADDED = "sentences_added"
    SENTENCES_MASTERED = "sentences_mastered"
    WORDS_MASTERED = "words_mastered"
    STREAK_DAYS = "streak_days"
    STUDY_MINUTES = "study_minutes"
    OCR_UPLOADS = "ocr_uploads"
    SPEECH_UPLOADS = "speech_uploads"


class MediaKind(StrEnum):
    """A learner's upload and its record: a photo read by the OCR worker or a recording heard by the speech worker
    (`uploads/<kind>/…` is its key)."""

    OCR = "ocr"
    SPEECH = "speech"


class JobType(StrEnum):
    OCR_PROCESSING = "ocr_processing"
    STT_PROCESSING = "stt_processing"
    TTS_GENERATION = "tts_generation"
    EMAIL_SEND = "email_send"
    DATA_EXPORT = "data_export"
    ACCOUNT_DELETION = "account_deletion"
    FSRS_FIT = "fsrs_fit"
    BACKLOG_RECOVERY = "backlog_recovery"


class JobStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ModerationStatus(StrEnum):
    """Where a sentence stands: a learner's sentence waits as PENDING until an admin approves or rejects it."""

    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"
    DELETED = "deleted"


class UserRole(StrEnum):
    USER = "user"
    ADMIN = "admin"
