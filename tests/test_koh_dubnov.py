"""Koh & Dubnov's chapter logic on small generated data: embedding, runs, run store, tables, t-SNE study."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mer_core import evaluation
from mer_core.errors import ParameterError
from mer_core.experiments import koh_dubnov as kd
from mer_core.features.spectral import MFCCStats

RNG = np.random.default_rng(7)


def _embedded(n_per_class=12, dim=8, steps=3, labels=("Q1", "Q2", "Q3", "Q4"), shift=3.0) -> kd.Embedded:
    """Separable classes: class k's vectors are centred at ``shift * e_k``."""
    y = np.repeat(labels, n_per_class)
    centres = {lab: shift * np.eye(dim)[k] for k, lab in enumerate(labels)}
    X = np.stack([centres[lab] + RNG.standard_normal(dim) for lab in y]).astype(np.float32)
    seqs = (X[:, None, :] + 0.3 * RNG.standard_normal((len(y), steps, dim))).astype(np.float32)
    tracks = pd.DataFrame({"track_id": [f"c{i}" for i in range(len(y))], "quadrant": y,
                           "group": [f"s{i}" for i in range(len(y))],
                           "valence": X[:, 0] - X[:, 1], "arousal": X[:, 2] - X[:, 3]})
    return kd.Embedded("toy", tracks, X, seqs, pd.DataFrame(columns=["track_id", "path", "error"]))


def test_wrap_sequences_repeats_a_short_clip_from_its_start():
    out = kd.wrap_sequences([np.arange(6).reshape(3, 2), np.array([[9, 9]])])
    assert out.shape == (2, 3, 2)
    np.testing.assert_array_equal(out[0], np.arange(6).reshape(3, 2))
    np.testing.assert_array_equal(out[1], [[9, 9]] * 3)
    with pytest.raises(ParameterError):
        kd.wrap_sequences([])


def test_mfcc_baseline_gives_clip_vectors_and_window_sequences(wav, tmp_path, monkeypatch):
    monkeypatch.setenv("MER_CACHE_DIR", str(tmp_path / "cache"))
    paths = [wav(f"a{i}.wav", freq=220 + 40 * i, seconds=7.0) for i in range(3)] + [wav("short.wav", seconds=2.0)]
    tracks = pd.DataFrame({"track_id": [p.stem for p in paths], "path": [str(p) for p in paths]})
    out = kd.embed(tracks, "mfcc_stats", progress=False)
    assert out.X.shape == (4, 80) and out.sequences.shape == (4, 2, 80)  # 7 s -> two 3 s windows
    # the clip vector is the clip-level extractor's, the sequence its 3 s windows
    np.testing.assert_allclose(out.X[0], MFCCStats()(np.asarray(_load(paths[0])), 22050), atol=1e-4)
    np.testing.assert_array_equal(out.sequences[3, 0], out.sequences[3, 1])  # a 2 s clip: one window, repeated


def _load(path):
    from mer_core.audio import load_audio
    return load_audio(str(path), sr=22050)


def test_embed_reports_a_corrupt_clip_and_keeps_the_others(wav, tmp_path, monkeypatch):
    monkeypatch.setenv("MER_CACHE_DIR", str(tmp_path / "cache"))
    good = [wav(f"g{i}.wav", seconds=4.0) for i in range(2)]
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF....not audio")
    tracks = pd.DataFrame({"track_id": ["g0", "g1", "bad"], "path": [str(good[0]), str(good[1]), str(bad)]})
    with pytest.warns(UserWarning, match="skipped 1 of 3"):
        out = kd.embed(tracks, "mfcc_stats", progress=False)
    assert list(out.tracks["track_id"]) == ["g0", "g1"] and len(out.X) == 2 == len(out.sequences)
    assert list(out.failures["track_id"]) == ["bad"] and "1 clips skipped" in out.summary()


def test_six_classifiers_learn_use_validation_and_resume_from_the_store(tmp_path, monkeypatch):
    data = _embedded()
    seen = []
    real = kd.cross_validate

    def spy(estimator, X, *args, **kwargs):
        seen.append((kwargs["method"], np.asarray(X).ndim))
        return real(estimator, X, *args, **kwargs)

    monkeypatch.setattr(kd, "cross_validate", spy)
    res = kd.run_classifiers(data, dataset="synthetic", profile="smoke", seed=0, store=tmp_path / "runs")
    assert dict(seen) == {"svm": 2, "naive_bayes": 2, "random_forest": 2, "mlp": 2, "cnn": 2, "rnn": 3}
    acc = evaluation.summarize(res.records, ["accuracy"]).set_index("method")["mean"]
    assert set(acc.index) == set(kd.KOH_DUBNOV_CLASSIFIERS)
    assert acc[["svm", "naive_bayes", "random_forest"]].min() > 0.6  # chance is 0.25
    assert set(res.records["protocol"]) == {"holdout80-10-10x2"} and set(res.records["n_test"]) == {5}
    assert set(res.predictions["features"]) == {"toy"}

    def refuse(*args, **kwargs):
        raise AssertionError("recomputed a stored run")

    monkeypatch.setattr(kd, "cross_validate", refuse)
    again = kd.run_classifiers(data, dataset="synthetic", profile="smoke", seed=0, store=tmp_path / "runs")
    pd.testing.assert_frame_equal(again.records, res.records)
    # other inputs are another key: not reused
    changed = kd.Embedded("toy", data.tracks, data.X + 1, data.sequences, data.failures)
    with pytest.raises(AssertionError, match="recomputed"):
        kd.run_classifiers(changed, dataset="synthetic", profile="smoke", seed=0, store=tmp_path / "runs",
                           classifiers=("naive_bayes",))


def test_regression_predicts_both_dimensions_on_the_same_protocol():
    res = kd.run_regression(_embedded(), dataset="synthetic", profile="smoke", seed=0)
    r2 = evaluation.summarize(res.records, ["r2_valence", "r2_arousal"]).set_index("metric")["mean"]
    assert r2.min() > 0.3 and set(res.records["method"]) == {"svr"}


def test_table1_sets_the_copy_here_beside_the_paper():
    tracks = {"4q": pd.DataFrame({"quadrant": ["Q1"] * 3 + ["Q2"] * 2}),
              "ravdess": pd.DataFrame({"emotion": ["calm"] * 4 + ["fearful"] * 5})}
    table = kd.table1(tracks, {"Q1": 305, "Q2": 87, "Q3": 241, "Q4": 111}).set_index(["dataset", "class"])
    assert table.loc[("4q", "Q1"), "here"] == 3 and table.loc[("4q", "Q3"), "here"] == 0
    assert table.loc[("emomusic", "Q2"), "difference"] == 0
    assert pd.isna(table.loc[("Bi-modal", "Q1"), "here"])
    note = kd.ravdess_note(table.reset_index())
    assert "fearful 20 vs 5" in note and "truncated to 2.39 s" in note


def _records(values: dict) -> pd.DataFrame:
    """Records of (dataset, features, method) -> list of per-fold accuracies (and f1_macro = accuracy)."""
    rows = []
    for (dataset, features, method), folds in values.items():
        for k, v in enumerate(folds):
            for metric in ("accuracy", "f1_macro"):
                rows.append({"paper": kd.PAPER, "method": method, "features": features, "dataset": dataset,
                             "protocol": "holdout80-10-10x2", "profile": "cpu", "fold": k, "metric": metric,
                             "value": v, "n_train": 8, "n_test": 1, "code_version": "x", "machine": "m",
                             "created": "d"})
    return pd.DataFrame(rows)


def test_table2_size_comparison_and_best_forest_read_the_records():
    recs = _records({("4q", "mfcc_stats", "svm"): [0.5, 0.6], ("4q", "musicnn_mtt", "random_forest"): [0.7, 0.8],
                     ("4q", "musicnn_mtt_mean_pool", "random_forest"): [0.6, 0.7],
                     ("ravdess", "aisfx", "cnn"): [0.4, 0.5]})
    t2 = kd.table2(recs).set_index(["dataset", "metric"])
    assert t2.loc[("4q", "f1_macro"), "ours"] == pytest.approx(0.75)
    assert t2.loc[("4q", "f1_macro"), "ours_method"] == "musicnn_mtt + random_forest"
    assert t2.loc[("ravdess", "accuracy"), "ours"] == pytest.approx(0.45)
    assert pd.isna(t2.loc[("Bi-modal", "f1_macro"), "ours"]) and pd.isna(t2.loc[("emomusic", "r2_arousal"), "ours"])
    sizes = kd.size_comparison(recs)
    assert len(sizes) == 1 and sizes["large_minus_small"].iloc[0] == pytest.approx(-0.1)
    assert kd.best_forest_embedding(recs) == "musicnn_mtt"
    lines = kd.verdicts(recs)
    assert any(line.startswith("4q: the best embedding (musicnn_mtt + random_forest, 0.750)") for line in lines)


def test_table3_pools_the_repetitions_per_quadrant():
    preds = pd.DataFrame({"y_true": ["Q1", "Q1", "Q2", "Q3", "Q4", "Q4"], "y_pred": ["Q1", "Q2", "Q2", "Q3", "Q4", "Q1"],
                          "features": "aisfx", "method": "random_forest"})
    t3 = kd.table3(preds, "aisfx").set_index(["source", "quadrant"])
    ours = t3.loc["here (aisfx + random_forest)"]
    assert ours.loc["Q1", "precision"] == pytest.approx(0.5) and ours.loc["Q1", "recall"] == pytest.approx(0.5)
    assert ours.loc["Q2", "recall"] == 1.0 and ours.loc["Q4", "support"] == 2
    assert t3.loc[("paper (L3-Net + RF)", "Q2"), "f1"] == 0.83
    with pytest.raises(ParameterError):
        kd.table3(preds, "vgg_mtt")


def test_tsne_study_scores_groupings_and_drops_single_clip_groups():
    data = _embedded(n_per_class=10, shift=6.0)
    tracks = data.tracks.assign(emotion=data.tracks["quadrant"], sex=np.where(np.arange(40) % 2, "male", "female"),
                                actor=[str(i // 2) for i in range(39)] + ["lonely"])
    study = kd.tsne_study(kd.Embedded("toy", tracks, data.X, data.sequences, data.failures), "ravdess",
                          perplexities=(5,), seed=0)
    sil = study.silhouettes.set_index(["grouping", "space"])
    emotion = sil.loc[("emotion", "embedding (standardised)")]
    sex = sil.loc[("sex", "embedding (standardised)")]
    assert emotion["silhouette"] > 0.3 and emotion["above_chance"] > 5
    assert abs(sex["above_chance"]) < 4  # sex is random here
    # actors "19" (clip 38) and "lonely" have one clip each: left out of that grouping only
    assert sil.loc[("actor", "embedding (standardised)"), "n_points"] == 38
    assert sil.loc[("emotion", "embedding (standardised)"), "n_points"] == 40
    assert set(study.silhouettes["perplexity"].dropna()) == {5, 30}
    assert len(study.coordinates) == 40 and {"x", "y", "emotion", "sex", "actor"} <= set(study.coordinates)
    table = kd.silhouette_table(study.silhouettes)
    assert list(table.columns)[0] == "embedding (standardised)"
    fig = kd.plot_tsne(study.coordinates.assign(features="mfcc_stats"), "ravdess", panel_inches=(2.0, 1.5), dpi=50)
    assert len(fig.axes) == len(kd.TSNE_GROUPINGS["ravdess"]) and fig.dpi == 50
    assert tuple(fig.get_size_inches()) == (2.0 * len(fig.axes), 1.5)
    assert kd.plot_tsne(study.coordinates, "4q") is None


def test_runs_and_plan_name_what_cannot_run(tmp_path, monkeypatch):
    assert kd.source_dataset("ravdess_by_actor") == "ravdess" and kd.has_dimensions("4q")
    assert not kd.has_dimensions("ravdess")
    with pytest.raises(ParameterError, match="unknown run"):
        kd.source_dataset("bimodal")
    monkeypatch.setenv("MER_WEIGHTS_DIR", str(tmp_path / "no-weights"))
    plan = kd.feature_plan("cpu").set_index("features")
    assert plan.loc["mfcc_stats", "runs"]
    assert not plan.loc["openl3_512", "runs"] and "not obtainable" in plan.loc["openl3_512", "reason"]
    assert not plan.loc["musicnn_mtt", "runs"]  # no weights in that folder: listed, never replaced
    assert kd.feature_plan("smoke").set_index("features").loc["aisfx", "reason"] != ""


def test_extraction_floor_reads_the_all_networks_row():
    costs = pd.DataFrame([
        {"network": "a_windows", "gflop_per_clip": 30.0, "decode_s": 0.1, "frontend_s": 0.1, "network_s": 0.6,
         "network_gflop_per_s": 50.0, "projected_clips": 900, "projected_cold_min": 12.0, "torch_threads": 2},
        {"network": "all networks", "gflop_per_clip": 150.0, "decode_s": 0.5, "frontend_s": 0.2, "network_s": 1.3,
         "network_gflop_per_s": 115.4, "projected_clips": 900, "projected_cold_min": 30.0, "torch_threads": 2}])
    text = kd.extraction_floor(costs, target_min=15)
    assert text.startswith("900 clips with every network: 30 min projected (2.00 s per clip, 65 % of it inside")
    assert "20 min for the network passes alone" in text  # 900 x 1.3 s
    assert "take 150 GFLOP/s sustained" in text and "1.3 times" in text  # 900 x 150 GFLOP in 900 s
    with pytest.raises(ParameterError, match="all networks"):
        kd.extraction_floor(costs.iloc[:1])
