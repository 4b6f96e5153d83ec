"""Louro et al.'s Artists CNN under song-level and artist-level folds: is its lead over the DL baseline
the recognition of artists that are on both sides of the folds?

The Table 1 rows are cross-validated on song-level folds: each 4Q clip is its own song, so an artist
with several songs can have clips in the training fold and in the test fold, and most 4Q artists
with several clips keep to one quadrant (:func:`mer_core.experiments.louro.artist_quadrants`): an
artist recognised is nearly a quadrant told. The Artists CNN row pre-trains the baseline on the
training fold's artists. :func:`artist_fold_ablation` trains the rows on the song-level folds of the
Table 1 chapter and again on artist-level folds (no artist on both sides), everything else
unchanged; the store fill is ``python -m mer_core.experiments.louro_artists --profile cpu``
(resumable fold by fold).
"""
from __future__ import annotations

import argparse
import os

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..evaluation import CVResult
from ..significance import compare_methods
from .louro import TABLE1_ORIGINAL_4QAED, artist_overlap
from .louro_dl import BUNDLE_ROWS, STORE, LouroData, run_rows
from .louro_resolution import fold_table

ARTIST_ROWS = ("DL Baseline", "Artists CNN")
"""The rows compared by default: the Artists CNN and the baseline network it pre-trains."""

FOLDINGS = ("song-level", "artist-level")
"""How the clips are grouped into folds, in the order the ablation runs them."""


def artist_groups(tracks: pd.DataFrame) -> np.ndarray:
    """Fold group of each clip for artist-level folds: its artist, or its own song when the artist is unknown.

    Used by: :func:`by_artist`.
    """
    for column in ("artist", "group"):
        if column not in tracks.columns:
            raise ParameterError(f"tracks lack the column {column!r}")
    artist = tracks["artist"]
    return np.where(artist.notna(), "artist:" + artist.astype(str), "song:" + tracks["group"].astype(str))


def by_artist(data: LouroData) -> LouroData:
    """The same clips, profile, seed and settings as ``data``, grouped by artist: the folds that
    :func:`mer_core.experiments.louro_dl.run_rows` draws from it keep every artist on one side.

    Used by: :func:`artist_fold_ablation`.
    """
    if data.bundled:
        raise ParameterError("a bundle has no artist-level folds: run the ablation from the audio")
    tracks = data.tracks.assign(group=artist_groups(data.tracks))
    return LouroData(tracks, data.top100, data.profile, data.seed, overrides=dict(data.overrides))


def control_name(data: LouroData) -> str:
    """Row name of the control of :func:`artist_fold_ablation`: the DL baseline trained for as many
    epochs as the Artists CNN fine-tunes (``finetune_epochs``)."""
    epochs = data.settings["finetune_epochs"]
    return f"DL Baseline ({epochs} epoch{'' if epochs == 1 else 's'})"


def artist_fold_ablation(data: LouroData, rows=ARTIST_ROWS, *, control: bool = False,
                         store: str | os.PathLike | None = None,
                         progress: bool = True) -> tuple[CVResult, pd.DataFrame]:
    """Run ``rows`` on ``data``'s song-level folds and on artist-level folds (:func:`by_artist`).

    With ``control``, the DL baseline is also trained for the Artists CNN's ``finetune_epochs`` and no
    more (:func:`control_name`; the paper's 90 % stop still applies): the Artists CNN stops there,
    the DL baseline trains on to the stop, so the control separates the artist pre-training from the
    shorter training.

    Each row and folding is a method of the records, named ``"<row>, <folding> folds"``; the rows of
    one folding share their folds, so they are compared fold by fold (:func:`leads`). The song-level
    folds are those of the Table 1 chapter: with ``store`` its run store
    (:data:`mer_core.experiments.louro_dl.STORE`), they are its stored folds. The artist-level folds
    are kept in the same store under their own keys (:func:`mer_core.experiments.louro_dl.fold_key`
    digests the fold groups).

    Returns the records and predictions (``index``: the clip's position in ``data.tracks`` under
    both foldings) and the timing of each row and folding.

    Used by: notebooks/louro_artists.ipynb, the store fill (``python -m mer_core.experiments.louro_artists``).
    """
    rows = list(rows)
    unknown = [row for row in rows if row not in BUNDLE_ROWS]
    if unknown or not rows:  # the other rows read the top-100 table or other inputs than the log-mel
        raise ParameterError(f"rows {unknown} cannot be run here; choose from {list(BUNDLE_ROWS)}" if unknown
                             else "no rows to run")
    records, predictions, timing = [], [], []
    for folding, run_data in (("song-level", data), ("artist-level", by_artist(data))):
        result, row_timing = run_rows(run_data, rows, store=store, progress=progress)
        if control:
            short = run_data.variant(epochs=run_data.settings["finetune_epochs"])
            control_result, control_timing = run_rows(short, ["DL Baseline"], store=store, progress=progress)
            renamed = {"DL Baseline": control_name(data)}
            result = CVResult(pd.concat([result.records, control_result.records.replace({"method": renamed})],
                                        ignore_index=True),
                              pd.concat([result.predictions, control_result.predictions.replace({"method": renamed})],
                                        ignore_index=True))
            row_timing = pd.concat([row_timing, control_timing.replace({"method": renamed})], ignore_index=True)
        name = {row: f"{row}, {folding} folds" for row in [*rows, control_name(data)]}
        records.append(result.records.assign(method=result.records["method"].map(name)))
        predictions.append(result.predictions.assign(method=result.predictions["method"].map(name)))
        timing.append(row_timing.assign(method=row_timing["method"].map(name), folding=folding))
    return (CVResult(pd.concat(records, ignore_index=True), pd.concat(predictions, ignore_index=True)),
            pd.concat(timing, ignore_index=True))


def artist_fold_table(records: pd.DataFrame, timing: pd.DataFrame, stop: float = 0.9) -> pd.DataFrame:
    """One line per row and folding of :func:`artist_fold_ablation`: macro F1 (mean, sd and each fold's,
    in %), the epochs run and the folds at the ``stop`` training accuracy, the seconds of its
    cross-validation and where it ran, beside the paper's figure of the row.

    Used by: notebooks/louro_artists.ipynb.
    """
    table = fold_table(records, stop=stop)
    table = table.join(timing.set_index("method")[["folding", "cv_s", "machine", "source"]])
    table["paper F1 %"] = [TABLE1_ORIGINAL_4QAED.get(method.rsplit(", ", 1)[0]) for method in table.index]
    return table.rename_axis("method")


def leads(records: pd.DataFrame, row: str = "Artists CNN", over: str = "DL Baseline") -> pd.DataFrame:
    """How far ``row`` leads ``over`` under each folding: the mean macro-F1 difference on their shared
    folds (points), Nadeau & Bengio's corrected paired t-test and the folds ``row`` wins.

    If recognising the artists on both sides of the song-level folds is what makes ``row`` lead,
    the lead shrinks or vanishes on artist-level folds.

    Used by: notebooks/louro_artists.ipynb.
    """
    lines = []
    for folding in FOLDINGS:
        a, b = f"{row}, {folding} folds", f"{over}, {folding} folds"
        if not {a, b} <= set(records["method"]):
            continue
        test = compare_methods(records, a, b, "f1_macro")
        lines.append({"folding": folding, f"{row} minus {over} (points)": round(100 * test.mean_difference, 2),
                      "corrected t": round(test.t, 2), "p": test.p_value, "folds won": f"{test.wins} of {test.folds}"})
    if not lines:
        raise ParameterError(f"no folding holds records of both {row!r} and {over!r}")
    return pd.DataFrame(lines).set_index("folding")


def overlaps(data: LouroData) -> pd.DataFrame:
    """:func:`mer_core.experiments.louro.artist_overlap` of the song-level and the artist-level folds,
    one block per folding (the artist-level folds must have no seen artist).

    Used by: notebooks/louro_artists.ipynb.
    """
    return pd.concat({folding: artist_overlap(run_data.tracks, run_data.splits())
                      for folding, run_data in (("song-level", data), ("artist-level", by_artist(data)))},
                     names=["folding"])


def _main() -> None:
    parser = argparse.ArgumentParser(description="Fill the run store of the artist-level fold ablation of Louro "
                                                 "et al.'s rows (the notebook reads them); resumable fold by fold.")
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--rows", default=",".join(ARTIST_ROWS), help="comma-separated rows of louro_dl.BUNDLE_ROWS")
    parser.add_argument("--threads", type=int, default=2, help="torch threads of each network")
    parser.add_argument("--no-control", action="store_true", help="leave out the DL baseline trained for the "
                                                                   "Artists CNN's fine-tuning epochs")
    args = parser.parse_args()
    import torch

    from .. import runstore
    from ..config import locate
    from ..datasets import fourq
    from ..provenance import code_version, machine
    from .louro_dl import select_clips
    torch.set_num_threads(args.threads)
    print(f"code version {code_version()}, {torch.get_num_threads()} torch threads, {machine()}", flush=True)
    tracks = select_clips(fourq.load(locate(fourq.DIRNAME, args.data_dir)), args.profile, seed=args.seed)
    data = LouroData.prepare(tracks, pd.DataFrame(), args.profile, args.seed)  # these rows read no top-100
    artist_fold_ablation(data, [r.strip() for r in args.rows.split(",") if r.strip()], control=not args.no_control,
                         store=runstore.store_dir(STORE))


if __name__ == "__main__":
    _main()
