"""Orjesek et al.'s end-to-end regressor of dynamic valence/arousal from the raw waveform.

Orjesek, Jarina and Chmulik (2022; Du's review, section 3.3) predict 2 Hz valence and arousal
from the waveform itself: a 1-D CNN front end, an *iterative reconstruction* (IR) layer, a
bidirectional GRU over the 0.5 s steps and a maxout output layer. :class:`OrjesekRegressor`
is that pipeline as a scikit-learn regressor: ``fit(X, Y)`` with ``X`` a list (or array) of
mono waveforms at ``sr`` Hz and ``Y`` of shape ``(n, T, 2)`` (valence, arousal per 0.5 s step);
``predict`` returns ``(n, T, 2)``.

The network (:class:`OrjesekNet`; sizes chosen here, the review gives none):

1. each clip is cut into ``T`` consecutive steps of ``step_s`` seconds (0.5 s: the 2 Hz of the
   annotations); the same 1-D CNN reads every step's raw samples (three conv + max-pool blocks,
   the first with a long strided kernel, then a max over time) -> one vector per step;
2. per step, either a time-distributed dense layer (``ir=False``) or the IR layer (``ir=True``,
   :class:`IterativeReconstruction`);
3. a bidirectional GRU over the steps;
4. a maxout layer per step: ``pieces`` linear units per output, the largest kept -> (valence,
   arousal).

**The IR layer is our reading** of the review's description, not the paper's code (the paper's
text is not available here): an autoencoder-style layer whose output is fed back as its input
a fixed number of times, so that its values settle towards {-1, 0, 1}. Concretely, with a
dense input projection ``z_0 = tanh(W x + b)``, each iteration ``k = 1..n_iter`` encodes and
decodes the current code, ``r = z + W_d relu(W_e z + b_e) + b_d`` (a residual autoencoder: it
reconstructs its input plus a learned correction, which keeps the gradients alive through the
iterations; without the ``z +`` the layer did not learn a simple task), and passes the reconstruction
through a soft ternary staircase ``s_g(r) = (tanh(g (r - 1/2)) + tanh(g (r + 1/2))) / 2`` whose
sharpness ``g = gain * growth**(k-1)`` (gain and growth 1.5 by default) grows with every
iteration: ``z_k = s_g(r)``. Every ``z_k`` lies in (-1, 1), and as ``g`` grows the staircase
tends to the ternary step function, so with enough iterations the values settle on {-1, 0, 1}
whatever the weights (the property the review names; the tests run 8 iterations). The default
three iterations (``g`` = 1.5, 2.25, 3.4) only push the values towards them, which keeps the
layer trainable by gradient descent.
The encoder and decoder are trained only through the regression loss (no separate
reconstruction loss: the review mentions none).

Early stopping uses an inner validation split of the training clips, grouped by song when
``groups`` are given (:func:`mer_core.models.sequence_regressors.inner_split`).
"""
from __future__ import annotations

import numpy as np
import torch
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ..errors import ParameterError
from .sequence_regressors import inner_split
from .torch_estimator import apply_batched, batches, draw_seed, resolve_device, torch_runtime, train_epochs


def soft_ternary(r: torch.Tensor, gain: float) -> torch.Tensor:
    """The soft ternary staircase ``(tanh(g (r - 1/2)) + tanh(g (r + 1/2))) / 2``: values in (-1, 1),
    near -1 below -1/2, near 0 between, near 1 above 1/2 (nearer as ``gain`` grows).

    Used by: :class:`IterativeReconstruction`.
    """
    return 0.5 * (torch.tanh(gain * (r - 0.5)) + torch.tanh(gain * (r + 0.5)))


class IterativeReconstruction(nn.Module):
    """The IR layer as we read the review (module docstring): ``z_0 = tanh(W x + b)``, then
    ``n_iter`` times ``z <- soft_ternary(z + decoder(encoder(z)), gain * growth**k)``.

    Parameters
    ----------
    n_in, n_out : int
        Input features and code size (the layer's output size).
    n_hidden : int
        Bottleneck of the autoencoder (default ``n_out // 2``).
    n_iter : int
        Iterations (the output of each is fed back as the next input).
    gain, growth : float
        Sharpness of the first iteration's staircase and its factor per iteration.

    Used by: :class:`OrjesekNet`.
    """

    def __init__(self, n_in: int, n_out: int, *, n_hidden: int | None = None, n_iter: int = 3, gain: float = 1.5,
                 growth: float = 1.5):
        super().__init__()
        n_hidden = max(1, n_out // 2) if n_hidden is None else int(n_hidden)
        if min(n_in, n_out, n_hidden, n_iter) < 1 or gain <= 0 or growth < 1:
            raise ParameterError("IR sizes and n_iter must be positive, gain > 0 and growth >= 1")
        self.n_iter, self.gain, self.growth = int(n_iter), float(gain), float(growth)
        self.project = nn.Linear(int(n_in), int(n_out))
        self.encoder = nn.Linear(int(n_out), n_hidden)
        self.decoder = nn.Linear(n_hidden, int(n_out))

    def iterates(self, x: torch.Tensor, n_iter: int | None = None) -> list[torch.Tensor]:
        """``[z_0, z_1, ..., z_n]`` for ``x`` (..., n_in); ``n_iter`` defaults to the layer's."""
        z = torch.tanh(self.project(x))
        out = [z]
        for k in range(self.n_iter if n_iter is None else int(n_iter)):
            r = z + self.decoder(torch.relu(self.encoder(z)))
            z = soft_ternary(r, self.gain * self.growth ** k)
            out.append(z)
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.iterates(x)[-1]


class Maxout(nn.Module):
    """``n_out`` maxout units of ``pieces`` linear pieces each: ``max_j (W_j x + b_j)``.

    Used by: :class:`OrjesekNet`.
    """

    def __init__(self, n_in: int, n_out: int, pieces: int = 3):
        super().__init__()
        if min(n_in, n_out, pieces) < 1:
            raise ParameterError("maxout sizes must be positive")
        self.n_out, self.pieces = int(n_out), int(pieces)
        self.linear = nn.Linear(int(n_in), self.n_out * self.pieces)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.linear(x)
        return out.view(*out.shape[:-1], self.n_out, self.pieces).max(dim=-1).values


class OrjesekNet(nn.Module):
    """Raw-waveform steps -> 1-D CNN per step -> dense or IR per step -> BiGRU -> maxout per step.

    ``forward(x)``: ``x`` (batch, T, step_samples) -> (batch, T, n_outputs).

    Used by: :class:`OrjesekRegressor`.
    """

    def __init__(self, n_outputs: int = 2, *, channels: tuple = (16, 32, 32), first_kernel: int = 64,
                 first_stride: int = 8, feature_size: int = 32, ir: bool = False, ir_iterations: int = 3,
                 gru_size: int = 32, pieces: int = 3, dropout: float = 0.0):
        super().__init__()
        c1, c2, c3 = (int(c) for c in channels)
        self.cnn = nn.Sequential(
            nn.Conv1d(1, c1, int(first_kernel), stride=int(first_stride)), nn.BatchNorm1d(c1), nn.ReLU(),
            nn.MaxPool1d(4),
            nn.Conv1d(c1, c2, 5, padding=2), nn.BatchNorm1d(c2), nn.ReLU(), nn.MaxPool1d(4),
            nn.Conv1d(c2, c3, 3, padding=1), nn.BatchNorm1d(c3), nn.ReLU(),
            nn.AdaptiveMaxPool1d(1), nn.Flatten())
        self.step_layer = (IterativeReconstruction(c3, int(feature_size), n_iter=int(ir_iterations)) if ir
                           else nn.Sequential(nn.Linear(c3, int(feature_size)), nn.Tanh()))
        self.dropout = nn.Dropout(float(dropout))
        self.gru = nn.GRU(int(feature_size), int(gru_size), batch_first=True, bidirectional=True)
        self.out = Maxout(2 * int(gru_size), int(n_outputs), int(pieces))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, s = x.shape
        feats = self.cnn(x.reshape(b * t, 1, s)).reshape(b, t, -1)
        h, _ = self.gru(self.dropout(self.step_layer(feats)))
        return self.out(h)


class OrjesekRegressor(RegressorMixin, BaseEstimator):
    """Scikit-learn regressor of per-step valence/arousal from raw waveforms (Orjesek et al.).

    Training: Adam on the mean squared error of the per-target standardised step targets; the
    waveforms are divided by the training clips' sample standard deviation (one number, so
    loudness differences between clips survive). Early stopping as in
    :class:`~mer_core.models.sequence_regressors.LSTMSequenceRegressor`.

    Parameters
    ----------
    ir : bool
        The IR layer (True) or a time-distributed dense layer (False) between CNN and GRU.
    sr : int
        Sample rate of the waveforms given to fit/predict (used to cut the steps).
    step_s : float
        Step length in seconds (0.5: 2 Hz).
    channels, first_kernel, first_stride, feature_size, ir_iterations, gru_size, pieces, dropout
        Network sizes (:class:`OrjesekNet`).
    epochs, batch_size, lr, weight_decay, validation_fraction, patience
        Training, as in ``LSTMSequenceRegressor``.
    device, random_state, progress, num_threads
        As in :class:`~mer_core.models.torch_estimator.TorchRegressor`.

    Attributes
    ----------
    module_, n_steps_, step_samples_, x_scale_, y_mean_, y_scale_, history_, best_epoch_, n_epochs_,
    n_train_, n_val_

    Used by: :func:`mer_core.experiments.du.orjesek_run` (notebooks/du.ipynb, Orjesek et al.).
    """

    def __init__(self, ir: bool = False, *, sr: int = 8000, step_s: float = 0.5, channels: tuple = (16, 32, 32),
                 first_kernel: int = 64, first_stride: int = 8, feature_size: int = 32, ir_iterations: int = 3,
                 gru_size: int = 32, pieces: int = 3, dropout: float = 0.0, epochs: int = 60, batch_size: int = 16,
                 lr: float = 1e-3, weight_decay: float = 0.0, validation_fraction: float | None = 0.15,
                 patience: int | None = 8, device: str = "auto", random_state=None, progress: bool = False,
                 num_threads: int | None = 1):
        self.ir = ir
        self.sr = sr
        self.step_s = step_s
        self.channels = channels
        self.first_kernel = first_kernel
        self.first_stride = first_stride
        self.feature_size = feature_size
        self.ir_iterations = ir_iterations
        self.gru_size = gru_size
        self.pieces = pieces
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

    def _steps(self, X, n_steps: int) -> np.ndarray:
        """Waveforms -> ``(n, n_steps, step_samples)`` float32 (cropped or zero-padded at the end)."""
        step = self.step_samples_
        if isinstance(X, np.ndarray) and X.ndim == 1:
            raise ParameterError("X must be a list or 2-D array of waveforms, got one 1-D array")
        out = np.zeros((len(X), n_steps * step), dtype=np.float32)
        for i, x in enumerate(X):
            x = np.asarray(x, dtype=np.float32).ravel()
            if not np.isfinite(x).all():
                raise ParameterError(f"waveform {i} contains NaN or infinite values")
            m = min(len(x), out.shape[1])
            out[i, :m] = x[:m]
        return out.reshape(len(X), n_steps, step)

    def fit(self, X, Y, groups=None):
        """Train a fresh network on waveforms ``X`` and per-step targets ``Y`` ``(n, T, n_targets)``.

        ``groups`` (the song of each clip) keeps the songs of the inner validation split out of
        the training part. Returns ``self``."""
        if int(self.epochs) <= 0 or int(self.batch_size) <= 0 or self.lr <= 0 or self.weight_decay < 0:
            raise ParameterError("epochs, batch_size and lr must be positive and weight_decay non-negative")
        if self.validation_fraction is not None and not 0 < self.validation_fraction < 1:
            raise ParameterError(f"validation_fraction must be in (0, 1) or None, got {self.validation_fraction}")
        Y = np.asarray(Y, dtype=np.float64)
        if Y.ndim != 3 or len(Y) != len(X) or min(Y.shape) == 0:
            raise ParameterError(f"Y must be (n_clips, n_steps, n_targets) with one clip per waveform, got {Y.shape}")
        if not np.isfinite(Y).all():
            raise ParameterError("Y contains NaN or infinite values")
        self.step_samples_ = int(round(self.sr * self.step_s))
        if self.step_samples_ < int(self.first_kernel) * 4:
            raise ParameterError(f"a step of {self.step_samples_} samples is too short for the CNN")
        self.n_steps_ = Y.shape[1]
        W = self._steps(X, self.n_steps_)
        if groups is not None and len(groups) != len(W):
            raise ParameterError(f"groups has {len(groups)} entries for {len(W)} clips")
        seed = draw_seed(self.random_state)
        rng = np.random.default_rng(seed)
        if self.validation_fraction is not None:
            train, val = inner_split(len(W), groups, float(self.validation_fraction), seed)
        else:
            train, val = np.arange(len(W)), np.array([], dtype=int)
        if len(train) < 2:
            raise ParameterError("fit needs at least two training clips")
        self.n_train_, self.n_val_ = len(train), len(val)
        std = float(W[train].std())
        self.x_scale_ = std if std > 1e-8 else 1.0
        Y_fit = Y[train].reshape(-1, Y.shape[2])
        self.y_mean_ = Y_fit.mean(axis=0)
        y_std = Y_fit.std(axis=0)
        self.y_scale_ = np.where(y_std > 1e-12, y_std, 1.0)
        Z = W / self.x_scale_
        T = ((Y - self.y_mean_) / self.y_scale_).astype(np.float32)
        Z_train, T_train = Z[train], T[train]
        device = resolve_device(self.device)
        validation_loss = None
        if len(val):
            Z_val, T_val = torch.from_numpy(Z[val]), T[val]

            def mean_validation_loss() -> float:
                total = 0.0
                for idx in batches(np.arange(len(Z_val)), 64):
                    out = module(Z_val[idx].to(device)).cpu().numpy()
                    total += float(((out - T_val[idx]) ** 2).sum())
                return total / T_val.size

            validation_loss = mean_validation_loss

        with torch_runtime(seed, self.num_threads):
            module = OrjesekNet(Y.shape[2], channels=tuple(self.channels), first_kernel=int(self.first_kernel),
                                first_stride=int(self.first_stride), feature_size=int(self.feature_size),
                                ir=bool(self.ir), ir_iterations=int(self.ir_iterations), gru_size=int(self.gru_size),
                                pieces=int(self.pieces), dropout=float(self.dropout))
            module.to(device)
            optimizer = torch.optim.Adam(module.parameters(), lr=self.lr, weight_decay=self.weight_decay)
            self.history_ = train_epochs(module, lambda idx: Z_train[idx], T_train, optimizer=optimizer,
                                         epochs=int(self.epochs), batch_size=int(self.batch_size), rng=rng,
                                         device=device, progress=self.progress,
                                         desc="orjesek-ir" if self.ir else "orjesek", loss="mse",
                                         validation_loss=validation_loss,
                                         patience=None if validation_loss is None else self.patience)
        self.n_epochs_ = len(self.history_)
        self.best_epoch_ = (None if validation_loss is None
                            else min(self.history_, key=lambda r: r["val_loss"])["epoch"])
        self.module_ = module.cpu().eval()
        return self

    def predict(self, X, n_steps: int | None = None) -> np.ndarray:
        """Per-step predictions ``(n, T, n_targets)`` on the targets' scale.

        ``T`` is ``n_steps``, by default the ``T`` of ``fit`` (the CNN and the GRU take any
        number of steps); longer waveforms are cropped, shorter ones zero-padded."""
        check_is_fitted(self, "module_")
        n_steps = self.n_steps_ if n_steps is None else int(n_steps)
        if n_steps < 1:
            raise ParameterError(f"n_steps must be positive, got {n_steps}")
        Z = self._steps(X, n_steps) / self.x_scale_
        out = apply_batched(self.module_, self.module_, lambda idx: Z[idx], len(Z), batch_size=64,
                            device=self.device, num_threads=self.num_threads)
        return out * self.y_scale_ + self.y_mean_
