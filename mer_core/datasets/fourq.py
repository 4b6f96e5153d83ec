"""The 4Q audio emotion dataset (Panda, Malheiro & Paiva, IEEE TAFFC 2018/2020).

Published layout, under ``<data_dir>/MER_audio_taffc_dataset/``::

    Q1/ Q2/ Q3/ Q4/                        audio clips named <Song>.<ext> (any libsndfile format)
    panda_dataset_taffc_annotations.csv    Song,Quadrant
    panda_dataset_taffc_metadata.csv       14 columns, Latin-1, every field quoted
    source_audio_formats.csv               optional: Song,Quadrant,source_sample_rate,source_channels,duration_s

and the authors' features under ``<data_dir>/4q_features/top100_features.csv``
(``SongID``, 100 features, ``Quadrant``).

Each clip is one song, so ``group`` is the song id (the papers' stratified CV splits at
the song level); ``artist`` is joined from the metadata for artist-level splits.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import soundfile as sf

from .base import QUADRANTS, DatasetError, PartialDatasetWarning, validate_tracks

DIRNAME = "MER_audio_taffc_dataset"
FEATURES_DIRNAME = "4q_features"
ANNOTATIONS = "panda_dataset_taffc_annotations.csv"
METADATA = "panda_dataset_taffc_metadata.csv"
SOURCE_FORMATS = "source_audio_formats.csv"
TOP100 = "top100_features.csv"
N_CLIPS = 900
N_PER_QUADRANT = 225

_METADATA_COLUMNS = {"Artist": "artist", "Title": "title", "PQuad": "pquad", "MoodsStr": "moods",
                     "GenresStr": "genres"}


def _audio_extensions() -> set[str]:
    return {"." + ext.lower() for ext in sf.available_formats()} | {".opus", ".oga", ".mp3"}


def load(root: str | Path, *, strict: bool = False) -> pd.DataFrame:
    """Load the 4Q dataset as a Tracks table, leaving out annotated clips that have no audio.

    Parameters
    ----------
    root : path-like
        The ``MER_audio_taffc_dataset`` folder.
    strict : bool
        If False (default), annotated clips whose audio file is missing or empty (0 bytes)
        are left out of the table with a :class:`PartialDatasetWarning` giving their count,
        so a partial copy of the dataset is usable (unless no clip is left). If True, such
        clips raise, and so do counts other than the published ones (900 clips, 225 per quadrant).

    Returns
    -------
    pandas.DataFrame
        ``track_id, path, dataset ("4q"), group, quadrant, artist, title, pquad, moods, genres``
        and, when ``source_audio_formats.csv`` is present, ``source_sample_rate,
        source_channels, duration_s``. ``attrs`` records what was left out: ``"expected"``
        (number of annotated clips), ``"missing"`` (ids without an audio file) and ``"empty"``
        (ids whose audio file has 0 bytes). A clip whose file exists but does not decode is
        kept (nothing is decoded here): :func:`mer_core.datasets.status` with ``deep=True``
        finds those, and :func:`mer_core.features.extract` reports them as failures.

    Raises
    ------
    DatasetError
        Naming the missing folder or annotation file, a malformed annotation file, clips whose
        folder disagrees with the annotation, and with ``strict`` the left-out clips and
        unpublished counts.

    Used by: notebooks/datasets.ipynb, notebooks/features.ipynb, notebooks/koh_dubnov.ipynb, notebooks/louro_dl.ipynb.
    """
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"4Q dataset folder not found: {root}")
    for name in (ANNOTATIONS, METADATA):
        if not (root / name).is_file():
            raise DatasetError(f"4Q dataset: missing {name} in {root}")
    ann = pd.read_csv(root / ANNOTATIONS, dtype=str)
    if list(ann.columns) != ["Song", "Quadrant"]:
        raise DatasetError(f"{ANNOTATIONS}: expected columns Song,Quadrant, got {list(ann.columns)}")
    n_expected = len(ann)
    meta = pd.read_csv(root / METADATA, encoding="latin-1", dtype={"Song": str})

    exts = _audio_extensions()
    audio = {}
    for q in QUADRANTS:
        folder = root / q
        if not folder.is_dir():
            raise DatasetError(f"4Q dataset: missing audio folder {folder}")
        for f in sorted(folder.iterdir()):
            if f.suffix.lower() in exts:
                audio[f.stem] = (q, f)
    disagree = [s for s, q in zip(ann["Song"], ann["Quadrant"]) if s in audio and audio[s][0] != q]
    if disagree:
        raise DatasetError(f"4Q dataset: {len(disagree)} clips sit in a folder that disagrees with "
                           f"{ANNOTATIONS}, e.g. {disagree[:5]}")
    missing = sorted(set(ann["Song"]) - set(audio))
    empty = sorted(s for s in set(ann["Song"]) & set(audio) if audio[s][1].stat().st_size == 0)
    if missing or empty:
        message = (f"4Q dataset: {len(missing) + len(empty)} of {n_expected} annotated clips have no usable "
                   f"audio file ({_left_out(missing, empty)})")
        if strict or len(missing) + len(empty) == n_expected:
            raise DatasetError(message)
        warnings.warn(f"{message}; they are left out (listed in tracks.attrs['missing'] and ['empty'])",
                      PartialDatasetWarning, stacklevel=2)
        ann = ann[~ann["Song"].isin(missing + empty)]

    tracks = pd.DataFrame({"track_id": ann["Song"], "path": [str(audio[s][1]) for s in ann["Song"]],
                           "dataset": "4q", "group": ann["Song"], "quadrant": ann["Quadrant"]})
    meta = meta[["Song", *_METADATA_COLUMNS]].rename(columns={"Song": "track_id", **_METADATA_COLUMNS})
    tracks = tracks.merge(meta, on="track_id", how="left", validate="one_to_one")
    if (root / SOURCE_FORMATS).is_file():
        src = pd.read_csv(root / SOURCE_FORMATS, dtype={"Song": str}).drop(columns="Quadrant")
        tracks = tracks.merge(src.rename(columns={"Song": "track_id"}), on="track_id", how="left")
    if strict:
        if len(tracks) != N_CLIPS:
            raise DatasetError(f"4Q dataset: expected {N_CLIPS} clips, found {len(tracks)}")
        counts = tracks["quadrant"].value_counts()
        bad = {q: int(counts.get(q, 0)) for q in QUADRANTS if counts.get(q, 0) != N_PER_QUADRANT}
        if bad:
            raise DatasetError(f"4Q dataset: expected {N_PER_QUADRANT} clips per quadrant, got {bad}")
    tracks = validate_tracks(tracks.sort_values("track_id", ignore_index=True))
    tracks.attrs.update(expected=n_expected, missing=missing, empty=empty)
    return tracks


def _left_out(missing: list[str], empty: list[str]) -> str:
    """``"2 without an audio file, e.g. [...]; 1 empty file, e.g. [...]"`` (ids, never paths)."""
    parts = [f"{len(ids)} {what}, e.g. {', '.join(ids[:5])}"
             for ids, what in ((missing, "without an audio file"), (empty, "with an empty (0-byte) file")) if ids]
    return "; ".join(parts)


def load_top100(features_dir: str | Path) -> pd.DataFrame:
    """Load the authors' top-100 feature table (``SongID``, 100 features, ``Quadrant``).

    Used by: notebooks/louro_dl.ipynb (SVM baseline), notebooks/features.ipynb.
    """
    path = Path(features_dir) / TOP100
    if not path.is_file():
        raise DatasetError(f"4Q top-100 features not found: {path}")
    table = pd.read_csv(path, dtype={"SongID": str})
    for col in ("SongID", "Quadrant"):
        if col not in table.columns:
            raise DatasetError(f"{path}: missing column {col}")
    if table.shape[1] != 102:
        raise DatasetError(f"{path}: expected 102 columns (SongID, 100 features, Quadrant), got {table.shape[1]}")
    return table
