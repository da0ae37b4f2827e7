"""The boundary score of bench/ocr_accuracy.py (tests/unit/ocr/layouts.py `boundary_hits`), on results written by hand:
it must fail a glued heading and a glued menu, and not count a misread character as a misplaced cut."""

from tests.unit.ocr.layouts import boundary_hits, layout_samples
from tests.unit.ocr.samples import plain

LINES = ["日本の季節", "日本には四つの季節があり", "ます。春は桜が咲きます。"]
UNITS = ["日本の季節", "日本には四つの季節があります。", "春は桜が咲きます。"]


def test_a_result_cut_as_expected_scores_every_line():
    assert boundary_hits(LINES, UNITS, "\n".join(LINES), UNITS) == [True, True, True]


def test_a_heading_glued_to_its_paragraph_misses_the_heading_line():
    glued = ["日本の季節日本には四つの季節があります。", "春は桜が咲きます。"]
    assert boundary_hits(LINES, UNITS, "\n".join(LINES), glued) == [False, True, True]


def test_a_sentence_cut_at_a_line_end_misses_that_line():
    cut = ["日本の季節", "日本には四つの季節があり", "ます。", "春は桜が咲きます。"]
    assert boundary_hits(LINES, UNITS, "\n".join(LINES), cut) == [True, False, True]


def test_misread_characters_and_a_missing_full_stop_do_not_move_the_cuts():
    text = "日本の李節\n日本には四つの季節があり\nます春は桜が咲きます"
    got = ["日本の李節", "日本には四つの季節があります", "春は桜が咲きます"]
    assert boundary_hits(LINES, UNITS, text, got) == [True, True, True]


def test_lines_outside_any_sentence_count_as_units_of_their_own():
    # Given a menu row: an item (a sentence) and its price (a line outside any sentence)
    lines, units = ["カフェラテ", "500円", "ラーメン", "750円"], ["カフェラテ", "500円", "ラーメン", "750円"]
    assert boundary_hits(lines, units, "\n".join(lines), ["カフェラテ", "ラーメン"]) == [True] * 4
    assert boundary_hits(lines, units, "\n".join(lines), ["カフェラテ500円", "ラーメン750円"]) == [False, True] * 2


def test_every_sample_s_units_are_its_lines_cut_differently():
    for sample in layout_samples(per_kind=10):
        assert "".join(sample.units) == "".join(sample.lines), sample.name
        assert all(plain(line) == line for line in sample.lines)
