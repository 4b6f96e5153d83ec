"""Louro et al.'s data augmentation ("Baseline + X" rows of Table 1), applied to training folds only.

Three mechanisms, one per kind of augmentation:

* **Offline audio copies** (:class:`~mer_core.features.augmented.AugmentedLogMel`, table
  :data:`~mer_core.features.augmented.AUGMENTATIONS`): time shift, time stretch, pitch shift,
  power shift and seven-band parametric EQ change the waveform, so they are applied to the
  audio before the log-mel is computed, by a feature extractor whose copies are cached on disk
  like any feature. Copies of a clip are stacked beside its original (:func:`stack_copies`)
  and :class:`WithAugmentedCopies` trains on the copies of the training clips only and scores
  the originals of the test clips.
* **Online batch augmentations** for :class:`~mer_core.models.torch_estimator.TorchClassifier`'s
  ``augment`` hook: time-frequency masking (:class:`TimeFrequencyMasking`) and random gain
  (:class:`RandomGain`) act on the dB log-mel itself, so a fresh draw per clip and per epoch
  costs nothing and needs no cache; ``fit`` applies them to training batches only.
* **DeepSMOTE** (:class:`DeepSMOTEClassifier`): an autoencoder trained on the training fold,
  SMOTE in its latent space, decoded synthetic log-mels added to the training fold.

Which row uses which (Louro et al. give no parameters; choices are stated in
:data:`~mer_core.features.augmented.AUGMENTATIONS` and the class docstrings):

============================  ===========================================================
Paper row                     Here
============================  ===========================================================
Baseline + time shift         ``AugmentedLogMel("time_shift", copy=k)`` + WithAugmentedCopies
Baseline + time stretch       ``AugmentedLogMel("time_stretch", copy=k)`` + WithAugmentedCopies
Baseline + pitch shift        ``AugmentedLogMel("pitch_shift", copy=k)`` + WithAugmentedCopies
Baseline + power shift        ``AugmentedLogMel("power_shift", copy=k)`` + WithAugmentedCopies
Baseline + SB                 ``AugmentedLogMel("seven_band_eq", copy=k)`` + WithAugmentedCopies
Baseline + TFM                ``TorchClassifier(augment=TimeFrequencyMasking())``
Baseline + RG                 ``TorchClassifier(augment=RandomGain())``
Baseline + DeepSMOTE          ``DeepSMOTEClassifier(TorchClassifier(...))``
============================  ===========================================================

"Power shift" and "random gain" are both level changes, which in absolute-dB log-mels is
exactly a constant added to every bin (above the -100 dB floor). The paper lists them in two
groups without parameters; we keep that split: power shift is an offline audio copy with a
level fixed per copy (audiomentations ``Gain``, +-6 dB), random gain is online with a fresh
level per clip and per batch (+-12 dB, audiomentations ``Gain``'s default range).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from imblearn.over_sampling import SMOTE
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ..errors import ParameterError
from ..features.spectral import LOGMEL_FLOOR_DB
from .torch_estimator import decode, encode, fit_autoencoder


def _check_spectrogram_batch(batch: np.ndarray, name: str) -> np.ndarray:
    batch = np.asarray(batch, dtype=np.float32)
    if batch.ndim != 3:
        raise ParameterError(f"{name} expects a batch of spectrograms (batch, n_bands, n_frames), "
                             f"got shape {batch.shape}")
    return batch


def _mask_ranges(rng: np.random.Generator, n_clips: int, size: int, max_width: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and width of one mask per clip along an axis of ``size``: width ~ U{0..max_width}."""
    width = rng.integers(0, min(max_width, size) + 1, size=n_clips)
    start = rng.integers(0, size - width + 1)
    return start, width


@dataclass(frozen=True)
class TimeFrequencyMasking:
    """SpecAugment-style time and frequency masks (Park et al. 2019) on a batch of log-mels.

    Each clip of a batch gets ``n_freq_masks`` bands of up to ``max_freq`` consecutive mel bins
    and ``n_time_masks`` spans of up to ``max_time`` frames, every width uniform in 0..max and
    every position uniform; masked bins take the clip's mean dB (SpecAugment masks with zero
    after mean normalisation, i.e. with the mean). Masks may overlap. Time warping is left out.

    Defaults follow SpecAugment's LibriSpeech policy (F = 27 bins, two masks each way) with its
    T = 100 frames of 10 ms converted to our 21.3 ms frames (47 frames, 1 s); Louro et al. give
    no settings. Pass it as ``TorchClassifier(augment=TimeFrequencyMasking())``: it is called on
    training batches only, with the estimator's seeded generator.

    Parameters
    ----------
    n_time_masks, max_time : int
        Number of time masks and their maximum width in frames.
    n_freq_masks, max_freq : int
        Number of frequency masks and their maximum width in mel bins.

    Used by: notebooks/louro_dl.ipynb (Baseline + TFM row).
    """

    n_time_masks: int = 2
    max_time: int = 47
    n_freq_masks: int = 2
    max_freq: int = 27

    def __post_init__(self):
        if min(self.n_time_masks, self.max_time, self.n_freq_masks, self.max_freq) < 0:
            raise ParameterError(f"mask counts and widths must be non-negative: {self}")

    def __call__(self, batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        batch = _check_spectrogram_batch(batch, "TimeFrequencyMasking")
        n_clips, n_bands, n_frames = batch.shape
        masked = np.zeros(batch.shape, dtype=bool)
        for count, size, max_width, axis in ((self.n_freq_masks, n_bands, self.max_freq, 1),
                                             (self.n_time_masks, n_frames, self.max_time, 2)):
            positions = np.arange(size)[None, :]
            for _ in range(count):
                start, width = _mask_ranges(rng, n_clips, size, max_width)
                hit = (positions >= start[:, None]) & (positions < (start + width)[:, None])
                masked |= hit[:, :, None] if axis == 1 else hit[:, None, :]
        fill = batch.mean(axis=(1, 2), keepdims=True)
        return np.where(masked, fill, batch)


@dataclass(frozen=True)
class RandomGain:
    """Random gain on a batch of absolute-dB log-mels: one level per clip, uniform in dB.

    Adding ``g`` dB to a :class:`~mer_core.features.spectral.LogMel` is what a gain of ``g`` dB
    on the waveform gives, bin for bin, except at the -100 dB floor: bins at the floor
    (silence, zero padding) stay there, and the result is floored again. Done online rather
    than as offline audio copies because it is exact, free, and draws a new level per clip and
    per epoch. Range: audiomentations ``Gain``'s default, +-12 dB (Louro et al. give none).

    Parameters
    ----------
    min_gain_db, max_gain_db : float
        Range of the gain.
    floor_db : float
        The log-mel floor (:data:`~mer_core.features.spectral.LOGMEL_FLOOR_DB`).

    Used by: notebooks/louro_dl.ipynb (Baseline + RG row).
    """

    min_gain_db: float = -12.0
    max_gain_db: float = 12.0
    floor_db: float = LOGMEL_FLOOR_DB

    def __post_init__(self):
        if self.min_gain_db > self.max_gain_db:
            raise ParameterError(f"min_gain_db must not exceed max_gain_db: {self}")

    def __call__(self, batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        batch = _check_spectrogram_batch(batch, "RandomGain")
        gain = rng.uniform(self.min_gain_db, self.max_gain_db, size=(len(batch), 1, 1)).astype(np.float32)
        return np.where(batch <= self.floor_db, batch, np.maximum(batch + gain, self.floor_db))


def stack_copies(original: np.ndarray, *augmented: np.ndarray) -> np.ndarray:
    """Stack a clip's original input and its augmented copies: ``(n_clips, 1 + K, ...)``.

    Parameters
    ----------
    original : ndarray of shape (n_clips, ...)
        Copy 0, e.g. ``extract(tracks, LogMel()).X``.
    *augmented : ndarray of shape (n_clips, ...)
        Copies 1..K of the same clips in the same order, e.g.
        ``extract(tracks, AugmentedLogMel("pitch_shift", copy=k)).X``.

    Raises
    ------
    ParameterError
        If a copy's shape differs from the original's (e.g. a clip that failed in one
        extraction only: align the FeatureSets on ``track_id`` first).

    Used by: notebooks/louro_dl.ipynb (inputs of :class:`WithAugmentedCopies`).
    """
    original = np.asarray(original)
    if original.ndim < 2:
        raise ParameterError(f"original must have one row per clip and at least one feature axis, got {original.shape}")
    for k, copy in enumerate(augmented, start=1):
        if np.shape(copy) != original.shape:
            raise ParameterError(f"copy {k} has shape {np.shape(copy)}, the original {original.shape}: "
                                 "copies must hold the same clips in the same order")
    return np.stack([original, *map(np.asarray, augmented)], axis=1)


def _estimator_has(attr: str):
    """``available_if`` check: the fitted (else the unfitted) wrapped estimator has ``attr``."""
    return lambda self: hasattr(getattr(self, "estimator_", self.estimator), attr)


class WithAugmentedCopies(ClassifierMixin, BaseEstimator):
    """Train on every copy of each training clip, predict from the originals.

    ``X`` has shape ``(n_clips, 1 + K, ...)`` (:func:`stack_copies`): copy 0 is the original
    input, 1..K its augmented versions. ``fit`` flattens the copies into ``n_clips * (1 + K)``
    training rows, each with its clip's label; ``predict`` and ``predict_proba`` read copy 0
    only. Under :func:`mer_core.evaluation.cross_validate` a clip's copies travel with its row,
    so only training clips contribute augmented data and test clips are scored on their
    unaugmented originals.

    Parameters
    ----------
    estimator : scikit-learn classifier
        Fitted on ``(n_rows, ...)`` inputs (e.g. a ``TorchClassifier``); cloned in ``fit``.

    Attributes
    ----------
    estimator_ : classifier
        The fitted clone.
    classes_ : ndarray
        Class labels.
    n_copies_ : int
        1 + K, copies per clip seen in ``fit``.

    Used by: notebooks/louro_dl.ipynb (Baseline + audio-augmentation rows).
    """

    def __init__(self, estimator):
        self.estimator = estimator

    def _check_X(self, X, *, fitted: bool) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim < 3:
            raise ParameterError(f"X must be (n_clips, 1 + K copies, ...) as stack_copies returns, got shape {X.shape}")
        if fitted and X.shape[2:] != self.input_shape_:
            raise ParameterError(f"X has copies of shape {X.shape[2:]}, fit saw {self.input_shape_}; "
                                 "pass (n_clips, 1 + K copies, ...) as stack_copies returns")
        return X

    def fit(self, X, y):
        """Fit a clone of ``estimator`` on all copies of the clips ``X`` (labels ``y``); return self."""
        X = self._check_X(X, fitted=False)
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(X):
            raise ParameterError(f"y must be 1-D with one label per clip ({len(X)}), got shape {y.shape}")
        self.n_copies_ = X.shape[1]
        self.input_shape_ = X.shape[2:]
        rows = X.reshape((len(X) * self.n_copies_,) + self.input_shape_)
        self.estimator_ = clone(self.estimator).fit(rows, np.repeat(y, self.n_copies_))
        self.classes_ = getattr(self.estimator_, "classes_", np.unique(y))
        return self

    def predict(self, X) -> np.ndarray:
        """Labels of the clips, from their original inputs (copy 0)."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict(self._check_X(X, fitted=True)[:, 0])

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities of the clips, from their original inputs (copy 0)."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(self._check_X(X, fitted=True)[:, 0])


def _draw_seed(rng: np.random.RandomState) -> int:
    return int(rng.randint(np.iinfo(np.int32).max))


class DeepSMOTEClassifier(ClassifierMixin, BaseEstimator):
    """DeepSMOTE (Dablain, Krawczyk & Chawla 2022) on log-mels, inside the training fold.

    ``fit``: train a convolutional autoencoder
    (:func:`~mer_core.models.torch_estimator.fit_autoencoder`) on the training log-mels only,
    encode them, oversample every class in the latent space with imbalanced-learn's SMOTE to
    ``(1 + ratio)`` times its count (4Q is balanced, so the classes grow alike), decode the
    synthetic latents to log-mels and fit a clone of ``estimator`` on the originals plus the
    synthetic clips. ``predict`` / ``predict_proba`` pass the test clips, untouched, to it.

    Deviations from DeepSMOTE: the autoencoder is trained by reconstruction error alone
    (DeepSMOTE adds a penalty that decodes a class's shuffled latents and compares them with
    its images), on all classes at once; its architecture is this project's small
    :class:`~mer_core.models.nets.ConvAutoencoder`, not DeepSMOTE's DCGAN-style one; and the
    oversampling target is a ratio for every class instead of balancing minority classes.

    Parameters
    ----------
    estimator : scikit-learn classifier
        Fitted on ``(n_clips, n_mels, n_frames)`` log-mels (e.g. a ``TorchClassifier``).
    latent_dim : int
        Autoencoder bottleneck (SMOTE space) size.
    ae_epochs, ae_batch_size, ae_lr : int, int, float
        Autoencoder training (Adam, mean squared error).
    ae_channels : tuple of int
        Encoder widths of the autoencoder.
    ratio : float
        Synthetic clips per original clip, per class (1.0 doubles the training fold).
    k_neighbors : int
        SMOTE neighbours; every class needs more training clips than this.
    device : str
        Autoencoder device (``"auto"``: CUDA when available).
    num_threads : int or None
        Torch threads while training the autoencoder.
    random_state : int, RandomState or None
        Seeds the autoencoder and SMOTE (the wrapped estimator keeps its own seed).

    Attributes
    ----------
    estimator_ : classifier
        The clone fitted on originals + synthetic clips.
    autoencoder_ : ConvAutoencoder
        The autoencoder trained on the training fold.
    classes_ : ndarray
        Class labels.
    n_synthetic_ : int
        Synthetic clips added.

    Used by: notebooks/louro_dl.ipynb (Baseline + DeepSMOTE row).
    """

    def __init__(self, estimator, *, latent_dim: int = 128, ae_epochs: int = 30, ae_batch_size: int = 16,
                 ae_lr: float = 1e-3, ae_channels: tuple = (16, 32, 64, 64), ratio: float = 1.0,
                 k_neighbors: int = 5, device: str = "auto", num_threads: int | None = None, random_state=None):
        self.estimator = estimator
        self.latent_dim = latent_dim
        self.ae_epochs = ae_epochs
        self.ae_batch_size = ae_batch_size
        self.ae_lr = ae_lr
        self.ae_channels = ae_channels
        self.ratio = ratio
        self.k_neighbors = k_neighbors
        self.device = device
        self.num_threads = num_threads
        self.random_state = random_state

    def fit(self, X, y):
        """Train the autoencoder on ``X``, add SMOTE-in-latent-space clips, fit the estimator; return self."""
        X = np.asarray(X, dtype=np.float32)
        y = np.asarray(y)
        if X.ndim != 3:
            raise ParameterError(f"DeepSMOTEClassifier expects log-mels (n_clips, n_mels, n_frames), "
                                 f"got shape {X.shape}")
        if y.ndim != 1 or len(y) != len(X):
            raise ParameterError(f"y must be 1-D with one label per clip ({len(X)}), got shape {y.shape}")
        if not self.ratio > 0:
            raise ParameterError(f"ratio must be positive, got {self.ratio}")
        if int(self.k_neighbors) < 1:
            raise ParameterError(f"k_neighbors must be >= 1, got {self.k_neighbors}")
        classes, counts = np.unique(y, return_counts=True)
        if len(classes) < 2:
            raise ParameterError("fit needs at least two classes")
        if counts.min() <= self.k_neighbors:
            raise ParameterError(f"SMOTE with k_neighbors={self.k_neighbors} needs more than {self.k_neighbors} "
                                 f"training clips per class; the smallest class has {counts.min()}")
        rng = check_random_state(self.random_state)
        autoencoder = fit_autoencoder(X, latent_dim=int(self.latent_dim), channels=tuple(self.ae_channels),
                                      epochs=int(self.ae_epochs), batch_size=int(self.ae_batch_size),
                                      lr=self.ae_lr, device=self.device, random_state=_draw_seed(rng),
                                      num_threads=self.num_threads)
        latent = encode(autoencoder, X, device=self.device)
        target = {label: int(round((1 + self.ratio) * count)) for label, count in zip(classes, counts)}
        smote = SMOTE(sampling_strategy=target, k_neighbors=int(self.k_neighbors), random_state=_draw_seed(rng))
        latent_all, y_all = smote.fit_resample(latent, y)
        # imbalanced-learn returns the original rows first, then the synthetic ones
        new_latent = latent_all[len(X):]
        synthetic = (decode(autoencoder, new_latent, device=self.device) if len(new_latent)
                     else np.empty((0,) + X.shape[1:], dtype=np.float32))
        self.estimator_ = clone(self.estimator).fit(np.concatenate([X, synthetic]), np.asarray(y_all))
        self.autoencoder_ = autoencoder
        self.n_synthetic_ = len(synthetic)
        self.classes_ = getattr(self.estimator_, "classes_", classes)
        return self

    def predict(self, X) -> np.ndarray:
        """Labels predicted by the wrapped estimator."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities from the wrapped estimator."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(X)
