import numpy as np
import pytest
import soundfile as sf

from mer_core.audio import AudioError, fix_length, frame, load_audio
from mer_core.errors import ParameterError


def test_load_resamples_and_downmixes(tmp_path):
    t = np.arange(24000) / 24000
    stereo = np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 440 * t)], axis=1) * 0.5
    path = tmp_path / "stereo.wav"
    sf.write(path, stereo, 24000)
    y = load_audio(path, sr=22050)
    assert y.dtype == np.float32 and y.ndim == 1
    assert abs(len(y) - 22050) <= 1
    spectrum = np.abs(np.fft.rfft(y))
    assert abs(np.argmax(spectrum) * 22050 / len(y) - 440) < 2


def test_offset_and_duration(wav):
    y = load_audio(wav(seconds=2.0), offset=0.5, duration=1.0)
    assert len(y) == 22050


@pytest.mark.parametrize("make, reason", [
    (lambda p: p.write_bytes(b"not audio at all" * 100), "cannot decode"),
    (lambda p: sf.write(p, np.zeros(0), 22050), "no samples"),
    (lambda p: sf.write(p, np.zeros(22050), 22050), "silent"),
])
def test_bad_audio_raises_typed_error(tmp_path, make, reason):
    path = tmp_path / "bad.wav"
    make(path)
    with pytest.raises(AudioError, match=reason) as info:
        load_audio(path)
    assert info.value.path == str(path)


def test_missing_file(tmp_path):
    with pytest.raises(AudioError, match="not found"):
        load_audio(tmp_path / "nope.wav")


def test_fix_length():
    y = np.arange(10, dtype=float)
    assert np.array_equal(fix_length(y, 4), y[:4])
    assert np.array_equal(fix_length(y, 12)[-2:], [0, 0])


def test_frame_exact_fit_and_remainder():
    y = np.arange(10, dtype=float)
    frames = frame(y, 4, 3)  # starts 0, 3, 6: the last frame ends exactly at the end
    assert frames.shape == (3, 4) and np.array_equal(frames[1], [3, 4, 5, 6])
    assert np.shares_memory(frames, y)  # a view when nothing is padded
    assert frame(y, 5).shape == (2, 5)  # exact fit, no overlap
    assert np.array_equal(frame(y, 4), [[0, 1, 2, 3], [4, 5, 6, 7]])  # remainder (8, 9) dropped
    padded = frame(y, 4, pad="end")  # remainder kept, zero-padded
    assert padded.shape == (3, 4) and np.array_equal(padded[-1], [8, 9, 0, 0])
    assert frame(y, 4, 3, pad="end").shape == (3, 4)  # nothing left over: no extra frame
    assert np.array_equal(frame(y, 4, pad="none"), frame(y, 4, pad="short"))


def test_frame_shorter_than_one_frame():
    y = np.arange(1, 3, dtype=float)
    assert np.array_equal(frame(y, 4), [[1, 2, 0, 0]])  # one zero-padded frame
    assert np.array_equal(frame(y, 5, pad_mode="wrap"), [[1, 2, 1, 2, 1]])  # repeated
    assert np.array_equal(frame(y, 4, pad="end"), [[1, 2, 0, 0]])
    with pytest.raises(ParameterError, match="fewer than one frame"):
        frame(y, 4, pad="none")
    with pytest.raises(ParameterError, match="empty"):
        frame(y[:0], 4)


def test_frame_along_the_time_axis_of_spectrograms():
    spec = np.arange(3 * 10).reshape(3, 10)  # (bands, frames)
    patches = frame(spec, 4, 2, axis=-1)
    assert patches.shape == (4, 3, 4) and np.array_equal(patches[1], spec[:, 2:6])
    by_rows = frame(spec.T, 4, 2, axis=0)  # (frames, bands)
    assert by_rows.shape == (4, 4, 3) and np.array_equal(by_rows, patches.transpose(0, 2, 1))
    clips = np.zeros((2, 7, 5))  # (clips, frames, bands)
    assert frame(clips, 3, axis=1, pad="end").shape == (3, 2, 3, 5)


@pytest.mark.parametrize("kwargs, match", [
    ({"frame_length": 0}, "frame_length"), ({"frame_length": 2.5}, "frame_length"),
    ({"frame_length": 4, "hop_length": 0}, "hop_length"), ({"frame_length": 4, "axis": 1}, "axis"),
    ({"frame_length": 4, "pad": "both"}, "pad"), ({"frame_length": 4, "pad_mode": "reflect"}, "pad_mode"),
])
def test_frame_validates_its_parameters(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        frame(np.zeros(10), **kwargs)


def test_decoded_cache_gives_the_direct_read_and_skips_decoding(wav, tmp_path, monkeypatch):
    stereo = wav("stereo.wav", seconds=2.0, sr=24000)
    y, sr = sf.read(stereo)
    sf.write(stereo, np.stack([y, 0.5 * y], axis=1), sr)
    cache = tmp_path / "decoded"
    for target_sr, duration in ((24000, None), (22050, 1.5), (16000, 3.0)):
        direct = load_audio(stereo, sr=target_sr, duration=duration)
        np.testing.assert_array_equal(load_audio(stereo, sr=target_sr, duration=duration, decoded_cache=cache), direct)
    assert len(list(cache.glob("*.npy"))) == 1  # one entry per file, at its own rate, for every rate and duration

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded again")

    monkeypatch.setattr(sf.SoundFile, "read", no_decoding)
    assert len(load_audio(stereo, sr=8000, decoded_cache=cache)) == 16000
    with pytest.raises(AudioError):  # an undecodable file still says so
        corrupt = tmp_path / "corrupt.wav"
        corrupt.write_bytes(b"RIFF....garbage")
        load_audio(corrupt, decoded_cache=cache)
