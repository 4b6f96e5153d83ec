import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from mer_core.cli import app

runner = CliRunner()


@pytest.fixture
def features_csv(tmp_path):
    rng = np.random.default_rng(0)
    y = np.repeat(["Q1", "Q2", "Q3", "Q4"], 15)
    X = rng.normal(size=(60, 5)) + np.repeat(np.eye(4, 5) * 3, 15, axis=0)
    table = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
    table.insert(0, "SongID", [f"MT{i:06d}" for i in range(60)])
    table["Quadrant"] = y
    path = tmp_path / "features.csv"
    table.to_csv(path, index=False)
    return path, table


def test_evaluate_json(features_csv):
    path, _ = features_csv
    result = runner.invoke(app, ["evaluate", "--features", str(path), "--label", "Quadrant", "--id", "SongID",
                                 "--model", "linear_svm", "--cv", "3x2", "--seed", "1", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["n_samples"] == 60 and out["n_classes"] == 4 and out["n_folds"] == 6
    assert 0.8 < out["f1_macro_mean"] <= 1.0 and out["f1_macro_std"] >= 0 and "accuracy_mean" in out
    again = json.loads(runner.invoke(app, ["evaluate", "--features", str(path), "--label", "Quadrant", "--id",
                                           "SongID", "--model", "linear_svm", "--cv", "3x2", "--seed", "1",
                                           "--json"]).stdout)
    assert again == out


@pytest.mark.parametrize("edit, args, message", [
    (None, ["--label", "Mood", "--id", "SongID"], "no column 'Mood'"),
    (None, ["--label", "Quadrant"], "'SongID' is not numeric"),
    (lambda t: t.assign(f1=t["f1"].where(t.index != 3)), ["--label", "Quadrant", "--id", "SongID"], "NaN"),
    (lambda t: t.assign(Quadrant=np.where(t.index < 2, "Q5", t["Quadrant"])),
     ["--label", "Quadrant", "--id", "SongID"], "samples per class"),
    (None, ["--label", "Quadrant", "--id", "SongID", "--model", "xgboost"], "unknown model"),
])
def test_evaluate_bad_inputs(features_csv, edit, args, message):
    path, table = features_csv
    if edit is not None:
        edit(table).to_csv(path, index=False)
    result = runner.invoke(app, ["evaluate", "--features", str(path), *args, "--cv", "3x1", "--json"])
    assert result.exit_code == 2
    assert message in result.output


@pytest.fixture
def targets_csv(tmp_path):
    """60 songs: 5 features, a quadrant, and valence / arousal (Warriner's 1..9) linear in the features."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5))
    table = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
    table.insert(0, "SongID", [f"MT{i:06d}" for i in range(60)])
    table["valence"] = 5 + 1.5 * X[:, 0] + 0.2 * rng.normal(size=60)
    table["arousal"] = 5 + X[:, 1] - 0.5 * X[:, 2] + 0.2 * rng.normal(size=60)
    table["Quadrant"] = np.where(table["valence"] > 5, np.where(table["arousal"] > 5, "Q1", "Q4"),
                                 np.where(table["arousal"] > 5, "Q2", "Q3"))
    path = tmp_path / "targets.csv"
    table.to_csv(path, index=False)
    return path, table


@pytest.mark.parametrize("model, cv", [("ridge", "5x1"), ("svr", "holdout60-20-20x2")])
def test_evaluate_regression_json(targets_csv, model, cv):
    path, _ = targets_csv
    args = ["evaluate", "--features", str(path), "--target", "valence", "--target", "arousal", "--id", "SongID",
            "--strata", "Quadrant", "--model", model, "--cv", cv, "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["n_samples"] == 60 and out["n_features"] == 5 and out["targets"] == ["valence", "arousal"]
    assert out["n_folds"] == (5 if cv == "5x1" else 2)
    assert out["r2_valence_mean"] > 0.7 and out["r2_arousal_mean"] > 0.5 and out["pearson_mean"] > 0.8
    assert out["r2_mean"] == pytest.approx((out["r2_valence_mean"] + out["r2_arousal_mean"]) / 2)
    assert 0 < out["mae_mean"] < out["rmse_mean"] < 1 and out["r2_std"] >= 0
    assert json.loads(runner.invoke(app, args).stdout) == out


def test_evaluate_one_target_without_strata(targets_csv):
    path, table = targets_csv
    table.drop(columns="Quadrant").to_csv(path, index=False)  # folds stratified on quintiles of arousal
    result = runner.invoke(app, ["evaluate", "--features", str(path), "--target", "arousal", "--id", "SongID",
                                 "--model", "ridge", "--cv", "3x1", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["r2_mean"] == out["r2_arousal_mean"] and out["n_folds"] == 3 and out["n_features"] == 6


STRATA = ["--strata", "Quadrant"]


@pytest.mark.parametrize("edit, args, message", [
    (None, ["--label", "Quadrant", "--target", "valence"], "not both"),
    (None, [], "give either --label"),
    (None, ["--target", "dominance", *STRATA], "no column 'dominance'"),
    (lambda t: t.assign(valence=t["valence"].astype(object).where(t.index != 4, "high")),
     ["--target", "valence", *STRATA], "target column 'valence' is not numeric (e.g. 'high' in row 4)"),
    (lambda t: t.assign(arousal=t["arousal"].where(t.index != 7)), ["--target", "arousal", *STRATA],
     "1 rows have no value (NaN) for target 'arousal'"),
    (lambda t: t.head(8), ["--target", "valence", *STRATA], "needs at least 10 samples"),
    (None, ["--target", "valence", "--model", "rbf_svm", *STRATA], "unknown model 'rbf_svm' for regression"),
    (None, ["--label", "Quadrant", *STRATA], "--strata is for regression"),
])
def test_evaluate_regression_bad_inputs(targets_csv, edit, args, message):
    path, table = targets_csv
    if edit is not None:
        edit(table).to_csv(path, index=False)
    result = runner.invoke(app, ["evaluate", "--features", str(path), "--id", "SongID", *args, "--cv", "10x1",
                                 "--json"])
    assert result.exit_code == 2, result.output  # a MerError as one line, not a traceback (exit 1)
    assert result.output.startswith("error: ") and message in result.output, result.output


def test_data_check_reports_absent(tmp_path):
    result = runner.invoke(app, ["data", "check", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0
    assert "4q" in result.output and "absent" in result.output


def test_data_check_shows_the_annotated_datasets(warriner_root, emomusic_root, deam_root):
    result = runner.invoke(app, ["data", "check", "--data-dir", str(deam_root.parent)])
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split()[1:6] for line in result.output.splitlines()
            if line.split()[:1] in (["warriner"], ["emomusic"], ["deam"])}
    assert rows == {"warriner": ["ok", "20", "20", "0", "0"], "emomusic": ["ok", "4", "4", "0", "0"],
                    "deam": ["ok", "6", "6", "0", "0"]}
    assert "emomusic: 4 songs annotated, audio for 2" in result.output
    assert "deam: 6 songs annotated, no audio" in result.output


def test_features_list_names_every_extractor_and_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("MER_WEIGHTS_DIR", str(tmp_path))  # empty: no pretrained weights
    result = runner.invoke(app, ["features", "list"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line.split() for line in result.output.splitlines()[1:] if line.strip()}
    assert lines["mfcc_stats"][1] == "80" and lines["is13_compare"][1] == "6373"
    assert lines["openl3_512"][-1] == "False" and lines["musicnn_mtt"][-1] == "False"


def test_features_extract_refuses_missing_weights(tmp_path, monkeypatch):
    from mer_core.datasets import synthetic

    synthetic.generate(tmp_path / synthetic.DIRNAME, n_songs_per_culture=2, duration=2.0, progress=False)
    monkeypatch.setenv("MER_WEIGHTS_DIR", str(tmp_path / "no-weights"))
    result = runner.invoke(app, ["features", "extract", "--dataset", "synthetic", "--extractor", "aisfx",
                                 "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "mer weights fetch" in result.output
    result = runner.invoke(app, ["features", "extract", "--dataset", "synthetic", "--extractor", "mfcc_stats",
                                 "--data-dir", str(tmp_path), "--n-jobs", "1"])
    assert result.exit_code == 0 and "12 clips extracted, 0 skipped" in result.output


def test_data_check_counts_damaged_clips(damaged_fourq):
    root = damaged_fourq[0]
    result = runner.invoke(app, ["data", "check", "--deep", "--data-dir", str(root.parent)])
    assert result.exit_code == 0, result.output
    row = next(line.split() for line in result.output.splitlines() if line.startswith("4q "))
    assert row[:6] == ["4q", "partial", "5", "8", "1", "2"] and row[6] == str(root)
    assert "5 of 8 clips usable" in result.output


def test_data_check_strict_fails_on_a_partial_dataset(damaged_fourq):
    data_dir = str(damaged_fourq[0].parent)
    assert runner.invoke(app, ["data", "check", "--data-dir", data_dir]).exit_code == 0
    result = runner.invoke(app, ["data", "check", "--strict", "--data-dir", data_dir])
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("error: --strict: 4q is partial")


def test_mer_errors_are_one_line_and_bugs_keep_their_traceback(tmp_path, monkeypatch):
    import subprocess
    import sys

    import mer_core.datasets

    result = subprocess.run([sys.executable, "-m", "mer_core.cli", "features", "benchmark", "--dataset", "nope",
                             "--data-dir", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: unknown dataset 'nope'; choose one of synthetic, 4q, emomusic, deam, ravdess, turkish"

    def bug(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(mer_core.datasets, "status", bug)
    result = runner.invoke(app, ["data", "check", "--data-dir", str(tmp_path)])
    assert isinstance(result.exception, ZeroDivisionError) and "error:" not in result.output


def test_book_params_are_parsed_as_json_or_text_and_the_own_options_refused(monkeypatch):
    from mer_core import book as bk
    from mer_core.cli import _notebook_parameters

    assert _notebook_parameters(["train_sincnet=false", "label=run A", "n=3"]) == {
        "train_sincnet": False, "label": "run A", "n": 3}
    seen = {}

    def fake_execute(**kwargs):
        seen.update(kwargs)
        return []
    monkeypatch.setattr(bk, "execute_notebooks", fake_execute)
    result = runner.invoke(app, ["book", "--profile", "smoke", "--only", "pandrea", "--no-build",
                                 "--param", "train_sincnet=false"])
    assert result.exit_code == 0, result.output
    assert seen["parameters"] == {"train_sincnet": False} and seen["only"] == ["pandrea"]
    for bad in (["--param", "seed=3"], ["--param", "no equals sign"]):
        result = runner.invoke(app, ["book", "--profile", "smoke", "--no-build", *bad])
        assert result.exit_code == 2 and "--param" in result.output
