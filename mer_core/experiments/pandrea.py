"""Pandrea, Gómez-Cañón & Herrera, "Cross-Dataset Music Emotion Recognition: an End-to-End Approach" (ISMIR LBD 2020).

Four-quadrant classification (Russell) of music with lyrics in three languages: English (4Q, 900
clips), Mandarin (CH-818) and Turkish (TR-MUSIC, 400 excerpts). A baseline MLP (one hidden layer of
100 units) on IS13 ComParE features, chosen among a zoo of scikit-learn classifiers, against SincNet
(a CNN on the raw waveform whose first layer is a bank of learnable sinc band-pass filters), within,
cross and mixed dataset, and for SincNet transfer chains (pre-train on two sets, fine-tune on the
third). Their Table 1 (:data:`TABLE1`) reports accuracy, macro precision, recall and F-score.

Here, in this edition:

* **4Q baseline** (:func:`fourq_baseline`): the MLP(100) and the whole zoo on IS13 ComParE and on
  Essentia's low-level descriptors extracted from the real 4Q audio, and on the best 50 of both
  sets selected inside each training part (the paper's follow-up; :func:`best_k_pipeline`).
* **TR-MUSIC baseline** (:func:`turkish_baseline`): the MLP(100) and the whole zoo
  (:data:`mer_core.models.zoo.ZOO`) on the **50 MIRtoolbox features** published with TR-MUSIC (its
  audio is not public, so IS13 ComParE cannot be extracted: a different feature set from the
  paper's, and no difference is computed against the paper's IS13 figure).
* Both baselines: scaling (and selection) inside each training part (pipelines); an 80/20
  train/test split, the split of Pandrea's thesis (the extended abstract states none; its S = 320
  of TR-MUSIC's 400 excerpts fits it), grouped (4Q: by song; TR-MUSIC publishes no song ids, so
  each excerpt is its own group and the 12 exact copies share their original's group), stratified
  by class and repeated with seeds for intervals (:data:`PROFILES`).
* **SincNet** rows come from :mod:`mer_core.experiments.pandrea_sincnet` (real 4Q, and the
  cross-dataset design in a labelled simulation); :func:`sincnet_table` sets them beside the
  paper's rows they stand for.
* **Not run, with the reason** (:func:`row_status`): every row needing CH-818 (not obtainable here)
  or TR-MUSIC's audio (not public: SincNet on Turkish, IS13 features on Turkish, the real transfer
  chains and the mixed set).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.feature_selection import SelectKBest, VarianceThreshold, f_classif
from sklearn.pipeline import Pipeline

from ..config import check_profile
from ..evaluation import CVResult, cross_validate, make_splits, summarize
from ..models.zoo import ZOO, make_classifier

PAPER = "Pandrea et al."

METRICS = ("accuracy", "precision_macro", "recall_macro", "f1_macro")
"""Table 1's A, P, R, F: accuracy and macro precision, recall and F-score (every record carries them)."""
LETTERS = dict(zip("APRF", METRICS))

FEATURES_TR = "MIRtoolbox 50 (TR-MUSIC file)"
"""The ``features`` of the TR-MUSIC baseline records: the 50 features published with the dataset."""
AUDIO_FEATURES = {"is13_compare": "IS13 ComParE", "essentia_lowlevel": "Essentia low-level",
                  "best50": "best 50 of IS13 ComParE + Essentia"}
"""The feature sets of the 4Q baseline (``features`` of its records): the two sets the paper
compared and its follow-up's best 50 of both, selected inside each training part."""
BEST_K = 50
PAPER_FEATURES = {"MLP": "IS13 ComParE", "SincNet": "raw waveform, 200 ms windows"}
"""The input of each of the paper's two models in Table 1."""
MODEL_METHOD = {"MLP": "mlp", "SincNet": "sincnet"}
"""The record ``method`` that stands for each Table 1 model."""
DATASET_OF = {"4Q": "4q", "CH": "ch818", "TR": "turkish"}
"""The book's dataset name of each set of the paper (CH-818 is not obtainable here)."""

CLASSIFIER_NAMES = {"knn": "k-nearest neighbours (k=5)", "linear_svm": "SVM, linear kernel",
                    "rbf_svm": "SVM, RBF kernel", "gaussian_process": "Gaussian process",
                    "mlp": "MLP, 100 hidden units", "naive_bayes": "Gaussian naive Bayes",
                    "random_forest": "random forest (500 trees)"}
"""The zoo as the paper lists it (:mod:`mer_core.models.zoo` gives every setting)."""


@dataclass(frozen=True)
class PaperRow:
    """One row of Table 1 as printed: configuration, train / test chain, S, and A/P/R/F per model
    (None where the paper prints "-")."""

    configuration: str
    chain: str
    samples: int
    mlp: tuple[float, float, float, float] | None
    sincnet: tuple[float, float, float, float]
    mark: str = ""

    @property
    def train(self) -> tuple[str, ...]:
        """The sets the model is trained on, in order (``ALL`` is the three)."""
        head = self.chain.split(" / ")[0]
        return ("4Q", "CH", "TR") if head == "ALL" else tuple(head.split("-"))

    @property
    def test(self) -> str:
        return self.chain.split(" / ")[1]

    @property
    def kind(self) -> str:
        """``within``, ``transfer`` or ``mixed``."""
        return "within" if self.configuration.startswith("Within") else (
            "transfer" if self.configuration.startswith("TL") else "mixed")

    def figures(self, model: str) -> dict[str, float] | None:
        values = self.mlp if model == "MLP" else self.sincnet
        return None if values is None else dict(zip("APRF", values))


TABLE1 = (
    PaperRow("Within dataset (English)", "4Q / 4Q", 720, (0.63, 0.65, 0.63, 0.63), (0.57, 0.59, 0.57, 0.52), "*"),
    PaperRow("TL 1 - finetune 4Q", "CH-TR-4Q / 4Q", 720, None, (0.56, 0.57, 0.56, 0.51)),
    PaperRow("TL 2 - finetune 4Q", "TR-CH-4Q / 4Q", 720, None, (0.60, 0.61, 0.60, 0.57), "**"),
    PaperRow("Mixed dataset", "ALL / 4Q", 720, (0.57, 0.60, 0.57, 0.56), (0.57, 0.58, 0.57, 0.56)),
    PaperRow("Within dataset (Chinese)", "CH / CH", 288, (0.30, 0.23, 0.30, 0.23), (0.27, 0.11, 0.27, 0.16), "*"),
    PaperRow("TL 1 - finetune CH", "4Q-TR-CH / CH", 288, None, (0.24, 0.10, 0.24, 0.12)),
    PaperRow("TL 2 - finetune CH", "TR-4Q-CH / CH", 288, None, (0.26, 0.28, 0.26, 0.17)),
    PaperRow("Mixed dataset", "ALL / CH", 288, (0.23, 0.22, 0.23, 0.22), (0.23, 0.26, 0.23, 0.21), "**"),
    PaperRow("Within dataset (Turkish)", "TR / TR", 320, (0.71, 0.74, 0.71, 0.71), (0.63, 0.68, 0.63, 0.58)),
    PaperRow("TL 1 - finetune TR", "4Q-CH-TR / TR", 320, None, (0.75, 0.75, 0.75, 0.75)),
    PaperRow("TL 2 - finetune TR", "CH-4Q-TR / TR", 320, None, (0.71, 0.72, 0.71, 0.71), "***"),
    PaperRow("Mixed dataset", "ALL / TR", 320, (0.64, 0.67, 0.64, 0.64), (0.51, 0.61, 0.51, 0.50)),
)
"""The paper's Table 1, every row as printed (copied). S: "samples" (the caption's word). Marks as
printed: * best overall results for each language, ** best SincNet results; *** is not defined in
the caption. The cross-dataset evaluations (train on one set, test on another) are described in
the text ("worse than within-dataset with both MLP and SincNet") but have no row in Table 1."""

FOLLOW_UPS = (
    {"follow-up": "Best 50 features of IS13 ComParE + Essentia (more of them from Essentia), MLP baseline",
     "stated gain": "F-score +1 point (English), +5 points (Turkish) over IS13 ComParE",
     "gain F points": {"4Q": 1, "TR": 5}, "here": "4Q: run (the MLP and the zoo on the best 50, selected by "
     "ANOVA F inside each training part); TR: not run (its audio is not public; its table has only 50 "
     "MIRtoolbox features)"},
    {"follow-up": "Transfer learning with English and Turkish only (SincNet)",
     "stated gain": "differences small; scores improve when the Chinese set is an intermediary tuning set",
     "gain F points": {}, "here": "not run on real data: TR-MUSIC audio is not public and CH-818 is not "
     "obtainable; the simulated chains (synthetic cultures) and the chains ending on real 4Q are in the "
     "SincNet table"},
    {"follow-up": "SincNet on 500 ms windows instead of 200 ms, batch size 32",
     "stated gain": "F-score +4 points (English), +8 points (Turkish); configuration not stated",
     "gain F points": {"4Q": 4, "TR": 8}, "here": "4Q: run (real audio; batch 32); TR: on the synthetic "
     "maqam culture only (TR-MUSIC audio is not public)"},
)
"""The three follow-up set-ups of the paper's Results and their stated gains (copied; the paper
gives no per-metric table for them)."""

PROFILES = {
    "smoke": {"cv": "holdout80-0-20x1", "classifiers": ZOO, "clips_per_class": 5},
    "cpu": {"cv": "holdout80-0-20x10", "classifiers": ZOO, "clips_per_class": None},
    "paper": {"cv": "holdout80-0-20x20", "classifiers": ZOO, "clips_per_class": None},
}
"""Per profile: the protocol (80/20 train/test, no validation part, grouped and stratified, repeated
with seeds ``seed*1000 + r``: 1, 10 or 20 repetitions), the classifiers (the whole zoo) and the 4Q
clips per quadrant (smoke: 5, for CI; else all 900). The paper reports one split; the repetitions
give the spread of ours. The cpu profile runs the full protocol in minutes once the 4Q features
are cached (extracting IS13 ComParE and Essentia from the 900 clips takes about 25 minutes on two
cores, :mod:`mer_core.features`)."""

REASONS = {
    "CH": "CH-818 is not obtainable here",
    "TR audio": "TR-MUSIC's audio is not public (only its 50 MIRtoolbox features are)",
}
"""Why a Table 1 row has no figure of ours (:func:`row_status`)."""


def row_status(row: PaperRow, model: str) -> str:
    """Why ``model``'s figure of a Table 1 row cannot be computed here, or ``""`` when it can.

    A row needing CH-818 cannot run; one needing TR-MUSIC's audio (SincNet, IS13 ComParE, every
    chain and mix with TR) cannot run (both: ``"not reproducible: ..."``); the Turkish
    within-dataset MLP row runs on the MIRtoolbox features instead (``""``: it has records, with
    another feature set); the 4Q-only rows run on the real 4Q audio.

    Used by: :func:`paper_table`.
    """
    sets = set(row.train) | {row.test}
    reasons = []
    if "CH" in sets:
        reasons.append(REASONS["CH"])
    if "TR" in sets and not (model == "MLP" and row.kind == "within"):
        reasons.append(REASONS["TR audio"])
    if reasons:
        return "not reproducible: " + "; ".join(reasons)
    return ""


def table1() -> pd.DataFrame:
    """The paper's Table 1 as a table: one row per configuration, S, and A/P/R/F per model ("-" as printed).

    Used by: notebooks/pandrea.ipynb.
    """
    rows = []
    for r in TABLE1:
        row = {"configuration": r.configuration, "train / test": r.chain + (f" {r.mark}" if r.mark else ""),
               "S": r.samples}
        for model in ("MLP", "SincNet"):
            figures = r.figures(model)
            row.update({f"{model} {k}": (figures[k] if figures else "-") for k in "APRF"})
        rows.append(row)
    return pd.DataFrame(rows)


def turkish_baseline(table: pd.DataFrame, profile: str, seed: int = 0, *, n_jobs: int = 1,
                     progress: bool = False) -> CVResult:
    """The MLP(100) baseline and the rest of the zoo on TR-MUSIC's features, on the same splits.

    Parameters
    ----------
    table : DataFrame
        :func:`mer_core.datasets.turkish.load` (``load_dataset("turkish")``): ``quadrant`` (the
        label; one per class), ``group`` (copies of an excerpt share one) and the feature columns
        (:func:`mer_core.datasets.turkish.feature_columns`).
    profile : str
        See :data:`PROFILES` (protocol and classifiers).
    seed : int
        Seed of the splits (``seed*1000 + r``) and of every classifier.
    n_jobs : int
        Splits run in parallel processes.

    Returns
    -------
    CVResult
        Records of every classifier (``method`` = its zoo name; ``accuracy``, ``precision_macro``,
        ``recall_macro``, ``f1_macro`` and per-quadrant ``f1_Q1``.. per split), predictions with
        a ``method`` column. Every classifier sees the same splits.

    Used by: notebooks/pandrea.ipynb.
    """
    from ..datasets.turkish import feature_columns

    settings = PROFILES[check_profile(profile)]
    X = table[feature_columns(table)].to_numpy(dtype=float)
    y, groups = table["quadrant"].to_numpy(), table["group"].to_numpy()
    records, predictions = [], []
    for name in settings["classifiers"]:
        res = cross_validate(make_classifier(name, random_state=seed), X, y, groups=groups, cv=settings["cv"],
                             seed=seed, n_jobs=n_jobs, progress=progress, paper=PAPER, method=name,
                             features=FEATURES_TR, dataset="turkish", profile=profile)
        records.append(res.records)
        predictions.append(res.predictions.assign(method=name))
    return CVResult(pd.concat(records, ignore_index=True), pd.concat(predictions, ignore_index=True))


def best_k_pipeline(name: str, random_state: int = 0, k: int = BEST_K):
    """``drop constant features -> best k by ANOVA F -> StandardScaler -> classifier``: the selection
    is learned on the training part only (the paper does not name its selection method; the F
    test is the simplest univariate one, and scale-invariant, so selecting before scaling is
    selecting after)."""
    return Pipeline([("variance", VarianceThreshold()), ("select", SelectKBest(f_classif, k=k)),
                     ("model", make_classifier(name, random_state=random_state))])


def aligned_features(sets: dict) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    """The feature arrays of ``sets`` (name -> FeatureSet) restricted to the clips every set
    extracted, in one order, with those clips' Tracks rows.

    Used by: :func:`fourq_baseline`, :func:`mer_core.experiments.du.hizlisoy_4q_inputs`.
    """
    common = None
    for fs in sets.values():
        ids = set(fs.tracks["track_id"])
        common = ids if common is None else common & ids
    first = next(iter(sets.values())).tracks
    tracks = first[first["track_id"].isin(common)].reset_index(drop=True)
    out = {}
    for name, fs in sets.items():
        row = {t: i for i, t in enumerate(fs.tracks["track_id"])}
        out[name] = np.asarray(fs.X, dtype=float)[[row[t] for t in tracks["track_id"]]]
    return out, tracks


def fourq_baseline(sets: dict, profile: str, seed: int = 0, *, n_jobs: int = 1,
                   progress: bool = False) -> tuple[CVResult, pd.DataFrame]:
    """The MLP(100) and the zoo on 4Q: IS13 ComParE, Essentia low-level and the best 50 of both.

    Parameters
    ----------
    sets : dict
        ``{"is13_compare": FeatureSet, "essentia_lowlevel": FeatureSet}`` of the 4Q clips
        (:func:`mer_core.features.extract`); clips missing from either set are left out of all
        three (the notebook prints the counts).
    profile, seed, n_jobs : see :func:`turkish_baseline`.

    Returns
    -------
    result : CVResult
        Records (``features`` = :data:`AUDIO_FEATURES` values, ``dataset`` = ``4q``) and predictions
        of every classifier on every set, the same splits for all.
    origin : DataFrame
        Per split, how many of the best 50 come from each set (the paper: "more of them from
        Essentia"), from a selector fitted on that split's training part.

    Used by: notebooks/pandrea.ipynb.
    """
    settings = PROFILES[check_profile(profile)]
    X, tracks = aligned_features(sets)
    X["best50"] = np.hstack([X["is13_compare"], X["essentia_lowlevel"]])
    y, groups = tracks["quadrant"].to_numpy(), tracks["group"].to_numpy()
    records, predictions = [], []
    for key, title in AUDIO_FEATURES.items():
        for name in settings["classifiers"]:
            model = (best_k_pipeline(name, seed) if key == "best50" else make_classifier(name, random_state=seed))
            res = cross_validate(model, X[key], y, groups=groups, cv=settings["cv"], seed=seed, n_jobs=n_jobs,
                                 progress=progress, paper=PAPER, method=name, features=title, dataset="4q",
                                 profile=profile)
            records.append(res.records)
            predictions.append(res.predictions.assign(method=name, features=title))
    n_is13 = X["is13_compare"].shape[1]
    origin = []
    for split in make_splits(y, settings["cv"], groups=groups, seed=seed):
        pipe = best_k_pipeline("mlp", seed)[:2].fit(X["best50"][split.train], y[split.train])
        kept = np.flatnonzero(pipe[0].get_support())[pipe[1].get_support()]
        origin.append({"split": split.fold, "IS13 ComParE": int((kept < n_is13).sum()),
                       "Essentia low-level": int((kept >= n_is13).sum())})
    return (CVResult(pd.concat(records, ignore_index=True), pd.concat(predictions, ignore_index=True)),
            pd.DataFrame(origin))


def _ours(part: pd.DataFrame) -> dict:
    """Mean ± std of A/P/R/F for one summary group (rows: the four metrics)."""
    by = part.set_index("metric")
    out = {}
    for letter, metric in LETTERS.items():
        if metric in by.index:
            r = by.loc[metric]
            out[f"ours {letter}"] = f"{r['mean']:.3f}" + (f" ± {r['std']:.3f}" if r["n"] > 1 else "")
    first = by.iloc[0]
    out.update({"our features": first["features"], "folds": int(first["n"]), "n_test": first.get("n_test"),
                "profile": first["profile"], "protocol": first["protocol"], "source": first.get("source", "")})
    return out


def paper_table(records: pd.DataFrame) -> pd.DataFrame:
    """Table 1 beside ours: one row per configuration and model the paper reports (the MLP's "-"
    rows left out), the paper's A/P/R/F and input, ours where records exist, and why the others
    have none.

    A difference (F, points) is computed only like for like: our records on the same dataset,
    model and feature set as the paper's row. The Turkish within-dataset MLP row stands beside
    ours on TR-MUSIC's MIRtoolbox features, a different feature set from the paper's IS13
    ComParE: ``comparison`` says so and the difference stays empty.

    ``records`` are tidy records (with ``source`` when published records are mixed in); several
    runs of one row (profiles, protocols, sources) give one row each.

    Used by: notebooks/pandrea.ipynb.
    """
    if records is not None and "configuration" in records.columns:
        # SincNet records: only the within-corpus 200-ms networks are Table 1's within rows
        other = records["configuration"].notna() & ((records["configuration"] != "within")
                                                    | (records["window_ms"] != 200))
        records = records[~other]
    have = records[records["metric"].isin(METRICS)] if records is not None and len(records) else None
    summary = summarize(have) if have is not None and len(have) else None
    rows = []
    for r in TABLE1:
        for model in ("MLP", "SincNet"):
            paper = r.figures(model)
            if paper is None:
                continue
            base = {"configuration": r.configuration, "train / test": r.chain, "model": model, "S": r.samples,
                    **{f"paper {k}": v for k, v in paper.items()}, "paper features": PAPER_FEATURES[model]}
            reason = row_status(r, model)
            parts = []
            if not reason.startswith("not reproducible") and summary is not None and r.kind == "within":
                mine = summary[(summary["dataset"] == DATASET_OF[r.test]) & (summary["method"] == MODEL_METHOD[model])]
                keys = [c for c in ("features", "profile", "protocol", "source") if c in mine.columns]
                parts = [part for _, part in mine.groupby(keys, sort=False)] if len(mine) else []
            if not parts:
                rows.append({**base, "status": reason or "not run: no records", "comparison": "",
                             "difference F (points)": None})
                continue
            for part in parts:
                ours = _ours(part)
                like = ours["our features"] == PAPER_FEATURES[model]
                f1 = part.loc[part["metric"] == "f1_macro", "mean"]
                difference = round(100 * (float(f1.iloc[0]) - paper["F"]), 1) if like and len(f1) else None
                comparison = "like for like" if like else (
                    f"different feature set ({ours['our features']}, not {PAPER_FEATURES[model]}): "
                    "no difference computed")
                rows.append({**base, **ours, "status": "ran", "comparison": comparison,
                             "difference F (points)": difference})
    columns = ["configuration", "train / test", "model", "S", "paper A", "paper P", "paper R", "paper F",
               "paper features", "ours A", "ours P", "ours R", "ours F", "our features", "folds", "n_test",
               "profile", "protocol", "source", "comparison", "difference F (points)", "status"]
    out = pd.DataFrame(rows).reindex(columns=columns)
    text = [c for c in columns if c.startswith("ours") or c in ("our features", "profile", "protocol", "source",
                                                                   "comparison", "status")]
    out[text] = out[text].astype(object).fillna("")
    out["folds"] = out["folds"].astype("Int64")
    out["n_test"] = pd.to_numeric(out["n_test"]).round(1)
    out["difference F (points)"] = pd.to_numeric(out["difference F (points)"]).astype(float)
    return out


PAPER_SET_OF_CORPUS = {"4q": "4Q", "western": "4Q", "gamelan": "CH", "maqam": "TR", "ALL": "ALL"}
"""The paper's set each SincNet corpus plays (:data:`mer_core.experiments.pandrea_sincnet.STAND_IN`)."""


def paper_row_of(train: str, test: str) -> PaperRow | None:
    """The Table 1 row that a SincNet run (``train`` chain as ``"a -> b"``, ``test`` corpus) stands
    for, or None (the cross-dataset runs have no row in Table 1)."""
    corpora = train.split(" -> ")
    if corpora == [corpora[0]] and corpora[0] not in (test, "ALL"):
        return None  # cross-corpus: no row
    chain = [PAPER_SET_OF_CORPUS[c] for c in corpora]
    key = ("ALL" if chain == ["ALL"] else "-".join(chain)) + " / " + PAPER_SET_OF_CORPUS[test]
    return next((r for r in TABLE1 if r.chain == key), None)


def _data_kind(train: str, test: str) -> str:
    corpora = train.split(" -> ") + [test]
    real = [c == "4q" for c in corpora]
    if all(real):
        return "real (4Q)"
    if not any(real):
        return "simulation (synthetic cultures)"
    return "synthetic training, real 4Q " + ("fine-tuning and test" if train.endswith("4q") else "test")


def sincnet_table(records: pd.DataFrame) -> pd.DataFrame:
    """SincNet's runs beside the paper's rows they stand for.

    One row per source, profile, chain, test corpus and window: our A/P/R/F (mean, ± std over
    network seeds when there are several), S (test segments), the training clips and minutes of
    the chain's last stage, what data it is (``data``), the paper's row it plays
    (:func:`paper_row_of`, with the stand-ins of
    :data:`mer_core.experiments.pandrea_sincnet.STAND_IN`) and its F, and ``F - within
    (points)``: the run's F minus the within-corpus 200-ms network's F on the same test corpus
    (the paper's comparisons: transfer, mixed and cross against within; 500 ms against 200 ms).
    A difference to the paper's F is computed only for the real within-4Q row.

    Used by: notebooks/pandrea.ipynb.
    """
    data = records[records["metric"].isin(METRICS)]
    if not len(data):
        return pd.DataFrame()
    keys = [c for c in ("source", "profile", "configuration", "train", "test", "window_ms") if c in data.columns]
    means = data.groupby(keys + ["metric"], sort=False)["value"].agg(["mean", "std", "count"]).reset_index()
    runs = data.groupby(keys, sort=False).agg(S=("n_test", "first"), n_train=("n_train", "first"),
                                              minutes=("train_seconds", lambda v: round(v.mean() / 60, 1)))
    within_f = {}
    for key, row in means[means["metric"] == "f1_macro"].set_index(keys).iterrows():
        k = dict(zip(keys, key))
        if k["configuration"] == "within" and k["window_ms"] == 200:
            within_f[(k.get("source"), k["profile"], k["test"])] = row["mean"]
    rows = []
    for key, part in means.groupby(keys, sort=False):
        k = dict(zip(keys, key))
        by = part.set_index("metric")
        row = {**k, "data": _data_kind(k["train"], k["test"])}
        for letter, metric in LETTERS.items():
            m = by.loc[metric]
            row[f"ours {letter}"] = f"{m['mean']:.3f}" + (f" ± {m['std']:.3f}" if m["count"] > 1 else "")
        row.update(runs.loc[key].to_dict())
        paper = paper_row_of(k["train"], k["test"]) if k["window_ms"] == 200 else None
        row["stands for (paper)"] = f"{paper.configuration}: {paper.chain}" if paper else ""
        row["paper F"] = paper.sincnet[3] if paper else None
        f1 = float(by.loc["f1_macro", "mean"])
        base = within_f.get((k.get("source"), k["profile"], k["test"]))
        is_base = k["configuration"] == "within" and k["window_ms"] == 200
        row["F - within (points)"] = None if base is None or is_base else round(100 * (f1 - base), 1)
        like = k["train"] == "4q" and k["test"] == "4q" and k["window_ms"] == 200
        row["difference F (points)"] = round(100 * (f1 - paper.sincnet[3]), 1) if like and paper else None
        rows.append(row)
    return pd.DataFrame(rows)


def zoo_table(records: pd.DataFrame) -> pd.DataFrame:
    """Which classifier of the zoo wins: per dataset, source, profile and protocol, each classifier's
    A/P/R/F (mean ± std over splits), its rank by mean macro F1, and its paired difference in macro F1
    from the MLP on the same splits (points, mean ± std; the MLP is the paper's choice).

    Used by: notebooks/pandrea.ipynb.
    """
    data = records[records["metric"].isin(METRICS) & records["method"].isin(ZOO)]
    if not len(data):
        return pd.DataFrame()
    keys = [c for c in ("dataset", "source", "profile", "protocol", "features") if c in data.columns]
    rows = []
    for key, part in data.groupby(keys, sort=False):
        summary = summarize(part)
        f1 = part[part["metric"] == "f1_macro"].pivot_table(index="fold", columns="method", values="value")
        means = f1.mean().sort_values(ascending=False)
        for method in means.index:
            row = dict(zip(keys, key))
            row.update({"classifier": method, "name": CLASSIFIER_NAMES.get(method, method),
                        "rank (F)": int(list(means.index).index(method) + 1)})
            s = summary[summary["method"] == method].set_index("metric")
            for letter, metric in LETTERS.items():
                row[letter] = f"{s.loc[metric, 'mean']:.3f}" + (
                    f" ± {s.loc[metric, 'std']:.3f}" if s.loc[metric, "n"] > 1 else "")
            row["mean F"] = float(means[method])
            if "mlp" in f1.columns and method != "mlp":
                paired = 100 * (f1[method] - f1["mlp"]).dropna()
                row["F - MLP (points, paired)"] = f"{paired.mean():+.1f} ± {paired.std():.1f}"
                row["splits above MLP"] = f"{int((paired > 0).sum())} of {len(paired)}"
            else:
                row["F - MLP (points, paired)"], row["splits above MLP"] = "", ""
            row["folds"] = int(s.loc["f1_macro", "n"])
            rows.append(row)
    return pd.DataFrame(rows)


def winners(records: pd.DataFrame) -> pd.DataFrame:
    """Per dataset, feature set and run: the classifier of best mean macro F1, the MLP's rank among
    the classifiers, and the best one's paired difference from the MLP (points).

    Used by: notebooks/pandrea.ipynb.
    """
    table = zoo_table(records)
    if not len(table):
        return pd.DataFrame()
    keys = [c for c in ("dataset", "features", "source", "profile", "protocol") if c in table.columns]
    rows = []
    for key, part in table.groupby(keys, sort=False):
        best = part.iloc[0]
        mlp = part[part["classifier"] == "mlp"]
        rows.append({**dict(zip(keys, key)), "best classifier": CLASSIFIER_NAMES.get(best["classifier"]),
                     "best F": best["F"], "MLP rank": int(mlp["rank (F)"].iloc[0]) if len(mlp) else None,
                     "classifiers": len(part), "best - MLP (points, paired)": best["F - MLP (points, paired)"]})
    return pd.DataFrame(rows)


def best50_gain(records: pd.DataFrame) -> pd.DataFrame:
    """The paper's follow-up: the MLP on the best 50 of IS13 ComParE + Essentia against the MLP on
    IS13 ComParE alone, paired on the same splits (macro F1 points), beside the paper's stated
    gain; one row per dataset and run that has both.

    Used by: notebooks/pandrea.ipynb.
    """
    data = records[(records["metric"] == "f1_macro") & (records["method"] == "mlp")]
    keys = [c for c in ("dataset", "source", "profile", "protocol") if c in data.columns]
    rows = []
    for key, part in data.groupby(keys, sort=False):
        f1 = part.pivot_table(index="fold", columns="features", values="value")
        if not {AUDIO_FEATURES["best50"], AUDIO_FEATURES["is13_compare"]} <= set(f1.columns):
            continue
        gain = 100 * (f1[AUDIO_FEATURES["best50"]] - f1[AUDIO_FEATURES["is13_compare"]]).dropna()
        stated = FOLLOW_UPS[0]["gain F points"].get({"4q": "4Q", "turkish": "TR"}.get(key[0], ""), None)
        rows.append({**dict(zip(keys, key)), "MLP F, IS13 ComParE": round(f1[AUDIO_FEATURES["is13_compare"]].mean(), 3),
                     "MLP F, best 50": round(f1[AUDIO_FEATURES["best50"]].mean(), 3),
                     "gain (points, paired)": f"{gain.mean():+.1f} ± {gain.std():.1f}" if len(gain) > 1
                     else f"{gain.mean():+.1f}",
                     "splits with a gain": f"{int((gain > 0).sum())} of {len(gain)}", "paper's gain (points)": stated})
    return pd.DataFrame(rows)


def _mean_f(records: pd.DataFrame, **where) -> float | None:
    part = records[records["metric"] == "f1_macro"]
    for column, value in where.items():
        part = part[part[column] == value]
    return float(part["value"].mean()) if len(part) else None


def findings(records: pd.DataFrame, sinc_table: pd.DataFrame) -> list[str]:
    """The chapter's findings as sentences computed from the tables (nothing typed by hand): the
    MLP against SincNet on 4Q, the feature sets, the best-50 follow-up, and SincNet's cross,
    mixed, transfer and 500-ms runs against within, each beside the paper's statement.

    ``records``: the baselines' records (one source per dataset); ``sinc_table``:
    :func:`sincnet_table`.

    Used by: notebooks/pandrea.ipynb.
    """
    out = []
    fourq = records[records["dataset"] == "4q"] if len(records) else records
    within = sinc_table[(sinc_table["train"] == "4q") & (sinc_table["test"] == "4q")
                        & (sinc_table["window_ms"] == 200)] if len(sinc_table) else sinc_table
    mlp_is13 = _mean_f(fourq, method="mlp", features=AUDIO_FEATURES["is13_compare"]) if len(fourq) else None
    if mlp_is13 is not None and len(within):
        sinc_f = float(within["ours F"].iloc[0].split(" ")[0])
        gap = 100 * (mlp_is13 - sinc_f)
        out.append(f"4Q, within: the MLP on IS13 ComParE reaches F {mlp_is13:.3f} and SincNet {sinc_f:.3f} "
                   f"({within['profile'].iloc[0]} schedule): the MLP is {'ahead by' if gap > 0 else 'behind by'} "
                   f"{abs(gap):.1f} points (paper: MLP 0.63, SincNet 0.52, ahead by 11 points).")
    if len(fourq):
        for _, row in winners(fourq).iterrows():
            out.append(f"4Q, {row['features']}: best classifier {row['best classifier']} (F {row['best F']}); "
                       f"the MLP ranks {row['MLP rank']} of {row['classifiers']}.")
        mlp_ess = _mean_f(fourq, method="mlp", features=AUDIO_FEATURES["essentia_lowlevel"])
        if mlp_is13 is not None and mlp_ess is not None:
            out.append(f"4Q, MLP: IS13 ComParE F {mlp_is13:.3f} against Essentia low-level {mlp_ess:.3f} (the paper "
                       f"kept IS13 ComParE).")
        for _, row in best50_gain(fourq).iterrows():
            stated = row["paper's gain (points)"]
            out.append(f"4Q, best 50 of IS13 ComParE + Essentia against IS13 ComParE (MLP, paired): "
                       f"{row['gain (points, paired)']} points F, a gain on {row['splits with a gain']} splits "
                       f"(paper: +{stated}).")
    if not len(sinc_table):
        return out
    for kind, label, paper in (("cross", "training on another corpus", "worse than within"),
                               ("mixed", "training on the three synthetic cultures together",
                                "worse than within"),
                               ("transfer", "a transfer chain", "the most promising set-up for SincNet")):
        rows = sinc_table[(sinc_table["configuration"] == kind) & (sinc_table["window_ms"] == 200)]
        sim = rows[rows["data"].str.startswith("simulation")]
        deltas = sim["F - within (points)"].dropna()
        if len(deltas):
            out.append(f"Simulation, {label}: F - within {deltas.mean():+.1f} points on average "
                       f"(from {deltas.min():+.1f} to {deltas.max():+.1f}, {len(deltas)} runs; paper: {paper}).")
        real = rows[~rows["data"].str.startswith("simulation")]
        for _, row in real.iterrows():
            out.append(f"{row['train']} tested on {row['test']} ({row['data']}): F {row['ours F']}, "
                       f"{row['F - within (points)']:+.1f} points against SincNet within 4Q.")
    for _, row in sinc_table[sinc_table["window_ms"] == 500].iterrows():
        stated = FOLLOW_UPS[2]["gain F points"].get(PAPER_SET_OF_CORPUS[row["test"]])
        out.append(f"500 ms against 200 ms windows, {row['test']} ({row['data']}): "
                   f"{row['F - within (points)']:+.1f} points F (paper: +{stated} on the set it stands for).")
    return out


def pending_rows() -> pd.DataFrame:
    """Every Table 1 figure of the paper that has none of ours in this edition, with the reason.

    Used by: notebooks/pandrea.ipynb.
    """
    rows = [{"configuration": r.configuration, "train / test": r.chain, "model": model,
             "reason": row_status(r, model)}
            for r in TABLE1 for model in ("MLP", "SincNet") if r.figures(model) and row_status(r, model)]
    return pd.DataFrame(rows)


__all__ = ["PAPER", "TABLE1", "FOLLOW_UPS", "PROFILES", "METRICS", "PaperRow", "row_status", "table1",
           "turkish_baseline", "fourq_baseline", "best_k_pipeline", "paper_table", "sincnet_table", "paper_row_of",
           "zoo_table", "winners", "best50_gain", "findings", "pending_rows"]
