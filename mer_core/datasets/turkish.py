"""TR-MUSIC: the Turkish Music Emotion dataset (Er & Aydilek, Int. J. Comput. Intell. Syst., 2019; UCI), features only.

Published layout, under ``<data_dir>/turkish_music_emotion/``::

    Acoustic Features.csv    Class, then 50 MIRtoolbox features (_RMSenergy_Mean ... ); every value quoted

400 excerpts of Turkish music (30 s; verbal and non-verbal), 100 per class (``Class``: relax,
happy, sad, angry), one row each, in class blocks (relax, happy, sad, angry). The audio is not
public, so this is a feature table: the loader gives no ``path`` and feature extraction cannot
run on it. No song ids are published, so each excerpt is its own ``group``, except that an
excerpt repeating another one exactly (same class, all 50 features) shares that one's group: on
the real file 12 excerpts are such copies (388 distinct rows, listed in ``attrs["duplicates"]``),
and grouped splits keep each copy on the side of its original (no train/test leak).

This is the TR-MUSIC set of Pandrea et al.'s cross-dataset work (400 clips; their Turkish test
split of 80 clips x 4 segments is their S = 320). They classify every set in Russell's four
quadrants but do not state how TR-MUSIC's classes map to them, and the dataset has no valence or
arousal; this book maps each class to the quadrant of its place on the circumplex
(:data:`QUADRANT_OF_CLASS`): happy +valence +arousal (Q1), angry -valence +arousal (Q2), sad
-valence -arousal (Q3), relax +valence -arousal (Q4).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .base import DatasetError

DIRNAME = "turkish_music_emotion"
FILENAME = "Acoustic Features.csv"
CLASSES = ("happy", "angry", "sad", "relax")
"""The emotion classes (``Class`` column, the ``label``), in quadrant order Q1..Q4."""
QUADRANT_OF_CLASS = {"happy": "Q1", "angry": "Q2", "sad": "Q3", "relax": "Q4"}
"""The Russell quadrant this book gives each class for Pandrea et al.'s cross-dataset work (the
dataset has no valence/arousal, the paper states no mapping): happy +V+A, angry -V+A, sad -V-A, relax +V-A."""
N_EXCERPTS = 400
"""Excerpts in the published file (100 per class)."""
N_FEATURES = 50
"""MIRtoolbox features per excerpt in the published file."""
LABEL_COLUMN = "Class"
FEATURE_PREFIX = "_"
"""Every MIRtoolbox feature column's name starts with it (``_RMSenergy_Mean``, ``_MFCC_Mean_1``, ...)."""
TRACK_COLUMNS = ["track_id", "dataset", "group", "label", "quadrant"]
"""The columns :func:`load` puts before the features."""


def load(root: str | Path) -> pd.DataFrame:
    """Load the TR-MUSIC feature table: one row per excerpt, its class, quadrant and 50 features.

    Parameters
    ----------
    root : path-like
        The ``turkish_music_emotion`` folder (holding ``Acoustic Features.csv``).

    Returns
    -------
    pandas.DataFrame
        In file order: ``track_id`` (``"tr_000"`` .. ``"tr_399"``, the row's position in the file),
        ``dataset`` (``"turkish"``), ``group`` (the ``track_id``, no song ids being published; an
        exact copy of an earlier excerpt gets that excerpt's ``track_id``), ``label`` (the class: happy, angry, sad or relax), ``quadrant``
        (:data:`QUADRANT_OF_CLASS`), then the feature columns as floats, named as in the file
        (surrounding whitespace stripped; :func:`feature_columns`). No ``path``: the audio is not
        public. On the real file: 400 rows, 100 per class, 50 features, all finite.
        ``attrs["duplicates"]``: groups of ``track_id`` whose features and class are identical
        (12 pairs on the real file, e.g. ``("tr_052", "tr_053")``).

    Raises
    ------
    DatasetError
        Naming the missing file; a file that is empty, not CSV, or has no rows; a header without
        the ``Class`` column, with a column whose name does not start with ``_`` (MIRtoolbox
        features), with no feature column or a column twice; and, with its row (from 0, as in
        ``track_id``) and column, an unknown class or a feature value that is not a finite number
        (empty, text, ``nan``, ``inf``).

    Used by: :func:`mer_core.datasets.load_dataset`, :func:`mer_core.datasets.status` (``mer data check``).
    """
    path = Path(root) / FILENAME
    if not path.is_file():
        raise DatasetError(f"TR-MUSIC features not found: {path}")
    try:
        cells = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        reason = " ".join(str(err).split())
        raise DatasetError(f"{FILENAME}: not a readable CSV ({reason})") from None
    names = [str(c).strip() for c in cells.iloc[0]]  # read as a row: pandas would rename a repeated column
    twice = sorted({c for c in names if names.count(c) > 1})
    if twice:
        raise DatasetError(f"{FILENAME}: column(s) {twice} appear twice in the header")
    raw = cells.iloc[1:].reset_index(drop=True).set_axis(names, axis=1)
    if LABEL_COLUMN not in names:
        raise DatasetError(f"{FILENAME}: no {LABEL_COLUMN!r} column; the header starts {names[:5]}")
    features = [c for c in names if c != LABEL_COLUMN]
    odd = [c for c in features if not c.startswith(FEATURE_PREFIX)]
    if odd:
        raise DatasetError(f"{FILENAME}: column {odd[0]!r} is not a MIRtoolbox feature (their names start with "
                           f"{FEATURE_PREFIX!r})")
    if not features:
        raise DatasetError(f"{FILENAME}: no feature columns besides {LABEL_COLUMN!r}")
    if raw.empty:
        raise DatasetError(f"{FILENAME}: no rows below the header")

    labels = raw[LABEL_COLUMN].fillna("").str.strip()
    unknown = ~labels.isin(CLASSES)
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        raise DatasetError(f"{FILENAME}: {_where(i, LABEL_COLUMN)}: unknown class {raw[LABEL_COLUMN].iloc[i]!r} "
                           f"(expected one of {', '.join(CLASSES)})")
    values = raw[features].apply(lambda col: pd.to_numeric(col.str.strip(), errors="coerce")).to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        i, j = np.argwhere(bad)[0]  # row-major: the first bad cell in file order
        raise DatasetError(f"{FILENAME}: {_where(int(i), features[j])}: {raw[features[j]].iloc[i]!r} is not a "
                           "finite number")

    n = len(raw)
    ids = [f"tr_{i:03d}" for i in range(n)]
    table = pd.DataFrame({"track_id": ids, "dataset": "turkish", "group": ids, "label": labels.to_numpy(),
                          "quadrant": labels.map(QUADRANT_OF_CLASS).to_numpy()})
    table = pd.concat([table, pd.DataFrame(values, columns=features)], axis=1)
    same = table[["label", *features]]  # an excerpt repeated: its class and every feature equal
    repeated = table["track_id"][same.duplicated(keep=False)]
    table.attrs["duplicates"] = sorted(tuple(ids) for ids in repeated.groupby([same[c] for c in same]).agg(list))
    for copies in table.attrs["duplicates"]:  # one group per distinct excerpt: copies never straddle a split
        table.loc[table["track_id"].isin(copies), "group"] = copies[0]
    return table


def feature_columns(table: pd.DataFrame) -> list[str]:
    """The feature columns of a :func:`load` table (the MIRtoolbox names, starting with ``_``), in file order.

    Used by: notebooks and experiments that fit on the TR-MUSIC features (``table[feature_columns(table)]``).
    """
    return [c for c in table.columns if isinstance(c, str) and c.startswith(FEATURE_PREFIX)]


def summary(table: pd.DataFrame) -> str:
    """One line for a :func:`load` table: ``"400 excerpts x 50 MIRtoolbox features; audio not public"``.

    Used by: :func:`mer_core.datasets.status` (the ``turkish`` row's ``detail``).
    """
    return f"{len(table)} excerpts x {len(feature_columns(table))} MIRtoolbox features; audio not public"


def _where(row: int, column: str) -> str:
    """Where a cell is, for an error message: ``row 3 (tr_003), column '_Tempo_Mean'`` (rows count from 0)."""
    return f"row {row} (tr_{row:03d}), column {column!r}"
