"""Where datasets, caches and pretrained weights live.

Every path the project reads or writes is resolved here, so a user points the whole
project elsewhere with three environment variables (or the matching arguments).
"""
from __future__ import annotations

import os
from pathlib import Path

from .errors import ParameterError

DEFAULT_SR = 22050
"""Analysis sample rate of the papers (MIREX convention: 22.05 kHz mono)."""


def data_dirs(path: str | os.PathLike | None = None) -> list[Path]:
    """Return the data search path: ``path`` if given, else ``$MER_DATA_DIR``, else ``./data``.

    Several directories may be joined with ``os.pathsep`` (``:`` on Linux), like ``PATH``:
    e.g. a read-only folder of real datasets followed by a writable one for the generated
    synthetic corpus. Datasets are looked up in order; generated ones are written to the
    last directory (:func:`locate`).
    """
    spec = str(path) if path is not None and str(path) != "" else os.environ.get("MER_DATA_DIR", "") or "data"
    return [Path(p).expanduser().resolve() for p in spec.split(os.pathsep) if p]


def locate(name: str, path: str | os.PathLike | None = None) -> Path:
    """Folder of dataset ``name``: the first ``<dir>/<name>`` that exists on the search path,
    else ``<last dir>/<name>`` (generated datasets go to the last directory of the path, so
    real datasets can sit in read-only folders before it)."""
    dirs = data_dirs(path)
    for d in dirs:
        if (d / name).exists():
            return d / name
    return dirs[-1] / name


def cache_dir(path: str | os.PathLike | None = None) -> Path:
    """Return the feature cache: ``path``, else ``$MER_CACHE_DIR``, else ``~/.cache/mer_companion/features``."""
    if path is not None and str(path) != "":
        return Path(path).expanduser().resolve()
    env = os.environ.get("MER_CACHE_DIR")
    default = Path.home() / ".cache" / "mer_companion" / "features"
    return Path(env).expanduser().resolve() if env else default


def weights_dir(path: str | os.PathLike | None = None) -> Path:
    """Return the pretrained-weights directory: ``path``, else ``$MER_WEIGHTS_DIR``, else ``~/.cache/mer_companion/weights``."""
    if path is not None and str(path) != "":
        return Path(path).expanduser().resolve()
    env = os.environ.get("MER_WEIGHTS_DIR")
    default = Path.home() / ".cache" / "mer_companion" / "weights"
    return Path(env).expanduser().resolve() if env else default


PROFILES = ("smoke", "cpu", "paper")
"""Run profiles: ``smoke`` (CI, minutes), ``cpu`` (2-core machine, reduced protocols), ``paper`` (full, GPU)."""


def check_profile(profile: str) -> str:
    """Return ``profile`` if it is one of :data:`PROFILES`, else raise a clear :class:`~mer_core.errors.ParameterError`."""
    if profile not in PROFILES:
        raise ParameterError(f"unknown profile {profile!r}; choose one of {PROFILES}")
    return profile


def profile_label(profile: str, **overrides) -> str:
    """The ``profile`` written into result records: the profile's name when it ran as defined, else
    the name with the settings a parameter changed, e.g. ``"cpu (clips_per_class=50)"``, so a
    record never claims a profile that did not run. ``None`` values mean "not overridden".

    Used by: notebooks/features.ipynb.
    """
    changed = {k: v for k, v in overrides.items() if v is not None}
    check_profile(profile)
    return profile if not changed else f"{profile} ({', '.join(f'{k}={v}' for k, v in sorted(changed.items()))})"


def project_root() -> Path:
    """The repository root (the folder holding ``_toc.yml``), else the working directory."""
    here = Path(__file__).resolve().parents[1]
    return here if (here / "_toc.yml").is_file() else Path.cwd()


def results_dir(path: str | os.PathLike | None = None) -> Path:
    """Where this run writes its tidy result CSVs: ``path``, ``$MER_RESULTS_DIR``, else ``<root>/_build/results``.

    Never ``book/results``: that folder is the published edition, written only by
    ``mer book --publish`` (:func:`published_results_dir`).
    """
    if path is not None and str(path) != "":
        return Path(path).expanduser().resolve()
    env = os.environ.get("MER_RESULTS_DIR")
    return Path(env).expanduser().resolve() if env else project_root() / "_build" / "results"


def published_results_dir() -> Path:
    """The published edition's result CSVs: ``<root>/book/results`` (committed, read-only for runs)."""
    return project_root() / "book" / "results"
