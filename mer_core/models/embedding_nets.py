"""Koh & Dubnov's three neural classifiers of clip embeddings, with validation early stopping.

Koh & Dubnov (2021) classify deep audio embeddings (OpenL3, VGGish) with an MLP, a 1-D CNN and
an LSTM-RNN, all trained with Adam, categorical cross-entropy and batches of 32, "for 1000
epochs with an early-stopping rule if there is no improvement to the score during the last 100
learning epochs", on 80/10/10 train/validation/test splits. :class:`EmbeddingNetClassifier`
is that estimator: given the validation rows (the harness passes them for a holdout protocol)
it stops after ``patience`` epochs without a lower validation loss and keeps the weights of
the best validation epoch; the test rows are only scored.

``NETS[name](n_features, n_classes, **net_params)`` builds the untrained module:

==========  =========================================================================  ============
name        architecture (our reading of the paper)                                    input
==========  =========================================================================  ============
``mlp``     ``hidden=(512, 512)``: two hidden ReLU layers of 512 units, linear output   (n, d)
            (softmax in the loss / in ``predict_proba``)
``cnn1d``   the embedding as a 1-channel 1-D signal: four Conv1d blocks of             (n, d)
            ``channels=(64, 64, 64, 64)`` filters, ``kernel_size=3`` (padding 1), ReLU,
            max-pool ``pool=2`` after each; flatten, linear output
``lstm``    one LSTM layer (``hidden=128``, ``layers=1``) over the clip's frame          (n, T, d)
            embeddings, a linear output at every time step ("point-wise softmax");       or (n, d)
            clip probabilities = mean over the steps of the per-step softmax
==========  =========================================================================  ============

Readings where the paper is silent or ambiguous:

* MLP: "two of a single hidden layer with 512 nodes" is read as two hidden layers of 512 units
  (``net_params={"hidden": (512,)}`` gives the single-layer reading).
* CNN: the paper revises Abdoli et al.'s (2019) 1-D CNN, which runs on raw waveforms with large
  kernels; on a 128- or 512-value embedding we use kernel 3 (padding 1), and a max-pool of 2
  after each of the four convolutions (a pool is clamped to the length left, so short inputs
  work). Kernel size, pooling and the absence of a dense hidden layer are our choices.
* LSTM: Weninger et al.'s LSTM-RNN maps a sequence to a sequence of outputs; "point-wise
  softmax" is read as a softmax at every time step. Training minimises the cross-entropy of
  every step against the clip's label (averaged over steps and clips); a clip's class
  probabilities are the mean over its steps of the per-step softmax. A 2-D input is a sequence
  of one step (a clip-level embedding vector).

Inputs are standardised per feature (the last axis) with the mean and standard deviation of the
training rows only (pooled over the time steps for the LSTM).

Used by: :func:`mer_core.models.zoo.koh_dubnov_classifier` (notebooks/koh_dubnov.ipynb).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ..errors import ParameterError
from .torch_estimator import apply_batched, batches, draw_seed, resolve_device, torch_runtime, train_epochs


# ---------------------------------------------------------------------- networks
class EmbeddingMLP(nn.Module):
    """Fully connected ReLU layers of ``hidden`` widths and a linear output (logits ``(batch, C)``)."""

    def __init__(self, n_features: int, n_classes: int, hidden: Sequence[int] = (512, 512)):
        super().__init__()
        widths = [int(n_features)] + [int(h) for h in hidden]
        if any(w <= 0 for w in widths[1:]):
            raise ParameterError(f"mlp: hidden widths must be positive, got {tuple(hidden)}")
        layers: list[nn.Module] = []
        for w_in, w_out in zip(widths[:-1], widths[1:]):
            layers += [nn.Linear(w_in, w_out), nn.ReLU()]
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(widths[-1], int(n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


class EmbeddingCNN1d(nn.Module):
    """Conv1d + ReLU + max-pool blocks over the embedding as a 1-channel signal, then a linear
    output on the flattened maps (logits ``(batch, C)``)."""

    def __init__(self, n_features: int, n_classes: int, channels: Sequence[int] = (64, 64, 64, 64),
                 kernel_size: int = 3, pool: int = 2):
        super().__init__()
        if len(channels) == 0 or any(int(c) <= 0 for c in channels):
            raise ParameterError(f"cnn1d: channels must be positive, got {tuple(channels)}")
        if int(kernel_size) <= 0 or int(kernel_size) % 2 == 0 or int(pool) <= 0:
            raise ParameterError(f"cnn1d: kernel_size must be odd and positive and pool positive, "
                                 f"got kernel_size={kernel_size}, pool={pool}")
        layers: list[nn.Module] = []
        length, width = int(n_features), 1
        for c in channels:
            p = min(int(pool), length)  # clamped to the length left
            layers += [nn.Conv1d(width, int(c), int(kernel_size), padding=int(kernel_size) // 2), nn.ReLU(),
                       nn.MaxPool1d(p)]
            length, width = length // p, int(c)
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(width * length, int(n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x.unsqueeze(1)).flatten(1))


class EmbeddingLSTM(nn.Module):
    """LSTM over ``(batch, T, d)`` with a linear output at every step: logits ``(batch, C, T)``."""

    def __init__(self, n_features: int, n_classes: int, hidden: int = 128, layers: int = 1):
        super().__init__()
        if int(hidden) <= 0 or int(layers) <= 0:
            raise ParameterError(f"lstm: hidden and layers must be positive, got hidden={hidden}, layers={layers}")
        self.lstm = nn.LSTM(int(n_features), int(hidden), num_layers=int(layers), batch_first=True)
        self.head = nn.Linear(int(hidden), int(n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return self.head(out).transpose(1, 2)


NETS: dict[str, Callable[..., nn.Module]] = {"mlp": EmbeddingMLP, "cnn1d": EmbeddingCNN1d, "lstm": EmbeddingLSTM}
"""Builders ``NETS[name](n_features, n_classes, **net_params)`` (module docstring)."""


def clip_log_proba(logits: torch.Tensor) -> torch.Tensor:
    """Log class probabilities per clip ``(batch, C)`` from logits ``(batch, C)`` or per-step
    logits ``(batch, C, T)`` (log of the mean over steps of the per-step softmax)."""
    log_p = torch.log_softmax(logits, dim=1)
    if log_p.ndim == 3:
        log_p = torch.logsumexp(log_p, dim=2) - np.log(log_p.shape[2])
    return log_p


# ---------------------------------------------------------------------- estimator
class EmbeddingNetClassifier(ClassifierMixin, BaseEstimator):
    """Koh & Dubnov's MLP, CNN or RNN classifier of embeddings, as a scikit-learn estimator.

    Adam, cross-entropy, batches of ``batch_size``. With ``validation=(X_val, y_val)`` in
    :meth:`fit` (the harness passes a holdout protocol's validation rows) training runs up to
    ``epochs`` epochs, stops after ``patience`` epochs without a lower validation loss (the mean
    cross-entropy of the clip probabilities on the validation rows) and keeps the weights of
    the epoch with the lowest one. **Without validation rows it trains exactly ``epochs``
    epochs and keeps the last weights** (no early stopping: nothing else to stop on).

    Parameters
    ----------
    net : {"mlp", "cnn1d", "lstm"}
        Architecture (module docstring).
    epochs : int
        Maximum epochs (paper: 1000).
    patience : int or None
        Epochs without a lower validation loss before stopping (paper: 100); ``None`` runs all
        ``epochs`` and still keeps the best validation epoch.
    batch_size : int
        Paper: 32 (Keras' default).
    lr : float
        Adam learning rate (Keras' default 0.001).
    net_params : dict or None
        Keyword arguments of the builder (``hidden``, ``channels``, ``kernel_size``, ``pool``,
        ``layers``).
    device : str
        ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``...
    random_state : None, int or RandomState
        Seed of the initial weights and batch order; the same seed gives the same predictions
        on the same machine.
    progress : bool
        Show a per-epoch progress bar.
    num_threads : int or None
        Torch CPU threads during fit and predict (``None``: leave torch's setting).

    Attributes
    ----------
    classes_ : ndarray
        Sorted labels.
    module_ : torch.nn.Module
        The trained network (CPU, eval mode).
    history_ : list of dict
        ``{"epoch", "loss", "train_acc", "val_loss"}`` per epoch run (``val_loss`` only with
        validation rows; for the LSTM ``loss`` and ``train_acc`` are per time step).
    n_epochs_ : int
        Epochs run.
    best_epoch_ : int or None
        Epoch whose weights were kept (``None`` without validation rows: the last one).
    mean_, scale_ : ndarray of shape (n_features,)
        Standardisation learned on the training rows.
    """

    def __init__(self, net: str = "mlp", *, epochs: int = 1000, patience: int | None = 100, batch_size: int = 32,
                 lr: float = 1e-3, net_params: dict | None = None, device: str = "auto", random_state=None,
                 progress: bool = False, num_threads: int | None = None):
        self.net = net
        self.epochs = epochs
        self.patience = patience
        self.batch_size = batch_size
        self.lr = lr
        self.net_params = net_params
        self.device = device
        self.random_state = random_state
        self.progress = progress
        self.num_threads = num_threads

    # ------------------------------------------------------------------ checks
    def _check_params(self) -> None:
        if self.net not in NETS:
            raise ParameterError(f"unknown net {self.net!r}; choose one of {tuple(NETS)}")
        if int(self.epochs) <= 0 or int(self.batch_size) <= 0 or not self.lr > 0:
            raise ParameterError(f"epochs, batch_size and lr must be positive, got epochs={self.epochs}, "
                                 f"batch_size={self.batch_size}, lr={self.lr}")
        if self.patience is not None and int(self.patience) <= 0:
            raise ParameterError(f"patience must be positive or None, got {self.patience}")

    def _inputs(self, X, name: str = "X") -> np.ndarray:
        """``X`` as float32 ``(n, d)`` (mlp, cnn1d) or ``(n, T, d)`` (lstm; 2-D means T=1), checked."""
        X = np.asarray(X, dtype=np.float32)
        allowed = (2, 3) if self.net == "lstm" else (2,)
        if X.ndim not in allowed:
            wanted = ("(n_clips, n_frames, n_features) frame embeddings or (n_clips, n_features)"
                      if self.net == "lstm" else "(n_clips, n_features) clip embeddings")
            raise ParameterError(f"{name} must be {wanted} for net {self.net!r}, got shape {X.shape}")
        if X.size == 0:
            raise ParameterError(f"{name} is empty (shape {X.shape})")
        if not np.all(np.isfinite(X)):
            raise ParameterError(f"{name} contains NaN or infinite values")
        return X[:, None, :] if self.net == "lstm" and X.ndim == 2 else X

    def _labels(self, y, n: int, name: str = "y") -> np.ndarray:
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != n:
            raise ParameterError(f"{name} must be 1-D with one label per clip ({n}), got shape {y.shape}")
        return y

    def _standardized(self, X: np.ndarray) -> np.ndarray:
        return ((X - self.mean_) / self.scale_).astype(np.float32)

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, validation=None):
        """Train a fresh network on ``X`` with labels ``y``; return ``self``.

        Parameters
        ----------
        X : ndarray
            ``(n_clips, n_features)``; for ``lstm`` also ``(n_clips, n_frames, n_features)``.
        y : array-like of shape (n_clips,)
            Labels (strings or ints), at least two classes.
        validation : (X_val, y_val) or None
            Rows for early stopping and the choice of the kept epoch (class docstring); their
            labels must occur in ``y``. Without them: ``epochs`` epochs, last weights.
        """
        self._check_params()
        X = self._inputs(X)
        y = self._labels(y, len(X))
        self.classes_, y_index = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ParameterError(f"fit needs at least two classes, got {self.classes_.tolist()}")
        self.n_features_in_ = X.shape[-1]
        flat = X.reshape(-1, X.shape[-1]).astype(np.float64)
        mean, std = flat.mean(axis=0), flat.std(axis=0)
        self.mean_ = mean.astype(np.float32)
        self.scale_ = np.where(std < 1e-8, 1.0, std).astype(np.float32)
        X_train = self._standardized(X)
        # the LSTM is trained per time step: every step carries its clip's label
        targets = np.repeat(y_index[:, None], X.shape[1], axis=1) if self.net == "lstm" else y_index

        device = resolve_device(self.device)
        seed = draw_seed(self.random_state)
        rng = np.random.default_rng(seed)
        validation_loss = None
        if validation is not None:
            if len(validation) != 2:
                raise ParameterError("validation must be a pair (X_val, y_val)")
            X_val = self._inputs(validation[0], "validation X")
            if X_val.shape[-1] != self.n_features_in_:
                raise ParameterError(f"validation X has {X_val.shape[-1]} features, X has {self.n_features_in_}")
            y_val = self._labels(validation[1], len(X_val), "validation y")
            unseen = np.setdiff1d(y_val, self.classes_)
            if len(unseen):
                raise ParameterError(f"validation labels {unseen.tolist()} do not occur in the training labels")
            inputs_val = torch.from_numpy(self._standardized(X_val))
            y_val_index = torch.from_numpy(np.searchsorted(self.classes_, y_val).astype(np.int64))

            def mean_validation_cross_entropy() -> float:
                # called by train_epochs after each epoch (eval mode, no gradients); ``module`` is built below
                total = 0.0
                for idx in batches(np.arange(len(inputs_val)), int(self.batch_size)):
                    log_p = clip_log_proba(module(inputs_val[idx].to(device))).cpu()
                    total += float(nn.functional.nll_loss(log_p, y_val_index[idx], reduction="sum"))
                return total / len(inputs_val)

            validation_loss = mean_validation_cross_entropy

        with torch_runtime(seed, self.num_threads):
            module = NETS[self.net](self.n_features_in_, len(self.classes_), **(self.net_params or {}))
            module.to(device)
            optimizer = torch.optim.Adam(module.parameters(), lr=self.lr)
            history = train_epochs(module, lambda idx: X_train[idx], targets, optimizer=optimizer,
                                   epochs=int(self.epochs), batch_size=int(self.batch_size), rng=rng, device=device,
                                   progress=self.progress, desc=self.net, validation_loss=validation_loss,
                                   patience=None if validation is None or self.patience is None
                                   else int(self.patience))
        self.history_ = history
        self.n_epochs_ = len(history)
        self.best_epoch_ = (None if validation is None
                            else min(history, key=lambda r: r["val_loss"])["epoch"])
        self.module_ = module.cpu().eval()
        return self

    # ------------------------------------------------------------------ inference
    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities per clip, ``(n_clips, n_classes)`` (LSTM: mean over time steps)."""
        check_is_fitted(self, "module_")
        X = self._inputs(X)
        if X.shape[-1] != self.n_features_in_:
            raise ParameterError(f"X has {X.shape[-1]} features, the network was fitted on {self.n_features_in_}")
        X = self._standardized(X)
        return apply_batched(lambda x: torch.exp(clip_log_proba(self.module_(x))), self.module_, lambda idx: X[idx],
                             len(X), batch_size=int(self.batch_size), device=self.device,
                             num_threads=self.num_threads)

    def predict(self, X) -> np.ndarray:
        """Most probable class per clip."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
