"""Hyper-parameter choice on a holdout protocol's validation rows.

:class:`ValidationSearch` is the "model chosen on the validation set" of an 80/10/10 (or
60/20/20) protocol for estimators that have no epochs to stop: every grid point is fitted on
the training rows, scored on the validation rows, and the best fitted model predicts the test
rows. The harness (:func:`mer_core.evaluation.cross_validate`) passes ``validation=`` because
:meth:`ValidationSearch.fit` takes it.

Used by: :func:`mer_core.models.zoo.koh_dubnov_classifier` (svm, naive_bayes, random_forest).
"""
from __future__ import annotations

import inspect

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.metrics import check_scoring
from sklearn.model_selection import ParameterGrid
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ..errors import ParameterError


def _fit(estimator, X, y, validation):
    """Fit ``estimator``, passing ``validation`` on when its ``fit`` takes it."""
    if validation is not None and "validation" in inspect.signature(estimator.fit).parameters:
        return estimator.fit(X, y, validation=validation)
    return estimator.fit(X, y)


def _delegate_has(attr: str):
    """``available_if`` check: the fitted best estimator (else the template) has ``attr``."""
    def check(self) -> bool:
        getattr(self.best_estimator_ if hasattr(self, "best_estimator_") else self.estimator, attr)
        return True
    return check


class ValidationSearch(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Choose hyper-parameters of a classifier on held-out validation rows (no inner CV).

    ``fit(X, y, validation=(X_val, y_val))`` fits a clone of ``estimator`` with each point of
    ``param_grid`` (in :class:`~sklearn.model_selection.ParameterGrid` order) on ``X, y``,
    scores it on the validation rows, and keeps the best fitted clone (ties: the first in grid
    order). The chosen model is **not** refitted on training + validation rows, so under an
    80/10/10 protocol it was trained on the same 80 % as every other estimator. An estimator
    whose own ``fit`` takes ``validation`` (e.g.
    :class:`~mer_core.models.embedding_nets.EmbeddingNetClassifier`) receives the validation
    rows too.

    **Without validation rows** (a k-fold protocol, or a plain ``fit(X, y)``) nothing can be
    chosen: a clone of ``estimator`` with its own parameters (its defaults unless set) is
    fitted, ``best_params_`` is ``{}`` and ``validation_scores_`` is empty.

    Parameters
    ----------
    estimator : scikit-learn classifier (or pipeline)
        Template; grid keys use its ``set_params`` names (``"clf__C"`` in a pipeline).
    param_grid : dict or list of dicts
        As for :class:`~sklearn.model_selection.GridSearchCV`.
    scoring : str or callable
        A scikit-learn scorer name or ``scorer(estimator, X, y)``; higher is better.

    Attributes
    ----------
    best_estimator_ : estimator
        The fitted clone that predicts.
    best_params_ : dict
        Its grid point.
    best_score_ : float or None
        Its validation score (``None`` without validation rows).
    validation_scores_ : list of (dict, float)
        Every grid point with its validation score, in grid order.
    classes_ : ndarray
        The best estimator's labels.
    """

    def __init__(self, estimator, param_grid, *, scoring="accuracy"):
        self.estimator = estimator
        self.param_grid = param_grid
        self.scoring = scoring

    def fit(self, X, y, validation=None):
        """Fit every grid point on ``X, y`` and keep the best on ``validation=(X_val, y_val)``; return ``self``."""
        grid = list(ParameterGrid(self.param_grid))
        if not grid:
            raise ParameterError("param_grid is empty")
        scorer = check_scoring(self.estimator, scoring=self.scoring)
        self.validation_scores_ = []
        if validation is None:
            self.best_estimator_ = _fit(clone(self.estimator), X, y, None)
            self.best_params_, self.best_score_ = {}, None
            return self
        if len(validation) != 2:
            raise ParameterError("validation must be a pair (X_val, y_val)")
        X_val, y_val = validation
        if len(X_val) == 0 or len(X_val) != len(y_val):
            raise ParameterError(f"validation needs rows and one label per row, got {len(X_val)} rows "
                                 f"and {len(y_val)} labels")
        best = None
        for params in grid:
            model = _fit(clone(self.estimator).set_params(**params), X, y, validation)
            score = float(scorer(model, X_val, y_val))
            if not np.isfinite(score):
                raise ParameterError(f"validation score of {params} is {score}")
            self.validation_scores_.append((params, score))
            if best is None or score > best[2]:
                best = (model, params, score)
        self.best_estimator_, self.best_params_, self.best_score_ = best
        return self

    @property
    def classes_(self) -> np.ndarray:
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.classes_

    def predict(self, X):
        """The best estimator's predictions."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict(X)

    @available_if(_delegate_has("predict_proba"))
    def predict_proba(self, X):
        """The best estimator's class probabilities."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict_proba(X)

    @available_if(_delegate_has("decision_function"))
    def decision_function(self, X):
        """The best estimator's decision function."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.decision_function(X)
