"""Models: classical scikit-learn pipelines and torch networks behind one estimator."""
from .regressors import REGRESSORS, make_regressor
from .zoo import CLASSIFIERS, ZOO, make_classifier

__all__ = ["CLASSIFIERS", "REGRESSORS", "ZOO", "make_classifier", "make_regressor"]
