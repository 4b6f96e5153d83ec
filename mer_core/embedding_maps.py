"""t-SNE maps of feature sets and how well they separate named groupings of the clips.

Koh & Dubnov (Figure 4) read t-SNE maps of RAVDESS embeddings at perplexity 30: two large
clusters (male and female singers), small groups (individual singers) and a "relatively smooth
grouping" by emotion, a pattern they call "consistent in the wide range of T-SNE perplexity".
:func:`silhouettes` puts numbers on those readings: the silhouette of each grouping (sex, actor,
emotion, ...) in the standardised feature space and in t-SNE maps at several perplexities, next
to its chance level (the silhouette of the same points with the labels shuffled).

Every map is computed by :func:`tsne_map` (standardised features, PCA initialisation, a fixed
seed), so the same data and seed give the same coordinates; :func:`tsne_maps` computes one map
per perplexity, which the notebook plots and passes to :func:`silhouettes` to avoid recomputing.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from sklearn.manifold import TSNE
from sklearn.metrics import pairwise_distances, silhouette_score
from sklearn.preprocessing import StandardScaler

from .errors import ParameterError

EMBEDDING_SPACE = "embedding (standardised)"
"""Name of the feature space itself in the ``space`` column of :func:`silhouettes`."""

SILHOUETTE_COLUMNS = ["grouping", "space", "perplexity", "perplexity_used", "n_groups", "silhouette",
                      "shuffled_mean", "shuffled_sd", "above_chance"]
"""Columns of the table returned by :func:`silhouettes`."""

MIN_POINTS = 4
"""Fewest rows a t-SNE map is computed for."""


def space_name(perplexity: float) -> str:
    """Name of the t-SNE map at ``perplexity`` in the ``space`` column, e.g. ``"t-SNE perplexity 30"``.

    Used by: :func:`silhouettes`, notebooks/koh_dubnov.ipynb.
    """
    return f"t-SNE perplexity {perplexity:g}"


def _features(X) -> np.ndarray:
    """``X`` as a finite 2-D float array with at least :data:`MIN_POINTS` rows."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ParameterError(f"features must be a 2-D array (clips x dimensions), got shape {X.shape}")
    if len(X) < MIN_POINTS:
        raise ParameterError(f"a t-SNE map needs at least {MIN_POINTS} rows, got {len(X)}")
    if not np.isfinite(X).all():
        raise ParameterError(f"features contain {int((~np.isfinite(X)).sum())} non-finite values (NaN or inf)")
    return X


def standardise(X) -> np.ndarray:
    """Zero mean and unit variance per column; constant columns become 0.

    Used by: :func:`tsne_map`, :func:`silhouettes`.
    """
    return StandardScaler().fit_transform(_features(X))


def effective_perplexity(n: int, perplexity: float = 30.0) -> float:
    """The perplexity :func:`tsne_map` uses for ``n`` points: ``min(perplexity, (n - 1) / 3)``.

    t-SNE's neighbourhoods need perplexity well below the number of points (scikit-learn
    requires ``perplexity < n``; about ``3 * perplexity`` neighbours enter each point's
    distribution), so small data sets get a smaller perplexity than asked for.

    Raises
    ------
    ParameterError
        A perplexity that is not positive.

    Used by: :func:`tsne_map`, :func:`silhouettes`.
    """
    if not perplexity > 0:
        raise ParameterError(f"perplexity must be positive, got {perplexity}")
    return float(min(perplexity, (n - 1) / 3))


def tsne_map(X, *, perplexity: float = 30.0, seed: int = 0) -> np.ndarray:
    """2-D t-SNE of standardised features (Koh & Dubnov use perplexity 30).

    Parameters
    ----------
    X : array-like, shape (n, d)
        One row per clip; standardised here (zero mean, unit variance, constant columns 0).
    perplexity : float
        Asked-for perplexity; clipped to :func:`effective_perplexity` (below ``n / 3``), which
        gives the value actually used.
    seed : int
        ``random_state`` of the t-SNE. With the PCA initialisation the map is deterministic
        (the seed matters only where scikit-learn's PCA uses a randomised solver).

    Returns
    -------
    numpy.ndarray, shape (n, 2)

    Raises
    ------
    ParameterError
        ``X`` not 2-D, with fewer than 4 rows or non-finite values; a perplexity that is not positive.

    Used by: notebooks/koh_dubnov.ipynb, notebooks/features.ipynb (through
    :func:`mer_core.plots.tsne_plot`).
    """
    Z = standardise(X)
    used = effective_perplexity(len(Z), perplexity)
    return TSNE(n_components=2, perplexity=used, init="pca", random_state=seed).fit_transform(Z)


def tsne_maps(X, perplexities: Iterable[float] = (30.0,), seed: int = 0) -> dict[float, np.ndarray]:
    """One :func:`tsne_map` per perplexity, keyed by the asked-for perplexity.

    Returns
    -------
    dict of float to numpy.ndarray, shape (n, 2)

    Used by: notebooks/koh_dubnov.ipynb (plots and :func:`silhouettes` share the maps).
    """
    X = _features(X)
    return {p: tsne_map(X, perplexity=p, seed=seed) for p in dict.fromkeys(perplexities)}


def _labels(name: str, labels, n: int) -> np.ndarray:
    """Integer codes of one grouping, checked: ``n`` labels, none missing, >= 2 groups, none of 1 point."""
    values = pd.Series(np.asarray(labels, dtype=object).ravel())
    if len(values) != n:
        raise ParameterError(f"grouping {name!r} has {len(values)} labels for {n} rows")
    if values.isna().any():
        raise ParameterError(f"grouping {name!r} has {int(values.isna().sum())} missing labels")
    codes, uniques = pd.factorize(values)
    counts = np.bincount(codes)
    if len(uniques) < 2:
        raise ParameterError(f"grouping {name!r} needs at least 2 groups, got {len(uniques)}")
    if counts.min() < 2:
        singles = [str(u) for u, c in zip(uniques, counts) if c < 2]
        raise ParameterError(f"grouping {name!r} has groups of one point ({', '.join(singles[:5])}); "
                             "merge or drop them")
    return codes


def silhouettes(X, groupings: Mapping[str, object], *, perplexities: Iterable[float] | None = None,
                seed: int = 0, n_shuffles: int = 20, maps: Mapping[float, np.ndarray] | None = None
                ) -> pd.DataFrame:
    """How well each grouping separates in the feature space and in t-SNE maps, against chance.

    Parameters
    ----------
    X : array-like, shape (n, d)
        Features, one row per clip (e.g. L3-Net embeddings of RAVDESS song clips).
    groupings : dict of str to array-like
        Named labelings of the rows, e.g. ``{"sex": ..., "actor": ..., "emotion": ...}``.
        Every grouping needs at least 2 groups and at least 2 points in each (a silhouette is
        undefined for a group of one point); otherwise :class:`ParameterError` is raised, so a
        table never silently lacks a grouping.
    perplexities : iterable of float, optional
        t-SNE perplexities; default: the keys of ``maps`` if given, else ``(30,)``.
    seed : int
        Seed of the t-SNE maps and of the label permutations.
    n_shuffles : int
        Permutations of each grouping's labels that give its chance level (at least 2). The same
        permutations are used in every space, so spaces are compared on equal terms.
    maps : dict of float to array, shape (n, 2), optional
        Maps from :func:`tsne_maps` (same ``X`` and seed) to reuse; missing perplexities are computed.

    Returns
    -------
    pandas.DataFrame
        One row per grouping x space in the columns :data:`SILHOUETTE_COLUMNS`: ``space`` is
        :data:`EMBEDDING_SPACE` (standardised features; ``perplexity`` NaN) or
        :func:`space_name` of the asked-for perplexity; ``perplexity_used`` is the perplexity
        after :func:`effective_perplexity`; ``silhouette`` is scikit-learn's mean silhouette
        (euclidean); ``shuffled_mean`` and ``shuffled_sd`` (ddof 1) are the silhouettes of the
        permuted labels; ``above_chance = (silhouette - shuffled_mean) / shuffled_sd`` (NaN if
        the shuffled silhouettes do not vary).

    Raises
    ------
    ParameterError
        Bad ``X``, a grouping of the wrong length, with missing labels, fewer than 2 groups or a
        group of one point, ``n_shuffles < 2``, or a map of the wrong shape.

    Used by: notebooks/koh_dubnov.ipynb.
    """
    X = _features(X)
    Z = standardise(X)
    n = len(Z)
    if n_shuffles < 2:
        raise ParameterError(f"n_shuffles must be at least 2 (for a spread), got {n_shuffles}")
    if not groupings:
        raise ParameterError("no groupings given")
    codes = {name: _labels(name, labels, n) for name, labels in groupings.items()}
    maps = dict(maps or {})
    if perplexities is None:
        perplexities = list(maps) or [30.0]
    perplexities = list(dict.fromkeys(perplexities))

    spaces = [(EMBEDDING_SPACE, np.nan, np.nan, Z)]
    for p in perplexities:
        xy = maps.get(p)
        if xy is None:
            xy = tsne_map(X, perplexity=p, seed=seed)
        xy = np.asarray(xy, dtype=float)
        if xy.shape != (n, 2):
            raise ParameterError(f"map for perplexity {p:g} has shape {xy.shape}, expected ({n}, 2)")
        spaces.append((space_name(p), float(p), effective_perplexity(n, p), xy))

    rng = np.random.default_rng(seed)
    perms = {name: [rng.permutation(c) for _ in range(n_shuffles)] for name, c in codes.items()}
    rows = []
    for space, p, used, points in spaces:
        D = pairwise_distances(points)
        for name, c in codes.items():
            sil = silhouette_score(D, c, metric="precomputed")
            shuffled = np.array([silhouette_score(D, s, metric="precomputed") for s in perms[name]])
            mean, sd = shuffled.mean(), shuffled.std(ddof=1)
            rows.append({"grouping": name, "space": space, "perplexity": p, "perplexity_used": used,
                         "n_groups": int(c.max() + 1), "silhouette": sil, "shuffled_mean": mean,
                         "shuffled_sd": sd, "above_chance": (sil - mean) / sd if sd > 0 else np.nan})
    return pd.DataFrame(rows, columns=SILHOUETTE_COLUMNS)
