"""Speech to text with the real model (faster-whisper, Whisper base int8 on the CPU) on Japanese speech synthesised
offline by Open JTalk, and pronunciation scores of those recordings. The model loads once per process (about 1-2 s).

Error bounds, from measurements on this kind of 2-core machine (beam 5 in the short encoder window, temperature 0;
greedy decoding in the full 30 s window read these three the same):
- SHORT (1.9 s) came back exact as WAV, MP3 and M4A; MEDIUM (4.7 s) exact as WAV, Ogg, WebM, FLAC and AAC.
- LONG (9.1 s) came back as 私は毎朝7時に起きて、駅まで歩いていきます。電車の中では日本語の本の読んだり、…:
  3 of 46 characters differ (CER 0.065), two of them spelling only (7/七, い/行), one heard wrongly (の for を); 7/七
  no longer counts (shared.services.transcript_text);
  over pronunciation kana 1 of 58 (0.017). The bounds below allow about one more slip (int8 kernels differ a
  little between CPUs): CER 0.10 and kana error rate 0.05.
Most remaining errors are homophones written with other kanji (熱い for 暑い, 読んで for 呼んで), which pronunciation
scoring does not count. Over the 89 sample sentences, clean and with noise around them, the mean CER is 0.139 (the
full window with greedy decoding: 0.143): shared/services/speech.py.
"""

import numpy as np
import pytest

from bench.noisy_speech import room_noise
from shared.services import speech
from shared.services.pronunciation import assess
from shared.services.speech import AudioRejected
from tests.unit.speech.samples import (
    BABBLE,
    LONG,
    MEDIUM,
    SHORT,
    character_error_rate,
    encoded,
    kana_error_rate,
    synthesise,
    wav_bytes,
)

pytestmark = pytest.mark.slow


def recording(text: str, kind: str = "wav") -> tuple[bytes, float]:
    samples, rate = synthesise(text)
    data = wav_bytes(samples, rate) if kind == "wav" else encoded(samples, rate, kind, streamed=kind == "webm")
    return data, len(samples) / rate


# On some CPUs (an AMD EPYC's int8 kernels, seen 2026-12-03) the short encoder window cuts this MP3 to 今日はいい天気
# (the full window reads it whole); a full-window reread of unsure readings measured worse over the 178 sample
# recordings, so the case is a known gap (issue #14), reported as xfail there and xpass elsewhere.
MP3_CUT_SHORT_ON_SOME_CPUS = pytest.mark.xfail(strict=False, reason="CPU-dependent int8 decode; issue #14")


@pytest.mark.parametrize("kind", ["wav", pytest.param("mp3", marks=MP3_CUT_SHORT_ON_SOME_CPUS), "m4a"])
def test_a_short_sentence_comes_back_exact(kind):
    # Given about two seconds of Japanese speech
    data, seconds = recording(SHORT, kind)

    # When it is transcribed
    transcript = speech.transcribe(data)

    # Then the text is exact, in Japanese, with a confidence and the recording's length
    assert character_error_rate(SHORT, transcript.text) == 0.0, transcript.text
    assert (transcript.language, transcript.language_probability) == ("ja", 1.0)
    assert 0.4 < transcript.confidence <= 1.0
    assert transcript.duration_seconds == pytest.approx(seconds, abs=0.1)
    assert transcript.processing_time_ms > 0


@pytest.mark.parametrize("kind", ["ogg", "webm", "flac"])
def test_a_browser_or_phone_format_is_transcribed(kind):
    data, seconds = recording(MEDIUM, kind)  # the WebM is streamed: its header has no length

    transcript = speech.transcribe(data)

    assert character_error_rate(MEDIUM, transcript.text) == 0.0, transcript.text
    assert transcript.duration_seconds == pytest.approx(seconds, abs=0.1)


def test_a_longer_passage_stays_within_the_measured_error():
    data, seconds = recording(LONG)

    transcript = speech.transcribe(data)

    assert character_error_rate(LONG, transcript.text) <= 0.10, transcript.text
    assert kana_error_rate(LONG, transcript.text) <= 0.05, transcript.text
    assert 0.4 < transcript.confidence <= 1.0
    assert transcript.duration_seconds == pytest.approx(seconds, abs=0.1)


def test_the_language_is_detected_when_not_given():
    transcript = speech.transcribe(recording(SHORT)[0], language=None)

    assert transcript.language == "ja"
    assert 0.9 < transcript.language_probability <= 1.0  # 0.997 measured


def test_a_recording_of_digital_silence_is_refused_as_silent():
    with pytest.raises(AudioRejected, match=r"^the recording is silent$"):
        speech.transcribe(wav_bytes(np.zeros(3 * 16_000), 16_000))


def room_without_speech(seconds: float = 3.0, seed: int = 3) -> bytes:
    """Room noise (babble of four other sentences far off, pink and brown noise) at -30 dBFS: nobody speaking to
    the phone."""
    others = [synthesise(text)[0].astype(np.float64) for text in (SHORT, MEDIUM, LONG, BABBLE)]
    rate = synthesise(SHORT)[1]
    return wav_bytes(room_noise(round(seconds * rate), others, np.random.default_rng(seed)) * 1000, rate)


@pytest.mark.parametrize("kind", ["hiss", "room"])
def test_a_recording_of_noise_without_speech_is_refused_as_no_speech_heard(kind):
    # Given three seconds of sound with nobody speaking: white hiss, or the noise of a room
    if kind == "hiss":
        data = wav_bytes(np.random.default_rng(0).normal(0, 1000, 3 * 16_000), 16_000)
    else:
        data = room_without_speech()

    # When it is transcribed, Then the learner hears that no speech was heard (not that the recording is silent)
    with pytest.raises(AudioRejected, match=r"^no speech was heard$"):
        speech.transcribe(data)


def test_a_wav_cut_short_is_transcribed_as_far_as_it_goes():
    # Given the first half of the 9 s passage (the header still declares all of it)
    data, seconds = recording(LONG)
    half = data[: 44 + (len(data) - 44) // 2]

    # When it is transcribed, Then the first sentence is heard and the length is what arrived
    transcript = speech.transcribe(half)

    assert transcript.text.startswith("私は毎朝")
    assert transcript.duration_seconds == pytest.approx(seconds / 2, abs=0.05)


@pytest.mark.parametrize(
    ("target", "other_reading", "gap"),
    [
        # a different sentence sharing its start: measured 100 against 60
        pytest.param("今日は雨です。", "今日は飴を買います。", 30, id="different sentence"),
        # two words changed (あなた→私, ください→たいです) in 26 morae: measured 100 against 71.4
        pytest.param(MEDIUM, "この本はとても面白いので、私も読んでみたいです。", 20, id="two words changed"),
    ],
)
def test_reading_the_target_scores_clearly_above_reading_something_else(target, other_reading, gap):
    # Given recordings of the target and of another reading
    right = assess(target, speech.transcribe(recording(target)[0]).text)
    wrong = assess(target, speech.transcribe(recording(other_reading)[0]).text)

    # Then the right reading scores high and the other one at least `gap` points lower
    assert right.score >= 90, right
    assert right.score - wrong.score >= gap, wrong
    assert wrong.feedback["substituted"] + wrong.feedback["missing"] + wrong.feedback["extra"] > 0
