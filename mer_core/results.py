"""This run's result files and the published edition's, side by side.

``book/results/`` (with the executed ``book/*.ipynb``) is the **published edition**: produced
with the real datasets under a named profile, committed, and changed only by
``mer book --publish``. A run (``mer book``, ``make book``, a notebook in JupyterLab) writes its
records to :func:`mer_core.config.results_dir` instead. Where a dataset is absent locally, a
chapter still shows the published edition's records for it, labelled with their source and
provenance, next to this run's: :func:`with_published`.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .config import published_results_dir, results_dir
from .evaluation import RECORD_COLUMNS, save_records

THIS_RUN = "this run"
PUBLISHED = "published edition"
"""Values of the ``source`` column that :func:`with_published` adds."""


def save(records: pd.DataFrame, name: str) -> Path:
    """Write this run's records to ``<results_dir>/<name>.csv`` (never to the published edition).

    Used by: every notebook.
    """
    return save_records(records, results_dir() / f"{name}.csv")


def save_table(table: pd.DataFrame, name: str) -> Path:
    """Write any other table of this run (e.g. timings) to ``<results_dir>/<name>.csv``.

    Used by: notebooks/louro_dl.ipynb (the timing table).
    """
    path = results_dir() / f"{name}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False)
    return path


def published(name: str) -> pd.DataFrame | None:
    """The published edition's table ``book/results/<name>.csv``, or None when it has none."""
    path = published_results_dir() / f"{name}.csv"
    return pd.read_csv(path) if path.is_file() else None


def latest(name: str) -> tuple[pd.DataFrame | None, str]:
    """A table written by another chapter or command: this run's if it exists, else the published
    edition's; returns ``(table or None, source)``.

    Used by: notebooks/louro_dl.ipynb (the SVM row), notebooks/features.ipynb (the benchmark).
    """
    path = results_dir() / f"{name}.csv"
    if path.is_file():
        return pd.read_csv(path), THIS_RUN
    table = published(name)
    return table, PUBLISHED if table is not None else ""


def with_published(records: pd.DataFrame | None, name: str) -> pd.DataFrame:
    """This run's records plus the published edition's records of every dataset this run did not
    evaluate, with a ``source`` column saying which is which.

    A dataset this run evaluated (whatever its profile) is shown from this run only, so a table
    never mixes two runs of one dataset; one it could not evaluate (absent here) keeps its
    published figures, provenance included.

    Used by: every notebook's tables.
    """
    parts = []
    if records is not None and len(records):
        parts.append(records.assign(source=THIS_RUN))
    done = set() if records is None or not len(records) else set(records["dataset"].astype(str))
    pub = published(name)
    if pub is not None:
        pub = pub[~pub["dataset"].astype(str).isin(done)]
        if len(pub):
            parts.append(pub.assign(source=PUBLISHED))
    if not parts:
        return pd.DataFrame(columns=[*RECORD_COLUMNS, "source"])
    return pd.concat(parts, ignore_index=True)


def provenance(records: pd.DataFrame) -> pd.DataFrame:
    """Where the records of a table come from: one row per source x dataset x profile x protocol with
    the methods, folds, clips per fold (train / test), code versions, machines and dates.

    Used by: every notebook (under each table), the intro's status table.
    """
    keys = [c for c in ("source", "dataset", "profile", "protocol") if c in records.columns]
    g = records.groupby(keys, sort=False)
    out = pd.DataFrame({
        "methods": g["method"].nunique(),
        "folds": g["fold"].nunique(),
        "n_train": g["n_train"].median().round().astype("Int64"),
        "n_test": g["n_test"].median().round().astype("Int64"),
        "code_version": g["code_version"].agg(lambda v: ", ".join(sorted(map(str, v.unique())))),
        "machine": g["machine"].agg(lambda v: "; ".join(sorted(map(str, v.unique())))),
        "created": g["created"].agg(lambda v: ", ".join(sorted(map(str, v.unique())))),
    })
    return out
