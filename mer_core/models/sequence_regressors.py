"""An LSTM regressor of sequences of frame features (Grekow's static emotion of 6 s segments).

Grekow (2021) regresses the arousal and valence of 6 s music fragments with recurrent networks
fed with sequences of short-window features. :class:`LSTMSequenceRegressor` is that model as a
scikit-learn regressor: ``fit(X, y)`` with ``X`` of shape ``(n, T, d)`` (``T`` steps of ``d``
features per segment) and ``y`` of shape ``(n,)`` or ``(n, n_targets)``; ``predict`` returns
the same number of targets. The network is one (or more) LSTM layers whose last hidden state
goes through a linear output layer per target (:class:`LSTMRegressorNet`); layer sizes are
chosen here (the review gives none).

Early stopping uses an inner validation split taken from the training rows only: a fraction of
the *groups* (e.g. songs) when groups are known, so the segments of one song are never on both
sides of the inner split either. Groups reach ``fit`` either as ``fit(X, y, groups=...)`` or
inside ``X`` as an :class:`~mer_core.models.inputs.Inputs` with the tables ``sequence`` and
``group``, which the cross-validation harness splits row for row like an array.
"""
from __future__ import annotations

import numpy as np
import torch
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.model_selection import GroupShuffleSplit
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ..errors import ParameterError
from .torch_estimator import apply_batched, batches, draw_seed, resolve_device, torch_runtime, train_epochs


class LSTMRegressorNet(nn.Module):
    """LSTM over the steps -> last hidden state -> dropout -> linear output per target.

    Used by: :class:`LSTMSequenceRegressor`.
    """

    def __init__(self, n_features: int, n_outputs: int, *, hidden_size: int = 32, num_layers: int = 1,
                 dropout: float = 0.0):
        super().__init__()
        if min(n_features, n_outputs, hidden_size, num_layers) < 1:
            raise ParameterError("n_features, n_outputs, hidden_size and num_layers must be positive")
        if not 0 <= dropout < 1:
            raise ParameterError(f"dropout must be in [0, 1), got {dropout}")
        self.lstm = nn.LSTM(int(n_features), int(hidden_size), num_layers=int(num_layers), batch_first=True,
                            dropout=float(dropout) if num_layers > 1 else 0.0)
        self.head = nn.Sequential(nn.Dropout(float(dropout)), nn.Linear(int(hidden_size), int(n_outputs)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: (batch, T, d) -> (batch, n_outputs)."""
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


def sequences_and_groups(X, groups=None) -> tuple[np.ndarray, np.ndarray | None]:
    """The ``(n, T, d)`` float32 sequences and the groups (or None) of an array or an
    :class:`~mer_core.models.inputs.Inputs` with tables ``sequence`` (and ``group``).

    Used by: :class:`LSTMSequenceRegressor`, :func:`mer_core.experiments.du.time_mean`.
    """
    if hasattr(X, "names"):
        if "sequence" not in X.names:
            raise ParameterError(f"an Inputs X needs a 'sequence' table; it has {', '.join(X.names)}")
        if groups is None and "group" in X.names:
            groups = X["group"]
        X = X["sequence"]
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 3 or min(X.shape) == 0:
        raise ParameterError(f"X must be a non-empty (n_sequences, n_steps, n_features) array, got shape {X.shape}")
    if not np.isfinite(X).all():
        raise ParameterError("X contains NaN or infinite values")
    if groups is not None:
        groups = np.asarray(groups)
        if len(groups) != len(X):
            raise ParameterError(f"groups has {len(groups)} entries for {len(X)} sequences")
    return X, groups


def inner_split(n: int, groups, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Training and validation rows of an inner split: ``fraction`` of the groups (of the rows,
    without groups) held out, at least one group on each side.

    Used by: :class:`LSTMSequenceRegressor`.
    """
    groups = np.arange(n) if groups is None else np.asarray(groups)
    n_groups = len(np.unique(groups))
    if n_groups < 2:
        raise ParameterError("an inner validation split needs at least two groups (songs) in the training rows")
    n_val = min(max(1, int(round(fraction * n_groups))), n_groups - 1)
    splitter = GroupShuffleSplit(n_splits=1, test_size=n_val, random_state=seed)
    train, val = next(splitter.split(np.zeros(n), groups=groups))
    return np.sort(train), np.sort(val)


class LSTMSequenceRegressor(RegressorMixin, BaseEstimator):
    """Scikit-learn regressor of sequences ``(n, T, d)`` by an LSTM, with early stopping on an inner split.

    Training: Adam on the mean squared error of the standardised targets (each target weighs the
    same), every feature standardised with the training sequences' mean and standard deviation
    (over sequences and steps). After each epoch the validation loss is computed; training stops
    after ``patience`` epochs without a new lowest one and the weights of the best epoch are kept.
    The validation rows are, in order of preference: ``validation=(X_val, y_val)`` given to
    ``fit`` (e.g. a holdout protocol's validation part); else ``validation_fraction`` of the
    training groups (rows without groups); with ``validation_fraction=None`` every epoch runs
    and the last weights are kept.

    Parameters
    ----------
    hidden_size, num_layers : int
        LSTM size.
    dropout : float
        Dropout before the output layer (and between LSTM layers).
    epochs, batch_size : int
        Epoch ceiling and batch size.
    lr, weight_decay : float
        Adam learning rate and L2 weight decay.
    validation_fraction : float or None
        Share of the training groups held out for early stopping.
    patience : int or None
        Epochs without a lower validation loss before stopping (None: run every epoch, keep the best).
    device, random_state, progress, num_threads
        As in :class:`~mer_core.models.torch_estimator.TorchRegressor`.

    Attributes
    ----------
    module_ : LSTMRegressorNet
        The trained network (CPU, eval mode).
    mean_, scale_ : ndarray of shape (d,)
        Feature statistics of the training sequences (the inner-training part).
    y_mean_, y_scale_ : ndarray
        Target statistics.
    history_ : list of dict
        ``{"epoch", "loss", "val_loss"}`` per epoch run.
    best_epoch_ : int or None
        The epoch whose weights were kept (None without validation rows: the last).
    n_epochs_ : int
        Epochs run.
    n_train_, n_val_ : int
        Sequences used for training and for early stopping.
    input_shape_ : tuple
        ``(T, d)``.

    Used by: :func:`mer_core.experiments.du.grekow_methods` (notebooks/du.ipynb, Grekow).
    """

    def __init__(self, hidden_size: int = 32, num_layers: int = 1, dropout: float = 0.0, *, epochs: int = 100,
                 batch_size: int = 32, lr: float = 1e-3, weight_decay: float = 0.0,
                 validation_fraction: float | None = 0.1, patience: int | None = 10, device: str = "auto",
                 random_state=None, progress: bool = False, num_threads: int | None = None):
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.device = device
        self.random_state = random_state
        self.progress = progress
        self.num_threads = num_threads

    def _targets(self, y, n: int) -> np.ndarray:
        y = np.asarray(y, dtype=np.float64)
        y = y[:, None] if y.ndim == 1 else y
        if y.ndim != 2 or len(y) != n:
            raise ParameterError(f"y must have one row per sequence ({n}), got shape {y.shape}")
        if not np.isfinite(y).all():
            raise ParameterError("y contains NaN or infinite values")
        return y

    def fit(self, X, y, validation=None, groups=None):
        """Train a fresh network; return ``self``.

        Parameters
        ----------
        X : ndarray (n, T, d) or Inputs
            Sequences, or an :class:`~mer_core.models.inputs.Inputs` with ``sequence`` and
            (optional) ``group`` tables.
        y : array-like, (n,) or (n, n_targets)
        validation : tuple (X_val, y_val), optional
            Rows for early stopping; without them, an inner split of the training groups.
        groups : array-like, optional
            Group (song) of each sequence, for the inner split (overrides an Inputs' ``group``).
        """
        if int(self.epochs) <= 0 or int(self.batch_size) <= 0 or self.lr <= 0 or self.weight_decay < 0:
            raise ParameterError("epochs, batch_size and lr must be positive and weight_decay non-negative")
        if self.validation_fraction is not None and not 0 < self.validation_fraction < 1:
            raise ParameterError(f"validation_fraction must be in (0, 1) or None, got {self.validation_fraction}")
        if self.patience is not None and int(self.patience) < 1:
            raise ParameterError(f"patience must be positive or None, got {self.patience}")
        X, groups = sequences_and_groups(X, groups)
        self.single_target_ = np.ndim(y) == 1
        Y = self._targets(y, len(X))
        seed = draw_seed(self.random_state)
        rng = np.random.default_rng(seed)
        if validation is not None:
            X_val, _ = sequences_and_groups(validation[0])
            Y_val = self._targets(validation[1], len(X_val))
            X_fit, Y_fit = X, Y
        elif self.validation_fraction is not None:
            train, val = inner_split(len(X), groups, float(self.validation_fraction), seed)
            X_fit, Y_fit, X_val, Y_val = X[train], Y[train], X[val], Y[val]
        else:
            X_fit, Y_fit, X_val, Y_val = X, Y, None, None
        if len(X_fit) < 2:
            raise ParameterError("fit needs at least two training sequences")
        self.input_shape_ = X.shape[1:]
        self.n_train_, self.n_val_ = len(X_fit), 0 if X_val is None else len(X_val)
        flat = X_fit.reshape(-1, X_fit.shape[-1]).astype(np.float64)
        self.mean_ = flat.mean(axis=0).astype(np.float32)
        std = flat.std(axis=0)
        self.scale_ = np.where(std > 1e-8, std, 1.0).astype(np.float32)
        self.y_mean_ = Y_fit.mean(axis=0)
        y_std = Y_fit.std(axis=0)
        self.y_scale_ = np.where(y_std > 1e-12, y_std, 1.0)
        Z = (X_fit - self.mean_) / self.scale_
        T = ((Y_fit - self.y_mean_) / self.y_scale_).astype(np.float32)
        device = resolve_device(self.device)
        validation_loss = None  # without validation rows: every epoch runs, the last weights are kept
        if X_val is not None:
            if X_val.shape[1:] != self.input_shape_:
                raise ParameterError(f"validation sequences have shape {X_val.shape[1:]}, training {self.input_shape_}")
            Z_val = torch.from_numpy((X_val - self.mean_) / self.scale_)
            T_val = ((Y_val - self.y_mean_) / self.y_scale_).astype(np.float32)

            def mean_validation_loss() -> float:
                total = 0.0
                for idx in batches(np.arange(len(Z_val)), max(int(self.batch_size), 256)):
                    out = module(Z_val[idx].to(device)).cpu().numpy()
                    total += float(((out - T_val[idx]) ** 2).sum())
                return total / T_val.size

            validation_loss = mean_validation_loss

        with torch_runtime(seed, self.num_threads):
            module = LSTMRegressorNet(X.shape[-1], Y.shape[1], hidden_size=int(self.hidden_size),
                                      num_layers=int(self.num_layers), dropout=float(self.dropout))
            module.to(device)
            optimizer = torch.optim.Adam(module.parameters(), lr=self.lr, weight_decay=self.weight_decay)
            self.history_ = train_epochs(module, lambda idx: Z[idx], T, optimizer=optimizer, epochs=int(self.epochs),
                                         batch_size=int(self.batch_size), rng=rng, device=device,
                                         progress=self.progress, desc="lstm", loss="mse",
                                         validation_loss=validation_loss,
                                         patience=None if validation_loss is None else self.patience)
        self.n_epochs_ = len(self.history_)
        self.best_epoch_ = (None if validation_loss is None
                            else min(self.history_, key=lambda r: r["val_loss"])["epoch"])
        self.module_ = module.cpu().eval()
        return self

    def predict(self, X) -> np.ndarray:
        """Predictions on the targets' scale: ``(n,)`` for a 1-D ``y`` in ``fit``, else ``(n, n_targets)``."""
        check_is_fitted(self, "module_")
        X, _ = sequences_and_groups(X)
        if X.shape[1:] != self.input_shape_:
            raise ParameterError(f"X has sequences of shape {X.shape[1:]}, the network was fitted on {self.input_shape_}")
        Z = (X - self.mean_) / self.scale_
        out = apply_batched(self.module_, self.module_, lambda idx: Z[idx], len(Z),
                            batch_size=max(int(self.batch_size), 256), device=self.device,
                            num_threads=self.num_threads)
        out = out * self.y_scale_ + self.y_mean_
        return out[:, 0] if self.single_target_ else out
