"""Recorded-like room noise for speech benches and tests, mixed with speech at a measured signal-to-noise ratio.

Not white noise: a room as a phone hears it is mostly low-frequency rumble (brown noise, -6 dB an octave), a broad
hiss that falls with frequency (pink noise, -3 dB an octave) and other people talking (babble: several other
sentences overlapped). `room_noise` mixes the three at fixed shares of the noise power; `mix` scales it so that the
speech's RMS, taken over the frames that carry speech (not its pauses), stands `snr_db` above the noise's RMS, and
lets the noise run alone before and after the speech, as a recording does before and after the learner speaks.

numpy only: the speech itself comes from Open JTalk in another process (its dictionary stays out of the measuring
process).
"""

from typing import Final

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.float64]

# Shares of the noise power: babble the most, as in a café or a classroom.
BABBLE_SHARE: Final = 0.5
PINK_SHARE: Final = 0.3
BROWN_SHARE: Final = 0.2
TALKERS: Final = 4  # sentences overlapped into babble
LEAD_SECONDS: Final = 0.6  # noise alone before the speech
TAIL_SECONDS: Final = 1.0  # and after it
# A 20 ms frame carries speech when its RMS is within this many dB of the loudest frame's.
SPEECH_FRAME_RANGE_DB: Final = 35.0


def _coloured_noise(size: int, exponent: float, rng: np.random.Generator) -> Samples:
    """Gaussian noise whose power falls as 1/f**exponent (1: pink, 2: brown), at unit RMS."""
    spectrum = np.fft.rfft(rng.normal(size=size))
    frequencies = np.fft.rfftfreq(size)
    frequencies[0] = frequencies[1]  # no infinite gain at DC
    shaped = np.fft.irfft(spectrum / frequencies ** (exponent / 2), n=size)
    shaped -= shaped.mean()
    return shaped / _rms(shaped)


def _babble(others: list[Samples], size: int, rng: np.random.Generator) -> Samples:
    """`TALKERS` of the `others` (speech clips), each looped from a random start over `size` samples and summed."""
    total = np.zeros(size)
    for index in rng.choice(len(others), size=min(TALKERS, len(others)), replace=False):
        clip = others[index]
        start = int(rng.integers(clip.size))
        total += np.resize(np.roll(clip, -start), size) / max(speech_rms(clip), 1e-9)
    return total / max(_rms(total), 1e-9)


def room_noise(size: int, others: list[Samples], rng: np.random.Generator) -> Samples:
    """`size` samples of room noise at unit RMS; `others` are speech clips to make babble of (none: no babble)."""
    parts = [
        (PINK_SHARE, _coloured_noise(size, 1.0, rng)),
        (BROWN_SHARE, _coloured_noise(size, 2.0, rng)),
    ]
    if others:
        parts.append((BABBLE_SHARE, _babble(others, size, rng)))
    shares = sum(share for share, _ in parts)
    noise = sum((np.sqrt(share / shares) * part for share, part in parts), start=np.zeros(size))
    return noise / _rms(noise)


def speech_rms(samples: Samples, rate: int = 48_000) -> float:
    """RMS over the 20 ms frames that carry speech (within SPEECH_FRAME_RANGE_DB of the loudest), not the pauses."""
    frame = max(1, rate // 50)
    frames = samples[: samples.size // frame * frame].reshape(-1, frame)
    if frames.size == 0:
        return _rms(samples)
    energies = np.mean(frames**2, axis=1)
    loud = energies >= energies.max() * 10 ** (-SPEECH_FRAME_RANGE_DB / 10)
    return float(np.sqrt(energies[loud].mean()))


def mix(
    speech: Samples,
    others: list[Samples],
    snr_db: float,
    rate: int,
    rng: np.random.Generator,
    *,
    lead_seconds: float = LEAD_SECONDS,
    tail_seconds: float = TAIL_SECONDS,
) -> tuple[Samples, float]:
    """`speech` with `lead_seconds` of room noise before it and `tail_seconds` after, and the noise under it at
    `snr_db`; also the SNR measured on the result (speech RMS over its speech frames against the noise's RMS)."""
    lead, tail = round(lead_seconds * rate), round(tail_seconds * rate)
    padded = np.concatenate([np.zeros(lead), speech, np.zeros(tail)])
    noise = room_noise(padded.size, others, rng) * speech_rms(speech, rate) / 10 ** (snr_db / 20)
    measured = 20 * np.log10(speech_rms(speech, rate) / _rms(noise))
    return padded + noise, float(measured)


def _rms(samples: Samples) -> float:
    return float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0
