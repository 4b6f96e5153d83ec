"""Louro et al.'s DL baseline at two input resolutions: does the pooled log-mel of the ``cpu``
profile cost it its gap to the paper?

The ``cpu`` profile trains the published-width networks on a 2 x 4 average-pooled log-mel (48 x 341)
to fit two cores; the paper feeds Choi et al.'s 96 x 1366 log-mel. :func:`resolution_ablation`
trains one Table 1 row under several poolings with every other setting and the folds unchanged,
through :func:`mer_core.experiments.louro_dl.run_rows` and its run store
(``python -m mer_core.experiments.louro_dl --rows "DL Baseline" --input-pool 1x1`` fills it).
"""
from __future__ import annotations

import os

import pandas as pd

from .. import results
from ..errors import ParameterError
from ..evaluation import CVResult, summarize
from .louro import TABLE1_ORIGINAL_4QAED
from .louro_dl import LouroData, cnn_input_shapes, run_rows, training_summary

RESOLUTION_ROWS = {"DL Baseline": "cnn_baseline", "Baseline with GRU": "cnn_gru", "CRNN": "crnn"}
"""Rows that read the whole log-mel, whose input resolution :func:`resolution_ablation` can vary, with
their networks (:func:`mer_core.experiments.louro_dl.cnn_input_shapes` names the input by them)."""


def resolution_ablation(data: LouroData, pools, *, row: str = "DL Baseline", store: str | os.PathLike | None = None,
                        progress: bool = True) -> tuple[CVResult, pd.DataFrame]:
    """Run ``row`` once per input pooling of ``pools`` (``(bands, frames)`` or ``None`` for the 96 x 1366
    log-mel), everything else as ``data``'s profile sets it, on the same folds.

    Each pooling is its own method in the records, named by its input (``"DL Baseline, input 48 x 341"``),
    so that the pooling is compared fold by fold (:func:`mer_core.significance.compare_methods`). Folds
    are kept in ``store`` as :func:`run_rows` keeps them; the pooling the profile runs shares its folds
    with the Table 1 row (:data:`mer_core.experiments.louro_dl.STORE`).

    Used by: notebooks/louro_resolution.ipynb.
    """
    if row not in RESOLUTION_ROWS:
        raise ParameterError(f"the input resolution of {row!r} cannot be varied; choose from {list(RESOLUTION_ROWS)}")
    net = RESOLUTION_ROWS[row]
    records, predictions, timing = [], [], []
    for pool in pools:
        shape = cnn_input_shapes(data.profile, input_pool=pool)[net]
        method = f"{row}, input {shape[0]} x {shape[1]}"
        result, row_timing = run_rows(data.variant(input_pool=pool), [row], store=store, progress=progress)
        records.append(result.records.assign(method=method))
        predictions.append(result.predictions.assign(method=method))
        timing.append(row_timing.assign(method=method, input_pool="none" if pool is None else f"{pool[0]}x{pool[1]}"))
    return (CVResult(pd.concat(records, ignore_index=True), pd.concat(predictions, ignore_index=True)),
            pd.concat(timing, ignore_index=True))


def fold_table(records: pd.DataFrame, stop: float = 0.9) -> pd.DataFrame:
    """One line per method of an ablation's records, in the order they ran: macro F1 (mean, sd and
    each fold's, in %), the epochs run and the folds that reached the ``stop`` training accuracy.

    Used by: :func:`resolution_table`, :func:`mer_core.experiments.louro_artists.artist_fold_table`.
    """
    f1 = records[records["metric"] == "f1_macro"]
    summary = summarize(f1, ["f1_macro"]).set_index("method").loc[list(dict.fromkeys(f1["method"]))]
    per_fold = f1.sort_values("fold").groupby("method", sort=False)["value"].agg(
        lambda v: " / ".join(f"{100 * x:.1f}" for x in v))
    table = pd.DataFrame({"macro F1 %": (100 * summary["mean"]).round(2), "sd": (100 * summary["std"]).round(2),
                          "folds": summary["n"].astype(int), "per fold": per_fold}, index=summary.index)
    return table.join(training_summary(records, stop=stop)).rename_axis("method")


def resolution_table(records: pd.DataFrame, timing: pd.DataFrame, *, row: str = "DL Baseline",
                     stop: float = 0.9) -> pd.DataFrame:
    """One row per input of :func:`resolution_ablation` of ``row``: macro F1 (mean, sd and each fold's,
    in %), the epochs run and the folds that reached the ``stop`` training accuracy, and the seconds of
    its cross-validation, beside the paper's figure for ``row`` (at 96 x 1366).

    Used by: notebooks/louro_resolution.ipynb.
    """
    table = fold_table(records, stop=stop)
    table = table.join(timing.set_index("method")[["input_pool", "cv_s", "machine", "source"]])
    if row not in RESOLUTION_ROWS:
        raise ParameterError(f"no input resolution ablation of {row!r}; choose from {list(RESOLUTION_ROWS)}")
    table["paper F1 % (96 x 1366)"] = TABLE1_ORIGINAL_4QAED[row]
    return table.rename_axis("method")


def published_seeds(row: str = "DL Baseline", profile: str = "cpu") -> pd.DataFrame:
    """The Louro chapter's published seed-spread figures of ``row`` under ``profile`` (the profile's own
    pooled input): one line per seed with its macro F1 (mean and sd over the folds, in %), the folds
    and the machine that trained them; empty when the edition has none.

    The resolution chapter shows them beside its own pooled row, whose folds this machine may have
    trained again: a fold trained on another device sums in another order and is not bit-identical.

    Used by: notebooks/louro_resolution.ipynb.
    """
    columns = ["seed", "macro F1 %", "sd", "folds", "machine"]
    edition = results.published("louro_dl_seeds")
    if edition is None:
        return pd.DataFrame(columns=columns)
    f1 = edition[(edition["method"] == row) & (edition["profile"] == profile) & (edition["metric"] == "f1_macro")]
    by_seed = f1.groupby("seed")
    return pd.DataFrame({"macro F1 %": (100 * by_seed["value"].mean()).round(2),
                         "sd": (100 * by_seed["value"].std()).round(2),
                         "folds": by_seed["fold"].nunique(),
                         "machine": by_seed["machine"].agg(lambda m: ", ".join(sorted(set(m))))}).reset_index()[columns]
