"""Correlation-based feature selection (CFS, Hall 1999) as a scikit-learn selector.

Hall's CFS scores a feature subset ``S`` of ``k`` features by its *merit*

.. math::

    M_S = \\frac{k\\,\\overline{r_{cf}}}{\\sqrt{k + k(k-1)\\,\\overline{r_{ff}}}}

where :math:`\\overline{r_{cf}}` is the mean correlation of the subset's features with the class
and :math:`\\overline{r_{ff}}` the mean correlation between two of its features (over the
:math:`k(k-1)/2` pairs): a good subset holds features that each predict the class and that do
not repeat one another. The subset is found by a forward best-first search from the empty set:
the best subset not yet expanded is expanded by adding each remaining feature in turn, and the
search stops after :data:`STALE_LIMIT` expansions in a row that find no subset better than the
best so far (Hall's, and WEKA's ``BestFirst``, default of 5), or when nothing is left to expand.

Two correlation measures (``correlation``):

``"pearson"`` (default)
    Between two features, :math:`|r|` (Pearson). Between a numeric feature and the nominal class,
    Hall's own rule for a numeric and a nominal attribute (thesis, section 4.2): the class is
    replaced by one binary indicator per class value and the correlation is the prior-weighted
    sum :math:`r_{cf} = \\sum_c p(c)\\,|r(f, [y = c])|`.
``"su"``
    Symmetrical uncertainty :math:`SU = 2\\,IG(X;Y) / (H(X) + H(Y))` between discretised
    variables, as in Hall's original and WEKA's ``CfsSubsetEval``. Deviation: features are
    discretised into ``n_bins`` equal-frequency bins learned on the training rows, not by
    Fayyad and Irani's supervised MDL discretisation.

A constant feature correlates with nothing (0) and is never selected. The selected subset is
learned in ``fit`` from the training rows only, so inside a :class:`~sklearn.pipeline.Pipeline`
cross-validation selects within each training fold.
"""
from __future__ import annotations

import heapq

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.feature_selection import SelectorMixin
from sklearn.utils.validation import check_is_fitted

from ..errors import ParameterError

STALE_LIMIT = 5
"""Expansions in a row without a better subset after which the search stops (Hall; WEKA's default)."""

CORRELATIONS = ("pearson", "su")
"""The correlation measures :class:`CFS` accepts."""


def _abs_pearson(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """``|r|`` between every column of ``A`` and every column of ``B``; 0 where a column is constant."""
    A = A - A.mean(axis=0)
    B = B - B.mean(axis=0)
    na, nb = np.sqrt((A ** 2).sum(axis=0)), np.sqrt((B ** 2).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (A.T @ B) / np.outer(na, nb)
    r[~np.isfinite(r)] = 0.0
    return np.clip(np.abs(r), 0.0, 1.0)


def class_correlation_pearson(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Hall's correlation of each numeric feature with a nominal class: ``sum_c p(c) |r(f, [y == c])|``.

    Used by: :class:`CFS` (``correlation="pearson"``).
    """
    classes, index = np.unique(y, return_inverse=True)
    indicators = (index[:, None] == np.arange(len(classes))[None, :]).astype(float)
    priors = indicators.mean(axis=0)
    return _abs_pearson(X, indicators) @ priors


def _entropy(codes: np.ndarray) -> float:
    p = np.bincount(codes) / len(codes)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def symmetrical_uncertainty(a: np.ndarray, b: np.ndarray) -> float:
    """``2 (H(a) + H(b) - H(a, b)) / (H(a) + H(b))`` of two discrete codes (non-negative ints); 0 if both are constant.

    Used by: :class:`CFS` (``correlation="su"``).
    """
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    ha, hb = _entropy(a), _entropy(b)
    if ha + hb == 0:
        return 0.0
    joint = a * (int(b.max()) + 1) + b
    return float(np.clip(2.0 * (ha + hb - _entropy(joint)) / (ha + hb), 0.0, 1.0))


def equal_frequency_edges(x: np.ndarray, n_bins: int) -> np.ndarray:
    """Inner bin edges of ``n_bins`` equal-frequency bins of ``x`` (duplicates removed).

    Used by: :class:`CFS` (``correlation="su"``).
    """
    edges = np.quantile(x, np.linspace(0, 1, n_bins + 1)[1:-1])
    return np.unique(edges)


def merit(r_cf: np.ndarray, r_ff: np.ndarray, subset) -> float:
    """Hall's merit ``k mean(r_cf) / sqrt(k + k (k-1) mean(r_ff))`` of the feature indices ``subset``.

    Parameters
    ----------
    r_cf : ndarray of shape (n_features,)
        Feature-class correlations.
    r_ff : ndarray of shape (n_features, n_features)
        Feature-feature correlations (symmetric; the diagonal is not used).
    subset : sequence of int

    Used by: :class:`CFS`, tests.
    """
    subset = np.asarray(list(subset), dtype=int)
    k = len(subset)
    if k == 0:
        return 0.0
    block = r_ff[np.ix_(subset, subset)]
    pair_sum = (block.sum() - np.trace(block)) / 2.0  # sum over the k(k-1)/2 pairs
    return float(r_cf[subset].sum() / np.sqrt(k + 2.0 * pair_sum))


class CFS(SelectorMixin, BaseEstimator):
    """Correlation-based feature selection: the subset with the best merit found by forward best-first search.

    Parameters
    ----------
    correlation : {"pearson", "su"}
        ``"pearson"``: ``|r|`` between features and Hall's prior-weighted point-biserial
        correlation with the class; ``"su"``: symmetrical uncertainty of discretised features
        (module docstring).
    n_bins : int
        Equal-frequency bins per feature for ``"su"`` (ignored for ``"pearson"``).
    stale_limit : int
        Stop after this many expansions in a row without a better subset (:data:`STALE_LIMIT`).
    max_features : int or None
        Never select more than this many features (None: no limit).

    Attributes
    ----------
    support_ : ndarray of bool, shape (n_features_in_,)
        The selected features.
    selected_ : ndarray of int
        Their indices, in column order.
    merit_ : float
        The selected subset's merit.
    r_cf_ : ndarray of shape (n_features_in_,)
        Each feature's correlation with the class.
    r_ff_ : ndarray of shape (n_features_in_, n_features_in_)
        The feature-feature correlations.
    n_expansions_ : int
        Subsets expanded by the search.
    n_features_in_ : int

    Used by: :func:`mer_core.experiments.du.hizlisoy_pipeline` (notebooks/du.ipynb, Hizlisoy et al.).
    """

    def __init__(self, correlation: str = "pearson", n_bins: int = 10, stale_limit: int = STALE_LIMIT,
                 max_features: int | None = None):
        self.correlation = correlation
        self.n_bins = n_bins
        self.stale_limit = stale_limit
        self.max_features = max_features

    def _correlations(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.correlation == "pearson":
            return class_correlation_pearson(X, y), _abs_pearson(X, X)
        codes = np.stack([np.searchsorted(equal_frequency_edges(X[:, j], int(self.n_bins)), X[:, j], side="right")
                          for j in range(X.shape[1])], axis=1)
        _, y_codes = np.unique(y, return_inverse=True)
        p = X.shape[1]
        r_cf = np.array([symmetrical_uncertainty(codes[:, j], y_codes) for j in range(p)])
        r_ff = np.eye(p)
        for i in range(p):
            for j in range(i + 1, p):
                r_ff[i, j] = r_ff[j, i] = symmetrical_uncertainty(codes[:, i], codes[:, j])
        return r_cf, r_ff

    def fit(self, X, y):
        """Learn the subset from ``X`` (n_samples, n_features) and class labels ``y``; return ``self``."""
        if self.correlation not in CORRELATIONS:
            raise ParameterError(f"correlation must be one of {CORRELATIONS}, got {self.correlation!r}")
        if int(self.stale_limit) < 1 or int(self.n_bins) < 2:
            raise ParameterError("stale_limit must be >= 1 and n_bins >= 2")
        if self.max_features is not None and int(self.max_features) < 1:
            raise ParameterError(f"max_features must be positive or None, got {self.max_features}")
        X = np.asarray(X, dtype=float)
        y = np.asarray(y)
        if X.ndim != 2 or len(X) != len(y) or X.shape[1] == 0:
            raise ParameterError(f"X must be (n_samples, n_features) with one label per row; got X {X.shape}, "
                                 f"y {y.shape}")
        if not np.isfinite(X).all():
            raise ParameterError("X contains NaN or infinite values")
        if len(np.unique(y)) < 2:
            raise ParameterError("CFS needs at least two classes")
        self.n_features_in_ = X.shape[1]
        self.r_cf_, self.r_ff_ = self._correlations(X, y)
        best, self.merit_, self.n_expansions_ = self._search(self.r_cf_, self.r_ff_)
        self.selected_ = np.array(sorted(best), dtype=int)
        self.support_ = np.zeros(self.n_features_in_, dtype=bool)
        self.support_[self.selected_] = True
        return self

    def _search(self, r_cf: np.ndarray, r_ff: np.ndarray) -> tuple[tuple[int, ...], float, int]:
        """Forward best-first search; returns (best subset, its merit, expansions)."""
        p = len(r_cf)
        limit = p if self.max_features is None else min(p, int(self.max_features))
        # heap entries: (-merit, size, subset); ties go to the smaller, then lexicographically first subset
        start: tuple[int, ...] = ()
        open_list = [(-0.0, 0, start)]
        seen = {frozenset()}
        best, best_merit, stale, expansions = start, 0.0, 0, 0
        while open_list and stale < int(self.stale_limit):
            _, _, subset = heapq.heappop(open_list)
            expansions += 1
            improved = False
            if len(subset) < limit:
                for f in range(p):
                    if f in subset:
                        continue
                    child = tuple(sorted(subset + (f,)))
                    key = frozenset(child)
                    if key in seen:
                        continue
                    seen.add(key)
                    m = merit(r_cf, r_ff, child)
                    heapq.heappush(open_list, (-m, len(child), child))
                    if m > best_merit + 1e-12:
                        best, best_merit, improved = child, m, True
            stale = 0 if improved else stale + 1
        if not best:  # every feature constant or uncorrelated: keep the one most correlated with the class
            best = (int(np.argmax(r_cf)),)
            best_merit = merit(r_cf, r_ff, best)
        return best, best_merit, expansions

    def _get_support_mask(self) -> np.ndarray:
        check_is_fitted(self, "support_")
        return self.support_
