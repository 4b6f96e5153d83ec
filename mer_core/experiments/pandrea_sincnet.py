"""Pandrea et al.'s end-to-end rows: SincNet within, across and mixed over corpora, and transfer chains.

The paper trains SincNet (:class:`mer_core.models.sincnet_classifier.SincNetClassifier`) on 16 kHz
raw audio of three sets: English (4Q), Mandarin (CH-818) and Turkish (TR-MUSIC). Here:

* **English is the real 4Q audio** (900 clips). CH-818 is not obtainable and TR-MUSIC's audio is
  not public, so the cross-dataset design runs on a **labelled simulation**: the three cultures
  of the synthetic corpus (:mod:`mer_core.datasets.synthetic`) stand in for the three languages
  (:data:`STAND_IN`: western for English, gamelan for Mandarin, maqam for Turkish). Every row
  says which corpus it trained and tested on; a synthetic figure is never put beside the
  paper's as a reproduction.
* **Protocol** (Pandrea's thesis): per corpus one 80/20 train/test split by song, stratified
  by quadrant (:func:`mer_core.evaluation.make_splits`, ``holdout80-0-20x1``, seeded); clips
  are cut into segments of about :data:`SEGMENT_S` seconds (a 30-s 4Q clip gives four, the
  table's S = 720 test segments of 180 test songs; an 8-s synthetic clip is one segment) and
  each test segment is classified from all its windows. Training draws random chunks from the
  training segments for a fixed number of epochs and the **last epoch's network is scored**
  (the authors report their final error; no epoch is chosen on the test part, and no
  validation part is taken from the small sets, as in the paper).
* **Configurations** (:func:`configurations`): *within* (train and test on one corpus),
  *cross* (train on one, test on another: described in the paper's text), *mixed* (train on
  the union of the three synthetic training parts, test on each), and *transfer chains*
  ``A -> B -> T``: a network trained on A is trained again on B, then on T, and tested on T
  (the authors load the whole pre-trained network and rerun the same schedule). The chains of
  the paper's Table 1 run in the simulation with the stand-ins, and twice more **ending on real
  4Q** (gamelan -> maqam -> 4Q and maqam -> gamelan -> 4Q): does pre-training on simulated
  music help on real music? A 500-ms-window variant (batch 32) runs on 4Q and on maqam.

Every trained network and every evaluation is kept in the run store
(:mod:`mer_core.runstore`, ``<cache>/runs/pandrea_sincnet``), keyed on the chain, the
window, the profile's training settings, the seeds, the clips of each corpus and the source of
the SincNet code, so an interrupted run resumes where it stopped and a chain reuses the
networks of its prefix. ``python -m mer_core.experiments.pandrea_sincnet --profile cpu``
fills the store in the background (the notebook then reads it).

Used by: notebooks/pandrea.ipynb.
"""
from __future__ import annotations

import argparse
import hashlib
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import runstore
from ..audio import load_clips
from ..config import cache_dir, check_profile
from ..errors import MerError, ParameterError
from ..evaluation import RECORD_COLUMNS, classification_metrics, make_splits
from ..provenance import code_version, created, machine

PAPER = "Pandrea et al."
SR = 16000
"""Sample rate of SincNet's input (the authors' 16 kHz)."""
SEGMENT_S = 7.5
"""Target segment length: a clip of ``d`` seconds is cut into ``max(1, round(d / 7.5))`` equal
segments (30 s -> 4, as the thesis' "four ~8-s segments"; 8 s -> 1)."""
SYNTHETIC = ("western", "gamelan", "maqam")
STAND_IN = {"4Q": "western", "CH": "gamelan", "TR": "maqam"}
"""The synthetic culture that plays each of the paper's sets in the simulation."""
MIXED = "ALL"
"""The corpus name of the union of the three synthetic training parts."""
TITLES = {"4q": "4Q (real audio)", "western": "synthetic western (as 4Q)", "gamelan": "synthetic gamelan (as CH)",
          "maqam": "synthetic maqam (as TR)", MIXED: "synthetic ALL (the three cultures)"}
STORE = "pandrea_sincnet"
CODE = ("models.sincnet", "models.sincnet_classifier", "models.torch_estimator")
"""Modules whose source is part of a trained network's run-store key."""

SMOKE_NET = {"n_filters": (16, 16, 16), "dense": (64, 64, 64)}
"""The smoke profile's reduced network (CI checks the wiring, not the model)."""


def _tl_chains(target: str) -> list[tuple[str, ...]]:
    """The paper's two chains for a target, with stand-ins: TL 1 and TL 2 of Table 1."""
    paper = {"western": (("gamelan", "maqam"), ("maqam", "gamelan")),     # CH-TR-4Q, TR-CH-4Q
             "gamelan": (("western", "maqam"), ("maqam", "western")),     # 4Q-TR-CH, TR-4Q-CH
             "maqam": (("western", "gamelan"), ("gamelan", "western"))}   # 4Q-CH-TR, CH-4Q-TR
    return [(*head, target) for head in paper[target]]


@dataclass(frozen=True)
class Run:
    """One network to train (its ``chain`` of corpora, last one trained last) and the corpora it is
    tested on."""

    chain: tuple[str, ...]
    window_ms: int
    tests: tuple[str, ...]


def _plan(tl_targets: tuple[str, ...], long_windows: tuple[str, ...]) -> tuple:
    """Runs in the order they are trained (most informative first, so a partial fill of the store
    has the within, cross and mixed rows before the chains)."""
    runs = [Run(("4q",), 200, ("4q",))]
    for culture in SYNTHETIC:
        others = tuple(c for c in SYNTHETIC if c != culture)
        runs.append(Run((culture,), 200, (culture, *others, "4q")))
    runs.append(Run((MIXED,), 200, SYNTHETIC))
    runs += [Run((corpus,), 500, (corpus,)) for corpus in long_windows if corpus == "4q"]
    runs += [Run(("gamelan", "maqam", "4q"), 200, ("4q",)), Run(("maqam", "gamelan", "4q"), 200, ("4q",))]
    for target in tl_targets:
        runs += [Run(chain, 200, (target,)) for chain in _tl_chains(target)]
    runs += [Run((corpus,), 500, (corpus,)) for corpus in long_windows if corpus != "4q"]
    return tuple(runs)


PROFILES = {
    "smoke": {"epochs": 2, "batches": {"4q": 2, "synthetic": 2}, "batch_size": {200: 16, 500: 8}, "shift_ms": 200,
              "net_params": SMOKE_NET, "model_seeds": 1, "clips_per_class": {"4q": 5, "synthetic": 5},
              "plan": _plan(("western",), ())},
    "cpu": {"epochs": 100, "batches": {"4q": 8, "synthetic": 3}, "batch_size": {200: 128, 500: 32}, "shift_ms": 100,
            "net_params": None, "model_seeds": 1, "clips_per_class": {"4q": None, "synthetic": None},
            "plan": _plan(("western",), ("4q", "maqam"))},
    "paper": {"epochs": 100, "batches": {"4q": 30, "synthetic": 15}, "batch_size": {200: 128, 500: 32},
              "shift_ms": 10, "net_params": None, "model_seeds": 3, "clips_per_class": {"4q": None, "synthetic": None},
              "plan": _plan(SYNTHETIC, ("4q", *SYNTHETIC))},
}
"""Settings per profile. ``paper``: the authors' schedule (100 epochs of 30 batches for 4Q and
15 for the others, 128 chunks of 200 ms or 32 of 500 ms, windows scored every 10 ms), the full
network, three network seeds on the one split, every chain of Table 1 in the simulation.
``cpu`` keeps the network, the epochs and the batch sizes but runs 8 batches per epoch on 4Q
(of 30) and 3 on the synthetic sets (of 15), scores windows every 100 ms (of 10; a 30-s clip
still gives about 300 windows), one network seed, and of the simulated transfer chains only
the two ending on western (the 4Q stand-in): about 20 minutes per 4Q network and 6 per
synthetic one on two cores (one batch of 128 x 200 ms costs about 2.4 s on one core).
``smoke`` is a wiring check for CI: a reduced network (:data:`SMOKE_NET`), two epochs of two
batches, 5 clips per quadrant of each corpus (the fewest a stratified 80/20 split takes)."""


def check_settings(profile: str, batches: dict | None = None) -> dict:
    """The settings of ``profile`` (:data:`PROFILES`), with ``batches`` (batches per epoch on
    ``"4q"`` and on ``"synthetic"``) in place of the profile's when given."""
    settings = PROFILES[check_profile(profile)]
    if batches is None:
        return settings
    if set(batches) != {"4q", "synthetic"} or not all(isinstance(n, int) and n > 0 for n in batches.values()):
        raise ParameterError(f"batches must give a positive count for '4q' and 'synthetic', got {batches}")
    return {**settings, "batches": dict(batches)}


# --------------------------------------------------------------------------- corpora
@dataclass
class Corpus:
    """One corpus' segments at :data:`SR`: the training and test segments of its one split."""

    name: str
    train: list = field(repr=False)
    train_labels: np.ndarray = field(repr=False)
    test: list = field(repr=False)
    test_labels: np.ndarray = field(repr=False)
    n_train_clips: int
    n_test_clips: int
    failed: int
    digest: str

    def summary(self) -> dict:
        return {"corpus": TITLES[self.name], "train clips": self.n_train_clips, "test clips": self.n_test_clips,
                "train segments": len(self.train), "test segments (S)": len(self.test),
                "failed clips": self.failed}


def segments(clip: np.ndarray, sr: int = SR) -> list[np.ndarray]:
    """``clip`` cut into ``max(1, round(duration / SEGMENT_S))`` equal consecutive segments (a
    remainder of fewer samples than segments is dropped)."""
    n = max(1, int(round(len(clip) / sr / SEGMENT_S)))
    size = len(clip) // n
    return [clip[k * size:(k + 1) * size] for k in range(n)]


def _cut(clips: list, labels: np.ndarray) -> tuple[list, np.ndarray]:
    parts = [segments(c) for c in clips]
    return [s for p in parts for s in p], np.repeat(labels, [len(p) for p in parts])


def load_corpora(tables: dict[str, pd.DataFrame], profile: str, seed: int = 0, *,
                 progress: bool = False) -> dict[str, Corpus]:
    """Decode, split and segment every corpus of the profile's plan that ``tables`` provides.

    Parameters
    ----------
    tables : dict
        ``{"4q": load_dataset("4q"), "synthetic": load_dataset("synthetic")}`` (either may be
        missing; its runs are then not run). The synthetic table is split into its cultures.
    profile : str
        See :data:`PROFILES` (``clips_per_class``: a seeded stratified subset for smoke).
    seed : int
        Seed of the subsets and of the 80/20 split (``seed * 1000``).

    Returns
    -------
    dict
        ``{name: Corpus}``; a clip that cannot be decoded is left out and counted (``failed``),
        and the loader prints how many.
    """
    from .features import subset

    settings = check_settings(profile)
    pieces = {}
    if "4q" in tables:
        pieces["4q"] = subset(tables["4q"], settings["clips_per_class"]["4q"], seed=seed)
    if "synthetic" in tables:
        synthetic = tables["synthetic"]
        for culture in SYNTHETIC:
            part = synthetic[synthetic["culture"] == culture].reset_index(drop=True)
            pieces[culture] = subset(part, settings["clips_per_class"]["synthetic"], seed=seed)
    out = {}
    for name, table in pieces.items():
        clips, failures = load_clips(table["path"], SR, cache=cache_dir() / "waveforms", show_progress=progress,
                                     desc=f"{name} audio")
        if failures:
            print(f"{name}: {len(failures)} of {len(table)} clips could not be decoded and are left out "
                  f"(first: {failures[0]})")
        keep = np.array([c is not None for c in clips])
        table = table[keep].reset_index(drop=True)
        clips = [c for c in clips if c is not None]
        labels = table["quadrant"].to_numpy()
        split = make_splits(labels, "holdout80-0-20x1", groups=table["group"].to_numpy(), seed=seed)[0]
        train, train_labels = _cut([clips[i] for i in split.train], labels[split.train])
        test, test_labels = _cut([clips[i] for i in split.test], labels[split.test])
        ids = {"train": table["track_id"].iloc[split.train].astype(str).tolist(),
               "test": table["track_id"].iloc[split.test].astype(str).tolist(), "labels": labels.tolist()}
        digest = hashlib.sha256(json.dumps(ids).encode()).hexdigest()[:16]
        out[name] = Corpus(name, train, train_labels, test, test_labels, len(split.train), len(split.test),
                           len(failures), digest)
    return out


def _training_set(corpora: dict[str, Corpus], name: str) -> tuple[list, np.ndarray, str]:
    """Training segments, labels and data digest of a corpus, or of the union of the synthetic ones."""
    if name == MIXED:
        parts = [corpora[c] for c in SYNTHETIC]
        return ([s for p in parts for s in p.train], np.concatenate([p.train_labels for p in parts]),
                "+".join(p.digest for p in parts))
    return corpora[name].train, corpora[name].train_labels, corpora[name].digest


def runnable(run: Run, corpora: dict[str, Corpus]) -> tuple[str, ...]:
    """The test corpora of ``run`` that are loaded, or ``()`` when a corpus it trains on is not."""
    trained = {c for c in run.chain if c != MIXED} | (set(SYNTHETIC) if MIXED in run.chain else set())
    return tuple(t for t in run.tests if t in corpora) if trained <= set(corpora) else ()


# --------------------------------------------------------------------------- training
def _classifier(settings: dict, window_ms: int, corpus: str, model_seed: int, progress: bool):
    from ..models.sincnet_classifier import SincNetClassifier

    return SincNetClassifier(sr=SR, window_ms=window_ms, shift_ms=settings["shift_ms"],
                             batch_size=settings["batch_size"][window_ms],
                             batches_per_epoch=settings["batches"]["4q" if corpus == "4q" else "synthetic"],
                             epochs=settings["epochs"], net_params=settings["net_params"], random_state=model_seed,
                             progress=progress)


def _stage_spec(chain: tuple[str, ...], window_ms: int, settings: dict, model_seed: int,
                corpora: dict[str, Corpus]) -> dict:
    keys = ("epochs", "batches", "batch_size", "net_params", "clips_per_class")
    return {"chain": list(chain), "window_ms": window_ms, "model_seed": model_seed,
            "settings": {k: settings[k] for k in keys},
            "data": [_training_set(corpora, c)[2] for c in chain]}


def train_chain(chain: tuple[str, ...], window_ms: int, corpora: dict[str, Corpus], profile: str,
                model_seed: int, *, store=None, progress: bool = False, batches: dict | None = None) -> dict:
    """The network trained along ``chain`` (from the store when it holds it).

    Returns ``{"model": SincNetClassifier, "seconds": training seconds of the last stage,
    "key": run-store key}``. Each prefix of the chain is trained (or loaded) first and starts
    the next stage (``fit(..., pretrained=)``). Stage ``i`` uses seed ``model_seed + 7919 i``.
    ``batches`` replaces the profile's batches per epoch (:func:`check_settings`).
    """
    import time

    settings = check_settings(profile, batches)
    key = runstore.run_key(_stage_spec(chain, window_ms, settings, model_seed, corpora), CODE)
    piece = runstore.load(store, key)
    if piece is not None:
        return piece
    start = None
    if len(chain) > 1:
        start = train_chain(chain[:-1], window_ms, corpora, profile, model_seed, store=store,
                            progress=progress, batches=batches)["model"]
    X, y, _ = _training_set(corpora, chain[-1])
    model = _classifier(settings, window_ms, chain[-1], model_seed + 7919 * (len(chain) - 1), progress)
    if progress:
        print(f"training SincNet {' -> '.join(chain)} ({window_ms} ms, {len(X)} training segments)", flush=True)
    t0 = time.perf_counter()
    model.fit(X, y, pretrained=start)
    piece = {"model": model, "seconds": time.perf_counter() - t0, "key": key, "machine": machine()}
    runstore.save(store, key, piece)
    return piece


def configuration(chain: tuple[str, ...], test: str) -> str:
    """``within``, ``cross``, ``mixed`` or ``transfer`` for a chain tested on ``test``."""
    if chain == (MIXED,):
        return "mixed"
    if len(chain) > 1:
        return "transfer"
    return "within" if chain[0] == test else "cross"


def evaluate(trained: dict, corpus: Corpus, *, store=None) -> dict:
    """Metrics of a trained network on ``corpus``' test segments (from the store when it holds them):
    :func:`mer_core.evaluation.classification_metrics` over the segments, each segment's label
    the quadrant of highest mean window posterior."""
    key = runstore.run_key({"model": trained["key"], "test": corpus.digest, "shift_ms": trained["model"].shift_ms},
                           ("evaluation", "models.sincnet_classifier"))
    piece = runstore.load(store, key)
    if piece is None:
        predicted = trained["model"].predict(corpus.test)
        piece = {"metrics": classification_metrics(corpus.test_labels, predicted, labels=np.unique(corpus.test_labels)),
                 "predicted": predicted, "code_version": code_version(), "machine": machine(), "created": created()}
        runstore.save(store, key, piece)
    return piece


RECORD_EXTRA = ["configuration", "train", "test", "window_ms", "train_seconds"]
"""Columns of a SincNet record besides :data:`mer_core.evaluation.RECORD_COLUMNS`."""


def run(corpora: dict[str, Corpus], profile: str, seed: int = 0, *, store=None, progress: bool = False,
        only_stored: bool = False, plan: tuple | None = None,
        batches: dict | None = None) -> tuple[pd.DataFrame, dict]:
    """Train and evaluate every run of the profile's plan whose corpora are loaded.

    Parameters
    ----------
    corpora : dict
        :func:`load_corpora`.
    profile, seed : str, int
        Network seeds are ``seed * 1000 + r`` for ``r < model_seeds``.
    store : path-like or None
        Run store (:func:`mer_core.runstore.store_dir` ``("pandrea_sincnet")`` by default in the
        notebook); None trains everything afresh and keeps nothing.
    only_stored : bool
        Take only what the store holds and list the rest as not trained (for reading a store
        that a background fill is still writing).
    plan : tuple of Run, optional
        The runs to train and evaluate instead of the profile's plan.
    batches : dict, optional
        Batches per epoch on ``"4q"`` and ``"synthetic"`` instead of the profile's (:func:`check_settings`).

    Returns
    -------
    records : DataFrame
        :data:`mer_core.evaluation.RECORD_COLUMNS` plus :data:`RECORD_EXTRA`, one row per
        network, test corpus and metric; ``dataset`` is ``4q`` or ``synthetic``, ``fold`` the
        network seed's index, ``n_test`` the test segments (S), ``n_train`` the training clips of
        the chain's last corpus.
    models : dict
        ``{(chain, window_ms, r): SincNetClassifier}`` of the networks trained or loaded.
    """
    settings = check_settings(profile, batches)
    rows, models, missing = [], {}, []
    for planned in settings["plan"] if plan is None else plan:
        tests = runnable(planned, corpora)
        if not tests:
            continue
        for r in range(settings["model_seeds"]):
            model_seed = seed * 1000 + r
            if only_stored:
                key = runstore.run_key(_stage_spec(planned.chain, planned.window_ms, settings, model_seed, corpora),
                                       CODE)
                if runstore.load(store, key) is None:
                    missing.append(planned)
                    continue
            trained = train_chain(planned.chain, planned.window_ms, corpora, profile, model_seed, store=store,
                                  progress=progress, batches=batches)
            models[(planned.chain, planned.window_ms, r)] = trained["model"]
            last = planned.chain[-1]
            n_train = (sum(corpora[c].n_train_clips for c in SYNTHETIC) if last == MIXED
                       else corpora[last].n_train_clips)
            for test in tests:
                scored = evaluate(trained, corpora[test], store=store)
                meta = {"paper": PAPER, "method": "sincnet", "features": f"raw waveform, {planned.window_ms} ms windows",
                        "dataset": "4q" if test == "4q" else "synthetic", "protocol": "holdout80-0-20x1, by song, segments",
                        "profile": profile, "fold": r, "n_train": n_train, "n_test": len(corpora[test].test),
                        "code_version": scored["code_version"], "machine": scored["machine"],
                        "created": scored["created"], "configuration": configuration(planned.chain, test),
                        "train": " -> ".join(planned.chain), "test": test, "window_ms": planned.window_ms,
                        "train_seconds": round(trained["seconds"], 1)}
                rows += [{**meta, "metric": k, "value": v} for k, v in scored["metrics"].items()]
    records = pd.DataFrame(rows, columns=RECORD_COLUMNS + RECORD_EXTRA)
    records.attrs["not_trained"] = missing
    return records, models


SCHEDULE_CHECK = (Run(("maqam",), 500, ("maqam",)), Run(("maqam",), 200, ("maqam",)))
"""The window follow-up run again under the paper's batches per epoch: the synthetic maqam culture
(TR-MUSIC's stand-in, the paper's +8 points) within itself at 500 and 200 ms (500 first: it is
the network in question, and the cheaper one)."""


def schedule_check(corpora: dict[str, Corpus], profile: str, seed: int = 0, *, store=None,
                   progress: bool = False, only_stored: bool = False) -> pd.DataFrame:
    """SincNet's 200- and 500-ms networks on maqam under the profile's and the paper's batches per epoch.

    A batch holds 128 chunks of 200 ms but 32 of 500 ms, so with the same batches per epoch the
    500-ms network sees a quarter of the chunks. The paper's 500-ms run kept its 15 batches per
    epoch; a profile that cuts them (``cpu``: 3) may leave the 500-ms network undertrained. This
    check trains both windows under both schedules (:data:`SCHEDULE_CHECK`, one split, the
    profile's other settings) to measure it.

    Returns
    -------
    pandas.DataFrame
        :func:`run`'s records plus ``batches_per_epoch`` and ``chunks_seen`` (epochs x batches x
        batch size: the training chunks a network saw); empty without the synthetic corpus.

    Used by: notebooks/pandrea.ipynb (the follow-ups), ``python -m mer_core.experiments.pandrea_sincnet
    --schedule-check``.
    """
    settings = check_settings(profile)
    schedules = [settings["batches"]]
    if PROFILES["paper"]["batches"] != settings["batches"]:
        schedules.append(PROFILES["paper"]["batches"])
    parts = []
    for batches in schedules:
        records, _ = run(corpora, profile, seed, store=store, progress=progress, only_stored=only_stored,
                         plan=SCHEDULE_CHECK, batches=batches)
        per_epoch = batches["synthetic"]
        chunks = records["window_ms"].map(lambda w: settings["epochs"] * per_epoch * settings["batch_size"][w])
        parts.append(records.assign(batches_per_epoch=per_epoch, chunks_seen=chunks))
    return pd.concat(parts, ignore_index=True)


def schedule_table(check: pd.DataFrame) -> pd.DataFrame:
    """:func:`schedule_check`'s records as a table: one row per schedule and window with the chunks
    seen, F, training seconds and, on the 500-ms rows, F minus the same schedule's 200-ms F.

    Used by: notebooks/pandrea.ipynb (the follow-ups).
    """
    if not len(check):
        return pd.DataFrame()
    f1 = check[check["metric"] == "f1_macro"]
    table = f1.groupby(["batches_per_epoch", "window_ms"]).agg(
        chunks_seen=("chunks_seen", "first"), F=("value", "mean"), train_seconds=("train_seconds", "first"),
        networks=("value", "size"), machine=("machine", "first"))
    short = table["F"].xs(200, level="window_ms")
    table["F - 200 ms (points)"] = [round(100 * (f - short.get(b, np.nan)), 1) if w == 500 else np.nan
                                    for (b, w), f in table["F"].items()]
    table["F"] = table["F"].round(3)
    return table


# --------------------------------------------------------------------------- tables
def band_table(model) -> pd.DataFrame:
    """The sinc filters of a trained network before and after training, sorted by initial centre:
    ``filter, low_0, high_0, low, high`` (Hz), ``centre_shift`` (Hz) and ``width_ratio``
    (learned bandwidth over initial)."""
    initial, learned = model.initial_band_edges_, model.band_edges_
    order = np.argsort(initial.mean(axis=1))
    table = pd.DataFrame({"filter": order, "low_0": initial[order, 0], "high_0": initial[order, 1],
                          "low": learned[order, 0], "high": learned[order, 1]})
    table["centre_shift"] = (table["low"] + table["high"] - table["low_0"] - table["high_0"]) / 2
    table["width_ratio"] = (table["high"] - table["low"]) / (table["high_0"] - table["low_0"])
    return table


def band_summary(table: pd.DataFrame, edges=(0, 500, 1000, 2000, 4000, 8000)) -> pd.DataFrame:
    """Per band of initial centre frequency: filters, median centre shift (Hz and % of the centre)
    and median width ratio: where the learned filters moved."""
    centre = (table["low_0"] + table["high_0"]) / 2
    bands = pd.cut(centre, list(edges), right=False,
                   labels=[f"{a}-{b} Hz" for a, b in zip(edges[:-1], edges[1:])])
    g = table.assign(band=bands, shift_pct=100 * table["centre_shift"] / centre).groupby("band", observed=True)
    return pd.DataFrame({"filters": g.size(), "median centre shift (Hz)": g["centre_shift"].median().round(1),
                         "median centre shift (%)": g["shift_pct"].median().round(1),
                         "median width ratio": g["width_ratio"].median().round(2)})


def _main() -> None:
    parser = argparse.ArgumentParser(description="Fill the run store of Pandrea et al.'s SincNet rows "
                                                 "(the notebook reads it); resumable.")
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--schedule-check", action="store_true",
                        help="train the maqam 200/500-ms networks under the paper's batches per epoch too")
    args = parser.parse_args()
    from ..datasets import load_dataset

    print(f"code version {code_version()}", flush=True)
    tables = {}
    for name in ("4q", "synthetic"):
        try:
            tables[name] = load_dataset(name, args.data_dir)
        except MerError as error:  # a missing corpus only removes its runs
            print(f"{name}: not loaded ({error})")
    corpora = load_corpora(tables, args.profile, args.seed, progress=True)
    records, _ = run(corpora, args.profile, args.seed, store=runstore.store_dir(STORE), progress=True)
    f1 = records[records["metric"] == "f1_macro"]
    print(f1[["configuration", "train", "test", "window_ms", "value", "train_seconds"]].to_string(index=False))
    if args.schedule_check:
        check = schedule_check(corpora, args.profile, args.seed, store=runstore.store_dir(STORE), progress=True)
        f1 = check[check["metric"] == "f1_macro"]
        print(f1[["window_ms", "batches_per_epoch", "chunks_seen", "value", "train_seconds"]].to_string(index=False))


if __name__ == "__main__":
    _main()
