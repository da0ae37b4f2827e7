# ruff: noqa: RUF001, RUF002  (Japanese punctuation is full width: sentences split on the full-width marks)
"""From the boxes the OCR model reads to what a learner sees: furigana set apart, lines in Japanese reading order, and
the sentences they form, cut by punctuation and by layout. Pure functions on boxes (no model, no image), so each rule
is tested on boxes made up for it (tests/unit/ocr/test_ocr_layout.py) and on real renders (test_ocr.py)."""

from __future__ import annotations

import itertools
import re
import statistics
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

from shared.services.ocr_text import is_japanese_context, normalise

Point = tuple[float, float]

# A box at least this much taller than wide is a column; the OCR pipeline turns such a crop before recognition.
COLUMN_ASPECT = 1.5
# Furigana are set at about half the size of their base; a box at most this thick (across the reading direction)
# against its neighbour, kana only, over (rows) or right of (columns) a line with kanji, is read as its furigana.
FURIGANA_MAX_THICKNESS = 0.7
# A line this much larger (character pitch) than the one before it, or smaller, starts a new unit: a heading and
# its paragraph, a sign's title and its text. Headings measured 1.4-1.5x their text.
SIZE_CHANGE = 1.25
# Layout breaks, in multiples of the line's thickness (its character size): two boxes on one row further apart than
# GAP_ALONG (an item and its price); a next line starting INDENT further in than this one (a new paragraph, a
# centred sign line); a line ending SHORT before the block's far edge (a heading, a paragraph's last line, a list
# item) when it ends without punctuation that carries on (、); rows further apart than GAP_ACROSS.
GAP_ALONG = 1.0
INDENT = 0.6
SHORT = 1.2
GAP_ACROSS = 1.0
# A block of this many rows or more without any punctuation is a list (see _is_list).
LIST_ROWS = 3


@dataclass(frozen=True)
class TextBox:
    text: str
    confidence: float  # 0-1
    bbox: tuple[int, int, int, int]  # x, y, width, height in pixels


@dataclass(frozen=True)
class Line:
    """A box the model read, with its quadrilateral as detected (corners from the top-left, clockwise)."""

    box: TextBox
    polygon: tuple[Point, Point, Point, Point]

    @property
    def x0(self) -> int:
        return self.box.bbox[0]

    @property
    def y0(self) -> int:
        return self.box.bbox[1]

    @property
    def x1(self) -> int:
        return self.box.bbox[0] + self.box.bbox[2]

    @property
    def y1(self) -> int:
        return self.box.bbox[1] + self.box.bbox[3]

    def with_text(self, text: str) -> Line:
        return replace(self, box=replace(self.box, text=text))


def line_from_polygon(text: str, confidence: float, corners: Sequence[Point], width: int, height: int) -> Line:
    polygon = (corners[0], corners[1], corners[2], corners[3])
    return Line(TextBox(text, confidence, bbox(corners, width, height)), polygon)


def bbox(points: Sequence[Point], width: int, height: int) -> tuple[int, int, int, int]:
    """The axis-aligned box around the points, clipped to the image, as x, y, width, height."""
    x0 = min(max(int(min(x for x, _ in points)), 0), width)
    y0 = min(max(int(min(y for _, y in points)), 0), height)
    x1 = min(max(round(max(x for x, _ in points)), x0), width)
    y1 = min(max(round(max(y for _, y in points)), y0), height)
    return (x0, y0, x1 - x0, y1 - y0)


def is_vertical(lines: Sequence[Line]) -> bool:
    """Columns (tategaki) when more boxes are clearly taller than wide than clearly wider than tall: one-character
    boxes are about square and vote for neither."""
    tall = sum(1 for line in lines if line.box.bbox[3] >= COLUMN_ASPECT * line.box.bbox[2])
    wide = sum(1 for line in lines if line.box.bbox[2] >= COLUMN_ASPECT * line.box.bbox[3])
    return tall > wide


def arrange(lines: Sequence[Line], width: int, height: int) -> tuple[list[Line], list[Line], list[TextBox], bool]:
    """The lines as read, turned into (body lines in reading order, furigana in reading order, sentences, whether
    the text is set in columns). Characters the model confuses across scripts are repaired in the body lines when the
    text is Japanese (shared/services/ocr_text.py)."""
    vertical = is_vertical(lines)
    body, furigana = split_furigana(lines, vertical)
    japanese = is_japanese_context("".join(line.box.text for line in body))
    body = [line.with_text(normalise(line.box.text, japanese)) for line in body]
    body = [piece for line in body for piece in _split_price(line, vertical, width, height)]
    body = reading_order(body, vertical)
    return body, reading_order(furigana, vertical), sentences(body, vertical, width, height), vertical


# --- geometry along and across the reading direction ---------------------------------------------------------------


def _across(line: Line, vertical: bool) -> tuple[int, int]:
    """The line's extent across the reading direction: x for a column, y for a row."""
    return (line.x0, line.x1) if vertical else (line.y0, line.y1)


def _along(line: Line, vertical: bool) -> tuple[int, int]:
    """The line's extent in the reading direction: y for a column (top down), x for a row (left to right)."""
    return (line.y0, line.y1) if vertical else (line.x0, line.x1)


def _thickness(line: Line, vertical: bool) -> int:
    start, end = _across(line, vertical)
    return max(end - start, 1)


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return min(a[1], b[1]) - max(a[0], b[0])


def _same_band(a: Line, b: Line, vertical: bool) -> bool:
    """On one row (or column): overlapping across the reading direction by half the thinner of the two."""
    overlap = _overlap(_across(a, vertical), _across(b, vertical))
    return overlap >= 0.5 * min(_thickness(a, vertical), _thickness(b, vertical))


def _pitch(line: Line, vertical: bool) -> float:
    """The character size estimated from the length of the line over its characters (full-width ones count one,
    others half): unlike the box's thickness it does not grow when a photo is turned or furigana touch the line."""
    start, end = _along(line, vertical)
    text = "".join(line.box.text.split())
    chars = sum(1.0 if unicodedata.east_asian_width(char) in "WF" else 0.5 for char in text)
    return (end - start) / max(chars, 1.0)


# --- furigana ------------------------------------------------------------------------------------------------------

# Kana, with the 、 or ・ that the model reads into the gap where the readings of two neighbouring words meet
_KANA_ONLY = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fc\s、・]+")
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々]")


def split_furigana(lines: Sequence[Line], vertical: bool) -> tuple[list[Line], list[Line]]:
    """(body lines, furigana): a box is furigana when it is kana only (or one or two characters, or no kana or kanji
    at all, which is what the model makes of kana that small: き read as 也, り as "id:)"), at most
    FURIGANA_MAX_THICKNESS as thick as a line with kanji that it sits just over (rows) or just right of (columns),
    lying along that line's span. In a photo the detector at times takes furigana into its base's box: a ruby box
    inside its base's box still counts when it lies well on the ruby side of the base's middle."""
    body, furigana = [], []
    for line in lines:
        if _is_furigana(line, lines, vertical):
            furigana.append(line)
        else:
            body.append(line)
    return body, furigana


def _is_furigana(line: Line, lines: Sequence[Line], vertical: bool) -> bool:
    text = "".join(line.box.text.split())
    if not (_KANA_ONLY.fullmatch(text) or len(text) <= 2 or not _JAPANESE.search(text)):
        return False
    return any(_rides_on(line, base, vertical) for base in lines if base is not line and _KANJI.search(base.box.text))


def _rides_on(ruby: Line, base: Line, vertical: bool) -> bool:
    thickness = _thickness(ruby, vertical)
    if thickness > FURIGANA_MAX_THICKNESS * _thickness(base, vertical):
        return False
    ruby_start, ruby_end = _across(ruby, vertical)
    base_start, base_end = _across(base, vertical)
    base_thickness = _thickness(base, vertical)
    # how far the ruby's middle lies from the base's on the ruby's side: right of a column, over a row
    offset = ((ruby_start + ruby_end) - (base_start + base_end)) / 2 * (1 if vertical else -1)
    # the gap from the base to the ruby, on the ruby's side (negative where the boxes overlap)
    gap = ruby_start - base_end if vertical else base_start - ruby_end
    if offset < 0.25 * base_thickness or gap > 0.6 * base_thickness:
        return False
    along = _along(ruby, vertical)
    return _overlap(along, _along(base, vertical)) >= 0.5 * (along[1] - along[0])


# --- reading order -------------------------------------------------------------------------------------------------


def reading_order(lines: Sequence[Line], vertical: bool) -> list[Line]:
    """Japanese reading order, the one rule for both layouts.

    Lines are grouped into bands across the reading direction: rows for horizontal text, columns for vertical text.
    A line joins the band before it when the two overlap, across the reading direction, by at least half the
    thinner of them (a skewed photo's rows still overlap little); otherwise it starts a new band.
    Horizontal text: rows top to bottom, each left to right. Vertical text: columns right to left, each top to
    bottom. PaddleOCR returns columns left to right, which is the wrong way round for Japanese.
    Prose set in two blocks side by side (two newspaper columns of rows; tategaki in two tiers) is read block by
    block: see `_gutter`. A line across both (a title) is read where it stands, the blocks above it first.
    """
    ordered = _band_order(lines, vertical)
    gutter = _gutter(ordered, vertical)
    if gutter is None:
        return ordered
    result: list[Line] = []
    first: list[Line] = []
    second: list[Line] = []
    for line in ordered:
        start, end = _along(line, vertical)
        if end <= gutter:
            first.append(line)
        elif start >= gutter:
            second.append(line)
        else:
            result += [*first, *second, line]
            first, second = [], []
    return [*result, *first, *second]


def _band_order(lines: Sequence[Line], vertical: bool) -> list[Line]:
    def centre(line: Line) -> float:
        start, end = _across(line, vertical)
        return -(start + end) / 2 if vertical else (start + end) / 2  # right to left: larger x first

    bands: list[tuple[int, int, list[Line]]] = []
    for line in sorted(lines, key=centre):
        start, end = _across(line, vertical)
        if bands:
            band_start, band_end, members = bands[-1]
            overlap = min(end, band_end) - max(start, band_start)
            if overlap >= 0.5 * min(end - start, band_end - band_start):
                bands[-1] = (min(start, band_start), max(end, band_end), [*members, line])
                continue
        bands.append((start, end, [line]))
    return [line for _, _, members in bands for line in sorted(members, key=lambda line: _along(line, vertical)[0])]


def _gutter(ordered: Sequence[Line], vertical: bool) -> float | None:
    """Where two blocks of prose side by side meet, along the reading direction (an x for rows, a y for columns), or
    None. Candidates are the gaps wider than GAP_ALONG between neighbours on one band; one is taken when at least two
    lines lie wholly on each side of it, each side's text has sentence punctuation (prose: not items and their
    prices), and at most a quarter of the lines cross it (titles)."""
    best: tuple[int, float] | None = None
    for previous, line in itertools.pairwise(ordered):
        if not _same_band(previous, line, vertical):
            continue
        gap_start, gap_end = _along(previous, vertical)[1], _along(line, vertical)[0]
        if gap_end - gap_start <= GAP_ALONG * max(_thickness(previous, vertical), _thickness(line, vertical)):
            continue
        gutter = (gap_start + gap_end) / 2
        before = [other for other in ordered if _along(other, vertical)[1] <= gutter]
        after = [other for other in ordered if _along(other, vertical)[0] >= gutter]
        crossing = len(ordered) - len(before) - len(after)
        prose = all(any(char in _TERMINATORS for other in side for char in other.box.text) for side in (before, after))
        if min(len(before), len(after)) >= 2 and prose and crossing <= len(ordered) / 4:
            score = min(len(before), len(after))
            if best is None or score > best[0]:
                best = (score, gutter)
    return None if best is None else best[1]


# --- language and sentences ----------------------------------------------------------------------------------------

_JAPANESE = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f々〆ヶ]")
_LATIN = re.compile(r"[A-Za-z\uff21-\uff3a\uff41-\uff5a\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]")
_TERMINATORS = frozenset("。！？!?")
_CONTINUING = frozenset("、，,・…")  # a line ending with these runs on into the next
_BRACKETS = {
    "「": "」",
    "『": "』",
    "（": "）",
    "(": ")",
    "【": "】",
    "〈": "〉",
    "《": "》",
    "〔": "〕",
    "［": "］",
    "“": "”",
}
_CLOSING = frozenset(_BRACKETS.values())
_PUNCTUATION_ONLY = re.compile(r"[\s。！？!?、，,.・…「」『』（）()【】〈〉《》〔〕［］“”]+")
# A price on its own (800円, ¥1,200, 450円 with 税込 in brackets, after leader dots): a line, but not a sentence.
_LEADERS = r"[\s・·･…‥.．]"
_PRICE_TEXT = r"[¥￥]?\s*[\d０-９][\d０-９,，]*\s*円\s*(?:[（(]税込[)）])?"
_PRICE = re.compile(rf"{_LEADERS}*[¥￥]?\s*[\d０-９][\d０-９,，.．]*\s*円?\s*(?:[（(]税込[)）])?")
# An item and its price read as one box (the detector joins them across leader dots or a short gap): the item ends
# with neither a leader, a digit nor a comma (so 1,200円 is not cut in two).
_ITEM_AND_PRICE = re.compile(rf"(?P<item>.*[^\s・·･…‥.．\d０-９,，])(?P<leaders>{_LEADERS}*)(?P<price>{_PRICE_TEXT})")


def language(text: str) -> str | None:
    if _JAPANESE.search(text):
        return "ja"
    if _LATIN.search(text):
        return "en"
    return None


def sentence_ends(text: str) -> list[int]:
    """Offsets just after each sentence in `text`: after a run of 。！？!? outside brackets, or after a closing bracket
    that ends a quoted sentence (「…。」) when another bracket or the end of the text follows. A terminator inside
    brackets does not end the sentence around them: 「はい。」と言いました。 is one sentence, 「はい。」「いいえ。」
    two. A closing bracket without its opening one (misread) after a terminator ends the sentence there."""
    ends: list[int] = []
    open_brackets: list[str] = []  # the closing bracket each open one expects, innermost last
    for index, char in enumerate(text):
        before, after = text[index - 1 : index], text[index + 1 : index + 2]
        if char in _BRACKETS:
            # 「「 is a misread (a line cut in two repeats the 「), not nesting
            if _BRACKETS[char] not in open_brackets:
                open_brackets.append(_BRACKETS[char])
        elif open_brackets:
            if char == open_brackets[-1]:
                open_brackets.pop()
                if not open_brackets and before in _TERMINATORS and (not after or after in _BRACKETS):
                    ends.append(index + 1)
        elif (char in _TERMINATORS and after not in _TERMINATORS | _CLOSING) or (
            char in _CLOSING and before in _TERMINATORS
        ):
            ends.append(index + 1)
    return ends


def _split_price(line: Line, vertical: bool, width: int, height: int) -> list[Line]:
    """A line holding a menu item and its price (カレーライス・・・800円) as two lines, the item and the price, each
    with its part of the line's box; the leader dots between them belong to neither. Where the detector cut the
    row among the leaders instead, the item's trailing middle dots (カレーライス・) and the price's leading leaders
    (・・・800円) are cut off. Other lines as they are."""
    text = line.box.text
    match = _ITEM_AND_PRICE.fullmatch(text)
    if match is not None and _JAPANESE.search(match["item"]):
        return [
            _slice(line, 0, match.end("item"), vertical, width, height),
            _slice(line, match.start("price"), len(text), vertical, width, height),
        ]
    if _PRICE.fullmatch(text) and (leaders := len(text) - len(text.lstrip("・·･…‥.． \u3000"))):
        return [_slice(line, leaders, len(text), vertical, width, height)]
    if _JAPANESE.search(text) and (kept := len(text.rstrip("・·･"))) < len(text):
        return [_slice(line, 0, kept, vertical, width, height)] if kept else [line]
    return [line]


def _slice(line: Line, start: int, end: int, vertical: bool, width: int, height: int) -> Line:
    """Characters start..end of a line as a line of their own, its quadrilateral cut from the line's."""
    begin_a, end_a, begin_b, end_b = _fragment_corners(_Fragment(line, start, end), vertical)
    # the corners come as (edge a at begin, edge a at end, edge b at begin, edge b at end); a row's edges are its top
    # and bottom, a column's its left and right: put them clockwise from the top-left
    corners = [begin_a, end_a, end_b, begin_b] if not vertical else [begin_a, begin_b, end_b, end_a]
    return line_from_polygon(line.box.text[start:end], line.box.confidence, corners, width, height)


def _is_sentence_line(line: Line) -> bool:
    text = "".join(line.box.text.split())
    return _JAPANESE.search(text) is not None and not _PRICE.fullmatch(text)


def layout_break(previous: Line, line: Line, block: Sequence[Line], vertical: bool) -> bool:
    """Whether `line` starts a new unit after `previous` (the line before it in reading order, within one run of
    Japanese lines `block`) whatever the punctuation says: a gap on one row (GAP_ALONG), a change of size
    (SIZE_CHANGE), a gap between rows (GAP_ACROSS), and, after a line that does not end with 、 or an opening bracket,
    an indented next line (INDENT) or a line ending short of the block's far edge (SHORT). Lines of running text
    (wrapped at the block's far edge, neither indented nor set apart) carry on."""
    thickness = max(_thickness(previous, vertical), _thickness(line, vertical))
    if _same_band(previous, line, vertical):  # side by side on one row: an item and its price, a cut column
        return _along(line, vertical)[0] - _along(previous, vertical)[1] > GAP_ALONG * thickness
    pitches = sorted((_pitch(previous, vertical), _pitch(line, vertical)))
    if pitches[1] > SIZE_CHANGE * pitches[0] and min(len(previous.box.text), len(line.box.text)) >= 2:
        return True
    across_previous, across_line = _across(previous, vertical), _across(line, vertical)
    gap = across_previous[0] - across_line[1] if vertical else across_line[0] - across_previous[1]
    if gap > GAP_ACROSS * thickness:
        return True
    text = previous.box.text.rstrip()
    if text and (text[-1] in _CONTINUING or text[-1] in _BRACKETS):
        return False
    size = min(_thickness(previous, vertical), _thickness(line, vertical))
    if _along(line, vertical)[0] - _along(previous, vertical)[0] > INDENT * size:
        return True
    # the far edge of the text block the line is in: its own size of text, without a block side by side with it
    along, pitch = _along(previous, vertical), _pitch(previous, vertical)
    far_edge = max(
        _along(other, vertical)[1]
        for other in block
        if _overlap(_along(other, vertical), along) > 0
        and max(pitch, _pitch(other, vertical)) <= SIZE_CHANGE * min(pitch, _pitch(other, vertical))
    )
    return _along(previous, vertical)[1] < far_edge - SHORT * size


def _is_list(block: Sequence[Line], vertical: bool) -> bool:
    """A block of LIST_ROWS rows (or columns) or more without any punctuation is a list, not prose: a menu without
    prices, a sign. Each of its rows is a unit even where it happens to reach the block's edge."""
    rows = 1 + sum(not _same_band(a, b, vertical) for a, b in itertools.pairwise(block))
    marks = _TERMINATORS | _CONTINUING
    return rows >= LIST_ROWS and not any(char in marks for line in block for char in line.box.text)


@dataclass(frozen=True)
class _Fragment:
    line: Line
    start: int  # character offsets of the fragment in line.box.text
    end: int


def sentences(lines: Sequence[Line], vertical: bool, width: int, height: int) -> list[TextBox]:
    """Japanese sentences across lines in reading order. Consecutive lines with kana or kanji form runs, cut where
    `layout_break` says the layout starts a new unit (and at every row of a list: `_is_list`); the texts of a run's
    lines are joined (without a separator, as Japanese is written) and cut where `sentence_ends` says. A line
    without kana or kanji, or a price, ends the sentence before it and belongs to none, except a line of punctuation
    only (a column's 。 read on its own), which completes the sentence before it. A sentence's confidence is the mean
    of its lines'; its box is the union of the parts of lines it covers, a part's share of its line estimated from
    character widths (full-width characters count double)."""
    blocks: list[list[Line]] = [[]]
    for line in lines:
        if _is_sentence_line(line) or (blocks[-1] and _PUNCTUATION_ONLY.fullmatch(line.box.text)):
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])

    runs: list[list[Line]] = []
    for block in filter(None, blocks):
        listed = _is_list(block, vertical)
        runs.append([block[0]])
        for previous, line in itertools.pairwise(block):
            if _PUNCTUATION_ONLY.fullmatch(line.box.text):
                carries_on = True
            elif listed and not _same_band(previous, line, vertical):
                carries_on = False
            else:
                carries_on = not layout_break(previous, line, block, vertical)
            if carries_on:
                runs[-1].append(line)
            else:
                runs.append([line])

    found = []
    for run in runs:
        starts = list(itertools.accumulate((len(line.box.text) for line in run), initial=0))
        text = "".join(line.box.text for line in run)
        cuts = [0, *(end for end in sentence_ends(text) if end < len(text)), len(text)]
        for begin, end in itertools.pairwise(cuts):
            fragments = [
                _Fragment(line, max(begin - offset, 0), min(end - offset, len(line.box.text)))
                for line, offset in zip(run, starts, strict=False)
                if offset < end and offset + len(line.box.text) > begin
            ]
            sentence = _sentence(fragments, vertical, width, height)
            if any(char.isalnum() for char in sentence.text):  # not a stray 。 on its own
                found.append(sentence)
    return found


def _sentence(fragments: Sequence[_Fragment], vertical: bool, width: int, height: int) -> TextBox:
    text = ""
    for fragment in fragments:
        part = fragment.line.box.text[fragment.start : fragment.end]
        if text and text[-1].isascii() and text[-1].isalnum() and part[:1].isascii() and part[:1].isalnum():
            text += " "  # two lines of latin words: keep the words apart
        text += part
    lines = list({id(fragment.line): fragment.line for fragment in fragments}.values())
    corners = [corner for fragment in fragments for corner in _fragment_corners(fragment, vertical)]
    return TextBox(
        text=text.strip(),
        confidence=statistics.fmean(line.box.confidence for line in lines),
        bbox=bbox(corners, width, height),
    )


def _fragment_corners(fragment: _Fragment, vertical: bool) -> list[Point]:
    """The part of the line's quadrilateral that holds characters start..end, by interpolating along the reading
    direction: top and bottom edges for a row, left and right edges for a column."""
    text = fragment.line.box.text
    weights = [2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text]
    total = sum(weights)
    begin, end = sum(weights[: fragment.start]) / total, sum(weights[: fragment.end]) / total
    top_left, top_right, bottom_right, bottom_left = fragment.line.polygon
    if vertical:  # a column is read down its left and right edges
        edges = ((top_left, bottom_left), (top_right, bottom_right))
    else:
        edges = ((top_left, top_right), (bottom_left, bottom_right))
    return [_lerp(a, b, share) for a, b in edges for share in (begin, end)]


def _lerp(a: Point, b: Point, share: float) -> Point:
    return (a[0] + (b[0] - a[0]) * share, a[1] + (b[1] - a[1]) * share)
