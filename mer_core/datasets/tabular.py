"""Any table of features with a label column: the input of ``mer evaluate``."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .base import DatasetError


@dataclass
class FeatureTable:
    """Features ``X``, labels ``y``, feature ``names`` and optional ``ids`` / ``groups``."""

    X: np.ndarray
    y: np.ndarray
    names: list[str]
    ids: np.ndarray | None = None
    groups: np.ndarray | None = None


def load_features(path: str | Path, label: str, *, id_column: str | None = None,
                  group_column: str | None = None) -> FeatureTable:
    """Read a features CSV: every column but label, id and group is a numeric feature.

    Raises
    ------
    DatasetError
        Naming the missing column, the first non-numeric feature column, the columns with
        missing values, or the rows without a label.

    Used by: ``mer evaluate``.
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"features file not found: {path}")
    table = pd.read_csv(path)
    special = [c for c in (label, id_column, group_column) if c is not None]
    for col in special:
        if col not in table.columns:
            raise DatasetError(f"{path.name}: no column {col!r}; columns are {list(table.columns)[:10]}...")
    feature_cols = [c for c in table.columns if c not in special]
    if not feature_cols:
        raise DatasetError(f"{path.name}: no feature columns besides {special}")
    for col in feature_cols:
        if not pd.api.types.is_numeric_dtype(table[col]):
            raise DatasetError(f"{path.name}: feature column {col!r} is not numeric "
                               f"(e.g. {table[col].iloc[0]!r}); pass it as --id or drop it")
    nan_cols = [c for c in feature_cols if table[c].isna().any()]
    if nan_cols:
        raise DatasetError(f"{path.name}: missing values (NaN) in {len(nan_cols)} feature columns, "
                           f"e.g. {nan_cols[:3]}")
    if table[label].isna().any():
        raise DatasetError(f"{path.name}: {int(table[label].isna().sum())} rows have no label")
    return FeatureTable(X=table[feature_cols].to_numpy(dtype=float), y=table[label].astype(str).to_numpy(),
                        names=feature_cols,
                        ids=table[id_column].to_numpy() if id_column else None,
                        groups=table[group_column].to_numpy() if group_column else None)
