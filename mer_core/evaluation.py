"""Splitters, metrics, tidy result records and their aggregation.

Every experiment in the book goes through :func:`cross_validate`, which returns one row
per (fold, metric) in the columns :data:`RECORD_COLUMNS`; notebooks write those rows to
``book/results/<notebook>.csv`` and the comparison chapter reads them without rerunning.

Protocols (the ``cv`` argument) are strings:

* ``"10x10"``: stratified 10-fold CV repeated 10 times (Louro et al.; Panda et al.);
  grouped (no group in two folds) when ``groups`` is given.
* ``"holdout80-10-10x20"``: 20 repetitions of a stratified, grouped 80/10/10
  train/validation/test split (Koh & Dubnov); ``"holdout60-20-20x1"`` (Quan & Dong).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy import stats
from sklearn.base import clone
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedGroupKFold

from .progress import progress as progress_bar
from .provenance import code_version, created, machine

RECORD_COLUMNS = ["paper", "method", "features", "dataset", "protocol", "profile", "fold", "metric", "value",
                  "n_train", "n_test", "code_version", "machine", "created"]
"""Columns of a tidy result record: what was measured (the first nine), on how many clips, and
which code version, machine and day produced it (:mod:`mer_core.provenance`)."""
META_COLUMNS = RECORD_COLUMNS[:6]
PROVENANCE_COLUMNS = ["code_version", "machine", "created"]

_KFOLD = re.compile(r"^(\d+)x(\d+)$")
_HOLDOUT = re.compile(r"^holdout(\d+)-(\d+)-(\d+)x(\d+)$")


@dataclass(frozen=True)
class Split:
    """Row indices of one fold. ``val`` is empty for k-fold protocols."""

    fold: int
    train: np.ndarray
    test: np.ndarray
    val: np.ndarray


def make_splits(y, cv: str = "10x10", *, groups=None, seed: int = 0) -> list[Split]:
    """Build the folds of a protocol, stratified by ``y`` and grouped by ``groups``.

    Parameters
    ----------
    y : array-like
        Labels (stratification).
    cv : str
        ``"KxR"`` or ``"holdoutA-B-CxR"`` (percentages train-val-test), see the module docstring.
    groups : array-like, optional
        Unit that must never straddle train and test (song, artist); default: each row.
    seed : int
        Repetition ``r`` shuffles with ``seed * 1000 + r``, so splits are reproducible.

    Returns
    -------
    list of Split
    """
    y = np.asarray(y)
    groups = np.arange(len(y)) if groups is None else np.asarray(groups)
    if len(groups) != len(y):
        raise ValueError(f"groups has {len(groups)} entries for {len(y)} labels")
    if m := _KFOLD.match(cv):
        n_splits, n_repeats = int(m[1]), int(m[2])
    elif m := _HOLDOUT.match(cv):
        tr, va, te, n_repeats = (int(v) for v in m.groups())
        if tr + va + te != 100 or te <= 0:
            raise ValueError(f"holdout percentages must sum to 100 with a test part: {cv}")
        unit = np.gcd.reduce([tr, va, te]) if va else np.gcd(tr, te)
        n_splits = 100 // unit
    else:
        raise ValueError(f"unknown protocol {cv!r}: use 'KxR' (e.g. 10x10) or 'holdout80-10-10x20'")
    if n_splits < 2 or n_repeats < 1:
        raise ValueError(f"protocol {cv!r} needs at least 2 folds and 1 repetition")
    _, class_counts = np.unique(y, return_counts=True)
    if class_counts.min() < n_splits:
        raise ValueError(f"protocol {cv!r} needs at least {n_splits} samples per class; "
                         f"the smallest class has {class_counts.min()}")

    splits: list[Split] = []
    empty = np.array([], dtype=int)
    for rep in range(n_repeats):
        splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed * 1000 + rep)
        parts = [test for _, test in splitter.split(np.zeros(len(y)), y, groups)]
        if _KFOLD.match(cv):
            for k, test in enumerate(parts):
                train = np.setdiff1d(np.arange(len(y)), test)
                splits.append(Split(rep * n_splits + k, train, np.sort(test), empty))
        else:
            n_test, n_val = te // unit, va // unit
            test = np.sort(np.concatenate(parts[:n_test]))
            val = np.sort(np.concatenate(parts[n_test:n_test + n_val])) if n_val else empty
            train = np.sort(np.concatenate(parts[n_test + n_val:]))
            splits.append(Split(rep, train, test, val))
    return splits


def classification_metrics(y_true, y_pred, labels=None) -> dict[str, float]:
    """Accuracy, macro precision/recall/F1 and per-class F1 (``f1_<label>``).

    Used by: :func:`cross_validate`; every classification notebook.
    """
    labels = np.unique(np.concatenate([np.asarray(y_true), np.asarray(y_pred)])) if labels is None else labels
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, labels=labels, average="macro", zero_division=0)
    per_class = f1_score(y_true, y_pred, labels=labels, average=None, zero_division=0)
    out = {"accuracy": accuracy_score(y_true, y_pred), "precision_macro": p, "recall_macro": r, "f1_macro": f}
    out.update({f"f1_{lab}": v for lab, v in zip(labels, per_class)})
    return {k: float(v) for k, v in out.items()}


@dataclass
class CVResult:
    """Tidy per-fold ``records`` and every test prediction (``fold, index, y_true, y_pred``)."""

    records: pd.DataFrame
    predictions: pd.DataFrame

    def confusion(self, labels=None) -> pd.DataFrame:
        """Confusion matrix summed over all folds (rows: true, columns: predicted)."""
        labels = sorted(self.predictions["y_true"].unique()) if labels is None else labels
        cm = confusion_matrix(self.predictions["y_true"], self.predictions["y_pred"], labels=labels)
        return pd.DataFrame(cm, index=pd.Index(labels, name="true"), columns=pd.Index(labels, name="predicted"))


def _run_fold(estimator, X, y, split: Split, labels):
    model = clone(estimator).fit(X[split.train], y[split.train])
    y_pred = np.asarray(model.predict(X[split.test]))
    return split.fold, split.train, split.test, y_pred, classification_metrics(y[split.test], y_pred, labels)


def cross_validate(estimator, X, y, *, groups=None, cv: str = "10x10", seed: int = 0, n_jobs: int = 1,
                   progress: bool = True, paper: str = "", method: str = "", features: str = "",
                   dataset: str = "", profile: str = "") -> CVResult:
    """Evaluate a classifier under a protocol; every fold refits a clone on training rows only.

    Parameters
    ----------
    estimator : scikit-learn classifier
        Everything learned from data (scaling, selection, hyper-parameter search) must be
        inside it (a Pipeline / search object), so it happens inside the training fold.
    X : ndarray
        One row (or one input array) per clip.
    y, groups : array-like
        Labels; unit that must not straddle folds.
    cv, seed : see :func:`make_splits`.
    n_jobs : int
        Folds run in parallel processes.
    paper, method, features, dataset, profile : str
        Written into every record so tables name where each number came from; ``profile``
        must say what ran (a profile's settings changed by a parameter are not that profile).
        Each record also gets the fold's ``n_train`` and ``n_test`` and the code version,
        machine and date (:data:`RECORD_COLUMNS`).

    Returns
    -------
    CVResult

    Used by: every notebook of the book.
    """
    # an Inputs (mer_core.models.inputs: several aligned arrays per clip) is split as it is
    X, y = (X if hasattr(X, "names") else np.asarray(X)), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
    labels = np.unique(y)
    splits = make_splits(y, cv, groups=groups, seed=seed)
    jobs = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_run_fold)(estimator, X, y, s, labels) for s in splits)
    rows, preds = [], []
    stamp = (code_version(), machine(), created())
    for fold, train, test, y_pred, metrics in progress_bar(jobs, total=len(splits), desc=method or "cv",
                                                                  disable=not progress):
        rows += [(paper, method, features, dataset, cv, profile, fold, k, v, len(train), len(test), *stamp)
                 for k, v in metrics.items()]
        preds.append(pd.DataFrame({"fold": fold, "index": test, "y_true": y[test], "y_pred": y_pred}))
    return CVResult(pd.DataFrame(rows, columns=RECORD_COLUMNS), pd.concat(preds, ignore_index=True))


def summarize(records: pd.DataFrame, metrics=None) -> pd.DataFrame:
    """Mean ± std over folds with a 95 % t-interval, one row per method × data × metric
    (and ``source``, when records from this run and the published edition are mixed), with the
    mean ``n_test`` per fold and the code versions, machines and dates of the records.

    Folds of repeated CV share training data, so the interval is optimistic (Bouckaert &
    Frank 2004); it is reported to show spread, not as a significance test.

    Used by: every notebook of the book and the comparison chapter.
    """
    data = records if metrics is None else records[records["metric"].isin(metrics)]
    keys = META_COLUMNS + [c for c in ("source",) if c in data.columns] + ["metric"]
    g = data.groupby(keys, sort=False, dropna=False)
    out = g["value"].agg(mean="mean", std="std", n="count").reset_index()
    if "n_test" in data.columns:  # clips per test fold, and the provenance of the rows summarised
        out["n_test"] = g["n_test"].mean().round(1).to_numpy()
        for col in PROVENANCE_COLUMNS:
            out[col] = g[col].agg(lambda v: ", ".join(sorted(map(str, v.dropna().unique())))).to_numpy()
    half = stats.t.ppf(0.975, np.maximum(out["n"] - 1, 1)) * out["std"].fillna(0) / np.sqrt(out["n"])
    out["ci95_low"], out["ci95_high"] = out["mean"] - half, out["mean"] + half
    return out


def save_records(records: pd.DataFrame, path: str | Path) -> Path:
    """Write tidy records to CSV (creating the folder); returns the path.

    Used by: every notebook (``book/results/<notebook>.csv``).
    """
    missing = [c for c in RECORD_COLUMNS if c not in records.columns]
    if missing:
        raise ValueError(f"records lack columns {missing}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    records[RECORD_COLUMNS].to_csv(path, index=False, float_format="%.6g")
    return path
