"""One shared protocol: the method each paper puts forward, rerun on the same 4Q folds.

The paper chapters run each paper's protocol, so their figures cannot be compared pairwise. Here
one method per paper runs on the real 4Q clips under one repeated cross-validation
(:data:`PROFILES`: 10 x 10 at ``cpu``), grouped by song and stratified by quadrant, with the same
seed and clip order for all, so fold *j* of every method tests the same clips. Methods are then
compared pairwise with Nadeau & Bengio's corrected resampled t-test (:mod:`mer_core.significance`),
which allows for the training clips the folds share, and ranked with corrected 95 % intervals
(:func:`ranking`, :func:`pairwise`, :func:`plot_ranking`).

The methods (:data:`METHODS`), each the one its paper puts forward that runs on 4Q here:

* Louro et al.: the SVM baseline (RBF SVM, C and gamma by Bayesian search inside each training
  fold) on Panda et al.'s top-100 features, their best on 4Q;
* Pandrea et al.: the MLP with one hidden layer of 100 on IS13 ComParE, their baseline that beat
  SincNet on 4Q;
* Koh & Dubnov: an embedding and a random forest (their Table 3), with musicnn MSD's penultimate
  layer standing in for L3-Net, whose weights are not obtainable; the same model as ``mer predict``;
* Du's review, through Hizlisoy et al.'s standard-features path: correlation-based feature
  selection and an RBF SVM on IS13 ComParE (the review's best-documented model that runs on 4Q;
  their CNN features are left out, as they cost a network per fold).

Quan & Dong regress valence and arousal and classify nothing: they are not in this protocol.
Every piece (one method, all folds) is kept in the run store (:mod:`mer_core.runstore`).
"""
from __future__ import annotations


import numpy as np
import pandas as pd

from .. import runstore
from ..config import check_profile
from ..errors import ParameterError
from ..evaluation import cross_validate

PROFILES = {"smoke": {"cv": "3x1", "clips_per_class": 8, "svm_n_iter": 6},
            "cpu": {"cv": "10x10", "clips_per_class": None, "svm_n_iter": 20},
            "paper": {"cv": "10x10", "clips_per_class": None, "svm_n_iter": 50}}
"""Per profile: the protocol (folds x repetitions, seeds ``seed*1000 + r``), the clips per quadrant
(None: all 900; smoke: 8) and the Bayesian-search evaluations of Louro et al.'s SVM (as their
chapter's profiles)."""

PROTOCOL_PREFIX = "shared"
"""The records' ``protocol`` is ``shared <cv>``, so the comparison chapter never pools them with the
chapters' own runs of the same methods."""

METHODS = {
    "louro_svm": {"paper": "Louro et al.", "method": "SVM Baseline", "input": "top100",
                  "features": "top-100 (Panda et al.)"},
    "pandrea_mlp": {"paper": "Pandrea et al.", "method": "mlp", "input": "is13_compare",
                    "features": "IS13 ComParE"},
    "koh_dubnov_rf": {"paper": "Koh & Dubnov", "method": "random_forest", "input": "musicnn_msd",
                      "features": "musicnn MSD penultimate (for L3-Net)"},
    "du_hizlisoy": {"paper": "Du", "method": "cfs_rbf_svm", "input": "is13_compare",
                    "features": "IS13 ComParE (Hizlisoy et al.'s standard features)"},
}
"""The shared protocol's methods: the paper, its method and input as the records name them."""

STORE = "shared_protocol"
CODE = ("experiments.shared", "models.zoo", "models.cfs", "models.validation_search")
"""Modules whose source is part of every run-store key."""


def settings(profile: str) -> dict:
    """The settings of ``profile`` (:data:`PROFILES`)."""
    return PROFILES[check_profile(profile)]


def build(name: str, profile: str, seed: int = 0):
    """The unfitted estimator of method ``name`` (:data:`METHODS`); everything it learns (scaling,
    selection, search) it learns on the training fold.

    Used by: :func:`run`.
    """
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from ..models.cfs import CFS
    from ..models.zoo import make_classifier

    if name == "louro_svm":
        return make_classifier("svm_bayes", random_state=seed, n_iter=settings(profile)["svm_n_iter"], inner_cv=5)
    if name == "pandrea_mlp":
        return make_classifier("mlp", random_state=seed)
    if name == "koh_dubnov_rf":
        return make_classifier("random_forest", random_state=seed)
    if name == "du_hizlisoy":
        # CFS reads correlations, which scaling does not change; the SVM gets its own scaler
        return Pipeline([("scale", StandardScaler()), ("cfs", CFS()),
                         ("model", make_classifier("rbf_svm", random_state=seed))])
    raise ParameterError(f"unknown method {name!r}; choose one of {', '.join(METHODS)}")


def inputs(tracks: pd.DataFrame, top100: pd.DataFrame | None, profile: str, seed: int = 0, *,
           progress: bool = False) -> tuple[pd.DataFrame, dict]:
    """Every method's input for the same 4Q clips, in one order.

    The profile's clips (:func:`mer_core.experiments.features.subset`), restricted to those that
    have the top-100 row (when ``top100`` is given) and that every extractor decoded; the clips
    left out are counted in ``attrs["left_out"]`` of the returned tracks.

    Returns
    -------
    tracks : DataFrame
        The clips, in the order of every array.
    X : dict
        ``{input: (n_clips, n_features)}`` for the inputs of :data:`METHODS` present.

    Used by: notebooks/comparison.ipynb.
    """
    from ..features.base import extract
    from ..features.registry import get
    from .features import subset
    from .pandrea import aligned_features

    chosen = subset(tracks.dropna(subset=["quadrant"]), settings(profile)["clips_per_class"], seed)
    names = sorted({m["input"] for m in METHODS.values()} - {"top100"})
    sets = {name: extract(chosen, get(name), progress=progress, n_jobs=None if get(name).parallel else 1)
            for name in names}
    X, kept = aligned_features(sets)
    if top100 is not None:
        rows = top100.set_index("SongID")
        present = kept["track_id"].isin(rows.index).to_numpy()
        kept, X = kept[present].reset_index(drop=True), {k: v[present] for k, v in X.items()}
        X["top100"] = rows.loc[kept["track_id"]].drop(columns=["Quadrant"]).to_numpy(dtype=float)
        disagree = (rows.loc[kept["track_id"], "Quadrant"].to_numpy() != kept["quadrant"].to_numpy()).sum()
        if disagree:
            raise ParameterError(f"the top-100 table and the 4Q metadata disagree on {disagree} quadrants")
    kept.attrs["left_out"] = len(chosen) - len(kept)
    return kept, X


def run(tracks: pd.DataFrame, X: dict, profile: str, seed: int = 0, *, methods=None, store=None, n_jobs: int = 1,
        progress: bool = False) -> pd.DataFrame:
    """Every method of :data:`METHODS` whose input is in ``X``, on the same splits.

    With ``store`` each finished method is kept under a key of its name, the profile's settings,
    the seed, its input's and labels' digest and the code (:data:`CODE`).

    Returns
    -------
    DataFrame
        Records (:data:`mer_core.evaluation.RECORD_COLUMNS`), ``protocol`` ``shared <cv>``;
        ``attrs["not_run"]`` lists the methods whose input is missing.

    Used by: notebooks/comparison.ipynb.
    """
    s = settings(profile)
    chosen = list(methods or METHODS)
    unknown = [m for m in chosen if m not in METHODS]
    if unknown:
        raise ParameterError(f"unknown methods {unknown}; choose from {', '.join(METHODS)}")
    y, groups = tracks["quadrant"].to_numpy().astype(str), tracks["group"].to_numpy().astype(str)
    parts, not_run = [], []
    for name in chosen:
        spec = METHODS[name]
        if spec["input"] not in X:
            not_run.append(name)
            continue
        key = runstore.run_key({"method": name, "profile": profile, "settings": s, "seed": seed,
                                "inputs": runstore.array_digest(X[spec["input"]], y.astype("U"), groups.astype("U"))}, CODE)
        res = runstore.load(store, key)
        if res is None:
            res = cross_validate(build(name, profile, seed), X[spec["input"]], y, groups=groups, cv=s["cv"],
                                 seed=seed, n_jobs=n_jobs, progress=progress, paper=spec["paper"],
                                 method=spec["method"], features=spec["features"], dataset="4q", profile=profile)
            runstore.save(store, key, res)
        parts.append(res.records.assign(protocol=f"{PROTOCOL_PREFIX} {s['cv']}"))
    records = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    records.attrs["not_run"] = not_run
    return records


def _label(records: pd.DataFrame) -> pd.Series:
    return records["paper"] + ": " + records["method"] + " (" + records["features"] + ")"


def ranking(records: pd.DataFrame, metric: str = "f1_macro") -> pd.DataFrame:
    """Methods by mean ``metric`` over the shared folds, with a corrected 95 % interval.

    The interval is ``mean ± t(k-1) sqrt((1/k + n_test/n_train) s²)`` over the k folds: Nadeau &
    Bengio's variance correction, so it is wider than the naive t-interval by the share of
    training clips the folds have in common.

    Returns
    -------
    DataFrame
        ``method`` (paper: method (input)), ``folds, mean, ci95_low, ci95_high, rank`` (1 = best).

    Used by: notebooks/comparison.ipynb.
    """
    from scipy import stats

    part = records[records["metric"] == metric]
    if part.empty:
        raise ParameterError(f"no {metric} records")
    rows = []
    for label, g in part.assign(label=_label(part)).groupby("label", sort=False):
        k = len(g)
        ratio = float(g["n_test"].median()) / float(g["n_train"].median())
        half = stats.t.ppf(0.975, k - 1) * np.sqrt((1 / k + ratio) * g["value"].var(ddof=1)) if k > 1 else np.nan
        rows.append({"method": label, "folds": k, "mean": g["value"].mean(), "ci95_low": g["value"].mean() - half,
                     "ci95_high": g["value"].mean() + half})
    out = pd.DataFrame(rows).sort_values("mean", ascending=False, ignore_index=True)
    out["rank"] = np.arange(1, len(out) + 1)
    return out


def pairwise(records: pd.DataFrame, metric: str = "f1_macro") -> pd.DataFrame:
    """Every pair of methods by :func:`mer_core.significance.compare_methods` on the shared folds,
    with Holm's step-down adjustment over the pairs.

    Returns
    -------
    DataFrame
        ``better, worse`` (by mean), ``difference, t, p, p_holm, wins`` (folds the better one won,
        of ``folds``), ``folds, significant`` (p_holm < 0.05), best pairs first.

    Used by: notebooks/comparison.ipynb.
    """
    from ..significance import compare_methods

    part = records[records["metric"] == metric].assign(method=lambda d: _label(d))
    order = ranking(records, metric)["method"].tolist()
    rows = []
    for i, a in enumerate(order):
        for b in order[i + 1:]:
            test = compare_methods(part, a, b, metric)
            rows.append({"better": a, "worse": b, "difference": test.mean_difference, "t": test.t,
                         "p": test.p_value, "wins": test.wins, "folds": test.folds})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    # Holm: the i-th smallest p times (m - i), made monotone, capped at 1
    order_p = np.argsort(out["p"].to_numpy())
    m = len(out)
    adjusted = np.maximum.accumulate([(m - i) * out["p"].iloc[j] for i, j in enumerate(order_p)])
    out.loc[out.index[order_p], "p_holm"] = np.minimum(adjusted, 1.0)
    out["significant"] = out["p_holm"] < 0.05
    return out


def plot_ranking(records: pd.DataFrame, metric: str = "f1_macro", *, ax=None):
    """The ranking as a dot plot with corrected 95 % intervals; methods that no Holm-adjusted test
    separates are joined by a bar on the right (as in a critical-difference diagram).

    Used by: notebooks/comparison.ipynb.
    """
    import matplotlib.pyplot as plt

    table = ranking(records, metric)
    tests = pairwise(records, metric)
    ax = ax or plt.subplots(figsize=(8, 0.6 * len(table) + 1.2))[1]
    y = np.arange(len(table))[::-1]
    ax.errorbar(table["mean"], y, xerr=[table["mean"] - table["ci95_low"], table["ci95_high"] - table["mean"]],
                fmt="o", color="black", capsize=3)
    ax.set_yticks(y, table["method"])
    ax.set_xlabel(f"{metric}: mean over the shared folds, corrected 95 % interval")
    # groups: maximal runs of consecutive ranks with no significant pair inside
    separated = {(r.better, r.worse) for r in tests.itertuples() if r.significant} if len(tests) else set()
    names = table["method"].tolist()
    right = float(table["ci95_high"].max())
    span = right - float(table["ci95_low"].min())
    x, drawn = right + 0.03 * span, []
    for start in range(len(names)):
        end = start
        while end + 1 < len(names) and all((names[i], names[end + 1]) not in separated for i in range(start, end + 1)):
            end += 1
        if end > start and not any(s <= start and end <= e for s, e in drawn):
            ax.plot([x, x], [y[start], y[end]], lw=4, color="tab:grey", solid_capstyle="round")
            drawn.append((start, end))
            x += 0.02 * span
    ax.set_xlim(right=x + 0.02 * span)
    ax.grid(axis="x", alpha=0.3)
    return ax
