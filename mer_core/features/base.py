"""One way to run any extractor over a Tracks table: :func:`extract`.

An extractor is a small object with a ``name``, a ``version``, the sample rate it wants
(``sr``), its parameters (``params()``) and ``__call__(y, sr) -> np.ndarray``.
:func:`extract` loads each clip through :func:`mer_core.audio.load_audio`, runs the
extractor with joblib parallelism and a progress bar, and stores each result in a
content-addressed cache: the key hashes the audio file's bytes, the extractor's name,
parameters and version, so renaming a file keeps its cache entry and changing a
parameter never returns a stale one. Clips that fail are collected, counted and reported;
they never stop the batch.
"""
from __future__ import annotations

import hashlib
import json
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from ..audio import AudioError, load_audio
from ..config import DEFAULT_SR, cache_dir as default_cache_dir
from ..errors import MissingWeightsError, ParameterError
from ..progress import progress as progress_bar
from ..provenance import file_digest


DECODED = "decoded"
"""Folder of the feature cache that keeps each clip's decoded samples (``load_audio``'s
``decoded_cache``), so that a clip is decoded once for all its feature sets."""


class Extractor:
    """Base class of feature extractors (subclasses set ``name`` and implement ``__call__``).

    Attributes
    ----------
    name : str
        Registry name, also the cache sub-folder.
    version : str
        Bump when the computation changes, so old cache entries are not reused.
    sr : int
        Sample rate the extractor wants its input at.
    duration : float or None
        Seconds of audio to read from the start of each clip (None: all of it).
    parallel : bool
        Whether clips may be processed in separate worker processes (False for models
        that hold large weights or use their own threads).
    """

    name: str = "extractor"
    version: str = "1"
    sr: int = DEFAULT_SR
    duration: float | None = None
    parallel: bool = True
    requires_weights: bool = False

    def weights_available(self) -> bool:
        """True when the extractor can run (always, unless it needs pretrained weights)."""
        return True

    def params(self) -> dict:
        """Parameters that change the output (part of the cache key)."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def __call__(self, y: np.ndarray, sr: int) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"{type(self).__name__}({args})"


@dataclass
class FeatureSet:
    """Features of the clips that succeeded, aligned with ``tracks`` (same row order).

    ``X`` is a stacked array when every clip gives the same shape, else a list.
    ``failures`` has one row per skipped clip: ``track_id``, ``path``, ``error``.
    """

    X: np.ndarray | list
    tracks: pd.DataFrame
    failures: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["track_id", "path", "error"]))
    extractor: str = ""

    @property
    def n_failed(self) -> int:
        return len(self.failures)

    def summary(self) -> str:
        text = f"{self.extractor}: {len(self.tracks)} clips extracted, {self.n_failed} skipped"
        if self.n_failed:
            text += "\n" + "\n".join(f"  skipped {r.track_id}: {r.error}" for r in self.failures.itertuples())
        return text


def cache_key(audio_digest: str, extractor: Extractor) -> str:
    """Key of one clip's features: audio bytes + extractor name, parameters and version."""
    spec = json.dumps({"name": extractor.name, "version": extractor.version,
                       "params": extractor.params()}, sort_keys=True, default=str)
    return hashlib.sha256((audio_digest + spec).encode()).hexdigest()[:32]


def _compute(path: str, extractor: Extractor, target: Path | None, decoded: Path | None = None):
    """Run one clip; return (features, None) or (None, error message)."""
    try:
        y = load_audio(path, sr=extractor.sr, duration=extractor.duration, decoded_cache=decoded)
        feats = np.asarray(extractor(y, extractor.sr), dtype=np.float32)
        if not np.all(np.isfinite(feats)):
            raise AudioError(path, f"{extractor.name} produced non-finite values")
    except AudioError as err:
        return None, err.reason
    except Exception as err:  # a bug or a library failure on one clip must not lose the batch
        return None, f"{type(err).__name__}: {err}"
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(tmp, feats)
        os.replace(tmp, target)
    return feats, None


def extract(tracks: pd.DataFrame, extractor: Extractor, *, cache: bool = True,
            cache_dir: str | os.PathLike | None = None, n_jobs: int | None = None,
            progress: bool = True, memmap: bool = False) -> FeatureSet:
    """Run ``extractor`` over every clip of ``tracks`` (column ``path``).

    Parameters
    ----------
    tracks : pandas.DataFrame
        A Tracks table (see :mod:`mer_core.datasets`).
    extractor : Extractor
    cache : bool
        Read and write the on-disk cache (default True).
    cache_dir : path-like, optional
        Cache root (default :func:`mer_core.config.cache_dir`).
    n_jobs : int, optional
        Worker processes for uncached clips (default: all cores when ``extractor.parallel``).
    progress : bool
        Show a tqdm progress bar.
    memmap : bool
        Return ``X`` as a read-only memory map of one ``.npy`` file in the cache
        (``<cache>/<name>/tables/``, named by a digest of the clips' cache keys) instead of an
        array in memory, for tables too large to hold twice (the raw waveforms, musicnn's
        front-end): it is written clip by clip from the per-clip entries, so no more than one
        clip is in memory, and reused while the clips and the extractor are the same. Needs
        ``cache`` and clips of one shape.

    Returns
    -------
    FeatureSet
        Features for the clips that succeeded and a table of the ones that failed; a
        warning states the count of failures. Clips of one shape are stacked into one
        array, which is built without a second copy of the features in memory.

    With ``cache``, a clip's decoded samples are kept too (folder :data:`DECODED` of the cache),
    so the feature sets after the first read them instead of decoding the clip again.

    A pretrained-network extractor (:class:`~mer_core.features.pretrained.PooledEmbedding`) is
    run as its :meth:`~mer_core.features.pretrained.PooledEmbedding.windows` extractor, whose
    cache entry holds every layer's window vectors of the clip, then pooled: all layers and
    poolings of one network cost a single network pass per clip.

    Raises
    ------
    MissingWeightsError
        Before any work, if the extractor needs pretrained weights that are absent.

    Used by: notebooks/datasets.ipynb, notebooks/koh_dubnov.ipynb; notebooks/features.ipynb and
    notebooks/louro_dl.ipynb through :mod:`mer_core.experiments.features` and
    :class:`mer_core.experiments.louro_dl.LouroData`; ``mer features extract``.
    """
    if "path" not in tracks.columns or "track_id" not in tracks.columns:
        raise ParameterError("tracks needs 'track_id' and 'path' columns")
    if memmap and not cache:
        raise ParameterError("memmap=True reads the on-disk cache: it needs cache=True")
    if hasattr(extractor, "windows"):  # a pretrained network: one cached pass per clip serves all its layers
        windows = extract(tracks, extractor.windows(), cache=cache, cache_dir=cache_dir, n_jobs=n_jobs,
                          progress=progress)
        pooled = [extractor.from_windows(table) for table in windows.X]
        X = np.stack(pooled) if pooled else np.empty((0, extractor.dim), dtype=np.float32)
        return FeatureSet(X=X, tracks=windows.tracks, failures=windows.failures, extractor=extractor.name)
    if extractor.requires_weights and not extractor.weights_available():
        # one clear error before the batch, not one failure per clip; never random weights
        raise MissingWeightsError(f"{extractor.name}: its pretrained weights are not in the weights directory; "
                                  "run `mer weights fetch` or see `mer features list`")
    root = Path(default_cache_dir(cache_dir)) / extractor.name
    paths = [str(p) for p in tracks["path"]]
    results: list = [None] * len(paths)
    errors: list = [None] * len(paths)
    targets: list = [None] * len(paths)
    todo = []
    for i, p in enumerate(paths):
        if cache:
            try:
                targets[i] = root / f"{cache_key(file_digest(p), extractor)}.npy"
            except OSError as err:
                errors[i] = f"cannot read file ({err.strerror})"
                continue
            if targets[i].is_file():
                # a memory-mapped table reads its clips when it is written; until then nothing is held
                results[i] = targets[i] if memmap else np.load(targets[i])
                continue
        todo.append(i)

    if todo:
        # every extractor of a clip after the first reads its decoded samples instead of decoding it again
        decoded = Path(default_cache_dir(cache_dir)) / DECODED if cache else None
        jobs = (n_jobs or os.cpu_count() or 1) if extractor.parallel else 1
        bar = progress_bar(total=len(todo), desc=extractor.name, disable=not progress, unit="clip")
        if jobs > 1:
            outputs = Parallel(n_jobs=jobs, return_as="generator")(
                delayed(_compute)(paths[i], extractor, targets[i], decoded) for i in todo)
        else:
            outputs = (_compute(paths[i], extractor, targets[i], decoded) for i in todo)
        for i, (feats, err) in zip(todo, outputs):
            results[i], errors[i] = (targets[i] if memmap and err is None else feats), err
            bar.update()
        bar.close()

    ok = [i for i in range(len(paths)) if errors[i] is None]
    failures = pd.DataFrame({"track_id": [tracks["track_id"].iloc[i] for i in range(len(paths)) if errors[i]],
                             "path": [paths[i] for i in range(len(paths)) if errors[i]],
                             "error": [e for e in errors if e]}, columns=["track_id", "path", "error"])
    if memmap:
        X = _memory_mapped_table([targets[i] for i in ok], root / "tables")
    else:
        X = _stack([results[i] for i in ok])
    out = FeatureSet(X=X, tracks=tracks.iloc[ok].reset_index(drop=True), failures=failures,
                     extractor=extractor.name)
    if len(failures):
        warnings.warn(f"{extractor.name}: skipped {len(failures)} of {len(paths)} clips "
                      f"(see FeatureSet.failures)", stacklevel=2)
    return out


def _stack(feats: list) -> np.ndarray | list:
    """One array of the clips' features when their shapes agree (else the list), built without
    holding the features twice: each clip's array is released once it is copied in."""
    if not feats or len({f.shape for f in feats}) != 1:
        return feats
    X = np.empty((len(feats), *feats[0].shape), dtype=np.result_type(*feats))
    for i in range(len(feats)):
        X[i], feats[i] = feats[i], None
    return X


def _memory_mapped_table(entries: list[Path], folder: Path) -> np.ndarray:
    """The per-clip cache ``entries`` stacked into one ``.npy`` file under ``folder``, memory-mapped
    read-only; written (atomically) only when no file of these entries exists yet."""
    name = hashlib.sha256("\n".join(p.stem for p in entries).encode()).hexdigest()[:32]
    path = folder / f"{name}.npy"
    if not path.is_file():
        if not entries:
            raise ParameterError("no clip to stack into a memory-mapped table")
        first = np.load(entries[0], mmap_mode="r")
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f"{name}.{os.getpid()}.tmp.npy"
        table = np.lib.format.open_memmap(partial, mode="w+", dtype=first.dtype, shape=(len(entries), *first.shape))
        for i, entry in enumerate(entries):
            clip = np.load(entry, mmap_mode="r")
            if clip.shape != first.shape:
                raise ParameterError(f"memmap=True needs clips of one shape: {entry.name} is {clip.shape}, "
                                     f"the first clip {first.shape}")
            table[i] = clip
        table.flush()
        del table
        os.replace(partial, path)
    return np.load(path, mmap_mode="r")
