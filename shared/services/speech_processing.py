"""The speech worker's analysis of one recording: transcript, and a pronunciation assessment when the
learner said what a target sentence says."""

from dataclasses import asdict
from typing import Any

from shared.services.media_processing import Analysis
from shared.services.pronunciation_scoring import assess_reading
from shared.services.speech import (
    SAMPLE_RATE,
    AudioRejected,
    forced_alternatives,
    forced_log_probabilities,
    load_audio,
    probe_audio,
    transcribe,
)

REJECTIONS: tuple[type[Exception], ...] = (AudioRejected,)


def analyse_recording(data: bytes, record: dict[str, Any]) -> Analysis:
    info = probe_audio(data)
    transcript = transcribe(data)
    fields: dict[str, Any] = {
        "file_size_bytes": info.size_bytes,
        "audio_format": info.format,
        "duration_seconds": round(info.duration_seconds, 2),
        "sample_rate": info.sample_rate,
        "transcribed_text": transcript.text,
        "confidence_score": round(transcript.confidence, 4),
        "language_detected": transcript.language,
    }
    summary: dict[str, Any] = {"duration_seconds": fields["duration_seconds"], "characters": len(transcript.text)}
    target = record.get("target_text")
    if target:
        assessment = assess_reading(
            str(target), transcript.text, load_audio(data), SAMPLE_RATE, forced_log_probabilities, forced_alternatives
        )
        fields["pronunciation_score"] = assessment.score
        fields["pronunciation_feedback"] = {
            **assessment.feedback,
            "expected_kana": assessment.expected_kana,
            "heard_kana": assessment.heard_kana,
            "accuracy": assessment.accuracy,
            "completeness": assessment.completeness,
            "fluency": asdict(assessment.fluency),
            "pitch": assessment.pitch,
        }
        pitch = iter(assessment.pitch)
        fields["phoneme_accuracy"] = [
            {**asdict(mora), **({"pitch": next(pitch, None)} if mora.expected is not None else {})}
            for mora in assessment.moras
        ]
        summary["pronunciation_score"] = fields["pronunciation_score"]
    return fields, summary
