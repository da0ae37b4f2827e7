"""The speech worker's analysis of one recording: transcript, and a pronunciation assessment when the
learner said what a target sentence says."""

from dataclasses import asdict

from shared.domain.media import MediaClaim, PronunciationResult, RecordingAnalysis
from shared.services.pronunciation import assess
from shared.services.speech import AudioRejected, probe_audio, transcribe

REJECTIONS: tuple[type[Exception], ...] = (AudioRejected,)


def analyse_recording(data: bytes, claim: MediaClaim) -> RecordingAnalysis:
    info = probe_audio(data)
    transcript = transcribe(data)
    return RecordingAnalysis(
        file_size_bytes=info.size_bytes,
        audio_format=info.format,
        duration_seconds=round(info.duration_seconds, 2),
        sample_rate=info.sample_rate,
        transcribed_text=transcript.text,
        confidence_score=round(transcript.confidence, 4),
        language_detected=transcript.language,
        pronunciation=_pronunciation(claim.target_text, transcript.text) if claim.target_text else None,
    )


def _pronunciation(target_text: str, transcript_text: str) -> PronunciationResult:
    assessment = assess(target_text, transcript_text)
    return PronunciationResult(
        score=round(assessment.score, 1),
        feedback={
            **assessment.feedback,
            "expected_kana": assessment.expected_kana,
            "heard_kana": assessment.heard_kana,
        },
        morae=[asdict(mora) for mora in assessment.moras],
    )
