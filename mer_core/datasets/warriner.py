"""Warriner, Kuperman & Brysbaert (2013): valence, arousal and dominance norms of 13,915 English lemmas.

Published layout, under ``<data_dir>/warriner/``::

    Ratings_Warriner_et_al.csv    an unnamed row-number column, Word, V.Mean.Sum, V.SD.Sum, V.Rat.Sum,
                                  A.Mean.Sum, ..., D.Rat.Sum, then the same per gender, age and
                                  education (65 columns; the JULIELab/XANEW distribution, unchanged)

Every rating is on a 1-9 scale (valence 1 unhappy .. 9 happy; arousal 1 calm .. 9 excited;
dominance 1 controlled .. 9 in control) with its neutral point at 5 (:data:`MIDPOINT`).
Licence CC BY-NC-ND 3.0: cite Warriner et al., Behavior Research Methods 45, 1191-1207 (2013).

The 4Q dataset's quadrants were made from AllMusic mood tags found in this list (the 4Q metadata's
``MoodsFoundStr``), and Deezer's valence/arousal (Quan & Dong's labels) the same way:
:func:`mood_va` turns a song's found moods into its tag-derived (valence, arousal).
"""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from .base import DatasetError

DIRNAME = "warriner"
RATINGS = "Ratings_Warriner_et_al.csv"
MIDPOINT = 5.0
"""Neutral point of the 1-9 scales: the ``midpoint`` for :func:`~mer_core.datasets.base.va_to_quadrant`."""

_COLUMNS = {"V.Mean.Sum": "valence", "A.Mean.Sum": "arousal", "D.Mean.Sum": "dominance",
            "V.SD.Sum": "valence_sd", "A.SD.Sum": "arousal_sd", "D.SD.Sum": "dominance_sd",
            "V.Rat.Sum": "valence_n", "A.Rat.Sum": "arousal_n", "D.Rat.Sum": "dominance_n"}


class UnknownMoodWarning(UserWarning):
    """Moods that are not in Warriner's norms: the tag-derived ratings average the others; the message names them."""


class MoodVA(NamedTuple):
    """Tag-derived rating of one song (:func:`mood_va`)."""

    valence: float
    """Mean Warriner valence of the moods found in the norms (1-9; NaN when none is)."""
    arousal: float
    """Mean Warriner arousal of the moods found in the norms (1-9; NaN when none is)."""
    n_moods: int
    """How many moods were found in the norms (the means' denominator)."""
    unknown: tuple[str, ...]
    """The moods absent from the norms, as written in the mood string."""


def load(root: str | Path) -> pd.DataFrame:
    """Load Warriner's norms, one row per word.

    Words are kept exactly as the file spells them: case-sensitive (the list holds both ``aids``
    and ``AIDS``), multi-word entries with their inner space (``action figure``), and no word is
    read as a missing value (``null`` is a word; the published file spells ``true`` and
    ``false`` as ``TRUE`` and ``FALSE``).

    Parameters
    ----------
    root : path-like
        The ``warriner`` folder.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``word``; ``valence``, ``arousal``, ``dominance`` (means over raters, 1-9 scale,
        neutral at 5), ``valence_sd``, ``arousal_sd``, ``dominance_sd`` (their standard deviations,
        same units) and ``valence_n``, ``arousal_n``, ``dominance_n`` (number of ratings).

    Raises
    ------
    DatasetError
        Naming the missing file, a missing or non-numeric rating column, or duplicated words.

    Used by: :func:`mer_core.datasets.fourq.load` (``norms``), :func:`mer_core.datasets.status`
    (``mer data check``), notebooks/datasets.ipynb, notebooks/quan_dong.ipynb.
    """
    path = Path(root) / RATINGS
    if not path.is_file():
        raise DatasetError(f"Warriner norms not found: {path}")
    table = pd.read_csv(path, usecols=lambda c: c == "Word" or c in _COLUMNS, dtype={"Word": str},
                        keep_default_na=False)
    absent = [c for c in ("Word", *_COLUMNS) if c not in table.columns]
    if absent:
        raise DatasetError(f"{RATINGS}: missing columns {absent}")
    text = [c for c in _COLUMNS if not pd.api.types.is_numeric_dtype(table[c])]
    if text:
        raise DatasetError(f"{RATINGS}: non-numeric values in {text}")
    duplicated = table["Word"][table["Word"].duplicated()]
    if len(duplicated):
        raise DatasetError(f"{RATINGS}: duplicated words {list(duplicated[:5])}")
    return table.rename(columns={"Word": "word", **_COLUMNS}).set_index("word")[list(_COLUMNS.values())]


def split_moods(moods: str) -> list[str]:
    """The moods of a comma-separated mood string, spaces around each removed.

    4Q's ``MoodsFoundStr`` writes them in lower case as ``"calm, peaceful, soothing"``; an empty
    string has no mood. Case and inner spaces are kept (``"action figure"`` stays one entry).

    Used by: :func:`mood_va`.
    """
    return [m.strip() for m in moods.split(",")] if moods.strip() else []


def mood_va(moods: str, norms: pd.DataFrame) -> MoodVA:
    """Tag-derived valence and arousal of one song: the mean Warriner ratings of its moods.

    Parameters
    ----------
    moods : str
        Comma-separated moods (4Q's ``MoodsFoundStr``), split by :func:`split_moods`. Each mood
        is matched exactly, case-sensitively, against the words as the norms spell them (4Q's
        found moods are lower case, as the norms spell every adjective); nothing is folded,
        stemmed or guessed.
    norms : pandas.DataFrame
        :func:`load`'s table.

    Returns
    -------
    MoodVA
        ``(valence, arousal, n_moods, unknown)``: means on the 1-9 scale over the ``n_moods``
        moods found, NaN when none is; ``unknown`` lists the moods absent from the norms (never
        silently dropped: callers report them).

    Used by: :func:`mer_core.datasets.fourq.load` (``norms``).
    """
    words = split_moods(moods)
    found = [w for w in words if w in norms.index]
    rows = norms.index.get_indexer(found)
    valence, arousal = (float(norms[c].to_numpy()[rows].mean()) if found else np.nan for c in ("valence", "arousal"))
    return MoodVA(valence, arousal, len(found), tuple(w for w in words if w not in norms.index))
