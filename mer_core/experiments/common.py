"""What every experiment notebook does first: say which profile and data produced it."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import __version__
from ..config import check_profile, data_dirs
from ..datasets import status


def header(profile: str, data_dir: str | Path | None, seed: int) -> pd.DataFrame:
    """Print the run's profile, seed and data directory, and return the dataset status table.

    Every notebook calls this in its first code cell, so a rendered page always states
    what produced it, and says plainly which datasets are absent.

    Used by: every notebook.
    """
    check_profile(profile)
    table = status(data_dir)
    dirs = ", ".join(str(d) for d in data_dirs(data_dir))
    print(f"mer_core {__version__} | profile: {profile} | seed: {seed} | data search path: {dirs}")
    for row in table.itertuples():
        print(f"  {row.dataset:<10} {row.state:<8} {row.detail}")
    return table


def present(table: pd.DataFrame, dataset: str) -> bool:
    """True when ``dataset`` is ``ok`` in a :func:`header` table; prints why not otherwise."""
    row = table[table["dataset"] == dataset]
    ok = bool(len(row)) and row["state"].iloc[0] == "ok"
    if not ok:
        detail = row["detail"].iloc[0] if len(row) else "unknown dataset"
        print(f"NOTE: dataset {dataset!r} is not available ({detail}); the cells that need it are skipped.")
    return ok
