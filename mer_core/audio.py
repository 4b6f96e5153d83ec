"""Audio loading and shaping: load, mono, resample, crop/pad, segment.

Every reader of audio in the project goes through :func:`load_audio`, so an unreadable,
empty or silent clip always raises the same typed :class:`AudioError`, which
:func:`mer_core.features.extract` collects and reports instead of crashing a batch.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from .config import DEFAULT_SR
from .errors import AudioError, ParameterError

SILENCE_RMS = 1e-5
"""RMS below which a clip counts as silent (-100 dBFS): it carries no emotion cue to learn."""




def to_mono(y: np.ndarray) -> np.ndarray:
    """Average channels. ``y`` is ``(n,)`` or ``(n, channels)`` as soundfile returns it."""
    y = np.asarray(y)
    return y if y.ndim == 1 else y.mean(axis=1)


def resample(y: np.ndarray, orig_sr: int, target_sr: int) -> np.ndarray:
    """Resample with soxr (high quality), the same resampler used to prepare the 4Q audio."""
    if orig_sr == target_sr:
        return y
    return soxr.resample(y, orig_sr, target_sr, quality="HQ").astype(np.float32)


def load_audio(path: str | os.PathLike, sr: int = DEFAULT_SR, *, offset: float = 0.0,
               duration: float | None = None, allow_silent: bool = False) -> np.ndarray:
    """Load a clip as mono float32 at ``sr``.

    Parameters
    ----------
    path : path-like
        Any file libsndfile decodes (WAV, FLAC, Ogg/Vorbis, Ogg/Opus, MP3 with libsndfile >= 1.1).
    sr : int
        Target sample rate (default 22050 Hz, as in the papers).
    offset, duration : float
        Seconds to skip and to keep (``None``: to the end).
    allow_silent : bool
        If False (default) a clip whose RMS is below :data:`SILENCE_RMS` raises.

    Raises
    ------
    AudioError
        If the file is missing, cannot be decoded, is empty, contains non-finite samples or is silent.
    """
    path = Path(path)
    if sr <= 0:
        raise ParameterError(f"sr must be positive, got {sr}")
    if not path.is_file():
        raise AudioError(path, "file not found")
    try:
        with sf.SoundFile(str(path)) as f:
            native_sr = f.samplerate
            f.seek(int(round(offset * native_sr)))
            frames = -1 if duration is None else int(round(duration * native_sr))
            y = f.read(frames, dtype="float32", always_2d=False)
    except (sf.LibsndfileError, RuntimeError, TypeError) as err:
        raise AudioError(path, f"cannot decode ({err})") from err
    y = to_mono(y)
    if y.size == 0:
        raise AudioError(path, "no samples")
    if not np.all(np.isfinite(y)):
        raise AudioError(path, "non-finite samples")
    if not allow_silent and float(np.sqrt(np.mean(y.astype(np.float64) ** 2))) < SILENCE_RMS:
        raise AudioError(path, "silent (RMS below -100 dBFS)")
    return resample(y, native_sr, sr)


def fix_length(y: np.ndarray, n_samples: int) -> np.ndarray:
    """Crop or zero-pad ``y`` at the end to exactly ``n_samples``."""
    if n_samples <= 0:
        raise ParameterError(f"n_samples must be positive, got {n_samples}")
    if len(y) >= n_samples:
        return y[:n_samples]
    return np.pad(y, (0, n_samples - len(y)))


def segment(y: np.ndarray, seg_len: int, hop: int | None = None) -> np.ndarray:
    """Cut ``y`` into ``(n_segments, seg_len)`` frames with ``hop`` (default: no overlap).

    A clip shorter than one segment is zero-padded to a single segment, so every clip
    contributes at least one segment (e.g. the two 10 s clips of the 4Q dataset).
    """
    hop = seg_len if hop is None else hop
    if seg_len <= 0 or hop <= 0:
        raise ParameterError("seg_len and hop must be positive")
    if len(y) < seg_len:
        return fix_length(y, seg_len)[None, :]
    n = 1 + (len(y) - seg_len) // hop
    idx = np.arange(seg_len)[None, :] + hop * np.arange(n)[:, None]
    return y[idx]
