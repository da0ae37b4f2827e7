"""Pronunciation scores from texts alone: what the learner was asked to say against a transcript, mora by mora.

Not marked slow: pyopenjtalk and its dictionary load once, in about 1 s; no audio and no speech model here.
"""

import pytest

from shared.services.pronunciation import MoraResult, assess, split_morae

# pyopenjtalk-plus calls sudachipy's deprecated Dictionary.create() on some kanji: not ours to fix.

TARGET = "今日は雨です"  # キョ ー ワ ア メ デ ス: seven morae


@pytest.mark.parametrize(
    ("katakana", "morae"),
    [
        ("キョーワ", ["キョ", "ー", "ワ"]),
        ("ガッコー", ["ガ", "ッ", "コ", "ー"]),
        ("シンブン", ["シ", "ン", "ブ", "ン"]),
        ("ティー", ["ティ", "ー"]),
        ("ヴァイオリン", ["ヴァ", "イ", "オ", "リ", "ン"]),
        ("ァ", ["ァ"]),  # a small kana with nothing before it stands alone
        ("", []),
    ],
)
def test_split_morae(katakana, morae):
    assert split_morae(katakana) == morae


def test_an_exact_reading_scores_100_with_every_mora_correct():
    assessment = assess(TARGET, TARGET)

    assert (assessment.score, assessment.expected_kana, assessment.heard_kana) == (
        100.0,
        "キョーワアメデス",
        "キョーワアメデス",
    )
    assert [m.result for m in assessment.moras] == ["correct"] * 7
    assert assessment.moras[0] == MoraResult(expected="キョ", heard="キョ", result="correct")
    assert assessment.feedback == {
        "correct": 7,
        "substituted": 0,
        "missing": 0,
        "extra": 0,
        "summary": "All 7 morae matched: well done.",
    }


@pytest.mark.parametrize(
    ("transcript", "index", "mora", "score"),
    [
        pytest.param("今日は亀です", 3, MoraResult("ア", "カ", "substituted"), 85.7, id="substituted"),
        pytest.param("今日は雨す", 5, MoraResult("デ", None, "missing"), 85.7, id="missing in the middle"),
        pytest.param("今日は雨で", 6, MoraResult("ス", None, "missing"), 85.7, id="missing at the end"),
        pytest.param("今日はか雨です", 3, MoraResult(None, "カ", "extra"), 87.5, id="extra"),
    ],
)
def test_one_wrong_mora_is_found_where_it_is(transcript, index, mora, score):
    # Given a transcript one mora away from the target
    assessment = assess(TARGET, transcript)

    # Then that mora, and only that one, is marked, and the score is correct / aligned positions
    assert assessment.moras[index] == mora
    assert [m.result for m in assessment.moras].count("correct") == len(assessment.moras) - 1
    assert assessment.feedback[mora.result] == 1
    assert assessment.score == score


def test_the_summary_names_the_mistakes():
    assert assess(TARGET, "今日は亀です").feedback["summary"] == "6 of 7 morae matched; listen again for ア (heard カ)."
    assert assess(TARGET, "今日は雨で").feedback["summary"] == "6 of 7 morae matched; listen again for ス (missing)."


def test_a_different_sentence_scores_low():
    # 今日は飴を買います: キョーワアメ match, then ヲカイマス against デス
    assessment = assess(TARGET, "今日は飴を買います")

    assert assessment.feedback | {"summary": ""} == {
        "correct": 6,
        "substituted": 1,
        "missing": 0,
        "extra": 3,
        "summary": "",
    }
    assert assessment.score == 60.0


@pytest.mark.parametrize(
    ("target", "transcript"),
    [
        ("今日は雨です", "きょうはあめです"),  # kanji or kana
        ("今日は、雨です！", "今日は雨です。"),  # punctuation  # noqa: RUF001
        ("七時に起きます", "7時に起きます"),  # digits
        ("先生です", "せんせいです"),  # Open JTalk: センセーデス against センセイデス
        ("映画を見ます", "えいがを見ます"),  # エーガ against エイガ
        ("本を読みます", "本お読みます"),  # ヲ is said オ
        ("日本の夏はとても暑いです", "日本の夏はとても熱いです"),  # a homophone written with other kanji
    ],
)
def test_spelling_does_not_count_only_sound(target, transcript):
    assert assess(target, transcript).score == 100.0


def test_a_long_vowel_shared_after_different_morae_is_not_a_second_mistake():
    # センセー against サンセー: one substituted mora, not two
    assessment = assess("先生", "さんせい")

    assert [m.result for m in assessment.moras] == ["substituted", "correct", "correct", "correct"]


def test_nothing_heard_scores_zero_with_every_mora_missing():
    assessment = assess(TARGET, "")

    assert assessment.score == 0.0
    assert [m.result for m in assessment.moras] == ["missing"] * 7
    assert assessment.feedback["summary"].startswith("No Japanese speech was recognised")


@pytest.mark.parametrize("target", ["", "   ", "。、！"])  # noqa: RUF001
def test_a_target_with_nothing_to_pronounce_is_an_error(target):
    with pytest.raises(ValueError, match="no Japanese"):
        assess(target, "今日は")
