"""`mer predict` / `mer train`: a stored model, per-file and per-window estimates, bad files reported."""
import json

import numpy as np
import pytest
import soundfile as sf
from conftest import SR, tone
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import Ridge
from typer.testing import CliRunner

from mer_core import predict, weights
from mer_core.cli import app
from mer_core.errors import DatasetError, MerError

needs_musicnn = pytest.mark.skipif(not weights.musicnn_weights_present(),
                                   reason="musicnn weights not fetched: run `mer weights fetch` (done by `make setup`)")


def toy_model():
    """A model of the real interface fitted on random 200-value vectors (musicnn MSD's penultimate size)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 200))
    y = np.repeat(["Q1", "Q2", "Q3", "Q4"], 10)
    Y = np.column_stack([X[:, 0] + 5, X[:, 1] + 5])
    return predict.EmotionModel("toy", "musicnn_msd", RandomForestClassifier(20, random_state=0).fit(X, y),
                                Ridge().fit(X, Y), {"cv_f1_macro": 0.5})


def test_a_missing_model_says_how_to_train_it(tmp_path, monkeypatch):
    monkeypatch.setenv("MER_CACHE_DIR", str(tmp_path))
    with pytest.raises(MerError, match="run `mer train toy`"):
        predict.load("toy")
    saved = predict.save(toy_model())
    assert saved == tmp_path / "models" / "toy.pkl"
    assert predict.load("toy").provenance == {"cv_f1_macro": 0.5}


def test_training_without_4q_is_a_clear_error(tmp_path):
    with pytest.raises(DatasetError, match="needs the 4Q dataset"):
        predict.train(data_dir=tmp_path)


@needs_musicnn
def test_predict_gives_the_file_and_its_windows_and_reports_bad_files(tmp_path, monkeypatch, torch_one_thread):
    monkeypatch.setenv("MER_CACHE_DIR", str(tmp_path))
    predict.save(toy_model())
    good = tmp_path / "song.wav"
    sf.write(good, tone(330.0, 10.0), SR)
    (tmp_path / "broken.mp3").write_bytes(b"not audio")
    result = predict.predict_file(predict.load("toy"), good, timeline=True)
    assert result["duration_s"] == pytest.approx(10.0, abs=0.01)
    assert sum(result[f"p_Q{k}"] for k in range(1, 5)) == pytest.approx(1.0, abs=1e-3)
    windows = result["windows"]
    assert len(windows) == 3 and windows[1]["start_s"] == pytest.approx(2.99, abs=0.01)  # 3 whole 2.992 s windows
    # the whole-file estimate is the model's estimate of the windows' mean vector, as it was trained
    from mer_core.audio import load_audio
    from mer_core.features.registry import get
    embedding = get("musicnn_msd")
    table = embedding.windows()(load_audio(good, sr=16000), 16000)
    expected = predict.load("toy").estimate(embedding.from_windows(table)[None, :]).iloc[0]
    assert result["valence"] == pytest.approx(expected["valence"], abs=1e-3)
    assert result["p_Q2"] == pytest.approx(expected["p_Q2"], abs=1e-3) and result["quadrant"] == expected["quadrant"]
    runner = CliRunner()
    out = runner.invoke(app, ["predict", str(good), str(tmp_path / "broken.mp3"), "--model", "toy", "--json"])
    assert out.exit_code == 1
    lines = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1 and lines[0]["file"] == str(good) and lines[0]["model"] == "toy"
    assert "broken.mp3" in out.stderr and out.stderr.count("error:") == 1
    missing = runner.invoke(app, ["predict", str(good), "--model", "absent"])
    assert missing.exit_code == 2 and "mer train absent" in missing.stderr
