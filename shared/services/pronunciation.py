"""Pronunciation feedback: what the learner was asked to say against what speech recognition heard, mora by mora.

Both texts are turned into pronunciation katakana by Open JTalk (`pyopenjtalk.g2p(kana=True)`), so that spelling
does not count, only sound: 今日は and きょうは both become キョーワ, 7時 and 七時 both シチジ, and a homophone
that Whisper wrote with other kanji (熱い for 暑い) is no mistake. The kana are split into morae and aligned with a
Levenshtein alignment (rapidfuzz) of the two mora lists. Morae that sound the same in standard Japanese compare equal:
ヲ and オ, ヂ and ジ, ヅ and ズ, and a long vowel written ー or as the vowel (Open JTalk gives センセー for 先生 but
センセイ for せんせい; トー and トウ).

Score: 100 * correct / (correct + substituted + missing + extra), the share of aligned positions that match. An exact
reading scores 100; every missing, substituted or extra mora lowers it, an extra one by growing the denominator.

pyopenjtalk is imported on first use only (the speech worker's image has it; the zip functions do not).
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal

from rapidfuzz.distance import Levenshtein

MoraOutcome = Literal["correct", "substituted", "missing", "extra"]

_SMALL_KANA: Final = frozenset("ャュョァィゥェォヮ")
_NOT_KATAKANA: Final = re.compile(r"[^\u30a1-\u30fa\u30fc]")  # keeps ァ-ヺ and ー: punctuation, latin, spaces go
_E_ENDING: Final = frozenset("エケゲセゼテデネヘベペメレェ")
_O_ENDING: Final = frozenset("オコゴソゾトドノホボポモヨョロォ")
_SAME_SOUND: Final = str.maketrans({"ヲ": "オ", "ヂ": "ジ", "ヅ": "ズ"})
_SUMMARY_ISSUES: Final = 3  # problems named in the summary sentence


@dataclass(frozen=True)
class MoraResult:
    expected: str | None  # the target's mora (katakana), None for "extra"
    heard: str | None  # what was heard, None for "missing"
    result: MoraOutcome


@dataclass(frozen=True)
class PronunciationAssessment:
    score: float  # 0-100 to one decimal, see the module docstring
    expected_kana: str  # pronunciation katakana of the target
    heard_kana: str  # of the transcript
    moras: list[MoraResult]  # in order
    feedback: dict[str, Any]  # {"correct": n, "substituted": n, "missing": n, "extra": n, "summary": "..."}


def split_morae(katakana: str) -> list[str]:
    """キョーワ → [キョ, ー, ワ]: a small ャュョァィゥェォヮ joins the mora before it; ー, ッ and ン are morae of
    their own."""
    morae: list[str] = []
    for character in katakana:
        if character in _SMALL_KANA and morae:
            morae[-1] += character
        else:
            morae.append(character)
    return morae


def assess(target_text: str, transcript_text: str) -> PronunciationAssessment:
    """Compare a transcript with the text the learner was asked to read. Raises ValueError when the target has
    nothing to pronounce (no Japanese)."""
    to_kana = _g2p()
    expected_kana = _katakana(to_kana(target_text))
    heard_kana = _katakana(to_kana(transcript_text))
    if not expected_kana:
        raise ValueError("the target text has no Japanese to pronounce")
    expected, heard = split_morae(expected_kana), split_morae(heard_kana)
    moras = _align(expected, heard)
    outcomes: tuple[MoraOutcome, ...] = ("correct", "substituted", "missing", "extra")
    counts: dict[str, int] = {outcome: sum(m.result == outcome for m in moras) for outcome in outcomes}
    score = 100.0 * counts["correct"] / len(moras)
    return PronunciationAssessment(
        score=round(score, 1),
        expected_kana=expected_kana,
        heard_kana=heard_kana,
        moras=moras,
        feedback={**counts, "summary": summarise(moras, len(expected), counts["correct"])},
    )


def _katakana(kana: str) -> str:
    return _NOT_KATAKANA.sub("", kana)


def _align(expected: list[str], heard: list[str]) -> list[MoraResult]:
    moras: list[MoraResult] = []
    for op in Levenshtein.opcodes(_sound_keys(expected), _sound_keys(heard)):
        e_part, h_part = expected[op.src_start : op.src_end], heard[op.dest_start : op.dest_end]
        paired = min(len(e_part), len(h_part))
        for e, h in zip(e_part[:paired], h_part[:paired], strict=True):
            # Spelled alike but compared apart: a ー whose vowel differs because the mora before it does
            # (セー against サー), which the mora before already counts.
            moras.append(MoraResult(e, h, "correct" if op.tag == "equal" or e == h else "substituted"))
        moras += [MoraResult(e, None, "missing") for e in e_part[paired:]]
        moras += [MoraResult(None, h, "extra") for h in h_part[paired:]]
    return moras


def _sound_keys(morae: list[str]) -> list[str]:
    """Morae as compared: ヲ→オ, ヂ→ジ, ヅ→ズ, and ー after an e-sound as イ, after an o-sound as ウ (Open JTalk
    writes 先生 センセー but せんせい センセイ; both are said alike)."""
    keys: list[str] = []
    for mora in morae:
        key = mora.translate(_SAME_SOUND)
        previous = keys[-1][-1] if keys else ""
        if key == "ー" and previous in _E_ENDING:
            key = "イ"
        elif key == "ー" and previous in _O_ENDING:
            key = "ウ"
        keys.append(key)
    return keys


def summarise(moras: list[MoraResult], expected_count: int, correct: int) -> str:
    """One sentence for the learner: what matched, and the first few morae to listen to again."""
    if not any(m.heard for m in moras):
        return "No Japanese speech was recognised: try again, a little closer to the microphone."
    issues = [m for m in moras if m.result != "correct"]
    if not issues:
        return f"All {expected_count} morae matched: well done."
    named = ", ".join(_describe(m) for m in issues[:_SUMMARY_ISSUES])
    more = f" and {len(issues) - _SUMMARY_ISSUES} more" if len(issues) > _SUMMARY_ISSUES else ""
    return f"{correct} of {expected_count} morae matched; listen again for {named}{more}."


def _describe(mora: MoraResult) -> str:
    if mora.result == "substituted":
        return f"{mora.expected} (heard {mora.heard})"
    if mora.result == "missing":
        return f"{mora.expected} (missing)"
    return f"an extra {mora.heard}"


@functools.cache
def _g2p() -> Callable[[str], str]:
    """Import pyopenjtalk and load its dictionary once per process (about 1 s)."""
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # pyopenjtalk-plus reads 何 with an onnxruntime model
    with contextlib.redirect_stdout(io.StringIO()):  # it prints a notice where onnxruntime is missing
        import pyopenjtalk

    def to_kana(text: str) -> str:
        return str(pyopenjtalk.g2p(text, kana=True)) if text.strip() else ""

    return to_kana
