"""The synthetic corpus: determinism, the Tracks contract, dynamic labels, audio and errors."""
import hashlib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mer_core.datasets import QUADRANTS, DatasetError, va_to_quadrant
from mer_core.datasets import synthetic

TINY = dict(n_songs_per_culture=2, excerpts_per_song=2, duration=2.0, progress=False)


def digests(root: Path) -> dict:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return synthetic.generate(tmp_path_factory.mktemp("a") / synthetic.DIRNAME, seed=0, **TINY)


@pytest.fixture(scope="module")
def tracks(corpus):
    return synthetic.load(corpus)


def test_same_seed_gives_byte_identical_files(corpus, tmp_path):
    again = synthetic.generate(tmp_path / "b", seed=0, **TINY)
    first = digests(corpus)
    assert {"tracks.csv", "dynamic_va.csv", "PROVENANCE.md"} <= set(first)
    assert sum(name.endswith(".wav") for name in first) == 3 * 2 * 2
    assert digests(again) == first


def test_regenerating_in_place_overwrites_identically_and_drops_stale_clips(tmp_path):
    root = synthetic.generate(tmp_path / "c", seed=3, **TINY)
    before = digests(root)
    assert digests(synthetic.generate(root, seed=3, **TINY)) == before
    smaller = synthetic.generate(root, seed=3, **{**TINY, "n_songs_per_culture": 1})
    wavs = sorted(smaller.rglob("*.wav"))
    assert len(wavs) == 3 * 1 * 2
    assert {str(Path(p).resolve()) for p in synthetic.load(smaller)["path"]} == {str(p) for p in wavs}


def test_different_seed_gives_different_audio(corpus, tmp_path):
    other = digests(synthetic.generate(tmp_path / "d", seed=1, **TINY))
    first = digests(corpus)
    wavs = [name for name in first if name.endswith(".wav")]
    assert all(other[name] != first[name] for name in wavs)


def test_tracks_table_contract(tracks):
    assert list(tracks.columns[:len(synthetic.TRACK_COLUMNS)]) == list(synthetic.TRACK_COLUMNS)
    assert len(tracks) == 12 and tracks["track_id"].is_unique
    assert (tracks["dataset"] == "synthetic").all()
    assert set(tracks["culture"]) == set(synthetic.CULTURES)
    assert set(tracks["quadrant"]) == set(QUADRANTS)
    assert all(Path(p).is_absolute() and Path(p).is_file() for p in tracks["path"])
    assert tracks["valence"].between(-1, 1).all() and tracks["arousal"].between(-1, 1).all()
    assert (tracks["quadrant"].to_numpy()
            == va_to_quadrant(tracks["valence"], tracks["arousal"], midpoint=0)).all()
    assert (tracks["duration"] == 2.0).all()
    # Excerpts of one song share its group, and a group never spans two cultures.
    per_group = tracks.groupby("group").agg(n=("track_id", "size"), cultures=("culture", "nunique"))
    assert (per_group["n"] == 2).all() and (per_group["cultures"] == 1).all()
    assert len(per_group) == 6


def test_dynamic_va_is_2hz_and_spans_the_clip(tracks, corpus):
    dynamic = synthetic.load_dynamic(corpus)
    assert list(dynamic.columns) == ["track_id", "time_s", "valence", "arousal"]
    assert set(dynamic["track_id"]) == set(tracks["track_id"])
    for track_id, curve in dynamic.groupby("track_id"):
        np.testing.assert_allclose(curve["time_s"], np.arange(0.0, 2.01, 0.5))
        static = tracks.set_index("track_id").loc[track_id]
        assert curve["valence"].mean() == pytest.approx(static["valence"], abs=1e-3)
        assert curve["arousal"].mean() == pytest.approx(static["arousal"], abs=1e-3)
    assert dynamic[["valence", "arousal"]].abs().max().max() <= 1.0
    # The curves move within a clip but stay near its static value.
    spread = dynamic.groupby("track_id")[["valence", "arousal"]].agg(lambda x: x.max() - x.min())
    assert (spread.to_numpy() > 0).all() and (spread.to_numpy() < 0.5).all()


def test_audio_is_16bit_mono_not_silent_and_in_range(tracks):
    for path in tracks["path"]:
        info = sf.info(path)
        assert (info.samplerate, info.channels, info.subtype, info.frames) == (22050, 1, "PCM_16", 44100)
        y, _ = sf.read(path)
        assert np.max(np.abs(y)) <= 1.0
        assert np.sqrt(np.mean(y ** 2)) > 1e-3


def test_cues_follow_the_latents(tracks):
    # Tempo is the most direct arousal cue; even 12 clips show it (0.89 for seed 0).
    assert np.corrcoef(tracks["tempo_bpm"], tracks["arousal"])[0, 1] > 0.6


def test_provenance_says_simulation(corpus):
    text = (corpus / "PROVENANCE.md").read_text()
    assert "SIMULATION" in text and "seed=0" in text


def test_load_errors_name_what_is_missing(tmp_path):
    with pytest.raises(DatasetError, match="not found"):
        synthetic.load(tmp_path / "nowhere")
    root = synthetic.generate(tmp_path / "e", seed=0, **{**TINY, "n_songs_per_culture": 1})
    missing = sorted(root.rglob("*.wav"))[0]
    missing.unlink()
    with pytest.raises(DatasetError, match=missing.name):
        synthetic.load(root)
    (root / "tracks.csv").unlink()
    with pytest.raises(DatasetError, match="tracks.csv"):
        synthetic.load(root)
    (root / "dynamic_va.csv").unlink()
    with pytest.raises(DatasetError, match="dynamic_va.csv"):
        synthetic.load_dynamic(root)


@pytest.mark.parametrize("bad", [dict(n_songs_per_culture=0), dict(excerpts_per_song=1.5),
                                 dict(duration=0.5), dict(sr=100), dict(seed=-1)])
def test_generate_rejects_bad_arguments(tmp_path, bad):
    with pytest.raises(ValueError):
        synthetic.generate(tmp_path / "f", **{**TINY, **bad})
