"""Accuracy and speed of speech to text (shared.services.speech) over the 89 sample sentences, read by Open JTalk.

Each sentence is read at one of several speeds and voices and heard three ways: as synthesised ("clean"), and with
recorded-like room noise (bench/noisy_speech.py: babble of other sentences, pink and brown noise) at 20 and at 10 dB
SNR, the noise running 0.6 s before and 1 s after the speech as a phone records it. Open JTalk (pyopenjtalk-plus)
ships one voice, mei_normal: the second "voice" is mei four semitones lower (`half_tone`), a stand-in for a lower
voice, not another speaker. By default each sentence gets one speed and voice in turn (89 readings, 267
recordings); --all-variants reads every sentence in every one.

For each way of decoding it prints, per condition and without asserting:
- the mean character error rate over shared.services.transcript_text's comparable form (punctuation and spaces
  ignored, numbers in one written form: 7時 = 七時) and how many came back exact;
- the mean pronunciation score (shared.services.pronunciation) that the correct reading gets: homophones written
  with other kanji cost nothing there, misheard sounds do;
- the median real-time factor over the recordings of 3 s and more (the issue's target: at most 0.2);
then the CER by speed and voice, and what the service answers for clips of room noise with no speech in them.

Ways of decoding: "service" (what the speech worker runs: the short encoder window with BEAM_SIZE), and with
--compare also "short window, greedy" (beam 1) and "full window, greedy" (faster-whisper's own 30 s window with
beam 1: the earlier setting).
The clips are synthesised in a child process, so this process holds only the speech stack.
    .venv/bin/python bench/speech_accuracy.py [--compare] [--limit N] [--all-variants]
"""

import argparse
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.noisy_speech import mix, room_noise  # noqa: E402
from bench.speech_speed import RTF_TARGET  # noqa: E402
from shared.services.transcript_text import character_error_rate  # noqa: E402

SENTENCES = REPO_ROOT / "shared" / "content" / "sentences.json"
RATE = 48_000  # Open JTalk's
SPEEDS = (0.85, 1.0, 1.2)
VOICES = {"mei": 0.0, "mei -4 st": -4.0}  # name: half_tone
VARIANTS = [(speed, voice) for voice in VOICES for speed in SPEEDS]
CONDITIONS = {"clean": None, "20 dB": 20.0, "10 dB": 10.0}  # name: SNR
NO_SPEECH_CLIPS = 5  # clips of room noise alone, 3 s each

# Run in a child process: argv[2] is a JSON list of [text, speed, half_tone]; writes <dir>/<i>.npy (float64 samples
# on the int16 scale, 48 kHz).
SYNTHESISE = """
import json, sys, numpy as np, pyopenjtalk
for i, (text, speed, half_tone) in enumerate(json.loads(sys.argv[2])):
    samples, _ = pyopenjtalk.tts(text, speed=speed, half_tone=half_tone)
    np.save(f"{sys.argv[1]}/{i}.npy", samples)
"""


@dataclass(frozen=True)
class Clip:
    text: str
    condition: str  # a key of CONDITIONS
    variant: str  # speed and voice
    data: bytes  # WAV


def wav(samples: np.ndarray, rate: int = RATE) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(np.clip(samples, -32768, 32767).astype(np.int16).tobytes())
    return buffer.getvalue()


def synthesise(directory: Path, texts: list[str], all_variants: bool) -> tuple[list[Clip], list[bytes]]:
    """The clips of every sentence in every condition, and NO_SPEECH_CLIPS clips of room noise alone. The babble
    under each sentence is made of other sentences (seeded)."""
    readings = [
        (text, *variant)
        for index, text in enumerate(texts)
        for variant in (VARIANTS if all_variants else [VARIANTS[index % len(VARIANTS)]])
    ]
    jobs = [[text, speed, VOICES[voice]] for text, speed, voice in readings]
    subprocess.run([sys.executable, "-c", SYNTHESISE, str(directory), json.dumps(jobs)], check=True)
    speech = [np.load(directory / f"{i}.npy") for i in range(len(readings))]
    rng = np.random.default_rng(1)
    clips = []
    for (text, speed, voice), samples in zip(readings, speech, strict=True):
        others = [other for i, other in enumerate(speech) if readings[i][0] != text]
        for condition, snr in CONDITIONS.items():
            noisy = samples if snr is None else mix(samples, others, snr, RATE, rng)[0]
            clips.append(Clip(text, condition, f"{voice}, x{speed:g}", wav(noisy)))
    no_speech = [wav(room_noise(3 * RATE, speech, rng) * 1000) for _ in range(NO_SPEECH_CLIPS)]
    return clips, no_speech


@contextmanager
def greedy() -> Iterator[None]:
    from shared.services import speech

    beam = speech.BEAM_SIZE
    setattr(speech, "BEAM_SIZE", 1)  # noqa: B010 (an experiment: the constant is Final)
    try:
        yield
    finally:
        setattr(speech, "BEAM_SIZE", beam)  # noqa: B010


@contextmanager
def full_window_greedy() -> Iterator[None]:
    from shared.services import speech

    with greedy(), speech._model()._model.full_window():
        yield


def measure(name: str, setting: Callable[[], Any], clips: list[Clip], no_speech: list[bytes]) -> None:
    from shared.services import speech
    from shared.services.pronunciation import assess

    errors: dict[str, list[float]] = defaultdict(list)
    by_variant: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    scores: dict[str, list[float]] = defaultdict(list)
    rtfs: dict[str, list[float]] = defaultdict(list)
    with setting():
        for clip in clips:
            start = time.perf_counter()
            try:
                text = speech.transcribe(clip.data).text
            except speech.AudioRejected:  # nothing heard: every character is missing
                text = ""
            elapsed = time.perf_counter() - start
            error = character_error_rate(clip.text, text)
            errors[clip.condition].append(error)
            by_variant[clip.variant][clip.condition].append(error)
            scores[clip.condition].append(assess(clip.text, text).score if text else 0.0)
            seconds = len(clip.data) / 2 / RATE
            if seconds >= 3:
                rtfs[clip.condition].append(elapsed / seconds)
        answers = []
        for data in no_speech:
            try:
                answers.append(f"heard {speech.transcribe(data).text!r}")
            except speech.AudioRejected as rejected:
                answers.append(str(rejected))
    for condition in CONDITIONS:
        rtf = statistics.median(rtfs[condition]) if rtfs[condition] else float("nan")
        exact = sum(error == 0 for error in errors[condition])
        print(
            f"{name:<22} {condition:>6} {statistics.mean(errors[condition]):8.4f} {exact:4d}/{len(errors[condition])}"
            f" {statistics.mean(scores[condition]):6.1f} {rtf:7.3f} ({len(rtfs[condition])} clips)"
            f"{' over target' if rtf > RTF_TARGET else ''}"
        )
    for variant, conditions in sorted(by_variant.items()):
        cells = "  ".join(f"{c} {statistics.mean(conditions[c]):.4f}" for c in CONDITIONS if conditions[c])
        print(f"{'':<22} CER {variant:<16} {cells}")
    print(f"{'':<22} room noise, no speech: {dict(sorted((a, answers.count(a)) for a in set(answers)))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compare", action="store_true", help="also decode with beam 1, in both windows")
    parser.add_argument("--limit", type=int, help="only the first N sentences (a quick look)")
    parser.add_argument("--all-variants", action="store_true", help="every sentence at every speed and voice")
    args = parser.parse_args()

    from shared.services import speech

    texts = [sentence["japanese_text"] for sentence in json.loads(SENTENCES.read_text(encoding="utf-8"))]
    texts = texts[: args.limit]
    with tempfile.TemporaryDirectory(prefix="kotoba-speech-accuracy-") as scratch:
        clips, no_speech = synthesise(Path(scratch), texts, args.all_variants)
        speech.warm_up()
        speech.transcribe(clips[0].data)
        print(f"{speech.ENGINE}, beam {speech.BEAM_SIZE}; {len(clips)} recordings of {len(texts)} sentences")
        print(f"{'decoding':<22} {'heard':>6} {'mean CER':>8} {'exact':>9} {'score':>6} {'RTF≥3s':>7}")
        measure("service", nullcontext, clips, no_speech)
        if args.compare:
            measure("short window, greedy", greedy, clips, no_speech)
            measure("full window, greedy", full_window_greedy, clips, no_speech)


if __name__ == "__main__":
    main()
