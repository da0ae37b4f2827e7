"""What `probe_audio` and `transcribe` accept before the model sees anything: the formats the app uploads, and every
kind of upload that is refused with a message for the learner. No model is loaded here (PyAV only)."""

import io
import struct
import zlib

import av
import numpy as np
import pytest

from shared.services import speech
from shared.services.speech import MAX_AUDIO_BYTES, MAX_AUDIO_SECONDS, AudioInfo, AudioRejected, probe_audio
from tests.unit.speech.samples import ENCODINGS, encoded, wav_bytes


def tone(seconds: float, rate: int) -> np.ndarray:
    return (np.sin(np.arange(int(seconds * rate)) * 2 * np.pi * 440 / rate) * 8000).astype(np.int16)


def png_bytes() -> bytes:
    """A valid 1x1 PNG."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\0\0\0\0")  # filter byte, then one black pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def video_only_mp4() -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=5)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height, stream.pix_fmt = 16, 16, "yuv420p"
        frame = av.VideoFrame.from_ndarray(np.zeros((16, 16, 3), np.uint8), format="rgb24")
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    return buffer.getvalue()


def test_probe_reads_a_wav_header():
    # Given two seconds of 16-bit mono WAV at 16 kHz
    data = wav_bytes(tone(2.0, 16_000), 16_000)

    # When it is probed
    info = probe_audio(data)

    # Then format, length, rate and size come from the header
    assert info == AudioInfo(format="wav", duration_seconds=2.0, sample_rate=16_000, size_bytes=len(data))


@pytest.mark.parametrize("kind", list(ENCODINGS))
def test_probe_names_each_upload_format_briefly(kind):
    # Given two seconds encoded as the app's recorders may upload them (mp4's "mov,mp4,m4a,3gp,3g2,mj2" included)
    rate = 48_000 if kind in ("ogg", "webm") else 44_100
    data = encoded(tone(2.0, rate), rate, kind)

    # When probed
    info = probe_audio(data)

    # Then the format has its short name; the length is the container's, give or take the codec's padding
    assert (info.format, info.sample_rate, info.size_bytes) == (kind, rate, len(data))
    assert info.duration_seconds == pytest.approx(2.0, abs=0.1)


def test_probe_counts_the_length_of_a_streamed_webm_that_declares_none():
    # Given WebM written as a browser's MediaRecorder writes it: no length in the header
    data = encoded(tone(3.0, 48_000), 48_000, "webm", streamed=True)
    with av.open(io.BytesIO(data), "r") as container:
        assert container.duration is None

    # When probed, Then the length is counted by decoding
    assert probe_audio(data).duration_seconds == pytest.approx(3.0, abs=0.05)


def test_a_streamed_webm_over_the_limit_is_refused_while_counting():
    data = encoded(np.zeros(int((MAX_AUDIO_SECONDS + 1) * 8000), np.int16), 8000, "webm", streamed=True)

    with pytest.raises(AudioRejected, match="longer than 60 s"):
        probe_audio(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "the recording is empty", id="empty"),
        pytest.param(np.random.default_rng(7).bytes(50_000), "not an audio file", id="random bytes"),
        pytest.param(png_bytes(), "not an audio file", id="png"),
        pytest.param("こんにちは".encode() * 100, "not an audio file", id="text"),
        pytest.param(wav_bytes(tone(2.0, 16_000), 16_000)[:30], "not an audio file", id="wav cut inside its header"),
        pytest.param(wav_bytes(np.zeros(0), 16_000), "the recording is empty", id="wav with no samples"),
        pytest.param(video_only_mp4(), "the file contains no audio", id="video without sound"),
        pytest.param(b"\0" * (MAX_AUDIO_BYTES + 1), "larger than 10 MB", id="over 10 MB"),
        pytest.param(wav_bytes(np.zeros(int((MAX_AUDIO_SECONDS + 1) * 8000)), 8000), "longer than 60 s", id="61 s"),
    ],
)
def test_unusable_uploads_are_refused_with_a_message_for_the_learner(data, message):
    with pytest.raises(AudioRejected, match=message):
        probe_audio(data)
    with pytest.raises(AudioRejected, match=message):
        speech.transcribe(data)


def test_exactly_sixty_seconds_is_accepted():
    assert probe_audio(wav_bytes(np.zeros(int(MAX_AUDIO_SECONDS * 8000)), 8000)).duration_seconds == MAX_AUDIO_SECONDS


def test_a_wav_cut_short_in_its_samples_is_probed_at_the_length_it_has():
    # Given a 4 s WAV of which only the first half arrived (its header still says 4 s)
    data = wav_bytes(tone(4.0, 16_000), 16_000)
    half = data[: 44 + (len(data) - 44) // 2]

    # Then FFmpeg measures what is there, and transcription would use that (see test_transcription)
    assert probe_audio(half).duration_seconds == pytest.approx(2.0, abs=0.01)


def test_a_header_that_understates_the_length_cannot_make_transcribe_decode_past_the_limit(monkeypatch):
    # Given a container whose header claims 5 s, while it holds 90 s
    monkeypatch.setattr(speech, "_declared_duration", lambda container, stream: 5.0)

    def no_model():
        raise AssertionError("the model must not be needed")

    monkeypatch.setattr(speech, "_model", no_model)
    data = wav_bytes(np.zeros(90 * 8000), 8000)
    assert probe_audio(data).duration_seconds == 5.0

    # When it is transcribed, Then decoding stops at the limit (plus a second of slack for codec padding)
    with pytest.raises(AudioRejected, match="longer than 60 s"):
        speech.transcribe(data)


class FakeWhisper:
    """Stands in for the model: the tests here are about what reaches it."""

    def recognise(self, audio, language, beam_size=speech.BEAM_SIZE):
        return speech._Recognition([speech._Segment("テスト", -0.1, 3, 1.0, 0.01)], language or "ja", 1.0)


@pytest.mark.parametrize("kind", ["wav", *ENCODINGS])
def test_damaged_uploads_are_transcribed_or_refused_never_an_unexpected_error(kind, monkeypatch):
    # Given a recording cut short, with bytes overwritten, or with noise after its first bytes (seeded: repeatable).
    # These found FFmpeg errors other than InvalidDataError (EPERM from the AAC decoder, EINVAL from the resampler),
    # a stream changing format midway and a stream without a decoder.
    monkeypatch.setattr(speech, "_model", FakeWhisper)
    monkeypatch.setattr(speech, "speech_regions", lambda audio: [(0, audio.size)])  # a tone is no speech to the VAD
    rng = np.random.default_rng(2024)
    good = wav_bytes(tone(2.0, 48_000), 48_000) if kind == "wav" else encoded(tone(2.0, 48_000), 48_000, kind)
    for trial in range(60):
        damaged = bytearray(good)
        if trial % 3 == 0:
            damaged = damaged[: rng.integers(1, len(good))]
        elif trial % 3 == 1:
            for position in rng.integers(0, len(good), rng.integers(1, 20)):
                damaged[position] = rng.integers(0, 256)
        else:
            damaged = damaged[: rng.integers(0, 200)] + rng.bytes(int(rng.integers(0, 5000)))

        # When it is transcribed, Then it is, or it is refused with a message
        try:
            transcript = speech.transcribe(bytes(damaged))
        except AudioRejected:
            continue
        assert 0 < transcript.duration_seconds <= MAX_AUDIO_SECONDS + 1


def test_a_rejection_is_a_value_error_for_callers_that_only_know_that():
    assert issubclass(AudioRejected, ValueError)


class NoisyWhisper:
    """Answers one segment with the given signs (text, avg_logprob, compression ratio, no_speech_prob)."""

    def __init__(self, text: str, avg_logprob: float, compression_ratio: float, no_speech_prob: float) -> None:
        self.segment = speech._Segment(text, avg_logprob, len(text), compression_ratio, no_speech_prob)

    def recognise(self, audio, language, beam_size=speech.BEAM_SIZE):
        return speech._Recognition([self.segment], "ja", 1.0)


@pytest.mark.parametrize(
    ("segment", "heard"),
    [
        pytest.param(("りんごを一つください。", -0.3, 1.1, 0.2), "りんごを一つください。", id="speech in noise"),
        pytest.param(("私も今 " * 10, -0.08, 18.7, 0.43), None, id="repetitive"),
        pytest.param(("あああああ", -1.24, 1.07, 0.41), None, id="unsure"),
        pytest.param(("ご視聴ありがとうございました", -0.5, 1.2, 0.81), None, id="no speech likely"),
    ],
)
def test_what_whisper_hears_in_noise_is_not_passed_on_as_speech(segment, heard, monkeypatch):
    # Given a recording with sound the VAD took for speech, and a model answering with these signs (measured on
    # speech at 10 dB SNR and on babble alone)
    monkeypatch.setattr(speech, "_model", lambda: NoisyWhisper(*segment))
    monkeypatch.setattr(speech, "speech_regions", lambda audio: [(0, audio.size)])
    data = wav_bytes(tone(2.0, 16_000), 16_000)

    # When it is transcribed, Then speech comes back as text, and the rest as "no speech was heard"
    if heard is None:
        with pytest.raises(AudioRejected, match=r"^no speech was heard$"):
            speech.transcribe(data)
    else:
        assert speech.transcribe(data).text == heard


@pytest.mark.parametrize(
    ("segment", "heard"),
    [
        pytest.param(("テンシャデトーキョーエイキマス", -1.3, 1.1, 0.3), "テンシャデトーキョーエイキマス", id="unsure"),
        pytest.param(
            ("ご視聴ありがとうございました", -0.5, 1.2, 0.81), "ご視聴ありがとうございました", id="no speech likely"
        ),
        pytest.param(("ご視聴ありがとうございました", -1.2, 1.2, 0.81), None, id="unsure and no speech likely"),
        pytest.param(("あねがひとり" + "とう" * 30, -0.26, 15.7, 0.02), "あねがひとりとう", id="a loop"),
    ],
)
def test_a_learner_reading_a_sentence_is_not_refused_for_sounding_unusual(segment, heard, monkeypatch):
    # Given a learner's reading of a given sentence that the model was unsure of (a mispronunciation sounds so to it)
    monkeypatch.setattr(speech, "_model", lambda: NoisyWhisper(*segment))
    monkeypatch.setattr(speech, "speech_regions", lambda audio: [(0, audio.size)])
    data = wav_bytes(tone(2.0, 16_000), 16_000)

    # When it is transcribed for a pronunciation exercise, Then only Whisper's own no-speech rule (both signs) refuses
    # it, and a loop is cut to its first turn: the scoring against the sentence judges the rest
    if heard is None:
        with pytest.raises(AudioRejected, match=r"^no speech was heard$"):
            speech.transcribe(data, practising=True)
    else:
        assert speech.transcribe(data, practising=True).text == heard


def test_sound_without_speech_regions_is_refused_before_the_model_runs(monkeypatch):
    # Given a recording in which the VAD finds no speech (a steady tone)
    monkeypatch.setattr(speech, "_model", lambda: FakeWhisper())
    monkeypatch.setattr(FakeWhisper, "recognise", lambda *_: pytest.fail("the model ran"))

    # When it is transcribed, Then it is refused as no speech heard, without decoding
    with pytest.raises(AudioRejected, match=r"^no speech was heard$"):
        speech.transcribe(wav_bytes(tone(2.0, 16_000), 16_000))
