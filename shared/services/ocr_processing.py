"""The OCR worker's analysis of one photo: text, sentences in reading order, new pending sentences."""

from typing import Any

from shared.dal import content_repository
from shared.services.media_processing import Analysis
from shared.services.ocr import ENGINE, ImageRejected, read_image

REJECTIONS: tuple[type[Exception], ...] = (ImageRejected,)


def analyse_photo(data: bytes, record: dict[str, Any]) -> Analysis:
    result = read_image(data)
    sentence_ids = content_repository.create_pending_sentences(
        [sentence.text for sentence in result.sentences],
        created_by=str(record["user_id"]),
        source=f"photo {record['record_id']}",
    )
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
        "processed_sentences": sentence_ids,
        "ocr_engine_used": ENGINE,
        "processing_time_ms": result.processing_time_ms,
    }
    summary = {"lines": len(result.lines), "sentences": len(sentence_ids), "vertical": result.vertical}
    return fields, summary
