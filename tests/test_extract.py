import warnings

import numpy as np
import pandas as pd
import soundfile as sf

from mer_core.features import extract
from mer_core.features.spectral import LogMel, MFCCStats


def _tracks(paths):
    return pd.DataFrame({"track_id": [p.stem for p in paths], "path": [str(p) for p in paths]})


def test_extract_cache_and_failures(wav, tmp_path):
    good = [wav(f"a{i}.wav", freq=200 + 100 * i) for i in range(3)]
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(22050), 22050)
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF....garbage")
    tracks = _tracks([good[0], silent, good[1], corrupt, good[2]])
    cache = tmp_path / "cache"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = extract(tracks, MFCCStats(), cache_dir=cache, n_jobs=2, progress=False)
    assert first.X.shape == (3, 80) and first.n_failed == 2
    assert list(first.tracks["track_id"]) == ["a0", "a1", "a2"]
    assert set(first.failures["track_id"]) == {"silent", "corrupt"}
    assert any("skipped 2 of 5" in str(w.message) for w in caught)
    assert "silent" in first.summary()
    assert len(list((cache / "mfcc_stats").glob("*.npy"))) == 3

    # second run: served from the cache, identical; a renamed file keeps its entry (content hash)
    good[0].rename(tmp_path / "renamed.wav")
    again = extract(_tracks([tmp_path / "renamed.wav", good[1], good[2]]), MFCCStats(), cache_dir=cache,
                    progress=False)
    np.testing.assert_array_equal(again.X, first.X)
    assert len(list((cache / "mfcc_stats").glob("*.npy"))) == 3

    # another parameter value is another cache key
    extract(_tracks(good[1:]), MFCCStats(n_mfcc=13), cache_dir=cache, progress=False)
    assert len(list((cache / "mfcc_stats").glob("*.npy"))) == 5


def test_logmel_shape(wav, tmp_path):
    mel = LogMel(duration=2.0)
    out = extract(_tracks([wav("x.wav", seconds=1.0)]), mel, cache=False, progress=False)
    assert out.X.shape == (1, 96, mel.n_frames)
    assert np.isfinite(out.X).all() and out.X.max() <= 0 + 1e-3 + 20 * np.log10(96)


def test_missing_weights_raise_before_the_batch(wav):
    import pytest

    from mer_core.features import MissingWeightsError

    class NeedsWeights(MFCCStats):
        name = "needs_weights"
        requires_weights = True

        def weights_available(self):
            return False

    with pytest.raises(MissingWeightsError, match="mer weights fetch"):
        extract(_tracks([wav("w.wav")]), NeedsWeights(), cache=False, progress=False)


def test_memmap_table_matches_the_array_and_is_reused(wav, tmp_path):
    import pytest

    from mer_core.errors import ParameterError

    paths = [wav(f"m{i}.wav", freq=300 + 50 * i) for i in range(3)]
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF....garbage")
    tracks = _tracks([paths[0], corrupt, paths[1], paths[2]])
    cache = tmp_path / "cache"
    mel = LogMel(duration=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        in_memory = extract(tracks, mel, cache_dir=cache, progress=False)
        mapped = extract(tracks, mel, cache_dir=cache, progress=False, memmap=True)
    assert isinstance(mapped.X, np.memmap) and not mapped.X.flags.writeable
    np.testing.assert_array_equal(mapped.X, in_memory.X)
    assert list(mapped.tracks["track_id"]) == ["m0", "m1", "m2"] and mapped.n_failed == 1
    tables = list((cache / mel.name / "tables").glob("*.npy"))
    assert len(tables) == 1  # one table for these clips, no partial file left
    # the same clips again: the same file, not rewritten; other clips: another table
    stamp = tables[0].stat().st_mtime_ns
    again = extract(_tracks(paths), mel, cache_dir=cache, progress=False, memmap=True)
    assert tables[0].stat().st_mtime_ns == stamp and again.X.filename == mapped.X.filename
    extract(_tracks(paths[:2]), mel, cache_dir=cache, progress=False, memmap=True)
    assert len(list((cache / mel.name / "tables").glob("*.npy"))) == 2
    with pytest.raises(ParameterError, match="cache=True"):
        extract(_tracks(paths), mel, cache=False, memmap=True)


def test_memmap_refuses_clips_of_different_shapes(wav, tmp_path):
    import pytest

    from mer_core.errors import ParameterError

    from mer_core.features.base import Extractor

    class Decimated(Extractor):  # as long as its clip
        name = "decimated"

        def __call__(self, y, sr):
            return y[::100]

    tracks = _tracks([wav("short.wav", seconds=1.0), wav("long.wav", seconds=2.0)])
    assert isinstance(extract(tracks, Decimated(), cache_dir=tmp_path / "cache", progress=False).X, list)
    with pytest.raises(ParameterError, match="one shape"):
        extract(tracks, Decimated(), cache_dir=tmp_path / "cache", progress=False, memmap=True)


def test_benchmark_says_which_first_runs_were_cold_and_which_read_decoded_clips(wav, tmp_path):
    from mer_core import benchmark

    tracks = _tracks([wav("b0.wav", freq=300), wav("b1.wav", freq=500)])
    cache = tmp_path / "cache"
    table = benchmark.run(tracks, ["mfcc_stats", "logmel"], cache_dir=cache, n_jobs=1).set_index("extractor")
    assert (table["clips"] == 2).all() and (table["failed"] == 0).all()
    assert (table["cold_entries_before"] == 0).all()
    # the first extractor decoded both clips; the second read their decoded samples
    assert table.loc["mfcc_stats", "decoded_before"] == 0 and table.loc["logmel", "decoded_before"] == 2
    again = benchmark.run(tracks, ["mfcc_stats"], cache_dir=cache, n_jobs=1)
    assert again.loc[0, "cold_entries_before"] == 2  # not a cold run, and it says so
