"""DEAM, the MediaEval Database for Emotional Analysis in Music (Aljanaki, Yang & Soleymani, 2017): annotations only.

Layout, under ``<data_dir>/DEAM/``::

    annotations/annotations averaged per song/song_level/
        static_annotations_averaged_songs_1_2000.csv      1744 songs (ids 2..2000)
        static_annotations_averaged_songs_2000_2058.csv   58 songs (ids 2001..2058)
    derived/dynamic_annotations_rescaled_0_1.csv          2 Hz annotations of all 1802 songs, long form

The static files are the published ones: CRLF line ends, header fields after the first with a
leading space (``song_id, valence_mean, valence_std, arousal_mean, arousal_std``; the second file
adds per-rater max/min columns, which are not read), ratings on the 1-9 scale. The dynamic file
(``musicId,frameTime,Arousal(mean),Valence(mean)``) was rescaled by a third party from the
published -1..1 to 0..1 as (x + 1) / 2; :func:`load_dynamic` restores x = 2v - 1.

No DEAM audio is here: every song has ``has_audio`` False and an empty ``path``. Each song is
one clip, so ``group`` is the song id.

Songs 2..1000 are the MediaEval 2013 songs, published as emoMusic (:mod:`.emomusic`, same ids).
For those 744 songs the published static file's valence columns hold the arousal ratings and
vice versa: its ``valence_mean`` equals emoMusic's ``mean_arousal`` (to 2 decimals for 738 of 744
songs; correlation 0.9998), and the per-song mean of DEAM's own dynamic arousal correlates 0.96
with that column but 0.57 with ``arousal_mean``; for songs 1001..2058 the columns agree with the
dynamic annotations (0.91 to 0.98). :func:`load` exchanges them back unless ``as_published``.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .base import DatasetError, validate_tracks

DIRNAME = "DEAM"
STATIC_DIR = "annotations/annotations averaged per song/song_level"
STATIC_FILES = ("static_annotations_averaged_songs_1_2000.csv", "static_annotations_averaged_songs_2000_2058.csv")
DYNAMIC = "derived/dynamic_annotations_rescaled_0_1.csv"
SWAPPED_UP_TO = 1000
"""Songs with ids up to this one (MediaEval 2013) have valence and arousal exchanged in the published static file."""

_STATIC_COLUMNS = ("song_id", "valence_mean", "valence_std", "arousal_mean", "arousal_std")
_DYNAMIC_COLUMNS = {"musicId": "track_id", "frameTime": "time_s", "Valence(mean)": "valence",
                    "Arousal(mean)": "arousal"}


def load(root: str | Path, *, as_published: bool = False) -> pd.DataFrame:
    """Load DEAM's static (per-song) annotations as a Tracks table: all 1802 songs, no audio.

    Parameters
    ----------
    root : path-like
        The ``DEAM`` folder.
    as_published : bool
        If False (default), the valence and arousal columns of songs 2..1000 are exchanged back
        (see the module's description of the published file's error); if True, every column is
        read as its header names it, e.g. to reproduce a paper that used the file unchanged.

    Returns
    -------
    pandas.DataFrame
        Sorted by song id: ``track_id`` (the song id, as a string), ``path`` (``""``),
        ``dataset`` (``"deam"``), ``group`` (the song id), ``valence``, ``arousal`` (means over
        raters of the whole-song ratings, 1-9 scale, neutral at 5), ``valence_std``,
        ``arousal_std`` (their standard deviations, same units) and ``has_audio`` (False).
        ``attrs``: ``"expected"`` (songs annotated) and ``"swapped"`` (how many songs had their
        valence and arousal exchanged back: 744 on the published files, 0 with ``as_published``).

    Raises
    ------
    DatasetError
        Naming the missing folder or file, a missing column or non-numeric ratings.

    Used by: :func:`mer_core.datasets.status` (``mer data check``), :func:`mer_core.datasets.load_dataset`,
    notebooks/datasets.ipynb, notebooks/quan_dong.ipynb.
    """
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"DEAM dataset folder not found: {root}")
    parts = []
    for name in STATIC_FILES:
        path = root / STATIC_DIR / name
        if not path.is_file():
            raise DatasetError(f"DEAM dataset: missing {STATIC_DIR}/{name} in {root}")
        part = pd.read_csv(path, skipinitialspace=True, keep_default_na=False).rename(columns=str.strip)
        absent = [c for c in _STATIC_COLUMNS if c not in part.columns]
        if absent:
            raise DatasetError(f"DEAM {name}: missing columns {absent}")
        text = [c for c in _STATIC_COLUMNS if not pd.api.types.is_numeric_dtype(part[c])]
        if text:
            raise DatasetError(f"DEAM {name}: non-numeric values in {text}")
        parts.append(part[list(_STATIC_COLUMNS)])
    static = pd.concat(parts, ignore_index=True).sort_values("song_id", ignore_index=True)
    swap = static["song_id"].le(SWAPPED_UP_TO) & (not as_published)
    valence, arousal = ["valence_mean", "valence_std"], ["arousal_mean", "arousal_std"]
    static.loc[swap, valence + arousal] = static.loc[swap, arousal + valence].to_numpy()
    ids = static["song_id"].astype(str)
    tracks = pd.DataFrame({"track_id": ids, "path": "", "dataset": "deam", "group": ids,
                           "valence": static["valence_mean"], "arousal": static["arousal_mean"],
                           "valence_std": static["valence_std"], "arousal_std": static["arousal_std"],
                           "has_audio": False})
    tracks = validate_tracks(tracks)
    tracks.attrs.update(expected=len(tracks), swapped=int(swap.sum()))
    return tracks


def load_dynamic(root: str | Path) -> pd.DataFrame:
    """Load DEAM's 2 Hz dynamic annotations on their original -1..1 scale, one row per song and time.

    The file here was rescaled to 0..1 as v = (x + 1) / 2 by a third party; this restores
    x = 2v - 1 (exact up to the file's 6 decimals: within 2e-6 of the published values).

    Parameters
    ----------
    root : path-like
        The ``DEAM`` folder.

    Returns
    -------
    pandas.DataFrame
        Sorted by song and time: ``track_id`` (as in :func:`load`), ``time_s`` (seconds from the
        start of the excerpt: 15.0, 15.5, ...; to 44.5 for the 45 s excerpts of songs up to
        2000, longer for the full songs 2001..2058), ``valence``, ``arousal`` (means over raters
        of the continuous ratings, -1..1 scale, neutral at 0). Valence and arousal are not
        exchanged: the dynamic annotations agree with emoMusic's.

    Raises
    ------
    DatasetError
        Naming the missing file, a header other than the rescaled file's, non-numeric values or
        values outside 0..1 (not the rescaled file).

    Used by: notebooks/datasets.ipynb, notebooks/quan_dong.ipynb.
    """
    path = Path(root) / DYNAMIC
    if not path.is_file():
        raise DatasetError(f"DEAM dataset: missing {DYNAMIC} in {root}")
    table = pd.read_csv(path)
    if set(table.columns) != set(_DYNAMIC_COLUMNS):
        raise DatasetError(f"DEAM {DYNAMIC}: expected columns {','.join(_DYNAMIC_COLUMNS)}, got {list(table.columns)}")
    text = [c for c in _DYNAMIC_COLUMNS if not pd.api.types.is_numeric_dtype(table[c])]
    if text:
        raise DatasetError(f"DEAM {DYNAMIC}: non-numeric values in {text}")
    ratings = table[["Valence(mean)", "Arousal(mean)"]]
    if ((ratings < 0) | (ratings > 1)).to_numpy().any():
        raise DatasetError(f"DEAM {DYNAMIC}: ratings outside 0..1, so not the (x + 1) / 2 rescaled file")
    table = table.rename(columns=_DYNAMIC_COLUMNS).sort_values(["track_id", "time_s"], ignore_index=True)
    table[["valence", "arousal"]] = 2 * table[["valence", "arousal"]] - 1
    table["track_id"] = table["track_id"].astype(str)
    return table[["track_id", "time_s", "valence", "arousal"]]
