"""Every extractor of the project by name: the one table behind ``mer features list``."""
from __future__ import annotations

import importlib

import pandas as pd

from .base import Extractor

_MODULES = ("spectral", "handcrafted", "musicnn", "openl3", "vggish", "aisfx", "sequences")
"""Modules of :mod:`mer_core.features` that export ``EXTRACTORS = {name: zero-arg factory}``."""


def extractors() -> dict:
    """``{name: factory}`` over all feature modules, in a stable order."""
    table = {}
    for module in _MODULES:
        table.update(importlib.import_module(f"{__package__}.{module}").EXTRACTORS)
    return table


def get(name: str) -> Extractor:
    """Instantiate the extractor called ``name`` (clear error listing the valid names)."""
    table = extractors()
    if name not in table:
        raise KeyError(f"unknown extractor {name!r}; choose one of {', '.join(table)}")
    return table[name]()


def describe() -> pd.DataFrame:
    """One row per extractor: name, output dimension, sample rate, whether real weights are present.

    Used by: ``mer features list``, notebooks/features.ipynb.
    """
    rows = []
    for name, factory in extractors().items():
        ex = factory()
        rows.append({"extractor": name, "dim": getattr(ex, "dim", None), "sr": ex.sr,
                     "needs weights": ex.requires_weights,
                     "weights available": ex.weights_available() if ex.requires_weights else None})
    return pd.DataFrame(rows)
