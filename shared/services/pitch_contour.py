"""The learner's pitch accent, mora by mora, from the recording's F0, set beside the target's (issue #14).

The target's Tokyo accent (H or L per mora) comes from Open JTalk (`pronunciation_scoring.target_pitch`). Here:

1. F0 every 10 ms with Praat's autocorrelation pitch tracker (praat-parselmouth, `Sound.to_pitch_ac`, 75-600 Hz:
   men's voices to children's); frames Praat finds unvoiced carry no F0.
2. Each target mora's time span: where the speech model, reading the target a mora at a time (teacher forcing),
   puts each mora's first token on CTranslate2's `Whisper.align` path (`speech.piece_onsets`; the speech worker
   takes them from the score's forced reading of the target, which aligned the same pieces); a mora ends where
   the next begins, the last at the end of the audio. Fallback, where that path is unusable (no onsets, a recording
   past Whisper's 30 s window): the speech regions (Silero VAD) cut into equal shares, one per mora.
   bench/pitch_accuracy.py measures both against Open JTalk's own mora times (README, "Pronunciation").
3. A mora's pitch: the median F0 of the voiced frames of its span read `_PEAK_DELAY_SECONDS` late, in semitones
   against the speaker's own median F0 (so a low and a high voice compare alike). A mora with fewer than
   `_MIN_VOICED_FRAMES` voiced frames in its own span (a devoiced す of です, the silence of ッ, a mora said too
   fast to track) is unknown, never guessed.
4. High or low by movement, not by level (a sentence's pitch declines as it goes, so a late high mora can lie below
   an early low one): a rise of `_TURN_SEMITONES` or more from the lowest of the recent morae makes a mora high, a
   fall as large from the highest makes it low, anything less keeps the level of the mora before (Tokyo accent: the
   first two morae of a phrase differ, and the pitch falls after the accent nucleus). The morae before the first such
   move take the side of it they lie on; a reading with no move at all is high where above the speaker's median.
5. Agreement: the share of the morae with a known pitch on which the learner's H/L matches the target's, per word
   (Open JTalk's words, each with the particles, auxiliaries, dependent verbs and suffixes after it: 雨が,
   住んでいます, whose pitch shows the accent) and over the sentence (`pitch_agreement`, 0-100). It is reported
   beside the pronunciation score and never enters it: learners and dialects differ, and the accent is feedback,
   not a fault.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

from shared.services.pronunciation_scoring import target_morae, target_words

Pitch = Literal["H", "L"]
Timing = Literal["alignment", "speech regions"]

F0_FLOOR_HZ: Final = 75.0
F0_CEILING_HZ: Final = 600.0
FRAME_SECONDS: Final = 0.01
# Whisper's window: the alignment path covers the first 30 s of a recording only.
_ALIGNED_SECONDS: Final = 30.0
_MIN_VOICED_FRAMES: Final = 5  # 50 ms: fewer are the edges of a devoiced mora, or octave errors at a breath
# The pitch a mora aims at is reached late (the rise to a high mora peaks at its end or in the next mora's onset), so
# each mora's F0 is read from its span moved this much later: on the first 30 sample sentences, per-mora agreement
# was 71 / 75 / 80 / 80 % at 0 / 30 / 60 / 90 ms; reading only the later half or two thirds of the span did worse.
_PEAK_DELAY_SECONDS: Final = 0.06
# A move of this many semitones from the recent extreme turns the level: speech's accentual rises and falls are 2-6
# semitones, a mora's jitter around its level about one. On the first 30 sample sentences (bench/pitch_accuracy.py),
# 1.0 / 1.5 / 2.0 / 3.0 agreed on 81 / 80 / 81 / 79 % of the morae of correct readings and detected 60 / 60 / 67 / 60 %
# of changed accents.
_TURN_SEMITONES: Final = 2.0
_RECENT_MORAE: Final = 2  # the extreme a move is measured from: over this many known morae of the current level
_ATTACHED_POS: Final = frozenset({"助詞", "助動詞"})  # particles and auxiliaries join the word before
_ATTACHED_GROUP: Final = frozenset({"非自立", "接尾"})  # so do dependent verbs (い of 住んでいます) and suffixes

# (audio) -> (start, end) sample offsets of its speech: shared.services.speech.speech_regions
RegionReader = Callable[[npt.NDArray[np.float32]], list[tuple[int, int]]]


@dataclass(frozen=True)
class F0Track:
    times: npt.NDArray[np.float64]  # frame centres, seconds
    hz: npt.NDArray[np.float64]  # 0 where unvoiced


@dataclass(frozen=True)
class WordPitch:
    text: str  # as written: 雨が
    first_mora: int  # index into the target's morae
    mora_count: int
    target: list[Pitch]
    heard: list[Pitch | None]
    agreement: float | None  # 0-100 over the word's morae with a known pitch; None where none is known


@dataclass(frozen=True)
class PitchAssessment:
    heard: list[Pitch | None]  # the learner's, one per target mora (None: unknown)
    semitones: list[float | None]  # each mora's median F0 against the speaker's median
    agreement: float | None  # 0-100 over the morae with a known pitch (`pitch_agreement`); None: none known
    words: list[WordPitch]
    timing: Timing


def track_f0(audio: npt.NDArray[np.float32], sample_rate: int) -> F0Track:
    """F0 every `FRAME_SECONDS` (Praat's autocorrelation method); empty for a clip too short to analyse."""
    import parselmouth  # type: ignore[import-not-found]  # an extension module without stubs; speech image only

    if audio.size < sample_rate * 3 / F0_FLOOR_HZ:  # Praat needs three periods of the lowest pitch
        return F0Track(np.zeros(0), np.zeros(0))
    sound = parselmouth.Sound(np.asarray(audio, dtype=np.float64), sampling_frequency=float(sample_rate))
    pitch = sound.to_pitch_ac(time_step=FRAME_SECONDS, pitch_floor=F0_FLOOR_HZ, pitch_ceiling=F0_CEILING_HZ)
    return F0Track(np.asarray(pitch.xs(), dtype=np.float64), np.asarray(pitch.selected_array["frequency"], float))


def spans_from_onsets(onsets: Sequence[float], end: float) -> list[tuple[float, float]]:
    """Each mora from its onset to the next one's; the last to `end`."""
    ends = [*onsets[1:], end]
    return [(start, max(start, stop)) for start, stop in zip(onsets, ends, strict=True)]


def even_spans(regions: Sequence[tuple[float, float]], mora_count: int) -> list[tuple[float, float]]:
    """The speech regions (seconds) laid end to end and cut into `mora_count` equal shares, mapped back to time."""
    total = sum(end - start for start, end in regions)
    if mora_count == 0 or total <= 0:
        return [(0.0, 0.0)] * mora_count
    step = total / mora_count

    def at(offset: float, *, ending: bool) -> float:
        for start, end in regions:
            length = end - start
            # A share ending at a region's end ends there; one starting there starts at the next region.
            if offset < length - 1e-9 or (ending and offset <= length + 1e-9):
                return start + offset
            offset -= length
        return regions[-1][1]

    return [(at(i * step, ending=False), at((i + 1) * step, ending=True)) for i in range(mora_count)]


def mora_semitones(
    track: F0Track, spans: Sequence[tuple[float, float]], delay: float = _PEAK_DELAY_SECONDS
) -> list[float | None]:
    """Each span's median F0 over its voiced frames, read `delay` seconds late, in semitones against the median of
    every voiced frame read; None where the span itself (not delayed) has fewer than `_MIN_VOICED_FRAMES` voiced
    frames, so that a devoiced mora does not take the pitch of the voiced one after it."""
    voiced = track.hz > 0

    def frames(start: float, end: float) -> npt.NDArray[np.bool_]:
        return voiced & (track.times >= start) & (track.times < end)

    known = [np.count_nonzero(frames(start, end)) >= _MIN_VOICED_FRAMES for start, end in spans]
    read = [frames(start + delay, end + delay) for start, end in spans]
    heard = [mask for mask, ok in zip(read, known, strict=True) if ok and mask.any()]
    if not heard:
        return [None] * len(spans)
    reference = float(np.median(track.hz[np.logical_or.reduce(heard)]))
    return [
        float(12 * np.log2(np.median(track.hz[mask]) / reference)) if ok and mask.any() else None
        for mask, ok in zip(read, known, strict=True)
    ]


def heard_levels(semitones: Sequence[float | None], turn: float = _TURN_SEMITONES) -> list[Pitch | None]:
    """H or L per mora from the movement of its pitch (see the module docstring, step 4); None where unknown."""
    known = [(i, st) for i, st in enumerate(semitones) if st is not None]
    levels: list[Pitch | None] = [None] * len(semitones)
    if not known:
        return levels
    state: Pitch | None = None
    recent: list[float] = []  # the known morae since the level last turned, latest last
    for index, (position, st) in enumerate(known):
        if state is None:
            before = [value for _, value in known[:index]]
            if before and st - min(before) >= turn:
                state = "H"
            elif before and max(before) - st >= turn:
                state = "L"
            if state is not None:  # the morae before the first move take the side of it they lie on
                middle = (st + (min(before) if state == "H" else max(before))) / 2
                for earlier, value in known[:index]:
                    levels[earlier] = "H" if value > middle else "L"
                recent = [st]
                levels[position] = state
            continue
        if state == "H" and max(recent[-_RECENT_MORAE:]) - st >= turn:
            state, recent = "L", []
        elif state == "L" and st - min(recent[-_RECENT_MORAE:]) >= turn:
            state, recent = "H", []
        recent.append(st)
        levels[position] = state
    if state is None:  # no move anywhere: one level, high where above the speaker's median
        for position, st in known:
            levels[position] = "H" if st >= 0 else "L"
    return levels


def word_groups(text: str, mora_count: int) -> list[tuple[str, int, int]]:
    """(text, first mora, mora count) of each of Open JTalk's words with the particles and auxiliaries that follow
    it; empty where its words' morae do not add up to `mora_count`."""
    groups: list[tuple[str, int, int]] = []
    for word in target_words(text, mora_count):
        if word.mora_count == 0:
            continue
        if groups and (word.pos in _ATTACHED_POS or word.pos_group in _ATTACHED_GROUP):
            written, first, size = groups[-1]
            groups[-1] = (written + word.written, first, size + word.mora_count)
        else:
            groups.append((word.written, word.first_mora, word.mora_count))
    return groups


def agreement(target: Sequence[Pitch], heard: Sequence[Pitch | None]) -> float | None:
    """0-100: the share of the morae with a known heard pitch that match the target; None where none is known."""
    pairs = [(t, h) for t, h in zip(target, heard, strict=True) if h is not None]
    return round(100.0 * sum(t == h for t, h in pairs) / len(pairs), 1) if pairs else None


def assess_pitch(
    target_text: str,
    target_pitch: Sequence[Pitch],
    audio: npt.NDArray[np.float32],
    sample_rate: int,
    onsets: Sequence[float],
    regions: RegionReader,
) -> PitchAssessment:
    """The learner's pitch per mora of `target_text` beside the target's (`target_pitch`, one per mora, from
    `pronunciation_scoring.target_pitch`; empty where unknown), each mora timed by `onsets` (where the model aligned
    each mora of the target spelled as `pronunciation_scoring.spell_target` spells it; empty: none). Raises
    ValueError when the target has nothing to pronounce."""
    mora_count = len(target_morae(target_text))
    duration = audio.size / sample_rate
    timing: Timing = "alignment"
    times = list(onsets) if duration <= _ALIGNED_SECONDS else []
    if len(times) == mora_count and all(b >= a for a, b in itertools.pairwise(times)):
        spans = spans_from_onsets(times, duration)
    else:
        timing = "speech regions"
        spans = even_spans([(a / sample_rate, b / sample_rate) for a, b in regions(audio)], mora_count)
    semitones = mora_semitones(track_f0(audio, sample_rate), spans)
    heard = heard_levels(semitones)
    if len(target_pitch) != mora_count:  # Open JTalk gave no target accent: nothing to compare with
        return PitchAssessment(heard, semitones, None, [], timing)
    words = [
        WordPitch(
            text=written,
            first_mora=first,
            mora_count=count,
            target=list(target_pitch[first : first + count]),
            heard=heard[first : first + count],
            agreement=agreement(target_pitch[first : first + count], heard[first : first + count]),
        )
        for written, first, count in word_groups(target_text, mora_count)
    ]
    return PitchAssessment(heard, semitones, agreement(target_pitch, heard), words, timing)
