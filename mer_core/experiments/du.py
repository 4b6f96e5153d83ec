"""Du, "Applications of deep neural networks on music emotion recognition" (a review).

The review describes four datasets (DEAM, a synchronized-lyrics set, Grekow's set, the Turkish
TEM), five evaluation metrics (its eqs. 1-5: cross-entropy, R², MAE, Pearson's r, RMSE), four
recent models (Parisi et al., Grekow, Orjesek et al., Hizlisoy et al.) and the LSTM cell (its eqs.
6-9). It reports no experiment of its own.

Here, in this edition:

* **Datasets** (:func:`dataset_table`): the review's four datasets with its figures (copied,
  "not stated" where it states none) beside the datasets this book uses, with the clip counts of
  :func:`mer_core.datasets.status`.
* **The annotations** of DEAM and emoMusic (real files, annotations only): the static
  valence/arousal plane and its quadrant counts at the scale's midpoint
  (:func:`quadrant_counts`), the spread of the 2 Hz dynamic curves within each song
  (:func:`dynamic_spread`, :func:`spread_summary`), and how the static label agrees with the
  time-averaged dynamic one (:func:`static_dynamic_agreement`, with the linear map
  :func:`dynamic_to_static_scale` from -1..1 to 1-9).
* **TR-MUSIC**: its class balance (:func:`class_balance`) and one baseline, StandardScaler -> RBF
  SVM on the 50 published MIRtoolbox features under repeated grouped stratified 80/20 splits
  (:func:`turkish_baseline`, :data:`PROFILES`).
* **Metrics** (:func:`metrics_table`): :mod:`mer_core.evaluation`'s implementations of the
  review's eqs. 1-5 on two real predictions (:func:`arousal_from_first_half`,
  :func:`turkish_probabilities`) beside scikit-learn's and SciPy's.
* **The LSTM cell** (eqs. 6-9): :func:`lstm_step_by_hand` computes a step of
  :class:`torch.nn.LSTM` from its weights with NumPy, in the review's notation;
  :func:`lstm_check` compares the two.
* **The four models** (:data:`MODELS`): what each does and needs, and what of it runs here.
* **Hizlisoy et al.**, the standard-features path (:func:`hizlisoy_turkish`): correlation-based
  feature selection (:class:`mer_core.models.cfs.CFS`) learned in each training fold, then a
  CLDNN (:class:`mer_core.models.cldnn.CLDNNClassifier`) against kNN, an RBF SVM and a random
  forest, under grouped stratified 10-fold CV of TR-MUSIC's 50 features; the features CFS picks
  (:func:`cfs_selection`). The review's 99.19 % is on TEM, which is not available.
* **Grekow** (:func:`grekow_segments`, :func:`grekow_run`): 6 s segments as sequences of 0.5 s
  MFCC steps (:class:`mer_core.features.sequences.MFCCSequence`) into an LSTM regressor of
  valence and arousal (:class:`mer_core.models.sequence_regressors.LSTMSequenceRegressor`)
  against linear regression and SVR on the segments' time means, folds grouped by song, on the
  synthetic corpus (a simulation) and on 4Q with tag-derived labels.
* **Orjesek et al.** (:func:`orjesek_data`, :func:`orjesek_run`, :func:`orjesek_emomusic`): an
  end-to-end network from the raw waveform to 2 Hz valence/arousal
  (:class:`mer_core.models.orjesek.OrjesekRegressor`: a CNN per 0.5 s step, a dense or an
  iterative-reconstruction layer, a bidirectional GRU, maxout), with and without IR, on the
  synthetic corpus's 2 Hz curves (a simulation) under grouped K-fold CV; and, as a
  cross-domain illustration only, its predictions on the emoMusic clips whose audio is here.
* **Parisi et al.**, the audio branch only (:func:`parisi_features`, :func:`parisi_run`): the same
  spectrogram CNN on the log-mel of the full mix and of the vocals, separated by REPET-SIM
  (:class:`mer_core.features.vocals.RepetSimLogMel`; Wave-U-Net's weights are not obtainable),
  on 4Q's quadrants (all 900 clips at cpu, the log-mels averaged in 2 x 4 blocks).
* **Pending** (:func:`pending_table`): Parisi et al.'s lyrics branch and dataset, Orjesek et al.'s
  evaluation on real annotations, and the parts of the other two that need audio pipelines or
  extractors this edition lacks.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from ..config import check_profile
from ..datasets.base import QUADRANTS, va_to_quadrant
from ..errors import ParameterError
from ..evaluation import CVResult, cross_entropy, cross_validate, mae, make_splits, pearson_r, r2, rmse
from .pandrea import FEATURES_TR

PAPER = "Du"
TARGETS = ("valence", "arousal")

PROFILES = {
    "smoke": {"cv": "holdout80-0-20x1",
              "hizlisoy": {"cv": "holdout80-0-20x1", "without_cfs": False,
                           "cldnn": {"epochs": 5, "batch_size": 32},
                           "fourq": {"clips_per_class": 5, "cnn": {"channels": (8, 8, 16), "epochs": 2, "patience": 2,
                                                                   "batch_size": 16}}},
              "grekow": {"cv": "holdout80-0-20x1", "clips_per_class": {"synthetic": 6, "4q": 4},
                         "lstm": {"hidden_size": 16, "epochs": 3, "patience": 2, "batch_size": 16}},
              "orjesek": {"cv": "2x1", "clips_per_class": 4, "sr": 8000,
                          "net": {"epochs": 2, "patience": 2, "batch_size": 8}},
              "parisi": {"cv": "holdout80-0-20x1", "clips_per_class": 5, "duration": 10.0, "input_pool": None,
                         "cnn": {"net_params": {"channels": (8, 16, 16, 16, 16)}, "epochs": 2, "batch_size": 8}}},
    "cpu": {"cv": "holdout80-0-20x10",
            "hizlisoy": {"cv": "10x1", "without_cfs": True, "cldnn": {"epochs": 60, "batch_size": 32},
                         "fourq": {"clips_per_class": None, "cnn": {"epochs": 30, "patience": 5, "batch_size": 32}}},
            "grekow": {"cv": "10x1", "clips_per_class": {"synthetic": None, "4q": None},
                       "lstm": {"hidden_size": 32, "epochs": 100, "patience": 10, "batch_size": 32}},
            "orjesek": {"cv": "5x1", "clips_per_class": None, "sr": 8000,
                        "net": {"epochs": 60, "patience": 8, "batch_size": 16}},
            "parisi": {"cv": "5x1", "clips_per_class": None, "duration": 29.12, "input_pool": (2, 4),
                       "cnn": {"net_params": {}, "epochs": 15, "batch_size": 16}}},
    "paper": {"cv": "holdout80-0-20x20",
              "hizlisoy": {"cv": "10x1", "without_cfs": True, "cldnn": {"epochs": 60, "batch_size": 32},
                           "fourq": {"clips_per_class": None, "cnn": {"epochs": 30, "patience": 5, "batch_size": 32}}},
              "grekow": {"cv": "10x1", "clips_per_class": {"synthetic": None, "4q": None},
                         "lstm": {"hidden_size": 32, "epochs": 100, "patience": 10, "batch_size": 32}},
              "orjesek": {"cv": "5x1", "clips_per_class": None, "sr": 8000,
                          "net": {"epochs": 60, "patience": 8, "batch_size": 16}},
              "parisi": {"cv": "5x1", "clips_per_class": None, "duration": 29.12, "input_pool": None,
                         "cnn": {"net_params": {}, "epochs": 30, "batch_size": 16}}},
}
"""Per profile:

* ``cv``: the protocol of the TR-MUSIC baseline: 80/20 train/test, grouped (an excerpt and its
  exact copies stay together) and stratified by class, repeated with seeds ``seed*1000 + r``
  (1, 10 or 20 repetitions).
* ``hizlisoy`` (:func:`hizlisoy_turkish`, :func:`hizlisoy_4q`): the protocol (``10x1``: Hizlisoy
  et al.'s 10-fold CV, grouped and stratified; smoke: one 80/20 split), whether every classifier
  also runs without CFS on TR-MUSIC (the paper's with/without comparison), the CLDNN's training
  (Adam, batch 32; the review gives no epochs: 60 here) and, under ``fourq``, the 4Q clips per
  quadrant (None: all 900; smoke: 5) and the piece CNN's training
  (:class:`~mer_core.models.piece_cnn.PieceCNNFeatures`: at most 30 epochs, early stopping with
  patience 5; smoke: 2 epochs of a narrower CNN). The cpu profile on TR-MUSIC (8 pipelines x 10
  folds) took 49 s on one thread of a 2-core AMD EPYC; paper is the same as cpu (the paper states
  nothing more that applies here).
* ``grekow`` (:func:`grekow_segments`, :func:`grekow_run`): the protocol (grouped by song,
  stratified by quadrant; the review states none: 10-fold CV here; smoke: one 80/20 split), the
  clips per quadrant of each dataset (None: all; smoke: 6 synthetic and 4 4Q clips per quadrant)
  and the LSTM's settings (early stopping on 10 % of the training songs). With cpu, the
  synthetic corpus (216 clips of 8 s: one segment each) runs in about a minute. 4Q (900 clips:
  about 4500 segments) is estimated from measurements on one thread of a 2-core AMD EPYC at
  5-10 minutes: the MFCC extraction about 0.1 s per clip (1.5 minutes, cached after), an LSTM
  epoch on ~3650 training segments 0.4 s (at most 100 epochs, fewer with early stopping: up to
  about 7 minutes for 10 folds), an SVR fold 2 s. paper is the same as cpu (the review states
  neither Grekow's protocol nor his network's sizes).
* ``orjesek`` (:func:`orjesek_data`, :func:`orjesek_run`): Orjesek et al.'s raw-waveform
  network with and without the IR layer, on the synthetic corpus's 2 Hz curves (a simulation):
  the protocol (grouped by song, stratified by quadrant; the review states none: 5-fold CV
  here; smoke: 2 folds), the clips per quadrant (None: all 216; smoke: 4), the sample rate the
  waveforms are resampled to (8 kHz, chosen for a CPU; the paper's rate is not in the review)
  and the training (Adam, early stopping on 15 % of the training songs; the review gives no
  epochs: at most 60 here). Measured on one thread of a 2-core AMD EPYC (another job
  running on the other core): one cpu fold (173 training clips) took 22 s for the dense variant
  (29 epochs, early stopping) and 19 s for the IR one (28 epochs), about 0.7 s an epoch; the 5
  folds of both variants should take about 3.5 minutes (at most about 8 if no fold stops early),
  and :func:`orjesek_emomusic` (both variants trained once on all 216 clips) under a minute
  more. paper is the same as cpu (the review states neither the protocol nor the sizes).
* ``parisi`` (:func:`parisi_features`, :func:`parisi_run`): the same spectrogram CNN on the
  log-mel of the full mix and of the REPET-SIM vocal estimate, 4Q quadrants: the protocol
  (grouped by song, stratified by quadrant; 5-fold CV; smoke: one 80/20 split), the clips per
  quadrant (None: all 900; smoke: 5), the seconds kept from each clip (29.12 s = 1366 frames;
  smoke: 10 s), ``input_pool`` (cpu: both log-mels averaged in blocks of 2 bands x 4 frames,
  96 x 1366 -> 48 x 341, as the Louro chapter's cpu profile does with
  :func:`mer_core.experiments.louro_dl.pool_spectrograms`; None keeps the full input) and the
  CNN (:func:`mer_core.models.nets.cnn_baseline`, Choi's FCN-5 at its published widths in cpu
  and paper, narrower in smoke; fixed epochs, no early stopping). The pooled input is what
  makes cpu fit: on two cores of an AMD EPYC a training step of 16 clips of the published
  FCN-5 costs 11.8 GFLOP and 0.17 s pooled against 95 GFLOP and 2.2 s on the full input
  (``mer train-benchmark``), so 5 folds x 2 inputs x 15 epochs take about 20 minutes instead
  of about 4 hours; REPET-SIM adds about 1.1 s per clip, once (cached).
"""

STATIC_SCALE = (1.0, 9.0)
"""The static (whole-clip) ratings of DEAM and emoMusic: the 1-9 SAM scale, midpoint 5."""
DYNAMIC_SCALE = (-1.0, 1.0)
"""Their 2 Hz dynamic ratings: -1..1, midpoint 0 (DEAM's restored from the 0..1 file by its loader)."""
STATIC_MIDPOINT = 5.0
DYNAMIC_MIDPOINT = 0.0
DEAM_PARTS = (("2013 excerpts (ids 2-1000, = emoMusic)", 1, 1000),
              ("2014 excerpts (ids 1001-2000)", 1001, 2000),
              ("2015 full songs (ids 2001-2058)", 2001, 10**9))
"""DEAM's parts by song id (first and last id): the 45 s excerpts of MediaEval 2013 (the emoMusic
songs) and 2014, in the first static file, and the full songs of 2015, in the second."""

METHOD = "rbf_svm"
"""The ``method`` of the TR-MUSIC baseline records (the zoo's name for the same classifier)."""


def settings(profile: str) -> dict:
    """The settings of ``profile`` (:data:`PROFILES`); an unknown profile raises :class:`ParameterError`.

    Used by: notebooks/du.ipynb.
    """
    return PROFILES[check_profile(profile)]


# --- datasets -------------------------------------------------------------------------------------

NOT_STATED = "not stated"
NOT_IN_REVIEW = "not in the review"


@dataclass(frozen=True)
class DatasetEntry:
    """One dataset of the table: the review's description (copied; :data:`NOT_STATED` where the
    review states nothing) and this book's (from its loaders' documentation).

    ``key`` is the dataset's name in :func:`mer_core.datasets.status`, or None when the book has
    no loader for it (``why_not`` says so)."""

    name: str
    key: str | None
    size: str = NOT_IN_REVIEW
    labels: str = NOT_IN_REVIEW
    scale: str = NOT_IN_REVIEW
    clip_length: str = NOT_IN_REVIEW
    source: str = NOT_IN_REVIEW
    here: str = ""
    why_not: str = ""

    @property
    def in_review(self) -> bool:
        return self.size != NOT_IN_REVIEW


DATASETS = (
    DatasetEntry("DEAM (MediaEval)", "deam",
                 size="more than 1800 songs: 1744 excerpts (2013, 2014) + 58 full songs (2015)",
                 labels="valence, arousal: continuous (\"every second\") and per whole song",
                 scale=NOT_STATED, clip_length="45 s excerpts; 58 full songs",
                 source="freemusicarchive.org, jamendo.com, medleyDB",
                 here="annotations only (no audio): static 1-9 per song, 2 Hz curves -1..1"),
    DatasetEntry("Synchronized lyrics emotion dataset (Parisi et al.)", None,
                 size=NOT_STATED, labels="one of 5 emotions (sadness, joy, fear, anger, disgust); "
                 "sadness and joy dominate", scale="categorical", clip_length=NOT_STATED + " (the sung lines)",
                 source="Musixmatch", why_not="not in this book's data"),
    DatasetEntry("Grekow's dataset", None, size="324 fragments", labels="arousal, valence (5 experts)",
                 scale=NOT_STATED, clip_length="6 s", source="GTZAN (as the review says)",
                 why_not="not in this book's data"),
    DatasetEntry("TEM (Turkish emotional music, Hizlisoy et al.)", None, size="124 excerpts",
                 labels="arousal, valence (21 students)", scale=NOT_STATED, clip_length="30 s",
                 source=NOT_STATED, why_not="not in this book's data (TR-MUSIC, another Turkish set, is)"),
    DatasetEntry("4Q (Panda et al.)", "4q", here="audio; 4 quadrants from AllMusic mood tags; 30 s clips"),
    DatasetEntry("emoMusic (1000 Songs; = DEAM songs 2-1000)", "emomusic",
                 here="annotations (static 1-9, 2 Hz -1..1 from 15 s to 45 s), audio of a few songs; 45 s clips"),
    DatasetEntry("RAVDESS song", "ravdess", here="audio; 6 sung emotions (categorical); RAVDESS song, "
                 "truncated to 2.39 s"),
    DatasetEntry("TR-MUSIC (Er & Aydilek)", "turkish",
                 here="50 MIRtoolbox features per 30 s excerpt (audio not public); 4 classes"),
    DatasetEntry("synthetic corpus (SIMULATION)", "synthetic",
                 here="simulated audio; latent valence/arousal -1..1 with 2 Hz curves; quadrants"),
)
"""The review's four datasets (its figures copied) and the datasets this book uses."""

DATASET_COLUMNS = ["dataset", "in the review", "size (the review's)", "labels (the review's)",
                   "scale (the review's)", "clip length (the review's)", "source (the review's)", "here",
                   "obtainable here", "clips here", "detail here"]
"""Columns of :func:`dataset_table`."""

_STATE_WORDS = {"ok": "yes", "partial": "partial", "absent": "not on this data path", "invalid": "invalid copy"}


def dataset_table(status: pd.DataFrame, entries=DATASETS) -> pd.DataFrame:
    """The review's datasets beside this book's, with what of each is here.

    Parameters
    ----------
    status : DataFrame
        :func:`mer_core.datasets.status` (or the notebook's :func:`~mer_core.experiments.common.header`).
    entries : sequence of DatasetEntry
        Default :data:`DATASETS`.

    Returns
    -------
    pandas.DataFrame
        One row per entry with :data:`DATASET_COLUMNS`. The review's columns are copied from the
        review ("not stated" where it states nothing, "not in the review" for the book's other
        datasets); ``here`` is what this book's loader gives; ``obtainable here`` is ``yes`` /
        ``partial`` / ``not on this data path`` / ``invalid copy`` from the status row's
        ``state``, or ``no (<why>)`` for a dataset the book has no loader for; ``clips here`` is
        ``n_present/n_expected`` of the status row (songs for the annotated DEAM and emoMusic,
        excerpts for TR-MUSIC) when the dataset is usable, else ``-``; ``detail here`` is the
        status row's ``detail``.

    Raises
    ------
    ParameterError
        If an entry's ``key`` has no row in ``status``.

    Used by: notebooks/du.ipynb.
    """
    rows = status.set_index("dataset")
    out = []
    for e in entries:
        if e.key is None:
            obtainable, clips, detail = f"no ({e.why_not})", "-", ""
        else:
            if e.key not in rows.index:
                raise ParameterError(f"status has no row for dataset {e.key!r}")
            row = rows.loc[e.key]
            obtainable = _STATE_WORDS.get(row["state"], row["state"])
            usable = row["state"] in ("ok", "partial")
            clips = f"{int(row['n_present'])}/{int(row['n_expected'])}" if usable else "-"
            detail = row["detail"]
        out.append((e.name, "yes" if e.in_review else "no", e.size, e.labels, e.scale, e.clip_length, e.source,
                    e.here or "-", obtainable, clips, detail))
    return pd.DataFrame(out, columns=DATASET_COLUMNS)


def deam_part(track_ids) -> np.ndarray:
    """The :data:`DEAM_PARTS` name of each DEAM song id.

    Used by: :func:`deam_parts`, notebooks/du.ipynb.
    """
    ids = np.asarray(track_ids).astype(int)
    out = np.full(len(ids), "", dtype=object)
    for name, first, last in DEAM_PARTS:
        out[(ids >= first) & (ids <= last)] = name
    return out


DEAM_REVIEW_SONGS = {DEAM_PARTS[0][0]: "1744 excerpts (2013 and 2014 together)",
                     DEAM_PARTS[1][0]: "1744 excerpts (2013 and 2014 together)",
                     DEAM_PARTS[2][0]: "58 full songs (2015)"}
"""The review's counts of DEAM's songs (copied): it gives the 2013 and 2014 excerpts as one figure."""


def deam_parts(static: pd.DataFrame, dynamic: pd.DataFrame) -> pd.DataFrame:
    """DEAM's parts as the loaders count them, beside the review's figures: songs, and the
    interval and time span of the dynamic annotations.

    Parameters
    ----------
    static, dynamic : DataFrame
        :func:`mer_core.datasets.deam.load` and :func:`~mer_core.datasets.deam.load_dynamic`.

    Returns
    -------
    pandas.DataFrame
        One row per part of :data:`DEAM_PARTS`: ``the review's`` (:data:`DEAM_REVIEW_SONGS`),
        ``songs (static file)``, ``songs (dynamic file)``, ``dynamic interval (s)`` (the median
        step between two annotations of a song: 0.5 s is 2 Hz, where the review says "every
        second"), ``first annotation (s)`` (the earliest over the part's songs) and ``median
        last annotation (s)``.

    Used by: notebooks/du.ipynb.
    """
    dyn = dynamic.assign(part=deam_part(dynamic["track_id"]), step=dynamic.groupby("track_id")["time_s"].diff())
    static_parts = deam_part(static["track_id"])
    rows = []
    for name, *_ in DEAM_PARTS:
        d = dyn[dyn["part"] == name]
        per_song = d.groupby("track_id")["time_s"]
        rows.append({"part": name, "the review's": DEAM_REVIEW_SONGS[name],
                     "songs (static file)": int((static_parts == name).sum()),
                     "songs (dynamic file)": int(d["track_id"].nunique()),
                     "dynamic interval (s)": float(d["step"].median()) if len(d) else np.nan,
                     "first annotation (s)": float(per_song.min().min()) if len(d) else np.nan,
                     "median last annotation (s)": float(per_song.max().median()) if len(d) else np.nan})
    return pd.DataFrame(rows)


# --- the annotations -------------------------------------------------------------------------------

def dynamic_to_static_scale(x):
    """Map a dynamic rating (-1..1, neutral 0) linearly onto the static 1-9 scale (neutral 5): ``5 + 4 x``.

    The map sends the ends of one scale to the ends of the other (-1 -> 1, 1 -> 9) and the
    neutral point to the neutral point (0 -> 5). Pearson's r and quadrant agreement do not depend
    on it; the MAE and bias are in 1-9 units because of it.

    Used by: :func:`static_dynamic_agreement`.
    """
    lo, hi = DYNAMIC_SCALE
    s_lo, s_hi = STATIC_SCALE
    return s_lo + (np.asarray(x, dtype=float) - lo) * (s_hi - s_lo) / (hi - lo)


QUADRANT_COLUMNS = ["dataset", "ratings", "midpoint", "n_songs", *QUADRANTS, "on an axis"]
"""Columns of :func:`quadrant_counts`."""


def quadrant_counts(ratings: pd.DataFrame, midpoint: float, *, dataset: str, source: str) -> pd.DataFrame:
    """Songs per Russell quadrant of (valence, arousal) split at ``midpoint``.

    Q1 = +valence +arousal, Q2 = -valence +arousal, Q3 = -valence -arousal, Q4 = +valence
    -arousal (:func:`~mer_core.datasets.base.va_to_quadrant`); a rating exactly at the midpoint
    counts as positive, and ``on an axis`` says how many songs have at least one such rating
    (their quadrant depends on that rule).

    Parameters
    ----------
    ratings : DataFrame
        One row per song with ``valence`` and ``arousal`` (e.g. :func:`mer_core.datasets.deam.load`).
    midpoint : float
        The scale's neutral point: :data:`STATIC_MIDPOINT` (5) for 1-9, :data:`DYNAMIC_MIDPOINT`
        (0) for -1..1.
    dataset, source : str
        Written into the row (``source`` says which ratings, e.g. ``"static (1-9)"``).

    Returns
    -------
    pandas.DataFrame
        One row with :data:`QUADRANT_COLUMNS`.

    Used by: notebooks/du.ipynb.
    """
    v, a = ratings["valence"].to_numpy(dtype=float), ratings["arousal"].to_numpy(dtype=float)
    quadrants = pd.Series(va_to_quadrant(v, a, midpoint=midpoint) if len(v) else [], dtype=object)
    counts = quadrants.value_counts().reindex(list(QUADRANTS), fill_value=0).astype(int)
    on_axis = int(((v == midpoint) | (a == midpoint)).sum())
    return pd.DataFrame([(dataset, source, float(midpoint), len(v), *counts.tolist(), on_axis)],
                        columns=QUADRANT_COLUMNS)


SPREAD_COLUMNS = ["track_id", "n_frames", "duration_s", "valence_std", "valence_range", "arousal_std",
                  "arousal_range", "valence_mean", "arousal_mean"]
"""Columns of :func:`dynamic_spread`."""


def dynamic_spread(dynamic: pd.DataFrame) -> pd.DataFrame:
    """How much each song's 2 Hz curves move: per song, the standard deviation over time and the
    range (max - min) of the valence and arousal curves.

    Parameters
    ----------
    dynamic : DataFrame
        Long table ``track_id, time_s, valence, arousal`` (the mean over raters at each time, -1..1:
        :func:`mer_core.datasets.deam.load_dynamic`, :func:`mer_core.datasets.emomusic.load_dynamic`).

    Returns
    -------
    pandas.DataFrame
        One row per song (in order of first appearance) with :data:`SPREAD_COLUMNS`: the number
        of annotated frames, the time they span (last - first, s), per dimension the population
        standard deviation over time (``ddof=0``) and the range, and the song's mean (to compare
        the movement within a song with the differences between songs), in the -1..1 units of
        the curves (x 4 for 1-9 units, :func:`dynamic_to_static_scale`).

    Used by: notebooks/du.ipynb.
    """
    g = dynamic.groupby("track_id", sort=False)
    out = pd.DataFrame({"n_frames": g.size(), "duration_s": g["time_s"].max() - g["time_s"].min()})
    for dim in TARGETS:
        out[f"{dim}_std"] = g[dim].std(ddof=0)
        out[f"{dim}_range"] = g[dim].max() - g[dim].min()
    for dim in TARGETS:
        out[f"{dim}_mean"] = g[dim].mean()
    return out.reset_index()[SPREAD_COLUMNS]


def spread_summary(spread: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """Median and interquartile range across songs of each column of :func:`dynamic_spread`.

    Returns
    -------
    pandas.DataFrame
        One row per measure: ``valence_std``, ``valence_range``, ``arousal_std``,
        ``arousal_range`` (within songs) and ``valence_mean``, ``arousal_mean`` (whose IQR is the
        spread between songs), with ``dataset``, ``measure``, ``n_songs``, ``median``, ``q25``,
        ``q75``, ``iqr`` (q75 - q25; quantiles by linear interpolation), in -1..1 units.

    Used by: notebooks/du.ipynb.
    """
    rows = []
    for measure in SPREAD_COLUMNS[3:]:
        values = spread[measure].to_numpy(dtype=float)
        q25, median, q75 = np.quantile(values, [0.25, 0.5, 0.75]) if len(values) else (np.nan,) * 3
        rows.append({"dataset": dataset, "measure": measure, "n_songs": len(values), "median": float(median),
                     "q25": float(q25), "q75": float(q75), "iqr": float(q75 - q25)})
    return pd.DataFrame(rows)


def song_means(dynamic: pd.DataFrame, *, until_s: float | None = None) -> pd.DataFrame:
    """Per song, the mean over time of the dynamic valence and arousal (-1..1), indexed by ``track_id``;
    with ``until_s``, only the frames with ``time_s < until_s``.

    Used by: :func:`static_dynamic_agreement`, :func:`arousal_from_first_half`,
    notebooks/du.ipynb (quadrants of the dynamic means).
    """
    part = dynamic if until_s is None else dynamic[dynamic["time_s"] < until_s]
    return part.groupby("track_id", sort=False)[list(TARGETS)].mean()


def _static_beside_dynamic(static: pd.DataFrame, means: pd.DataFrame) -> pd.DataFrame:
    """Songs with both labels, indexed by ``track_id`` (as text): ``valence_static``, ``arousal_static``,
    ``valence_dynamic``, ``arousal_dynamic`` (``means``: per song, indexed by ``track_id``)."""
    left = static.set_index(static["track_id"].astype(str))[list(TARGETS)]
    right = means[list(TARGETS)].set_axis(means.index.astype(str))
    return left.add_suffix("_static").join(right.add_suffix("_dynamic"), how="inner")


AGREEMENT_COLUMNS = ["dataset", "dimension", "n_songs", "pearson_r", "mae", "bias", "agreement_pct"]
"""Columns of :func:`static_dynamic_agreement`."""


def static_dynamic_agreement(static: pd.DataFrame, dynamic: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """How the whole-clip (static) label agrees with the time-average of the 2 Hz (dynamic) labels.

    Each song's dynamic curves are averaged over time (:func:`song_means`) and mapped onto the
    1-9 scale by :func:`dynamic_to_static_scale` (``5 + 4 x``); songs with both labels are compared.

    Parameters
    ----------
    static : DataFrame
        ``track_id``, ``valence``, ``arousal`` on 1-9 (:func:`mer_core.datasets.deam.load`,
        :func:`mer_core.datasets.emomusic.load`).
    dynamic : DataFrame
        ``track_id``, ``time_s``, ``valence``, ``arousal`` on -1..1 (their ``load_dynamic``).
    dataset : str
        Written into the rows.

    Returns
    -------
    pandas.DataFrame
        Three rows with :data:`AGREEMENT_COLUMNS`: for ``valence`` and ``arousal``, Pearson's r
        (:func:`mer_core.evaluation.pearson_r`), the MAE (1-9 units), the ``bias`` (mean of static
        minus mapped dynamic, 1-9 units) and ``agreement_pct``, the percentage of songs whose two
        labels lie on the same side of the midpoint (5 and 0; a value at the midpoint counts as
        positive); for ``quadrant``, the percentage of songs whose two quadrants are the same
        (r, MAE and bias NaN).

    Raises
    ------
    ParameterError
        If no song has both labels.

    Used by: notebooks/du.ipynb.
    """
    means = song_means(dynamic)
    both = _static_beside_dynamic(static, means)
    if both.empty:
        raise ParameterError(f"{dataset}: no song has both a static and a dynamic label")
    rows = []
    for dim in TARGETS:
        s, d = both[f"{dim}_static"].to_numpy(float), both[f"{dim}_dynamic"].to_numpy(float)
        mapped = dynamic_to_static_scale(d)
        same_side = (s >= STATIC_MIDPOINT) == (d >= DYNAMIC_MIDPOINT)
        rows.append((dataset, dim, len(both), pearson_r(s, mapped), mae(s, mapped), float(np.mean(s - mapped)),
                     100 * float(same_side.mean())))
    q_static = va_to_quadrant(both["valence_static"], both["arousal_static"], midpoint=STATIC_MIDPOINT)
    q_dynamic = va_to_quadrant(both["valence_dynamic"], both["arousal_dynamic"], midpoint=DYNAMIC_MIDPOINT)
    rows.append((dataset, "quadrant", len(both), np.nan, np.nan, np.nan, 100 * float(np.mean(q_static == q_dynamic))))
    return pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)


def agreement_pairs(static: pd.DataFrame, dynamic: pd.DataFrame) -> pd.DataFrame:
    """Per song, the static labels and the mapped time-averaged dynamic ones (1-9), for a scatter plot.

    Returns
    -------
    pandas.DataFrame
        ``track_id``, ``valence_static``, ``arousal_static``, ``valence_dynamic``,
        ``arousal_dynamic`` (the dynamic means through :func:`dynamic_to_static_scale`).

    Used by: notebooks/du.ipynb.
    """
    both = _static_beside_dynamic(static, song_means(dynamic).apply(dynamic_to_static_scale))
    return both.rename_axis("track_id").reset_index()


# --- TR-MUSIC --------------------------------------------------------------------------------------

def class_balance(table: pd.DataFrame) -> pd.DataFrame:
    """TR-MUSIC's classes: excerpts, share, distinct excerpts (groups) and the quadrant this book gives each.

    Parameters
    ----------
    table : DataFrame
        :func:`mer_core.datasets.turkish.load`.

    Returns
    -------
    pandas.DataFrame
        One row per class in quadrant order (happy, angry, sad, relax) and a ``total`` row (quadrant ``-``):
        ``class``, ``quadrant``, ``excerpts``, ``share_pct``, ``distinct excerpts`` (groups: exact
        copies of an excerpt count once).

    Used by: notebooks/du.ipynb.
    """
    from ..datasets.turkish import CLASSES, QUADRANT_OF_CLASS

    rows = []
    for c in CLASSES:
        part = table[table["label"] == c]
        rows.append({"class": c, "quadrant": QUADRANT_OF_CLASS[c], "excerpts": len(part),
                     "share_pct": 100 * len(part) / len(table) if len(table) else np.nan,
                     "distinct excerpts": int(part["group"].nunique())})
    rows.append({"class": "total", "quadrant": "-", "excerpts": len(table),
                 "share_pct": 100.0 if len(table) else np.nan, "distinct excerpts": int(table["group"].nunique())})
    return pd.DataFrame(rows)


def rbf_svm(seed: int = 0, probability: bool = False) -> Pipeline:
    """``StandardScaler -> SVC(kernel="rbf", C=1, gamma="scale")``, the zoo's ``rbf_svm`` settings.

    With ``probability``, the SVM is wrapped in Platt scaling, the probabilistic form of
    ``SVC(probability=True)`` (deprecated in scikit-learn 1.9):
    ``CalibratedClassifierCV(SVC(...), method="sigmoid", cv=5, ensemble=False)`` fits a sigmoid
    per class (one vs rest) to the decision values of a 5-fold cross-validation of the training
    part, then the SVM on the whole training part; the class probabilities are normalised to sum
    to 1 and ``predict`` is their arg max.

    Used by: :func:`turkish_baseline`, :func:`turkish_probabilities`.
    """
    svm = SVC(kernel="rbf", C=1.0, gamma="scale", random_state=seed)
    if probability:
        svm = CalibratedClassifierCV(svm, method="sigmoid", cv=5, ensemble=False)
    return Pipeline([("scale", StandardScaler()), ("svm", svm)])


def turkish_baseline(table: pd.DataFrame, profile: str, seed: int = 0, *, progress: bool = False) -> CVResult:
    """StandardScaler -> RBF SVM on TR-MUSIC's 50 features under the profile's repeated 80/20 splits.

    Parameters
    ----------
    table : DataFrame
        :func:`mer_core.datasets.turkish.load`: ``quadrant`` (the label), ``group`` (exact copies
        share one) and the feature columns.
    profile : str
        :data:`PROFILES`: ``holdout80-0-20x1`` (smoke), ``x10`` (cpu), ``x20`` (paper).
    seed : int
        Seed of the splits (``seed*1000 + r``) and of the SVM.

    Returns
    -------
    CVResult
        Records (``paper`` "Du", ``method`` :data:`METHOD`, ``features`` "MIRtoolbox 50 (TR-MUSIC
        file)", ``dataset`` "turkish"; accuracy, macro precision / recall / F1, per-quadrant F1 per
        split) and the test predictions.

    Used by: notebooks/du.ipynb.
    """
    from ..datasets.turkish import feature_columns

    cv = settings(profile)["cv"]
    X = table[feature_columns(table)].to_numpy(dtype=float)
    return cross_validate(rbf_svm(seed), X, table["quadrant"].to_numpy(), groups=table["group"].to_numpy(), cv=cv,
                          seed=seed, progress=progress, paper=PAPER, method=METHOD, features=FEATURES_TR,
                          dataset="turkish", profile=profile)


def baseline_summary(records: pd.DataFrame) -> pd.DataFrame:
    """Mean ± std over splits of accuracy and macro F1, one row per source x dataset x features x method x
    profile x protocol.

    Parameters
    ----------
    records : DataFrame
        Records of :func:`turkish_baseline` (optionally with the ``source`` column of
        :func:`mer_core.results.with_published`).

    Returns
    -------
    pandas.DataFrame
        ``source`` (when given), ``dataset``, ``features``, ``method``, ``profile``, ``protocol``, ``splits``,
        ``n_test``, ``accuracy`` and ``f1_macro`` as ``"mean ± std"`` (3 decimals; std over
        splits, "n/a" for one split) and their means as floats (``accuracy_mean``, ``f1_macro_mean``).

    Used by: notebooks/du.ipynb.
    """
    keys = [c for c in ("source", "dataset", "features", "method", "profile", "protocol") if c in records.columns]
    rows = []
    for key, part in records.groupby(keys, sort=False):
        row = dict(zip(keys, key if isinstance(key, tuple) else (key,)))
        row["splits"] = int(part["fold"].nunique())
        row["n_test"] = float(part["n_test"].median())
        for metric in ("accuracy", "f1_macro"):
            values = part.loc[part["metric"] == metric, "value"].to_numpy(dtype=float)
            std = f"{values.std(ddof=1):.3f}" if len(values) > 1 else "n/a"
            row[metric] = f"{values.mean():.3f} ± {std}"
            row[f"{metric}_mean"] = float(values.mean())
        rows.append(row)
    return pd.DataFrame(rows)


# --- metrics -----------------------------------------------------------------------------------------

FIRST_HALF_UNTIL_S = 30.0
"""emoMusic's dynamic annotations run from 15 s to 45 s; their first half is the frames before 30 s."""


def arousal_from_first_half(static: pd.DataFrame, dynamic: pd.DataFrame, target: str = "arousal") -> pd.DataFrame:
    """A real, cheap regression: emoMusic's static ``target`` (1-9) predicted by least squares
    from the time-averaged valence and arousal of the first half of each song's 2 Hz annotations.

    The predictors are the means of the dynamic valence and arousal over the frames before
    :data:`FIRST_HALF_UNTIL_S` (15 s to 29.5 s); an ordinary least-squares line (with
    intercept) is fitted on the MediaEval 2013 development songs and predicts the evaluation
    songs (the ``split`` column of :func:`mer_core.datasets.emomusic.load`).

    Returns
    -------
    pandas.DataFrame
        One row per evaluation song: ``track_id``, ``y_true`` (the static rating), ``y_pred``.
        ``attrs``: ``"description"`` (what was predicted from what), ``"n_train"``,
        ``"coefficients"`` ({"intercept", "valence", "arousal"}).

    Raises
    ------
    ParameterError
        If ``target`` is not valence or arousal, or either set has no song with both labels.

    Used by: notebooks/du.ipynb (the metrics table).
    """
    if target not in TARGETS:
        raise ParameterError(f"target must be one of {TARGETS}, got {target!r}")
    means = song_means(dynamic, until_s=FIRST_HALF_UNTIL_S)
    x_cols = [f"{d}_dynamic" for d in TARGETS]
    data = static.set_index(static["track_id"].astype(str))[[target, "split"]].join(
        means.set_axis(means.index.astype(str)).set_axis(x_cols, axis=1), how="inner").dropna()
    train, test = data[data["split"] == "development"], data[data["split"] == "evaluation"]
    if train.empty or test.empty:
        raise ParameterError("the development and evaluation sets both need songs with static and dynamic labels")

    def design(part):
        return np.column_stack([np.ones(len(part)), part[x_cols].to_numpy(dtype=float)])

    coef, *_ = np.linalg.lstsq(design(train), train[target].to_numpy(dtype=float), rcond=None)
    out = pd.DataFrame({"track_id": test.index.to_numpy(), "y_true": test[target].to_numpy(dtype=float),
                        "y_pred": design(test) @ coef})
    out.attrs.update(description=f"emoMusic static {target} (1-9) of the {len(test)} evaluation songs, predicted "
                     f"by least squares from the mean dynamic valence and arousal of 15-{FIRST_HALF_UNTIL_S:g} s "
                     f"(fitted on the {len(train)} development songs)",
                     n_train=len(train), coefficients=dict(zip(("intercept", *TARGETS), map(float, coef))))
    return out


def turkish_probabilities(table: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """A real probabilistic classification: TR-MUSIC's quadrants on the first 80/20 split of the
    profiles (``holdout80-0-20x1``, grouped and stratified, seed ``seed*1000``), by the RBF SVM
    with Platt-scaled probabilities (:func:`rbf_svm` with ``probability=True``).

    Returns
    -------
    pandas.DataFrame
        One row per test excerpt: ``track_id``, ``y_true`` (quadrant), ``y_pred`` and one column of
        predicted probability per class (``Q1`` .. ``Q4``, summing to 1). ``attrs``:
        ``"labels"`` (the probability columns), ``"description"``, ``"n_train"``.

    Used by: notebooks/du.ipynb (the cross-entropy row of the metrics table).
    """
    from ..datasets.turkish import feature_columns

    X = table[feature_columns(table)].to_numpy(dtype=float)
    y, groups = table["quadrant"].to_numpy(), table["group"].to_numpy()
    split = make_splits(y, "holdout80-0-20x1", groups=groups, seed=seed)[0]
    model = rbf_svm(seed, probability=True).fit(X[split.train], y[split.train])
    labels = [str(c) for c in model.classes_]
    proba = model.predict_proba(X[split.test])
    out = pd.DataFrame({"track_id": table["track_id"].to_numpy()[split.test], "y_true": y[split.test],
                        "y_pred": model.predict(X[split.test])})
    out[labels] = proba
    out.attrs.update(labels=labels, n_train=len(split.train),
                     description=f"TR-MUSIC quadrant probabilities of {len(split.test)} test excerpts, RBF SVM with "
                     f"Platt scaling trained on {len(split.train)} (one grouped stratified 80/20 split)")
    return out


EQUATIONS = {
    "cross-entropy": ("1", "L = -(1/N) sum_n sum_i y_i^n log x_i^n  (y^n one-hot truth, x^n predicted probabilities)"),
    "R²": ("2", "R² = 1 - RSS/TSS,  RSS = sum_i (y_i - yhat_i)^2,  TSS = sum_i (y_i - mean(y))^2"),
    "MAE": ("3", "MAE = (1/N) sum_i |y_i - yhat_i|"),
    "Pearson r (PCC)": ("4", "r = sum_i (x_i - mean(x))(y_i - mean(y)) / sqrt(sum_i (x_i - mean(x))^2 "
                        "sum_i (y_i - mean(y))^2)"),
    "RMSE": ("5", "RMSE = sqrt((1/N) sum_i (y_i - yhat_i)^2)"),
}
"""Each metric's equation number in the review and its formula in one notation (y true, yhat
predicted; natural logarithm), which the review's own symbols do not keep (see the chapter)."""

METRIC_COLUMNS = ["metric", "Du eq.", "formula", "prediction", "n", "ours", "reference", "reference value",
                  "abs difference"]
"""Columns of :func:`metrics_table`."""


def metrics_table(regression: pd.DataFrame | None = None, classification: pd.DataFrame | None = None) -> pd.DataFrame:
    """The review's eqs. 1-5 computed by :mod:`mer_core.evaluation` beside scikit-learn / SciPy on real predictions.

    Parameters
    ----------
    regression : DataFrame, optional
        ``y_true``, ``y_pred`` (e.g. :func:`arousal_from_first_half`); gives the rows of eqs. 2-5:
        :func:`~mer_core.evaluation.r2` vs :func:`sklearn.metrics.r2_score`,
        :func:`~mer_core.evaluation.mae` vs :func:`sklearn.metrics.mean_absolute_error`,
        :func:`~mer_core.evaluation.pearson_r` vs :func:`scipy.stats.pearsonr`,
        :func:`~mer_core.evaluation.rmse` vs ``sqrt(sklearn.metrics.mean_squared_error)``.
    classification : DataFrame, optional
        ``y_true`` and one probability column per class named in ``attrs["labels"]`` (e.g.
        :func:`turkish_probabilities`); gives the row of eq. 1:
        :func:`~mer_core.evaluation.cross_entropy` vs :func:`sklearn.metrics.log_loss` (nats).

    Returns
    -------
    pandas.DataFrame
        One row per metric with :data:`METRIC_COLUMNS` (eq. 1 first, then 2-5): the formula
        (:data:`EQUATIONS`), the prediction's ``attrs["description"]``, its size, our value, the
        reference function and its value, and their absolute difference. Empty (with the
        columns) when neither prediction is given.

    Used by: notebooks/du.ipynb.
    """
    from scipy.stats import pearsonr
    from sklearn.metrics import log_loss, mean_absolute_error, mean_squared_error, r2_score

    rows = []

    def add(metric, described, n, ours, reference, value):
        eq, formula = EQUATIONS[metric]
        rows.append((metric, eq, formula, described, n, float(ours), reference, float(value),
                     abs(float(ours) - float(value))))

    if classification is not None:
        labels = list(classification.attrs.get("labels") or [])
        if not labels:
            raise ParameterError("classification needs attrs['labels'], the names of its probability columns")
        labels = sorted(labels)  # log_loss takes the columns in sorted order of the labels
        y, proba = classification["y_true"].to_numpy(), classification[labels].to_numpy(dtype=float)
        add("cross-entropy", classification.attrs.get("description", ""), len(y),
            cross_entropy(y, proba, labels=labels), "sklearn.metrics.log_loss", log_loss(y, proba, labels=labels))
    if regression is not None:
        t, p = regression["y_true"].to_numpy(dtype=float), regression["y_pred"].to_numpy(dtype=float)
        described = regression.attrs.get("description", "")
        add("R²", described, len(t), r2(t, p), "sklearn.metrics.r2_score", r2_score(t, p))
        add("MAE", described, len(t), mae(t, p), "sklearn.metrics.mean_absolute_error", mean_absolute_error(t, p))
        add("Pearson r (PCC)", described, len(t), pearson_r(t, p), "scipy.stats.pearsonr", pearsonr(t, p)[0])
        add("RMSE", described, len(t), rmse(t, p), "sqrt(sklearn.metrics.mean_squared_error)",
            np.sqrt(mean_squared_error(t, p)))
    return pd.DataFrame(rows, columns=METRIC_COLUMNS)


# --- the LSTM cell -----------------------------------------------------------------------------------

def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def lstm_step_by_hand(lstm, x, h, c) -> dict[str, np.ndarray]:
    """One step of a one-layer :class:`torch.nn.LSTM`, computed with NumPy in the review's notation (eqs. 6-9).

    PyTorch stores the four gates stacked in the order input, forget, cell candidate, output
    (``i, f, g, o``) in ``weight_ih_l0`` (4H x I), ``weight_hh_l0`` (4H x H) and two biases. In
    the review's notation each gate is ``sigma(W . [h_{t-1}, x_t] + b)``: ``W`` is the gate's
    rows of ``[weight_hh_l0 | weight_ih_l0]`` (hidden-state columns first, as the review
    concatenates ``h`` before ``x``) and ``b = bias_ih_l0 + bias_hh_l0``. Then

    * f_t = sigma(W_f [h_{t-1}, x_t] + b_f)                 (eq. 6)
    * i_t = sigma(W_i [h_{t-1}, x_t] + b_i), C~_t = tanh(W_C [h_{t-1}, x_t] + b_C)   (eq. 7)
    * C_t = f_t * C_{t-1} + i_t * C~_t                      (eq. 8)
    * o_t = sigma(W_o [h_{t-1}, x_t] + b_o), h_t = o_t * tanh(C_t)   (eq. 9)

    with ``*`` the element-wise product.

    Parameters
    ----------
    lstm : torch.nn.LSTM
        One layer, unidirectional, with biases, no projection (``proj_size=0``).
    x : array-like, (I,) or (B, I)
        The input at time t (a batch of B).
    h, c : array-like, (H,) or (B, H)
        The hidden and cell states at t-1.

    Returns
    -------
    dict of numpy.ndarray
        ``i``, ``f``, ``g`` (the cell candidate C~_t), ``o``, ``c`` (C_t) and ``h`` (h_t), each
        shaped like ``h``, in float64.

    Raises
    ------
    ParameterError
        For an LSTM with several layers, two directions, no bias or a projection, or shapes that
        do not fit it.

    Used by: :func:`lstm_check`, notebooks/du.ipynb, tests/test_du.py.
    """
    if lstm.num_layers != 1 or lstm.bidirectional or not lstm.bias or getattr(lstm, "proj_size", 0):
        raise ParameterError("lstm_step_by_hand takes a one-layer, unidirectional LSTM with biases and no projection")
    params = {name: p.detach().cpu().double().numpy() for name, p in lstm.named_parameters()}
    W = np.concatenate([params["weight_hh_l0"], params["weight_ih_l0"]], axis=1)  # rows: i, f, g, o
    b = params["bias_ih_l0"] + params["bias_hh_l0"]
    n_hidden, n_input = lstm.hidden_size, lstm.input_size

    def as_array(v) -> np.ndarray:
        return v.detach().cpu().double().numpy() if hasattr(v, "detach") else np.asarray(v, dtype=float)

    x, h, c = as_array(x), as_array(h), as_array(c)
    if x.shape[-1] != n_input or h.shape[-1] != n_hidden or c.shape != h.shape or x.shape[:-1] != h.shape[:-1]:
        raise ParameterError(f"shapes x {x.shape}, h {h.shape}, c {c.shape} do not fit an LSTM with input size "
                             f"{n_input} and hidden size {n_hidden}")
    z = np.concatenate([h, x], axis=-1) @ W.T + b  # W . [h_{t-1}, x_t] + b for the four gates at once
    zi, zf, zg, zo = (z[..., k * n_hidden:(k + 1) * n_hidden] for k in range(4))
    f = _sigmoid(zf)
    i, g = _sigmoid(zi), np.tanh(zg)
    c_new = f * c + i * g
    o = _sigmoid(zo)
    return {"i": i, "f": f, "g": g, "o": o, "c": c_new, "h": o * np.tanh(c_new)}


def lstm_check(seed: int = 0, *, input_size: int = 3, hidden_size: int = 4, batch: int = 2,
               steps: int = 5) -> pd.DataFrame:
    """Run a small seeded :class:`torch.nn.LSTM` over a random sequence and repeat it step by step
    with :func:`lstm_step_by_hand`: the largest absolute differences of h_t and C_t.

    Everything in float64 (``torch.nn.LSTM(...).double()``), so the differences are rounding.

    Returns
    -------
    pandas.DataFrame
        One row per time step: ``step`` (1..steps), ``max |h_torch - h_hand|``,
        ``max |c_torch - c_hand|``; ``attrs``: ``"sizes"`` (input, hidden, batch) and the
        first step's gates (``"gates"``, the dict of :func:`lstm_step_by_hand`).

    Used by: notebooks/du.ipynb.
    """
    import torch

    torch.manual_seed(seed)
    lstm = torch.nn.LSTM(input_size, hidden_size, batch_first=True).double()
    x = torch.randn(batch, steps, input_size, dtype=torch.float64)
    h0 = torch.randn(1, batch, hidden_size, dtype=torch.float64)
    c0 = torch.randn(1, batch, hidden_size, dtype=torch.float64)
    with torch.no_grad():
        out, _ = lstm(x, (h0, c0))
        cells = []  # torch returns C_t only at the end: run one step at a time to get every C_t
        state = (h0, c0)
        for t in range(steps):
            _, state = lstm(x[:, t:t + 1], state)
            cells.append(state[1][0].numpy())
    h, c = h0[0].numpy(), c0[0].numpy()
    rows, first = [], None
    for t in range(steps):
        step = lstm_step_by_hand(lstm, x[:, t].numpy(), h, c)
        first = first or step
        h, c = step["h"], step["c"]
        rows.append({"step": t + 1, "max |h_torch - h_hand|": float(np.abs(out[:, t].numpy() - h).max()),
                     "max |c_torch - c_hand|": float(np.abs(cells[t] - c).max())})
    table = pd.DataFrame(rows)
    table.attrs.update(sizes={"input": input_size, "hidden": hidden_size, "batch": batch}, gates=first)
    return table


# --- Hizlisoy et al.: CFS and a CLDNN on standard features (TR-MUSIC) ---------------------------------

HIZLISOY_METHODS = ("cldnn", "knn", "rbf_svm", "random_forest")
"""The CLDNN and the three classifiers Hizlisoy et al. compare it with (the zoo's kNN, RBF SVM and
random forest: :func:`mer_core.models.make_classifier`)."""

REVIEW_HIZLISOY_ACCURACY = 99.19
"""The review's figure (%) for Hizlisoy et al.'s system: accuracy on their own TEM set (124 excerpts)."""

REVIEW_HIZLISOY_NOTE = ("99.19 % accuracy: the review's figure for the whole system (standard + CNN features, CFS, "
                        "CLDNN) on TEM (124 excerpts), which is not available here; not comparable")
"""Written beside our CFS + CLDNN figure on TR-MUSIC."""


def hizlisoy_method_name(method: str, cfs: bool = True) -> str:
    """The ``method`` of a record: ``cfs_<method>`` with selection, ``<method>`` without.

    Used by: :func:`hizlisoy_turkish`, :func:`hizlisoy_summary`.
    """
    return f"cfs_{method}" if cfs else method


def hizlisoy_pipeline(method: str, hizlisoy_settings: dict, seed: int = 0, *, cfs: bool = True,
                      num_threads: int | None = 1) -> Pipeline:
    """``CFS -> classifier``, everything learned on the training fold.

    Parameters
    ----------
    method : str
        One of :data:`HIZLISOY_METHODS`: ``cldnn`` (:class:`~mer_core.models.cldnn.CLDNNClassifier`
        with ``hizlisoy_settings["cldnn"]``; it standardises its columns itself) or a zoo
        classifier (``StandardScaler -> classifier``).
    hizlisoy_settings : dict
        A profile's ``"hizlisoy"`` settings (:data:`PROFILES`).
    seed : int
        Seed of the network and of the forest.
    cfs : bool
        Put :class:`~mer_core.models.cfs.CFS` (``correlation`` from the settings) in front.
    num_threads : int or None
        Torch threads of the CLDNN (default 1: a network this small runs fastest on one thread, and
        two threads contend badly with any other process on a 2-core machine; None: torch's setting).

    Used by: :func:`hizlisoy_turkish`.
    """
    from ..models.cfs import CFS
    from ..models.cldnn import CLDNNClassifier
    from ..models.zoo import make_classifier

    if method == "cldnn":
        model = CLDNNClassifier(**hizlisoy_settings.get("cldnn", {}), random_state=seed, num_threads=num_threads)
    elif method in HIZLISOY_METHODS:
        model = make_classifier(method, random_state=seed)
    else:
        raise ParameterError(f"unknown method {method!r}; choose one of {HIZLISOY_METHODS}")
    steps = [("cfs", CFS(correlation=hizlisoy_settings.get("correlation", "pearson")))] if cfs else []
    return Pipeline(steps + [("model", model)])


def hizlisoy_turkish(table: pd.DataFrame, profile: str, seed: int = 0, *, methods=HIZLISOY_METHODS,
                     progress: bool = False, num_threads: int | None = 1) -> CVResult:
    """Hizlisoy et al.'s standard-features path on TR-MUSIC: CFS, then the CLDNN, kNN, SVM and random forest.

    Parameters
    ----------
    table : DataFrame
        :func:`mer_core.datasets.turkish.load`: ``quadrant`` (the label), ``group`` (exact copies
        share one) and the 50 feature columns.
    profile : str
        :data:`PROFILES` ``[profile]["hizlisoy"]``: the protocol (``10x1``: grouped, stratified
        10-fold CV, as the paper; smoke: one 80/20 split), the CLDNN's training and whether to
        run every classifier without CFS as well (``without_cfs``).
    seed : int
        Seed of the folds (``seed*1000``) and of every model.
    methods : sequence of str
        A subset of :data:`HIZLISOY_METHODS`.
    num_threads : int or None
        Torch threads of the CLDNN (default 1: a network this small runs fastest on one thread, and
        two threads contend badly with any other process on a 2-core machine; None: torch's setting).

    Returns
    -------
    CVResult
        Records (``paper`` "Du", ``method`` ``cfs_<name>`` or ``<name>`` (no selection),
        ``features`` "MIRtoolbox 50 (TR-MUSIC file)", ``dataset`` "turkish"; accuracy, macro
        precision / recall / F1 and per-quadrant F1 per fold) and the test predictions with a
        ``method`` column. Every method sees the same folds; CFS is refitted on each training fold.

    Used by: notebooks/du.ipynb.
    """
    from ..datasets.turkish import feature_columns

    hs = settings(profile)["hizlisoy"]
    X = table[feature_columns(table)].to_numpy(dtype=float)
    y, groups = table["quadrant"].to_numpy(), table["group"].to_numpy()
    variants = [(m, True) for m in methods] + ([(m, False) for m in methods] if hs["without_cfs"] else [])
    records, predictions = [], []
    for method, cfs in variants:
        name = hizlisoy_method_name(method, cfs)
        res = cross_validate(hizlisoy_pipeline(method, hs, seed, cfs=cfs, num_threads=num_threads), X, y,
                             groups=groups, cv=hs["cv"], seed=seed, progress=progress, paper=PAPER, method=name,
                             features=FEATURES_TR, dataset="turkish", profile=profile)
        records.append(res.records)
        predictions.append(res.predictions.assign(method=name))
    return CVResult(pd.concat(records, ignore_index=True), pd.concat(predictions, ignore_index=True))


CFS_COLUMNS = ["dataset", "feature", "folds_selected", "folds", "share_pct", "r_class_mean"]
"""Columns of :func:`cfs_selection`."""


def cfs_selection(table: pd.DataFrame, profile: str, seed: int = 0) -> pd.DataFrame:
    """Which TR-MUSIC features CFS selects on the training part of each fold of :func:`hizlisoy_turkish`.

    Returns
    -------
    pandas.DataFrame
        One row per selected feature (any fold), most often selected first: :data:`CFS_COLUMNS`
        (``r_class_mean``: its mean correlation with the class over the folds);
        ``attrs["subset_sizes"]``: the subset size of each fold.

    Used by: notebooks/du.ipynb.
    """
    from ..datasets.turkish import feature_columns
    from ..models.cfs import CFS

    hs = settings(profile)["hizlisoy"]
    names = feature_columns(table)
    X = table[names].to_numpy(dtype=float)
    y, groups = table["quadrant"].to_numpy(), table["group"].to_numpy()
    splits = make_splits(y, hs["cv"], groups=groups, seed=seed)
    counts, r_cf, sizes = np.zeros(len(names), dtype=int), np.zeros(len(names)), []
    for split in splits:
        cfs = CFS(correlation=hs.get("correlation", "pearson")).fit(X[split.train], y[split.train])
        counts += cfs.support_
        r_cf += cfs.r_cf_
        sizes.append(int(cfs.support_.sum()))
    out = pd.DataFrame({"dataset": "turkish", "feature": names, "folds_selected": counts, "folds": len(splits),
                        "share_pct": 100 * counts / len(splits), "r_class_mean": r_cf / len(splits)})
    out = out[out["folds_selected"] > 0].sort_values(["folds_selected", "r_class_mean"], ascending=False)
    out = out.reset_index(drop=True)[CFS_COLUMNS]
    out.attrs["subset_sizes"] = sizes
    return out


def hizlisoy_summary(records: pd.DataFrame) -> pd.DataFrame:
    """:func:`baseline_summary` of :func:`hizlisoy_turkish`'s records with the selection named and
    the review's figure beside the CFS + CLDNN rows (:data:`REVIEW_HIZLISOY_NOTE`).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`baseline_summary`, plus ``classifier``, ``selection`` (``CFS`` or
        ``none``) and ``the review's figure`` (``-`` except on ``cfs_cldnn`` rows).

    Used by: notebooks/du.ipynb.
    """
    out = baseline_summary(records)
    cfs = out["method"].str.startswith("cfs_")
    out.insert(out.columns.get_loc("method") + 1, "classifier", out["method"].str.replace("cfs_", "", regex=False))
    out.insert(out.columns.get_loc("classifier") + 1, "selection", np.where(cfs, "CFS", "none"))
    out["the review's figure"] = np.where(out["method"] == "cfs_cldnn", REVIEW_HIZLISOY_NOTE, "-")
    return out


FEATURES_HIZLISOY_4Q = {"standard + CNN": "IS13 ComParE (openSMILE, 6373) + CNN features of 3 MFCC/log-mel pieces "
                                          "(3 x 256)",
                         "standard": "IS13 ComParE (openSMILE, 6373)"}
"""``features`` of the 4Q records of :func:`hizlisoy_4q`: the paper's whole system (standard and CNN
features, CFS over both) and the same without the CNN features (what they add)."""

HIZLISOY_FOLD_COLUMNS = ["fold", "cnn_epochs", "cnn_best_epoch", "features", "n_candidates", "n_selected",
                         "n_selected_cnn"]
"""Columns of the per-fold table of :func:`hizlisoy_4q`."""


def hizlisoy_4q_inputs(standard, pieces) -> tuple[np.ndarray, pd.DataFrame, int]:
    """Join the standard features and the pieces of the clips both extracted.

    Parameters
    ----------
    standard, pieces : FeatureSet
        :func:`mer_core.features.extract` with ``is13_compare`` and ``mfcc_logmel_pieces``
        (:class:`~mer_core.features.sequences.MFCCLogMelPieces`) on the same clips.

    Returns
    -------
    X : ndarray of float32, shape (n, n_standard + pieces x frames x d)
        One row per clip (the input of :class:`~mer_core.models.piece_cnn.PieceCNNFeatures`).
    tracks : DataFrame
        The clips, in the rows' order.
    n_standard : int

    Used by: notebooks/du.ipynb.
    """
    from .pandrea import aligned_features

    arrays, tracks = aligned_features({"standard": standard, "pieces": pieces})
    if not len(tracks):
        raise ParameterError("no clip has both the standard features and the pieces")
    n_standard = arrays["standard"].shape[1]
    X = np.hstack([arrays["standard"], arrays["pieces"].reshape(len(tracks), -1)]).astype(np.float32)
    return X, tracks, n_standard


def hizlisoy_4q(X: np.ndarray, tracks: pd.DataFrame, n_standard: int, pieces_shape: tuple[int, int], profile: str,
                seed: int = 0, *, methods=HIZLISOY_METHODS, progress: bool = False,
                num_threads: int | None = 1) -> tuple[CVResult, pd.DataFrame]:
    """Hizlisoy et al.'s whole system on 4Q: CNN features of three pieces + standard features, CFS,
    then the CLDNN, kNN, SVM and random forest; and the same without the CNN features.

    In each fold of the protocol (``hizlisoy`` ``cv``: 10 folds grouped by song and stratified by
    quadrant; smoke: one 80/20 split), everything is learned from the training clips: the piece
    CNN (:class:`~mer_core.models.piece_cnn.PieceCNNFeatures`, early stopping on 10 % of the
    training songs), then CFS over the standard and CNN features (fitted once per fold and input,
    shared by the four classifiers: the search is deterministic, so this equals refitting it in
    each classifier's pipeline), then each classifier (:func:`hizlisoy_pipeline` without CFS).

    Parameters
    ----------
    X, tracks, n_standard : see :func:`hizlisoy_4q_inputs`.
    pieces_shape : (int, int)
        Pieces per clip and frames per piece of ``X``'s piece columns.
    profile : str
        :data:`PROFILES` ``[profile]["hizlisoy"]``: ``cv``, ``cldnn`` and ``fourq["cnn"]``.
    seed : int
        Seed of the folds (``seed*1000``), the CNN and the classifiers.
    methods : sequence of str
        A subset of :data:`HIZLISOY_METHODS`.
    num_threads : int or None
        Torch threads of the CNN and the CLDNN.

    Returns
    -------
    result : CVResult
        Records (``method`` ``cfs_<name>``, ``features`` a value of :data:`FEATURES_HIZLISOY_4Q`,
        ``dataset`` ``4q``) and test predictions with ``method`` and ``features`` columns.
    folds : DataFrame
        :data:`HIZLISOY_FOLD_COLUMNS`: per fold, the CNN's epochs run and kept, and per input the
        candidate features, the CFS subset and how many of it are CNN features.

    Used by: notebooks/du.ipynb.
    """
    from ..evaluation import RECORD_COLUMNS, classification_metrics
    from ..models.cfs import CFS
    from ..models.piece_cnn import PieceCNNFeatures
    from ..progress import progress as progress_bar
    from ..provenance import code_version, created, machine

    hs = settings(profile)["hizlisoy"]
    unknown = set(methods) - set(HIZLISOY_METHODS)
    if unknown:
        raise ParameterError(f"unknown methods {sorted(unknown)}; choose from {HIZLISOY_METHODS}")
    y, groups = tracks["quadrant"].to_numpy(), tracks["group"].to_numpy()
    labels = np.unique(y)
    splits = make_splits(y, hs["cv"], groups=groups, seed=seed)
    stamp = (code_version(), machine(), created())
    rows, predictions, folds = [], [], []
    for split in progress_bar(splits, desc="hizlisoy 4q", disable=not progress):
        cnn = PieceCNNFeatures(n_standard, *pieces_shape, **hs["fourq"]["cnn"], random_state=seed,
                               num_threads=num_threads)
        cnn.fit(X[split.train], y[split.train], groups=groups[split.train])
        Z_train, Z_test = cnn.transform(X[split.train]), cnn.transform(X[split.test])
        for key, title in FEATURES_HIZLISOY_4Q.items():
            width = Z_train.shape[1] if key == "standard + CNN" else n_standard
            cfs = CFS(correlation=hs.get("correlation", "pearson")).fit(Z_train[:, :width], y[split.train])
            A, B = cfs.transform(Z_train[:, :width]), cfs.transform(Z_test[:, :width])
            folds.append((split.fold, cnn.n_epochs_, cnn.best_epoch_, title, width, int(cfs.support_.sum()),
                          int(cfs.support_[n_standard:].sum())))
            for method in methods:
                name = hizlisoy_method_name(method)
                model = hizlisoy_pipeline(method, hs, seed, cfs=False, num_threads=num_threads).fit(A, y[split.train])
                y_pred = model.predict(B)
                for metric, value in classification_metrics(y[split.test], y_pred, labels=labels).items():
                    rows.append((PAPER, name, title, "4q", hs["cv"], profile, split.fold, metric, value,
                                 len(split.train), len(split.test), *stamp))
                predictions.append(pd.DataFrame({"fold": split.fold, "index": split.test, "y_true": y[split.test],
                                                 "y_pred": y_pred, "method": name, "features": title}))
    return (CVResult(pd.DataFrame(rows, columns=RECORD_COLUMNS), pd.concat(predictions, ignore_index=True)),
            pd.DataFrame(folds, columns=HIZLISOY_FOLD_COLUMNS))


# --- Grekow: an LSTM regressor of 6 s segments ---------------------------------------------------------

GREKOW_METHODS = ("lstm", "linear_regression", "svr")
"""The LSTM and Grekow's two baselines (the review: "simple linear regression and SMOReg")."""

FEATURES_GREKOW = "MFCC 20 + delta, 0.5 s means of 46/23 ms frames, 6 s segments (librosa)"
"""``features`` of the LSTM's records: a sequence of 12 steps x 40 values per segment."""
FEATURES_GREKOW_MEAN = "MFCC 20 + delta, mean over each 6 s segment (librosa)"
"""``features`` of the baselines' records: the time mean of the same sequence (40 values)."""

PRETRAINED_FRONT = "musicnn_mtt"
"""The pretrained network in front of the recurrent model (registry name: musicnn trained on
MagnaTagATune, penultimate layer, 200 values per 3 s window). Grekow's own pretrained model is
not in the review; this is the book's choice, named as such in every record."""

WINDOWS_PER_SEGMENT = 2
"""musicnn windows (3 s, 2.992 s exactly: 187 frames of 16 ms) per Grekow segment: a 6 s segment
is the sequence of its two windows."""

FEATURES_GREKOW_PRETRAINED = ("pretrained front: musicnn MTT penultimate (200) of the two 3 s windows of each "
                              "6 s segment")
"""``features`` of the LSTM's records with the pretrained front (a sequence of 2 steps x 200 values)."""
FEATURES_GREKOW_PRETRAINED_MEAN = "pretrained front: musicnn MTT penultimate (200), mean of each 6 s segment's windows"
"""``features`` of the baselines' records with the pretrained front (200 values)."""

GREKOW_INPUTS = {FEATURES_GREKOW: "MFCC", FEATURES_GREKOW_MEAN: "MFCC",
                 FEATURES_GREKOW_PRETRAINED: "pretrained front", FEATURES_GREKOW_PRETRAINED_MEAN: "pretrained front"}
"""The input family of each ``features`` of the Grekow records: the LSTM (sequences) and the
baselines (their time means) of one family are compared with each other."""

SEGMENT_COLUMNS = ["track_id", "group", "quadrant", "segment", "start_s", "valence", "arousal"]
"""Columns of :attr:`SegmentData.segments`."""

LABEL_SOURCES = {
    "synthetic": "SIMULATION: the mean of the clip's 2 Hz latent curves (-1..1) over the segment",
    "4q": "the clip's tag-derived valence/arousal (Warriner norms of its AllMusic moods, 1-9), same for every segment",
}
"""Where the segments' labels come from, per dataset."""

DATASET_LABELS = {"synthetic": "synthetic (SIMULATION)", "4q": "4Q (real audio, tag-derived labels)"}
"""How the Grekow tables name each dataset."""


@dataclass
class SegmentData:
    """The 6 s segments of a set of clips: ``X`` ``(n_segments, T, d)``, one ``segments`` row each
    (:data:`SEGMENT_COLUMNS`), the clips used and the clips whose extraction failed."""

    X: np.ndarray
    segments: pd.DataFrame
    n_clips: int
    failures: pd.DataFrame
    features: str = FEATURES_GREKOW
    """``features`` of the LSTM's records (the sequences)."""
    features_mean: str = FEATURES_GREKOW_MEAN
    """``features`` of the baselines' records (the sequences' time means)."""

    def summary(self, dataset: str) -> dict:
        """Counts for the chapter: clips, segments, steps, features, label source."""
        return {"dataset": DATASET_LABELS.get(dataset, dataset), "input": self.features, "clips": self.n_clips,
                "segments": len(self.segments), "songs (groups)": int(self.segments["group"].nunique()),
                "steps x features": f"{self.X.shape[1]} x {self.X.shape[2]}", "clips skipped": len(self.failures),
                "labels": LABEL_SOURCES.get(dataset, "the clip's labels")}


def grekow_tracks(tracks: pd.DataFrame, dataset: str, profile: str, seed: int = 0) -> pd.DataFrame:
    """The clips of ``dataset`` that the profile uses: those with a valence and arousal label,
    then ``clips_per_class[dataset]`` per quadrant (a seeded stratified subset; all when None).

    Raises
    ------
    ParameterError
        If ``tracks`` has no ``valence`` / ``arousal`` (4Q without Warriner's norms on the data path).

    Used by: notebooks/du.ipynb.
    """
    from .features import subset

    if not set(TARGETS) <= set(tracks.columns):
        raise ParameterError(f"{dataset} has no valence/arousal labels here (for 4Q, Warriner's norms must be on the "
                             "data path)")
    per_class = settings(profile)["grekow"]["clips_per_class"].get(dataset)
    return subset(tracks.dropna(subset=list(TARGETS)), per_class, seed)


def grekow_segments(tracks: pd.DataFrame, *, dynamic: pd.DataFrame | None = None, extractor=None,
                    progress: bool = False, n_jobs: int | None = None) -> SegmentData:
    """Cut each clip into 6 s segments as sequences of MFCC steps, each with its valence and arousal.

    Parameters
    ----------
    tracks : DataFrame
        A Tracks table with ``path``, ``group``, ``quadrant``, ``valence`` and ``arousal``
        (``load_dataset("synthetic")``, or ``load_dataset("4q")`` with Warriner's norms present).
    dynamic : DataFrame, optional
        Dynamic curves ``track_id, time_s, valence, arousal``: a segment's label is then the
        mean of its clip's curves over ``[start, start + 6 s)`` (the synthetic corpus's 2 Hz
        latent curves); without it, every segment gets its clip's label (4Q).
    extractor : MFCCSequence, optional
        Default :class:`~mer_core.features.sequences.MFCCSequence` (6 s, 0.5 s steps, 20 MFCC + delta).
    progress : bool
        Progress bar of the extraction.
    n_jobs : int or None
        Extraction processes (None: all cores).

    Returns
    -------
    SegmentData
        Segments in clip order, then time order; ``group`` is the clip's group (song), so the
        segments of one song stay on one side of every split.

    Raises
    ------
    ParameterError
        If a clip has no label, or ``dynamic`` lacks a clip or a segment's span.

    Used by: notebooks/du.ipynb.
    """
    from ..features.base import extract
    from ..features.sequences import MFCCSequence

    extractor = extractor or MFCCSequence()
    missing = [c for c in ("group", "quadrant", *TARGETS) if c not in tracks.columns]
    if missing:
        raise ParameterError(f"tracks lacks the columns {missing}")
    if tracks[list(TARGETS)].isna().any().any():
        raise ParameterError("some clips have no valence/arousal label; drop them first")
    fs = extract(tracks, extractor, progress=progress, n_jobs=n_jobs)
    blocks = [np.asarray(feats) for feats in fs.X]
    starts = [extractor.segment_starts(len(b)) for b in blocks]
    segments = _segment_rows(fs.tracks, starts, extractor.segment_s, dynamic)
    X = (np.concatenate(blocks).astype(np.float32) if blocks
         else np.empty((0, extractor.n_steps, extractor.dim), dtype=np.float32))
    return SegmentData(X, segments, len(fs.tracks), fs.failures)


def _segment_rows(tracks: pd.DataFrame, starts, length_s: float, dynamic: pd.DataFrame | None) -> pd.DataFrame:
    """One :data:`SEGMENT_COLUMNS` row per segment of each clip (``starts[i]``: the start times of
    clip ``i``'s segments): the clip's label, or with ``dynamic`` the mean of its curves over
    ``[start, start + length_s)``."""
    curves = None if dynamic is None else {k: g for k, g in dynamic.groupby("track_id")}
    rows = []
    for row, clip_starts in zip(tracks.itertuples(index=False), starts):
        for k, start in enumerate(clip_starts):
            if curves is None:
                v, a = float(row.valence), float(row.arousal)
            else:
                if row.track_id not in curves:
                    raise ParameterError(f"no dynamic curve for clip {row.track_id!r}")
                c = curves[row.track_id]
                inside = c[(c["time_s"] >= start) & (c["time_s"] < start + length_s)]
                if not len(inside):
                    raise ParameterError(f"clip {row.track_id!r} has no curve sample in [{start}, "
                                         f"{start + length_s}) s")
                v, a = float(inside["valence"].mean()), float(inside["arousal"].mean())
            rows.append((row.track_id, row.group, row.quadrant, k, float(start), v, a))
    return pd.DataFrame(rows, columns=SEGMENT_COLUMNS)


def grekow_pretrained_segments(tracks: pd.DataFrame, *, dynamic: pd.DataFrame | None = None,
                               front: str = PRETRAINED_FRONT, progress: bool = False) -> SegmentData:
    """Grekow's pretrained-front variant: each 6 s segment as the sequence of a pretrained
    network's window vectors (:data:`PRETRAINED_FRONT`, :data:`WINDOWS_PER_SEGMENT` windows of 3 s).

    The network runs once per clip and its window vectors are cached
    (:class:`~mer_core.features.pretrained.WindowEmbeddings`, shared with the Koh & Dubnov
    chapter); segment ``k`` is windows ``2k`` and ``2k + 1`` (a trailing odd window is dropped),
    starting at ``2k`` window lengths. Labels as :func:`grekow_segments`.

    Parameters
    ----------
    tracks : DataFrame
        As :func:`grekow_segments`.
    dynamic : DataFrame, optional
        As :func:`grekow_segments` (the curves are averaged over the segment's two windows).
    front : str
        Registry name of a musicnn embedding (default :data:`PRETRAINED_FRONT`).
    progress : bool
        Progress bar of the extraction.

    Returns
    -------
    SegmentData
        ``X`` ``(n_segments, 2, 200)``; ``features`` :data:`FEATURES_GREKOW_PRETRAINED`.

    Raises
    ------
    MissingWeightsError
        When the network's weights are not under ``MER_WEIGHTS_DIR``.
    ParameterError
        As :func:`grekow_segments`.

    Used by: notebooks/du.ipynb.
    """
    from ..errors import MissingWeightsError
    from ..features.base import extract
    from ..features.musicnn import HOP_LENGTH, PATCH_FRAMES, SR
    from ..features.registry import get

    missing = [c for c in ("group", "quadrant", *TARGETS) if c not in tracks.columns]
    if missing:
        raise ParameterError(f"tracks lacks the columns {missing}")
    if tracks[list(TARGETS)].isna().any().any():
        raise ParameterError("some clips have no valence/arousal label; drop them first")
    embedding = get(front)
    if not embedding.weights_available():
        raise MissingWeightsError(f"{front}: the pretrained weights are not under MER_WEIGHTS_DIR")
    windows = embedding.windows()
    fs = extract(tracks, windows, progress=progress, n_jobs=1)
    window_s = PATCH_FRAMES * HOP_LENGTH / SR
    blocks, starts, short = [], [], []
    for table, row in zip(fs.X, fs.tracks.itertuples(index=False)):
        vectors = windows.layer(np.asarray(table), embedding.layer)
        n_seg = len(vectors) // WINDOWS_PER_SEGMENT
        if n_seg == 0:
            short.append((row.track_id, row.path, f"shorter than one segment ({WINDOWS_PER_SEGMENT} windows of "
                                                  f"{window_s:.3f} s)"))
            continue
        blocks.append(vectors[:n_seg * WINDOWS_PER_SEGMENT].reshape(n_seg, WINDOWS_PER_SEGMENT, -1))
        starts.append(np.arange(n_seg) * WINDOWS_PER_SEGMENT * window_s)
    clips = fs.tracks[~fs.tracks["track_id"].isin([t for t, _, _ in short])].reset_index(drop=True)
    failures = pd.concat([fs.failures, pd.DataFrame(short, columns=["track_id", "path", "error"])],
                         ignore_index=True) if short else fs.failures
    segments = _segment_rows(clips, starts, WINDOWS_PER_SEGMENT * window_s, dynamic)
    X = (np.concatenate(blocks).astype(np.float32) if blocks
         else np.empty((0, WINDOWS_PER_SEGMENT, embedding.frame_dim), dtype=np.float32))
    return SegmentData(X, segments, len(clips), failures, features=FEATURES_GREKOW_PRETRAINED,
                       features_mean=FEATURES_GREKOW_PRETRAINED_MEAN)


def time_mean(X) -> np.ndarray:
    """The mean over the steps of sequences ``(n, T, d)`` (or an Inputs' ``sequence``): ``(n, d)``.

    Used by: :func:`grekow_run` (the baselines' input).
    """
    from ..models.sequence_regressors import sequences_and_groups

    return sequences_and_groups(X)[0].mean(axis=1)


def grekow_methods(grekow_settings: dict, seed: int = 0, *, num_threads: int | None = 1) -> dict:
    """The three regressors of valence and arousal, unfitted, by name (:data:`GREKOW_METHODS`).

    * ``lstm``: :class:`~mer_core.models.sequence_regressors.LSTMSequenceRegressor` with the
      settings' ``lstm`` (early stopping on 10 % of the training songs);
    * ``linear_regression``: ``StandardScaler -> LinearRegression`` (ordinary least squares, both
      targets), on the time means;
    * ``svr``: ``StandardScaler ->`` one RBF SVR per target (C = 1, gamma "scale", epsilon 0.1
      on standardised targets), on the time means. Grekow's SMOReg is WEKA's support-vector
      regression; its kernel and settings are not in the review, and no inner search is run (an
      ungrouped inner search would put segments of one song on both of its sides).

    Used by: :func:`grekow_run`.
    """
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.linear_model import LinearRegression
    from sklearn.svm import SVR

    from ..models.regressors import PerTargetRegressor
    from ..models.sequence_regressors import LSTMSequenceRegressor

    svr = TransformedTargetRegressor(PerTargetRegressor(SVR(kernel="rbf", C=1.0, gamma="scale", epsilon=0.1)),
                                     transformer=StandardScaler())
    return {"lstm": LSTMSequenceRegressor(**grekow_settings["lstm"], random_state=seed, num_threads=num_threads),
            "linear_regression": Pipeline([("scale", StandardScaler()), ("ols", LinearRegression())]),
            "svr": Pipeline([("scale", StandardScaler()), ("svr", svr)])}


def grekow_run(data: SegmentData, dataset: str, profile: str, seed: int = 0, *, methods=GREKOW_METHODS,
               progress: bool = False, num_threads: int | None = 1) -> CVResult:
    """Cross-validate the LSTM and the two baselines on the segments, folds grouped by song.

    Parameters
    ----------
    data : SegmentData
        :func:`grekow_segments`.
    dataset : str
        ``synthetic`` or ``4q`` (written into the records).
    profile : str
        :data:`PROFILES` ``[profile]["grekow"]``: the protocol and the LSTM's settings.
    seed : int
        Seed of the folds and of the LSTM.
    methods : sequence of str
        A subset of :data:`GREKOW_METHODS`.

    Returns
    -------
    CVResult
        Records of :func:`~mer_core.evaluation.cross_validate_regression` (``r2``, ``mae``,
        ``rmse``, ``pearson``, each also per target: ``r2_valence``, ``r2_arousal`` ...) and
        predictions with a ``method`` column. The folds are stratified by the clip's quadrant
        and grouped by song, and are the same for every method. The LSTM receives the segments
        with their songs (an :class:`~mer_core.models.inputs.Inputs`), for its inner split.

    Used by: notebooks/du.ipynb.
    """
    from ..evaluation import cross_validate_regression
    from ..models.inputs import Inputs

    gs = settings(profile)["grekow"]
    unknown = set(methods) - set(GREKOW_METHODS)
    if unknown:
        raise ParameterError(f"unknown methods {sorted(unknown)}; choose from {GREKOW_METHODS}")
    seg = data.segments
    Y = seg[list(TARGETS)].to_numpy(dtype=float)
    groups, strata = seg["group"].to_numpy(), seg["quadrant"].to_numpy()
    estimators = grekow_methods(gs, seed, num_threads=num_threads)
    records, predictions = [], []
    for name in methods:
        sequential = name == "lstm"
        X = Inputs(sequence=data.X, group=groups) if sequential else time_mean(data.X)
        res = cross_validate_regression(estimators[name], X, Y, targets=list(TARGETS), strata=strata, groups=groups,
                                        cv=gs["cv"], seed=seed, progress=progress, paper=PAPER, method=name,
                                        features=data.features if sequential else data.features_mean,
                                        dataset=dataset, profile=profile)
        records.append(res.records)
        predictions.append(res.predictions.assign(method=name))
    return CVResult(pd.concat(records, ignore_index=True), pd.concat(predictions, ignore_index=True))


def va_summary(records: pd.DataFrame, metrics=(("r2", "R²"), ("pearson", "r")), *,
               n_test: str = "n_test") -> pd.DataFrame:
    """Valence and arousal scores, mean ± std over folds, one row per source x dataset x features x method.

    Parameters
    ----------
    records : DataFrame
        Regression records with per-target metrics (``r2_valence``, ``pearson_arousal`` ...):
        :func:`grekow_run`, :func:`orjesek_run`, possibly with a ``source`` column.
    metrics : sequence of (metric, label)
        The metrics shown, in order; a fold whose value is not finite (a constant prediction
        has no Pearson r) is left out of that metric's mean.
    n_test : str
        Name of the column with the median test units per fold (segments, clips).

    Returns
    -------
    pandas.DataFrame
        ``source`` (when given), ``data`` (:data:`DATASET_LABELS`: the synthetic corpus is marked
        as a simulation), ``features``, ``method``, ``profile``, ``protocol``, ``folds``, ``n_test``,
        ``"<label> <target>"`` (``"mean ± std"``, 3 decimals) per metric and target, and the
        means as floats (``<metric>_<target>_mean``).

    Used by: notebooks/du.ipynb (Grekow, Orjesek et al.).
    """
    keys = [c for c in ("source", "dataset", "features", "method", "profile", "protocol") if c in records.columns]
    rows = []
    for key, part in records.groupby(keys, sort=False):
        row = dict(zip(keys, key if isinstance(key, tuple) else (key,)))
        name = str(row.pop("dataset"))
        row["data"] = DATASET_LABELS.get(name, name)
        row["folds"] = int(part["fold"].nunique())
        row[n_test] = float(part["n_test"].median())
        for metric, label in metrics:
            for target in TARGETS:
                values = part.loc[part["metric"] == f"{metric}_{target}", "value"].to_numpy(dtype=float)
                values = values[np.isfinite(values)]
                std = f"{np.std(values, ddof=1):.3f}" if len(values) > 1 else "n/a"
                row[f"{label} {target}"] = f"{np.mean(values):.3f} ± {std}" if len(values) else "-"
                row[f"{metric}_{target}_mean"] = float(np.mean(values)) if len(values) else np.nan
        rows.append(row)
    columns = [c for c in ("source",) if c in keys] + ["data"] + [c for c in ("features",) if c in keys]
    columns += ["method", "profile", "protocol", "folds", n_test]
    columns += [f"{label} {t}" for _, label in metrics for t in TARGETS]
    columns += [f"{metric}_{t}_mean" for metric, _ in metrics for t in TARGETS]
    return pd.DataFrame(rows, columns=columns)


GREKOW_CLAIMS = ("the LSTM beats linear regression and SVR (R², both targets)",
                 "arousal is predicted better than valence (R², every method)",
                 "the pretrained front improves the LSTM (R², both targets)")
"""The review's three checkable statements about Grekow's results (it copies no figure). The third
compares the LSTM on the pretrained front with the LSTM on MFCC sequences of the same segments."""


def grekow_claims(summary: pd.DataFrame) -> pd.DataFrame:
    """Whether the review's statements about Grekow (:data:`GREKOW_CLAIMS`) hold in our figures.

    Parameters
    ----------
    summary : DataFrame
        :func:`va_summary` of Grekow records.

    Returns
    -------
    pandas.DataFrame
        One row per claim and (source,) data and input (:data:`GREKOW_INPUTS`): ``claim``, ``data``,
        ``input``, ``holds here`` (``yes`` /
        ``no``; ``-`` when a method is missing) and ``figures`` (the mean R² it rests on).

    Used by: notebooks/du.ipynb.
    """
    summary = summary.assign(input=summary["features"].map(GREKOW_INPUTS).fillna(summary["features"]))
    keys = [c for c in ("source", "data", "input") if c in summary.columns]
    rows = []
    for key, part in summary.groupby(keys, sort=False):
        base = dict(zip(keys, key if isinstance(key, tuple) else (key,)))
        r2 = part.set_index("method")[["r2_valence_mean", "r2_arousal_mean"]]
        if {"lstm", "linear_regression", "svr"} <= set(r2.index):
            better = all(r2.loc["lstm", c] > r2.loc[m, c] for m in ("linear_regression", "svr") for c in r2.columns)
            figures = "; ".join(f"{m}: V {r2.loc[m, 'r2_valence_mean']:.3f}, A {r2.loc[m, 'r2_arousal_mean']:.3f}"
                                for m in ("lstm", "linear_regression", "svr"))
            rows.append({**base, "claim": GREKOW_CLAIMS[0], "holds here": "yes" if better else "no",
                         "figures": figures})
        else:
            rows.append({**base, "claim": GREKOW_CLAIMS[0], "holds here": "-", "figures": "a method is missing"})
        arousal = bool((r2["r2_arousal_mean"] > r2["r2_valence_mean"]).all())
        rows.append({**base, "claim": GREKOW_CLAIMS[1], "holds here": "yes" if arousal else "no",
                     "figures": "; ".join(f"{m}: A - V = {r2.loc[m, 'r2_arousal_mean'] - r2.loc[m, 'r2_valence_mean']:+.3f}"
                                          for m in r2.index)})
    lstm = summary[summary["method"] == "lstm"]
    for key, part in lstm.groupby(keys[:-1], sort=False):
        by_input = part.set_index("input")[["r2_valence_mean", "r2_arousal_mean"]]
        if not {"MFCC", "pretrained front"} <= set(by_input.index):
            continue
        gain = by_input.loc["pretrained front"] - by_input.loc["MFCC"]
        base = dict(zip(keys[:-1], key if isinstance(key, tuple) else (key,)))
        rows.append({**base, "input": "pretrained front vs MFCC", "claim": GREKOW_CLAIMS[2],
                     "holds here": "yes" if bool((gain > 0).all()) else "no",
                     "figures": f"LSTM R² gain: V {gain['r2_valence_mean']:+.3f}, A {gain['r2_arousal_mean']:+.3f}"})
    return pd.DataFrame(rows, columns=[*keys, "claim", "holds here", "figures"])


# --- Orjesek et al. --------------------------------------------------------------------------------

ORJESEK_METHODS = ("orjesek_dense", "orjesek_ir")
"""The two variants: a time-distributed dense layer, or the IR layer, between the CNN and the GRU."""

FEATURES_ORJESEK = "raw waveform, 8 kHz, 0.5 s steps (end to end)"
"""``features`` of the Orjesek records (the sample rate is the profile's)."""

ORJESEK_LABELS = ("SIMULATION: the synthetic corpus's 2 Hz latent valence/arousal curves (-1..1); step k "
                  "(0.5 s, [k/2, k/2 + 1/2) s) gets the mean of the curve at its two ends")
"""Where the per-step targets of the Orjesek section come from."""

ORJESEK_METRICS = ("r2", "rmse", "pearson")
"""Metrics of the Orjesek records, per target and their means: computed over all the test clips'
steps pooled (:func:`mer_core.evaluation.r2`, ``rmse``, ``pearson_r``)."""

ORJESEK_METRIC_LABELS = (("r2", "R²"), ("rmse", "RMSE"), ("pearson", "r"))
"""The ``metrics`` of :func:`va_summary` for the Orjesek records."""


@dataclass
class StepData:
    """Waveforms with per-step targets: ``X`` (list of float32 waveforms at ``sr``), ``Y``
    ``(n, T, 2)`` (valence, arousal), ``tracks`` (the clips kept, one row each) and the clips
    whose audio failed."""

    X: list
    Y: np.ndarray
    tracks: pd.DataFrame
    sr: int
    failures: list

    def summary(self, dataset: str) -> dict:
        """Counts for the chapter."""
        return {"dataset": DATASET_LABELS.get(dataset, dataset), "clips": len(self.X),
                "songs (groups)": int(self.tracks["group"].nunique()), "steps per clip": int(self.Y.shape[1]),
                "sample rate (Hz)": self.sr, "clips skipped": len(self.failures), "labels": ORJESEK_LABELS}


def step_targets(dynamic: pd.DataFrame, track_ids, n_steps: int, step_s: float = 0.5) -> np.ndarray:
    """Per-step (valence, arousal) ``(n, n_steps, 2)``: step ``k`` gets the mean of each clip's
    curve at ``k * step_s`` and ``(k + 1) * step_s`` (the curve linearly interpolated there).

    Raises
    ------
    ParameterError
        If a clip has no curve or its curve ends before ``n_steps * step_s``.

    Used by: :func:`orjesek_data`.
    """
    curves = {k: g.sort_values("time_s") for k, g in dynamic.groupby("track_id")}
    ends = np.arange(n_steps + 1) * step_s
    out = np.empty((len(track_ids), n_steps, 2))
    for i, tid in enumerate(track_ids):
        if tid not in curves:
            raise ParameterError(f"no dynamic curve for clip {tid!r}")
        c = curves[tid]
        t = c["time_s"].to_numpy(float)
        if t[-1] < ends[-1] - 1e-9:
            raise ParameterError(f"the curve of {tid!r} ends at {t[-1]} s, before {ends[-1]} s")
        for j, dim in enumerate(TARGETS):
            v = np.interp(ends, t, c[dim].to_numpy(float))
            out[i, :, j] = (v[:-1] + v[1:]) / 2
    return out


def orjesek_data(tracks: pd.DataFrame, dynamic: pd.DataFrame, profile: str, seed: int = 0, *,
                 step_s: float = 0.5) -> StepData:
    """The synthetic clips of the profile as waveforms at its sample rate with 2 Hz step targets.

    ``clips_per_class`` clips per quadrant (a seeded subset; all when None); ``T`` = the shortest
    kept clip's whole number of steps (16 for the 8 s synthetic clips).

    Used by: notebooks/du.ipynb.
    """
    from ..audio import load_clips
    from .features import subset

    os_ = settings(profile)["orjesek"]
    tracks = subset(tracks.dropna(subset=list(TARGETS)), os_["clips_per_class"], seed)
    clips, failures = load_clips(tracks["path"], int(os_["sr"]))
    ok = np.array([c is not None for c in clips], dtype=bool)
    kept = tracks[ok].reset_index(drop=True)
    X = [c for c in clips if c is not None]
    if not X:
        raise ParameterError("no clip could be loaded")
    n_steps = int(min(len(x) for x in X) // int(round(os_["sr"] * step_s)))
    Y = step_targets(dynamic, kept["track_id"].tolist(), n_steps, step_s)
    return StepData(X, Y, kept, int(os_["sr"]), failures)


def orjesek_methods(orjesek_settings: dict, seed: int = 0, *, num_threads: int | None = 1) -> dict:
    """The two :class:`~mer_core.models.orjesek.OrjesekRegressor` variants, unfitted, by name
    (:data:`ORJESEK_METHODS`), with the settings' ``net`` and ``sr``.

    Used by: :func:`orjesek_run`.
    """
    from ..models.orjesek import OrjesekRegressor

    net = dict(orjesek_settings["net"])
    return {name: OrjesekRegressor(ir=name.endswith("_ir"), sr=int(orjesek_settings["sr"]), **net,
                                   random_state=seed, num_threads=num_threads)
            for name in ORJESEK_METHODS}


def step_metrics(Y_true: np.ndarray, Y_pred: np.ndarray) -> dict[str, float]:
    """``r2``, ``rmse``, ``pearson`` per target (``r2_valence`` ...) and their means, over all the
    steps of all clips pooled (``(n, T, 2)`` arrays).

    Used by: :func:`orjesek_run`.
    """
    fns = {"r2": r2, "rmse": rmse, "pearson": pearson_r}
    out = {}
    for name in ORJESEK_METRICS:
        per = {f"{name}_{t}": float(fns[name](Y_true[:, :, j].ravel(), Y_pred[:, :, j].ravel()))
               for j, t in enumerate(TARGETS)}
        out[name] = float(np.mean(list(per.values())))
        out.update(per)
    return out


def orjesek_run(data: StepData, dataset: str, profile: str, seed: int = 0, *, methods=ORJESEK_METHODS,
                progress: bool = False, num_threads: int | None = 1) -> pd.DataFrame:
    """Cross-validate the dense and IR variants on the clips, folds grouped by song.

    The folds (:func:`~mer_core.evaluation.make_splits`, the profile's ``cv``, stratified by
    the clip's quadrant, grouped by song) are the same for both variants; each fold trains a
    fresh network on the training clips (early stopping on a song-grouped inner split of them)
    and scores the test clips' steps pooled (:func:`step_metrics`).

    Returns
    -------
    pandas.DataFrame
        Tidy records (:data:`mer_core.evaluation.RECORD_COLUMNS`; ``n_train`` / ``n_test`` count clips).

    Used by: notebooks/du.ipynb.
    """
    from sklearn.base import clone

    from ..evaluation import RECORD_COLUMNS
    from ..progress import progress as progress_bar
    from ..provenance import code_version, created, machine

    os_ = settings(profile)["orjesek"]
    unknown = set(methods) - set(ORJESEK_METHODS)
    if unknown:
        raise ParameterError(f"unknown methods {sorted(unknown)}; choose from {ORJESEK_METHODS}")
    groups = data.tracks["group"].to_numpy()
    splits = make_splits(data.tracks["quadrant"].to_numpy(), os_["cv"], groups=groups, seed=seed)
    estimators = orjesek_methods(os_, seed, num_threads=num_threads)
    stamp = (code_version(), machine(), created())
    features = FEATURES_ORJESEK.replace("8 kHz", f"{data.sr / 1000:g} kHz")
    rows = []
    for name in methods:
        for split in progress_bar(splits, desc=name, disable=not progress):
            model = clone(estimators[name]).fit([data.X[i] for i in split.train], data.Y[split.train],
                                                groups=groups[split.train])
            pred = model.predict([data.X[i] for i in split.test])
            for metric, value in step_metrics(data.Y[split.test], pred).items():
                rows.append((PAPER, name, features, dataset, os_["cv"], profile, split.fold, metric, value,
                             len(split.train), len(split.test), *stamp))
    return pd.DataFrame(rows, columns=RECORD_COLUMNS)


EMOMUSIC_WINDOW_S = (15.0, 45.0)
"""The span of emoMusic's 2 Hz curves within each 45 s clip (the first 15 s are not annotated)."""

ORJESEK_ILLUSTRATION_COLUMNS = ["method", "track_id", "steps", "r valence", "r arousal", "RMSE valence",
                                "RMSE arousal", "mean predicted valence", "mean predicted arousal",
                                "mean annotated valence", "mean annotated arousal"]
"""Columns of :func:`orjesek_emomusic`."""


def orjesek_emomusic(data: StepData, emo_tracks: pd.DataFrame, emo_dynamic: pd.DataFrame, profile: str,
                     seed: int = 0, *, methods=ORJESEK_METHODS, num_threads: int | None = 1) -> pd.DataFrame:
    """A cross-domain ILLUSTRATION, not an evaluation: each variant trained on every clip of
    ``data`` (the synthetic corpus, a simulation) predicts the 2 Hz curves of the emoMusic clips
    whose audio is here, over their annotated 15-45 s (60 steps).

    Returns
    -------
    pandas.DataFrame
        :data:`ORJESEK_ILLUSTRATION_COLUMNS`: one row per method and clip (Pearson r of the
        predicted and annotated curves within the clip, RMSE, means), then one row per method
        with ``track_id`` ``"all (pooled)"`` over every step of every clip. ``attrs["skipped"]``
        lists the clips whose audio failed.

    Used by: notebooks/du.ipynb.
    """
    from ..audio import load_audio
    from ..errors import AudioError

    os_ = settings(profile)["orjesek"]
    start, end = EMOMUSIC_WINDOW_S
    n_steps = int(round((end - start) / 0.5))
    clips, ids, skipped = [], [], []
    for row in emo_tracks[emo_tracks["has_audio"]].itertuples(index=False):
        try:
            clips.append(load_audio(row.path, int(os_["sr"]), offset=start, duration=end - start))
            ids.append(str(row.track_id))
        except AudioError as err:
            skipped.append(str(err))
    if not clips:
        raise ParameterError("no emoMusic clip with audio could be loaded")
    curves = emo_dynamic.assign(track_id=emo_dynamic["track_id"].astype(str), time_s=emo_dynamic["time_s"] - start)
    Y = step_targets(curves, ids, n_steps)
    estimators = orjesek_methods(os_, seed, num_threads=num_threads)
    rows = []
    for name in methods:
        model = estimators[name].fit(data.X, data.Y, groups=data.tracks["group"].to_numpy())
        P = model.predict(clips, n_steps=n_steps)
        for tid, y, p in [*zip(ids, Y, P), ("all (pooled)", Y.reshape(-1, 2), P.reshape(-1, 2))]:
            y, p = y.reshape(-1, 2), p.reshape(-1, 2)
            rows.append([name, tid, len(y), *(pearson_r(y[:, j], p[:, j]) for j in range(2)),
                         *(rmse(y[:, j], p[:, j]) for j in range(2)), *p.mean(axis=0), *y.mean(axis=0)])
    out = pd.DataFrame(rows, columns=ORJESEK_ILLUSTRATION_COLUMNS)
    out.attrs["skipped"] = skipped
    return out


# --- Parisi et al.: full mix against vocals only --------------------------------------------------------

PARISI_INPUTS = ("full_mix", "vocals_repetsim")
"""The two inputs of the same CNN: the log-mel of the full mix, and of the REPET-SIM vocal estimate."""

PARISI_FEATURES = {"full_mix": "log-mel 96 bands, 12 kHz, full mix (librosa)",
                   "vocals_repetsim": "log-mel 96 bands, 12 kHz, vocals by REPET-SIM (librosa nn_filter soft mask)"}
"""``features`` of the Parisi records, per input."""

PARISI_SEPARATOR_NOTE = ("Parisi et al. separate the vocals with Wave-U-Net, whose trained weights are not "
                         "obtainable on this machine; REPET-SIM (unsupervised, librosa) stands in")
"""Why the vocals here are not Wave-U-Net's."""


def parisi_extractors(profile: str) -> dict:
    """The two extractors of the profile, by input name (:data:`PARISI_INPUTS`): a
    :class:`~mer_core.features.spectral.LogMel` and a
    :class:`~mer_core.features.vocals.RepetSimLogMel` with the same parameters and the profile's
    ``duration``.

    Used by: :func:`parisi_features`.
    """
    from ..features.spectral import LogMel
    from ..features.vocals import RepetSimLogMel

    duration = float(settings(profile)["parisi"]["duration"])
    return {"full_mix": LogMel(duration=duration), "vocals_repetsim": RepetSimLogMel(duration=duration)}


@dataclass
class ParisiData:
    """Log-mels of the same clips from both inputs: ``X[input]`` ``(n, bands, frames)``, the clips
    (``tracks``, one row each, in the order of ``X``), the clips that failed in either input and
    the ``(bands, frames)`` blocks each log-mel was averaged in (None: not pooled)."""

    X: dict
    tracks: pd.DataFrame
    failures: pd.DataFrame
    input_pool: tuple[int, int] | None = None

    def summary(self) -> dict:
        """Counts for the chapter."""
        x = next(iter(self.X.values()))
        return {"dataset": "4Q (real audio)", "clips": len(self.tracks),
                "songs (groups)": int(self.tracks["group"].nunique()),
                "log-mel (bands x frames)": f"{x.shape[1]} x {x.shape[2]}"
                + (f" (blocks of {self.input_pool[0]} x {self.input_pool[1]} averaged)" if self.input_pool else ""),
                "clips skipped": len(self.failures),
                "labels": "the clip's quadrant (Panda et al.'s annotation)"}


def parisi_features(tracks: pd.DataFrame, profile: str, seed: int = 0, *, progress: bool = False,
                    n_jobs: int | None = 1) -> ParisiData:
    """Both log-mels (:func:`parisi_extractors`) of the profile's clips: ``clips_per_class`` per
    quadrant (seeded; all when None), only the clips that succeeded in both inputs.

    Used by: notebooks/du.ipynb.
    """
    from ..features.base import extract
    from .features import subset

    from .louro_dl import pool_spectrograms

    ps = settings(profile)["parisi"]
    tracks = subset(tracks.dropna(subset=["quadrant"]), ps["clips_per_class"], seed)
    sets = {name: extract(tracks, ext, progress=progress, n_jobs=n_jobs)
            for name, ext in parisi_extractors(profile).items()}
    keep = set(tracks["track_id"])
    for fs in sets.values():
        keep &= set(fs.tracks["track_id"])
    kept = tracks[tracks["track_id"].isin(keep)].reset_index(drop=True)
    X = {}
    for name, fs in sets.items():
        index = {tid: i for i, tid in enumerate(fs.tracks["track_id"])}
        X[name] = np.stack([np.asarray(fs.X[index[t]], dtype=np.float32) for t in kept["track_id"]])
        if ps["input_pool"] is not None:
            X[name] = pool_spectrograms(X[name], ps["input_pool"])
    failures = pd.concat([fs.failures.assign(input=name) for name, fs in sets.items()], ignore_index=True)
    return ParisiData(X, kept, failures, ps["input_pool"])


def parisi_classifier(parisi_settings: dict, seed: int = 0, *, num_threads: int | None = 1):
    """The CNN of both inputs: :class:`~mer_core.models.torch_estimator.TorchClassifier` with
    ``cnn_baseline`` (Choi's FCN-5; the review gives no architecture for Parisi et al.'s CNN) and
    the settings' ``cnn`` (fixed epochs: no early stopping).

    Used by: :func:`parisi_run`.
    """
    from ..models.torch_estimator import TorchClassifier

    cnn = dict(parisi_settings["cnn"])
    return TorchClassifier(net="cnn_baseline", net_params=dict(cnn.pop("net_params", {}) or {}),
                           stop_train_acc=None, random_state=seed, num_threads=num_threads, **cnn)


def parisi_run(data: ParisiData, profile: str, seed: int = 0, *, inputs=PARISI_INPUTS,
               progress: bool = False, num_threads: int | None = 1) -> CVResult:
    """Cross-validate the same CNN on each input, same folds (grouped by song, stratified by quadrant).

    Returns
    -------
    CVResult
        Classification records (:func:`~mer_core.evaluation.cross_validate`) with ``method``
        ``cnn_<input>`` and ``dataset`` ``4q``; predictions with a ``method`` column.

    Used by: notebooks/du.ipynb.
    """
    ps = settings(profile)["parisi"]
    unknown = set(inputs) - set(PARISI_INPUTS)
    if unknown:
        raise ParameterError(f"unknown inputs {sorted(unknown)}; choose from {PARISI_INPUTS}")
    y, groups = data.tracks["quadrant"].to_numpy(), data.tracks["group"].to_numpy()
    records, predictions = [], []
    for name in inputs:
        res = cross_validate(parisi_classifier(ps, seed, num_threads=num_threads), data.X[name], y, groups=groups,
                             cv=ps["cv"], seed=seed, progress=progress, paper=PAPER, method=f"cnn_{name}",
                             features=PARISI_FEATURES[name], dataset="4q", profile=profile)
        records.append(res.records)
        predictions.append(res.predictions.assign(method=f"cnn_{name}"))
    return CVResult(pd.concat(records, ignore_index=True), pd.concat(predictions, ignore_index=True))


PARISI_CLAIM = "using the vocals alone improves the classification (Du's review of Parisi et al.)"


def parisi_verdict(records: pd.DataFrame) -> list[str]:
    """The review's claim about Parisi et al.'s audio branch (:data:`PARISI_CLAIM`) tested on the
    records of :func:`parisi_run`: per metric (accuracy, macro F1), vocals minus full mix on the
    shared folds, the folds the vocals won, and Nadeau & Bengio's corrected paired t-test
    (:func:`mer_core.significance.compare_methods`); one sentence per profile and metric (one per
    profile with a single split: nothing to test).

    Used by: notebooks/du.ipynb.
    """
    from ..significance import compare_methods

    lines = []
    for profile, part in records.groupby("profile", sort=False):
        if part["fold"].nunique() < 2:
            lines.append(f"{profile}: {part['fold'].nunique()} split, no paired test of the claim that {PARISI_CLAIM}.")
            continue
        for metric in ("accuracy", "f1_macro"):
            test = compare_methods(part, "cnn_vocals_repetsim", "cnn_full_mix", metric)
            verdict = ("holds" if test.mean_difference > 0 and test.p_value < 0.05 else
                       "is not supported" if test.mean_difference <= 0 else "is not significant")
            lines.append(f"{profile}, {metric}: vocals (REPET-SIM) minus full mix {test.mean_difference:+.3f} over "
                         f"{test.folds} shared folds, vocals ahead in {test.wins}; corrected t = {test.t:.2f}, "
                         f"p = {test.p_value:.3f}: the claim that {PARISI_CLAIM} {verdict} here.")
    return lines


# --- the four models ---------------------------------------------------------------------------------

MODEL_COLUMNS = ["model", "review section", "what it does", "what it needs", "here"]


MODELS = (
    {"model": "Parisi et al. (synchronized lyrics and vocals)", "review section": "3.1",
     "what it does": "emotion classes from lyrics (fastText / ELMo / BERT embeddings, then LSTM and other "
                     "classifiers) and from mel spectrograms (CNN), also on vocals separated by Wave-U-Net",
     "what it needs": "the synchronized lyrics emotion dataset (lyrics with line timings, 5 classes) and its "
                      "audio; pretrained word embeddings; a Wave-U-Net separator",
     "here": "runs in part (section below): the audio branch only, the same CNN (Choi's FCN-5) on the log-mel of "
             "the full mix and of the vocals (REPET-SIM standing in for Wave-U-Net), on 4Q's quadrants; the "
             "lyrics branch and the dataset are pending"},
    {"model": "Grekow (RNN on 6 s fragments, pretrained models)", "review section": "3.2",
     "what it does": "arousal and valence regressed by recurrent networks from sequences of Marsyas (MFCC, "
                     "chroma) and Essentia features of short overlapping windows; a pretrained model in front",
     "what it needs": "audio with per-fragment arousal/valence (his 324 fragments of 6 s, or the DEAM / emoMusic "
                      "audio, which is not here); Marsyas- and Essentia-style features; a GPU helps",
     "here": "runs (section below): an LSTM on librosa MFCC sequences of 6 s segments against linear regression "
             "and SVR, and the same with a pretrained network in front (musicnn MTT window vectors, our choice), "
             "on the synthetic corpus (a simulation) and on 4Q with tag-derived labels; chroma and Essentia "
             "features are pending"},
    {"model": "Orjesek et al. (end-to-end, iterative reconstruction)", "review section": "3.3",
     "what it does": "dynamic arousal/valence from the raw waveform: a CNN front-end, iterative reconstruction, "
                     "a bidirectional GRU and a maxout output layer",
     "what it needs": "audio with 2 Hz dynamic annotations (the DEAM and emoMusic audio; only a few emoMusic clips "
                      "are here); a GPU",
     "here": "runs (section below): our reading of the network (8 kHz waveform, CNN per 0.5 s step, dense or IR "
             "layer, BiGRU, maxout) with and without IR on the synthetic corpus's 2 Hz curves (a simulation), and "
             "as a cross-domain illustration on the emoMusic clips with audio; DEAM's audio is not here"},
    {"model": "Hizlisoy et al. (CLDNN on Turkish music)", "review section": "3.4",
     "what it does": "emotion classes of 30 s Turkish excerpts from 7368 MIRtoolbox / openSMILE / jAudio features "
                     "and 1-D CNN features of MFCC and log-mel energies, after correlation-based feature "
                     "selection, by a convolutional LSTM deep network",
     "what it needs": "the TEM audio (124 excerpts; TR-MUSIC's audio is not public either); the three feature "
                      "extractors; CFS",
     "here": "runs (section below): CFS then a CLDNN against kNN, SVM and random forest, on TR-MUSIC's 50 "
             "MIRtoolbox features (standard-features path), and the whole system on the 4Q audio: CNN features "
             "of three MFCC/log-mel pieces (3 x 256) with the IS13 ComParE features (openSMILE), CFS, the same "
             "four classifiers"},
)
"""The review's four models: what each does and needs, and what of it runs here (the review
reports their results, not ours)."""


def models_table() -> pd.DataFrame:
    """The four models of the review with what each needs and what of it runs in this edition.

    Used by: notebooks/du.ipynb.
    """
    return pd.DataFrame(list(MODELS), columns=MODEL_COLUMNS)


PENDING_COLUMNS = ["model", "part", "what it needs", "why not in this edition"]
"""Columns of :func:`pending_table`."""

PENDING = (
    ("Parisi et al.", "the lyrics branch (fastText / ELMo / BERT embeddings, LSTM and other classifiers), their "
     "dataset, and Wave-U-Net as the vocal separator (the section above runs the audio branch on 4Q with REPET-SIM)",
     "the synchronized lyrics emotion dataset (lyrics with line timings, 5 Hevner classes) with its audio; "
     "pretrained word embeddings; Wave-U-Net's trained weights",
     "the dataset is not in this book's data and Wave-U-Net's weights are not obtainable here; the audio "
     "branch on the full 96 x 1366 log-mels (the paper profile) is left for a GPU"),
    ("Orjesek et al.", "the evaluation on real 2 Hz annotations, with the paper's sizes and its own IR layer "
     "(the section above runs our reading on a simulation)",
     "DEAM's audio (1802 songs with 2 Hz valence/arousal); the paper's text for the IR layer and the layer sizes; "
     "a GPU for training",
     "DEAM's audio is not here and only 10 emoMusic clips are; the paper is not available here"),
    ("Hizlisoy et al.", "the whole system on TEM or any Turkish audio (the section above runs it on 4Q)",
     "clip audio of Turkish music with emotion labels", "TEM is not available and TR-MUSIC's audio is not "
     "public"),
    ("Hizlisoy et al.", "the 7368 standard features (MIRtoolbox, openSMILE, jAudio)",
     "the audio and the three extractors", "MIRtoolbox (MATLAB) and jAudio (Java) do not run here: on 4Q the "
     "standard features are openSMILE's IS13 ComParE alone, on TR-MUSIC its 50 published MIRtoolbox features"),
    ("Grekow", "chroma and Essentia higher-level features; Grekow's own pretrained model in front of the RNN",
     "Marsyas / Essentia extractors; the model Grekow pretrained (the review does not name it)",
     "later edition for the features; the section above uses musicnn MTT as the front, our choice"),
)
"""What of the review's models does not run in this edition, and why."""


def pending_table() -> pd.DataFrame:
    """:data:`PENDING` as a table (:data:`PENDING_COLUMNS`).

    Used by: notebooks/du.ipynb.
    """
    return pd.DataFrame(list(PENDING), columns=PENDING_COLUMNS)


SHARED_COLUMNS = ["dimension", "n_shared", "pearson_r", "max_abs_difference", "n_within_tolerance", "tolerance"]
"""Columns of :func:`shared_songs`."""


def shared_songs(deam_static: pd.DataFrame, emo_static: pd.DataFrame, tolerance: float = 0.05) -> pd.DataFrame:
    """DEAM's 2013 songs are emoMusic's (same ids): how their static labels compare.

    Parameters
    ----------
    deam_static, emo_static : DataFrame
        :func:`mer_core.datasets.deam.load` (valence and arousal of songs 2..1000 exchanged back,
        as it does by default) and :func:`mer_core.datasets.emomusic.load`.
    tolerance : float
        Largest difference counted as the same rating (DEAM's static file rounds to one decimal:
        0.05 is half its last digit).

    Returns
    -------
    pandas.DataFrame
        One row per dimension with :data:`SHARED_COLUMNS`: the number of songs in both, Pearson's
        r of their static ratings, the largest absolute difference and how many differ by at
        most ``tolerance`` (plus 1e-9 for the rounding of the files' decimals).

    Used by: notebooks/du.ipynb.
    """
    a = deam_static.set_index(deam_static["track_id"].astype(str))[list(TARGETS)]
    b = emo_static.set_index(emo_static["track_id"].astype(str))[list(TARGETS)]
    both = a.add_suffix("_deam").join(b.add_suffix("_emomusic"), how="inner")
    rows = []
    for dim in TARGETS:
        x, y = both[f"{dim}_deam"].to_numpy(float), both[f"{dim}_emomusic"].to_numpy(float)
        diff = np.abs(x - y)
        rows.append((dim, len(both), pearson_r(x, y) if len(both) > 1 else np.nan,
                     float(diff.max()) if len(both) else np.nan, int((diff <= tolerance + 1e-9).sum()), tolerance))
    return pd.DataFrame(rows, columns=SHARED_COLUMNS)
