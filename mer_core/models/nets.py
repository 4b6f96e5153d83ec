"""Deep networks of Louro et al.'s Table 1 as plain ``nn.Module`` builders.

``NETS[name](n_classes, input_shape, **net_params)`` returns an untrained module that maps a
batch of inputs to class logits. ``input_shape`` is the shape of one training sample without
the batch axis: ``(n_mels, n_frames)`` for log-mel networks, ``(n_samples,)`` for the
raw-waveform Sample CNN. Every module also has ``embed(x)``, the penultimate layer
(``forward(x) == head(embed(x))``, with dropout between them in training).

==============  ==================================================================  ===========
name            architecture                                                        input
==============  ==================================================================  ===========
``cnn_baseline``  Choi et al. 2016 FCN-style CNN (5 conv blocks, 32-256 maps)        96 x 1366
``cnn_gru``       the same conv blocks, time kept, then 2 GRU layers                  96 x 1366
``crnn``          Choi et al. 2017 CRNN (4 conv blocks, 2 x GRU(32))                  96 x 1366
``shortchunk``    Won et al. 2020 Short-chunk CNN (7 conv blocks, dense head)         96 x ~164
``samplecnn``     Lee et al. 2017 Sample CNN 3^9 (raw waveform)                       59049 samples
==============  ==================================================================  ===========

Pooling sizes are clamped to the feature map (a pool never exceeds the size left on an axis)
and every network ends in a global max pool, so the same builder accepts the small inputs of
the tests; on the papers' input sizes the clamping and global pool are no-ops.

Channel widths are parameters: the ``cpu`` run profile shrinks them (``channels`` /
``n_channels``) to fit a 2-core machine, the ``paper`` profile keeps the defaults documented
here. :class:`ConvAutoencoder` (Louro et al.'s autoencoder rows, DeepSMOTE) is not a
classifier and so not in ``NETS``; it is trained by
:func:`mer_core.models.torch_estimator.fit_autoencoder`.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from ..errors import ParameterError

_ACTIVATIONS = {"elu": nn.ELU, "relu": nn.ReLU}


def _activation(name: str) -> nn.Module:
    if name not in _ACTIVATIONS:
        raise ParameterError(f"unknown activation {name!r}; choose one of {sorted(_ACTIVATIONS)}")
    return _ACTIVATIONS[name]()


def _spectrogram_shape(input_shape: Sequence[int], net: str) -> tuple[int, int]:
    shape = tuple(int(s) for s in input_shape)
    if len(shape) != 2 or min(shape) <= 0:
        raise ParameterError(f"{net} expects input_shape (n_mels, n_frames), got {tuple(input_shape)}")
    return shape


def _check_widths(widths: Sequence[int], pools: Sequence, net: str) -> None:
    if len(widths) == 0 or any(int(w) <= 0 for w in widths):
        raise ParameterError(f"{net}: channel widths must be positive, got {tuple(widths)}")
    if pools is not None and len(pools) != len(widths):
        raise ParameterError(f"{net}: {len(widths)} conv blocks but {len(pools)} pool sizes")


def _conv_blocks_2d(widths: Sequence[int], pools: Sequence[tuple[int, int]], size: tuple[int, int], *,
                    activation: str, dropout: float = 0.0) -> tuple[nn.Sequential, tuple[int, int]]:
    """Stack conv3x3 + BN + activation + max-pool (+ dropout) blocks; return them and the output size.

    A pool larger than what is left on an axis is clamped to that size, so no axis reaches 0.
    """
    layers: list[nn.Module] = []
    in_ch = 1
    height, width = size
    for out_ch, (pool_f, pool_t) in zip(widths, pools):
        pool = (min(pool_f, height), min(pool_t, width))
        layers += [nn.Conv2d(in_ch, out_ch, 3, padding=1), nn.BatchNorm2d(out_ch), _activation(activation),
                   nn.MaxPool2d(pool)]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        height, width = height // pool[0], width // pool[1]
        in_ch = out_ch
    return nn.Sequential(*layers), (height, width)


class SpectrogramCNN(nn.Module):
    """Conv blocks on a ``(batch, n_mels, n_frames)`` log-mel, global max pool, linear head."""

    def __init__(self, n_classes: int, input_shape: Sequence[int], *, channels: Sequence[int],
                 pools: Sequence[tuple[int, int]], activation: str, dropout: float):
        super().__init__()
        size = _spectrogram_shape(input_shape, "cnn_baseline")
        _check_widths(channels, pools, "cnn_baseline")
        self.features, _ = _conv_blocks_2d(channels, pools, size, activation=activation)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(channels[-1], n_classes)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x.unsqueeze(1))
        return torch.amax(x, dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.embed(x)))


class ConvRecurrent(nn.Module):
    """Conv blocks that keep a time axis, then a GRU stack whose last output feeds a linear head.

    The conv output ``(channels, freq, time)`` is max-pooled over what is left of the frequency
    axis (nothing, on the intended inputs) and read by the GRU as a sequence over time. The
    input is zero-padded in time, half on each side, to a multiple of the product of the time
    pools, as Choi et al. pad 1366 frames to 1440 so that no frame is dropped.
    """

    def __init__(self, n_classes: int, input_shape: Sequence[int], *, channels: Sequence[int],
                 pools: Sequence[tuple[int, int]], activation: str, conv_dropout: float,
                 gru_hidden: int, gru_layers: int, dropout: float, name: str):
        super().__init__()
        n_mels, n_frames = _spectrogram_shape(input_shape, name)
        _check_widths(channels, pools, name)
        if gru_hidden <= 0 or gru_layers <= 0:
            raise ParameterError(f"{name}: gru_hidden and gru_layers must be positive")
        time_stride = 1
        for _, pool_t in pools:
            time_stride *= pool_t
        padded = -(-n_frames // time_stride) * time_stride
        self.pad = ((padded - n_frames) // 2, padded - n_frames - (padded - n_frames) // 2)
        self.features, _ = _conv_blocks_2d(channels, pools, (n_mels, padded), activation=activation,
                                           dropout=conv_dropout)
        self.gru = nn.GRU(channels[-1], gru_hidden, num_layers=gru_layers, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(gru_hidden, n_classes)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        x = nn.functional.pad(x, self.pad)
        x = self.features(x.unsqueeze(1))             # (batch, channels, freq, time)
        x = torch.amax(x, dim=2).transpose(1, 2)      # (batch, time, channels)
        sequence, _ = self.gru(x)
        return sequence[:, -1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.embed(x)))


class ShortChunkCNN(nn.Module):
    """Won et al.'s Short-chunk CNN: 7 x (conv3x3 + BN + ReLU + max-pool 2), global max, dense head."""

    def __init__(self, n_classes: int, input_shape: Sequence[int], *, n_channels: int, dropout: float):
        super().__init__()
        size = _spectrogram_shape(input_shape, "shortchunk")
        n = int(n_channels)
        widths = (n, n, 2 * n, 2 * n, 2 * n, 2 * n, 4 * n)
        _check_widths(widths, None, "shortchunk")
        self.features, _ = _conv_blocks_2d(widths, [(2, 2)] * 7, size, activation="relu")
        self.dense = nn.Sequential(nn.Linear(4 * n, 4 * n), nn.BatchNorm1d(4 * n), nn.ReLU())
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(4 * n, n_classes)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x.unsqueeze(1))
        return self.dense(torch.amax(x, dim=(2, 3)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.embed(x)))


class SampleCNN(nn.Module):
    """Lee et al.'s 3^9 Sample CNN on a ``(batch, n_samples)`` waveform."""

    def __init__(self, n_classes: int, input_shape: Sequence[int], *, n_channels: int, dropout: float):
        super().__init__()
        shape = tuple(int(s) for s in input_shape)
        if len(shape) != 1 or shape[0] < 3:
            raise ParameterError(f"samplecnn expects input_shape (n_samples,) with n_samples >= 3, got {shape}")
        n = int(n_channels)
        if n <= 0:
            raise ParameterError(f"samplecnn: n_channels must be positive, got {n_channels}")
        layers: list[nn.Module] = [nn.Conv1d(1, n, 3, stride=3), nn.BatchNorm1d(n), nn.ReLU()]
        length = shape[0] // 3
        in_ch = n
        for out_ch in (n, n, 2 * n, 2 * n, 2 * n, 2 * n, 2 * n, 2 * n, 4 * n):
            pool = min(3, length)
            layers += [nn.Conv1d(in_ch, out_ch, 3, padding=1), nn.BatchNorm1d(out_ch), nn.ReLU(),
                       nn.MaxPool1d(pool)]
            length //= pool
            in_ch = out_ch
        layers += [nn.Conv1d(in_ch, 4 * n, 1), nn.BatchNorm1d(4 * n), nn.ReLU()]
        self.features = nn.Sequential(*layers)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(4 * n, n_classes)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return torch.amax(self.features(x.unsqueeze(1)), dim=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.embed(x)))


CHOI_FCN_CHANNELS = (32, 128, 128, 192, 256)
CHOI_FCN_POOLS = ((2, 4), (2, 4), (2, 4), (3, 5), (4, 4))


def cnn_baseline(n_classes: int, input_shape: Sequence[int], *, channels: Sequence[int] = CHOI_FCN_CHANNELS,
                 pools: Sequence[tuple[int, int]] = CHOI_FCN_POOLS, activation: str = "elu",
                 dropout: float = 0.0) -> nn.Module:
    """Louro et al.'s DL baseline, a CNN "inspired by Choi et al." [Choi 2016].

    Layers on a 96 x 1366 log-mel (output map after each block):

    ====  ===============================================  ==============
    1     conv 3x3, 32 maps, BN, ELU, max-pool (2, 4)      32 x 48 x 341
    2     conv 3x3, 128 maps, BN, ELU, max-pool (2, 4)     128 x 24 x 85
    3     conv 3x3, 128 maps, BN, ELU, max-pool (2, 4)     128 x 12 x 21
    4     conv 3x3, 192 maps, BN, ELU, max-pool (3, 5)     192 x 4 x 4
    5     conv 3x3, 256 maps, BN, ELU, max-pool (4, 4)     256 x 1 x 1
    head  linear 256 -> n_classes (softmax in the loss)
    ====  ===============================================  ==============

    About 0.85 M parameters. Source: Choi, Fazekas & Sandler (2016), "Automatic tagging using
    deep convolutional neural networks", FCN-5 pooling scheme, with the channel widths of the
    authors' released Keras ``MusicTaggerCNN``; Louro et al. do not publish their layer sizes.

    Deviations: 4 softmax outputs instead of 50 sigmoid tags; the input batch normalisation is
    replaced by the estimator's per-band standardisation; a global max pool (identity on
    96 x 1366) lets smaller inputs through; ``dropout`` before the head is 0 as in Choi's model.

    Used by: notebooks/louro_dl.ipynb (DL Baseline, Baseline + TFM/SB/RG/DeepSMOTE rows).
    """
    return SpectrogramCNN(n_classes, input_shape, channels=channels, pools=pools, activation=activation,
                          dropout=dropout)


def cnn_gru(n_classes: int, input_shape: Sequence[int], *, channels: Sequence[int] = CHOI_FCN_CHANNELS,
            pools: Sequence[tuple[int, int]] = ((2, 4), (2, 4), (2, 4), (3, 1), (4, 1)),
            activation: str = "elu", gru_hidden: int = 32, gru_layers: int = 2,
            dropout: float = 0.3) -> nn.Module:
    """Louro et al.'s "Baseline with GRU": the baseline conv blocks followed by two GRU layers.

    The five conv blocks of :func:`cnn_baseline` keep their widths and frequency pooling, but
    blocks 4 and 5 no longer pool time, so 96 x 1366 (zero-padded to 1408 frames) becomes
    256 x 1 x 22: a sequence of 22 steps (1.4 s each) read by GRU(32) -> GRU(32); the last
    output (dropout 0.3) feeds the head.

    Source: Louro et al. only say "integrating two GRU layers"; the GRU size, dropout and the
    time resolution handed to the GRU follow Choi et al.'s CRNN (2017). About 0.88 M parameters.

    Used by: notebooks/louro_dl.ipynb (Baseline with GRU row).
    """
    return ConvRecurrent(n_classes, input_shape, channels=channels, pools=pools, activation=activation,
                         conv_dropout=0.0, gru_hidden=gru_hidden, gru_layers=gru_layers, dropout=dropout,
                         name="cnn_gru")


def crnn(n_classes: int, input_shape: Sequence[int], *, channels: Sequence[int] = (64, 128, 128, 128),
         pools: Sequence[tuple[int, int]] = ((2, 2), (3, 3), (4, 4), (4, 4)), activation: str = "elu",
         conv_dropout: float = 0.1, gru_hidden: int = 32, gru_layers: int = 2,
         dropout: float = 0.3) -> nn.Module:
    """Choi et al.'s CRNN (2017): 4 conv blocks, then a 2-layer GRU(32) over 15 time steps.

    On a 96 x 1366 log-mel zero-padded to 96 x 1440: conv 3x3 with 64, 128, 128, 128 maps,
    each with BN, ELU, max-pool (2,2), (3,3), (4,4), (4,4) and dropout 0.1 -> 128 x 1 x 15;
    GRU(32) -> GRU(32), last output, dropout 0.3, linear head. About 0.39 M parameters.

    Source: Choi, Fazekas, Sandler & Cho (2017), "Convolutional recurrent neural networks for
    music classification", configuration of the authors' released Keras ``MusicTaggerCRNN``.
    Deviations: softmax over 4 quadrants instead of 50 sigmoid tags; per-band standardisation
    instead of the input batch normalisation.

    Used by: notebooks/louro_dl.ipynb (CRNN row).
    """
    return ConvRecurrent(n_classes, input_shape, channels=channels, pools=pools, activation=activation,
                         conv_dropout=conv_dropout, gru_hidden=gru_hidden, gru_layers=gru_layers,
                         dropout=dropout, name="crnn")


def shortchunk(n_classes: int, input_shape: Sequence[int], *, n_channels: int = 128,
               dropout: float = 0.5) -> nn.Module:
    """Won et al.'s Short-chunk CNN (2020), trained on ~3.5 s log-mel segments.

    Seven blocks of conv 3x3 + BN + ReLU + max-pool 2x2 with n, n, 2n, 2n, 2n, 2n, 4n maps
    (n = 128), a global max pool over what remains, then linear 4n -> 4n, BN, ReLU,
    dropout 0.5 and the head. About 3.7 M parameters with n = 128.

    Source: Won, Ferraro, Bogdanov & Serra (2020), "Evaluation of CNN-based automatic music
    tagging models", ``ShortChunkCNN`` of the authors' code (3.69 s chunks, 128 mels, 16 kHz).
    Deviations: the project's 96-mel, 12 kHz front-end (164 frames = 3.5 s, Louro et al.'s
    segment length), so the 7th pool only halves time (frequency is already 1); softmax over
    4 quadrants. Segmenting and averaging per clip is done by the estimator (``segment_len``).

    Used by: notebooks/louro_dl.ipynb (ShortChunk CNN row).
    """
    return ShortChunkCNN(n_classes, input_shape, n_channels=n_channels, dropout=dropout)


def samplecnn(n_classes: int, input_shape: Sequence[int], *, n_channels: int = 128,
              dropout: float = 0.5) -> nn.Module:
    """Lee et al.'s Sample CNN, the 3^9 model on 59049-sample raw-waveform segments.

    A strided conv (size 3, stride 3, n maps) + BN + ReLU, nine blocks of conv 3 + BN + ReLU +
    max-pool 3 with n, n, 2n, 2n, 2n, 2n, 2n, 2n, 4n maps (n = 128: 128 ... 512), a 1x1 conv with
    4n maps + BN + ReLU, dropout 0.5 and the head. 59049 samples reduce to exactly one frame.
    About 1.8 M parameters with n = 128.

    Source: Lee, Park, Kim & Nam (2017), "Sample-level deep convolutional neural networks for
    music auto-tagging using raw waveforms", Table 1 (3^9 model), as in Won et al.'s code.
    Lee et al. use 22.05 kHz audio, where 59049 samples last 2.68 s; a 30 s clip gives 11
    segments, whose predictions the estimator averages. Deviation: softmax over 4 quadrants.

    Used by: notebooks/louro_dl.ipynb (Sample CNN row).
    """
    return SampleCNN(n_classes, input_shape, n_channels=n_channels, dropout=dropout)


NETS: dict[str, Callable[..., nn.Module]] = {
    "cnn_baseline": cnn_baseline,
    "cnn_gru": cnn_gru,
    "crnn": crnn,
    "shortchunk": shortchunk,
    "samplecnn": samplecnn,
}
"""Registry of classifier builders: ``NETS[name](n_classes, input_shape, **net_params)``."""


def build_net(name: str, n_classes: int, input_shape: Sequence[int], **net_params) -> nn.Module:
    """Build ``NETS[name]`` with a clear error for an unknown name.

    Used by: :class:`mer_core.models.torch_estimator.TorchClassifier`.
    """
    if name not in NETS:
        raise ParameterError(f"unknown net {name!r}; choose one of {sorted(NETS)}")
    if n_classes < 2:
        raise ParameterError(f"a classifier needs at least 2 classes, got {n_classes}")
    return NETS[name](n_classes, input_shape, **net_params)


def count_parameters(module: nn.Module) -> int:
    """Number of trainable parameters. Used by: notebooks/louro_dl.ipynb (model sizes)."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


class ConvAutoencoder(nn.Module):
    """Small convolutional autoencoder of a log-mel spectrogram, with a vector bottleneck.

    Encoder: conv 3x3 with stride (2, 4) + BN + ReLU blocks (16, 32, 64, 64 maps), flatten,
    linear to ``latent_dim``. Decoder: the mirror image with transposed convolutions. The input
    is zero-padded at the end to a multiple of the total stride (96 x 1366 -> 96 x 1536, a
    6 x 6 grid at the bottleneck) and the output cropped back. It works in the standardised
    domain: ``mean`` and ``scale`` (per mel band, buffers saved with the weights) are applied by
    :func:`~mer_core.models.torch_estimator.encode` / ``decode``.

    Louro et al. give no architecture for their autoencoder (the "Autoencoder" row: bottleneck
    embeddings fed to a random forest; and the DeepSMOTE row: SMOTE in the bottleneck space,
    decoded to synthetic spectrograms); this one is deliberately small so it trains on a CPU.

    Used by: notebooks/louro_dl.ipynb (Autoencoder and Baseline + DeepSMOTE rows).
    """

    def __init__(self, input_shape: Sequence[int], *, latent_dim: int = 128,
                 channels: Sequence[int] = (16, 32, 64, 64), stride: tuple[int, int] = (2, 4)):
        super().__init__()
        n_mels, n_frames = _spectrogram_shape(input_shape, "autoencoder")
        _check_widths(channels, None, "autoencoder")
        if latent_dim <= 0:
            raise ParameterError(f"autoencoder: latent_dim must be positive, got {latent_dim}")
        self.input_shape = (n_mels, n_frames)
        total_f, total_t = stride[0] ** len(channels), stride[1] ** len(channels)
        padded = (-(-n_mels // total_f) * total_f, -(-n_frames // total_t) * total_t)
        self.pad = (0, padded[1] - n_frames, 0, padded[0] - n_mels)
        self.grid = (channels[-1], padded[0] // total_f, padded[1] // total_t)
        kernel = (2 * stride[0], 2 * stride[1])
        padding = (stride[0] // 2, stride[1] // 2)
        encoder: list[nn.Module] = []
        in_ch = 1
        for out_ch in channels:
            encoder += [nn.Conv2d(in_ch, out_ch, 3, stride=stride, padding=1), nn.BatchNorm2d(out_ch), nn.ReLU()]
            in_ch = out_ch
        self.encoder = nn.Sequential(*encoder)
        flat = self.grid[0] * self.grid[1] * self.grid[2]
        self.to_latent = nn.Linear(flat, latent_dim)
        self.from_latent = nn.Sequential(nn.Linear(latent_dim, flat), nn.ReLU())
        decoder: list[nn.Module] = []
        for out_ch in list(channels[-2::-1]):
            # kernel 2*stride with padding stride/2 makes each layer exactly undo one stride
            decoder += [nn.ConvTranspose2d(in_ch, out_ch, kernel, stride=stride, padding=padding),
                        nn.BatchNorm2d(out_ch), nn.ReLU()]
            in_ch = out_ch
        decoder.append(nn.ConvTranspose2d(in_ch, 1, kernel, stride=stride, padding=padding))
        self.decoder = nn.Sequential(*decoder)
        self.register_buffer("mean", torch.zeros(n_mels, 1))
        self.register_buffer("scale", torch.ones(n_mels, 1))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Standardised ``(batch, n_mels, n_frames)`` -> ``(batch, latent_dim)``."""
        x = nn.functional.pad(x, self.pad).unsqueeze(1)
        return self.to_latent(self.encoder(x).flatten(1))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """``(batch, latent_dim)`` -> standardised ``(batch, n_mels, n_frames)``."""
        x = self.from_latent(z).view(-1, *self.grid)
        x = self.decoder(x).squeeze(1)
        return x[:, :self.input_shape[0], :self.input_shape[1]]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))
