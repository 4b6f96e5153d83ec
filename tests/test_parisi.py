"""Parisi et al.'s full mix against vocals only: REPET-SIM vocals (mer_core.features.vocals) and the du.py wiring."""
import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from mer_core.errors import ParameterError
from mer_core.features import vocals
from mer_core.features.spectral import LogMel
from mer_core.features.vocals import RepetSimLogMel, repet_sim_mask, repet_sim_vocals

SR = 12000


def _song(seconds: float = 12.0, seed: int = 0):
    """A 1 s accompaniment loop repeated, and a 'voice' (a gliding tone that never repeats) from 3 s to 9 s."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(SR * seconds)) / SR
    loop_t = np.arange(SR) / SR
    loop = sum(np.sin(2 * np.pi * f * loop_t) * np.exp(-6 * (loop_t % 0.25)) for f in (110, 220, 330, 550))
    loop = loop + 0.3 * rng.normal(size=SR) * (loop_t % 0.5 < 0.03)
    accompaniment = 0.2 * np.tile(loop, int(np.ceil(seconds)))[:len(t)]
    f0 = 700 + 300 * np.sin(2 * np.pi * 0.13 * t) + 40 * t
    voice = 0.3 * np.sin(2 * np.pi * np.cumsum(f0) / SR) * ((t >= 3) & (t < 9))
    return accompaniment.astype(np.float32), voice.astype(np.float32)


def test_mask_is_soft_and_keeps_the_non_repeating_part():
    accompaniment, voice = _song()
    est = repet_sim_vocals(accompaniment + voice, SR)
    assert est.shape == voice.shape and np.isfinite(est).all()

    def share(x):
        return float(np.dot(est, x) / np.dot(x, x))  # how much of x the estimate keeps

    assert share(voice) > 0.5 > share(accompaniment)
    S = np.abs(np.random.default_rng(0).normal(size=(257, 300))).astype(np.float32)
    mask = repet_sim_mask(S, SR, 256)
    assert mask.shape == S.shape and mask.min() >= 0 and mask.max() <= 1


def test_short_clip_keeps_everything():
    S = np.ones((33, 10), dtype=np.float32)
    assert (repet_sim_mask(S, SR, 256, min_gap_s=2.0) == 1).all()


def test_repet_sim_logmel_is_logmel_when_the_mask_is_one(monkeypatch):
    accompaniment, voice = _song(8.0)
    y = accompaniment + voice
    full = LogMel(duration=8.0)(y, SR)
    monkeypatch.setattr(vocals, "repet_sim_mask", lambda S, *a, **k: np.ones_like(S))
    np.testing.assert_array_equal(RepetSimLogMel(duration=8.0)(y, SR), full)
    monkeypatch.undo()
    masked = RepetSimLogMel(duration=8.0)(y, SR)
    assert masked.shape == full.shape and (masked <= full + 1e-3).all()  # a mask only removes energy
    assert (full - masked).mean() > 1.0  # and here it removes some
    with pytest.raises(ParameterError):
        RepetSimLogMel(margin=0)


@pytest.fixture
def quadrant_clips(tmp_path):
    """20 clips of 3 s (5 per quadrant, one song each) whose loudness and pitch follow the quadrant."""
    rows = []
    t = np.arange(3 * SR) / SR
    for k in range(20):
        q = k % 4
        y = (0.05 + 0.2 * (q < 2)) * np.sin(2 * np.pi * (200 + 150 * q + 5 * k) * t)
        path = tmp_path / f"c{k}.wav"
        sf.write(path, y.astype(np.float32), SR)
        rows.append({"track_id": f"c{k}", "path": str(path), "group": f"song{k}", "quadrant": f"Q{q + 1}"})
    return pd.DataFrame(rows)


def test_parisi_features_and_run_smoke(quadrant_clips, torch_one_thread):
    from mer_core.evaluation import RECORD_COLUMNS
    from mer_core.experiments import du

    data = du.parisi_features(quadrant_clips, "smoke", n_jobs=1)
    assert set(data.X) == set(du.PARISI_INPUTS) and len(data.tracks) == 20
    assert data.X["full_mix"].shape == data.X["vocals_repetsim"].shape == (20, 96, 469)
    assert not np.array_equal(data.X["full_mix"], data.X["vocals_repetsim"])
    res = du.parisi_run(data, "smoke", seed=0)
    rec = res.records
    assert list(rec.columns) == RECORD_COLUMNS
    assert set(rec["method"]) == {"cnn_full_mix", "cnn_vocals_repetsim"} and set(rec["dataset"]) == {"4q"}
    # the same split for both inputs, no song on both sides
    test_rows = res.predictions.groupby("method")["index"].apply(lambda s: tuple(sorted(s)))
    assert test_rows.nunique() == 1
    summary = du.baseline_summary(rec)
    assert len(summary) == 2
    assert du.parisi_verdict(rec) == [f"smoke: 1 split, no paired test of the claim that {du.PARISI_CLAIM}."]
    # five folds: vocals ahead by 0.02 in each; sentences per metric name the corrected test
    folds = pd.concat([rec.assign(fold=f, profile="cpu", value=rec["value"] + np.where(
        rec["method"] == "cnn_vocals_repetsim", 0.02 + 0.01 * f, 0.0)) for f in range(5)])
    lines = du.parisi_verdict(folds)
    assert len(lines) == 2 and lines[0].startswith("cpu, accuracy: vocals (REPET-SIM) minus full mix +0.040 over 5 "
                                                   "shared folds, vocals ahead in 5")
    assert lines[0].endswith("holds here.")
    with pytest.raises(ParameterError):
        du.parisi_run(data, "smoke", inputs=("wave_u_net",))


def test_parisi_features_pool_both_inputs_alike(quadrant_clips, monkeypatch):
    from mer_core.experiments import du

    full = du.parisi_features(quadrant_clips.iloc[:4], "smoke", n_jobs=1)
    monkeypatch.setitem(du.PROFILES["smoke"]["parisi"], "input_pool", (2, 4))
    pooled = du.parisi_features(quadrant_clips.iloc[:4], "smoke", n_jobs=1)
    for name in du.PARISI_INPUTS:
        assert pooled.X[name].shape == (4, 48, 117)  # 96 x 469 in blocks of 2 x 4 (the last frame dropped)
        np.testing.assert_allclose(pooled.X[name][:, 0, 0], full.X[name][:, :2, :4].mean(axis=(1, 2)), rtol=1e-5)
    assert pooled.summary()["log-mel (bands x frames)"] == "48 x 117 (blocks of 2 x 4 averaged)"
    assert full.summary()["log-mel (bands x frames)"] == "96 x 469"
