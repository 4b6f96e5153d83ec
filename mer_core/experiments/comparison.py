"""The comparison chapter: every chapter's result records side by side, read from the published edition.

Nothing here reruns an experiment. :func:`published_records` reads every record table of
``book/results`` (the tables whose columns are :data:`mer_core.evaluation.RECORD_COLUMNS`);
:func:`overview` summarises each method x features x dataset x protocol x profile with its mean,
95 % t-interval over folds and clips per test fold, and puts the paper's own figure beside it
where the paper reports one for the same method on the same dataset (:func:`paper_figures`,
built from the constants each chapter copies from its paper); :func:`forest_plot` draws one
dataset's methods with their intervals and the papers' figures.

The one computation here is :func:`emomusic_timelines`: the stored ``mer predict`` model
(:mod:`mer_core.predict`, trained on 4Q) run window by window over the emoMusic clips whose audio
is here, beside their 2 Hz annotations (:func:`timeline_agreement`, :func:`plot_timelines`).

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


SIDE_TABLES = ("louro_dl_narrow", "louro_dl_seeds", "louro_resolution", "louro_artists")
"""Record tables of ``book/results`` that are not a chapter's edition of its rows: the Louro
chapter's narrow edition (kept for its width ablation), its seed-spread reruns (other seeds of
rows that ``louro_dl`` already holds), the input-resolution ablation of its DL baseline (the
``louro_resolution`` chapter) and two of its rows on song- and artist-level folds (the
``louro_artists`` chapter). Pooled with the edition, they would change its means."""


def published_records(root: str | Path | None = None) -> pd.DataFrame:
    """Every record of the published edition: the CSVs of ``book/results`` whose first columns are
    :data:`~mer_core.evaluation.RECORD_COLUMNS` (but :data:`SIDE_TABLES`), with a ``table`` column
    (the file's stem). A table with ``train`` and ``test`` columns (one network per training chain)
    names its method ``<method> <train> -> <test>``.

    Used by: notebooks/comparison.ipynb.
    """
    folder = Path(root) if root is not None else results.published_results_dir()
    parts = []
    for path in sorted(folder.glob("*.csv")):
        if path.stem in SIDE_TABLES:
            continue
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
    # figures the papers report on this dataset for models with no row here (e.g. L3-Net): dotted lines
    figures = paper_figures()
    figures = figures[(figures["dataset"] == dataset) & (figures["metric"] == metric)]
    ours = set(zip(part["paper"], part["method"]))
    for k, row in enumerate(r for _, r in figures.iterrows() if (r["paper"], r["method"]) not in ours):
        ax.axvline(row["value"], color="grey", ls=":", lw=1)
        ax.annotate(f"{row['paper']}: {row['method']} ({row['data']})", (row["value"], 1.0),
                    xycoords=("data", "axes fraction"), rotation=90, va="top", ha="right", fontsize=6, color="grey")
    ax.set_xlabel(f"{metric}: mean, 95 % interval; x: the paper's figure; dotted: a paper's figure with no row here")
    left = len(part) - len(shown)
    ax.set_title(DATASET_TITLES.get(dataset, dataset) + (f" (best {len(shown)} of {len(part)})" if left else ""))
    ax.grid(axis="x", alpha=0.3)
    return ax


def va_plane(table: pd.DataFrame, dataset: str = "4q", *, ax=None, floor: float = -0.5):
    """Every method that regresses both valence and arousal on ``dataset``: R² of arousal against
    R² of valence with their 95 % intervals, one colour per paper, numbered best-arousal first.
    The axes stop at ``floor``: a method below it on either axis (an R² far below 0, e.g. a linear
    regression on 200 embedding values of a small corpus) is drawn on the edge as a cross and keeps
    its value in the key.

    Points below the diagonal predict arousal better than valence (the claim of Koh & Dubnov and
    Grekow). The papers' own R² come from other data (emoMusic, their own sets): they are in the
    table and the forest plots, not on this plane.

    Parameters
    ----------
    table : DataFrame
        :func:`overview`.
    dataset : str
    ax : matplotlib Axes, optional
    floor : float
        Lowest R² the axes show.

    Returns
    -------
    DataFrame
        The key to the numbers: ``number, paper, method, features, protocol, profile`` and the mean
        and interval of each target.

    Used by: notebooks/comparison.ipynb.
    """
    import matplotlib.pyplot as plt

    keys = ["paper", "method", "features", "protocol", "profile"]
    part = table[table["dataset"] == dataset]
    arousal, valence = (part[part["metric"] == f"r2_{target}"].set_index(keys)[["mean", "ci95_low", "ci95_high"]]
                        .add_suffix(f"_{target}") for target in ("arousal", "valence"))
    both = arousal.join(valence, how="inner")
    if not len(both):
        raise ParameterError(f"no method regresses both valence and arousal on {dataset!r}")
    key = both.sort_values("mean_arousal", ascending=False).reset_index()
    key.insert(0, "number", np.arange(1, len(key) + 1))
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 6))
    papers = list(dict.fromkeys(key["paper"]))
    colours = dict(zip(papers, plt.get_cmap("tab10").colors))
    on_plane = key[key[["mean_arousal", "mean_valence"]].min(axis=1) >= floor]
    low = max(min(on_plane["ci95_low_arousal"].min(), on_plane["ci95_low_valence"].min(), 0.0), floor)
    high = min(max(on_plane["ci95_high_arousal"].max(), on_plane["ci95_high_valence"].max()), 1.0)  # R² <= 1
    for row in key.to_dict("records"):
        colour = colours[row["paper"]]
        if min(row["mean_arousal"], row["mean_valence"]) < floor:
            point = (max(row["mean_arousal"], low), max(row["mean_valence"], low))
            ax.plot(*point, "x", color=colour, ms=7, clip_on=False)
            ax.annotate(f"{row['number']} (off the plane)", point, xytext=(4, 4), textcoords="offset points",
                        fontsize=7, color=colour)
            continue
        ax.errorbar(row["mean_arousal"], row["mean_valence"], color=colour, fmt="o", ms=4, lw=0.8, alpha=0.8,
                    xerr=[[row["mean_arousal"] - row["ci95_low_arousal"]], [row["ci95_high_arousal"] - row["mean_arousal"]]],
                    yerr=[[row["mean_valence"] - row["ci95_low_valence"]], [row["ci95_high_valence"] - row["mean_valence"]]])
        ax.annotate(str(row["number"]), (row["mean_arousal"], row["mean_valence"]), xytext=(3, 3),
                    textcoords="offset points", fontsize=7, color=colour)
    ax.plot([low, high], [low, high], color="grey", ls="--", lw=0.8)
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_aspect("equal")
    for paper in papers:
        ax.plot([], [], "o", color=colours[paper], label=paper)
    ax.legend(fontsize=8, loc="upper left")
    ax.set_xlabel("R² arousal (mean, 95 % interval)")
    ax.set_ylabel("R² valence (mean, 95 % interval)")
    ax.set_title(f"{DATASET_TITLES.get(dataset, dataset)}: below the diagonal, arousal is predicted better")
    ax.grid(alpha=0.3)
    return key


# --- the claim ledger -------------------------------------------------------------------------------

LEDGER_COLUMNS = ["paper", "claim", "the paper", "ours", "data and profile", "verdict"]
"""Columns of :func:`claim_ledger`. ``verdict``: ``holds``, ``does not hold`` or ``cannot test here: <why>``."""

HOLDS, FAILS = "holds", "does not hold"


def _rows(table, paper=None, dataset="4q", metric="f1_macro", method=None, features=None):
    part = table[(table["dataset"] == dataset) & (table["metric"] == metric)]
    if paper is not None:
        part = part[part["paper"] == paper]
    if method is not None:
        part = part[part["method"].isin([method] if isinstance(method, str) else method)]
    if features is not None:
        part = part[part["features"] == features]
    return part


def _where(part) -> str:
    profiles = ", ".join(sorted(set(part["profile"].astype(str))))
    protocols = ", ".join(sorted(set(part["protocol"].astype(str))))
    return f"{DATASET_TITLES.get(part['dataset'].iloc[0], part['dataset'].iloc[0])}; {protocols}; profile {profiles}"


def _better(table, paper, a, b, *, dataset="4q", metric="f1_macro", text_a=None, text_b=None, **kw):
    """Claim "method ``a`` beats method(s) ``b``": the best row of ``a`` against the best of ``b``."""
    rows_a, rows_b = _rows(table, paper, dataset, metric, a, **kw), _rows(table, paper, dataset, metric, b, **kw)
    if not len(rows_a) or not len(rows_b):
        return "no row here", "", "cannot test here: no published row of " + (a if not len(rows_a) else str(b))
    best_a, best_b = rows_a.loc[rows_a["mean"].idxmax()], rows_b.loc[rows_b["mean"].idxmax()]
    ours = (f"{text_a or best_a['method']} {best_a['mean']:.3f} vs {text_b or best_b['method']} "
            f"{best_b['mean']:.3f} ({metric})")
    return ours, _where(pd.concat([rows_a, rows_b])), HOLDS if best_a["mean"] > best_b["mean"] else FAILS


def claim_ledger(table: pd.DataFrame) -> pd.DataFrame:
    """Each checkable claim of the five papers, the paper's figure, ours from the published records,
    on which data and profile, and a verdict.

    A claim is checked on the rows that stand for it (like-for-like rows; a substitute model never
    stands for the paper's); "holds" compares means over folds and says nothing about significance
    (the shared-protocol section is where paired tests belong). A claim this book cannot test says why.
    The shared protocol's rows (:data:`~mer_core.experiments.shared.PROTOCOL_PREFIX`) are left out:
    a claim is checked under its paper's own protocol, where every row it compares was run.

    Parameters
    ----------
    table : DataFrame
        :func:`overview`.

    Used by: notebooks/comparison.ipynb.
    """
    from ..significance import compare_methods
    from . import du, koh_dubnov, louro, louro_dl, pandrea, shared

    table = table[~table["protocol"].astype(str).str.startswith(shared.PROTOCOL_PREFIX)]
    paper_rows = [m for m in louro_dl.ROWS if m not in louro_dl.SUBSTITUTES and m in louro.TABLE1_ORIGINAL_4QAED]
    deep = [m for m in paper_rows if m != "SVM Baseline"]
    t1 = louro.TABLE1_ORIGINAL_4QAED
    rows = []

    def add(paper, claim, theirs, result):
        ours, where, verdict = result
        rows.append({"paper": paper, "claim": claim, "the paper": theirs, "ours": ours, "data and profile": where,
                     "verdict": verdict})

    best_deep = max(deep, key=t1.get)
    add(louro.PAPER, "the SVM baseline beats every deep model on 4Q",
        f"SVM {t1['SVM Baseline']:.2f} % vs best deep ({best_deep}) {t1[best_deep]:.2f} % macro F1",
        _better(table, louro.PAPER, "SVM Baseline", deep))
    hybrid = _rows(table, louro.PAPER, method=deep)
    if len(hybrid) > 1 and "Hybrid Augmented" in set(hybrid["method"]):
        first, second = hybrid.sort_values("mean", ascending=False).iloc[:2].to_dict("records")
        result = (f"{first['method']} {first['mean']:.3f}, next {second['method']} {second['mean']:.3f} (macro F1)",
                  _where(hybrid), HOLDS if first["method"] == "Hybrid Augmented" else FAILS)
    else:
        result = ("no row here", "", "cannot test here: no published Hybrid Augmented row")
    add(louro.PAPER, "the hybrid is the best deep model", f"Hybrid Augmented {t1['Hybrid Augmented']:.2f} %, "
        f"next {max((m for m in deep if m != 'Hybrid Augmented'), key=t1.get)}", result)
    for aug in ("Baseline + TFM", "Baseline + SB", "Baseline + RG"):
        add(louro.PAPER, f"{aug} improves the DL baseline", f"{t1[aug]:.2f} % vs {t1['DL Baseline']:.2f} %",
            _better(table, louro.PAPER, aug, "DL Baseline"))

    mlp = _rows(table, pandrea.PAPER, method="mlp", features=pandrea.PAPER_FEATURES["MLP"])
    sinc = _rows(table, pandrea.PAPER, method="sincnet 4q -> 4q")
    paper_4q = next(r for r in pandrea.TABLE1 if r.chain == "4Q / 4Q")
    if len(mlp) and len(sinc):
        result = (f"MLP (IS13) {mlp['mean'].iloc[0]:.3f} vs SincNet {sinc['mean'].iloc[0]:.3f} (macro F1)",
                  _where(pd.concat([mlp, sinc])), HOLDS if mlp["mean"].iloc[0] > sinc["mean"].iloc[0] else FAILS)
    else:
        result = ("no row here", "", "cannot test here: the MLP or SincNet 4Q row is not published")
    add(pandrea.PAPER, "the MLP on IS13 ComParE beats SincNet on 4Q",
        f"F {paper_4q.mlp[3]:.2f} vs {paper_4q.sincnet[3]:.2f}", result)
    chains = _rows(table, pandrea.PAPER)
    chains = chains[chains["method"].str.match(r"sincnet \w+ -> \w+ -> 4q -> 4q$")]
    tl = [r for r in pandrea.TABLE1 if r.chain.endswith("-4Q / 4Q")]
    theirs = "; ".join(f"{r.chain.split(' /')[0]} F {r.sincnet[3]:.2f}" for r in tl) + \
        f" vs within {paper_4q.sincnet[3]:.2f}"
    if len(chains) and len(sinc):
        best = chains.loc[chains["mean"].idxmax()]
        result = (f"best chain ({best['method'].removeprefix('sincnet ').removesuffix(' -> 4q')}) {best['mean']:.3f} "
                  f"vs within {sinc['mean'].iloc[0]:.3f}; the chains start on synthetic cultures (a simulation)",
                  _where(pd.concat([chains, sinc])), HOLDS if best["mean"] > sinc["mean"].iloc[0] else FAILS)
    else:
        result = ("no row here", "", "cannot test here: no SincNet transfer chain ending on 4Q is published yet")
    add(pandrea.PAPER, "a transfer chain ending on 4Q beats SincNet trained on 4Q alone", theirs, result)
    windows = {ms: _rows(table, pandrea.PAPER, method="sincnet 4q -> 4q", features=f"raw waveform, {ms} ms windows")
               for ms in (200, 500)}
    gain = next(f for f in pandrea.FOLLOW_UPS if "500 ms" in f["follow-up"])["gain F points"]["4Q"]
    if all(len(part) for part in windows.values()):
        short, long = windows[200]["mean"].iloc[0], windows[500]["mean"].iloc[0]
        result = (f"500 ms {long:.3f} vs 200 ms {short:.3f} (macro F1; batches of 32 against 128 chunks, as the "
                  "authors' configurations)", _where(pd.concat(windows.values())),
                  HOLDS if long > short else FAILS)
    else:
        result = ("no row here", "", "cannot test here: the 200 ms or 500 ms SincNet 4Q row is not published")
    add(pandrea.PAPER, "500 ms windows beat 200 ms windows (SincNet, 4Q)", f"F +{gain} points (English)", result)
    add(pandrea.PAPER, "SincNet on Chinese (CH-818) and Turkish audio; MLP on CH-818", "Table 1, CH and TR rows",
        ("no row here", "", "cannot test here: CH-818 is not obtainable and TR-MUSIC's audio is not public"))

    for dataset in ("4q", "ravdess"):
        part = _rows(table, koh_dubnov.PAPER, dataset=dataset, metric="f1_macro")
        if not len(part):
            continue
        embedding = part[part["features"] != koh_dubnov.BASELINE]
        mfcc = part[part["features"] == koh_dubnov.BASELINE]
        if len(embedding) and len(mfcc):
            e, m = embedding.loc[embedding["mean"].idxmax()], mfcc.loc[mfcc["mean"].idxmax()]
            result = (f"best embedding {e['features']} + {e['method']} {e['mean']:.3f} vs best MFCC row "
                      f"({m['method']}) {m['mean']:.3f} (macro F1)", _where(part),
                      HOLDS if e["mean"] > m["mean"] else FAILS)
            add(koh_dubnov.PAPER, f"deep audio embeddings beat MFCC statistics ({dataset})",
                "Figure 3: every embedding above the MFCC baseline", result)
    add(koh_dubnov.PAPER, "L3-Net beats VGGish, and its 6144-value embedding beats its 512-value one",
        "Figure 3", ("no row here", "", "cannot test here: OpenL3 and VGGish weights are not obtainable"))
    svr = _rows(table, koh_dubnov.PAPER, metric="r2_arousal")
    svr_v = _rows(table, koh_dubnov.PAPER, metric="r2_valence")
    if len(svr) and len(svr_v):
        a, v = svr["mean"].max(), svr_v["mean"].max()
        result = (f"best SVR R²: arousal {a:.3f}, valence {v:.3f} (4Q tag-derived labels)", _where(svr),
                  HOLDS if a > v else FAILS)
    else:
        result = ("no row here", "", "cannot test here: no SVR rows published")
    theirs = "; ".join(f"{e['metric']} {e['l3net']:.3f}" for e in koh_dubnov.TABLE2_PAPER if e["dataset"] == "emomusic")
    add(koh_dubnov.PAPER, "arousal is predicted better than valence", f"emoMusic, L3-Net: {theirs}", result)

    grekow_records = results.published("du_grekow")
    if grekow_records is not None:
        for claim in du.grekow_claims(du.va_summary(grekow_records)).to_dict("records"):
            add(du.PAPER, f"Grekow: {claim['claim']} [{claim['input']}; {claim['data']}]",
                "the review's statement, no figure",
                (claim["figures"], claim["data"], HOLDS if claim["holds here"] == "yes" else FAILS))
    for dataset in ("turkish", "4q"):
        cldnn = _rows(table, du.PAPER, dataset=dataset, metric="accuracy", method="cfs_cldnn")
        others = [f"cfs_{m}" for m in du.HIZLISOY_METHODS if m != "cldnn"]
        if len(cldnn):
            add(du.PAPER, f"Hizlisoy et al.: the CLDNN beats kNN, SVM and random forest ({dataset})",
                f"{du.REVIEW_HIZLISOY_ACCURACY} % accuracy on TEM (not here)",
                _better(table, du.PAPER, "cfs_cldnn", others, dataset=dataset, metric="accuracy"))
    orjesek = _rows(table, du.PAPER, dataset="synthetic", metric="r2_valence", method=["orjesek_ir", "orjesek_dense"])
    if len(orjesek) == 2:
        by = orjesek.set_index("method")["mean"]
        add(du.PAPER, "Orjesek et al.: iterative reconstruction improves valence", "the review's statement",
            (f"IR {by['orjesek_ir']:.3f} vs dense {by['orjesek_dense']:.3f} (R² valence, a simulation)",
             _where(orjesek), HOLDS if by["orjesek_ir"] > by["orjesek_dense"] else FAILS))
    parisi = _rows(table, du.PAPER, metric="accuracy", method=["cnn_vocals_repetsim", "cnn_full_mix"])
    parisi_records = results.published("du_parisi")
    if len(parisi) == 2 and parisi_records is not None and parisi_records["fold"].nunique() > 1:
        by = parisi.set_index("method")["mean"]
        test = compare_methods(parisi_records, "cnn_vocals_repetsim", "cnn_full_mix", "accuracy")
        result = (f"vocals (REPET-SIM) {by['cnn_vocals_repetsim']:.3f} vs full mix {by['cnn_full_mix']:.3f} "
                  f"(accuracy; corrected paired t-test p = {test.p_value:.3f})", _where(parisi),
                  HOLDS if by["cnn_vocals_repetsim"] > by["cnn_full_mix"] else FAILS)
    else:
        result = ("no row here", "", "cannot test here: no published Parisi run with several folds")
    add(du.PAPER, "Parisi et al.: the vocals alone improve the classification (audio branch)",
        "the review's statement, no figure", result)
    return pd.DataFrame(rows, columns=LEDGER_COLUMNS)


# --- mer predict against the emoMusic 2 Hz curves --------------------------------------------------------

TIMELINE_COLUMNS = ["track_id", "start_s", "end_s", "valence", "arousal", "annotated_valence",
                    "annotated_arousal", "annotation_samples", "model", "model_code_version", "code_version",
                    "machine"]
"""Columns of :func:`emomusic_timelines`: the model's window estimates (1-9) and the annotations of the
same seconds (their 2 Hz samples averaged, mapped from -1..1 to 1-9 by ``5 + 4 x``), the model and
the code that trained it, and the code and machine that ran it."""


def emomusic_timelines(model, tracks: pd.DataFrame, dynamic: pd.DataFrame, *, progress: bool = False) -> pd.DataFrame:
    """Run ``model`` window by window (:func:`mer_core.predict.predict_file` with ``timeline``) over
    the clips of ``tracks`` that have audio, beside their dynamic annotations.

    The annotations of a window are the mean of the 2 Hz samples in ``[start_s, end_s)`` (emoMusic
    annotates seconds 15 to 45 of each 45 s clip, so the first windows have none and are dropped),
    mapped from the -1..1 scale to 1-9 by ``5 + 4 x`` so that both curves share the axis of the
    model's 4Q labels (Warriner's 1-9 norms); correlations do not depend on that mapping. A clip
    that cannot be decoded is skipped and listed in ``attrs["skipped"]``.

    Parameters
    ----------
    model : mer_core.predict.EmotionModel
    tracks : DataFrame
        :func:`mer_core.datasets.emomusic.load` (``has_audio``, ``path``).
    dynamic : DataFrame
        :func:`mer_core.datasets.emomusic.load_dynamic`.

    Returns
    -------
    DataFrame
        :data:`TIMELINE_COLUMNS`, one row per window with annotations.

    Used by: notebooks/comparison.ipynb.
    """
    from ..audio import AudioError
    from ..predict import predict_file
    from ..progress import progress as progress_bar
    from ..provenance import code_version, machine

    provenance = [model.name, model.provenance.get("code_version", ""), code_version(), machine()]
    rows, skipped = [], []
    clips = tracks[tracks["has_audio"]]
    by_song = {tid: part for tid, part in dynamic.groupby("track_id", sort=False)}
    for clip in progress_bar(clips.itertuples(), total=len(clips), desc="emoMusic clips", disable=not progress):
        try:
            result = predict_file(model, clip.path, timeline=True)
        except AudioError as err:
            skipped.append(f"{clip.track_id}: {err}")
            continue
        curve = by_song.get(clip.track_id)
        if curve is None:
            skipped.append(f"{clip.track_id}: no dynamic annotations")
            continue
        for window in result["windows"]:
            inside = curve[(curve["time_s"] >= window["start_s"]) & (curve["time_s"] < window["end_s"])]
            if inside.empty:
                continue
            rows.append([clip.track_id, window["start_s"], window["end_s"], window["valence"], window["arousal"],
                         5 + 4 * float(inside["valence"].mean()), 5 + 4 * float(inside["arousal"].mean()),
                         len(inside), *provenance])
    out = pd.DataFrame(rows, columns=TIMELINE_COLUMNS)
    out.attrs["skipped"] = skipped
    return out


def timeline_agreement(timelines: pd.DataFrame) -> pd.DataFrame:
    """How the model's window estimates follow the annotated curves, per dimension.

    Pearson's r within each clip (over its windows; the median over clips, and how many clips have
    r > 0), r of the clip means across clips (does the model rank the clips as the raters do?),
    and the mean offset (model minus annotation, 1-9 scale) over all windows.

    Returns
    -------
    DataFrame
        One row per dimension: ``dimension, clips, windows, median_r_within_clip, clips_r_above_0,
        r_between_clips, mean_offset``.

    Used by: notebooks/comparison.ipynb.
    """
    from ..evaluation import pearson_r

    if timelines.empty:
        raise ParameterError("no timeline windows to compare")
    rows = []
    for dimension in ("valence", "arousal"):
        predicted, annotated = timelines[dimension], timelines[f"annotated_{dimension}"]
        within = [pearson_r(part[f"annotated_{dimension}"], part[dimension])
                  for _, part in timelines.groupby("track_id") if len(part) > 2]
        within = [r for r in within if np.isfinite(r)]  # a flat curve has no correlation
        means = timelines.groupby("track_id")[[dimension, f"annotated_{dimension}"]].mean()
        rows.append({"dimension": dimension, "clips": timelines["track_id"].nunique(), "windows": len(timelines),
                     "median_r_within_clip": round(float(np.median(within)), 3) if within else np.nan,
                     "clips_r_above_0": f"{sum(r > 0 for r in within)} of {len(within)}",
                     "r_between_clips": round(pearson_r(means[f"annotated_{dimension}"], means[dimension]), 3)
                     if len(means) > 2 else np.nan,
                     "mean_offset": round(float((predicted - annotated).mean()), 3)})
    return pd.DataFrame(rows)


def plot_timelines(timelines: pd.DataFrame, *, columns: int = 5):
    """One panel per clip: the annotated valence and arousal (solid) and the model's (dashed), 1-9,
    against the window's start.

    Used by: notebooks/comparison.ipynb.
    """
    import matplotlib.pyplot as plt

    clips = list(dict.fromkeys(timelines["track_id"]))
    if not clips:
        raise ParameterError("no timeline windows to plot")
    rows = -(-len(clips) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(2.6 * columns, 2.2 * rows), sharex=True, sharey=True,
                             squeeze=False, layout="constrained")
    colours = {"valence": "tab:blue", "arousal": "tab:red"}
    for ax, clip in zip(axes.flat, clips):
        part = timelines[timelines["track_id"] == clip]
        for dimension, colour in colours.items():
            ax.plot(part["start_s"], part[f"annotated_{dimension}"], color=colour, lw=1.5,
                    label=f"{dimension}, annotated")
            ax.plot(part["start_s"], part[dimension], color=colour, lw=1.2, ls="--", label=f"{dimension}, model")
        ax.set_title(f"song {clip}", fontsize="small")
        ax.set_ylim(1, 9)
    for ax in axes.flat[len(clips):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("window start (s)")
    for ax in axes[:, 0]:
        ax.set_ylabel("1-9")
    axes.flat[0].legend(fontsize="x-small", loc="lower left")
    return fig
