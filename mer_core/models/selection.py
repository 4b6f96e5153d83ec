"""Pandrea et al.'s "best 50 features" of two concatenated feature sets.

Pandrea, Gómez-Cañón & Herrera "combined both feature sets [IS13 ComParE and Essentia
low-level descriptors] and extracted the best 50 features from the whole set, among which
there were slightly more from Essentia". The extended abstract names neither the ranking
criterion nor where the ranking was computed. We use scikit-learn's default univariate
ranking, the ANOVA F-value of each column against the quadrant (``SelectKBest(f_classif)``;
their baselines are scikit-learn models), over the concatenated columns, and we fit it
inside each training fold, so the test rows never influence which columns are kept (ranking
on all rows first would leak the test labels into the features). The F-value does not
depend on a column's scale, so the two sets compete on equal terms without scaling first.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from sklearn.feature_selection import SelectKBest, f_classif


class SelectKBestFromSets(SelectKBest):
    """Keep the ``k`` best-scoring columns of several concatenated feature sets.

    A :class:`sklearn.feature_selection.SelectKBest` that also knows which feature set each
    column came from, so it can report how many of the kept columns each set contributes
    (the paper's "slightly more from Essentia"). Put it in a Pipeline before the scaler and
    classifier: the Pipeline fits it on the training rows of each fold only.

    Parameters
    ----------
    score_func : callable
        ``score_func(X, y) -> scores`` or ``(scores, pvalues)``; default ANOVA F-value
        (:func:`sklearn.feature_selection.f_classif`). Columns scoring NaN (constant within
        the training rows) rank last.
    k : int or "all"
        Number of columns to keep (default 50, as in the paper).
    sets : mapping of str to int, optional
        Feature-set name -> number of columns, in column order (e.g. the ``sets`` returned by
        :func:`hstack_sets`). Their sizes must add up to the number of columns.

    Attributes
    ----------
    scores_, pvalues_ : ndarray of shape (n_features,)
        Scores on the training rows.
    column_sets_ : ndarray of str, shape (n_features,)
        Set name of each column (only when ``sets`` is given).
    selected_per_set_ : dict of str to int
        Number of kept columns from each set (only when ``sets`` is given).

    Used by: notebooks/pandrea.ipynb (IS13 + Essentia best-50 baseline).
    """

    _parameter_constraints: dict = {**SelectKBest._parameter_constraints, "sets": [Mapping, None]}

    def __init__(self, score_func=f_classif, *, k=50, sets: Mapping[str, int] | None = None):
        super().__init__(score_func=score_func, k=k)
        self.sets = sets

    def fit(self, X, y=None):
        """Score every column on the training rows ``(X, y)`` and fix the selection."""
        super().fit(X, y)
        if self.sets is not None:
            names = list(self.sets)
            sizes = [int(self.sets[name]) for name in names]
            if any(size < 0 for size in sizes) or sum(sizes) != self.n_features_in_:
                raise ValueError(f"sets {dict(self.sets)} describe {sum(sizes)} columns, "
                                 f"X has {self.n_features_in_}")
            self.column_sets_ = np.repeat(np.array(names, dtype=object), sizes)
            kept = self.column_sets_[self.get_support()]
            self.selected_per_set_ = {name: int(np.sum(kept == name)) for name in names}
        return self


def hstack_sets(feature_sets: Mapping[str, np.ndarray]) -> tuple[np.ndarray, dict[str, int]]:
    """Concatenate feature matrices column-wise and return them with their ``sets`` sizes.

    Parameters
    ----------
    feature_sets : mapping of str to array of shape (n_clips, n_features_i)
        Same clips, same row order, in every matrix (e.g. ``FeatureSet.X`` of extractors run
        on one Tracks table).

    Returns
    -------
    X : ndarray of shape (n_clips, sum of n_features_i)
    sets : dict of str to int
        Name -> column count, in column order: the ``sets`` argument of
        :class:`SelectKBestFromSets`.

    Used by: notebooks/pandrea.ipynb.
    """
    if not feature_sets:
        raise ValueError("feature_sets is empty")
    mats = {name: np.asarray(X) for name, X in feature_sets.items()}
    for name, X in mats.items():
        if X.ndim != 2:
            raise ValueError(f"feature set {name!r} must be 2-D, got shape {X.shape}")
    n_rows = {X.shape[0] for X in mats.values()}
    if len(n_rows) != 1:
        raise ValueError(f"feature sets have different numbers of rows: "
                         f"{ {name: X.shape[0] for name, X in mats.items()} }")
    return np.hstack(list(mats.values())), {name: X.shape[1] for name, X in mats.items()}
