"""Hizlisoy et al.'s CNN features: a 1-D CNN trained on the pieces of the training clips, then used as a
feature extractor.

Hizlisoy et al. (2021), as the Du review describes them: each 30 s excerpt is divided into three
pieces of equal length, MFCCs and log-mel filterbank energies of each piece go into "a
one-dimensional CNN, consisting of one or more convolutional layers, pooling layers, and flatten
layers", which turns each piece into 256 values; the three are joined (768) and combined with the
standard features before feature selection. The review gives no layer sizes, no training target
and no schedule, so this module states its own reading:

==============  ==========================================================================
input           a piece ``(frames, d)`` (:class:`~mer_core.features.sequences.MFCCLogMelPieces`:
                215 frames x (20 MFCC + 40 log-mel)), every feature standardised with the
                training pieces' mean and standard deviation
conv            ``Conv1d`` over time per width of ``channels`` (default 32, 64, 256; kernel 5,
                5, 3; "same" padding) -> batch norm -> ReLU, each but the last followed by
                max-pool 2
features        the last block's maps averaged over time: 256 values per piece
training head   dropout, then a linear layer to the classes: the CNN learns to classify a
                piece with its clip's label (Adam, cross-entropy), early stopping on a
                validation part of the training clips (songs), best epoch kept
==============  ==========================================================================

:class:`PieceCNNFeatures` is a scikit-learn transformer: ``fit`` trains the CNN on the training
clips only (so the features of a test clip never come from a network that saw it), and
``transform`` returns the standard columns passed through, then the 256 values of each piece.

Used by: :func:`mer_core.experiments.du.hizlisoy_4q` (notebooks/du.ipynb, Hizlisoy et al.).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ..errors import ParameterError
from .sequence_regressors import inner_split
from .torch_estimator import apply_batched, draw_seed, resolve_device, torch_runtime, train_epochs


class PieceCNN(nn.Module):
    """Conv1d blocks over the frames of a piece -> time average (the features) -> linear class logits.

    Parameters
    ----------
    n_inputs, n_classes : int
        Features per frame and classes of the training head.
    channels, kernels : sequence of int
        Maps and (odd) kernel of each block; the last width is the feature size.
    dropout : float
        Dropout before the head.

    Used by: :class:`PieceCNNFeatures`.
    """

    def __init__(self, n_inputs: int, n_classes: int, *, channels: Sequence[int] = (32, 64, 256),
                 kernels: Sequence[int] = (5, 5, 3), dropout: float = 0.3):
        super().__init__()
        if n_inputs < 1 or n_classes < 2:
            raise ParameterError(f"PieceCNN needs >= 1 input feature and >= 2 classes, got {n_inputs} and {n_classes}")
        if not channels or len(channels) != len(kernels) or min(channels) < 1:
            raise ParameterError("channels and kernels must be non-empty, positive and of the same length")
        if any(k < 1 or k % 2 == 0 for k in kernels):
            raise ParameterError(f"kernels must be positive odd numbers, got {tuple(kernels)}")
        if not 0 <= dropout < 1:
            raise ParameterError(f"dropout must be in [0, 1), got {dropout}")
        blocks: list[nn.Module] = []
        width = int(n_inputs)
        for i, (maps, kernel) in enumerate(zip(channels, kernels)):
            blocks += [nn.Conv1d(width, int(maps), int(kernel), padding=int(kernel) // 2), nn.BatchNorm1d(int(maps)),
                       nn.ReLU()]
            if i < len(channels) - 1:
                blocks.append(nn.MaxPool1d(2, ceil_mode=True))
            width = int(maps)
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(width, n_classes))
        self.n_features = width

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The features of pieces ``(batch, frames, n_inputs)``: ``(batch, channels[-1])``."""
        return self.blocks(x.transpose(1, 2)).mean(dim=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x))


class PieceCNNFeatures(TransformerMixin, BaseEstimator):
    """Standard features + a :class:`PieceCNN`'s features of each piece of a clip, the CNN trained in ``fit``.

    Each row of ``X`` is a clip: its ``n_standard`` standard features, then its pieces flattened
    (``n_pieces x frames x d`` values, in that order: ``MFCCLogMelPieces`` output raveled).

    Parameters
    ----------
    n_standard : int
        Leading columns passed through unchanged (0: CNN features only).
    n_pieces, n_frames : int
        Pieces per clip and frames per piece; the features per frame follow from ``X``'s width.
    channels, kernels, dropout
        The network (:class:`PieceCNN`).
    epochs, batch_size, lr, weight_decay
        Adam on the pieces' cross-entropy, at most ``epochs`` epochs.
    validation_fraction : float
        Share of the training clips (of their groups, see ``fit``) held out for early stopping.
    patience : int
        Stop after this many epochs without a lower validation loss; the best epoch is kept.
    device : str
        ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``.
    random_state : int or None
        Seeds the inner split, the weights and the batch order.
    progress : bool
        A progress bar over epochs.
    num_threads : int or None
        Torch threads during ``fit`` / ``transform``.

    Attributes
    ----------
    module_ : PieceCNN
        The trained network (CPU, eval mode).
    mean_, scale_ : ndarray of shape (d,)
        Per-feature statistics of the training pieces.
    history_ : list of dict
        ``{"epoch", "loss", "train_acc", "val_loss"}`` per epoch run.
    n_epochs_, best_epoch_ : int
        Epochs run and the epoch whose weights were kept.
    n_features_in_, n_features_out_ : int

    Used by: :func:`mer_core.experiments.du.hizlisoy_4q` (notebooks/du.ipynb, Hizlisoy et al.).
    """

    def __init__(self, n_standard: int = 0, n_pieces: int = 3, n_frames: int = 215, *,
                 channels: Sequence[int] = (32, 64, 256), kernels: Sequence[int] = (5, 5, 3), dropout: float = 0.3,
                 epochs: int = 30, batch_size: int = 32, lr: float = 1e-3, weight_decay: float = 0.0,
                 validation_fraction: float = 0.1, patience: int = 5, device: str = "auto", random_state=None,
                 progress: bool = False, num_threads: int | None = None):
        self.n_standard = n_standard
        self.n_pieces = n_pieces
        self.n_frames = n_frames
        self.channels = channels
        self.kernels = kernels
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

    def _split(self, X) -> tuple[np.ndarray, np.ndarray]:
        """``X`` -> (standard columns ``(n, n_standard)``, pieces ``(n, n_pieces, n_frames, d)``)."""
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2 or len(X) == 0:
            raise ParameterError(f"X must be a non-empty (n_clips, n_columns) array, got shape {X.shape}")
        per_clip = X.shape[1] - int(self.n_standard)
        cells = int(self.n_pieces) * int(self.n_frames)
        if int(self.n_standard) < 0 or cells <= 0 or per_clip <= 0 or per_clip % cells:
            raise ParameterError(f"X has {X.shape[1]} columns: not {self.n_standard} standard features plus "
                                 f"{self.n_pieces} pieces x {self.n_frames} frames x d")
        if not np.isfinite(X).all():
            raise ParameterError("X contains NaN or infinite values")
        standard = X[:, :int(self.n_standard)]
        pieces = X[:, int(self.n_standard):].reshape(len(X), int(self.n_pieces), int(self.n_frames), -1)
        return standard, pieces

    def fit(self, X, y, groups=None):
        """Train the CNN on the pieces of the clips ``X`` with their clips' labels ``y``; return ``self``.

        ``groups`` (songs) keep the pieces of one song on one side of the inner validation split.
        """
        if int(self.epochs) <= 0 or int(self.batch_size) <= 0 or self.lr <= 0 or self.weight_decay < 0:
            raise ParameterError("epochs, batch_size and lr must be positive and weight_decay non-negative")
        if not 0 < self.validation_fraction < 1 or int(self.patience) < 1:
            raise ParameterError("validation_fraction must be in (0, 1) and patience positive")
        standard, pieces = self._split(X)
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(pieces):
            raise ParameterError(f"y must be 1-D with one label per clip ({len(pieces)}), got shape {y.shape}")
        classes, y_index = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ParameterError("fit needs at least two classes")
        self.n_features_in_ = np.asarray(X).shape[1]
        seed = draw_seed(self.random_state)
        train, val = inner_split(len(pieces), groups, float(self.validation_fraction), seed)
        flat = pieces[train].reshape(-1, pieces.shape[-1])
        self.mean_ = flat.mean(axis=0)
        std = flat.std(axis=0)
        self.scale_ = np.where(std > 1e-8, std, 1.0).astype(np.float32)
        Z = (pieces - self.mean_) / self.scale_
        # one training sample per piece, labelled with its clip's class
        train_pieces = Z[train].reshape(-1, int(self.n_frames), Z.shape[-1])
        train_targets = np.repeat(y_index[train], int(self.n_pieces))
        val_pieces = torch.from_numpy(np.ascontiguousarray(Z[val].reshape(-1, int(self.n_frames), Z.shape[-1])))
        val_targets = torch.from_numpy(np.repeat(y_index[val], int(self.n_pieces)).astype(np.int64))
        device = resolve_device(self.device)
        rng = np.random.default_rng(seed)
        with torch_runtime(seed, self.num_threads):
            module = PieceCNN(Z.shape[-1], len(classes), channels=tuple(self.channels), kernels=tuple(self.kernels),
                              dropout=float(self.dropout)).to(device)
            optimizer = torch.optim.Adam(module.parameters(), lr=self.lr, weight_decay=self.weight_decay)

            def validation_loss() -> float:
                logits = module(val_pieces.to(device))
                return float(nn.functional.cross_entropy(logits, val_targets.to(device)))

            self.history_ = train_epochs(module, lambda idx: train_pieces[idx], train_targets, optimizer=optimizer,
                                         epochs=int(self.epochs), batch_size=int(self.batch_size), rng=rng,
                                         device=device, progress=self.progress, desc="piece cnn",
                                         validation_loss=validation_loss, patience=int(self.patience))
        self.module_ = module.cpu().eval()
        self.n_epochs_ = len(self.history_)
        self.best_epoch_ = int(np.argmin([h["val_loss"] for h in self.history_])) + 1
        self.n_features_out_ = int(self.n_standard) + int(self.n_pieces) * self.module_.n_features
        return self

    def transform(self, X) -> np.ndarray:
        """The standard columns, then each piece's CNN features: ``(n, n_standard + n_pieces * 256)``."""
        check_is_fitted(self, "module_")
        if np.asarray(X).shape[1:] != (self.n_features_in_,):
            raise ParameterError(f"X has shape {np.asarray(X).shape}; the features were fitted on "
                                 f"{self.n_features_in_} columns")
        standard, pieces = self._split(X)
        Z = ((pieces - self.mean_) / self.scale_).reshape(-1, int(self.n_frames), pieces.shape[-1])
        embedded = apply_batched(self.module_.embed, self.module_, lambda idx: Z[idx], len(Z),
                                 batch_size=max(int(self.batch_size), 128), device=self.device,
                                 num_threads=self.num_threads)
        return np.hstack([standard, embedded.reshape(len(pieces), -1)]).astype(np.float32)
