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
    """Base of the pretrained-network extractors: window vectors pooled over the clip.

    A subclass sets ``name``, ``version`` and ``sr``, says how long a window vector is
    (``frame_dim``) and computes the window vectors of a clip (:meth:`embed_frames`); calling
    the extractor pools them with :func:`pool_over_time`. The network is loaded once, on
    first use, into ``_model``.

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
    frame_dim: int
    """Length of one window vector."""

    def __init__(self, pooling: str = "mean", weights_dir: str | os.PathLike | None = None):
        self.pooling = check_pooling(pooling)
        self._weights_dir = weights_dir
        self._model = None

    @property
    def dim(self) -> int:
        return pooled_dim(self.frame_dim, self.pooling)

    def embed_frames(self, y: np.ndarray, sr: int) -> np.ndarray:  # pragma: no cover - abstract
        """The window vectors of a clip, ``(n_windows, frame_dim)``."""
        raise NotImplementedError

    def __call__(self, y: np.ndarray, sr: int) -> np.ndarray:
        return pool_over_time(self.embed_frames(y, sr), self.pooling)
