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


def _compute(path: str, extractor: Extractor, target: Path | None):
    """Run one clip; return (features, None) or (None, error message)."""
    try:
        y = load_audio(path, sr=extractor.sr, duration=extractor.duration)
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
            progress: bool = True) -> FeatureSet:
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

    Returns
    -------
    FeatureSet
        Features for the clips that succeeded and a table of the ones that failed; a
        warning states the count of failures.

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
                results[i] = np.load(targets[i])
                continue
        todo.append(i)

    if todo:
        jobs = (n_jobs or os.cpu_count() or 1) if extractor.parallel else 1
        bar = progress_bar(total=len(todo), desc=extractor.name, disable=not progress, unit="clip")
        if jobs > 1:
            outputs = Parallel(n_jobs=jobs, return_as="generator")(
                delayed(_compute)(paths[i], extractor, targets[i]) for i in todo)
        else:
            outputs = (_compute(paths[i], extractor, targets[i]) for i in todo)
        for i, (feats, err) in zip(todo, outputs):
            results[i], errors[i] = feats, err
            bar.update()
        bar.close()

    ok = [i for i in range(len(paths)) if errors[i] is None]
    failures = pd.DataFrame({"track_id": [tracks["track_id"].iloc[i] for i in range(len(paths)) if errors[i]],
                             "path": [paths[i] for i in range(len(paths)) if errors[i]],
                             "error": [e for e in errors if e]}, columns=["track_id", "path", "error"])
    feats = [results[i] for i in ok]
    shapes = {f.shape for f in feats}
    X = np.stack(feats) if len(shapes) == 1 else feats
    out = FeatureSet(X=X, tracks=tracks.iloc[ok].reset_index(drop=True), failures=failures,
                     extractor=extractor.name)
    if len(failures):
        warnings.warn(f"{extractor.name}: skipped {len(failures)} of {len(paths)} clips "
                      f"(see FeatureSet.failures)", stacklevel=2)
    return out
