"""Koh & Dubnov, "Comparison and Analysis of Deep Audio Embeddings for Music Emotion Recognition".

Their protocol: 80 % train / 10 % validation / 10 % test, 20 repetitions, accuracy first and
macro F1 beside it, over a zoo of classifiers; MFCC statistics are the baseline features.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import check_profile
from ..evaluation import CVResult, cross_validate
from ..models import ZOO, make_classifier

PAPER = "Koh & Dubnov"

ZOO_PROFILES = {
    "smoke": {"cv": "holdout80-10-10x2"},
    "cpu": {"cv": "holdout80-10-10x20"},
    "paper": {"cv": "holdout80-10-10x20"},
}
"""Protocol per profile (the paper's 20 repetitions of 80/10/10 from ``cpu`` up)."""

TABLE3_L3NET_RF_4Q = {"Q1": 0.73, "Q2": 0.83, "Q3": 0.66, "Q4": 0.62, "accuracy": 0.72}
"""The paper's Table 3 (L3-Net + random forest on 4Q): per-quadrant F1 and accuracy (copied)."""


def classifier_zoo(X: np.ndarray, y, *, groups=None, features: str, dataset: str, profile: str,
                   seed: int = 0, classifiers=ZOO, n_jobs: int = 1) -> CVResult:
    """Evaluate every classifier of the zoo on one feature matrix under the paper's protocol.

    The validation tenth of each split is left unused by these classifiers (the MLP
    holds out its own early-stopping tenth of the training part), so the test tenth is
    never seen before scoring.

    Returns
    -------
    CVResult
        Records of all classifiers; ``predictions`` gains a ``method`` column.

    Used by: notebooks/koh_dubnov.ipynb.
    """
    cv = ZOO_PROFILES[check_profile(profile)]["cv"]
    records, predictions = [], []
    for name in classifiers:
        res = cross_validate(make_classifier(name, random_state=seed), X, y, groups=groups, cv=cv, seed=seed,
                             n_jobs=n_jobs, paper=PAPER, method=name, features=features, dataset=dataset,
                             profile=profile)
        records.append(res.records)
        predictions.append(res.predictions.assign(method=name))
    return CVResult(pd.concat(records, ignore_index=True), pd.concat(predictions, ignore_index=True))
