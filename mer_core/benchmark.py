"""Feature-extraction benchmark: throughput per extractor, cold and from cache (``mer features benchmark``).

A benchmark, not a test: it times real extraction on a real dataset and writes one CSV row
per extractor, naming the machine, so the book can state timings with their origin.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pandas as pd
import soundfile as sf

from .config import cache_dir as default_cache_dir
from .features import extract
from .features.registry import get
from .provenance import machine


def run(tracks: pd.DataFrame, names, *, n_jobs: int | None = None, cache_dir=None, dataset: str = "") -> pd.DataFrame:
    """Time each extractor over ``tracks`` twice: first run (cold unless entries exist) and cached rerun.

    Returns a table with ``extractor, cache`` (the cache folder: a pretrained network's
    layers share one, so a second layer of a network is a cached run), ``dim, clips, failed, audio_s, first_run_s, cached_s,
    clips_per_s, x_realtime, cold_entries_before, machine, load_avg_1min, n_jobs, dataset, date``. ``cold_entries_before``
    counts cache entries that already existed, so a "first run" that was not cold says so.
    """
    audio_s = float(sum(sf.info(p).duration for p in tracks["path"]))
    root = Path(default_cache_dir(cache_dir))
    rows = []
    for name in names:
        ex = get(name)
        if ex.requires_weights and not ex.weights_available():
            rows.append({"extractor": name, "note": "weights absent: not run"})
            continue
        # a pretrained network's layers share one cache entry per clip: its window vectors
        cache_name = ex.windows().name if hasattr(ex, "windows") else ex.name
        before = len(list((root / cache_name).glob("*.npy"))) if (root / cache_name).is_dir() else 0
        load_before = os.getloadavg()[0]
        t0 = time.perf_counter()
        first = extract(tracks, ex, cache_dir=cache_dir, n_jobs=n_jobs)
        t1 = time.perf_counter()
        extract(tracks, ex, cache_dir=cache_dir, n_jobs=n_jobs, progress=False)
        t2 = time.perf_counter()
        dim = first.X.shape[1] if hasattr(first.X, "shape") and first.X.ndim == 2 else None
        rows.append({"extractor": name, "cache": cache_name, "dim": dim, "clips": len(first.tracks), "failed": first.n_failed,
                     "audio_s": round(audio_s, 1), "first_run_s": round(t1 - t0, 2), "cached_s": round(t2 - t1, 2),
                     "clips_per_s": round(len(tracks) / (t1 - t0), 2), "x_realtime": round(audio_s / (t1 - t0), 1),
                     "cold_entries_before": before, "machine": machine(),
                     # other processes on the machine slow every figure: say how busy it was
                     "load_avg_1min": round(max(load_before, os.getloadavg()[0]), 1),
                     "n_jobs": n_jobs or os.cpu_count(), "dataset": dataset,
                     "date": time.strftime("%Y-%m-%d")})
    return pd.DataFrame(rows)
