"""The speech worker's analysis of one recording: transcript, and a pronunciation assessment when the
learner said what a target sentence says."""

from dataclasses import asdict

from shared.domain.media import MediaClaim, PronunciationResult, RecordingAnalysis
from shared.services.pronunciation_scoring import assess_reading
from shared.services.speech import (
    SAMPLE_RATE,
    AudioRejected,
    Transcript,
    forced_alternatives,
    forced_readings,
    load_recording,
    transcribe_audio,
)

REJECTIONS: tuple[type[Exception], ...] = (AudioRejected,)


def analyse_recording(data: bytes, claim: MediaClaim) -> RecordingAnalysis:
    recording = load_recording(data)
    info = recording.info
    transcript = transcribe_audio(recording.samples, practising=bool(claim.target_text))
    return RecordingAnalysis(
        file_size_bytes=info.size_bytes,
        audio_format=info.format,
        duration_seconds=round(info.duration_seconds, 2),
        sample_rate=info.sample_rate,
        transcribed_text=transcript.text,
        confidence_score=round(transcript.confidence, 4),
        language_detected=transcript.language,
        pronunciation=_pronunciation(claim.target_text, transcript) if claim.target_text else None,
    )


def _pronunciation(target_text: str, transcript: Transcript) -> PronunciationResult:
    """Scored against the target from the audio Whisper heard (shared.services.pronunciation_scoring), not against the
    transcript: accuracy, completeness, fluency and the target's pitch accent in the feedback."""
    assessment = assess_reading(
        target_text, transcript.text, transcript.speech, SAMPLE_RATE, forced_readings, forced_alternatives
    )
    pitch = iter(assessment.pitch)
    return PronunciationResult(
        score=assessment.score,
        feedback={
            **assessment.feedback,
            "expected_kana": assessment.expected_kana,
            "heard_kana": assessment.heard_kana,
            "accuracy": assessment.accuracy,
            "completeness": assessment.completeness,
            "fluency": asdict(assessment.fluency),
            "pitch": assessment.pitch,
        },
        morae=[
            {**asdict(mora), **({"pitch": next(pitch, None)} if mora.expected is not None else {})}
            for mora in assessment.moras
        ],
    )
