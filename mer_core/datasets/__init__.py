"""Dataset loaders: each module exposes ``load(root) -> Tracks`` (see :mod:`.base`).

* :mod:`.synthetic` — the embedded, deterministic synthetic corpus (a simulation);
* :mod:`.fourq` — the real 4Q audio emotion dataset (Panda et al.) and its feature tables;
* :mod:`.tabular` — any CSV of features plus a label column.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..config import locate
from .base import QUADRANTS, DatasetError, va_to_quadrant, validate_tracks


def status(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Which datasets are present on the data search path and valid: ``dataset, state, detail``.

    ``state`` is ``ok``, ``absent`` or ``invalid`` (``detail`` says why).

    Used by: ``mer data check``, every notebook's header cell.
    """
    from . import fourq, synthetic

    checks = [("synthetic", locate(synthetic.DIRNAME, data_dir), synthetic.load),
              ("4q", locate(fourq.DIRNAME, data_dir), fourq.load),
              ("4q_top100", locate(fourq.FEATURES_DIRNAME, data_dir), fourq.load_top100)]
    rows = []
    for name, path, loader in checks:
        if not path.exists():
            rows.append((name, "absent", f"{path} not found"))
            continue
        try:
            n = len(loader(path))
            rows.append((name, "ok", f"{n} rows in {path}"))
        except DatasetError as err:
            rows.append((name, "invalid", str(err)))
    return pd.DataFrame(rows, columns=["dataset", "state", "detail"])


def load_dataset(name: str, data_dir: str | Path | None = None) -> pd.DataFrame:
    """Tracks table of an audio dataset by name (``synthetic`` or ``4q``) from the data search path.

    Used by: ``mer features extract``, notebooks/features.ipynb.
    """
    from . import fourq, synthetic

    loaders = {"synthetic": (synthetic.DIRNAME, synthetic.load), "4q": (fourq.DIRNAME, fourq.load)}
    if name not in loaders:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(loaders)}")
    dirname, loader = loaders[name]
    return loader(locate(dirname, data_dir))


__all__ = ["load_dataset", "QUADRANTS", "DatasetError", "status", "va_to_quadrant", "validate_tracks"]
