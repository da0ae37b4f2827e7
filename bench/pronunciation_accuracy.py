"""Pronunciation scores (shared.services.pronunciation_scoring) on correct and wrong readings of the sample sentences.

Every sentence is read by Open JTalk as written (a correct reading). Then, from its pronunciation kana, readings with
one mistake a learner makes are made and read by Open JTalk from the kana, each beside its correct twin (the
unedited kana, read the same way):
- geminate: a small ッ dropped (がっこう → がこう);
- long vowel: a long vowel shortened (せんせー → せんせ);
- voicing: a voiced mora un-voiced (が → か, ざ → さ, ど → と, ば → は);
- wrong mora: one mora's vowel swapped for another (か → こ).
The mora edited is chosen with a seeded generator. Each wrong reading is scored against the CORRECT target (the
sentence). Printed, without asserting:
- correct readings: mean overall score and accuracy, and the share with no mora marked wrong (issue #14: mean >= 95,
  >= 95 % with no false mora error); the old transcript-vs-target score beside it;
- per kind of mistake: pairs, the share where the wrong reading scores below its twin (>= 90 %) and below the
  sentence's correct reading as written ("<as read"), the share where the edited mora (or a neighbour) is the one
  marked wrong, the mean scores, and the share of twins (correct readings too) with no mora marked wrong;
- the cost: teacher-forced scoring's median time and its real-time factor beside transcription's.
Each figure is printed for the development split (the first DEVELOPMENT_SENTENCES sentences, on which the scorer's
margins were chosen), for the held-out rest, and for all: a figure that holds only on the first was fitted to it.
The clips are synthesised in a child process, so this process holds only the speech stack.
    .venv/bin/python bench/pronunciation_accuracy.py [--limit N]
"""

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.speech_accuracy import SYNTHESISE, wav  # noqa: E402

SENTENCES = REPO_ROOT / "shared" / "content" / "sentences.json"
KINDS = ("geminate", "long vowel", "voicing", "wrong mora")
DEVELOPMENT_SENTENCES = 40  # the margins in shared.services.pronunciation_scoring were chosen on these
_UNVOICE = dict(
    zip("ガギグゲゴザジズゼゾダヂヅデドバビブベボ", "カキクケコサシスセソタチツテトハヒフヘホ", strict=True)
)
_VOWEL_SWAP = {
    row[i]: row[(i + 2) % 5]
    for row in ("アイウエオ", "カキクケコ", "サシスセソ", "ナニヌネノ", "マミムメモ", "ラリルレロ", "ハヒフヘホ")
    for i in range(5)
}


@dataclass(frozen=True)
class Pair:
    text: str  # the target
    kind: str
    position: int  # the mora edited
    twin: str  # the unedited pronunciation kana
    wrong: str  # the edited kana


def synthesise(directory: Path, texts: list[str]) -> list[bytes]:
    """WAV of each text (kanji or kana) read by Open JTalk at its own speed and pitch, in a child process (the speech
    accuracy bench's synthesiser), so this process holds only the speech stack."""
    jobs = [[text, 1.0, 0.0] for text in texts]
    subprocess.run([sys.executable, "-c", SYNTHESISE, str(directory), json.dumps(jobs)], check=True)
    return [wav(np.load(directory / f"{i}.npy")) for i in range(len(texts))]


def make_pairs(texts: list[str]) -> list[Pair]:
    from shared.services.pronunciation_scoring import target_morae

    rng = random.Random(14)
    pairs = []
    for text in texts:
        morae = target_morae(text)
        choices = {
            "geminate": [i for i, m in enumerate(morae) if m == "ッ"],
            "long vowel": [i for i, m in enumerate(morae) if m == "ー"],
            "voicing": [i for i, m in enumerate(morae) if m[0] in _UNVOICE],
            "wrong mora": [i for i, m in enumerate(morae) if m in _VOWEL_SWAP and i > 0],
        }
        for kind in KINDS:
            if not choices[kind]:
                continue
            i = rng.choice(choices[kind])
            edited = list(morae)
            if kind in ("geminate", "long vowel"):
                edited[i] = ""
            elif kind == "voicing":
                edited[i] = _UNVOICE[morae[i][0]] + morae[i][1:]
            else:
                edited[i] = _VOWEL_SWAP[morae[i]]
            pairs.append(Pair(text, kind, i, "".join(morae), "".join(edited)))
    return pairs


def score(data: bytes, target: str):  # type: ignore[no-untyped-def]
    """As the speech worker scores a reading of `target` (shared.services.speech_processing): the assessment, the
    transcript, and the scoring's seconds after the transcript."""
    from shared.services import speech
    from shared.services.pronunciation_scoring import assess_reading

    recording = speech.load_recording(data)
    transcript = speech.transcribe_audio(recording.samples, practising=True)  # as the speech worker hears a target
    start = time.perf_counter()
    assessment = assess_reading(
        target,
        transcript.text,
        transcript.speech,
        speech.SAMPLE_RATE,
        speech.forced_readings,
        speech.forced_alternatives,
    )
    return assessment, transcript, time.perf_counter() - start


def flagged(assessment) -> set[int]:  # type: ignore[no-untyped-def]
    """Target mora positions marked wrong (an extra mora counts at the mora it stands before)."""
    positions, index = set(), 0
    for mora in assessment.moras:
        if mora.result == "extra":
            positions.add(index)
            continue
        if mora.result != "correct":
            positions.add(index)
        index += 1
    return positions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="only the first N sentences (development)")
    args = parser.parse_args()

    from shared.services import speech
    from shared.services.pronunciation import assess

    texts = [sentence["japanese_text"] for sentence in json.loads(SENTENCES.read_text(encoding="utf-8"))]
    texts = texts[: args.limit] if args.limit else texts
    pairs = make_pairs(texts)
    with tempfile.TemporaryDirectory(prefix="kotoba-pronunciation-") as scratch:
        clips = synthesise(Path(scratch), texts + [p.twin for p in pairs] + [p.wrong for p in pairs])
    correct_clips, twin_clips, wrong_clips = (
        clips[: len(texts)],
        clips[len(texts) :][: len(pairs)],
        clips[-len(pairs) :],
    )
    speech.warm_up()
    speech.transcribe(correct_clips[0])

    readings: dict[str, Reading] = {}
    for text, data in zip(texts, correct_clips, strict=True):
        start = time.perf_counter()
        assessment, transcript, cost = score(data, text)
        elapsed = time.perf_counter() - start
        readings[text] = Reading(
            assessment, assess(text, transcript.text).score, transcript.duration_seconds, cost, elapsed
        )
        if flagged(assessment):
            print("  false:", text, transcript.text, [m for m in assessment.moras if m.result != "correct"])
    outcomes: list[PairOutcome] = []
    for pair, twin_clip, wrong_clip in zip(pairs, twin_clips, wrong_clips, strict=True):
        twin, _, _ = score(twin_clip, pair.text)
        wrong, transcript, _ = score(wrong_clip, pair.text)
        outcome = PairOutcome(pair, twin, wrong)
        outcomes.append(outcome)
        if not outcome.located:
            print("  missed:", pair.kind, pair.wrong, pair.position, transcript.text)

    print(f"{speech.ENGINE}; {len(texts)} sentences read by Open JTalk, {len(pairs)} wrong readings")
    development = set(texts[:DEVELOPMENT_SENTENCES])
    splits = {
        f"development (sentences 1-{min(DEVELOPMENT_SENTENCES, len(texts))})": development,
        "held out": set(texts) - development,
        "all": set(texts),
    }
    for name, chosen in splits.items():
        if chosen:
            report(
                name, {t: r for t, r in readings.items() if t in chosen}, [o for o in outcomes if o.pair.text in chosen]
            )
    costs = [r.cost / r.seconds for r in readings.values() if r.seconds >= 3]
    rtfs = [r.elapsed / r.seconds for r in readings.values() if r.seconds >= 3]
    if costs:
        print(
            f"cost, clips of 3 s and more: scoring RTF median {statistics.median(costs):.3f},"
            f" transcription + scoring RTF median {statistics.median(rtfs):.3f} ({len(costs)} clips)"
        )


@dataclass(frozen=True)
class Reading:
    """A sentence read as written, scored."""

    assessment: Any
    transcript_score: float  # the old transcript-vs-target score
    seconds: float
    cost: float  # scoring's seconds
    elapsed: float  # transcription and scoring


@dataclass(frozen=True)
class PairOutcome:
    pair: Pair
    twin: Any  # the assessment of the unedited kana
    wrong: Any

    @property
    def located(self) -> bool:
        return bool(flagged(self.wrong) & {self.pair.position - 1, self.pair.position, self.pair.position + 1})


def report(name: str, readings: dict[str, Reading], outcomes: list[PairOutcome]) -> None:
    overall = [r.assessment.score for r in readings.values()]
    clean = sum(not flagged(r.assessment) for r in readings.values())
    print(
        f"{name}: {len(readings)} correct readings: overall {statistics.mean(overall):.1f},"
        f" accuracy {statistics.mean(r.assessment.accuracy for r in readings.values()):.1f},"
        f" no mora marked wrong {clean}/{len(readings)} ({100 * clean / len(readings):.0f} %);"
        f" transcript-vs-target score {statistics.mean(r.transcript_score for r in readings.values()):.1f}"
    )
    print(
        f"  {'mistake':<11} {'pairs':>5} {'wrong<twin':>10} {'<as read':>8} {'located':>8} {'twin':>6} {'wrong':>6}"
        f" {'twin clean':>10}"
    )
    for kind in KINDS:
        chosen = [o for o in outcomes if o.pair.kind == kind]
        if not chosen:
            continue
        n = len(chosen)
        below = sum(o.wrong.score < o.twin.score for o in chosen)
        below_read = sum(o.wrong.score < readings[o.pair.text].assessment.score for o in chosen)
        located = sum(o.located for o in chosen)
        twins_clean = sum(not flagged(o.twin) for o in chosen)
        twin_mean, wrong_mean = (
            statistics.mean(o.twin.score for o in chosen),
            statistics.mean(o.wrong.score for o in chosen),
        )
        print(
            f"  {kind:<11} {n:5d} {100 * below / n:9.0f}% {100 * below_read / n:7.0f}% {100 * located / n:7.0f}%"
            f" {twin_mean:6.1f} {wrong_mean:6.1f}"
            f" {100 * twins_clean / n:9.0f}%"
        )


if __name__ == "__main__":
    main()
