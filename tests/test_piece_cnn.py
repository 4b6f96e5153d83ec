"""Hizlisoy et al.'s CNN-feature path: the pieces extractor, the piece CNN as a transformer, and the
whole system on 4Q-shaped data (CNN features + standard features, CFS, four classifiers)."""
import librosa
import numpy as np
import pandas as pd
import pytest
from conftest import SR, tone
from sklearn.linear_model import LogisticRegression

from mer_core.errors import ParameterError
from mer_core.evaluation import RECORD_COLUMNS
from mer_core.experiments import du
from mer_core.features.sequences import MFCCLogMelPieces
from mer_core.models.piece_cnn import PieceCNN, PieceCNNFeatures


def test_pieces_are_consecutive_thirds_of_the_clip_features():
    ex = MFCCLogMelPieces(clip_s=6.0)
    y = tone(440.0, 6.0)
    out = ex(y, SR)
    assert out.shape == (3, ex.frames_per_piece, 60) and out.dtype == np.float32
    assert ex.frames_per_piece == (1 + int(6.0 * SR) // 1024) // 3
    mfcc = librosa.feature.mfcc(y=y, sr=SR, n_mfcc=20, n_fft=2048, hop_length=1024)
    np.testing.assert_allclose(out[1, :, :20], mfcc[:, ex.frames_per_piece:2 * ex.frames_per_piece].T, rtol=1e-4,
                               atol=1e-3)
    short = ex(y[:SR], SR)  # 1 s of 6: zero-padded to the same shape
    assert short.shape == out.shape
    assert np.all(short[2, :, 20:] < out[2, :, 20:].min())  # silence: the lowest log-mel energies
    assert MFCCLogMelPieces().frames_per_piece == 215
    with pytest.raises(ParameterError, match="expects audio at"):
        ex(y, 16000)
    with pytest.raises(ParameterError):
        MFCCLogMelPieces(n_pieces=0)


def pieces_data(n_clips=48, n_standard=3, n_pieces=3, n_frames=16, d=4, seed=0):
    """Two classes that differ only in the pieces (feature 1 rises over time in class b), and
    standard features of pure noise."""
    rng = np.random.default_rng(seed)
    y = np.repeat(["a", "b"], n_clips // 2)
    pieces = rng.normal(0, 1, (n_clips, n_pieces, n_frames, d))
    ramp = np.linspace(-2, 2, n_frames)
    pieces[y == "b", :, :, 1] += ramp
    standard = rng.normal(0, 1, (n_clips, n_standard))
    return np.hstack([standard, pieces.reshape(n_clips, -1)]).astype(np.float32), y


def test_piece_cnn_features_learn_from_the_pieces_and_pass_the_standard_columns(torch_one_thread):
    X, y = pieces_data()
    groups = np.arange(len(y)) // 2  # pairs of clips: one song each
    cnn = PieceCNNFeatures(3, 3, 16, channels=(8, 8, 6), kernels=(3, 3, 3), epochs=30, patience=30, lr=0.01,
                           random_state=0, num_threads=1).fit(X, y, groups=groups)
    Z = cnn.transform(X)
    assert Z.shape == (len(X), 3 + 3 * 6) == (len(X), cnn.n_features_out_)
    np.testing.assert_array_equal(Z[:, :3], X[:, :3])  # the standard features, untouched
    assert 1 <= cnn.best_epoch_ <= cnn.n_epochs_ == len(cnn.history_) and "val_loss" in cnn.history_[0]
    X_new, y_new = pieces_data(seed=1)  # unseen clips: the CNN features separate the classes
    clf = LogisticRegression(max_iter=1000).fit(Z[:, 3:], y)
    assert clf.score(cnn.transform(X_new)[:, 3:], y_new) >= 0.9
    again = PieceCNNFeatures(3, 3, 16, channels=(8, 8, 6), kernels=(3, 3, 3), epochs=30, patience=30, lr=0.01,
                             random_state=0, num_threads=1).fit(X, y, groups=groups)
    np.testing.assert_array_equal(again.transform(X), Z)  # same seed, same features
    with pytest.raises(ParameterError, match="columns"):
        cnn.transform(X[:, :-1])
    with pytest.raises(ParameterError, match="pieces"):
        PieceCNNFeatures(3, 3, 15).fit(X, y)
    with pytest.raises(ParameterError):
        PieceCNN(4, 1)


def test_hizlisoy_4q_trains_everything_inside_the_fold(monkeypatch, torch_one_thread):
    X, y = pieces_data(n_clips=40, n_standard=5)
    tracks = pd.DataFrame({"track_id": [f"t{i}" for i in range(40)], "quadrant": np.where(y == "a", "Q1", "Q2"),
                           "group": [f"s{i // 2}" for i in range(40)]})
    seen = []
    fit = PieceCNNFeatures.fit

    def spy(self, X_fit, y_fit, groups=None):
        seen.append(set(groups))
        return fit(self, X_fit, y_fit, groups=groups)

    monkeypatch.setattr(PieceCNNFeatures, "fit", spy)
    monkeypatch.setitem(du.PROFILES["smoke"]["hizlisoy"]["fourq"], "cnn",
                        {"channels": (8, 8, 6), "kernels": (3, 3, 3), "epochs": 3, "patience": 3, "batch_size": 16})
    res, folds = du.hizlisoy_4q(X, tracks, 5, (3, 16), "smoke", seed=0, num_threads=1)
    rec = res.records
    assert list(rec.columns) == RECORD_COLUMNS
    assert set(rec["method"]) == {f"cfs_{m}" for m in du.HIZLISOY_METHODS}
    assert set(rec["features"]) == set(du.FEATURES_HIZLISOY_4Q.values()) and set(rec["dataset"]) == {"4q"}
    tested = set(tracks["group"].iloc[res.predictions["index"].unique()])
    assert len(seen) == 1 and not seen[0] & tested  # the CNN never saw a tested song
    assert list(folds.columns) == du.HIZLISOY_FOLD_COLUMNS and len(folds) == 2
    standard_only = folds.set_index("features").loc[du.FEATURES_HIZLISOY_4Q["standard"]]
    assert standard_only["n_candidates"] == 5 and standard_only["n_selected_cnn"] == 0
    whole = folds.set_index("features").loc[du.FEATURES_HIZLISOY_4Q["standard + CNN"]]
    assert whole["n_candidates"] == 5 + 3 * 6 and whole["n_selected_cnn"] >= 1  # only the pieces carry the class
    with pytest.raises(ParameterError, match="unknown methods"):
        du.hizlisoy_4q(X, tracks, 5, (3, 16), "smoke", methods=("lda",))
