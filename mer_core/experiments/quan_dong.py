"""Quan & Dong, "Music Emotion Recognition Using Deep Convolutional Neural Networks" (2020).

Two CNNs regress (valence, arousal) from a 40-band mel spectrogram (librosa, n_fft 1024 with no
overlap on 30 s at 44.1 kHz: 1292 frames); Adam (learning rate 0.001), mean squared error, 100
epochs, model chosen on the validation set of a 60/20/20 split; R² per dimension (their Table 1).
Their labels: Deezer's tag-derived valence/arousal (mood tags mapped to Warriner's norms) and the
averaged 2 Hz annotations of the 1000 Songs database.

Here: the real 4Q clips with their tag-derived (Warriner) valence and arousal, built the same way
as Deezer's labels; the synthetic corpus (a simulation) with its 2 Hz dynamic labels averaged to
static, as the paper did for the 1000 Songs data; stronger baselines on the same splits.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import check_profile
from ..audio import frame, load_audio
from ..evaluation import CVResult, cross_validate_regression, make_splits
from ..features import extract
from ..features.registry import get
from ..features.spectral import LogMel
from ..models.regressors import make_regressor
from ..models.torch_estimator import TorchRegressor
from .features import subset

PAPER = "Quan & Dong"
TARGETS = ("valence", "arousal")

TABLE1_R2 = {"Model 1": {"valence": -1.12, "arousal": 0.76},
             "Model 2": {"valence": 0.981, "arousal": 0.173},
             "Deezer reference (Delbouys et al.)": {"valence": 0.179, "arousal": 0.235}}
"""The paper's Table 1: R² per dimension on its Deezer + 1000 Songs test set (copied)."""

MODELS = {"Model 1": "quan_dong_1", "Model 2": "quan_dong_2"}
"""Table 1 rows and their networks (:data:`mer_core.models.regression_nets.REGRESSION_NETS`)."""

MEL_SR, MEL_N_FFT, MEL_N_MELS = 22050, 512, 40
"""The mel front-end here: 512-sample windows with no overlap at 22.05 kHz last 23.2 ms, the
duration of the paper's 1024 samples at 44.1 kHz, so a 30 s clip gives the paper's 1292 frames.
The 40 mel bands span 0-11 kHz instead of 0-22 kHz: the 4Q copies here carry nothing above
12 kHz (24 kHz files), so upsampling to 44.1 kHz would only add empty bands."""

PROFILES = {
    "smoke": {"clips_per_class": 8, "cv": "holdout60-20-20x1", "epochs": 2, "baselines": ("top100",)},
    "cpu": {"clips_per_class": None, "cv": "holdout60-20-20x5", "epochs": 100,
            "baselines": ("top100", "musicnn_msd")},
    "paper": {"clips_per_class": None, "cv": "holdout60-20-20x10", "epochs": 100,
              "baselines": ("top100", "musicnn_msd")},
}
"""Settings per profile: clips per quadrant (None: all), protocol (60/20/20 split repeated with
seeds ``seed*1000 + r``, songs never straddling, stratified on the quadrant), epoch ceiling,
and the SVR baselines' feature sets."""


def mel_extractor(duration: float) -> LogMel:
    """Quan & Dong's input: 40-band log-mel, 23.2 ms windows without overlap (:data:`MEL_SR`).

    Used by: notebooks/quan_dong.ipynb.
    """
    return LogMel(sr=MEL_SR, n_fft=MEL_N_FFT, hop_length=MEL_N_FFT, n_mels=MEL_N_MELS, duration=duration)


def average_dynamic(tracks: pd.DataFrame, dynamic: pd.DataFrame) -> pd.DataFrame:
    """``tracks`` with ``valence`` and ``arousal`` replaced by the mean of each clip's dynamic
    (2 Hz) curve, as Quan & Dong averaged the 1000 Songs annotations to one pair per song.

    Used by: notebooks/quan_dong.ipynb (synthetic corpus).
    """
    means = dynamic.groupby("track_id")[list(TARGETS)].mean()
    return tracks.drop(columns=list(TARGETS)).join(means, on="track_id")


def select_clips(tracks: pd.DataFrame, profile: str, seed: int = 0) -> pd.DataFrame:
    """The clips of a run that have both labels: all of them, or a seeded stratified subset.

    Used by: notebooks/quan_dong.ipynb.
    """
    labelled = tracks.dropna(subset=list(TARGETS)).reset_index(drop=True)
    return subset(labelled, PROFILES[check_profile(profile)]["clips_per_class"], seed=seed)


def _evaluate(estimator, X, tracks: pd.DataFrame, *, method: str, features: str, dataset: str, profile: str,
              seed: int) -> CVResult:
    settings = PROFILES[profile]
    result = cross_validate_regression(
        estimator, X, tracks[list(TARGETS)].to_numpy(dtype=float), targets=TARGETS,
        groups=tracks["group"].to_numpy(), strata=tracks["quadrant"].to_numpy(), cv=settings["cv"], seed=seed,
        progress=False, paper=PAPER, method=method, features=features, dataset=dataset, profile=profile)
    return CVResult(result.records, result.predictions.assign(method=method, features=features))


def run(tracks: pd.DataFrame, *, profile: str, dataset: str, seed: int = 0, duration: float = 30.0,
        top100: pd.DataFrame | None = None, n_jobs: int | None = None) -> CVResult:
    """Model 1, Model 2 and the SVR baselines on the same splits of ``tracks``.

    Parameters
    ----------
    tracks : DataFrame
        Clips with ``valence``, ``arousal``, ``group`` and ``quadrant`` (stratification).
    profile : str
        See :data:`PROFILES`.
    dataset : str
        Name written into the records (``4q``, ``synthetic``).
    duration : float
        Seconds of each clip fed to the CNNs (shorter clips are zero-padded).
    top100 : DataFrame or None
        The 4Q top-100 feature table for the SVR baseline (skipped when None).

    Returns
    -------
    CVResult
        Records of every method; predictions with a ``method`` column.

    Used by: notebooks/quan_dong.ipynb.
    """
    settings = PROFILES[check_profile(profile)]
    mel = extract(tracks, mel_extractor(duration), n_jobs=n_jobs)
    if mel.n_failed:
        print(mel.summary())
    clips = mel.tracks
    parts = []
    for row, net in MODELS.items():
        model = TorchRegressor(net, epochs=settings["epochs"], random_state=seed)
        parts.append(_evaluate(model, mel.X, clips, method=row, dataset=dataset, profile=profile, seed=seed,
                               features=f"log-mel {MEL_N_MELS} bands, {1000 * MEL_N_FFT / MEL_SR:.1f} ms windows, no overlap"))
    if top100 is not None and "top100" in settings["baselines"]:
        table = top100.set_index("SongID").reindex(clips["track_id"])
        keep = table.notna().all(axis=1).to_numpy()
        parts.append(_evaluate(make_regressor("svr", random_state=seed),
                               table[keep].drop(columns="Quadrant").to_numpy(dtype=float), clips[keep],
                               method="SVR", features="top-100 (Panda et al.)", dataset=dataset, profile=profile,
                               seed=seed))
    for name in (b for b in settings["baselines"] if b != "top100"):
        extractor = get(name)
        if extractor.requires_weights and not extractor.weights_available():
            print(f"{name}: weights absent, SVR baseline not run")
            continue
        emb = extract(clips, extractor, n_jobs=n_jobs)
        parts.append(_evaluate(make_regressor("svr", random_state=seed), emb.X, emb.tracks, method="SVR",
                               features=f"{name} embedding (real weights)", dataset=dataset, profile=profile,
                               seed=seed))
    return CVResult(pd.concat([p.records for p in parts], ignore_index=True),
                    pd.concat([p.predictions for p in parts], ignore_index=True))


def fit_model(tracks: pd.DataFrame, *, row: str = "Model 1", profile: str, seed: int = 0,
              duration: float = 30.0) -> TorchRegressor:
    """One network of :data:`MODELS` trained on every clip of ``tracks``, the epoch chosen on a
    song-grouped, quadrant-stratified fifth held out for validation.

    Used by: notebooks/quan_dong.ipynb (the emoMusic timelines).
    """
    mel = extract(tracks, mel_extractor(duration))
    clips = mel.tracks
    split = make_splits(clips["quadrant"].to_numpy(), "holdout80-0-20x1", groups=clips["group"].to_numpy(),
                        seed=seed)[0]
    Y = clips[list(TARGETS)].to_numpy(dtype=float)
    model = TorchRegressor(MODELS[row], epochs=PROFILES[check_profile(profile)]["epochs"], random_state=seed)
    return model.fit(mel.X[split.train], Y[split.train], validation=(mel.X[split.test], Y[split.test]))


TIMELINE_HOP_FRAMES = 22
"""Hop of the sliding windows of :func:`timeline`: 22 frames of 23.2 ms = 0.51 s, the whole number
of frames closest to the 2 Hz of the emoMusic and DEAM annotations."""


def timeline(model: TorchRegressor, path, *, hop_frames: int = TIMELINE_HOP_FRAMES) -> pd.DataFrame:
    """A fitted network's (valence, arousal) over a whole clip: its input-length window (30 s for
    the paper's networks) slid along the clip's mel spectrogram; ``time_s`` is each window's centre.

    Used by: notebooks/quan_dong.ipynb (the 10 emoMusic clips beside their 2 Hz annotations).
    """
    audio = load_audio(path, sr=MEL_SR)
    spectrogram = mel_extractor(len(audio) / MEL_SR)(audio, MEL_SR)
    width = model.input_shape_[-1]
    windows = frame(spectrogram, width, hop_frames, axis=-1, pad="short")
    predictions = np.asarray(model.predict(np.ascontiguousarray(windows))).reshape(len(windows), -1)
    centres = (np.arange(len(windows)) * hop_frames + width / 2) * MEL_N_FFT / MEL_SR
    return pd.DataFrame({"time_s": centres, **{t: predictions[:, k] for k, t in enumerate(TARGETS)}})


def paper_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The paper's R² beside ours, per method, feature set and dimension, with the arousal-minus-valence
    gap; our rows carry folds, clips per test split, profile and source.

    ``summary`` is :func:`mer_core.evaluation.summarize` of ``r2_valence`` and ``r2_arousal``
    records (with ``source`` when published records are mixed in).

    Used by: notebooks/quan_dong.ipynb.
    """
    rows = []
    for name, r2 in TABLE1_R2.items():
        rows.append({"method": name, "features": "paper (Deezer + 1000 Songs)", "data": "paper",
                     "R² valence": r2["valence"], "R² arousal": r2["arousal"]})
    keys = ["method", "features", "dataset", "profile", "protocol"] + [c for c in ("source",) if c in summary]
    for key, part in summary.groupby(keys, sort=False):
        row = dict(zip(keys, key))
        by_metric = part.set_index("metric")
        for target in TARGETS:
            r = by_metric.loc[f"r2_{target}"]
            row[f"R² {target}"] = f"{r['mean']:.3f}" + (f" ± {r['std']:.3f}" if r["n"] > 1 else "")
            row["splits"], row["n_test"] = int(r["n"]), r.get("n_test")
        gap = by_metric.loc["r2_arousal", "mean"] - by_metric.loc["r2_valence", "mean"]
        row["arousal - valence"] = round(float(gap), 3)
        row["data"] = row.pop("dataset")
        rows.append(row)
    return pd.DataFrame(rows).set_index("method").astype(object).fillna("")
