"""Where a number came from: code version, machine, date, and file digests.

Every result record carries :func:`code_version`, :func:`machine` and :func:`created`
(see :data:`mer_core.evaluation.RECORD_COLUMNS`), so a table in the book names the commit,
the machine and the day that produced each figure.
"""
from __future__ import annotations

import hashlib
import os
import platform
import subprocess
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from . import __version__


def file_digest(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes (feature cache keys, weight checks, the model-code digest)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def source_digest(*modules: str) -> str:
    """Short SHA-256 over the source files of ``mer_core`` modules or packages (dotted names
    relative to ``mer_core``, e.g. ``"models"``, ``"evaluation"``): changes when their code does.

    Used by: :func:`mer_core.experiments.louro_dl.fold_key` (a stored fold is reused only
    under the code that computed it).
    """
    root = Path(__file__).resolve().parent
    files: list[Path] = []
    for name in modules:
        path = root.joinpath(*name.split("."))
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path.with_suffix(".py")]
    h = hashlib.sha256()
    for f in files:
        h.update(f.relative_to(root).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


@lru_cache(maxsize=1)
def code_version() -> str:
    """The git commit of the project (short hash), ``+dirty`` when tracked files were modified;
    ``mer_core <version>`` when the code is not a git checkout (e.g. an installed wheel)."""
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=10", "HEAD"], cwd=root, capture_output=True,
                                text=True, check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return f"mer_core {__version__}"
    return commit + ("+dirty" if dirty else "")


@lru_cache(maxsize=1)
def machine() -> str:
    """Short description of this machine: CPU model (or GPU when torch sees one), cores, Python, OS."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    text = f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"
    try:
        import torch
        if torch.cuda.is_available():
            text += f", GPU {torch.cuda.get_device_name(0)}"
    except ImportError:
        pass
    return text


def created() -> str:
    """Today's date in UTC, ISO format (the ``created`` column of result records)."""
    return datetime.now(timezone.utc).date().isoformat()
