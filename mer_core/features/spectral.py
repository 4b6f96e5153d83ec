"""Spectral features computed with librosa: log-mel spectrograms and MFCC statistics."""
from __future__ import annotations

import librosa
import numpy as np

from ..audio import fix_length
from ..errors import ParameterError
from .base import Extractor

LOGMEL_FLOOR_DB = -100.0
"""Floor of :class:`LogMel` (dB): silence and zero padding sit at it."""


class LogMel(Extractor):
    """Log-amplitude mel spectrogram of a fixed-length clip, shape ``(n_mels, n_frames)``.

    The defaults follow Choi et al.'s CNN/CRNN front-end, the input of Louro et al.'s deep
    models: 12 kHz, 512-sample FFT, 256-sample hop, 96 mel bands, 29.12 s (1366 frames),
    absolute decibels (``power_to_db`` with ``ref=1``) floored at :data:`LOGMEL_FLOOR_DB`. There is no
    per-clip normalisation, so loudness stays a cue (arousal depends on it).

    Parameters
    ----------
    sr, n_fft, hop_length, n_mels : int
        Analysis parameters.
    duration : float
        Seconds kept from the start of each clip; shorter clips are zero-padded, so every
        clip yields the same number of frames.

    Used by: notebooks/datasets.ipynb (example spectrograms), notebooks/louro_dl.ipynb (CNN inputs).
    """

    name = "logmel"
    version = "1"

    def __init__(self, sr: int = 12000, n_fft: int = 512, hop_length: int = 256,
                 n_mels: int = 96, duration: float = 29.12):
        if min(sr, n_fft, hop_length, n_mels) <= 0 or duration <= 0:
            raise ParameterError("LogMel parameters must be positive")
        self.sr, self.n_fft, self.hop_length, self.n_mels = sr, n_fft, hop_length, n_mels
        self.duration = duration

    @property
    def dim(self) -> int:
        return self.n_mels * self.n_frames

    @property
    def n_frames(self) -> int:
        return 1 + int(round(self.duration * self.sr)) // self.hop_length

    def __call__(self, y: np.ndarray, sr: int) -> np.ndarray:
        y = fix_length(y, int(round(self.duration * sr)))
        mel = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=self.n_fft, hop_length=self.hop_length,
                                             n_mels=self.n_mels, power=2.0)
        return librosa.power_to_db(mel, ref=1.0, amin=1e-10, top_db=None).clip(min=LOGMEL_FLOOR_DB)


class MFCCStats(Extractor):
    """Koh & Dubnov's MFCC baseline: 20 MFCCs and their deltas, mean and std over time (80 values).

    Order of the output: mean(MFCC), std(MFCC), mean(delta), std(delta).

    Parameters
    ----------
    sr : int
        Analysis sample rate (22.05 kHz, as the papers convert audio).
    n_mfcc, n_fft, hop_length : int
        librosa defaults except ``n_mfcc=20`` (Koh & Dubnov).
    window : float or None
        None (default): one vector for the clip. Otherwise the statistics of each
        ``window``-second stretch of the clip, without overlap, ``(n_windows, 80)``: the MFCC
        baseline as a sequence, for a recurrent classifier (the incomplete tail is dropped; a
        clip shorter than one window is one window).

    Used by: notebooks/koh_dubnov.ipynb (through :mod:`mer_core.experiments.koh_dubnov`),
    notebooks/features.ipynb.
    """

    name = "mfcc_stats"
    version = "1"

    def __init__(self, sr: int = 22050, n_mfcc: int = 20, n_fft: int = 2048, hop_length: int = 512,
                 window: float | None = None):
        if min(sr, n_mfcc, n_fft, hop_length) <= 0 or (window is not None and window <= 0):
            raise ParameterError("MFCCStats parameters must be positive")
        self.sr, self.n_mfcc, self.n_fft, self.hop_length = sr, n_mfcc, n_fft, hop_length
        self.window = window

    def params(self) -> dict:
        # the clip-level extractor keeps the cache key it had before windows existed
        return {k: v for k, v in super().params().items() if not (k == "window" and v is None)}

    @property
    def dim(self) -> int:
        return 4 * self.n_mfcc

    def feature_names(self) -> list[str]:
        return [f"{stat}_{kind}{i}" for kind in ("mfcc", "dmfcc") for stat in ("mean", "std")
                for i in range(self.n_mfcc)]

    def _statistics(self, y: np.ndarray, sr: int) -> np.ndarray:
        mfcc = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=self.n_mfcc, n_fft=self.n_fft, hop_length=self.hop_length)
        # delta needs at least 9 frames (its default width); very short clips use a narrower window
        width = min(9, mfcc.shape[1] if mfcc.shape[1] % 2 else mfcc.shape[1] - 1)
        if width < 3:
            raise ParameterError(f"clip too short for MFCC deltas ({mfcc.shape[1]} frames)")
        delta = librosa.feature.delta(mfcc, width=width)
        return np.concatenate([mfcc.mean(1), mfcc.std(1), delta.mean(1), delta.std(1)])

    def __call__(self, y: np.ndarray, sr: int) -> np.ndarray:
        if self.window is None:
            return self._statistics(y, sr)
        length = int(round(self.window * sr))
        starts = range(0, max(len(y) - length, 0) + 1, length)
        return np.stack([self._statistics(y[start:start + length], sr) for start in starts])


class Waveform(Extractor):
    """The clip itself as a fixed-length mono waveform (input of Lee et al.'s Sample CNN).

    Parameters
    ----------
    sr : int
        Sample rate (22.05 kHz, as Lee et al.).
    duration : float
        Seconds kept from the start; shorter clips are zero-padded.

    Used by: notebooks/louro_dl.ipynb (Sample CNN row).
    """

    name = "waveform"
    version = "1"

    def __init__(self, sr: int = 22050, duration: float = 29.12):
        if sr <= 0 or duration <= 0:
            raise ParameterError("Waveform parameters must be positive")
        self.sr, self.duration = sr, duration

    @property
    def dim(self) -> int:
        return int(round(self.duration * self.sr))

    def __call__(self, y: np.ndarray, sr: int) -> np.ndarray:
        return fix_length(y, self.dim)


EXTRACTORS = {"mfcc_stats": MFCCStats, "logmel": LogMel, "waveform": Waveform}
