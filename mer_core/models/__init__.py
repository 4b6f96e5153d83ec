"""Models: classical scikit-learn pipelines and torch networks behind one estimator."""
from .regressors import REGRESSORS, make_regressor
from .validation_search import ValidationSearch
from .zoo import CLASSIFIERS, KOH_DUBNOV_CLASSIFIERS, ZOO, koh_dubnov_classifier, make_classifier

__all__ = ["CLASSIFIERS", "EmbeddingNetClassifier", "KOH_DUBNOV_CLASSIFIERS", "REGRESSORS", "ValidationSearch", "ZOO",
           "koh_dubnov_classifier", "make_classifier", "make_regressor"]


def __getattr__(name: str):
    # torch-backed estimators load on first use, so importing the classical zoo stays light
    if name == "EmbeddingNetClassifier":
        from .embedding_nets import EmbeddingNetClassifier

        return EmbeddingNetClassifier
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
