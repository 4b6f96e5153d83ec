"""Figures of the book (seaborn/matplotlib). Each function draws on an ``ax`` and returns it."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from sklearn.manifold import TSNE
from sklearn.preprocessing import StandardScaler

from .datasets.base import QUADRANTS

QUADRANT_PALETTE = dict(zip(QUADRANTS, sns.color_palette("colorblind", 4)))
"""One colour per quadrant, the same in every figure of the book."""


def tsne_embedding(X: np.ndarray, *, perplexity: float = 30.0, seed: int = 0) -> np.ndarray:
    """2-D t-SNE of standardised features (Koh & Dubnov use perplexity 30).

    Used by: notebooks/koh_dubnov.ipynb, notebooks/features.ipynb.
    """
    X = StandardScaler().fit_transform(np.asarray(X, dtype=float))
    perplexity = min(perplexity, (len(X) - 1) / 3)
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(X)


def tsne_plot(X: np.ndarray, labels, *, ax=None, title: str = "", perplexity: float = 30.0, seed: int = 0):
    """Scatter the t-SNE of ``X`` coloured by quadrant.

    Used by: notebooks/koh_dubnov.ipynb, notebooks/features.ipynb.
    """
    ax = ax or plt.gca()
    xy = tsne_embedding(X, perplexity=perplexity, seed=seed)
    labels = np.asarray(labels)
    hue_order = [q for q in QUADRANTS if q in set(labels)]
    sns.scatterplot(x=xy[:, 0], y=xy[:, 1], hue=labels, hue_order=hue_order, palette=QUADRANT_PALETTE,
                    s=12, linewidth=0, ax=ax)
    ax.set(title=title, xticks=[], yticks=[], xlabel="t-SNE 1", ylabel="t-SNE 2")
    return ax


def va_plane(tracks: pd.DataFrame, *, ax=None, title: str = ""):
    """Valence-arousal scatter coloured by quadrant, axes through the scale's midpoint (0).

    Used by: notebooks/datasets.ipynb.
    """
    ax = ax or plt.gca()
    sns.scatterplot(data=tracks, x="valence", y="arousal", hue="quadrant", hue_order=list(QUADRANTS),
                    style="culture" if "culture" in tracks else None, palette=QUADRANT_PALETTE, s=18, ax=ax)
    ax.axhline(0, color="0.5", lw=0.8)
    ax.axvline(0, color="0.5", lw=0.8)
    ax.set(xlim=(-1.05, 1.05), ylim=(-1.05, 1.05), title=title)
    return ax


def confusion_heatmap(cm: pd.DataFrame, *, ax=None, title: str = "", normalize: bool = True):
    """Confusion matrix as a heatmap; ``normalize`` shows row-wise recall.

    Used by: notebooks/louro_svm.ipynb, notebooks/koh_dubnov.ipynb.
    """
    ax = ax or plt.gca()
    data = cm.div(cm.sum(axis=1), axis=0) if normalize else cm
    sns.heatmap(data, annot=True, fmt=".2f" if normalize else "d", cmap="Blues", cbar=False, ax=ax,
                vmin=0, vmax=1 if normalize else None)
    ax.set(title=title, xlabel="predicted", ylabel="true")
    return ax


def spectrogram(S_db: np.ndarray, *, sr: int, hop_length: int, ax=None, title: str = ""):
    """Show a log-mel spectrogram (dB) with a time axis in seconds.

    Used by: notebooks/datasets.ipynb.
    """
    ax = ax or plt.gca()
    extent = [0, S_db.shape[1] * hop_length / sr, 0, S_db.shape[0]]
    ax.imshow(S_db, origin="lower", aspect="auto", extent=extent, cmap="magma")
    ax.set(title=title, xlabel="time (s)", ylabel="mel band")
    return ax
