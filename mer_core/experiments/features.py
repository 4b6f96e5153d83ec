"""The feature-set chapter: every representation the papers use, side by side on the same clips."""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ..config import check_profile, profile_label
from ..evaluation import CVResult, cross_validate
from ..features import extract
from ..features.registry import get

FEATURE_SETS = {
    "mfcc_stats": "none needed (librosa)",
    "is13_compare": "none needed (openSMILE IS13_ComParE.conf)",
    "compare2016": "none needed (openSMILE ComParE_2016)",
    "egemaps": "none needed (openSMILE eGeMAPSv02)",
    "essentia_lowlevel": "none needed (Essentia standard algorithms)",
    "musicnn_mtt": "real: musicnn 0.1.0 wheel, MTT_musicnn (MagnaTagATune)",
    "musicnn_msd": "real: musicnn 0.1.0 wheel, MSD_musicnn (Million Song Dataset)",
    "vgg_mtt": "real: musicnn 0.1.0 wheel, MTT_vgg (MagnaTagATune)",
    "vgg_msd": "real: musicnn 0.1.0 wheel, MSD_vgg (Million Song Dataset)",
    "aisfx": "real: aisfx 0.1.2 wheel (sound-effects libraries)",
    "openl3_512": "official OpenL3 weights (openl3 package, downloaded at its install): absent here",
    "openl3_6144": "official OpenL3 weights (openl3 package, downloaded at its install): absent here",
    "vggish": "official VGGish weights (AudioSet): absent here",
}
"""Feature sets of the chapter and where their weights come from (when they need any)."""

PROBE_PROFILES = {"smoke": {"clips_per_class": 12, "cv": "3x1"},
                  "cpu": {"clips_per_class": None, "cv": "5x1"},
                  "paper": {"clips_per_class": None, "cv": "5x2"}}
"""Clips per quadrant (None: all) and protocol of the linear probe per profile."""


def subset(tracks: pd.DataFrame, clips_per_class: int | None, seed: int = 0, label: str = "quadrant") -> pd.DataFrame:
    """A stratified, seeded subset of ``clips_per_class`` clips per label (all clips when None).

    Used by: notebooks/features.ipynb, notebooks/louro_dl.ipynb (smoke profile).
    """
    if clips_per_class is None:
        return tracks.reset_index(drop=True)
    rng = np.random.default_rng(seed)
    keep = [rng.choice(idx, min(len(idx), clips_per_class), replace=False)
            for _, idx in sorted(tracks.groupby(label).indices.items())]
    return tracks.iloc[np.sort(np.concatenate(keep))].reset_index(drop=True)


def linear_probe() -> Pipeline:
    """Standardise, then multinomial logistic regression (C=1): a quick read of linear separability."""
    return Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(C=1.0, max_iter=5000))])


def extract_all(tracks: pd.DataFrame, names=tuple(FEATURE_SETS), n_jobs: int | None = None) -> dict:
    """Extract each feature set whose weights are present; returns ``{name: FeatureSet or reason}``.

    An extractor without its real weights is reported (the reason string), never replaced.

    Used by: notebooks/features.ipynb.
    """
    out = {}
    for name in names:
        ex = get(name)
        if ex.requires_weights and not ex.weights_available():
            out[name] = f"not run: {FEATURE_SETS.get(name, 'weights absent')}"
            continue
        out[name] = extract(tracks, ex, n_jobs=n_jobs)
    return out


def probe_all(feature_sets: dict, *, profile: str, seed: int = 0, dataset: str = "4q",
              clips_per_class: int | None = None) -> CVResult:
    """Linear-probe macro-F1 of every extracted feature set (same clips, same folds).

    ``clips_per_class`` says the clips were a subset other than the profile's; the records then
    name it in their ``profile`` (:func:`mer_core.config.profile_label`).

    Used by: notebooks/features.ipynb.
    """
    cv = PROBE_PROFILES[check_profile(profile)]["cv"]
    label = profile_label(profile, clips_per_class=clips_per_class)
    records, preds = [], []
    for name, feats in feature_sets.items():
        if isinstance(feats, str):
            continue
        X = np.asarray(feats.X, dtype=float)
        res = cross_validate(linear_probe(), X, feats.tracks["quadrant"].to_numpy(),
                             groups=feats.tracks["group"].to_numpy(), cv=cv, seed=seed, n_jobs=2, progress=False,
                             paper="(feature sets)", method="linear probe", features=name, dataset=dataset,
                             profile=label)
        records.append(res.records)
        preds.append(res.predictions.assign(features=name))
    return CVResult(pd.concat(records, ignore_index=True), pd.concat(preds, ignore_index=True))
