"""Offline audio augmentation of Louro et al.'s "Baseline + X" rows: augmented copies as features.

Time shift, time stretch, pitch shift, power shift and seven-band parametric EQ change the
waveform (table :data:`AUGMENTATIONS`, applied by :func:`augment_audio`), so they are applied
to the audio before the log-mel is computed. Each copy is an extractor
(:class:`AugmentedLogMel`) run through :func:`mer_core.features.extract`, hence cached on disk
like any feature. The models that train on the copies (:func:`mer_core.models.augment.stack_copies`,
:class:`~mer_core.models.augment.WithAugmentedCopies`) and the batch augmentations that act on
the log-mel itself are in :mod:`mer_core.models.augment`.
"""
from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from contextlib import contextmanager

import audiomentations
import numpy as np

from ..audio import resample
from ..errors import ParameterError
from .base import Extractor
from .spectral import LogMel

AUGMENTATIONS: dict[str, dict] = {
    "time_shift": {"transform": "Shift", "min_sr": None,
                   "params": {"min_shift": -0.5, "max_shift": 0.5, "shift_unit": "fraction",
                              "rollover": True, "fade_duration": 0.005}},
    "time_stretch": {"transform": "TimeStretch", "min_sr": None,
                     "params": {"min_rate": 0.5, "max_rate": 1.5, "leave_length_unchanged": True,
                                "method": "signalsmith_stretch"}},
    "pitch_shift": {"transform": "PitchShift", "min_sr": None,
                    "params": {"min_semitones": -2.0, "max_semitones": 2.0, "method": "signalsmith_stretch"}},
    "power_shift": {"transform": "Gain", "min_sr": None,
                    "params": {"min_gain_db": -6.0, "max_gain_db": 6.0}},
    "seven_band_eq": {"transform": "SevenBandParametricEQ", "min_sr": 24000,
                      "params": {"min_gain_db": -12.0, "max_gain_db": 12.0}},
}
"""Audio-domain augmentations: audiomentations class, its parameters (always applied, ``p=1``)
and the lowest sample rate it must run at (``None``: the log-mel rate).

* ``time_shift``: circular shift by up to half the excerpt either way, 5 ms crossfade at the
  seam (audiomentations defaults); the content is kept, only its position changes.
* ``time_stretch``: tempo x0.5 to x1.5 without changing pitch (Louro et al., Sensors 2024,
  report speeding up or slowing down by 50 %); the length is kept, so a slowed excerpt is
  cropped and a sped-up one ends in silence.
* ``pitch_shift``: up to 2 semitones up or down (the same source reports 2 semitones).
* ``power_shift``: a gain of -6 to +6 dB on the waveform (a level change; how it differs from
  random gain is in :mod:`mer_core.models.augment`).
* ``seven_band_eq``: audiomentations' seven-band parametric EQ, each band +-12 dB. Its top
  band is centred at 4.2 to 9.5 kHz, above the 6 kHz Nyquist frequency of 12 kHz audio, so it
  runs at 24 kHz (where its top band fits) and the result is resampled to the log-mel rate.

Ranges not stated by the paper are audiomentations' defaults. The whole entry is part of the
cache key of :class:`AugmentedLogMel`, so editing it never returns stale copies.
"""


@contextmanager
def _seeded_global_rngs(seed: int, copy: int, y: np.ndarray) -> Iterator[None]:
    """Seed Python's and NumPy's global generators from (seed, copy, audio); restore them after.

    audiomentations draws its parameters from those global generators; seeding them from the
    audio content (its 16-bit quantisation, which absorbs most float rounding differences) gives every clip its own
    draw, and restoring them leaves the caller's random streams untouched.
    """
    pcm = np.round(np.clip(y, -1.0, 1.0) * 32767.0).astype("<i2")
    audio_word = int.from_bytes(hashlib.sha256(pcm.tobytes()).digest()[:8], "little")
    py_seed, np_seed = np.random.SeedSequence([seed, copy, audio_word]).generate_state(2)
    py_state, np_state = random.getstate(), np.random.get_state()
    random.seed(int(py_seed))
    np.random.seed(int(np_seed))
    try:
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)


def _check_augmentation(augmentation: str) -> dict:
    if augmentation not in AUGMENTATIONS:
        raise ParameterError(f"unknown augmentation {augmentation!r}; choose one of {sorted(AUGMENTATIONS)}")
    return AUGMENTATIONS[augmentation]


def augment_audio(y: np.ndarray, sr: int, augmentation: str, *, seed: int = 0, copy: int = 1) -> np.ndarray:
    """Apply one augmentation of :data:`AUGMENTATIONS` to a mono clip, deterministically.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Mono audio.
    sr : int
        Its sample rate, at least the entry's ``min_sr`` (:class:`AugmentedLogMel` loads at that rate).
    augmentation : str
        A key of :data:`AUGMENTATIONS`.
    seed, copy : int
        With the audio content they fix the random parameters: the same (seed, copy, audio)
        always gives the same output, another copy number gives another draw.

    Returns
    -------
    ndarray of shape (n_samples,), float32

    Used by: :class:`AugmentedLogMel`.
    """
    spec = _check_augmentation(augmentation)
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1 or y.size == 0:
        raise ParameterError(f"augment_audio expects a non-empty mono clip, got shape {y.shape}")
    if sr <= 0 or sr < (spec["min_sr"] or 0):
        raise ParameterError(f"{augmentation} needs a positive sr of at least {spec['min_sr'] or 1} Hz, got {sr}")
    if not np.all(np.isfinite(y)):
        raise ParameterError("y contains NaN or infinite values")
    if min(seed, copy) < 0:
        raise ParameterError(f"seed and copy must be non-negative, got seed={seed}, copy={copy}")
    transform = getattr(audiomentations, spec["transform"])(p=1.0, **spec["params"])
    with _seeded_global_rngs(int(seed), int(copy), y):
        return np.asarray(transform(samples=y, sample_rate=int(sr)), dtype=np.float32)


class AugmentedLogMel(Extractor):
    """Log-mel of an augmented copy of each clip: :func:`augment_audio`, then :class:`LogMel`.

    Run it with :func:`mer_core.features.extract` like any extractor: each copy is cached on
    disk under its own key (augmentation, copy, seed, the :data:`AUGMENTATIONS` entry and the
    log-mel parameters), so an experiment with K copies computes them once.

    Parameters
    ----------
    augmentation : str
        A key of :data:`AUGMENTATIONS`.
    copy : int
        Copy number, 1..K (0 is the original, :class:`LogMel`), as stacked by
        :func:`mer_core.models.augment.stack_copies`.
    seed : int
        Global seed of the augmentation draws (see :func:`augment_audio`).
    **logmel_params
        Parameters of :class:`LogMel` (default: Louro et al.'s 12 kHz, 96 mels, 1366 frames).

    Used by: notebooks/louro_dl.ipynb (Baseline + time shift / time stretch / pitch shift / power
    shift / SB rows and the Hybrid Augmented row, through
    :class:`mer_core.experiments.louro_dl.LouroData`).
    """

    name = "logmel_augmented"
    version = "1"

    def __init__(self, augmentation: str, copy: int = 1, seed: int = 0, **logmel_params):
        spec = _check_augmentation(augmentation)
        if int(copy) != copy or copy < 1:
            raise ParameterError(f"copy must be an integer >= 1 (0 is the original clip), got {copy}")
        if int(seed) != seed or seed < 0:
            raise ParameterError(f"seed must be a non-negative integer, got {seed}")
        self._logmel = LogMel(**logmel_params)
        self.augmentation, self.copy, self.seed = augmentation, int(copy), int(seed)
        # audio is loaded (and augmented) at the entry's minimum rate when the log-mel rate is lower
        self.sr = max(spec["min_sr"] or 0, self._logmel.sr)
        self.duration = self._logmel.duration

    @property
    def n_frames(self) -> int:
        return self._logmel.n_frames

    @property
    def dim(self) -> int:
        return self._logmel.dim

    def params(self) -> dict:
        return {"augmentation": self.augmentation, "copy": self.copy, "seed": self.seed,
                "augment_sr": self.sr, "transform": AUGMENTATIONS[self.augmentation], **self._logmel.params()}

    def __call__(self, y: np.ndarray, sr: int) -> np.ndarray:
        augmented = augment_audio(y, sr, self.augmentation, seed=self.seed, copy=self.copy)
        return self._logmel(resample(augmented, sr, self._logmel.sr), self._logmel.sr)

