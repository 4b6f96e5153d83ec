import numpy as np
import pytest
import soundfile as sf

from mer_core.audio import AudioError, fix_length, load_audio, segment


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


def test_fix_length_and_segment():
    y = np.arange(10, dtype=float)
    assert np.array_equal(fix_length(y, 4), y[:4])
    assert np.array_equal(fix_length(y, 12)[-2:], [0, 0])
    segs = segment(y, 4, hop=3)
    assert segs.shape == (3, 4) and np.array_equal(segs[1], [3, 4, 5, 6])
    assert segment(y[:2], 4).shape == (1, 4)  # short clips still give one padded segment
