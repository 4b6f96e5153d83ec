"""Models: classical scikit-learn pipelines and torch networks behind one estimator."""
from .zoo import CLASSIFIERS, ZOO, make_classifier

__all__ = ["CLASSIFIERS", "ZOO", "make_classifier"]
