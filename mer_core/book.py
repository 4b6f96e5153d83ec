"""Execute the notebooks with papermill and build the Jupyter Book (``mer book``, ``make book``).

A run never modifies a tracked file: notebooks execute into ``<build>/executed/<profile>/`` and
write their records to ``<build>/executed/<profile>/results/``; the HTML is built from a staged
copy of the book in which this run's executed notebooks replace the published ones. Only
:func:`publish` (``mer book --publish``, ``make publish``) copies a run into ``book/``, the
published edition, and it refuses the ``smoke`` profile and every chapter whose datasets were
not complete on this machine.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .config import check_profile, project_root
from .errors import MerError, ParameterError

CHAPTERS = {
    "datasets": ("synthetic", "4q", "warriner"),
    "features": ("4q",),
    "louro_svm": ("4q_top100",),
    "louro_dl": ("4q", "4q_top100"),
    "louro_resolution": ("4q",),
    "louro_artists": ("4q",),
    "koh_dubnov": ("synthetic", "4q", "ravdess"),
    "quan_dong": ("synthetic", "4q", "4q_top100", "warriner", "emomusic"),
    "pandrea": ("turkish", "4q", "synthetic"),
    "du": ("deam", "emomusic", "turkish", "synthetic", "4q", "warriner"),
    "comparison": (),
    "intro": (),
}
"""Notebooks in execution order, each with the datasets its published figures need. The
chapters of :data:`READ_THE_EDITION` run last."""

READ_THE_EDITION = ("comparison", "intro")
"""Chapters that read the other chapters' records (the comparison chapter and the intro's status
table): they run after the others, and after they are published when publishing."""

ACCEPTED_PARTIAL = {"ravdess": "the only reachable copy lacks 3 of the 1012 song clips (data PROVENANCE.md); "
                                "the chapter counts and names them"}
"""Datasets a chapter may be published from while ``partial``: no complete copy exists here, and
the chapter states what is missing."""

RESULT_FILES = {"louro_dl": ("louro_dl", "louro_dl_timing", "louro_dl_seeds", "train_benchmark", "train_benchmark_rows"),
                "louro_resolution": ("louro_resolution", "louro_resolution_timing"),
                "louro_artists": ("louro_artists", "louro_artists_timing", "louro_artists_overlap", "louro_artists_seen"),
                "comparison": ("comparison_shared", "comparison_emomusic_timelines"),
                "features": ("features", "feature_benchmark"),
                "koh_dubnov": ("koh_dubnov", "koh_dubnov_table1", "koh_dubnov_emomusic_mappings", "koh_dubnov_table3",
                               "koh_dubnov_silhouettes", "koh_dubnov_tsne", "embedding_benchmark", "embedding_costs"),
                "pandrea": ("pandrea", "pandrea_sincnet", "pandrea_sincnet_schedule"),
                "du": ("du", "du_datasets", "du_deam_parts", "du_shared_songs", "du_quadrants", "du_dynamic_spread",
                       "du_deam_emomusic_agreement", "du_turkish_balance", "du_metrics", "du_lstm_check",
                       "du_hizlisoy", "du_hizlisoy_cfs", "du_hizlisoy_4q", "du_hizlisoy_4q_folds", "du_grekow",
                       "du_orjesek", "du_orjesek_emomusic", "du_parisi")}
"""Result tables a chapter writes besides ``<chapter>.csv``."""


class BookBuildError(MerError):
    """The HTML book did not build (Sphinx warnings count as errors)."""


class PublishRefused(ParameterError):
    """``mer book --publish`` asked for something that must not become the published edition."""


def executed_dir(profile: str, build_dir: Path | None = None) -> Path:
    """``<build>/executed/<profile>``: executed notebooks and ``results/`` of a run."""
    return Path(build_dir or project_root() / "_build") / "executed" / profile


def execute_notebooks(*, profile: str, data_dir: str, seed: int = 0, only=None, build_dir: Path | None = None,
                      published_only: bool = False, root: Path | None = None,
                      parameters: dict | None = None) -> list[str]:
    """Run ``notebooks/<name>.ipynb`` into :func:`executed_dir` with papermill; return the names that failed.

    Each kernel starts in ``notebooks/`` (as when a reader opens it in JupyterLab) with the
    parameters ``profile``, ``data_dir`` and ``seed``, and ``MER_RESULTS_DIR`` pointing at the
    run's ``results/`` folder (with ``published_only``, an empty folder: the notebooks then read
    the published edition alone, as the intro does after :func:`publish`). ``parameters`` sets
    other parameters of the notebooks' parameters cells (a notebook that has no such parameter
    gets it unused); a notebook that depends on one prints its value where readers see it,
    since the injected cell is hidden (:func:`hide_injected_parameters`).
    """
    import papermill as pm

    check_profile(profile)
    root = root or project_root()
    unknown = set(only or ()) - set(CHAPTERS)
    if unknown:
        raise ParameterError(f"unknown notebooks {sorted(unknown)}; choose from {list(CHAPTERS)}")
    names = [n for n in CHAPTERS if not only or n in only]
    out = executed_dir(profile, build_dir)
    results = out / ("results_none" if published_only else "results")
    if published_only and results.exists():
        shutil.rmtree(results)
    results.mkdir(parents=True, exist_ok=True)
    os.environ["MER_RESULTS_DIR"] = str(results)  # inherited by every kernel
    failures = []
    for name in names:
        start = time.perf_counter()
        print(f"[book] executing {name} (profile={profile})", flush=True)
        try:
            pm.execute_notebook(root / "notebooks" / f"{name}.ipynb", out / f"{name}.ipynb",
                                parameters={**(parameters or {}), "profile": profile, "data_dir": data_dir,
                                            "seed": seed},
                                cwd=str(root / "notebooks"), kernel_name="python3", progress_bar=False)
        except pm.PapermillExecutionError as err:
            print(f"[book] {name} FAILED: {err.ename}: {err.evalue}", file=sys.stderr, flush=True)
            failures.append(name)
        hide_injected_parameters(out / f"{name}.ipynb")
        print(f"[book] {name}: {time.perf_counter() - start:.0f} s", flush=True)
    return failures


def hide_injected_parameters(path: Path) -> None:
    """Tag papermill's injected-parameters cell ``remove-cell``: it holds this machine's data paths,
    which a page never shows (every chapter prints its profile and datasets in its header)."""
    import nbformat

    if not path.is_file():
        return
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            cell.metadata["tags"] = [*tags, "remove-cell"]
    nbformat.write(nb, path)


def build_html(profile: str, build_dir: Path | None = None, root: Path | None = None) -> Path:
    """Build the HTML book of a run into ``<build>/html`` (offline, warnings as errors).

    The book is staged in ``<build>/site``: configuration, pages and ``_static`` from the
    repository, with each notebook this run executed in place of the published one.
    """
    root = root or project_root()
    build = Path(build_dir or root / "_build")
    site = build / "site"
    if site.exists():
        shutil.rmtree(site)
    shutil.copytree(root / "book", site / "book", ignore=shutil.ignore_patterns("results", "mathjax"))
    shutil.copy2(root / "_config.yml", site / "_config.yml")
    for executed in sorted(executed_dir(profile, build).glob("*.ipynb")):
        shutil.copy2(executed, site / "book" / executed.name)
    stage_toc(root / "_toc.yml", site)
    stage_mathjax(site / "book" / "_static")
    built = subprocess.run([sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build",
                            str(site), "--path-output", str(site), "--warningiserror", "--keep-going"], cwd=site)
    if built.returncode:
        raise BookBuildError("jupyter-book build failed (warnings are errors): see its messages above")
    html = build / "html"
    if html.exists():
        shutil.rmtree(html)
    shutil.copytree(site / "_build" / "html", html)
    return html


def stage_toc(toc: Path, site: Path) -> list[str]:
    """Copy the table of contents into ``site`` without the chapters that have no page there (neither
    executed by this run nor published yet), saying which; returns their names."""
    import yaml

    spec = yaml.safe_load(toc.read_text())
    left_out = []
    for part in spec.get("parts", []):
        kept = []
        for chapter in part["chapters"]:
            if any((site / f"{chapter['file']}{ext}").is_file() for ext in (".ipynb", ".md")):
                kept.append(chapter)
            else:
                left_out.append(chapter["file"])
        part["chapters"] = kept
    spec["parts"] = [part for part in spec.get("parts", []) if part["chapters"]]
    for name in left_out:
        print(f"[book] {name}: not executed in this run and not published yet; left out of the HTML", flush=True)
    (site / "_toc.yml").write_text(yaml.safe_dump(spec, sort_keys=False))
    return left_out


def stage_mathjax(static: Path) -> Path:
    """Copy MathJax from the jupyter-server-mathjax wheel into ``<static>/mathjax`` (offline pages)."""
    import jupyter_server_mathjax

    source = Path(jupyter_server_mathjax.__file__).parent / "static"
    target = static / "mathjax"
    if not (target / "MathJax.js").is_file():
        shutil.copytree(source, target, dirs_exist_ok=True)
    return target


def publishable(profile: str, dataset_states: dict[str, str], only=None) -> tuple[list[str], dict[str, str]]:
    """Which chapters a run may publish: ``(chapters, refused)`` with the reason of each refusal.

    ``dataset_states`` maps dataset names to their ``mer data check`` state; a chapter is
    refused unless every dataset it needs is ``ok`` (complete), or ``partial`` where
    :data:`ACCEPTED_PARTIAL` says why that is the best copy there is. The ``smoke`` profile is refused
    altogether: its figures are pipeline checks.
    """
    check_profile(profile)
    if profile == "smoke":
        raise PublishRefused("the smoke profile is a pipeline check and is never published; "
                             "publish a cpu or paper run")
    chapters, refused = [], {}
    for name in (n for n in CHAPTERS if not only or n in only):
        missing = [d for d in CHAPTERS[name] if dataset_states.get(d) != "ok"
                   and not (d in ACCEPTED_PARTIAL and dataset_states.get(d) == "partial")]
        if missing:
            refused[name] = ", ".join(f"{d} {dataset_states.get(d, 'absent')}" for d in missing)
        else:
            chapters.append(name)
    return chapters, refused


def publish(profile: str, chapters, build_dir: Path | None = None, root: Path | None = None) -> list[Path]:
    """Copy the executed notebooks and result tables of ``chapters`` from a run into ``book/``.

    The tables of :data:`READ_THE_EDITION` chapters come from ``results_none/``, where they were
    written when those chapters ran on the published edition alone.

    Used by: ``mer book --publish`` after :func:`publishable` and :func:`execute_notebooks`.
    """
    root = root or project_root()
    run = executed_dir(profile, build_dir)
    written = []
    for name in chapters:
        shutil.copy2(run / f"{name}.ipynb", root / "book" / f"{name}.ipynb")
        written.append(root / "book" / f"{name}.ipynb")
        results = run / ("results_none" if name in READ_THE_EDITION else "results")
        for table in RESULT_FILES.get(name, (name,)):
            source = results / f"{table}.csv"
            if source.is_file():
                shutil.copy2(source, root / "book" / "results" / source.name)
                written.append(root / "book" / "results" / source.name)
    return written
