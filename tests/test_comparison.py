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
    # an archived edition, other seeds, another input and other folds of a row: records, but not the edition's
    records("Louro et al.", "DL Baseline", "log-mel", "4q", [0.1, 0.1]).to_csv(tmp_path / "louro_dl_narrow.csv",
                                                                              index=False)
    records("Louro et al.", "DL Baseline", "log-mel", "4q", [0.9]).assign(seed=1).to_csv(
        tmp_path / "louro_dl_seeds.csv", index=False)
    records("Louro et al.", "DL Baseline, input 96 x 1366", "log-mel", "4q", [0.7]).to_csv(
        tmp_path / "louro_resolution.csv", index=False)
    records("Louro et al.", "DL Baseline, artist-level folds", "log-mel", "4q", [0.3]).to_csv(
        tmp_path / "louro_artists.csv", index=False)
    return tmp_path


def test_overview_summarises_each_row_and_attaches_only_matching_paper_figures(edition):
    recs = comparison.published_records(edition)
    assert set(recs["table"]) == {"a", "b"}  # the table that is not records and the side tables are ignored
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


def test_claim_ledger_gives_a_verdict_or_says_why_not(edition, monkeypatch):
    from mer_core import results

    monkeypatch.setattr(results, "published", lambda name: None)  # no Grekow records in this edition
    extra = pd.concat([records("Louro et al.", "SVM Baseline", "top-100", "4q", [0.70, 0.72]),
                       records("Louro et al.", "Hybrid Augmented", "log-mel", "4q", [0.60, 0.62]),
                       records("Louro et al.", "Baseline + TFM", "log-mel", "4q", [0.40, 0.42]),
                       records("Pandrea et al.", "sincnet 4q -> 4q", "raw waveform, 500 ms windows", "4q", [0.40],
                               protocol="holdout"),
                       # the shared protocol's rerun of the SVM: never one of the ledger's rows
                       records("Louro et al.", "SVM Baseline", "top-100", "4q", [0.90, 0.92], protocol="shared 10x10")])
    table = comparison.overview(pd.concat([comparison.published_records(edition), extra.assign(table="x")]))
    ledger = comparison.claim_ledger(table)
    assert list(ledger.columns) == comparison.LEDGER_COLUMNS
    ledger = ledger.set_index("claim")
    svm = ledger.loc["the SVM baseline beats every deep model on 4Q"]
    assert svm["verdict"] == "holds" and svm["ours"].startswith("SVM Baseline 0.710 vs Hybrid Augmented 0.610")
    assert ledger.loc["the hybrid is the best deep model", "verdict"] == "holds"
    assert ledger.loc["Baseline + TFM improves the DL baseline", "verdict"] == "does not hold"  # 0.41 < 0.49
    assert ledger.loc["Baseline + SB improves the DL baseline", "verdict"].startswith("cannot test here")
    mlp = ledger.loc["the MLP on IS13 ComParE beats SincNet on 4Q"]
    assert mlp["verdict"] == "holds" and "0.620 vs SincNet 0.510" in mlp["ours"] and mlp["the paper"] == "F 0.63 vs 0.52"
    windows = ledger.loc["500 ms windows beat 200 ms windows (SincNet, 4Q)"]
    assert windows["verdict"] == "does not hold" and windows["ours"].startswith("500 ms 0.400 vs 200 ms 0.510")
    assert ledger.loc["500 ms windows beat 200 ms windows (SincNet, 4Q)", "the paper"] == "F +4 points (English)"
    assert ledger.loc["L3-Net beats VGGish, and its 6144-value embedding beats its 512-value one",
                      "verdict"].startswith("cannot test here: OpenL3")


def test_claim_ledger_tests_parisis_vocals_claim_on_the_published_folds(edition, monkeypatch):
    from mer_core import results

    parisi = pd.concat([records("Du", "cnn_vocals_repetsim", "log-mel vocals", "4q", [0.50, 0.52, 0.49, 0.51, 0.50],
                                metric="accuracy"),
                        records("Du", "cnn_full_mix", "log-mel full mix", "4q", [0.55, 0.56, 0.54, 0.57, 0.55],
                                metric="accuracy")])
    monkeypatch.setattr(results, "published", lambda name: parisi if name == "du_parisi" else None)
    table = comparison.overview(pd.concat([comparison.published_records(edition), parisi.assign(table="du_parisi")]))
    claim = comparison.claim_ledger(table).set_index("claim").loc[
        "Parisi et al.: the vocals alone improve the classification (audio branch)"]
    assert claim["verdict"] == "does not hold"
    assert claim["ours"].startswith("vocals (REPET-SIM) 0.504 vs full mix 0.554 (accuracy; corrected paired t-test p = ")
    monkeypatch.setattr(results, "published", lambda name: None)
    claim = comparison.claim_ledger(table).set_index("claim").loc[
        "Parisi et al.: the vocals alone improve the classification (audio branch)"]
    assert claim["verdict"].startswith("cannot test here")


def _fake_predict_file(model, path, *, timeline=False):
    """Windows of 3 s from 0 to 45 s: valence rises 0.1 per window, arousal is flat at 4."""
    from mer_core.audio import AudioError

    if "broken" in str(path):
        raise AudioError(str(path), "cannot decode")
    return {"windows": [{"start_s": 3.0 * k, "end_s": 3.0 * (k + 1), "valence": 5 + 0.1 * k, "arousal": 4.0}
                        for k in range(15)]}


def test_emomusic_timelines_average_the_annotations_of_each_window(monkeypatch):
    from mer_core import predict

    monkeypatch.setattr(predict, "predict_file", _fake_predict_file)
    tracks = pd.DataFrame({"track_id": ["2", "3", "4"], "path": ["a.mp3", "broken.mp3", ""],
                           "has_audio": [True, True, False]})
    times = np.arange(15.0, 45.01, 0.5)
    dynamic = pd.DataFrame({"track_id": "2", "time_s": times, "valence": (times - 30) / 30, "arousal": 0.25})
    model = predict.EmotionModel("toy", "musicnn_msd", None, None, {"code_version": "abc"})
    out = comparison.emomusic_timelines(model, tracks, dynamic)
    assert list(out.columns) == comparison.TIMELINE_COLUMNS
    assert out.attrs["skipped"] == ["3: broken.mp3: cannot decode"]
    assert list(out["start_s"]) == [3.0 * k for k in range(5, 15)]  # annotations start at 15 s
    first = out.iloc[0]  # 15.0 .. 17.5 s: six samples, mean valence (16.25 - 30) / 30
    assert first["annotation_samples"] == 6
    assert first["annotated_valence"] == pytest.approx(5 + 4 * (16.25 - 30) / 30)
    assert first["annotated_arousal"] == pytest.approx(6.0) and first["valence"] == pytest.approx(5.5)
    assert out.iloc[-1]["annotation_samples"] == 6  # [42, 45): the sample at 45.0 is in no window
    assert set(out["model"]) == {"toy"} and set(out["model_code_version"]) == {"abc"}
    agreement = comparison.timeline_agreement(out).set_index("dimension")
    assert agreement.loc["valence", "median_r_within_clip"] == pytest.approx(1.0)  # both rise linearly
    assert agreement.loc["valence", "clips_r_above_0"] == "1 of 1"
    assert agreement.loc["arousal", "clips_r_above_0"] == "0 of 0"  # flat curves: no correlation
    assert agreement.loc["arousal", "mean_offset"] == pytest.approx(-2.0)
    assert np.isnan(agreement.loc["valence", "r_between_clips"])  # one clip
    fig = comparison.plot_timelines(pd.concat([out, out.assign(track_id="9")]), columns=5)
    assert sum(ax.get_visible() for ax in fig.axes) == 2
    with pytest.raises(ParameterError, match="no timeline"):
        comparison.timeline_agreement(out.iloc[:0])


def test_va_plane_pairs_each_methods_two_targets_and_numbers_them_best_arousal_first(edition):
    import matplotlib.pyplot as plt

    regressions = pd.concat([
        records("Quan & Dong", "SVR", "top-100", "4q", [0.50, 0.56], metric="r2_arousal"),
        records("Quan & Dong", "SVR", "top-100", "4q", [0.40, 0.42], metric="r2_valence"),
        records("Du", "lstm", "MFCC", "4q", [0.30, 0.40], metric="r2_arousal"),
        records("Du", "lstm", "MFCC", "4q", [0.10, 0.20], metric="r2_valence"),
        records("Du", "lstm", "MFCC", "4q", [0.9, 0.9], metric="r2_valence", protocol="10x1"),  # no arousal pair
    ]).assign(table="x")
    table = comparison.overview(pd.concat([comparison.published_records(edition), regressions]))
    fig, ax = plt.subplots()
    key = comparison.va_plane(table, "4q", ax=ax)
    assert key[["number", "paper", "method"]].values.tolist() == [[1, "Quan & Dong", "SVR"], [2, "Du", "lstm"]]
    assert key["mean_arousal"].round(3).tolist() == [0.53, 0.35]
    assert key["mean_valence"].round(3).tolist() == [0.41, 0.15]
    assert len(ax.lines) >= 3  # two points and the diagonal
    plt.close(fig)
    outlier = records("Du", "linear_regression", "MFCC", "4q", [0.3, 0.3], metric="r2_arousal").assign(table="x")
    outlier = pd.concat([outlier, outlier.assign(metric="r2_valence", value=-80.0)])
    table = comparison.overview(pd.concat([comparison.published_records(edition), regressions, outlier]))
    fig, ax = plt.subplots()
    key = comparison.va_plane(table, "4q", ax=ax)
    assert key.loc[key["method"] == "linear_regression", "mean_valence"].item() == -80.0  # kept in the key
    assert ax.get_ylim()[0] >= -0.5 and ax.get_ylim()[1] <= 1.0  # not stretched to -80; R² <= 1
    plt.close(fig)
    with pytest.raises(ParameterError, match="both valence and arousal"):
        comparison.va_plane(table, "turkish")
