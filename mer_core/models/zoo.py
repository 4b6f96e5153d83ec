"""Classical classifiers of the papers as scikit-learn pipelines (scaling inside the folds).

``make_classifier(name)`` returns an unfitted pipeline ``StandardScaler -> classifier``, so a
cross-validation harness clones it per fold and the scaler only ever sees training rows.

Names:

=================  =====================================================================
``knn``            k-nearest neighbours (k=5)                                  Pandrea et al.
``linear_svm``     SVM, linear kernel, C=1                                     Pandrea et al.
``rbf_svm``        SVM, RBF kernel, C=1, gamma="scale"                         Pandrea, Koh & Dubnov
``gaussian_process``  Gaussian-process classifier, RBF kernel (one-vs-rest)   Pandrea et al.
``mlp``            MLP, one hidden layer of 100 ReLU units, Adam, <= 1000 epochs  Pandrea et al.
``naive_bayes``    Gaussian naive Bayes                                        Pandrea, Koh & Dubnov
``random_forest``  random forest, 500 trees                                    Pandrea, Koh & Dubnov
``svm_bayes``      RBF SVM whose C and gamma are found by Bayesian optimisation
                   (scikit-optimize ``BayesSearchCV``, inner stratified k-fold on the
                   training fold only): Louro et al.'s SVM baseline
=================  =====================================================================

Hyper-parameters the papers do not state are scikit-learn's defaults, except where noted.
"""
from __future__ import annotations

from sklearn.ensemble import RandomForestClassifier
from sklearn.gaussian_process import GaussianProcessClassifier
from sklearn.gaussian_process.kernels import RBF, ConstantKernel
from sklearn.model_selection import StratifiedKFold
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from ..errors import ParameterError

ZOO = ("knn", "linear_svm", "rbf_svm", "gaussian_process", "mlp", "naive_bayes", "random_forest")
"""Pandrea et al.'s classifier zoo (also the classifiers Koh & Dubnov apply to embeddings)."""

CLASSIFIERS = ZOO + ("svm_bayes",)


def _base_classifier(name: str, random_state: int):
    if name == "knn":
        return KNeighborsClassifier(n_neighbors=5)
    if name == "linear_svm":
        return SVC(kernel="linear", C=1.0, random_state=random_state)
    if name == "rbf_svm":
        return SVC(kernel="rbf", C=1.0, gamma="scale", random_state=random_state)
    if name == "gaussian_process":
        return GaussianProcessClassifier(kernel=ConstantKernel(1.0) * RBF(10.0), random_state=random_state)
    if name == "mlp":
        # up to 1000 epochs, as Koh & Dubnov train their MLP; Adam stops earlier once the loss plateaus
        return MLPClassifier(hidden_layer_sizes=(100,), max_iter=1000, random_state=random_state)
    if name == "naive_bayes":
        return GaussianNB()
    if name == "random_forest":
        return RandomForestClassifier(n_estimators=500, random_state=random_state, n_jobs=1)
    raise ParameterError(f"unknown classifier {name!r}; choose one of {CLASSIFIERS}")


def make_classifier(name: str, *, random_state: int = 0, n_iter: int = 30, inner_cv: int = 5):
    """Return an unfitted ``StandardScaler -> classifier`` pipeline.

    Parameters
    ----------
    name : str
        One of :data:`CLASSIFIERS`.
    random_state : int
        Seed of every stochastic part (forest, MLP, Bayesian search).
    n_iter, inner_cv : int
        Only for ``svm_bayes``: evaluations of the Bayesian search and folds of the inner
        stratified CV that scores each candidate (both inside the outer training fold).

    Used by: notebooks/koh_dubnov.ipynb, notebooks/louro_svm.ipynb, notebooks/louro_dl.ipynb, ``mer evaluate``.
    """
    if name == "svm_bayes":
        from skopt import BayesSearchCV
        from skopt.space import Real

        pipe = Pipeline([("scale", StandardScaler()), ("clf", SVC(kernel="rbf", random_state=random_state))])
        space = {"clf__C": Real(1e-2, 1e3, prior="log-uniform"),
                 "clf__gamma": Real(1e-5, 1e0, prior="log-uniform")}
        return BayesSearchCV(pipe, space, n_iter=n_iter, scoring="f1_macro", n_jobs=1,
                             cv=StratifiedKFold(inner_cv, shuffle=True, random_state=random_state),
                             random_state=random_state, refit=True)
    return Pipeline([("scale", StandardScaler()), ("clf", _base_classifier(name, random_state))])
