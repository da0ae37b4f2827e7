"""The check the upload workers make before any model sees a file: its bytes and its stored Content-Type must be its
ticket's type. Checked on genuine files of every type the tickets offer (PIL and PyAV encode them here)."""

import functools
import io

import numpy as np
import pytest
from PIL import Image

from shared.schemas.media import AUDIO_EXTENSIONS, IMAGE_EXTENSIONS
from shared.services import media_types
from shared.services.media_types import EXTENSIONS, UploadRefused, check_upload
from tests.unit.speech.samples import encoded, wav_bytes

RATE = 16_000


@functools.cache
def genuine(extension: str) -> bytes:
    """A small real file of each upload format."""
    if extension in ("jpg", "png", "webp"):
        buffer = io.BytesIO()
        Image.new("RGB", (16, 16), "white").save(buffer, format={"jpg": "JPEG"}.get(extension, extension.upper()))
        return buffer.getvalue()
    samples = (np.sin(np.arange(RATE // 2) * 2 * np.pi * 440 / RATE) * 8000).astype(np.int16)
    return wav_bytes(samples, RATE) if extension == "wav" else encoded(samples, RATE, extension)


def test_every_type_a_ticket_offers_has_a_signature_and_a_name() -> None:
    # When the content types the upload tickets offer are compared with the checks', Then each one has a file
    # signature and a description for its refusal
    assert set(EXTENSIONS) == set(IMAGE_EXTENSIONS) | set(AUDIO_EXTENSIONS)
    assert set(media_types._SIGNATURES) == set(media_types.DESCRIPTIONS) == set(EXTENSIONS.values())


def refusal(data: bytes, stored: str | None, declared: str | None, extension: str) -> str:
    with pytest.raises(UploadRefused) as refused:
        check_upload(data, stored, declared, extension)
    return str(refused.value)


@pytest.mark.parametrize("content_type", sorted(EXTENSIONS))
def test_a_genuine_file_passes_under_its_type_and_no_other(content_type: str) -> None:
    # Given a genuine file of the type, When it is checked under its own type, Then it passes
    extension = EXTENSIONS[content_type]
    check_upload(genuine(extension), content_type, content_type, extension)
    # When it is checked under every other type, Then it is refused as not being a file of that type
    for other_type, other in EXTENSIONS.items():
        if other == extension or (extension, other) == ("mp3", "aac"):
            continue  # an MP3 starts with an ID3 tag, which raw AAC may carry too
        message = refusal(genuine(extension), other_type, other_type, other)
        assert message == f"the file is not {media_types.DESCRIPTIONS[other]}"


def test_the_stored_content_type_must_be_the_tickets() -> None:
    # Given a genuine PNG whose ticket is for image/png
    png = genuine("png")
    # When S3 stored it as image/png in another case and with a parameter, Then it passes
    check_upload(png, "image/PNG; charset=binary", "image/png", "png")  # case and parameters aside
    # When it was stored as another type or none, Then it is refused naming what it was sent as and the ticket's type
    for stored in ["image/jpeg", "binary/octet-stream", None]:
        assert refusal(png, stored, "image/png", "png") == (
            f"the file was sent as {stored or 'no content type'}, but its upload ticket is for image/png"
        )
    assert refusal(genuine("wav"), "audio/wav", "audio/x-wav", "wav").endswith("ticket is for audio/x-wav")


def test_a_record_from_before_tickets_kept_their_type_is_judged_by_its_key() -> None:
    # Given records with no declared type, When a WAV under a .wav key is checked as either WAV type, Then it passes;
    # When an M4A under an .m4a key was stored as audio/aac, Then it is refused naming the types an .m4a key allows
    check_upload(genuine("wav"), "audio/x-wav", None, "wav")
    check_upload(genuine("wav"), "audio/wav", None, "wav")
    assert refusal(genuine("m4a"), "audio/aac", None, "m4a").endswith("ticket is for audio/mp4 or audio/x-m4a")


def test_an_empty_file_is_refused_as_empty_whatever_its_type() -> None:
    # When an empty file is checked under each type, Then it is refused as empty, before its type is looked at
    for content_type, extension in EXTENSIONS.items():
        assert refusal(b"", content_type, content_type, extension) == "the file is empty"
