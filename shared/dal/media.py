"""Uploaded recordings and photos with their speech and OCR results.

Records live in the uploader's partition: a record is only ever read with its owner's id in the key,
so one user can never address another's record.
"""

from typing import Any

from pynamodb.attributes import (
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, LocalSecondaryIndex

from shared.dal.base import EnumAttribute, TableMeta, TimestampedModel, new_id
from shared.enums import ProcessingStatus


class RecordsByCreatedIndex(LocalSecondaryIndex[Any]):
    """A user's records newest first (descending Query)."""

    class Meta:
        index_name = "by_created"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class MediaRecordItem(TimestampedModel):
    """What photo and recording records share: owner, status and error. Not a table of its own."""

    user_id = UnicodeAttribute(hash_key=True)
    record_id = UnicodeAttribute(range_key=True, default_for_new=new_id)
    processing_status = EnumAttribute(ProcessingStatus, default=ProcessingStatus.PENDING)
    content_type = UnicodeAttribute(null=True)  # the ticket's: the worker refuses an upload stored as another
    error_message = UnicodeAttribute(null=True)
    processed_at = UTCDateTimeAttribute(null=True)
    job_id = UnicodeAttribute(null=True)


class AudioRecordItem(MediaRecordItem):
    class Meta(TableMeta):
        table_name = "audio_records"

    sentence_id = UnicodeAttribute(null=True)

    file_path = UnicodeAttribute()
    file_size_bytes = NumberAttribute(default=0)
    duration_seconds = NumberAttribute(default=0)
    audio_format = UnicodeAttribute()
    sample_rate = NumberAttribute(null=True)

    transcribed_text = UnicodeAttribute(null=True)
    confidence_score = NumberAttribute(null=True)
    language_detected = UnicodeAttribute(null=True)

    pronunciation_score = NumberAttribute(null=True)
    pronunciation_feedback = JSONAttribute(null=True)
    phoneme_accuracy = JSONAttribute(default=list)

    exercise_type = UnicodeAttribute(null=True)
    target_text = UnicodeAttribute(null=True)

    by_created = RecordsByCreatedIndex()


class ExtractedSentence(MapAttribute[str, Any]):
    text = UnicodeAttribute()
    confidence = NumberAttribute()
    bbox = ListAttribute(of=NumberAttribute)


class OCRRecordItem(MediaRecordItem):
    class Meta(TableMeta):
        table_name = "ocr_records"

    image_path = UnicodeAttribute()
    image_size_bytes = NumberAttribute(default=0)
    image_format = UnicodeAttribute()
    image_width = NumberAttribute(null=True)
    image_height = NumberAttribute(null=True)

    extracted_text = UnicodeAttribute(null=True)
    confidence_score = NumberAttribute(null=True)
    language_detected = UnicodeAttribute(null=True)

    japanese_sentences = ListAttribute(of=ExtractedSentence, default=list)
    furigana = ListAttribute(of=ExtractedSentence, default=list)  # readings set over or beside kanji: text and box
    processed_sentences = ListAttribute[str](of=UnicodeAttribute, default=list)  # type: ignore[arg-type]

    ocr_engine_used = UnicodeAttribute(null=True)
    processing_time_ms = NumberAttribute(null=True)

    source_description = UnicodeAttribute(null=True)
    learning_purpose = UnicodeAttribute(null=True)

    by_created = RecordsByCreatedIndex()
