"""SincNet's layers (Ravanelli & Bengio 2018) as the authors' code builds them.

:class:`SincConv` is the learnable band-pass filter bank of SincNet's first layer, in the
"fast" formulation of the reference implementation (``SincConv_fast`` in
``mravanelli/SincNet/dnn_models.py``): each filter is the difference of two windowed low-pass
sincs, so only its two cut-off frequencies are learned. :class:`SincNet` stacks the
convolutional front end, the fully connected layers and the classifier of the reference
configuration (``cfg/SincNet_TIMIT.cfg``), which Pandrea's ``cfg/SincNet_4Q.cfg`` keeps
except for the number of classes and the optimisation settings.

Facts of the reference code that this module follows (and where it departs):

* Filter initialisation: ``n_filters + 1`` points equally spaced on the mel scale
  (``mel = 2595 log10(1 + hz / 700)``) from 30 Hz to ``sr/2 - (min_low_hz + min_band_hz)``
  (7900 Hz at 16 kHz), :func:`mel_points`; the parameter ``low_hz_`` starts at the lower
  point of each pair and ``band_hz_`` at the gap to the next one.
* Cut-offs used by the filters (:func:`effective_band_edges`): ``low = min_low_hz +
  |low_hz_|`` and ``high = clamp(low + min_band_hz + |band_hz_|, min_low_hz, sr/2)``, so a
  band starts at ``min_low_hz`` (50 Hz) or above and is at least ``min_band_hz`` (50 Hz)
  wide unless the clamp at ``sr/2`` cuts it (nothing stops ``low`` from growing past
  ``sr/2``, as in the reference). At initialisation the first band is 80-153 Hz, the last
  ends exactly at ``sr/2``, and neighbouring bands overlap by ``min_band_hz``.
* Kernel: odd length ``K``; for the ``(K-1)/2`` taps left of the centre, at times
  ``t = -(K-1)/2 / sr ... -1 / sr``, ``(sin(2 pi high t) - sin(2 pi low t)) / (pi t)``
  times a Hamming window; the centre tap is ``2 (high - low)``; the right half mirrors the
  left (the kernel is exactly symmetric); the whole kernel is divided by ``2 (high - low)``
  (centre tap 1). Window: ``0.54 - 0.46 cos(2 pi m / (K - 1))`` at the left taps
  ``m = 0 .. (K-3)/2``. The reference samples the same curve at ``m (K/2 - 1) / (K//2 - 1)``
  over ``K``; for ``K = 251`` the two differ by less than 3e-5. An even ``K`` is refused
  (the reference silently adds one).
* Layer norm: the reference's own ``LayerNorm``, reproduced by :class:`AxisLayerNorm`:
  statistics over the **last axis only** (time, per channel, for convolutional maps), the
  unbiased standard deviation with ``eps = 1e-6`` added to it (not to the variance), and a
  learnable gain and bias for every element of ``features`` (e.g. ``(channels, time)``).
* Convolutional block ``i``: convolution (no padding, stride 1) -> (``abs`` for the sinc
  layer only) -> max-pool by ``pool[i]`` -> layer norm -> leaky ReLU(0.2). Dropout is 0 in
  every configuration of the authors, so there is none. The two ordinary ``Conv1d`` layers
  keep PyTorch's default initialisation and bias (as in the reference).
* Dense stack: layer norm of the flattened features (``fc_use_laynorm_inp=True`` in the
  authors' cfg), then per layer ``Linear -> BatchNorm1d(momentum=0.05) -> leaky ReLU(0.2)``.
  Weights uniform in ``+-sqrt(0.01 / (fan_in + fan_out))`` as in the reference. The
  reference gives these layers a zero-initialised bias which batch norm makes inert (its
  gradient is exactly zero in training mode); we omit it: same function, same training.
* Classifier: ``Linear(dense[-1], n_classes)`` (same uniform initialisation, zero bias). The
  reference applies ``LogSoftmax`` and ``NLLLoss``; :meth:`SincNet.forward` returns the
  logits and the estimator trains with cross-entropy, which is the same loss.

Used by: :class:`mer_core.models.sincnet_classifier.SincNetClassifier` (Pandrea et al.'s end-to-end rows).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ..errors import ParameterError

MEL_LOW_HZ = 30.0
"""Lowest mel point of the initial filter bank (reference: ``low_hz = 30``)."""


def hz_to_mel(hz):
    """HTK mel scale, ``2595 log10(1 + hz / 700)`` (the reference's ``to_mel``)."""
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


def mel_to_hz(mel):
    """Inverse of :func:`hz_to_mel`."""
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


def mel_points(n_filters: int, sr: int = 16000, *, min_low_hz: float = 50.0,
               min_band_hz: float = 50.0) -> np.ndarray:
    """The ``n_filters + 1`` initial points, equally spaced in mel from 30 Hz to
    ``sr/2 - (min_low_hz + min_band_hz)`` Hz (ascending, float64).

    ``low_hz_`` is initialised to ``points[:-1]`` and ``band_hz_`` to ``diff(points)``.
    """
    n_filters, top = int(n_filters), sr / 2.0 - (min_low_hz + min_band_hz)
    if n_filters <= 0:
        raise ParameterError(f"n_filters must be positive, got {n_filters}")
    if min_low_hz < 0 or min_band_hz < 0:
        raise ParameterError(f"min_low_hz and min_band_hz must be >= 0, got {min_low_hz}, {min_band_hz}")
    if top <= MEL_LOW_HZ:
        raise ParameterError(f"sr={sr} leaves no room for filters above {MEL_LOW_HZ} Hz")
    return mel_to_hz(np.linspace(hz_to_mel(MEL_LOW_HZ), hz_to_mel(top), n_filters + 1))


def effective_band_edges(low_hz_, band_hz_, sr: int, min_low_hz: float = 50.0,
                         min_band_hz: float = 50.0) -> tuple:
    """Cut-offs ``(low, high)`` in Hz that the filters use, from the raw parameters.

    ``low = min_low_hz + |low_hz_|``; ``high = clamp(low + min_band_hz + |band_hz_|,
    min_low_hz, sr / 2)``. Works on numpy arrays and on torch tensors (differentiably).
    """
    if isinstance(low_hz_, torch.Tensor):
        low = min_low_hz + torch.abs(low_hz_)
        high = torch.clamp(low + min_band_hz + torch.abs(band_hz_), min_low_hz, sr / 2.0)
    else:
        low = min_low_hz + np.abs(low_hz_)
        high = np.clip(low + min_band_hz + np.abs(band_hz_), min_low_hz, sr / 2.0)
    return low, high


def initial_band_edges(n_filters: int = 80, sr: int = 16000, *, min_low_hz: float = 50.0,
                       min_band_hz: float = 50.0) -> np.ndarray:
    """Cut-offs of a freshly initialised :class:`SincConv`, ``(n_filters, 2)`` Hz: columns
    ``low, high`` (ascending in ``low``).

    Equal to ``SincConv(n_filters, sr=sr, ...).band_edges()`` up to float32 rounding.
    """
    points = mel_points(n_filters, sr, min_low_hz=min_low_hz, min_band_hz=min_band_hz)
    low, high = effective_band_edges(points[:-1], np.diff(points), sr, min_low_hz, min_band_hz)
    return np.stack([low, high], axis=1)


# ---------------------------------------------------------------------- layers
class SincConv(nn.Module):
    """Learnable band-pass filter bank (SincNet's first layer), one input channel.

    Parameters
    ----------
    n_filters : int
        Number of band-pass filters (reference: 80).
    kernel_size : int
        Odd filter length in samples (reference: 251, i.e. 15.7 ms at 16 kHz).
    sr : int
        Sample rate in Hz of the input.
    min_low_hz, min_band_hz : float
        Lowest lower cut-off and narrowest band in Hz (reference: 50 and 50).

    Attributes
    ----------
    low_hz_, band_hz_ : torch.nn.Parameter of shape (n_filters, 1)
        Raw learnable parameters in Hz (module docstring for how they map to cut-offs).

    Shapes: input ``(batch, 1, n_samples)`` -> output ``(batch, n_filters, n_samples -
    kernel_size + 1)`` (no padding, stride 1, no bias).
    """

    def __init__(self, n_filters: int = 80, kernel_size: int = 251, sr: int = 16000, *,
                 min_low_hz: float = 50.0, min_band_hz: float = 50.0):
        super().__init__()
        kernel_size = int(kernel_size)
        if kernel_size < 3 or kernel_size % 2 == 0:
            raise ParameterError(f"SincConv kernel_size must be odd and >= 3 (symmetric filters), got {kernel_size}")
        if int(sr) <= 0:
            raise ParameterError(f"sr must be positive, got {sr}")
        self.n_filters, self.kernel_size, self.sr = int(n_filters), kernel_size, int(sr)
        self.min_low_hz, self.min_band_hz = float(min_low_hz), float(min_band_hz)
        points = mel_points(self.n_filters, self.sr, min_low_hz=self.min_low_hz, min_band_hz=self.min_band_hz)
        self.low_hz_ = nn.Parameter(torch.tensor(points[:-1], dtype=torch.float32).view(-1, 1))
        self.band_hz_ = nn.Parameter(torch.tensor(np.diff(points), dtype=torch.float32).view(-1, 1))
        half = (kernel_size - 1) // 2
        m = np.arange(half, dtype=np.float64)
        # left half of the symmetric Hamming window and the (negative) tap times in seconds
        self.register_buffer("window_", torch.tensor(0.54 - 0.46 * np.cos(2 * np.pi * m / (kernel_size - 1)),
                                                     dtype=torch.float32).view(1, -1), persistent=False)
        self.register_buffer("t_", torch.tensor(np.arange(-half, 0, dtype=np.float64) / self.sr,
                                                dtype=torch.float32).view(1, -1), persistent=False)

    def band_edges(self) -> np.ndarray:
        """Current cut-offs ``(n_filters, 2)`` in Hz (columns ``low, high``) as the filters use them."""
        with torch.no_grad():
            low, high = effective_band_edges(self.low_hz_, self.band_hz_, self.sr, self.min_low_hz, self.min_band_hz)
        return torch.cat([low, high], dim=1).detach().cpu().numpy().astype(np.float64)

    def kernels(self) -> torch.Tensor:
        """The current filters, ``(n_filters, 1, kernel_size)`` (differentiable in the parameters)."""
        low, high = effective_band_edges(self.low_hz_, self.band_hz_, self.sr, self.min_low_hz, self.min_band_hz)
        band = high - low  # (F, 1)
        two_pi_t = 2 * math.pi * self.t_
        left = (torch.sin(high * two_pi_t) - torch.sin(low * two_pi_t)) / (math.pi * self.t_) * self.window_
        kernel = torch.cat([left, 2 * band, torch.flip(left, dims=[1])], dim=1) / (2 * band)
        return kernel.view(self.n_filters, 1, self.kernel_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.conv1d(x, self.kernels())


class AxisLayerNorm(nn.Module):
    """The reference's layer norm: normalise over the last axis, affine per element of ``features``.

    ``gamma * (x - mean) / (std + eps) + beta`` with ``mean`` and the unbiased ``std`` over the
    last axis; ``gamma`` and ``beta`` have shape ``features`` (e.g. ``(channels, time)`` for a
    ``(batch, channels, time)`` map, ``(d,)`` for ``(batch, d)`` vectors).
    """

    def __init__(self, features: int | Sequence[int], eps: float = 1e-6):
        super().__init__()
        shape = (int(features),) if np.isscalar(features) else tuple(int(f) for f in features)
        self.gamma = nn.Parameter(torch.ones(shape))
        self.beta = nn.Parameter(torch.zeros(shape))
        self.eps = float(eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(-1, keepdim=True)
        std = x.std(-1, keepdim=True)
        return self.gamma * (x - mean) / (std + self.eps) + self.beta


def _uniform_linear(n_in: int, n_out: int, bias: bool) -> nn.Linear:
    """``nn.Linear`` with the reference's initialisation: U(+-sqrt(0.01 / (n_in + n_out))), zero bias."""
    layer = nn.Linear(n_in, n_out, bias=bias)
    bound = math.sqrt(0.01 / (n_in + n_out))
    with torch.no_grad():
        layer.weight.uniform_(-bound, bound)
        if bias:
            layer.bias.zero_()
    return layer


def conv_output_lengths(n_samples: int, kernel_sizes: Sequence[int], pool: Sequence[int]) -> list[int]:
    """Time length after each convolutional block: ``L_i = (L_{i-1} - K_i + 1) // pool_i``.

    3200 samples (200 ms at 16 kHz) -> ``[983, 326, 107]``; 8000 (500 ms) -> ``[2583, 859, 285]``.
    """
    lengths, length = [], int(n_samples)
    for k, p in zip(kernel_sizes, pool):
        length = (length - int(k) + 1) // int(p)
        lengths.append(length)
    return lengths


class SincNet(nn.Module):
    """SincNet classifier: sinc front end, two ``Conv1d`` blocks, dense stack, linear output.

    Parameters
    ----------
    n_samples : int
        Input window length in samples (the layer norms' affine parameters depend on it):
        3200 for 200 ms at 16 kHz, 8000 for 500 ms.
    n_classes : int
        Number of output classes.
    sr : int
        Sample rate in Hz (sinc filter cut-offs).
    n_filters : sequence of int
        Filters per convolutional layer; the first is the sinc layer (reference: 80, 60, 60).
    kernel_sizes : sequence of int
        Filter lengths (reference: 251, 5, 5); the first must be odd.
    pool : sequence of int
        Max-pooling factor after each convolution (reference: 3, 3, 3).
    dense : sequence of int
        Widths of the fully connected layers (reference: 2048, 2048, 2048); may be empty.
    leak : float
        Negative slope of every leaky ReLU (reference: 0.2).
    bn_momentum : float
        Momentum of the dense layers' batch norm (reference: 0.05, PyTorch convention).
    input_norm, dense_input_norm : bool
        Layer norm of the input waveform window / of the flattened convolutional features
        (reference cfg: both True).
    min_low_hz, min_band_hz : float
        Sinc layer constraints (reference: 50 Hz, 50 Hz).

    Notes
    -----
    Shapes: ``forward``: ``(batch, n_samples)`` or ``(batch, 1, n_samples)`` -> logits ``(batch, n_classes)``.
    ``features``: the flattened convolutional output ``(batch, n_filters[-1] * L)``, with ``L``
    the last of :func:`conv_output_lengths` (200 ms: 60 x 107 = 6420; 500 ms: 60 x 285 = 17100).
    ``embed``: the last dense layer's activations ``(batch, dense[-1])``.
    """

    def __init__(self, n_samples: int, n_classes: int, *, sr: int = 16000,
                 n_filters: Sequence[int] = (80, 60, 60), kernel_sizes: Sequence[int] = (251, 5, 5),
                 pool: Sequence[int] = (3, 3, 3), dense: Sequence[int] = (2048, 2048, 2048), leak: float = 0.2,
                 bn_momentum: float = 0.05, input_norm: bool = True, dense_input_norm: bool = True,
                 min_low_hz: float = 50.0, min_band_hz: float = 50.0):
        super().__init__()
        n_filters, kernel_sizes = [int(c) for c in n_filters], [int(k) for k in kernel_sizes]
        pool, dense = [int(p) for p in pool], [int(d) for d in dense]
        if not (len(n_filters) == len(kernel_sizes) == len(pool)) or len(n_filters) == 0:
            raise ParameterError(f"n_filters, kernel_sizes and pool must have the same non-zero length, got "
                                 f"{n_filters}, {kernel_sizes}, {pool}")
        if min(n_filters + kernel_sizes + pool) <= 0 or (dense and min(dense) <= 0):
            raise ParameterError("filter counts, kernel sizes, pooling factors and dense widths must be positive")
        if int(n_classes) < 2:
            raise ParameterError(f"n_classes must be >= 2, got {n_classes}")
        lengths = conv_output_lengths(n_samples, kernel_sizes, pool)
        if min(lengths) <= 0:
            raise ParameterError(f"a window of {n_samples} samples is too short for kernels {kernel_sizes} and "
                                 f"pooling {pool} (time lengths {lengths})")
        self.n_samples, self.n_classes, self.sr = int(n_samples), int(n_classes), int(sr)
        self.pool = pool
        self.input_norm = AxisLayerNorm(self.n_samples) if input_norm else nn.Identity()
        convs: list[nn.Module] = [SincConv(n_filters[0], kernel_sizes[0], self.sr, min_low_hz=min_low_hz,
                                           min_band_hz=min_band_hz)]
        convs += [nn.Conv1d(c_in, c_out, k) for c_in, c_out, k in zip(n_filters[:-1], n_filters[1:], kernel_sizes[1:])]
        self.convs = nn.ModuleList(convs)
        self.conv_norms = nn.ModuleList(AxisLayerNorm((c, length)) for c, length in zip(n_filters, lengths))
        self.act = nn.LeakyReLU(float(leak))
        self.out_dim = n_filters[-1] * lengths[-1]
        self.dense_input_norm = AxisLayerNorm(self.out_dim) if dense_input_norm else nn.Identity()
        layers: list[nn.Module] = []
        for d_in, d_out in zip([self.out_dim] + dense[:-1], dense):
            layers += [_uniform_linear(d_in, d_out, bias=False), nn.BatchNorm1d(d_out, momentum=float(bn_momentum)),
                       nn.LeakyReLU(float(leak))]
        self.dense = nn.Sequential(*layers)
        self.classifier = _uniform_linear(dense[-1] if dense else self.out_dim, self.n_classes, bias=True)

    @property
    def sinc(self) -> SincConv:
        """The first (sinc) layer."""
        return self.convs[0]

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Flattened convolutional features ``(batch, out_dim)`` of windows ``(batch, [1,] n_samples)``."""
        if x.ndim == 3:
            x = x.squeeze(1)
        if x.ndim != 2 or x.shape[1] != self.n_samples:
            raise ParameterError(f"SincNet expects (batch, {self.n_samples}) windows, got {tuple(x.shape)}")
        x = self.input_norm(x).unsqueeze(1)
        for i, (conv, norm, p) in enumerate(zip(self.convs, self.conv_norms, self.pool)):
            x = conv(x)
            if i == 0:
                x = torch.abs(x)
            x = self.act(norm(nn.functional.max_pool1d(x, p)))
        return x.flatten(1)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Activations of the last dense layer ``(batch, dense[-1])`` (the d-vector of speaker work)."""
        return self.dense(self.dense_input_norm(self.features(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.embed(x))

    def band_edges(self) -> np.ndarray:
        """Current sinc cut-offs ``(n_filters[0], 2)`` in Hz (:meth:`SincConv.band_edges`)."""
        return self.sinc.band_edges()
