import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier

from mer_core import runstore
from mer_core.evaluation import RECORD_COLUMNS, summarize
from mer_core.experiments import louro_dl, louro_resolution
from mer_core.experiments.features import subset
from mer_core.models import make_classifier


def _tracks():
    rows = []
    for q in ("Q1", "Q2", "Q3", "Q4"):
        for a in range(4):
            rows += [{"track_id": f"{q}-{a}-{k}", "quadrant": q, "artist": f"{q}-artist{a}"} for k in range(a + 2)]
    return pd.DataFrame(rows)


def test_subset_is_stratified_and_seeded():
    tracks = _tracks()
    small = subset(tracks, 3, seed=1)
    assert small["quadrant"].value_counts().to_dict() == {q: 3 for q in ("Q1", "Q2", "Q3", "Q4")}
    pd.testing.assert_frame_equal(small, subset(tracks, 3, seed=1))
    assert len(subset(tracks, None)) == len(tracks)


def test_smoke_clips_come_in_fours_from_repeated_artists():
    clips = louro_dl.select_clips(_tracks(), "smoke", seed=0)
    n = louro_dl.PROFILES["smoke"]["clips_per_class"]
    assert clips["quadrant"].value_counts().to_dict() == {q: n for q in ("Q1", "Q2", "Q3", "Q4")}
    assert (clips.groupby("artist").size() == 4).all()
    assert len(louro_dl.select_clips(_tracks(), "cpu")) == len(_tracks())


def test_paper_table_lists_every_row_and_the_difference():
    methods = ["DL Baseline", "OpenL3 -> aisfx embedding + RF"]
    records = pd.DataFrame([("Louro et al.", m, "logmel", "4q", "2x1", "smoke", fold, "f1_macro", v, 8, 8, "abc",
                             "box", "2026-01-01") for m in methods for fold, v in enumerate([0.5, 0.7])],
                           columns=RECORD_COLUMNS)
    table = louro_dl.paper_table(summarize(records), "smoke")
    assert len(table) == len(louro_dl.ROWS) + 1
    assert table.loc["DL Baseline", "difference (points)"] == round(60.0 - 60.62, 2)
    assert table.loc["DL Baseline", "comparison"] == "like for like"
    assert table.loc["CRNN", "ours F1 %"].startswith("not run")
    # a substitute stands beside the paper row it replaces and is never scored against it
    assert table.loc["OpenL3 -> aisfx embedding + RF", "paper F1 % (Original-4QAED)"] == 55.70
    assert table.loc["OpenL3 -> aisfx embedding + RF", "comparison"] == "substitute for OpenL3"
    assert np.isnan(table.loc["OpenL3 -> aisfx embedding + RF", "difference (points)"])
    assert table.loc["CRNN Pre-trained MTAT -> musicnn MTT fine-tune", "comparison"].startswith("substitute")
    assert np.isnan(table.loc["Baseline + time shift", "paper F1 % (Original-4QAED)"])


def test_pool_spectrograms_averages_blocks_and_drops_the_tail():
    X = np.arange(2 * 4 * 9, dtype=np.float32).reshape(2, 4, 9)
    pooled = louro_dl.pool_spectrograms(X, (2, 4))
    assert pooled.shape == (2, 2, 2) and pooled.dtype == np.float32
    assert pooled[0, 0, 0] == X[0, :2, :4].mean() and pooled[1, 1, 1] == X[1, 2:4, 4:8].mean()
    np.testing.assert_array_equal(louro_dl.pool_spectrograms(X, (1, 1)), X)
    with pytest.raises(ValueError):
        louro_dl.pool_spectrograms(X, (8, 1))


def test_run_store_resumes_finished_rows_and_keys_on_the_settings(tmp_path, monkeypatch):
    tracks = _tracks().assign(group=lambda t: t["track_id"])
    built = []

    def toy_row(row, data):
        built.append((row, data.seed))
        level = data.tracks["quadrant"].str[1].astype(int).to_numpy()[:, None]
        X = np.random.default_rng(0).normal(size=(len(data.tracks), 3)) + level
        return make_classifier("random_forest", random_state=0), X, "toy"

    monkeypatch.setattr(louro_dl, "build_row", toy_row)
    data = louro_dl.LouroData(tracks, pd.DataFrame(), "smoke", seed=0)
    first, first_timing = louro_dl.run_rows(data, ["DL Baseline"], store=tmp_path, progress=False)
    again, again_timing = louro_dl.run_rows(data, ["DL Baseline"], store=tmp_path, progress=False)
    assert built == [("DL Baseline", 0)]
    pd.testing.assert_frame_equal(first.records, again.records)
    pd.testing.assert_frame_equal(first.predictions, again.predictions)
    assert first_timing.loc[0, "source"] == "computed" and again_timing.loc[0, "source"].startswith("run store")
    assert again_timing.loc[0, "cv_s"] == first_timing.loc[0, "cv_s"]
    louro_dl.run_rows(louro_dl.LouroData(tracks, pd.DataFrame(), "smoke", seed=1), ["DL Baseline"], store=tmp_path,
                      progress=False)
    assert built == [("DL Baseline", 0), ("DL Baseline", 1)]  # another seed is another run
    louro_dl.run_rows(data, ["DL Baseline"], progress=False)  # no store: always computed
    assert len(built) == 3 and not list(tmp_path.glob("*.tmp"))
    assert first_timing.loc[0, "code_version"] and first_timing.loc[0, "model_code"]
    monkeypatch.setattr(runstore, "source_digest", lambda *modules: "other-model-code")
    louro_dl.run_rows(data, ["DL Baseline"], store=tmp_path, progress=False)
    assert len(built) == 4  # changed model code: the stored row is stale and is computed again


def test_an_interrupted_row_resumes_at_its_missing_fold_with_cross_validates_folds(tmp_path, monkeypatch):
    from mer_core.evaluation import cross_validate

    tracks = _tracks().assign(group=lambda t: t["track_id"])
    level = tracks["quadrant"].str[1].astype(int).to_numpy()[:, None]
    X = np.random.default_rng(0).normal(size=(len(tracks), 3)) + level
    fits = []

    class CountingForest(RandomForestClassifier):
        def fit(self, X, y):
            fits.append(len(y))
            return super().fit(X, y)

    monkeypatch.setattr(louro_dl, "build_row", lambda row, data: (CountingForest(n_estimators=20, random_state=0), X,
                                                                   "toy"))
    data = louro_dl.LouroData(tracks, pd.DataFrame(), "smoke", seed=0)
    whole, _ = louro_dl.run_rows(data, ["DL Baseline"], store=tmp_path, progress=False)
    direct = cross_validate(CountingForest(n_estimators=20, random_state=0), X, data.y, groups=tracks["group"],
                            cv="2x1", seed=0, progress=False, paper=louro_dl.PAPER, method="DL Baseline",
                            features="toy", dataset="4q", profile="smoke")
    keep = ["method", "fold", "metric", "value", "n_train", "n_test"]
    pd.testing.assert_frame_equal(whole.records[keep], direct.records[keep])
    pd.testing.assert_frame_equal(whole.predictions.drop(columns="method"), direct.predictions)
    (tmp_path / f"{louro_dl.fold_key('DL Baseline', 1, data)}.pkl").unlink()  # killed during fold 1
    fits.clear()
    resumed, timing = louro_dl.run_rows(data, ["DL Baseline"], store=tmp_path, progress=False)
    assert len(fits) == 1  # only the missing fold was trained
    assert timing.loc[0, "source"] == "run store (1 of 2 folds)"
    pd.testing.assert_frame_equal(resumed.records[keep], whole.records[keep])


def test_network_sizes_follow_the_profile():
    smoke, cpu, paper = (louro_dl.network_sizes(p) for p in ("smoke", "cpu", "paper"))
    assert cpu.loc["cnn_baseline", "input per sample"] == "48 x 341"
    assert paper.loc["cnn_baseline", "input per sample"] == "96 x 1366"
    assert cpu.loc["shortchunk", "input per sample"] == "48 x 41"  # 3.5 s at the pooled frame rate
    assert (smoke["parameters (narrow width)"] < smoke["parameters (published width)"]).all()
    for sizes in (cpu, paper):  # both run the published widths (cpu on the pooled input)
        assert (sizes["parameters (paper width)"] == sizes["parameters (published width)"]).all()


def test_prepare_leaves_undecodable_clips_out_of_every_input(damaged_fourq, capsys):
    from mer_core.datasets import fourq

    root, _, _, corrupt = damaged_fourq
    with pytest.warns(UserWarning):  # the loader's partial-dataset warning and extract's skipped clip
        data = louro_dl.LouroData.prepare(fourq.load(root), pd.DataFrame(), "smoke", seed=0)
    assert "1 of 6 clips left out of every row" in capsys.readouterr().out
    assert len(data.tracks) == 5 and corrupt not in set(data.tracks["track_id"])
    assert len(data.table("logmel")) == len(data.table("waveform")) == len(data.y) == 5
    # the waveforms are a mapped input (MAPPED_INPUTS): read from one file, dropped by release()
    waveform, logmel = data.table("waveform"), data.table("logmel")
    assert isinstance(waveform, np.memmap) and not isinstance(logmel, np.memmap)
    data.release()
    assert data.table("logmel") is logmel and data.table("waveform") is not waveform
    np.testing.assert_array_equal(data.table("waveform"), waveform)


def test_header_states_counts_without_paths_and_present_accepts_partial(damaged_fourq, capsys):
    from mer_core.experiments.common import header, present

    data_dir = damaged_fourq[0].parent
    table = header("smoke", data_dir, seed=3)
    out = capsys.readouterr().out
    assert "profile: smoke" in out and "seed: 3" in out and "data dir: set by the data_dir parameter" in out
    assert str(data_dir) not in out
    assert any(line.split()[:3] == ["4q", "partial", "6/8"] for line in out.splitlines())
    assert present(table, "4q")
    assert "6 of 8 clips present, 1 missing, 1 unreadable" in capsys.readouterr().out
    assert not present(table, "synthetic") and "not available" in capsys.readouterr().out


def test_header_makes_warnings_one_line_without_machine_paths(tmp_path, monkeypatch):
    import warnings

    from mer_core.experiments.common import header

    monkeypatch.setattr(warnings, "formatwarning", warnings.formatwarning)  # restored after the test
    header("smoke", str(tmp_path), 0)
    text = warnings.formatwarning("3 clips missing", UserWarning, "/home/someone/mer_core/x.py", 12)
    assert text == "UserWarning: 3 clips missing\n"


def test_training_summary_counts_epochs_and_folds_that_reached_the_stop():
    rows = [("DL Baseline", 0, "epochs_run", 11.0), ("DL Baseline", 0, "last_train_acc", 0.93),
            ("DL Baseline", 1, "epochs_run", 30.0), ("DL Baseline", 1, "last_train_acc", 0.85),
            ("CRNN", 0, "epochs_run", 7.0), ("CRNN", 0, "last_train_acc", 0.91),
            ("CRNN", 1, "epochs_run", 7.0), ("CRNN", 1, "last_train_acc", 0.95),
            ("Autoencoder", 0, "f1_macro", 0.5)]
    records = pd.DataFrame(rows, columns=["method", "fold", "metric", "value"])
    table = louro_dl.training_summary(records)
    assert table.loc["DL Baseline", "epochs run"] == "11–30"
    assert table.loc["DL Baseline", "folds at 90% train acc"] == "1 of 2"
    assert table.loc["CRNN"].tolist() == ["7", "2 of 2"]
    assert "Autoencoder" not in table.index


def test_the_louro_fold_key_digests_every_module_its_rows_import():
    """A module the rows run (imported by louro_dl, or lazily by the registry rows) is in MODEL_CODE,
    unless it cannot change a result (paths, errors, progress, provenance, the store itself)."""
    import subprocess
    import sys

    code = ("import sys, mer_core.experiments.louro_dl, mer_core.features.registry; "
            "print(' '.join(m for m in sys.modules if m.startswith('mer_core.')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    cannot_change_a_result = {"cluster", "config", "errors", "progress", "provenance", "runstore", "experiments",
                              "experiments.louro"}
    packages = {"features", "models"}  # their __init__ is listed as "<package>.__init__"
    for module in (m.removeprefix("mer_core.") for m in loaded):
        name = f"{module}.__init__" if module in packages else module
        assert name in louro_dl.MODEL_CODE or module in cannot_change_a_result, module


def _logmel_data(seed=0):
    tracks = _tracks().assign(group=lambda t: t["track_id"])
    level = tracks["quadrant"].str[1].astype(int).to_numpy()[:, None, None]
    logmel = (np.random.default_rng(seed).normal(size=(len(tracks), 6, 20)) + level).astype(np.float32)
    data = louro_dl.LouroData(tracks, pd.DataFrame(), "smoke", seed=0)
    data._tables["logmel"] = logmel
    return data


def test_a_bundle_runs_its_rows_under_the_keys_of_the_machine_that_wrote_it(tmp_path, monkeypatch):
    """A GPU machine without the audio trains from a bundle: same clips, same log-mel bit for bit,
    same folds and run-store keys; its folds come back through an archive and are then reused."""
    import tarfile

    def forest_on_logmel(row, data):  # a fast stand-in for a network on the same input
        return make_classifier("random_forest", random_state=0), data.table("logmel").reshape(len(data.tracks), -1), "toy"

    monkeypatch.setattr(louro_dl, "build_row", forest_on_logmel)
    here = _logmel_data()
    there = louro_dl.read_bundle(louro_dl.write_bundle(here, tmp_path / "bundle"))
    assert there.bundled and there.profile == "smoke" and there.seed == 0
    np.testing.assert_array_equal(there.table("logmel"), here.table("logmel"))
    assert there.table("logmel").dtype == np.float32
    for fold in (0, 1):
        assert louro_dl.fold_key("CRNN", fold, there) == louro_dl.fold_key("CRNN", fold, here)
    with pytest.raises(louro_dl.DatasetError, match="not in the bundle"):
        there.table("waveform")

    remote = tmp_path / "remote_store"
    computed, _ = louro_dl.run_rows(there, ["CRNN"], store=remote, progress=False)
    archive = tmp_path / "store.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        for path in remote.glob("*.pkl"):
            tar.add(path, arcname=path.name)
    local = tmp_path / "local_store"
    keys = louro_dl.import_store(archive, local, "abc1234567")
    assert sorted(keys) == sorted(louro_dl.fold_key("CRNN", f, here) for f in (0, 1))
    monkeypatch.setattr(louro_dl, "build_row", lambda row, data: pytest.fail("a stored fold was trained again"))
    reused, timing = louro_dl.run_rows(here, ["CRNN"], store=local, progress=False)
    pd.testing.assert_frame_equal(reused.records, computed.records)
    assert timing.loc[0, "source"] == "run store (2 of 2 folds)"


def test_a_bundle_from_other_model_code_or_damaged_data_is_refused(tmp_path, monkeypatch):
    folder = louro_dl.write_bundle(_logmel_data(), tmp_path / "bundle")
    blob = bytearray((folder / "logmel.zlib").read_bytes())
    import zlib
    raw = bytearray(zlib.decompress(bytes(blob)))
    raw[-1] ^= 1
    (folder / "logmel.zlib").write_bytes(zlib.compress(bytes(raw)))
    with pytest.raises(louro_dl.DatasetError, match="checksum"):
        louro_dl.read_bundle(folder)
    folder = louro_dl.write_bundle(_logmel_data(), tmp_path / "bundle2")
    monkeypatch.setattr(louro_dl, "source_digest", lambda *modules: "other-model-code")
    with pytest.raises(louro_dl.DatasetError, match="other model code"):
        louro_dl.read_bundle(folder)
    with pytest.raises(louro_dl.DatasetError, match="cannot read the bundle"):
        louro_dl.read_bundle(tmp_path / "missing")


def _fold_records(f1_by_fold, method="DL Baseline", machine="m"):
    return pd.DataFrame({"method": method, "fold": list(f1_by_fold), "metric": "f1_macro",
                         "value": list(f1_by_fold.values()), "machine": machine})


def test_fold_collapse_flags_a_fold_that_sends_most_test_clips_to_one_quadrant():
    from mer_core.experiments import louro
    true = ["Q1", "Q2", "Q3", "Q4"] * 2
    predictions = pd.DataFrame({"method": "DL Baseline", "fold": [0] * 8 + [1] * 8, "y_true": true * 2,
                                "y_pred": ["Q4", "Q4", "Q4", "Q4", "Q4", "Q2", "Q3", "Q4"] + true})
    folds = louro.fold_collapse(_fold_records({0: 0.2, 1: 1.0}), predictions)
    assert folds.loc[("DL Baseline", 0), "top_prediction"] == "Q4"
    assert folds.loc[("DL Baseline", 0), "top_share"] == pytest.approx(6 / 8)
    assert folds["collapsed"].tolist() == [True, False]
    summary = louro.collapse_summary(folds).loc["DL Baseline"]
    assert summary["collapsed folds"] == 1
    assert summary["F1 % all folds"] == pytest.approx(60.0)
    assert summary["F1 % without collapsed folds"] == pytest.approx(100.0)
    assert summary["paper F1 %"] == 60.62 and summary["worst fold's top quadrant share"] == 0.75
    # a stricter threshold keeps the 75 % fold
    assert not louro.fold_collapse(_fold_records({0: 0.2, 1: 1.0}), predictions, share=0.8)["collapsed"].any()
    with pytest.raises(ValueError, match="share"):
        louro.fold_collapse(_fold_records({0: 0.2}), predictions, share=0)
    with pytest.raises(ValueError, match="y_pred"):
        louro.fold_collapse(_fold_records({0: 0.2}), predictions.drop(columns="y_pred"))


def test_seed_spread_gives_each_seed_mean_and_the_spread_of_the_means():
    from mer_core.experiments import louro
    records = pd.concat([_fold_records({0: 0.5, 1: 0.7}, machine="gpu").assign(seed=0),
                         _fold_records({0: 0.4, 1: 0.6}, machine="cpu").assign(seed=1),
                         _fold_records({0: 0.7, 1: 0.7}, machine="cpu").assign(seed=2)])
    row = louro.seed_spread(records).loc["DL Baseline"]
    assert [row[f"F1 % seed {s}"] for s in (0, 1, 2)] == pytest.approx([60.0, 50.0, 70.0])
    assert row["mean over seeds"] == pytest.approx(60.0)
    assert row["sd of seed means"] == pytest.approx(10.0)
    assert row["seeds"] == 3 and row["machines"] == "cpu; gpu"
    with pytest.raises(ValueError, match="seed"):
        louro.seed_spread(records.drop(columns="seed"))


def test_parse_pool_reads_bands_by_frames_and_one_by_one_is_the_full_input():
    assert louro_dl.parse_pool("2x4") == (2, 4) and louro_dl.parse_pool(" 1 X 2 ") == (1, 2)
    assert louro_dl.parse_pool("1x1") is None
    for bad in ("2", "0x4", "2x-1", "axb", "2x4x1"):
        with pytest.raises(louro_dl.ParameterError, match="BANDSxFRAMES"):
            louro_dl.parse_pool(bad)


def test_resolution_ablation_varies_only_the_input_on_the_same_folds(tmp_path, monkeypatch):
    tracks = _tracks().assign(group=lambda t: t["track_id"])
    level = tracks["quadrant"].str[1].astype(int).to_numpy()[:, None, None]
    logmel = (np.random.default_rng(0).normal(size=(len(tracks), 8, 16)) + level).astype(np.float32)
    monkeypatch.setattr(louro_dl.LouroData, "_extract", lambda self, extractor, memmap=False: logmel)
    shapes = []

    def forest_on_logmel(row, data):  # a fast stand-in for the network on the variant's input
        X = data.table("logmel")
        shapes.append(X.shape[1:])
        return make_classifier("random_forest", random_state=0), X.reshape(len(X), -1), "toy"

    monkeypatch.setattr(louro_dl, "build_row", forest_on_logmel)
    data = louro_dl.LouroData(tracks, pd.DataFrame(), "smoke", seed=0)
    result, timing = louro_resolution.resolution_ablation(data, [(2, 4), None], store=tmp_path, progress=False)
    assert shapes == [(4, 4), (8, 16)]
    pooled, full = ("DL Baseline, input {} x {}".format(*louro_dl.cnn_input_shapes("smoke", pool)["cnn_baseline"])
                    for pool in ((2, 4), None))  # named by the profile's log-mel (96 x 282 at smoke)
    assert pooled != full and list(dict.fromkeys(result.records["method"])) == [pooled, full]
    assert timing["input_pool"].tolist() == ["2x4", "none"]
    f1 = result.records[result.records["metric"] == "f1_macro"]
    sizes = f1.pivot(index="fold", columns="method", values="n_test")
    assert len(sizes) == 2 and (sizes[pooled] == sizes[full]).all()  # the same folds under both inputs
    assert data.variant(input_pool=(2, 4)).settings["input_pool"] == (2, 4) and data.settings["input_pool"] is None
    # the profile's own input (unpooled at smoke) is the Table 1 row's: its folds come from the store
    _, again = louro_dl.run_rows(data, ["DL Baseline"], store=tmp_path, progress=False)
    assert again.loc[0, "source"] == "run store (2 of 2 folds)" and shapes == [(4, 4), (8, 16)]
    table = louro_resolution.resolution_table(result.records, timing)
    assert list(table.index) == [pooled, full] and (table["folds"] == 2).all()
    assert (table["paper F1 % (96 x 1366)"] == 60.62).all()
    assert (louro_resolution.resolution_table(result.records, timing, row="CRNN")["paper F1 % (96 x 1366)"] == 64.63).all()
    np.testing.assert_allclose(table.loc[full, "macro F1 %"], 100 * f1[f1["method"] == full]["value"].mean(), atol=0.01)
    with pytest.raises(louro_dl.ParameterError, match="cannot be varied"):
        louro_resolution.resolution_ablation(data, [None], row="Sample CNN")
    with pytest.raises(louro_dl.ParameterError, match="unknown settings"):
        data.variant(input_size=3)


def test_published_seeds_summarise_the_louro_editions_seed_spread_of_one_row(tmp_path, monkeypatch):
    from mer_core import results
    from mer_core.evaluation import RECORD_COLUMNS
    from mer_core.experiments import louro_resolution
    monkeypatch.setattr(results, "published_results_dir", lambda: tmp_path)
    assert louro_resolution.published_seeds().empty  # no edition yet
    rows = [("Louro et al.", method, "log-mel", "4q", "5x1", profile, fold, metric, value + 0.1 * seed + 0.01 * fold,
             720, 180, "abc", f"box {seed}", "2026-01-01", seed)
            for method, profile, value in (("DL Baseline", "cpu", 0.5), ("Baseline + RG", "cpu", 0.2),
                                           ("DL Baseline", "smoke", 0.9))
            for seed in (0, 1) for fold in range(2) for metric in ("accuracy", "f1_macro")]
    pd.DataFrame(rows, columns=[*RECORD_COLUMNS, "seed"]).to_csv(tmp_path / "louro_dl_seeds.csv", index=False)
    spread = louro_resolution.published_seeds("DL Baseline", "cpu")
    assert spread["seed"].tolist() == [0, 1] and spread["folds"].tolist() == [2, 2]
    np.testing.assert_allclose(spread["macro F1 %"], [50.5, 60.5])
    assert spread["machine"].tolist() == ["box 0", "box 1"]


def _artist_folds():
    """Eight clips, two folds; artist A (Q1, Q1, Q2) and B (Q3) straddle the folds, C and the unknown do not."""
    from mer_core.evaluation import Split
    tracks = pd.DataFrame({"artist": ["A", "A", "B", "C", "A", "B", "D", None],
                           "quadrant": ["Q1", "Q1", "Q3", "Q4", "Q2", "Q4", "Q2", "Q3"]})
    splits = [Split(0, np.array([0, 1, 2, 3]), np.array([4, 5, 6, 7]), np.array([], int)),
              Split(1, np.array([4, 5, 6, 7]), np.array([0, 1, 2, 3]), np.array([], int))]
    return tracks, splits


def test_artist_overlap_counts_test_clips_whose_artist_is_in_training_and_scores_the_artist_majority():
    from mer_core.experiments import louro
    tracks, splits = _artist_folds()
    table = louro.artist_overlap(tracks, splits)
    # fold 0 tests A (Q2, majority Q1: wrong) and B (Q4, majority Q3: wrong); D and the unknown are unseen
    assert table.loc[0, "seen artist"] == 2 and table.loc[0, "seen share"] == 0.5
    assert table.loc[0, "artist-majority accuracy on seen"] == 0.0
    # fold 1 tests A, A (majority Q2: wrong twice) and B (majority Q4: wrong); C is unseen
    assert table.loc[1, "seen artist"] == 3 and table.loc[1, "artist-majority accuracy on seen"] == 0.0
    # with the labels flipped to agree with each artist, the majority is right on every seen clip
    agreeing = tracks.assign(quadrant=["Q1", "Q1", "Q3", "Q4", "Q1", "Q3", "Q2", "Q3"])
    assert (louro.artist_overlap(agreeing, splits)["artist-majority accuracy on seen"] == 1.0).all()
    with pytest.raises(ValueError, match="artist"):
        louro.artist_overlap(tracks.drop(columns="artist"), splits)


def test_accuracy_by_artist_separates_seen_and_unseen_test_clips():
    from mer_core.experiments import louro
    tracks, splits = _artist_folds()
    test = [(s.fold, i) for s in splits for i in s.test]
    truth = tracks["quadrant"].to_numpy()
    seen = {(0, 4), (0, 5), (1, 0), (1, 1), (1, 2)}
    # "memory" is right on the seen clips only, "sound" on every clip
    predictions = pd.concat([pd.DataFrame({"method": name, "fold": [f for f, _ in test], "index": [i for _, i in test],
                                           "y_true": truth[[i for _, i in test]],
                                           "y_pred": [truth[i] if right((f, i)) else "Q0" for f, i in test]})
                             for name, right in (("memory", lambda c: c in seen), ("sound", lambda c: True))])
    table = louro.accuracy_by_artist(predictions, tracks, splits)
    assert table.loc["memory", "accuracy seen %"] == 100 and table.loc["memory", "accuracy unseen %"] == 0
    assert table.loc["memory", "seen minus unseen (points)"] == 100
    assert table.loc["sound", "seen minus unseen (points)"] == 0
    assert table.loc["sound", "seen clips"] == 5 and table.loc["sound", "unseen clips"] == 3
    with pytest.raises(ValueError, match="not in the splits"):
        louro.accuracy_by_artist(predictions.assign(fold=0), tracks, splits)


def test_artist_fold_ablation_keeps_every_artist_on_one_side_and_its_folds_in_their_own_store(tmp_path, monkeypatch):
    from mer_core.experiments import louro_artists
    tracks = _tracks().assign(group=lambda t: t["track_id"])
    tracks.loc[0, "artist"] = None  # an unknown artist is its own song's group
    level = tracks["quadrant"].str[1].astype(int).to_numpy()[:, None, None]
    logmel = (np.random.default_rng(0).normal(size=(len(tracks), 8, 16)) + level).astype(np.float32)
    monkeypatch.setattr(louro_dl.LouroData, "_extract", lambda self, extractor, memmap=False: logmel)

    def forest_on_logmel(row, data):  # a fast stand-in for the networks
        X = data.table("logmel")
        return make_classifier("random_forest", random_state=0), X.reshape(len(X), -1), "toy"

    monkeypatch.setattr(louro_dl, "build_row", forest_on_logmel)
    data = louro_dl.LouroData(tracks, pd.DataFrame(), "smoke", seed=0)
    groups = louro_artists.artist_groups(tracks)
    assert groups[0] == "song:" + tracks.loc[0, "track_id"] and groups[1] == "artist:Q1-artist0"
    result, timing = louro_artists.artist_fold_ablation(data, store=tmp_path, progress=False)
    names = ["DL Baseline, song-level folds", "Artists CNN, song-level folds",
             "DL Baseline, artist-level folds", "Artists CNN, artist-level folds"]
    assert list(dict.fromkeys(result.records["method"])) == names
    assert timing["folding"].tolist() == ["song-level"] * 2 + ["artist-level"] * 2
    overlap = louro_artists.overlaps(data)
    assert overlap.loc["song-level", "seen artist"].sum() > 0 and overlap.loc["artist-level", "seen artist"].sum() == 0
    # one store, keys of their own: the artist-level folds never replace the Table 1 chapter's song-level ones
    assert len(list(tmp_path.glob("*.pkl"))) == 8
    assert louro_dl.fold_key("DL Baseline", 0, data) != louro_dl.fold_key("DL Baseline", 0,
                                                                           louro_artists.by_artist(data))
    song, again = louro_dl.run_rows(data, ["DL Baseline"], store=tmp_path, progress=False)
    assert again.loc[0, "source"] == "run store (2 of 2 folds)"
    first = result.records[result.records["method"] == names[0]]
    np.testing.assert_array_equal(song.records["value"], first["value"])  # the song-level folds, not the artist-level
    song_test = result.predictions[result.predictions["method"] == names[0]].groupby("fold")["index"].apply(set)
    artist_test = result.predictions[result.predictions["method"] == names[2]].groupby("fold")["index"].apply(set)
    assert list(song_test) != list(artist_test)  # other folds, the same clips
    assert set().union(*song_test) == set().union(*artist_test) == set(range(len(tracks)))
    table = louro_artists.artist_fold_table(result.records, timing)
    assert list(table.index) == names  # in the order they ran, not alphabetical
    assert table.loc[names[1], "paper F1 %"] == 50.85 and table.loc[names[2], "paper F1 %"] == 60.62
    assert (table["folds"] == 2).all()
    lead = louro_artists.leads(result.records)
    assert list(lead.index) == ["song-level", "artist-level"]
    assert (lead["Artists CNN minus DL Baseline (points)"] == 0).all()  # the same stand-in for both rows
    # the control: the baseline for the Artists CNN's fine-tuning epochs, its own store keys, under each folding
    with_control, _ = louro_artists.artist_fold_ablation(data, control=True, store=tmp_path, progress=False)
    control = [f"DL Baseline (1 epoch), {folding} folds" for folding in louro_artists.FOLDINGS]
    assert set(with_control.records["method"]) == {*names, *control}
    # smoke trains the baseline for one epoch already: the control is the same network, read from the store
    assert len(list(tmp_path.glob("*.pkl"))) == 8
    assert list(louro_artists.leads(with_control.records, over="DL Baseline (1 epoch)").index) == ["song-level",
                                                                                                   "artist-level"]
    with pytest.raises(louro_dl.ParameterError, match="cannot be run here"):
        louro_artists.artist_fold_ablation(data, ["Hybrid Augmented"])
    with pytest.raises(louro_dl.ParameterError, match="no folding"):
        louro_artists.leads(result.records, row="CRNN")
    with pytest.raises(louro_dl.ParameterError, match="artist"):
        louro_artists.artist_groups(tracks.drop(columns="artist"))


def test_artist_quadrants_counts_the_artists_whose_clips_share_one_quadrant():
    from mer_core.experiments import louro
    tracks, _ = _artist_folds()  # A: Q1, Q1, Q2; B: Q3, Q4; C and D: one clip; one clip without artist
    counts = louro.artist_quadrants(tracks)
    assert counts["artists"] == 4 and counts["artists with 2+ clips"] == 2 and counts["of them in one quadrant"] == 0
    counts = louro.artist_quadrants(tracks.assign(quadrant=["Q1", "Q1", "Q3", "Q4", "Q1", "Q4", "Q2", "Q3"]))
    assert counts["of them in one quadrant"] == 1 and counts["clips of those in one quadrant"] == 3
    assert counts["clips of artists with 2+ clips"] == 5
