"""The ``mer`` command: data, features, evaluate, book."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Optional

import typer
from typer.core import TyperGroup

from . import config
from .errors import DatasetError, MerError, ParameterError


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


class _OneLineErrors(TyperGroup):
    """The ``mer`` group: a :class:`~mer_core.errors.MerError` raised by any command becomes one line
    ``error: <message>`` on stderr and exit code 2; any other exception is a bug and keeps its traceback.

    Used by: ``app`` (every command and sub-command runs inside its ``invoke``).
    """

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except MerError as err:
            _fail(str(err))


app = typer.Typer(help="MER Companion: datasets, features, evaluation and the book.", no_args_is_help=True,
                  add_completion=False, cls=_OneLineErrors)
data_app = typer.Typer(help="Generate and check datasets.", no_args_is_help=True)
app.add_typer(data_app, name="data")
features_app = typer.Typer(help="List extractors and fill the feature cache.", no_args_is_help=True)
app.add_typer(features_app, name="features")
weights_app = typer.Typer(help="Pretrained weights that PyPI wheels ship.", no_args_is_help=True)
app.add_typer(weights_app, name="weights")


@data_app.command("synth")
def data_synth(out: Optional[Path] = typer.Option(None, help="Output folder (default: <data dir>/synthetic_mer)."),
               seed: int = typer.Option(0, help="Seed: same seed, byte-identical corpus."),
               data_dir: Optional[Path] = typer.Option(None, help="Data directory or search path (default: $MER_DATA_DIR or ./data).")):
    """Generate the deterministic synthetic corpus (a simulation, labelled as such)."""
    from .datasets import synthetic

    target = out or config.locate(synthetic.DIRNAME, data_dir)
    path = synthetic.generate(target, seed=seed)
    typer.echo(f"synthetic corpus (seed {seed}) in {path}: {len(synthetic.load(path))} clips")


@data_app.command("check")
def data_check(data_dir: Optional[Path] = typer.Option(None, help="Data directory or search path (default: $MER_DATA_DIR or ./data)."),
               deep: bool = typer.Option(False, "--deep", help="Decode every audio file and count the unreadable "
                                         "ones (slow: every clip is read in full)."),
               strict: bool = typer.Option(False, "--strict", help="Exit with an error when a dataset is partial "
                                           "or invalid (absent ones are fine).")):
    """List the datasets on the data search path: state, clip counts, folder, and what is wrong."""
    from .datasets import status

    typer.echo("data search path: " + ", ".join(str(d) for d in config.data_dirs(data_dir)))
    table = status(data_dir, deep=deep)
    line = "{:<10} {:<8} {:>7} {:>8} {:>7} {:>10}  {}".format
    typer.echo(line("dataset", "state", "present", "expected", "missing", "unreadable", "path"))
    for row in table.itertuples():
        typer.echo(line(row.dataset, row.state, row.n_present, row.n_expected, row.n_missing, row.n_unreadable,
                        row.path))
    for row in table.itertuples():
        typer.echo(f"{row.dataset}: {row.detail}")
    damaged = table[table["state"].isin(["partial", "invalid"])]
    if strict and len(damaged):
        raise DatasetError("--strict: " + "; ".join(f"{r.dataset} is {r.state} ({r.detail})"
                                                    for r in damaged.itertuples()))


@features_app.command("list")
def features_list():
    """Every extractor with its output dimension and whether its real weights are available."""
    from .features.registry import describe

    typer.echo(describe().to_string(index=False))


@features_app.command("extract")
def features_extract(dataset: str = typer.Option(..., help="Dataset: synthetic or 4q."),
                     extractor: str = typer.Option(..., help="Extractor name (see `mer features list`)."),
                     data_dir: Optional[Path] = typer.Option(None, help="Data directory or search path."),
                     n_jobs: Optional[int] = typer.Option(None, help="Worker processes (default: all cores).")):
    """Extract one feature set for every clip of a dataset into the cache (progress bar, failures counted)."""
    from .datasets import load_dataset
    from .features import MissingWeightsError, extract
    from .features.registry import get

    try:
        tracks = load_dataset(dataset, data_dir)
        ex = get(extractor)
        if ex.requires_weights and not ex.weights_available():
            raise MissingWeightsError(f"{extractor}: pretrained weights are not in {config.weights_dir()}; "
                                      "run `mer weights fetch` (or see `mer features list`)")
    except (KeyError, MerError) as err:
        _fail(str(err))
    result = extract(tracks, ex, n_jobs=n_jobs)
    typer.echo(result.summary())


@features_app.command("benchmark")
def features_benchmark(dataset: str = typer.Option("4q", help="Dataset: synthetic or 4q."),
                       extractor: Optional[list[str]] = typer.Option(None, help="Extractors (default: the chapter's)."),
                       data_dir: Optional[Path] = typer.Option(None, help="Data directory or search path."),
                       n_jobs: Optional[int] = typer.Option(None, help="Worker processes (default: all cores)."),
                       clips_per_class: Optional[int] = typer.Option(None, help="Seeded stratified subset (default: all)."),
                       seed: int = typer.Option(0, help="Seed of the subset."),
                       out: Optional[Path] = typer.Option(None, help="CSV to write (default: feature_benchmark.csv "
                                                          "in the run's results folder, never book/).")):
    """Time every extractor over a dataset, cold and from cache; write a CSV naming the machine."""
    from . import benchmark
    from .datasets import load_dataset
    from .experiments.features import FEATURE_SETS, subset

    tracks = subset(load_dataset(dataset, data_dir), clips_per_class, seed=seed)
    table = benchmark.run(tracks, extractor or list(FEATURE_SETS), n_jobs=n_jobs, dataset=dataset)
    out = out or config.results_dir() / "feature_benchmark.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False)
    typer.echo(table.drop(columns=["machine"], errors="ignore").to_string(index=False))


@features_app.command("costs")
def features_costs(dataset: str = typer.Option("4q", help="Dataset: synthetic or 4q."),
                   extractor: Optional[list[str]] = typer.Option(None, help="Pretrained-network extractors "
                                                                 "(default: the Koh & Dubnov chapter's)."),
                   clips: int = typer.Option(20, help="Clips timed per network (after one warm-up clip)."),
                   threads: int = typer.Option(2, help="Torch threads (set explicitly)."),
                   data_dir: Optional[Path] = typer.Option(None, help="Data directory or search path."),
                   out: Optional[Path] = typer.Option(None, help="CSV to write (default: embedding_costs.csv "
                                                      "in the run's results folder, never book/).")):
    """Where a pretrained network's cold extraction time goes (decoding, front-end, network; FLOP per
    clip and GFLOP/s), projected to the whole dataset; the feature cache is not touched."""
    from . import benchmark
    from .datasets import load_dataset
    from .experiments.koh_dubnov import BASELINE, FEATURE_SETS

    names = extractor or [name for name in FEATURE_SETS if name != BASELINE]
    table = benchmark.embedding_costs(load_dataset(dataset, data_dir), names, clips=clips, num_threads=threads)
    out = out or config.results_dir() / "embedding_costs.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False)
    typer.echo(table.drop(columns=["machine", "date"], errors="ignore").to_string(index=False))


@app.command("train")
def train(name: str = typer.Argument("musicnn_msd_rf", help="Model to train (see mer_core.predict.MODELS)."),
          data_dir: Optional[Path] = typer.Option(None, help="Data directory or search path (4Q and Warriner)."),
          seed: int = typer.Option(0)):
    """Cross-validate, then fit on all of 4Q, a model of quadrants and valence/arousal; store it in the cache."""
    from . import predict

    model = predict.train(name, data_dir=data_dir, seed=seed)
    path = predict.save(model)
    typer.echo(f"saved {path}")
    typer.echo(json.dumps(model.provenance, indent=1))


@app.command("predict")
def predict_command(files: list[Path] = typer.Argument(..., help="Audio files (wav, flac, ogg, mp3, ...)."),
                    model: str = typer.Option("musicnn_msd_rf", help="A model `mer train` stored."),
                    timeline: bool = typer.Option(False, "--timeline", help="Also one estimate per window (3 s)."),
                    as_json: bool = typer.Option(False, "--json", help="One JSON object per file.")):
    """Quadrant probabilities and valence/arousal (1-9) of each file; a file that cannot be decoded is
    reported on one line and the others go on (exit code 1 if any failed)."""
    from . import predict
    from .errors import AudioError

    fitted = predict.load(model)
    failed = 0
    for path in files:
        try:
            result = predict.predict_file(fitted, path, timeline=timeline)
        except (AudioError, OSError) as err:
            failed += 1
            typer.secho(f"error: {path}: {getattr(err, 'reason', err)}", fg=typer.colors.RED, err=True)
            continue
        if as_json:
            typer.echo(json.dumps({**result, "model": model}))
            continue
        probs = ", ".join(f"{k[2:]} {v:.2f}" for k, v in result.items() if k.startswith("p_"))
        typer.echo(f"{path}: {result['quadrant']} ({probs}); valence {result['valence']:.2f}, arousal "
                   f"{result['arousal']:.2f} (1-9); {result['duration_s']:.1f} s of audio in {result['seconds']:.2f} s")
        for w in result.get("windows", []):
            typer.echo(f"  {w['start_s']:6.2f}-{w['end_s']:6.2f} s  {w['quadrant']}  valence {w['valence']:.2f}  "
                       f"arousal {w['arousal']:.2f}")
    if failed:
        raise typer.Exit(code=1)


@app.command("train-benchmark")
def train_benchmark(profile: str = typer.Option("cpu", help="Louro profile of the timed rows (their widths, "
                                                "input pooling and batch size)."),
                    row: Optional[list[str]] = typer.Option(None, help="Louro Table 1 rows to time on one fold "
                                                            "(repeatable; default: DL Baseline)."),
                    epochs: int = typer.Option(1, help="Epochs of each timed row (its fold is cut short)."),
                    threads: int = typer.Option(2, help="Torch threads (set explicitly)."),
                    device: str = typer.Option("cpu", help="Device of the network benchmark: cpu, cuda or auto."),
                    steps: int = typer.Option(3, help="Timed training steps per network."),
                    part: str = typer.Option("both", help="networks (random batches, no data), rows (one fold "
                                             "of each --row on the 4Q data) or both."),
                    data_dir: Optional[Path] = typer.Option(None, help="Data directory or search path."),
                    out: Optional[Path] = typer.Option(None, help="Folder of the two CSVs (default: the run's "
                                                       "results folder, never book/).")):
    """FLOP per step and GFLOP/s of Louro et al.'s networks (narrow and published widths, pooled and full
    input), and of real rows the share of the wall time spent inside forward/backward and the peak memory
    (each row measured from a reset of the process's peak; its inputs are released after it)."""
    import time

    import pandas as pd
    import torch

    from . import benchmark
    from .datasets import fourq
    from .experiments import louro_dl
    from .provenance import machine

    config.check_profile(profile)
    out = out or config.results_dir()
    out.mkdir(parents=True, exist_ok=True)
    if part not in ("networks", "rows", "both"):
        raise ParameterError(f"--part must be networks, rows or both, got {part!r}")
    if part != "rows":
        table = benchmark.training(num_threads=threads, steps=steps, device=device)
        table.to_csv(out / "train_benchmark.csv", index=False)
        typer.echo(table.drop(columns=["machine", "date"]).to_string(index=False))
    if part == "networks":
        return
    torch.set_num_threads(threads)
    tracks = louro_dl.select_clips(fourq.load(config.locate(fourq.DIRNAME, data_dir)), profile)
    data = louro_dl.LouroData.prepare(tracks, fourq.load_top100(config.locate(fourq.FEATURES_DIRNAME, data_dir)),
                                      profile)
    split = data.splits()[0]
    timed = []
    for name in row or ["DL Baseline"]:
        benchmark.reset_peak_memory()
        t0 = time.perf_counter()
        estimator, X, _ = louro_dl.build_row(name, data)
        inputs_s = time.perf_counter() - t0
        estimator.set_params(**{k: epochs for k in estimator.get_params() if k == "epochs" or k.endswith("__epochs")})

        def fit_and_predict(model=estimator, X=X):
            model.fit(X[split.train], data.y[split.train]).predict(X[split.test])

        load_before = os.getloadavg()[0]
        timed.append({"row": name, "profile": profile, "epochs": epochs, "n_train": len(split.train),
                      "n_test": len(split.test), "inputs_s": round(inputs_s, 2),
                      **benchmark.time_inside_network(fit_and_predict), **benchmark.peak_memory_gb(),
                      "torch_threads": torch.get_num_threads(), "machine": machine(),
                      "load_avg_1min": round(max(load_before, os.getloadavg()[0]), 1),
                      "date": time.strftime("%Y-%m-%d")})
        del estimator, X, fit_and_predict
        data.release()
        rows_table = pd.DataFrame(timed)  # written after each row: an interrupted benchmark keeps its rows
        rows_table.to_csv(out / "train_benchmark_rows.csv", index=False)
    typer.echo(rows_table.drop(columns=["machine", "date"]).to_string(index=False))


@weights_app.command("fetch")
def weights_fetch():
    """Fetch the pretrained weights shipped in PyPI wheels (musicnn, aisfx) into the weights directory."""
    from .weights import FETCHERS

    for name, fetch in FETCHERS.items():
        typer.echo(f"{name}: {fetch()}")


@app.command("evaluate")
def evaluate(features: Path = typer.Option(..., help="CSV: one row per clip, numeric feature columns."),
             label: Optional[str] = typer.Option(None, help="Class column: classify."),
             target: Optional[list[str]] = typer.Option(None, help="Numeric target column: regress (repeatable: "
                                                        "several targets in one run)."),
             id_column: Optional[str] = typer.Option(None, "--id", help="Identifier column (not a feature)."),
             group: Optional[str] = typer.Option(None, help="Group column (e.g. song) kept within one fold."),
             strata: Optional[str] = typer.Option(None, help="With --target: column the folds are stratified on "
                                                  "(e.g. the quadrant); default: quintiles of the first target."),
             model: Optional[str] = typer.Option(None, help="Classifier (mer_core.models.CLASSIFIERS, default "
                                                 "rbf_svm) or regressor (REGRESSORS, default svr)."),
             cv: str = typer.Option("10x10", help="Protocol: KxR or holdoutA-B-CxR."),
             seed: int = typer.Option(0),
             n_jobs: int = typer.Option(1, help="Folds in parallel."),
             as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")):
    """Cross-validate a classifier (--label) or a regressor (--target) on any features table."""
    import math

    import numpy as np

    from .datasets.tabular import load_features
    from .evaluation import REGRESSION_METRICS, cross_validate, cross_validate_regression, summarize
    from .models import CLASSIFIERS, REGRESSORS, make_classifier, make_regressor

    if (label is None) == (not target):
        raise ParameterError("give either --label COL (classification) or --target COL (regression), not both")
    if label is not None and strata is not None:
        raise ParameterError("--strata is for regression (--target); classification folds are stratified by --label")
    task, names = ("classification", CLASSIFIERS) if label is not None else ("regression (--target)", REGRESSORS)
    model = model or ("rbf_svm" if label is not None else "svr")
    if model not in names:
        raise ParameterError(f"unknown model {model!r} for {task}; choose one of {', '.join(names)}")
    data = load_features(features, label, targets=target, id_column=id_column, group_column=group,
                         strata_column=strata)
    common = dict(groups=data.groups, cv=cv, seed=seed, n_jobs=n_jobs, progress=not as_json, method=model,
                  features=Path(features).name)
    out = {"model": model, "protocol": cv, "seed": seed, "n_samples": int(len(data.y)),
           "n_features": len(data.names)}
    if label is not None:
        result = cross_validate(make_classifier(model, random_state=seed), data.X, data.y, **common)
        out["n_classes"] = int(len(np.unique(data.y)))
        metrics = ["f1_macro", "accuracy", "precision_macro", "recall_macro"]
    else:
        result = cross_validate_regression(make_regressor(model, random_state=seed), data.X, data.y,
                                           targets=data.targets, strata=data.strata, **common)
        out["targets"] = data.targets
        metrics = [m for name in REGRESSION_METRICS for m in (name, *(f"{name}_{t}" for t in data.targets))]
    out["n_folds"] = int(result.records["fold"].nunique())
    summary = summarize(result.records).set_index("metric")
    for metric in metrics:  # NaN (a std of one fold, an undefined Pearson r) is JSON null
        for stat in ("mean", "std"):
            value = float(summary.loc[metric, stat])
            out[f"{metric}_{stat}"] = None if math.isnan(value) else value
    if as_json:
        typer.echo(json.dumps(out))
    else:
        for k, v in out.items():
            typer.echo(f"{k:>22}: {v:.4f}" if isinstance(v, float) else f"{k:>22}: {v}")


@app.command("book")
def book(profile: str = typer.Option("cpu", help="Run profile: smoke, cpu or paper."),
         data_dir: Optional[Path] = typer.Option(None, help="Data directory or search path (default: $MER_DATA_DIR or ./data)."),
         seed: int = typer.Option(0),
         only: Optional[list[str]] = typer.Option(None, help="Execute only these notebooks (repeatable)."),
         build: bool = typer.Option(True, help="Build the HTML book after executing."),
         build_dir: Path = typer.Option(Path("_build"), help="Where executed notebooks, results and HTML go."),
         publish: bool = typer.Option(False, "--publish", help="Copy the run into book/, the published edition "
                                      "(refused for smoke and for chapters whose datasets are not complete)."),
         param: Optional[list[str]] = typer.Option(None, help="Another notebook parameter, NAME=VALUE (VALUE read "
                                                   "as JSON, else as text), e.g. train_sincnet=false (repeatable)."),
         scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address (tcp://host:8786): every "
                                                 "cross-validation fold runs on its workers (default: "
                                                 "$MER_DASK_SCHEDULER; unset: on this machine).")):
    """Execute the notebooks into the build folder and build the HTML book; never touches book/ unless --publish."""
    from . import book as bk
    from . import cluster
    from .datasets import status

    config.check_profile(profile)
    if scheduler:
        os.environ[cluster.SCHEDULER_ENV] = scheduler  # the notebooks' kernels inherit it
    if cluster.scheduler_address():
        cluster.client(cluster.scheduler_address())  # a one-line error now rather than in every notebook
        typer.echo(f"[book] folds run on the Dask cluster at {cluster.scheduler_address()}")
    parameters = _notebook_parameters(param or [])
    build_dir = build_dir.resolve()
    search_path = os.pathsep.join(str(d) for d in config.data_dirs(data_dir))
    chapters = [n for n in bk.CHAPTERS if not only or n in only]
    if publish:
        states = dict(zip(*status(data_dir)[["dataset", "state"]].to_numpy().T))
        chapters, refused = bk.publishable(profile, states, only)
        for name, why in refused.items():
            typer.echo(f"[book] not publishing {name}: dataset {why}", err=True)
        if not chapters:
            raise bk.PublishRefused("no chapter can be published from this machine's datasets")
    # the comparison and the intro read every chapter's records, so they run after them (when
    # publishing: after they are copied)
    papers = [n for n in chapters if n not in bk.READ_THE_EDITION]
    failures = bk.execute_notebooks(profile=profile, data_dir=search_path, seed=seed, only=papers,
                                    build_dir=build_dir, parameters=parameters) if papers else []
    if publish:
        done = [n for n in papers if n not in failures]
        for path in bk.publish(profile, done, build_dir):
            typer.echo(f"[book] published {path.relative_to(config.project_root())}")
    readers = [n for n in bk.READ_THE_EDITION if n in chapters]
    if readers:
        failed = bk.execute_notebooks(profile=profile, data_dir=search_path, seed=seed, only=readers,
                                      build_dir=build_dir, published_only=publish)
        failures += failed
        if publish:
            for path in bk.publish(profile, [n for n in readers if n not in failed], build_dir):
                typer.echo(f"[book] published {path.relative_to(config.project_root())}")
    if failures:
        _fail(f"{len(failures)} notebook(s) failed: {', '.join(failures)}")
    if build:
        html = bk.build_html(profile, build_dir)
        typer.echo(f"[book] HTML in {html}")


def _notebook_parameters(items: list[str]) -> dict:
    """``["a=1", "b=text"]`` -> ``{"a": 1, "b": "text"}``; the book's own parameters are refused."""
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.isidentifier():
            _fail(f"--param needs NAME=VALUE, got {item!r}")
        if name in ("profile", "data_dir", "seed"):
            _fail(f"--param {name}: use the --{name.replace('_', '-')} option")
        try:
            out[name] = json.loads(value)
        except json.JSONDecodeError:
            out[name] = value
    return out


def main() -> None:  # console-script entry point
    app()


if __name__ == "__main__":
    sys.exit(main())
