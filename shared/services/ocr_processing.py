"""The OCR worker's analysis of one photo: text, sentences in reading order, new pending sentences."""

from typing import Any, Final
from uuid import UUID, uuid5

from shared.dal import content_repository
from shared.services.media_processing import Analysis
from shared.services.ocr import ENGINE, ImageRejected, TextBox, read_image

REJECTIONS: tuple[type[Exception], ...] = (ImageRejected,)
# Sentence ids are uuid5(this, "<record id>/<index>"): the same for every try of one record, so a retry (the worker
# timed out after writing them) writes the same sentences again instead of adding copies.
PHOTO_SENTENCES: Final = UUID("4f2b5d0e-7c1a-5e8b-9d63-0a6f1c2e3b74")


def sentence_id(record_id: str, index: int) -> str:
    """The id of the `index`-th sentence (in reading order) read from a photo record."""
    return str(uuid5(PHOTO_SENTENCES, f"{record_id}/{index}"))


def _boxed(box: TextBox) -> dict[str, Any]:
    return {"text": box.text, "confidence": round(box.confidence, 4), "bbox": list(box.bbox)}


def analyse_photo(data: bytes, record: dict[str, Any]) -> Analysis:
    result = read_image(data)
    record_id = str(record["record_id"])
    sentences = [(sentence_id(record_id, index), sentence.text) for index, sentence in enumerate(result.sentences)]
    content_repository.save_photo_sentences(sentences, created_by=str(record["user_id"]), source=f"photo {record_id}")
    sentence_ids = [identifier for identifier, _ in sentences]
    fields = {
        "image_size_bytes": len(data),
        "image_format": result.format,
        "image_width": result.width,
        "image_height": result.height,
        "extracted_text": result.text,
        "confidence_score": round(result.confidence, 4),
        "language_detected": result.language,
        "japanese_sentences": [
            {"text": s.text, "confidence": round(s.confidence, 4), "bbox": list(s.bbox)} for s in result.sentences
        ],
        "furigana": [
            {"text": f.text, "confidence": round(f.confidence, 4), "bbox": list(f.bbox)} for f in result.furigana
        ],
        "processed_sentences": sentence_ids,
        "ocr_engine_used": ENGINE,
        "processing_time_ms": result.processing_time_ms,
    }
    summary = {
        "lines": len(result.lines),
        "sentences": len(sentence_ids),
        "furigana": len(result.furigana),
        "vertical": result.vertical,
    }
    return fields, summary
