"""Accuracy and speed of speech to text (shared.services.speech) over the 89 sample sentences, read by Open JTalk.

Each sentence is heard twice: as synthesised ("clean"), and with 0.6 s before and 1 s after it and low noise
throughout ("noisy", as a phone records). For each way of decoding it prints, without asserting:
- the mean character error rate (punctuation and spaces ignored) and how many came back exact;
- the mean pronunciation score (shared.services.pronunciation) that the correct reading gets: homophones written
  with other kanji cost nothing there, misheard sounds do;
- the median real-time factor over the recordings of 3 s and more (the issue's target: at most 0.2).

Ways of decoding: "service" (what the speech worker runs: the short encoder window with BEAM_SIZE), and with
--compare also "short window, greedy" (beam 1) and "full window, greedy" (faster-whisper's own 30 s window with
beam 1: the earlier setting).
The clips are synthesised in a child process, so this process holds only the speech stack.
    .venv/bin/python bench/speech_accuracy.py [--compare]
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.speech_speed import RTF_TARGET, character_error_rate  # noqa: E402

SENTENCES = REPO_ROOT / "shared" / "content" / "sentences.json"

# Run in a child process: writes <dir>/clean_<i>.wav and <dir>/noisy_<i>.wav for every sentence (seeded noise).
SYNTHESISE = """
import json, sys, wave, numpy as np, pyopenjtalk
rng = np.random.default_rng(1)
for i, text in enumerate(json.loads(sys.argv[2])):
    clean, rate = pyopenjtalk.tts(text)
    noise = lambda seconds: rng.normal(0, 30, int(seconds * rate))
    noisy = np.concatenate([noise(0.6), clean + rng.normal(0, 30, clean.size), noise(1.0)])
    for kind, samples in (("clean", clean), ("noisy", noisy)):
        with wave.open(f"{sys.argv[1]}/{kind}_{i}.wav", "wb") as out:
            out.setnchannels(1); out.setsampwidth(2); out.setframerate(rate)
            out.writeframes(np.clip(samples, -32768, 32767).astype(np.int16).tobytes())
"""


def synthesise(directory: Path, texts: list[str]) -> list[tuple[str, str, bytes]]:
    """(text, kind, wav bytes) for each sentence and kind."""
    subprocess.run([sys.executable, "-c", SYNTHESISE, str(directory), json.dumps(texts)], check=True)
    return [
        (text, kind, (directory / f"{kind}_{i}.wav").read_bytes())
        for i, text in enumerate(texts)
        for kind in ("clean", "noisy")
    ]


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


def measure(name: str, setting: Callable[[], Any], clips: list[tuple[str, str, bytes]]) -> None:
    from shared.services import speech
    from shared.services.pronunciation import assess

    errors, scores, rtfs, exact = [], [], [], 0
    with setting():
        for text, _kind, data in clips:
            start = time.perf_counter()
            transcript = speech.transcribe(data)
            elapsed = time.perf_counter() - start
            error = character_error_rate(text, transcript.text)
            errors.append(error)
            exact += error == 0
            scores.append(assess(text, transcript.text).score)
            if transcript.duration_seconds >= 3:
                rtfs.append(elapsed / transcript.duration_seconds)
    rtf = statistics.median(rtfs)
    print(
        f"{name:<22} {statistics.mean(errors):8.4f} {exact:4d}/{len(clips)} {statistics.mean(scores):6.1f}"
        f" {rtf:7.3f} ({len(rtfs)} clips){' over target' if rtf > RTF_TARGET else ''}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compare", action="store_true", help="also decode with beam 1, in both windows")
    args = parser.parse_args()

    from shared.services import speech

    texts = [sentence["japanese_text"] for sentence in json.loads(SENTENCES.read_text(encoding="utf-8"))]
    with tempfile.TemporaryDirectory(prefix="kotoba-speech-accuracy-") as scratch:
        clips = synthesise(Path(scratch), texts)
        speech.warm_up()
        speech.transcribe(clips[0][2])
        print(f"{speech.ENGINE}, beam {speech.BEAM_SIZE}; {len(clips)} recordings of {len(texts)} sentences")
        print(f"{'decoding':<22} {'mean CER':>8} {'exact':>9} {'score':>6} {'RTF≥3s':>7}")
        measure("service", nullcontext, clips)
        if args.compare:
            measure("short window, greedy", greedy, clips)
            measure("full window, greedy", full_window_greedy, clips)


if __name__ == "__main__":
    main()
