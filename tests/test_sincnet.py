"""SincNet (Pandrea et al.'s end-to-end model): sinc filter bank, network shapes, and the
random-chunk estimator on synthetic tones (tiny networks, 8 kHz, few batches)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone

from mer_core.errors import ParameterError
from mer_core.models.sincnet import (AxisLayerNorm, SincConv, SincNet, conv_output_lengths, hz_to_mel,
                                     initial_band_edges, mel_points)
from mer_core.models.sincnet_classifier import SincNetClassifier

torch.set_num_threads(1)

SR = 8000
TINY = {"n_filters": (8, 8), "kernel_sizes": (51, 5), "pool": (3, 3), "dense": (32,)}


def tone(freq: float, seed: int, seconds: float = 1.0) -> np.ndarray:
    """A sine of random phase plus white noise (SNR about 14 dB) at :data:`SR`."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    return (0.5 * np.sin(2 * np.pi * freq * t + rng.uniform(0, 2 * np.pi))
            + 0.1 * rng.standard_normal(len(t))).astype(np.float32)


def tones(n: int, seed: int):
    """``n`` clips alternating 300 Hz ("low") and 2000 Hz ("high"); lengths vary (0.8-1.2 s)."""
    lengths = np.random.default_rng(seed).uniform(0.8, 1.2, n)
    X = [tone(300.0 if i % 2 == 0 else 2000.0, seed * 1000 + i, lengths[i]) for i in range(n)]
    return X, np.array(["low", "high"] * (n // 2))


def tiny(**kw) -> SincNetClassifier:
    params = dict(sr=SR, window_ms=100, shift_ms=50, batch_size=16, batches_per_epoch=4, epochs=6,
                  net_params=TINY, device="cpu", random_state=0)
    params.update(kw)
    return SincNetClassifier(**params)


@pytest.fixture(scope="module")
def fitted():
    X, y = tones(12, seed=1)
    return tiny().fit(X, y)


# ---------------------------------------------------------------------- filter bank
def test_initial_band_edges_are_mel_spaced_and_constrained():
    sr = 16000
    points = mel_points(80, sr)
    assert points[0] == pytest.approx(30.0) and points[-1] == pytest.approx(sr / 2 - 100)
    np.testing.assert_allclose(np.diff(hz_to_mel(points)), np.diff(hz_to_mel(points)).mean(), rtol=1e-9)
    edges = initial_band_edges(80, sr)
    assert edges.shape == (80, 2)
    low, high = edges.T
    np.testing.assert_allclose(low, points[:-1] + 50)          # min_low_hz + |low_hz_|
    np.testing.assert_allclose(high, points[1:] + 100)         # + min_band_hz + |band_hz_|
    assert low.min() >= 50 and high.max() <= sr / 2 and high[-1] == pytest.approx(sr / 2)
    assert (high - low).min() >= 50 and np.all(np.diff(low) > 0)
    np.testing.assert_allclose(SincConv(80, 251, sr).band_edges(), edges, atol=1e-3)


def test_sinc_kernels_are_symmetric_band_passes():
    conv = SincConv(80, 251, 16000)
    kernels = conv.kernels().detach()
    assert kernels.shape == (80, 1, 251)
    assert torch.equal(kernels, kernels.flip(-1))
    np.testing.assert_allclose(kernels[:, 0, 125].numpy(), 1.0, rtol=1e-6)  # normalised by 2 * band
    response = np.abs(np.fft.rfft(kernels[:, 0].numpy(), 16384))
    freqs = np.fft.rfftfreq(16384, 1 / 16000)
    edges = conv.band_edges()
    for i in (0, 10, 40, 70):
        peak = freqs[response[i].argmax()]
        assert edges[i, 0] <= peak <= edges[i, 1], (i, edges[i], peak)
        # far outside the band the response is small
        far = np.abs(freqs - edges[i].mean()) > 1500
        assert response[i][far].max() < 0.05 * response[i].max()
    out = conv(torch.randn(2, 1, 1000))
    assert out.shape == (2, 80, 1000 - 251 + 1)


def test_sinc_conv_refuses_even_kernels():
    with pytest.raises(ParameterError, match="odd"):
        SincConv(8, 50, SR)


def test_axis_layer_norm_is_the_reference_formula():
    norm = AxisLayerNorm((3, 5))
    with torch.no_grad():
        norm.gamma.uniform_(0.5, 2.0)
        norm.beta.uniform_(-1.0, 1.0)
    x = torch.randn(4, 3, 5)
    expected = norm.gamma * (x - x.mean(-1, keepdim=True)) / (x.std(-1, keepdim=True) + 1e-6) + norm.beta
    torch.testing.assert_close(norm(x), expected)


# ---------------------------------------------------------------------- network
def test_output_shapes_200_and_500_ms():
    assert conv_output_lengths(3200, (251, 5, 5), (3, 3, 3)) == [983, 326, 107]
    assert conv_output_lengths(8000, (251, 5, 5), (3, 3, 3)) == [2583, 859, 285]
    net = SincNet(3200, 4).eval()  # the authors' network at 200 ms
    assert net.out_dim == 60 * 107
    assert [m.num_features for m in net.dense if isinstance(m, torch.nn.BatchNorm1d)] == [2048] * 3
    assert all(m.momentum == 0.05 for m in net.dense if isinstance(m, torch.nn.BatchNorm1d))
    x = torch.randn(2, 3200)
    with torch.no_grad():
        assert net.features(x).shape == (2, 6420)
        assert net.embed(x).shape == (2, 2048)
        assert net(x).shape == (2, 4) and net(x[:, None]).shape == (2, 4)
    net500 = SincNet(8000, 4, dense=(16,)).eval()  # 500 ms, small dense stack
    assert net500.out_dim == 60 * 285
    with torch.no_grad():
        assert net500(torch.randn(2, 8000)).shape == (2, 4)
    with pytest.raises(ParameterError, match="too short"):
        SincNet(300, 4)
    with pytest.raises(ParameterError, match=r"\(batch, 3200\)"):
        net(torch.randn(2, 3000))


# ---------------------------------------------------------------------- estimator
def test_learns_two_tones_well_above_chance(fitted):
    X_test, y_test = tones(8, seed=2)
    assert list(fitted.classes_) == ["high", "low"]
    assert len(fitted.history_) == fitted.n_epochs_ == 6 and fitted.best_epoch_ is None
    assert set(fitted.history_[0]) == {"epoch", "loss", "train_acc"}
    assert fitted.window_ == 800 and fitted.shift_ == 400
    proba = fitted.predict_proba(X_test)
    assert proba.shape == (8, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert np.mean(fitted.predict(X_test) == y_test) >= 0.875
    assert fitted.frame_error_rate(X_test, y_test) < 0.3
    frames = fitted.predict_frame_proba(X_test)
    assert [len(f) for f in frames] == [(len(x) - 800) // 400 + 1 for x in X_test]
    np.testing.assert_allclose(proba, [f.mean(axis=0) for f in frames], rtol=1e-5)


def test_log_aggregate_is_the_authors_sum_of_log_posteriors(fitted):
    X_test, _ = tones(6, seed=3)
    frames = fitted.predict_frame_proba(X_test)
    log_model = clone(fitted).set_params(aggregate="log")
    for attr in ("classes_", "module_", "window_", "shift_"):
        setattr(log_model, attr, getattr(fitted, attr))
    summed = np.array([np.log(f).sum(axis=0) for f in frames])
    np.testing.assert_array_equal(log_model.predict_proba(X_test).argmax(1), summed.argmax(1))


def test_band_edges_move_during_training(fitted):
    assert fitted.initial_band_edges_.shape == fitted.band_edges_.shape == (8, 2)
    np.testing.assert_allclose(fitted.initial_band_edges_, initial_band_edges(8, SR), atol=1e-3)
    moved = np.abs(fitted.band_edges_ - fitted.initial_band_edges_)
    # RMSprop moves a parameter by about lr (Hz) per step: small but non-zero
    assert moved.max() > 0 and moved.max() < 1.0


def test_same_seed_same_weights_and_object_array_input():
    X, y = tones(8, seed=4)
    X_obj = np.empty(len(X), dtype=object)
    X_obj[:] = X
    a = tiny(epochs=2).fit(X, y)
    b = tiny(epochs=2).fit(X_obj[np.arange(len(X))], y)  # the harness indexes X with arrays
    c = tiny(epochs=2, random_state=1).fit(X, y)
    for key, value in a.module_.state_dict().items():
        assert torch.equal(value, b.module_.state_dict()[key]), key
    assert not torch.equal(a.module_.sinc.low_hz_, c.module_.sinc.low_hz_)
    assert a.history_ == b.history_
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_validation_keeps_the_best_epoch():
    X, y = tones(8, seed=5)
    X_val, y_val = tones(4, seed=6)
    flipped = np.where(y_val == "low", "high", "low")  # learning makes these worse: an early epoch wins
    model = tiny(epochs=4, validation_every=1).fit(X, y, validation=(X_val, flipped))
    scored = [r for r in model.history_ if "val_clip_error" in r]
    assert len(scored) == 4 and all("val_loss" not in r for r in model.history_)
    best = min(scored, key=lambda r: (r["val_clip_error"], r["val_frame_error"]))
    assert model.best_epoch_ == best["epoch"] < 4
    # validation draws nothing at random: the kept weights are those of a run stopped at the best epoch
    short = tiny(epochs=model.best_epoch_).fit(X, y)
    for key, value in model.module_.state_dict().items():
        assert torch.equal(value, short.module_.state_dict()[key]), key
    sparse = tiny(epochs=3, validation_every=2).fit(X, y, validation=(X_val, y_val))
    assert ["val_clip_error" in r for r in sparse.history_] == [False, True, True]  # every 2nd and the last


def test_bad_inputs_are_parameter_errors():
    X, y = tones(4, seed=7)
    model = tiny(epochs=1)
    with pytest.raises(ParameterError, match=r"X\[2\] has 500 samples"):
        model.fit([X[0], X[1], X[2][:500], X[3]], y)
    bad = [x.copy() for x in X]
    bad[3][10] = np.nan
    with pytest.raises(ParameterError, match=r"X\[3\] contains NaN"):
        model.fit(bad, y)
    with pytest.raises(ParameterError, match="two classes"):
        model.fit(X, ["low"] * 4)
    with pytest.raises(ParameterError, match=r"X\[1\] must be a 1-D"):
        model.fit([X[0], np.stack([X[1], X[1]])], y[:2])
    with pytest.raises(ParameterError, match="one label per clip"):
        model.fit(X, y[:3])
    with pytest.raises(ParameterError, match="do not occur"):
        model.fit(X, y, validation=(X[:1], ["mid"]))
    for params, message in [({"batch_size": 1}, "batch_size"), ({"gain_range": (1.2, 0.8)}, "gain_range"),
                            ({"aggregate": "median"}, "aggregate"), ({"net_params": {"sr": 16000}}, "net_params"),
                            ({"net_params": {**TINY, "kernel_sizes": (50, 5)}}, "odd"),
                            ({"window_ms": 0}, "window_ms")]:
        with pytest.raises(ParameterError, match=message):
            tiny(**params).fit(X, y)
    fitted = tiny(epochs=1, batches_per_epoch=1).fit(X, y)
    with pytest.raises(ParameterError, match=r"X\[0\] has 100 samples"):
        fitted.predict([X[0][:100]])


def test_pretrained_weights_start_the_training_and_mismatches_are_refused(fitted):
    X, y = tones(8, seed=5)
    # zero epochs is refused, so compare the starting point: a fine-tuned model's initial edges
    # are the pretrained model's learned ones, not the mel initialisation
    tuned = tiny(epochs=1, random_state=3).fit(X, y, pretrained=fitted)
    np.testing.assert_allclose(tuned.initial_band_edges_, fitted.band_edges_, rtol=1e-6)
    fresh = tiny(epochs=1, random_state=3).fit(X, y)
    assert not np.allclose(fresh.initial_band_edges_, fitted.band_edges_)
    with pytest.raises(ParameterError, match="classes"):
        tiny(epochs=1).fit(X, np.where(y == "low", "calm", "high"), pretrained=fitted)
    with pytest.raises(ParameterError, match="window"):
        tiny(epochs=1, window_ms=80).fit(X, y, pretrained=fitted)
    with pytest.raises(Exception):
        tiny(epochs=1).fit(X, y, pretrained=tiny())   # not fitted
