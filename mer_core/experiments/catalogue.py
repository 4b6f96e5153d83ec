"""Every experiment of the five papers, and the status of each, computed from the result records.

The intro's status table is :func:`status_table` of the records the chapters wrote: nothing in it
is typed by hand except what each experiment is and, for those without a chapter yet, why.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import results
from ..models.zoo import ZOO
from . import louro_dl


@dataclass(frozen=True)
class Experiment:
    """One experiment of a paper: the chapter whose records report it, and the methods it plans."""

    paper: str
    experiment: str
    chapter: str | None = None
    methods: tuple[str, ...] = ()
    pending: str = ""


EXPERIMENTS = (
    Experiment("Louro et al.", "SVM baseline on the top-100 features (Table 1, row 1)", "louro_svm"),
    Experiment("Louro et al.", "Deep models, augmentation, embeddings + RF, transfer, Hybrid (Table 1)",
               "louro_dl", methods=louro_dl.ROWS),
    Experiment("Louro et al.", "DL baseline at the pooled (48 x 341) and the paper's (96 x 1366) log-mel input: "
               "input-resolution ablation", "louro_resolution"),
    Experiment("Louro et al.", "Artists CNN and DL baseline on song-level and artist-level folds: does artist "
               "recognition across the folds explain the Artists CNN row?", "louro_artists"),
    Experiment("Koh & Dubnov", "MFCC and deep embeddings (musicnn, VGG taggers, aiSFX) x six classifiers; "
               "SVR valence/arousal (Figure 3, Tables 1-3, Figure 4)", "koh_dubnov"),
    Experiment("Koh & Dubnov", "L3-Net (OpenL3 512, 6144) and VGGish rows",
               pending="not run: official weights not obtainable here (loaders kept)"),
    Experiment("Koh & Dubnov", "Bi-modal Emotion and Emotion in Music classification panels",
               pending="not run: Bi-modal not obtainable; emoMusic audio for 10 of 744 clips only"),
    Experiment("(all papers)", "Feature sets: linear probe of every hand-crafted and deep set", "features"),
    Experiment("(corpus check)", "Synthetic corpus: MFCC + RBF SVM difficulty check", "datasets"),
    Experiment("Quan & Dong", "Two CNNs regress valence/arousal from 40-band mel spectrograms (Table 1)",
               "quan_dong", methods=("Model 1", "Model 2", "SVR")),
    Experiment("Pandrea et al.", "Baseline: MLP (100 hidden units) and the classifier zoo on 4Q (IS13 ComParE, "
               "Essentia, best 50 of both) and TR-MUSIC (its 50 MIRtoolbox features) (Table 1 MLP rows; "
               "follow-up 1)", "pandrea", methods=ZOO),
    Experiment("Pandrea et al.", "SincNet on real 4Q (200 and 500 ms) and the cross-dataset design on the "
               "synthetic cultures: within, cross, mixed, transfer chains, chains ending on real 4Q (Table 1 "
               "SincNet rows; follow-up 3; sinc filter figure)", "pandrea_sincnet", methods=("sincnet",)),
    Experiment("Pandrea et al.", "Real cross-language rows: CH-818, TR-MUSIC audio (SincNet and IS13 on Turkish, "
               "real mixed and transfer rows; follow-up 2)",
               pending="not reproducible: CH-818 not obtainable; TR-MUSIC audio not public"),
    Experiment("Du", "Review, datasets and metrics: DEAM / emoMusic annotation analysis, TR-MUSIC baseline "
               "(RBF SVM), metrics eqs. 1-5 beside scikit-learn / SciPy, LSTM eqs. 6-9", "du", methods=("rbf_svm",)),
    Experiment("Du", "Hizlisoy et al., standard-features path: CFS + CLDNN against kNN, SVM and random forest "
               "(TR-MUSIC's features)", "du_hizlisoy"),
    Experiment("Du", "Hizlisoy et al., whole system on 4Q audio: piece-CNN features (3 x 256) + IS13 ComParE, CFS, "
               "CLDNN / kNN / SVM / random forest, with and without the CNN features", "du_hizlisoy_4q"),
    Experiment("Du", "Grekow: LSTM on 6-s segments (MFCC sequences; pretrained musicnn front) against linear "
               "regression and SVR (4Q tag-derived valence/arousal; synthetic)", "du_grekow"),
    Experiment("Du", "Orjesek et al.: raw audio to 2 Hz valence/arousal, with and without iterative "
               "reconstruction (synthetic 2 Hz labels: simulation)", "du_orjesek"),
    Experiment("Du", "Parisi et al., audio branch: CNN on log-mels of the full mix vs REPET-SIM vocals (4Q)",
               "du_parisi"),
    Experiment("Du", "Parisi et al.'s lyrics branch, Orjesek et al. on real 2 Hz data, Hizlisoy et al. on TEM",
               pending="not reproducible: the lyrics dataset, DEAM's audio and TEM are not obtainable"),
)
"""The experiments of the five papers in the order of the book."""


def chapter_records(chapter: str) -> pd.DataFrame:
    """A chapter's records as its page shows them: this run's, plus the published edition's for
    the datasets this run did not evaluate (:func:`mer_core.results.with_published`)."""
    local, source = results.latest(chapter)
    return results.with_published(local if source == results.THIS_RUN else None, chapter)


def status_table(experiments=EXPERIMENTS) -> pd.DataFrame:
    """One row per experiment and dataset: what ran, on how many clips, under which profile and
    protocol, from which source and code version, and what did not run.

    Used by: notebooks/intro.ipynb.
    """
    rows = []
    for exp in experiments:
        base = {"paper": exp.paper, "experiment": exp.experiment}
        records = chapter_records(exp.chapter) if exp.chapter else None
        if records is None or not len(records):
            rows.append({**base, "data": "", "run": "", "source": "", "status": exp.pending or "not run: no records"})
            continue
        keys = ["dataset", "profile", "protocol", "source"]
        for (dataset, profile, protocol, source), part in records.groupby(keys, sort=False):
            folds = part.groupby("fold")[["n_train", "n_test"]].first()
            ran = list(dict.fromkeys(part["method"]))
            status = f"{len(ran)} method{'' if len(ran) == 1 else 's'} ran"
            if exp.methods:
                missing = [m for m in exp.methods if m not in ran]
                status = f"{len(exp.methods) - len(missing)} of {len(exp.methods)} rows ran" + (
                    f"; not run: {', '.join(missing)}" if missing else "")
            code = ", ".join(sorted(map(str, part["code_version"].unique())))
            dates = ", ".join(sorted(map(str, part["created"].unique())))
            rows.append({**base, "data": dataset,
                         "run": f"profile {profile}; {protocol}, {len(folds)} folds; "
                                f"{folds['n_train'].median():.0f} train / {folds['n_test'].median():.0f} test clips",
                         "source": f"{source} ({code}, {dates})", "status": status})
    return pd.DataFrame(rows, columns=["paper", "experiment", "status", "data", "run", "source"])
