"""Shared fixtures: tiny generated audio and a miniature 4Q dataset in its published format."""
from __future__ import annotations

import csv

import numpy as np
import pytest
import soundfile as sf

SR = 22050


def tone(freq: float, seconds: float = 1.0, sr: int = SR, seed: int = 0) -> np.ndarray:
    """A sine with a little noise: small, deterministic test audio."""
    t = np.arange(int(seconds * sr)) / sr
    noise = np.random.default_rng(seed).standard_normal(len(t))
    return (0.4 * np.sin(2 * np.pi * freq * t) + 0.01 * noise).astype(np.float32)


@pytest.fixture
def wav(tmp_path):
    """Factory writing a tone to ``tmp_path/<name>`` and returning its path."""
    def make(name="clip.wav", freq=440.0, seconds=1.0, sr=SR, **kw):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, tone(freq, seconds, sr), sr, **kw)
        return path
    return make


# Rows copied in format from the real files: the metadata is Latin-1 with every field quoted.
META_HEADER = ["Song", "Artist", "Title", "Quadrant", "PQuad", "MoodsTotal", "Moods", "MoodsFoundStr",
               "MoodsStr", "MoodsStrSplit", "Genres", "GenresStr", "Sample", "SampleURL"]


@pytest.fixture
def fourq_root(tmp_path):
    """A 4Q dataset with 2 clips per quadrant (Ogg/Vorbis and WAV), official CSV formats."""
    root = tmp_path / "MER_audio_taffc_dataset"
    rows = []
    for qi, q in enumerate(("Q1", "Q2", "Q3", "Q4")):
        (root / q).mkdir(parents=True)
        for k in range(2):
            song = f"MT00000{qi}{k}0000"
            ext, fmt = ("ogg", "OGG") if k == 0 else ("wav", "WAV")
            sf.write(root / q / f"{song}.{ext}", tone(220 * (qi + 1) + 30 * k, 1.0), SR, format=fmt)
            rows.append((song, q))
    with open(root / "panda_dataset_taffc_annotations.csv", "w", newline="") as f:
        f.write("Song,Quadrant\n")
        f.writelines(f"{s},{q}\n" for s, q in rows)
    with open(root / "panda_dataset_taffc_metadata.csv", "w", newline="", encoding="latin-1") as f:
        w = csv.writer(f, quoting=csv.QUOTE_NONNUMERIC)
        w.writerow(META_HEADER)
        for i, (s, q) in enumerate(rows):
            w.writerow([s, "Björk Guðmundsdóttir" if i == 0 else f"Artist {i // 2}", f"Title, part {i}", q,
                        0.666666666666667, 3, 3, "circular, greasy", "Circular, Greasy", "Circular, Greasy",
                        2, "Country, International", 1, "http://example.invalid/playback.mp3?c=x&f=J"])
    return root


@pytest.fixture
def damaged_fourq(fourq_root):
    """The 4Q fixture with one clip deleted, one emptied (0 bytes) and one corrupt (not audio).

    Returns ``(root, deleted_id, emptied_id, corrupt_id)``.
    """
    deleted, emptied, corrupt = (sorted((fourq_root / q).iterdir())[0] for q in ("Q1", "Q2", "Q3"))
    deleted.unlink()
    emptied.write_bytes(b"")
    corrupt.write_bytes(b"OggS" + bytes(range(256)) * 8)  # an Ogg magic number, then garbage
    return fourq_root, deleted.stem, emptied.stem, corrupt.stem


@pytest.fixture(autouse=True)
def _private_feature_cache(tmp_path_factory, monkeypatch):
    """Tests never read or write the user's feature cache."""
    monkeypatch.setenv("MER_CACHE_DIR", str(tmp_path_factory.mktemp("feature-cache")))


@pytest.fixture
def torch_one_thread():
    """Torch on one thread for the test (small models: threads only add overhead), restored after."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
