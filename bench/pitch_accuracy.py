"""The learner's pitch accent (shared.services.pitch_contour) on the sample sentences read by Open JTalk, with its own
accent and with one word's accent changed.

Each sentence is read by Open JTalk from its own full-context labels (its accent, so the target is right: a correct
reading). Then one word's accent is changed before synthesis (seeded): Open JTalk's words (`run_frontend`) that
begin an accent phrase get another accent nucleus (0, 1, 2, ... up to their phrase's length), the first that changes
the labels' H/L pattern, and the labels are made again (`make_label`). Each recording is heard against the
sentence's ORIGINAL accent. Printed, without asserting:
- correct readings: the per-mora agreement of the learner's H/L with the target's (morae with a known pitch), the
  share of morae unknown (devoiced, too short), and the same with the fallback timing (speech regions cut evenly);
- changed accents: the share detected (the changed word's agreement is lower than in the correct reading) and
  located (the changed word is the one word with the lowest agreement), and the agreement with the CHANGED pattern
  (the tracker follows what was said);
- the same figures for other thresholds of a turn (`_TURN_SEMITONES`), from the same F0;
- mora timing against Open JTalk's own: each mora's onset error (ms, a sentence's first mora left out: the
  alignment path starts at 0) for the alignment (`speech.piece_onsets`) and for the fallback, where Debian's
  `open_jtalk` is installed (`apt-get install open-jtalk`; it reads with pyopenjtalk's dictionary and voice and
  writes each phoneme's time), on its clips; and the agreement there with Open JTalk's own mora times against the
  alignment's (what the timing's error costs);
- the cost in ms per second of audio: F0 alone, and the pitch step as the speech worker runs it (the encoder's output
  already there from the scoring).
The clips are synthesised in a child process, so this process holds only the speech stack.
    .venv/bin/python bench/pitch_accuracy.py [--limit N]
"""

import argparse
import copy
import json
import random
import shutil
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

from bench.speech_accuracy import wav  # noqa: E402
from shared.services.pitch_contour import Pitch  # noqa: E402

SENTENCES = REPO_ROOT / "shared" / "content" / "sentences.json"
TURNS = (1.0, 1.5, 2.0, 3.0)
# Run in a child process: <dir>/labels.json is a list of label lists; writes <dir>/<i>.npy (48 kHz, int16 scale).
SYNTHESISE_LABELS = """
import json, sys, numpy as np, pyopenjtalk
for i, labels in enumerate(json.load(open(f"{sys.argv[1]}/labels.json", encoding="utf-8"))):
    samples, _ = pyopenjtalk.synthesize(labels)
    np.save(f"{sys.argv[1]}/{i}.npy", samples)
"""


@dataclass(frozen=True)
class Reading:
    text: str
    labels: list[str]
    pitch: list[Pitch]  # H/L per mora of these labels
    changed: set[int]  # morae whose H/L differs from the sentence's own accent (empty: a correct reading)


def readings(texts: list[str]) -> tuple[list[Reading], list[Reading]]:
    """Each sentence as Open JTalk accents it, and with one word's accent changed (where one can be)."""
    import pyopenjtalk

    from shared.services.pronunciation_scoring import pitch_of_labels, target_morae

    rng = random.Random(14)
    correct, changed = [], []
    for text in texts:
        count = len(target_morae(text))
        words = pyopenjtalk.run_frontend(text)
        labels = pyopenjtalk.make_label(words)
        pitch = pitch_of_labels(labels, count)
        if not pitch:
            continue
        correct.append(Reading(text, labels, list(pitch), set()))
        starts = [i for i, w in enumerate(words) if w["chain_flag"] != 1 and int(w["mora_size"]) > 0]
        rng.shuffle(starts)
        for index in starts:
            accents = list(range(0, int(words[index]["mora_size"]) + 2))
            rng.shuffle(accents)
            edited = None
            for accent in accents:
                if accent == words[index]["acc"]:
                    continue
                trial = copy.deepcopy(words)
                trial[index]["acc"] = accent
                edited_labels = pyopenjtalk.make_label(trial)
                edited_pitch = pitch_of_labels(edited_labels, count)
                if edited_pitch and edited_pitch != pitch:
                    diff = {i for i, (a, b) in enumerate(zip(pitch, edited_pitch, strict=True)) if a != b}
                    edited = Reading(text, edited_labels, list(edited_pitch), diff)
                    break
            if edited is not None:
                changed.append(edited)
                break
    return correct, changed


def synthesise(directory: Path, label_lists: list[list[str]]) -> list[bytes]:
    (directory / "labels.json").write_text(json.dumps(label_lists), encoding="utf-8")
    subprocess.run([sys.executable, "-c", SYNTHESISE_LABELS, str(directory)], check=True)
    return [wav(np.load(directory / f"{i}.npy")) for i in range(len(label_lists))]


def changed_word(words: list[Any], changed: set[int]) -> int:
    """The word holding most of the changed morae."""
    return max(
        range(len(words)),
        key=lambda i: len(changed & set(range(words[i].first_mora, words[i].first_mora + words[i].mora_count))),
    )


def word_agreements(words: list[Any], target: list[Pitch], heard: list[Any]) -> list[float | None]:
    from shared.services.pitch_contour import agreement

    return [
        agreement(target[w.first_mora : w.first_mora + w.mora_count], heard[w.first_mora : w.first_mora + w.mora_count])
        for w in words
    ]


def open_jtalk_onsets(directory: Path, text: str) -> tuple[bytes, list[float]] | None:
    """Debian's open_jtalk reading `text` with pyopenjtalk's dictionary and voice: the WAV and each mora's onset
    (seconds) from its output labels; None where it is not installed."""
    import pyopenjtalk

    from shared.services.pronunciation_scoring import _LABEL_FIELDS

    if shutil.which("open_jtalk") is None:
        return None
    source, out, trace = directory / "in.txt", directory / "oj.wav", directory / "trace.txt"
    source.write_text(text, encoding="utf-8")
    subprocess.run(
        [
            "open_jtalk",
            "-x",
            pyopenjtalk.OPEN_JTALK_DICT_DIR.decode(),
            "-m",
            pyopenjtalk.DEFAULT_HTS_VOICE.decode(),
            "-ow",
            str(out),
            "-ot",
            str(trace),
            str(source),
        ],
        check=True,
    )
    onsets, last = [], None
    for line in trace.read_text(encoding="utf-8").split("[Output label]")[1].strip().splitlines():
        parts = line.split(" ")
        if len(parts) != 3:
            break
        fields = _LABEL_FIELDS.search(parts[2])
        if fields is None or fields["phoneme"] in {"sil", "pau"} or fields["f"].startswith("xx"):
            last = None
            continue
        key = (fields["f"], fields["i"], fields["a2"])
        if key != last:
            onsets.append(int(parts[0]) / 1e7)  # HTS times are in 100 ns
        last = key
    return out.read_bytes(), onsets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="only the first N sentences (development)")
    args = parser.parse_args()

    from shared.services import pitch_contour, speech
    from shared.services.pronunciation_scoring import spell_target, target_morae, target_pitch

    texts = [sentence["japanese_text"] for sentence in json.loads(SENTENCES.read_text(encoding="utf-8"))]
    texts = texts[: args.limit] if args.limit else texts
    correct, changed = readings(texts)
    with tempfile.TemporaryDirectory(prefix="kotoba-pitch-") as scratch:
        clips = synthesise(Path(scratch), [r.labels for r in correct + changed])
        timing_clips = [open_jtalk_onsets(Path(scratch), r.text) for r in correct]
    speech.warm_up()
    model = speech._model()

    def hear(reading: Reading, data: bytes, fallback: bool = False) -> tuple[Any, float, float]:
        audio = speech.load_recording(data).samples
        model._encode(audio)
        f0_start = time.perf_counter()
        pitch_contour.track_f0(audio, speech.SAMPLE_RATE)
        f0_cost = time.perf_counter() - f0_start
        start = time.perf_counter()
        pieces = spell_target(reading.text, target_morae(reading.text))
        assessment = pitch_contour.assess_pitch(
            reading.text,
            original[reading.text].pitch,  # always against the sentence's own accent
            audio,
            speech.SAMPLE_RATE,
            [] if fallback else speech.piece_onsets(audio, pieces),
            speech.speech_regions,
        )
        seconds = audio.size / speech.SAMPLE_RATE
        return assessment, 1000 * (time.perf_counter() - start) / seconds, 1000 * f0_cost / seconds

    original = {r.text: r for r in correct}
    heard_correct = [hear(r, c) for r, c in zip(correct, clips[: len(correct)], strict=True)]
    by_text = {r.text: h[0] for r, h in zip(correct, heard_correct, strict=True)}
    heard_fallback = [hear(r, c, fallback=True)[0] for r, c in zip(correct, clips[: len(correct)], strict=True)]
    heard_changed = [hear(r, c)[0] for r, c in zip(changed, clips[len(correct) :], strict=True)]
    print(f"{len(correct)} sentences read by Open JTalk with its own accent, {len(changed)} with one word's changed")

    def mora_agreement(
        assessments: list[Any], readings_: list[Reading], turn: float, against_own: bool
    ) -> tuple[float, float]:
        matches = known = total = 0
        for assessment, reading in zip(assessments, readings_, strict=True):
            target = reading.pitch if against_own else original[reading.text].pitch
            heard = pitch_contour.heard_levels(assessment.semitones, turn)
            total += len(heard)
            for t, h in zip(target, heard, strict=True):
                if h is not None:
                    known += 1
                    matches += t == h
        return 100 * matches / max(known, 1), 100 * (total - known) / max(total, 1)

    print(f"{'turn st':>7} {'agree':>6} {'unknown':>7} {'fallback':>8} {'detected':>8} {'located':>7} {'follows':>7}")
    for turn in TURNS:
        agree, unknown = mora_agreement([a for a, _, _ in heard_correct], correct, turn, True)
        fallback, _ = mora_agreement(heard_fallback, correct, turn, True)
        follows, _ = mora_agreement(heard_changed, changed, turn, True)
        detected = located = 0
        for assessment, reading in zip(heard_changed, changed, strict=True):
            words = assessment.words
            if not words:
                continue
            target = original[reading.text].pitch
            index = changed_word(words, reading.changed)
            baseline = by_text[reading.text]
            before = word_agreements(words, target, pitch_contour.heard_levels(baseline.semitones, turn))
            after = word_agreements(words, target, pitch_contour.heard_levels(assessment.semitones, turn))
            changed_after, changed_before = after[index], before[index]
            if changed_after is not None and changed_before is not None and changed_after < changed_before:
                detected += 1
            known = [a for a in after if a is not None]
            if changed_after is not None:
                located += changed_after == min(known) and known.count(changed_after) == 1
        n = max(len(changed), 1)
        mark = " *" if turn == pitch_contour._TURN_SEMITONES else ""
        print(
            f"{turn:7.1f} {agree:5.1f}% {unknown:6.1f}% {fallback:7.1f}% {100 * detected / n:7.0f}%"
            f" {100 * located / n:6.0f}% {follows:6.1f}%{mark}"
        )
    print(
        "  (* the module's threshold; agree/fallback: correct readings with alignment / even timing;"
        " follows: changed readings against their changed accent)"
    )

    costs = [cost for _, cost, _ in heard_correct]
    f0_costs = [cost for _, _, cost in heard_correct]
    print(
        f"cost per second of audio: F0 {statistics.median(f0_costs):.1f} ms, pitch step (timing + F0 + levels)"
        f" {statistics.median(costs):.1f} ms (medians over {len(costs)} clips)"
    )

    if all(clip is None for clip in timing_clips):
        print("mora timing: skipped (no open_jtalk: apt-get install open-jtalk)")
        return
    aligned_errors, even_errors, compared = [], [], 0
    agreement_by_timing: dict[str, list[int]] = {"Open JTalk's own": [0, 0], "alignment": [0, 0]}
    for reading, clip in zip(correct, timing_clips, strict=True):
        if clip is None:
            continue
        data, truth = clip
        morae = target_morae(reading.text)
        if len(truth) != len(morae) or not target_pitch(reading.text, len(morae)):
            continue
        compared += 1
        audio = speech.load_recording(data).samples
        pieces = spell_target(reading.text, morae)
        onsets = speech.piece_onsets(audio, pieces)
        regions = [(a / speech.SAMPLE_RATE, b / speech.SAMPLE_RATE) for a, b in speech.speech_regions(audio)]
        even = [start for start, _ in pitch_contour.even_spans(regions, len(morae))]
        target = target_pitch(reading.text, len(morae))
        track = pitch_contour.track_f0(audio, speech.SAMPLE_RATE)
        for name, times in (("Open JTalk's own", truth), ("alignment", onsets)):
            spans = pitch_contour.spans_from_onsets(times, audio.size / speech.SAMPLE_RATE)
            levels = pitch_contour.heard_levels(pitch_contour.mora_semitones(track, spans))
            for t, h in zip(target, levels, strict=True):
                agreement_by_timing[name][0] += h is not None
                agreement_by_timing[name][1] += h is not None and t == h
        aligned_errors += [abs(a - b) for a, b in zip(onsets[1:], truth[1:], strict=True)]
        even_errors += [abs(a - b) for a, b in zip(even[1:], truth[1:], strict=True)]
    for name, errors in (("alignment", aligned_errors), ("speech regions, even", even_errors)):
        ms = np.array(errors) * 1000
        print(
            f"mora onset error, {name}: median {np.median(ms):.0f} ms, 90th percentile {np.percentile(ms, 90):.0f} ms,"
            f" within 50 ms {100 * np.mean(ms <= 50):.0f} % ({len(ms)} morae of {compared} sentences)"
        )
    print(
        "agreement on these clips (open_jtalk's own accent) with each timing: "
        + ", ".join(f"{name} {100 * hits / max(known, 1):.1f} %" for name, (known, hits) in agreement_by_timing.items())
    )


if __name__ == "__main__":
    main()
