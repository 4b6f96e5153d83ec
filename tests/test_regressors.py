import numpy as np
import pytest
from sklearn.datasets import make_regression
from sklearn.metrics import r2_score

from mer_core.errors import ParameterError
from mer_core.models import REGRESSORS, make_regressor
from mer_core.models.regressors import SVR_GRID


@pytest.fixture(scope="module")
def two_targets():
    """Two targets on different scales (one around 5 with spread 2, one around 0 with spread 0.3)."""
    X, Y = make_regression(160, 10, n_informative=5, n_targets=2, noise=5.0, random_state=0)
    Y = np.column_stack([5 + 2 * Y[:, 0] / Y[:, 0].std(), 0.3 * Y[:, 1] / Y[:, 1].std()])
    return X[:120], Y[:120], X[120:], Y[120:]


@pytest.mark.parametrize("name", REGRESSORS)
def test_regressors_learn_one_and_two_targets(two_targets, name):
    X, Y, X_test, Y_test = two_targets
    both = make_regressor(name).fit(X, Y).predict(X_test)
    assert both.shape == Y_test.shape
    assert min(r2_score(Y_test[:, j], both[:, j]) for j in range(2)) > 0.5, name
    one = make_regressor(name).fit(X, Y[:, 1]).predict(X_test)
    assert one.shape == (len(X_test),) and r2_score(Y_test[:, 1], one) > 0.5, name


def test_svr_searches_per_target_inside_the_training_fold(two_targets):
    X, Y, _, _ = two_targets
    model = make_regressor("svr", inner_cv=3).fit(X, Y)
    assert len(model.estimators_) == 2  # one model per target
    for per_target in model.estimators_:
        search = per_target.regressor_
        assert len(search.cv_results_["params"]) == np.prod([len(v) for v in SVR_GRID.values()])
        assert search.best_estimator_.named_steps["scale"].n_samples_seen_ == len(X)  # refit on the fold only
        assert per_target.transformer_.n_samples_seen_ == len(X)  # target standardised on the fold


def test_unknown_regressor():
    with pytest.raises(ParameterError, match="unknown regressor 'rbf_svm'"):
        make_regressor("rbf_svm")
