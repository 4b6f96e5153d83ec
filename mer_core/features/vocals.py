"""Vocals by REPET-SIM and their log-mel spectrogram (stand-in for Parisi et al.'s Wave-U-Net).

Parisi et al. (2019; Du's review, section 3.1) separate the vocals with Wave-U-Net and feed a CNN
with the mel spectrogram of the vocals only. Wave-U-Net's trained weights are not obtainable on
this machine (no registry package ships them), so the vocals here come from REPET-SIM (Rafii &
Pardo, 2012) as librosa documents it: the repeating accompaniment is estimated by the median of
each frame's most similar frames (:func:`librosa.decompose.nn_filter`, cosine similarity, at
least ``min_gap_s`` apart), and the vocals are what does not repeat, kept by a soft mask
(:func:`librosa.util.softmask`). REPET-SIM is unsupervised and much weaker than Wave-U-Net: it
keeps whatever does not repeat (solo instruments, drum fills) along with the voice.

:class:`RepetSimLogMel` is the log-mel of that vocal estimate with the parameters and dB scale of
:class:`~mer_core.features.spectral.LogMel`, so the full-mix and vocal inputs of the CNN differ
only by the mask.
"""
from __future__ import annotations

import librosa
import numpy as np

from ..audio import fix_length
from ..errors import ParameterError
from .spectral import LOGMEL_FLOOR_DB, LogMel


def repet_sim_mask(S: np.ndarray, sr: int, hop_length: int, *, min_gap_s: float = 2.0, margin: float = 10.0,
                   power: float = 2.0) -> np.ndarray:
    """Soft mask of the non-repeating part (the vocals) of a magnitude spectrogram ``S`` (bins x frames).

    The repeating part is ``min(S, nn_filter(S))`` (median of the nearest frames by cosine
    similarity, at least ``min_gap_s`` apart); the mask is
    ``softmask(S - repeating, margin * repeating, power)``, values in [0, 1]. The defaults are
    librosa's vocal-separation example. A clip with fewer than about ``2 * min_gap_s`` seconds of
    frames (too short to find repetitions) gets a mask of ones.

    Used by: :class:`RepetSimLogMel`.
    """
    S = np.asarray(S, dtype=np.float32)
    width = int(librosa.time_to_frames(min_gap_s, sr=sr, hop_length=hop_length))
    if width >= (S.shape[1] - 1) // 2:  # librosa's bound: too few frames to find a frame's neighbours
        return np.ones_like(S)
    repeating = librosa.decompose.nn_filter(S, aggregate=np.median, metric="cosine", width=width)
    repeating = np.minimum(S, repeating)
    return librosa.util.softmask(S - repeating, margin * repeating, power=power)


def repet_sim_vocals(y: np.ndarray, sr: int, *, n_fft: int = 2048, hop_length: int = 512, **mask_kw) -> np.ndarray:
    """The vocal estimate of a waveform: the REPET-SIM mask applied to its STFT, inverted (same length).

    Used by: tests (a listening check of the separation).
    """
    D = librosa.stft(np.asarray(y, dtype=np.float32), n_fft=n_fft, hop_length=hop_length)
    mask = repet_sim_mask(np.abs(D), sr, hop_length, **mask_kw)
    return librosa.istft(mask * D, hop_length=hop_length, length=len(y))


class RepetSimLogMel(LogMel):
    """Log-mel spectrogram of the REPET-SIM vocal estimate, shape ``(n_mels, n_frames)``.

    Same parameters, frames and dB scale as :class:`~mer_core.features.spectral.LogMel` (12 kHz,
    512-sample FFT, 256 hop, 96 bands), plus the mask's ``min_gap_s``, ``margin`` and ``power``
    (:func:`repet_sim_mask`). With the mask forced to ones it equals ``LogMel``'s output.

    Used by: :func:`mer_core.experiments.du.parisi_features` (notebooks/du.ipynb, Parisi et al.).
    """

    name = "logmel_vocals_repetsim"
    version = "1"

    def __init__(self, sr: int = 12000, n_fft: int = 512, hop_length: int = 256, n_mels: int = 96,
                 duration: float = 29.12, *, min_gap_s: float = 2.0, margin: float = 10.0, power: float = 2.0):
        super().__init__(sr=sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, duration=duration)
        if min_gap_s <= 0 or margin <= 0 or power <= 0:
            raise ParameterError("min_gap_s, margin and power must be positive")
        self.min_gap_s, self.margin, self.power = float(min_gap_s), float(margin), float(power)

    def __call__(self, y: np.ndarray, sr: int) -> np.ndarray:
        y = fix_length(y, int(round(self.duration * sr)))
        S = np.abs(librosa.stft(y, n_fft=self.n_fft, hop_length=self.hop_length))
        S = S * repet_sim_mask(S, sr, self.hop_length, min_gap_s=self.min_gap_s, margin=self.margin,
                               power=self.power)
        mel = librosa.feature.melspectrogram(S=S ** 2, sr=sr, n_fft=self.n_fft, n_mels=self.n_mels)
        return librosa.power_to_db(mel, ref=1.0, amin=1e-10, top_db=None).clip(min=LOGMEL_FLOOR_DB)
