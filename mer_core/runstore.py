"""The run store: finished pieces of long experiments kept on disk, so a run can be resumed.

A piece (a table row, a classifier on one feature set) is stored as a pickle under a key that
digests everything its result depends on: what it is, the profile's settings, the seed, the
clips, and the source of the code that computes it (:func:`mer_core.provenance.source_digest`).
A later run with the same key loads the piece instead of computing it again; any change of
settings, data or model code changes the key, so a stale piece is never reused silently.
Pieces are written atomically, so separate processes can fill one store.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
from pathlib import Path
from typing import Sequence

import numpy as np

from .config import cache_dir
from .provenance import source_digest


def store_dir(name: str) -> Path:
    """Default store of an experiment: ``<cache>/runs/<name>`` (:func:`mer_core.config.cache_dir`)."""
    return Path(cache_dir()) / "runs" / name


def run_key(spec: dict, code: Sequence[str] = ()) -> str:
    """16-hex digest of ``spec`` (JSON-serialisable, keys sorted) and of the source of the modules
    ``code`` (names relative to :mod:`mer_core`, e.g. ``"models"``, ``"experiments.koh_dubnov"``)."""
    payload = {"spec": spec, "code": source_digest(*code) if code else ""}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


def array_digest(*arrays) -> str:
    """16-hex digest of arrays' dtypes, shapes and bytes: the data part of a run key (e.g. a feature
    table with its labels and groups), so that other inputs never load a stored piece.

    Used by: :mod:`mer_core.experiments.koh_dubnov`, :mod:`mer_core.experiments.shared`.
    """
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(str(a.dtype).encode() + str(a.shape).encode() + a.tobytes())
    return h.hexdigest()[:16]


def load(store: str | os.PathLike | None, key: str):
    """The piece stored under ``key``, or None (also when ``store`` is None)."""
    if store is None:
        return None
    path = Path(store) / f"{key}.pkl"
    if not path.is_file():
        return None
    with open(path, "rb") as f:
        return pickle.load(f)


def save(store: str | os.PathLike | None, key: str, piece) -> Path | None:
    """Store ``piece`` under ``key`` atomically (a concurrent reader never sees half of it);
    nothing when ``store`` is None."""
    if store is None:
        return None
    path = Path(store) / f"{key}.pkl"
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    with open(partial, "wb") as f:
        pickle.dump(piece, f)
    partial.replace(path)
    return path
