"""faster-whisper's WhisperModel with a shorter encoder window for short recordings.

Whisper was trained on 30 s windows, and faster-whisper zero-pads every recording's log-Mel features to 3000 frames
before encoding them. On 2 CPU cores without AVX2 the encoder then takes about 0.7 s whatever the recording's length,
which alone gives a 3 s clip a real-time factor of 0.23. CTranslate2's Whisper encoder accepts fewer frames
(attention cost grows with the square of the length): 1500 frames take 0.22 s, 700 frames 0.07 s.

`ShortWindowWhisperModel.encode` keeps the frames with sound and WINDOW_PADDING_SECONDS of the zero padding after
them, and drops the rest. Some padding matters: with 1 s the model sometimes misread or repeated the end of a
sentence; with 2-6 s the character error rate over 178 Open JTalk recordings (the 89 sample sentences, clean and
with noise and silence around them) stayed within about a point of the full window's. The saved encoder time pays
for beam search (BEAM_SIZE in shared.services.speech), and the two together read better than the full window with
greedy decoding, in less than half the time (bench/speech_accuracy.py --compare):

    decoding               mean CER   exact   score of correct readings   median RTF, clips of 3 s and more
    short window, beam 5     0.140    92/178          96.0                       0.10
    short window, greedy     0.157    78/178          94.6                       0.07
    full window, greedy      0.145    84/178          95.6                       0.24

Padding is recognised as what `faster_whisper.audio.pad_or_trim` appends: trailing frames that are zero in every Mel
band. A frame of the recording is zero in every band only if its log-Mel value lands exactly on the normaliser's
offset, and cutting such a frame at the end, before the padding that is kept, changes nothing.

`full_window()` turns the trimming off, for the rare recording the short window gets wrong (a repetitive result,
see shared.services.speech).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from faster_whisper import WhisperModel  # type: ignore[import-untyped]

WINDOW_PADDING_SECONDS: Final = 4.0
FRAMES_PER_SECOND: Final = 100  # Whisper's log-Mel hop: 10 ms


def trimmed_window(features: npt.NDArray[np.float32], padding_frames: int) -> npt.NDArray[np.float32]:
    """`features` (shape: mel bands, frames; or 1, bands, frames) without the zero padding past `padding_frames`
    after the last frame with sound. The frame count stays even: the encoder's second convolution has stride 2."""
    frames = features.shape[-1]
    with_sound = np.flatnonzero(np.any(features.reshape(-1, frames) != 0, axis=0))
    content = int(with_sound[-1]) + 1 if with_sound.size else 0
    window = min(frames, content + padding_frames)
    window += window % 2
    if window >= frames:
        return features
    return np.ascontiguousarray(features[..., :window])


class ShortWindowWhisperModel(WhisperModel):  # type: ignore[misc]
    """A WhisperModel whose encoder sees the recording plus WINDOW_PADDING_SECONDS, not a fixed 30 s window."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._short_window = True
        self._last_encoding: tuple[bytes, Any] | None = None

    def encode(self, features: npt.NDArray[np.float32]) -> Any:
        """The encoder's output; the last one is kept, keyed by its input: a recording scored against its target is
        read again (shared.services.speech.forced_readings) after its transcript, and the encoder is a third of the
        transcript's time."""
        if self._short_window:
            features = trimmed_window(features, round(WINDOW_PADDING_SECONDS * FRAMES_PER_SECOND))
        key = hashlib.blake2b(np.ascontiguousarray(features).tobytes(), digest_size=16).digest()
        if self._last_encoding is None or self._last_encoding[0] != key:
            self._last_encoding = (key, super().encode(features))
        return self._last_encoding[1]

    @contextmanager
    def full_window(self) -> Iterator[None]:
        """Encode whole 30 s windows inside this block (the model serves one recording at a time)."""
        self._short_window = False
        try:
            yield
        finally:
            self._short_window = True
