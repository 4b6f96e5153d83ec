"""Louro et al., Table 1: every deep-learning row on the real 4Q audio, under one protocol.

Each row is a scikit-learn estimator plus the per-clip input it reads; :func:`run_rows` runs
them all through :func:`mer_core.evaluation.cross_validate` with the same folds (same seed,
song-level stratified splits), so the rows differ only in the method.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config import check_profile
from ..evaluation import CVResult, cross_validate
from ..features import extract
from ..features.spectral import LogMel, Waveform
from ..models import make_classifier
from ..models.augment import (AugmentedLogMel, DeepSMOTEClassifier, RandomGain, TimeFrequencyMasking,
                              WithAugmentedCopies, stack_copies)
from ..models.hybrid import HybridAugmented, Inputs
from ..models.torch_estimator import TorchClassifier
from ..models.transfer import ArtistsCNN, AutoencoderForest, MusicnnFineTune, MusicnnMel
from .louro import PAPER, TABLE1_ORIGINAL_4QAED

PROFILES = {
    "smoke": {"clips_per_class": 8, "cv": "2x1", "duration": 6.0, "epochs": 1, "pretrain_epochs": 1,
              "ae_epochs": 1, "finetune_epochs": 1, "copies": 1, "batch_size": 8, "hybrid_weight": 0.5,
              "forest_trees": 50, "width": "narrow", "musicnn_freeze": "backbone"},
    "cpu": {"clips_per_class": None, "cv": "5x1", "duration": 29.12, "epochs": 15, "pretrain_epochs": 8,
            "ae_epochs": 10, "finetune_epochs": 8, "copies": 1, "batch_size": 16, "hybrid_weight": None,
            "forest_trees": 500, "width": "narrow", "musicnn_freeze": "frontend"},
    "paper": {"clips_per_class": None, "cv": "10x10", "duration": 29.12, "epochs": 100, "pretrain_epochs": 50,
              "ae_epochs": 30, "finetune_epochs": 30, "copies": 2, "batch_size": 16, "hybrid_weight": None,
              "forest_trees": 500, "width": "paper", "musicnn_freeze": "none"},
}
"""Settings per profile. ``width`` "narrow" shrinks channel widths to fit a 2-core CPU
(:data:`NARROW_NETS`); "paper" keeps each network's published widths. Louro et al.'s early
stopping (training accuracy >= 90 %) applies in every profile; ``epochs`` is its ceiling."""

NARROW_NETS = {
    "cnn_baseline": {"channels": (16, 32, 32, 48, 64)},
    "cnn_gru": {"channels": (16, 32, 32, 48, 64)},
    "crnn": {"channels": (32, 64, 64, 64)},
    "shortchunk": {"n_channels": 32},
    "samplecnn": {"n_channels": 32},
}
"""Reduced channel widths of the ``narrow`` profiles (layer structure unchanged)."""

SHORTCHUNK_FRAMES = 164
"""3.5 s at 12 kHz with a 256-sample hop (Louro et al.'s ShortChunk segment length)."""
SAMPLECNN_SAMPLES = 59049
"""3^10 samples: Lee et al.'s 3^9 model input (2.68 s at 22.05 kHz)."""

AUDIO_AUGMENTATIONS = {"Baseline + time shift": "time_shift", "Baseline + time stretch": "time_stretch",
                       "Baseline + pitch shift": "pitch_shift", "Baseline + power shift": "power_shift",
                       "Baseline + SB": "seven_band_eq"}
"""Rows made of offline augmented copies of the training clips (audiomentations)."""

ROWS = ("DL Baseline", "Baseline with GRU", "CRNN", "Hybrid Augmented", "ShortChunk CNN", "Sample CNN",
        "OpenL3 -> musicnn MTT embedding + RF", "OpenL3 -> aisfx embedding + RF", "Autoencoder",
        "Baseline + TFM", "Baseline + SB", "Baseline + RG", "Baseline + time shift", "Baseline + time stretch",
        "Baseline + pitch shift", "Baseline + power shift", "Baseline + DeepSMOTE", "Artists CNN",
        "CRNN Pre-trained MTAT")
"""Rows in the order of the paper's Table 1 (time shift, stretch, pitch and power shift are
extra rows: the paper tried them but reports only TFM, SB and RG)."""

PAPER_ROW = {"OpenL3 -> musicnn MTT embedding + RF": "OpenL3", "OpenL3 -> aisfx embedding + RF": "OpenL3"}
"""Rows whose paper figure is another row's (the replaced method)."""

NOT_REPRODUCIBLE = ("New-4QAED C", "New-4QAED B")
"""Table 1 columns that need the New-4QAED dataset, which is not public."""


def select_clips(tracks: pd.DataFrame, profile: str, seed: int = 0) -> pd.DataFrame:
    """The clips of a run: all of them, or in ``smoke`` a seeded subset of ``clips_per_class``
    clips per quadrant drawn four at a time from artists with four or more clips in that
    quadrant, so that the Artists CNN row has artists to pre-train on even in the tiny CI run.

    Used by: notebooks/louro_dl.ipynb.
    """
    n = PROFILES[check_profile(profile)]["clips_per_class"]
    if n is None:
        return tracks.reset_index(drop=True)
    rng = np.random.default_rng(seed)
    keep = []
    for _, clips in sorted(tracks.groupby("quadrant")):
        by_artist = [g.index.to_numpy() for _, g in sorted(clips.groupby("artist")) if len(g) >= 4]
        for k in rng.permutation(len(by_artist))[: n // 4]:
            keep.extend(rng.choice(by_artist[k], 4, replace=False))
    return tracks.loc[np.sort(keep)].reset_index(drop=True)


@dataclass
class LouroData:
    """The real 4Q clips of one run and lazily extracted inputs (each cached on disk by ``extract``)."""

    tracks: pd.DataFrame
    top100: pd.DataFrame
    profile: str
    seed: int = 0
    _tables: dict = field(default_factory=dict, repr=False)

    @property
    def settings(self) -> dict:
        return PROFILES[self.profile]

    @property
    def y(self) -> np.ndarray:
        return self.tracks["quadrant"].to_numpy()

    def table(self, name: str):
        """Per-clip input by name: ``logmel``, ``waveform``, ``musicnn_mel``, ``top100``, an
        augmentation name (stacked copies), or a registry extractor (``musicnn_mtt``, ``aisfx``)."""
        if name not in self._tables:
            self._tables[name] = self._make(name)
        return self._tables[name]

    def _extract(self, extractor) -> np.ndarray:
        result = extract(self.tracks, extractor)
        if result.n_failed:  # keep rows aligned: a clip that fails one input is a hard error here
            raise RuntimeError(f"{extractor.name}: {result.n_failed} clips failed\n{result.summary()}")
        return result.X

    def _make(self, name: str):
        duration = self.settings["duration"]
        if name == "logmel":
            return self._extract(LogMel(duration=duration))
        if name == "waveform":
            return self._extract(Waveform(duration=duration))
        if name == "musicnn_mel":
            return self._extract(MusicnnMel(duration=duration))
        if name == "top100":
            return (self.top100.set_index("SongID").loc[self.tracks["track_id"]]
                    .drop(columns="Quadrant").to_numpy(dtype=float))
        if name in AUDIO_AUGMENTATIONS.values():
            copies = [self._extract(AugmentedLogMel(name, copy=k, seed=self.seed, duration=duration))
                      for k in range(1, self.settings["copies"] + 1)]
            return stack_copies(self.table("logmel"), *copies)
        from ..features.registry import get
        return self._extract(get(name))

    def drop(self, name: str) -> None:
        """Free a large table once its rows are done."""
        self._tables.pop(name, None)


def _cnn(net: str, data: LouroData, **kw) -> TorchClassifier:
    s = data.settings
    params = NARROW_NETS.get(net, {}) if s["width"] == "narrow" else {}
    return TorchClassifier(net, net_params=params or None, epochs=s["epochs"], batch_size=s["batch_size"],
                           random_state=data.seed, **kw)


def build_row(row: str, data: LouroData):
    """Return ``(estimator, X, features)`` of one Table 1 row.

    Used by: :func:`run_rows`, notebooks/louro_dl.ipynb.
    """
    s = data.settings
    if row == "DL Baseline":
        return _cnn("cnn_baseline", data), data.table("logmel"), "log-mel 96 bands"
    if row == "Baseline with GRU":
        return _cnn("cnn_gru", data), data.table("logmel"), "log-mel 96 bands"
    if row == "CRNN":
        return _cnn("crnn", data), data.table("logmel"), "log-mel 96 bands"
    if row == "ShortChunk CNN":
        return (_cnn("shortchunk", data, segment_len=SHORTCHUNK_FRAMES), data.table("logmel"),
                "log-mel 96 bands, 3.5 s segments")
    if row == "Sample CNN":
        return (_cnn("samplecnn", data, segment_len=SAMPLECNN_SAMPLES), data.table("waveform"),
                "waveform 22.05 kHz, 59049-sample segments")
    if row == "Baseline + TFM":
        return _cnn("cnn_baseline", data, augment=TimeFrequencyMasking()), data.table("logmel"), "log-mel + TFM"
    if row == "Baseline + RG":
        return _cnn("cnn_baseline", data, augment=RandomGain()), data.table("logmel"), "log-mel + random gain"
    if row in AUDIO_AUGMENTATIONS:
        name = AUDIO_AUGMENTATIONS[row]
        return (WithAugmentedCopies(_cnn("cnn_baseline", data)), data.table(name),
                f"log-mel + {s['copies']} {name} cop{'y' if s['copies'] == 1 else 'ies'} per training clip")
    if row == "Baseline + DeepSMOTE":
        return (DeepSMOTEClassifier(_cnn("cnn_baseline", data), ae_epochs=s["ae_epochs"], random_state=data.seed,
                                    k_neighbors=min(5, s["clips_per_class"] // 2 - 1) if s["clips_per_class"] else 5),
                data.table("logmel"), "log-mel + DeepSMOTE samples")
    if row == "Autoencoder":
        return (AutoencoderForest(ae_epochs=s["ae_epochs"], n_estimators=s["forest_trees"], random_state=data.seed),
                data.table("logmel"), "conv autoencoder bottleneck (128)")
    if row.startswith("OpenL3 -> "):
        name = "musicnn_mtt" if "musicnn" in row else "aisfx"
        forest = make_classifier("random_forest", random_state=data.seed)
        forest.set_params(clf__n_estimators=s["forest_trees"])
        return forest, data.table(name), f"{name} embedding (real weights), mean over time"
    if row == "Hybrid Augmented":
        inputs = Inputs(logmel=data.table("logmel"), top100=data.table("top100"),
                        logmel_aug=data.table("pitch_shift")[:, 1:])
        cnn = _cnn("cnn_baseline", data)
        cnn.set_params(epochs=s["pretrain_epochs"])
        return (HybridAugmented(inputs, features="top100", cnn=cnn, pretrain_inputs="logmel_aug",
                                finetune_epochs=s["finetune_epochs"], weight=s["hybrid_weight"],
                                random_state=data.seed),
                inputs.index(), "log-mel CNN (pre-trained on pitch-shifted copies) + DNN on top-100 features")
    if row == "Artists CNN":
        inputs = Inputs(logmel=data.table("logmel"), artist=data.tracks["artist"])
        cnn = _cnn("cnn_baseline", data)
        cnn.set_params(epochs=s["pretrain_epochs"])
        return (ArtistsCNN(inputs, cnn=cnn, epochs=s["finetune_epochs"], random_state=data.seed),
                inputs.index(), "log-mel; pre-trained on training-fold artists")
    if row == "CRNN Pre-trained MTAT":
        return (MusicnnFineTune(epochs=s["finetune_epochs"], freeze=s["musicnn_freeze"], random_state=data.seed),
                data.table("musicnn_mel"), f"musicnn MTT (real weights), fine-tuned, freeze={s['musicnn_freeze']}")
    raise ValueError(f"unknown row {row!r}; choose from {ROWS}")


def run_rows(data: LouroData, rows=ROWS, *, progress: bool = True) -> tuple[CVResult, pd.DataFrame]:
    """Evaluate ``rows`` on the same folds; return the results and a timing table (seconds per row).

    Used by: notebooks/louro_dl.ipynb.
    """
    check_profile(data.profile)
    s = data.settings
    records, predictions, timing = [], [], []
    groups = data.tracks["group"].to_numpy()
    for row in rows:
        start = time.perf_counter()
        estimator, X, features = build_row(row, data)
        prepared = time.perf_counter()
        res = cross_validate(estimator, X, data.y, groups=groups, cv=s["cv"], seed=data.seed, progress=progress,
                             paper=PAPER, method=row, features=features, dataset="4q", profile=data.profile)
        done = time.perf_counter()
        records.append(res.records)
        predictions.append(res.predictions.assign(method=row))
        timing.append({"method": row, "inputs_s": round(prepared - start, 1), "cv_s": round(done - prepared, 1),
                       "folds": res.records["fold"].nunique(), "clips": len(data.y)})
        f1 = res.records.loc[res.records["metric"] == "f1_macro", "value"].mean()
        print(f"{row}: macro F1 {f1:.3f} ({done - prepared:.0f} s)", flush=True)
    return (CVResult(pd.concat(records, ignore_index=True), pd.concat(predictions, ignore_index=True)),
            pd.DataFrame(timing))


def paper_table(summary: pd.DataFrame, profile: str) -> pd.DataFrame:
    """Table 1 beside ours: paper macro-F1 (Original-4QAED), ours mean ± std, the difference;
    every row is listed, those this run did not execute say so.

    ``summary`` is :func:`mer_core.evaluation.summarize` of the f1_macro records.
    """
    rows = []
    f1 = summary[summary["metric"] == "f1_macro"].set_index("method")
    for method in ["SVM Baseline", *ROWS]:
        paper = TABLE1_ORIGINAL_4QAED.get(PAPER_ROW.get(method, method))
        row = {"method": method, "paper F1 % (Original-4QAED)": paper}
        if method in f1.index:
            r = f1.loc[method]
            ours = 100 * r["mean"]
            row.update({"ours F1 %": f"{ours:.2f} ± {100 * r['std']:.2f}", "folds": int(r["n"]),
                        "profile": r["profile"], "protocol": r["protocol"],
                        "difference (points)": None if paper is None else round(ours - paper, 2)})
        else:  # listed, not hidden: a row this run did not execute
            row.update({"ours F1 %": f"not run in this {profile} run", "folds": 0, "profile": profile,
                        "protocol": "", "difference (points)": None})
        row.update({f"paper {c}": "not reproducible (dataset not public)" for c in NOT_REPRODUCIBLE})
        rows.append(row)
    return pd.DataFrame(rows).set_index("method")
