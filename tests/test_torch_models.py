"""Tests of the torch networks (nets.py) and the TorchClassifier / autoencoder wrappers."""
from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import cross_val_score

from mer_core.models.nets import NETS, ConvAutoencoder, build_net, count_parameters
from mer_core.models.torch_estimator import TorchClassifier, decode, encode, fit_autoencoder

SMALL = {
    "cnn_baseline": {"channels": (8, 16, 16, 16, 16)},
    "cnn_gru": {"channels": (8, 16, 16, 16, 16), "gru_hidden": 8},
    "crnn": {"channels": (8, 16, 16, 16), "gru_hidden": 8},
    "shortchunk": {"n_channels": 4},
    "samplecnn": {"n_channels": 4},
}
TINY_BASELINE = {"channels": (4, 8, 8, 8, 8)}


pytestmark = pytest.mark.usefixtures("torch_one_thread")


def toy_spectrograms(n_clips: int, seed: int, n_frames: int = 200):
    """Noise log-mels where class "Q1" has loud low bands and class "Q2" loud high bands (dB-like)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(-40.0, 5.0, size=(n_clips, 96, n_frames)).astype(np.float32)
    y = np.array(["Q1", "Q2"] * (n_clips // 2))
    X[y == "Q1", 10:25] += 15.0
    X[y == "Q2", 60:75] += 15.0
    return X, y


class CountingAugment:
    """Picklable augmentation that records the batches it sees and adds small noise."""

    def __init__(self):
        self.calls = 0
        self.shapes = []

    def __call__(self, batch, rng):
        self.calls += 1
        self.shapes.append(batch.shape)
        return batch + rng.normal(0.0, 0.1, size=batch.shape).astype(np.float32)


@pytest.mark.parametrize("name", sorted(NETS))
def test_every_net_forwards_small_inputs(name):
    shape = (729,) if name == "samplecnn" else (96, 200)
    module = build_net(name, 4, shape, **SMALL[name]).eval()
    x = torch.randn(3, *shape)
    with torch.no_grad():
        logits, embedding = module(x), module.embed(x)
    assert logits.shape == (3, 4)
    assert embedding.ndim == 2 and embedding.shape[0] == 3
    assert torch.allclose(module.head(module.dropout(embedding)), logits)


@pytest.mark.parametrize("name, shape, n_params, embed_dim", [
    ("cnn_baseline", (96, 1366), 851_396, 256),
    ("crnn", (96, 1366), 392_580, 32),
    ("shortchunk", (96, 164), 3_663_748, 512),
    ("samplecnn", (59049,), 1_846_276, 512),
])
def test_paper_configurations(name, shape, n_params, embed_dim):
    module = build_net(name, 4, shape).eval()
    assert count_parameters(module) == n_params
    with torch.no_grad():
        x = torch.randn(2, *shape)
        assert module(x).shape == (2, 4)
        assert module.embed(x).shape == (2, embed_dim)
        if name == "cnn_baseline":  # Choi's pooling reduces 96 x 1366 to exactly 1 x 1
            assert module.features(x.unsqueeze(1)).shape == (2, 256, 1, 1)
        if name == "samplecnn":  # 3^10 samples -> exactly one frame
            assert module.features(x.unsqueeze(1)).shape == (2, 512, 1)


def test_crnn_reads_fifteen_steps_as_choi():
    module = build_net("crnn", 4, (96, 1366)).eval()
    x = torch.nn.functional.pad(torch.randn(1, 96, 1366), module.pad)
    assert x.shape[-1] == 1440
    with torch.no_grad():
        assert module.features(x.unsqueeze(1)).shape == (1, 128, 1, 15)


def test_unknown_net_and_bad_shape_raise():
    with pytest.raises(ValueError, match="unknown net"):
        build_net("vgg", 4, (96, 200))
    with pytest.raises(ValueError, match="input_shape"):
        build_net("cnn_baseline", 4, (96,))
    X, y = toy_spectrograms(4, seed=0)
    with pytest.raises(ValueError, match="unknown net"):
        TorchClassifier(net="vgg", epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="one label per clip"):
        TorchClassifier(net_params=TINY_BASELINE, epochs=1).fit(X, y[:3])


def test_learns_separable_problem_and_predicts_labels():
    X, y = toy_spectrograms(24, seed=0)
    X_test, y_test = toy_spectrograms(24, seed=1)
    clf = TorchClassifier(net_params=SMALL["cnn_baseline"], epochs=15, batch_size=8, lr=3e-3,
                          stop_train_acc=None, random_state=0).fit(X, y)
    assert clf.n_epochs_ == 15 and len(clf.history_) == 15
    assert list(clf.classes_) == ["Q1", "Q2"]
    assert clf.score(X_test, y_test) >= 0.9
    assert set(clf.predict(X_test)) <= {"Q1", "Q2"}
    proba = clf.predict_proba(X_test)
    assert proba.shape == (24, 2) and np.allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    assert clf.mean_.shape == (96, 1) and clf.scale_.shape == (96, 1)


def test_stops_once_training_accuracy_reaches_threshold():
    X, y = toy_spectrograms(24, seed=0)
    clf = TorchClassifier(net_params=SMALL["cnn_baseline"], epochs=40, batch_size=8, lr=3e-3,
                          stop_train_acc=0.9, random_state=0).fit(X, y)
    accuracies = [record["train_acc"] for record in clf.history_]
    assert clf.n_epochs_ < 40
    assert accuracies[-1] >= 0.9 and all(acc < 0.9 for acc in accuracies[:-1])


def test_same_seed_gives_identical_probabilities():
    X, y = toy_spectrograms(12, seed=0)
    params = dict(net_params=TINY_BASELINE, epochs=3, batch_size=4, stop_train_acc=None)
    first = TorchClassifier(random_state=7, **params).fit(X, y).predict_proba(X)
    second = TorchClassifier(random_state=7, **params).fit(X, y).predict_proba(X)
    other = TorchClassifier(random_state=8, **params).fit(X, y).predict_proba(X)
    assert np.array_equal(first, second)
    assert not np.array_equal(first, other)


def test_clone_pickle_and_cross_validation():
    X, y = toy_spectrograms(12, seed=0)
    clf = TorchClassifier(net_params=TINY_BASELINE, epochs=2, batch_size=4, random_state=0, augment=CountingAugment())
    fresh = clone(clf)
    assert fresh.get_params()["net_params"] == TINY_BASELINE and not hasattr(fresh, "module_")
    clf.fit(X, y)
    assert not hasattr(clone(clf), "module_")
    restored = pickle.loads(pickle.dumps(clf))
    assert np.array_equal(restored.predict_proba(X), clf.predict_proba(X))
    scores = cross_val_score(TorchClassifier(net_params=TINY_BASELINE, epochs=1, batch_size=4, random_state=0),
                             X, y, cv=2)
    assert scores.shape == (2,)


def test_segment_mode_averages_segments_per_clip():
    X, y = toy_spectrograms(8, seed=0)
    clf = TorchClassifier(net="shortchunk", net_params=SMALL["shortchunk"], epochs=2, batch_size=8,
                          segment_len=64, segment_hop=32, random_state=0).fit(X, y)
    assert clf.input_shape_ == (96, 64)
    proba = clf.predict_proba(X[:3])
    assert proba.shape == (3, 2)
    # 200 frames, 64-frame segments every 32 frames: starts 0, 32, 64, 96, 128
    segments = np.stack([X[0, :, s:s + 64] for s in (0, 32, 64, 96, 128)])
    with torch.no_grad():
        inputs = torch.from_numpy((segments - clf.mean_) / clf.scale_)
        expected = torch.softmax(clf.module_(inputs), dim=1).mean(0).numpy()
    assert np.allclose(proba[0], expected, atol=1e-5)
    # clips of another length are cut the same way; shorter than a segment -> one padded segment
    assert clf.predict_proba(X[:2, :, :50]).shape == (2, 2)


def test_samplecnn_on_waveform_segments():
    rng = np.random.default_rng(0)
    t = np.arange(2187) / 8000
    y = np.array([0, 1] * 6)
    X = np.stack([np.sin(2 * np.pi * (300 if label else 2000) * t) for label in y]).astype(np.float32)
    X += rng.normal(0, 0.05, X.shape).astype(np.float32)
    clf = TorchClassifier(net="samplecnn", net_params=SMALL["samplecnn"], epochs=2, batch_size=12,
                          segment_len=729, random_state=0).fit(X, y)
    assert clf.input_shape_ == (729,) and clf.mean_.shape == (1,)
    assert clf.predict_proba(X).shape == (12, 2)
    with pytest.raises(ValueError, match="fitted on"):
        clf.predict(np.zeros((2, 96, 729), dtype=np.float32))


def test_augment_is_applied_in_fit_only():
    X, y = toy_spectrograms(12, seed=0)
    augment = CountingAugment()
    clf = TorchClassifier(net_params=TINY_BASELINE, epochs=2, batch_size=4, stop_train_acc=None,
                          augment=augment, random_state=0).fit(X, y)
    assert augment.calls == 6 and augment.shapes[0] == (4, 96, 200)
    clf.predict_proba(X)
    assert augment.calls == 6

    def bad_augment(batch, rng):
        return batch[:, :10]

    with pytest.raises(ValueError, match="augment changed"):
        TorchClassifier(net_params=TINY_BASELINE, epochs=1, augment=bad_augment).fit(X, y)


def test_autoencoder_trains_encodes_and_decodes():
    X, _ = toy_spectrograms(8, seed=0, n_frames=120)
    module = fit_autoencoder(X, latent_dim=6, channels=(4, 8), epochs=8, batch_size=4, lr=3e-3, random_state=0)
    assert isinstance(module, ConvAutoencoder)
    losses = [record["loss"] for record in module.history_]
    assert losses[-1] < losses[0]
    Z = encode(module, X)
    assert Z.shape == (8, 6)
    X_hat = decode(module, Z)
    assert X_hat.shape == X.shape
    # decoded spectrograms are back in dB: per-band means match the data, not 0
    assert abs(float(X_hat.mean()) - float(X.mean())) < 3.0
    with pytest.raises(ValueError, match="expects"):
        encode(module, X[:, :, :100])
