"""Koh & Dubnov, "Comparison and Analysis of Deep Audio Embeddings for Music Emotion Recognition" (2021).

Their study: pretrained audio embeddings (L3-Net 512 and 6144, VGGish 128) against an MFCC
baseline, each fed to six classifiers (SVM, naive Bayes, random forest, MLP, 1-D CNN, LSTM),
on four datasets (4Q, Bi-modal, Emotion in Music, RAVDESS song), 20 repetitions of an
80 % / 10 % / 10 % train / validation / test split; accuracy first, F1 and r² for comparison
with earlier work (their Table 2), a per-quadrant report (Table 3) and t-SNE maps (Figure 4).

Here (:data:`FEATURE_SETS`, :data:`DATASETS`, :data:`PROFILES`):

* Embeddings with real weights: musicnn MTT and MSD (penultimate layer, 200; the MTT mid-end
  pool, 753, stands for the paper's "larger embedding" comparison), the musicnn VGG taggers
  MTT and MSD (256), aiSFX (512); the MFCC statistics baseline. OpenL3 (the paper's L3-Net)
  and VGGish run only where their official weights are present, and are listed as not run
  otherwise. None of the embeddings here is scored as if it were L3-Net.
* The validation tenth of every split is used: early stopping of the neural classifiers,
  hyper-parameter choice of the others (:func:`mer_core.models.zoo.koh_dubnov_classifier`);
  only the test tenth is scored.
* Datasets: 4Q (real audio; a clip is a song, so songs never straddle), RAVDESS song (real,
  every clip truncated to 2.39 s: about 1.3 s of singing), split at random as the paper did and,
  as an extra, by actor (no singer on both sides), and the synthetic corpus (a simulation).
  Emotion in Music has 10 clips of audio here and Bi-modal is not obtainable: listed, not run.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_fscore_support

from .. import runstore
from ..config import check_profile
from ..errors import ParameterError
from ..evaluation import CVResult, cross_validate, cross_validate_regression, summarize
from ..features import extract
from ..features.registry import get
from ..features.spectral import MFCCStats
from ..models.regressors import make_regressor
from ..models.zoo import KOH_DUBNOV_CLASSIFIERS, koh_dubnov_classifier
from .features import subset

PAPER = "Koh & Dubnov"

BASELINE = "mfcc_stats"
FEATURE_SETS = {
    "mfcc_stats": "MFCC statistics, 80 (the paper's baseline)",
    "musicnn_mtt": "musicnn MTT, penultimate layer, 200",
    "musicnn_mtt_mean_pool": "musicnn MTT, mid-end mean pool, 753",
    "musicnn_msd": "musicnn MSD, penultimate layer, 200",
    "vgg_mtt": "VGG tagger MTT, pool5, 256",
    "vgg_msd": "VGG tagger MSD, pool5, 256",
    "aisfx": "aiSFX sound-effects embedding, 512",
    "openl3_512": "OpenL3 (the paper's L3-Net), 512",
    "openl3_6144": "OpenL3 (the paper's L3-Net), 6144",
    "vggish": "VGGish (the paper's), 128",
}
"""Feature sets of the chapter (registry names of :mod:`mer_core.features`) and what they are.
Each pretrained embedding is the mean of its window vectors over the clip, as the paper pools."""

PAPER_EMBEDDINGS = ("openl3_512", "openl3_6144", "vggish")
"""The paper's own embeddings: run only with their official weights (not obtainable here)."""

SIZE_PAIRS = {"musicnn_mtt": "musicnn_mtt_mean_pool"}
"""The paper compares L3-Net's 512 and 6144 embeddings (the larger one scored lower); here the
same question is asked of musicnn MTT's 200-value penultimate layer and its 753-value pool."""

SEQUENCE_WINDOW = 3.0
"""Seconds per step of the MFCC sequence given to the recurrent classifier (the windows of the
musicnn patches); the embeddings' sequences are their own windows."""

DATASETS = {
    "4q": {"label": "quadrant", "groups": "group", "short": "4Q (real)",
           "title": "4Q audio emotion (real audio)"},
    "ravdess": {"label": "emotion", "groups": None, "short": "RAVDESS song, 2.39 s\n(random split)",
                "title": "RAVDESS song, truncated to 2.39 s (real); clips split at random, as in the paper"},
    "ravdess_by_actor": {"label": "emotion", "groups": "actor", "short": "RAVDESS song, 2.39 s\n(split by actor)",
                         "title": "RAVDESS song, truncated to 2.39 s (real); split by actor (speaker-independent)"},
    "synthetic": {"label": "quadrant", "groups": "group", "short": "synthetic\n(simulation)",
                  "title": "synthetic corpus (simulation)"},
}
"""Runs of the chapter: the label column, the unit that never straddles train/validation/test
(None: each clip), a short panel label and a title naming the data. Both RAVDESS runs read the ``ravdess`` loader."""

NOT_RUN_DATASETS = {
    "Bi-modal Emotion (Malheiro et al.)": "not obtainable here (no public copy reachable)",
    "Emotion in Music (emoMusic, Soleymani et al.)": "audio of only 10 of 744 clips here: its classification "
                                                     "column cannot run (its annotations are used in Table 1)",
}

PROFILES = {
    "smoke": {"cv": "holdout80-10-10x2", "clips_per_class": 10, "features": ("mfcc_stats", "musicnn_mtt"),
              "max_epochs": 5, "patience": 3, "n_trees": 50, "perplexities": (30,)},
    "cpu": {"cv": "holdout80-10-10x5", "clips_per_class": None, "features": tuple(FEATURE_SETS),
            "max_epochs": 200, "patience": 20, "n_trees": 300, "perplexities": (5, 30, 100),
            "run_features": {"ravdess_by_actor": ("mfcc_stats", "musicnn_mtt", "aisfx")}},
    "paper": {"cv": "holdout80-10-10x20", "clips_per_class": None, "features": tuple(FEATURE_SETS),
              "max_epochs": 1000, "patience": 100, "n_trees": 500, "perplexities": (5, 15, 30, 50, 100)},
}
"""Settings per profile: protocol (80/10/10 repeated with seeds ``seed*1000 + r``), clips per
class (None: all), feature sets (those without weights are listed as not run), the neural
classifiers' epoch ceiling and patience on the validation loss, trees of the forest, and the
t-SNE perplexities. ``paper`` is the paper's 20 repetitions, 1000 epochs and patience 100 (500
trees: the paper does not say); ``cpu`` runs 5 repetitions, at most 200 epochs with patience 20
and 300 trees, to fit about an hour on two cores once the embeddings are cached (the 1-D CNN
costs about 0.3 s per epoch of 720 clips on one core), with the speaker-independent RAVDESS
split on three feature sets only and three t-SNE perplexities."""

RUN_SETTINGS = ("cv", "clips_per_class", "max_epochs", "patience", "n_trees")
"""The settings a classifier or regressor run depends on (part of its run-store key; the t-SNE
perplexities and the feature list are not)."""

CODE = ("models.zoo", "models.embedding_nets", "models.validation_search", "models.torch_estimator", "models.nets",
        "models.regression_nets", "models.regressors", "evaluation")
"""Modules whose source is part of a run-store key: the classifiers and the protocol. The rest of
a piece's inputs is in the key itself (settings, seed, a digest of the features, labels and
groups), so editing this module's tables and figures keeps the finished runs."""

TABLE1_PAPER = {
    "4q": {"Q1": 225, "Q2": 225, "Q3": 225, "Q4": 225},
    "Bi-modal": {"Q1": 52, "Q2": 45, "Q3": 31, "Q4": 34},
    "emomusic": {"Q1": 305, "Q2": 87, "Q3": 241, "Q4": 111},
    "ravdess": {"neutral": 92, "calm": 184, "happy": 184, "sad": 184, "angry": 184, "fearful": 20},
}
"""The paper's Table 1: clips per class (copied)."""

TABLE2_PAPER = [
    {"dataset": "4q", "metric": "f1_macro", "baseline": "Panda et al. 2018, domain-knowledge features",
     "baseline_value": 0.735, "l3net": 0.720},
    {"dataset": "Bi-modal", "metric": "f1_macro", "baseline": "Malheiro et al. 2016", "baseline_value": 0.726,
     "l3net": 0.880},
    {"dataset": "emomusic", "metric": "r2_arousal", "baseline": "Choi et al. 2017, convnet feature",
     "baseline_value": 0.656, "l3net": 0.671},
    {"dataset": "emomusic", "metric": "r2_valence", "baseline": "Choi et al. 2017, convnet feature",
     "baseline_value": 0.462, "l3net": 0.556},
    {"dataset": "ravdess", "metric": "accuracy", "baseline": "Arora & Chaspari 2018, siamese network",
     "baseline_value": 0.638, "l3net": 0.710},
]
"""The paper's Table 2: earlier work and its best L3-Net result per dataset (copied)."""

TABLE3_PAPER = pd.DataFrame(
    {"precision": [0.64, 0.85, 0.73, 0.64], "recall": [0.85, 0.80, 0.60, 0.61], "f1": [0.73, 0.83, 0.66, 0.62]},
    index=pd.Index(["Q1", "Q2", "Q3", "Q4"], name="quadrant"))
"""The paper's Table 3 (top): L3-Net + random forest on 4Q, per quadrant (copied); accuracy 0.72."""
TABLE3_PAPER_ACCURACY = 0.72
TABLE3_L3NET_RF_4Q = {**TABLE3_PAPER["f1"].to_dict(), "accuracy": TABLE3_PAPER_ACCURACY}
"""Table 3's per-quadrant F1 and accuracy as one mapping (the intro's catalogue reads it)."""

TARGETS = ("valence", "arousal")


def settings(profile: str) -> dict:
    """The settings of ``profile`` (:data:`PROFILES`)."""
    return PROFILES[check_profile(profile)]


def run_features(run: str, profile: str, available) -> list[str]:
    """The feature sets of ``available`` that ``profile`` runs on ``run`` (all of them unless the
    profile's ``run_features`` limits that run), in :data:`FEATURE_SETS` order.

    Used by: notebooks/koh_dubnov.ipynb.
    """
    limit = settings(profile).get("run_features", {}).get(run)
    return [f for f in FEATURE_SETS if f in set(available) and (limit is None or f in limit)]


def reductions(profile: str) -> list[str]:
    """How ``profile`` departs from the paper's protocol (:data:`PROFILES` ``paper``), one line per setting.

    Used by: notebooks/koh_dubnov.ipynb.
    """
    ours, paper = settings(profile), PROFILES["paper"]
    names = {"cv": "protocol", "clips_per_class": "clips per class (None: all)", "max_epochs": "epoch ceiling",
             "patience": "early-stopping patience (epochs)", "n_trees": "trees of the forest"}
    lines = [f"{label}: {ours[key]} (paper profile: {paper[key]})" for key, label in names.items()
             if ours[key] != paper[key]]
    lines += [f"{run}: only {', '.join(features)}" for run, features in ours.get("run_features", {}).items()]
    if ours["perplexities"] != paper["perplexities"]:
        lines.append(f"t-SNE perplexities: {ours['perplexities']} (paper profile: {paper['perplexities']})")
    return lines


def select_clips(tracks: pd.DataFrame, dataset: str, profile: str, seed: int = 0) -> pd.DataFrame:
    """The clips of a run: all of them, or a seeded subset of ``clips_per_class`` per label.

    Used by: notebooks/koh_dubnov.ipynb.
    """
    return subset(tracks, settings(profile)["clips_per_class"], seed=seed, label=DATASETS[dataset]["label"])


@dataclass
class Embedded:
    """One feature set of one dataset's clips: clip vectors ``X`` (n, d), the sequences of window
    vectors ``sequences`` (n, T, d) for the recurrent classifier, the ``tracks`` they belong to
    (clips that failed are left out and listed in ``failures``)."""

    features: str
    tracks: pd.DataFrame
    X: np.ndarray
    sequences: np.ndarray
    failures: pd.DataFrame

    def summary(self) -> str:
        text = (f"{self.features}: {len(self.tracks)} clips, vectors of {self.X.shape[1]}, "
                f"sequences of {self.sequences.shape[1]} x {self.sequences.shape[2]}")
        if len(self.failures):
            text += f"; {len(self.failures)} clips skipped: " + "; ".join(
                f"{r.track_id} ({r.error})" for r in self.failures.itertuples())
        return text


def wrap_sequences(tables) -> np.ndarray:
    """Stack ``(T_i, d)`` window tables into ``(n, max T_i, d)``, repeating a shorter clip's windows
    from its start (musicnn's repeat-padding), so every step holds real audio of that clip."""
    tables = [np.asarray(t, dtype=np.float32) for t in tables]
    if not tables:
        raise ParameterError("no window tables to stack")
    length = max(len(t) for t in tables)
    return np.stack([np.take(t, np.arange(length) % len(t), axis=0) for t in tables])


def embed(tracks: pd.DataFrame, features: str, *, n_jobs: int | None = None, progress: bool = True) -> Embedded:
    """Extract (or read from the cache) one feature set for ``tracks``.

    A pretrained network runs once per clip (:class:`~mer_core.features.pretrained.WindowEmbeddings`):
    the clip vector is its layer's window vectors pooled, the sequence those window vectors.
    The MFCC baseline's sequence is its statistics per :data:`SEQUENCE_WINDOW` seconds.

    Raises
    ------
    MissingWeightsError
        When ``features`` needs pretrained weights that are absent.

    Used by: notebooks/koh_dubnov.ipynb.
    """
    if features == BASELINE:
        clip = extract(tracks, MFCCStats(), n_jobs=n_jobs, progress=progress)
        windows = extract(tracks, MFCCStats(window=SEQUENCE_WINDOW), n_jobs=n_jobs, progress=progress)
        tables = list(windows.X)
        kept = clip.tracks["track_id"].isin(windows.tracks["track_id"]).to_numpy()
        window_of = dict(zip(windows.tracks["track_id"], tables))
        ok = clip.tracks[kept].reset_index(drop=True)
        failures = pd.concat([clip.failures, windows.failures[~windows.failures["track_id"].isin(
            clip.failures["track_id"])]], ignore_index=True)
        return Embedded(features, ok, np.asarray(clip.X)[kept],
                        wrap_sequences([window_of[t] for t in ok["track_id"]]), failures)
    extractor = get(features)
    windows_extractor = extractor.windows()
    windows = extract(tracks, windows_extractor, n_jobs=n_jobs, progress=progress)
    tables = list(windows.X)
    X = np.stack([extractor.from_windows(t) for t in tables])
    sequences = wrap_sequences([windows_extractor.layer(t, extractor.layer) for t in tables])
    return Embedded(features, windows.tracks, X, sequences, windows.failures)


def run_classifiers(embedded: Embedded, *, dataset: str, profile: str, seed: int = 0,
                    classifiers=KOH_DUBNOV_CLASSIFIERS, store=None, n_jobs: int = 1,
                    progress: bool = False) -> CVResult:
    """The six classifiers on one feature set of one dataset, on the same splits.

    Every classifier gets the validation rows of each split
    (:func:`mer_core.models.zoo.koh_dubnov_classifier`); the recurrent one reads the window
    sequences, the others the clip vectors. With ``store`` (a folder, see
    :mod:`mer_core.runstore`) each finished classifier is kept under a key of dataset, feature
    set, classifier, profile settings, seed, the inputs' digest and the model code, so an
    interrupted run resumes where it stopped.

    Returns
    -------
    CVResult
        Records (``method`` = classifier) and predictions with ``method`` and ``features`` columns.

    Used by: notebooks/koh_dubnov.ipynb.
    """
    s = settings(profile)
    spec = DATASETS[dataset]
    y = embedded.tracks[spec["label"]].astype(str).to_numpy()
    groups = None if spec["groups"] is None else embedded.tracks[spec["groups"]].astype(str).to_numpy()
    records, predictions = [], []
    for name in classifiers:
        X = embedded.sequences if name == "rnn" else embedded.X
        key = runstore.run_key({"dataset": dataset, "features": embedded.features, "classifier": name,
                                "profile": profile, "settings": {k: s[k] for k in RUN_SETTINGS}, "seed": seed,
                                "inputs": runstore.array_digest(
                                    X, y.astype("U"), np.asarray(groups if groups is not None else []).astype("U"))},
                               CODE)
        res = runstore.load(store, key)
        if res is None:
            estimator = koh_dubnov_classifier(name, random_state=seed, max_epochs=s["max_epochs"],
                                              patience=s["patience"], n_trees=s["n_trees"],
                                              num_threads=1 if n_jobs > 1 else None)
            res = cross_validate(estimator, X, y, groups=groups, cv=s["cv"], seed=seed, n_jobs=n_jobs,
                                 progress=progress, paper=PAPER, method=name, features=embedded.features,
                                 dataset=dataset, profile=profile)
            runstore.save(store, key, res)
        records.append(res.records)
        predictions.append(res.predictions.assign(method=name, features=embedded.features))
    return CVResult(pd.concat(records, ignore_index=True), pd.concat(predictions, ignore_index=True))


def run_regression(embedded: Embedded, *, dataset: str, profile: str, seed: int = 0, store=None,
                   n_jobs: int = 1) -> CVResult:
    """Valence and arousal from one feature set with an SVR (inner grid search), under the
    chapter's protocol: the paper's r² comparison on Emotion in Music, run on the dimensional
    labels we have (4Q's tag-derived valence/arousal; the synthetic corpus's).

    Used by: notebooks/koh_dubnov.ipynb.
    """
    s = settings(profile)
    labelled = embedded.tracks[list(TARGETS)].notna().all(axis=1).to_numpy()
    tracks = embedded.tracks[labelled].reset_index(drop=True)
    X, Y = embedded.X[labelled], tracks[list(TARGETS)].to_numpy(dtype=float)
    groups = tracks["group"].astype(str).to_numpy()
    key = runstore.run_key({"dataset": dataset, "features": embedded.features, "regressor": "svr",
                            "profile": profile, "settings": {k: s[k] for k in RUN_SETTINGS}, "seed": seed,
                            "inputs": runstore.array_digest(X, Y)}, CODE)
    res = runstore.load(store, key)
    if res is None:
        res = cross_validate_regression(make_regressor("svr", random_state=seed), X, Y, targets=TARGETS,
                                        strata=tracks["quadrant"].to_numpy(), groups=groups, cv=s["cv"],
                                        seed=seed, n_jobs=n_jobs, progress=False, paper=PAPER, method="svr",
                                        features=embedded.features, dataset=dataset, profile=profile)
        runstore.save(store, key, res)
    return CVResult(res.records, res.predictions.assign(method="svr", features=embedded.features))


EXTRACTION_TARGET_MIN = 15.0
"""The issue's target for embedding the 900 4Q clips cold with every network, on two cores (minutes)."""


def extraction_floor(costs: pd.DataFrame, target_min: float = EXTRACTION_TARGET_MIN) -> str:
    """What the cost benchmark (:func:`mer_core.benchmark.embedding_costs`, its ``all networks`` row)
    says about a cold extraction target: the projected time, how much of it is inside the networks,
    the network passes' own time at the measured GFLOP/s, and the sustained GFLOP/s the target
    would need even with decoding and front-ends free.

    Used by: notebooks/koh_dubnov.ipynb.
    """
    rows = costs.set_index("network")
    if "all networks" not in rows.index:
        raise ParameterError("the cost table has no 'all networks' row (fewer than two networks were timed)")
    total = rows.loc["all networks"]
    clips = int(total["projected_clips"])
    per_clip = total["decode_s"] + total["frontend_s"] + total["network_s"]
    network_min = clips * total["network_s"] / 60
    needed = clips * total["gflop_per_clip"] / (60 * target_min)
    return (f"{clips} clips with every network: {total['projected_cold_min']:.0f} min projected "
            f"({per_clip:.2f} s per clip, {100 * total['network_s'] / per_clip:.0f} % of it inside the networks, "
            f"{total['gflop_per_clip']:.0f} GFLOP per clip at {total['network_gflop_per_s']:.0f} GFLOP/s: "
            f"{network_min:.0f} min for the network passes alone). Meeting {target_min:.0f} min would take "
            f"{needed:.0f} GFLOP/s sustained with decoding and front-ends free, "
            f"{needed / total['network_gflop_per_s']:.1f} times what these networks reach here "
            f"({int(total['torch_threads'])} torch threads).")


def table1(tracks_by_dataset: dict, emomusic_counts: dict | None = None) -> pd.DataFrame:
    """Clips per class: the paper's Table 1 beside the data here.

    Parameters
    ----------
    tracks_by_dataset : dict
        ``{"4q" | "ravdess": tracks}`` of the loaded datasets (all clips, not a profile's subset).
    emomusic_counts : dict, optional
        Quadrant counts of the emoMusic annotations under the mapping that reproduces the paper
        (:func:`mer_core.datasets.emomusic.quadrant_mappings`).

    Used by: notebooks/koh_dubnov.ipynb.
    """
    rows = []
    for dataset, paper in TABLE1_PAPER.items():
        ours = None
        if dataset in tracks_by_dataset:
            label = DATASETS[dataset]["label"]
            ours = tracks_by_dataset[dataset][label].value_counts().to_dict()
        elif dataset == "emomusic" and emomusic_counts is not None:
            ours = emomusic_counts
        for cls, count in paper.items():
            rows.append({"dataset": dataset, "class": cls, "paper": count,
                         "here": None if ours is None else int(ours.get(cls, 0))})
        if ours is not None:
            for cls in sorted(set(ours) - set(paper)):
                rows.append({"dataset": dataset, "class": cls, "paper": None, "here": int(ours[cls])})
    out = pd.DataFrame(rows)
    out["difference"] = out["here"] - out["paper"]
    return out


def best_rows(records: pd.DataFrame, metric: str = "accuracy") -> pd.DataFrame:
    """Per dataset, the classifier x feature set with the highest mean ``metric`` (with its interval)."""
    s = summarize(records, [metric])
    return s.sort_values("mean", ascending=False).groupby("dataset", sort=False).head(1).reset_index(drop=True)


def table2(records: pd.DataFrame, regression: pd.DataFrame | None = None) -> pd.DataFrame:
    """The paper's Table 2 beside our best result per dataset and metric.

    Ours is the best classifier x feature set by the row's metric (F1 for 4Q, accuracy for
    RAVDESS); the emoMusic r² rows are answered on other data (4Q's tag-derived labels) and
    say so. None of our embeddings is L3-Net: the ``l3net`` column is the paper's.

    Used by: notebooks/koh_dubnov.ipynb.
    """
    rows = []
    for paper_row in TABLE2_PAPER:
        dataset, metric = paper_row["dataset"], paper_row["metric"]
        source, ours_dataset = (records, dataset) if not metric.startswith("r2") else (regression, "4q")
        row = {**paper_row, "ours": None, "ours_ci95": None, "ours_method": None, "ours_data": None}
        if source is not None and len(source) and dataset != "Bi-modal":
            sub = source[(source["dataset"] == ours_dataset) & (source["metric"] == metric)]
            if len(sub):
                best = summarize(sub, [metric]).sort_values("mean").iloc[-1]
                row.update(ours=best["mean"], ours_ci95=f"[{best['ci95_low']:.3f}, {best['ci95_high']:.3f}]",
                           ours_method=f"{best['features']} + {best['method']}",
                           ours_data=DATASETS.get(ours_dataset, {}).get("title", ours_dataset)
                           + ("" if ours_dataset == dataset else " (in place of emoMusic, whose audio is absent)"))
        rows.append(row)
    return pd.DataFrame(rows)


def table3(predictions: pd.DataFrame, features: str, method: str = "random_forest") -> pd.DataFrame:
    """Per-quadrant precision, recall and F1 of one feature set + classifier on 4Q, over the test
    tenths of all repetitions pooled, beside the paper's L3-Net + random forest.

    Returns
    -------
    DataFrame
        Long format: ``quadrant, source`` (``paper (L3-Net + RF)`` or ``here (<features> + <method>)``),
        ``precision, recall, f1, support`` (support: test clips pooled; empty for the paper).

    Used by: notebooks/koh_dubnov.ipynb.
    """
    sub = predictions[(predictions["features"] == features) & (predictions["method"] == method)]
    if sub.empty:
        raise ParameterError(f"no predictions of {features} + {method}")
    labels = list(TABLE3_PAPER.index)
    p, r, f, n = precision_recall_fscore_support(sub["y_true"], sub["y_pred"], labels=labels, zero_division=0)
    ours = pd.DataFrame({"quadrant": labels, "source": f"here ({features} + {method})", "precision": p,
                         "recall": r, "f1": f, "support": n})
    paper = TABLE3_PAPER.reset_index().assign(source="paper (L3-Net + RF)", support=np.nan)
    return pd.concat([paper, ours], ignore_index=True)[["quadrant", "source", "precision", "recall", "f1", "support"]]


def size_comparison(records: pd.DataFrame, metric: str = "accuracy") -> pd.DataFrame:
    """The paper's "larger embedding scores lower" question on :data:`SIZE_PAIRS`: mean ``metric``
    of the small and the large layer per dataset and classifier, and their difference.

    Used by: notebooks/koh_dubnov.ipynb.
    """
    s = summarize(records, [metric])
    rows = []
    for small, large in SIZE_PAIRS.items():
        a = s[s["features"] == small].set_index(["dataset", "method"])["mean"]
        b = s[s["features"] == large].set_index(["dataset", "method"])["mean"]
        both = a.index.intersection(b.index)
        for idx in both:
            rows.append({"dataset": idx[0], "classifier": idx[1], "small": small, "large": large,
                         "small_mean": a[idx], "large_mean": b[idx], "large_minus_small": b[idx] - a[idx]})
    return pd.DataFrame(rows)


def source_dataset(run: str) -> str:
    """The loader behind a run of :data:`DATASETS` (both RAVDESS runs read ``ravdess``)."""
    if run not in DATASETS:
        raise ParameterError(f"unknown run {run!r}; choose one of {', '.join(DATASETS)}")
    return "ravdess" if run.startswith("ravdess") else run


def has_dimensions(run: str) -> bool:
    """Whether a run's clips carry valence and arousal (4Q's tag-derived ones, the synthetic corpus's)."""
    return run in ("4q", "synthetic")


def feature_plan(profile: str) -> pd.DataFrame:
    """Each feature set with what it is, whether its weights are here, and whether ``profile``
    runs it (``runs``) or why not (``reason``).

    Used by: notebooks/koh_dubnov.ipynb.
    """
    rows = []
    for name, what in FEATURE_SETS.items():
        needs = name != BASELINE
        present = not needs or get(name).weights_available()
        in_profile = name in settings(profile)["features"]
        reason = ("" if present and in_profile else
                  "not run: official weights not obtainable here" if not present else "not in this profile")
        rows.append({"features": name, "what": what, "paper's own": name in PAPER_EMBEDDINGS,
                     "weights": "n/a" if not needs else ("present" if present else "absent"),
                     "runs": present and in_profile, "reason": reason})
    return pd.DataFrame(rows)


def ravdess_note(table: pd.DataFrame) -> str:
    """One sentence comparing the paper's RAVDESS counts with the copy here (from Table 1)."""
    sub = table[table["dataset"] == "ravdess"]
    if sub.empty or sub["here"].isna().all():
        return "RAVDESS: not on the data search path."
    paper, here = int(sub["paper"].sum()), int(sub["here"].sum())
    differ = sub[sub["difference"].fillna(0) != 0]
    text = (f"RAVDESS song: the paper counts {paper} clips, this copy has {here} (every clip truncated to 2.39 s)")
    if len(differ):
        text += "; classes that differ: " + ", ".join(
            f"{r['class']} {int(r['paper'])} vs {int(r['here'])}" for _, r in differ.iterrows())
    return text + "."


def accuracy_table(records: pd.DataFrame, metric: str = "accuracy") -> pd.DataFrame:
    """Mean ± std of ``metric`` per dataset x classifier (rows) and feature set (columns).

    Used by: notebooks/koh_dubnov.ipynb.
    """
    s = summarize(records, [metric])
    s["value"] = [f"{m:.3f} ± {sd:.3f}" for m, sd in zip(s["mean"], s["std"].fillna(0))]
    order = [f for f in FEATURE_SETS if f in set(s["features"])]
    return s.pivot_table(index=["dataset", "method"], columns="features", values="value", aggfunc="first")[order]


def best_forest_embedding(records: pd.DataFrame, dataset: str = "4q") -> str:
    """The embedding (not the MFCC baseline) whose random forest has the highest mean accuracy on ``dataset``."""
    s = summarize(records[(records["dataset"] == dataset) & (records["method"] == "random_forest")
                          & (records["features"] != BASELINE)], ["accuracy"])
    if s.empty:
        raise ParameterError(f"no random-forest records of an embedding on {dataset}")
    return str(s.sort_values("mean").iloc[-1]["features"])


TSNE_GROUPINGS = {"ravdess": ("emotion", "sex", "actor"), "4q": ("quadrant", "genre")}
"""Groupings whose silhouettes test the paper's reading of its t-SNE maps, per dataset."""
TSNE_PLOT_PERPLEXITY = 30
"""The perplexity of the paper's Figure 4, the maps drawn (the others are scored only)."""


@dataclass
class TsneStudy:
    """Silhouettes of each grouping in the embedding and its t-SNE maps (:func:`tsne_study`), and the
    coordinates of the map drawn (:data:`TSNE_PLOT_PERPLEXITY`), one row per clip with its groupings."""

    silhouettes: pd.DataFrame
    coordinates: pd.DataFrame


def groupings(tracks: pd.DataFrame, dataset: str) -> dict[str, np.ndarray]:
    """The labels of each grouping of :data:`TSNE_GROUPINGS` for ``tracks`` (4Q's ``genre``: the first
    AllMusic genre of the clip)."""
    out = {}
    for name in TSNE_GROUPINGS[dataset]:
        if name == "genre":
            out[name] = tracks["genres"].fillna("unknown").astype(str).str.split(",").str[0].str.strip().to_numpy()
        else:
            out[name] = tracks[name].astype(str).to_numpy()
    return out


def tsne_study(embedded: Embedded, dataset: str, *, perplexities=(TSNE_PLOT_PERPLEXITY,), seed: int = 0) -> TsneStudy:
    """t-SNE maps of one feature set of ``dataset`` and the silhouette of each grouping in them and in
    the standardised embedding, beside its shuffled-label chance level
    (:func:`mer_core.embedding_maps.silhouettes`). Groups of a single clip are left out of that
    grouping's score (a silhouette needs two points per group).

    Used by: notebooks/koh_dubnov.ipynb.
    """
    from .. import embedding_maps

    perplexities = tuple(sorted(set(perplexities) | {TSNE_PLOT_PERPLEXITY}))
    maps = embedding_maps.tsne_maps(embedded.X, perplexities, seed=seed)
    labels = groupings(embedded.tracks, dataset)
    tables = []
    for name, values in labels.items():
        names, counts = np.unique(values, return_counts=True)
        keep = np.isin(values, names[counts >= 2])
        if len(np.unique(values[keep])) < 2:
            continue
        table = embedding_maps.silhouettes(embedded.X[keep], {name: values[keep]}, seed=seed,
                                           maps={p: xy[keep] for p, xy in maps.items()})
        tables.append(table.assign(n_points=int(keep.sum())))
    sil = pd.concat(tables, ignore_index=True).assign(dataset=dataset, features=embedded.features)
    xy = maps[TSNE_PLOT_PERPLEXITY]
    coords = pd.DataFrame({"dataset": dataset, "features": embedded.features,
                           "track_id": embedded.tracks["track_id"].astype(str).to_numpy(),
                           "x": np.round(xy[:, 0], 3), "y": np.round(xy[:, 1], 3), **labels})
    return TsneStudy(sil, coords)


def silhouette_table(silhouettes: pd.DataFrame) -> pd.DataFrame:
    """Silhouettes as dataset x feature set x grouping (rows) by space (columns), each ``value (chance)``.

    Used by: notebooks/koh_dubnov.ipynb.
    """
    s = silhouettes.copy()
    s["value"] = [f"{v:.3f} ({c:+.3f})" for v, c in zip(s["silhouette"], s["shuffled_mean"])]
    order = list(dict.fromkeys(s.sort_values("perplexity", na_position="first")["space"]))
    return s.pivot_table(index=["dataset", "features", "grouping"], columns="space", values="value",
                         aggfunc="first")[order]


def plot_tsne(coordinates: pd.DataFrame, dataset: str, *, panel_inches: tuple[float, float] = (3.4, 3.0),
              dpi: int = 72):
    """Figure 4: one row per feature set, one column per grouping of :data:`TSNE_GROUPINGS`, the map
    at :data:`TSNE_PLOT_PERPLEXITY`; None when ``coordinates`` has no map of ``dataset``. Each panel
    is ``panel_inches`` at ``dpi`` (the defaults keep the two 21- and 14-panel figures near 0.3 MB
    each before :func:`mer_core.plots.palette_png` shrinks them).

    Used by: notebooks/koh_dubnov.ipynb.
    """
    import matplotlib.pyplot as plt

    from ..plots import tsne_scatter

    sub = coordinates[coordinates["dataset"] == dataset]
    if sub.empty:
        return None
    features = [f for f in FEATURE_SETS if f in set(sub["features"])]
    names = TSNE_GROUPINGS[dataset]
    width, height = panel_inches
    fig, axes = plt.subplots(len(features), len(names), figsize=(width * len(names), height * len(features)),
                             squeeze=False, dpi=dpi, layout="constrained")
    for row, feat in zip(axes, features):
        data = sub[sub["features"] == feat]
        for ax, name in zip(row, names):
            tsne_scatter(data[["x", "y"]].to_numpy(), data[name].astype(str).to_numpy(), ax=ax,
                         title=f"{feat}: {name}")
    fig.suptitle(f"{DATASETS[dataset]['title']}: t-SNE, perplexity {TSNE_PLOT_PERPLEXITY}")
    return fig


def verdicts(classification: pd.DataFrame, regression: pd.DataFrame | None = None,
             silhouettes: pd.DataFrame | None = None) -> list[str]:
    """The paper's claims, each answered by one sentence computed from the records.

    Used by: notebooks/koh_dubnov.ipynb.
    """
    lines = []
    s = summarize(classification, ["accuracy"])
    for dataset in [d for d in DATASETS if d in set(s["dataset"])]:
        d = s[s["dataset"] == dataset]
        base = d[d["features"] == BASELINE]
        emb = d[d["features"] != BASELINE]
        if len(base) and len(emb):
            best_e, best_b = emb.sort_values("mean").iloc[-1], base.sort_values("mean").iloc[-1]
            per_clf = emb.groupby("method")["mean"].max().reindex(base["method"]) > base.set_index("method")["mean"]
            lines.append(f"{dataset}: the best embedding ({best_e['features']} + {best_e['method']}, "
                         f"{best_e['mean']:.3f}) vs the best MFCC classifier ({best_b['method']}, {best_b['mean']:.3f}); "
                         f"some embedding beats the MFCCs with {int(per_clf.sum())} of {len(per_clf)} classifiers.")
    if regression is not None and len(regression):
        r = summarize(regression, ["r2_valence", "r2_arousal"])
        for dataset in sorted(set(r["dataset"])):
            rr = r[r["dataset"] == dataset]
            v, a = rr[rr["metric"] == "r2_valence"], rr[rr["metric"] == "r2_arousal"]
            if len(v) and len(a):
                bv, ba = v.sort_values("mean").iloc[-1], a.sort_values("mean").iloc[-1]
                lines.append(f"{dataset} r² (SVR): best valence {bv['mean']:.3f} ({bv['features']}), best arousal "
                             f"{ba['mean']:.3f} ({ba['features']}); the paper's emoMusic: valence 0.556, arousal 0.671.")
    if silhouettes is not None and len(silhouettes):
        emb_space = silhouettes[silhouettes["perplexity"].isna()]
        for (dataset, features), g in emb_space.groupby(["dataset", "features"], sort=False):
            ranked = g.sort_values("above_chance", ascending=False)
            lines.append(f"{dataset} / {features}: groupings by distance from chance in the embedding: "
                         + ", ".join(f"{r.grouping} {r.silhouette:.3f} ({r.above_chance:.0f} sd)"
                                     for r in ranked.itertuples()))
    return lines
