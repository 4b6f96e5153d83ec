"""Emotion of any audio file: quadrant probabilities and valence/arousal (``mer train``, ``mer predict``).

A model is trained on the real 4Q data: the clip vectors of a pretrained embedding with the 4Q
quadrants (a classifier) and with the tag-derived valence and arousal of each clip (a regressor;
Warriner's norms of its AllMusic moods, 1-9). Its cross-validated scores on 4Q are measured before
it is fitted on all clips, and stored with it, with the data, profile and code version
(:meth:`EmotionModel.provenance`). Models live in the cache (``<cache>/models/<name>.pkl``), are
rebuilt by ``mer train NAME`` and never committed.

For a file, the network's window vectors (3 s each for musicnn) give both the whole-file estimate
(their mean, as the model was trained) and, with ``timeline``, one estimate per window. A window
is a shorter input than the 30 s clips the model learned from, so the timeline is noisier than the
whole-file estimate.

Used by: ``mer train``, ``mer predict``; the comparison chapter (notebooks/comparison.ipynb).
"""
from __future__ import annotations

import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .config import cache_dir
from .errors import DatasetError, MerError, ParameterError

MODELS = {"musicnn_msd_rf": {"features": "musicnn_msd", "classifier": "random_forest", "regressor": "svr"}}
"""Models ``mer train`` builds: a registry feature set (a pretrained embedding whose window vectors
a file yields), the zoo classifier of the quadrants and the regressor of valence and arousal.
``musicnn_msd_rf`` is the default: in the published comparison chapter, musicnn MSD + random forest
is among the best 4Q rows (Koh & Dubnov, cpu) and musicnn runs in about a second per 30 s clip on
two cores, where the best row (Louro et al.'s SVM on Panda et al.'s top-100 features) needs MATLAB
features that cannot be computed for a new file here."""

DEFAULT_MODEL = "musicnn_msd_rf"
TARGETS = ("valence", "arousal")
CV = "5x1"
"""Protocol of the scores stored with a model: 5 folds, grouped by song, stratified by quadrant."""


def model_path(name: str, root=None) -> Path:
    """Where ``mer train`` keeps a model: ``<cache>/models/<name>.pkl``."""
    return Path(cache_dir(root)) / "models" / f"{name}.pkl"


@dataclass
class EmotionModel:
    """A fitted quadrant classifier and valence/arousal regressor on one embedding, with provenance."""

    name: str
    features: str
    classifier: object
    regressor: object
    provenance: dict = field(default_factory=dict)

    @property
    def classes(self) -> list[str]:
        return [str(c) for c in self.classifier.classes_]

    def estimate(self, vectors: np.ndarray) -> pd.DataFrame:
        """Quadrant probabilities (``p_Q1`` ...) and ``valence`` / ``arousal`` (1-9) per row of ``vectors``."""
        proba = self.classifier.predict_proba(vectors)
        va = np.asarray(self.regressor.predict(vectors)).reshape(len(vectors), -1)
        out = pd.DataFrame(proba, columns=[f"p_{c}" for c in self.classes])
        out.insert(0, "quadrant", [self.classes[i] for i in proba.argmax(axis=1)])
        for j, target in enumerate(TARGETS):
            out[target] = va[:, j]
        return out


def train(name: str = DEFAULT_MODEL, *, data_dir=None, seed: int = 0, progress: bool = True) -> EmotionModel:
    """Cross-validate, then fit on every clip, one of :data:`MODELS` on the real 4Q data.

    Raises
    ------
    ParameterError
        For an unknown model.
    DatasetError
        When 4Q or Warriner's norms (its valence/arousal labels) are not on the data path.

    Used by: ``mer train``, :func:`load_or_train`.
    """
    from .datasets import load_dataset
    from .evaluation import cross_validate, cross_validate_regression
    from .features.base import extract
    from .features.registry import get
    from .models.regressors import make_regressor
    from .models.zoo import make_classifier
    from .provenance import code_version, machine

    if name not in MODELS:
        raise ParameterError(f"unknown model {name!r}; choose one of {sorted(MODELS)}")
    spec = MODELS[name]
    try:
        tracks = load_dataset("4q", data_dir)
    except (DatasetError, FileNotFoundError) as err:
        raise DatasetError(f"training {name} needs the 4Q dataset on MER_DATA_DIR ({err})") from err
    if not set(TARGETS) <= set(tracks.columns):
        raise DatasetError(f"training {name} needs Warriner's norms on MER_DATA_DIR (4Q's valence/arousal labels)")
    fs = extract(tracks, get(spec["features"]), progress=progress, n_jobs=1)
    kept = fs.tracks.dropna(subset=list(TARGETS)).index
    X = np.asarray(fs.X)[kept]
    labels = fs.tracks.loc[kept].reset_index(drop=True)
    y, groups, Y = labels["quadrant"].to_numpy(), labels["group"].to_numpy(), labels[list(TARGETS)].to_numpy(float)
    classifier = make_classifier(spec["classifier"], random_state=seed)
    regressor = make_regressor(spec["regressor"], random_state=seed)
    cls_cv = cross_validate(classifier, X, y, groups=groups, cv=CV, seed=seed, progress=progress)
    reg_cv = cross_validate_regression(regressor, X, Y, targets=list(TARGETS), strata=y, groups=groups, cv=CV,
                                       seed=seed, progress=progress)

    def mean(records, metric):
        return round(float(records.loc[records["metric"] == metric, "value"].mean()), 4)

    provenance = {"model": name, **spec, "data": f"4Q, {len(labels)} clips with tag-derived valence/arousal",
                  "skipped_clips": int(len(tracks) - len(labels)), "protocol": CV, "seed": seed,
                  "cv_f1_macro": mean(cls_cv.records, "f1_macro"), "cv_accuracy": mean(cls_cv.records, "accuracy"),
                  "cv_r2_valence": mean(reg_cv.records, "r2_valence"),
                  "cv_r2_arousal": mean(reg_cv.records, "r2_arousal"),
                  "code_version": code_version(), "machine": machine(),
                  "trained": time.strftime("%Y-%m-%d %H:%M")}
    return EmotionModel(name, spec["features"], classifier.fit(X, y), regressor.fit(X, Y), provenance)


def save(model: EmotionModel, root=None) -> Path:
    """Write ``model`` to :func:`model_path`."""
    path = model_path(model.name, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(model, fh)
    tmp.replace(path)
    return path


def load(name: str = DEFAULT_MODEL, root=None) -> EmotionModel:
    """The model ``mer train NAME`` stored.

    Raises
    ------
    MerError
        When there is none, saying how to train it.
    """
    path = model_path(name, root)
    if not path.is_file():
        raise MerError(f"no trained model {name!r} in {path.parent}: run `mer train {name}` (it needs the 4Q dataset "
                       "and Warriner's norms on MER_DATA_DIR)")
    with open(path, "rb") as fh:
        return pickle.load(fh)


def predict_file(model: EmotionModel, path, *, timeline: bool = False) -> dict:
    """The emotion of one audio file (any format librosa decodes).

    Returns
    -------
    dict
        ``file``, ``duration_s``, ``quadrant``, ``p_Q1`` ... ``p_Q4``, ``valence``, ``arousal``
        (the window vectors' mean, as the model was trained), ``seconds`` (the time it took), and
        with ``timeline`` a list ``windows`` of the same per window (``start_s``, ``end_s``).

    Raises
    ------
    AudioError
        When the file cannot be decoded.
    """
    from .audio import load_audio
    from .features.registry import get

    t0 = time.perf_counter()
    embedding = get(model.features)
    windows = embedding.windows()
    y = load_audio(path, sr=windows.sr)
    table = np.asarray(windows(y, windows.sr), dtype=np.float32)
    clip = embedding.from_windows(table)[None, :]
    whole = model.estimate(clip).iloc[0].to_dict()
    out = {"file": str(path), "duration_s": round(len(y) / windows.sr, 2), **_plain(whole)}
    if timeline:
        vectors = windows.layer(table, embedding.layer)
        per_window = model.estimate(vectors)
        step = window_seconds(model.features)
        per_window.insert(0, "start_s", np.round(np.arange(len(vectors)) * step, 2))
        per_window.insert(1, "end_s", np.round((np.arange(len(vectors)) + 1) * step, 2))
        out["windows"] = [_plain(r) for r in per_window.to_dict("records")]
    out["seconds"] = round(time.perf_counter() - t0, 2)
    return out


def window_seconds(features: str) -> float:
    """Length of one window vector of an embedding (musicnn: 187 frames of 256 samples at 16 kHz)."""
    from .features.musicnn import HOP_LENGTH, PATCH_FRAMES, SR

    if not features.startswith(("musicnn", "vgg")):
        raise ParameterError(f"no window length known for {features!r}")
    return PATCH_FRAMES * HOP_LENGTH / SR


def _plain(row: dict) -> dict:
    return {k: (round(float(v), 4) if isinstance(v, (float, np.floating)) else v) for k, v in row.items()}
