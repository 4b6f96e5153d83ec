"""What every dataset module shares: the Tracks table contract and the quadrant mapping."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf

from ..errors import DatasetError, ParameterError

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
        Ratings on one scale whose neutral point is ``midpoint``. A value exactly at the
        midpoint counts as positive.
    midpoint : float
        The scale's neutral point: 0 for the -1..1 scales (the synthetic corpus, the 2 Hz
        dynamic annotations of emoMusic and DEAM); 5 for the 1-9 scales (Warriner's norms and
        the 4Q tag-derived ratings, the SAM static annotations of emoMusic and DEAM).

    Returns
    -------
    str or numpy.ndarray of str

    Raises
    ------
    ParameterError
        If a rating is NaN (it has no quadrant).
    """
    valence, arousal = np.asarray(valence, dtype=float), np.asarray(arousal, dtype=float)
    if np.isnan(valence).any() or np.isnan(arousal).any():
        raise ParameterError("va_to_quadrant: NaN valence or arousal has no quadrant; drop unrated clips first")
    v = valence >= midpoint
    a = arousal >= midpoint
    q = np.where(a, np.where(v, "Q1", "Q2"), np.where(v, "Q4", "Q3"))
    return q.item() if q.ndim == 0 else q


def audio_files(folder: Path) -> dict[str, Path]:
    """Audio files directly in ``folder`` by stem, for every extension libsndfile decodes (plus Opus and MP3)."""
    extensions = {"." + ext.lower() for ext in sf.available_formats()} | {".opus", ".oga", ".mp3"}
    return {f.stem: f for f in sorted(folder.iterdir()) if f.suffix.lower() in extensions}


def validate_tracks(tracks: pd.DataFrame) -> pd.DataFrame:
    """Check the Tracks contract (required columns, unique ids) and return ``tracks``."""
    missing = [c for c in REQUIRED_COLUMNS if c not in tracks.columns]
    if missing:
        raise DatasetError(f"tracks table lacks columns {missing}")
    dup = tracks["track_id"][tracks["track_id"].duplicated()]
    if len(dup):
        raise DatasetError(f"duplicate track ids: {list(dup[:5])}")
    return tracks
