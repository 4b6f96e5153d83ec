"""Figures of the book (seaborn/matplotlib). Each function draws on an ``ax`` and returns it, except
:func:`accuracy_bars`, which draws several panels and returns their figure."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.patches import Patch

from .datasets.base import QUADRANTS
from .embedding_maps import tsne_map
from .errors import ParameterError

QUADRANT_PALETTE = dict(zip(QUADRANTS, sns.color_palette("colorblind", 4)))
"""One colour per quadrant, the same in every figure of the book."""


def _palette(n: int) -> list:
    """``n`` distinguishable qualitative colours: seaborn's colorblind set up to 10, then
    matplotlib's tab20, tab20b and tab20c (60), then evenly spaced hues."""
    if n <= 10:
        return sns.color_palette("colorblind", n)
    if n <= 60:
        return (sns.color_palette("tab20") + sns.color_palette("tab20b") + sns.color_palette("tab20c"))[:n]
    return sns.color_palette("husl", n)


def _group_order(values: pd.Series) -> list:
    """Groups in quadrant order if they are quadrants, else sorted (appearance order if unsortable)."""
    groups = list(pd.unique(values))
    if set(groups) <= set(QUADRANTS):
        return [q for q in QUADRANTS if q in groups]
    try:
        return sorted(groups)
    except TypeError:
        return groups


def tsne_scatter(xy: np.ndarray, labels, *, ax=None, title: str = "", palette=None, legend: bool = True,
                 max_legend: int = 12):
    """Scatter 2-D coordinates (a t-SNE map) coloured by a categorical label.

    Parameters
    ----------
    xy : array-like, shape (n, 2)
        Coordinates, e.g. from :func:`mer_core.embedding_maps.tsne_map`.
    labels : array-like, length n
        Categories (quadrants, emotions, actors, sex). Quadrants keep :data:`QUADRANT_PALETTE`;
        other labels are sorted and get a qualitative palette sized to their number. Missing
        labels are drawn in light grey, without a legend entry.
    palette : dict, list or str, optional
        A dict label -> colour (its order is the legend's), a list of colours or a seaborn
        palette name; default as above.
    legend : bool
        Draw a legend; it is dropped anyway when there are more than ``max_legend`` groups (a
        note in the corner gives their number instead).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ParameterError
        ``xy`` not of shape (n, 2), labels of another length, or a palette dict missing a label.

    Used by: notebooks/koh_dubnov.ipynb, :func:`tsne_plot`.
    """
    ax = ax or plt.gca()
    xy = np.asarray(xy, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ParameterError(f"xy must have shape (n, 2), got {xy.shape}")
    labels = pd.Series(np.asarray(labels, dtype=object).ravel())
    if len(labels) != len(xy):
        raise ParameterError(f"{len(labels)} labels for {len(xy)} points")
    known = labels.notna().to_numpy()
    order = _group_order(labels[known])
    if isinstance(palette, dict):
        missing = [g for g in order if g not in palette]
        if missing:
            raise ParameterError(f"palette has no colour for {missing[:5]}")
        order = [g for g in palette if g in set(order)]
        colours = {g: palette[g] for g in order}
    elif palette is None and set(order) <= set(QUADRANTS):
        colours = {g: QUADRANT_PALETTE[g] for g in order}
    else:
        colours = dict(zip(order, sns.color_palette(palette, len(order)) if palette is not None
                           else _palette(len(order))))
    if (~known).any():
        ax.scatter(xy[~known, 0], xy[~known, 1], s=10, c="0.85", linewidths=0)
    size = 12 if len(xy) > 200 else 20
    for g in order:
        sel = known & (labels == g).to_numpy()
        ax.scatter(xy[sel, 0], xy[sel, 1], s=size, color=colours[g], linewidths=0, label=str(g))
    if legend and len(order) <= max_legend:
        ax.legend(fontsize="small", markerscale=1.5, handletextpad=0.2, borderaxespad=0.3)
    elif legend:
        ax.text(0.99, 0.01, f"{len(order)} groups (no legend)", transform=ax.transAxes, ha="right",
                va="bottom", fontsize="x-small", color="0.4")
    ax.set(title=title, xticks=[], yticks=[], xlabel="t-SNE 1", ylabel="t-SNE 2")
    return ax


def tsne_plot(X: np.ndarray, labels, *, ax=None, title: str = "", perplexity: float = 30.0, seed: int = 0):
    """t-SNE of the standardised features ``X`` (:func:`mer_core.embedding_maps.tsne_map`),
    scattered by :func:`tsne_scatter` and coloured by ``labels`` (quadrants in their palette).

    Used by: notebooks/koh_dubnov.ipynb, notebooks/features.ipynb.
    """
    return tsne_scatter(tsne_map(X, perplexity=perplexity, seed=seed), labels, ax=ax, title=title)


def accuracy_bars(summary: pd.DataFrame, *, metric: str = "accuracy", datasets=None, dataset_labels=None,
                  classifier_order=None, feature_order=None, paper_features=(), axes=None):
    """Koh & Dubnov's Figure 3: per dataset, a score per classifier and feature set with its 95 % interval.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`mer_core.evaluation.summarize`: columns ``method`` (the classifier),
        ``features``, ``dataset``, ``metric``, ``mean``, ``ci95_low``, ``ci95_high``. After
        selecting ``metric`` and ``datasets`` it must hold one row per dataset x method x
        features (filter ``source``, ``protocol`` or ``profile`` first when it mixes several).
    metric : str
        The metric drawn; also the y-axis label. The axis spans 0 to 1.
    datasets : list of str, optional
        Datasets, one panel each, in this order; default: all, in order of appearance.
    dataset_labels : dict, optional
        Panel title per dataset (default: the dataset's name).
    classifier_order, feature_order : list of str, optional
        Order of classifiers on the x-axis and of bars within a classifier; default: order of
        appearance (``paper_features`` first). Entries absent from the summary are skipped;
        rows whose classifier or feature set is not listed are left out.
    paper_features : sequence of str
        Feature sets of the paper's figure, in its colour order (L3-Net blue, VGGish orange,
        MFCC green are matplotlib's first three colours): they take those colours; any other
        feature set takes the next colours and hatched bars, and is marked "not in the paper"
        in the legend.
    axes : sequence of matplotlib.axes.Axes, optional
        One axis per dataset (extra axes are hidden); default: a new figure, up to 4 panels a row.

    Returns
    -------
    matplotlib.figure.Figure
        With one legend of the feature sets, above the panels. A dataset lacking some feature
        sets or classifiers shows the bars it has.

    Raises
    ------
    ParameterError
        Missing columns, no rows for ``metric`` or ``datasets``, too few axes, or several rows
        for one bar.

    Used by: notebooks/koh_dubnov.ipynb.
    """
    needed = ["method", "features", "dataset", "metric", "mean", "ci95_low", "ci95_high"]
    missing = [c for c in needed if c not in summary.columns]
    if missing:
        raise ParameterError(f"summary lacks columns {missing} (expected the output of evaluation.summarize)")
    data = summary[summary["metric"] == metric]
    if data.empty:
        raise ParameterError(f"summary has no rows for metric {metric!r}")
    datasets = list(pd.unique(data["dataset"])) if datasets is None else list(datasets)
    data = data[data["dataset"].isin(datasets)]
    absent = [d for d in datasets if d not in set(data["dataset"])]
    if absent:
        raise ParameterError(f"summary has no {metric!r} rows for datasets {absent}")
    paper_features = list(paper_features)
    present = list(pd.unique(data["features"]))
    if feature_order is None:
        feature_order = [f for f in paper_features if f in present] + [f for f in present if f not in paper_features]
    feature_order = [f for f in feature_order if f in present]
    classifiers = list(pd.unique(data["method"])) if classifier_order is None else list(classifier_order)
    data = data[data["features"].isin(feature_order) & data["method"].isin(classifiers)]
    dup = data.duplicated(["dataset", "method", "features"])
    if dup.any():
        row = data[dup].iloc[0]
        raise ParameterError(f"several rows for {row['dataset']} / {row['method']} / {row['features']}: "
                             "filter the summary (source, protocol, profile) first")

    cycle = sns.color_palette("tab10") + sns.color_palette("tab20")[1::2]
    extra = [f for f in feature_order if f not in paper_features]
    colours = {f: cycle[i % len(cycle)] for i, f in enumerate(paper_features)}
    colours.update({f: cycle[(len(paper_features) + i) % len(cycle)] for i, f in enumerate(extra)})
    hatch = {f: (None if f in paper_features or not paper_features else "//") for f in feature_order}

    if axes is None:
        ncols = min(len(datasets), 4)
        nrows = -(-len(datasets) // ncols)
        fig, grid = plt.subplots(nrows, ncols, figsize=(3.4 * ncols, 3.2 * nrows), sharey=True, squeeze=False,
                                 layout="constrained")
        axes = list(grid.ravel())
    else:
        axes = list(np.ravel(axes))
        fig = axes[0].figure
    if len(axes) < len(datasets):
        raise ParameterError(f"{len(datasets)} datasets need as many axes, got {len(axes)}")
    for ax in axes[len(datasets):]:
        ax.set_visible(False)

    labels = dataset_labels or {}
    for ax, dataset in zip(axes, datasets):
        sub = data[data["dataset"] == dataset].set_index(["method", "features"])
        methods = [m for m in classifiers if m in set(sub.index.get_level_values(0))]
        feats = [f for f in feature_order if f in set(sub.index.get_level_values(1))]
        width = 0.8 / max(len(feats), 1)
        for j, f in enumerate(feats):
            xs = [i for i, m in enumerate(methods) if (m, f) in sub.index]
            rows = sub.loc[[(methods[i], f) for i in xs]]
            mean = rows["mean"].to_numpy(float)
            err = np.clip([mean - rows["ci95_low"].to_numpy(float), rows["ci95_high"].to_numpy(float) - mean], 0, None)
            ax.bar(np.asarray(xs) + (j - (len(feats) - 1) / 2) * width, mean, width, yerr=err, capsize=2,
                   color=colours[f], hatch=hatch[f], edgecolor="white" if hatch[f] else None, linewidth=0,
                   error_kw={"elinewidth": 0.8, "ecolor": "0.2"}, label=f)
        ax.set_xticks(range(len(methods)), methods, rotation=30 if max(map(len, methods), default=0) > 5 else 0)
        ax.set(title=labels.get(dataset, dataset), ylim=(0, 1), xlabel="classifier")
        ax.grid(axis="y", color="0.9", lw=0.8)
        ax.set_axisbelow(True)
    for ax in axes[:len(datasets)]:
        ax.set_ylabel(metric if ax.get_subplotspec() is None or ax.get_subplotspec().is_first_col() else "")
    handles = [Patch(facecolor=colours[f], hatch=hatch[f], edgecolor="white" if hatch[f] else None,
                     label=f if hatch[f] is None else f"{f} (not in the paper)") for f in feature_order]
    if isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine):
        fig.legend(handles=handles, loc="outside upper center", ncols=min(len(handles), 4), frameon=False)
    else:  # above the figure; notebooks save figures with bbox_inches="tight"
        fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=min(len(handles), 4),
                   frameon=False)
    return fig


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


def sinc_bands(table: pd.DataFrame, *, ax=None, title: str = ""):
    """SincNet's band-pass filters before (grey) and after training (blue), one vertical bar per
    filter from its low to its high cut-off, filters ordered by initial centre, log-frequency axis.

    ``table``: :func:`mer_core.experiments.pandrea_sincnet.band_table`.

    Used by: notebooks/pandrea.ipynb.
    """
    ax = ax or plt.gca()
    x = np.arange(len(table))
    ax.vlines(x - 0.18, table["low_0"], table["high_0"], color="0.6", lw=2.2, label="initial (mel-spaced)")
    ax.vlines(x + 0.18, table["low"], table["high"], color="tab:blue", lw=2.2, label="learned")
    ax.set_yscale("log")
    ax.set(xlabel="filter (ordered by initial centre frequency)", ylabel="band (Hz)", title=title)
    ax.legend(loc="upper left", frameon=False)
    return ax


def palette_png(fig, *, colors: int = 64) -> bytes:
    """``fig`` as a PNG of at most ``colors`` colours (no dithering), then closed.

    Scatter plots of hundreds of antialiased points compress poorly as true-colour PNG; a
    64-colour palette keeps every group colour and cuts the bytes about fourfold, which
    keeps a page of many t-SNE panels light. Display it with ``IPython.display.Image``.

    Used by: notebooks/koh_dubnov.ipynb (Figure 4).
    """
    import io

    from PIL import Image

    if not 2 <= colors <= 256:
        raise ParameterError(f"colors must be in [2, 256], got {colors}")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    image = Image.open(buffer).convert("RGB").quantize(colors=colors, method=Image.Quantize.FASTOCTREE,
                                                         dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="png", optimize=True)
    return out.getvalue()
