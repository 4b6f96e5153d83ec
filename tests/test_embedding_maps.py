"""t-SNE maps, silhouettes against chance, and the figures built on them (small generated data)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402

from mer_core import plots  # noqa: E402
from mer_core.embedding_maps import (EMBEDDING_SPACE, SILHOUETTE_COLUMNS, effective_perplexity,  # noqa: E402
                                     silhouettes, space_name, standardise, tsne_map, tsne_maps)
from mer_core.errors import ParameterError  # noqa: E402
from mer_core.evaluation import summarize  # noqa: E402

P = 10.0  # a small perplexity keeps the maps of 60 points quick


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def blobs():
    """60 points in 8-D: two well-separated blobs ("sex") and an unrelated random labelling ("noise")."""
    rng = np.random.default_rng(1)
    sex = np.repeat(["female", "male"], 30)
    X = rng.standard_normal((60, 8)) + np.where(sex == "male", 6.0, 0.0)[:, None]
    noise = rng.choice(["a", "b", "c"], size=60)
    return X, {"sex": sex, "noise": noise}


@pytest.fixture(scope="module")
def table(blobs):
    X, groupings = blobs
    return silhouettes(X, groupings, perplexities=(P,), n_shuffles=10)


def test_true_grouping_separates_and_random_one_sits_at_chance(table):
    assert list(table.columns) == SILHOUETTE_COLUMNS
    assert len(table) == 4
    assert set(table["space"]) == {EMBEDDING_SPACE, space_name(P)}
    emb = table[table["space"] == EMBEDDING_SPACE]
    assert emb["perplexity"].isna().all() and emb["perplexity_used"].isna().all()
    sex = table[table["grouping"] == "sex"].set_index("space")
    assert (sex["silhouette"] > 0.5).all()
    assert (sex["above_chance"] > 10).all()
    assert (sex["n_groups"] == 2).all()
    noise = table[table["grouping"] == "noise"].set_index("space")
    assert (noise["n_groups"] == 3).all()
    assert (noise["silhouette"] < 0.1).all()
    assert (noise["above_chance"].abs() < 3).all()


def test_maps_and_table_are_deterministic_and_shared(blobs, table):
    X, groupings = blobs
    maps = tsne_maps(X, (P,), seed=0)
    assert maps[P].shape == (60, 2)
    np.testing.assert_array_equal(maps[P], tsne_map(X, perplexity=P, seed=0))
    reused = silhouettes(X, groupings, maps=maps, n_shuffles=10)
    pd.testing.assert_frame_equal(reused, table)


def test_perplexity_is_clipped_on_small_data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 4))
    assert effective_perplexity(12, 30) == pytest.approx(11 / 3)
    assert effective_perplexity(1000, 30) == 30
    assert tsne_map(X, perplexity=30).shape == (12, 2)
    t = silhouettes(X, {"half": np.repeat([0, 1], 6)}, perplexities=(30,), n_shuffles=3)
    row = t[t["space"] == "t-SNE perplexity 30"].iloc[0]
    assert row["perplexity"] == 30 and row["perplexity_used"] == pytest.approx(11 / 3)


def test_bad_inputs_raise_parameter_error():
    X = np.random.default_rng(0).standard_normal((10, 3))
    with pytest.raises(ParameterError, match="at least 4 rows"):
        tsne_map(X[:3])
    with pytest.raises(ParameterError, match="positive"):
        tsne_map(X, perplexity=0)
    with pytest.raises(ParameterError, match="non-finite"):
        tsne_map(np.where(np.eye(10, 3) > 0, np.nan, X))
    for labels, message in [(np.zeros(10), "at least 2 groups"), ([0] * 9 + [1], "groups of one point"),
                            ([0, 1] * 4, "8 labels for 10 rows"), ([0, 1] * 4 + [None, 1], "missing")]:
        with pytest.raises(ParameterError, match=message):
            silhouettes(X, {"g": labels}, perplexities=())
    with pytest.raises(ParameterError, match="n_shuffles"):
        silhouettes(X, {"g": [0, 1] * 5}, perplexities=(), n_shuffles=1)


def test_standardise_leaves_constant_columns_at_zero():
    X = np.column_stack([np.arange(6.0), np.full(6, 3.0)])
    Z = standardise(X)
    np.testing.assert_allclose(Z[:, 1], 0)
    np.testing.assert_allclose([Z[:, 0].mean(), Z[:, 0].std()], [0, 1], atol=1e-12)


def _summary():
    """Records of two datasets; "emo" lacks the MFCC feature set and the MLP on VGGish."""
    rng = np.random.default_rng(0)
    rows = []
    for dataset, feats in [("4q", ["mfcc", "l3net", "vggish", "musicnn"]), ("emo", ["l3net", "vggish"])]:
        for features in feats:
            for method in ["svm", "rf", "mlp"]:
                if (dataset, features, method) == ("emo", "vggish", "mlp"):
                    continue
                for fold in range(3):
                    for metric in ["accuracy", "f1_macro"]:
                        rows.append({"paper": "Koh & Dubnov", "method": method, "features": features,
                                     "dataset": dataset, "protocol": "holdout80-10-10x3", "profile": "smoke",
                                     "fold": fold, "metric": metric, "value": rng.uniform(0.4, 0.8)})
    return summarize(pd.DataFrame(rows))


def test_accuracy_bars_one_panel_per_dataset_with_its_bars():
    summary = _summary()
    fig = plots.accuracy_bars(summary, dataset_labels={"4q": "(a) 4Q"}, classifier_order=["svm", "rf", "mlp"],
                              paper_features=("l3net", "vggish", "mfcc"))
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 2
    assert [ax.get_title() for ax in axes] == ["(a) 4Q", "emo"]
    n_bars = [sum(len(c) for c in ax.containers if hasattr(c, "patches")) for ax in axes]
    assert n_bars == [4 * 3, 2 * 3 - 1]
    assert all(ax.get_ylim() == (0, 1) for ax in axes)
    assert axes[0].get_ylabel() == "accuracy"
    assert [t.get_text() for t in axes[0].get_xticklabels()] == ["svm", "rf", "mlp"]
    assert len(fig.legends) == 1 and all(ax.get_legend() is None for ax in axes)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["l3net", "vggish", "mfcc", "musicnn (not in the paper)"]
    # the paper's colours: L3-Net blue, VGGish orange, MFCC green; bar heights are the means
    first = {c.get_label(): c for c in axes[0].containers if hasattr(c, "patches")}
    assert first["l3net"].patches[0].get_facecolor()[:3] == pytest.approx(to_rgb("tab:blue"))
    assert first["mfcc"].patches[0].get_facecolor()[:3] == pytest.approx(to_rgb("tab:green"))
    assert first["musicnn"].patches[0].get_hatch() == "//"
    mean = summary.query("dataset == '4q' and metric == 'accuracy' and method == 'svm' and features == 'l3net'")
    assert first["l3net"].patches[0].get_height() == pytest.approx(mean["mean"].iloc[0])


def test_accuracy_bars_on_given_axes_and_errors():
    summary = _summary()
    fig, axes = plt.subplots(1, 3)
    out = plots.accuracy_bars(summary, metric="f1_macro", datasets=["emo"], axes=axes)
    assert out is fig and axes[0].get_ylabel() == "f1_macro" and not axes[1].get_visible()
    with pytest.raises(ParameterError, match="no rows for metric"):
        plots.accuracy_bars(summary, metric="r2")
    with pytest.raises(ParameterError, match="several rows"):
        plots.accuracy_bars(pd.concat([summary, summary]))
    with pytest.raises(ParameterError, match="datasets"):
        plots.accuracy_bars(summary, datasets=["deam"])


def test_tsne_scatter_legend_and_palettes():
    rng = np.random.default_rng(0)
    xy = rng.standard_normal((92, 2))
    ax = plots.tsne_scatter(xy, np.repeat(np.arange(1, 24), 4), title="actors")
    assert ax.get_legend() is None and len(ax.collections) == 23
    assert len({tuple(c.get_facecolor()[0]) for c in ax.collections}) == 23

    plt.figure()
    quadrants = np.array(["Q3", "Q1", "Q4", "Q2"] * 23, dtype=object)
    quadrants[0] = None
    ax = plots.tsne_scatter(xy, quadrants)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Q1", "Q2", "Q3", "Q4"]
    q1 = [c for c in ax.collections if c.get_label() == "Q1"][0]
    assert tuple(q1.get_facecolor()[0][:3]) == pytest.approx(plots.QUADRANT_PALETTE["Q1"])
    with pytest.raises(ParameterError):
        plots.tsne_scatter(xy, quadrants[:-1])


def test_tsne_plot_keeps_its_signature(blobs):
    X, _ = blobs
    quadrant = np.tile(["Q1", "Q2", "Q3", "Q4"], 15)
    ax = plots.tsne_plot(X, quadrant, title="t", perplexity=P, seed=0)
    assert ax.get_title() == "t" and len(ax.get_legend().get_texts()) == 4
    offsets = np.vstack([c.get_offsets() for c in ax.collections])
    np.testing.assert_allclose(np.sort(offsets, axis=0), np.sort(tsne_map(X, perplexity=P, seed=0), axis=0))


def test_palette_png_keeps_the_group_colours_in_few_bytes():
    import io

    from PIL import Image

    rng = np.random.default_rng(1)
    fig, ax = plt.subplots(figsize=(3, 3), dpi=72)
    plots.tsne_scatter(rng.standard_normal((400, 2)), np.repeat(np.arange(20), 20), ax=ax)
    true_colour = io.BytesIO()
    fig.savefig(true_colour, format="png")
    compact = plots.palette_png(fig, colors=64)
    image = Image.open(io.BytesIO(compact))
    assert image.mode == "P" and len(image.getcolors()) <= 64
    assert len(compact) < len(true_colour.getvalue())
    assert not plt.fignum_exists(fig.number)  # closed, so the notebook does not draw it twice
    with pytest.raises(ParameterError, match="colors"):
        plots.palette_png(plt.figure(), colors=1)
