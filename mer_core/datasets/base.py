"""What every dataset module shares: the Tracks table contract and the quadrant mapping."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DatasetError

QUADRANTS = ("Q1", "Q2", "Q3", "Q4")
"""Russell quadrants: Q1 +V+A (happy/excited), Q2 -V+A (angry/tense), Q3 -V-A (sad), Q4 +V-A (calm)."""

REQUIRED_COLUMNS = ("track_id", "path", "dataset", "group")


class PartialDatasetWarning(UserWarning):
    """A dataset loaded without some of its clips (missing or empty audio files); the message counts them."""


def va_to_quadrant(valence, arousal, midpoint: float = 0.0):
    """Map (valence, arousal) to Russell quadrants ``Q1..Q4``.

    Parameters
    ----------
    valence, arousal : float or array-like
        Ratings on one scale whose neutral point is ``midpoint`` (0 for the synthetic
        corpus's [-1, 1] scale; 5 for a 1..9 SAM scale). A value exactly at the midpoint
        counts as positive.

    Returns
    -------
    str or numpy.ndarray of str
    """
    v = np.asarray(valence, dtype=float) >= midpoint
    a = np.asarray(arousal, dtype=float) >= midpoint
    q = np.where(a, np.where(v, "Q1", "Q2"), np.where(v, "Q4", "Q3"))
    return q.item() if q.ndim == 0 else q


def validate_tracks(tracks: pd.DataFrame) -> pd.DataFrame:
    """Check the Tracks contract (required columns, unique ids) and return ``tracks``."""
    missing = [c for c in REQUIRED_COLUMNS if c not in tracks.columns]
    if missing:
        raise DatasetError(f"tracks table lacks columns {missing}")
    dup = tracks["track_id"][tracks["track_id"].duplicated()]
    if len(dup):
        raise DatasetError(f"duplicate track ids: {list(dup[:5])}")
    return tracks
