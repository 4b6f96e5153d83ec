"""Deep audio embeddings: aiSFX (real weights from PyPI), OpenL3 and VGGish (official weight loaders).

Koh & Dubnov feed two pretrained embeddings to classical classifiers: L3-Net as packaged by
OpenL3 (mel256 input, music content, 512-d; they also tried 6144-d) and VGGish (128-d).
Both nets emit one vector per analysis window (OpenL3: 1 s windows every 0.1 s; VGGish:
0.96 s examples), and a clip becomes one vector by pooling over time; the extractors here
take the mean over windows (``pooling="mean"``), optionally concatenated with the max
(``pooling="mean+max"``).

Every network is a plain PyTorch module that loads the original authors' weights:

* **aiSFX** (Ma & Lerch, ISMIR 2022): a 9-layer CNN pretrained on sound-effects libraries.
  The ``aisfx`` wheel on PyPI ships its checkpoint; :func:`mer_core.weights.fetch_aisfx` downloads the pinned
  wheel, checks its SHA-256 and keeps only the checkpoint (plus the model's source file,
  for the equivalence test, and its licence: the pretrained model is CC BY 4.0).
* **OpenL3** (Cramer et al. 2019): :func:`load_openl3` reads the Keras HDF5 weights file
  ``openl3_audio_mel256_music.h5`` that the ``openl3`` package installs.
* **VGGish** (Hershey et al. 2017): :func:`load_vggish` reads the widely used PyTorch
  conversion of the TensorFlow checkpoint (``vggish-*.pth``, harritaylor/torchvggish layout)
  and the official PCA parameters (``vggish_pca_params.npz``).

Without the weight files these raise :class:`~mer_core.features.base.MissingWeightsError`
naming the folder to put them in; nothing ever falls back to random weights.
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

from ..audio import resample
from ..config import weights_dir as default_weights_dir
from ..weights import AISFX_CHECKPOINT_SHA256, AISFX_VERSION, aisfx_dir
from .base import Extractor, MissingWeightsError, file_digest

POOLINGS = ("mean", "mean+max")


def pool_over_time(frames: np.ndarray, pooling: str = "mean") -> np.ndarray:
    """Summarise ``(n_windows, dim)`` embeddings as one clip vector.

    ``"mean"`` averages over windows (Koh & Dubnov); ``"mean+max"`` appends the
    per-dimension maximum, doubling the size.

    Used by: every embedding extractor of this module (notebooks/koh_dubnov.ipynb).
    """
    frames = np.asarray(frames, dtype=np.float32)
    if frames.ndim != 2 or len(frames) == 0:
        raise ValueError(f"expected a non-empty (n_windows, dim) array, got shape {frames.shape}")
    if pooling == "mean":
        return frames.mean(axis=0)
    if pooling == "mean+max":
        return np.concatenate([frames.mean(axis=0), frames.max(axis=0)])
    raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")


def _check_pooling(pooling: str) -> str:
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
    return pooling


def _device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _run_batches(model: nn.Module, inputs: np.ndarray, batch_size: int) -> np.ndarray:
    """Forward ``inputs`` through ``model`` in batches (bounded memory), on the model's device."""
    device = next(model.parameters()).device
    out = []
    with torch.inference_mode():
        for start in range(0, len(inputs), batch_size):
            batch = torch.from_numpy(np.array(inputs[start:start + batch_size], dtype=np.float32))
            out.append(model(batch.to(device)).float().cpu().numpy())
    return np.concatenate(out)


# --------------------------------------------------------------------------------------
# aiSFX
# --------------------------------------------------------------------------------------

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
    ValueError
        If the file's SHA-256 is not the pinned one, or its keys are not the expected ones.

    Used by: :class:`AisfxEmbedding`.
    """
    path = aisfx_dir(weights_dir) / "checkpoint.pth"
    if not path.is_file():
        raise MissingWeightsError(
            f"aiSFX weights not found at {path}: run `mer weights fetch` "
            f"(downloads the aisfx=={AISFX_VERSION} wheel from PyPI once)")
    if file_digest(path) != AISFX_CHECKPOINT_SHA256:
        raise ValueError(f"{path}: SHA-256 differs from the pinned aisfx {AISFX_VERSION} checkpoint")
    state, _ = _load_aisfx_checkpoint(path)
    prefix = "embedding_net."
    unexpected = [k for k in state if not k.startswith((prefix, "fc."))]
    if unexpected:
        raise ValueError(f"{path}: unexpected checkpoint keys {unexpected[:5]}")
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
    bands = np.array([mel(spectrum(window(frame)))
                      for frame in es.FrameGenerator(y, frameSize=AISFX_N_FFT, hopSize=AISFX_HOP)],
                     dtype=np.float32)
    return np.log10(bands * np.float32(1e4) + np.float32(1.0))


def aisfx_blocks(spec: np.ndarray, block_hop: float = 0.5, drop_partial_block: bool = True) -> np.ndarray:
    """Normalise the spectrogram and cut it into ``(n_blocks, 100, 96)`` model inputs.

    As the package does: min-max scaling with its training range (0 to
    :data:`AISFX_SPEC_MAX`), blocks of 100 frames every ``round(100 * block_hop)`` frames,
    the last incomplete block dropped (``drop_partial_block``) unless it is the only one,
    and zero padding where a block runs past the end.
    """
    if not 0 < block_hop <= 1:
        raise ValueError(f"block_hop must be in (0, 1], got {block_hop}")
    spec = np.asarray(spec, dtype=np.float32) / np.float32(AISFX_SPEC_MAX)
    hop = int(np.round(AISFX_BLOCK * block_hop))
    n_frames = len(spec)
    n_blocks = int(np.ceil((n_frames - AISFX_BLOCK) / hop + 1))
    if (n_frames - AISFX_BLOCK) % hop != 0 and drop_partial_block:
        n_blocks -= 1
    n_blocks = max(n_blocks, 1)
    padded = np.vstack([spec, np.zeros((AISFX_BLOCK, spec.shape[1]), dtype=np.float32)])
    return np.stack([padded[i * hop:i * hop + AISFX_BLOCK] for i in range(n_blocks)])


class AisfxEmbedding(Extractor):
    """aiSFX sound-effects embedding pooled over a clip: 512 values (1024 with ``"mean+max"``).

    Each 2.32 s block (100 spectrogram frames, hop ``block_hop`` x 100 frames = 1.16 s by
    default, as in the paper) gives a 512-d vector (mean over frequency, max over time of
    the last conv block); the clip vector is the mean of the block vectors over time
    (``pooling="mean"``, as Koh & Dubnov pool their embeddings) or mean and max
    (``"mean+max"``).

    Parameters
    ----------
    pooling : {"mean", "mean+max"}
    block_hop : float
        Hop between blocks as a fraction of a block (package's ``emb_hop_size``, 0.5).
    weights_dir : path-like, optional
        Root of the weights (default :func:`mer_core.config.weights_dir`); not part of the
        cache key.

    Used by: notebooks/koh_dubnov.ipynb (a third pretrained embedding, with real weights).
    """

    name = "aisfx"
    version = "1"
    sr = AISFX_SR
    parallel = False
    requires_weights = True

    def __init__(self, pooling: str = "mean", block_hop: float = 0.5,
                 weights_dir: str | os.PathLike | None = None):
        if not 0 < block_hop <= 1:
            raise ValueError(f"block_hop must be in (0, 1], got {block_hop}")
        self.pooling = _check_pooling(pooling)
        self.block_hop = float(block_hop)
        self._weights_dir = weights_dir
        self._model = None

    @property
    def dim(self) -> int:
        return AisfxEmbeddingNet.dim * (2 if self.pooling == "mean+max" else 1)

    def weights_available(self) -> bool:
        return (aisfx_dir(self._weights_dir) / "checkpoint.pth").is_file()

    def model(self) -> AisfxEmbeddingNet:
        """The loaded network (loaded once, kept on the best available device)."""
        if self._model is None:
            self._model = load_aisfx(self._weights_dir).to(_device())
        return self._model

    def embed_frames(self, y: np.ndarray, sr: int) -> np.ndarray:
        """Block-level embeddings, ``(n_blocks, 512)``."""
        blocks = aisfx_blocks(aisfx_spectrogram(y, sr), block_hop=self.block_hop)
        return _run_batches(self.model(), blocks, batch_size=16)

    def __call__(self, y: np.ndarray, sr: int) -> np.ndarray:
        return pool_over_time(self.embed_frames(y, sr), self.pooling)


# --------------------------------------------------------------------------------------
# OpenL3
# --------------------------------------------------------------------------------------

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
        if embedding_size not in OPENL3_FINAL_POOL:
            raise ValueError(f"embedding_size must be 512 or 6144, got {embedding_size}")
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
            raise ValueError(f"{path}: not a Keras 2 HDF5 weights file (no 'layer_names' attribute)")
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
    running_var``. Any missing, extra or mis-shaped layer raises ``ValueError``.
    """
    layers = [(n, w) for n, w in layers if "spectrogram" not in n.lower()]
    targets = model.conv_layers()
    if len(layers) != len(targets):
        raise ValueError(f"expected {len(targets)} weighted layers (batch norms and convolutions), "
                         f"found {len(layers)}: {[n for n, _ in layers]}")
    names = {id(m): n for n, m in model.named_modules()}
    state = {}
    for (layer_name, weights), module in zip(layers, targets):
        prefix = names[id(module)]
        if isinstance(module, nn.Conv2d):
            if set(weights) != {"kernel", "bias"}:
                raise ValueError(f"layer {layer_name}: expected a convolution, got weights {sorted(weights)}")
            pairs = {"weight": weights["kernel"].transpose(3, 2, 0, 1), "bias": weights["bias"]}
        else:
            if set(weights) != {"gamma", "beta", "moving_mean", "moving_variance"}:
                raise ValueError(f"layer {layer_name}: expected a batch norm, got weights {sorted(weights)}")
            pairs = {"weight": weights["gamma"], "bias": weights["beta"],
                     "running_mean": weights["moving_mean"], "running_var": weights["moving_variance"]}
        for key, value in pairs.items():
            expected = tuple(getattr(module, key).shape)
            if value.shape != expected:
                raise ValueError(f"layer {layer_name}: {key} has shape {value.shape}, expected {expected}")
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

    Used by: :class:`OpenL3Embedding`, notebooks/koh_dubnov.ipynb.
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
    """
    if hop_size <= 0:
        raise ValueError(f"hop_size must be positive, got {hop_size}")
    y = np.asarray(y, dtype=np.float32)
    hop = int(hop_size * OPENL3_SR)
    if center:
        y = np.pad(y, (OPENL3_SR // 2, 0))
    if len(y) < OPENL3_SR:
        pad = OPENL3_SR - len(y)
    else:
        pad = int(np.ceil((len(y) - OPENL3_SR) / hop)) * hop - (len(y) - OPENL3_SR)
    y = np.pad(y, (0, pad))
    return np.lib.stride_tricks.sliding_window_view(y, OPENL3_SR)[::hop]


class OpenL3Embedding(Extractor):
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
        Seconds between windows. Cost grows as 1 / hop_size (about 10 GFLOP per window).
    center : bool
    pooling : {"mean", "mean+max"}
    backend : {"torch", "openl3"}
    weights_dir : path-like, optional
        Root of the weights (default :func:`mer_core.config.weights_dir`); not part of the
        cache key.

    Used by: notebooks/koh_dubnov.ipynb.
    """

    version = "1"
    sr = OPENL3_SR
    parallel = False
    requires_weights = True

    def __init__(self, embedding_size: int = 512, hop_size: float = 0.1, center: bool = True,
                 pooling: str = "mean", backend: str = "torch",
                 weights_dir: str | os.PathLike | None = None):
        if embedding_size not in OPENL3_FINAL_POOL:
            raise ValueError(f"embedding_size must be 512 or 6144, got {embedding_size}")
        if hop_size <= 0:
            raise ValueError(f"hop_size must be positive, got {hop_size}")
        if backend not in ("torch", "openl3"):
            raise ValueError(f"backend must be 'torch' or 'openl3', got {backend!r}")
        self.name = f"openl3_{embedding_size}"
        self.embedding_size = embedding_size
        self.hop_size = float(hop_size)
        self.center = bool(center)
        self.pooling = _check_pooling(pooling)
        self.backend = backend
        self._weights_dir = weights_dir
        self._model = None

    @property
    def dim(self) -> int:
        return self.embedding_size * (2 if self.pooling == "mean+max" else 1)

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
                # channels-last convolutions run about 20 % faster on CPU, same results to 1e-6
                self._model = load_openl3(self.embedding_size, self._weights_dir).to(
                    _device(), memory_format=torch.channels_last)
        return self._model

    def embed_frames(self, y: np.ndarray, sr: int) -> np.ndarray:
        """Window-level embeddings, ``(n_windows, embedding_size)``."""
        if self.backend == "openl3":
            import openl3

            emb, _ = openl3.get_audio_embedding(y, sr, model=self.model(), hop_size=self.hop_size,
                                                center=self.center, verbose=False)
            return np.asarray(emb, dtype=np.float32)
        if sr != OPENL3_SR:
            y = resample(np.asarray(y, dtype=np.float32), sr, OPENL3_SR)
        return _run_batches(self.model(), openl3_windows(y, self.hop_size, self.center), batch_size=8)

    def __call__(self, y: np.ndarray, sr: int) -> np.ndarray:
        return pool_over_time(self.embed_frames(y, sr), self.pooling)


# --------------------------------------------------------------------------------------
# VGGish
# --------------------------------------------------------------------------------------

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
    frames = np.lib.stride_tricks.sliding_window_view(y, VGGISH_WINDOW)[::VGGISH_HOP]
    window = 0.5 - 0.5 * np.cos(2 * np.pi / VGGISH_WINDOW * np.arange(VGGISH_WINDOW))
    magnitude = np.abs(np.fft.rfft(frames * window, VGGISH_N_FFT))
    log_mel = np.log(magnitude @ vggish_mel_matrix() + VGGISH_LOG_OFFSET)
    examples = np.lib.stride_tricks.sliding_window_view(log_mel, VGGISH_EXAMPLE_FRAMES, axis=0)
    return examples[::VGGISH_EXAMPLE_FRAMES].transpose(0, 2, 1).astype(np.float32)


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
        raise ValueError(f"{path}: PCA shapes {matrix.shape}, {means.shape}; expected (128, 128), (128,)")
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

    Used by: :class:`VGGishEmbedding`, notebooks/koh_dubnov.ipynb.
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


class VGGishEmbedding(Extractor):
    """VGGish embedding pooled over a clip: 128 values (256 with ``"mean+max"``).

    One embedding per 0.96 s example; with ``postprocess`` (default) each goes through the
    official PCA + 8-bit quantisation (values 0..255, as in AudioSet's release); the clip
    vector is the mean over examples (Koh & Dubnov) or mean and max.

    Parameters
    ----------
    postprocess : bool
    pooling : {"mean", "mean+max"}
    weights_dir : path-like, optional
        Root of the weights (default :func:`mer_core.config.weights_dir`); not part of the
        cache key.

    Used by: notebooks/koh_dubnov.ipynb.
    """

    name = "vggish"
    version = "1"
    sr = VGGISH_SR
    parallel = False
    requires_weights = True

    def __init__(self, postprocess: bool = True, pooling: str = "mean",
                 weights_dir: str | os.PathLike | None = None):
        self.postprocess = bool(postprocess)
        self.pooling = _check_pooling(pooling)
        self._weights_dir = weights_dir
        self._model = None

    @property
    def dim(self) -> int:
        return VGGish.dim * (2 if self.pooling == "mean+max" else 1)

    def weights_available(self) -> bool:
        model_path, pca_path = _vggish_files(self._weights_dir)
        return model_path is not None and (pca_path is not None or not self.postprocess)

    def model(self):
        """``(VGGish, pca or None)``, loaded once."""
        if self._model is None:
            net, pca = load_vggish(self._weights_dir, self.postprocess)
            self._model = (net.to(_device()), pca)
        return self._model

    def embed_frames(self, y: np.ndarray, sr: int) -> np.ndarray:
        """Example-level embeddings, ``(n_examples, 128)``."""
        net, pca = self.model()
        emb = _run_batches(net, vggish_examples(y, sr), batch_size=32)
        return vggish_postprocess(emb, *pca) if pca is not None else emb

    def __call__(self, y: np.ndarray, sr: int) -> np.ndarray:
        return pool_over_time(self.embed_frames(y, sr), self.pooling)


EXTRACTORS = {
    "openl3_512": lambda: OpenL3Embedding(512),
    "openl3_6144": lambda: OpenL3Embedding(6144),
    "vggish": VGGishEmbedding,
    "aisfx": AisfxEmbedding,
}
"""Registry of the embedding extractors: name -> zero-argument factory."""
