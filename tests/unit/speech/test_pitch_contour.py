"""The learner's pitch accent from the F0 of a recording (shared.services.pitch_contour).

The tests without the `slow` mark give it tones whose pitch moves at known mora times, with a stand-in for the speech
model's mora onsets; the slow one runs Whisper's alignment on Open JTalk's reading.
"""

import numpy as np
import pytest

from shared.services import pitch_contour
from shared.services import pronunciation_scoring as scoring

SAMPLE_RATE = 16_000
MORA_SECONDS = 0.15
LEAD_SECONDS = 0.2  # silence before the first mora


def voice(levels_hz: list[float | None], seconds: float = MORA_SECONDS) -> np.ndarray:
    """A voice-like tone (a fundamental and its first harmonics) holding each level for one mora after a silent lead;
    None: a mora of noise (unvoiced). The pitch glides over the first 30 ms of each mora, as speech does."""
    per_mora = int(seconds * SAMPLE_RATE)
    contour = np.concatenate([np.full(per_mora, level or 0.0) for level in levels_hz])
    glide = int(0.03 * SAMPLE_RATE)
    for i in range(1, len(levels_hz)):
        a, b = levels_hz[i - 1], levels_hz[i]
        if a and b:
            contour[i * per_mora : i * per_mora + glide] = np.linspace(a, b, glide)
    phase = 2 * np.pi * np.cumsum(contour) / SAMPLE_RATE
    tone = sum(np.sin(k * phase) / k for k in (1, 2, 3, 4))
    noise = np.random.default_rng(0).normal(0, 0.1, contour.size)
    audio = np.where(contour > 0, 0.2 * tone, noise)
    return np.concatenate([np.zeros(int(LEAD_SECONDS * SAMPLE_RATE)), audio, np.zeros(4000)]).astype(np.float32)


def onsets_at_known_times(text: str) -> list[float]:
    """A stand-in for the speech model's alignment: each mora of `text` where the tone puts it."""
    return [LEAD_SECONDS + i * MORA_SECONDS for i in range(len(scoring.target_morae(text)))]


def whole_clip(audio):
    return [(0, audio.size)]


def heard(text: str, target: list[str], audio: np.ndarray):
    return pitch_contour.assess_pitch(text, target, audio, SAMPLE_RATE, onsets_at_known_times(text), whole_clip)


def test_a_rise_after_the_first_mora_then_a_level_is_low_high_high_high():
    # Given 東京 (ト ー キョ ー, heiban: L H H H) said with its pitch rising after the first mora, then level
    audio = voice([180, 260, 265, 255])

    # When its pitch is heard
    result = heard("東京", ["L", "H", "H", "H"], audio)

    # Then the learner's pattern is the target's, mora by mora, and agrees fully
    assert result.heard == ["L", "H", "H", "H"]
    assert result.agreement == 100.0
    assert result.timing == "alignment"
    assert [(w.text, w.first_mora, w.mora_count, w.agreement) for w in result.words] == [("東京", 0, 4, 100.0)]


def test_a_fall_after_the_nucleus_is_high_low_low_and_a_wrong_accent_disagrees():
    # Given 雨が (ア メ ガ, nucleus on the first mora: H L L) said falling after the first mora
    falling = heard("雨が", ["H", "L", "L"], voice([280, 200, 195]))
    # And 雨が said rising instead (飴が, heiban: L H H)
    rising = heard("雨が", ["H", "L", "L"], voice([200, 280, 285]))

    # Then the falling reading agrees with the target, the rising one is heard as L H H and disagrees everywhere
    assert (falling.heard, falling.agreement) == (["H", "L", "L"], 100.0)
    assert (rising.heard, rising.agreement) == (["L", "H", "H"], 0.0)
    assert rising.words[0].text == "雨が" and rising.words[0].agreement == 0.0


def test_a_slow_decline_over_a_high_plateau_stays_high():
    # Given a heiban phrase whose high morae drift down half a semitone at a time (declination): 2.5 in all
    semitones = [-4.0, 3.0, 2.5, 2.0, 1.5, 1.0, 0.5]

    # When the levels are read from the movement, Then the drift keeps them high; a fall as large as a turn would not
    assert pitch_contour.heard_levels(semitones) == ["L", "H", "H", "H", "H", "H", "H"]
    assert pitch_contour.heard_levels([-4.0, 3.0, 2.0, -1.0]) == ["L", "H", "H", "L"]


def test_an_unvoiced_mora_is_unknown_and_left_out_of_the_agreement():
    # Given 東京 whose third mora is breathed (noise), the others voiced L H _ H
    result = heard("東京", ["L", "H", "H", "H"], voice([180, 260, None, 255]))

    # Then that mora is unknown, not guessed, and the agreement counts the three heard
    assert result.heard == ["L", "H", None, "H"]
    assert result.agreement == 100.0


@pytest.mark.parametrize(
    "audio",
    [
        np.random.default_rng(1).normal(0, 0.1, SAMPLE_RATE).astype(np.float32),  # whispered: noise only
        np.zeros(SAMPLE_RATE, dtype=np.float32),  # silence
        np.random.default_rng(2).normal(0, 0.1, 200).astype(np.float32),  # shorter than Praat can analyse
    ],
    ids=["noise", "silence", "too short"],
)
def test_an_unvoiced_clip_gives_unknown_pitch_not_an_error(audio):
    # When a clip with no voiced frame is heard against 東京
    result = heard("東京", ["L", "H", "H", "H"], audio)

    # Then every mora is unknown and there is no agreement figure, for the sentence or its word
    assert result.heard == [None] * 4
    assert result.agreement is None
    assert [w.agreement for w in result.words] == [None]


def test_without_usable_onsets_the_speech_regions_are_cut_evenly():
    # Given the model's alignment gives nothing, and the speech region is the voiced part of the clip
    audio = voice([180, 260, 265, 255])
    start, end = int(LEAD_SECONDS * SAMPLE_RATE), int((LEAD_SECONDS + 4 * MORA_SECONDS) * SAMPLE_RATE)

    # When it is heard
    result = pitch_contour.assess_pitch(
        "東京", ["L", "H", "H", "H"], audio, SAMPLE_RATE, [], lambda audio: [(start, end)]
    )

    # Then the fallback timing is used (and says so), and here it finds the same pattern
    assert result.timing == "speech regions"
    assert result.heard == ["L", "H", "H", "H"]


def test_without_a_target_accent_the_learners_pitch_is_still_given():
    # Given Open JTalk gave no accent for the target (empty), When it is heard, Then no agreement, but the levels
    result = heard("東京", [], voice([180, 260, 265, 255]))
    assert (result.heard, result.agreement, result.words) == (["L", "H", "H", "H"], None, [])


def test_words_carry_their_particles_auxiliaries_and_dependent_verbs():
    assert pitch_contour.word_groups("私は東京に住んでいます。", 15) == [
        ("私は", 0, 4),
        ("東京に", 4, 5),
        ("住んでいます", 9, 6),
    ]
    assert pitch_contour.word_groups("私は東京に住んでいます。", 14) == []  # morae that do not add up


def test_even_spans_lay_the_regions_end_to_end():
    # Given two speech regions of 0.4 s and 0.2 s, When cut into three morae, Then each gets 0.2 s of speech
    spans = pitch_contour.even_spans([(1.0, 1.4), (2.0, 2.2)], 3)
    assert [(round(a, 3), round(b, 3)) for a, b in spans] == [(1.0, 1.2), (1.2, 1.4), (2.0, 2.2)]


# --- with the speech model ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_with_the_model_open_jtalks_own_accent_mostly_agrees():
    from shared.services import speech
    from shared.services.pronunciation_scoring import target_morae, target_pitch
    from tests.unit.speech.samples import synthesise, wav_bytes

    # Given Open JTalk reading 私は東京に住んでいます with its own accent
    text = "私は東京に住んでいます。"
    audio = speech.load_recording(wav_bytes(*synthesise(text))).samples
    target = target_pitch(text, len(target_morae(text)))

    # When its pitch is heard with the model's mora onsets
    onsets = speech.piece_onsets(audio, scoring.spell_target(text, target_morae(text)))
    result = pitch_contour.assess_pitch(text, target, audio, speech.SAMPLE_RATE, onsets, speech.speech_regions)

    # Then the alignment gave the timing and most morae agree (measured: 86.7, on 13 of 15 morae known)
    assert result.timing == "alignment"
    assert result.agreement is not None and result.agreement >= 75


@pytest.mark.slow
def test_the_speech_worker_encodes_a_reading_once_for_its_transcript_score_and_pitch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import UTC, datetime

    from faster_whisper import WhisperModel

    from shared.domain.media import MediaClaim
    from shared.enums import MediaKind
    from shared.services import speech_processing
    from tests.unit.speech.samples import synthesise, wav_bytes

    # Given a learner's reading of its target sentence, with a second of silence before and after it (so the speech
    # heard is not the whole recording), and the encoder underneath the short window counted
    text = "私は東京に住んでいます。"
    samples, rate = synthesise(text)
    quiet = np.zeros(rate, dtype=samples.dtype)
    encoded: list[int] = []
    encode = WhisperModel.encode
    monkeypatch.setattr(WhisperModel, "encode", lambda self, features: encoded.append(1) or encode(self, features))
    claim = MediaClaim(
        kind=MediaKind.SPEECH,
        user_id="u",
        record_id="r",
        job_id="j",
        started_at=datetime.now(UTC),
        attempt=1,
        max_retries=3,
        content_type="audio/wav",
        target_text=text,
    )

    # When the speech worker analyses it
    analysis = speech_processing.analyse_recording(wav_bytes(np.concatenate([quiet, samples, quiet]), rate), claim)

    # Then it has its transcript, score and pitch, and the encoder ran once for all three
    assert analysis.pronunciation is not None and analysis.pronunciation.score >= 90
    assert analysis.pronunciation.feedback["pitch_agreement"] is not None
    assert len(encoded) == 1
