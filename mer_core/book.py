"""Execute the notebooks with papermill and build the Jupyter Book (``mer book``, ``make book``)."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from .config import check_profile, project_root

NOTEBOOKS = ("datasets", "features", "louro_svm", "louro_dl", "koh_dubnov")
"""Executed in this order; each writes ``book/<name>.ipynb`` and ``book/results/<name>.csv``."""


def execute_notebooks(*, profile: str, data_dir: str, seed: int = 0, only=None, root: Path | None = None) -> list[str]:
    """Run ``notebooks/<name>.ipynb`` into ``book/<name>.ipynb`` with papermill; return the names that failed.

    The working directory of each run is ``notebooks/`` (as when a reader opens it in
    JupyterLab), and the parameters are ``profile``, ``data_dir`` and ``seed``.
    """
    import papermill as pm

    check_profile(profile)
    root = root or project_root()
    names = [n for n in NOTEBOOKS if not only or n in only]
    unknown = set(only or ()) - set(NOTEBOOKS)
    if unknown:
        raise ValueError(f"unknown notebooks {sorted(unknown)}; choose from {NOTEBOOKS}")
    failures = []
    for name in names:
        start = time.perf_counter()
        print(f"[book] executing {name} (profile={profile}, data_dir={data_dir})", flush=True)
        try:
            pm.execute_notebook(root / "notebooks" / f"{name}.ipynb", root / "book" / f"{name}.ipynb",
                                parameters={"profile": profile, "data_dir": data_dir, "seed": seed},
                                cwd=str(root / "notebooks"), kernel_name="python3", progress_bar=False)
        except pm.PapermillExecutionError as err:
            print(f"[book] {name} FAILED: {err.ename}: {err.evalue}", file=sys.stderr, flush=True)
            failures.append(name)
        print(f"[book] {name}: {time.perf_counter() - start:.0f} s", flush=True)
    return failures


def build_html(root: Path | None = None) -> Path:
    """Build the HTML book into ``_build/html`` (offline, warnings as errors)."""
    root = root or project_root()
    stage_mathjax(root)
    subprocess.run([sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", str(root),
                    "--warningiserror", "--keep-going"],
                   check=True, cwd=root)
    return root / "_build" / "html"


def stage_mathjax(root: Path | None = None) -> Path:
    """Copy MathJax from the jupyter-server-mathjax wheel into ``book/_static/mathjax`` (offline pages)."""
    import shutil

    import jupyter_server_mathjax

    root = root or project_root()
    source = Path(jupyter_server_mathjax.__file__).parent / "static"
    target = root / "book" / "_static" / "mathjax"
    if not (target / "MathJax.js").is_file():
        shutil.copytree(source, target, dirs_exist_ok=True)
    return target
