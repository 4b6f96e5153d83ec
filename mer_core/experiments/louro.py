"""Louro et al., "Improving Deep Learning Methodologies for Music Emotion Recognition".

Table 1 of the paper, Original-4QAED column (macro F1, 10-fold x 10-repetition stratified CV).
"""
from __future__ import annotations

import pandas as pd

from ..config import check_profile
from ..evaluation import CVResult, cross_validate, summarize
from ..models import make_classifier

PAPER = "Louro et al."

TABLE1_ORIGINAL_4QAED = {
    "SVM Baseline": 75.59, "DL Baseline": 60.62, "Baseline with GRU": 60.07, "CRNN": 64.63,
    "Hybrid Augmented": 68.04, "ShortChunk CNN": 60.61, "Sample CNN": 60.92, "OpenL3": 55.70,
    "Autoencoder": 50.18, "Baseline + TFM": 62.03, "Baseline + SB": 62.12, "Baseline + RG": 62.24,
    "Baseline + DeepSMOTE": 60.70, "Artists CNN": 50.85, "CRNN Pre-trained MTAT": 50.21,
}
"""The paper's Table 1, Original-4QAED column, macro F1 in percent (copied from the paper)."""

SVM_PROFILES = {
    "smoke": {"cv": "5x1", "n_iter": 8, "inner_cv": 3},
    "cpu": {"cv": "10x10", "n_iter": 20, "inner_cv": 5},
    "paper": {"cv": "10x10", "n_iter": 50, "inner_cv": 5},
}
"""Protocol per profile for the SVM baseline: outer CV, Bayesian-search evaluations, inner folds."""


def svm_baseline(top100: pd.DataFrame, *, profile: str, seed: int = 0, n_jobs: int = 1,
                 dataset: str = "4q") -> CVResult:
    """Louro et al.'s SVM baseline: RBF SVM on the top-100 features, C and gamma by Bayesian search.

    The search (scikit-optimize, macro-F1, inner stratified k-fold) runs inside each outer
    training fold, as does feature scaling, so no test row influences any choice.

    Parameters
    ----------
    top100 : DataFrame
        :func:`mer_core.datasets.fourq.load_top100` (``SongID``, 100 features, ``Quadrant``).
    profile : str
        See :data:`SVM_PROFILES`.

    Used by: notebooks/louro_svm.ipynb.
    """
    settings = SVM_PROFILES[check_profile(profile)]
    X = top100.drop(columns=["SongID", "Quadrant"]).to_numpy(dtype=float)
    y = top100["Quadrant"].to_numpy()
    model = make_classifier("svm_bayes", random_state=seed, n_iter=settings["n_iter"], inner_cv=settings["inner_cv"])
    return cross_validate(model, X, y, groups=top100["SongID"].to_numpy(), cv=settings["cv"], seed=seed,
                          n_jobs=n_jobs, paper=PAPER, method="SVM Baseline", features="top-100 (Panda et al.)",
                          dataset=dataset, profile=profile)


def svm_table(records: pd.DataFrame) -> pd.DataFrame:
    """The SVM baseline beside the paper's figure: one row per source (this run / published edition)
    with data size, protocol, folds, profile, mean ± std, 95 % interval and the difference.

    Used by: notebooks/louro_svm.ipynb.
    """
    f1 = summarize(records, ["f1_macro"])
    clips = records.groupby(["dataset", "profile"])[["n_train", "n_test"]].median().sum(axis=1)
    paper_f1 = TABLE1_ORIGINAL_4QAED["SVM Baseline"]
    rows = []
    for r in f1.itertuples():
        rows.append({"method": "SVM Baseline (top-100 features, RBF SVM, Bayesian search)",
                     "source": getattr(r, "source", ""),
                     "data": f"{r.dataset} top-100 features ({clips[(r.dataset, r.profile)]:.0f} songs)",
                     "protocol": f"{r.protocol} ({r.n} folds)", "profile": r.profile,
                     "paper F1 (%)": paper_f1, "ours F1 (%)": f"{100 * r.mean:.2f} ± {100 * r.std:.2f}",
                     "ours 95% CI": f"[{100 * r.ci95_low:.2f}, {100 * r.ci95_high:.2f}]",
                     "difference (points)": round(100 * r.mean - paper_f1, 2)})
    return pd.DataFrame(rows).set_index("method")


def fold_collapse(records: pd.DataFrame, predictions: pd.DataFrame, *, share: float = 0.5) -> pd.DataFrame:
    """Per fold of each row: its macro F1 and how unevenly it spread its test clips over the quadrants.

    A fold is ``collapsed`` when one quadrant receives at least ``share`` of its test clips: twice
    the 25 % a quadrant holds in the balanced 4Q folds. Louro et al. stop training as soon as the
    accuracy on an epoch's training batches reaches 90 % and keep that last epoch, with no
    validation set; a network can meet that stop and still send most test clips to one quadrant.

    Parameters
    ----------
    records : pandas.DataFrame
        Tidy records (``method``, ``fold``, ``metric``, ``value``) with ``f1_macro``.
    predictions : pandas.DataFrame
        One row per test clip: ``method``, ``fold``, ``y_true``, ``y_pred``.
    share : float
        Share of a fold's test clips in one predicted quadrant from which the fold counts as collapsed.

    Returns
    -------
    pandas.DataFrame
        Index ``(method, fold)``; columns ``f1_macro``, ``top_prediction`` (the quadrant predicted
        most), ``top_share`` and ``collapsed``.

    Used by: notebooks/louro_dl.ipynb (the folds that fail).
    """
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], got {share}")
    missing = {"method", "fold", "y_true", "y_pred"} - set(predictions.columns)
    if missing:
        raise ValueError(f"predictions lack columns {sorted(missing)}")
    counts = predictions.groupby(["method", "fold"])["y_pred"].value_counts(normalize=True)
    top = counts.groupby(level=["method", "fold"]).head(1).reset_index(level="y_pred")
    f1 = records[records["metric"] == "f1_macro"].groupby(["method", "fold"])["value"].mean()
    out = pd.DataFrame({"f1_macro": f1.reindex(top.index), "top_prediction": top["y_pred"],
                        "top_share": top["proportion"]})
    out["collapsed"] = out["top_share"] >= share
    return out


def collapse_summary(folds: pd.DataFrame) -> pd.DataFrame:
    """Each row's macro F1 over all its folds and over its folds that did not collapse.

    ``folds`` is :func:`fold_collapse`'s table. Leaving folds out is a diagnosis of where a gap
    comes from, never a score: the table's figure stays the mean over all folds.

    Used by: notebooks/louro_dl.ipynb (the folds that fail).
    """
    rows = []
    for method, g in folds.groupby(level="method", sort=False):
        kept = g[~g["collapsed"]]
        rows.append({"method": method, "folds": len(g), "collapsed folds": int(g["collapsed"].sum()),
                     "F1 % all folds": round(100 * g["f1_macro"].mean(), 2),
                     "F1 % without collapsed folds": round(100 * kept["f1_macro"].mean(), 2) if len(kept) else None,
                     "paper F1 %": TABLE1_ORIGINAL_4QAED.get(method),
                     "worst fold F1 %": round(100 * g["f1_macro"].min(), 2),
                     "worst fold's top quadrant share": round(float(g.loc[g["f1_macro"].idxmin(), "top_share"]), 2)})
    return pd.DataFrame(rows).set_index("method")


def seed_spread(records: pd.DataFrame) -> pd.DataFrame:
    """Macro F1 of each row under each seed of the folds and networks, and the spread across seeds.

    ``records`` holds each seed's run with the seed in a ``seed`` column. Each seed draws other
    song-level folds and other initial weights, so the spread of the seed means says how far one
    5-fold figure can move with nothing else changed.

    Returns
    -------
    pandas.DataFrame
        One row per method: ``F1 % seed <s>`` for every seed, ``mean over seeds``, ``sd of seed
        means`` (points), ``seeds``, the paper's figure and the machines that trained the folds.

    Used by: notebooks/louro_dl.ipynb (seed spread).
    """
    if "seed" not in records.columns:
        raise ValueError("records need a 'seed' column")
    f1 = records[records["metric"] == "f1_macro"]
    means = 100 * f1.groupby(["method", "seed"])["value"].mean().unstack("seed")
    table = means.round(2)
    table.columns = [f"F1 % seed {s}" for s in means.columns]
    table["mean over seeds"] = means.mean(axis=1).round(2)
    table["sd of seed means"] = means.std(axis=1, ddof=1).round(2)
    table["seeds"] = means.notna().sum(axis=1)
    table["paper F1 %"] = [TABLE1_ORIGINAL_4QAED.get(m) for m in table.index]
    table["machines"] = f1.groupby("method")["machine"].agg(lambda m: "; ".join(sorted(set(map(str, m)))))
    return table


def _seen_artists(tracks: pd.DataFrame, splits) -> pd.DataFrame:
    """One row per test clip of each split: its position in ``tracks``, quadrant, whether its artist has
    clips in the split's training part, and that artist's most frequent training quadrant."""
    for column in ("artist", "quadrant"):
        if column not in tracks.columns:
            raise ValueError(f"tracks lack the column {column!r}")
    artist = tracks["artist"].reset_index(drop=True)
    quadrant = tracks["quadrant"].reset_index(drop=True)
    parts = []
    for split in splits:
        train = pd.DataFrame({"artist": artist.iloc[split.train].to_numpy(),
                              "quadrant": quadrant.iloc[split.train].to_numpy()}).dropna(subset=["artist"])
        # ties go to the first quadrant in sorted order, so the table does not depend on row order
        majority = train.groupby("artist")["quadrant"].agg(lambda q: q.value_counts().sort_index().idxmax())
        test_artist = artist.iloc[split.test]
        parts.append(pd.DataFrame({"fold": split.fold, "index": split.test, "y_true": quadrant.iloc[split.test].to_numpy(),
                                   "seen": test_artist.isin(majority.index).to_numpy(),
                                   "artist_majority": test_artist.map(majority).to_numpy()}))
    return pd.concat(parts, ignore_index=True)


def artist_overlap(tracks: pd.DataFrame, splits) -> pd.DataFrame:
    """How much of each test fold shares its artist with the training fold, and how much that tells.

    Song-level folds keep each song's clips on one side, not each artist's: an artist with several
    songs can be on both. For a test clip whose artist has clips in the training fold ("seen"), the
    artist's most frequent training quadrant is a prediction that needs no audio at all, and a network
    pre-trained to recognise the training fold's artists (the Artists CNN row) can learn it.

    Parameters
    ----------
    tracks : pandas.DataFrame
        The run's clips with ``artist`` (missing: an unknown artist, never seen) and ``quadrant``, in
        the order ``splits`` index them.
    splits : list of mer_core.evaluation.Split
        The run's folds.

    Returns
    -------
    pandas.DataFrame
        One row per fold: ``test clips``, ``seen artist`` (their number), ``seen share`` and
        ``artist-majority accuracy on seen`` (the share of seen clips whose quadrant is their artist's
        most frequent one in the training fold).

    Used by: notebooks/louro_dl.ipynb (artists on both sides of the folds).
    """
    clips = _seen_artists(tracks, splits)
    seen = clips[clips["seen"]]
    by_fold = clips.groupby("fold")
    table = pd.DataFrame({"test clips": by_fold.size(), "seen artist": by_fold["seen"].sum().astype(int)})
    table["seen share"] = (table["seen artist"] / table["test clips"]).round(3)
    hits = (seen["artist_majority"] == seen["y_true"]).groupby(seen["fold"]).mean()
    table["artist-majority accuracy on seen"] = hits.reindex(table.index).round(3)
    return table


def accuracy_by_artist(predictions: pd.DataFrame, tracks: pd.DataFrame, splits) -> pd.DataFrame:
    """Each method's accuracy on the test clips whose artist is in the training fold and on the others.

    A model that profits from recognising artists (see :func:`artist_overlap`) gains on the seen
    clips only; one that learned what sounds like each quadrant gains on both.

    Parameters
    ----------
    predictions : pandas.DataFrame
        One row per test clip: ``method``, ``fold``, ``index`` (position in ``tracks``), ``y_true``, ``y_pred``.
    tracks, splits
        As for :func:`artist_overlap`, the run's clips and folds that made ``predictions``.

    Returns
    -------
    pandas.DataFrame
        One row per method: ``accuracy seen``, ``accuracy unseen`` (in %), their difference in points
        and the number of test clips of each kind over all folds.

    Used by: notebooks/louro_dl.ipynb (artists on both sides of the folds).
    """
    missing = {"method", "fold", "index", "y_true", "y_pred"} - set(predictions.columns)
    if missing:
        raise ValueError(f"predictions lack columns {sorted(missing)}")
    clips = _seen_artists(tracks, splits)[["fold", "index", "seen"]]
    joined = predictions.merge(clips, on=["fold", "index"], how="left", validate="many_to_one")
    if joined["seen"].isna().any():
        raise ValueError("predictions hold test clips that are not in the splits' test folds")
    joined["correct"] = joined["y_true"] == joined["y_pred"]
    rows = []
    for method, g in joined.groupby("method", sort=False):
        seen, unseen = g[g["seen"].astype(bool)], g[~g["seen"].astype(bool)]
        rows.append({"method": method, "accuracy seen %": round(100 * seen["correct"].mean(), 2),
                     "accuracy unseen %": round(100 * unseen["correct"].mean(), 2),
                     "seen clips": len(seen), "unseen clips": len(unseen)})
    table = pd.DataFrame(rows).set_index("method")
    table["seen minus unseen (points)"] = (table["accuracy seen %"] - table["accuracy unseen %"]).round(2)
    return table


def artist_quadrants(tracks: pd.DataFrame) -> pd.Series:
    """How strongly 4Q's artists keep to one quadrant: the artists with two or more clips, how many of
    them have every clip in one quadrant, and the clips of each group (clips without an artist are
    left out).

    Used by: notebooks/louro_artists.ipynb.
    """
    for column in ("artist", "quadrant"):
        if column not in tracks.columns:
            raise ValueError(f"tracks lack the column {column!r}")
    by_artist = tracks.dropna(subset=["artist"]).groupby("artist")["quadrant"]
    clips, quadrants = by_artist.size(), by_artist.nunique()
    several = clips >= 2
    one = several & (quadrants == 1)
    return pd.Series({"artists": len(clips), "artists with 2+ clips": int(several.sum()),
                      "of them in one quadrant": int(one.sum()), "clips of artists with 2+ clips": int(clips[several].sum()),
                      "clips of those in one quadrant": int(clips[one].sum())})
