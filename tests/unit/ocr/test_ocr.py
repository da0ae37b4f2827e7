# ruff: noqa: RUF001  (Japanese text is written with full-width punctuation: it is under test)
"""OCR with the real model (PaddleOCR 3, PP-OCRv5 mobile) on Japanese text rendered offline (tests/unit/ocr/samples.py).

The model runs in one child process for the whole module, which reads every sample image once: paddle never enters
the pytest process, where it would collide with faster-whisper's oneDNN (the speech tests refuse to run in a process
that has imported paddle), and it leaves OMP_NUM_THREADS=1 behind in os.environ when imported. The child needs
about 3 s to load the model with .pyc files (7-10 s without) and 0.1-0.5 s an image.

Error bounds, from measurements on this kind of 2-core machine: every sample below came back exact (CER 0.0) over
repeated runs with other noise, rows, columns and photo-like JPEGs alike (the offline-stack notes measured 1-3% on
other renderings). Errors start with smaller text and rougher photos than these (44 px text): 20 px rows turned 3-5
degrees with heavy noise and JPEG quality 30-40 gave CER 0.06-0.14, 16 px rows 0.14-0.20. The bounds allow one or
two misread characters in a sample (oneDNN kernels differ a little between CPUs): 0.05 for clean text (about 1.5
characters of 33), 0.08 for a photo-like JPEG (about 2.5 of 33).
"""

import dataclasses
import json
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from shared.services.ocr import OcrResult, TextBox
from tests.unit.ocr.layouts import (
    LayoutSample,
    boundary_hits,
    headed_paragraphs,
    menu,
    sign,
    two_column_page,
    vertical_furigana,
)
from tests.unit.ocr.samples import (
    COLUMNS,
    HORIZONTAL,
    HORIZONTAL_SENTENCES,
    character_error_rate,
    columns,
    encode,
    photographed,
    rows,
)

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[3]
CLEAN_CER = 0.05
PHOTO_CER = 0.08

LEADER_MENU = ["カレーライス・・・・・・800円", "ラーメン　750円", "コーヒー……………400円"]  # one box a row, or two
DIALOGUE = ["「はい。」と言いました。", "「ありがとう！」「どういたしまして。」"]
MIXED = ["Lesson 3", "私はPythonが好きです。", "I like Python."]

# The child process: read each <name>.img in the folder given, write {name: OcrResult as a dict} as JSON.
READ_ALL = """
import dataclasses, json, sys, time
from pathlib import Path
from shared.services import ocr
folder = Path(sys.argv[1])
started = time.perf_counter()
ocr._engine()
results = {"_load_seconds": time.perf_counter() - started}
for path in sorted(folder.glob("*.img")):
    results[path.stem] = dataclasses.asdict(ocr.read_image(path.read_bytes()))
(folder / "results.json").write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
"""


# Laid-out pages (tests/unit/ocr/layouts.py), clean and photo-like; bench/ocr_accuracy.py reads more of them.
LAYOUTS: dict[str, LayoutSample] = {
    sample.name: sample
    for sample in (
        menu(0, photo=False),
        menu(1, photo=True),
        sign(1, photo=True),  # furigana over the title
        sign(2, photo=False),
        vertical_furigana(0, photo=False),
        vertical_furigana(1, photo=True),  # the detector takes furigana into the columns' boxes
        headed_paragraphs(0, photo=False),
        headed_paragraphs(1, photo=True),
        two_column_page(0, photo=False),  # read the left block of rows, then the right one
        two_column_page(1, photo=True),
    )
}


def samples() -> dict[str, bytes]:
    horizontal = rows(HORIZONTAL)
    upright_turned = horizontal.transpose(Image.Transpose.ROTATE_90)  # stored on its side, EXIF says turn it back
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    transparent = Image.new("RGBA", horizontal.size, (0, 0, 0, 0))  # black text on a transparent background
    transparent.putalpha(Image.eval(horizontal.convert("L"), lambda value: 255 - value))
    grey_16_bit = Image.fromarray(np.asarray(horizontal.convert("L")).astype(np.uint16) * 257)  # a scanner's PNG
    return {
        "horizontal": encode(horizontal, "PNG"),
        "horizontal_photo": photographed(horizontal, angle=1.5),
        "horizontal_photo_other_way": photographed(horizontal, angle=-2.0, seed=1),
        "vertical": encode(columns(COLUMNS), "PNG"),
        "vertical_photo": photographed(columns(COLUMNS), angle=-1.5),
        "dialogue": encode(rows(DIALOGUE), "PNG"),
        "mixed": encode(rows(MIXED), "PNG"),
        "english": encode(rows(["Good morning.", "See you tomorrow!"]), "PNG"),
        "blank": encode(Image.new("RGB", (640, 480), "white"), "PNG"),
        "exif_rotated": encode(upright_turned, "JPEG", quality=90, exif=exif),
        "transparent": encode(transparent, "PNG"),
        "webp": encode(horizontal, "WEBP", quality=80),
        "grey_16_bit": encode(grey_16_bit, "PNG"),
        "leader_menu": encode(rows(LEADER_MENU, size=40), "PNG"),
        "leader_menu_photo": photographed(rows(LEADER_MENU, size=40)),
        **{name: sample.image for name, sample in LAYOUTS.items()},
    }


@pytest.fixture(scope="module")
def read(tmp_path_factory: pytest.TempPathFactory) -> dict[str, OcrResult]:
    folder = tmp_path_factory.mktemp("ocr")
    for name, data in samples().items():
        (folder / f"{name}.img").write_bytes(data)
    subprocess.run([sys.executable, "-c", READ_ALL, str(folder)], cwd=REPO_ROOT, check=True, timeout=240)
    raw = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    raw.pop("_load_seconds")
    return {name: _result(fields) for name, fields in raw.items()}


def _result(fields: dict[str, Any]) -> OcrResult:
    def box(item: dict[str, Any]) -> TextBox:
        return TextBox(item["text"], item["confidence"], tuple(item["bbox"]))

    boxes = {name: [*map(box, fields[name])] for name in ("lines", "sentences", "furigana")}
    return OcrResult(**{**fields, **boxes})


def assert_sane_boxes(result: OcrResult) -> None:
    for box in [*result.lines, *result.sentences, *result.furigana]:
        x, y, width, height = box.bbox
        assert 0 < box.confidence <= 1, box
        assert min(x, y) >= 0 and min(width, height) > 0, box
        assert x + width <= result.width and y + height <= result.height, box


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


@pytest.mark.parametrize(
    ("name", "bound"),
    [("horizontal", CLEAN_CER), ("horizontal_photo", PHOTO_CER), ("horizontal_photo_other_way", PHOTO_CER)],
)
def test_rows_are_read_top_to_bottom(read, name, bound):
    # Given two rows of Japanese, rendered cleanly or photographed (turned, noisy, JPEG quality 60)
    result = read[name]

    # Then the text comes back row by row within the error bound, as horizontal Japanese
    assert character_error_rate("\n".join(HORIZONTAL), result.text) <= bound, result.text
    assert len(result.lines) == 2
    assert (result.vertical, result.language) == (False, "ja")
    assert result.format == ("png" if name == "horizontal" else "jpeg")
    assert result.lines[0].bbox[1] < result.lines[1].bbox[1]
    assert 0.9 < result.confidence <= 1.0
    assert result.confidence == pytest.approx(sum(line.confidence for line in result.lines) / 2)
    assert result.processing_time_ms > 0
    assert_sane_boxes(result)


@pytest.mark.parametrize(("name", "bound"), [("horizontal", CLEAN_CER), ("horizontal_photo", PHOTO_CER)])
def test_sentences_are_split_after_their_full_stops_across_rows(read, name, bound):
    # Given two rows holding three sentences, the second of which runs on from the first row into the second
    result = read[name]
    first, second, third = result.sentences  # exactly three

    # Then each sentence is read within the bound and ends with its terminator
    for expected, sentence in zip(HORIZONTAL_SENTENCES, result.sentences, strict=True):
        assert character_error_rate(expected, sentence.text) <= bound, sentence.text
        assert nfkc(sentence.text)[-1] == nfkc(expected)[-1]

    # And the one spanning both rows gets the union of their parts and the mean of their confidences
    row_one, row_two = result.lines
    assert second.confidence == pytest.approx((row_one.confidence + row_two.confidence) / 2)
    assert second.bbox[1] <= row_one.bbox[1] + 10 and second.bbox[1] + second.bbox[3] >= row_two.bbox[1] + 30
    # while the others lie within their own row, in its first or last part
    assert (first.confidence, third.confidence) == (row_one.confidence, row_two.confidence)
    assert first.bbox[0] == pytest.approx(row_one.bbox[0], abs=5) and first.bbox[2] < 0.8 * row_one.bbox[2]
    assert third.bbox[0] > row_two.bbox[0] + 0.25 * row_two.bbox[2] and third.bbox[1] >= row_one.bbox[1] + 30
    assert_sane_boxes(result)


@pytest.mark.parametrize(("name", "bound"), [("vertical", CLEAN_CER), ("vertical_photo", PHOTO_CER)])
def test_columns_are_read_right_to_left(read, name, bound):
    # Given three columns of tategaki (PaddleOCR itself lists them left to right)
    result = read[name]

    # Then it is recognised as vertical and the columns come back right to left, each top to bottom
    assert (result.vertical, result.language) == (True, "ja")
    assert len(result.lines) == 3
    for expected, line in zip(COLUMNS, result.lines, strict=True):
        assert character_error_rate(expected, line.text) <= bound, line.text
        assert line.bbox[3] > 3 * line.bbox[2]  # a column: much taller than wide
    xs = [line.bbox[0] for line in result.lines]
    assert xs == sorted(xs, reverse=True)
    assert character_error_rate("\n".join(COLUMNS), result.text) <= bound

    # And each column holds one sentence, boxed like its column
    assert [nfkc(sentence.text)[-1] for sentence in result.sentences] == ["。", "。", "。"]
    for sentence, line in zip(result.sentences, result.lines, strict=True):
        assert sentence.bbox == pytest.approx(line.bbox, abs=2)
    assert_sane_boxes(result)


def test_a_quoted_sentence_does_not_end_inside_its_brackets(read):
    # Given 「はい。」と言いました。 and two quoted sentences side by side
    result = read["dialogue"]

    # Then the full stop inside the first quote does not cut the sentence, and the two quotes are two sentences
    expected = ["「はい。」と言いました。", "「ありがとう！」", "「どういたしまして。」"]
    assert len(result.sentences) == 3, result.sentences
    for want, sentence in zip(expected, result.sentences, strict=True):
        assert character_error_rate(want, sentence.text) <= CLEAN_CER, sentence.text


def test_lines_without_japanese_are_read_but_are_not_sentences(read):
    # Given a heading and a translation in English around a Japanese sentence
    result = read["mixed"]

    # Then every line is read, in order, while only the Japanese one is a sentence
    assert character_error_rate("\n".join(MIXED), result.text) <= CLEAN_CER, result.text
    assert len(result.lines) == 3 and result.language == "ja"
    assert [sentence.text for sentence in result.sentences] == [result.lines[1].text]


def test_english_only_text_is_english_without_sentences(read):
    result = read["english"]
    assert character_error_rate("Good morning.\nSee you tomorrow!", result.text) <= CLEAN_CER, result.text
    assert (result.language, result.sentences, result.vertical) == ("en", [], False)


def test_a_blank_image_gives_an_empty_result(read):
    # Given a white page, then nothing is read, which is not an error
    result = read["blank"]
    assert dataclasses.astuple(result)[:6] == ("", [], [], 0.0, None, False)
    assert (result.width, result.height, result.format) == (640, 480, "png")


def test_the_exif_orientation_is_applied_before_reading(read):
    # Given a JPEG stored on its side with an EXIF orientation tag that turns it upright
    result = read["exif_rotated"]

    # Then it is read upright, with the size it is displayed at
    assert (result.width, result.height) == rows(HORIZONTAL).size
    assert character_error_rate("\n".join(HORIZONTAL), result.text) <= CLEAN_CER, result.text
    assert result.vertical is False


@pytest.mark.parametrize(("name", "fmt"), [("transparent", "png"), ("grey_16_bit", "png"), ("webp", "webp")])
def test_transparent_and_16_bit_png_and_webp_are_read(read, name, fmt):
    # Given black text on a transparent background (black on black once the alpha is dropped), a 16-bit grey PNG
    # (white on white once clipped to 8 bits) or a WebP
    result = read[name]

    # Then the text is read as if on white paper
    assert character_error_rate("\n".join(HORIZONTAL), result.text) <= CLEAN_CER, result.text
    assert result.format == fmt


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_laid_out_pages_are_cut_into_sentences_and_lines_where_their_layout_says(read, name):
    # Given a menu (prices on the right), a sign, vertical text with furigana, paragraphs under headings or two
    # blocks of rows side by side
    sample, result = LAYOUTS[name], read[name]

    # Then the text a reader sees comes back within the error bound, furigana left out of it
    bound = PHOTO_CER if result.format == "jpeg" else CLEAN_CER
    assert character_error_rate("\n".join(sample.lines), result.text) <= bound, result.text

    # And every line is cut into units where expected: a heading, a menu item, its price and a sign's line alone,
    # sentences run on across lines and columns
    sentences = [sentence.text for sentence in result.sentences]
    assert all(boundary_hits(sample.lines, sample.units, result.text, sentences)), (sentences, sample.units)
    assert_sane_boxes(result)


def test_a_menus_prices_are_lines_but_not_sentences(read):
    # Given a cafe menu: a title, five items, each with its price on the right of its row
    sample, result = LAYOUTS["menu_0"], read["menu_0"]

    # Then the title and each item are sentences of their own and each price a line of its own, on the item's row
    title, *items = result.sentences
    assert nfkc(title.text) == nfkc(sample.lines[0])
    assert [nfkc(sentence.text) for sentence in items] == [nfkc(item) for item in sample.lines[1::2]]
    prices = [line for line in result.lines if line.text.endswith("円")]
    assert [nfkc(line.text) for line in prices] == [nfkc(price) for price in sample.lines[2::2]]
    for item, price in zip(items, prices, strict=True):
        assert price.bbox[0] > item.bbox[0] + item.bbox[2] and abs(price.bbox[1] - item.bbox[1]) < 10


@pytest.mark.parametrize("name", ["sign_1", "vertical_furigana_0", "vertical_furigana_1"])
def test_furigana_are_kept_apart_with_their_boxes(read, name):
    # Given furigana over a sign's title or beside the kanji of vertical text
    sample, result = LAYOUTS[name], read[name]

    # Then they come back on their own, most of them exactly, each beside (columns) or over (rows) some text
    readings = [box.text for box in result.furigana]
    assert sum(reading in readings for reading in sample.furigana) >= len(sample.furigana) / 2, readings
    for reading in result.furigana:
        x, y, width, height = reading.bbox
        if result.vertical:
            assert any(line.bbox[0] < x + width / 2 for line in result.lines), reading
        else:
            assert any(line.bbox[1] > y + height / 2 for line in result.lines), reading
    assert_sane_boxes(result)


@pytest.mark.parametrize("name", ["leader_menu", "leader_menu_photo"])
def test_items_joined_to_their_prices_by_leader_dots_are_cut_apart(read, name):
    # Given menu rows with leader dots or a space between item and price, which the detector reads as one box (or
    # cuts among the dots in a photo)
    result = read[name]

    # Then each item and each price is a line of its own, without the dots, and only the items are sentences
    assert [nfkc(line.text) for line in result.lines] == [
        "カレーライス",
        "800円",
        "ラーメン",
        "750円",
        "コーヒー",
        "400円",
    ]
    assert [sentence.text for sentence in result.sentences] == ["カレーライス", "ラーメン", "コーヒー"]
    assert_sane_boxes(result)
