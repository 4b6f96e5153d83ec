"""aiSFX sound-effects embeddings (Ma & Lerch, ISMIR 2022), with the real weights from PyPI.

A 9-layer CNN pretrained on sound-effects libraries. The ``aisfx`` wheel on PyPI ships its
checkpoint; :func:`mer_core.weights.fetch_aisfx` downloads the pinned wheel, checks its
SHA-256 and keeps only the checkpoint (plus the model's source file, for the equivalence
test, and its licence: the pretrained model is CC BY 4.0). The network is a plain PyTorch
module; one vector per 2.32 s block, pooled over the clip
(:func:`mer_core.features.pretrained.pool_over_time`).

Without the checkpoint the extractor raises :class:`~mer_core.errors.MissingWeightsError`
naming the folder to put it in; nothing ever falls back to random weights.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ..audio import frame, resample
from ..errors import MissingWeightsError, ParameterError, WeightsError
from ..provenance import file_digest
from ..weights import AISFX_CHECKPOINT_SHA256, AISFX_VERSION, aisfx_dir
from .pretrained import PooledEmbedding, best_device, run_batches

AISFX_SR = 44100
AISFX_N_FFT = 2048
AISFX_HOP = 1024
AISFX_N_MELS = 96
AISFX_BLOCK = 100
"""Spectrogram frames per embedding block (100 x 23.2 ms = 2.32 s)."""
AISFX_SPEC_MAX = 9.457798957824707
"""Min-max normalisation ceiling of the log-mel input (package's ``spec_norm='original'``; floor 0)."""


class AisfxConvBlock(nn.Module):
    """Two 3x3 convolutions (no bias), each followed by batch norm and ReLU, then pooling."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)

    def forward(self, x: torch.Tensor, pool_size: tuple[int, int]) -> torch.Tensor:
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        return F.max_pool2d(x, kernel_size=pool_size)


class AisfxEmbeddingNet(nn.Module):
    """aiSFX embedding network ("X-Sequential-CE", ``EmbeddingNet('max', 3, 1, 64)``).

    The DCASE cross-task 9-layer CNN: four conv blocks of 64, 128, 256, 512 channels with
    2x2 max pooling after the first three; the 512 feature maps are averaged over frequency
    and max-pooled over time. Parameter names are the package's, so its checkpoint loads
    with ``strict=True`` once the ``embedding_net.`` prefix is dropped.

    Input ``(batch, 100 frames, 96 mel bands)``; output ``(batch, 512)``.
    """

    dim = 512

    def __init__(self):
        super().__init__()
        self.conv_block1 = AisfxConvBlock(1, 64)
        self.conv_block2 = AisfxConvBlock(64, 128)
        self.conv_block3 = AisfxConvBlock(128, 256)
        self.conv_block4 = AisfxConvBlock(256, 512)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.unsqueeze(1)
        x = self.conv_block1(x, (2, 2))
        x = self.conv_block2(x, (2, 2))
        x = self.conv_block3(x, (2, 2))
        x = self.conv_block4(x, (1, 1))
        return x.mean(dim=3).amax(dim=2)


def _load_aisfx_checkpoint(path: Path) -> tuple[dict, dict]:
    """Read ``(state_dict, datasets)`` from the checkpoint without executing pickled code."""
    try:
        from numpy._core.multiarray import scalar as np_scalar
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import scalar as np_scalar
    # the training-set table stores numpy integers; allow exactly those globals
    allowed = [(np_scalar, "numpy.core.multiarray.scalar"), np.dtype, type(np.dtype(np.int64))]
    with torch.serialization.safe_globals(allowed):
        state, datasets = torch.load(path, map_location="cpu", weights_only=True)
    return state, datasets


def load_aisfx(weights_dir: str | os.PathLike | None = None) -> AisfxEmbeddingNet:
    """The aiSFX embedding network with its pretrained weights, in eval mode.

    The checkpoint holds the embedding network (``embedding_net.*``) and nine classifier
    heads, one per training library (``fc.*``); the heads are not part of the embedding and
    are dropped. The embedding keys load with ``strict=True``.

    Raises
    ------
    MissingWeightsError
        If ``<weights_dir>/aisfx-0.1.2/checkpoint.pth`` does not exist.
    WeightsError
        If the file's SHA-256 is not the pinned one, or its keys are not the expected ones.

    Used by: :class:`AisfxEmbedding`.
    """
    path = aisfx_dir(weights_dir) / "checkpoint.pth"
    if not path.is_file():
        raise MissingWeightsError(
            f"aiSFX weights not found at {path}: run `mer weights fetch` "
            f"(downloads the aisfx=={AISFX_VERSION} wheel from PyPI once)")
    if file_digest(path) != AISFX_CHECKPOINT_SHA256:
        raise WeightsError(f"{path}: SHA-256 differs from the pinned aisfx {AISFX_VERSION} checkpoint")
    state, _ = _load_aisfx_checkpoint(path)
    prefix = "embedding_net."
    unexpected = [k for k in state if not k.startswith((prefix, "fc."))]
    if unexpected:
        raise WeightsError(f"{path}: unexpected checkpoint keys {unexpected[:5]}")
    model = AisfxEmbeddingNet()
    model.load_state_dict({k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}, strict=True)
    return model.eval()


def aisfx_spectrogram(y: np.ndarray, sr: int = AISFX_SR) -> np.ndarray:
    """aiSFX input spectrogram, ``(n_frames, 96)``: the package's Essentia front-end.

    44.1 kHz, 2048-sample Hann frames every 1024 samples (Essentia's FrameCutter, first frame
    centred on sample 0), power spectrum, 96 HTK-mel bands over 0-22.05 kHz with unit-sum
    triangles, then ``log10(1e4 * x + 1)``. Samples are clipped to [-1, 1] first, as the
    package's loader (Essentia's EasyLoader) does. Identical, value for value, to
    ``aisfx.spectrogram.spectrogram_essentia.compute_spectrogram`` on the same samples
    (the package resamples with Essentia, we with soxr).

    Used by: :class:`AisfxEmbedding`.
    """
    import essentia.standard as es  # essentia logs on import; only load it when needed

    if sr != AISFX_SR:
        y = resample(np.asarray(y, dtype=np.float32), sr, AISFX_SR)
    y = np.ascontiguousarray(np.clip(y, -1.0, 1.0), dtype=np.float32)
    window = es.Windowing(type="hann", zeroPadding=0, normalized=False)
    spectrum = es.Spectrum(size=AISFX_N_FFT)
    mel = es.MelBands(inputSize=AISFX_N_FFT // 2 + 1, numberBands=AISFX_N_MELS, sampleRate=AISFX_SR,
                      lowFrequencyBound=0.0, highFrequencyBound=AISFX_SR / 2, warpingFormula="htkMel",
                      weighting="warping", normalize="unit_sum", type="power", log=False)
    bands = np.array([mel(spectrum(window(samples)))
                      for samples in es.FrameGenerator(y, frameSize=AISFX_N_FFT, hopSize=AISFX_HOP)],
                     dtype=np.float32)
    return np.log10(bands * np.float32(1e4) + np.float32(1.0))


def aisfx_blocks(spec: np.ndarray, block_hop: float = 0.5, drop_partial_block: bool = True) -> np.ndarray:
    """Normalise the spectrogram and cut it into ``(n_blocks, 100, 96)`` model inputs.

    As the package does: min-max scaling with its training range (0 to
    :data:`AISFX_SPEC_MAX`), blocks of 100 frames every ``round(100 * block_hop)`` frames,
    the last incomplete block dropped (``drop_partial_block``) unless it is the only one,
    and zero padding where a block runs past the end.

    Used by: :class:`AisfxEmbedding`.
    """
    _check_block_hop(block_hop)
    spec = np.asarray(spec, dtype=np.float32) / np.float32(AISFX_SPEC_MAX)
    return frame(spec, AISFX_BLOCK, int(np.round(AISFX_BLOCK * block_hop)), axis=0,
                 pad="short" if drop_partial_block else "end")


def _check_block_hop(block_hop: float) -> None:
    if not 0 < block_hop <= 1:
        raise ParameterError(f"block_hop must be in (0, 1], got {block_hop}")


class AisfxEmbedding(PooledEmbedding):
    """aiSFX sound-effects embedding pooled over a clip: 512 values (1024 with ``"mean+max"``).

    Each 2.32 s block (100 spectrogram frames, hop ``block_hop`` x 100 frames = 1.16 s by
    default, as in the paper) gives a 512-d vector (mean over frequency, max over time of
    the last conv block); the clip vector is the mean of the block vectors over time
    (``pooling="mean"``, as Koh & Dubnov pool their embeddings) or mean and max
    (``"mean+max"``).

    Parameters
    ----------
    pooling : str
        A key of :data:`~mer_core.features.pretrained.POOLINGS`.
    block_hop : float
        Hop between blocks as a fraction of a block (package's ``emb_hop_size``, 0.5).
    weights_dir : path-like, optional
        Root of the weights (default :func:`mer_core.config.weights_dir`); not part of the
        cache key.

    Used by: notebooks/features.ipynb (registry name ``aisfx``, through
    :mod:`mer_core.experiments.features`), notebooks/louro_dl.ipynb (OpenL3 -> aisfx embedding + RF row).
    """

    name = "aisfx"
    version = "1"
    sr = AISFX_SR
    layer_dims = {"embedding": AisfxEmbeddingNet.dim}

    def __init__(self, pooling: str = "mean", block_hop: float = 0.5,
                 weights_dir: str | os.PathLike | None = None):
        _check_block_hop(block_hop)
        super().__init__(pooling, weights_dir)
        self.block_hop = float(block_hop)

    def weights_available(self) -> bool:
        return (aisfx_dir(self._weights_dir) / "checkpoint.pth").is_file()

    def model(self) -> AisfxEmbeddingNet:
        """The loaded network (loaded once, kept on the best available device)."""
        if self._model is None:
            self._model = load_aisfx(self._weights_dir).to(best_device())
        return self._model

    def embed_layers(self, y: np.ndarray, sr: int) -> dict[str, np.ndarray]:
        """Block-level embeddings, ``{"embedding": (n_blocks, 512)}``."""
        blocks = aisfx_blocks(aisfx_spectrogram(y, sr), block_hop=self.block_hop)
        return {"embedding": run_batches(self.model(), blocks, batch_size=16)}


EXTRACTORS = {"aisfx": AisfxEmbedding}
"""Registry name -> zero-argument factory."""
