"""Fetch pretrained weights that registry packages ship, once, at set-up time.

Some pretrained models are published only inside packages whose code cannot be installed
next to ours (musicnn 0.1.0 pins numpy < 1.17 and TensorFlow 1). Their weight files are
still plain files inside a wheel on PyPI, so :func:`fetch_musicnn` downloads the pinned
wheel with ``pip download`` (never installing it), checks its SHA-256, and extracts only
the checkpoint files under :func:`mer_core.config.weights_dir`. After that the project runs
offline: every fetch is a no-op when the files are present, and the extractors read the
files with :mod:`mer_core.features.tf_checkpoint`.

Run from the command line (as ``make`` set-up does)::

    mer weights fetch
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from .config import weights_dir as default_weights_dir
from .errors import ParameterError, WeightsError
from .provenance import file_digest

MUSICNN_SPEC = "musicnn==0.1.0"
MUSICNN_SHA256 = "f38a4890c648c1ddbb141c5d96d2b0a8cfcd36746002d896989f7b88beb65cfa"
"""SHA-256 of ``musicnn-0.1.0-py3-none-any.whl`` on PyPI (ISC licence, Pons & Serra, MTG-UPF)."""
MUSICNN_FOLDER = "musicnn-0.1.0"
MUSICNN_MODELS = ("MTT_musicnn", "MTT_vgg", "MSD_musicnn", "MSD_vgg")
"""The models whose checkpoints the 0.1.0 wheel ships (``MSD_musicnn_big`` is not in it)."""
CHECKPOINT_PREFIX = "variables"
"""Checkpoint files are stored as ``<model>/variables.index`` and ``variables.data-00000-of-00001``."""

_MUSICNN_MEMBERS = {".index": f"{CHECKPOINT_PREFIX}.index",
                    ".data-00000-of-00001": f"{CHECKPOINT_PREFIX}.data-00000-of-00001",
                    "config.json": "config.json"}
"""Files of each model folder in the wheel -> their names on disk (the wheel's are hidden files)."""


def _pip_download(spec: str, sha256: str, dest: Path) -> Path:
    """Download one pinned wheel (no dependencies, not installed) into ``dest`` and verify it.

    Raises
    ------
    WeightsError
        If pip fails (e.g. offline), does not give exactly one wheel, or the wheel's
        SHA-256 differs from ``sha256``.
    """
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "--quiet", "--dest", str(dest), spec]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise WeightsError(f"`{' '.join(cmd)}` failed (is PyPI reachable?):\n{proc.stderr.strip()}")
    wheels = sorted(dest.glob("*.whl"))
    if len(wheels) != 1:
        raise WeightsError(f"pip download {spec} gave {len(wheels)} wheels, expected one")
    actual = file_digest(wheels[0])
    if actual != sha256:
        raise WeightsError(f"{wheels[0].name}: SHA-256 {actual} differs from the pinned {sha256}")
    return wheels[0]


def musicnn_dir(weights_dir: str | os.PathLike | None = None) -> Path:
    """Folder that holds one sub-folder per musicnn model (it may not exist yet)."""
    return default_weights_dir(weights_dir) / MUSICNN_FOLDER


def musicnn_checkpoint(model: str, weights_dir: str | os.PathLike | None = None) -> Path:
    """Checkpoint prefix of one musicnn model (``<folder>/<model>/variables``)."""
    if model not in MUSICNN_MODELS:
        raise ParameterError(f"unknown musicnn model {model!r}; choose one of {', '.join(MUSICNN_MODELS)}")
    return musicnn_dir(weights_dir) / model / CHECKPOINT_PREFIX


def musicnn_weights_present(weights_dir: str | os.PathLike | None = None, model: str | None = None) -> bool:
    """True when the checkpoint files of ``model`` (default: every model) are on disk."""
    models = MUSICNN_MODELS if model is None else (model,)
    return all(musicnn_checkpoint(m, weights_dir).with_name(name).is_file()
               for m in models for name in _MUSICNN_MEMBERS.values())


def fetch_musicnn(weights_dir: str | os.PathLike | None = None) -> Path:
    """Put musicnn 0.1.0's pretrained checkpoints under the weights directory.

    Downloads the pinned wheel with ``pip download`` (needs PyPI once), verifies its
    SHA-256, and extracts per model only the checkpoint (``variables.index``,
    ``variables.data-00000-of-00001``) and its training ``config.json``, plus the ISC
    ``LICENSE.md`` next to them. Does nothing when the files are already present.

    Parameters
    ----------
    weights_dir : path-like, optional
        Weights root (default :func:`mer_core.config.weights_dir`).

    Returns
    -------
    pathlib.Path
        ``<weights_dir>/musicnn-0.1.0``, with one sub-folder per model of
        :data:`MUSICNN_MODELS`.

    Raises
    ------
    WeightsError
        If the download fails or the wheel does not match the pinned checksum.

    Used by: ``make setup`` (through ``mer weights fetch``).
    """
    target = musicnn_dir(weights_dir)
    if musicnn_weights_present(weights_dir):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="musicnn-", dir=target.parent) as tmp:
        wheel = _pip_download(MUSICNN_SPEC, MUSICNN_SHA256, Path(tmp) / "download")
        staging = Path(tmp) / MUSICNN_FOLDER
        with zipfile.ZipFile(wheel) as archive:
            for model in MUSICNN_MODELS:
                (staging / model).mkdir(parents=True)
                for member, name in _MUSICNN_MEMBERS.items():
                    with archive.open(f"musicnn/{model}/{member}") as src, open(staging / model / name, "wb") as dst:
                        shutil.copyfileobj(src, dst)
            with archive.open("musicnn-0.1.0.dist-info/LICENSE.md") as src, open(staging / "LICENSE.md", "wb") as dst:
                shutil.copyfileobj(src, dst)
        # Swap in the complete folder at once, so an interrupted fetch never looks present.
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    return target


AISFX_VERSION = "0.1.2"
AISFX_WHEEL_SHA256 = "bfe219950715af179e9a1653e7117cc1852baef267cd6596c42cad74afe1d194"
"""SHA-256 of ``aisfx-0.1.2-py2.py3-none-any.whl`` as published on PyPI."""
AISFX_CHECKPOINT_SHA256 = "499ea75909c932a2f94c35fa722fa4fabc5bcb7e84917209cc5f7402627b7eb5"
"""SHA-256 of ``aisfx/models/checkpoint.pth`` inside that wheel (also listed in its RECORD)."""
_AISFX_MEMBERS = {
    "aisfx/models/checkpoint.pth": "checkpoint.pth",
    # the package's own model code, used only by the port-equivalence test
    "aisfx/models/cnn2d.py": "cnn2d.py",
    # CC BY 4.0 asks that the licence travel with the weights
    f"aisfx-{AISFX_VERSION}.dist-info/licenses/LICENSE": "LICENSE",
}


def aisfx_dir(weights_dir: str | os.PathLike | None = None) -> Path:
    """Folder of the aiSFX files: ``<weights_dir>/aisfx-0.1.2``."""
    return default_weights_dir(weights_dir) / f"aisfx-{AISFX_VERSION}"


def install_aisfx_wheel(wheel: Path, target: Path, wheel_sha256: str = AISFX_WHEEL_SHA256) -> Path:
    """Check the wheel's SHA-256 and extract the checkpoint (and its companions) into ``target``.

    Raises
    ------
    WeightsError
        If the wheel's or the extracted checkpoint's SHA-256 is not the pinned one.
    """
    digest = file_digest(wheel)
    if digest != wheel_sha256:
        raise WeightsError(f"{wheel.name}: SHA-256 {digest} differs from the pinned {wheel_sha256}")
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as zf:
        for member, name in _AISFX_MEMBERS.items():
            tmp = target / f".{name}.{os.getpid()}.tmp"
            with zf.open(member) as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst)
            os.replace(tmp, target / name)
    checkpoint = target / "checkpoint.pth"
    if file_digest(checkpoint) != AISFX_CHECKPOINT_SHA256:
        raise WeightsError(f"{checkpoint}: checkpoint SHA-256 differs from the pinned one")
    return checkpoint


def fetch_aisfx(weights_dir: str | os.PathLike | None = None) -> Path:
    """Put the aiSFX checkpoint in ``<weights_dir>/aisfx-0.1.2/`` and return that folder.

    Downloads the pinned wheel ``aisfx==0.1.2`` from PyPI with pip (no dependencies, into a
    temporary folder), verifies its SHA-256, and extracts only ``checkpoint.pth``, the model
    source ``cnn2d.py`` (for the port-equivalence test) and the licence (the weights are
    CC BY 4.0, Ma & Lerch). Does nothing when a checkpoint with the pinned SHA-256 is there.

    Used by: ``make setup`` (through ``mer weights fetch``).
    """
    target = aisfx_dir(weights_dir)
    checkpoint = target / "checkpoint.pth"
    if checkpoint.is_file() and all((target / n).is_file() for n in _AISFX_MEMBERS.values()) \
            and file_digest(checkpoint) == AISFX_CHECKPOINT_SHA256:
        return target
    with tempfile.TemporaryDirectory(prefix="aisfx-") as tmp:
        wheel = _pip_download(f"aisfx=={AISFX_VERSION}", AISFX_WHEEL_SHA256, Path(tmp))
        install_aisfx_wheel(wheel, target)
    return target


FETCHERS = {"musicnn": fetch_musicnn, "aisfx": fetch_aisfx}
"""Name -> fetch function, for the command line."""
