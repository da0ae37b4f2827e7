"""The OCR worker's analysis of one photo: text, sentences in reading order, new pending sentences."""

from typing import Final
from uuid import UUID, uuid5

from shared.dal import content_repository
from shared.domain.media import MediaClaim, PhotoAnalysis, TextRegion
from shared.services.ocr import ENGINE, ImageRejected, TextBox, read_image

REJECTIONS: tuple[type[Exception], ...] = (ImageRejected,)
# Sentence ids are uuid5(this, "<record id>/<index>"): the same for every try of one record, so a retry (the worker
# timed out after writing them) writes the same sentences again instead of adding copies.
PHOTO_SENTENCES: Final = UUID("4f2b5d0e-7c1a-5e8b-9d63-0a6f1c2e3b74")


def sentence_id(record_id: str, index: int) -> str:
    """The id of the `index`-th sentence (in reading order) read from a photo record."""
    return str(uuid5(PHOTO_SENTENCES, f"{record_id}/{index}"))


def _region(box: TextBox) -> TextRegion:
    return TextRegion(text=box.text, confidence=round(box.confidence, 4), bbox=tuple(box.bbox))


def analyse_photo(data: bytes, claim: MediaClaim) -> PhotoAnalysis:
    result = read_image(data)
    sentences = [(sentence_id(claim.record_id, index), s.text) for index, s in enumerate(result.sentences)]
    content_repository.save_photo_sentences(sentences, created_by=claim.user_id, source=f"photo {claim.record_id}")
    return PhotoAnalysis(
        image_size_bytes=len(data),
        image_format=result.format,
        image_width=result.width,
        image_height=result.height,
        extracted_text=result.text,
        confidence_score=round(result.confidence, 4),
        language_detected=result.language,
        japanese_sentences=[_region(sentence) for sentence in result.sentences],
        furigana=[_region(reading) for reading in result.furigana],
        processed_sentences=[identifier for identifier, _ in sentences],
        ocr_engine_used=ENGINE,
        processing_time_ms=result.processing_time_ms,
        lines=len(result.lines),
        vertical=result.vertical,
    )
