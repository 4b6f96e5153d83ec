"""Classical regressors of valence and arousal as scikit-learn estimators (scaling and search inside the folds).

``make_regressor(name)`` returns an unfitted estimator whose feature scaling, target scaling and
hyper-parameter search are all learned in ``fit``, so a cross-validation harness
(:func:`mer_core.evaluation.cross_validate_regression`) clones it per fold and none of them
ever sees a test row. Every one takes ``y`` as ``(n,)`` or ``(n, d)`` (several targets, e.g.
valence and arousal) and predicts the same shape.

Names:

=================  =====================================================================
``svr``            RBF SVR, one model per target; C, gamma and epsilon by an inner grid
                   search (5-fold CV on the training fold, R²) over :data:`SVR_GRID`;
                   features and target standardised (epsilon is then in target
                   standard deviations, so one grid fits every target scale)
``ridge``          ridge regression; alpha per target by efficient leave-one-out CV on
                   the training fold over 10^-3 .. 10^4 (:class:`~sklearn.linear_model.RidgeCV`)
``random_forest``  random forest, 500 trees, one forest for all targets (no scaling)
``mlp``            MLP, one hidden layer of 100 ReLU units, Adam, early stopping on an
                   inner validation fraction (10 % of the training fold), <= 1000 epochs;
                   features and targets standardised (Adam's default step and the initial
                   weights suit unit-scale outputs, not Warriner's 1..9)
=================  =====================================================================

Targets are scaled where it changes the fit (``svr``, ``mlp``) through
:class:`~sklearn.compose.TransformedTargetRegressor`; ridge and forests give the same
predictions with or without it. Inner CV folds are not grouped: pass song-level rows (one row
per group), as ``mer evaluate`` and the 4Q features are.
"""
from __future__ import annotations

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.multioutput import MultiOutputRegressor
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVR

from ..errors import ParameterError

REGRESSORS = ("svr", "ridge", "random_forest", "mlp")
"""Names :func:`make_regressor` accepts."""

SVR_GRID = {"svr__C": [0.1, 1.0, 10.0, 100.0],
            "svr__gamma": [1e-4, 1e-3, 1e-2, 1e-1],
            "svr__epsilon": [0.05, 0.1, 0.3]}
"""The ``svr`` inner search: C over four decades, gamma over four decades around scikit-learn's
``"scale"`` (1 / n_features on standardised features: 0.01 for the 4Q top-100 set), epsilon in
standard deviations of the target (standardised inside the model)."""

RIDGE_ALPHAS = np.logspace(-3, 4, 15)
"""The ``ridge`` alphas tried by leave-one-out CV."""


class PerTargetRegressor(MultiOutputRegressor):
    """One clone of ``estimator`` per target column; also takes a 1-D ``y`` (one target) and
    then predicts 1-D, unlike :class:`~sklearn.multioutput.MultiOutputRegressor`.

    Used by: :func:`make_regressor` (``svr``: an SVR has a single output).
    """

    def fit(self, X, y, **fit_params):
        y = np.asarray(y)
        self.one_target_ = y.ndim == 1
        return super().fit(X, y.reshape(len(y), -1), **fit_params)

    def predict(self, X):
        prediction = super().predict(X)
        return prediction[:, 0] if self.one_target_ else prediction


def make_regressor(name: str, *, random_state: int = 0, inner_cv: int = 5):
    """Return an unfitted regressor with scaling (and search) inside.

    Parameters
    ----------
    name : str
        One of :data:`REGRESSORS` (see the module docstring).
    random_state : int
        Seed of every stochastic part (inner CV shuffling, forest, MLP).
    inner_cv : int
        Only for ``svr``: folds of the inner CV that scores each grid point (inside the outer
        training fold).

    Used by: ``mer evaluate --target``, :mod:`mer_core.experiments.quan_dong` (notebooks/quan_dong.ipynb).
    """
    if name == "svr":
        search = GridSearchCV(Pipeline([("scale", StandardScaler()), ("svr", SVR(kernel="rbf"))]), SVR_GRID,
                              scoring="r2", n_jobs=1, cv=KFold(inner_cv, shuffle=True, random_state=random_state))
        return PerTargetRegressor(TransformedTargetRegressor(search, transformer=StandardScaler()))
    if name == "ridge":
        return Pipeline([("scale", StandardScaler()), ("ridge", RidgeCV(alphas=RIDGE_ALPHAS, alpha_per_target=True))])
    if name == "random_forest":
        return RandomForestRegressor(n_estimators=500, random_state=random_state, n_jobs=1)  # trees need no scaling
    if name == "mlp":
        mlp = MLPRegressor(hidden_layer_sizes=(100,), early_stopping=True, validation_fraction=0.1, max_iter=1000,
                           random_state=random_state)
        return Pipeline([("scale", StandardScaler()),
                         ("mlp", TransformedTargetRegressor(mlp, transformer=StandardScaler()))])
    raise ParameterError(f"unknown regressor {name!r}; choose one of {', '.join(REGRESSORS)}")
