"""The shorter encoder window (shared.services.short_window_whisper) and the full-window retry of a repetitive
result (shared.services.speech). The real model's accuracy with the short window is in test_transcription.py."""

from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

import numpy as np
import pytest

from shared.services import speech
from shared.services.short_window_whisper import trimmed_window

PADDING = 400  # frames: 4 s


def features(sound_frames: int, total: int = 3000) -> np.ndarray:
    """Log-Mel features as faster-whisper hands them to the encoder: sound, then zero padding to `total` frames."""
    values = np.zeros((80, total), dtype=np.float32)
    values[:, :sound_frames] = np.random.default_rng(0).uniform(-1, 1, (80, sound_frames))
    return values


def test_a_short_recording_is_encoded_with_its_sound_and_four_seconds_of_padding() -> None:
    window = trimmed_window(features(350), PADDING)

    assert window.shape == (80, 750)
    np.testing.assert_array_equal(window, features(350)[:, :750])


def test_the_window_keeps_an_even_number_of_frames() -> None:
    assert trimmed_window(features(351), PADDING).shape[-1] == 752


def test_a_batched_window_is_trimmed_the_same_way() -> None:
    assert trimmed_window(features(350)[None], PADDING).shape == (1, 80, 750)


@pytest.mark.parametrize("sound_frames", [2700, 3000])
def test_a_recording_near_the_full_window_keeps_it(sound_frames: int) -> None:
    assert trimmed_window(features(sound_frames), PADDING).shape == (80, 3000)


def test_silence_only_keeps_just_the_padding() -> None:
    assert trimmed_window(features(0), PADDING).shape == (80, 400)


class FakeModel:
    """Stands in for ShortWindowWhisperModel: answers `short` in the short window and `full` in the full one."""

    def __init__(self, short: list[SimpleNamespace], full: list[SimpleNamespace]) -> None:
        self.answers = {"short": short, "full": full}
        self.window = "short"
        self.windows_used: list[str] = []
        self.beams_used: list[object] = []

    @contextmanager
    def full_window(self) -> Iterator[None]:
        self.window = "full"
        try:
            yield
        finally:
            self.window = "short"

    def transcribe(self, audio: np.ndarray, **options: object) -> tuple[Iterator[SimpleNamespace], SimpleNamespace]:
        self.windows_used.append(self.window)
        self.beams_used.append(options["beam_size"])
        return iter(self.answers[self.window]), SimpleNamespace(language="ja", language_probability=1.0)


def segment(text: str, compression_ratio: float) -> SimpleNamespace:
    return SimpleNamespace(
        text=text, avg_logprob=-0.2, tokens=[1] * len(text), compression_ratio=compression_ratio, no_speech_prob=0.01
    )


def test_a_repetitive_result_in_the_short_window_is_decoded_again_in_the_full_window() -> None:
    # Given a short window that loops on a phrase (zlib shrinks it 4 times) and a full window that does not
    model = FakeModel(short=[segment("ください" * 12, 4.0)], full=[segment("りんごを一つください。", 1.1)])

    recognition = speech._Whisper(model).recognise(np.zeros(16_000, dtype=np.float32), "ja")

    # Then the full window's reading is the answer, and the model is back in the short window afterwards
    assert [s.text for s in recognition.segments] == ["りんごを一つください。"]
    assert model.windows_used == ["short", "full"]
    assert model.window == "short"


def test_an_ordinary_result_is_decoded_once() -> None:
    model = FakeModel(short=[segment("りんごを一つください。", 1.1)], full=[])

    recognition = speech._Whisper(model).recognise(np.zeros(16_000, dtype=np.float32), "ja")

    assert [s.text for s in recognition.segments] == ["りんごを一つください。"]
    assert model.windows_used == ["short"]


def test_the_same_window_is_encoded_once_for_the_transcript_and_the_score(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the short-window model (not loaded: the encoder underneath is counted instead)
    from faster_whisper import WhisperModel

    from shared.services.short_window_whisper import ShortWindowWhisperModel

    encoded: list[int] = []
    monkeypatch.setattr(WhisperModel, "encode", lambda self, window: encoded.append(window.shape[-1]) or len(encoded))
    model = ShortWindowWhisperModel.__new__(ShortWindowWhisperModel)
    model._short_window, model._last_encoding = True, None

    # When the transcript and then the scoring encode one recording, and then another recording comes
    first = [model.encode(features(350)), model.encode(features(350))]
    second = model.encode(features(360))

    # Then the encoder ran once for the first recording (both got its output) and again for the second
    assert first == [1, 1] and second == 2
    assert encoded == [750, 760]
    # and the full window is a different input, encoded afresh
    with model.full_window():
        assert model.encode(features(360)) == 3


def test_a_reading_of_a_given_sentence_is_decoded_greedily_and_free_speech_with_the_beam(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a model whose every window reads one sentence, and a recording that is speech throughout
    model = FakeModel(short=[segment("りんごを一つください。", 1.1)], full=[])
    monkeypatch.setattr(speech, "_model", lambda: speech._Whisper(model))
    monkeypatch.setattr(speech, "speech_regions", lambda audio: [(0, audio.size)])
    audio = np.full(32_000, 0.1, dtype=np.float32)

    # When it is transcribed as a pronunciation exercise, then freely
    practised = speech.transcribe_audio(audio, practising=True)
    free = speech.transcribe_audio(audio)

    # Then the exercise is decoded greedily (its score comes from the audio), free speech with the beam; both give
    # the speech they read for the scoring to reuse
    assert model.beams_used == [speech.PRACTISING_BEAM_SIZE, speech.BEAM_SIZE] == [1, 5]
    assert practised.text == free.text == "りんごを一つください。"
    np.testing.assert_array_equal(practised.speech, audio)
