"""RAVDESS song clips (Livingstone & Russo, PLoS ONE 13(5), e0196391, 2018): RAVDESS song, truncated to 2.39 s.

Published layout, under ``<data_dir>/RAVDESS/``::

    Audio_Song_Actors_01-24/Actor_XX/03-02-EE-II-SS-RR-AA.<ext>

Each file name holds seven two-digit fields: modality (03 audio only), vocal channel (02 song),
emotion (01 neutral, 02 calm, 03 happy, 04 sad, 05 angry, 06 fearful; the song set has no
disgust or surprise), intensity (01 normal, 02 strong; neutral has only normal), statement
(01 "Kids are talking by the door", 02 "Dogs are sitting by the door"), repetition (01, 02) and
actor (01-24; odd actors are male, even female). The full song set has 1012 clips: 23 actors
(actor 18 recorded no songs) x 44 clips (4 neutral, 8 of each other emotion).

The copy here (the only public one reachable: einarhorn/emotion.classification, re-encoded to
mono Ogg/Opus 48 kHz) holds 1009 of the 1012 clips (``03-02-01-01-01-01-24``,
``03-02-02-01-01-02-17`` and ``03-02-03-01-01-01-17`` are missing) and every clip is TRUNCATED to
its first 2.39 s (114,688 samples at 48 kHz), of which about the first second is silence: each
clip has about 1.3 s of singing. Any result on it must say "RAVDESS song, truncated to 2.39 s"
(:data:`DESCRIPTION`).

The unit that must not straddle folds is the actor (``group``, e.g. ``"Actor_01"``): splits
grouped by it are speaker-independent. Licence CC BY-NC-SA 4.0.
"""
from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import soundfile as sf

from .base import DatasetError, PartialDatasetWarning, validate_tracks

DIRNAME = "RAVDESS"
SONG_DIR = "Audio_Song_Actors_01-24"
DESCRIPTION = "RAVDESS song, truncated to 2.39 s"
"""What every result on this copy must say (every clip is cut to its first 2.39 s)."""

EMOTIONS = {1: "neutral", 2: "calm", 3: "happy", 4: "sad", 5: "angry", 6: "fearful"}
"""Emotion codes of the song clips and their names (the ``label``)."""
INTENSITIES = {1: "normal", 2: "strong"}
STATEMENTS = {1: "Kids are talking by the door", 2: "Dogs are sitting by the door"}
"""The sung statements by code (the ``statement`` column holds the code)."""
ACTORS = tuple(a for a in range(1, 25) if a != 18)
"""Actors with song clips: 01-24 but 18."""
N_CLIPS = 1012
"""Song clips in the full RAVDESS song set."""

_NAME = re.compile(r"(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})")
_ACTOR_DIR = re.compile(r"Actor_(\d{2})")
_EXTENSIONS = {"." + ext.lower() for ext in sf.available_formats()} | {".opus", ".oga", ".mp3"}
"""Audio file extensions, as :func:`.base.audio_files` accepts them (every libsndfile format, Opus, MP3)."""


def clip_id(emotion: int, intensity: int, statement: int, repetition: int, actor: int) -> str:
    """File stem of a song clip: ``03-02-EE-II-SS-RR-AA``."""
    return f"03-02-{emotion:02d}-{intensity:02d}-{statement:02d}-{repetition:02d}-{actor:02d}"


def expected_ids() -> list[str]:
    """The 1012 clip ids of the full RAVDESS song set, in the loader's order (by actor, then id)."""
    return [clip_id(e, i, s, r, a) for a in ACTORS for e in EMOTIONS for i in INTENSITIES if e != 1 or i == 1
            for s in STATEMENTS for r in (1, 2)]


def parse_name(path: str | Path) -> dict:
    """The fields of a RAVDESS song clip's file name.

    Parameters
    ----------
    path : path-like
        An audio file ``03-02-EE-II-SS-RR-AA.<ext>``.

    Returns
    -------
    dict
        ``track_id`` (the stem), ``label`` and ``emotion`` (the emotion's name), ``intensity``
        (``"normal"`` or ``"strong"``), ``statement``, ``repetition`` and ``actor`` (ints), ``sex``
        (``"male"`` for odd actors, ``"female"`` for even ones).

    Raises
    ------
    DatasetError
        Naming the file, if its name does not follow the convention, is not a song audio clip
        (modality-channel other than 03-02), or has a field outside the song set (emotion 07/08,
        strong neutral, actor 18 or beyond 24).
    """
    path = Path(path)
    match = _NAME.fullmatch(path.stem)
    if not match:
        raise DatasetError(f"RAVDESS: {path} does not follow the file name convention "
                           "03-02-EE-II-SS-RR-AA (modality-channel-emotion-intensity-statement-repetition-actor)")
    modality, channel, emotion, intensity, statement, repetition, actor = map(int, match.groups())
    if (modality, channel) != (3, 2):
        raise DatasetError(f"RAVDESS: {path} is not a song audio clip (modality-channel "
                           f"{modality:02d}-{channel:02d}, want 03-02)")
    bad = [f"{field} {value:02d}" for field, value, ok in (
        ("emotion", emotion, emotion in EMOTIONS), ("intensity", intensity, intensity in INTENSITIES),
        ("statement", statement, statement in STATEMENTS), ("repetition", repetition, repetition in (1, 2)),
        ("actor", actor, actor in ACTORS)) if not ok]
    if emotion == 1 and intensity == 2:
        bad.append("strong neutral")
    if bad:
        raise DatasetError(f"RAVDESS: {path} is not a clip of the song set ({', '.join(bad)})")
    return {"track_id": path.stem, "label": EMOTIONS[emotion], "emotion": EMOTIONS[emotion],
            "intensity": INTENSITIES[intensity], "statement": statement, "repetition": repetition, "actor": actor,
            "sex": "male" if actor % 2 else "female"}


def load(root: str | Path) -> pd.DataFrame:
    """Load the RAVDESS song clips (RAVDESS song, truncated to 2.39 s) as a Tracks table.

    Parameters
    ----------
    root : path-like
        The ``RAVDESS`` folder (holding ``Audio_Song_Actors_01-24/Actor_XX/``).

    Returns
    -------
    pandas.DataFrame
        One row per clip present, sorted by actor then id: ``track_id`` (the file stem), ``path``,
        ``dataset`` (``"ravdess"``), ``group`` (the actor folder, e.g. ``"Actor_01"``: the
        speaker-independent unit), ``label`` (the emotion's name: neutral, calm, happy, sad,
        angry, fearful), ``emotion`` (the same), ``intensity`` (``normal``/``strong``),
        ``statement`` (1 or 2, :data:`STATEMENTS`), ``repetition`` (1 or 2), ``actor`` (int) and
        ``sex`` (``male`` for odd actors). On the real copy: 1009 clips of 23 actors (neutral 91,
        calm 183, happy 183, sad 184, angry 184, fearful 184). ``attrs``: ``"expected"``
        (1012, the full song set), ``"missing"`` (ids of the set without an audio file),
        ``"empty"`` (ids whose file has 0 bytes, left out) and ``"description"``
        (:data:`DESCRIPTION`). When clips are missing or empty a :class:`PartialDatasetWarning`
        counts them (on the real copy: 3 missing). Nothing is decoded here: every clip is
        truncated to 2.39 s.

    Raises
    ------
    DatasetError
        Naming the missing folder, an entry of ``Audio_Song_Actors_01-24`` that is not an
        ``Actor_XX`` folder, a file that does not follow the convention or is not a song audio
        clip (:func:`parse_name`), a clip in another actor's folder, a clip present twice, or no
        usable clip at all. Hidden files (``.DS_Store``) are ignored.

    Used by: :func:`mer_core.datasets.load_dataset`, :func:`mer_core.datasets.status` (``mer data check``).
    """
    root = Path(root)
    songs = root / SONG_DIR
    if not root.is_dir():
        raise DatasetError(f"RAVDESS dataset folder not found: {root}")
    if not songs.is_dir():
        raise DatasetError(f"RAVDESS dataset: missing {SONG_DIR} folder in {root}")
    rows, paths = [], {}
    for folder in sorted(p for p in songs.iterdir() if not p.name.startswith(".")):
        match = _ACTOR_DIR.fullmatch(folder.name)
        if not folder.is_dir() or not match:
            raise DatasetError(f"RAVDESS: {folder} is not an Actor_XX folder")
        for path in sorted(p for p in folder.iterdir() if not p.name.startswith(".")):
            if path.suffix.lower() not in _EXTENSIONS or not path.is_file():
                raise DatasetError(f"RAVDESS: {path} does not follow the file name convention "
                                   "03-02-EE-II-SS-RR-AA.<audio extension>")
            fields = parse_name(path)
            if fields["actor"] != int(match.group(1)):
                raise DatasetError(f"RAVDESS: {path} is actor {fields['actor']:02d}'s clip in {folder.name}")
            stem = path.stem
            if stem in paths:
                raise DatasetError(f"RAVDESS: clip {stem} is present twice ({paths[stem].name}, {path.name})")
            paths[stem] = path
            rows.append({"track_id": stem, "path": str(path), "dataset": "ravdess", "group": folder.name, **fields})
    expected = expected_ids()
    missing = [i for i in expected if i not in paths]
    empty = [i for i in expected if i in paths and paths[i].stat().st_size == 0]
    if len(empty) == len(rows):
        raise DatasetError(f"RAVDESS dataset: no usable song clip in {songs}")
    if missing or empty:
        lost = "; ".join(f"{len(ids)} {what}, e.g. {', '.join(ids[:5])}"
                         for ids, what in ((missing, "without an audio file"), (empty, "with an empty (0-byte) file"))
                         if ids)
        warnings.warn(f"RAVDESS dataset: {len(missing) + len(empty)} of {len(expected)} song clips have no usable "
                      f"audio file ({lost}); they are left out (listed in tracks.attrs['missing'] and ['empty'])",
                      PartialDatasetWarning, stacklevel=2)
    tracks = pd.DataFrame(rows, columns=["track_id", "path", "dataset", "group", "label", "emotion", "intensity",
                                         "statement", "repetition", "actor", "sex"])
    tracks = tracks[~tracks["track_id"].isin(empty)].sort_values(["actor", "track_id"], ignore_index=True)
    tracks = validate_tracks(tracks)
    tracks.attrs.update(expected=len(expected), missing=missing, empty=empty, description=DESCRIPTION)
    return tracks
