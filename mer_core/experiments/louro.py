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
