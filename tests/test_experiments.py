import numpy as np
import pandas as pd

from mer_core.evaluation import RECORD_COLUMNS, summarize
from mer_core.experiments import louro_dl
from mer_core.experiments.features import subset


def _tracks():
    rows = []
    for q in ("Q1", "Q2", "Q3", "Q4"):
        for a in range(4):
            rows += [{"track_id": f"{q}-{a}-{k}", "quadrant": q, "artist": f"{q}-artist{a}"} for k in range(a + 2)]
    return pd.DataFrame(rows)


def test_subset_is_stratified_and_seeded():
    tracks = _tracks()
    small = subset(tracks, 3, seed=1)
    assert small["quadrant"].value_counts().to_dict() == {q: 3 for q in ("Q1", "Q2", "Q3", "Q4")}
    pd.testing.assert_frame_equal(small, subset(tracks, 3, seed=1))
    assert len(subset(tracks, None)) == len(tracks)


def test_smoke_clips_come_in_fours_from_repeated_artists():
    clips = louro_dl.select_clips(_tracks(), "smoke", seed=0)
    n = louro_dl.PROFILES["smoke"]["clips_per_class"]
    assert clips["quadrant"].value_counts().to_dict() == {q: n for q in ("Q1", "Q2", "Q3", "Q4")}
    assert (clips.groupby("artist").size() == 4).all()
    assert len(louro_dl.select_clips(_tracks(), "cpu")) == len(_tracks())


def test_paper_table_lists_every_row_and_the_difference():
    records = pd.DataFrame([("Louro et al.", "DL Baseline", "logmel", "4q", "2x1", "smoke", fold, "f1_macro", v)
                            for fold, v in enumerate([0.5, 0.7])], columns=RECORD_COLUMNS)
    table = louro_dl.paper_table(summarize(records), "smoke")
    assert len(table) == len(louro_dl.ROWS) + 1
    assert table.loc["DL Baseline", "difference (points)"] == round(60.0 - 60.62, 2)
    assert table.loc["CRNN", "ours F1 %"].startswith("not run")
    assert table.loc["OpenL3 -> aisfx embedding + RF", "paper F1 % (Original-4QAED)"] == 55.70
    assert np.isnan(table.loc["Baseline + time shift", "paper F1 % (Original-4QAED)"])
