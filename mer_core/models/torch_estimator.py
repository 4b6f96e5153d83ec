"""One scikit-learn estimator for every torch network, and the autoencoder trainer.

:class:`TorchClassifier` wraps a network of :data:`mer_core.models.nets.NETS` so that the
project's cross-validation harness treats it like any scikit-learn classifier: ``clone`` it
per fold, ``fit`` on the training clips, ``predict`` / ``predict_proba`` on the test clips.
It handles device choice, seeding, batching, Louro et al.'s training-accuracy early stopping,
per-band standardisation learned on the training fold, batch augmentation, and segment-level
training with clip-level aggregation (ShortChunk CNN, Sample CNN). :class:`TorchRegressor` does
the same for the regression networks of
:data:`mer_core.models.regression_nets.REGRESSION_NETS` (Quan & Dong), with the epoch chosen
on the validation rows the harness passes to ``fit``.

:func:`fit_autoencoder`, :func:`encode` and :func:`decode` train and apply the
:class:`~mer_core.models.nets.ConvAutoencoder` (Louro et al.'s Autoencoder and DeepSMOTE rows).
"""
from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ..audio import frame
from ..errors import ParameterError
from ..progress import progress as progress_bar
from .nets import ConvAutoencoder, build_net
from .regression_nets import build_regression_net

_STATS_CHUNK = 32
"""Clips per chunk when computing band statistics (bounds the float64 temporaries)."""


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; anything else is passed to ``torch.device``."""
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ParameterError("device 'cuda' requested but CUDA is not available")
    return device


def draw_seed(random_state) -> int:
    """An int seed from ``None`` (fresh), an int (itself, via RandomState) or a RandomState."""
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


@contextmanager
def torch_runtime(seed: int | None = None, num_threads: int | None = None) -> Iterator[None]:
    """Seed torch, numpy and ``random``, set threads and deterministic kernels; restore torch after.

    Deterministic algorithms are requested with ``warn_only`` so that a CUDA kernel without a
    deterministic version warns instead of failing; on CPU every layer used here is deterministic,
    so the same seed gives the same weights and predictions on the same machine.
    """
    previous_threads = torch.get_num_threads()
    previous_deterministic = torch.are_deterministic_algorithms_enabled()
    previous_warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    previous_benchmark = torch.backends.cudnn.benchmark
    if num_threads is not None:
        if num_threads <= 0:
            raise ParameterError(f"num_threads must be positive, got {num_threads}")
        torch.set_num_threads(int(num_threads))
    if seed is not None:
        torch.manual_seed(seed)
        np.random.seed(seed)
        random.seed(seed)
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
    try:
        yield
    finally:
        torch.set_num_threads(previous_threads)
        torch.use_deterministic_algorithms(previous_deterministic, warn_only=previous_warn_only)
        torch.backends.cudnn.benchmark = previous_benchmark


def band_statistics(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation per band of ``X`` (clips x bands x time, or clips x samples).

    Statistics pool the clips and the last (time) axis; a 2-D waveform array has a single band.
    Returned shapes are ``X.shape[1:-1] + (1,)``, ready to broadcast over a batch. A constant
    band gets a scale of 1.
    """
    total = np.zeros(X.shape[1:-1], dtype=np.float64)
    total_sq = np.zeros_like(total)
    for start in range(0, len(X), _STATS_CHUNK):
        chunk = X[start:start + _STATS_CHUNK].astype(np.float64)
        total += chunk.sum(axis=(0, -1))
        total_sq += (chunk ** 2).sum(axis=(0, -1))
    count = len(X) * X.shape[-1]
    mean = np.asarray(total / count)
    std = np.sqrt(np.maximum(total_sq / count - mean ** 2, 0.0))
    std = np.where(std < 1e-8, 1.0, std)
    return mean[..., None].astype(np.float32), std[..., None].astype(np.float32)


def batches(order: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """Consecutive slices of ``order``; a trailing single sample joins the previous batch
    (batch norm cannot train on one sample)."""
    bounds = list(range(0, len(order), batch_size)) + [len(order)]
    if len(bounds) > 2 and bounds[-1] - bounds[-2] == 1:
        del bounds[-2]
    return [order[lo:hi] for lo, hi in zip(bounds[:-1], bounds[1:])]


def train_epochs(module: nn.Module, batch_fn: Callable[[np.ndarray], np.ndarray], targets: np.ndarray, *,
                 optimizer: torch.optim.Optimizer, epochs: int, batch_size: int, rng: np.random.Generator,
                 device: torch.device, progress: bool, desc: str, loss: str = "cross_entropy",
                 stop_train_acc: float | None = None, validation_loss: Callable[[], float] | None = None,
                 patience: int | None = None) -> list[dict]:
    """The one training loop of every torch network in the project (Adam or any optimizer).

    Parameters
    ----------
    batch_fn : callable
        ``batch_fn(sample_indices)`` returns the float32 network inputs of those samples.
    targets : ndarray
        Class indices (``loss="cross_entropy"``) or float targets ``(n, n_outputs)`` (``"mse"``).
    loss : {"cross_entropy", "mse"}
        Classification (records ``train_acc``) or regression.
    stop_train_acc : float or None
        Louro et al.'s early stopping: stop after the first epoch whose training accuracy
        reaches it (classification only).
    validation_loss : callable or None
        Called after every epoch (module in eval mode, no gradients) and recorded as
        ``val_loss``; the weights of the epoch with the lowest one are restored at the end
        ("model chosen on the validation set").
    patience : int or None
        With ``validation_loss``: stop after this many epochs without a new lowest one.

    Batch-norm layers whose parameters are frozen stay in eval mode, so their running
    statistics keep the pre-trained values. Returns one ``{"epoch", "loss", ...}`` record per
    epoch run (``train_acc``, ``val_loss`` where they apply).
    """
    if loss not in ("cross_entropy", "mse"):
        raise ParameterError(f"loss must be 'cross_entropy' or 'mse', got {loss!r}")
    frozen_norms = [m for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)
                    and not any(p.requires_grad for p in m.parameters())]
    classify = loss == "cross_entropy"
    targets_all = torch.from_numpy(np.asarray(targets, dtype=np.int64 if classify else np.float32))
    history, best_loss, best_state, since_best = [], np.inf, None, 0
    bar = progress_bar(range(int(epochs)), desc=desc, unit="epoch", disable=not progress)
    for epoch in bar:
        module.train()
        for norm in frozen_norms:
            norm.eval()
        loss_sum, correct, counted = 0.0, 0, 0
        order = rng.permutation(len(targets_all))
        for idx in batches(order, int(batch_size)):
            inputs = torch.from_numpy(np.ascontiguousarray(batch_fn(idx), dtype=np.float32)).to(device)
            expected = targets_all[torch.from_numpy(idx)].to(device)
            optimizer.zero_grad(set_to_none=True)
            outputs = module(inputs)
            batch_loss = (nn.functional.cross_entropy(outputs, expected) if classify
                          else nn.functional.mse_loss(outputs, expected))
            batch_loss.backward()
            optimizer.step()
            loss_sum += batch_loss.item() * len(idx)
            if classify:
                correct += int((outputs.argmax(1) == expected).sum())
                counted += expected.numel()  # per-step targets (n, T) count every step
        record = {"epoch": epoch + 1, "loss": loss_sum / len(order)}
        if classify:
            record["train_acc"] = correct / counted
        if validation_loss is not None:
            module.eval()
            with torch.no_grad():
                record["val_loss"] = float(validation_loss())
            if record["val_loss"] < best_loss:
                best_loss, since_best = record["val_loss"], 0
                best_state = {k: v.detach().clone() for k, v in module.state_dict().items()}
            else:
                since_best += 1
        history.append(record)
        bar.set_postfix({k: f"{v:.3f}" for k, v in record.items() if k != "epoch"})
        if classify and stop_train_acc is not None and record["train_acc"] >= stop_train_acc:
            break
        if patience is not None and since_best >= patience:
            break
    bar.close()
    if best_state is not None:
        module.load_state_dict(best_state)
    return history


def _check_inputs(X, name: str = "X") -> np.ndarray:
    X = np.asarray(X, dtype=np.float32)
    if X.ndim not in (2, 3):
        raise ParameterError(f"{name} must be (n_clips, n_samples) waveforms or (n_clips, n_bands, n_frames) "
                             f"spectrograms, got shape {X.shape}")
    if len(X) == 0 or X.shape[-1] == 0:
        raise ParameterError(f"{name} is empty (shape {X.shape})")
    return X


class TorchClassifier(ClassifierMixin, BaseEstimator):
    """Scikit-learn classifier around a network of :data:`~mer_core.models.nets.NETS`.

    Training is Louro et al.'s: Adam, cross-entropy, no validation split, and early stopping as
    soon as the accuracy on the training batches of an epoch reaches ``stop_train_acc``.

    Parameters
    ----------
    net : str
        Name in :data:`~mer_core.models.nets.NETS` (``cnn_baseline``, ``cnn_gru``, ``crnn``,
        ``shortchunk``, ``samplecnn``).
    net_params : dict or None
        Keyword arguments of the builder (e.g. ``{"channels": (16, 32, 32, 48, 64)}``).
    epochs : int
        Maximum number of epochs.
    batch_size : int
        Training and inference batch size (in samples: segments in segment mode).
    lr, weight_decay : float
        Adam learning rate and L2 weight decay.
    stop_train_acc : float or None
        Stop after the first epoch whose training accuracy is >= this value (0.90 in Louro et
        al.); ``None`` trains for ``epochs``. In segment mode it is the segment accuracy.
    segment_len, segment_hop : int or None
        ``None``: one sample per clip. Otherwise each clip is cut along its last axis (frames or
        samples) into segments of ``segment_len`` with hop ``segment_hop`` (default: no overlap;
        a clip shorter than one segment is zero-padded; :func:`mer_core.audio.frame`); each
        segment is a training sample with its clip's label, and ``predict_proba`` averages over
        a clip's segments.
        Segments are cut from the clips passed to ``fit`` / ``predict``, so a clip-level CV
        split never puts segments of one clip on both sides.
    augment : callable or None
        ``augment(batch, rng) -> batch``, applied to each training batch only, never at
        prediction. ``batch`` is a float32 array of raw samples (before standardisation, e.g. dB
        log-mels or waveforms) of shape ``(batch, ...)``; ``rng`` is a ``numpy.random.Generator``
        seeded from ``random_state``; the returned array must have the same shape. Audio-domain
        augmentations that need re-extracting features (time stretch, pitch shift) are made
        offline on the audio instead. Use a module-level function or ``functools.partial`` so
        the estimator stays picklable.
    standardize : bool
        Learn the mean and standard deviation of each band (mel band; the whole signal for
        waveforms) on the training clips and apply them to every batch.
    device : str
        ``"auto"`` (CUDA when available, else CPU), ``"cpu"``, ``"cuda"``, ``"cuda:1"`` ...
    random_state : int, RandomState or None
        Seeds torch, numpy and ``random`` at the start of ``fit``, and the shuffling and
        augmentation generator. With a fixed seed, CPU training is repeatable bit for bit.
    progress : bool
        Show a tqdm bar over epochs.
    num_threads : int or None
        Torch intra-op threads during ``fit`` / ``predict`` (``None``: torch's current setting).

    Attributes
    ----------
    classes_ : ndarray
        Class labels, in the order of the ``predict_proba`` columns.
    module_ : torch.nn.Module
        The trained network, kept on the CPU between calls (eval mode).
    history_ : list of dict
        One ``{"epoch", "loss", "train_acc"}`` record per epoch run.
    n_epochs_ : int
        Epochs actually run (< ``epochs`` when early stopping fired).
    input_shape_ : tuple
        Shape of one network input (a segment in segment mode).
    mean_, scale_ : ndarray or None
        Band statistics learned in ``fit`` (``None`` when ``standardize=False``).

    Used by: notebooks/louro_dl.ipynb (all deep-learning rows of Table 1).
    """

    def __init__(self, net: str = "cnn_baseline", net_params: dict | None = None, *, epochs: int = 100,
                 batch_size: int = 16, lr: float = 1e-3, weight_decay: float = 0.0,
                 stop_train_acc: float | None = 0.9, segment_len: int | None = None,
                 segment_hop: int | None = None, augment: Callable | None = None, standardize: bool = True,
                 device: str = "auto", random_state=None, progress: bool = False,
                 num_threads: int | None = None):
        self.net = net
        self.net_params = net_params
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.stop_train_acc = stop_train_acc
        self.segment_len = segment_len
        self.segment_hop = segment_hop
        self.augment = augment
        self.standardize = standardize
        self.device = device
        self.random_state = random_state
        self.progress = progress
        self.num_threads = num_threads

    # ------------------------------------------------------------------ samples
    def _check_params(self) -> None:
        if int(self.epochs) <= 0 or int(self.batch_size) <= 0:
            raise ParameterError("epochs and batch_size must be positive")
        if self.lr <= 0 or self.weight_decay < 0:
            raise ParameterError("lr must be positive and weight_decay non-negative")
        if self.stop_train_acc is not None and not 0 < self.stop_train_acc <= 1:
            raise ParameterError(f"stop_train_acc must be in (0, 1] or None, got {self.stop_train_acc}")
        if self.segment_len is not None and int(self.segment_len) <= 0:
            raise ParameterError(f"segment_len must be positive, got {self.segment_len}")
        if self.segment_hop is not None and (self.segment_len is None or int(self.segment_hop) <= 0):
            raise ParameterError("segment_hop needs a segment_len and must be positive")
        if self.augment is not None and not callable(self.augment):
            raise ParameterError("augment must be a callable (batch, rng) -> batch or None")

    def _segments(self, clip: np.ndarray) -> np.ndarray:
        """The network samples of one clip, ``(n_segments, ..., segment_len)`` (a view, no copy);
        the whole clip as one sample without ``segment_len``."""
        if self.segment_len is None:
            return clip[None]
        return frame(clip, int(self.segment_len), int(self.segment_hop or self.segment_len), axis=-1)

    def _samples(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Clip and segment index of every sample of ``X``, clip-major (clips have equal lengths)."""
        n_segments = len(self._segments(X[0]))
        return np.repeat(np.arange(len(X)), n_segments), np.tile(np.arange(n_segments), len(X))

    def _gather(self, X: np.ndarray, clips: np.ndarray, segments: np.ndarray) -> np.ndarray:
        """Network inputs of the (clip, segment) samples."""
        batch = np.stack([self._segments(X[clip])[segment] for clip, segment in zip(clips, segments)])
        if not np.all(np.isfinite(batch)):
            raise ParameterError("X contains NaN or infinite values")
        return batch

    def _standardized(self, batch: np.ndarray) -> np.ndarray:
        return batch if self.mean_ is None else (batch - self.mean_) / self.scale_

    # ------------------------------------------------------------------ fit
    def fit(self, X, y):
        """Train a fresh network on clips ``X`` with labels ``y``; return ``self``.

        Parameters
        ----------
        X : ndarray
            ``(n_clips, n_bands, n_frames)`` spectrograms or ``(n_clips, n_samples)`` waveforms.
        y : array-like of shape (n_clips,)
            Labels (strings or ints).

        Returns
        -------
        TorchClassifier
            ``self``, fitted.
        """
        self._check_params()
        X = _check_inputs(X)
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(X):
            raise ParameterError(f"y must be 1-D with one label per clip ({len(X)}), got shape {y.shape}")
        self.classes_, y_index = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ParameterError("fit needs at least two classes")
        device = resolve_device(self.device)
        seed = draw_seed(self.random_state)
        rng = np.random.default_rng(seed)

        clips, segments = self._samples(X)
        if len(clips) < 2:
            raise ParameterError("fit needs at least two training samples")
        self.input_shape_ = self._segments(X[0]).shape[1:]
        self.mean_, self.scale_ = band_statistics(X) if self.standardize else (None, None)

        with torch_runtime(seed, self.num_threads):
            module = build_net(self.net, len(self.classes_), self.input_shape_, **(self.net_params or {}))
            module.to(device)
            optimizer = torch.optim.Adam(module.parameters(), lr=self.lr, weight_decay=self.weight_decay)

            def training_batch(idx: np.ndarray) -> np.ndarray:
                batch = self._gather(X, clips[idx], segments[idx])
                if self.augment is not None:
                    augmented = np.asarray(self.augment(batch, rng), dtype=np.float32)
                    if augmented.shape != batch.shape:
                        raise ParameterError(f"augment changed the batch shape {batch.shape} -> {augmented.shape}")
                    batch = augmented
                return self._standardized(batch)

            self.history_ = train_epochs(module, training_batch, y_index[clips], optimizer=optimizer,
                                         epochs=self.epochs, batch_size=self.batch_size,
                                         stop_train_acc=self.stop_train_acc, rng=rng, device=device,
                                         progress=self.progress, desc=self.net)
        self.n_epochs_ = len(self.history_)
        self.module_ = module.cpu().eval()
        return self

    # ------------------------------------------------------------------ inference
    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities per clip, ``(n_clips, n_classes)``; segment probabilities are averaged."""
        check_is_fitted(self, "module_")
        X = _check_inputs(X)
        expected = self.input_shape_[:-1] if self.segment_len is not None else self.input_shape_
        if X.ndim != len(self.input_shape_) + 1 or X.shape[1:len(expected) + 1] != expected:
            raise ParameterError(f"X has clips of shape {X.shape[1:]}, the network was fitted on {self.input_shape_}"
                                 + (" segments" if self.segment_len is not None else ""))
        clips, segments = self._samples(X)
        probabilities = apply_batched(lambda x: torch.softmax(self.module_(x), dim=1), self.module_,
                                      lambda idx: self._standardized(self._gather(X, clips[idx], segments[idx])),
                                      len(clips), batch_size=int(self.batch_size), device=self.device,
                                      num_threads=self.num_threads)
        # samples are clip-major with the same number of segments per clip
        return probabilities.reshape(len(X), -1, probabilities.shape[1]).mean(axis=1)

    def predict(self, X) -> np.ndarray:
        """Most probable class per clip."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


# ---------------------------------------------------------------------- autoencoder
class TorchRegressor(RegressorMixin, BaseEstimator):
    """Scikit-learn regressor of clip-level targets (e.g. valence and arousal) around a network of
    :data:`~mer_core.models.regression_nets.REGRESSION_NETS`.

    Training is Quan & Dong's: Adam, mean squared error, up to ``epochs`` epochs, and the model
    chosen on the validation set: when ``fit`` receives ``validation`` rows (the harness passes
    the validation part of a holdout protocol), the weights of the epoch with the lowest
    validation loss are kept. Inputs are standardised per mel band and targets per column on
    the training clips (so each target weighs the same in the loss); predictions are returned
    on the targets' own scale.

    Parameters
    ----------
    net : str
        Name in :data:`~mer_core.models.regression_nets.REGRESSION_NETS`.
    net_params : dict or None
        Keyword arguments of the builder.
    epochs, batch_size : int
        Maximum epochs; batch size.
    lr, weight_decay : float
        Adam learning rate (Quan & Dong: 0.001) and L2 weight decay.
    patience : int or None
        Stop after this many epochs without a lower validation loss (``None``: run every epoch).
    device, random_state, progress, num_threads
        As in :class:`TorchClassifier`.

    Attributes
    ----------
    module_ : torch.nn.Module
        The trained network (CPU, eval mode).
    history_ : list of dict
        ``{"epoch", "loss", "val_loss"}`` per epoch run (standardised-target MSE).
    best_epoch_ : int or None
        Epoch whose weights were kept (``None`` without validation rows: the last one).
    n_epochs_ : int
        Epochs run.

    Used by: notebooks/quan_dong.ipynb (Model 1 and Model 2).
    """

    def __init__(self, net: str = "quan_dong_1", net_params: dict | None = None, *, epochs: int = 100,
                 batch_size: int = 32, lr: float = 1e-3, weight_decay: float = 0.0, patience: int | None = None,
                 device: str = "auto", random_state=None, progress: bool = False, num_threads: int | None = None):
        self.net = net
        self.net_params = net_params
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.patience = patience
        self.device = device
        self.random_state = random_state
        self.progress = progress
        self.num_threads = num_threads

    def _targets(self, y, n: int) -> np.ndarray:
        y = np.asarray(y, dtype=np.float64)
        y = y[:, None] if y.ndim == 1 else y
        if y.ndim != 2 or len(y) != n:
            raise ParameterError(f"y must have one row per clip ({n}), got shape {y.shape}")
        if not np.all(np.isfinite(y)):
            raise ParameterError("y contains NaN or infinite values")
        return y

    def _inputs(self, X) -> np.ndarray:
        X = _check_inputs(X)
        if X.ndim != 3:
            raise ParameterError(f"X must be (n_clips, n_mels, n_frames) spectrograms, got shape {X.shape}")
        if not np.all(np.isfinite(X)):
            raise ParameterError("X contains NaN or infinite values")
        return X

    def fit(self, X, y, validation=None):
        """Train a fresh network on ``X`` (spectrograms) and ``y`` (``(n,)`` or ``(n, n_targets)``).

        ``validation=(X_val, y_val)`` selects the epoch (see the class docstring). Returns ``self``.
        """
        if int(self.epochs) <= 0 or int(self.batch_size) <= 0 or self.lr <= 0:
            raise ParameterError("epochs, batch_size and lr must be positive")
        X = self._inputs(X)
        self.single_target_ = np.ndim(y) == 1
        y = self._targets(y, len(X))
        if len(X) < 2:
            raise ParameterError("fit needs at least two training clips")
        self.input_shape_ = X.shape[1:]
        self.mean_, self.scale_ = band_statistics(X)
        self.y_mean_, self.y_scale_ = y.mean(axis=0), np.where(y.std(axis=0) > 0, y.std(axis=0), 1.0)
        targets = ((y - self.y_mean_) / self.y_scale_).astype(np.float32)
        device = resolve_device(self.device)
        seed = draw_seed(self.random_state)
        rng = np.random.default_rng(seed)
        validation_loss = None
        if validation is not None:
            X_val = self._inputs(validation[0])
            y_val = ((self._targets(validation[1], len(X_val)) - self.y_mean_) / self.y_scale_).astype(np.float32)
            inputs_val = torch.from_numpy((X_val - self.mean_) / self.scale_)

            def validation_loss() -> float:
                total = 0.0
                for idx in batches(np.arange(len(X_val)), int(self.batch_size)):
                    out = module(inputs_val[idx].to(device)).cpu().numpy()
                    total += float(((out - y_val[idx]) ** 2).sum())
                return total / y_val.size

        with torch_runtime(seed, self.num_threads):
            module = build_regression_net(self.net, targets.shape[1], self.input_shape_, **(self.net_params or {}))
            module.to(device)
            optimizer = torch.optim.Adam(module.parameters(), lr=self.lr, weight_decay=self.weight_decay)
            self.history_ = train_epochs(module, lambda idx: (X[idx] - self.mean_) / self.scale_, targets,
                                         optimizer=optimizer, epochs=self.epochs, batch_size=self.batch_size,
                                         rng=rng, device=device, progress=self.progress, desc=self.net, loss="mse",
                                         validation_loss=validation_loss, patience=self.patience)
        self.n_epochs_ = len(self.history_)
        self.best_epoch_ = (None if validation is None
                            else min(self.history_, key=lambda r: r["val_loss"])["epoch"])
        self.module_ = module.cpu().eval()
        return self

    def predict(self, X) -> np.ndarray:
        """Predictions on the targets' scale: ``(n,)`` for one target, else ``(n, n_targets)``."""
        check_is_fitted(self, "module_")
        X = self._inputs(X)
        if X.shape[1:] != self.input_shape_:
            raise ParameterError(f"X has clips of shape {X.shape[1:]}, the network was fitted on {self.input_shape_}")
        out = apply_batched(self.module_, self.module_, lambda idx: (X[idx] - self.mean_) / self.scale_, len(X),
                            batch_size=int(self.batch_size), device=self.device, num_threads=self.num_threads)
        out = out * self.y_scale_ + self.y_mean_
        return out[:, 0] if self.single_target_ else out


def fit_autoencoder(X, *, latent_dim: int = 128, channels: Sequence[int] = (16, 32, 64, 64), epochs: int = 30,
                    batch_size: int = 16, lr: float = 1e-3, weight_decay: float = 0.0, device: str = "auto",
                    random_state=None, progress: bool = False, num_threads: int | None = None) -> ConvAutoencoder:
    """Train a :class:`~mer_core.models.nets.ConvAutoencoder` on log-mels by mean squared error.

    Parameters
    ----------
    X : ndarray of shape (n_clips, n_mels, n_frames)
        Log-mel spectrograms (dB); per-band statistics are learned here and stored in the
        module, so :func:`encode` / :func:`decode` take and return dB.
    latent_dim, channels : int, sequence of int
        Bottleneck size and encoder widths.
    epochs, batch_size, lr, weight_decay : training settings (Adam, no early stopping).
    device, random_state, progress, num_threads : as in :class:`TorchClassifier`.

    Returns
    -------
    ConvAutoencoder
        On the CPU, in eval mode, with ``history_`` (one ``{"epoch", "loss"}`` per epoch).

    Used by: notebooks/louro_dl.ipynb (Autoencoder + random forest and DeepSMOTE rows).
    """
    X = _check_inputs(X)
    if X.ndim != 3:
        raise ParameterError(f"fit_autoencoder expects (n_clips, n_mels, n_frames), got shape {X.shape}")
    if len(X) < 2 or epochs <= 0 or batch_size <= 0:
        raise ParameterError("fit_autoencoder needs at least two clips and positive epochs and batch_size")
    if not np.all(np.isfinite(X)):
        raise ParameterError("X contains NaN or infinite values")
    device = resolve_device(device)
    seed = draw_seed(random_state)
    rng = np.random.default_rng(seed)
    mean, scale = band_statistics(X)
    with torch_runtime(seed, num_threads):
        module = ConvAutoencoder(X.shape[1:], latent_dim=latent_dim, channels=channels)
        module.mean.copy_(torch.from_numpy(mean))
        module.scale.copy_(torch.from_numpy(scale))
        module.to(device)
        optimizer = torch.optim.Adam(module.parameters(), lr=lr, weight_decay=weight_decay)
        history = []
        for epoch in progress_bar(range(int(epochs)), desc="autoencoder", unit="epoch", disable=not progress):
            module.train()
            order = rng.permutation(len(X))
            loss_sum = 0.0
            for idx in batches(order, int(batch_size)):
                idx = np.sort(idx)
                inputs = torch.from_numpy((X[idx] - mean) / scale).to(device)
                optimizer.zero_grad(set_to_none=True)
                loss = nn.functional.mse_loss(module(inputs), inputs)
                loss.backward()
                optimizer.step()
                loss_sum += loss.item() * len(idx)
            history.append({"epoch": epoch + 1, "loss": loss_sum / len(X)})
    module.history_ = history
    return module.cpu().eval()


def apply_batched(fn: Callable[[torch.Tensor], torch.Tensor], module: nn.Module,
                  batch_fn: Callable[[np.ndarray], np.ndarray], n_samples: int, *, batch_size: int,
                  device: str | torch.device = "auto", num_threads: int | None = None) -> np.ndarray:
    """Run ``fn`` (a function of ``module``) over ``n_samples`` in eval mode without gradients.

    ``batch_fn(sample_indices)`` returns the inputs of those samples; outputs come back as one
    float32 array in sample order and the module is moved back to the CPU. The one inference
    loop of the project (classifiers, musicnn fine-tune, autoencoders).
    """
    device = resolve_device(device)
    module.to(device).eval()
    outputs = []
    try:
        with torch_runtime(None, num_threads), torch.inference_mode():
            for idx in batches(np.arange(n_samples), int(batch_size)):
                inputs = torch.from_numpy(np.ascontiguousarray(batch_fn(idx), dtype=np.float32)).to(device)
                outputs.append(fn(inputs).float().cpu().numpy())
    finally:
        module.cpu()
    return np.concatenate(outputs)


def predict_batched(module: nn.Module, samples: np.ndarray, *, batch_size: int, device: str | torch.device = "auto",
                    num_threads: int | None = None) -> np.ndarray:
    """Softmax outputs ``(n_samples, n_classes)`` of a classifier ``module`` on ``samples``."""
    return apply_batched(lambda x: torch.softmax(module(x), dim=1), module, lambda idx: samples[idx], len(samples),
                         batch_size=batch_size, device=device, num_threads=num_threads)


def encode(module: ConvAutoencoder, X, *, batch_size: int = 32, device: str = "auto") -> np.ndarray:
    """Bottleneck vectors ``(n_clips, latent_dim)`` of log-mels ``X`` (dB).

    Used by: notebooks/louro_dl.ipynb (Autoencoder + random forest, DeepSMOTE).
    """
    X = _check_inputs(X)
    if X.shape[1:] != module.input_shape:
        raise ParameterError(f"X has clips of shape {X.shape[1:]}, the autoencoder expects {module.input_shape}")
    mean, scale = module.mean.cpu().numpy(), module.scale.cpu().numpy()
    standardized = (X - mean) / scale
    return apply_batched(module.encode, module, lambda idx: standardized[idx], len(X), batch_size=batch_size,
                         device=device)


def decode(module: ConvAutoencoder, Z, *, batch_size: int = 32, device: str = "auto") -> np.ndarray:
    """Log-mels (dB) ``(n, n_mels, n_frames)`` decoded from bottleneck vectors ``Z``.

    Used by: notebooks/louro_dl.ipynb (DeepSMOTE: synthetic spectrograms from SMOTE in latent space).
    """
    Z = np.asarray(Z, dtype=np.float32)
    latent_dim = module.to_latent.out_features
    if Z.ndim != 2 or Z.shape[1] != latent_dim:
        raise ParameterError(f"Z must have shape (n, {latent_dim}), got {Z.shape}")
    mean, scale = module.mean.cpu().numpy(), module.scale.cpu().numpy()
    return apply_batched(module.decode, module, lambda idx: Z[idx], len(Z), batch_size=batch_size,
                         device=device) * scale + mean
