"""Any table of features with a label column (classification) or target columns (regression):
the input of ``mer evaluate``."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DatasetError, ParameterError


@dataclass
class FeatureTable:
    """Features ``X``, feature ``names``, and ``y``: the labels (strings, ``(n,)``) of a
    classification, or the ``targets``' values (floats, ``(n, d)``) of a regression; optional
    ``ids``, ``groups`` and ``strata``."""

    X: np.ndarray
    y: np.ndarray
    names: list[str]
    ids: np.ndarray | None = None
    groups: np.ndarray | None = None
    targets: list[str] | None = None
    strata: np.ndarray | None = None


def _numeric_target(table: pd.DataFrame, col: str, filename: str) -> np.ndarray:
    values = pd.to_numeric(table[col], errors="coerce")
    not_numeric = table[col][values.isna() & table[col].notna()]
    if len(not_numeric):
        raise DatasetError(f"{filename}: target column {col!r} is not numeric (e.g. {not_numeric.iloc[0]!r} "
                           f"in row {not_numeric.index[0]})")
    if values.isna().any():
        raise DatasetError(f"{filename}: {int(values.isna().sum())} rows have no value (NaN) for target {col!r}, "
                           f"e.g. row {values.index[values.isna()][0]}")
    return values.to_numpy(dtype=float)


def load_features(path: str | Path, label: str | None = None, *, targets=None, id_column: str | None = None,
                  group_column: str | None = None, strata_column: str | None = None) -> FeatureTable:
    """Read a features CSV: every column but label / targets, id, group and strata is a numeric feature.

    Parameters
    ----------
    path : path
        CSV with a header row.
    label : str, optional
        Class column (classification).
    targets : sequence of str, optional
        Numeric target columns (regression); exactly one of ``label`` and ``targets``.
    id_column, group_column, strata_column : str, optional
        Identifier; unit kept within one fold (song); labels regression folds are stratified on.

    Raises
    ------
    ParameterError
        Both or neither of ``label`` and ``targets``.
    DatasetError
        Naming the missing column, the first non-numeric feature or target column, the columns
        with missing values, or the rows without a label or target value.

    Used by: ``mer evaluate``.
    """
    if (label is None) == (not targets):
        raise ParameterError("give either a label (classification) or targets (regression), not both or neither")
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"features file not found: {path}")
    table = pd.read_csv(path)
    outcome = [label] if label is not None else list(targets)
    special = [c for c in (*outcome, id_column, group_column, strata_column) if c is not None]
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
    for col in (label, strata_column):
        if col is not None and table[col].isna().any():
            raise DatasetError(f"{path.name}: {int(table[col].isna().sum())} rows have no {col!r}")
    if label is not None:
        y = table[label].astype(str).to_numpy()
    else:
        y = np.column_stack([_numeric_target(table, col, path.name) for col in outcome])
    return FeatureTable(X=table[feature_cols].to_numpy(dtype=float), y=y, names=feature_cols,
                        ids=table[id_column].to_numpy() if id_column else None,
                        groups=table[group_column].to_numpy() if group_column else None,
                        targets=None if label is not None else outcome,
                        strata=table[strata_column].astype(str).to_numpy() if strata_column else None)
