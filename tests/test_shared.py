"""The shared protocol: the same folds for every method, corrected intervals, Holm-adjusted pairs."""
import matplotlib
import numpy as np
import pandas as pd
import pytest

from mer_core.errors import ParameterError
from mer_core.evaluation import RECORD_COLUMNS
from mer_core.experiments import shared

matplotlib.use("Agg")


def toy_inputs(n_per_class=12, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(["Q1", "Q2", "Q3", "Q4"], n_per_class)
    centres = {q: rng.normal(size=10) * 3 for q in ("Q1", "Q2", "Q3", "Q4")}
    informative = np.stack([centres[q] + rng.normal(size=10) for q in y])
    tracks = pd.DataFrame({"track_id": [f"t{i}" for i in range(len(y))], "group": [f"s{i}" for i in range(len(y))],
                           "quadrant": y})
    return tracks, {"top100": informative, "musicnn_msd": rng.normal(size=(len(y), 10)),
                    "is13_compare": informative + rng.normal(size=informative.shape)}


def test_every_method_runs_on_the_same_folds_and_is_stored(tmp_path):
    tracks, X = toy_inputs()
    records = shared.run(tracks, X, "smoke", methods=["louro_svm", "koh_dubnov_rf", "pandrea_mlp"], store=tmp_path)
    assert list(records.columns) == RECORD_COLUMNS and set(records["protocol"]) == {"shared 3x1"}
    assert records.attrs["not_run"] == []
    by = records[records["metric"] == "accuracy"].groupby("method")
    assert set(by.groups) == {"SVM Baseline", "random_forest", "mlp"}
    assert by["fold"].apply(tuple).nunique() == 1 and by["n_test"].apply(tuple).nunique() == 1
    acc = by["value"].mean()
    assert acc["SVM Baseline"] > 0.8 and acc["random_forest"] < 0.6  # the informative input vs noise
    assert len(list(tmp_path.glob("*.pkl"))) == 3
    again = shared.run(tracks, X, "smoke", methods=["louro_svm", "koh_dubnov_rf", "pandrea_mlp"], store=tmp_path)
    pd.testing.assert_frame_equal(again, records)  # loaded from the store
    missing = shared.run(tracks, {"top100": X["top100"]}, "smoke", methods=["louro_svm", "koh_dubnov_rf"])
    assert missing.attrs["not_run"] == ["koh_dubnov_rf"]
    with pytest.raises(ParameterError, match="unknown methods"):
        shared.run(tracks, X, "smoke", methods=["sincnet"])


def test_hizlisoy_path_selects_inside_the_fold():
    tracks, X = toy_inputs()
    model = shared.build("du_hizlisoy", "smoke").fit(X["is13_compare"], tracks["quadrant"])
    assert 0 < model.named_steps["cfs"].get_support().sum() <= X["is13_compare"].shape[1]


def fold_records(values: dict, n_train=90, n_test=10):
    rows = []
    for method, scores in values.items():
        for fold, v in enumerate(scores):
            rows.append({"paper": "P", "method": method, "features": "f", "dataset": "4q", "protocol": "shared 5x1",
                         "profile": "cpu", "fold": fold, "metric": "f1_macro", "value": v, "n_train": n_train,
                         "n_test": n_test})
    return pd.DataFrame(rows)


def test_ranking_widens_the_interval_by_the_shared_training_data():
    records = fold_records({"a": [0.70, 0.72, 0.71, 0.69, 0.73], "b": [0.60, 0.61, 0.59, 0.62, 0.60]})
    table = shared.ranking(records)
    assert list(table["method"]) == ["P: a (f)", "P: b (f)"] and list(table["rank"]) == [1, 2]
    a = table.iloc[0]
    naive = 2.776 * np.std([0.70, 0.72, 0.71, 0.69, 0.73], ddof=1) / np.sqrt(5)
    corrected = 2.776 * np.std([0.70, 0.72, 0.71, 0.69, 0.73], ddof=1) * np.sqrt(1 / 5 + 10 / 90)
    assert a["ci95_high"] - a["mean"] == pytest.approx(corrected, rel=1e-3) and corrected > naive
    with pytest.raises(ParameterError, match="no accuracy records"):
        shared.ranking(records, "accuracy")


def test_pairwise_adjusts_by_holm_and_the_plot_joins_what_it_cannot_separate():
    records = fold_records({"a": [0.80, 0.82, 0.81, 0.79, 0.83], "b": [0.60, 0.62, 0.59, 0.61, 0.60],
                            "c": [0.60, 0.61, 0.60, 0.60, 0.59]})
    tests = shared.pairwise(records)
    assert len(tests) == 3 and list(tests["better"])[:2] == ["P: a (f)", "P: a (f)"]
    ordered = tests.sort_values("p")
    m = 3
    expected = np.maximum.accumulate([(m - i) * p for i, p in enumerate(ordered["p"])])
    np.testing.assert_allclose(ordered["p_holm"], np.minimum(expected, 1.0))
    pair = tests.set_index(["better", "worse"])
    assert pair.loc[("P: a (f)", "P: b (f)"), "significant"]
    assert not pair.loc[("P: b (f)", "P: c (f)"), "significant"]
    ax = shared.plot_ranking(records)
    bars = [line for line in ax.lines if line.get_linewidth() == 4]
    assert len(bars) == 1 and sorted(bars[0].get_ydata()) == [0, 1]  # b and c joined, a alone on top
