"""Every one of the plan's 12 models: its defaults, refusal of bad values, and a round trip through DynamoDB."""

import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from pynamodb.exceptions import PutError

from shared.dal.content import FEED_SHARDS, SentenceItem, UsageExample, VocabularyWordItem, public_feed, public_feeds
from shared.dal.gamification import AchievementItem, StudyStreakItem, UserAchievementItem
from shared.dal.jobs import BackgroundJobItem
from shared.dal.media import AudioRecordItem, ExtractedSentence, OCRRecordItem
from shared.dal.progress import ProgressItem, SentenceProgressItem, VocabularyProgressItem
from shared.dal.sessions import LearningSessionItem
from shared.dal.users import UserItem
from shared.enums import (
    AchievementCategory,
    Difficulty,
    JapaneseLevel,
    JLPTLevel,
    JobStatus,
    JobType,
    MasteryLevel,
    ModerationStatus,
    PartOfSpeech,
    ProcessingStatus,
    SessionType,
)

pytestmark = pytest.mark.usefixtures("aws")


def new_user(**fields: object) -> UserItem:
    return UserItem(email="aiko@example.com", username="aiko", password_hash="$argon2id$x", **fields)


class TestUser:
    def test_defaults_follow_the_plan(self) -> None:
        # Given a user saved with only the required fields
        user = new_user()
        user.save()

        # When it is read back
        stored = UserItem.get(user.user_id)

        # Then it is an active, unverified beginner with the plan's goals, zero counters, UTC and timestamps
        assert (stored.is_active, stored.is_verified, stored.is_superuser) == (True, False, False)
        assert stored.native_language == "en"
        assert stored.japanese_level == JapaneseLevel.BEGINNER
        assert stored.learning_goals == []
        assert (stored.daily_goal_minutes, stored.max_daily_reviews) == (30, 50)
        assert stored.enable_spaced_repetition is True
        assert (stored.total_study_time_minutes, stored.current_streak_days, stored.longest_streak_days) == (
            0,
            0,
            0,
        )
        assert stored.last_study_date is None
        assert stored.timezone == "UTC"
        assert stored.created_at.tzinfo is not None and stored.updated_at >= stored.created_at

    def test_a_level_outside_the_enum_is_refused_before_writing(self) -> None:
        # Given a user whose Japanese level is not one of the plan's
        user = new_user(japanese_level="fluent-ish")

        # When it is saved, Then the bad level is named and nothing is written
        with pytest.raises(ValueError, match="fluent-ish"):
            user.save()
        assert UserItem.count() == 0

    def test_listing_index_returns_users_newest_first_as_keys(self) -> None:
        # Given three users signed up in turn
        ids = {}
        for name in ("a", "b", "c"):
            user = UserItem(email=f"{name}@example.com", username=name, password_hash="h")
            user.save()
            ids[user.user_id] = name

        # When the sign-up index is queried newest first
        listed = list(UserItem.by_signup.query("user", scan_index_forward=False))

        # Then it lists them newest first, as keys only
        assert [ids[u.user_id] for u in listed] == ["c", "b", "a"]
        assert {u.username for u in listed} == {None}  # keys only: a user's updates never write to the index


class TestSentence:
    def make(self, **fields: object) -> SentenceItem:
        base: dict[str, object] = {
            "japanese_text": "今日は雨です。",
            "english_translation": "It is raining today.",
            "difficulty_level": Difficulty.EASY,
            "jlpt_level": JLPTLevel.N5,
        }
        return SentenceItem(**{**base, **fields})

    def test_defaults_and_round_trip(self) -> None:
        # Given a sentence saved with a grammar point
        sentence = self.make(grammar_points=["は (topic)"])
        sentence.save()

        # When it is read back
        stored = SentenceItem.get(sentence.sentence_id)

        # Then its text and grammar point are kept, lists and counters are empty, and it is active with no author
        assert stored.japanese_text == "今日は雨です。"
        assert stored.grammar_points == ["は (topic)"]
        assert (stored.alternative_translations, stored.vocabulary_tags) == ([], [])
        assert (stored.total_attempts, stored.correct_attempts, stored.average_response_time) == (0, 0, None)
        assert stored.status == ModerationStatus.ACTIVE and stored.is_active is True
        assert (stored.created_by, stored.reviewed_by) == (None, None)

    def test_level_index_key_tracks_level_and_status(self) -> None:
        # When a sentence a user submitted is saved pending review
        pending = self.make(status=ModerationStatus.PENDING, created_by="user-1")
        pending.save()

        # Then its index key is its level and status, it is not active, and the status and author indexes find it
        assert pending.level_status == "n5#pending"
        assert pending.is_active is False
        assert [s.sentence_id for s in SentenceItem.by_status.query(ModerationStatus.PENDING)] == [pending.sentence_id]
        assert [s.sentence_id for s in SentenceItem.by_author.query("user-1")] == [pending.sentence_id]

        # When a sentence without a JLPT level is saved, Then its key says it is unrated
        unrated = self.make(jlpt_level=None)
        unrated.save()
        assert unrated.level_status == "unrated#active"

    def test_change_feed_is_the_authors_until_approved_then_a_public_shard_for_good(self) -> None:
        # Given a learner's sentence in moderation, and one without an author that was never approved
        sentence = self.make(status=ModerationStatus.PENDING, created_by="user-1")
        sentence.save()
        orphan = self.make(status=ModerationStatus.PENDING)
        orphan.save()
        assert (sentence.change_scope, orphan.change_scope) == ("author#user-1", public_feed(orphan.sentence_id))
        assert sentence.change_key == f"{SentenceItem.updated_at.serialize(sentence.updated_at)}#{sentence.sentence_id}"

        # When it is approved, Then it moves to one of the public feed's shards, by its id
        sentence.status = ModerationStatus.ACTIVE
        sentence.save()
        public = sentence.change_scope
        assert public == public_feed(sentence.sentence_id) and public in public_feeds()

        # and it stays there when sent back to moderation or deleted (a change the other phones must see)
        for status in (ModerationStatus.PENDING, ModerationStatus.DELETED):
            before = sentence.change_key
            sentence.status = status
            sentence.save()
            stored = SentenceItem.get(sentence.sentence_id)
            assert stored.change_scope == public and str(stored.change_key) > str(before)
        found = [s.sentence_id for s in SentenceItem.by_change.query(public, SentenceItem.change_key > before)]
        assert found == [sentence.sentence_id]

        # and a sentence approved before the feed existed (a moderator's mark, no feed) joins the public one
        approved_before = self.make(status=ModerationStatus.PENDING, created_by="user-2", reviewed_by="admin-1")
        approved_before.save()
        assert approved_before.change_scope == public_feed(approved_before.sentence_id)

    def test_public_feed_spreads_items_over_every_shard(self) -> None:
        # When the shards of a thousand ids are counted, Then each of them takes about its share of the writes
        shards = Counter(public_feed(str(uuid.UUID(int=n))) for n in range(1000))
        assert set(shards) == set(public_feeds()) and len(shards) == FEED_SHARDS
        assert all(400 <= count <= 600 for count in shards.values())

    @pytest.mark.parametrize(
        ("field", "value"), [("difficulty_level", "impossible"), ("jlpt_level", "n6"), ("status", "maybe")]
    )
    def test_bad_enum_values_are_refused(self, field: str, value: str) -> None:
        # When a sentence with a value outside its field's enum is saved, Then the value is named and nothing is written
        with pytest.raises(ValueError, match=value):
            self.make(**{field: value}).save()
        assert SentenceItem.count() == 0

    def test_missing_required_text_is_refused(self) -> None:
        # When a sentence without Japanese text is saved, Then it is refused
        with pytest.raises((ValueError, PutError)):
            SentenceItem(difficulty_level=Difficulty.EASY, english_translation="x").save()


class TestVocabularyWord:
    def test_round_trip_with_examples_and_level_index(self) -> None:
        # Given a word with a usage example, a level and a frequency rank
        word = VocabularyWordItem(
            kanji="水",
            hiragana="みず",
            romaji="mizu",
            english_meanings=["water"],
            part_of_speech=PartOfSpeech.NOUN,
            usage_examples=[UsageExample(japanese="水をください。", english="Water, please.")],
            jlpt_level=JLPTLevel.N5,
            frequency_rank=12,
            difficulty_level=Difficulty.VERY_EASY,
        )
        word.save()

        # When it is read back
        stored = VocabularyWordItem.get(word.word_id)

        # Then the example is kept, counters are at zero, its lemma is its kanji, and both indexes find it
        assert stored.usage_examples[0].japanese == "水をください。"
        assert (stored.total_encounters, stored.success_rate, stored.is_active) == (0, None, True)
        assert stored.lemma == "水"
        assert [w.word_id for w in VocabularyWordItem.by_lemma.query("水")] == [word.word_id]
        assert [w.level_rank for w in VocabularyWordItem.by_level.query("n5")] == [12]

    def test_a_word_without_any_written_form_is_refused(self) -> None:
        # Given a word with romaji only, neither kanji nor kana
        word = VocabularyWordItem(
            romaji="mizu", english_meanings=["water"], part_of_speech="noun", difficulty_level="easy"
        )

        # When it is saved, Then it is refused, naming the forms it needs
        with pytest.raises(ValueError, match="kanji, hiragana or katakana"):
            word.save()

    def test_unranked_words_list_after_ranked_ones(self) -> None:
        # Given two N4 words, the unranked one saved first
        for rank, kana in ((None, "あ"), (5, "い")):
            VocabularyWordItem(
                hiragana=kana,
                romaji="x",
                english_meanings=["x"],
                part_of_speech="noun",
                difficulty_level="easy",
                jlpt_level="n4",
                frequency_rank=rank,
            ).save()

        # When the level index is queried, Then the ranked word comes first
        assert [w.hiragana for w in VocabularyWordItem.by_level.query("n4")] == ["い", "あ"]

    def test_bad_part_of_speech_is_refused(self) -> None:
        # When a word is saved with a part of speech the enum lacks, Then it is refused, naming it
        with pytest.raises(ValueError, match="pronoun"):
            VocabularyWordItem(
                hiragana="わたし",
                romaji="watashi",
                english_meanings=["I"],
                part_of_speech="pronoun",
                difficulty_level="easy",
            ).save()


class TestProgress:
    """UserProgress and UserVocabularyProgress share one table and one due-order index."""

    def test_defaults_follow_sm2(self) -> None:
        # Given a new sentence card saved with only its keys
        card = SentenceProgressItem(user_id="u1", sentence_id="s1")
        card.save()

        # When it is read back through the shared progress model
        stored = ProgressItem.get("u1", "sentence#s1")

        # Then it comes back as a sentence card with SM-2's starting values, no attempts and a first-seen date
        assert isinstance(stored, SentenceProgressItem)
        assert (stored.easiness_factor, stored.interval_days, stored.repetition_count) == (2.5, 1, 0)
        assert stored.mastery_level == MasteryLevel.NEW
        assert (stored.total_attempts, stored.correct_attempts, stored.consecutive_correct) == (0, 0, 0)
        assert (stored.last_attempt_correct, stored.mastered_date, stored.last_reviewed_date) == (
            None,
            None,
            None,
        )
        assert stored.first_seen_date is not None

    def test_due_index_mixes_both_kinds_in_due_order(self) -> None:
        # Given u1's sentence card due in two days, u1's word card overdue by an hour, and u2's card long overdue
        now = datetime(2026, 11, 24, 9, tzinfo=UTC)
        SentenceProgressItem(user_id="u1", sentence_id="s1", next_review_date=now + timedelta(days=2)).save()
        VocabularyProgressItem(user_id="u1", word_id="w1", next_review_date=now - timedelta(hours=1)).save()
        SentenceProgressItem(user_id="u2", sentence_id="s1", next_review_date=now - timedelta(days=9)).save()

        # When u1's cards due within three days are queried
        due = list(ProgressItem.by_due.query("u1", ProgressItem.next_review_date <= now + timedelta(days=3)))

        # Then both of u1's kinds come back, the earliest due first, and u2's card does not
        assert [(type(c).__name__, c.item_key) for c in due] == [
            ("VocabularyProgressItem", "word#w1"),
            ("SentenceProgressItem", "sentence#s1"),
        ]
        assert due[0].contexts_seen == [] and due[0].recall_score is None

    def test_mastery_index_groups_cards_by_level(self) -> None:
        # Given a mature card and a new one
        SentenceProgressItem(user_id="u1", sentence_id="s1", mastery_level=MasteryLevel.MATURE).save()
        SentenceProgressItem(user_id="u1", sentence_id="s2").save()

        # When the mastery index is queried for mature cards, Then only the mature one is listed
        mature = list(ProgressItem.by_mastery.query("u1", ProgressItem.mastery_key.startswith("mature#")))
        assert [c.item_key for c in mature] == ["sentence#s1"]

    def test_bad_mastery_level_is_refused(self) -> None:
        # When a card is saved with a mastery level the enum lacks, Then it is refused, naming it
        with pytest.raises(ValueError, match="expert"):
            SentenceProgressItem(user_id="u1", sentence_id="s1", mastery_level="expert").save()


class TestLearningSession:
    def test_defaults(self) -> None:
        # Given three review sessions started at 8, 10 and 9 o'clock
        start = datetime(2026, 11, 24, 8, tzinfo=UTC)
        for hours in (0, 2, 1):
            LearningSessionItem(
                user_id="u1", session_type=SessionType.REVIEW, start_time=start + timedelta(hours=hours)
            ).save()

        # When the user's sessions are read back
        sessions = list(LearningSessionItem.query("u1"))

        # Then all three are there, each with zero counts, no end yet and the streak kept
        assert sorted(s.start_time.hour for s in sessions) == [8, 9, 10]
        first = sessions[0]
        assert (first.total_questions, first.correct_answers, first.exp_gained) == (0, 0, 0)
        assert (first.end_time, first.accuracy_percentage, first.duration_minutes) == (None, None, None)
        assert first.sentences_reviewed == [] and first.streak_maintained is True

    def test_bad_session_type_is_refused(self) -> None:
        # When a session is saved with a type the enum lacks, Then it is refused, naming it
        with pytest.raises(ValueError, match="nap"):
            LearningSessionItem(user_id="u1", session_type="nap").save()


class TestMediaRecords:
    def test_audio_record_round_trip(self) -> None:
        # Given a recording saved with its phoneme results and feedback
        record = AudioRecordItem(
            user_id="u1",
            file_path="uploads/speech/u1/r.m4a",
            audio_format="m4a",
            phoneme_accuracy=[{"mora": "きょ", "result": "correct"}],
            pronunciation_feedback={"summary": "good"},
        )
        record.save()

        # When it is read back under its owner
        stored = AudioRecordItem.get("u1", record.record_id)

        # Then it is pending, its nested results are kept as saved, and nothing is transcribed or scored yet
        assert stored.processing_status == ProcessingStatus.PENDING
        assert stored.phoneme_accuracy == [{"mora": "きょ", "result": "correct"}]
        assert stored.pronunciation_feedback == {"summary": "good"}
        assert (stored.transcribed_text, stored.pronunciation_score, stored.processed_at) == (
            None,
            None,
            None,
        )

    def test_ocr_record_round_trip_and_owner_scoped_key(self) -> None:
        # Given u1's photo saved with one extracted sentence
        record = OCRRecordItem(
            user_id="u1",
            image_path="uploads/ocr/u1/r.jpg",
            image_format="jpeg",
            japanese_sentences=[ExtractedSentence(text="こんにちは", confidence=0.97, bbox=[1, 2, 30, 40])],
        )
        record.save()

        # When it is read back under its owner
        stored = OCRRecordItem.get("u1", record.record_id)

        # Then the sentence and its bounding box are kept, it is pending, and another user's partition is empty
        assert stored.japanese_sentences[0].text == "こんにちは"
        assert stored.japanese_sentences[0].bbox == [1, 2, 30, 40]
        assert stored.processed_sentences == [] and stored.processing_status == ProcessingStatus.PENDING
        assert OCRRecordItem.count("u2") == 0  # another user's partition holds nothing of u1's

    def test_bad_processing_status_is_refused(self) -> None:
        # When a record is saved with a processing status the enum lacks, Then it is refused, naming it
        with pytest.raises(ValueError, match="lost"):
            OCRRecordItem(user_id="u1", image_path="p", image_format="png", processing_status="lost").save()


class TestGamification:
    def test_study_streak_defaults_and_date_key(self) -> None:
        # Given two streaks of u1, started on 1 and 20 November
        StudyStreakItem(user_id="u1", start_date=date(2026, 11, 1), daily_goal_minutes=20).save()
        StudyStreakItem(user_id="u1", start_date=date(2026, 11, 20), daily_goal_minutes=30).save()

        # When the latest is queried by its date key
        latest = next(StudyStreakItem.query("u1", scan_index_forward=False, limit=1))

        # Then it is the one started on the 20th, active, open-ended, one day long, with its own goal and an id
        assert latest.start_date == date(2026, 11, 20)
        assert (latest.is_active, latest.end_date, latest.streak_length_days) == (True, None, 1)
        assert latest.daily_goal_minutes == 30 and latest.streak_id

    def test_a_datetime_is_not_a_streak_date(self) -> None:
        # When a streak is saved with a datetime as its start date, Then it is refused: a streak starts on a date
        with pytest.raises(ValueError, match="expected a date"):
            StudyStreakItem(user_id="u1", start_date=datetime.now(UTC), daily_goal_minutes=20).save()

    def test_achievement_catalogue_in_display_order(self) -> None:
        # Given two achievements saved out of their display order
        for order, code in ((2, "streak_7"), (1, "first_review")):
            AchievementItem(
                code=code,
                name=code,
                description="d",
                category=AchievementCategory.MILESTONE,
                requirement_type="reviews_completed",
                requirement_value=1,
                requirement_description="r",
                sort_order=order,
            ).save()

        # When the catalogue is queried, Then it lists them in display order
        assert [a.code for a in AchievementItem.in_order.query("catalog")] == ["first_review", "streak_7"]

    def test_achievement_category_is_checked(self) -> None:
        # When an achievement is saved with a category the enum lacks, Then it is refused, naming it
        with pytest.raises(ValueError, match="legendary"):
            AchievementItem(
                code="x",
                name="x",
                description="d",
                category="legendary",
                requirement_type="t",
                requirement_value=1,
                requirement_description="r",
            ).save()

    def test_user_achievement_defaults(self) -> None:
        # Given a user's achievement saved with only its keys and required progress
        UserAchievementItem(user_id="u1", achievement_id="a1", required_progress=7).save()

        # When it is read back
        stored = UserAchievementItem.get("u1", "a1")

        # Then it has no progress, is not completed or celebrated, and names no date or session
        assert (stored.current_progress, stored.is_completed, stored.celebration_shown) == (0, False, False)
        assert stored.completion_date is None and stored.earned_from_session_id is None


class TestBackgroundJob:
    def test_defaults_and_status_index(self) -> None:
        # Given an OCR job saved for u1 with its input
        job = BackgroundJobItem(job_type=JobType.OCR_PROCESSING, user_id="u1", input_data={"key": "k"})
        job.save()

        # When it is read back
        stored = BackgroundJobItem.get(job.id)

        # Then it is pending with three retries left and its input, and the status and user indexes find it
        assert stored.status == JobStatus.PENDING
        assert (stored.retry_count, stored.max_retries) == (0, 3)
        assert stored.input_data == {"key": "k"} and stored.result_data is None
        assert [j.id for j in BackgroundJobItem.by_status.query(JobStatus.PENDING)] == [job.id]
        assert [j.id for j in BackgroundJobItem.by_user.query("u1")] == [job.id]

    def test_bad_job_type_is_refused(self) -> None:
        # When a job is saved with a type the enum lacks, Then it is refused, naming it
        with pytest.raises(ValueError, match="mining"):
            BackgroundJobItem(job_type="mining").save()
