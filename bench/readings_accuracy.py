"""Accuracy and speed of the readings engine (shared.services.readings) on the hand-checked sample sentences.

Reports, without asserting: exact matches of the hiragana; of the romaji with white space normalised; of the
romaji with spaces removed (insensitive to how words are grouped); every mismatch (expected vs got); the
warm-up time (import of pyopenjtalk, dictionary, first sentence) and the time per sentence once warm.
    .venv/bin/python bench/readings_accuracy.py [--repeat 5]
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from shared.services.readings import read_japanese  # noqa: E402

SENTENCES = REPO_ROOT / "shared" / "content" / "sentences.json"


def normalise_spaces(romaji: str) -> str:
    return " ".join(romaji.split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="passes over the sentences for the warm timing")
    args = parser.parse_args()

    sentences = json.loads(SENTENCES.read_text(encoding="utf-8"))

    start = time.perf_counter()
    first = read_japanese(sentences[0]["japanese_text"])
    warm_up = time.perf_counter() - start

    hiragana_ok = romaji_ok = romaji_unspaced_ok = 0
    mismatches: list[str] = []
    for sentence in sentences:
        reading = read_japanese(sentence["japanese_text"])
        expected_hiragana = sentence["hiragana_reading"]
        expected_romaji = normalise_spaces(sentence["romaji_reading"])
        got_romaji = normalise_spaces(reading.romaji)
        hiragana_ok += reading.hiragana == expected_hiragana
        romaji_ok += got_romaji == expected_romaji
        romaji_unspaced_ok += got_romaji.replace(" ", "") == expected_romaji.replace(" ", "")
        if reading.hiragana != expected_hiragana:
            mismatches.append(
                f"  {sentence['japanese_text']}\n    hiragana expected {expected_hiragana}\n"
                f"                  got {reading.hiragana}"
            )
        if got_romaji != expected_romaji:
            kind = "romaji (spacing)" if got_romaji.replace(" ", "") == expected_romaji.replace(" ", "") else "romaji"
            mismatches.append(
                f"  {sentence['japanese_text']}\n    {kind} expected {expected_romaji}\n"
                f"    {' ' * len(kind)}      got {got_romaji}"
            )

    per_sentence: list[float] = []
    for _ in range(args.repeat):
        for sentence in sentences:
            start = time.perf_counter()
            read_japanese(sentence["japanese_text"])
            per_sentence.append(time.perf_counter() - start)

    total = len(sentences)
    print(f"engine: {first.engine}; {total} sentences from {SENTENCES.relative_to(REPO_ROOT)}")
    print(f"hiragana exact:                  {hiragana_ok}/{total} ({hiragana_ok / total:.1%})")
    print(f"romaji exact (spaces normalised): {romaji_ok}/{total} ({romaji_ok / total:.1%})")
    print(f"romaji exact (spaces removed):    {romaji_unspaced_ok}/{total} ({romaji_unspaced_ok / total:.1%})")
    print(f"warm-up (import, dictionary, first sentence): {warm_up:.2f} s")
    print(
        f"per sentence, warm: median {statistics.median(per_sentence) * 1000:.2f} ms, "
        f"max {max(per_sentence) * 1000:.2f} ms ({len(per_sentence)} calls)"
    )
    print(f"mismatches ({len(mismatches)}):" if mismatches else "mismatches: none")
    for mismatch in mismatches:
        print(mismatch)


if __name__ == "__main__":
    main()
