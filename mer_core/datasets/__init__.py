"""Dataset loaders: each module exposes ``load(root) -> Tracks`` (see :mod:`.base`).

* :mod:`.synthetic` — the embedded, deterministic synthetic corpus (a simulation);
* :mod:`.fourq` — the real 4Q audio emotion dataset (Panda et al.) and its feature tables;
* :mod:`.warriner` — Warriner's valence/arousal/dominance word norms (4Q's tag-derived ratings);
* :mod:`.emomusic` — emoMusic (1000 Songs, Soleymani et al.): static and 2 Hz annotations, audio of a few songs;
* :mod:`.deam` — DEAM (Aljanaki et al.): static and 2 Hz annotations, no audio;
* :mod:`.ravdess` — RAVDESS song clips (Livingstone & Russo), emotion labels: RAVDESS song, truncated to 2.39 s;
* :mod:`.turkish` — TR-MUSIC (Turkish Music Emotion, Er & Aydilek): 50 MIRtoolbox features per excerpt, no audio;
* :mod:`.tabular` — any CSV of features plus a label column.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import pandas as pd

from ..audio import load_audio
from ..config import locate
from ..errors import AudioError, ParameterError
from ..progress import progress
from .base import QUADRANTS, DatasetError, PartialDatasetWarning, va_to_quadrant, validate_tracks

STATUS_COLUMNS = ["dataset", "state", "n_present", "n_expected", "n_missing", "n_unreadable", "path", "detail"]
"""Columns of :func:`status`."""


def status(data_dir: str | Path | None = None, deep: bool = False) -> pd.DataFrame:
    """Which datasets are on the data search path, and how much of each is usable.

    Parameters
    ----------
    data_dir : path-like, optional
        Data directory or search path (default ``$MER_DATA_DIR``, else ``./data``).
    deep : bool
        Also decode every audio file through :func:`mer_core.audio.load_audio` (with a
        progress bar), counting those that raise :class:`~mer_core.errors.AudioError`
        (undecodable or silent) as unreadable. Without it, only missing and empty (0-byte)
        files are found.

    Returns
    -------
    pandas.DataFrame
        One row per dataset (``synthetic``, ``4q``, ``4q_top100``, ``warriner``, ``emomusic``,
        ``deam``, ``ravdess``, ``turkish``) with :data:`STATUS_COLUMNS`:
        ``state`` is ``ok`` (every expected clip usable), ``partial`` (some clips missing or
        unreadable, the rest usable), ``absent`` or ``invalid`` (not usable: ``detail`` says
        why); ``n_present`` counts the usable clips (rows of ``4q_top100``) out of
        ``n_expected``, ``n_present + n_missing + n_unreadable == n_expected``. ``path`` is
        the dataset's folder; ``detail`` names no machine path (book pages print it).
        ``warriner`` counts words. The annotated datasets ``emomusic`` and ``deam`` count
        annotated songs, usable without audio, and their ``detail`` says how many have audio
        (e.g. "744 songs annotated, audio for 10"); an audio file that is empty (or with
        ``deep`` does not decode) counts as unreadable and makes the dataset ``partial``.
        ``ravdess`` counts the clips of the full song set (1012; the copy here lacks 3, so it is
        ``partial``), and its ``detail`` ends with "RAVDESS song, truncated to 2.39 s".
        ``turkish`` is a feature table (like ``4q_top100``: ``ok`` when it loads) counting excerpts;
        its ``detail`` reads "400 excerpts x 50 MIRtoolbox features; audio not public".

    Used by: ``mer data check``, :func:`mer_core.experiments.common.header` (every notebook's first cell).
    """
    from . import deam, emomusic, fourq, ravdess, synthetic, turkish, warriner

    return pd.DataFrame([_audio_status("synthetic", locate(synthetic.DIRNAME, data_dir), synthetic.load, deep),
                         _audio_status("4q", locate(fourq.DIRNAME, data_dir), fourq.load, deep),
                         _table_status("4q_top100", locate(fourq.FEATURES_DIRNAME, data_dir), fourq.load_top100),
                         _table_status("warriner", locate(warriner.DIRNAME, data_dir), warriner.load, "words"),
                         _annotated_status("emomusic", locate(emomusic.DIRNAME, data_dir), emomusic.load, deep),
                         _annotated_status("deam", locate(deam.DIRNAME, data_dir), deam.load, deep),
                         _audio_status("ravdess", locate(ravdess.DIRNAME, data_dir), ravdess.load, deep,
                                       note=ravdess.DESCRIPTION),
                         _table_status("turkish", locate(turkish.DIRNAME, data_dir), turkish.load,
                                       detail=turkish.summary)],
                        columns=STATUS_COLUMNS)


def _absent(name: str, path: Path) -> tuple:
    return (name, "absent", 0, 0, 0, 0, str(path), "not found on the data search path")


def _invalid(name: str, path: Path, err: DatasetError) -> tuple:
    """An ``invalid`` row whose detail names paths relative to the data directory."""
    detail = str(err).replace(str(path.parent) + os.sep, "").replace(str(path.parent), "the data directory")
    return (name, "invalid", 0, 0, 0, 0, str(path), detail)


def _table_status(name: str, path: Path, loader, unit: str = "rows", detail=None) -> tuple:
    """Status row of a table (features: one row per clip; norms: one per word): ``ok`` when it loads.

    ``detail``, a function of the loaded table, writes the row's ``detail`` (default "<n> <unit>").
    """
    if not path.exists():
        return _absent(name, path)
    try:
        table = loader(path)
    except DatasetError as err:
        return _invalid(name, path, err)
    n_rows = len(table)
    return (name, "ok", n_rows, n_rows, 0, 0, str(path), detail(table) if detail else f"{n_rows} {unit}")


def _audio_status(name: str, path: Path, loader, deep: bool, note: str = "") -> tuple:
    """Status row of an audio dataset: load it leniently, optionally decode every clip.

    ``note`` (e.g. "RAVDESS song, truncated to 2.39 s") ends the ``detail`` of a usable dataset.
    """
    if not path.exists():
        return _absent(name, path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PartialDatasetWarning)  # the row reports what was left out
            tracks = loader(path)
    except DatasetError as err:
        return _invalid(name, path, err)
    missing = list(tracks.attrs.get("missing", []))
    unreadable = list(tracks.attrs.get("empty", []))
    n_expected = int(tracks.attrs.get("expected", len(tracks)))
    if deep:
        for track_id, audio_path in progress(zip(tracks["track_id"], tracks["path"]), total=len(tracks),
                                             desc=f"decoding {name}", unit="clip"):
            try:
                load_audio(audio_path)
            except AudioError:
                unreadable.append(track_id)
    n_present = n_expected - len(missing) - len(unreadable)
    suffix = f"; {note}" if note else ""
    if not missing and not unreadable:
        return (name, "ok", n_present, n_expected, 0, 0, str(path),
                f"{n_present} clips" + (", every one decoded" if deep else "") + suffix)
    state = "partial" if n_present else "invalid"
    lost = [f"{len(ids)} {what} (e.g. {', '.join(map(str, ids[:3]))})"
            for ids, what in ((missing, "missing"), (unreadable, "unreadable")) if ids]
    return (name, state, n_present, n_expected, len(missing), len(unreadable), str(path),
            f"{n_present} of {n_expected} clips usable; " + ", ".join(lost) + (suffix if n_present else ""))


def _annotated_status(name: str, path: Path, loader, deep: bool) -> tuple:
    """Status row of an annotated dataset whose audio may be absent: counts the annotated songs.

    Songs without audio are usable (for their annotations) and only counted in ``detail``; an
    audio file that is empty (``attrs["empty"]``) or, with ``deep``, does not decode is unreadable.
    """
    if not path.exists():
        return _absent(name, path)
    try:
        tracks = loader(path)
    except DatasetError as err:
        return _invalid(name, path, err)
    unreadable = list(tracks.attrs.get("empty", []))
    with_audio = tracks[tracks["has_audio"]]
    n_audio = len(with_audio)
    if deep and n_audio:
        for track_id, audio_path in progress(zip(with_audio["track_id"], with_audio["path"]), total=n_audio,
                                             desc=f"decoding {name}", unit="clip"):
            try:
                load_audio(audio_path)
            except AudioError:
                unreadable.append(track_id)
                n_audio -= 1
    n_expected = len(tracks)
    detail = f"{n_expected} songs annotated, " + (f"audio for {n_audio}" if n_audio else "no audio")
    if not unreadable:
        return (name, "ok", n_expected, n_expected, 0, 0, str(path),
                detail + (", every audio file decoded" if deep and n_audio else ""))
    return (name, "partial", n_expected - len(unreadable), n_expected, 0, len(unreadable), str(path),
            f"{detail}; unreadable audio: {len(unreadable)} (e.g. {', '.join(map(str, unreadable[:3]))})")


def load_dataset(name: str, data_dir: str | Path | None = None) -> pd.DataFrame:
    """Tracks table of a dataset by name from the data search path.

    ``name`` is ``synthetic``, ``4q``, ``emomusic``, ``deam``, ``ravdess`` or ``turkish``.

    A partial 4Q copy loads without its missing clips (:func:`.fourq.load`, with a warning counting
    them); when Warriner's norms are on the same search path, its clips get their tag-derived
    ``valence``, ``arousal`` and ``n_moods`` (:func:`.fourq.load` with ``norms``). ``emomusic``
    and ``deam`` load every annotated song; those without audio have ``has_audio`` False and an
    empty ``path`` (feature extraction reports them as failures). ``ravdess`` loads the song
    clips present (RAVDESS song, truncated to 2.39 s; :func:`.ravdess.load`, with a warning
    counting the missing ones). ``turkish`` is TR-MUSIC's feature table (:func:`.turkish.load`:
    ``label``, ``quadrant`` and 50 feature columns, :func:`.turkish.feature_columns`); it has no
    ``path``, as its audio is not public, so features cannot be extracted from it.

    Used by: ``mer features extract``, ``mer features benchmark``, notebooks/features.ipynb,
    notebooks/quan_dong.ipynb.
    """
    from . import deam, emomusic, fourq, ravdess, synthetic, turkish, warriner

    modules = {"synthetic": synthetic, "4q": fourq, "emomusic": emomusic, "deam": deam, "ravdess": ravdess,
               "turkish": turkish}
    if name not in modules:
        raise ParameterError(f"unknown dataset {name!r}; choose one of {', '.join(modules)}")
    root = locate(modules[name].DIRNAME, data_dir)
    if name == "4q":
        norms = locate(warriner.DIRNAME, data_dir)
        return fourq.load(root, norms=norms if norms.is_dir() else None)
    return modules[name].load(root)


__all__ = ["load_dataset", "QUADRANTS", "DatasetError", "PartialDatasetWarning", "STATUS_COLUMNS", "status",
           "va_to_quadrant", "validate_tracks"]
