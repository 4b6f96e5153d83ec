"""Pandrea et al.: Table 1 as printed, the TR-MUSIC baseline (the zoo on grouped 80/20 splits), the
paper table (rows not run say why; no difference between unlike rows) and the zoo table."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mer_core.datasets import turkish
from mer_core.evaluation import RECORD_COLUMNS
from mer_core.experiments import pandrea
from mer_core.models.zoo import ZOO


@pytest.fixture
def tr_table(tmp_path):
    """A generated table in TR-MUSIC's published format (every value quoted, class blocks relax,
    happy, sad, angry): 10 excerpts per class, 4 MIRtoolbox-named features, the first two excerpts
    of each class one excerpt twice (a copy shares its original's group), loaded by the real loader."""
    rng = np.random.default_rng(0)
    header = "Class,_RMSenergy_Mean,_Tempo_Mean,_MFCC_Mean_1,_Roughness_Mean"
    lines = [header]
    for k, label in enumerate(("relax", "happy", "sad", "angry")):
        rows = rng.normal(loc=k, scale=0.8, size=(10, 4)).round(4)
        rows[1] = rows[0]  # an exact copy
        lines += [",".join(f'"{v}"' for v in (label, *row)) for row in rows]
    root = tmp_path / turkish.DIRNAME
    root.mkdir()
    (root / turkish.FILENAME).write_bytes(("\n".join(lines) + "\n").encode())
    table = turkish.load(root)
    assert len(table.attrs["duplicates"]) == 4 and table["group"].nunique() == 36
    return table


def test_table1_is_copied_as_printed():
    assert len(pandrea.TABLE1) == 12
    rows = {(r.configuration, r.chain): r for r in pandrea.TABLE1}
    tr = rows[("Within dataset (Turkish)", "TR / TR")]
    assert (tr.samples, tr.mlp, tr.sincnet) == (320, (0.71, 0.74, 0.71, 0.71), (0.63, 0.68, 0.63, 0.58))
    assert rows[("TL 1 - finetune TR", "4Q-CH-TR / TR")].sincnet == (0.75, 0.75, 0.75, 0.75)
    assert rows[("Within dataset (English)", "4Q / 4Q")].figures("SincNet") == {"A": 0.57, "P": 0.59, "R": 0.57,
                                                                              "F": 0.52}
    assert rows[("Mixed dataset", "ALL / CH")].mlp == (0.23, 0.22, 0.23, 0.22)
    # the MLP has no transfer rows ("-"); every other row has both models
    assert all((r.mlp is None) == (r.kind == "transfer") for r in pandrea.TABLE1)
    assert [r.samples for r in pandrea.TABLE1] == [720] * 4 + [288] * 4 + [320] * 4
    assert rows[("Mixed dataset", "ALL / 4Q")].train == ("4Q", "CH", "TR")
    assert rows[("TL 2 - finetune CH", "TR-4Q-CH / CH")].train == ("TR", "4Q", "CH")
    printed = pandrea.table1()
    assert printed.loc[1, "MLP F"] == "-" and printed.loc[8, "MLP F"] == 0.71
    assert {f["gain F points"].get("TR") for f in pandrea.FOLLOW_UPS} == {5, None, 8}


def test_profiles_are_the_80_20_protocol_over_the_whole_zoo():
    for name, settings in pandrea.PROFILES.items():
        assert settings["cv"].startswith("holdout80-0-20x") and settings["classifiers"] == ZOO
    assert pandrea.PROFILES["cpu"]["cv"] == "holdout80-0-20x10"


def test_baseline_runs_every_zoo_classifier_on_the_same_grouped_splits(tr_table):
    res = pandrea.turkish_baseline(tr_table, "smoke", seed=1)
    records, predictions = res.records, res.predictions
    assert list(records.columns) == RECORD_COLUMNS
    assert set(records["method"]) == set(ZOO)
    assert (records["paper"] == pandrea.PAPER).all() and (records["dataset"] == "turkish").all()
    assert (records["features"] == pandrea.FEATURES_TR).all() and (records["profile"] == "smoke").all()
    n_splits = int(pandrea.PROFILES["smoke"]["cv"].rsplit("x", 1)[1])
    for method, part in records.groupby("method"):
        counts = part[part["metric"].isin(pandrea.METRICS)].groupby("metric")["fold"].nunique()
        assert counts.to_dict() == {m: n_splits for m in pandrea.METRICS}, method
        assert part["value"].between(0, 1).all()
    # n_train + n_test is every excerpt (no validation part), about a fifth tested
    assert ((records["n_train"] + records["n_test"]) == len(tr_table)).all()
    assert records["n_test"].between(6, 10).all()
    groups = tr_table["group"].to_numpy()
    tests = {}
    for (method, fold), part in predictions.groupby(["method", "fold"]):
        test = np.sort(part["index"].to_numpy())
        train = np.setdiff1d(np.arange(len(tr_table)), test)
        assert not set(groups[test]) & set(groups[train]), "a group straddles train and test"
        assert (part["y_true"].to_numpy() == tr_table["quadrant"].to_numpy()[part["index"]]).all()
        tests.setdefault(fold, []).append(test)
    for fold, same in tests.items():  # every classifier is tested on the same rows
        assert len(same) == len(ZOO) and all(np.array_equal(same[0], t) for t in same)
    # a copy is tested together with its original
    for copies in tr_table.attrs["duplicates"]:
        rows = tr_table.index[tr_table["track_id"].isin(copies)]
        for fold, same in tests.items():
            assert len(set(rows) & set(same[0])) in (0, len(rows))


def records_for(dataset, method, features, values, profile="cpu", metrics=pandrea.METRICS):
    return pd.DataFrame([(pandrea.PAPER, method, features, dataset, "holdout80-0-20x10", profile, fold, metric,
                          v, 320, 80, "abc", "box", "2026-01-01")
                         for fold, v in enumerate(values) for metric in metrics], columns=RECORD_COLUMNS)


def test_paper_table_lists_rows_not_run_with_reasons_and_no_difference_between_unlike_rows():
    records = pd.concat([records_for("turkish", "mlp", pandrea.FEATURES_TR, [0.60, 0.70]),
                         records_for("turkish", "knn", pandrea.FEATURES_TR, [0.5, 0.5])], ignore_index=True)
    table = pandrea.paper_table(records)
    assert len(table) == 18  # 12 SincNet rows + 6 MLP rows (the MLP's "-" rows are not rows)
    ran = table[table["status"] == "ran"]
    assert len(ran) == 1
    row = ran.iloc[0]
    assert (row["configuration"], row["model"], row["paper F"], row["S"]) == ("Within dataset (Turkish)", "MLP",
                                                                             0.71, 320)
    assert row["ours F"] == "0.650 ± 0.071" and row["folds"] == 2 and row["our features"] == pandrea.FEATURES_TR
    assert row["comparison"].startswith("different feature set") and "IS13 ComParE" in row["comparison"]
    assert table["difference F (points)"].isna().all()  # nothing like for like
    rest = table[table["status"] != "ran"]
    assert (rest["ours F"] == "").all()
    for _, r in rest.iterrows():
        sets = r["train / test"].replace(" / ", "-").replace("ALL", "4Q-CH-TR").split("-")
        if "CH" in sets:
            assert "CH-818 is not obtainable" in r["status"]
        if "TR" in sets:
            assert "audio is not public" in r["status"]
        if set(sets) == {"4Q"}:
            assert r["status"] == "not run: no records"
    sincnet_tr = table[(table["configuration"] == "Within dataset (Turkish)") & (table["model"] == "SincNet")]
    assert sincnet_tr["status"].iloc[0] == "not reproducible: " + pandrea.REASONS["TR audio"]
    assert len(pandrea.pending_rows()) == 15  # all but the TR MLP and the two within-4Q rows


def test_paper_table_computes_a_difference_only_like_for_like():
    records = pd.concat([records_for("4q", "mlp", "IS13 ComParE", [0.60, 0.70]),
                         records_for("4q", "sincnet", "log-mel", [0.50, 0.50])], ignore_index=True)
    table = pandrea.paper_table(records).set_index(["configuration", "model"])
    assert table.loc[("Within dataset (English)", "MLP"), "difference F (points)"] == pytest.approx(2.0)
    assert table.loc[("Within dataset (English)", "MLP"), "comparison"] == "like for like"
    assert np.isnan(table.loc[("Within dataset (English)", "SincNet"), "difference F (points)"])
    assert table.loc[("Within dataset (English)", "SincNet"), "comparison"].startswith("different feature set")
    # SincNet's transfer, cross and 500-ms runs on 4Q are not its within row
    chained = records_for("4q", "sincnet", pandrea.PAPER_FEATURES["SincNet"], [0.9]).assign(
        configuration="transfer", window_ms=200)
    within = records_for("4q", "sincnet", pandrea.PAPER_FEATURES["SincNet"], [0.55]).assign(
        configuration="within", window_ms=200)
    long = records_for("4q", "sincnet", pandrea.PAPER_FEATURES["SincNet"], [0.8]).assign(
        configuration="within", window_ms=500)
    mixed = pandrea.paper_table(pd.concat([records, chained, within, long], ignore_index=True))
    row = mixed[(mixed["configuration"] == "Within dataset (English)") & (mixed["model"] == "SincNet")
                & (mixed["comparison"] == "like for like")]
    assert len(row) == 1 and row["ours F"].iloc[0] == "0.550" and row["difference F (points)"].iloc[0] == 3.0
    # transfer and mixed rows never take within-dataset records
    assert table.loc[("Mixed dataset", "MLP"), "ours F"].eq("").all()
    # no records at all: every row listed, none ran
    empty = pandrea.paper_table(pd.DataFrame(columns=RECORD_COLUMNS))
    assert len(empty) == 18 and (empty["status"] != "ran").all()


def test_zoo_table_ranks_by_macro_f1_with_paired_differences_from_the_mlp():
    records = pd.concat([records_for("turkish", "mlp", pandrea.FEATURES_TR, [0.70, 0.60]),
                         records_for("turkish", "random_forest", pandrea.FEATURES_TR, [0.80, 0.62]),
                         records_for("turkish", "knn", pandrea.FEATURES_TR, [0.50, 0.70])], ignore_index=True)
    table = pandrea.zoo_table(records).set_index("classifier")
    assert list(table.index) == ["random_forest", "mlp", "knn"]
    assert table["rank (F)"].tolist() == [1, 2, 3]
    assert table.loc["random_forest", "F - MLP (points, paired)"] == "+6.0 ± 5.7"
    assert table.loc["random_forest", "splits above MLP"] == "2 of 2"
    assert table.loc["knn", "splits above MLP"] == "1 of 2"
    assert table.loc["mlp", "F - MLP (points, paired)"] == ""
    won = pandrea.winners(records).iloc[0]
    assert (won["dataset"], won["best classifier"], won["MLP rank"], won["classifiers"]) == (
        "turkish", "random forest (500 trees)", 2, 3)
    assert pandrea.winners(records[records["dataset"] == "4q"]).empty


def feature_set(n_dims: int, informative: int, seed: int, tracks: pd.DataFrame):
    from mer_core.features import FeatureSet

    rng = np.random.default_rng(seed)
    codes = tracks["quadrant"].str[1].astype(int).to_numpy()
    X = rng.normal(size=(len(tracks), n_dims))
    X[:, :informative] += codes[:, None]
    X[:, -1] = 3.0  # a constant column, as IS13 ComParE has
    return FeatureSet(X, tracks.reset_index(drop=True), extractor=f"set{seed}")


def test_fourq_baseline_runs_three_sets_and_selects_inside_the_training_part():
    tracks = pd.DataFrame({"track_id": [f"t{i:02d}" for i in range(40)], "quadrant": [f"Q{1 + i % 4}" for i in range(40)],
                           "group": [f"s{i:02d}" for i in range(40)]})
    sets = {"is13_compare": feature_set(60, 2, 0, tracks),
            # Essentia lacks one clip (failed): it is left out of all three sets
            "essentia_lowlevel": feature_set(30, 20, 1, tracks.iloc[1:])}
    sets["essentia_lowlevel"].X = sets["essentia_lowlevel"].X[:, :30]
    res, origin = pandrea.fourq_baseline(sets, "smoke", seed=0)
    records = res.records
    assert set(records["features"]) == set(pandrea.AUDIO_FEATURES.values())
    assert set(records["method"]) == set(ZOO) and (records["dataset"] == "4q").all()
    assert ((records["n_train"] + records["n_test"]) == 39).all()
    # the 50 kept come from both sets, more from the informative (Essentia-like) one
    assert (origin[["IS13 ComParE", "Essentia low-level"]].sum(axis=1) == pandrea.BEST_K).all()
    assert (origin["Essentia low-level"] >= 20).all()
    gain = pandrea.best50_gain(records)
    assert len(gain) == 1 and gain["paper's gain (points)"].iloc[0] == 1


def sincnet_records(train, test, configuration, f1, window_ms=200, seeds=1):
    rows = []
    for r in range(seeds):
        for metric in pandrea.METRICS:
            rows.append({**dict(zip(RECORD_COLUMNS, (pandrea.PAPER, "sincnet", "raw waveform", "4q" if test == "4q"
                                                     else "synthetic", "p", "cpu", r, metric, f1 + 0.01 * r, 720,
                                                     180, "abc", "box", "d"))),
                         "configuration": configuration, "train": train, "test": test, "window_ms": window_ms,
                         "train_seconds": 600.0})
    return pd.DataFrame(rows)


def test_sincnet_table_maps_runs_to_the_paper_rows_they_stand_for():
    assert pandrea.paper_row_of("gamelan -> maqam -> 4q", "4q").configuration == "TL 1 - finetune 4Q"
    assert pandrea.paper_row_of("maqam -> gamelan -> western", "western").chain == "TR-CH-4Q / 4Q"
    assert pandrea.paper_row_of("ALL", "maqam").chain == "ALL / TR"
    assert pandrea.paper_row_of("western", "4q") is None      # cross runs have no Table 1 row
    records = pd.concat([sincnet_records("4q", "4q", "within", 0.50, seeds=2),
                         sincnet_records("4q", "4q", "within", 0.55, window_ms=500),
                         sincnet_records("gamelan -> maqam -> 4q", "4q", "transfer", 0.47),
                         sincnet_records("western", "western", "within", 0.80),
                         sincnet_records("western", "4q", "cross", 0.30)], ignore_index=True)
    table = pandrea.sincnet_table(records).set_index(["train", "test", "window_ms"])
    within = table.loc[("4q", "4q", 200)]
    assert within["ours F"] == "0.505 ± 0.007" and within["difference F (points)"] == pytest.approx(-1.5)
    assert within["data"] == "real (4Q)" and within["paper F"] == 0.52 and np.isnan(within["F - within (points)"])
    assert table.loc[("4q", "4q", 500), "F - within (points)"] == pytest.approx(4.5)
    assert np.isnan(table.loc[("4q", "4q", 500), "difference F (points)"])
    chain = table.loc[("gamelan -> maqam -> 4q", "4q", 200)]
    assert chain["data"] == "synthetic training, real 4Q fine-tuning and test"
    assert chain["stands for (paper)"] == "TL 1 - finetune 4Q: CH-TR-4Q / 4Q" and np.isnan(chain["difference F (points)"])
    assert chain["F - within (points)"] == pytest.approx(-3.5)
    assert table.loc[("western", "4q", 200), "data"] == "synthetic training, real 4Q test"
    assert table.loc[("western", "western", 200), "data"] == "simulation (synthetic cultures)"
    assert table.loc[("western", "western", 200), "minutes"] == 10.0


def test_findings_are_sentences_computed_from_the_tables():
    baseline = pd.concat([records_for("4q", "mlp", "IS13 ComParE", [0.60, 0.62]),
                          records_for("4q", "knn", "IS13 ComParE", [0.50, 0.52]),
                          records_for("4q", "mlp", "best 50 of IS13 ComParE + Essentia", [0.63, 0.61])],
                         ignore_index=True)
    sinc = pandrea.sincnet_table(pd.concat([
        sincnet_records("4q", "4q", "within", 0.50), sincnet_records("4q", "4q", "within", 0.56, window_ms=500),
        sincnet_records("western", "western", "within", 0.90), sincnet_records("western", "gamelan", "cross", 0.50),
        sincnet_records("gamelan", "gamelan", "within", 0.80), sincnet_records("western", "4q", "cross", 0.25)],
        ignore_index=True))
    text = pandrea.findings(baseline, sinc)
    assert text[0].startswith("4Q, within: the MLP on IS13 ComParE reaches F 0.610 and SincNet 0.500")
    assert "ahead by 11.0 points" in text[0]
    assert any(t.startswith("4Q, IS13 ComParE: best classifier MLP, 100 hidden units") for t in text)
    assert any("+1.0 ± 2.8 points F" in t for t in text)
    assert any(t.startswith("Simulation, training on another corpus: F - within -30.0 points") for t in text)
    assert any(t.startswith("western tested on 4q (synthetic training, real 4Q test): F 0.250, -25.0") for t in text)
    assert any(t.startswith("500 ms against 200 ms windows, 4q (real (4Q)): +6.0 points F (paper: +4") for t in text)
    assert pandrea.findings(baseline.iloc[:0], sinc.iloc[:0]) == []
