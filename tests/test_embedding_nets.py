"""Koh & Dubnov's embedding classifiers: the three networks, validation early stopping,
validation-based hyper-parameter choice and the holdout harness passing the validation rows."""
from __future__ import annotations

import inspect

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.dummy import DummyClassifier

from mer_core.errors import ParameterError
from mer_core.evaluation import cross_validate
from mer_core.models import KOH_DUBNOV_CLASSIFIERS, ValidationSearch, koh_dubnov_classifier
from mer_core.models.embedding_nets import EmbeddingNetClassifier

D, CLASSES = 16, 3
CENTERS = np.random.default_rng(42).normal(0.0, 1.5, (CLASSES, D))


def blobs(n: int, *, seed: int, frames: int | None = None, spread: float = 1.0, offset: float = 0.0):
    """``n`` rows of 3 Gaussian classes in 16 dims (balanced); ``frames`` gives (n, T, d) sequences."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % CLASSES
    shape = (n, D) if frames is None else (n, frames, D)
    centers = CENTERS[y] if frames is None else CENTERS[y][:, None, :]
    return (centers + spread * rng.normal(size=shape) + offset).astype(np.float32), y


def frames_of(net: str) -> int | None:
    return 4 if net == "lstm" else None


def validation_loss(model, X, y) -> float:
    p = model.predict_proba(X)
    return float(-np.mean(np.log(p[np.arange(len(y)), np.searchsorted(model.classes_, y)])))


@pytest.mark.parametrize("net", ["mlp", "cnn1d", "lstm"])
def test_each_net_learns_without_validation(net):
    X, y = blobs(60, seed=1, frames=frames_of(net))
    X_test, y_test = blobs(60, seed=2, frames=frames_of(net))
    model = EmbeddingNetClassifier(net, epochs=25, random_state=0, device="cpu").fit(X, y)
    assert model.n_epochs_ == 25 and model.best_epoch_ is None  # no validation: every epoch, last weights
    assert "val_loss" not in model.history_[-1]
    proba = model.predict_proba(X_test)
    assert proba.shape == (60, CLASSES) and np.allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    assert np.mean(model.predict(X_test) == y_test) >= 0.8  # chance is 1/3
    assert 0.0 <= model.history_[-1]["train_acc"] <= 1.0


@pytest.mark.parametrize("net", ["mlp", "lstm"])
def test_validation_early_stopping_keeps_the_best_epoch(net):
    # strongly overlapping classes: the validation loss falls, then rises as the network
    # overfits 60 rows, so patience fires with the best epoch in the middle of the run
    X, y = blobs(60, seed=3, frames=frames_of(net), spread=3.0)
    X_val, y_val = blobs(30, seed=4, frames=frames_of(net), spread=3.0)
    model = EmbeddingNetClassifier(net, epochs=300, patience=5, random_state=0, device="cpu")
    model.fit(X, y, validation=(X_val, y_val))
    losses = [r["val_loss"] for r in model.history_]
    assert model.n_epochs_ < 300
    assert model.best_epoch_ == int(np.argmin(losses)) + 1
    assert 1 < model.best_epoch_ < model.n_epochs_ == model.best_epoch_ + 5
    # the kept weights are the best epoch's, not the last epoch's
    assert validation_loss(model, X_val, y_val) == pytest.approx(losses[model.best_epoch_ - 1], rel=1e-4)
    assert validation_loss(model, X_val, y_val) < losses[-1]


@pytest.mark.parametrize("net", ["mlp", "cnn1d", "lstm"])
def test_same_seed_same_probabilities(net):
    X, y = blobs(45, seed=6, frames=frames_of(net))
    X_val, y_val = blobs(15, seed=7, frames=frames_of(net))

    def fit(seed):
        model = EmbeddingNetClassifier(net, epochs=4, patience=2, random_state=seed, device="cpu")
        return model.fit(X, y, validation=(X_val, y_val)).predict_proba(X_val)

    first = fit(0)
    np.testing.assert_array_equal(first, fit(0))
    assert not np.array_equal(first, fit(1))


def test_standardisation_uses_training_rows_only():
    X, y = blobs(60, seed=8, offset=3.0)
    X_val, y_val = blobs(30, seed=9, offset=-20.0, spread=5.0)
    with_val = EmbeddingNetClassifier("mlp", epochs=2, random_state=0, device="cpu")
    with_val.fit(X, y, validation=(X_val, y_val))
    without = EmbeddingNetClassifier("mlp", epochs=2, random_state=0, device="cpu").fit(X, y)
    np.testing.assert_allclose(with_val.mean_, X.astype(np.float64).mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(with_val.scale_, X.astype(np.float64).std(axis=0), rtol=1e-5)
    np.testing.assert_array_equal(with_val.mean_, without.mean_)
    # sequences: one statistic per feature, pooled over clips and frames
    S, y_s = blobs(30, seed=10, frames=5, offset=1.0)
    lstm = EmbeddingNetClassifier("lstm", epochs=1, random_state=0, device="cpu").fit(S, y_s)
    assert lstm.mean_.shape == (D,)
    np.testing.assert_allclose(lstm.mean_, S.reshape(-1, D).astype(np.float64).mean(axis=0), rtol=1e-5)


def test_lstm_takes_clip_vectors_as_one_step_sequences():
    X, y = blobs(30, seed=11)
    model = EmbeddingNetClassifier("lstm", epochs=2, random_state=0, device="cpu").fit(X, y)
    assert model.predict_proba(X).shape == (30, CLASSES)
    assert model.predict_proba(X[:, None, :]).shape == (30, CLASSES)


def test_bad_inputs_raise_parameter_errors():
    X, y = blobs(30, seed=12)
    net = EmbeddingNetClassifier("mlp", epochs=1, device="cpu")
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ParameterError, match="NaN"):
        clone(net).fit(bad, y)
    with pytest.raises(ParameterError, match="validation X contains NaN"):
        clone(net).fit(X, y, validation=(bad, y))
    with pytest.raises(ParameterError, match=r"\(n_clips, n_features\) clip embeddings"):
        clone(net).fit(X[:, None, :], y)
    with pytest.raises(ParameterError, match="frame embeddings"):
        EmbeddingNetClassifier("lstm", device="cpu").fit(X[:, None, None, :], y)
    with pytest.raises(ParameterError, match="must be"):
        clone(net).fit(X[:, 0], y)
    with pytest.raises(ParameterError, match="at least two classes"):
        clone(net).fit(X, np.zeros(len(X), dtype=int))
    with pytest.raises(ParameterError, match="one label per clip"):
        clone(net).fit(X, y[:-1])
    with pytest.raises(ParameterError, match="do not occur in the training labels"):
        clone(net).fit(X, y, validation=(X, np.full(len(X), 7)))
    with pytest.raises(ParameterError, match="unknown net"):
        EmbeddingNetClassifier("gru").fit(X, y)
    with pytest.raises(ParameterError, match="patience"):
        EmbeddingNetClassifier("mlp", patience=0).fit(X, y)
    fitted = clone(net).fit(X, y)
    with pytest.raises(ParameterError, match="features"):
        fitted.predict(X[:, :8])


def test_validation_search_picks_the_best_grid_point_on_validation_rows():
    X = np.zeros((12, 2))
    y = np.array(["a"] * 6 + ["b"] * 4 + ["c"] * 2)
    X_val = np.zeros((5, 2))
    search = ValidationSearch(DummyClassifier(strategy="constant", constant="a"),
                              {"constant": ["a", "b", "c"]})
    search.fit(X, y, validation=(X_val, np.array(["c", "c", "c", "b", "a"])))
    assert search.best_params_ == {"constant": "c"} and search.best_score_ == pytest.approx(0.6)
    assert [s for _, s in search.validation_scores_] == pytest.approx([0.2, 0.2, 0.6])
    assert list(search.predict(X_val)) == ["c"] * 5
    np.testing.assert_array_equal(search.classes_, ["a", "b", "c"])
    # ties go to the first grid point
    search.fit(X, y, validation=(X_val[:2], np.array(["b", "a"])))
    assert search.best_params_ == {"constant": "a"}
    # no refit on train + validation: the model saw the training rows only
    prior = ValidationSearch(DummyClassifier(strategy="prior"), {"strategy": ["prior"]})
    prior.fit(X, y, validation=(X_val, np.array(["c"] * 5)))
    np.testing.assert_allclose(prior.predict_proba(X_val[:1])[0], [0.5, 1 / 3, 1 / 6])
    # without validation rows: the estimator's own parameters, nothing chosen
    search.fit(X, y)
    assert search.best_params_ == {} and search.validation_scores_ == [] and search.best_score_ is None
    assert list(search.predict(X_val[:1])) == ["a"]


def test_validation_search_passes_validation_to_networks_and_hides_missing_methods():
    X, y = blobs(30, seed=13)
    X_val, y_val = blobs(15, seed=14)
    search = ValidationSearch(EmbeddingNetClassifier("mlp", epochs=30, patience=3, random_state=0, device="cpu"),
                              {"lr": [1e-3, 1e-2]}).fit(X, y, validation=(X_val, y_val))
    assert search.best_estimator_.best_epoch_ is not None and len(search.validation_scores_) == 2
    assert search.predict_proba(X_val).shape == (15, CLASSES)
    svm = koh_dubnov_classifier("svm")
    assert not hasattr(svm, "predict_proba") and hasattr(svm, "decision_function")


def test_koh_dubnov_classifiers():
    assert KOH_DUBNOV_CLASSIFIERS == ("svm", "naive_bayes", "random_forest", "mlp", "cnn", "rnn")
    for name in KOH_DUBNOV_CLASSIFIERS:
        model = koh_dubnov_classifier(name, max_epochs=7, patience=3, n_trees=5)
        assert "validation" in inspect.signature(model.fit).parameters
    assert [koh_dubnov_classifier(n).net for n in ("mlp", "cnn", "rnn")] == ["mlp", "cnn1d", "lstm"]
    net = koh_dubnov_classifier("mlp")
    assert (net.epochs, net.patience, net.batch_size, net.lr) == (1000, 100, 32, 1e-3)
    assert koh_dubnov_classifier("random_forest", n_trees=7).estimator.n_estimators == 7
    assert koh_dubnov_classifier("svm").param_grid == {"clf__C": [0.1, 1.0, 10.0, 100.0]}
    with pytest.raises(ParameterError, match="unknown Koh & Dubnov classifier"):
        koh_dubnov_classifier("knn")


def test_holdout_harness_passes_the_validation_rows(monkeypatch):
    X, y = blobs(90, seed=15)
    seen = []
    for cls in (EmbeddingNetClassifier, ValidationSearch):
        original = cls.fit

        def recording_fit(self, X, y, validation=None, _original=original):
            seen.append((type(self).__name__, X, validation))
            _original(self, X, y, validation=validation)
            seen[-1] += (self,)
            return self

        monkeypatch.setattr(cls, "fit", recording_fit)

    result = cross_validate(koh_dubnov_classifier("mlp", max_epochs=20, patience=5), X, y, cv="holdout80-10-10x2",
                            progress=False)
    accuracy = result.records.query("metric == 'accuracy'")
    assert len(accuracy) == 2 and (accuracy["value"] > 0.6).all()
    assert len(seen) == 2
    for _, X_train, validation, model in seen:
        assert validation is not None and len(validation[0]) == 9 and len(X_train) == 72
        train_rows = {row.tobytes() for row in X_train}
        assert not any(row.tobytes() in train_rows for row in validation[0])  # disjoint rows
        assert model.best_epoch_ is not None and model.n_epochs_ <= 20

    seen.clear()
    result = cross_validate(koh_dubnov_classifier("random_forest", n_trees=10), X, y, cv="holdout80-10-10x2",
                            progress=False)
    assert [name for name, *_ in seen] == ["ValidationSearch"] * 2
    assert all(len(model.validation_scores_) == 2 for *_, model in seen)


def test_rnn_on_frame_sequences_through_the_harness():
    S, y = blobs(60, seed=16, frames=3)
    result = cross_validate(koh_dubnov_classifier("rnn", max_epochs=15, patience=5), S, y, cv="holdout80-10-10x2",
                            progress=False)
    assert (result.records.query("metric == 'accuracy'")["value"] > 0.6).all()
