"""Hand-crafted extractors (openSMILE, Essentia) and the best-k-of-both-sets selector."""
from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline

from mer_core.audio import load_audio
from mer_core.features import extract
from mer_core.features.handcrafted import (ESSENTIA_FRAME_DESCRIPTORS, ESSENTIA_GLOBAL_DESCRIPTORS,
                                           ESSENTIA_STATS, EXTRACTORS, INT16_MAX, ComParE2016,
                                           EGeMAPSv02, EssentiaLowLevel, IS13ComParE)
from mer_core.models.selection import SelectKBestFromSets, hstack_sets

DOCUMENTED_DIMS = {"is13_compare": 6373, "compare2016": 6373, "egemaps": 88, "essentia_lowlevel": 127}


def _tone(seconds: float = 3.0, freq: float = 440.0, sr: int = 22050, seed: int = 0) -> np.ndarray:
    """A sine with a tremolo and a little noise: pitched, with some loudness movement."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    y = 0.4 * (1 + 0.5 * np.sin(2 * np.pi * 2 * t)) * np.sin(2 * np.pi * freq * t)
    return (y + 0.02 * rng.standard_normal(t.size)).astype(np.float32)


@pytest.fixture(scope="module")
def clip_path(tmp_path_factory):
    """A 3 s 24 kHz Ogg/Opus clip, the format of the 4Q copies."""
    path = tmp_path_factory.mktemp("audio") / "tone.ogg"
    sf.write(path, _tone(sr=24000), 24000, format="OGG", subtype="OPUS")
    return path


# --------------------------------------------------------------------------- extractors

@pytest.mark.parametrize("name", sorted(EXTRACTORS))
def test_extractor_dimension_names_finite_and_deterministic(name, clip_path):
    extractor = EXTRACTORS[name]()
    y = load_audio(clip_path, sr=extractor.sr)
    first = extractor(y, extractor.sr)
    second = extractor(y, extractor.sr)
    assert first.shape == (DOCUMENTED_DIMS[name],) == (extractor.dim,)
    assert first.dtype == np.float32
    assert np.all(np.isfinite(first))
    np.testing.assert_array_equal(first, second)
    names = extractor.feature_names()
    assert len(names) == extractor.dim and len(set(names)) == len(names)
    assert extractor.sr == 22050


@pytest.mark.parametrize("name", sorted(EXTRACTORS))
def test_extractor_rejects_wrong_rate_and_shape(name):
    extractor = EXTRACTORS[name]()
    with pytest.raises(ValueError, match="Hz"):
        extractor(_tone(sr=16000), 16000)
    with pytest.raises(ValueError, match="1-D"):
        extractor(np.zeros((2, 22050), dtype=np.float32), 22050)


def test_opensmile_too_short_clip_raises():
    with pytest.raises(ValueError, match="non-finite"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        EGeMAPSv02()(_tone(seconds=0.05), 22050)


def test_opensmile_full_scale_samples_do_not_wrap():
    # openSMILE multiplies by 32768 into int16, where +1.0 would wrap to -32768
    y = _tone(seconds=1.0)
    y[::50] = 1.0
    extractor = EGeMAPSv02()
    np.testing.assert_array_equal(extractor(y, 22050), extractor(np.minimum(y, INT16_MAX), 22050))


def test_is13_and_compare2016_share_names_but_not_values():
    y = _tone(seconds=2.0)
    is13, compare = IS13ComParE(), ComParE2016()
    assert is13.feature_names() == compare.feature_names()
    a, b = is13(y, 22050), compare(y, 22050)
    assert not np.allclose(a, b)
    # most functionals (means, percentiles of LLDs) are identical; the config fixes touch a subset
    assert 0.05 < np.mean(~np.isclose(a, b, rtol=1e-4, atol=1e-6)) < 0.95


def test_essentia_names_follow_module_constants():
    names = EssentiaLowLevel().feature_names()
    n_frame_values = sum(size for _, size in ESSENTIA_FRAME_DESCRIPTORS)
    assert len(names) == len(ESSENTIA_STATS) * n_frame_values + len(ESSENTIA_GLOBAL_DESCRIPTORS)
    assert names[0] == "spectral_centroid_mean" and names[n_frame_values] == "spectral_centroid_std"
    assert names[-len(ESSENTIA_GLOBAL_DESCRIPTORS):] == list(ESSENTIA_GLOBAL_DESCRIPTORS)


def test_essentia_descriptors_track_the_signal():
    extractor = EssentiaLowLevel()
    names = extractor.feature_names()
    low = dict(zip(names, extractor(_tone(freq=220.0), 22050)))
    high = dict(zip(names, extractor(_tone(freq=1760.0), 22050)))
    assert high["spectral_centroid_mean"] > low["spectral_centroid_mean"]
    # 220 Hz and 1760 Hz are both A: HPCP bin 0 is the strongest pitch class
    hpcp = [f"hpcp_{i:02d}_mean" for i in range(12)]
    assert max(hpcp, key=low.get) == "hpcp_00_mean" == max(hpcp, key=high.get)


def test_essentia_state_does_not_leak_between_clips():
    # OnsetRate, RhythmExtractor2013 and Flux keep state: without reset() the second call differs
    extractor = EssentiaLowLevel()
    a, b = _tone(freq=330.0, seed=1), _tone(freq=523.0, seed=2)
    first = extractor(a, 22050)
    extractor(b, 22050)
    np.testing.assert_array_equal(first, extractor(a, 22050))


def test_extractor_pickles_and_runs_through_extract(clip_path, tmp_path):
    extractor = pickle.loads(pickle.dumps(EssentiaLowLevel()))
    tracks = pd.DataFrame({"track_id": ["t1"], "path": [str(clip_path)]})
    features = extract(tracks, extractor, cache_dir=tmp_path, n_jobs=1, progress=False)
    assert features.X.shape == (1, 127) and features.n_failed == 0


# --------------------------------------------------------------------------- selection

def _two_sets(n: int = 120, seed: int = 0):
    """Set "a" (6 noise columns) and set "b" (4 columns, the first 2 carry the label)."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(4), n // 4)
    a = rng.standard_normal((n, 6))
    b = rng.standard_normal((n, 4))
    b[:, :2] += 1.5 * y[:, None]
    return a, b, y


def test_selector_keeps_k_columns_and_counts_sets():
    a, b, y = _two_sets()
    X, sets = hstack_sets({"a": a, "b": b})
    assert X.shape == (120, 10) and sets == {"a": 6, "b": 4}
    selector = SelectKBestFromSets(k=3, sets=sets).fit(X, y)
    support = selector.get_support()
    assert support.sum() == 3 and selector.transform(X).shape == (120, 3)
    assert support[6] and support[7]   # the two informative columns of "b"
    assert sum(selector.selected_per_set_.values()) == 3 and selector.selected_per_set_["b"] >= 2
    assert list(selector.column_sets_) == ["a"] * 6 + ["b"] * 4
    assert clone(selector).get_params()["sets"] == sets


def test_selector_ranks_constant_columns_last():
    a, b, y = _two_sets()
    X = np.hstack([np.ones((len(y), 1)), a, b])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # f_classif warns about the constant column
        selector = SelectKBestFromSets(k=len(X[0]) - 1).fit(X, y)
    assert not selector.get_support()[0]


def test_selector_validates_sets():
    a, b, y = _two_sets()
    X, _ = hstack_sets({"a": a, "b": b})
    with pytest.raises(ValueError, match="describe 9 columns"):
        SelectKBestFromSets(k=2, sets={"a": 6, "b": 3}).fit(X, y)
    with pytest.raises(ValueError, match="different numbers of rows"):
        hstack_sets({"a": a, "b": b[:10]})


def test_selector_in_pipeline_scores_training_rows_only():
    a, b, y = _two_sets()
    X, sets = hstack_sets({"a": a, "b": b})
    seen_rows = []

    def recording_f_classif(X_fit, y_fit):
        seen_rows.append(len(X_fit))
        return f_classif(X_fit, y_fit)

    pipe = Pipeline([("select", SelectKBestFromSets(recording_f_classif, k=2, sets=sets)),
                     ("model", LogisticRegression(max_iter=200))])
    cv = StratifiedKFold(n_splits=4, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(pipe, X, y, cv=cv)
    assert seen_rows == [len(train) for train, _ in cv.split(X, y)] and len(y) not in seen_rows
    assert scores.mean() > 0.5


def test_selector_cannot_pick_a_column_informative_only_in_test_rows():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(4), 30)
    X = rng.standard_normal((120, 10))   # noise, except column 0 in the test rows
    train, test = next(StratifiedKFold(n_splits=4, shuffle=True, random_state=0).split(X, y))
    X[test, 0] = 3.0 * y[test] + 0.1 * X[test, 0]
    sets = {"a": 6, "b": 4}
    leaky = SelectKBestFromSets(k=1, sets=sets).fit(X, y)
    assert leaky.get_support()[0]   # ranking on all rows picks it
    pipe = Pipeline([("select", SelectKBestFromSets(k=1, sets=sets)),
                     ("model", LogisticRegression(max_iter=200))]).fit(X[train], y[train])
    assert not pipe.named_steps["select"].get_support()[0]
