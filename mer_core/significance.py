"""Is one method better than another on the same folds? Paired tests on cross-validation scores.

Scores of two methods on the same folds are paired, and the folds overlap in their training
clips, so the plain paired t-test overstates the evidence. Nadeau & Bengio's corrected resampled
t-test (Machine Learning 52, 2003) widens the variance for that overlap:

.. math:: t = \\frac{\\bar d}{\\sqrt{\\left(\\frac{1}{k} + \\frac{n_\\mathrm{test}}{n_\\mathrm{train}}\\right) s_d^2}}

with :math:`d_j` the difference on fold :math:`j`, :math:`k` folds, :math:`s_d^2` the sample
variance of the differences and :math:`k - 1` degrees of freedom. With
:math:`n_\\mathrm{test} = 0` it is the ordinary paired t-test.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .errors import ParameterError


@dataclass(frozen=True)
class PairedTest:
    """Result of :func:`corrected_paired_ttest`: mean difference (a - b), its corrected t, two-sided p,
    folds, and in how many folds a beat b."""

    mean_difference: float
    t: float
    p_value: float
    folds: int
    wins: int


def corrected_paired_ttest(a, b, *, n_train: float, n_test: float) -> PairedTest:
    """Nadeau & Bengio's corrected resampled t-test of ``a - b`` (scores on the same folds).

    Parameters
    ----------
    a, b : array-like, shape (k,)
        Scores of two methods, fold by fold (same order).
    n_train, n_test : float
        Training and test clips of a fold (their ratio sets the correction; ``n_test=0`` gives
        the ordinary paired t-test).

    Returns
    -------
    PairedTest
        ``p_value`` is two-sided; with all differences equal (no spread) ``t`` is +-inf (p 0) or
        NaN when they are all zero (p 1).

    Raises
    ------
    ParameterError
        Fewer than two folds, ``a`` and ``b`` of different lengths, non-finite scores,
        ``n_train <= 0`` or ``n_test < 0``.

    Used by: :func:`mer_core.experiments.du.parisi_verdict` (notebooks/du.ipynb).
    """
    a, b = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    if len(a) != len(b):
        raise ParameterError(f"a and b must score the same folds, got {len(a)} and {len(b)} values")
    if len(a) < 2:
        raise ParameterError("a paired test needs at least two folds")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ParameterError("scores must be finite")
    if n_train <= 0 or n_test < 0:
        raise ParameterError(f"need n_train > 0 and n_test >= 0, got {n_train} and {n_test}")
    d = a - b
    k = len(d)
    mean, var = float(d.mean()), float(d.var(ddof=1))
    scale = np.sqrt((1.0 / k + n_test / n_train) * var)
    if scale == 0:
        t = float("nan") if mean == 0 else float(np.sign(mean) * np.inf)
        p = 1.0 if mean == 0 else 0.0
    else:
        t = mean / scale
        p = float(2 * stats.t.sf(abs(t), df=k - 1))
    return PairedTest(mean, float(t), p, k, int((d > 0).sum()))


def compare_methods(records: pd.DataFrame, method_a: str, method_b: str, metric: str) -> PairedTest:
    """:func:`corrected_paired_ttest` of two methods' ``metric`` in tidy records on their shared folds.

    The records' ``fold``, ``n_train`` and ``n_test`` columns (:data:`mer_core.evaluation.RECORD_COLUMNS`)
    give the pairing and the correction (median fold sizes).

    Raises
    ------
    ParameterError
        A method without records of ``metric``, or fewer than two shared folds.

    Used by: :func:`mer_core.experiments.du.parisi_verdict` (notebooks/du.ipynb).
    """
    rows = records[records["metric"] == metric]
    by_method = {}
    for method in (method_a, method_b):
        part = rows[rows["method"] == method]
        if part.empty:
            raise ParameterError(f"no {metric} records of method {method!r}")
        if part["fold"].duplicated().any():
            raise ParameterError(f"{method!r} has several {metric} records per fold (filter the records first)")
        by_method[method] = part.set_index("fold")
    shared = sorted(set(by_method[method_a].index) & set(by_method[method_b].index))
    if len(shared) < 2:
        raise ParameterError(f"{method_a!r} and {method_b!r} share {len(shared)} fold(s); a paired test needs two")
    both = pd.concat([by_method[method_a].loc[shared], by_method[method_b].loc[shared]])
    return corrected_paired_ttest(by_method[method_a].loc[shared, "value"], by_method[method_b].loc[shared, "value"],
                                  n_train=float(both["n_train"].median()), n_test=float(both["n_test"].median()))
