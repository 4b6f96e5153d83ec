"""musicnn and VGG music taggers (Pons & Serra, 2019) in PyTorch, with their real weights.

The `musicnn <https://github.com/jordipons/musicnn>`_ package (0.1.0, ISC licence) ships
four TensorFlow-1 taggers trained on MagnaTagATune (MTT, 50 tags) and the Million Song
Dataset (MSD, 50 tags): ``MTT_musicnn``, ``MTT_vgg``, ``MSD_musicnn`` and ``MSD_vgg``.
This module rebuilds their graphs (musicnn's ``models.py``) as ``nn.Module``\\ s, loads
the original checkpoints (fetched by :func:`mer_core.weights.fetch_musicnn`, read by
:mod:`mer_core.features.tf_checkpoint`), and reproduces musicnn's ``extractor.py``
pipeline:

1. audio at 16 kHz -> power mel spectrogram (librosa: n_fft 512, hop 256, 96 Slaney mel
   bands, centred frames with reflect padding, as librosa < 0.10 did for musicnn);
2. cast to float16 and back (musicnn stores the mel in float16), then ``log10(10000 x + 1)``
   in float32;
3. non-overlapping patches of 187 frames (3 s); musicnn drops the incomplete last patch;
4. the network on each patch; the extractors here average patch outputs over the clip, as
   ``musicnn.tagger.top_tags`` averages the taggram.

Besides the pooled embeddings (:class:`MusicnnEmbedding`), two extractors feed the
fine-tuning of :class:`mer_core.models.transfer.MusicnnFineTune`: musicnn's log-mel of a
fixed-length clip (:class:`MusicnnMel`) and the outputs of a pretrained front-end for each
patch (:class:`MusicnnFrontend`).

One step differs by design: clips are resampled to 16 kHz by :func:`mer_core.audio.load_audio`
(soxr) where musicnn called ``librosa.load`` (resampy); from the 16 kHz signal on, the
computation is musicnn's. The networks run on the CPU in float32, which the equivalence
test covers.

Equivalence with the TensorFlow originals is checked by ``tests/test_musicnn.py`` against
outputs of musicnn's own code (fixture ``tests/fixtures/musicnn_reference.npz``).

Layer names follow musicnn's ``extractor`` outputs: ``taggram`` (50 tag probabilities),
``penultimate`` (200-unit dense layer after batch norm), ``mean_pool`` / ``max_pool``
(753 mid-end features pooled over time) for musicnn; ``taggram`` and ``pool5`` (the 256
flattened last-pool activations, the VGG's penultimate) for the VGGs.
"""
from __future__ import annotations

import os

import librosa
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ..audio import fix_length, frame
from ..errors import MissingWeightsError, ParameterError, WeightsError
from ..weights import MUSICNN_MODELS, musicnn_checkpoint, musicnn_weights_present
from .base import Extractor
from .pretrained import PooledEmbedding
from .tf_checkpoint import list_variables, read_checkpoint

SR = 16000
N_FFT = 512
HOP_LENGTH = 256
N_MELS = 96
PATCH_FRAMES = 187
"""Frames of one 3 s patch: ``librosa.time_to_frames(3, sr=16000, n_fft=512, hop_length=256) + 1``."""
BN_EPS = 1e-3
"""Epsilon of ``tf.compat.v1.layers.batch_normalization`` (PyTorch's default is 1e-5)."""

MTT_TAGS = ("guitar", "classical", "slow", "techno", "strings", "drums", "electronic", "rock", "fast",
            "piano", "ambient", "beat", "violin", "vocal", "synth", "female", "indian", "opera", "male",
            "singing", "vocals", "no vocals", "harpsichord", "loud", "quiet", "flute", "woman",
            "male vocal", "no vocal", "pop", "soft", "sitar", "solo", "man", "classic", "choir", "voice",
            "new age", "dance", "male voice", "female vocal", "beats", "harp", "cello", "no voice",
            "weird", "country", "metal", "female voice", "choral")
MSD_TAGS = ("rock", "pop", "alternative", "indie", "electronic", "female vocalists", "dance", "00s",
            "alternative rock", "jazz", "beautiful", "metal", "chillout", "male vocalists",
            "classic rock", "soul", "indie rock", "Mellow", "electronica", "80s", "folk", "90s", "chill",
            "instrumental", "punk", "oldies", "blues", "hard rock", "ambient", "acoustic",
            "experimental", "female vocalist", "guitar", "Hip-Hop", "70s", "party", "country",
            "easy listening", "sexy", "catchy", "funk", "electro", "heavy metal", "Progressive rock",
            "60s", "rnb", "indie pop", "sad", "House", "happy")
"""Tag names in output order (musicnn's ``configuration.py``)."""

LAYER_DIMS = {"musicnn": {"taggram": 50, "penultimate": 200, "mean_pool": 753, "max_pool": 753},
              "vgg": {"taggram": 50, "pool5": 256}}
"""Size of each layer's per-patch output, by architecture."""


def architecture(model: str) -> str:
    """``'musicnn'`` or ``'vgg'``: the network of a checkpoint of :data:`~mer_core.weights.MUSICNN_MODELS`.

    Raises
    ------
    ParameterError
        If ``model`` is not one of the checkpoints.
    """
    if model not in MUSICNN_MODELS:
        raise ParameterError(f"unknown musicnn model {model!r}; choose one of {', '.join(MUSICNN_MODELS)}")
    return model.split("_", 1)[1]


MUSICNN_ARCHITECTURE_MODELS = tuple(m for m in MUSICNN_MODELS if architecture(m) == "musicnn")
"""Checkpoints of the musicnn architecture (MTT and MSD tags), the ones with a front-end
(:class:`MusicnnFrontend`) and a penultimate layer to fine-tune
(:class:`mer_core.models.transfer.MusicnnFineTune`)."""


def tag_names(model: str = "MTT_musicnn") -> tuple[str, ...]:
    """The 50 tag names of ``model``'s taggram, in output order."""
    architecture(model)
    return MTT_TAGS if model.startswith("MTT") else MSD_TAGS


def _batch_norm(n: int, dims: int) -> nn.Module:
    return (nn.BatchNorm1d if dims == 1 else nn.BatchNorm2d)(n, eps=BN_EPS)


def _max_of_bn_relu(x: torch.Tensor, bn: nn.Module, maximum, minimum=None) -> torch.Tensor:
    """``maximum(bn(relu(x)))`` for a maximum over windows of the last axes (over an axis, or
    max-pooling), the order of musicnn's layers, computed in evaluation mode as
    ``bn(relu(maximum(x)))`` on the reduced map.

    ReLU and an inference batch norm are monotone in each channel (increasing where the channel's
    scale is >= 0, decreasing elsewhere), so the maximum passes through them; for a decreasing
    channel it becomes the minimum: ``minimum(x)`` where one is given (a reduction as cheap as the
    maximum), else ``-maximum(-x)`` on those channels only. The same values (bit for bit on musicnn's weights, tested), with the elementwise work,
    about half of a CPU forward pass, shrunk by the reduction's factor. Training mode (batch
    statistics) takes the plain order.
    """
    if bn.training:
        return maximum(bn(F.relu(x)))
    extreme = maximum(x)
    decreasing = bn.weight < 0
    if minimum is not None:
        extreme = torch.where(decreasing.view((1, -1) + (1,) * (extreme.dim() - 2)), minimum(x), extreme)
    elif decreasing.any():
        channels = torch.nonzero(decreasing).flatten()
        extreme.index_copy_(1, channels, -maximum(-x.index_select(1, channels)))
    return F.batch_norm(F.relu(extreme), bn.running_mean, bn.running_var, bn.weight, bn.bias, False, 0.0, bn.eps)


class _ConvBlock(nn.Module):
    """conv -> ReLU -> batch norm (musicnn's order) -> max over the whole frequency axis."""

    def __init__(self, filters: int, kernel: tuple[int, int], time_pad: tuple[int, int]):
        super().__init__()
        self.time_pad = time_pad
        self.conv = nn.Conv2d(1, filters, kernel)
        self.bn = _batch_norm(filters, 2)

    def forward(self, x):  # x: (batch, 1, time, mel) -> (batch, filters, time)
        return _max_of_bn_relu(self.conv(F.pad(x, (0, 0, *self.time_pad))), self.bn,
                               lambda h: h.amax(dim=3), lambda h: h.amin(dim=3))


def _same_pad(kernel: int) -> tuple[int, int]:
    """TensorFlow 'same' padding for stride 1: the extra zero of an even kernel goes after."""
    return (kernel - 1) // 2, kernel // 2


TIMBRAL_FILTERS, TEMPORAL_FILTERS = int(1.6 * 128), int(1.6 * 32)
FRONTEND_CHANNELS = 2 * TIMBRAL_FILTERS + 3 * TEMPORAL_FILTERS
"""Channels of musicnn's front-end output: 2 timbral blocks of 204 filters, 3 temporal of 51 (561)."""


class MusiCNN(nn.Module):
    """musicnn's ``build_musicnn``: musically motivated front-end, dense mid-end, pooled back-end.

    Input is a batch of log-mel patches ``(batch, time, 96)``; any number of frames works
    (the weights were trained on 187). Parameter names mirror the TensorFlow graph's
    layers; :func:`load_musicnn` fills them.
    """

    def __init__(self, n_classes: int = 50, n_filters_midend: int = 64, n_units_backend: int = 200):
        super().__init__()
        timbral_filters, temporal_filters = TIMBRAL_FILTERS, TEMPORAL_FILTERS
        self.bn_input = _batch_norm(1, 2)
        # Timbral filters span 40% and 70% of the mel axis and 7 frames ('valid' in
        # frequency, zero-padded 3 frames each side in time).
        self.timbral = nn.ModuleList(_ConvBlock(timbral_filters, (7, int(share * N_MELS)), (3, 3))
                                     for share in (0.4, 0.7))
        # Temporal filters: one mel bin wide, 128/64/32 frames long, 'same' padding.
        self.temporal = nn.ModuleList(_ConvBlock(temporal_filters, (k, 1), _same_pad(k)) for k in (128, 64, 32))
        n_front = FRONTEND_CHANNELS
        # Mid-end: TF convolves (time, feature) maps with kernels as wide as the features,
        # i.e. a 1-D convolution over time.
        self.midend = nn.ModuleList([nn.Conv1d(n_front, n_filters_midend, 7),
                                     nn.Conv1d(n_filters_midend, n_filters_midend, 7),
                                     nn.Conv1d(n_filters_midend, n_filters_midend, 7)])
        self.midend_bn = nn.ModuleList(_batch_norm(n_filters_midend, 1) for _ in range(3))
        n_mid = n_front + 3 * n_filters_midend  # 753
        self.bn_pool = _batch_norm(2 * n_mid, 1)
        self.dense = nn.Linear(2 * n_mid, n_units_backend)
        self.bn_dense = _batch_norm(n_units_backend, 1)
        self.output = nn.Linear(n_units_backend, n_classes)

    def frontend(self, x: torch.Tensor) -> torch.Tensor:
        """The musically motivated front-end: ``(batch, time, 96)`` log-mels to ``(batch, 561, time)``."""
        x = self.bn_input(x.unsqueeze(1))
        return torch.cat([block(x) for block in (*self.timbral, *self.temporal)], dim=1)

    def forward(self, x: torch.Tensor, return_embeddings: bool = False):
        """Tag probabilities ``(batch, 50)``; with ``return_embeddings`` also a dict of
        ``penultimate`` (batch, 200), ``mean_pool`` and ``max_pool`` (batch, 753)."""
        return self.from_frontend(self.frontend(x), return_embeddings)

    def from_frontend(self, front: torch.Tensor, return_embeddings: bool = False):
        """:meth:`forward` from front-end outputs ``(batch, 561, time)`` (mid-end and back-end)."""
        features = [front]
        h = front
        for i, (conv, bn) in enumerate(zip(self.midend, self.midend_bn)):
            out = bn(F.relu(conv(F.pad(h, (3, 3)))))
            h = out if i == 0 else out + h  # residual connections after the first layer
            features.append(h)
        mid = torch.cat(features, dim=1)  # (B, 753, T)
        max_pool, mean_pool = mid.amax(dim=2), mid.mean(dim=2)
        # TF concatenates [max, mean] on a last axis before flattening: features interleave.
        pooled = torch.stack([max_pool, mean_pool], dim=2).flatten(1)
        penultimate = self.bn_dense(F.relu(self.dense(self.bn_pool(pooled))))
        taggram = torch.sigmoid(self.output(penultimate))
        if return_embeddings:
            return taggram, {"penultimate": penultimate, "mean_pool": mean_pool, "max_pool": max_pool}
        return taggram


class VGGTagger(nn.Module):
    """musicnn's ``vgg``: five 3x3 conv / ReLU / batch-norm / max-pool layers and a dense output.

    Input is a batch of log-mel patches ``(batch, 187, 96)`` (the dense layer fixes the length).
    """

    POOLS = ((4, 1), (2, 2), (2, 2), (2, 2), (4, 4))
    STRIDES = ((2, 2), (2, 2), (2, 2), (2, 2), (4, 4))

    def __init__(self, n_classes: int = 50, n_filters: int = 128):
        super().__init__()
        self.bn_input = _batch_norm(1, 2)
        self.convs = nn.ModuleList(nn.Conv2d(1 if i == 0 else n_filters, n_filters, 3, padding=1) for i in range(5))
        self.bns = nn.ModuleList(_batch_norm(n_filters, 2) for _ in range(5))
        # pool5 of a (187, 96) patch is (2, 1) x n_filters
        self.output = nn.Linear(2 * 1 * n_filters, n_classes)

    def forward(self, x: torch.Tensor, return_embeddings: bool = False):
        """Tag probabilities ``(batch, 50)``; with ``return_embeddings`` also ``{"pool5": (batch, 256)}``."""
        h = self.bn_input(x.unsqueeze(1))
        for conv, bn, pool, stride in zip(self.convs, self.bns, self.POOLS, self.STRIDES):
            h = _max_of_bn_relu(conv(h), bn, lambda a, pool=pool, stride=stride: F.max_pool2d(a, pool, stride))
        pool5 = h.permute(0, 2, 3, 1).flatten(1)  # TF flattens (time, mel, channel)
        taggram = torch.sigmoid(self.output(pool5))
        if return_embeddings:
            return taggram, {"pool5": pool5}
        return taggram


def _musicnn_variable_map(net: MusiCNN) -> dict[str, str]:
    """Module parameter/buffer name -> TF variable name, in the graph's layer creation order."""
    convs = [f"timbral.{i}" for i in range(2)] + [f"temporal.{i}" for i in range(3)]
    pairs = [("bn_input", "batch_normalization")]
    pairs += [(f"{m}.conv", f"conv2d_{i}" if i else "conv2d") for i, m in enumerate(convs)]
    pairs += [(f"{m}.bn", f"batch_normalization_{i + 1}") for i, m in enumerate(convs)]
    pairs += [(f"midend.{i}", f"conv2d_{i + 5}") for i in range(3)]
    pairs += [(f"midend_bn.{i}", f"batch_normalization_{i + 6}") for i in range(3)]
    pairs += [("bn_pool", "batch_normalization_9"), ("dense", "dense"),
              ("bn_dense", "batch_normalization_10"), ("output", "dense_1")]
    return _expand_layers(net, pairs)


def _vgg_variable_map(net: VGGTagger) -> dict[str, str]:
    pairs = [("bn_input", "batch_normalization"), ("output", "dense")]
    pairs += [(f"convs.{i}", f"{i + 1}CNN") for i in range(5)]
    pairs += [(f"bns.{i}", f"batch_normalization_{i + 1}") for i in range(5)]
    return _expand_layers(net, pairs)


_TF_SUFFIX = {"weight": "kernel", "bias": "bias"}
_TF_BN_SUFFIX = {"weight": "gamma", "bias": "beta", "running_mean": "moving_mean",
                 "running_var": "moving_variance"}


def _expand_layers(net: nn.Module, pairs) -> dict[str, str]:
    modules = dict(net.named_modules())
    mapping = {}
    for module_name, tf_name in pairs:
        module = modules[module_name]
        suffixes = _TF_BN_SUFFIX if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)) else _TF_SUFFIX
        for attr, tf_attr in suffixes.items():
            mapping[f"{module_name}.{attr}"] = f"{tf_name}/{tf_attr}"
    return mapping


def _to_torch_layout(value: np.ndarray, target: torch.Tensor) -> torch.Tensor:
    """Reorder a TF kernel into PyTorch's layout: conv2d (kh, kw, in, out) -> (out, in, kh, kw);
    mid-end conv (k, features, 1, out) -> Conv1d (out, features, k); dense (in, out) -> (out, in)."""
    if value.ndim == 4 and target.ndim == 4:
        value = value.transpose(3, 2, 0, 1)
    elif value.ndim == 4 and target.ndim == 3:
        value = value[:, :, 0, :].transpose(2, 1, 0)
    elif value.ndim == 2:
        value = value.T
    return torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32))


def load_musicnn(model: str = "MTT_musicnn", weights_dir: str | os.PathLike | None = None) -> nn.Module:
    """Build one of musicnn's taggers and load its original pretrained weights.

    Parameters
    ----------
    model : {'MTT_musicnn', 'MTT_vgg', 'MSD_musicnn', 'MSD_vgg'}
    weights_dir : path-like, optional
        Weights root (default :func:`mer_core.config.weights_dir`).

    Returns
    -------
    torch.nn.Module
        :class:`MusiCNN` or :class:`VGGTagger` in eval mode, on the CPU.

    Raises
    ------
    MissingWeightsError
        If the checkpoint is not on disk (fetch it with ``mer weights fetch``).
    ParameterError
        If ``model`` is unknown.
    WeightsError
        If the checkpoint's tensors do not fit the module (a bug of the port, or another checkpoint).

    Used by: :class:`MusicnnEmbedding`, :class:`MusicnnFrontend`,
    :class:`mer_core.models.transfer.MusicnnFineTune`.
    """
    arch = architecture(model)
    if not musicnn_weights_present(weights_dir, model=model):
        raise MissingWeightsError(
            f"musicnn weights for {model} not found under {musicnn_checkpoint(model, weights_dir).parent}; "
            "fetch them once with `mer weights fetch` (part of `make setup`)")
    net = MusiCNN() if arch == "musicnn" else VGGTagger()
    mapping = _musicnn_variable_map(net) if arch == "musicnn" else _vgg_variable_map(net)
    state = net.state_dict()
    unmapped = sorted(k for k in state if k not in mapping and not k.endswith("num_batches_tracked"))
    if unmapped:
        raise WeightsError(f"no checkpoint tensor for {', '.join(unmapped)}")
    prefix = musicnn_checkpoint(model, weights_dir)
    # Every model variable must find a home: optimiser state (Adam slots, beta powers) is all that is left.
    leftover = sorted(n for n in list_variables(prefix) if n not in mapping.values()
                      and not n.endswith(("/Adam", "/Adam_1")) and n not in ("beta1_power", "beta2_power"))
    if leftover:
        raise WeightsError(f"{model}: checkpoint tensors not used by the port: {', '.join(leftover)}")
    tensors = read_checkpoint(prefix, names=sorted(set(mapping.values())))
    for key, tf_name in mapping.items():
        value = _to_torch_layout(tensors[tf_name], state[key])
        if value.shape != state[key].shape:
            raise WeightsError(f"{model}: {tf_name} {tuple(value.shape)} does not fit {key} {tuple(state[key].shape)}")
        state[key] = value
    net.load_state_dict(state)
    return net.eval()


def log_mel(y: np.ndarray, sr: int = SR) -> np.ndarray:
    """musicnn's input representation of a 16 kHz clip: ``(frames, 96)`` float32.

    Power mel spectrogram (n_fft 512, hop 256, 96 Slaney-normalised bands, centred
    frames padded by reflection as librosa < 0.10 did), rounded to float16 as musicnn
    does, then ``log10(10000 * mel + 1)``.

    Used by: :class:`MusicnnEmbedding`, :class:`MusicnnMel`.
    """
    if sr != SR:
        raise ParameterError(f"musicnn models expect {SR} Hz audio, got {sr} Hz (resample with load_audio(sr={SR}))")
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1 or y.size == 0:
        raise ParameterError(f"expected a non-empty mono signal, got shape {y.shape}")
    mel = librosa.feature.melspectrogram(y=y, sr=SR, n_fft=N_FFT, hop_length=HOP_LENGTH, n_mels=N_MELS,
                                         pad_mode="reflect").T
    mel = mel.astype(np.float16).astype(np.float32)
    return np.log10(10000 * mel + 1)


def patches(rep: np.ndarray, n_frames: int = PATCH_FRAMES, hop: int | None = None) -> np.ndarray:
    """Cut a ``(frames, bands)`` representation into ``(n_patches, n_frames, bands)``.

    Patches start every ``hop`` frames (default ``n_frames``: no overlap, musicnn's default)
    and the incomplete tail is dropped, as in ``musicnn.extractor.batch_data``. A clip shorter
    than one patch is repeated to fill it (musicnn's training used the same "repeat-pad";
    its extractor would fail instead). The result is a new array (network inputs may be
    written to).

    Used by: :class:`MusicnnEmbedding`, :class:`MusicnnFrontend`.
    """
    return frame(rep, n_frames, hop, axis=0, pad="short", pad_mode="wrap").copy()


class MusicnnEmbedding(PooledEmbedding):
    """Clip-level features from a pretrained musicnn / VGG tagger.

    The clip (at 16 kHz) is turned into musicnn's log-mel, cut into 3 s patches
    without overlap, run through the network in one batch, and the chosen layer's
    per-patch vectors are pooled over the clip.

    Parameters
    ----------
    model : {'MTT_musicnn', 'MSD_musicnn', 'MTT_vgg', 'MSD_vgg'}
    layer : str
        ``taggram`` (50 tag probabilities), ``penultimate`` (200) or ``mean_pool`` /
        ``max_pool`` (753) for musicnn models; ``taggram`` or ``pool5`` (256) for VGGs.
    pooling : str
        How patch vectors are summarised over the clip, a key of
        :data:`~mer_core.features.pretrained.POOLINGS`. ``mean`` (default) matches
        ``musicnn.tagger.top_tags``, which averages the taggram; ``mean+std`` concatenates
        mean and standard deviation (twice the dimension).
    weights_dir : path-like, optional
        Weights root (default :func:`mer_core.config.weights_dir`); not part of the cache key.

    Attributes
    ----------
    dim : int
        Length of the returned feature vector.

    Used by: notebooks/features.ipynb (registry names ``musicnn_mtt``, ``vgg_msd``, ...,
    through :mod:`mer_core.experiments.features`), notebooks/louro_dl.ipynb (OpenL3 -> musicnn
    MTT embedding + RF row).
    """

    version = "1"
    sr = SR

    def __init__(self, model: str = "MTT_musicnn", layer: str = "penultimate", pooling: str = "mean",
                 weights_dir: str | os.PathLike | None = None):
        arch = architecture(model)
        if layer not in LAYER_DIMS[arch]:
            raise ParameterError(f"{model} has no layer {layer!r}; choose one of {', '.join(LAYER_DIMS[arch])}")
        super().__init__(pooling, weights_dir)
        self.model = model
        self.layer = layer
        self.name = extractor_name(model, layer, pooling)

    @property
    def layer_dims(self) -> dict[str, int]:
        return LAYER_DIMS[architecture(self.model)]

    @property
    def window_name(self) -> str:
        return extractor_name(self.model, REGISTERED_LAYERS[architecture(self.model)][0])

    def params(self) -> dict:
        return {"model": self.model, "layer": self.layer, "pooling": self.pooling}

    def weights_available(self) -> bool:
        return musicnn_weights_present(self._weights_dir, model=self.model)

    def embed_layers(self, y: np.ndarray, sr: int = SR) -> dict[str, np.ndarray]:
        """Every layer's output for each 3 s patch of the clip, from one pass: ``{layer: (n_patches, dim)}``."""
        if self._model is None:
            self._model = load_musicnn(self.model, self._weights_dir)
        batch = torch.from_numpy(patches(log_mel(y, sr)))
        with torch.inference_mode():
            taggram, embeddings = self._model(batch, return_embeddings=True)
        return {"taggram": taggram.numpy(), **{k: v.numpy() for k, v in embeddings.items()}}


REGISTERED_LAYERS = {"musicnn": ("penultimate", "taggram", "mean_pool"), "vgg": ("pool5", "taggram")}
"""Layers of each architecture offered in the registry, the default (unnamed) one first."""


def extractor_name(model: str, layer: str, pooling: str = "mean") -> str:
    """Registry/cache name, e.g. ``musicnn_mtt`` (default layer), ``vgg_msd_taggram``, ``musicnn_mtt_max``,
    ``musicnn_mtt_mean_std`` (pooling ``mean+std``)."""
    arch = architecture(model)
    name = f"{arch}_{model.split('_')[0].lower()}"
    if layer != REGISTERED_LAYERS[arch][0]:
        name += f"_{layer}"
    if pooling != "mean":
        name += f"_{pooling.replace('+', '_')}"
    return name


class MusicnnMel(Extractor):
    """musicnn's own input representation of a fixed-length clip, ``(n_frames, 96)``.

    16 kHz, n_fft 512, hop 256, 96 mel bands, ``log10(10000 x + 1)`` (:func:`log_mel`); the
    clip is cropped or zero-padded to ``duration`` seconds first, so every clip has the same
    number of frames (30 s: 1876 frames, 10 patches of 3 s). Run it with
    :func:`mer_core.features.extract`.

    Used by: notebooks/louro_dl.ipynb (input of the CRNN Pre-trained MTAT row,
    :class:`mer_core.models.transfer.MusicnnFineTune`, through
    :class:`mer_core.experiments.louro_dl.LouroData`).
    """

    name = "musicnn_mel"
    version = "1"
    sr = SR

    def __init__(self, duration: float = 30.0):
        if duration <= 0:
            raise ParameterError(f"duration must be positive, got {duration}")
        self.duration = duration

    @property
    def n_frames(self) -> int:
        return 1 + int(round(self.duration * SR)) // HOP_LENGTH

    @property
    def dim(self) -> int:
        return self.n_frames * N_MELS

    def __call__(self, y: np.ndarray, sr: int) -> np.ndarray:
        y = fix_length(np.asarray(y, dtype=np.float32), int(round(self.duration * sr)))
        return log_mel(y, sr)


class MusicnnFrontend(Extractor):
    """Outputs of a pretrained musicnn's front-end for each 3 s patch of a clip, ``(n_patches, 561, 187)``.

    With ``freeze='frontend'`` the front-end of :class:`mer_core.models.transfer.MusicnnFineTune`
    never changes (its batch norm keeps musicnn's statistics and it has no dropout), so its
    output for a patch is the same in every epoch and every fold. Computing it once per clip
    and caching it on disk (:func:`mer_core.features.extract`) makes the fine-tune train only
    what it updates, the mid-end and back-end, with the same result as running the frozen
    layers each time. Patches are the non-overlapping ones of :class:`MusicnnMel`
    (``duration`` 29.12 s: 9 patches).

    Used by: notebooks/louro_dl.ipynb (CRNN Pre-trained MTAT row in the ``cpu`` profile, through
    :class:`mer_core.experiments.louro_dl.LouroData`).
    """

    name = "musicnn_frontend"
    version = "1"
    sr = SR
    parallel = False  # one process holds the network; torch uses its own threads
    requires_weights = True

    def __init__(self, model: str = "MTT_musicnn", duration: float = 30.0, patch_frames: int = PATCH_FRAMES,
                 weights_dir: str | os.PathLike | None = None):
        if model not in MUSICNN_ARCHITECTURE_MODELS:
            raise ParameterError(f"model must be one of {MUSICNN_ARCHITECTURE_MODELS}, got {model!r}")
        self._mel = MusicnnMel(duration)
        if int(patch_frames) <= 0 or self._mel.n_frames < int(patch_frames):
            raise ParameterError(f"patch_frames must be in 1..{self._mel.n_frames}, got {patch_frames}")
        self.model, self.duration, self.patch_frames = model, duration, int(patch_frames)
        self._weights_dir = weights_dir
        self._net = None

    @property
    def n_patches(self) -> int:
        return self._mel.n_frames // self.patch_frames

    @property
    def dim(self) -> int:
        return self.n_patches * FRONTEND_CHANNELS * self.patch_frames

    def params(self) -> dict:
        return {"model": self.model, "duration": self.duration, "patch_frames": self.patch_frames}

    def weights_available(self) -> bool:
        return musicnn_weights_present(self._weights_dir, model=self.model)

    def __call__(self, y: np.ndarray, sr: int) -> np.ndarray:
        if self._net is None:
            self._net = load_musicnn(self.model, self._weights_dir)
        with torch.inference_mode():
            front = self._net.frontend(torch.from_numpy(patches(self._mel(y, sr), self.patch_frames)))
        return front.numpy()


def _factory(model: str, layer: str):
    def make() -> MusicnnEmbedding:
        return MusicnnEmbedding(model=model, layer=layer)
    return make


EXTRACTORS = {extractor_name(model, layer): _factory(model, layer)
              for arch, layers in REGISTERED_LAYERS.items()
              for model in MUSICNN_MODELS if architecture(model) == arch
              for layer in layers}
EXTRACTORS.update({MusicnnMel.name: MusicnnMel, MusicnnFrontend.name: MusicnnFrontend})
"""Registry name -> zero-argument factory: ``musicnn_mtt`` / ``musicnn_msd`` (penultimate, 200),
``*_taggram`` (50 tags), ``musicnn_*_mean_pool`` (753), ``vgg_mtt`` / ``vgg_msd`` (pool5, 256),
each mean-pooling its patches over the clip; and the fine-tuning inputs ``musicnn_mel``
(:class:`MusicnnMel`) and ``musicnn_frontend`` (:class:`MusicnnFrontend`, MTT_musicnn)."""
