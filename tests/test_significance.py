"""Nadeau & Bengio's corrected resampled t-test, against SciPy and a hand computation."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mer_core.errors import ParameterError
from mer_core.significance import compare_methods, corrected_paired_ttest


def test_without_correction_it_is_scipys_paired_ttest():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0.6, 0.05, 10), rng.normal(0.55, 0.05, 10)
    test = corrected_paired_ttest(a, b, n_train=90, n_test=0)
    reference = stats.ttest_rel(a, b)
    assert test.t == pytest.approx(reference.statistic) and test.p_value == pytest.approx(reference.pvalue)
    assert test.folds == 10 and test.wins == int((a > b).sum())


def test_the_correction_widens_the_variance_by_the_test_train_ratio():
    a = np.array([0.62, 0.60, 0.65, 0.58, 0.61])
    b = np.array([0.60, 0.59, 0.60, 0.57, 0.60])
    d = a - b  # 0.02, 0.01, 0.05, 0.01, 0.01
    t = d.mean() / np.sqrt((1 / 5 + 180 / 720) * d.var(ddof=1))
    test = corrected_paired_ttest(a, b, n_train=720, n_test=180)
    assert test.mean_difference == pytest.approx(0.02) and test.t == pytest.approx(t)
    assert test.p_value == pytest.approx(2 * stats.t.sf(t, 4))
    assert test.p_value > corrected_paired_ttest(a, b, n_train=720, n_test=0).p_value
    assert test.wins == 5


def test_no_spread_and_bad_input():
    same = corrected_paired_ttest([0.5, 0.6], [0.5, 0.6], n_train=8, n_test=2)
    assert np.isnan(same.t) and same.p_value == 1.0
    ahead = corrected_paired_ttest([0.6, 0.7], [0.5, 0.6], n_train=8, n_test=2)
    assert ahead.t == np.inf and ahead.p_value == 0.0
    with pytest.raises(ParameterError, match="same folds"):
        corrected_paired_ttest([0.5, 0.6], [0.5], n_train=8, n_test=2)
    with pytest.raises(ParameterError, match="two folds"):
        corrected_paired_ttest([0.5], [0.4], n_train=8, n_test=2)
    with pytest.raises(ParameterError, match="finite"):
        corrected_paired_ttest([0.5, np.nan], [0.4, 0.3], n_train=8, n_test=2)
    with pytest.raises(ParameterError, match="n_train"):
        corrected_paired_ttest([0.5, 0.6], [0.4, 0.3], n_train=0, n_test=2)


def test_compare_methods_pairs_records_by_fold():
    rows = []
    for fold, (a, b) in enumerate([(0.62, 0.60), (0.60, 0.59), (0.65, 0.60), (0.58, 0.57), (0.61, 0.60)]):
        for method, value in (("cnn_a", a), ("cnn_b", b)):
            rows += [{"method": method, "metric": "accuracy", "fold": fold, "value": value, "n_train": 720,
                      "n_test": 180},
                     {"method": method, "metric": "f1_macro", "fold": fold, "value": 0.0, "n_train": 720,
                      "n_test": 180}]
    records = pd.DataFrame(rows).sample(frac=1, random_state=0)  # order must not matter
    test = compare_methods(records, "cnn_a", "cnn_b", "accuracy")
    assert test == corrected_paired_ttest([0.62, 0.60, 0.65, 0.58, 0.61], [0.60, 0.59, 0.60, 0.57, 0.60],
                                          n_train=720, n_test=180)
    with pytest.raises(ParameterError, match="no accuracy records"):
        compare_methods(records, "cnn_a", "svm", "accuracy")
    with pytest.raises(ParameterError, match="share 1 fold"):
        compare_methods(records[(records["fold"] == 0) | (records["method"] == "cnn_a")], "cnn_a", "cnn_b",
                        "accuracy")
