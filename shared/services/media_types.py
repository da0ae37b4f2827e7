"""Is an upload what its ticket declared? The stored object's Content-Type, and the file's first bytes.

In AWS the presigned POST's policy makes S3 refuse another Content-Type; the local emulator enforces no policy,
and no policy can see what the bytes are. So the workers check both before any model sees the file, and a file
that is not its ticket's type ends FAILED at once with a message for the learner. The signatures cover exactly the
upload formats of `shared.schemas.media` (keyed by the upload key's extension); decoders check the rest.

Importing this module is cheap: no model, no AWS client (the OCR and speech engines use it too).
"""

from collections.abc import Callable, Mapping
from typing import Final

from shared.schemas.media import AUDIO_EXTENSIONS, IMAGE_EXTENSIONS

EXTENSIONS: Final[Mapping[str, str]] = {**IMAGE_EXTENSIONS, **AUDIO_EXTENSIONS}  # content type -> extension


class UploadRefused(ValueError):
    """The upload is not what its ticket declared; the message is written for the learner."""


def _riff(form: bytes) -> Callable[[bytes], bool]:
    return lambda data: data[:4] == b"RIFF" and data[8:12] == form


def _id3(data: bytes) -> bool:
    """An ID3v2 tag, which MP3 files, and some raw AAC streams, carry before their first frame."""
    return data.startswith(b"ID3")


def _mpeg_audio_frame(data: bytes) -> bool:
    """An MPEG audio frame header: 11 sync bits, then a version other than 'reserved' and a layer (I, II or III)."""
    return (
        len(data) >= 2 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0 and data[1] & 0x18 != 0x08 and data[1] & 0x06 != 0
    )


def _adts_frame(data: bytes) -> bool:
    """An ADTS (raw AAC) frame header: 12 sync bits, then layer 0."""
    return len(data) >= 2 and data[0] == 0xFF and data[1] & 0xF6 == 0xF0


_SIGNATURES: Final[Mapping[str, Callable[[bytes], bool]]] = {
    "jpg": lambda data: data.startswith(b"\xff\xd8\xff"),
    "png": lambda data: data.startswith(b"\x89PNG\r\n\x1a\n"),
    "webp": _riff(b"WEBP"),
    "wav": _riff(b"WAVE"),
    "mp3": lambda data: _id3(data) or _mpeg_audio_frame(data),
    "m4a": lambda data: data[4:8] == b"ftyp",  # an ISO base media file starts with its file-type box
    "aac": lambda data: _id3(data) or _adts_frame(data) or data.startswith(b"ADIF"),
    "ogg": lambda data: data.startswith(b"OggS"),
    "webm": lambda data: data.startswith(b"\x1a\x45\xdf\xa3"),  # EBML, the header of Matroska and WebM
}
DESCRIPTIONS: Final[Mapping[str, str]] = {
    "jpg": "a JPEG image",
    "png": "a PNG image",
    "webp": "a WebP image",
    "wav": "a WAV recording",
    "mp3": "an MP3 recording",
    "m4a": "an M4A recording",
    "aac": "an AAC recording",
    "ogg": "an Ogg recording",
    "webm": "a WebM recording",
}


def sniff(data: bytes, extensions: tuple[str, ...] = tuple(_SIGNATURES)) -> str | None:
    """The first of `extensions` whose signature the bytes carry; None when none does."""
    return next((extension for extension in extensions if _SIGNATURES[extension](data)), None)


def content_types_of(extension: str) -> frozenset[str]:
    """The ticket content types that give uploads this extension (audio/wav and audio/x-wav both give .wav)."""
    return frozenset(content_type for content_type, ext in EXTENSIONS.items() if ext == extension)


def check_upload(data: bytes, stored_type: str | None, declared_type: str | None, key_extension: str) -> None:
    """Raise UploadRefused unless the upload is what its ticket declared: not empty, stored with the ticket's
    Content-Type, and starting with that type's signature. For a record made before tickets kept their type, the
    upload key's extension (made from it) stands in for it."""
    if not data:
        raise UploadRefused("the file is empty")
    extension = EXTENSIONS.get(declared_type or "", key_extension)
    accepted = frozenset({declared_type}) if declared_type else content_types_of(extension)
    sent = _media_type(stored_type)
    if sent not in accepted:
        expected = " or ".join(sorted(accepted)) or f"a .{extension} file"
        raise UploadRefused(
            f"the file was sent as {sent or 'no content type'}, but its upload ticket is for {expected}"
        )
    if extension not in _SIGNATURES or not _SIGNATURES[extension](data):
        raise UploadRefused(f"the file is not {DESCRIPTIONS.get(extension, f'a .{extension} file')}")


def _media_type(content_type: str | None) -> str:
    """`image/PNG; charset=binary` -> `image/png`."""
    return (content_type or "").split(";", 1)[0].strip().lower()
