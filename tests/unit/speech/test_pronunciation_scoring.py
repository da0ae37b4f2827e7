"""Pronunciation scored against the target from the audio (shared.services.pronunciation_scoring).

The tests without the `slow` mark give the scorer a stand-in for the speech model (a reader that says how likely each
mora of each text is), to pin the rules; the slow ones run Whisper on Open JTalk's readings.
"""

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

from shared.services import pronunciation_scoring as scoring
from shared.services.pronunciation import MoraResult
from shared.services.speech import ForcedReading

SAMPLE_RATE = 16_000


def speech_like(seconds: float, gaps: tuple[tuple[float, float], ...] = ()) -> np.ndarray:
    """A tone standing in for speech, silent in each (start, end) of `gaps`."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    audio = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    for start, end in gaps:
        audio[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)] = 0
    return audio


def reader_preferring(said: list[str], seconds: dict[int, float] | None = None):
    """A stand-in model that heard `said` (hiragana, one per mora): a text's mora is likely (log p = -0.1) where an
    alignment of the text with what was said pairs it with the same mora, and unlikely (-6) elsewhere. Each mora is
    aligned with 0.12 s of audio, or `seconds[position]`, each after the one before."""

    def read(audio, texts):
        out = []
        for text in texts:
            logprobs = [-6.0] * len(text)
            for block in Levenshtein.opcodes(text, said):
                if block.tag == "equal":
                    logprobs[block.src_start : block.src_end] = [-0.1] * (block.src_end - block.src_start)
            durations = [(seconds or {}).get(position, 0.12) for position in range(len(text))]
            onsets = [float(t) for t in np.cumsum([0.0, *durations[:-1]])]
            out.append(ForcedReading(logprobs=logprobs, seconds=durations, onsets=onsets))
        return out

    return read


def no_alternatives(audio, pieces):
    """A stand-in for the model's own next-token choices that has none."""
    return [{} for _ in pieces]


def test_a_misheard_kanji_in_the_transcript_is_no_mora_error():
    # Given a correct reading of 図書館で本を読みました that the free transcript wrote 土書館
    spelled = scoring.spell(scoring.target_morae("図書館で本を読みました"))
    read = reader_preferring(spelled)

    # When it is scored against the target
    result = scoring.assess_reading(
        "図書館で本を読みました", "土書館で本を読みました", speech_like(1.6), SAMPLE_RATE, read, no_alternatives
    )

    # Then no mora is marked wrong: the audio supports ト better than the transcript's ド
    assert [m.result for m in result.moras] == ["correct"] * 13
    assert (result.accuracy, result.completeness) == (100.0, 100.0)
    assert result.heard_kana == "ツチショカンデホンヲヨミマシタ"  # 土 read つち: the false ト→チ and extra ツ
    assert result.feedback["summary"] == "All 13 morae matched: well done."


def test_a_dropped_small_tsu_is_located_even_when_the_transcript_spells_the_word_right():
    # Given がこうへいきます said for 学校へ行きます, transcribed as the right words
    morae = scoring.target_morae("学校へ行きます")
    assert morae == ["ガ", "ッ", "コ", "ー", "エ", "イ", "キ", "マ", "ス"]
    said = ["が", "こ", "う", "へ", "い", "き", "ま", "す"]

    result = scoring.assess_reading(
        "学校へ行きます", "学校へ行きます", speech_like(1.2), SAMPLE_RATE, reader_preferring(said), no_alternatives
    )

    # Then the ッ is the one mora marked, as left out
    assert [i for i, m in enumerate(result.moras) if m.result != "correct"] == [1]
    assert result.moras[1] == MoraResult("ッ", None, "missing")
    assert result.accuracy == pytest.approx(88.9)
    assert result.score < 100


def test_an_unvoiced_mora_is_located_as_the_mora_said():
    # Given わたしはかくせいです said for 私は学生です (ガ un-voiced)
    said = ["わ", "た", "し", "は", "か", "く", "せ", "い", "で", "す"]

    result = scoring.assess_reading(
        "私は学生です", "私は学生です", speech_like(1.3), SAMPLE_RATE, reader_preferring(said), no_alternatives
    )

    assert [m for m in result.moras if m.result != "correct"] == [MoraResult("ガ", "カ", "substituted")]


def test_a_skipped_word_counts_against_completeness_not_accuracy():
    # Given 今日は雨です said without です: the transcript lacks it and the model finds it unlikely
    spelled = scoring.spell(scoring.target_morae("今日は雨です"))  # きょ う は あ め で す
    read = reader_preferring(spelled[:5])

    result = scoring.assess_reading("今日は雨です", "今日は雨", speech_like(0.8), SAMPLE_RATE, read, no_alternatives)

    # Then: two of seven morae missing is under the three-mora run that counts as skipped, so they are errors
    assert [m.result for m in result.moras][-2:] == ["missing", "missing"]
    # and a longer skipped run is incompleteness instead
    spelled = scoring.spell(scoring.target_morae("今日は雨が降ります"))
    result = scoring.assess_reading(
        "今日は雨が降ります", "今日は雨", speech_like(0.8), SAMPLE_RATE, reader_preferring(spelled[:5]), no_alternatives
    )
    assert result.completeness < 60 and result.accuracy == 100.0
    assert result.score < 100


def test_the_models_own_choice_of_another_mora_marks_a_swapped_vowel():
    # Given the model's next-token choices at each mora of です, where it would write そ (and しょう) for す
    morae, spelled = ["デ", "ス"], ["で", "す"]
    choices = [{"です": -0.2, "で": -2.5, "だ": -3.8}, {"そ": -0.7, "そう": -1.3, "す": -6.9, "ス": -7.5, "。": -2.0}]

    gains = scoring.substitution_gains(morae, spelled, choices)

    # Then で is the model's own choice (です begins with it), and at す the mora ソ is likelier by over 5
    assert gains[0] == (pytest.approx(-3.8 - np.logaddexp.reduce([-0.2, -2.5])), "ダ")
    assert gains[1][1] == "ソ" and gains[1][0] == pytest.approx(np.logaddexp(-0.7, -1.3) - np.logaddexp(-6.9, -7.5))


def test_a_long_vowel_cut_short_is_located_by_its_length():
    # Given がっこうへいきます said with the う of 学校 cut short: the model, reading kana a mora at a time, finds the
    # target as likely as ever (its probabilities barely tell コー from コ), but aligns the ー with 20 ms of audio
    # where the learner's morae take about 120 ms
    morae = scoring.target_morae("学校へ行きます")
    assert morae[3] == "ー"
    read = reader_preferring(scoring.spell_target("学校へ行きます", morae), {3: 0.02})

    result = scoring.assess_reading(
        "学校へ行きます", "学校へ行きます", speech_like(1.2), SAMPLE_RATE, read, no_alternatives
    )

    # Then the ー is the one mora marked, as left out
    assert [m for m in result.moras if m.result != "correct"] == [MoraResult("ー", None, "missing")]
    # while a long vowel given a short mora's time (60 ms: a fast speaker) is no error
    read = reader_preferring(scoring.spell_target("学校へ行きます", morae), {3: 0.06})
    result = scoring.assess_reading(
        "学校へ行きます", "学校へ行きます", speech_like(1.2), SAMPLE_RATE, read, no_alternatives
    )
    assert all(m.result == "correct" for m in result.moras)


def test_a_mora_whose_token_is_part_of_a_character_gets_no_false_error_from_the_models_choices():
    # Given 六百 (ロッピャク): ぴゃ's first token is a piece of ぴ's bytes, which decodes to no kana, so the model's
    # next-token choices there hold nothing of the target's own (measured: タ then looked 29.6 likelier)
    morae, spelled = ["ロ", "ッ", "ピャ", "ク"], ["ろ", "っ", "ぴゃ", "く"]
    choices = [{"ろ": -0.1}, {"っ": -0.1}, {"\ufffd": -0.05, "た": -3.0}, {"く": -0.1}]

    gains = scoring.substitution_gains(morae, spelled, choices)

    # Then there is no evidence at ぴゃ, rather than a gain against nothing
    assert gains[2] == (-np.inf, None)
    assert gains[0][1] is None and gains[3][1] is None


def test_a_particle_said_as_it_sounds_is_no_error_however_it_is_written():
    # Given 私は東京へ行きます: the particles は and へ are the morae ワ and エ, spelled は and へ for the model
    text = "私は東京へ行きます"
    morae = scoring.target_morae(text)
    spelled = scoring.spell_target(text, morae)
    assert (morae[3], spelled[3], morae[8], spelled[8]) == ("ワ", "は", "エ", "へ")

    # When the transcript wrote them as they sound (わ, え) and the model's own choice there is the sound too
    heard = scoring.split_morae("ワタシワトーキョーエイキマス")
    choices = [{piece: -0.1} for piece in spelled]
    choices[3], choices[8] = {"わ": -0.1, "は": -2.5, "が": -4.0}, {"え": -0.2, "へ": -1.9, "に": -3.0}

    # Then neither the transcript nor the model's choices name a rival at the particles
    assert [e for e in scoring.candidate_edits(morae, heard) if e.kind == "heard"] == []
    gains = scoring.substitution_gains(morae, spelled, choices)
    assert gains[3][1] == "ガ" and gains[3][0] < -3
    assert gains[8][1] == "ニ" and gains[8][0] < -2
    result = scoring.assess_reading(
        text,
        "わたしわとうきょうえいきます",
        speech_like(1.3),
        SAMPLE_RATE,
        reader_preferring(spelled),
        lambda a, p: choices,
    )
    assert all(m.result == "correct" for m in result.moras)


def test_a_mora_the_model_would_skip_to_the_next_one_is_marked_left_out_not_replaced():
    # Given 学校へ said without its ッ: the model finds the target's っ unlikely, the rivals find nothing, but where the
    # target has っ the model would rather write こ, the mora after it
    morae = scoring.target_morae("学校へ")
    spelled = scoring.spell_target("学校へ", morae)
    choices = [{"が": -0.1}, {"こ": -0.1, "っ": -6.0}, {"こ": -0.1}, {"う": -0.1}, {"へ": -0.1}]
    said = [piece for piece in spelled if piece != "っ"]

    result = scoring.assess_reading(
        "学校へ", "学校へ", speech_like(0.6), SAMPLE_RATE, reader_preferring(said), lambda audio, pieces: choices
    )

    # Then the ッ is marked missing (said as nothing), not said as コ
    assert [m for m in result.moras if m.result != "correct"] == [MoraResult("ッ", None, "missing")]


def test_the_models_own_choices_are_not_decoded_where_the_target_is_too_likely_for_any_to_win():
    # Given a reading in which the model finds every mora of the target likely (log p -0.1: 90 %), so that no other
    # mora can take e^margin times as much of its next-token mass
    spelled = scoring.spell(scoring.target_morae("本を読みました"))

    def no_decode(audio, pieces):
        raise AssertionError("the model's own choices were decoded")

    # When it is scored, Then the choices are not asked for, and every mora is right
    result = scoring.assess_reading(
        "本を読みました", "本を読みました", speech_like(1.0), SAMPLE_RATE, reader_preferring(spelled), no_decode
    )
    assert all(m.result == "correct" for m in result.moras)

    # and the bound is the margin's: a target at 1 / (1 + e^m) of the mass is out of reach, just under it is not
    # (less the slack kept for the rounding of the model's two calls)
    bound = -np.log1p(np.exp(4.0 - scoring._BOUND_SLACK))
    assert not scoring._rival_possible([-0.1, bound], [4.0, 4.0])
    assert scoring._rival_possible([-0.1, bound - 0.01], [4.0, 4.0])


@pytest.mark.parametrize(
    ("text", "spelled"),
    [
        ("先生", ["せ", "ん", "せ", "い"]),  # ー after an e-sound written い
        ("東京", ["と", "う", "きょ", "う"]),
        ("私は学校へ", ["わ", "た", "し", "は", "が", "っ", "こ", "う", "へ"]),  # particles as written
    ],
)
def test_the_target_is_spelled_for_the_model_one_mora_at_a_time(text, spelled):
    morae = scoring.target_morae(text)
    assert scoring.spell_target(text, morae) == spelled


def test_the_target_pitch_is_given_per_mora():
    # 雨 (あめ) has its nucleus on the first mora: H L; 箸 and 橋 differ as H L and L H
    assert scoring.target_pitch("雨", 2) == ["H", "L"]
    assert scoring.target_pitch("東京", 4) == ["L", "H", "H", "H"]  # heiban
    assert scoring.target_pitch("東京", 5) == []  # morae that do not add up give no pattern


def test_fluency_counts_pauses_inside_the_sentence_and_a_slow_rate():
    fluent = scoring.measure_fluency(speech_like(1.5), SAMPLE_RATE, mora_count=12, punctuation_pauses=0)
    halting = scoring.measure_fluency(
        speech_like(3.0, gaps=((1.0, 1.5), (2.0, 2.5))), SAMPLE_RATE, mora_count=12, punctuation_pauses=0
    )
    assert (fluent.score, fluent.pauses, fluent.morae_per_second) == (100.0, 0, 8.0)
    assert (halting.pauses, halting.morae_per_second) == (2, 6.0)
    assert halting.score == 80.0
    # a pause where the sentence has a comma costs nothing
    assert scoring.measure_fluency(speech_like(2.0, ((1.0, 1.4),)), SAMPLE_RATE, 12, 1).score == 100.0


def test_a_target_without_japanese_is_refused():
    with pytest.raises(ValueError, match="no Japanese"):
        scoring.assess_reading("?!", "", speech_like(0.5), SAMPLE_RATE, reader_preferring([]), no_alternatives)


# --- with the speech model ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_with_the_model_misheard_words_cost_nothing_and_a_dropped_tsu_is_found():
    from shared.services import speech
    from shared.services.pronunciation import assess
    from tests.unit.speech.samples import synthesise, wav_bytes

    def scored(spoken: str, target: str):
        transcript = speech.transcribe(wav_bytes(*synthesise(spoken)), practising=True)
        new = scoring.assess_reading(
            target,
            transcript.text,
            transcript.speech,
            speech.SAMPLE_RATE,
            speech.forced_readings,
            speech.forced_alternatives,
        )
        return new, assess(target, transcript.text)

    # Given a correct reading of 図書館で本を読みました, which Whisper base transcribes 都所管でほうの読みました
    right, by_transcript = scored("図書館で本を読みました", "図書館で本を読みました")
    # Then the transcript's errors in 図書館 and 本 (ミ, ヤ, コ for ト, ー for ン) are not the learner's; the を the
    # model hears as の is (measured: 95.4 against the transcript's 66.7)
    assert [m.result for m in right.moras[:7]] == ["correct"] * 7
    assert right.score >= 90 and right.score - by_transcript.score >= 20

    # Given 学校で勉強します said without its ッ, which the transcript writes right
    wrong, by_transcript = scored("ガコーデベンキョーシマス", "学校で勉強します")
    # Then the ッ is found, where the transcript found nothing
    assert [m for m in wrong.moras if m.result != "correct"] == [MoraResult("ッ", None, "missing")]
    assert by_transcript.score == 100.0 and wrong.score < 100.0
