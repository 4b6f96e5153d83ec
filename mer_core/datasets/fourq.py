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

The quadrants were made from the songs' AllMusic mood tags found in Warriner's norms (the
metadata's ``MoodsFoundStr``). Given those norms (``load(root, norms=...)``), each clip also gets
the mean Warriner valence and arousal of its found moods, a continuous tag-derived label on the
norms' 1-9 scale; :func:`tag_quadrant_agreement` compares its quadrants with the official ones
(on the real dataset, 870 of 900 songs agree).
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from . import warriner
from .base import QUADRANTS, DatasetError, PartialDatasetWarning, audio_files, va_to_quadrant, validate_tracks

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


def load(root: str | Path, *, strict: bool = False, norms: str | Path | pd.DataFrame | None = None) -> pd.DataFrame:
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
    norms : path-like or pandas.DataFrame, optional
        Warriner's norms: their folder or :func:`mer_core.datasets.warriner.load`'s table. When
        given, each clip gets tag-derived ``valence``, ``arousal`` and ``n_moods``. The loader reads
        only ``root``; :func:`mer_core.datasets.load_dataset` (``"4q"``) passes the norms found
        on the data search path.

    Returns
    -------
    pandas.DataFrame
        ``track_id, path, dataset ("4q"), group, quadrant, artist, title, pquad, moods, genres``
        and, when ``source_audio_formats.csv`` is present, ``source_sample_rate,
        source_channels, duration_s``. With ``norms``: ``valence`` and ``arousal``, the mean
        Warriner ratings of the clip's found moods (``MoodsFoundStr``, :func:`.warriner.mood_va`;
        1-9 scale, neutral at 5, NaN for a clip with no mood in the norms; on the real dataset
        valence spans 2.43-8.10 and arousal 2.59-6.73) and ``n_moods``, the number of moods
        averaged. ``attrs`` records what was left out: ``"expected"``
        (number of annotated clips), ``"missing"`` (ids without an audio file) and ``"empty"``
        (ids whose audio file has 0 bytes). A clip whose file exists but does not decode is
        kept (nothing is decoded here): :func:`mer_core.datasets.status` with ``deep=True``
        finds those, and :func:`mer_core.features.extract` reports them as failures. With
        ``norms``, ``attrs["unknown_moods"]`` maps each clip with found moods absent from the norms
        to those moods (empty on the real data), also named in an
        :class:`~.warriner.UnknownMoodWarning`.

    Raises
    ------
    DatasetError
        Naming the missing folder or annotation file, a malformed annotation file, clips whose
        folder disagrees with the annotation, and with ``strict`` the left-out clips and
        unpublished counts; with ``norms``, a metadata file without ``MoodsFoundStr``.

    Used by: :func:`mer_core.datasets.load_dataset`, notebooks/datasets.ipynb, notebooks/features.ipynb,
    notebooks/koh_dubnov.ipynb, notebooks/louro_dl.ipynb, notebooks/quan_dong.ipynb.
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
    needed = ["Song", *_METADATA_COLUMNS] + (["MoodsFoundStr"] if norms is not None else [])
    absent = [c for c in needed if c not in meta.columns]
    if absent:
        raise DatasetError(f"4Q dataset: {METADATA} lacks columns {absent}")

    audio = {}
    for q in QUADRANTS:
        folder = root / q
        if not folder.is_dir():
            raise DatasetError(f"4Q dataset: missing audio folder {folder}")
        audio.update((song, (q, f)) for song, f in audio_files(folder).items())
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
    if norms is not None:
        tracks = _with_tag_va(tracks, root, norms)
    return tracks


def _with_tag_va(tracks: pd.DataFrame, root: Path, norms) -> pd.DataFrame:
    """``tracks`` with the tag-derived ``valence``, ``arousal``, ``n_moods`` and ``attrs["unknown_moods"]``."""
    table = norms if isinstance(norms, pd.DataFrame) else warriner.load(norms)
    # read the moods as written: no mood may be taken for a missing value (Warriner lists "null")
    moods = pd.read_csv(root / METADATA, encoding="latin-1", usecols=["Song", "MoodsFoundStr"], dtype=str,
                        keep_default_na=False).set_index("Song")["MoodsFoundStr"]
    rated = {song: warriner.mood_va(moods.get(song, ""), table) for song in tracks["track_id"]}
    unknown = {song: list(r.unknown) for song, r in rated.items() if r.unknown}
    if unknown:
        words = sorted({w for ws in unknown.values() for w in ws})
        warnings.warn(f"4Q dataset: {len(words)} found moods of {len(unknown)} clips are not in Warriner's norms "
                      f"({', '.join(words[:10])}); those clips' valence/arousal average their other moods "
                      "(listed in tracks.attrs['unknown_moods'])", warriner.UnknownMoodWarning, stacklevel=3)
    attrs = {**tracks.attrs, "unknown_moods": unknown}
    tracks = tracks.assign(valence=[r.valence for r in rated.values()], arousal=[r.arousal for r in rated.values()],
                           n_moods=[r.n_moods for r in rated.values()])
    tracks.attrs = attrs
    return tracks


class QuadrantAgreement(NamedTuple):
    """How often tag-derived quadrants equal the official ones (:func:`tag_quadrant_agreement`)."""

    n_agree: int
    n_compared: int
    """Clips with a tag-derived rating (at least one mood in the norms)."""
    fraction: float
    """``n_agree / n_compared`` (NaN when nothing was compared)."""
    n_unrated: int
    """Clips left out of the comparison: no found mood in the norms."""


def tag_quadrant_agreement(tracks: pd.DataFrame) -> QuadrantAgreement:
    """Agreement of the quadrants of the tag-derived ratings with the official quadrants.

    The tag-derived quadrant is :func:`~mer_core.datasets.base.va_to_quadrant` of ``valence`` and
    ``arousal`` with the norms' midpoint 5 (:data:`.warriner.MIDPOINT`): the sign of (mean - 5) on
    each axis. On the real dataset 870 of 900 clips agree (96.7 %).

    Parameters
    ----------
    tracks : pandas.DataFrame
        :func:`load` with ``norms`` (columns ``quadrant``, ``valence``, ``arousal``).

    Returns
    -------
    QuadrantAgreement
        ``(n_agree, n_compared, fraction, n_unrated)``.

    Raises
    ------
    DatasetError
        If ``tracks`` lacks the tag-derived ratings (loaded without ``norms``).

    Used by: notebooks/datasets.ipynb, notebooks/quan_dong.ipynb.
    """
    absent = [c for c in ("quadrant", "valence", "arousal") if c not in tracks.columns]
    if absent:
        raise DatasetError(f"tracks lack {absent}: load the 4Q dataset with Warriner's norms "
                           "(fourq.load(root, norms=...))")
    rated = tracks.dropna(subset=["valence", "arousal"])
    n_agree = int((va_to_quadrant(rated["valence"], rated["arousal"], midpoint=warriner.MIDPOINT)
                   == rated["quadrant"].to_numpy()).sum())
    return QuadrantAgreement(n_agree, len(rated), n_agree / len(rated) if len(rated) else float("nan"),
                             len(tracks) - len(rated))


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
