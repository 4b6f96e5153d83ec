"""A small CLDNN (convolutional, LSTM, deep neural network) classifier of feature vectors.

Hizlisoy et al. (2021) classify the emotion of Turkish music excerpts from a selected set of
features with a "convolutional long short term memory deep neural network" (CLDNN, after
Sainath et al. 2015): convolution layers, then LSTM layers, then fully connected layers. The
review gives no layer sizes, so the defaults here are chosen to be small:

==============  ==========================================================================
conv            ``Conv1d`` over the feature vector read as a 1-channel sequence (kernel 3,
                "same" padding) -> batch norm -> ReLU -> max-pool 2, per width of
                ``conv_channels`` (default one layer of 16 maps); a pool is skipped once
                the sequence is a single position long
LSTM            one LSTM layer (``lstm_hidden`` = 32 units) over the pooled positions; its
                last hidden state summarises the vector
DNN             dense ``dense`` (32) ReLU units with dropout, then a linear output per class
==============  ==========================================================================

The order of the features is the order of the columns (e.g. the CFS subset in the file's
order): the convolution sees neighbouring columns, as a 1-D CNN over a feature vector does.

:class:`CLDNNClassifier` wraps it as a scikit-learn classifier. It is a thin estimator rather
than :class:`~mer_core.models.torch_estimator.TorchClassifier` because that one builds only the
networks of :data:`mer_core.models.nets.NETS` and standardises a 2-D input as one waveform (one
mean and scale for all columns), where feature vectors need one per column; it reuses the
project's training loop (:func:`~mer_core.models.torch_estimator.train_epochs`), seeding and
inference helpers.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ..errors import ParameterError
from .torch_estimator import apply_batched, draw_seed, resolve_device, torch_runtime, train_epochs


class CLDNN(nn.Module):
    """Conv1d blocks over a feature vector -> LSTM over the positions -> dense layers -> class logits.

    Parameters
    ----------
    n_features, n_classes : int
        Input length and number of outputs.
    conv_channels : sequence of int
        Maps of each convolution block.
    kernel_size : int
        Odd kernel of every convolution ("same" padding).
    lstm_hidden, lstm_layers : int
        LSTM size.
    dense : sequence of int
        Widths of the dense ReLU layers after the LSTM.
    dropout : float
        Dropout before each dense layer and the output.

    Used by: :class:`CLDNNClassifier`.
    """

    def __init__(self, n_features: int, n_classes: int, *, conv_channels: Sequence[int] = (16,), kernel_size: int = 3,
                 lstm_hidden: int = 32, lstm_layers: int = 1, dense: Sequence[int] = (32,), dropout: float = 0.2):
        super().__init__()
        if n_features < 1 or n_classes < 2:
            raise ParameterError(f"CLDNN needs >= 1 feature and >= 2 classes, got {n_features} and {n_classes}")
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ParameterError(f"kernel_size must be a positive odd number, got {kernel_size}")
        if not conv_channels or min(conv_channels) < 1 or lstm_hidden < 1 or lstm_layers < 1:
            raise ParameterError("conv_channels, lstm_hidden and lstm_layers must be positive (at least one conv)")
        if not 0 <= dropout < 1:
            raise ParameterError(f"dropout must be in [0, 1), got {dropout}")
        blocks: list[nn.Module] = []
        channels, length = 1, int(n_features)
        for width in conv_channels:
            blocks += [nn.Conv1d(channels, int(width), kernel_size, padding=kernel_size // 2),
                       nn.BatchNorm1d(int(width)), nn.ReLU()]
            if length >= 2:
                blocks.append(nn.MaxPool1d(2))
                length //= 2
            channels = int(width)
        self.conv = nn.Sequential(*blocks)
        self.lstm = nn.LSTM(channels, int(lstm_hidden), num_layers=int(lstm_layers), batch_first=True)
        layers: list[nn.Module] = []
        width_in = int(lstm_hidden)
        for width in dense:
            layers += [nn.Dropout(dropout), nn.Linear(width_in, int(width)), nn.ReLU()]
            width_in = int(width)
        layers += [nn.Dropout(dropout), nn.Linear(width_in, int(n_classes))]
        self.head = nn.Sequential(*layers)
        self.n_positions = length

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: (batch, n_features) -> logits (batch, n_classes)."""
        h = self.conv(x.unsqueeze(1))               # (batch, channels, positions)
        out, _ = self.lstm(h.transpose(1, 2))       # (batch, positions, hidden)
        return self.head(out[:, -1])


class CLDNNClassifier(ClassifierMixin, BaseEstimator):
    """Scikit-learn classifier of feature vectors by a :class:`CLDNN`.

    Training: Adam, cross-entropy, ``epochs`` epochs (no early stopping, no validation split),
    each column standardised with the training rows' mean and standard deviation.

    Parameters
    ----------
    conv_channels, kernel_size, lstm_hidden, lstm_layers, dense, dropout
        The network (:class:`CLDNN`).
    epochs, batch_size : int
        Epochs and batch size.
    lr, weight_decay : float
        Adam learning rate and L2 weight decay.
    device : str
        ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``.
    random_state : int, RandomState or None
        Seeds the weights and the batch order: the same seed gives the same predictions on the
        same machine.
    progress : bool
        A progress bar over epochs.
    num_threads : int or None
        Torch threads during ``fit`` / ``predict``.

    Attributes
    ----------
    classes_ : ndarray
        Class labels, in the order of the ``predict_proba`` columns.
    module_ : CLDNN
        The trained network (CPU, eval mode).
    mean_, scale_ : ndarray
        Column statistics of the training rows.
    history_ : list of dict
        ``{"epoch", "loss", "train_acc"}`` per epoch.
    n_features_in_ : int

    Used by: :func:`mer_core.experiments.du.hizlisoy_pipeline` (notebooks/du.ipynb, Hizlisoy et al.).
    """

    def __init__(self, conv_channels: Sequence[int] = (16,), kernel_size: int = 3, lstm_hidden: int = 32,
                 lstm_layers: int = 1, dense: Sequence[int] = (32,), dropout: float = 0.2, *, epochs: int = 100,
                 batch_size: int = 32, lr: float = 1e-3, weight_decay: float = 0.0, device: str = "auto",
                 random_state=None, progress: bool = False, num_threads: int | None = None):
        self.conv_channels = conv_channels
        self.kernel_size = kernel_size
        self.lstm_hidden = lstm_hidden
        self.lstm_layers = lstm_layers
        self.dense = dense
        self.dropout = dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.device = device
        self.random_state = random_state
        self.progress = progress
        self.num_threads = num_threads

    def _inputs(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2 or len(X) == 0 or X.shape[1] == 0:
            raise ParameterError(f"X must be a non-empty (n_samples, n_features) array, got shape {X.shape}")
        if not np.isfinite(X).all():
            raise ParameterError("X contains NaN or infinite values")
        return X

    def fit(self, X, y):
        """Train a fresh network on feature vectors ``X`` (n, d) and labels ``y``; return ``self``."""
        if int(self.epochs) <= 0 or int(self.batch_size) <= 0 or self.lr <= 0 or self.weight_decay < 0:
            raise ParameterError("epochs, batch_size and lr must be positive and weight_decay non-negative")
        X = self._inputs(X)
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(X):
            raise ParameterError(f"y must be 1-D with one label per row ({len(X)}), got shape {y.shape}")
        self.classes_, y_index = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2 or len(X) < 2:
            raise ParameterError("fit needs at least two classes and two rows")
        self.n_features_in_ = X.shape[1]
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        self.scale_ = np.where(std > 1e-8, std, 1.0).astype(np.float32)
        Z = (X - self.mean_) / self.scale_
        device = resolve_device(self.device)
        seed = draw_seed(self.random_state)
        rng = np.random.default_rng(seed)
        with torch_runtime(seed, self.num_threads):
            module = CLDNN(self.n_features_in_, len(self.classes_), conv_channels=tuple(self.conv_channels),
                           kernel_size=int(self.kernel_size), lstm_hidden=int(self.lstm_hidden),
                           lstm_layers=int(self.lstm_layers), dense=tuple(self.dense), dropout=float(self.dropout))
            module.to(device)
            optimizer = torch.optim.Adam(module.parameters(), lr=self.lr, weight_decay=self.weight_decay)
            self.history_ = train_epochs(module, lambda idx: Z[idx], y_index, optimizer=optimizer,
                                         epochs=int(self.epochs), batch_size=int(self.batch_size), rng=rng,
                                         device=device, progress=self.progress, desc="cldnn")
        self.module_ = module.cpu().eval()
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities ``(n, n_classes)`` (softmax of the logits)."""
        check_is_fitted(self, "module_")
        X = self._inputs(X)
        if X.shape[1] != self.n_features_in_:
            raise ParameterError(f"X has {X.shape[1]} features, the network was fitted on {self.n_features_in_}")
        Z = (X - self.mean_) / self.scale_
        return apply_batched(lambda x: torch.softmax(self.module_(x), dim=1), self.module_, lambda idx: Z[idx],
                             len(Z), batch_size=max(int(self.batch_size), 256), device=self.device,
                             num_threads=self.num_threads)

    def predict(self, X) -> np.ndarray:
        """Most probable class per row."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
