"""Tests of the Inputs holder, Hybrid Augmented, transfer learning and autoencoder + forest."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mer_core.audio import fix_length
from mer_core.errors import ParameterError
from mer_core.evaluation import cross_validate, make_splits
from mer_core.features.musicnn import MusicnnFrontend, MusicnnMel, load_musicnn, log_mel
from mer_core.models import transfer
from mer_core.models.hybrid import HybridAugmented
from mer_core.models.inputs import Inputs
from mer_core.models.torch_estimator import TorchClassifier
from mer_core.models.transfer import ArtistsCNN, AutoencoderForest, MusicnnFineTune, fine_tune
from mer_core.weights import musicnn_weights_present

pytestmark = [pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
              pytest.mark.usefixtures("torch_one_thread")]

QUADRANTS = np.array(["Q1", "Q2", "Q3", "Q4"])
N_MELS, N_FRAMES = 16, 32
MARKER = (-1, -1)
"""Cell of each toy log-mel that holds the clip's row index, so spies can tell which clips they saw."""


def toy_clips(n_per_class: int = 6, seed: int = 0):
    """Log-mels where quadrant k has 4 loud bands (4k..4k+3), features with a class offset, labels."""
    rng = np.random.default_rng(seed)
    y = np.repeat(QUADRANTS, n_per_class)
    k = np.searchsorted(QUADRANTS, y)
    X = rng.normal(-40.0, 5.0, size=(len(y), N_MELS, N_FRAMES)).astype(np.float32)
    for row, band in enumerate(4 * k):
        X[row, band:band + 4] += 15.0
    X[(slice(None), *MARKER)] = np.arange(len(y))
    features = rng.normal(size=(len(y), 8))
    features[np.arange(len(y)), k] += 3.0
    return X, features, y


def rows_seen(X) -> np.ndarray:
    return np.asarray(X)[(slice(None), *MARKER)].astype(int)


def tiny_cnn(cls=TorchClassifier, **kw) -> TorchClassifier:
    settings = dict(net_params={"channels": (4, 8, 8, 8, 8)}, epochs=3, batch_size=8, lr=1e-2, device="cpu",
                    random_state=0, num_threads=1)
    return cls("cnn_baseline", **{**settings, **kw})


def small_dnn():
    return make_pipeline(StandardScaler(), MLPClassifier((16,), max_iter=200, random_state=0))


class SpyClassifier(TorchClassifier):
    """TorchClassifier that records the clip rows and labels of every ``fit`` (class-level log)."""

    log: list = []

    def fit(self, X, y):
        SpyClassifier.log.append((rows_seen(X), np.asarray(y)))
        return super().fit(X, y)


class NoisyCopies:
    """``pretrain_inputs`` hook: two noisy copies of each training clip; records the rows it got
    (class-level log, since ``clone`` deep-copies the hook)."""

    calls: list = []

    def __call__(self, X, y, random_state):
        NoisyCopies.calls.append(rows_seen(X))
        rng = np.random.default_rng(random_state)
        copies = np.concatenate([X, X]) + rng.normal(0, 1, size=(2 * len(X),) + X.shape[1:]).astype(np.float32)
        return copies, np.concatenate([y, y])


# ---------------------------------------------------------------------- Inputs
def test_inputs_index_like_an_array_of_clips():
    X, features, y = toy_clips(2)
    inputs = Inputs(logmel=X, top100=features, artist=[f"a{i % 3}" for i in range(len(y))])
    assert len(inputs) == len(y) and inputs.names == ("logmel", "top100", "artist")
    assert inputs["logmel"] is X  # all clips: the table itself, not a copy
    subset = inputs[np.array([3, 1, 5])]
    assert isinstance(subset, Inputs) and len(subset) == 3
    np.testing.assert_array_equal(subset["logmel"], X[[3, 1, 5]])
    assert subset["artist"].tolist() == ["a0", "a1", "a2"]
    np.testing.assert_array_equal(subset[np.array([2, 0])]["top100"], features[[5, 3]])  # rows of the subset
    np.testing.assert_array_equal(inputs[np.arange(len(y)) % 2 == 0]["top100"], features[::2])  # a mask
    with pytest.raises(IndexError):
        inputs[np.array([len(y)])]
    with pytest.raises(ParameterError, match="1-D"):
        inputs[np.array([[0], [1]])]
    with pytest.raises(KeyError, match="no table 'mfcc'"):
        subset["mfcc"]
    with pytest.raises(ParameterError, match="one entry per clip"):
        Inputs(logmel=X, top100=features[:3])


@pytest.mark.parametrize("estimator", [HybridAugmented(features="mfcc", weight=0.3, cnn=tiny_cnn()),
                                       ArtistsCNN(artist="singer", min_clips_per_artist=3, cnn=tiny_cnn()),
                                       AutoencoderForest(latent_dim=8, n_estimators=7),
                                       MusicnnFineTune(freeze="frontend", patch_frames=64)])
def test_estimators_hold_only_hyper_parameters(estimator):
    params = estimator.get_params(deep=False)
    assert not any(isinstance(value, (Inputs, np.ndarray)) for value in params.values())
    copy = clone(estimator)
    assert copy is not estimator and set(copy.get_params(deep=False)) == set(params)
    for name, value in copy.get_params(deep=False).items():
        if hasattr(value, "get_params"):  # nested estimators are cloned, with the same settings
            assert value is not params[name] and value.get_params() == params[name].get_params()
        else:
            assert value == params[name]


def test_multi_input_estimators_need_inputs():
    X, features, y = toy_clips(2)
    with pytest.raises(ParameterError, match="must be an Inputs"):
        HybridAugmented(cnn=tiny_cnn(), dnn=small_dnn()).fit(X, y)
    with pytest.raises(ParameterError, match="no table 'artist'"):
        ArtistsCNN(cnn=tiny_cnn()).fit(Inputs(logmel=X), y)


# ---------------------------------------------------------------------- Hybrid Augmented
def test_hybrid_cross_validates_and_pretrains_on_training_rows_only():
    X, features, y = toy_clips(10)
    inputs = Inputs(logmel=X, top100=features)
    hook = NoisyCopies()
    NoisyCopies.calls.clear()
    model = HybridAugmented(cnn=tiny_cnn(), dnn=small_dnn(), pretrain_inputs=hook, finetune_epochs=2, random_state=0)
    result = cross_validate(model, inputs, y, cv="2x1", progress=False)
    splits = make_splits(y, "2x1")
    assert len(hook.calls) == 2 * len(splits)  # inner split, then refit, per fold
    for split, (inner, full) in zip(splits, zip(hook.calls[::2], hook.calls[1::2])):
        assert set(inner) < set(split.train)
        assert sorted(full) == sorted(split.train)
    accuracy = result.records.query("metric == 'accuracy'")["value"]
    assert len(accuracy) == 2 and accuracy.mean() >= 0.5  # chance is 0.25


def test_hybrid_probabilities_are_the_weighted_average_of_the_branches():
    X, features, y = toy_clips(6)
    inputs = Inputs(logmel=X, top100=features)
    model = HybridAugmented(cnn=tiny_cnn(), dnn=small_dnn(), n_weights=5, random_state=0)
    model.fit(inputs, y)
    assert model.weight_ in np.linspace(0, 1, 5) and model.validation_f1_.shape == (5,)
    proba = model.predict_proba(inputs)
    expected = (model.weight_ * model.cnn_.predict_proba(X)
                + (1 - model.weight_) * model.dnn_.predict_proba(features))
    np.testing.assert_allclose(proba, expected, rtol=1e-6)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert proba.min() >= 0 and list(model.classes_) == list(QUADRANTS)
    cnn_only = clone(model).set_params(weight=1.0).fit(inputs, y)
    assert cnn_only.validation_f1_ is None
    np.testing.assert_array_equal(cnn_only.predict(inputs), cnn_only.cnn_.predict(X))


def test_hybrid_pretrains_on_precomputed_copies_of_training_rows():
    X, features, y = toy_clips(4)
    copies = np.stack([X, X + 0.5], axis=1)  # (n_clips, 2 copies, mels, frames), markers kept in copy 0
    inputs = Inputs(logmel=X, top100=features, logmel_aug=copies)
    SpyClassifier.log.clear()
    train = np.arange(0, len(y), 2)
    model = HybridAugmented(cnn=tiny_cnn(SpyClassifier), dnn=small_dnn(), pretrain_inputs="logmel_aug",
                            finetune_epochs=1, weight=0.5, random_state=0)
    model.fit(inputs[train], y[train])
    (seen, labels), = SpyClassifier.log  # one fit: the pre-training; fine-tuning continues that network
    assert set(seen[::2]) == set(train) and len(seen) == 2 * len(train)
    np.testing.assert_array_equal(labels, np.repeat(y[train], 2))
    assert model.cnn_.n_epochs_ == 1 and 1 <= len(model.pretrain_history_) <= 3
    with pytest.raises(ParameterError, match="pretrain_inputs must be a table"):
        clone(model).set_params(pretrain_inputs="nope").fit(inputs[train], y[train])


# ---------------------------------------------------------------------- transfer learning
def test_artist_pretraining_uses_only_training_fold_artists():
    X, features, y = toy_clips(6)
    splits = make_splits(y, "2x1")
    artists = np.array([f"solo{i}" for i in range(len(y))], dtype=object)
    for fold, split in enumerate(splits):  # two folds: each one's training rows are the other's test rows
        train = split.train
        artists[train[:8]] = [f"fold{fold}_artist{j // 2}" for j in range(8)]
        artists[train[8]] = "across_folds"  # 2 clips in all, but 1 per training fold: never pre-trained on
        artists[train[9]] = None  # unknown artist: never a pre-training target
    inputs = Inputs(logmel=X, artist=artists)
    SpyClassifier.log.clear()
    model = ArtistsCNN(cnn=tiny_cnn(SpyClassifier), epochs=2, random_state=0)
    cross_validate(model, inputs, y, cv="2x1", progress=False)
    assert len(SpyClassifier.log) == len(splits)
    for fold, (split, (seen, labels)) in enumerate(zip(splits, SpyClassifier.log)):
        assert sorted(seen) == sorted(split.train[:8])
        assert set(labels) == {f"fold{fold}_artist{j}" for j in range(4)}
        np.testing.assert_array_equal(labels, artists[seen].astype(str))

    fitted = clone(model).set_params(cnn=tiny_cnn()).fit(inputs, y)
    assert fitted.artist_classifier_.module_.head.out_features == len(fitted.artist_classifier_.classes_) == 9
    assert fitted.classifier_.module_.head.out_features == 4 and list(fitted.classes_) == list(QUADRANTS)
    with pytest.raises(ValueError, match="fewer than two artists"):
        clone(model).set_params(min_clips_per_artist=5).fit(inputs, y)


def test_fine_tune_backbone_freeze_trains_only_a_new_head():
    X, _, y = toy_clips(4)
    pretrained = tiny_cnn().fit(X, np.where(np.isin(y, ["Q1", "Q2"]), "high", "low"))
    before = {k: v.clone() for k, v in pretrained.module_.state_dict().items()}
    tuned = fine_tune(pretrained, X, y, epochs=2, lr=1e-2, freeze="backbone", stop_train_acc=None, random_state=0)
    for key, value in tuned.module_.state_dict().items():
        if key.startswith("head."):
            assert value.shape[0] == 4
        else:  # weights and batch-norm statistics of the frozen backbone are untouched
            torch.testing.assert_close(value, before[key])
    for key, value in pretrained.module_.state_dict().items():  # the input classifier is not modified
        torch.testing.assert_close(value, before[key])
    assert tuned.n_epochs_ == 2 and list(tuned.classes_) == list(QUADRANTS)
    assert tuned.predict_proba(X).shape == (len(y), 4)
    with pytest.raises(ValueError, match="use new_head=True"):
        fine_tune(pretrained, X, y, new_head=False)


def test_autoencoder_forest_learns_the_bottleneck_inside_the_fold(monkeypatch):
    X, _, y = toy_clips(6)
    trained_on = []

    def spy_fit_autoencoder(data, **kw):
        trained_on.append(rows_seen(data))
        return fit_autoencoder(data, **kw)

    fit_autoencoder = transfer.fit_autoencoder
    monkeypatch.setattr(transfer, "fit_autoencoder", spy_fit_autoencoder)
    model = AutoencoderForest(latent_dim=8, channels=(4, 8), ae_epochs=2, n_estimators=25, random_state=0,
                              num_threads=1, device="cpu")
    result = cross_validate(model, X, y, cv="2x1", progress=False)
    assert len(trained_on) == 2
    for split, seen in zip(make_splits(y, "2x1"), trained_on):
        assert sorted(seen) == sorted(split.train)
    assert result.records.query("metric == 'accuracy'")["value"].mean() >= 0.5


# ---------------------------------------------------------------------- musicnn
def test_musicnn_mel_extractor_fixes_the_length():
    extractor = MusicnnMel(duration=1.0)
    y = np.random.default_rng(0).normal(0, 0.1, 12000).astype(np.float32)
    mel = extractor(y, 16000)
    assert mel.shape == (extractor.n_frames, 96) == (63, 96)
    np.testing.assert_array_equal(mel, log_mel(fix_length(y, 16000), 16000))
    with pytest.raises(ValueError, match="16000 Hz"):
        extractor(y, 22050)


needs_musicnn = pytest.mark.skipif(not musicnn_weights_present(model="MTT_musicnn"),
                                   reason="musicnn MTT weights not fetched (run `mer weights fetch`)")


def musicnn_clips():
    """Two short tone clips per quadrant (different pitches), as musicnn log-mels of 2 patches of 64 frames."""
    extractor = MusicnnMel(duration=2.1)
    t = np.arange(int(2.1 * 16000)) / 16000
    y = np.repeat(QUADRANTS, 2)
    mels = np.stack([extractor((0.3 * np.sin(2 * np.pi * 110 * 2 ** (k + j / 4) * t)).astype(np.float32), 16000)
                     for k, j in zip(np.searchsorted(QUADRANTS, y), np.tile([0, 1], 4))])
    return mels, y


@needs_musicnn
def test_musicnn_fine_tune_runs_in_cross_validation_and_averages_patches():
    mels, y = musicnn_clips()
    assert mels.shape == (8, 132, 96)
    model = MusicnnFineTune(epochs=1, batch_size=8, patch_frames=64, freeze="frontend", device="cpu",
                            random_state=0, num_threads=1)
    result = cross_validate(model, mels, y, cv="2x1", progress=False)
    assert len(result.predictions) == 8 and set(result.predictions["y_pred"]) <= set(QUADRANTS)

    fitted = clone(model).fit(mels, y)
    assert fitted.n_patches_ == 2 and fitted.module_.head.out_features == 4
    proba = fitted.predict_proba(mels[:2])
    patches = np.concatenate([mels[:2, :64], mels[:2, 64:128]])  # each patch as its own clip
    per_patch = fitted.predict_proba(patches)
    np.testing.assert_allclose(proba, (per_patch[:2] + per_patch[2:]) / 2, rtol=1e-5)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


@needs_musicnn
def test_musicnn_backbone_freeze_keeps_the_pretrained_weights():
    mels, y = musicnn_clips()
    fitted = MusicnnFineTune(epochs=2, batch_size=8, patch_frames=64, freeze="backbone", stop_train_acc=None,
                             device="cpu", random_state=0, num_threads=1).fit(mels, y)
    original = load_musicnn("MTT_musicnn").state_dict()
    for key, value in fitted.module_.backbone.state_dict().items():
        torch.testing.assert_close(value, original[key])
    assert fitted.n_epochs_ == 2
    with pytest.raises(ValueError, match="fewer than one patch"):
        MusicnnFineTune(patch_frames=200).fit(mels, y)


@needs_musicnn
def test_fine_tune_on_cached_frontend_outputs_equals_running_the_frozen_frontend():
    mels, y = musicnn_clips()
    t = np.arange(int(2.1 * 16000)) / 16000
    clips = [(0.3 * np.sin(2 * np.pi * 110 * 2 ** (k / 3) * t)).astype(np.float32) for k in range(8)]
    frontend = MusicnnFrontend(duration=2.1, patch_frames=64)
    fronts = np.stack([frontend(clip, 16000) for clip in clips])
    assert fronts.shape == (8, 2, 561, 64) and frontend.dim == fronts[0].size
    mels = np.stack([MusicnnMel(duration=2.1)(clip, 16000) for clip in clips])
    settings = dict(epochs=2, batch_size=4, patch_frames=64, freeze="frontend", stop_train_acc=None, device="cpu",
                    random_state=0, num_threads=1)
    on_mels = MusicnnFineTune(**settings).fit(mels, y)
    on_fronts = MusicnnFineTune(representation="frontend", **settings).fit(fronts, y)
    for a, b in zip(on_mels.history_, on_fronts.history_):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-4)
    # float32 rounding differs (front-end run inside or outside autograd) and Adam amplifies it a little
    np.testing.assert_allclose(on_mels.predict_proba(mels), on_fronts.predict_proba(fronts), atol=1e-3)
    with pytest.raises(ValueError, match="freeze"):
        MusicnnFineTune(representation="frontend", freeze="none").fit(fronts, y)
    with pytest.raises(ValueError, match="front-end outputs of shape"):
        MusicnnFineTune(representation="frontend", freeze="frontend", patch_frames=64).fit(mels, y)
