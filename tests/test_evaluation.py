import numpy as np
import pandas as pd
import pytest
from scipy.stats import pearsonr
from sklearn.base import BaseEstimator
from sklearn.datasets import make_classification
from sklearn.metrics import (f1_score, log_loss, mean_absolute_error, precision_score, r2_score, recall_score,
                             root_mean_squared_error)

from mer_core.errors import ParameterError
from mer_core.evaluation import (QUANTILE_BINS, RECORD_COLUMNS, classification_metrics, cross_entropy, cross_validate,
                                 cross_validate_regression, mae, make_splits, pearson_r, r2, regression_metrics,
                                 regression_strata, rmse, save_records, summarize)
from mer_core.models import make_classifier, make_regressor


@pytest.fixture
def grouped_data():
    X, y = make_classification(80, 12, n_informative=6, n_classes=4, class_sep=1.5, random_state=0)
    groups = np.repeat(np.arange(80), 3)  # three segments per song share its label
    X = np.repeat(X, 3, axis=0) + 0.1 * np.random.default_rng(0).standard_normal((240, 12))
    return X, np.repeat(y, 3), groups


@pytest.mark.parametrize("cv", ["5x2", "holdout80-10-10x3", "holdout60-20-20x2"])
def test_groups_never_straddle(grouped_data, cv):
    X, y, groups = grouped_data
    for s in make_splits(y, cv, groups=groups, seed=3):
        parts = [set(groups[idx]) for idx in (s.train, s.val, s.test)]
        assert not (parts[0] & parts[2]) and not (parts[0] & parts[1]) and not (parts[1] & parts[2])
        assert len(s.train) + len(s.val) + len(s.test) == len(y)


def test_kfold_covers_each_row_once_per_repetition(grouped_data):
    _, y, groups = grouped_data
    splits = make_splits(y, "4x2", groups=groups)
    assert len(splits) == 8
    for rep in range(2):
        tested = np.concatenate([s.test for s in splits[rep * 4:(rep + 1) * 4]])
        assert np.array_equal(np.sort(tested), np.arange(len(y)))


def test_holdout_proportions(grouped_data):
    _, y, groups = grouped_data
    s = make_splits(y, "holdout60-20-20x1", groups=groups)[0]
    assert abs(len(s.test) / len(y) - 0.2) < 0.05 and abs(len(s.val) / len(y) - 0.2) < 0.05


def test_splits_deterministic_and_seeded(grouped_data):
    _, y, groups = grouped_data
    a, b = make_splits(y, "5x1", groups=groups, seed=1), make_splits(y, "5x1", groups=groups, seed=1)
    c = make_splits(y, "5x1", groups=groups, seed=2)
    assert all(np.array_equal(s.test, t.test) for s, t in zip(a, b))
    assert not all(np.array_equal(s.test, t.test) for s, t in zip(a, c))


@pytest.mark.parametrize("cv, grouped, message", [
    ("10", False, "unknown protocol"), ("holdout50-10-10x1", False, "sum to 100"),
    ("100x1", False, "samples per class"), ("90x1", True, "at least 90 samples \\(groups\\); there are 80")])
def test_bad_protocols(grouped_data, cv, grouped, message):
    _, y, groups = grouped_data  # 240 rows: 80 songs of 3 segments, 60 rows per class
    with pytest.raises(ParameterError, match=message):
        make_splits(y, cv, groups=groups if grouped else None)


def test_metrics_match_sklearn():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.choice(list("abcd"), 100), rng.choice(list("abcd"), 100)
    m = classification_metrics(y_true, y_pred)
    assert m["f1_macro"] == pytest.approx(f1_score(y_true, y_pred, average="macro"))
    assert m["precision_macro"] == pytest.approx(precision_score(y_true, y_pred, average="macro"))
    assert m["recall_macro"] == pytest.approx(recall_score(y_true, y_pred, average="macro"))
    assert m["f1_b"] == pytest.approx(f1_score(y_true, y_pred, labels=["b"], average=None)[0])


def test_cross_validate_records_and_determinism(grouped_data, tmp_path):
    X, y, groups = grouped_data
    run = lambda: cross_validate(make_classifier("rbf_svm"), X, y, groups=groups, cv="3x2", seed=0,
                                 progress=False, method="svm", dataset="toy", profile="smoke")
    a, b = run(), run()
    assert list(a.records.columns) == RECORD_COLUMNS
    assert a.records["fold"].nunique() == 6
    pd.testing.assert_frame_equal(a.records, b.records)
    f1 = summarize(a.records, ["f1_macro"]).iloc[0]
    assert 0.4 < f1["mean"] < 1 and f1["ci95_low"] < f1["mean"] < f1["ci95_high"] and f1["n"] == 6
    assert a.confusion().to_numpy().sum() == 2 * len(y)
    assert pd.read_csv(save_records(a.records, tmp_path / "r" / "x.csv")).shape == a.records.shape


def test_zoo_learns_above_chance(grouped_data):
    X, y, groups = grouped_data
    for name in ("knn", "linear_svm", "naive_bayes", "random_forest", "mlp", "gaussian_process"):
        res = cross_validate(make_classifier(name), X, y, groups=groups, cv="3x1", progress=False)
        assert summarize(res.records, ["accuracy"])["mean"].iloc[0] > 0.4, name


def test_bayes_svm_search_stays_in_training_fold(grouped_data):
    X, y, _ = grouped_data
    model = make_classifier("svm_bayes", n_iter=5, inner_cv=3).fit(X[:150], y[:150])
    assert model.cv_results_["params"] and len(model.cv_results_["mean_test_score"]) == 5
    assert model.best_estimator_.named_steps["scale"].n_samples_seen_ == 150


# ---------------------------------------------------------------- regression

@pytest.fixture
def regression_data():
    """80 songs of 3 segments; valence and arousal linear in the features (plus noise), shared per song."""
    rng = np.random.default_rng(1)
    X_song = rng.standard_normal((80, 8))
    Y_song = np.column_stack([5 + 2 * X_song[:, 0] - X_song[:, 1], 5 + 1.5 * X_song[:, 2]])
    Y_song += 0.3 * rng.standard_normal(Y_song.shape)
    X = np.repeat(X_song, 3, axis=0) + 0.05 * rng.standard_normal((240, 8))
    quadrant = np.where(Y_song[:, 0] > 5, np.where(Y_song[:, 1] > 5, "Q1", "Q4"), np.where(Y_song[:, 1] > 5, "Q2", "Q3"))
    return X, np.repeat(Y_song, 3, axis=0), np.repeat(np.arange(80), 3), np.repeat(quadrant, 3)


def test_regression_metrics_match_sklearn_and_scipy():
    rng = np.random.default_rng(0)
    y_true = rng.normal(5, 2, 50)
    y_pred = y_true + rng.normal(0, 1, 50)
    assert r2(y_true, y_pred) == pytest.approx(r2_score(y_true, y_pred))
    assert mae(y_true, y_pred) == pytest.approx(mean_absolute_error(y_true, y_pred))
    assert rmse(y_true, y_pred) == pytest.approx(root_mean_squared_error(y_true, y_pred))
    assert pearson_r(y_true, y_pred) == pytest.approx(pearsonr(y_true, y_pred).statistic)
    assert np.isnan(pearson_r(y_true, np.full(50, 5.0)))  # constant prediction: undefined
    assert np.isnan(r2(np.full(50, 5.0), y_pred))  # constant truth: undefined


def test_cross_entropy_matches_log_loss():
    rng = np.random.default_rng(0)
    labels = ["Q3", "Q1", "Q4", "Q2"]  # column order of proba, not sorted
    proba = rng.dirichlet(np.ones(4), 30)
    y_true = rng.choice(labels, 30)
    expected = log_loss(y_true, proba[:, np.argsort(labels)])  # scikit-learn's columns are the sorted classes
    assert cross_entropy(y_true, proba, labels) == pytest.approx(expected)
    assert cross_entropy(y_true, proba[:, np.argsort(labels)]) == pytest.approx(expected)
    assert cross_entropy(["a"], [[0.0, 1.0]], ["a", "b"]) == pytest.approx(-np.log(np.finfo(float).eps))
    with pytest.raises(ParameterError, match="not among labels"):
        cross_entropy(["c"], [[0.5, 0.5]], ["a", "b"])
    with pytest.raises(ParameterError, match="shape"):
        cross_entropy(["a", "b"], [[0.5, 0.5]], ["a", "b"])


def test_regression_metrics_names_per_target_and_means():
    rng = np.random.default_rng(0)
    Y = rng.normal(size=(40, 2))
    P = Y + rng.normal(0, 0.5, (40, 2))
    m = regression_metrics(Y, P, ["valence", "arousal"])
    assert set(m) == {f"{k}{t}" for k in ("r2", "mae", "rmse", "pearson") for t in ("", "_valence", "_arousal")}
    assert m["r2_arousal"] == pytest.approx(r2_score(Y[:, 1], P[:, 1]))
    assert m["rmse"] == pytest.approx((m["rmse_valence"] + m["rmse_arousal"]) / 2)
    one = regression_metrics(Y[:, 0], P[:, 0], ["valence"])
    assert one["r2"] == one["r2_valence"] == pytest.approx(m["r2_valence"])
    with pytest.raises(ParameterError, match="one column per target"):
        regression_metrics(Y, P, ["valence"])


def test_regression_strata_quantile_bins_and_given_strata(regression_data):
    _, Y, _, quadrant = regression_data
    bins = regression_strata(Y, "10x1")
    assert QUANTILE_BINS == 5 and set(np.bincount(bins)) == {48}  # 240 rows: equal quintiles of valence
    assert (np.diff(Y[np.argsort(bins, kind="stable"), 0].reshape(5, 48).mean(axis=1)) > 0).all()
    assert len(np.unique(regression_strata(Y[:30], "10x1"))) == 3  # 30 rows, 10 folds: 3 bins of 10
    assert np.array_equal(regression_strata(Y, "10x1", strata=quadrant), quadrant)
    with pytest.raises(ParameterError, match="strata has"):
        regression_strata(Y, "10x1", strata=quadrant[:10])


@pytest.mark.parametrize("cv", ["5x2", "holdout60-20-20x2"])
def test_regression_splits_grouped_and_balanced(regression_data, cv):
    _, Y, groups, _ = regression_data
    bins = regression_strata(Y, cv)
    for s in make_splits(bins, cv, groups=groups):
        parts = [set(groups[idx]) for idx in (s.train, s.val, s.test)]
        assert not (parts[0] & parts[2]) and not (parts[0] & parts[1]) and not (parts[1] & parts[2])
        assert set(bins[s.test]) == set(range(QUANTILE_BINS))  # every test part spans the target's range


def test_cross_validate_regression_records_predictions_determinism(regression_data):
    X, Y, groups, quadrant = regression_data
    run = lambda: cross_validate_regression(make_regressor("ridge"), X, Y, targets=["valence", "arousal"],
                                            groups=groups, strata=quadrant, cv="4x2", progress=False,
                                            method="ridge", dataset="toy", profile="smoke")
    a, b = run(), run()
    assert list(a.records.columns) == RECORD_COLUMNS and a.records["fold"].nunique() == 8
    pd.testing.assert_frame_equal(a.records, b.records)
    assert list(a.predictions.columns) == ["fold", "index", "y_true_valence", "y_pred_valence", "y_true_arousal",
                                           "y_pred_arousal"]
    assert len(a.predictions) == 2 * len(Y)
    assert np.array_equal(a.predictions["y_true_arousal"], Y[a.predictions["index"], 1])
    r2_valence = summarize(a.records, ["r2_valence"])["mean"].iloc[0]
    assert r2_valence > 0.9
    with pytest.raises(ParameterError, match="confusion"):
        a.confusion()


def test_cross_validate_regression_one_target_and_bad_targets(regression_data):
    X, Y, groups, _ = regression_data
    res = cross_validate_regression(make_regressor("ridge"), X, Y[:, 1], groups=groups, cv="3x1", progress=False)
    assert {"r2", "r2_y", "pearson_y"} <= set(res.records["metric"])
    assert list(res.predictions.columns) == ["fold", "index", "y_true_y", "y_pred_y"]
    with pytest.raises(ParameterError, match="target names"):
        cross_validate_regression(make_regressor("ridge"), X, Y, targets=["valence"], cv="3x1", progress=False)
    with pytest.raises(ParameterError, match="NaN"):
        cross_validate_regression(make_regressor("ridge"), X, np.where(np.arange(240) == 5, np.nan, Y[:, 0]),
                                  cv="3x1", progress=False)


class ValidationRecorder(BaseEstimator):
    """Predicts its first training target; remembers the rows (column 0 of X) it was fitted,
    validated and tested on, in ``ValidationRecorder.seen`` (shared by its clones)."""

    seen: list = []

    def fit(self, X, y, validation=None):
        val = None if validation is None else validation[0][:, 0].astype(int)
        if validation is not None:
            assert len(validation[0]) == len(validation[1])
        self.seen.append({"train": X[:, 0].astype(int), "val": val})
        self.first_ = np.asarray(y)[:1]
        return self

    def predict(self, X):
        self.seen[-1]["test"] = X[:, 0].astype(int)
        return np.repeat(self.first_, len(X), axis=0)


class TrainOnlyRecorder(ValidationRecorder):
    """The same without ``validation`` in ``fit``: the harness must fit it on the training rows only."""

    def fit(self, X, y):
        return super().fit(X, y)


@pytest.mark.parametrize("recorder", [ValidationRecorder, TrainOnlyRecorder])
@pytest.mark.parametrize("task", ["classification", "regression"])
def test_holdout_validation_rows_reach_estimators_that_take_them(regression_data, recorder, task):
    X, Y, groups, quadrant = regression_data
    X = np.column_stack([np.arange(len(X)), X])  # column 0: the row number
    recorder.seen = []
    if task == "classification":
        cross_validate(recorder(), X, quadrant, groups=groups, cv="holdout60-20-20x2", progress=False)
        splits = make_splits(quadrant, "holdout60-20-20x2", groups=groups)
    else:
        res = cross_validate_regression(recorder(), X, Y, targets=["v", "a"], strata=quadrant, groups=groups,
                                        cv="holdout60-20-20x2", progress=False)
        assert res.records.query("metric == 'pearson_v'")["value"].isna().all()  # constant prediction
        splits = make_splits(quadrant, "holdout60-20-20x2", groups=groups)
    assert len(recorder.seen) == 2
    for split, seen in zip(splits, recorder.seen):
        assert np.array_equal(seen["train"], split.train) and np.array_equal(seen["test"], split.test)
        if recorder is ValidationRecorder:
            assert np.array_equal(seen["val"], split.val) and len(split.val)
            assert not set(seen["val"]) & set(seen["train"]) and not set(seen["val"]) & set(seen["test"])
        else:
            assert seen["val"] is None  # not merged into the training rows either


def test_kfold_passes_no_validation(regression_data):
    X, Y, groups, _ = regression_data
    ValidationRecorder.seen = []
    cross_validate_regression(ValidationRecorder(), np.column_stack([np.arange(len(X)), X]), Y[:, 0], groups=groups,
                              cv="3x1", progress=False)
    assert [seen["val"] for seen in ValidationRecorder.seen] == [None] * 3
