import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.metrics import f1_score, precision_score, recall_score

from mer_core.evaluation import (RECORD_COLUMNS, classification_metrics, cross_validate, make_splits, save_records,
                                 summarize)
from mer_core.models import make_classifier


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


@pytest.mark.parametrize("cv, message", [("10", "unknown protocol"), ("holdout50-10-10x1", "sum to 100"),
                                         ("100x1", "samples per class")])
def test_bad_protocols(grouped_data, cv, message):
    _, y, _ = grouped_data
    with pytest.raises(ValueError, match=message):
        make_splits(y, cv)


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
