"""Pronunciation scored against the target itself, from the audio: accuracy, completeness, fluency and pitch.

`shared.services.pronunciation.assess` compares the free transcript with the target, so a recognition error becomes a
false mora error (a correct 図書館 transcribed 土書館 loses ト and gains an extra ツ). Here the speech model is asked
instead how well the audio supports the target, mora by mora, against the readings a learner is likely to say
instead (teacher forcing: the model reads a given text, token by token, and gives each token its probability):

1. The target becomes pronunciation morae (Open JTalk: 学校 → ガ ッ コ ー), each spelled in hiragana for the model
   (ー as the vowel it lengthens: がっこう).
2. Rivals are the target with one mora edited: a small ッ dropped, a long vowel shortened, a mora voiced or
   un-voiced (カ↔ガ, シ↔ジ, ト↔ド...), and each place where the free transcript heard another mora (that mora put
   in, or the target's left out or an extra one added).
3. The target and the rivals are read through the model in one batch (`speech.forced_readings`), one mora
   tokenised at a time so that texts differ only where their morae do, over the speech Whisper transcribed (whose
   encoder output the model kept). Rivals whose edits lie at least `_EDIT_SPACING` morae apart share one text, so
   the batch holds a few texts, not one per edit.
4. At each edit the rival's log-probabilities are set against the target's: the edited mora against what replaces
   it; for a mora left out or added, the mora after it too, the shorter side being charged a typical mora's cost (the
   target's median). A mora is marked wrong only when the audio supports the rival better by more than a margin
   (`_MARGIN`, larger for a mora left out): the transcript alone never marks a mora wrong.
   A long vowel is also judged by its length: the model's probabilities barely tell オー from オ, but its alignment of
   the target with the audio (cross-attention, 20 ms frames) gives a vowel cut short little time: under
   `_SHORT_LONG_VOWEL` of the learner's median mora, the ー is marked left out.
5. The target is also decoded once as a forced prefix with the model's whole next-token distribution at each mora
   (`speech.forced_alternatives`): where the model would rather write another mora than the target's by more than
   `_OTHER_MORA_MARGIN`, the mora is marked said as the other (a swapped vowel, デソ for デス, which no rival in
   step 2 names and Whisper's transcript, leaning on its language model, often writes right).
   A mora whose first token is a piece of a character's bytes (ぴゃ, ぢ) has no mass of its own there and is left to
   steps 2-4.

Particles said otherwise than written (は as ワ, へ as エ, を as オ) are spelled as written for the model (its
training text writes them so) and compared by sound everywhere else: the transcript's は, the model's わ and the
target's ワ are one mora.

Scores, each 0-100:
- accuracy: the share of the morae said that are right (the margins decide "right"), extra morae counting as wrong;
- completeness: the share of the target's morae that were said at all: a run of `_SKIPPED_RUN` or more morae that
  the transcript lacks and the model finds unlikely there (each below `_SKIPPED_PROBABILITY`) counts as not said;
- fluency: from the audio's loudness in 10 ms frames: pauses inside the speech of `_PAUSE_SECONDS` or more beyond
  one per punctuation mark cost `_PAUSE_PENALTY` each, and a speech rate under `_SLOW_MORAE_PER_SECOND` costs in
  proportion (Open JTalk reads at about 7-8 morae a second, an unhurried learner 5-6);
- overall: `_WEIGHTS` of the three (accuracy counts most, as in commercial assessors).

The spoken text's cost on 2 cores: see bench/pronunciation_accuracy.py (no encoder pass of its own: the transcript's
is reused; one batched decoder pass reads the target and its rivals, and one step by step decodes the forced prefix).

Pitch: the target's Tokyo pitch accent as high (H) or low (L) per mora, from Open JTalk's accent phrases and
accent nuclei (its full-context labels: mora position in the phrase and the phrase's accent type): in a phrase with
its nucleus on mora n, the first mora is low unless n is 1, the morae up to n are high and the rest low; with no
nucleus (heiban), all but the first are high. The learner's own pitch is not measured (yet).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import Levenshtein

from shared.services.pronunciation import (
    MoraOutcome,
    MoraResult,
    _g2p,
    _katakana,
    _sound_keys,
    split_morae,
    summarise,
)

if TYPE_CHECKING:
    from shared.services.speech import ForcedReading

EditKind = Literal["geminate", "long vowel", "voicing", "heard"]
Pitch = Literal["H", "L"]

# How much better (natural log of the probability ratio) a rival must explain the audio around a mora than the
# target does before the mora is marked wrong: a mora said as another (or an extra one) needs _MARGIN; one left out
# needs more, as the model, reading kana a mora at a time, finds some right morae unlikely (the う of よう, written
# 曜 in its training text) and a rival without them looks better than it is. The likeliest other mora in the
# model's own distribution (step 5) needs _OTHER_MORA_MARGIN, as there the model's language model speaks loudest
# (ぶ for the ぼ of さんぼん: 三分). Chosen on the first 40 sample sentences with their 102 wrong readings and kana
# twins (bench/pronunciation_accuracy.py) among 1-3, 3-5, 3-5 and 3-8: lower margins locate more errors and mark
# more correct readings wrong; these (with the particles' extra margin) kept 35 of the 40 correct readings clean.
_MARGIN: Final = 1.0
_LEFT_OUT_MARGIN: Final = {"ッ": 2.0, "ー": 6.0}
_LEFT_OUT_OTHER_MARGIN: Final = 3.0
_OTHER_MORA_MARGIN: Final = 4.0
# Added at a particle: there the model's language model outweighs the audio most (を heard as の, が as な: Open
# JTalk, like many Tokyo speakers, says a nasal が), and a wrong particle is grammar more than pronunciation. 2 kept
# two more of the 40 correct readings clean than 0 and located as many errors; 3 and 5 located fewer.
_PARTICLE_EXTRA_MARGIN: Final = 2.0
_BOUND_SLACK: Final = 0.5  # nats kept between `_rival_possible`'s bound and the margins
# A long vowel aligned (cross-attention of the model reading the target) with less than this share of the learner's
# median mora was cut short. Chosen on the development split (bench/pronunciation_accuracy.py, the first 40 sentences:
# 19 shortened long vowels and their twins) among 0.35, 0.4 and 0.5: 0.35 put 74 % of the shortened readings below
# their twins (63 % without the rule) and marked no correct reading more; 0.4 and 0.5 marked more twins.
_SHORT_LONG_VOWEL: Final = 0.35
_EDIT_SPACING: Final = 3  # morae between two edits read in one rival text
_MAX_RIVAL_TEXTS: Final = 8  # the batch's cost grows with its size: edits beyond it are left out
_SKIPPED_RUN: Final = 3
_SKIPPED_PROBABILITY: Final = 0.05
_PAUSE_SECONDS: Final = 0.3
_PAUSE_PENALTY: Final = 10.0
_SLOW_MORAE_PER_SECOND: Final = 4.0
_WEIGHTS: Final = {"accuracy": 0.6, "completeness": 0.2, "fluency": 0.2}
_FRAME_SECONDS: Final = 0.01
_SILENCE_BELOW_PEAK_DB: Final = 35.0  # a frame this much quieter than the loudest is silence

_VOWELS: Final = {
    "a": "アカガサザタダナハバパマヤラワャァヮ",
    "i": "イキギシジチヂニヒビピミリィ",
    "u": "ウクグスズツヅヌフブプムユルゥュヴ",
    "e": "エケゲセゼテデネヘベペメレェ",
    "o": "オコゴソゾトドノホボポモヨロヲォョ",
}
_VOWEL_OF: Final = {kana: vowel for vowel, row in _VOWELS.items() for kana in row}
_LONG_SPELLING: Final = {"a": "あ", "i": "い", "u": "う", "e": "い", "o": "う"}  # ー as written: せんせい, とうきょう
_VOICED: Final = dict(
    zip("カキクケコサシスセソタチツテトハヒフヘホ", "ガギグゲゴザジズゼゾダヂヅデドバビブベボ", strict=True)
)
_UNVOICED: Final = {voiced: plain for plain, voiced in _VOICED.items()} | dict(
    zip("パピプペポ", "ハヒフヘホ", strict=True)
)
_NOT_KANA: Final = re.compile(r"[^\u3041-\u3096\u30a1-\u30fa\u30fc]")
_PUNCTUATION: Final = re.compile(r"[、。，．,.!?！？…]")  # noqa: RUF001 (full-width marks are the point)
_LABEL_FIELDS: Final = re.compile(
    r"-(?P<phoneme>[^+]+)\+.*?/A:(?P<a1>[-\d]+)\+(?P<a2>\d+)\+.*?/F:(?P<f>[^/]+)/.*?/I:(?P<i>[^/]+)/"
)

# (audio, texts as pieces) -> each piece's log-probability and aligned seconds: shared.services.speech.forced_readings
ForcedReader = Callable[[npt.NDArray[np.float32], list[list[str]]], list["ForcedReading"]]
# (audio, the target's pieces) -> at each piece, the likeliest next tokens: shared.services.speech.forced_alternatives
AlternativesReader = Callable[[npt.NDArray[np.float32], list[str]], list[dict[str, float]]]


@dataclass(frozen=True)
class Edit:
    position: int  # index of the target mora it changes (an insertion goes before it)
    kind: EditKind
    replacement: tuple[str, ...]  # the morae said instead of the target's (empty: left out)
    insert: bool = False  # an extra mora before `position`, the target's own kept


@dataclass(frozen=True)
class Fluency:
    score: float
    speech_seconds: float  # from the first to the last sound
    morae_per_second: float  # target morae over the speech time less the pauses
    pauses: int  # silences of _PAUSE_SECONDS or more inside the speech


@dataclass(frozen=True)
class ReadingAssessment:
    score: float  # overall, 0-100 to one decimal
    accuracy: float
    completeness: float
    fluency: Fluency
    expected_kana: str
    heard_kana: str
    moras: list[MoraResult]
    pitch: list[Pitch]  # the target's, one per target mora; empty where Open JTalk's accent phrases disagree
    onsets: list[float]  # where the model aligned each target mora in the audio, in seconds (the pitch's timing)
    feedback: dict[str, object] = field(default_factory=dict)


# --- the target ---------------------------------------------------------------------------------------------------


def target_morae(text: str) -> list[str]:
    """Pronunciation morae of a text: 学校へ → [ガ, ッ, コ, ー, エ]. Raises ValueError when there are none."""
    morae = split_morae(_katakana(_g2p()(text)))
    if not morae:
        raise ValueError("the target text has no Japanese to pronounce")
    return morae


def spell(morae: Sequence[str], particles: dict[int, str] | None = None) -> list[str]:
    """Hiragana for the model, one string per mora: ー as the vowel it lengthens (セ ー → せ い, ト ー → と う), and the
    particles at `particles` (position: kana) as written (ワ → は, エ → へ): the model expects the spelling."""
    spelled: list[str] = []
    previous_vowel = ""
    for position, mora in enumerate(morae):
        if mora == "ー":
            spelled.append(_LONG_SPELLING.get(previous_vowel, "ー"))
            continue
        spelled.append((particles or {}).get(position) or _hiragana(mora))
        previous_vowel = _VOWEL_OF.get(mora[-1], "")
    return spelled


def _hiragana(katakana: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in katakana)


@dataclass(frozen=True)
class TargetWord:
    """One of Open JTalk's words of a target text, and where its morae lie among the target's."""

    written: str  # as written in the text: 住ん
    pos: str  # its part of speech (助詞: a particle)
    pos_group: str  # its first sub-class (非自立: dependent, 接尾: a suffix)
    first_mora: int
    mora_count: int  # 0 for punctuation


@functools.lru_cache(maxsize=128)
def _frontend_words(text: str) -> tuple[TargetWord, ...]:
    """Open JTalk's analysis of a text, once per text: the score, its particles and the pitch's words all read it."""
    _g2p()  # pyopenjtalk imported and its dictionary loaded, quietly
    import pyopenjtalk

    words: list[TargetWord] = []
    position = 0
    for word in pyopenjtalk.run_frontend(text):
        count = len(split_morae(_katakana(str(word["pron"]))))
        words.append(TargetWord(str(word["string"]), str(word["pos"]), str(word["pos_group1"]), position, count))
        position += count
    return tuple(words)


def target_words(text: str, mora_count: int) -> tuple[TargetWord, ...]:
    """The words of the target, each with its morae among the target's `mora_count`; empty where their morae do not
    add up to that (Open JTalk's words and its reading of the whole text disagree)."""
    words = _frontend_words(text)
    return words if sum(word.mora_count for word in words) == mora_count else ()


def _particles(text: str, mora_count: int) -> dict[int, str]:
    """Positions of the one-mora particles (は, が, を, に, の, で, へ, と, も...) among the target's morae, each with
    its spelling; empty where its words' morae do not add up to `mora_count`."""
    return {
        word.first_mora: word.written
        for word in target_words(text, mora_count)
        if word.pos == "助詞" and word.mora_count == 1 and _katakana(word.written) == ""
    }


def spell_target(text: str, morae: Sequence[str]) -> list[str]:
    """The target's morae spelled for the model (`spell`), the particles said otherwise than written (は as ワ, へ as
    エ, を as オ) as written: the model expects the spelling."""
    particles = {i: kana for i, kana in _particles(text, len(morae)).items() if kana in {"は", "へ", "を"}}
    return spell(morae, particles=particles)


def candidate_edits(morae: Sequence[str], heard: Sequence[str]) -> list[Edit]:
    """The readings a learner is likely to say instead of `morae`: each from the transcript `heard` (aligned by
    sound), each ッ dropped, each ー dropped, each mora voiced or un-voiced."""
    edits: list[Edit] = []
    for op in Levenshtein.opcodes(_sound_keys(list(morae)), _sound_keys(list(heard))):
        if op.tag == "equal":
            continue
        said = tuple(heard[op.dest_start : op.dest_end])
        if op.tag == "insert":
            if op.src_start < len(morae):
                edits.append(Edit(op.src_start, "heard", said, insert=True))
            continue
        for offset, position in enumerate(range(op.src_start, op.src_end)):
            edits.append(Edit(position, "heard", said[offset : offset + 1] if op.tag == "replace" else ()))
    for position, mora in enumerate(morae):
        if mora == "ッ":
            edits.append(Edit(position, "geminate", ()))
        elif mora == "ー":
            edits.append(Edit(position, "long vowel", ()))
        elif (toggled := _VOICED.get(mora[0]) or _UNVOICED.get(mora[0])) is not None:
            edits.append(Edit(position, "voicing", (toggled + mora[1:],)))
    unique = {(e.position, e.replacement, e.insert): e for e in reversed(edits)}  # the transcript's kind wins
    return sorted(unique.values(), key=lambda e: (e.position, e.insert))


def target_pitch(text: str, mora_count: int) -> list[Pitch]:
    """H or L for each mora of the target (see the module docstring); empty where the labels' morae do not add up
    to `mora_count`."""
    import pyopenjtalk  # loaded by _g2p already

    return pitch_of_labels(pyopenjtalk.extract_fullcontext(text), mora_count)


def pitch_of_labels(labels: Sequence[str], mora_count: int) -> list[Pitch]:
    """`target_pitch` from Open JTalk's full-context labels (those of an edited accent too)."""
    pitch: list[Pitch] = []
    last_key: tuple[str, str, str] | None = None
    for label in labels:
        fields = _LABEL_FIELDS.search(label)
        if fields is None or fields["phoneme"] in {"sil", "pau"} or fields["f"].startswith("xx"):
            continue
        key = (fields["f"], fields["i"], fields["a2"])
        if key == last_key:
            continue
        last_key = key
        position, nucleus = int(fields["a2"]), int(fields["f"].split("_")[1].split("#")[0])
        if position == 1:
            pitch.append("H" if nucleus == 1 else "L")
        else:
            pitch.append("H" if nucleus == 0 or position <= nucleus else "L")
    return pitch if len(pitch) == mora_count else []


# --- scoring ------------------------------------------------------------------------------------------------------


def assess_reading(
    target_text: str,
    transcript_text: str,
    audio: npt.NDArray[np.float32],
    sample_rate: int,
    read: ForcedReader,
    alternatives: AlternativesReader,
) -> ReadingAssessment:
    """Score a recording (`audio`, mono float) of `target_text`; `transcript_text` is the free transcript of it,
    `read` and `alternatives` the teacher-forced readers. Raises ValueError when the target has nothing to
    pronounce."""
    morae = target_morae(target_text)
    particles = set(_particles(target_text, len(morae)))
    heard_kana = _katakana(_g2p()(transcript_text))
    heard = split_morae(heard_kana)
    spelled = spell_target(target_text, morae)
    layers = _layers(candidate_edits(morae, heard))
    rivals = [_edited_spelling(morae, spelled, layer) for layer in layers]
    target_reading, *rival_readings = read(audio, [spelled, *rivals])
    target_logprob = target_reading.logprobs

    # What a mora costs the target where it is right: a rival one mora shorter is charged it, so that leaving out a
    # mora the model finds unlikely in kana (曜 as よう) does not look better than saying it.
    mora_cost = float(np.median(target_logprob))
    worst: dict[int, tuple[float, Edit]] = {}
    for layer, rival_reading in zip(layers, rival_readings, strict=True):
        for index, edit in enumerate(layer):
            gain = _gain(edit, _rival_start(layer, index), target_logprob, rival_reading.logprobs, mora_cost)
            margin = (
                _MARGIN
                if edit.insert or edit.replacement
                else _LEFT_OUT_MARGIN.get(morae[edit.position], _LEFT_OUT_OTHER_MARGIN)
            )
            margin += _PARTICLE_EXTRA_MARGIN if edit.position in particles else 0.0
            if gain > margin and gain > worst.get(edit.position, (-math.inf, edit))[0]:
                worst[edit.position] = (gain, edit)
    # A long vowel the alignment gives much less time than the learner's typical mora was cut short, whatever the
    # model's probabilities say (they barely tell オー from オ).
    for position in _shortened_long_vowels(morae, target_reading.seconds):
        if position not in worst:
            worst[position] = (math.inf, Edit(position, "long vowel", ()))
    # Any other mora the model would rather write at a place (a vowel swapped: デソ for デス) than the target's; where
    # that mora is the target's next one (こ where がっこう has っ), the target's was left out, not replaced.
    keys = _sound_keys(list(morae))
    margins = [
        _LEFT_OUT_MARGIN.get(mora, _OTHER_MORA_MARGIN) + (_PARTICLE_EXTRA_MARGIN if position in particles else 0.0)
        for position, mora in enumerate(morae)
    ]
    choices = alternatives(audio, spelled) if _rival_possible(target_logprob, margins) else [{} for _ in spelled]
    for position, (gain, rival) in enumerate(substitution_gains(morae, spelled, choices)):
        margin = margins[position]
        if rival is not None and gain > margin and position not in worst:
            skipped_to_next = position + 1 < len(morae) and _sound_keys([rival])[0] == keys[position + 1]
            worst[position] = (gain, Edit(position, "heard", () if skipped_to_next else (rival,)))

    skipped = _skipped(morae, heard, target_logprob)
    moras = _results(morae, worst, skipped)
    said = len(morae) - len(skipped)
    correct = sum(m.result == "correct" for m in moras)
    extra = sum(m.result == "extra" for m in moras)
    accuracy = 100.0 * correct / (said + extra) if said else 0.0
    completeness = 100.0 * said / len(morae)
    inner_marks = len(_PUNCTUATION.findall(target_text.strip().rstrip("。.!?！？")))  # noqa: RUF001
    fluency = measure_fluency(audio, sample_rate, len(morae), inner_marks)
    overall = (
        _WEIGHTS["accuracy"] * accuracy + _WEIGHTS["completeness"] * completeness + _WEIGHTS["fluency"] * fluency.score
    )
    counts = {
        outcome: sum(m.result == outcome for m in moras) for outcome in ("correct", "substituted", "missing", "extra")
    }
    return ReadingAssessment(
        score=round(overall, 1),
        accuracy=round(accuracy, 1),
        completeness=round(completeness, 1),
        fluency=fluency,
        expected_kana="".join(morae),
        heard_kana=heard_kana,
        moras=moras,
        pitch=target_pitch(target_text, len(morae)),
        onsets=target_reading.onsets,
        feedback={**counts, "summary": summarise(moras, len(morae), counts["correct"])},
    )


def _shortened_long_vowels(morae: Sequence[str], seconds: Sequence[float]) -> list[int]:
    """Positions of the target's long vowels (ー) aligned with less than `_SHORT_LONG_VOWEL` of the learner's typical
    mora (the median over the morae after the first, which the alignment also gives the silence before the speech)."""
    typical = float(np.median(seconds[1:])) if len(seconds) > 2 else 0.0
    return [
        position
        for position, mora in enumerate(morae)
        if mora == "ー" and position and typical > 0 and seconds[position] < _SHORT_LONG_VOWEL * typical
    ]


def _rival_possible(target_logprob: Sequence[float], margins: Sequence[float]) -> bool:
    """Whether the model's own choices could mark any mora: a rival mora beats the target's by a margin m only where
    the target's first token has less than 1 / (1 + e^m) of the model's next-token mass (the rest, all rivals', must
    exceed e^m times it). A piece's log-probability from the forced reading is at most its first token's, so where
    every mora's is at least that bound the choices cannot matter, and their decode (token by token: the costliest
    step of the scoring) is skipped. The bound is taken 0.5 lower, for the two calls' rounding."""
    return any(
        logprob < -math.log1p(math.exp(margin - _BOUND_SLACK))
        for logprob, margin in zip(target_logprob, margins, strict=True)
    )


def _layers(edits: list[Edit]) -> list[list[Edit]]:
    """Edits grouped into rival texts, each edit `_EDIT_SPACING` morae or more from the others in its text; the
    transcript's edits first, so that the cap on texts leaves out the generic ones."""
    layers: list[list[Edit]] = []
    ordered = sorted(edits, key=lambda e: (e.kind != "heard", e.position))
    for edit in ordered:
        for layer in layers:
            if all(abs(edit.position - other.position) >= _EDIT_SPACING for other in layer):
                layer.append(edit)
                break
        else:
            if len(layers) < _MAX_RIVAL_TEXTS:
                layers.append([edit])
    for layer in layers:
        layer.sort(key=lambda e: e.position)
    return layers


def _edited_spelling(morae: Sequence[str], spelled: Sequence[str], layer: Sequence[Edit]) -> list[str]:
    by_position = {edit.position: edit for edit in layer}
    out: list[str] = []
    for position, spelling in enumerate(spelled):
        edit = by_position.get(position)
        if edit is None:
            out.append(spelling)
            continue
        replacement = spell([morae[position - 1], *edit.replacement])[1:] if position else spell(edit.replacement)
        out += replacement
        if edit.insert:
            out.append(spelling)
    return out


def substitution_gains(
    morae: Sequence[str], spelled: Sequence[str], alternatives: Sequence[dict[str, float]]
) -> list[tuple[float, str | None]]:
    """For each target mora, how much more likely (natural log) the model finds the likeliest other mora there than
    the target's, given the audio and the target before it, and that mora: from the model's next-token
    distribution at the mora (`speech.forced_alternatives`), each kana token counting for the mora it begins with,
    and morae that sound the same (ワ and the particle は, ー and the vowel it lengthens) counting as the target's."""
    gains: list[tuple[float, str | None]] = []
    for position, (mora, spelling, tokens) in enumerate(zip(morae, spelled, alternatives, strict=True)):
        own = {_sound_keys([mora])[0], _sound_keys([_katakana_of(spelling)])[0]}
        if mora == "ー" and position:
            own |= {_sound_keys([morae[position - 1], "ー"])[1], _katakana_of(spelling)}
        mass: dict[str, list[float]] = {}
        for text, logprob in tokens.items():
            kana = text.strip()
            if not kana or _NOT_KANA.search(kana):
                continue
            first = split_morae(_katakana_of(kana))[0]
            prefix_of_own = spelling.startswith(kana) or kana.startswith(spelling)  # きょ read as き + ょ
            key = "own" if prefix_of_own or _sound_keys([first])[0] in own or first in own else first
            mass.setdefault(key, []).append(logprob)
        totals = {key: float(np.logaddexp.reduce(values)) for key, values in mass.items()}
        # No mass of its own: the mora's first token is a piece of a character's bytes (ぴゃ), which decodes to no
        # kana, so the model's choice there cannot be weighed against it.
        target = totals.pop("own", None)
        rival = max(totals, key=lambda key: totals[key], default=None)
        gains.append((totals[rival] - target, rival) if rival is not None and target is not None else (-math.inf, None))
    return gains


def _katakana_of(kana: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in kana)


def _rival_start(layer: Sequence[Edit], index: int) -> int:
    """Where the rival's morae for `layer[index]` begin (the edits before it change the count)."""
    shift = sum(len(edit.replacement) - (0 if edit.insert else 1) for edit in layer[:index])
    return layer[index].position + shift


def _gain(edit: Edit, start: int, target: Sequence[float], rival: Sequence[float], mora_cost: float) -> float:
    """How much better (natural log) the rival explains the audio around the edit than the target: the edited
    mora against its replacement; a mora left out or added also takes in the mora after it, and the shorter side is
    charged `mora_cost` for each mora it lacks."""
    position, said = edit.position, len(edit.replacement)
    if edit.insert:
        return sum(rival[start : start + said + 1]) - target[position] - said * mora_cost
    if said == 0:
        return (
            rival[start] + mora_cost - sum(target[position : position + 2])
            if start < len(rival)
            else -target[position] + mora_cost
        )
    return sum(rival[start : start + said]) - target[position] - (said - 1) * mora_cost


def _skipped(morae: Sequence[str], heard: Sequence[str], target_logprob: Sequence[float]) -> set[int]:
    """Target morae not said: runs of `_SKIPPED_RUN` or more that the transcript lacks and the model finds
    unlikely."""
    skipped: set[int] = set()
    floor = math.log(_SKIPPED_PROBABILITY)
    for op in Levenshtein.opcodes(_sound_keys(list(morae)), _sound_keys(list(heard))):
        if op.tag != "delete" or op.src_end - op.src_start < _SKIPPED_RUN:
            continue
        run = range(op.src_start, op.src_end)
        if all(target_logprob[i] < floor for i in run):
            skipped.update(run)
    return skipped


def _results(morae: Sequence[str], worst: dict[int, tuple[float, Edit]], skipped: set[int]) -> list[MoraResult]:
    moras: list[MoraResult] = []
    for position, mora in enumerate(morae):
        outcome: MoraOutcome
        found = worst.get(position)
        if position in skipped:
            moras.append(MoraResult(mora, None, "missing"))
            continue
        if found is None:
            moras.append(MoraResult(mora, mora, "correct"))
            continue
        edit = found[1]
        if edit.insert:
            moras += [MoraResult(None, extra, "extra") for extra in edit.replacement]
            moras.append(MoraResult(mora, mora, "correct"))
            continue
        outcome = "substituted" if edit.replacement else "missing"
        moras.append(MoraResult(mora, "".join(edit.replacement) or None, outcome))
    return moras


# --- fluency ------------------------------------------------------------------------------------------------------


def measure_fluency(
    audio: npt.NDArray[np.float32], sample_rate: int, mora_count: int, punctuation_pauses: int
) -> Fluency:
    """Speech rate and pauses from the loudness of 10 ms frames (see the module docstring)."""
    frame = max(1, round(sample_rate * _FRAME_SECONDS))
    frames = audio[: audio.size // frame * frame].reshape(-1, frame) if audio.size >= frame else audio.reshape(1, -1)
    energy = 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
    voiced = np.flatnonzero(energy > energy.max() - _SILENCE_BELOW_PEAK_DB)
    if voiced.size == 0:
        return Fluency(score=0.0, speech_seconds=0.0, morae_per_second=0.0, pauses=0)
    gaps = np.diff(voiced) - 1
    long_gaps = gaps[gaps * _FRAME_SECONDS >= _PAUSE_SECONDS]
    speech_seconds = (voiced[-1] - voiced[0] + 1) * _FRAME_SECONDS
    speaking_seconds = max(speech_seconds - float(long_gaps.sum()) * _FRAME_SECONDS, _FRAME_SECONDS)
    rate = mora_count / speaking_seconds
    score = 100.0 - _PAUSE_PENALTY * max(0, long_gaps.size - punctuation_pauses)
    if rate < _SLOW_MORAE_PER_SECOND:
        score -= 100.0 * (1 - rate / _SLOW_MORAE_PER_SECOND)
    return Fluency(
        score=round(max(score, 0.0), 1),
        speech_seconds=round(float(speech_seconds), 2),
        morae_per_second=round(float(rate), 2),
        pauses=int(long_gaps.size),
    )
