"""Quan & Dong's two CNNs that regress (valence, arousal) from a mel spectrogram.

``REGRESSION_NETS[name](n_outputs, input_shape, **net_params)`` returns an untrained module
mapping a batch of ``(n_mels, n_frames)`` spectrograms to ``n_outputs`` values. The mel bands
are the channels of 1-D convolutions over time: the paper's "32 size 8 filters with a depth of
40" span all 40 bands.

===============  =====================================================================  ==========
name             architecture (Quan & Dong 2020, Section 4)                             input
===============  =====================================================================  ==========
``quan_dong_1``  conv 8 x 32 maps, max-pool 4/4; conv 8 x 16 maps, max-pool 4/4;        40 x 1292
                 dense 64; linear 2
``quan_dong_2``  six (conv 4, max-pool 2/2) pairs with 32, 32, 16, 16, 8, 8 maps;         40 x 1292
                 dense 64; linear 2
===============  =====================================================================  ==========

Not stated by the paper and chosen here: ReLU after every convolution and the dense layer
(the common default), no padding ("stride 1" convolutions that shorten the sequence), no
dropout or batch norm (none is mentioned). The deeper model has fewer parameters, as the paper
says (the chapter prints both counts).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from ..errors import ParameterError


class SpectrogramConv1dRegressor(nn.Module):
    """1-D convolutions over time (mel bands as channels), each followed by ReLU and a max pool,
    then a dense ReLU layer and a linear output."""

    def __init__(self, n_outputs: int, input_shape: Sequence[int], *, filters: Sequence[int], kernel_size: int,
                 pool: int, hidden: int = 64):
        super().__init__()
        if len(input_shape) != 2:
            raise ParameterError(f"input_shape must be (n_mels, n_frames), got {tuple(input_shape)}")
        n_mels, n_frames = (int(v) for v in input_shape)
        layers: list[nn.Module] = []
        channels = n_mels
        for width in filters:
            n_frames = (n_frames - kernel_size + 1) // pool
            if n_frames < 1:
                raise ParameterError(f"input of {input_shape[1]} frames is too short for {len(filters)} "
                                     f"conv({kernel_size}) + pool({pool}) layers")
            layers += [nn.Conv1d(channels, width, kernel_size), nn.ReLU(), nn.MaxPool1d(pool, pool)]
            channels = width
        self.features = nn.Sequential(*layers)
        self.hidden = nn.Sequential(nn.Flatten(), nn.Linear(channels * n_frames, hidden), nn.ReLU())
        self.head = nn.Linear(hidden, n_outputs)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The dense layer's output ``(batch, hidden)``."""
        return self.hidden(self.features(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x))


def quan_dong_1(n_outputs: int, input_shape: Sequence[int], *, hidden: int = 64) -> nn.Module:
    """Quan & Dong's Model 1: conv(8) x 32, pool 4; conv(8) x 16, pool 4; dense 64; output.

    Used by: notebooks/quan_dong.ipynb.
    """
    return SpectrogramConv1dRegressor(n_outputs, input_shape, filters=(32, 16), kernel_size=8, pool=4,
                                      hidden=hidden)


def quan_dong_2(n_outputs: int, input_shape: Sequence[int], *, hidden: int = 64) -> nn.Module:
    """Quan & Dong's Model 2: six conv(4) + pool(2) pairs with 32, 32, 16, 16, 8, 8 maps; dense 64; output.

    Used by: notebooks/quan_dong.ipynb.
    """
    return SpectrogramConv1dRegressor(n_outputs, input_shape, filters=(32, 32, 16, 16, 8, 8), kernel_size=4,
                                      pool=2, hidden=hidden)


REGRESSION_NETS: dict[str, Callable[..., nn.Module]] = {"quan_dong_1": quan_dong_1, "quan_dong_2": quan_dong_2}
"""Registry of regression networks: ``REGRESSION_NETS[name](n_outputs, input_shape, **net_params)``."""


def build_regression_net(name: str, n_outputs: int, input_shape: Sequence[int], **net_params) -> nn.Module:
    """Build ``REGRESSION_NETS[name]`` with a clear error for an unknown name.

    Used by: :class:`mer_core.models.torch_estimator.TorchRegressor`.
    """
    if name not in REGRESSION_NETS:
        raise ParameterError(f"unknown regression net {name!r}; choose one of {sorted(REGRESSION_NETS)}")
    if n_outputs < 1:
        raise ParameterError(f"a regressor needs at least one output, got {n_outputs}")
    return REGRESSION_NETS[name](n_outputs, input_shape, **net_params)
