"""OpenL3 embeddings (Cramer et al. 2019) in PyTorch, from the official Keras weights.

Koh & Dubnov feed L3-Net as packaged by OpenL3 (mel256 input, music content, 512-d; they
also tried 6144-d) to classical classifiers. The net emits one vector per 1 s window (every
0.1 s), and a clip becomes one vector by pooling over time
(:func:`mer_core.features.pretrained.pool_over_time`: the mean, Koh & Dubnov's choice,
optionally with the max).

:func:`load_openl3` reads the Keras HDF5 weights file ``openl3_audio_mel256_music.h5`` that
the ``openl3`` package installs. Without it the extractor raises
:class:`~mer_core.errors.MissingWeightsError` naming the folder to put it in; nothing ever
falls back to random weights.
"""
from __future__ import annotations

import importlib.util
import os
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ..audio import frame, resample
from ..config import weights_dir as default_weights_dir
from ..errors import MissingWeightsError, ParameterError, WeightsError
from .pretrained import PooledEmbedding, best_device, run_batches

OPENL3_SR = 48000
OPENL3_N_FFT = 2048
OPENL3_HOP = 242
OPENL3_N_MELS = 256
OPENL3_WEIGHTS_FILE = "openl3_audio_mel256_music.h5"
OPENL3_FINAL_POOL = {512: (32, 24), 6144: (8, 8)}
"""Max-pooling of the (256/8 x 199/8 = 32 x 24) x 512 output maps for each embedding size."""
_KERAS_BN_EPS = 1e-3


class KapreMelspectrogram(nn.Module):
    """The kapre 0.1.4 ``Melspectrogram`` layer that L3-Net was trained with, in torch.

    ``Melspectrogram(n_dft=2048, n_hop=242, n_mels=256, sr=48000, power_melgram=1.0,
    htk=True, return_decibel_melgram=True, padding='same')``: periodic-Hann DFT computed as
    a strided convolution with TensorFlow ``'same'`` padding (982 zeros each side of a 1 s
    window, 199 frames), power spectrum, HTK-scale mel filters with Slaney area
    normalisation, square root (``power_melgram=1``), then ``10 log10`` referenced to each
    window's maximum and floored 80 dB below it. This is the layer of the training code and
    of openl3 <= 0.3 (the version Koh & Dubnov used); openl3 >= 0.4 approximates it with
    kapre 0.3 (Slaney mel scale, mel of the magnitude, frames starting at the window's
    first sample), which shifts the input slightly.

    Input ``(batch, 48000)``; output ``(batch, 1, 256 mel, 199 frames)``.
    """

    def __init__(self):
        super().__init__()
        import librosa

        n_frames = -(-OPENL3_SR // OPENL3_HOP)  # ceil: TF 'same' padding
        pad_total = max((n_frames - 1) * OPENL3_HOP + OPENL3_N_FFT - OPENL3_SR, 0)
        self.pad = (pad_total // 2, pad_total - pad_total // 2)
        with warnings.catch_warnings():
            # the lowest HTK bands are narrower than an FFT bin and stay empty, as in kapre
            warnings.filterwarnings("ignore", message="Empty filters detected")
            mel = librosa.filters.mel(sr=OPENL3_SR, n_fft=OPENL3_N_FFT, n_mels=OPENL3_N_MELS, fmin=0.0,
                                      fmax=OPENL3_SR / 2, htk=True, norm="slaney")
        self.register_buffer("window", torch.hann_window(OPENL3_N_FFT, periodic=True), persistent=False)
        self.register_buffer("mel", torch.from_numpy(mel.astype(np.float32)), persistent=False)

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        frames = F.pad(audio, self.pad).unfold(-1, OPENL3_N_FFT, OPENL3_HOP)  # (batch, 199, 2048)
        power = torch.fft.rfft(frames * self.window).abs().pow(2)            # (batch, 199, 1025)
        melgram = torch.sqrt(torch.matmul(self.mel, power.transpose(1, 2)))   # (batch, 256, 199)
        db = 10.0 * torch.log10(torch.clamp(melgram, min=1e-10))
        db = db - db.amax(dim=(1, 2), keepdim=True)
        return torch.clamp(db, min=-80.0).unsqueeze(1)


def _conv_bn_relu(in_channels: int, out_channels: int) -> list[nn.Module]:
    return [nn.Conv2d(in_channels, out_channels, 3, padding=1),
            nn.BatchNorm2d(out_channels, eps=_KERAS_BN_EPS), nn.ReLU()]


class OpenL3Audio(nn.Module):
    """L3-Net audio sub-network, mel256 input (``openl3``'s ``_construct_mel256_audio_network``).

    kapre mel front-end, batch norm of the input, then four conv blocks (3x3 convolutions
    with bias, each followed by batch norm (epsilon 1e-3, Keras' default) and ReLU) of
    64, 64 | 128, 128 | 256, 256 | 512, 512 filters, 2x2 max pooling after the first three;
    the last convolution (``audio_embedding_layer``) has no batch norm or ReLU. Its
    32 x 24 x 512 maps are max-pooled to 1 x 1 x 512 (``embedding_size=512``) or
    4 x 3 x 512, flattened in Keras' (height, width, channel) order (``6144``).

    Input ``(batch, 48000)`` samples at 48 kHz; output ``(batch, embedding_size)``.
    """

    def __init__(self, embedding_size: int = 512):
        super().__init__()
        _check_embedding_size(embedding_size)
        self.embedding_size = embedding_size
        self.frontend = KapreMelspectrogram()
        self.input_bn = nn.BatchNorm2d(1, eps=_KERAS_BN_EPS)
        self.block1 = nn.Sequential(*_conv_bn_relu(1, 64), *_conv_bn_relu(64, 64), nn.MaxPool2d(2, 2))
        self.block2 = nn.Sequential(*_conv_bn_relu(64, 128), *_conv_bn_relu(128, 128), nn.MaxPool2d(2, 2))
        self.block3 = nn.Sequential(*_conv_bn_relu(128, 256), *_conv_bn_relu(256, 256), nn.MaxPool2d(2, 2))
        self.block4 = nn.Sequential(*_conv_bn_relu(256, 512), nn.Conv2d(512, 512, 3, padding=1))

    def conv_layers(self) -> list[nn.Module]:
        """Convolutions and batch norms in the Keras model's layer order (the weight file's)."""
        layers: list[nn.Module] = [self.input_bn]
        for block in (self.block1, self.block2, self.block3, self.block4):
            layers += [m for m in block if isinstance(m, (nn.Conv2d, nn.BatchNorm2d))]
        return layers

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        x = self.input_bn(self.frontend(audio))
        x = self.block4(self.block3(self.block2(self.block1(x))))
        pool = OPENL3_FINAL_POOL[self.embedding_size]
        # Keras MaxPooling2D(padding='same'); both pool sizes tile the 32 x 24 maps exactly
        x = F.max_pool2d(x, kernel_size=pool, stride=pool, ceil_mode=True)
        return x.permute(0, 2, 3, 1).flatten(1)  # Keras Flatten order: height, width, channel


def _check_embedding_size(embedding_size: int) -> None:
    if embedding_size not in OPENL3_FINAL_POOL:
        raise ParameterError(f"embedding_size must be one of {tuple(OPENL3_FINAL_POOL)}, got {embedding_size}")


def _decode(names) -> list[str]:
    return [n.decode() if isinstance(n, bytes) else str(n) for n in names]


def read_keras_h5_weights(path: str | os.PathLike) -> list[tuple[str, dict[str, np.ndarray]]]:
    """Layers that hold weights in a Keras 2 HDF5 file, in the file's layer order.

    Each item is ``(layer_name, {short_name: array})`` with short names such as ``kernel``,
    ``bias``, ``gamma``, ``moving_variance``. Reads weight-only files (``save_weights``) and
    full-model files (weights under ``model_weights``).
    """
    import h5py

    with h5py.File(path, "r") as f:
        root = f["model_weights"] if "model_weights" in f else f
        if "layer_names" not in root.attrs:
            raise WeightsError(f"{path}: not a Keras 2 HDF5 weights file (no 'layer_names' attribute)")
        layers = []
        for name in _decode(root.attrs["layer_names"]):
            group = root[name]
            weight_names = _decode(group.attrs.get("weight_names", []))
            if weight_names:
                layers.append((name, {w.split("/")[-1].split(":")[0]: np.asarray(group[w])
                                      for w in weight_names}))
    return layers


def openl3_state_dict(layers: list[tuple[str, dict[str, np.ndarray]]], model: OpenL3Audio) -> dict:
    """Map Keras layers (from :func:`read_keras_h5_weights`) onto ``model``'s parameter names.

    Layers are matched in order, as Keras' ``load_weights`` does; the kapre spectrogram
    layer of older files (DFT kernels and mel matrix) is skipped, as openl3 0.4 does, since
    :class:`KapreMelspectrogram` rebuilds it. Convolution kernels go from Keras
    ``(height, width, in, out)`` to torch ``(out, in, height, width)``; batch norm
    ``gamma, beta, moving_mean, moving_variance`` to ``weight, bias, running_mean,
    running_var``. Any missing, extra or mis-shaped layer raises
    :class:`~mer_core.errors.WeightsError`.
    """
    layers = [(n, w) for n, w in layers if "spectrogram" not in n.lower()]
    targets = model.conv_layers()
    if len(layers) != len(targets):
        raise WeightsError(f"expected {len(targets)} weighted layers (batch norms and convolutions), "
                           f"found {len(layers)}: {[n for n, _ in layers]}")
    names = {id(m): n for n, m in model.named_modules()}
    state = {}
    for (layer_name, weights), module in zip(layers, targets):
        prefix = names[id(module)]
        if isinstance(module, nn.Conv2d):
            if set(weights) != {"kernel", "bias"}:
                raise WeightsError(f"layer {layer_name}: expected a convolution, got weights {sorted(weights)}")
            pairs = {"weight": weights["kernel"].transpose(3, 2, 0, 1), "bias": weights["bias"]}
        else:
            if set(weights) != {"gamma", "beta", "moving_mean", "moving_variance"}:
                raise WeightsError(f"layer {layer_name}: expected a batch norm, got weights {sorted(weights)}")
            pairs = {"weight": weights["gamma"], "bias": weights["beta"],
                     "running_mean": weights["moving_mean"], "running_var": weights["moving_variance"]}
        for key, value in pairs.items():
            expected = tuple(getattr(module, key).shape)
            if value.shape != expected:
                raise WeightsError(f"layer {layer_name}: {key} has shape {value.shape}, expected {expected}")
            state[f"{prefix}.{key}"] = torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32))
        if isinstance(module, nn.BatchNorm2d):
            state[f"{prefix}.num_batches_tracked"] = torch.zeros((), dtype=torch.long)
    return state


def _openl3_package_dir() -> Path | None:
    """Folder of an installed ``openl3`` package (found without importing it: no TensorFlow)."""
    spec = importlib.util.find_spec("openl3")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def openl3_weights_path(weights_dir: str | os.PathLike | None = None) -> Path | None:
    """``<weights_dir>/openl3/openl3_audio_mel256_music.h5``, else the installed package's copy, else None."""
    local = default_weights_dir(weights_dir) / "openl3" / OPENL3_WEIGHTS_FILE
    if local.is_file():
        return local
    package = _openl3_package_dir()
    if package is not None and (package / OPENL3_WEIGHTS_FILE).is_file():
        return package / OPENL3_WEIGHTS_FILE
    return None


def load_openl3(embedding_size: int = 512, weights_dir: str | os.PathLike | None = None) -> OpenL3Audio:
    """OpenL3 (mel256, music) with the official weights, in eval mode.

    Reads ``openl3_audio_mel256_music.h5`` (the Keras HDF5 file the ``openl3`` package
    downloads when it is installed) from ``<weights_dir>/openl3/`` or, failing that, from
    the installed ``openl3`` package's folder. The 512 and 6144 models share the file.

    Raises
    ------
    MissingWeightsError
        If neither place has the file.
    WeightsError
        If the file does not hold the mel256 audio network's layers.

    Used by: :class:`OpenL3Embedding`.
    """
    path = openl3_weights_path(weights_dir)
    if path is None:
        raise MissingWeightsError(
            f"OpenL3 weights not found: put {OPENL3_WEIGHTS_FILE} (installed by `pip install openl3`, "
            f"or from https://github.com/marl/openl3) in {default_weights_dir(weights_dir) / 'openl3'}")
    model = OpenL3Audio(embedding_size)
    model.load_state_dict(openl3_state_dict(read_keras_h5_weights(path), model), strict=True)
    return model.eval()


def openl3_windows(y: np.ndarray, hop_size: float = 0.1, center: bool = True) -> np.ndarray:
    """Cut 48 kHz audio into ``(n_windows, 48000)`` 1 s windows, as ``openl3`` does.

    With ``center``, half a window of zeros is prepended so that window ``i`` is centred on
    ``i * hop_size`` seconds; the end is zero-padded so every sample is covered.

    Used by: :class:`OpenL3Embedding`.
    """
    _check_hop_size(hop_size)
    y = np.asarray(y, dtype=np.float32)
    if center:
        y = np.pad(y, (OPENL3_SR // 2, 0))
    return frame(y, OPENL3_SR, int(hop_size * OPENL3_SR), pad="end")


def _check_hop_size(hop_size: float) -> None:
    if hop_size <= 0:
        raise ParameterError(f"hop_size must be positive, got {hop_size}")


class OpenL3Embedding(PooledEmbedding):
    """OpenL3 (mel256, music) embedding pooled over a clip: 512 or 6144 values (x2 for ``"mean+max"``).

    1 s windows every ``hop_size`` seconds (openl3's default 0.1 s, centred), one embedding
    per window, then the mean over windows (Koh & Dubnov) or mean and max.

    ``backend="torch"`` (default) runs :class:`OpenL3Audio` with the official weights
    (:func:`load_openl3`). ``backend="openl3"`` calls the ``openl3`` package itself (its
    TensorFlow model, its own front-end and the weights it downloads at install time; not
    installable here), for readers who have it.

    Parameters
    ----------
    embedding_size : {512, 6144}
    hop_size : float
        Seconds between windows. Cost grows as 1 / hop_size (one network pass per window).
    center : bool
    pooling : str
        A key of :data:`~mer_core.features.pretrained.POOLINGS`.
    backend : {"torch", "openl3"}
    weights_dir : path-like, optional
        Root of the weights (default :func:`mer_core.config.weights_dir`); not part of the
        cache key.

    Used by: notebooks/features.ipynb (registry names ``openl3_512``, ``openl3_6144``, through
    :mod:`mer_core.experiments.features`; listed as not run where the weights are absent).
    """

    version = "1"
    sr = OPENL3_SR

    def __init__(self, embedding_size: int = 512, hop_size: float = 0.1, center: bool = True,
                 pooling: str = "mean", backend: str = "torch",
                 weights_dir: str | os.PathLike | None = None):
        _check_embedding_size(embedding_size)
        _check_hop_size(hop_size)
        if backend not in ("torch", "openl3"):
            raise ParameterError(f"backend must be 'torch' or 'openl3', got {backend!r}")
        super().__init__(pooling, weights_dir)
        self.name = f"openl3_{embedding_size}"
        self.embedding_size = embedding_size
        self.hop_size = float(hop_size)
        self.center = bool(center)
        self.backend = backend

    @property
    def layer_dims(self) -> dict[str, int]:
        return {"embedding": self.embedding_size}

    def weights_available(self) -> bool:
        if self.backend == "openl3":
            return _openl3_package_dir() is not None
        return openl3_weights_path(self._weights_dir) is not None

    def model(self):
        """The loaded network: :class:`OpenL3Audio`, or the ``openl3`` package's Keras model."""
        if self._model is None:
            if self.backend == "openl3":
                import openl3

                self._model = openl3.models.load_audio_embedding_model("mel256", "music", self.embedding_size)
            else:
                # channels-last memory format: faster CPU convolutions, same results to 1e-6
                self._model = load_openl3(self.embedding_size, self._weights_dir).to(
                    best_device(), memory_format=torch.channels_last)
        return self._model

    def embed_layers(self, y: np.ndarray, sr: int) -> dict[str, np.ndarray]:
        """Window-level embeddings, ``{"embedding": (n_windows, embedding_size)}``."""
        if self.backend == "openl3":
            import openl3

            emb, _ = openl3.get_audio_embedding(y, sr, model=self.model(), hop_size=self.hop_size,
                                                center=self.center, verbose=False)
            return {"embedding": np.asarray(emb, dtype=np.float32)}
        if sr != OPENL3_SR:
            y = resample(np.asarray(y, dtype=np.float32), sr, OPENL3_SR)
        return {"embedding": run_batches(self.model(), openl3_windows(y, self.hop_size, self.center), batch_size=8)}


EXTRACTORS = {"openl3_512": lambda: OpenL3Embedding(512), "openl3_6144": lambda: OpenL3Embedding(6144)}
"""Registry name -> zero-argument factory."""
