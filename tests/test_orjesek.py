"""Orjesek et al.'s raw-waveform regressor (mer_core.models.orjesek) and its du.py wiring."""
import numpy as np
import pytest
import torch

from mer_core.errors import ParameterError
from mer_core.models.orjesek import IterativeReconstruction, Maxout, OrjesekNet, OrjesekRegressor, soft_ternary

SR = 2000
STEP = SR // 2


def _tones(n_clips: int, n_steps: int, seed: int = 0):
    """Tones whose loudness changes per 0.5 s step; arousal = the step's amplitude (centred),
    valence = a constant per clip plus noise (not learnable from the audio)."""
    rng = np.random.default_rng(seed)
    t = np.arange(STEP) / SR
    X, Y = [], []
    for _ in range(n_clips):
        amps = rng.uniform(0.05, 1.0, n_steps)
        f0 = rng.uniform(200, 400)
        X.append(np.concatenate([a * np.sin(2 * np.pi * f0 * t) for a in amps]).astype(np.float32))
        Y.append(np.stack([rng.normal(0, 0.3, n_steps), 2 * amps - 1], axis=1))
    return X, np.asarray(Y)


def _small(**kw):
    params = dict(sr=SR, channels=(8, 8, 8), feature_size=8, gru_size=8, epochs=2, batch_size=8, random_state=0,
                  num_threads=1)
    params.update(kw)
    return OrjesekRegressor(**params)


def test_net_shapes_dense_and_ir():
    torch.manual_seed(0)
    for ir in (False, True):
        net = OrjesekNet(2, channels=(4, 4, 4), feature_size=6, gru_size=5, ir=ir).eval()
        out = net(torch.randn(3, 7, STEP))
        assert out.shape == (3, 7, 2)


def test_maxout_takes_the_largest_piece():
    m = Maxout(3, 2, pieces=4)
    x = torch.randn(5, 3)
    full = m.linear(x).view(5, 2, 4)
    assert torch.allclose(m(x), full.max(-1).values)


def test_ir_bounded_and_settles_towards_ternary_values():
    torch.set_num_threads(1)
    torch.manual_seed(0)
    layer = IterativeReconstruction(10, 16, n_iter=3)
    x = torch.randn(200, 10) * 3
    with torch.no_grad():
        zs = layer.iterates(x, n_iter=8)
    distance = [float((z - z.round().clamp(-1, 1)).abs().mean()) for z in zs]
    assert all(float(z.abs().max()) <= 1.0 for z in zs)
    assert distance[-1] < 0.02 < distance[0]
    assert all(b <= a + 1e-6 for a, b in zip(distance[1:], distance[2:]))
    # the staircase itself: fixed points near -1, 0, 1
    r = torch.tensor([-3.0, -0.9, -0.2, 0.0, 0.3, 0.8, 5.0])
    np.testing.assert_allclose(soft_ternary(r, 200.0).numpy(), [-1, -1, 0, 0, 0, 1, 1], atol=1e-3)


def test_fit_predict_shapes_and_determinism():
    X, Y = _tones(12, 4)
    groups = np.repeat(np.arange(6), 2)
    a = _small(ir=True).fit(X, Y, groups=groups)
    pred = a.predict(X)
    assert pred.shape == (12, 4, 2)
    b = _small(ir=True).fit(X, Y, groups=groups)
    np.testing.assert_array_equal(pred, b.predict(X))
    assert a.n_train_ + a.n_val_ == 12 and a.n_val_ >= 1
    # longer waveforms are cropped to the fitted steps
    assert a.predict([np.concatenate([x, x]) for x in X[:2]]).shape == (2, 4, 2)


def test_inner_split_keeps_songs_together():
    from mer_core.models.sequence_regressors import inner_split

    groups = np.repeat(np.arange(6), 2)
    train, val = inner_split(12, groups, 0.15, 3)
    assert not set(groups[train]) & set(groups[val])


def test_bad_inputs_raise():
    X, Y = _tones(4, 3)
    with pytest.raises(ParameterError):
        _small().fit(X, Y[:, :, 0])
    with pytest.raises(ParameterError):
        _small().fit(X[:3], Y)


def test_learns_step_loudness_as_arousal():
    """Arousal = the step's loudness: both variants beat the training mean on unseen clips."""
    from mer_core.evaluation import r2

    X, Y = _tones(48, 6, seed=1)
    Xt, Yt = _tones(16, 6, seed=2)
    for ir in (False, True):
        model = _small(ir=ir, epochs=25, patience=None, validation_fraction=None, lr=3e-3).fit(X, Y)
        pred = model.predict(Xt)
        score = r2(Yt[:, :, 1].ravel(), pred[:, :, 1].ravel())
        assert score > 0.5, (ir, score)


# --- the chapter's wiring (mer_core.experiments.du) -------------------------------------------------


def test_step_targets_average_the_curve_at_the_step_ends():
    import pandas as pd

    from mer_core.experiments import du

    t = np.arange(0, 3.01, 0.5)
    dyn = pd.DataFrame({"track_id": "a", "time_s": t, "valence": t, "arousal": -2 * t})
    Y = du.step_targets(dyn, ["a"], 4)
    np.testing.assert_allclose(Y[0, :, 0], [0.25, 0.75, 1.25, 1.75])
    np.testing.assert_allclose(Y[0, :, 1], [-0.5, -1.5, -2.5, -3.5])
    with pytest.raises(ParameterError, match="ends at"):
        du.step_targets(dyn, ["a"], 7)
    with pytest.raises(ParameterError, match="no dynamic curve"):
        du.step_targets(dyn, ["b"], 2)


@pytest.fixture
def loud_clips(tmp_path):
    """Eight 2 s clips (eight songs, Q1/Q3) whose loudness follows a 2 Hz arousal curve."""
    import pandas as pd
    import soundfile as sf

    sr = 8000
    rows, curves = [], []
    rng = np.random.default_rng(0)
    for k in range(8):
        t_curve = np.arange(0, 2.01, 0.5)
        arousal = rng.uniform(-1, 1, len(t_curve))
        t = np.arange(2 * sr) / sr
        amp = np.interp(t, t_curve, (arousal + 1.2) / 2.2)
        path = tmp_path / f"c{k}.wav"
        sf.write(path, (0.8 * amp * np.sin(2 * np.pi * 330 * t)).astype(np.float32), sr)
        rows.append({"track_id": f"c{k}", "path": str(path), "group": f"song{k}",
                     "quadrant": "Q1" if k % 2 else "Q3", "valence": 0.1, "arousal": float(arousal.mean())})
        curves += [{"track_id": f"c{k}", "time_s": ti, "valence": 0.1, "arousal": a}
                   for ti, a in zip(t_curve, arousal)]
    return pd.DataFrame(rows), pd.DataFrame(curves)


def test_orjesek_run_smoke_records(loud_clips, torch_one_thread):
    from mer_core.evaluation import RECORD_COLUMNS
    from mer_core.experiments import du

    tracks, dynamic = loud_clips
    data = du.orjesek_data(tracks, dynamic, "smoke")
    assert len(data.X) == 8 and data.Y.shape == (8, 4, 2) and data.sr == 8000
    assert data.summary("synthetic")["dataset"] == "synthetic (SIMULATION)"
    assert "SIMULATION" in data.summary("synthetic")["labels"]
    rec = du.orjesek_run(data, "synthetic", "smoke", seed=0)
    assert list(rec.columns) == RECORD_COLUMNS
    assert set(rec["method"]) == set(du.ORJESEK_METHODS) and set(rec["fold"]) == {0, 1}
    assert set(rec["metric"]) == {f"{m}{s}" for m in du.ORJESEK_METRICS for s in ("", "_valence", "_arousal")}
    assert ((rec["n_train"] + rec["n_test"]) == 8).all()
    summary = du.va_summary(rec, du.ORJESEK_METRIC_LABELS, n_test="n_test clips")
    assert summary["data"].tolist() == ["synthetic (SIMULATION)"] * 2
    assert {"R² arousal", "RMSE valence", "r arousal", "n_test clips"} <= set(summary.columns)
    rmse = rec[(rec["method"] == "orjesek_ir") & (rec["metric"] == "rmse_valence")]["value"]
    assert summary.set_index("method").loc["orjesek_ir", "rmse_valence_mean"] == pytest.approx(rmse.mean())
    with pytest.raises(ParameterError):
        du.orjesek_run(data, "synthetic", "smoke", methods=("gru",))


def test_orjesek_emomusic_illustration(loud_clips, tmp_path, torch_one_thread):
    import pandas as pd
    import soundfile as sf

    from mer_core.experiments import du

    tracks, dynamic = loud_clips
    data = du.orjesek_data(tracks, dynamic, "smoke")
    path = tmp_path / "emo.wav"
    sf.write(path, np.sin(np.arange(46 * 4000) / 10).astype(np.float32) * 0.3, 4000)
    emo = pd.DataFrame({"track_id": ["7", "8"], "path": [str(path), str(tmp_path / "missing.wav")],
                        "has_audio": [True, True]})
    times = np.arange(15, 45.01, 0.5)
    emo_dyn = pd.DataFrame({"track_id": 7, "time_s": times, "valence": 0.0, "arousal": times / 100})
    table = du.orjesek_emomusic(data, emo, emo_dyn, "smoke", methods=("orjesek_dense",))
    assert list(table.columns) == du.ORJESEK_ILLUSTRATION_COLUMNS
    assert table["track_id"].tolist() == ["7", "all (pooled)"] and (table["steps"] == 60).all()
    assert len(table.attrs["skipped"]) == 1
    np.testing.assert_allclose(table["mean annotated arousal"].iloc[0], np.mean((times[:-1] + times[1:]) / 200))
