# ruff: noqa: RUF001, RUF002  (Japanese text is written with full-width punctuation: it is under test)
"""Images for the OCR tests and bench, made offline: Japanese text drawn by Pillow in Noto Sans CJK (the font ships in
the `cvttf-notosanscjk-regular` package), in rows or in columns, clean or made to look like a phone photo.

The font file is the Traditional Chinese cut of Noto Sans CJK, which also holds the Japanese glyphs: text is drawn
with `language="ja"` (OpenType locl, through libraqm) so that 。 sits in the lower left of its cell as in Japanese,
not in the centre, which the recogniser reads as ・.
"""

import functools
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from rapidfuzz.distance import Levenshtein

# The first row is filled (as long as the second): a row of running text ending short of the block's edge without
# punctuation reads as the end of a unit (a heading, a list item), not as text that runs on.
HORIZONTAL = ["今日は天気がいいです。明日は雨が降る", "でしょう。傘を持って行きましょう！"]
HORIZONTAL_SENTENCES = ["今日は天気がいいです。", "明日は雨が降るでしょう。", "傘を持って行きましょう！"]
COLUMNS = ["今日は天気がいいです。", "明日は雨が降るでしょう。", "傘を持って行きます。"]  # read right to left
PAGE = [  # six lines for a photo of a page (the bench's 1280x960 image)
    "日本語の勉強は楽しいです。",
    "毎朝、新聞を読んでいます。",
    "駅の前に大きな本屋があります。",
    "週末は友達と映画を見に行きました。",
    "この料理はとてもおいしいですね。",
    "来年、京都へ旅行したいと思います。",
]

_PAPER = (235, 232, 225)


@functools.cache
def font_path() -> Path:
    import cvttf_NotoSansCJK_Regular  # type: ignore[import-untyped]  # a font package without Python code

    return next(Path(cvttf_NotoSansCJK_Regular.__file__).parent.glob("*.otf"))


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path()), size)


def rows(
    lines: list[str], size: int = 44, width: int | None = None, pad: int = 40, spacing: float = 1.6
) -> Image.Image:
    """Horizontal text (yokogaki): one row per item, black on white."""
    font = _font(size)
    width = width or int(max(font.getlength(line, language="ja") for line in lines) + 2 * pad)
    image = Image.new("RGB", (width, int(len(lines) * size * spacing + 2 * pad)), "white")
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(lines):
        draw.text((pad, pad + index * size * spacing), line, font=font, fill="black", language="ja")
    return image


# Furigana in the texts below are written {base|reading}: the reading is drawn small over (rows) or beside (columns)
# the base, and is not part of the text that should be read.
_RUBY = re.compile(r"\{([^|}]+)\|([^}]+)\}")


def plain(text: str) -> str:
    """The text without its furigana markup: what a reader of the line should get."""
    return _RUBY.sub(r"\1", text)


def readings(text: str) -> list[str]:
    return [match[2] for match in _RUBY.finditer(text)]


def _segments(text: str) -> list[tuple[str, str | None]]:
    """(base, reading) pieces in order; reading None for text without furigana."""
    pieces: list[tuple[str, str | None]] = []
    position = 0
    for match in _RUBY.finditer(text):
        if match.start() > position:
            pieces.append((text[position : match.start()], None))
        pieces.append((match[1], match[2]))
        position = match.end()
    if position < len(text):
        pieces.append((text[position:], None))
    return pieces


@dataclass(frozen=True)
class Placed:
    """A line of text to draw at (x, y), the top left of its first character cell, `size` pixels high."""

    text: str  # may hold {base|reading} furigana
    x: float
    y: float
    size: int


def draw_rows(placed: list[Placed], width: int, height: int, ruby_scale: float = 0.5) -> Image.Image:
    """Horizontal lines placed anywhere (headings, indents, menus with prices on the right), black on white, with
    their furigana centred over their bases."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for line in placed:
        font, small = _font(line.size), _font(max(8, round(line.size * ruby_scale)))
        x = line.x
        for base, reading in _segments(line.text):
            advance = font.getlength(base, language="ja")
            draw.text((x, line.y), base, font=font, fill="black", language="ja")
            if reading:
                centre = x + advance / 2
                draw.text((centre, line.y - 2), reading, font=small, fill="black", anchor="md", language="ja")
            x += advance
    return image


def columns(
    texts: list[str], size: int = 44, pad: int = 40, spacing: float = 1.8, ruby_scale: float = 0.5
) -> Image.Image:
    """Vertical text (tategaki): the first item is the rightmost column, each read top to bottom. Characters are
    drawn upright one per cell; 。 and 、 take their vertical-writing place in the upper right of their cell.
    Furigana ({base|reading}) run down the right of their base, centred on it."""
    font, small = _font(size), _font(max(8, round(size * ruby_scale)))
    step, small_step = size * 1.05, size * ruby_scale * 1.0
    longest = max(len(plain(text)) for text in texts)
    image = Image.new("RGB", (int(len(texts) * size * spacing + 2 * pad), int(longest * step + 2 * pad)), "white")
    draw = ImageDraw.Draw(image)
    for column, text in enumerate(texts):
        centre_x = image.width - pad - size / 2 - column * size * spacing
        row = 0
        for base, reading in _segments(text):
            if reading:
                middle = pad + (row + len(base) / 2) * step
                top = middle - len(reading) * small_step / 2
                for index, kana in enumerate(reading):
                    position = (centre_x + size * 0.5 + small_step * 0.55, top + (index + 0.5) * small_step)
                    draw.text(position, kana, font=small, fill="black", anchor="mm", language="ja")
            for char in base:
                centre_y = pad + size / 2 + row * step
                if char in "。、":
                    right = draw.textbbox((0, 0), char, font=font, anchor="lt", language="ja")[2]
                    position = (centre_x + size * 0.45 - right, centre_y - size * 0.45)
                    draw.text(position, char, font=font, fill="black", anchor="lt", language="ja")
                else:
                    draw.text((centre_x, centre_y), char, font=font, fill="black", anchor="mm", language="ja")
                row += 1
    return image


def photographed(
    image: Image.Image, angle: float = 1.5, noise: float = 12.0, quality: int = 60, seed: int = 0
) -> bytes:
    """A phone-photo look as JPEG: turned by `angle` degrees onto off-white paper, uneven light, sensor noise, a
    slight blur, then JPEG at `quality`."""
    rng = np.random.default_rng(seed)
    turned = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=_PAPER)
    pixels = np.asarray(turned).astype(np.float32)
    light = np.linspace(0.85, 1.0, pixels.shape[1])[None, :, None]  # darker on the left
    pixels = pixels * light * np.array([1.0, 0.98, 0.94]) + rng.normal(0.0, noise, pixels.shape)
    blurred = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.6))
    return encode(blurred, "JPEG", quality=quality)


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def character_error_rate(expected: str, got: str) -> float:
    """Levenshtein distance over the expected length, on NFKC-normalised text without white space: the recogniser
    writes ！ and ？ as ! and ? at times, which is no error for a learner."""

    def normal(text: str) -> str:
        return "".join(unicodedata.normalize("NFKC", text).split())

    return Levenshtein.distance(normal(expected), normal(got)) / len(normal(expected))
