"""What the pretrained-network extractors share: batched inference and pooling over a clip.

A pretrained network (musicnn, OpenL3, VGGish, aiSFX) emits one vector per analysis window
of a clip (a patch, window, example or block); the extractor summarises them as one clip
vector by pooling over time (:func:`pool_over_time`, options :data:`POOLINGS`). Each such
extractor is a :class:`PooledEmbedding`.
"""
from __future__ import annotations

import os

import numpy as np
import torch
from torch import nn

from ..errors import ParameterError
from .base import Extractor

POOLINGS: dict[str, tuple[str, ...]] = {
    "mean": ("mean",),
    "max": ("max",),
    "mean+max": ("mean", "max"),
    "mean+std": ("mean", "std"),
}
"""Pooling over time: name -> per-dimension statistics over the windows, concatenated in this
order. ``"mean"`` is Koh & Dubnov's pooling of their embeddings and what
``musicnn.tagger.top_tags`` does with the taggram."""


def check_pooling(pooling: str) -> str:
    """Return ``pooling`` if it is a key of :data:`POOLINGS`, else raise :class:`~mer_core.errors.ParameterError`."""
    if pooling not in POOLINGS:
        raise ParameterError(f"pooling must be one of {', '.join(POOLINGS)}, got {pooling!r}")
    return pooling


def pooled_dim(dim: int, pooling: str) -> int:
    """Length of the clip vector that ``pooling`` makes of ``dim``-dimensional window vectors."""
    return dim * len(POOLINGS[check_pooling(pooling)])


def pool_over_time(frames: np.ndarray, pooling: str = "mean") -> np.ndarray:
    """Summarise ``(n_windows, dim)`` window vectors as one clip vector of :func:`pooled_dim` values.

    Raises
    ------
    ParameterError
        If ``pooling`` is not in :data:`POOLINGS` or ``frames`` is not a non-empty 2-D array.

    Used by: every pretrained-network extractor (:class:`~mer_core.features.musicnn.MusicnnEmbedding`,
    :class:`~mer_core.features.openl3.OpenL3Embedding`, :class:`~mer_core.features.vggish.VGGishEmbedding`,
    :class:`~mer_core.features.aisfx.AisfxEmbedding`).
    """
    statistics = POOLINGS[check_pooling(pooling)]
    frames = np.asarray(frames, dtype=np.float32)
    if frames.ndim != 2 or len(frames) == 0:
        raise ParameterError(f"expected a non-empty (n_windows, dim) array, got shape {frames.shape}")
    return np.concatenate([getattr(frames, statistic)(axis=0) for statistic in statistics])


def best_device() -> torch.device:
    """CUDA when torch sees a GPU, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def run_batches(model: nn.Module, inputs: np.ndarray, batch_size: int) -> np.ndarray:
    """Forward ``inputs`` through ``model`` in batches (bounded memory), on the model's device.

    Used by: the OpenL3, VGGish and aiSFX extractors.
    """
    device = next(model.parameters()).device
    out = []
    with torch.inference_mode():
        for start in range(0, len(inputs), batch_size):
            batch = torch.from_numpy(np.array(inputs[start:start + batch_size], dtype=np.float32))
            out.append(model(batch.to(device)).float().cpu().numpy())
    return np.concatenate(out)


class PooledEmbedding(Extractor):
    """Base of the pretrained-network extractors: window vectors of one layer pooled over the clip.

    A subclass sets ``name``, ``version`` and ``sr``, says which layers one pass of its network
    yields and how long their window vectors are (``layer_dims``, the chosen one in ``layer``)
    and computes them all for a clip (:meth:`embed_layers`). Calling the extractor pools the
    chosen layer with :func:`pool_over_time`; :func:`mer_core.features.extract` instead
    extracts (and caches) :meth:`windows`, every layer's window vectors from one network pass,
    and pools them (:meth:`from_windows`), so all layers and poolings of a network cost one
    pass per clip. The network is loaded once, on first use, into ``_model``.

    Parameters
    ----------
    pooling : str
        A key of :data:`POOLINGS`.
    weights_dir : path-like, optional
        Root of the weights (default :func:`mer_core.config.weights_dir`); not part of the
        cache key.
    """

    parallel = False  # one process holds the network; torch uses its own threads
    requires_weights = True
    layer: str = "embedding"
    """The layer whose window vectors are pooled (single-layer networks: ``"embedding"``)."""

    def __init__(self, pooling: str = "mean", weights_dir: str | os.PathLike | None = None):
        self.pooling = check_pooling(pooling)
        self._weights_dir = weights_dir
        self._model = None

    @property
    def layer_dims(self) -> dict[str, int]:  # pragma: no cover - abstract
        """``{layer: length of its window vector}`` for every layer :meth:`embed_layers` returns, in order."""
        raise NotImplementedError

    @property
    def frame_dim(self) -> int:
        """Length of one window vector of ``layer``."""
        return self.layer_dims[self.layer]

    @property
    def dim(self) -> int:
        return pooled_dim(self.frame_dim, self.pooling)

    @property
    def window_name(self) -> str:
        """Name of the network's :meth:`windows` extractor (cache folder) without the ``_windows`` suffix."""
        return self.name

    def embed_layers(self, y: np.ndarray, sr: int) -> dict[str, np.ndarray]:  # pragma: no cover - abstract
        """Every layer's window vectors of a clip from one pass: ``{layer: (n_windows, dim)}``."""
        raise NotImplementedError

    def embed_frames(self, y: np.ndarray, sr: int) -> np.ndarray:
        """The window vectors of ``layer`` for a clip, ``(n_windows, frame_dim)``."""
        return self.embed_layers(y, sr)[self.layer]

    def windows(self) -> "WindowEmbeddings":
        """The extractor of all layers' window vectors that this one pools (one network pass per clip)."""
        return WindowEmbeddings(self)

    def from_windows(self, table: np.ndarray) -> np.ndarray:
        """Pool ``layer``'s columns of a :class:`WindowEmbeddings` output into the clip vector."""
        return pool_over_time(self.windows().layer(table, self.layer), self.pooling)

    def __call__(self, y: np.ndarray, sr: int) -> np.ndarray:
        return pool_over_time(self.embed_frames(y, sr), self.pooling)


class WindowEmbeddings(Extractor):
    """Every layer's window vectors of one pretrained network for a clip, side by side.

    Output ``(n_windows, sum of the layer dimensions)``: the layers of
    :attr:`PooledEmbedding.layer_dims`, in that order; :meth:`layer` cuts one out. Its cache
    entry (``<network>_windows``) serves every layer, every pooling and every sequence model
    of that network (e.g. an LSTM over a clip's window vectors), so the network runs once per
    clip.

    Parameters
    ----------
    embedding : PooledEmbedding
        The network (its layer and pooling do not matter; its other parameters are this
        extractor's parameters).

    Used by: :func:`mer_core.features.extract` (for every :class:`PooledEmbedding`),
    :mod:`mer_core.experiments.koh_dubnov` (sequences of window embeddings).
    """

    parallel = False
    requires_weights = True

    def __init__(self, embedding: PooledEmbedding):
        self._embedding = embedding
        self.name = f"{embedding.window_name}_windows"
        self.version = embedding.version
        self.sr = embedding.sr
        self.duration = embedding.duration

    def params(self) -> dict:
        return {k: v for k, v in self._embedding.params().items() if k not in ("layer", "pooling")}

    def weights_available(self) -> bool:
        return self._embedding.weights_available()

    @property
    def dim(self) -> int:
        return sum(self._embedding.layer_dims.values())

    def layer(self, table: np.ndarray, layer: str) -> np.ndarray:
        """The columns of ``layer`` in an output ``(n_windows, dim)`` (or a batch ``(..., dim)``)."""
        dims = self._embedding.layer_dims
        if layer not in dims:
            raise ParameterError(f"{self._embedding.window_name} has no layer {layer!r}; choose one of {', '.join(dims)}")
        start = 0
        for name, size in dims.items():
            if name == layer:
                break
            start += size
        table = np.asarray(table)
        if table.shape[-1] != self.dim:
            raise ParameterError(f"expected window vectors of {self.dim} values, got shape {table.shape}")
        return table[..., start:start + dims[layer]]

    def __call__(self, y: np.ndarray, sr: int) -> np.ndarray:
        layers = self._embedding.embed_layers(y, sr)
        return np.concatenate([np.asarray(layers[name], dtype=np.float32) for name in self._embedding.layer_dims],
                              axis=1)
