"""The speech worker's analysis of one recording: transcript, and a pronunciation assessment when the
learner said what a target sentence says."""

from dataclasses import asdict

from shared.domain.media import MediaClaim, PronunciationResult, RecordingAnalysis
from shared.services.pitch_contour import assess_pitch
from shared.services.pronunciation_scoring import assess_reading
from shared.services.speech import (
    SAMPLE_RATE,
    AudioRejected,
    Transcript,
    forced_alternatives,
    forced_readings,
    load_recording,
    speech_regions,
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
    transcript: accuracy, completeness, fluency, and the target's pitch accent beside the learner's
    (shared.services.pitch_contour, over the same speech: a figure of its own, outside the score)."""
    assessment = assess_reading(
        target_text, transcript.text, transcript.speech, SAMPLE_RATE, forced_readings, forced_alternatives
    )
    # The pitch of the speech the transcript and the score read, timed by the score's alignment of the target: the
    # model's encoding and reading of it are reused, not redone.
    heard = assess_pitch(
        target_text, assessment.pitch, transcript.speech, SAMPLE_RATE, assessment.onsets, speech_regions
    )
    # One (target, heard) pair per target mora, in order: the aligned morae but the extra ones.
    targets: list[str | None] = [*assessment.pitch] or [None] * len(heard.heard)
    pitch = iter(zip(targets, heard.heard, strict=True))
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
            "pitch_agreement": heard.agreement,
            "pitch_words": [
                {"word": w.text, "first_mora": w.first_mora, "mora_count": w.mora_count, "agreement": w.agreement}
                for w in heard.words
            ],
        },
        morae=[
            {**asdict(mora), **(_pitch_fields(next(pitch)) if mora.expected is not None else {})}
            for mora in assessment.moras
        ],
    )


def _pitch_fields(target_and_heard: tuple[str | None, str | None]) -> dict[str, str | None]:
    target, heard = target_and_heard
    return {"pitch": target, "pitch_heard": heard}
