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
            assert r["status"].startswith("pending in this edition")
    sincnet_tr = table[(table["configuration"] == "Within dataset (Turkish)") & (table["model"] == "SincNet")]
    assert sincnet_tr["status"].iloc[0] == "not reproducible: " + pandrea.REASONS["TR audio"]
    assert len(pandrea.pending_rows()) == 17


def test_paper_table_computes_a_difference_only_like_for_like():
    records = pd.concat([records_for("4q", "mlp", "IS13 ComParE", [0.60, 0.70]),
                         records_for("4q", "sincnet", "log-mel", [0.50, 0.50])], ignore_index=True)
    table = pandrea.paper_table(records).set_index(["configuration", "model"])
    assert table.loc[("Within dataset (English)", "MLP"), "difference F (points)"] == pytest.approx(2.0)
    assert table.loc[("Within dataset (English)", "MLP"), "comparison"] == "like for like"
    assert np.isnan(table.loc[("Within dataset (English)", "SincNet"), "difference F (points)"])
    assert table.loc[("Within dataset (English)", "SincNet"), "comparison"].startswith("different feature set")
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
    assert pandrea.winner(records) == ("random_forest", 2, 3)
    assert pandrea.winner(records, "4q") is None
