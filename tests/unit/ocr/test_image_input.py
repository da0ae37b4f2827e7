"""Uploads that are not images the OCR can read are refused with a message for the user, before any pixel is decoded
and before the model is loaded. Not marked slow: paddle is never imported here (tests/unit/ocr/test_ocr.py runs the
model in a child process)."""

import io
import struct
import sys
import wave
import zlib

import pytest
from PIL import Image, ImageFile

from shared.services import ocr
from shared.services.ocr import MAX_IMAGE_BYTES, MAX_PIXELS, ImageRejected, read_image, sniff_image_format
from tests.unit.ocr.samples import encode

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def no_model(monkeypatch: pytest.MonkeyPatch):
    """Every case here must be decided before OCR: reaching for the pipeline fails the test."""
    paddle_was_loaded = "paddle" in sys.modules
    monkeypatch.setattr(ocr, "_engine", lambda: pytest.fail("reached the model"))
    yield
    assert ("paddle" in sys.modules) == paddle_was_loaded


@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Decoding pixels (ImageFile.load) fails the test: the file must be refused from its bytes and header."""
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("decoded pixels"))


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header (with a valid checksum) claims width x height 8-bit grey pixels, followed by one row of
    image data: a decompression bomb as far as anything that trusts the header is concerned."""
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    row = png_chunk(b"IDAT", zlib.compress(b"\x00" * (width + 1)))
    return PNG_SIGNATURE + header + row + png_chunk(b"IEND", b"")


def small_png() -> bytes:
    return encode(Image.new("RGB", (64, 48), "white"), "PNG")


def wav_bytes() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\x00\x00" * 1600)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "jpeg"),
        (PNG_SIGNATURE + b"\x00\x00\x00\rIHDR", "png"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "webp"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),  # RIFF, but audio
        (b"GIF89a\x01\x00\x01\x00", None),
        (b"%PDF-1.7\n", None),
        (b"\x89PN", None),
        (b"", None),
    ],
)
def test_the_format_comes_from_the_magic_bytes(data, expected):
    assert sniff_image_format(data) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty file"),
        ("今日は天気がいいです。\n".encode() * 20, "not an image: JPEG, PNG or WebP expected"),
        (wav_bytes(), "not an image: JPEG, PNG or WebP expected"),
        (b"GIF89a" + b"\x00" * 100, "not an image: JPEG, PNG or WebP expected"),
        (PNG_SIGNATURE + b"\x00" * (MAX_IMAGE_BYTES - 7), "image too large: 10.0 MB, the limit is 10 MB"),
    ],
    ids=["empty", "text", "wav", "gif", "oversize"],
)
@pytest.mark.usefixtures("no_decoding")
def test_a_file_that_is_not_a_readable_image_is_refused(data, message):
    # Given bytes that are empty, not an image in a format we take, or over MAX_IMAGE_BYTES (here by one byte)
    # When they are read, then they are refused with a message for the user
    with pytest.raises(ImageRejected) as refused:
        read_image(data)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("width", "height", "message"),
    [
        (7000, 6000, "image too large: 7000x6000 pixels, the limit is 40 megapixels"),  # our limit (42 MP)
        (50000, 50000, "image too large: too many pixels"),  # Pillow's own bomb limit (2.5 GP) comes first
    ],
)
@pytest.mark.usefixtures("no_decoding")
def test_a_decompression_bomb_is_refused_from_its_header(width, height, message):
    # Given a PNG of a few hundred bytes whose header claims more than MAX_PIXELS pixels
    bomb = png_header_only(width, height)
    assert width * height > MAX_PIXELS and len(bomb) < 60_000

    # When it is read, then it is refused without decoding a pixel
    with pytest.raises(ImageRejected) as refused:
        read_image(bomb)
    assert str(refused.value) == message


@pytest.mark.usefixtures("no_decoding")
def test_a_truncated_png_is_refused():
    # Given a PNG cut off half-way through its image data
    data = encode(Image.effect_noise((200, 200), 60).convert("RGB"), "PNG")
    truncated = data[: len(data) // 2]

    # When it is read, then Pillow's verify finds it broken
    with pytest.raises(ImageRejected) as refused:
        read_image(truncated)
    assert str(refused.value) == "corrupt or truncated PNG image"


@pytest.mark.usefixtures("no_decoding")
def test_a_png_with_a_damaged_chunk_is_refused():
    # Given a PNG with one byte of its image data changed (its checksum no longer matches)
    data = bytearray(small_png())
    data[data.index(b"IDAT") + 10] ^= 0xFF

    with pytest.raises(ImageRejected) as refused:
        read_image(bytes(data))
    assert str(refused.value) == "corrupt or truncated PNG image"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
@pytest.mark.usefixtures("no_decoding")
def test_a_file_whose_header_is_broken_is_refused(fmt):
    # Given the magic bytes of an image followed by garbage
    data = encode(Image.new("RGB", (64, 48), "white"), fmt)[:8] + b"\x00\x01garbage" * 8

    with pytest.raises(ImageRejected) as refused:
        read_image(data)
    assert str(refused.value) == f"corrupt or truncated {fmt} image"


def test_a_truncated_jpeg_is_refused_when_its_pixels_are_decoded():
    # Given a JPEG cut off half-way (its header is intact: only decoding the pixels finds the end missing)
    data = encode(Image.effect_noise((300, 200), 60).convert("RGB"), "JPEG", quality=90)

    with pytest.raises(ImageRejected) as refused:
        read_image(data[: len(data) // 2])
    assert str(refused.value) == "corrupt or truncated JPEG image"
