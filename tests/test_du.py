"""Du's review chapter: dataset table, annotation statistics, TR-MUSIC baseline, metrics, the LSTM step."""
import numpy as np
import pandas as pd
import pytest
from conftest import DEAM_DYNAMIC, EMOMUSIC
from scipy.stats import pearsonr
from sklearn.metrics import log_loss, mean_absolute_error, mean_squared_error, r2_score
from test_turkish import HEADER, write_features

from mer_core.datasets import deam, emomusic, status, turkish
from mer_core.errors import ParameterError
from mer_core.experiments import du

# --- fixtures ------------------------------------------------------------------------------------------


def tr_rows(per_class: int = 10, seed: int = 0):
    """TR-MUSIC rows in the published format (:data:`test_turkish.HEADER`: 3 features), classes far apart,
    in the real file's class blocks; the second happy excerpt repeats the first exactly."""
    rng = np.random.default_rng(seed)
    centres = {"relax": (0.05, 90.0, 1.0), "happy": (0.30, 140.0, 6.0), "sad": (0.05, 70.0, -4.0),
               "angry": (0.60, 170.0, 12.0)}
    rows = []
    for label, centre in centres.items():
        for k in range(per_class):
            values = np.asarray(centre) * (1 + 0.02 * rng.standard_normal(3))
            rows.append((label, *(f"{v:.4f}" for v in values)))
    happy = [i for i, r in enumerate(rows) if r[0] == "happy"]
    rows[happy[1]] = rows[happy[0]]
    return rows


@pytest.fixture
def tr_table(tmp_path):
    root = tmp_path / turkish.DIRNAME
    write_features(root, tr_rows(), HEADER)
    return turkish.load(root)


@pytest.fixture
def data_dir(tmp_path, deam_root, emomusic_root):
    """DEAM, emoMusic and TR-MUSIC fixtures side by side in one data directory (4Q, RAVDESS, synthetic absent)."""
    write_features(tmp_path / turkish.DIRNAME, tr_rows(), HEADER)
    return tmp_path


# --- profiles ------------------------------------------------------------------------------------------


def test_profiles_and_their_validation(tr_table):
    assert du.settings("smoke")["cv"] == "holdout80-0-20x1"
    assert du.settings("cpu")["cv"] == "holdout80-0-20x10"
    assert du.settings("paper")["cv"] == "holdout80-0-20x20"
    with pytest.raises(ParameterError, match="unknown profile 'gpu'"):
        du.settings("gpu")
    with pytest.raises(ParameterError, match="unknown profile"):
        du.turkish_baseline(tr_table, "fast")


# --- the dataset table ---------------------------------------------------------------------------------


def test_dataset_table_counts_follow_the_status(data_dir):
    st = status(data_dir)
    table = du.dataset_table(st).set_index("dataset")
    assert list(du.dataset_table(st).columns) == du.DATASET_COLUMNS
    assert len(table) == len(du.DATASETS) == 9
    deam_row = table.loc["DEAM (MediaEval)"]
    assert deam_row[["in the review", "obtainable here", "clips here", "detail here"]].tolist() == \
        ["yes", "yes", "6/6", "6 songs annotated, no audio"]
    assert deam_row["size (the review's)"].startswith("more than 1800 songs")
    assert deam_row["scale (the review's)"] == "not stated"
    emo = table.loc["emoMusic (1000 Songs; = DEAM songs 2-1000)"]
    assert emo[["in the review", "obtainable here", "clips here"]].tolist() == ["no", "yes", "4/4"]
    assert emo["detail here"] == "4 songs annotated, audio for 2"
    assert table.loc["TR-MUSIC (Er & Aydilek)", "clips here"] == "40/40"
    for name in ("4Q (Panda et al.)", "RAVDESS song", "synthetic corpus (SIMULATION)"):
        assert table.loc[name, ["obtainable here", "clips here"]].tolist() == ["not on this data path", "-"]
    for name in ("Grekow's dataset", "TEM (Turkish emotional music, Hizlisoy et al.)"):
        assert table.loc[name, "obtainable here"].startswith("no (") and table.loc[name, "clips here"] == "-"
    assert table.loc["Grekow's dataset", ["size (the review's)", "clip length (the review's)"]].tolist() == \
        ["324 fragments", "6 s"]
    assert table.loc["TEM (Turkish emotional music, Hizlisoy et al.)", "size (the review's)"] == "124 excerpts"
    assert table.loc["RAVDESS song", "size (the review's)"] == "not in the review"
    # another status, another table: partial and invalid states, counts from the status row
    partial = st.copy()
    partial.loc[partial["dataset"] == "deam", ["state", "n_present", "n_expected"]] = ["partial", 5, 6]
    partial.loc[partial["dataset"] == "turkish", "state"] = "invalid"
    other = du.dataset_table(partial).set_index("dataset")
    assert other.loc["DEAM (MediaEval)", ["obtainable here", "clips here"]].tolist() == ["partial", "5/6"]
    assert other.loc["TR-MUSIC (Er & Aydilek)", ["obtainable here", "clips here"]].tolist() == ["invalid copy", "-"]
    with pytest.raises(ParameterError, match="no row for dataset 'deam'"):
        du.dataset_table(st[st["dataset"] != "deam"])


def test_deam_parts_count_the_files(deam_root):
    parts = du.deam_parts(deam.load(deam_root), deam.load_dynamic(deam_root)).set_index("part")
    assert parts.index.tolist() == [name for name, *_ in du.DEAM_PARTS]
    assert parts["songs (static file)"].tolist() == [2, 2, 2]  # 2, 3 | 1001, 2000 | 2001, 2002
    assert parts["songs (dynamic file)"].tolist() == [1, 1, 1]  # 2 | 1001 | 2001
    assert parts["dynamic interval (s)"].tolist() == [0.5, 0.5, 0.5]
    assert parts["first annotation (s)"].tolist() == [15.0, 15.0, 15.0]
    assert parts["median last annotation (s)"].tolist() == [15.5, 15.5, 16.0]
    assert parts["the review's"].iloc[2] == "58 full songs (2015)"
    assert du.deam_part(["2", "1000", "1001", "2000", "2001", "2058"]).tolist() == \
        [du.DEAM_PARTS[0][0]] * 2 + [du.DEAM_PARTS[1][0]] * 2 + [du.DEAM_PARTS[2][0]] * 2


# --- the annotations -----------------------------------------------------------------------------------


def test_quadrant_counts_with_values_on_the_axes():
    ratings = pd.DataFrame({"valence": [6.0, 4.0, 4.0, 6.0, 5.0, 2.0, 8.0],
                            "arousal": [6.0, 6.0, 4.0, 4.0, 3.0, 5.0, 9.0]})
    row = du.quadrant_counts(ratings, 5.0, dataset="x", source="static (1-9)").iloc[0]
    assert list(row.index) == du.QUADRANT_COLUMNS
    # (5, 3): valence on the axis counts positive -> Q4; (2, 5): arousal on the axis -> Q2
    assert row[["n_songs", "Q1", "Q2", "Q3", "Q4", "on an axis"]].tolist() == [7, 2, 2, 1, 2, 2]
    assert row["midpoint"] == 5.0 and row["ratings"] == "static (1-9)"
    # the same ratings on -1..1 split at 0
    centred = (ratings - 5) / 4
    assert du.quadrant_counts(centred, 0.0, dataset="x", source="d").iloc[0][["Q1", "Q2", "Q3", "Q4"]].tolist() == \
        [2, 2, 1, 2]


def test_quadrant_counts_of_the_loaded_fixtures(deam_root, emomusic_root):
    # DEAM after the exchange back of songs 2 and 3: (v, a) = (3.0, 3.1), (3.3, 3.5), (6.2, 4.1), (5.8, 6.0),
    # (3.2, 6.6), (6.4, 5.2)
    row = du.quadrant_counts(deam.load(deam_root), 5.0, dataset="deam", source="static").iloc[0]
    assert row[["Q1", "Q2", "Q3", "Q4", "on an axis"]].tolist() == [2, 1, 2, 1, 0]
    row = du.quadrant_counts(emomusic.load(emomusic_root), 5.0, dataset="emomusic", source="static").iloc[0]
    expected = pd.Series([("Q1" if v >= 5 else "Q2") if a >= 5 else ("Q4" if v >= 5 else "Q3")
                          for _, (a, _), (v, _), *_ in EMOMUSIC]).value_counts()
    assert row[["Q1", "Q2", "Q3", "Q4"]].tolist() == [int(expected.get(q, 0)) for q in ("Q1", "Q2", "Q3", "Q4")]
    assert row[["Q1", "Q3"]].tolist() == [1, 3]


def test_dynamic_spread_of_constructed_curves():
    dynamic = pd.DataFrame({"track_id": ["a"] * 4 + ["b"] * 2,
                            "time_s": [15.0, 15.5, 16.0, 16.5, 15.0, 15.5],
                            "valence": [0.0, 0.2, 0.4, 0.2, -1.0, 1.0],
                            "arousal": [0.5, 0.5, 0.5, 0.5, 0.0, 0.5]})
    spread = du.dynamic_spread(dynamic).set_index("track_id")
    assert list(du.dynamic_spread(dynamic).columns) == du.SPREAD_COLUMNS
    assert spread.loc["a", "n_frames"] == 4 and spread.loc["a", "duration_s"] == 1.5
    assert spread.loc["a", "valence_std"] == pytest.approx(np.sqrt(0.02))  # population std about 0.2
    assert spread.loc["a", "valence_range"] == pytest.approx(0.4)
    assert spread.loc["a", ["arousal_std", "arousal_range"]].tolist() == [0.0, 0.0]
    assert spread.loc["b", ["valence_std", "valence_range", "arousal_std", "arousal_range"]].tolist() == \
        pytest.approx([1.0, 2.0, 0.25, 0.5])
    assert spread.loc["a", "valence_mean"] == pytest.approx(0.2) and spread.loc["b", "arousal_mean"] == 0.25
    summary = du.spread_summary(spread.reset_index(), "x").set_index("measure")
    lo, hi = np.sqrt(0.02), 1.0
    assert summary.loc["valence_std", ["n_songs", "median", "q25", "q75"]].tolist() == \
        pytest.approx([2, (lo + hi) / 2, lo + 0.25 * (hi - lo), lo + 0.75 * (hi - lo)])
    assert summary.loc["valence_std", "iqr"] == pytest.approx(0.5 * (hi - lo))
    assert summary.index.tolist() == du.SPREAD_COLUMNS[3:]


def test_dynamic_spread_of_the_emomusic_fixture(emomusic_root):
    # each fixture curve climbs 0.01 per sample over 3 samples: std 0.01 * sqrt(2/3), range 0.02
    spread = du.dynamic_spread(emomusic.load_dynamic(emomusic_root))
    assert spread["track_id"].tolist() == [s for s, *_ in EMOMUSIC]
    assert spread["valence_std"].to_numpy() == pytest.approx(np.full(4, 0.01 * np.sqrt(2 / 3)))
    assert spread["arousal_range"].to_numpy() == pytest.approx(np.full(4, 0.02))
    assert (spread["n_frames"] == 3).all() and (spread["duration_s"] == 1.0).all()


def test_scale_mapping():
    assert du.dynamic_to_static_scale([-1.0, -0.5, 0.0, 0.5, 1.0]).tolist() == [1.0, 3.0, 5.0, 7.0, 9.0]


def test_static_dynamic_agreement_of_a_constructed_case():
    # three frames per song; the static labels are exactly 5 + 4 * (time average) ...
    means = {"s1": (0.5, 0.25), "s2": (-0.5, 0.5), "s3": (-0.25, -0.75), "s4": (0.1, -0.1)}
    frames = [(song, 15.0 + 0.5 * k, v + d, a - d) for song, (v, a) in means.items()
              for k, d in enumerate((-0.1, 0.0, 0.1))]
    dynamic = pd.DataFrame(frames, columns=["track_id", "time_s", "valence", "arousal"])
    static = pd.DataFrame({"track_id": list(means), "valence": [5 + 4 * v for v, _ in means.values()],
                           "arousal": [5 + 4 * a for _, a in means.values()]})
    exact = du.static_dynamic_agreement(static, dynamic, "x")
    assert list(exact.columns) == du.AGREEMENT_COLUMNS and exact["dimension"].tolist() == ["valence", "arousal",
                                                                                          "quadrant"]
    exact = exact.set_index("dimension")
    assert exact.loc["valence", ["n_songs", "pearson_r", "mae", "bias", "agreement_pct"]].tolist() == \
        pytest.approx([4, 1.0, 0.0, 0.0, 100.0])
    assert exact.loc["quadrant", "agreement_pct"] == 100.0
    # ... then static arousal 0.5 lower: s4 (dynamic mean -0.1 -> 4.6) stays below 5; s1 (0.25 -> 6.0 -> 5.5)
    # stays above; MAE 0.5, bias -0.5, r still 1; then one song 1 lower crosses the midpoint
    shifted = static.assign(arousal=static["arousal"] - 0.5)
    shifted.loc[shifted["track_id"] == "s1", "arousal"] -= 0.6  # 6.0 -> 4.9: below the midpoint now
    out = du.static_dynamic_agreement(shifted, dynamic, "x").set_index("dimension")
    assert out.loc["arousal", "mae"] == pytest.approx((0.5 * 3 + 1.1) / 4)
    assert out.loc["arousal", "bias"] == pytest.approx(-(0.5 * 3 + 1.1) / 4)
    assert out.loc["arousal", "agreement_pct"] == 75.0 and out.loc["quadrant", "agreement_pct"] == 75.0
    assert out.loc["valence", "agreement_pct"] == 100.0
    # a song with one label only is left out; none in common is an error
    extra = pd.concat([static, pd.DataFrame({"track_id": ["s9"], "valence": [1.0], "arousal": [9.0]})])
    assert du.static_dynamic_agreement(extra, dynamic, "x")["n_songs"].tolist() == [4, 4, 4]
    with pytest.raises(ParameterError, match="no song has both"):
        du.static_dynamic_agreement(static.assign(track_id=["t1", "t2", "t3", "t4"]), dynamic, "x")


def test_static_dynamic_agreement_on_the_deam_fixture(deam_root):
    out = du.static_dynamic_agreement(deam.load(deam_root), deam.load_dynamic(deam_root), "deam")
    out = out.set_index("dimension")
    assert out["n_songs"].tolist() == [3, 3, 3]  # songs 2, 1001 and 2001 have both
    static = {"2": (3.0, 3.1), "1001": (6.2, 4.1), "2001": (3.2, 6.6)}  # (valence, arousal), 1-9, song 2 exchanged
    # the rescaled file's 0..1 values v -> x = 2v - 1 -> 5 + 4x = 1 + 8v
    mapped = {song: (1 + 8 * np.mean([r[2] for r in rows]), 1 + 8 * np.mean([r[1] for r in rows]))
              for song, rows in DEAM_DYNAMIC.items()}
    for j, dim in enumerate(("valence", "arousal")):
        s = np.array([static[k][j] for k in mapped])
        m = np.array([mapped[k][j] for k in mapped])
        assert out.loc[dim, "mae"] == pytest.approx(np.mean(np.abs(s - m)))
        assert out.loc[dim, "bias"] == pytest.approx(np.mean(s - m))
        assert out.loc[dim, "pearson_r"] == pytest.approx(pearsonr(s, m)[0])
        assert out.loc[dim, "agreement_pct"] == pytest.approx(100 * np.mean((s >= 5) == (m >= 5)))
    pairs = du.agreement_pairs(deam.load(deam_root), deam.load_dynamic(deam_root)).set_index("track_id")
    assert pairs.loc["2", ["valence_static", "arousal_static"]].tolist() == [3.0, 3.1]
    assert pairs.loc["2001", "valence_dynamic"] == pytest.approx(mapped["2001"][0])


# --- TR-MUSIC ------------------------------------------------------------------------------------------


def test_class_balance(tr_table):
    balance = du.class_balance(tr_table).set_index("class")
    assert balance.index.tolist() == ["happy", "angry", "sad", "relax", "total"]
    assert balance["quadrant"].tolist() == ["Q1", "Q2", "Q3", "Q4", "-"]
    assert balance["excerpts"].tolist() == [10, 10, 10, 10, 40]
    assert balance["share_pct"].tolist() == [25.0] * 4 + [100.0]
    assert balance["distinct excerpts"].tolist() == [9, 10, 10, 10, 39]  # one happy excerpt repeats another


def test_turkish_baseline_records(tr_table):
    res = du.turkish_baseline(tr_table, "smoke", seed=0)
    rec = res.records
    assert set(rec["fold"]) == {0} and set(rec["protocol"]) == {"holdout80-0-20x1"}
    assert set(rec["paper"]) == {"Du"} and set(rec["method"]) == {"rbf_svm"} and set(rec["dataset"]) == {"turkish"}
    assert set(rec["features"]) == {"MIRtoolbox 50 (TR-MUSIC file)"} and set(rec["profile"]) == {"smoke"}
    acc = rec.loc[rec["metric"] == "accuracy", "value"]
    assert acc.tolist() == [1.0]  # the fixture's classes are far apart
    assert int(rec["n_train"].iloc[0]) + int(rec["n_test"].iloc[0]) == 40
    # the copies of an excerpt stay on one side
    pred = res.predictions
    copies = tr_table.index[tr_table["group"] == tr_table["group"].iloc[10]]
    assert len(copies) == 2 and (set(copies) <= set(pred["index"]) or not set(copies) & set(pred["index"]))
    cpu = du.turkish_baseline(tr_table, "cpu", seed=0).records
    assert cpu["fold"].nunique() == 10
    summary = du.baseline_summary(cpu).iloc[0]
    f1 = cpu.loc[cpu["metric"] == "f1_macro", "value"]
    assert summary["splits"] == 10 and summary["f1_macro_mean"] == pytest.approx(f1.mean())
    assert summary["f1_macro"] == f"{f1.mean():.3f} ± {f1.std(ddof=1):.3f}"
    assert du.baseline_summary(rec).iloc[0]["accuracy"] == "1.000 ± n/a"


# --- metrics -------------------------------------------------------------------------------------------


def test_metrics_table_equals_scikit_learn_and_scipy():
    rng = np.random.default_rng(1)
    t = rng.uniform(1, 9, 30)
    regression = pd.DataFrame({"y_true": t, "y_pred": t + rng.normal(0, 0.8, 30)})
    regression.attrs["description"] = "constructed"
    labels = ["Q3", "Q1", "Q2"]  # columns not in sorted order: matched by name
    proba = rng.dirichlet(np.ones(3), 12)
    y = np.array(["Q1", "Q2", "Q3"] * 4)
    classification = pd.DataFrame(proba, columns=labels).assign(y_true=y)
    classification.attrs.update(labels=labels, description="constructed probabilities")
    table = du.metrics_table(regression, classification).set_index("metric")
    assert list(du.metrics_table(regression, classification).columns) == du.METRIC_COLUMNS
    assert table.index.tolist() == ["cross-entropy", "R²", "MAE", "Pearson r (PCC)", "RMSE"]
    assert table["Du eq."].tolist() == ["1", "2", "3", "4", "5"]
    tp = (regression["y_true"], regression["y_pred"])
    sorted_proba = classification[["Q1", "Q2", "Q3"]].to_numpy()
    reference = {"cross-entropy": log_loss(y, sorted_proba, labels=["Q1", "Q2", "Q3"]), "R²": r2_score(*tp),
                 "MAE": mean_absolute_error(*tp), "Pearson r (PCC)": pearsonr(*tp)[0],
                 "RMSE": np.sqrt(mean_squared_error(*tp))}
    for metric, value in reference.items():
        assert table.loc[metric, "ours"] == pytest.approx(value, abs=1e-12)
        assert table.loc[metric, "reference value"] == pytest.approx(value, abs=1e-12)
        assert table.loc[metric, "abs difference"] < 1e-12
    # by hand: the mean negative log of the probability given to the true class
    by_name = {lab: k for k, lab in enumerate(labels)}
    manual = -np.mean(np.log(proba[np.arange(12), [by_name[v] for v in y]]))
    assert table.loc["cross-entropy", "ours"] == pytest.approx(manual)
    assert table.loc["cross-entropy", "n"] == 12 and table.loc["R²", "prediction"] == "constructed"
    assert list(du.metrics_table(regression).index) == [0, 1, 2, 3]
    assert du.metrics_table().empty
    with pytest.raises(ParameterError, match="labels"):
        du.metrics_table(classification=pd.DataFrame(classification.to_dict("list")))  # no attrs["labels"]


def test_first_half_regression_uses_only_the_first_half():
    songs = [f"s{k}" for k in range(8)]
    rng = np.random.default_rng(3)
    v, a = rng.uniform(-0.8, 0.8, 8), rng.uniform(-0.8, 0.8, 8)
    frames = []
    for k, song in enumerate(songs):
        frames += [(song, t, v[k], a[k]) for t in (15.0, 20.0, 29.5)]
        frames += [(song, t, -v[k] + 0.9, 0.7 - a[k]) for t in (30.0, 40.0)]  # second half: not used
    dynamic = pd.DataFrame(frames, columns=["track_id", "time_s", "valence", "arousal"])
    static = pd.DataFrame({"track_id": songs, "arousal": 4.5 + 3.0 * a - 0.5 * v, "valence": 5.0 + v,
                           "split": ["development"] * 6 + ["evaluation"] * 2})
    out = du.arousal_from_first_half(static, dynamic)
    assert out["track_id"].tolist() == ["s6", "s7"]
    assert out["y_pred"].to_numpy() == pytest.approx(out["y_true"].to_numpy())
    assert out.attrs["coefficients"] == pytest.approx({"intercept": 4.5, "valence": -0.5, "arousal": 3.0})
    assert out.attrs["n_train"] == 6 and "2 evaluation songs" in out.attrs["description"]
    valence = du.arousal_from_first_half(static, dynamic, target="valence")
    assert valence.attrs["coefficients"] == pytest.approx({"intercept": 5.0, "valence": 1.0, "arousal": 0.0})
    with pytest.raises(ParameterError, match="target"):
        du.arousal_from_first_half(static, dynamic, target="dominance")
    with pytest.raises(ParameterError, match="development and evaluation"):
        du.arousal_from_first_half(static.assign(split="development"), dynamic)


def test_turkish_probabilities(tr_table):
    out = du.turkish_probabilities(tr_table, seed=0)
    assert out.attrs["labels"] == ["Q1", "Q2", "Q3", "Q4"] and out.attrs["n_train"] + len(out) == 40
    proba = out[out.attrs["labels"]].to_numpy()
    assert proba.sum(axis=1) == pytest.approx(np.ones(len(out)))
    assert (proba >= 0).all() and set(out["y_true"]) == {"Q1", "Q2", "Q3", "Q4"}  # stratified
    assert (out["y_pred"] == out["y_true"]).all()
    row = du.metrics_table(classification=out).iloc[0]
    assert row["metric"] == "cross-entropy" and row["abs difference"] < 1e-12 and row["n"] == len(out)


# --- the LSTM ------------------------------------------------------------------------------------------


def test_lstm_step_by_hand_equals_torch(torch_one_thread):
    import torch

    torch.manual_seed(0)
    lstm = torch.nn.LSTM(input_size=3, hidden_size=5)
    x, h, c = torch.randn(2, 3), torch.randn(2, 5), torch.randn(2, 5)
    with torch.no_grad():
        _, (h1, c1) = lstm(x.unsqueeze(0), (h.unsqueeze(0), c.unsqueeze(0)))  # one step, batch of 2
    hand = du.lstm_step_by_hand(lstm, x, h, c)
    np.testing.assert_allclose(hand["h"], h1[0].numpy(), atol=1e-6)
    np.testing.assert_allclose(hand["c"], c1[0].numpy(), atol=1e-6)
    assert set(hand) == {"i", "f", "g", "o", "c", "h"}
    assert all(((hand[k] > 0) & (hand[k] < 1)).all() for k in "ifo") and (np.abs(hand["g"]) < 1).all()
    # the gate order is i, f, g, o: C_t = f * C_{t-1} + i * g and h_t = o * tanh(C_t)
    np.testing.assert_allclose(hand["c"], hand["f"] * c.numpy() + hand["i"] * hand["g"], atol=1e-12)
    np.testing.assert_allclose(hand["h"], hand["o"] * np.tanh(hand["c"]), atol=1e-12)
    # a single (unbatched) step, numpy inputs
    one = du.lstm_step_by_hand(lstm, x[0].numpy(), h[0].numpy(), c[0].numpy())
    np.testing.assert_allclose(one["h"], h1[0, 0].numpy(), atol=1e-6)
    # the forget gate by hand from the review's eq. 6: sigma(W_f [h, x] + b_f), W_f the second block of rows
    W = np.concatenate([lstm.weight_hh_l0.detach().numpy(), lstm.weight_ih_l0.detach().numpy()], axis=1)[5:10]
    b = (lstm.bias_ih_l0 + lstm.bias_hh_l0).detach().numpy()[5:10]
    f = 1 / (1 + np.exp(-(np.concatenate([h[0].numpy(), x[0].numpy()]) @ W.T + b)))
    np.testing.assert_allclose(one["f"], f, atol=1e-6)


def test_lstm_step_by_hand_refuses_other_lstms(torch_one_thread):
    import torch

    with pytest.raises(ParameterError, match="one-layer"):
        du.lstm_step_by_hand(torch.nn.LSTM(3, 4, num_layers=2), np.zeros(3), np.zeros(4), np.zeros(4))
    with pytest.raises(ParameterError, match="one-layer"):
        du.lstm_step_by_hand(torch.nn.LSTM(3, 4, bidirectional=True), np.zeros(3), np.zeros(4), np.zeros(4))
    with pytest.raises(ParameterError, match="do not fit"):
        du.lstm_step_by_hand(torch.nn.LSTM(3, 4), np.zeros(2), np.zeros(4), np.zeros(4))


def test_lstm_check_over_a_sequence(torch_one_thread):
    table = du.lstm_check(seed=1, steps=4)
    assert table["step"].tolist() == [1, 2, 3, 4]
    assert (table[["max |h_torch - h_hand|", "max |c_torch - c_hand|"]] < 1e-12).all().all()
    assert table.attrs["sizes"] == {"input": 3, "hidden": 4, "batch": 2}


def test_models_table():
    table = du.models_table()
    assert table["model"].str.split(" ").str[0].tolist() == ["Parisi", "Grekow", "Orjesek", "Hizlisoy"]
    assert table["here"].str.startswith("runs").tolist() == [True, True, True, True]
    assert list(table.columns) == du.MODEL_COLUMNS


def test_shared_songs_of_deam_and_emomusic(deam_root, emomusic_root):
    # songs 2 and 3 are in both fixtures with the same ratings once DEAM's exchange is undone
    out = du.shared_songs(deam.load(deam_root), emomusic.load(emomusic_root)).set_index("dimension")
    assert out["n_shared"].tolist() == [2, 2] and out["n_within_tolerance"].tolist() == [2, 2]
    assert out["max_abs_difference"].tolist() == pytest.approx([0.0, 0.0])
    published = du.shared_songs(deam.load(deam_root, as_published=True), emomusic.load(emomusic_root))
    assert published.set_index("dimension").loc["valence", "max_abs_difference"] == pytest.approx(0.2)
    assert published["n_within_tolerance"].tolist() == [0, 0]
