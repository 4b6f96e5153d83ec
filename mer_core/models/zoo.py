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

Koh & Dubnov's six classifiers of deep audio embeddings (:data:`KOH_DUBNOV_CLASSIFIERS`) use
their 80/10/10 protocol's validation tenth: ``koh_dubnov_classifier(name)`` returns an
estimator whose ``fit`` takes ``validation=(X_val, y_val)``, which the harness passes for a
holdout protocol; the test tenth is only scored and nothing is refitted on train + validation.

=================  =====================================================================
``svm``            ``StandardScaler -> SVC`` (RBF, gamma="scale"); C in {0.1, 1, 10, 100}
                   chosen on the validation rows (:class:`ValidationSearch`)
``naive_bayes``    ``StandardScaler -> GaussianNB``; var_smoothing in {1e-9, 1e-6, 1e-3}
                   chosen on the validation rows
``random_forest``  random forest, 500 trees (``n_trees``); max_features in {"sqrt", 0.3}
                   chosen on the validation rows
``mlp``            :class:`~mer_core.models.embedding_nets.EmbeddingNetClassifier` ``mlp``:
                   2 x 512 ReLU, Adam, batch 32, <= 1000 epochs, early stopping on the
                   validation loss with patience 100, best validation epoch kept
``cnn``            the same training, ``cnn1d``: four Conv1d(64, kernel 3) + max-pool(2)
                   blocks over the embedding vector
``rnn``            the same training, ``lstm``: LSTM(128) over the frame embeddings with a
                   per-step softmax, clip probabilities averaged over steps
=================  =====================================================================

The grids are ours (the paper names the classifiers, not their hyper-parameters). Accuracy on
the validation rows picks the grid point. Under a k-fold protocol (no validation rows) the
classical three fall back to C=1, var_smoothing=1e-9, max_features="sqrt" and the networks
train all ``max_epochs`` epochs.
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

KOH_DUBNOV_CLASSIFIERS = ("svm", "naive_bayes", "random_forest", "mlp", "cnn", "rnn")
"""Koh & Dubnov's six classifiers of embeddings, the names :func:`koh_dubnov_classifier` accepts."""

_KOH_DUBNOV_NETS = {"mlp": "mlp", "cnn": "cnn1d", "rnn": "lstm"}


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


def koh_dubnov_classifier(name: str, *, random_state: int = 0, max_epochs: int = 1000, patience: int | None = 100,
                          n_trees: int = 500, device: str = "auto", num_threads: int | None = None,
                          progress: bool = False):
    """Return one of Koh & Dubnov's six classifiers, unfitted, with validation-based choices.

    Parameters
    ----------
    name : str
        One of :data:`KOH_DUBNOV_CLASSIFIERS` (table in the module docstring).
    random_state : int
        Seed of the forest and of the networks' weights and batch order.
    max_epochs, patience : int
        Networks only: epoch limit and early-stopping patience on the validation loss
        (paper: 1000 and 100).
    n_trees : int
        ``random_forest`` only (paper: scikit-learn forest; 500 trees here, fewer for smoke runs).
    device, num_threads, progress
        Networks only; see :class:`~mer_core.models.embedding_nets.EmbeddingNetClassifier`.

    Returns
    -------
    estimator
        A :class:`~mer_core.models.validation_search.ValidationSearch` (svm, naive_bayes,
        random_forest) or an :class:`~mer_core.models.embedding_nets.EmbeddingNetClassifier`
        (mlp, cnn, rnn); both take ``fit(X, y, validation=(X_val, y_val))``. ``rnn`` takes
        ``(n, T, d)`` frame embeddings (or ``(n, d)`` as T=1), the others ``(n, d)``.

    Used by: notebooks/koh_dubnov.ipynb.
    """
    from .validation_search import ValidationSearch

    if name == "svm":
        pipe = Pipeline([("scale", StandardScaler()),
                         ("clf", SVC(kernel="rbf", C=1.0, gamma="scale", random_state=random_state))])
        return ValidationSearch(pipe, {"clf__C": [0.1, 1.0, 10.0, 100.0]})
    if name == "naive_bayes":
        pipe = Pipeline([("scale", StandardScaler()), ("clf", GaussianNB(var_smoothing=1e-9))])
        return ValidationSearch(pipe, {"clf__var_smoothing": [1e-9, 1e-6, 1e-3]})
    if name == "random_forest":
        if int(n_trees) <= 0:
            raise ParameterError(f"n_trees must be positive, got {n_trees}")
        forest = RandomForestClassifier(n_estimators=int(n_trees), max_features="sqrt", random_state=random_state,
                                        n_jobs=1)
        return ValidationSearch(forest, {"max_features": ["sqrt", 0.3]})
    if name in _KOH_DUBNOV_NETS:
        from .embedding_nets import EmbeddingNetClassifier

        return EmbeddingNetClassifier(_KOH_DUBNOV_NETS[name], epochs=max_epochs, patience=patience, batch_size=32,
                                      lr=1e-3, device=device, random_state=random_state, progress=progress,
                                      num_threads=num_threads)
    raise ParameterError(f"unknown Koh & Dubnov classifier {name!r}; choose one of {KOH_DUBNOV_CLASSIFIERS}")
