"""Louro et al., Table 1: every deep-learning row on the real 4Q audio, under one protocol.

Each row is a scikit-learn estimator plus the per-clip input it reads; :func:`run_rows` runs
them all on the same folds as :func:`mer_core.evaluation.cross_validate` would (same seed,
song-level stratified splits), so the rows differ only in the method, and keeps every finished
fold in the run store. ``python -m mer_core.experiments.louro_dl --profile cpu`` fills that store
in the background (resumable fold by fold); the notebook then reads it.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import tarfile
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .. import cluster, runstore
from ..config import check_profile
from ..errors import DatasetError, ParameterError
from ..provenance import code_version, machine, source_digest
from ..evaluation import CVResult, cross_validate_splits, make_splits
from ..features import extract
from ..features.augmented import AugmentedLogMel
from ..features.musicnn import MusicnnFrontend, MusicnnMel
from ..features.spectral import LogMel, Waveform
from ..models import make_classifier
from ..models.augment import DeepSMOTEClassifier, RandomGain, TimeFrequencyMasking, WithAugmentedCopies, stack_copies
from ..models.hybrid import HybridAugmented
from ..models.inputs import Inputs
from ..models.nets import build_net, count_parameters
from ..models.torch_estimator import TorchClassifier
from ..models.transfer import ArtistsCNN, AutoencoderForest, MusicnnFineTune
from .louro import PAPER, TABLE1_ORIGINAL_4QAED

PROFILES = {
    "smoke": {"clips_per_class": 8, "cv": "2x1", "duration": 6.0, "input_pool": None, "epochs": 1,
              "pretrain_epochs": 1, "ae_epochs": 1, "finetune_epochs": 1, "copies": 1, "batch_size": 8,
              "hybrid_weight": 0.5, "forest_trees": 50, "width": "narrow", "musicnn_freeze": "backbone"},
    "cpu": {"clips_per_class": None, "cv": "5x1", "duration": 29.12, "input_pool": (2, 4), "epochs": 30,
            "pretrain_epochs": 5, "ae_epochs": 8, "finetune_epochs": 5, "copies": 1, "batch_size": 16,
            "hybrid_weight": None, "forest_trees": 500, "width": "paper", "musicnn_freeze": "frontend"},
    "paper": {"clips_per_class": None, "cv": "10x10", "duration": 29.12, "input_pool": None, "epochs": 100,
              "pretrain_epochs": 50, "ae_epochs": 30, "finetune_epochs": 30, "copies": 2, "batch_size": 16,
              "hybrid_weight": None, "forest_trees": 500, "width": "paper", "musicnn_freeze": "none"},
}
"""Settings per profile. ``width`` "paper" keeps each network's published widths; "narrow"
(``smoke`` only) shrinks them (:data:`NARROW_NETS`). ``input_pool`` ``(bands, frames)`` averages
blocks of the 96 x 1366 log-mel (``cpu``: 48 bands x 341 frames of 85 ms), which cuts a CNN epoch
about eight-fold (``mer train-benchmark``: 11.8 against 95 GFLOP per step of the DL baseline);
``paper`` keeps Choi et al.'s input and is meant for a GPU. Louro et al.'s early stopping
(training accuracy >= 90 %) applies in every profile and ``epochs`` is only its ceiling: at
``cpu`` the published-width DL baseline reached 90 % after 11 epochs on fold 0 (the chapter
records the epochs of every fold). What each row cost is measured, not assumed: the chapter's
timing table (from :func:`run_rows`) gives the seconds, machine and code version of every row."""

NARROW_NETS = {
    "cnn_baseline": {"channels": (16, 32, 32, 48, 64)},
    "cnn_gru": {"channels": (16, 32, 32, 48, 64)},
    "crnn": {"channels": (16, 32, 32, 32)},
    "shortchunk": {"n_channels": 32},
    "samplecnn": {"n_channels": 16},
}
"""Reduced channel widths of the ``narrow`` profiles (layer structure unchanged)."""

SHORTCHUNK_SECONDS = 3.5
"""Louro et al.'s ShortChunk segment length (164 frames of Choi et al.'s log-mel)."""
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
        "CRNN Pre-trained MTAT -> musicnn MTT fine-tune")
"""Rows in the order of the paper's Table 1 (time shift, stretch, pitch and power shift are
extra rows: the paper tried them but reports only TFM, SB and RG)."""

SUBSTITUTES = {"OpenL3 -> musicnn MTT embedding + RF": "OpenL3", "OpenL3 -> aisfx embedding + RF": "OpenL3",
               "CRNN Pre-trained MTAT -> musicnn MTT fine-tune": "CRNN Pre-trained MTAT"}
"""Rows that run another model in place of the paper's (its weights are not obtainable), with the
paper row they stand beside. They are never scored against that row: differences and the rank
correlation use like-for-like rows only (:func:`paper_table`)."""

MODEL_CODE = ("audio", "weights", "features.__init__", "features.base", "features.spectral", "features.augmented",
              "features.musicnn", "features.pretrained", "features.tf_checkpoint", "features.aisfx",
              "features.registry", "models.__init__", "models.augment", "models.hybrid", "models.inputs",
              "models.nets", "models.regression_nets", "models.regressors", "models.torch_estimator",
              "models.transfer", "models.validation_search", "models.zoo", "evaluation", "experiments.louro_dl")
"""Modules whose source is digested into :func:`fold_key`: a stored fold is reused only under the
code that computed it. Every module the rows import is here (a test checks it), and no other: a
change to another chapter's extractor or model (Essentia, SincNet, ...) leaves the stored folds valid."""

STORE = "louro_dl"
"""Run-store name of the rows (:func:`mer_core.runstore.store_dir`)."""

NOT_REPRODUCIBLE = ("New-4QAED C", "New-4QAED B")
"""Table 1 columns that need the New-4QAED dataset, which is not public."""

MAPPED_INPUTS = ("waveform", "musicnn_mel", "musicnn_frontend")
"""Inputs too large to hold in memory beside a fold's copy of them (at ``cpu``: the waveforms 2.3 GB,
musicnn's front-end 3.4 GB for 900 clips): :class:`LouroData` reads them as memory-mapped tables
(``extract(..., memmap=True)``) and :func:`run_rows` releases them after the row that read them."""

BUNDLE_ROWS = ("DL Baseline", "Baseline with GRU", "CRNN", "ShortChunk CNN", "Baseline + TFM", "Baseline + RG",
               "Baseline + DeepSMOTE", "Autoencoder", "Artists CNN")
"""Rows that read nothing but the log-mel and the clips' labels, groups and artists, so that they
can run from a bundle (:func:`write_bundle`) on a machine without the audio, such as a lent GPU."""


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


def pool_spectrograms(X: np.ndarray, pool: tuple[int, int]) -> np.ndarray:
    """Average non-overlapping ``(bands, frames)`` blocks of spectrograms ``(..., n_bands, n_frames)``.

    Trailing bands or frames that do not fill a block are dropped. Averages are taken on the
    decibel values, as a strided average pool on the network's input would.

    Used by: :class:`LouroData` (``input_pool`` of the ``cpu`` profile), :func:`mer_core.experiments.du.parisi_features`.
    """
    X = np.asarray(X)
    fb, ft = (int(p) for p in pool)
    if fb <= 0 or ft <= 0:
        raise ValueError(f"pool sizes must be positive, got {pool}")
    if X.ndim < 2 or X.shape[-2] < fb or X.shape[-1] < ft:
        raise ValueError(f"cannot pool spectrograms of shape {X.shape} by {pool}")
    nb, nt = X.shape[-2] // fb, X.shape[-1] // ft
    blocks = X[..., :nb * fb, :nt * ft].reshape(*X.shape[:-2], nb, fb, nt, ft)
    return blocks.mean(axis=(-3, -1), dtype=np.float64).astype(X.dtype)


def parse_pool(text: str) -> tuple[int, int] | None:
    """An ``input_pool`` from its text: ``"2x4"`` -> ``(2, 4)`` (bands, frames); ``"1x1"`` -> ``None``,
    the unpooled input.

    Used by: notebooks/louro_resolution.ipynb, the store fill's ``--input-pool``.
    """
    parts = str(text).lower().replace(" ", "").split("x")
    if len(parts) != 2 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise ParameterError(f"an input pool is BANDSxFRAMES with positive integers (e.g. 2x4 or 1x1), got {text!r}")
    pool = (int(parts[0]), int(parts[1]))
    return None if pool == (1, 1) else pool


def cnn_input_shapes(profile: str, input_pool="profile") -> dict[str, tuple[int, ...]]:
    """Shape of one training sample of each Table 1 network under ``profile`` (after ``input_pool``,
    by default the profile's)."""
    s = PROFILES[check_profile(profile)]
    logmel = LogMel(duration=s["duration"])
    pool = (s["input_pool"] if input_pool == "profile" else input_pool) or (1, 1)
    bands, frames = logmel.n_mels // pool[0], logmel.n_frames // pool[1]
    chunk = int(round(SHORTCHUNK_SECONDS * logmel.sr / logmel.hop_length / pool[1]))
    return {"cnn_baseline": (bands, frames), "cnn_gru": (bands, frames), "crnn": (bands, frames),
            "shortchunk": (bands, chunk), "samplecnn": (SAMPLECNN_SAMPLES,)}


def network_sizes(profile: str) -> pd.DataFrame:
    """Trainable parameters of each Table 1 network as ``profile`` builds it and at its published widths.

    Used by: notebooks/louro_dl.ipynb.
    """
    width = PROFILES[check_profile(profile)]["width"]
    rows = []
    for net, shape in cnn_input_shapes(profile).items():
        params = NARROW_NETS[net] if width == "narrow" else {}
        rows.append({"network": net, "input per sample": " x ".join(map(str, shape)),
                     f"parameters ({width} width)": count_parameters(build_net(net, 4, shape, **params)),
                     "parameters (published width)": count_parameters(build_net(net, 4, shape))})
    return pd.DataFrame(rows).set_index("network")


@dataclass
class LouroData:
    """The real 4Q clips of one run and lazily extracted inputs (each cached on disk by ``extract``).

    Build it with :meth:`prepare`, which leaves out the clips whose audio cannot be decoded;
    the plain constructor takes ``tracks`` as they are (every input must then succeed on
    every clip).
    """

    tracks: pd.DataFrame
    top100: pd.DataFrame
    profile: str
    seed: int = 0
    bundled: bool = False
    overrides: dict = field(default_factory=dict)
    _tables: dict = field(default_factory=dict, repr=False)

    @classmethod
    def prepare(cls, tracks: pd.DataFrame, top100: pd.DataFrame, profile: str, seed: int = 0) -> LouroData:
        """The run's data, without the clips whose log-mel cannot be extracted.

        Extracts (or reads from the cache) the log-mel of every clip first and drops the clips
        that fail (undecodable, empty or silent audio) from ``tracks``, printing how many and
        which, so that every input and the labels stay aligned on the same clips: a damaged
        clip does not stop a 900-clip run. Another input that later fails on one of the kept
        clips still raises (see :meth:`table`).

        Parameters
        ----------
        tracks : pandas.DataFrame
            4Q Tracks table of the run (:func:`select_clips` of :func:`mer_core.datasets.fourq.load`).
        top100 : pandas.DataFrame
            :func:`mer_core.datasets.fourq.load_top100`, for the rows that read it.
        profile : str
            Run profile (:data:`PROFILES`).
        seed : int
            Seed of every row.

        Raises
        ------
        DatasetError
            If no clip's log-mel can be extracted.

        Used by: notebooks/louro_dl.ipynb.
        """
        data = cls(tracks.reset_index(drop=True), top100, check_profile(profile), seed)
        logmel = extract(data.tracks, LogMel(duration=data.settings["duration"]))
        if logmel.n_failed:
            ids = logmel.failures["track_id"].astype(str).tolist()
            print(f"{len(ids)} of {len(data.tracks)} clips left out of every row: their audio cannot be "
                  f"read (undecodable, empty or silent: {', '.join(ids[:5])}{', ...' if len(ids) > 5 else ''})")
            if not len(logmel.tracks):
                raise DatasetError(f"no clip of the run can be read ({len(ids)} tried)")
            data.tracks = logmel.tracks
        data._tables["logmel"] = data._pool(logmel.X)
        return data

    @property
    def settings(self) -> dict:
        """The profile's settings with this variant's :attr:`overrides` (:meth:`variant`)."""
        return {**PROFILES[self.profile], **self.overrides}

    def variant(self, **overrides) -> LouroData:
        """The same clips, profile and seed with some settings changed (e.g. ``input_pool=None``): its
        inputs are read again from the cache and its folds get their own run-store keys (:func:`fold_key`
        digests the settings). The folds are the same unless ``cv`` is overridden (:meth:`splits`).

        Used by: :func:`mer_core.experiments.louro_resolution.resolution_ablation`,
        :func:`mer_core.experiments.louro_artists.artist_fold_ablation` (the control).
        """
        unknown = sorted(set(overrides) - set(PROFILES[self.profile]))
        if unknown:
            raise ParameterError(f"unknown settings {unknown}; choose from {sorted(PROFILES[self.profile])}")
        if self.bundled:
            raise DatasetError("a bundle holds the log-mel at one resolution: run a variant from the audio")
        return LouroData(self.tracks, self.top100, self.profile, self.seed, overrides={**self.overrides, **overrides})

    @property
    def y(self) -> np.ndarray:
        return self.tracks["quadrant"].to_numpy()

    def splits(self) -> list:
        """The folds of this run: the profile's ``cv``, stratified by quadrant, grouped by ``group``, seeded.

        Used by: :func:`run_rows`, :func:`mer_core.experiments.louro_artists.overlaps`, ``mer train-benchmark``,
        notebooks/louro_dl.ipynb and notebooks/louro_artists.ipynb (the artist overlap of the folds).
        """
        return make_splits(self.y, self.settings["cv"], groups=self.tracks["group"].to_numpy(), seed=self.seed)

    def table(self, name: str):
        """Per-clip input by name: ``logmel``, ``waveform``, ``musicnn_mel``, ``musicnn_frontend``, ``top100``, an
        augmentation name (stacked copies), or a registry extractor (``musicnn_mtt``, ``aisfx``).

        Raises ``RuntimeError`` if the input fails on any clip of ``tracks`` (rows must stay aligned)."""
        if name not in self._tables:
            if self.bundled:
                raise DatasetError(f"input {name!r} is not in the bundle (it holds the log-mel only): "
                                   f"run one of {', '.join(BUNDLE_ROWS)}")
            self._tables[name] = self._make(name)
        return self._tables[name]

    def release(self, names=MAPPED_INPUTS) -> None:
        """Drop the input tables ``names`` (a later :meth:`table` reads them again from the cache), so
        that a run of many rows holds at most one of the :data:`MAPPED_INPUTS` at a time."""
        for name in names:
            self._tables.pop(name, None)

    def _extract(self, extractor, memmap: bool = False) -> np.ndarray:
        result = extract(self.tracks, extractor, memmap=memmap)
        if result.n_failed:  # keep rows aligned: prepare() dropped the undecodable clips, so this is a bug
            raise RuntimeError(f"{extractor.name}: {result.n_failed} clips failed although their log-mel was "
                               f"extracted\n{result.summary()}")
        return result.X

    def _logmel(self, extractor) -> np.ndarray:
        return self._pool(self._extract(extractor))

    def _pool(self, spectrograms: np.ndarray) -> np.ndarray:
        pool = self.settings["input_pool"]
        return spectrograms if pool is None else pool_spectrograms(spectrograms, pool)

    def _make(self, name: str):
        duration = self.settings["duration"]
        if name == "logmel":
            return self._logmel(LogMel(duration=duration))
        if name == "waveform":
            return self._extract(Waveform(duration=duration), memmap=True)
        if name == "musicnn_mel":
            return self._extract(MusicnnMel(duration=duration), memmap=True)
        if name == "musicnn_frontend":
            return self._extract(MusicnnFrontend(duration=duration), memmap=True)
        if name == "top100":
            return (self.top100.set_index("SongID").loc[self.tracks["track_id"]]
                    .drop(columns="Quadrant").to_numpy(dtype=float))
        if name in AUDIO_AUGMENTATIONS.values():
            copies = [self._logmel(AugmentedLogMel(name, copy=k, seed=self.seed, duration=duration))
                      for k in range(1, self.settings["copies"] + 1)]
            return stack_copies(self.table("logmel"), *copies)
        from ..features.registry import get
        return self._extract(get(name))


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
    pool = s["input_pool"]
    logmel = "log-mel 96 bands" if pool is None else f"log-mel 96 bands pooled {pool[0]}x{pool[1]}"
    if row == "DL Baseline":
        return _cnn("cnn_baseline", data), data.table("logmel"), logmel
    if row == "Baseline with GRU":
        return _cnn("cnn_gru", data), data.table("logmel"), logmel
    if row == "CRNN":
        return _cnn("crnn", data), data.table("logmel"), logmel
    if row == "ShortChunk CNN":
        return (_cnn("shortchunk", data, segment_len=cnn_input_shapes(data.profile)["shortchunk"][1]),
                data.table("logmel"),
                f"{logmel}, 3.5 s segments")
    if row == "Sample CNN":
        return (_cnn("samplecnn", data, segment_len=SAMPLECNN_SAMPLES), data.table("waveform"),
                "waveform 22.05 kHz, 59049-sample segments")
    if row == "Baseline + TFM":
        return _cnn("cnn_baseline", data, augment=TimeFrequencyMasking()), data.table("logmel"), f"{logmel} + TFM"
    if row == "Baseline + RG":
        return _cnn("cnn_baseline", data, augment=RandomGain()), data.table("logmel"), f"{logmel} + random gain"
    if row in AUDIO_AUGMENTATIONS:
        name = AUDIO_AUGMENTATIONS[row]
        return (WithAugmentedCopies(_cnn("cnn_baseline", data)), data.table(name),
                f"{logmel} + {s['copies']} {name} cop{'y' if s['copies'] == 1 else 'ies'} per training clip")
    if row == "Baseline + DeepSMOTE":
        return (DeepSMOTEClassifier(_cnn("cnn_baseline", data), ae_epochs=s["ae_epochs"], random_state=data.seed,
                                    k_neighbors=min(5, s["clips_per_class"] // 2 - 1) if s["clips_per_class"] else 5),
                data.table("logmel"), f"{logmel} + DeepSMOTE samples")
    if row == "Autoencoder":
        return (AutoencoderForest(ae_epochs=s["ae_epochs"], n_estimators=s["forest_trees"], random_state=data.seed),
                data.table("logmel"), f"conv autoencoder bottleneck (128) of {logmel}")
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
        return (HybridAugmented(features="top100", cnn=cnn, pretrain_inputs="logmel_aug",
                                finetune_epochs=s["finetune_epochs"], weight=s["hybrid_weight"],
                                random_state=data.seed),
                inputs, f"{logmel} CNN (pre-trained on pitch-shifted copies) + DNN on top-100 features")
    if row == "Artists CNN":
        inputs = Inputs(logmel=data.table("logmel"), artist=data.tracks["artist"])
        cnn = _cnn("cnn_baseline", data)
        cnn.set_params(epochs=s["pretrain_epochs"])
        return (ArtistsCNN(cnn=cnn, epochs=s["finetune_epochs"], random_state=data.seed),
                inputs, f"{logmel}; pre-trained on training-fold artists")
    if row == "CRNN Pre-trained MTAT -> musicnn MTT fine-tune":
        # a frozen front-end is run once per clip and cached (MusicnnFrontend) instead of every epoch
        representation = "mel" if s["musicnn_freeze"] == "none" else "frontend"
        return (MusicnnFineTune(representation=representation, epochs=s["finetune_epochs"], freeze=s["musicnn_freeze"],
                                random_state=data.seed),
                data.table(f"musicnn_{representation}"),
                f"musicnn MTT (real weights), fine-tuned, freeze={s['musicnn_freeze']}")
    raise ValueError(f"unknown row {row!r}; choose from {ROWS}")


_BUNDLE_TRACK_COLUMNS = ["track_id", "group", "quadrant", "artist"]


def write_bundle(data: LouroData, folder: str | os.PathLike) -> Path:
    """Write what :data:`BUNDLE_ROWS` need to run without the audio: the clips (id, group,
    quadrant, artist), the log-mel of the run (losslessly compressed, with its SHA-256) and a
    manifest with the profile, seed, code version and the digest of :data:`MODEL_CODE`.

    A bundle is how a lent GPU machine, which cannot reach the dataset, trains these rows: the
    run-store keys it computes (:func:`fold_key`) are the ones this machine computes, and
    :func:`import_store` brings its folds back. Returns the folder.

    Used by: the store fill (``--write-bundle``), scripts/gpu_louro_rows.sh.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    X = np.ascontiguousarray(data.table("logmel"))
    data.tracks[_BUNDLE_TRACK_COLUMNS].to_csv(folder / "tracks.csv", index=False)
    # byte planes of the floats compress better than interleaved bytes (the exponent plane almost vanishes)
    planes = X.view(np.uint8).reshape(-1, X.dtype.itemsize).T
    (folder / "logmel.zlib").write_bytes(zlib.compress(np.ascontiguousarray(planes).tobytes(), 6))
    manifest = {"profile": data.profile, "seed": data.seed, "shape": list(X.shape), "dtype": X.dtype.str,
                "sha256": hashlib.sha256(X.tobytes()).hexdigest(), "code_version": code_version(),
                "model_code": source_digest(*MODEL_CODE)}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return folder


def read_bundle(folder: str | os.PathLike) -> LouroData:
    """The :class:`LouroData` of a bundle written by :func:`write_bundle` (its other inputs raise).

    Raises
    ------
    DatasetError
        If a file is missing, the log-mel does not match its checksum, or this code's
        :data:`MODEL_CODE` differs from the code that wrote the bundle (its folds would be stored
        under keys the writer never looks up).

    Used by: the store fill (``--bundle``).
    """
    folder = Path(folder)
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
        tracks = pd.read_csv(folder / "tracks.csv", dtype=str, keep_default_na=False)
        raw = zlib.decompress((folder / "logmel.zlib").read_bytes())
    except (OSError, ValueError, zlib.error) as exc:
        raise DatasetError(f"cannot read the bundle in {folder}: {exc}") from exc
    dtype, shape = np.dtype(manifest["dtype"]), tuple(manifest["shape"])
    planes = np.frombuffer(raw, dtype=np.uint8).reshape(dtype.itemsize, -1)
    X = np.ascontiguousarray(planes.T).view(dtype).reshape(shape)
    if hashlib.sha256(X.tobytes()).hexdigest() != manifest["sha256"]:
        raise DatasetError(f"the log-mel of the bundle in {folder} does not match its checksum")
    if source_digest(*MODEL_CODE) != manifest["model_code"]:
        raise DatasetError(f"the bundle in {folder} was written by other model code "
                           f"({manifest['code_version']}); write it again from this code")
    data = LouroData(tracks, pd.DataFrame(), check_profile(manifest["profile"]), int(manifest["seed"]), bundled=True)
    data._tables["logmel"] = X
    return data


def import_store(archive: str | os.PathLike, store: str | os.PathLike, code: str) -> list[str]:
    """Copy the folds of a run-store archive (``.tgz`` of ``<key>.pkl`` files, e.g. from a GPU
    machine) into ``store``; return their keys.

    Each fold is unpickled here and saved again, so that it loads with this machine's pandas;
    a fold whose ``code_version`` is not a commit (the other machine had no git checkout) gets
    ``code``, the commit its bundle was written from. Folds are keyed by :func:`fold_key`, which
    digests the model code, so a fold from other code is never used.

    Used by: the store fill (``--import-store``), scripts/gpu_louro_rows.sh.
    """
    keys = []
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            name = Path(member.name).name
            if not (member.isfile() and name.endswith(".pkl")):
                continue
            piece = pickle.load(tar.extractfile(member))
            if str(piece.get("code_version", "")).startswith("mer_core "):
                piece["code_version"] = code
            runstore.save(store, name[:-len(".pkl")], piece)
            keys.append(name[:-len(".pkl")])
    return keys


def fold_key(row: str, fold: int, data: LouroData) -> str:
    """Run-store key of one fold of a row (:func:`mer_core.runstore.run_key`): row, fold, profile
    settings, seed, clips, their fold groups and the source of the model code (:data:`MODEL_CODE`),
    so a stale fold is never reused and fold ``k`` of one grouping (e.g. artist-level folds,
    :mod:`mer_core.experiments.louro_artists`) never takes the place of fold ``k`` of another."""
    spec = {"row": row, "fold": fold, "profile": data.profile, "settings": data.settings, "seed": data.seed,
            "clips": list(map(str, data.tracks["track_id"])), "groups": list(map(str, data.tracks["group"]))}
    return runstore.run_key(spec, MODEL_CODE)


def run_rows(data: LouroData, rows=ROWS, *, store: str | os.PathLike | None = None,
             progress: bool = True) -> tuple[CVResult, pd.DataFrame]:
    """Evaluate ``rows`` on the same folds; return the results and a timing table (seconds per row).

    With ``store`` (a folder), each finished fold is saved there under :func:`fold_key` and a
    later call with the same row, fold, settings, seed, clips and model code loads it instead of
    training again: an interrupted run resumes at the fold it stopped in, and rows can be computed
    by separate processes and assembled by the notebook. Folds run one after another (each network
    uses every core), or, when a Dask scheduler is named (:mod:`mer_core.cluster`), a row's missing
    folds run together on the cluster. The timing table keeps the seconds of the original runs and
    says how many folds came from the store and which code versions computed them.

    Used by: notebooks/louro_dl.ipynb, the store fill (``python -m mer_core.experiments.louro_dl``).
    """
    check_profile(data.profile)
    s = data.settings
    y = data.y
    splits = data.splits()
    records, predictions, timing = [], [], []
    for row in rows:
        keys = {split.fold: fold_key(row, split.fold, data) for split in splits}
        pieces = {fold: runstore.load(store, key) for fold, key in keys.items()}
        missing = [split for split in splits if pieces[split.fold] is None]
        inputs_s = 0.0
        if missing:
            start = time.perf_counter()
            estimator, X, features = build_row(row, data)
            inputs_s = time.perf_counter() - start
            meta = {"paper": PAPER, "method": row, "features": features, "dataset": "4q", "profile": data.profile}
            batches = [missing] if cluster.scheduler_address() else [[split] for split in missing]
            for batch in batches:
                start = time.perf_counter()
                # one fold at a time (or one batch on a cluster), so that a stored fold survives an interrupted row
                res = cross_validate_splits(estimator, X, y, batch, protocol=s["cv"],
                                            progress=progress and len(batch) > 1, **meta)
                seconds = (time.perf_counter() - start) / len(batch)
                for split in batch:
                    piece = {"records": res.records[res.records["fold"] == split.fold],
                             "predictions": res.predictions[res.predictions["fold"] == split.fold],
                             "seconds": seconds, "machine": machine(), "code_version": code_version(),
                             "torch_threads": torch.get_num_threads(),
                             "finished": datetime.now(timezone.utc).isoformat(timespec="seconds")}
                    runstore.save(store, keys[split.fold], piece)
                    pieces[split.fold] = piece
                if progress:
                    done = sum(p is not None for p in pieces.values())
                    print(f"{row}: {done} of {len(splits)} folds", flush=True)
            del estimator, X
            data.release()
        ordered = [pieces[split.fold] for split in splits]
        row_records = pd.concat([p["records"] for p in ordered], ignore_index=True)
        records.append(row_records)
        predictions.append(pd.concat([p["predictions"] for p in ordered], ignore_index=True).assign(method=row))
        stored = len(splits) - len(missing)
        row_timing = {"method": row, "inputs_s": round(inputs_s, 1),
                      "cv_s": round(sum(p["seconds"] for p in ordered), 1), "folds": len(splits),
                      "clips": len(y), "machine": "; ".join(sorted({p["machine"] for p in ordered})),
                      "code_version": "; ".join(sorted({p["code_version"] for p in ordered})),
                      "model_code": source_digest(*MODEL_CODE),
                      "torch_threads": max(p["torch_threads"] for p in ordered),
                      "finished": max(p["finished"] for p in ordered),
                      "source": "computed" if not stored else f"run store ({stored} of {len(splits)} folds)"}
        timing.append(row_timing)
        f1 = row_records.loc[row_records["metric"] == "f1_macro", "value"].mean()
        print(f"{row}: macro F1 {f1:.3f} ({row_timing['cv_s']:.0f} s, {row_timing['source']})", flush=True)
    return (CVResult(pd.concat(records, ignore_index=True), pd.concat(predictions, ignore_index=True)),
            pd.DataFrame(timing))


def paper_table(summary: pd.DataFrame, profile: str) -> pd.DataFrame:
    """Table 1 beside ours: the paper's macro-F1 (Original-4QAED), ours mean ± std with folds, clips
    per test fold, profile and source, and the difference for like-for-like rows; every row is
    listed, those without records say so, substitutes (:data:`SUBSTITUTES`) name the paper row they
    stand beside and get no difference.

    ``summary`` is :func:`mer_core.evaluation.summarize` of the f1_macro records (with a
    ``source`` column when published records are mixed in).

    Used by: notebooks/louro_dl.ipynb.
    """
    rows = []
    f1 = summary[summary["metric"] == "f1_macro"].set_index("method")
    for method in ["SVM Baseline", *ROWS]:
        substitute_for = SUBSTITUTES.get(method)
        paper = TABLE1_ORIGINAL_4QAED.get(substitute_for or method)
        row = {"method": method, "paper F1 % (Original-4QAED)": paper,
               "comparison": f"substitute for {substitute_for}" if substitute_for else "like for like"}
        if method in f1.index:
            r = f1.loc[method]
            ours = 100 * r["mean"]
            row.update({"ours F1 %": f"{ours:.2f} ± {100 * r['std']:.2f}", "folds": int(r["n"]),
                        "n_test": r.get("n_test"), "profile": r["profile"], "protocol": r["protocol"],
                        "source": r.get("source", ""), "code_version": r.get("code_version", ""),
                        "difference (points)": None if paper is None or substitute_for else round(ours - paper, 2)})
        else:  # listed, not hidden: a row without records
            row.update({"ours F1 %": "not run", "folds": 0, "n_test": None, "profile": profile, "protocol": "",
                        "source": "", "code_version": "", "difference (points)": None})
        row.update({f"paper {c}": "not reproducible (dataset not public)" for c in NOT_REPRODUCIBLE})
        rows.append(row)
    return pd.DataFrame(rows).set_index("method")


def training_summary(records: pd.DataFrame, stop: float = 0.9) -> pd.DataFrame:
    """Per method, how its networks trained: epochs run per fold (``min–max``) and how many folds
    reached Louro et al.'s stop (training accuracy >= ``stop``) rather than the epoch ceiling.

    ``records`` are the run's records with the ``epochs_run`` and ``last_train_acc`` metrics of
    :func:`mer_core.evaluation.training_metrics`; methods without them (the SVM, the forests)
    are left out.

    Used by: notebooks/louro_dl.ipynb (joined to :func:`paper_table`).
    """
    part = records[records["metric"].isin(["epochs_run", "last_train_acc"])]
    wide = part.pivot_table(index=["method", "fold"], columns="metric", values="value", aggfunc="first")
    rows = {}
    for method, folds in wide.groupby(level="method", sort=False):
        epochs = folds["epochs_run"].astype(int)
        row = {"epochs run": f"{epochs.min()}–{epochs.max()}" if epochs.min() != epochs.max() else str(epochs.min())}
        if "last_train_acc" in folds:
            row[f"folds at {stop:.0%} train acc"] = f"{int((folds['last_train_acc'] >= stop).sum())} of {len(folds)}"
        rows[method] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("method")

def _main() -> None:
    parser = argparse.ArgumentParser(description="Fill the run store of Louro et al.'s Table 1 rows (the notebook "
                                                 "reads it); resumable fold by fold.")
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--rows", default="all", help="comma-separated rows of ROWS, in the order to run them")
    parser.add_argument("--threads", type=int, default=2, help="torch threads of each network")
    parser.add_argument("--input-pool", default=None, help="BANDSxFRAMES pooling of the log-mel instead of the "
                                                          "profile's (1x1: the full input), as the "
                                                          "louro_resolution chapter runs it")
    parser.add_argument("--store", default=None, help="run-store folder (default: the project's)")
    parser.add_argument("--write-bundle", metavar="DIR", help="write the bundle of BUNDLE_ROWS to DIR and stop")
    parser.add_argument("--bundle", metavar="DIR", help="run from a bundle instead of the audio (BUNDLE_ROWS only)")
    parser.add_argument("--budget-s", type=float, default=None, help="start no row after this many seconds")
    parser.add_argument("--import-store", nargs=2, metavar=("ARCHIVE", "COMMIT"),
                        help="copy the folds of ARCHIVE (.tgz) into the store, COMMIT for folds without one")
    args = parser.parse_args()
    from ..config import locate
    from ..datasets import fourq

    store = args.store or runstore.store_dir(STORE)
    if args.import_store:
        keys = import_store(args.import_store[0], store, args.import_store[1])
        print(f"{len(keys)} folds copied into {store}")
        return
    torch.set_num_threads(args.threads)
    rows = (BUNDLE_ROWS if args.bundle else ROWS) if args.rows == "all" else [r.strip() for r in args.rows.split(",")]
    print(f"code version {code_version()}, {torch.get_num_threads()} torch threads, {machine()}", flush=True)
    if args.bundle:
        data = read_bundle(args.bundle)
    else:
        tracks = select_clips(fourq.load(locate(fourq.DIRNAME, args.data_dir)), args.profile, seed=args.seed)
        data = LouroData.prepare(tracks, fourq.load_top100(locate(fourq.FEATURES_DIRNAME, args.data_dir)),
                                 args.profile, args.seed)
    if args.input_pool is not None:
        data = data.variant(input_pool=parse_pool(args.input_pool))
    if args.write_bundle:
        print(f"bundle of {len(data.tracks)} clips written to {write_bundle(data, args.write_bundle)}")
        return
    start = time.perf_counter()
    for row in rows:
        if args.budget_s is not None and time.perf_counter() - start > args.budget_s:
            print(f"{row}: not started, the budget of {args.budget_s:.0f} s is spent", flush=True)
            continue
        _, timing = run_rows(data, [row], store=store)
        print(timing[["method", "cv_s", "source", "machine"]].to_string(index=False), flush=True)


if __name__ == "__main__":
    _main()
