"""Tests of Louro et al.'s augmentations: audio copies, batch augmentations, copy-aware CV, DeepSMOTE."""
from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from mer_core.evaluation import make_splits
from mer_core.features.augmented import AUGMENTATIONS, AugmentedLogMel, augment_audio
from mer_core.features.base import cache_key, extract
from mer_core.features.spectral import LogMel
from mer_core.models import augment
from mer_core.models.augment import (DeepSMOTEClassifier, RandomGain, TimeFrequencyMasking, WithAugmentedCopies,
                                     stack_copies)
from mer_core.models.torch_estimator import TorchClassifier

SR = 12000
QUADRANTS = np.array(["Q1", "Q2", "Q3", "Q4"])


pytestmark = pytest.mark.usefixtures("torch_one_thread")


def music_like(seconds: float = 1.0, sr: int = SR, seed: int = 0) -> np.ndarray:
    """Two decaying notes and a little noise: broadband, with onsets, so every augmentation shows."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    notes = sum(np.sin(2 * np.pi * f * t) * np.exp(-3 * ((t - s) % 0.5)) for f, s in ((330.0, 0.0), (1250.0, 0.25)))
    return (0.3 * notes + 0.02 * rng.standard_normal(len(t))).astype(np.float32)


def marked_spectrograms(n_clips: int = 16, n_copies: int = 1, shape=(96, 20)):
    """``(n_clips, n_copies, *shape)`` where every value of copy k of clip i is ``100 * i + k``."""
    marks = 100.0 * np.arange(n_clips)[:, None] + np.arange(n_copies)[None, :]
    X = np.broadcast_to(marks[:, :, None, None], (n_clips, n_copies) + shape).astype(np.float32)
    return X, QUADRANTS[np.arange(n_clips) % 4]


class SpyClassifier(ClassifierMixin, BaseEstimator):
    """Records what it was fitted on; predicts the class of the training row with the nearest mean."""

    def fit(self, X, y):
        self.X_seen_, self.y_seen_ = np.array(X), np.array(y)
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        X = np.asarray(X)
        means = self.X_seen_.reshape(len(self.X_seen_), -1).mean(1)
        queries = X.reshape(len(X), -1).mean(1)
        return self.y_seen_[np.abs(queries[:, None] - means[None, :]).argmin(1)]


# ---------------------------------------------------------------------------- audio copies
@pytest.mark.parametrize("name", sorted(AUGMENTATIONS))
def test_audio_augmentation_changes_signal_deterministically(name):
    sr = AugmentedLogMel(name).sr
    y = music_like(sr=sr)
    state = random.getstate(), np.random.get_state()[1].copy()
    out = augment_audio(y, sr, name, seed=0, copy=1)
    assert random.getstate() == state[0] and np.array_equal(np.random.get_state()[1], state[1])
    assert out.shape == y.shape and out.dtype == np.float32 and np.all(np.isfinite(out))
    assert np.abs(out - y).max() > 1e-3
    assert np.array_equal(out, augment_audio(y, sr, name, seed=0, copy=1))
    assert not np.allclose(out, augment_audio(y, sr, name, seed=0, copy=2))
    assert not np.allclose(out, augment_audio(y, sr, name, seed=1, copy=1))
    # the draw depends on the audio: another clip gets other parameters
    other = music_like(sr=sr, seed=1)
    assert not np.allclose(augment_audio(other, sr, name) - other, out - y, atol=1e-4)


def test_augment_audio_rejects_bad_input():
    with pytest.raises(ValueError, match="unknown augmentation"):
        augment_audio(music_like(), SR, "reverb")
    with pytest.raises(ValueError, match="mono"):
        augment_audio(np.zeros((2, 100), np.float32), SR, "pitch_shift")
    with pytest.raises(ValueError, match="at least 24000 Hz"):
        augment_audio(music_like(), SR, "seven_band_eq")  # its top band lies above 6 kHz


@pytest.mark.parametrize("name", sorted(AUGMENTATIONS))
def test_augmented_logmel_matches_logmel_shape(name):
    reference = LogMel(duration=1.0)
    extractor = AugmentedLogMel(name, copy=1, duration=1.0)
    y = music_like(sr=extractor.sr)
    out = extractor(y, extractor.sr)
    assert out.shape == reference(music_like(), SR).shape == (96, reference.n_frames)
    assert extractor.n_frames == reference.n_frames and np.all(np.isfinite(out))
    assert extractor.sr == (24000 if name == "seven_band_eq" else SR)


def test_augmented_logmel_validates_arguments():
    with pytest.raises(ValueError, match="unknown augmentation"):
        AugmentedLogMel("reverb")
    with pytest.raises(ValueError, match="copy must be"):
        AugmentedLogMel("pitch_shift", copy=0)
    with pytest.raises(ValueError, match="positive"):
        AugmentedLogMel("pitch_shift", n_mels=0)


def test_cache_keys_differ_between_augmentations_copies_and_seeds():
    extractors = [LogMel()] + [AugmentedLogMel(name, copy=k, seed=s)
                               for name in AUGMENTATIONS for k in (1, 2) for s in (0, 1)]
    keys = {cache_key("digest", e) for e in extractors}
    assert len(keys) == len(extractors)
    assert cache_key("digest", AugmentedLogMel("time_shift")) == cache_key("digest", AugmentedLogMel("time_shift"))


def test_extract_caches_deterministic_copies(tmp_path, wav):
    tracks = pd.DataFrame({"track_id": ["a", "b"],
                           "path": [str(wav("a.wav", freq=330.0)), str(wav("b.wav", freq=550.0))]})
    extractor = AugmentedLogMel("pitch_shift", copy=1, duration=1.0)
    first = extract(tracks, extractor, cache_dir=tmp_path / "cache", n_jobs=1, progress=False)
    cached = sorted((tmp_path / "cache" / extractor.name).glob("*.npy"))
    assert first.X.shape == (2, 96, extractor.n_frames) and len(cached) == 2
    again = extract(tracks, extractor, cache_dir=tmp_path / "cache", n_jobs=1, progress=False)
    fresh = extract(tracks, extractor, cache=False, n_jobs=1, progress=False)
    assert np.array_equal(first.X, again.X) and np.array_equal(first.X, fresh.X)
    original = extract(tracks, LogMel(duration=1.0), cache=False, n_jobs=1, progress=False)
    assert not np.allclose(first.X, original.X)


# ---------------------------------------------------------------------------- batch augmentations
def test_time_frequency_masking_masks_whole_bands_and_frames():
    batch = np.random.default_rng(0).normal(-40.0, 10.0, size=(6, 96, 120)).astype(np.float32)
    before = batch.copy()
    out = TimeFrequencyMasking(n_time_masks=0, n_freq_masks=1, max_freq=10)(batch, np.random.default_rng(1))
    assert out.shape == batch.shape and np.array_equal(batch, before)
    for clip, masked_clip in zip(batch, out):
        changed = masked_clip != clip
        rows = np.flatnonzero(changed.any(axis=1))
        assert len(rows) <= 10 and changed[rows].all()  # whole bands, at most max_freq of them
        if len(rows):
            assert np.array_equal(rows, np.arange(rows[0], rows[-1] + 1))
            assert np.allclose(masked_clip[rows], clip.mean())
    out = TimeFrequencyMasking(n_time_masks=2, max_time=15, n_freq_masks=0)(batch, np.random.default_rng(1))
    columns_changed = (out != batch).any(axis=1)
    assert columns_changed.any() and columns_changed.sum(axis=1).max() <= 30
    assert np.array_equal((out != batch).all(axis=1), columns_changed)  # whole frames
    same = TimeFrequencyMasking()(batch, np.random.default_rng(3))
    assert np.array_equal(same, TimeFrequencyMasking()(batch, np.random.default_rng(3)))


def test_batch_augmentations_reject_waveforms_and_bad_settings():
    with pytest.raises(ValueError, match="spectrograms"):
        TimeFrequencyMasking()(np.zeros((2, 1000), np.float32), np.random.default_rng(0))
    with pytest.raises(ValueError, match="non-negative"):
        TimeFrequencyMasking(max_time=-1)
    with pytest.raises(ValueError, match="min_gain_db"):
        RandomGain(min_gain_db=3.0, max_gain_db=1.0)


def test_random_gain_adds_one_level_per_clip_and_keeps_the_floor():
    batch = np.random.default_rng(0).uniform(-60.0, 0.0, size=(8, 96, 50)).astype(np.float32)
    batch[:, :, :5] = -100.0  # zero padding
    out = RandomGain(min_gain_db=-6.0, max_gain_db=6.0)(batch, np.random.default_rng(0))
    offsets = (out - batch)[:, :, 5:]
    assert np.allclose(offsets, offsets[:, :1, :1], atol=1e-4)  # one level per clip
    assert np.all(np.abs(offsets) <= 6.0) and np.ptp(offsets[:, 0, 0]) > 1.0
    assert np.all(out[:, :, :5] == -100.0) and out.min() >= -100.0


class RecordingMasking(TimeFrequencyMasking):
    """TimeFrequencyMasking that counts its calls (a stand-in spy for the TorchClassifier hook)."""

    calls: list = []

    def __call__(self, batch, rng):
        out = super().__call__(batch, rng)
        RecordingMasking.calls.append((batch.shape, out.shape))
        return out


def test_masking_runs_on_training_batches_only():
    X = np.random.default_rng(0).normal(-40.0, 5.0, size=(8, 96, 200)).astype(np.float32)
    y = np.array(["Q1", "Q2"] * 4)
    RecordingMasking.calls.clear()
    clf = TorchClassifier(net_params={"channels": (4, 8, 8, 8, 8)}, epochs=2, batch_size=4, stop_train_acc=None,
                          augment=RecordingMasking(), random_state=0).fit(X, y)
    assert len(RecordingMasking.calls) == 4  # 2 epochs x 2 batches
    assert all(before == after == (4, 96, 200) for before, after in RecordingMasking.calls)
    clf.predict_proba(X)
    assert len(RecordingMasking.calls) == 4


# ---------------------------------------------------------------------------- copies in CV
def test_stack_copies_checks_alignment():
    a, b = np.zeros((5, 3, 4)), np.ones((5, 3, 4))
    stacked = stack_copies(a, b, b)
    assert stacked.shape == (5, 3, 3, 4) and np.all(stacked[:, 0] == 0) and np.all(stacked[:, 1:] == 1)
    with pytest.raises(ValueError, match="copy 1 has shape"):
        stack_copies(a, np.ones((4, 3, 4)))


def test_with_augmented_copies_fits_all_copies_and_predicts_from_originals():
    X, y = marked_spectrograms(n_clips=16, n_copies=3)
    model = WithAugmentedCopies(SpyClassifier()).fit(X, y)
    seen = model.estimator_.X_seen_
    assert seen.shape == (48, 96, 20) and model.n_copies_ == 3
    assert np.array_equal(seen[:, 0, 0], (100.0 * np.repeat(np.arange(16), 3) + np.tile(np.arange(3), 16)))
    assert np.array_equal(model.estimator_.y_seen_, np.repeat(y, 3))
    # the prediction depends on copy 0 only: scrambling copies 1..K changes nothing
    scrambled = X.copy()
    scrambled[:, 1:] = np.random.default_rng(0).normal(size=scrambled[:, 1:].shape)
    assert np.array_equal(model.predict(scrambled), y) and model.predict(X).shape == (16,)
    with pytest.raises(ValueError, match="stack_copies"):
        model.predict(X[:, 0])
    with pytest.raises(ValueError, match="stack_copies"):
        clone(model).fit(X[:, 0, 0], y)


def test_with_augmented_copies_around_a_pipeline_on_flattened_inputs():
    rng = np.random.default_rng(0)
    y = QUADRANTS[np.arange(16) % 4]
    centres = rng.normal(size=(4, 96, 10))
    original = (centres[np.arange(16) % 4] + 0.1 * rng.normal(size=(16, 96, 10))).astype(np.float32)
    noisy = original + 0.1 * rng.normal(size=original.shape).astype(np.float32)
    flatten = FunctionTransformer(lambda X: X.reshape(len(X), -1))
    model = WithAugmentedCopies(make_pipeline(flatten, LogisticRegression(max_iter=200)))
    model.fit(stack_copies(original, noisy), y)
    assert model.estimator_[-1].n_features_in_ == 960 and list(model.classes_) == list(QUADRANTS)
    proba = model.predict_proba(stack_copies(original, noisy))
    assert proba.shape == (16, 4) and np.array_equal(model.predict(stack_copies(original, noisy)), y)
    assert clone(model).get_params()["estimator"] is not model.estimator


def test_augmented_copies_of_test_clips_never_reach_training():
    X, y = marked_spectrograms(n_clips=16, n_copies=2)
    for split in make_splits(y, "4x1", seed=0):
        model = clone(WithAugmentedCopies(SpyClassifier())).fit(X[split.train], y[split.train])
        clips_seen = set((model.estimator_.X_seen_[:, 0, 0] // 100).astype(int))
        assert clips_seen == set(split.train) and not clips_seen & set(split.test)


# ---------------------------------------------------------------------------- DeepSMOTE
@pytest.fixture
def recorded_autoencoder_inputs(monkeypatch):
    seen, real_fit_autoencoder = [], augment.fit_autoencoder

    def recording_fit_autoencoder(X, **kwargs):
        seen.append(np.array(X))
        return real_fit_autoencoder(X, **kwargs)

    monkeypatch.setattr(augment, "fit_autoencoder", recording_fit_autoencoder)
    return seen


def test_deepsmote_adds_synthetic_clips_from_training_rows_only(recorded_autoencoder_inputs):
    rng = np.random.default_rng(0)
    y = QUADRANTS[np.arange(24) % 4]
    X = rng.normal(-40.0, 5.0, size=(24, 96, 120)).astype(np.float32) + 3.0 * (np.arange(24) % 4)[:, None, None]
    train, test = np.arange(16), np.arange(16, 24)
    model = DeepSMOTEClassifier(SpyClassifier(), latent_dim=8, ae_epochs=1, ae_channels=(4, 8, 8, 8),
                                ratio=1.0, k_neighbors=3, device="cpu", random_state=0)
    model.fit(X[train], y[train])
    assert len(recorded_autoencoder_inputs) == 1 and np.array_equal(recorded_autoencoder_inputs[0], X[train])
    seen, labels = model.estimator_.X_seen_, model.estimator_.y_seen_
    assert model.n_synthetic_ == 16 and seen.shape == (32, 96, 120)
    assert np.array_equal(seen[:16], X[train]) and np.all(np.isfinite(seen[16:]))
    assert not any(np.allclose(s, t) for s in seen[16:] for t in X[test])
    assert all((labels[16:] == q).sum() == 4 for q in QUADRANTS)
    assert np.array_equal(model.predict(X[test]), model.estimator_.predict(X[test]))
    assert list(model.classes_) == list(QUADRANTS)

    half = clone(model).set_params(ratio=0.5).fit(X[train], y[train])
    assert half.n_synthetic_ == 8 and all((half.estimator_.y_seen_ == q).sum() == 6 for q in QUADRANTS)


def test_deepsmote_is_repeatable_and_validates():
    rng = np.random.default_rng(1)
    y = QUADRANTS[np.arange(16) % 4]
    X = rng.normal(-40.0, 5.0, size=(16, 96, 64)).astype(np.float32)
    params = dict(latent_dim=4, ae_epochs=1, ae_channels=(4, 4, 4, 4), k_neighbors=2, device="cpu", random_state=3)
    first = DeepSMOTEClassifier(SpyClassifier(), **params).fit(X, y).estimator_.X_seen_
    second = DeepSMOTEClassifier(SpyClassifier(), **params).fit(X, y).estimator_.X_seen_
    assert np.array_equal(first, second)
    with pytest.raises(ValueError, match="k_neighbors=5"):
        DeepSMOTEClassifier(SpyClassifier(), **{**params, "k_neighbors": 5}).fit(X, y)
    with pytest.raises(ValueError, match="log-mels"):
        DeepSMOTEClassifier(SpyClassifier(), **params).fit(X[:, :, 0], y)
    with pytest.raises(ValueError, match="ratio"):
        DeepSMOTEClassifier(SpyClassifier(), **{**params, "ratio": 0.0}).fit(X, y)
