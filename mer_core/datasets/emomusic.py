"""1000 Songs for Emotional Analysis of Music (emoMusic; Soleymani et al., 2013): 744 songs after de-duplication.

Published layout, under ``<data_dir>/emoMusic/``::

    annotations/static_annotations.csv        song_id,mean_arousal,std_arousal,mean_valence,std_valence (1-9)
    annotations/songs_info.csv                song_id,file_name,Artist,Song title,start/end of the segment,
                                              Genre,Mediaeval 2013 set (development/evaluation); every
                                              field but the first and last quoted with stray tabs
    annotations/{arousal,valence}_cont_{average,std}.csv
                                              2 Hz dynamic annotations: song_id,sample_15000ms,...,
                                              sample_45000ms (-1..1)
    clips_45seconds/<song_id>.mp3             the 45 s excerpts (any libsndfile format, or MP3/Opus)

The copy here has every annotation but the audio of only 10 of the 744 songs: the loader
returns every annotated song and says which have audio (``has_audio``). Each song is one clip,
so ``group`` is the song id; ``artist`` is there for artist-level splits.

These are the MediaEval 2013 songs of DEAM (:mod:`.deam`, same ids). Koh & Dubnov's quadrant
counts (their Table 1: Q1 305, Q2 87, Q3 241, Q4 111) are those of the per-song means of the
dynamic annotations (:func:`load_dynamic`) with midpoint 0; the static means with midpoint 5 give
Q1 265, Q2 72, Q3 287, Q4 120. :func:`quadrant_mappings` tries 12 candidate mappings against the
paper's counts: only the dynamic means with midpoint 0 reproduce them (the nearest other is 62 away).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ParameterError
from .base import QUADRANTS, DatasetError, audio_files, va_to_quadrant, validate_tracks

DIRNAME = "emoMusic"
STATIC = "annotations/static_annotations.csv"
SONGS_INFO = "annotations/songs_info.csv"
AUDIO_DIR = "clips_45seconds"
SPLITS = ("development", "evaluation")
"""Values of ``split``: the MediaEval 2013 development and evaluation sets (619 and 125 songs)."""

KOH_DUBNOV_COUNTS = {"Q1": 305, "Q2": 87, "Q3": 241, "Q4": 111}
"""Koh & Dubnov's quadrant counts of the 744 songs (their Table 1)."""

_STATIC_COLUMNS = {"song_id": "track_id", "mean_valence": "valence", "mean_arousal": "arousal",
                   "std_valence": "valence_std", "std_arousal": "arousal_std"}
_INFO_COLUMNS = {"song_id": "track_id", "Artist": "artist", "Song title": "title", "Genre": "genre",
                 "Mediaeval 2013 set": "split"}


def _read(root: Path, name: str, columns, *, keep_default_na: bool) -> pd.DataFrame:
    """The published CSV ``root/name`` with the ``columns`` it must have, or a one-line :class:`DatasetError`."""
    if not (root / name).is_file():
        raise DatasetError(f"emoMusic dataset: missing {name} in {root}")
    table = pd.read_csv(root / name, dtype={"song_id": str}, keep_default_na=keep_default_na)
    absent = [c for c in columns if c not in table.columns]
    if absent:
        raise DatasetError(f"emoMusic {name}: missing columns {absent}")
    table["song_id"] = table["song_id"].str.strip()
    return table


def _song_key(song_id: str) -> str:
    """Sort key of a song id: numeric ids in numeric order."""
    return song_id.zfill(12)


def load(root: str | Path) -> pd.DataFrame:
    """Load emoMusic's static annotations and song information as a Tracks table, one row per song.

    Parameters
    ----------
    root : path-like
        The ``emoMusic`` folder.

    Returns
    -------
    pandas.DataFrame
        Sorted by song id: ``track_id`` (the song id, as a string), ``path`` (the audio file, ``""``
        when the song has none), ``dataset`` (``"emomusic"``), ``group`` (the song id),
        ``valence``, ``arousal`` (means over raters of the whole-clip ratings, 1-9 scale, neutral
        at 5), ``valence_std``, ``arousal_std`` (their standard deviations, same units),
        ``split`` (``development`` or ``evaluation``: the MediaEval 2013 sets), ``artist``,
        ``title``, ``genre`` (tabs and spaces around each field stripped) and ``has_audio``
        (a non-empty audio file named ``<song_id>.<ext>`` is in ``clips_45seconds/``). ``attrs``:
        ``"expected"`` (songs annotated) and ``"empty"`` (ids whose audio file has 0 bytes; their
        ``has_audio`` is False).

    Raises
    ------
    DatasetError
        Naming the missing folder or file, a missing column, non-numeric ratings, song ids that
        differ between the two files, or an unknown set name.

    Used by: :func:`mer_core.datasets.status` (``mer data check``), :func:`mer_core.datasets.load_dataset`,
    notebooks/datasets.ipynb, notebooks/quan_dong.ipynb.
    """
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"emoMusic dataset folder not found: {root}")
    # no value is taken for missing: an empty rating is an error, an empty title stays ""
    static = _read(root, STATIC, _STATIC_COLUMNS, keep_default_na=False)
    static = static[list(_STATIC_COLUMNS)].rename(columns=_STATIC_COLUMNS)
    text = [c for c in static.columns[1:] if not pd.api.types.is_numeric_dtype(static[c])]
    if text:
        raise DatasetError(f"emoMusic {STATIC}: non-numeric values in {text}")
    info = _read(root, SONGS_INFO, _INFO_COLUMNS, keep_default_na=False)
    info = info[list(_INFO_COLUMNS)].rename(columns=_INFO_COLUMNS).apply(lambda c: c.str.strip())
    unknown = sorted(set(info["split"]) - set(SPLITS))
    if unknown:
        raise DatasetError(f"emoMusic {SONGS_INFO}: unknown 'Mediaeval 2013 set' values {unknown}")
    differ = sorted(set(static["track_id"]) ^ set(info["track_id"]), key=_song_key)
    if differ:
        raise DatasetError(f"emoMusic: {len(differ)} song ids are in only one of {STATIC} and {SONGS_INFO}, "
                           f"e.g. {differ[:5]}")

    audio = audio_files(root / AUDIO_DIR) if (root / AUDIO_DIR).is_dir() else {}
    empty = sorted((s for s in static["track_id"] if s in audio and audio[s].stat().st_size == 0), key=_song_key)
    has_audio = [s in audio and s not in empty for s in static["track_id"]]
    tracks = static.assign(path=[str(audio[s]) if ok else "" for s, ok in zip(static["track_id"], has_audio)],
                           dataset="emomusic", group=static["track_id"], has_audio=has_audio)
    tracks = tracks.merge(info, on="track_id", how="left", validate="one_to_one")
    columns = ["track_id", "path", "dataset", "group", "valence", "arousal", "valence_std", "arousal_std",
               "split", "artist", "title", "genre", "has_audio"]
    tracks = validate_tracks(tracks[columns].sort_values("track_id", key=lambda ids: ids.map(_song_key),
                                                         ignore_index=True))
    tracks.attrs.update(expected=len(tracks), empty=empty)
    return tracks


_SAMPLE = re.compile(r"sample_(\d+)ms")


def load_dynamic(root: str | Path) -> pd.DataFrame:
    """Load emoMusic's 2 Hz dynamic annotations as a long table, one row per song and time.

    Parameters
    ----------
    root : path-like
        The ``emoMusic`` folder.

    Returns
    -------
    pandas.DataFrame
        Sorted by song and time: ``track_id`` (as in :func:`load`), ``time_s`` (seconds from the
        start of the 45 s clip: 15.0, 15.5, ..., 45.0), ``valence``, ``arousal`` (the mean over
        raters of the continuous ratings, -1..1 scale, neutral at 0, as published) and
        ``valence_std``, ``arousal_std`` (their standard deviations, same units). Empty cells
        (a curve shorter than the file's widest row) give no row.

    Raises
    ------
    DatasetError
        Naming a missing file, a column that is not ``sample_<ms>ms``, non-numeric values, or
        files whose songs or times differ.

    Used by: notebooks/datasets.ipynb, notebooks/quan_dong.ipynb.
    """
    root = Path(root)
    parts = []
    for dimension in ("valence", "arousal"):
        for stat, suffix in (("average", ""), ("std", "_std")):
            name = f"annotations/{dimension}_cont_{stat}.csv"
            wide = _read(root, name, ["song_id"], keep_default_na=True)
            samples = wide.columns.drop("song_id")
            bad = [c for c in samples if not _SAMPLE.fullmatch(c)]
            if bad:
                raise DatasetError(f"emoMusic {name}: unexpected columns {bad[:3]} (want sample_<ms>ms)")
            text = [c for c in samples if not pd.api.types.is_numeric_dtype(wide[c])]
            if text:
                raise DatasetError(f"emoMusic {name}: non-numeric values in {text[:3]}")
            part = wide.melt(id_vars="song_id", var_name="time_s", value_name=dimension + suffix)
            part["time_s"] = [int(_SAMPLE.fullmatch(c).group(1)) / 1000 for c in part["time_s"]]
            parts.append(part.rename(columns={"song_id": "track_id"}).set_index(["track_id", "time_s"]).sort_index())
    if any(not part.index.equals(parts[0].index) for part in parts[1:]):
        raise DatasetError("emoMusic: the four dynamic annotation files differ in songs or times")
    table = pd.concat(parts, axis=1).reset_index().dropna(subset=["valence", "arousal"])
    table = table.sort_values(["track_id", "time_s"], ignore_index=True,
                              key=lambda c: c.map(_song_key) if c.name == "track_id" else c)
    return table[["track_id", "time_s", "valence", "arousal", "valence_std", "arousal_std"]]


MAPPING_COLUMNS = ["source", "midpoint", "midpoint_valence", "midpoint_arousal", "at_midpoint", "n_songs",
                   *QUADRANTS, "distance"]
"""Columns of :func:`quadrant_mappings`."""


def quadrant_mappings(root: str | Path, paper_counts: dict[str, int] | None = None) -> pd.DataFrame:
    """Quadrant counts of every candidate mapping of the annotations, nearest to a paper's counts first.

    A mapping is a source of per-song (valence, arousal), a midpoint per axis and a rule for a
    value equal to the midpoint; each gives quadrants by :func:`~mer_core.datasets.base.va_to_quadrant`
    (Q1 +V+A, Q2 -V+A, Q3 -V-A, Q4 +V-A). On the real data the dynamic means with midpoint 0
    reproduce Koh & Dubnov's Q1 305, Q2 87, Q3 241, Q4 111 exactly (distance 0; no mean is
    exactly 0, so both rules agree); every other mapping is at least 62 away (static means split at
    their medians, valence 5.0 and arousal 4.8); the static means split at 5 give Q1 265, Q2 72,
    Q3 287, Q4 120 (distance 110), or 251, 73, 307, 113 (136) when a 5 counts as negative.

    Parameters
    ----------
    root : path-like
        The ``emoMusic`` folder.
    paper_counts : dict, optional
        Songs per quadrant to compare with, ``{"Q1": n1, ..., "Q4": n4}`` (default
        :data:`KOH_DUBNOV_COUNTS`).

    Returns
    -------
    pandas.DataFrame
        One row per mapping (12), with :data:`MAPPING_COLUMNS`: ``source`` (``"static"``: the
        whole-clip means of :func:`load`, 1-9; ``"dynamic"``: the per-song mean over time of the
        2 Hz curves of :func:`load_dynamic`, -1..1), ``midpoint`` (``"scale"``: the scale's
        middle, 5 static and 0 dynamic; ``"median"`` or ``"mean"`` of each axis over the
        source's songs), ``midpoint_valence`` and ``midpoint_arousal`` (the values used),
        ``at_midpoint`` (a value equal to the midpoint counts as ``"positive"``, as
        :func:`va_to_quadrant` does, or ``"negative"``), ``n_songs``, the counts ``Q1`` .. ``Q4``
        and ``distance``, the L1 distance to ``paper_counts`` (sum of absolute differences).
        Sorted by distance; ties keep the order source, midpoint, rule as listed above.

    Raises
    ------
    ParameterError
        If ``paper_counts`` does not give a count for each of Q1..Q4 (and nothing else).
    DatasetError
        As :func:`load` and :func:`load_dynamic`.

    Used by: notebooks/koh_dubnov.ipynb (the emoMusic row of Table 1).
    """
    paper_counts = dict(KOH_DUBNOV_COUNTS if paper_counts is None else paper_counts)
    if sorted(paper_counts) != list(QUADRANTS):
        raise ParameterError(f"paper_counts must give a count for each of {', '.join(QUADRANTS)}, "
                             f"got keys {sorted(paper_counts)}")
    static = load(root).set_index("track_id")[["valence", "arousal"]]
    dynamic = load_dynamic(root).groupby("track_id", sort=False)[["valence", "arousal"]].mean()
    rows = []
    for source, ratings, scale_midpoint in (("static", static, 5.0), ("dynamic", dynamic, 0.0)):
        midpoints = {"scale": (scale_midpoint, scale_midpoint),
                     "median": tuple(ratings[c].median() for c in ("valence", "arousal")),
                     "mean": tuple(ratings[c].mean() for c in ("valence", "arousal"))}
        for name, (mid_v, mid_a) in midpoints.items():
            # centred on the midpoints (for floats, x - m >= 0 exactly when x >= m); a value at the
            # midpoint goes negative with the threshold at the smallest float above 0
            for rule, threshold in (("positive", 0.0), ("negative", np.nextafter(0.0, 1.0))):
                quadrants = va_to_quadrant(ratings["valence"] - mid_v, ratings["arousal"] - mid_a,
                                           midpoint=threshold)
                counts = pd.Series(quadrants).value_counts().reindex(list(QUADRANTS), fill_value=0)
                rows.append((source, name, float(mid_v), float(mid_a), rule, len(ratings), *counts.astype(int),
                             int(sum(abs(counts[q] - paper_counts[q]) for q in QUADRANTS))))
    table = pd.DataFrame(rows, columns=MAPPING_COLUMNS)
    return table.sort_values("distance", kind="stable", ignore_index=True)
