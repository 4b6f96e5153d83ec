"""Quan & Dong's experiment: labels, clip selection, the run on generated audio, the paper table."""
from __future__ import annotations

import numpy as np
import pandas as pd
import soundfile as sf

from mer_core.evaluation import summarize
from mer_core.experiments import quan_dong

from conftest import SR, tone


def test_front_end_reproduces_the_papers_1292_frames_of_23_ms():
    mel = quan_dong.mel_extractor(30.0)
    assert (mel.n_mels, mel.n_frames) == (40, 1292)
    assert round(mel.n_fft / mel.sr, 4) == round(1024 / 44100, 4) and mel.hop_length == mel.n_fft


def test_dynamic_curves_are_averaged_to_one_pair_per_clip():
    tracks = pd.DataFrame({"track_id": ["a", "b"], "valence": [9.0, 9.0], "arousal": [9.0, 9.0]})
    dynamic = pd.DataFrame({"track_id": ["a", "a", "b"], "valence": [0.2, 0.4, -1.0], "arousal": [0.0, 1.0, 0.5]})
    out = quan_dong.average_dynamic(tracks, dynamic).set_index("track_id")
    np.testing.assert_allclose(out.loc["a", ["valence", "arousal"]], [0.3, 0.5])
    np.testing.assert_allclose(out.loc["b", ["valence", "arousal"]], [-1.0, 0.5])


def generated_tracks(tmp_path, n_per_quadrant=6):
    rows = []
    for qi, q in enumerate(("Q1", "Q2", "Q3", "Q4")):
        for k in range(n_per_quadrant):
            path = tmp_path / f"{q}_{k}.wav"
            sf.write(path, tone(200 + 150 * qi + 20 * k, 6.0, seed=k), SR)
            rows.append({"track_id": f"{q}_{k}", "path": str(path), "group": f"{q}_{k}", "quadrant": q,
                         "valence": 7.0 if q in ("Q1", "Q4") else 3.0, "arousal": 7.0 if q in ("Q1", "Q2") else 3.0})
    rows[0]["valence"] = np.nan  # an unlabelled clip is left out
    return pd.DataFrame(rows)


def test_smoke_run_scores_every_method_on_the_same_splits(tmp_path, torch_one_thread):
    tracks = quan_dong.select_clips(generated_tracks(tmp_path), "smoke")
    assert len(tracks) == 23 and tracks["valence"].notna().all()
    result = quan_dong.run(tracks, profile="smoke", dataset="generated", duration=6.0, n_jobs=1)
    rec = result.records
    assert set(rec["method"]) == {"Model 1", "Model 2"}
    assert {"r2_valence", "r2_arousal", "mae_valence", "pearson_arousal"} <= set(rec["metric"])
    sizes = rec.groupby("method")[["n_train", "n_test"]].first()
    assert sizes.nunique().max() == 1  # the same split for both networks
    table = quan_dong.paper_table(summarize(rec, ["r2_valence", "r2_arousal"]))
    assert table.loc["Model 2"].iloc[0]["R² valence"] == 0.981  # the paper's row stands first
    assert {"arousal - valence", "splits", "n_test"} <= set(table.columns)


def test_timeline_slides_the_networks_window_over_a_longer_clip(tmp_path, torch_one_thread):
    tracks = quan_dong.select_clips(generated_tracks(tmp_path), "smoke")
    model = quan_dong.fit_model(tracks, profile="smoke", duration=6.0)
    assert model.best_epoch_ is not None  # the epoch was chosen on the held-out songs
    long_clip = tmp_path / "long.wav"
    sf.write(long_clip, tone(330, 10.0), SR)
    line = quan_dong.timeline(model, long_clip)
    width = model.input_shape_[-1]
    n_frames = quan_dong.mel_extractor(10.0).n_frames
    assert len(line) == 1 + (n_frames - width) // quan_dong.TIMELINE_HOP_FRAMES
    assert list(line.columns) == ["time_s", "valence", "arousal"]
    hop_s = quan_dong.TIMELINE_HOP_FRAMES * quan_dong.MEL_N_FFT / quan_dong.MEL_SR
    np.testing.assert_allclose(np.diff(line["time_s"]), hop_s)
    assert line["time_s"].iloc[0] == width / 2 * quan_dong.MEL_N_FFT / quan_dong.MEL_SR
