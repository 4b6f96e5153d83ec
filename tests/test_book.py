"""The published edition is never rewritten by a run; publishing refuses what must not be published;
a notebook runs in a fresh kernel with only its parameters."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mer_core import book
from mer_core.config import project_root
from mer_core.errors import MerError

ROOT = project_root()
COMPLETE = {"synthetic": "ok", "4q": "ok", "4q_top100": "ok", "warriner": "ok", "ravdess": "partial"}


def tracked_digests() -> dict[str, str]:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    out = {}
    for name in filter(None, files.decode().split("\0")):
        path = ROOT / name
        out[name] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"
    return out


def test_publishing_refuses_smoke():
    with pytest.raises(book.PublishRefused, match="smoke"):
        book.publishable("smoke", COMPLETE)
    assert issubclass(book.PublishRefused, MerError)


def test_publishing_refuses_chapters_whose_datasets_are_not_complete():
    chapters, refused = book.publishable("cpu", {**COMPLETE, "4q": "partial", "synthetic": "absent"})
    assert chapters == ["louro_svm", "comparison", "intro"]  # the last two read the published records
    assert refused["louro_dl"] == "4q partial"
    assert refused["koh_dubnov"] == "synthetic absent, 4q partial"
    assert set(chapters) | set(refused) == set(book.CHAPTERS)
    # RAVDESS has no complete copy: partial is accepted (the chapter names what is missing), absent is not
    assert "koh_dubnov" in book.publishable("cpu", {**COMPLETE, "ravdess": "partial"})[0]
    assert book.publishable("cpu", {**COMPLETE, "ravdess": "absent"})[1]["koh_dubnov"] == "ravdess absent"
    assert book.publishable("cpu", COMPLETE, only=["louro_dl"]) == (["louro_dl"], {})


def test_publish_copies_only_the_named_chapters(tmp_path):
    root, build = tmp_path / "repo", tmp_path / "build"
    (root / "book" / "results").mkdir(parents=True)
    run = book.executed_dir("cpu", build)
    (run / "results").mkdir(parents=True)
    for name in ("louro_svm", "louro_dl"):
        (run / f"{name}.ipynb").write_text(name)
    for table in ("louro_svm", "louro_dl", "louro_dl_timing"):
        (run / "results" / f"{table}.csv").write_text(table)
    written = book.publish("cpu", ["louro_dl"], build, root=root)
    assert sorted(p.name for p in written) == ["louro_dl.csv", "louro_dl.ipynb", "louro_dl_timing.csv"]
    assert not (root / "book" / "louro_svm.ipynb").exists()
    assert (root / "book" / "results" / "louro_dl_timing.csv").read_text() == "louro_dl_timing"



def test_publish_takes_edition_readers_tables_from_their_edition_only_run(tmp_path):
    root, build = tmp_path / "repo", tmp_path / "build"
    (root / "book" / "results").mkdir(parents=True)
    run = book.executed_dir("cpu", build)
    (run / "results").mkdir(parents=True)
    (run / "results_none").mkdir()
    (run / "comparison.ipynb").write_text("comparison")
    (run / "results" / "comparison_shared.csv").write_text("stale, from the papers' run")
    (run / "results_none" / "comparison_shared.csv").write_text("from the edition")
    written = book.publish("cpu", ["comparison"], build, root=root)
    assert sorted(p.name for p in written) == ["comparison.ipynb", "comparison_shared.csv"]
    assert (root / "book" / "results" / "comparison_shared.csv").read_text() == "from the edition"

@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs the git checkout")
def test_book_without_datasets_keeps_book_and_shows_the_published_edition(tmp_path):
    """A newcomer's run: no dataset at all. Tracked files stay byte-identical; the HTML shows the
    published real-4Q figures, labelled, with their provenance."""
    before = tracked_digests()
    env = {**os.environ, "MER_DATA_DIR": str(tmp_path / "no-data"), "MER_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("MER_RESULTS_DIR", None)
    subprocess.run([sys.executable, "-m", "mer_core.cli", "book", "--profile", "smoke", "--build-dir",
                    str(tmp_path / "build")], cwd=ROOT, env=env, check=True, capture_output=True, timeout=900)
    assert tracked_digests() == before
    html = tmp_path / "build" / "html"
    svm_page = (html / "book" / "louro_svm.html").read_text()
    published = pd.read_csv(ROOT / "book" / "results" / "louro_svm.csv")
    f1 = published.loc[published["metric"] == "f1_macro", "value"]
    assert "published edition" in svm_page
    assert f"{100 * f1.mean():.2f} ± {100 * f1.std():.2f}" in svm_page
    assert published["code_version"].iloc[0] in svm_page
    intro = (html / "book" / "intro.html").read_text()
    assert "Status of the reproduction" in intro and "published edition" in intro
    assert "/tmp" not in svm_page and str(ROOT) not in svm_page  # no machine paths on pages


def write_top100(folder: Path, n_per_class: int = 10, seed: int = 0) -> None:
    """A top-100 table in the published format (SongID, 100 features, Quadrant) with a class signal."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(["Q1", "Q2", "Q3", "Q4"], n_per_class)
    X = rng.standard_normal((len(labels), 100)) + 1.5 * (np.arange(4).repeat(n_per_class)[:, None] == np.arange(100) % 4)
    table = pd.DataFrame(X, columns=[f"F{k}" for k in range(100)])
    table.insert(0, "SongID", [f"MT{k:07d}" for k in range(len(labels))])
    table["Quadrant"] = labels
    folder.mkdir(parents=True)
    table.to_csv(folder / "top100_features.csv", index=False)


def test_a_notebook_runs_in_a_fresh_kernel_with_only_its_parameters(tmp_path, monkeypatch):
    import papermill as pm

    write_top100(tmp_path / "data" / "4q_features")
    monkeypatch.setenv("MER_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.chdir(tmp_path)  # not the repository: the kernel finds mer_core as an installed package
    out = tmp_path / "louro_svm.ipynb"
    pm.execute_notebook(ROOT / "notebooks" / "louro_svm.ipynb", out, kernel_name="python3", progress_bar=False,
                        parameters={"profile": "smoke", "data_dir": str(tmp_path / "data"), "seed": 0})
    records = pd.read_csv(tmp_path / "results" / "louro_svm.csv")
    assert set(records["n_train"] + records["n_test"]) == {40}
    assert records["profile"].eq("smoke").all() and records["code_version"].notna().all()
    text = json.dumps(json.loads(out.read_text())["cells"])
    assert "this run" in text


@pytest.mark.parametrize("name", list(book.CHAPTERS))
def test_each_notebook_is_valid_nbformat_with_cell_ids(name):
    """papermill and Jupyter Book read these files; a cell without an id is an nbformat warning today
    and an error in later versions."""
    import warnings

    import nbformat

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        notebook = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
        nbformat.validate(notebook)
    ids = [cell["id"] for cell in notebook.cells]
    assert len(set(ids)) == len(ids)
