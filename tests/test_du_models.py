"""The two review models that run in the Du chapter: CFS + CLDNN (Hizlisoy et al.) and the LSTM
sequence regressor of 6 s segments (Grekow), with their features and protocols."""
import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from conftest import SR, tone
from sklearn.base import clone
from sklearn.metrics import r2_score
from test_du import tr_rows
from test_turkish import HEADER, write_features

from mer_core import weights
from mer_core.datasets import turkish
from mer_core.errors import ParameterError
from mer_core.evaluation import make_splits
from mer_core.experiments import du
from mer_core.features.sequences import MFCCSequence
from mer_core.models.cfs import CFS, class_correlation_pearson, merit, symmetrical_uncertainty
from mer_core.models.cldnn import CLDNN, CLDNNClassifier
from mer_core.models.inputs import Inputs
from mer_core.models.sequence_regressors import LSTMSequenceRegressor, inner_split

# --- CFS -----------------------------------------------------------------------------------------------


def cfs_data(n=300, seed=0):
    """Three classes; f0 and f2 informative and independent of each other, f1 a near copy of f0,
    f3 constant, f4..f9 noise. The right subset: f2 and one of f0 / f1."""
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1, 2], n // 3)
    f0 = np.where(y == 0, 2.0, 0.0) + rng.normal(0, 0.7, n)     # separates class 0
    f1 = f0 + rng.normal(0, 0.05, n)                            # redundant with f0
    f2 = np.where(y == 2, 2.0, 0.0) + rng.normal(0, 0.7, n)     # separates class 2
    f3 = np.full(n, 3.0)                                        # constant
    noise = rng.normal(0, 1.0, (n, 6))
    return np.column_stack([f0, f1, f2, f3, noise]), y


@pytest.mark.parametrize("correlation", ["pearson", "su"])
def test_cfs_picks_the_informative_non_redundant_features(correlation):
    X, y = cfs_data()
    cfs = CFS(correlation=correlation).fit(X, y)
    chosen = set(cfs.selected_.tolist())
    assert 2 in chosen and len(chosen & {0, 1}) == 1, chosen
    assert not chosen & set(range(3, 10)), chosen  # neither the constant nor any noise feature
    assert cfs.get_support().tolist() == [i in chosen for i in range(10)]
    assert cfs.transform(X).shape == (len(X), len(chosen))
    np.testing.assert_array_equal(cfs.transform(X), X[:, sorted(chosen)])
    assert cfs.merit_ == pytest.approx(merit(cfs.r_cf_, cfs.r_ff_, cfs.selected_))
    # the chosen pair beats every single feature and the triple with the redundant copy
    assert cfs.merit_ > max(merit(cfs.r_cf_, cfs.r_ff_, [j]) for j in range(10))
    assert cfs.merit_ > merit(cfs.r_cf_, cfs.r_ff_, [0, 1, 2])
    assert cfs.r_cf_[3] == 0.0  # a constant feature correlates with nothing


def test_cfs_selection_follows_the_labels_not_the_column_order():
    X, y = cfs_data(seed=1)
    order = np.array([9, 8, 2, 7, 0, 6, 5, 1, 4, 3])  # f2 now at column 2, f0 at 4, f1 at 7
    cfs = CFS().fit(X[:, order], y)
    picked = set(order[cfs.selected_].tolist())
    assert 2 in picked and len(picked & {0, 1}) == 1 and len(picked) == 2


def test_merit_formula_by_hand():
    r_cf = np.array([0.6, 0.5, 0.4])
    r_ff = np.array([[1.0, 0.2, 0.3], [0.2, 1.0, 0.1], [0.3, 0.1, 1.0]])
    k, mean_cf, mean_ff = 3, 0.5, (0.2 + 0.3 + 0.1) / 3
    assert merit(r_cf, r_ff, [0, 1, 2]) == pytest.approx(k * mean_cf / np.sqrt(k + k * (k - 1) * mean_ff))
    assert merit(r_cf, r_ff, [1]) == pytest.approx(0.5)
    assert merit(r_cf, r_ff, []) == 0.0


def test_class_correlations():
    y = np.array(["a", "a", "b", "b", "c", "c"])
    x = np.array([1.0, 1.0, 0.0, 0.0, 0.0, 0.0])  # the indicator of "a": r = 1 with it
    r_b = abs(np.corrcoef(x, y == "b")[0, 1])
    assert class_correlation_pearson(x[:, None], y)[0] == pytest.approx((1.0 + 2 * r_b) / 3)
    assert symmetrical_uncertainty([0, 0, 1, 1], [1, 1, 0, 0]) == pytest.approx(1.0)
    assert symmetrical_uncertainty([0, 1, 0, 1], [0, 0, 1, 1]) == pytest.approx(0.0)
    assert symmetrical_uncertainty([0, 0], [1, 1]) == 0.0


def test_cfs_stops_and_rejects_bad_input():
    X, y = cfs_data()
    capped = CFS(max_features=1).fit(X, y)
    assert len(capped.selected_) == 1 and capped.selected_[0] in (0, 1, 2)
    assert CFS(stale_limit=1).fit(X, y).n_expansions_ <= CFS().fit(X, y).n_expansions_
    with pytest.raises(ParameterError, match="correlation"):
        CFS(correlation="spearman").fit(X, y)
    with pytest.raises(ParameterError, match="two classes"):
        CFS().fit(X, np.zeros(len(X)))
    with pytest.raises(ParameterError, match="NaN"):
        CFS().fit(np.where(X == X[0, 0], np.nan, X), y)


# --- CLDNN ---------------------------------------------------------------------------------------------


def threshold_task(n=240, d=8, seed=0):
    """Three classes, each shifting column 3 of ``d`` noise columns by 3 standard deviations more
    than the previous one: trivially learnable, chance 1/3."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = rng.normal(0, 1, (n, d))
    X[:, 3] += 3.0 * y
    return X, np.array(["low", "mid", "high"])[y]


@pytest.mark.parametrize("n_features", [1, 2, 7, 16])
def test_cldnn_module_shapes(torch_one_thread, n_features):
    import torch

    net = CLDNN(n_features, 4, conv_channels=(8, 8))
    assert net(torch.zeros(5, n_features)).shape == (5, 4)
    assert net.n_positions == {1: 1, 2: 1, 7: 1, 16: 4}[n_features]  # a pool halves, until one position is left
    with pytest.raises(ParameterError):
        CLDNN(n_features, 1)


def test_cldnn_classifier_learns_is_deterministic_and_clones(torch_one_thread):
    X, y = threshold_task()
    train, test = np.arange(180), np.arange(180, 240)
    model = CLDNNClassifier(epochs=30, lr=3e-3, random_state=0, num_threads=1, device="cpu").fit(X[train], y[train])
    proba = model.predict_proba(X[test])
    assert proba.shape == (60, 3) and np.allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    assert sorted(model.classes_) == ["high", "low", "mid"] and len(model.history_) == 30
    assert np.mean(model.predict(X[test]) == y[test]) > 0.75  # chance is 1/3 (logistic regression: 0.93)
    again = clone(model).fit(X[train], y[train])
    np.testing.assert_array_equal(again.predict_proba(X[test]), proba)
    other = CLDNNClassifier(epochs=30, lr=3e-3, random_state=1, num_threads=1, device="cpu").fit(X[train], y[train])
    assert not np.array_equal(other.predict_proba(X[test]), proba)
    with pytest.raises(ParameterError, match="features"):
        model.predict(X[test, :5])


# --- the LSTM regressor ---------------------------------------------------------------------------------


def sequence_task(n=300, T=12, d=6, seed=0):
    """Targets: the time mean of feature 0 and the last step of feature 1 (learnable from the sequence)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1, (n, T, d)).astype(np.float32)
    Y = np.column_stack([X[:, :, 0].mean(axis=1) * 3, X[:, -1, 1]]) + rng.normal(0, 0.05, (n, 2))
    return X, Y


def test_lstm_regressor_shapes_learning_and_determinism(torch_one_thread):
    X, Y = sequence_task()
    train, test = np.arange(240), np.arange(240, 300)
    groups = np.repeat(np.arange(120), 2)
    kw = dict(hidden_size=24, epochs=60, patience=15, lr=3e-3, random_state=0, num_threads=1, device="cpu")
    model = LSTMSequenceRegressor(**kw).fit(X[train], Y[train], groups=groups)
    pred = model.predict(X[test])
    assert pred.shape == (60, 2)
    assert r2_score(Y[test], pred, multioutput="raw_values").min() > 0.6
    assert model.n_train_ + model.n_val_ == 240 and model.n_val_ == 24  # 10 % of the 120 songs, 2 rows each
    assert model.best_epoch_ == min(model.history_, key=lambda r: r["val_loss"])["epoch"]
    np.testing.assert_array_equal(clone(model).fit(X[train], Y[train], groups=groups).predict(X[test]), pred)
    one = LSTMSequenceRegressor(hidden_size=8, epochs=2, random_state=0, num_threads=1).fit(X[train], Y[train, 0])
    assert one.predict(X[test]).shape == (60,)
    with pytest.raises(ParameterError, match="shape"):
        model.predict(X[test, :5])
    with pytest.raises(ParameterError, match="n_sequences"):
        model.fit(X[:, 0], Y)


def test_lstm_regressor_reads_groups_from_inputs_and_uses_given_validation(torch_one_thread):
    X, Y = sequence_task(n=60)
    groups = np.repeat(np.arange(20), 3)
    kw = dict(hidden_size=8, epochs=3, patience=None, random_state=0, num_threads=1)
    by_inputs = LSTMSequenceRegressor(**kw).fit(Inputs(sequence=X, group=groups), Y)
    by_argument = LSTMSequenceRegressor(**kw).fit(X, Y, groups=groups)
    np.testing.assert_array_equal(by_inputs.predict(X), by_argument.predict(Inputs(sequence=X, group=groups)))
    assert by_inputs.n_val_ == 6  # 2 of the 20 songs, 3 rows each
    given = LSTMSequenceRegressor(**kw).fit(X[:40], Y[:40], validation=(X[40:], Y[40:]))
    assert given.n_train_ == 40 and given.n_val_ == 20 and given.best_epoch_ is not None
    none = LSTMSequenceRegressor(**{**kw, "validation_fraction": None}).fit(X, Y)
    assert none.n_val_ == 0 and none.best_epoch_ is None and none.n_epochs_ == 3


def test_inner_split_keeps_groups_together():
    groups = np.repeat(np.arange(30), 4)
    train, val = inner_split(len(groups), groups, 0.1, seed=3)
    assert not set(groups[train]) & set(groups[val])
    assert len(set(groups[val])) == 3 and len(train) + len(val) == 120
    with pytest.raises(ParameterError, match="two groups"):
        inner_split(4, np.zeros(4), 0.1, seed=0)


# --- the segment features ----------------------------------------------------------------------------


def test_mfcc_sequence_segments_and_steps():
    ext = MFCCSequence()
    assert (ext.n_steps, ext.dim) == (12, 40)
    y = tone(330.0, seconds=13.0)
    out = ext(y, SR)
    assert out.shape == (2, 12, 40) and np.isfinite(out).all()  # 13 s: two whole 6 s segments
    assert ext(tone(330.0, seconds=5.8), SR).shape == (1, 12, 40)  # short by < 5 %: one padded segment
    assert ext(tone(330.0, seconds=2.0), SR).shape == (1, 12, 40)
    # the first step is the mean of the frames centred in [0, 0.5) s: frames 0..21 (hop 512 at 22.05 kHz)
    import librosa

    mfcc = librosa.feature.mfcc(y=y[:12 * SR], sr=SR, n_mfcc=20, n_fft=1024, hop_length=512)
    np.testing.assert_allclose(out[0, 0, :20], mfcc[:, :22].mean(axis=1), rtol=1e-4, atol=1e-3)
    assert ext.segment_starts(2).tolist() == [0.0, 6.0]
    with pytest.raises(ParameterError, match="whole number"):
        MFCCSequence(segment_s=6.0, step_s=0.7)


@pytest.fixture
def clips(tmp_path):
    """Four 13 s clips of two songs (two segments each), with 2 Hz curves that differ between the segments."""
    rows, curves = [], []
    for k in range(4):
        path = tmp_path / f"c{k}.wav"
        sf.write(path, tone(220.0 * (k + 1), seconds=13.0, seed=k), SR)
        rows.append({"track_id": f"c{k}", "path": str(path), "group": f"song{k // 2}", "quadrant": "Q1",
                     "valence": 0.5, "arousal": -0.5})
        for t in np.arange(0, 13.0, 0.5):
            curves.append({"track_id": f"c{k}", "time_s": t, "valence": 0.1 * k + (0.2 if t >= 6 else 0.0),
                           "arousal": t / 10})
    return pd.DataFrame(rows), pd.DataFrame(curves)


def test_grekow_segments_labels(clips):
    tracks, dynamic = clips
    data = du.grekow_segments(tracks, dynamic=dynamic, n_jobs=1)
    seg = data.segments
    assert data.X.shape == (8, 12, 40) and list(seg.columns) == du.SEGMENT_COLUMNS and data.n_clips == 4
    assert seg["track_id"].tolist() == ["c0", "c0", "c1", "c1", "c2", "c2", "c3", "c3"]
    assert seg["start_s"].tolist() == [0.0, 6.0] * 4 and seg["group"].tolist()[:4] == ["song0"] * 4
    assert seg["valence"].to_numpy() == pytest.approx([0.0, 0.2, 0.1, 0.3, 0.2, 0.4, 0.3, 0.5])
    assert seg["arousal"].to_numpy()[:2] == pytest.approx([np.arange(0, 6, 0.5).mean() / 10,
                                                           np.arange(6, 12, 0.5).mean() / 10])
    static = du.grekow_segments(tracks, n_jobs=1).segments  # no curves: the clip's label on every segment
    assert (static["valence"] == 0.5).all() and (static["arousal"] == -0.5).all()
    assert data.summary("synthetic")["dataset"] == "synthetic (SIMULATION)"
    with pytest.raises(ParameterError, match="no valence"):
        du.grekow_segments(tracks.assign(valence=np.nan), n_jobs=1)


# --- the protocols: no group straddles folds --------------------------------------------------------


def segment_data(n_songs=30, per_song=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1, (n_songs * per_song, 12, 5)).astype(np.float32)
    group = np.repeat([f"s{k}" for k in range(n_songs)], per_song)
    quadrant = np.repeat(np.array(["Q1", "Q2", "Q3"])[np.arange(n_songs) % 3], per_song)
    v = X[:, :, 0].mean(axis=1) + rng.normal(0, 0.1, len(X))
    seg = pd.DataFrame({"track_id": group, "group": group, "quadrant": quadrant,
                        "segment": np.tile(np.arange(per_song), n_songs), "start_s": 0.0,
                        "valence": v, "arousal": -v + rng.normal(0, 0.1, len(X))})
    return du.SegmentData(X, seg, n_songs, pd.DataFrame(columns=["track_id", "path", "error"]))


def test_grekow_run_keeps_songs_on_one_side(torch_one_thread):
    data = segment_data()
    res = du.grekow_run(data, "synthetic", "smoke", seed=0, num_threads=1)
    rec, pred = res.records, res.predictions
    assert set(rec["method"]) == set(du.GREKOW_METHODS) and set(rec["dataset"]) == {"synthetic"}
    assert {"r2_valence", "r2_arousal"} <= set(rec["metric"]) and set(rec["protocol"]) == {"holdout80-0-20x1"}
    groups = data.segments["group"].to_numpy()
    for (method, fold), part in pred.groupby(["method", "fold"]):
        tested = set(groups[part["index"]])
        # every segment of a tested song is tested in this fold; none of them trained on
        assert set(np.flatnonzero(np.isin(groups, list(tested)))) == set(part["index"])
    assert pred.groupby("method")["index"].apply(lambda s: tuple(sorted(s))).nunique() == 1  # same folds
    summary = du.va_summary(rec)
    assert summary["data"].tolist() == ["synthetic (SIMULATION)"] * 3
    ols = rec[(rec["method"] == "linear_regression") & (rec["metric"] == "r2_valence")]["value"].iloc[0]
    assert summary.set_index("method").loc["linear_regression", "r2_valence_mean"] == pytest.approx(ols)
    assert ols > 0.5  # valence is the time mean of feature 0: linear in the baseline's input
    claims = du.grekow_claims(summary)
    assert claims["claim"].tolist() == list(du.GREKOW_CLAIMS[:2]) and set(claims["holds here"]) <= {"yes", "no"}
    # the same records as if from the pretrained front, with a better LSTM: the third claim is checked
    front = rec.assign(features=rec["features"].map({du.FEATURES_GREKOW: du.FEATURES_GREKOW_PRETRAINED,
                                                     du.FEATURES_GREKOW_MEAN: du.FEATURES_GREKOW_PRETRAINED_MEAN}))
    lstm_r2 = (front["method"] == "lstm") & front["metric"].str.startswith("r2_")
    both = pd.concat([rec, front.assign(value=front["value"].where(~lstm_r2, front["value"] + 0.1))])
    claims = du.grekow_claims(du.va_summary(both)).set_index("claim")
    assert claims.loc[du.GREKOW_CLAIMS[2], "holds here"] == "yes"
    assert claims.loc[du.GREKOW_CLAIMS[2], "figures"] == "LSTM R² gain: V +0.100, A +0.100"
    assert len(claims.loc[du.GREKOW_CLAIMS[0]]) == 2  # one per input family
    with pytest.raises(ParameterError, match="unknown methods"):
        du.grekow_run(data, "synthetic", "smoke", methods=("gru",))


@pytest.fixture
def tr_table(tmp_path):
    root = tmp_path / turkish.DIRNAME
    write_features(root, tr_rows(), HEADER)
    return turkish.load(root)


def test_hizlisoy_turkish_and_cfs_selection(tr_table, torch_one_thread):
    res = du.hizlisoy_turkish(tr_table, "smoke", seed=0, num_threads=1)
    rec = res.records
    assert set(rec["method"]) == {f"cfs_{m}" for m in du.HIZLISOY_METHODS}  # smoke: with CFS only
    assert set(rec["dataset"]) == {"turkish"} and set(rec["protocol"]) == {"holdout80-0-20x1"}
    acc = rec[rec["metric"] == "accuracy"].set_index("method")["value"]
    assert acc.loc[["cfs_knn", "cfs_rbf_svm", "cfs_random_forest"]].min() == 1.0  # the fixture's classes are far apart
    copies = tr_table.index[tr_table["group"] == tr_table["group"].iloc[10]]
    pred = res.predictions[res.predictions["method"] == "cfs_cldnn"]
    assert set(copies) <= set(pred["index"]) or not set(copies) & set(pred["index"])
    summary = du.hizlisoy_summary(rec).set_index("method")
    assert summary.loc["cfs_cldnn", "the review's figure"] == du.REVIEW_HIZLISOY_NOTE
    assert summary.loc["cfs_knn", "selection"] == "CFS" and summary.loc["cfs_knn", "classifier"] == "knn"
    selection = du.cfs_selection(tr_table, "smoke", seed=0)
    assert list(selection.columns) == du.CFS_COLUMNS and len(selection.attrs["subset_sizes"]) == 1
    assert selection["folds_selected"].sum() == selection.attrs["subset_sizes"][0] >= 1
    # the cpu profile's 10 folds: CFS refitted on each training part, with and without CFS
    splits = make_splits(tr_table["quadrant"], du.settings("cpu")["hizlisoy"]["cv"], groups=tr_table["group"], seed=0)
    assert len(splits) == 10
    for s in splits:
        assert not set(tr_table["group"].iloc[s.train]) & set(tr_table["group"].iloc[s.test])
    pipe = du.hizlisoy_pipeline("knn", du.settings("cpu")["hizlisoy"], cfs=False)
    assert [name for name, _ in pipe.steps] == ["model"]
    with pytest.raises(ParameterError, match="unknown method"):
        du.hizlisoy_pipeline("mlp", du.settings("smoke")["hizlisoy"])


def test_grekow_tracks_subsets_labelled_clips():
    tracks = pd.DataFrame({"track_id": [f"t{k}" for k in range(40)], "quadrant": np.repeat(["Q1", "Q2", "Q3", "Q4"], 10),
                           "valence": [np.nan] + [5.0] * 39, "arousal": 5.0})
    smoke = du.grekow_tracks(tracks, "4q", "smoke", seed=0)
    assert smoke["quadrant"].value_counts().tolist() == [4, 4, 4, 4] and "t0" not in set(smoke["track_id"])
    assert len(du.grekow_tracks(tracks, "4q", "cpu")) == 39
    with pytest.raises(ParameterError, match="Warriner"):
        du.grekow_tracks(tracks.drop(columns="valence"), "4q", "smoke")


def test_models_and_pending_tables():
    models = du.models_table().set_index("model")
    assert models.loc["Hizlisoy et al. (CLDNN on Turkish music)", "here"].startswith("runs")
    assert models.loc["Grekow (RNN on 6 s fragments, pretrained models)", "here"].startswith("runs")
    pending = du.pending_table()
    assert list(pending.columns) == du.PENDING_COLUMNS
    assert {"Parisi et al.", "Orjesek et al."} <= set(pending["model"])
    hizlisoy = pending[pending["model"] == "Hizlisoy et al."]
    assert not any("CNN features" in part for part in hizlisoy["part"])  # the whole system runs on 4Q now
    assert any("IS13 ComParE alone" in why for why in hizlisoy["why not in this edition"])


needs_musicnn = pytest.mark.skipif(not weights.musicnn_weights_present(),
                                   reason="musicnn weights not fetched: run `mer weights fetch` (done by `make setup`)")


@needs_musicnn
def test_grekow_pretrained_front_segments_are_pairs_of_musicnn_windows(tmp_path, monkeypatch, torch_one_thread):
    monkeypatch.setenv("MER_CACHE_DIR", str(tmp_path / "cache"))
    rows = []
    for i, seconds in enumerate((8.0, 13.0, 4.0)):  # 2, 4 and 1 window(s) of 2.992 s: 1, 2 and 0 segments
        path = tmp_path / f"clip{i}.wav"
        sf.write(path, tone(220.0 * (i + 1), seconds), SR)
        rows.append({"track_id": f"c{i}", "path": str(path), "group": f"g{i}", "quadrant": "Q1",
                     "valence": 0.1 * i, "arousal": -0.1 * i})
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"not audio")
    rows.append({"track_id": "bad", "path": str(broken), "group": "g9", "quadrant": "Q2", "valence": 0.0,
                 "arousal": 0.0})
    tracks = pd.DataFrame(rows)
    dynamic = pd.DataFrame({"track_id": "c1", "time_s": np.arange(0, 13, 0.5), "valence": np.arange(26) / 10.0,
                            "arousal": 0.0})
    data = du.grekow_pretrained_segments(tracks)
    assert data.X.shape == (3, du.WINDOWS_PER_SEGMENT, 200) and data.X.dtype == np.float32
    assert data.segments["track_id"].tolist() == ["c0", "c1", "c1"] and data.n_clips == 2
    assert data.segments["start_s"].tolist() == pytest.approx([0.0, 0.0, 2 * 187 * 256 / 16000])
    assert data.segments["valence"].tolist() == [0.0, 0.1, 0.1]  # the clip's static label
    assert sorted(data.failures["track_id"]) == ["bad", "c2"]  # reported, not dropped silently
    assert "shorter than one segment" in data.failures.set_index("track_id").loc["c2", "error"]
    assert data.features == du.FEATURES_GREKOW_PRETRAINED and data.summary("4q")["input"] == data.features
    # the segment is the network's window vectors, in order: the cached windows of the whole clip
    from mer_core.features.base import extract
    from mer_core.features.registry import get
    embedding = get(du.PRETRAINED_FRONT)
    windows = extract(tracks.iloc[[1]], embedding.windows(), progress=False, n_jobs=1)
    vectors = embedding.windows().layer(np.asarray(windows.X[0]), embedding.layer)
    np.testing.assert_allclose(data.X[1:].reshape(4, 200), vectors[:4], rtol=1e-6)
    # with curves, a segment's label is their mean over its two windows (0 to 5.984 s: samples 0..5.5 s)
    curved = du.grekow_pretrained_segments(tracks.iloc[[1]], dynamic=dynamic)
    assert curved.segments["valence"].iloc[0] == pytest.approx(np.arange(12).mean() / 10.0)
