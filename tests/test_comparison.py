"""The comparison chapter reads the published record tables and compares them without rerunning."""
import matplotlib
import numpy as np
import pandas as pd
import pytest

from mer_core.errors import ParameterError
from mer_core.evaluation import RECORD_COLUMNS
from mer_core.experiments import comparison

matplotlib.use("Agg")


def records(paper, method, features, dataset, values, metric="f1_macro", protocol="5x1", profile="cpu"):
    return pd.DataFrame([(paper, method, features, dataset, protocol, profile, fold, metric, v, 80, 20, "abc",
                          "test machine", "2026-11-30") for fold, v in enumerate(values)], columns=RECORD_COLUMNS)


@pytest.fixture
def edition(tmp_path):
    pd.concat([records("Pandrea et al.", "mlp", "IS13 ComParE", "4q", [0.60, 0.64, 0.62, 0.66, 0.58]),
               records("Pandrea et al.", "mlp", "Essentia low-level", "4q", [0.5, 0.5, 0.5, 0.5, 0.5]),
               records("Louro et al.", "DL Baseline", "log-mel", "4q", [0.48, 0.50])]).to_csv(tmp_path / "a.csv",
                                                                                            index=False)
    sinc = records("Pandrea et al.", "sincnet", "raw waveform, 200 ms windows", "4q", [0.51], protocol="holdout")
    sinc.assign(configuration="within", train="4q", test="4q", window_ms=200).to_csv(tmp_path / "b.csv", index=False)
    pd.DataFrame({"dataset": ["4q"], "n": [900]}).to_csv(tmp_path / "not_records.csv", index=False)
    return tmp_path


def test_overview_summarises_each_row_and_attaches_only_matching_paper_figures(edition):
    recs = comparison.published_records(edition)
    assert set(recs["table"]) == {"a", "b"}  # the table that is not records is ignored
    assert "sincnet 4q -> 4q" in set(recs["method"])  # one network per training chain
    table = comparison.overview(recs)
    assert list(table.columns) == comparison.OVERVIEW_COLUMNS
    assert table["method"].tolist() == ["mlp", "sincnet 4q -> 4q", "mlp", "DL Baseline"]  # best first
    is13 = table[(table["method"] == "mlp") & (table["features"] == "IS13 ComParE")].iloc[0]
    values = np.array([0.60, 0.64, 0.62, 0.66, 0.58])
    half = 2.776445 * values.std(ddof=1) / np.sqrt(5)  # t(0.975, 4)
    assert is13["mean"] == pytest.approx(0.62) and is13["folds"] == 5
    assert is13["ci95_low"] == pytest.approx(0.62 - half, abs=1e-5)
    assert is13["paper's figure"] == 0.63  # Pandrea et al., Table 1, 4Q / 4Q, MLP F
    essentia = table[(table["method"] == "mlp") & (table["features"] == "Essentia low-level")].iloc[0]
    assert pd.isna(essentia["paper's figure"])  # the paper's MLP figure is on IS13 ComParE only
    assert table.set_index("method").loc["DL Baseline", "paper's figure"] == pytest.approx(0.6062)
    assert table.set_index("method").loc["sincnet 4q -> 4q", "paper's figure"] == 0.52
    with pytest.raises(ParameterError, match="no record of the metrics"):
        comparison.overview(recs, metrics=("r2_valence",))


def test_forest_plot_draws_each_row_best_on_top(edition):
    table = comparison.overview(comparison.published_records(edition))
    ax = comparison.forest_plot(table, "4q", "f1_macro")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 4 and labels[-1] == "Pandrea et al.: mlp (IS13 ComParE) [cpu]"
    assert "4Q" in ax.get_title()
    ax = comparison.forest_plot(table, "4q", "f1_macro", max_rows=2)
    assert len(ax.get_yticklabels()) == 2 and "best 2 of 4" in ax.get_title()
    with pytest.raises(ParameterError):
        comparison.forest_plot(table, "ravdess", "accuracy")


def test_an_edition_without_records_is_a_clear_error(tmp_path):
    with pytest.raises(ParameterError, match="no record table"):
        comparison.published_records(tmp_path)
