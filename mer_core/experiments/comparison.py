"""The comparison chapter: every chapter's result records side by side, read from the published edition.

Nothing here reruns an experiment. :func:`published_records` reads every record table of
``book/results`` (the tables whose columns are :data:`mer_core.evaluation.RECORD_COLUMNS`);
:func:`overview` summarises each method x features x dataset x protocol x profile with its mean,
95 % t-interval over folds and clips per test fold, and puts the paper's own figure beside it
where the paper reports one for the same method on the same dataset (:func:`paper_figures`,
built from the constants each chapter copies from its paper); :func:`forest_plot` draws one
dataset's methods with their intervals and the papers' figures.

The intervals are those of :func:`mer_core.evaluation.summarize`: folds of repeated
cross-validation share training data, so they show spread and are optimistic as tests
(Bouckaert & Frank 2004). Methods are compared here only within one dataset, and a row says
its protocol and profile: two rows under different protocols are not a paired comparison.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import results
from ..errors import ParameterError
from ..evaluation import RECORD_COLUMNS, summarize

MAIN_METRICS = ("f1_macro", "accuracy", "r2_valence", "r2_arousal")
"""The metrics the chapter compares: macro F1 and accuracy of the classifications, R² of valence
and arousal of the regressions."""

DATASET_TITLES = {"4q": "4Q (real audio, 900 clips)", "turkish": "TR-MUSIC (real features, 400 excerpts)",
                  "ravdess": "RAVDESS song (real, clips cut to 2.39 s)",
                  "ravdess_by_actor": "RAVDESS song, split by actor (real, clips cut to 2.39 s)",
                  "synthetic": "synthetic corpus (SIMULATION)"}
"""How the chapter names each dataset; the synthetic corpus is always marked as a simulation."""

OVERVIEW_COLUMNS = ["dataset", "metric", "paper", "method", "features", "protocol", "profile", "folds", "mean",
                    "ci95_low", "ci95_high", "n_test", "paper's figure", "paper's data", "table"]
"""Columns of :func:`overview`."""


def published_records(root: str | Path | None = None) -> pd.DataFrame:
    """Every record of the published edition: the CSVs of ``book/results`` whose first columns are
    :data:`~mer_core.evaluation.RECORD_COLUMNS`, with a ``table`` column (the file's stem). A table
    with ``train`` and ``test`` columns (one network per training chain) names its method
    ``<method> <train> -> <test>``.

    Used by: notebooks/comparison.ipynb.
    """
    folder = Path(root) if root is not None else results.published_results_dir()
    parts = []
    for path in sorted(folder.glob("*.csv")):
        head = pd.read_csv(path, nrows=0)
        if list(head.columns[:len(RECORD_COLUMNS)]) != RECORD_COLUMNS:
            continue
        table = pd.read_csv(path)
        if {"train", "test"} <= set(table.columns):  # one network per train chain (Pandrea's SincNet runs)
            table["method"] = table["method"] + " " + table["train"] + " -> " + table["test"]
        parts.append(table[RECORD_COLUMNS].assign(table=path.stem))
    if not parts:
        raise ParameterError(f"no record table in {folder}")
    return pd.concat(parts, ignore_index=True)


def paper_figures() -> pd.DataFrame:
    """The papers' own figures for a method on a dataset this book also evaluates, from the
    constants each chapter copies from its paper (nothing typed here).

    Returns
    -------
    pandas.DataFrame
        ``paper, method, features, dataset, metric, value`` (fractions) and ``data`` (the data the
        paper measured it on, when it is not ours: e.g. Quan & Dong's Deezer + 1000 Songs set);
        ``features`` is the input the figure needs (None: any of that method's rows).

    Used by: :func:`overview`, :func:`forest_plot`.
    """
    from . import koh_dubnov, louro, pandrea, quan_dong

    rows = [{"paper": louro.PAPER, "method": method, "dataset": "4q", "metric": "f1_macro", "value": value / 100,
             "data": "Original-4QAED (900 clips)"} for method, value in louro.TABLE1_ORIGINAL_4QAED.items()]
    within = {"4Q / 4Q": "4q", "TR / TR": "turkish"}
    for row in pandrea.TABLE1:
        if row.chain in within:
            dataset = within[row.chain]
            for model, method in pandrea.MODEL_METHOD.items():
                figures = row.figures(model)
                if not figures:
                    continue
                if model == "SincNet":
                    method = f"{method} {dataset} -> {dataset}"
                data = "4Q, 180 test songs" if dataset == "4q" else "TR-MUSIC audio (not ours: its features only)"
                rows += [{"paper": pandrea.PAPER, "method": method,
                          "features": pandrea.PAPER_FEATURES[model] if dataset == "4q" else None, "dataset": dataset,
                          "metric": metric, "value": figures[letter], "data": data}
                         for letter, metric in (("A", "accuracy"), ("F", "f1_macro"))]
    for method, by_target in quan_dong.TABLE1_R2.items():
        if method in quan_dong.MODELS:
            rows += [{"paper": quan_dong.PAPER, "method": method, "dataset": "4q", "metric": f"r2_{target}",
                      "value": value, "data": "Deezer + 1000 Songs (not 4Q)"} for target, value in by_target.items()]
    for entry in koh_dubnov.TABLE2_PAPER:
        if entry["dataset"] in ("4q", "ravdess"):
            rows.append({"paper": koh_dubnov.PAPER, "method": "L3-Net (best)", "dataset": entry["dataset"],
                         "metric": entry["metric"], "value": entry["l3net"], "data": "the paper's own run"})
            rows.append({"paper": koh_dubnov.PAPER, "method": entry["baseline"], "dataset": entry["dataset"],
                         "metric": entry["metric"], "value": entry["baseline_value"], "data": "cited by the paper"})
    return pd.DataFrame(rows, columns=["paper", "method", "features", "dataset", "metric", "value", "data"])


def overview(records: pd.DataFrame, metrics=MAIN_METRICS) -> pd.DataFrame:
    """One row per dataset x metric x paper x method x features x protocol x profile: mean and 95 %
    interval over folds, clips per test fold, and the paper's figure for the same method and data.

    Parameters
    ----------
    records : DataFrame
        :func:`published_records` (or any records with a ``table`` column).
    metrics : sequence of str
        Metrics to keep (:data:`MAIN_METRICS`).

    Returns
    -------
    pandas.DataFrame
        :data:`OVERVIEW_COLUMNS`, each dataset's rows best first per metric.

    Used by: notebooks/comparison.ipynb.
    """
    kept = records[records["metric"].isin(metrics)]
    if not len(kept):
        raise ParameterError(f"no record of the metrics {list(metrics)}")
    summary = summarize(kept)
    tables = kept.groupby(["paper", "method", "features", "dataset", "protocol", "profile"], sort=False,
                          dropna=False)["table"].first().rename("table").reset_index()
    summary = summary.merge(tables, on=["paper", "method", "features", "dataset", "protocol", "profile"], how="left")
    figures = paper_figures().rename(columns={"value": "paper's figure", "data": "paper's data",
                                              "features": "figure_features"})
    summary = summary.merge(figures, on=["paper", "method", "dataset", "metric"], how="left")
    other_input = summary["figure_features"].notna() & (summary["figure_features"] != summary["features"])
    summary.loc[other_input, ["paper's figure", "paper's data"]] = np.nan
    summary = summary.rename(columns={"n": "folds"})
    order = {name: i for i, name in enumerate(DATASET_TITLES)}
    summary["_dataset"] = summary["dataset"].map(order).fillna(len(order))
    summary["_metric"] = summary["metric"].map({m: i for i, m in enumerate(metrics)})
    summary = summary.sort_values(["_dataset", "_metric", "mean"], ascending=[True, True, False])
    return summary[OVERVIEW_COLUMNS].reset_index(drop=True)


def method_label(row, width: int = 38) -> str:
    """``paper: method (features) [profile]``, the method and features cut to ``width`` characters
    each: how a forest plot names a row (the table has them in full)."""
    def cut(text: str) -> str:
        return text if len(text) <= width else text[:width - 1] + "…"

    features = f" ({cut(row['features'])})" if isinstance(row["features"], str) and row["features"] else ""
    return f"{row['paper']}: {cut(row['method'])}{features} [{row['profile']}]"


def forest_plot(table: pd.DataFrame, dataset: str, metric: str, *, ax=None, max_rows: int = 30):
    """Mean and 95 % interval of every method on ``dataset`` for ``metric``, best at the top, with
    the papers' own figures for the same method and data as crosses.

    Parameters
    ----------
    table : DataFrame
        :func:`overview`.
    dataset, metric : str
    ax : matplotlib Axes, optional
    max_rows : int
        At most this many rows (the best ones); the title says how many were left out.

    Returns
    -------
    matplotlib Axes

    Used by: notebooks/comparison.ipynb.
    """
    import matplotlib.pyplot as plt

    part = table[(table["dataset"] == dataset) & (table["metric"] == metric)].sort_values("mean", ascending=False)
    if not len(part):
        raise ParameterError(f"no row for {dataset!r} and {metric!r}")
    shown = part.head(max_rows).iloc[::-1]
    if ax is None:
        _, ax = plt.subplots(figsize=(11, 0.26 * len(shown) + 1.2))
    y = np.arange(len(shown))
    papers = list(dict.fromkeys(part["paper"]))
    colours = dict(zip(papers, plt.get_cmap("tab10").colors))
    for yi, (_, row) in zip(y, shown.iterrows()):
        colour = colours[row["paper"]]
        ax.plot([row["ci95_low"], row["ci95_high"]], [yi, yi], color=colour, lw=1.5)
        ax.plot(row["mean"], yi, "o", color=colour, ms=4)
        if pd.notna(row["paper's figure"]):
            ax.plot(row["paper's figure"], yi, "x", color="black", ms=6)
    ax.set_yticks(y, [method_label(r) for _, r in shown.iterrows()], fontsize=7)
    ax.set_xlabel(f"{metric} (mean and 95 % interval over folds; x: the paper's figure)")
    left = len(part) - len(shown)
    ax.set_title(DATASET_TITLES.get(dataset, dataset) + (f" (best {len(shown)} of {len(part)})" if left else ""))
    ax.grid(axis="x", alpha=0.3)
    return ax
