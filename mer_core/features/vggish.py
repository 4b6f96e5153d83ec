"""VGGish embeddings (Hershey et al. 2017) in PyTorch, from the official weights.

Koh & Dubnov's second embedding: one 128-d vector per 0.96 s example, pooled over the clip
(:func:`mer_core.features.pretrained.pool_over_time`: the mean, Koh & Dubnov's choice,
optionally with the max). :func:`load_vggish` reads the widely used PyTorch conversion of the
TensorFlow checkpoint (``vggish-*.pth``, harritaylor/torchvggish layout) and the official PCA
parameters (``vggish_pca_params.npz``). Without them the extractor raises
:class:`~mer_core.errors.MissingWeightsError` naming the folder to put them in; nothing ever
falls back to random weights.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from ..audio import frame, resample
from ..config import weights_dir as default_weights_dir
from ..errors import MissingWeightsError, WeightsError
from .pretrained import PooledEmbedding, best_device, run_batches

VGGISH_SR = 16000
VGGISH_WINDOW = 400   # 25 ms
VGGISH_HOP = 160      # 10 ms
VGGISH_N_FFT = 512
VGGISH_N_MELS = 64
VGGISH_FMIN, VGGISH_FMAX = 125.0, 7500.0
VGGISH_LOG_OFFSET = 0.01
VGGISH_EXAMPLE_FRAMES = 96  # 0.96 s
VGGISH_QUANTIZE_RANGE = (-2.0, 2.0)


def vggish_mel_matrix() -> np.ndarray:
    """VGGish's ``(257, 64)`` linear-to-mel matrix (``mel_features.spectrogram_to_mel_matrix``).

    Triangles equally spaced on the HTK mel scale ``1127 ln(1 + f/700)`` between 125 and
    7500 Hz, peak 1, no area normalisation, DC bin zeroed.
    """
    def hz_to_mel(f):
        return 1127.0 * np.log(1.0 + np.asarray(f, dtype=np.float64) / 700.0)

    bins_mel = hz_to_mel(np.linspace(0.0, VGGISH_SR / 2, VGGISH_N_FFT // 2 + 1))
    edges = np.linspace(hz_to_mel(VGGISH_FMIN), hz_to_mel(VGGISH_FMAX), VGGISH_N_MELS + 2)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    rising = (bins_mel[:, None] - lower) / (center - lower)
    falling = (upper - bins_mel[:, None]) / (upper - center)
    matrix = np.maximum(0.0, np.minimum(rising, falling))
    matrix[0, :] = 0.0
    return matrix


def vggish_examples(y: np.ndarray, sr: int = VGGISH_SR) -> np.ndarray:
    """VGGish input: ``(n_examples, 96, 64)`` log-mel patches, as ``vggish_input.waveform_to_examples``.

    16 kHz, 25 ms periodic-Hann frames every 10 ms (no padding), magnitude of a 512-point
    FFT, :func:`vggish_mel_matrix`, ``log(mel + 0.01)``, then non-overlapping 0.96 s
    examples (a trailing partial example is dropped). A clip shorter than one example is
    zero-padded to one, where the official code would return none.

    Used by: :class:`VGGishEmbedding`.
    """
    y = np.asarray(y, dtype=np.float64)
    if sr != VGGISH_SR:
        y = resample(y.astype(np.float32), sr, VGGISH_SR).astype(np.float64)
    min_len = VGGISH_WINDOW + (VGGISH_EXAMPLE_FRAMES - 1) * VGGISH_HOP
    if len(y) < min_len:
        y = np.pad(y, (0, min_len - len(y)))
    frames = frame(y, VGGISH_WINDOW, VGGISH_HOP, pad="none")
    window = 0.5 - 0.5 * np.cos(2 * np.pi / VGGISH_WINDOW * np.arange(VGGISH_WINDOW))
    magnitude = np.abs(np.fft.rfft(frames * window, VGGISH_N_FFT))
    log_mel = np.log(magnitude @ vggish_mel_matrix() + VGGISH_LOG_OFFSET)
    return frame(log_mel, VGGISH_EXAMPLE_FRAMES, axis=0, pad="none").astype(np.float32)


class VGGish(nn.Module):
    """VGGish (Hershey et al. 2017), torchvggish parameter layout.

    Six 3x3 convolutions with ReLU (64 | 128 | 256, 256 | 512, 512, 2x2 max pooling after
    each group), flattened in TensorFlow's (height, width, channel) order, then fully
    connected 12288 -> 4096 -> 4096 -> 128 with ReLU between. The 128-d embedding layer has
    no activation, as in the official TensorFlow model (``fc2``, ``activation_fn=None``;
    torchvggish adds a ReLU there).

    Input ``(batch, 96 frames, 64 mel bands)``; output ``(batch, 128)``.
    """

    dim = 128

    def __init__(self):
        super().__init__()
        layers: list[nn.Module] = []
        in_channels = 1
        for v in (64, "M", 128, "M", 256, 256, "M", 512, 512, "M"):
            if v == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(in_channels, v, 3, padding=1), nn.ReLU()]
                in_channels = v
        self.features = nn.Sequential(*layers)
        self.embeddings = nn.Sequential(nn.Linear(512 * 4 * 6, 4096), nn.ReLU(),
                                        nn.Linear(4096, 4096), nn.ReLU(),
                                        nn.Linear(4096, self.dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x.unsqueeze(1))
        return self.embeddings(x.permute(0, 2, 3, 1).flatten(1))


def vggish_postprocess(embeddings: np.ndarray, pca_matrix: np.ndarray, pca_means: np.ndarray) -> np.ndarray:
    """Official VGGish post-processing: PCA (with whitening), clip to [-2, 2], 8-bit quantisation.

    Returns values in 0..255 (as float32), the format of the AudioSet release embeddings.
    """
    pca = (np.asarray(pca_matrix) @ (np.asarray(embeddings).T - np.asarray(pca_means).reshape(-1, 1))).T
    lo, hi = VGGISH_QUANTIZE_RANGE
    return np.round((np.clip(pca, lo, hi) - lo) * (255.0 / (hi - lo))).astype(np.float32)


def _vggish_files(weights_dir: str | os.PathLike | None) -> tuple[Path | None, Path | None]:
    """The state-dict file (``vggish*.pth``, not the PCA one) and the PCA file, when present."""
    folder = default_weights_dir(weights_dir) / "vggish"
    models = sorted(p for p in folder.glob("vggish*.pth") if "pca" not in p.name)
    pcas = [folder / "vggish_pca_params.npz"] + sorted(folder.glob("vggish_pca_params*.pth"))
    return (models[0] if models else None), next((p for p in pcas if p.is_file()), None)


def _read_pca(path: Path) -> tuple[np.ndarray, np.ndarray]:
    if path.suffix == ".npz":
        with np.load(path) as params:
            matrix, means = params["pca_eigen_vectors"], params["pca_means"]
    else:
        params = torch.load(path, map_location="cpu", weights_only=True)
        matrix, means = np.asarray(params["pca_eigen_vectors"]), np.asarray(params["pca_means"])
    matrix, means = np.asarray(matrix, dtype=np.float64), np.asarray(means, dtype=np.float64).reshape(-1)
    if matrix.shape != (VGGish.dim, VGGish.dim) or means.shape != (VGGish.dim,):
        raise WeightsError(f"{path}: PCA shapes {matrix.shape}, {means.shape}; expected (128, 128), (128,)")
    return matrix, means


def load_vggish(weights_dir: str | os.PathLike | None = None, postprocess: bool = True):
    """VGGish with converted official weights, and its PCA parameters.

    Reads from ``<weights_dir>/vggish/``: the network from ``vggish-*.pth`` (the PyTorch
    state dict of harritaylor/torchvggish, e.g. ``vggish-10086976.pth``; the TensorFlow
    ``vggish_model.ckpt`` must be converted first) and, when ``postprocess``, the PCA from
    the official ``vggish_pca_params.npz`` (or torchvggish's ``vggish_pca_params-*.pth``).

    Returns
    -------
    model : VGGish
        In eval mode.
    pca : tuple of (matrix (128, 128), means (128,)) or None
        None when ``postprocess`` is False.

    Raises
    ------
    MissingWeightsError
        If a needed file is missing.
    WeightsError
        If the PCA parameters do not have VGGish's shapes.

    Used by: :class:`VGGishEmbedding`.
    """
    folder = default_weights_dir(weights_dir) / "vggish"
    model_path, pca_path = _vggish_files(weights_dir)
    if model_path is None or (postprocess and pca_path is None):
        raise MissingWeightsError(
            f"VGGish weights not found: put vggish-10086976.pth (torchvggish release) and "
            f"vggish_pca_params.npz (storage.googleapis.com/audioset/vggish_pca_params.npz) in {folder}")
    state = torch.load(model_path, map_location="cpu", weights_only=True)
    with torch.device("meta"):  # skip the random initialisation of 72 M parameters
        model = VGGish()
    model.load_state_dict(state, strict=True, assign=True)
    return model.eval(), (_read_pca(pca_path) if postprocess else None)


class VGGishEmbedding(PooledEmbedding):
    """VGGish embedding pooled over a clip: 128 values (256 with ``"mean+max"``).

    One embedding per 0.96 s example; with ``postprocess`` (default) each goes through the
    official PCA + 8-bit quantisation (values 0..255, as in AudioSet's release); the clip
    vector is the mean over examples (Koh & Dubnov) or mean and max.

    Parameters
    ----------
    postprocess : bool
    pooling : str
        A key of :data:`~mer_core.features.pretrained.POOLINGS`.
    weights_dir : path-like, optional
        Root of the weights (default :func:`mer_core.config.weights_dir`); not part of the
        cache key.

    Used by: notebooks/features.ipynb (registry name ``vggish``, through
    :mod:`mer_core.experiments.features`; listed as not run where the weights are absent).
    """

    name = "vggish"
    version = "1"
    sr = VGGISH_SR
    layer_dims = {"embedding": VGGish.dim}

    def __init__(self, postprocess: bool = True, pooling: str = "mean",
                 weights_dir: str | os.PathLike | None = None):
        super().__init__(pooling, weights_dir)
        self.postprocess = bool(postprocess)

    def weights_available(self) -> bool:
        model_path, pca_path = _vggish_files(self._weights_dir)
        return model_path is not None and (pca_path is not None or not self.postprocess)

    def model(self):
        """``(VGGish, pca or None)``, loaded once."""
        if self._model is None:
            net, pca = load_vggish(self._weights_dir, self.postprocess)
            self._model = (net.to(best_device()), pca)
        return self._model

    def embed_layers(self, y: np.ndarray, sr: int) -> dict[str, np.ndarray]:
        """Example-level embeddings, ``{"embedding": (n_examples, 128)}``."""
        net, pca = self.model()
        emb = run_batches(net, vggish_examples(y, sr), batch_size=32)
        return {"embedding": vggish_postprocess(emb, *pca) if pca is not None else emb}



EXTRACTORS = {"vggish": VGGishEmbedding}
"""Registry name -> zero-argument factory."""
