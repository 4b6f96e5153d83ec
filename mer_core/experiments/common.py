"""What every experiment notebook does first: say which profile and data produced it."""
from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from .. import __version__
from ..config import check_profile
from ..provenance import code_version
from ..datasets import status


def short_warning(message, category, filename, lineno, line=None) -> str:
    """A warning as ``Category: message``: the :func:`warnings.formatwarning` of published pages,
    which must not show this machine's paths."""
    return f"{category.__name__}: {message}\n"


def header(profile: str, data_dir: str | Path | None, seed: int) -> pd.DataFrame:
    """Print the run's profile and seed and each dataset's state and clip counts; return :func:`status`.

    Every notebook calls this in its first code cell, so a rendered page always states what
    produced it and says plainly which datasets are absent or partial. No machine path is
    printed (pages are published): the table's ``path`` column has them, and warnings raised
    later in the notebook print as ``Category: message`` without the file and line of the code
    that raised them (:func:`short_warning`).

    Parameters
    ----------
    profile : str
        Run profile (``smoke``, ``cpu`` or ``paper``).
    data_dir : path-like or None
        The notebook's ``data_dir`` parameter (None: ``$MER_DATA_DIR``, else ``./data``).
    seed : int
        The notebook's seed.

    Returns
    -------
    pandas.DataFrame
        :func:`mer_core.datasets.status` of ``data_dir``, for :func:`present`.

    Used by: every notebook (notebooks/*.ipynb, first code cell).
    """
    check_profile(profile)
    warnings.formatwarning = short_warning
    table = status(data_dir)
    source = "the data_dir parameter" if data_dir not in (None, "") else "MER_DATA_DIR (else ./data)"
    print(f"mer_core {__version__} ({code_version()}) | profile: {profile} | seed: {seed} | data dir: set by {source}")
    for row in table.itertuples():
        counts = f"{row.n_present}/{row.n_expected}" if row.state in ("ok", "partial") else "-"
        print(f"  {row.dataset:<10} {row.state:<8} {counts:>9}  {row.detail}")
    return table


def present(table: pd.DataFrame, dataset: str) -> bool:
    """Whether the cells that need ``dataset`` can run: its state in a :func:`header` table is ``ok`` or ``partial``.

    For a partial dataset, prints how many clips are present and missing (the cells run on
    those present); for an absent or invalid one, prints why its cells are skipped.

    Used by: every notebook (notebooks/*.ipynb), before the cells that need a dataset.
    """
    row = table[table["dataset"] == dataset]
    if not len(row):
        print(f"NOTE: dataset {dataset!r} is not available (unknown dataset); the cells that need it are skipped.")
        return False
    row = row.iloc[0]
    if row["state"] == "partial":
        print(f"NOTE: dataset {dataset!r} is partial: {row['n_present']} of {row['n_expected']} clips present, "
              f"{row['n_missing']} missing, {row['n_unreadable']} unreadable; the cells below use the "
              f"{row['n_present']} present.")
    elif row["state"] != "ok":
        print(f"NOTE: dataset {dataset!r} is not available ({row['detail']}); the cells that need it are skipped.")
    return row["state"] in ("ok", "partial")
