"""Splitters, metrics, tidy result records and their aggregation.

Every experiment in the book goes through :func:`cross_validate` (classification) or
:func:`cross_validate_regression` (valence / arousal), which return one row per
(fold, metric) in the columns :data:`RECORD_COLUMNS`; notebooks write those rows to
``book/results/<notebook>.csv`` and the comparison chapter reads them without rerunning.

Protocols (the ``cv`` argument) are strings:

* ``"10x10"``: stratified 10-fold CV repeated 10 times (Louro et al.; Panda et al.);
  grouped (no group in two folds) when ``groups`` is given.
* ``"holdout80-10-10x20"``: 20 repetitions of a stratified, grouped 80/10/10
  train/validation/test split (Koh & Dubnov); ``"holdout60-20-20x1"`` (Quan & Dong).

Classification folds are stratified by class; regression folds by given strata (e.g. the 4Q
quadrant) or by quantile bins of the first target (:func:`regression_strata`).

The validation part of a holdout protocol goes to estimators whose ``fit`` takes a keyword
``validation=(X_val, y_val)`` (e.g. to select the epoch); any other estimator is fitted on
the training rows only and the validation rows stay unused (they are never merged into the
training rows, so every estimator of a protocol is tested on the same rows and trained on at
most the same rows).
"""
from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy import stats
from sklearn.base import clone
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedGroupKFold

from .cluster import fold_backend
from .errors import ParameterError
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


def _parse_protocol(cv: str) -> tuple[int, int, tuple[int, int] | None]:
    """``(n_splits, n_repeats, holdout)`` of a protocol string, where ``holdout`` is
    ``(test parts, validation parts)`` out of ``n_splits`` equal parts, or None for k-fold."""
    if m := _KFOLD.match(cv):
        n_splits, n_repeats, holdout = int(m[1]), int(m[2]), None
    elif m := _HOLDOUT.match(cv):
        tr, va, te, n_repeats = (int(v) for v in m.groups())
        if tr + va + te != 100 or te <= 0:
            raise ParameterError(f"holdout percentages must sum to 100 with a test part: {cv}")
        unit = np.gcd.reduce([tr, va, te]) if va else np.gcd(tr, te)
        n_splits, holdout = 100 // unit, (te // unit, va // unit)
    else:
        raise ParameterError(f"unknown protocol {cv!r}: use 'KxR' (e.g. 10x10) or 'holdout80-10-10x20'")
    if n_splits < 2 or n_repeats < 1:
        raise ParameterError(f"protocol {cv!r} needs at least 2 folds and 1 repetition")
    return n_splits, n_repeats, holdout


def make_splits(y, cv: str = "10x10", *, groups=None, seed: int = 0) -> list[Split]:
    """Build the folds of a protocol, stratified by ``y`` and grouped by ``groups``.

    Parameters
    ----------
    y : array-like
        Labels to stratify on: the classes, or for regression the strata of
        :func:`regression_strata`.
    cv : str
        ``"KxR"`` or ``"holdoutA-B-CxR"`` (percentages train-val-test), see the module docstring.
    groups : array-like, optional
        Unit that must never straddle train, validation and test (song, artist); default: each row.
    seed : int
        Repetition ``r`` shuffles with ``seed * 1000 + r``, so splits are reproducible.

    Returns
    -------
    list of Split

    Raises
    ------
    ParameterError
        An unknown protocol, fewer groups than folds, or a class (stratum) with fewer rows
        than folds.

    Used by: :func:`cross_validate`, :func:`cross_validate_regression`.
    """
    y = np.asarray(y)
    groups = np.arange(len(y)) if groups is None else np.asarray(groups)
    if len(groups) != len(y):
        raise ParameterError(f"groups has {len(groups)} entries for {len(y)} labels")
    n_splits, n_repeats, holdout = _parse_protocol(cv)
    n_groups = len(np.unique(groups))
    if n_groups < n_splits:
        raise ParameterError(f"protocol {cv!r} needs at least {n_splits} samples (groups); there are {n_groups}")
    _, class_counts = np.unique(y, return_counts=True)
    if class_counts.min() < n_splits:
        raise ParameterError(f"protocol {cv!r} needs at least {n_splits} samples per class (stratum); "
                             f"the smallest has {class_counts.min()}")

    splits: list[Split] = []
    empty = np.array([], dtype=int)
    for rep in range(n_repeats):
        splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed * 1000 + rep)
        parts = [test for _, test in splitter.split(np.zeros(len(y)), y, groups)]
        if holdout is None:
            for k, test in enumerate(parts):
                train = np.setdiff1d(np.arange(len(y)), test)
                splits.append(Split(rep * n_splits + k, train, np.sort(test), empty))
        else:
            n_test, n_val = holdout
            test = np.sort(np.concatenate(parts[:n_test]))
            val = np.sort(np.concatenate(parts[n_test:n_test + n_val])) if n_val else empty
            train = np.sort(np.concatenate(parts[n_test + n_val:]))
            splits.append(Split(rep, train, test, val))
    return splits


QUANTILE_BINS = 5
"""Quantile bins of a continuous target that regression folds are stratified on when no strata
are given: quintiles put a fifth of every fold's clips in each fifth of the target's range, so
the folds' target variance (the denominator of R²) stays alike; more bins would leave fewer
clips per bin than folds on the small datasets (:func:`make_splits` needs at least ``K`` rows
per stratum for ``K`` folds). :func:`regression_strata` uses fewer when there are fewer than
``5 K`` rows."""


def regression_strata(Y, cv: str, *, strata=None) -> np.ndarray:
    """Labels that the folds of a regression are stratified on.

    Parameters
    ----------
    Y : array-like, (n,) or (n, d)
        Targets.
    cv : str
        Protocol (see :func:`make_splits`); its number of folds ``K`` bounds the bins.
    strata : array-like, optional
        Given labels (e.g. the 4Q quadrant, which balances valence and arousal at once);
        returned as they are.

    Returns
    -------
    ndarray
        ``strata``, else the quantile bin (0 .. b-1) of each row's first target, with
        ``b = min(QUANTILE_BINS, n // K)`` equal-sized bins (ties broken by row order; a single
        bin, i.e. no stratification, below ``2 K`` rows).

    Used by: :func:`cross_validate_regression`.
    """
    Y = np.asarray(Y)
    if strata is not None:
        strata = np.asarray(strata)
        if len(strata) != len(Y):
            raise ParameterError(f"strata has {len(strata)} entries for {len(Y)} rows")
        return strata
    n_splits, _, _ = _parse_protocol(cv)
    n_bins = max(1, min(QUANTILE_BINS, len(Y) // n_splits))
    first = Y.reshape(len(Y), -1)[:, 0]
    return (stats.rankdata(first, method="ordinal") - 1) * n_bins // len(Y)


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


def r2(y_true, y_pred) -> float:
    """Coefficient of determination of one target.

    ``R² = 1 - sum_i (y_i - yhat_i)^2 / sum_i (y_i - mean(y))^2``

    1 for a perfect prediction, 0 for always predicting the mean of ``y_true``, negative for
    worse than that; equals :func:`sklearn.metrics.r2_score`. NaN when ``y_true`` is constant
    (scikit-learn's ``force_finite=False``).

    Used by: :func:`regression_metrics`.
    """
    y_true, y_pred = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    total = np.sum((y_true - y_true.mean()) ** 2)
    return float(1 - np.sum((y_true - y_pred) ** 2) / total) if total > 0 else float("nan")


def mae(y_true, y_pred) -> float:
    """Mean absolute error of one target, in the target's units.

    ``MAE = (1/n) sum_i |y_i - yhat_i|``

    Used by: :func:`regression_metrics`.
    """
    return float(np.mean(np.abs(np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float))))


def rmse(y_true, y_pred) -> float:
    """Root mean squared error of one target, in the target's units.

    ``RMSE = sqrt((1/n) sum_i (y_i - yhat_i)^2)``

    Used by: :func:`regression_metrics`.
    """
    return float(np.sqrt(np.mean((np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)) ** 2)))


def pearson_r(y_true, y_pred) -> float:
    """Pearson's correlation between true and predicted values of one target.

    ``r = sum_i (y_i - mean(y)) (yhat_i - mean(yhat)) /
    sqrt(sum_i (y_i - mean(y))^2 * sum_i (yhat_i - mean(yhat))^2)``

    Equals :func:`scipy.stats.pearsonr`'s statistic. NaN when either side is constant, e.g. a
    regressor that predicts one value for a whole test fold: its correlation is undefined.

    Used by: :func:`regression_metrics`.
    """
    t = np.asarray(y_true, dtype=float) - np.mean(y_true)
    p = np.asarray(y_pred, dtype=float) - np.mean(y_pred)
    denominator = np.sqrt(np.sum(t ** 2) * np.sum(p ** 2))
    return float(np.sum(t * p) / denominator) if denominator > 0 else float("nan")


def cross_entropy(y_true, proba, labels=None) -> float:
    """Mean cross-entropy of predicted class probabilities (Du et al., eq. 1), in nats.

    ``CE = -(1/N) sum_i sum_c [y_i = c] log p_ic``

    Parameters
    ----------
    y_true : array-like, (N,)
        True classes.
    proba : array-like, (N, C)
        Predicted probabilities, one column per class. Values are clipped below at the machine
        epsilon of float64 (as :func:`sklearn.metrics.log_loss`), so a zero probability on the
        true class costs about 36 nats instead of infinity.
    labels : sequence, optional
        Class of each column of ``proba``; default: the sorted classes of ``y_true``.

    Used by: notebooks that report Du et al.'s loss for a probabilistic classifier (none yet:
    :func:`cross_validate` records hard-label metrics).
    """
    y_true, proba = np.asarray(y_true), np.asarray(proba, dtype=float)
    labels = np.unique(y_true) if labels is None else np.asarray(labels)
    if proba.ndim != 2 or proba.shape != (len(y_true), len(labels)):
        raise ParameterError(f"proba has shape {proba.shape}; expected ({len(y_true)}, {len(labels)}) "
                             f"for classes {list(labels)}")
    column = {lab: k for k, lab in enumerate(labels)}
    unknown = sorted({str(lab) for lab in y_true if lab not in column})
    if unknown:
        raise ParameterError(f"y_true has classes {unknown} that are not among labels {list(labels)}")
    true_proba = proba[np.arange(len(y_true)), [column[lab] for lab in y_true]]
    return float(-np.mean(np.log(np.clip(true_proba, np.finfo(float).eps, None))))


REGRESSION_METRICS = {"r2": r2, "mae": mae, "rmse": rmse, "pearson": pearson_r}
"""Metrics of every regression fold, by record name."""


def regression_metrics(Y_true, Y_pred, targets) -> dict[str, float]:
    """R², MAE, RMSE and Pearson's r per target (``r2_<target>``, ``mae_<target>``, ...) and
    their unweighted means over the targets (``r2``, ``mae``, ``rmse``, ``pearson``).

    The means are always there, also for one target (where they equal that target's values),
    so a table reads ``r2`` whatever the number of targets. A NaN Pearson r (constant
    prediction, see :func:`pearson_r`) makes the mean ``pearson`` NaN too.

    Parameters
    ----------
    Y_true, Y_pred : array-like, (n,) or (n, d)
        True and predicted targets, one column per target.
    targets : sequence of str
        Names of the ``d`` targets (e.g. ``["valence", "arousal"]``).

    Used by: :func:`cross_validate_regression`.
    """
    Y_true = np.asarray(Y_true, dtype=float).reshape(len(Y_true), -1)
    Y_pred = np.asarray(Y_pred, dtype=float).reshape(len(Y_pred), -1)
    if Y_true.shape != Y_pred.shape or Y_true.shape[1] != len(targets):
        raise ParameterError(f"Y_true {Y_true.shape} and Y_pred {Y_pred.shape} must both have one column "
                             f"per target {list(targets)}")
    out: dict[str, float] = {}
    for name, metric in REGRESSION_METRICS.items():
        values = {f"{name}_{t}": metric(Y_true[:, j], Y_pred[:, j]) for j, t in enumerate(targets)}
        out[name] = float(np.mean(list(values.values())))
        out.update(values)
    return out


@dataclass
class CVResult:
    """Tidy per-fold ``records`` and every test prediction: ``fold, index, y_true, y_pred`` for a
    classification, ``fold, index`` and ``y_true_<target>, y_pred_<target>`` per target for a
    regression."""

    records: pd.DataFrame
    predictions: pd.DataFrame

    def confusion(self, labels=None) -> pd.DataFrame:
        """Confusion matrix of a classification, summed over all folds (rows: true, columns: predicted)."""
        if "y_true" not in self.predictions.columns:
            raise ParameterError("a confusion matrix needs a classification result (columns y_true, y_pred)")
        labels = sorted(self.predictions["y_true"].unique()) if labels is None else labels
        cm = confusion_matrix(self.predictions["y_true"], self.predictions["y_pred"], labels=labels)
        return pd.DataFrame(cm, index=pd.Index(labels, name="true"), columns=pd.Index(labels, name="predicted"))


def _fit(estimator, X, y, split: Split):
    """A clone fitted on the training rows, given the validation rows when its ``fit`` takes
    ``validation=`` and the protocol has some (otherwise they stay unused)."""
    model = clone(estimator)
    if len(split.val) and "validation" in inspect.signature(model.fit).parameters:
        return model.fit(X[split.train], y[split.train], validation=(X[split.val], y[split.val]))
    return model.fit(X[split.train], y[split.train])


def training_metrics(model) -> dict[str, float]:
    """How a fitted network trained in one fold: ``epochs_run`` and, for a classifier, ``last_train_acc``
    (the accuracy on the training batches of its last epoch; Louro et al. stop at 0.9).

    Read from the ``history_`` (one record per epoch) of ``model``, of the last step of a
    pipeline, or of the estimator a wrapper trained (``estimator_``, ``classifier_``); empty
    for a model without one (e.g. an SVM).

    Used by: :func:`cross_validate`, :func:`cross_validate_regression` (extra records per fold).
    """
    steps = getattr(model, "steps", None)
    for candidate in (model, steps[-1][1] if steps else None, getattr(model, "estimator_", None),
                      getattr(model, "classifier_", None)):
        history = getattr(candidate, "history_", None)
        if history:
            out = {"epochs_run": float(len(history))}
            if "train_acc" in history[-1]:
                out["last_train_acc"] = float(history[-1]["train_acc"])
            return out
    return {}


def _run_fold(estimator, X, y, split: Split, score):
    model = _fit(estimator, X, y, split)
    y_pred = np.asarray(model.predict(X[split.test]))
    return split, y_pred, {**score(y[split.test], y_pred), **training_metrics(model)}


def _run_protocol(estimator, X, y, splits: list[Split], score, prediction_columns, *, n_jobs: int,
                  progress: bool, meta: tuple) -> CVResult:
    """Run every fold (in parallel processes when ``n_jobs > 1``, on the Dask cluster when one is named:
    :mod:`mer_core.cluster`) and collect records and predictions in fold order.

    ``score(y_test, y_pred) -> {metric: value}``; ``prediction_columns(y_test, y_pred) -> {column: values}``;
    ``meta``: the first six record columns.
    """
    backend, n_jobs = fold_backend(n_jobs)
    rows, preds = [], []
    stamp = (code_version(), machine(), created())
    with backend:
        jobs = Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(_run_fold)(estimator, X, y, s, score) for s in splits)
        for split, y_pred, metrics in progress_bar(jobs, total=len(splits), desc=meta[1] or "cv",
                                                   disable=not progress):
            rows += [(*meta, split.fold, k, v, len(split.train), len(split.test), *stamp) for k, v in metrics.items()]
            preds.append(pd.DataFrame({"fold": split.fold, "index": split.test,
                                       **prediction_columns(y[split.test], y_pred)}))
    return CVResult(pd.DataFrame(rows, columns=RECORD_COLUMNS), pd.concat(preds, ignore_index=True))


def _labels_and_predictions(y_true, y_pred) -> dict:
    return {"y_true": y_true, "y_pred": y_pred}


def _targets_and_predictions(Y_true, Y_pred, targets) -> dict:
    Y_true, Y_pred = Y_true.reshape(len(Y_true), -1), Y_pred.reshape(len(Y_pred), -1)
    return {f"y_{kind}_{t}": Y[:, j] for j, t in enumerate(targets) for kind, Y in (("true", Y_true), ("pred", Y_pred))}


def cross_validate(estimator, X, y, *, groups=None, cv: str = "10x10", seed: int = 0, n_jobs: int = 1,
                   progress: bool = True, paper: str = "", method: str = "", features: str = "",
                   dataset: str = "", profile: str = "") -> CVResult:
    """Evaluate a classifier under a protocol; every fold refits a clone on training rows only.

    Parameters
    ----------
    estimator : scikit-learn classifier
        Everything learned from data (scaling, selection, hyper-parameter search) must be
        inside it (a Pipeline / search object), so it happens inside the training fold. If its
        ``fit`` takes a keyword ``validation``, a holdout protocol's validation rows are passed
        as ``validation=(X_val, y_val)``; otherwise they stay unused (module docstring).
    X : ndarray
        One row (or one input array) per clip.
    y, groups : array-like
        Labels; unit that must not straddle folds.
    cv, seed : see :func:`make_splits`.
    n_jobs : int
        Folds run in parallel processes (ignored when a Dask scheduler is named: every fold is
        then a task on its workers, :mod:`mer_core.cluster`).
    paper, method, features, dataset, profile : str
        Written into every record so tables name where each number came from; ``profile``
        must say what ran (a profile's settings changed by a parameter are not that profile).
        Each record also gets the fold's ``n_train`` and ``n_test`` and the code version,
        machine and date (:data:`RECORD_COLUMNS`).

    Returns
    -------
    CVResult
        Per fold, the metrics of :func:`classification_metrics`, plus :func:`training_metrics`
        (``epochs_run``, ``last_train_acc``) for a network that keeps a training history.

    Used by: every classification notebook of the book, ``mer evaluate --label``.
    """
    # an Inputs (mer_core.models.inputs: several aligned arrays per clip) is split as it is
    X, y = (X if hasattr(X, "names") else np.asarray(X)), np.asarray(y)
    if len(X) != len(y):
        raise ParameterError(f"X has {len(X)} rows but y has {len(y)}")
    return cross_validate_splits(estimator, X, y, make_splits(y, cv, groups=groups, seed=seed), protocol=cv,
                                 n_jobs=n_jobs, progress=progress, paper=paper, method=method, features=features,
                                 dataset=dataset, profile=profile)


def cross_validate_splits(estimator, X, y, splits: list[Split], *, protocol: str, n_jobs: int = 1,
                          progress: bool = True, paper: str = "", method: str = "", features: str = "",
                          dataset: str = "", profile: str = "") -> CVResult:
    """:func:`cross_validate` on given folds of a protocol (``splits``, some of :func:`make_splits`'s),
    e.g. the folds a run store still lacks; ``protocol`` names the protocol they belong to.

    Every fold is scored on the labels of all of ``y``, so a fold's records are the ones the whole
    protocol would give it.

    Used by: :func:`cross_validate`, :func:`mer_core.experiments.louro_dl.run_rows` (one fold at a time).
    """
    X, y = (X if hasattr(X, "names") else np.asarray(X)), np.asarray(y)
    return _run_protocol(estimator, X, y, splits, partial(classification_metrics, labels=np.unique(y)),
                         _labels_and_predictions, n_jobs=n_jobs, progress=progress,
                         meta=(paper, method, features, dataset, protocol, profile))


def cross_validate_regression(estimator, X, Y, *, targets=None, strata=None, groups=None, cv: str = "10x10",
                              seed: int = 0, n_jobs: int = 1, progress: bool = True, paper: str = "",
                              method: str = "", features: str = "", dataset: str = "",
                              profile: str = "") -> CVResult:
    """Evaluate a regressor under a protocol; every fold refits a clone on training rows only.

    Same folds machinery, validation rule and record columns as :func:`cross_validate`; the
    metrics are :func:`regression_metrics` (``r2``, ``mae``, ``rmse``, ``pearson`` and per target).

    Parameters
    ----------
    estimator : scikit-learn regressor
        Scaling and search inside it (:func:`mer_core.models.make_regressor`). It is fitted on
        ``Y[train]`` in the shape ``Y`` has (1-D stays 1-D); with several targets it must
        predict all of them, ``(n, d)``.
    X : ndarray
        One row (or one input array) per clip.
    Y : array-like, (n,) or (n, d)
        Finite targets.
    targets : sequence of str, optional
        Names of the ``d`` targets; default ``["y"]`` for 1-D ``Y``, else ``y0, y1, ...``.
    strata, groups : array-like, optional
        Labels the folds are stratified on (default: quantile bins of the first target, see
        :func:`regression_strata`); unit that must not straddle folds.
    cv, seed, n_jobs, progress, paper, method, features, dataset, profile
        As in :func:`cross_validate`.

    Returns
    -------
    CVResult
        Predictions ``fold, index, y_true_<target>, y_pred_<target>``.

    Used by: ``mer evaluate --target``, :mod:`mer_core.experiments.quan_dong` (notebooks/quan_dong.ipynb).
    """
    X, Y = (X if hasattr(X, "names") else np.asarray(X)), np.asarray(Y, dtype=float)
    if Y.ndim not in (1, 2) or len(X) != len(Y):
        raise ParameterError(f"Y must be (n,) or (n, d) with one row per row of X ({len(X)}); got {Y.shape}")
    if not np.isfinite(Y).all():
        raise ParameterError(f"Y has {int((~np.isfinite(Y)).sum())} NaN or infinite values")
    n_targets = 1 if Y.ndim == 1 else Y.shape[1]
    if targets is None:
        targets = ["y"] if Y.ndim == 1 else [f"y{j}" for j in range(n_targets)]
    targets = list(targets)
    if len(targets) != n_targets:
        raise ParameterError(f"{len(targets)} target names {targets} for {n_targets} columns of Y")
    splits = make_splits(regression_strata(Y, cv, strata=strata), cv, groups=groups, seed=seed)
    return _run_protocol(estimator, X, Y, splits, partial(regression_metrics, targets=targets),
                         partial(_targets_and_predictions, targets=targets), n_jobs=n_jobs, progress=progress,
                         meta=(paper, method, features, dataset, cv, profile))


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
