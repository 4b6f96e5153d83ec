"""Result records: provenance columns, this run beside the published edition, honest profile labels."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mer_core import provenance, results
from mer_core.config import profile_label
from mer_core.errors import ParameterError
from mer_core.evaluation import RECORD_COLUMNS, cross_validate, summarize
from mer_core.models import make_classifier


def records(dataset: str, value: float, profile: str = "cpu") -> pd.DataFrame:
    rows = [("P", "m", "f", dataset, "2x1", profile, fold, "f1_macro", value, 8, 2, "abc", "box", "2026-01-01")
            for fold in range(2)]
    return pd.DataFrame(rows, columns=RECORD_COLUMNS)


@pytest.fixture
def published_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "published_results_dir", lambda: tmp_path / "published")
    monkeypatch.setattr(results, "results_dir", lambda: tmp_path / "local")
    (tmp_path / "published").mkdir()
    pd.concat([records("4q", 0.7), records("synthetic", 0.5)]).to_csv(tmp_path / "published" / "ch.csv", index=False)
    return tmp_path


def test_published_records_fill_in_only_the_datasets_this_run_did_not_evaluate(published_dir):
    mixed = results.with_published(records("synthetic", 0.9, profile="smoke"), "ch")
    by_dataset = mixed.groupby("dataset")["source"].unique().to_dict()
    assert list(by_dataset["synthetic"]) == [results.THIS_RUN]
    assert list(by_dataset["4q"]) == [results.PUBLISHED]
    assert mixed.loc[mixed["dataset"] == "synthetic", "value"].eq(0.9).all()
    assert len(results.with_published(None, "ch")) == 4
    assert len(results.with_published(None, "no-such-chapter")) == 0


def test_latest_prefers_this_run_then_the_published_edition(published_dir):
    table, source = results.latest("ch")
    assert source == results.PUBLISHED and len(table) == 4
    results.save(records("4q", 0.1), "ch")
    table, source = results.latest("ch")
    assert source == results.THIS_RUN and table["value"].eq(0.1).all()
    assert (published_dir / "local" / "ch.csv").is_file()


def test_provenance_names_source_sizes_code_machine_and_date(published_dir):
    table = results.provenance(results.with_published(records("synthetic", 0.9), "ch")).reset_index()
    assert set(table["source"]) == {results.THIS_RUN, results.PUBLISHED}
    assert table[["folds", "n_train", "n_test"]].drop_duplicates().values.tolist() == [[2, 8, 2]]
    assert set(table["code_version"]) == {"abc"} and set(table["machine"]) == {"box"}


def test_cross_validate_records_carry_fold_sizes_and_provenance():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 3)), np.repeat(["a", "b"], 20)
    rec = cross_validate(make_classifier("naive_bayes"), X, y, cv="4x1", progress=False).records
    assert list(rec.columns) == RECORD_COLUMNS
    assert (rec["n_train"] + rec["n_test"]).eq(40).all() and rec["n_test"].eq(10).all()
    assert rec["code_version"].iloc[0] == provenance.code_version()
    assert rec["machine"].iloc[0] == provenance.machine()
    summary = summarize(rec, ["accuracy"])
    assert summary["n_test"].iloc[0] == 10 and summary["code_version"].iloc[0] == provenance.code_version()


def test_code_version_names_a_commit_and_says_dirty():
    version = provenance.code_version()
    assert version.startswith("mer_core ") or len(version.split("+")[0]) >= 7


def test_source_digest_follows_the_code(tmp_path, monkeypatch):
    a = provenance.source_digest("evaluation", "models")
    assert a == provenance.source_digest("evaluation", "models") and len(a) == 12
    assert a != provenance.source_digest("evaluation")


def test_profile_label_says_what_ran():
    assert profile_label("cpu") == "cpu"
    assert profile_label("cpu", clips_per_class=None) == "cpu"
    assert profile_label("cpu", clips_per_class=50) == "cpu (clips_per_class=50)"
    with pytest.raises(ParameterError):
        profile_label("laptop")
