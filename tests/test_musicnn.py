"""musicnn port: checkpoint reader, weight fetching, and equivalence with the TensorFlow originals.

``fixtures/musicnn_reference.npz`` was made outside the project, in a throw-away venv with
tensorflow-cpu 2.15.1, numpy 1.26 and librosa 0.10.2, by running musicnn 0.1.0's own
``models.define_model`` graphs and checkpoints (``tf.compat.v1``) on the two signals of
:func:`reference_signal`; its ``versions`` entry records them. It holds, per signal, the
float16 mel power musicnn computes (``mel16_*``), each model's taggram and some embeddings,
and a small checkpoint written by TensorFlow's ``SaveV2`` (``ckpt_index``, ``ckpt_data``)
whose tensors are those of :func:`small_checkpoint_tensors`.
"""
from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import torch

from mer_core import weights
from mer_core.errors import ParameterError, WeightsError
from mer_core.features import musicnn as mn
from mer_core.features import tf_checkpoint as ckpt
from mer_core.features.base import DECODED, MissingWeightsError, extract

FIXTURE = Path(__file__).parent / "fixtures" / "musicnn_reference.npz"
needs_weights = pytest.mark.skipif(
    not weights.musicnn_weights_present(),
    reason="musicnn weights not fetched: run `mer weights fetch` (done by `make setup`)")


def reference_signal(kind, seed=0, duration=6.0, sr=16000):
    """The deterministic inputs of the reference run (same code as the script that made it)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(round(duration * sr))) / sr
    if kind == "chirp":
        # log chirp 60 Hz -> 6 kHz plus white noise
        f0, f1 = 60.0, 6000.0
        k = np.log(f1 / f0) / duration
        phase = 2 * np.pi * f0 * (np.exp(k * t) - 1) / k
        y = 0.25 * np.sin(phase) + 0.02 * rng.standard_normal(t.size)
    elif kind == "chords":
        # harmonic tones changing every 0.5 s with percussive noise bursts
        y = np.zeros_like(t)
        for start in np.arange(0, duration, 0.5):
            f = 110.0 * 2 ** (rng.integers(0, 24) / 12)
            seg = (t >= start) & (t < start + 0.5)
            for h in range(1, 6):
                y[seg] += 0.08 / h * np.sin(2 * np.pi * h * f * t[seg])
            burst = seg & (t < start + 0.05)
            y[burst] += 0.2 * rng.standard_normal(burst.sum()) * np.exp(-(t[burst] - start) * 60)
    else:
        raise ValueError(kind)
    return y.astype(np.float32)


def small_checkpoint_tensors() -> dict[str, np.ndarray]:
    """The tensors TensorFlow saved into the fixture's small checkpoint."""
    out = {"a/float32": np.arange(12, dtype=np.float32).reshape(3, 4) / 7,
           "a/float64": np.array([np.pi, -np.e]),
           "a/int32": np.arange(-2, 3, dtype=np.int32),
           "a/int64": np.array(2**40 + 3, dtype=np.int64),
           "b/half": np.array([[0.5, -1.25], [65504, 1e-3]], dtype=np.float16),
           "b/bool": np.array([True, False, True]),
           "b/uint8": np.array([0, 1, 254, 255], dtype=np.uint8),
           "empty": np.zeros((0, 3), dtype=np.float32)}
    for i in range(40):
        out[f"model/layer_{i:02d}/kernel"] = np.array([i, -i], dtype=np.float32)
    return out


@pytest.fixture(scope="module")
def ref():
    with np.load(FIXTURE) as data:
        return {k: data[k] for k in data.files}


# --- checkpoint reader ------------------------------------------------------------------

def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def block(entries, restart_interval=2) -> bytes:
    """An SSTable block with prefix-compressed keys, as LevelDB's BlockBuilder writes it."""
    body, restarts, previous = bytearray(), [], b""
    for i, (key, value) in enumerate(entries):
        shared = 0
        if i % restart_interval == 0:
            restarts.append(len(body))
        else:
            while shared < min(len(key), len(previous)) and key[shared] == previous[shared]:
                shared += 1
        body += varint(shared) + varint(len(key) - shared) + varint(len(value)) + key[shared:] + value
        previous = key
    return bytes(body) + b"".join(struct.pack("<I", r) for r in restarts) + struct.pack("<I", len(restarts))


@pytest.mark.parametrize("n", [0, 1, 127, 128, 300, 2**32 + 5, 2**64 - 1])
def test_read_varint_roundtrip(n):
    buf = b"\x07" + varint(n) + b"\x09"
    assert ckpt.read_varint(buf, 1) == (n, 1 + len(varint(n)))


def test_read_varint_rejects_truncated_input():
    with pytest.raises(ckpt.CheckpointError, match="varint"):
        ckpt.read_varint(b"\xff\xff", 0)


def test_parse_block_expands_shared_key_prefixes():
    entries = [(b"conv2d/bias", b"1"), (b"conv2d/kernel", b"22"), (b"conv2d_1/bias", b""),
               (b"conv2d_1/kernel", b"4444")]
    raw = block(entries)
    # the second key is stored as "7 bytes shared, 6 new bytes 'kernel', 2-byte value"
    assert b"\x07\x06\x02kernel22" in raw
    assert ckpt.parse_block(raw) == entries


def test_parse_block_rejects_corrupt_entries():
    raw = bytearray(block([(b"abc", b"x"), (b"abd", b"y")], restart_interval=16))
    raw[7] = 9  # second entry (after the 7 bytes of the first) claims 9 shared bytes of a 3-byte key
    with pytest.raises(ckpt.CheckpointError, match="corrupt"):
        ckpt.parse_block(bytes(raw))


def test_parse_bundle_entry_reads_dtype_shape_and_location():
    dim = lambda n: b"\x12" + varint(len(b"\x08" + varint(n))) + b"\x08" + varint(n)  # noqa: E731
    shape = dim(7) + dim(561) + dim(1) + dim(64)
    msg = (b"\x08\x01" + b"\x12" + varint(len(shape)) + shape + b"\x18\x00" + b"\x20" + varint(123456)
           + b"\x28" + varint(7 * 561 * 64 * 4) + b"\x35\x01\x02\x03\x04")
    entry = ckpt.parse_bundle_entry(msg)
    assert entry == ckpt.BundleEntry(dtype=1, shape=(7, 561, 1, 64), shard_id=0, offset=123456,
                                     size=7 * 561 * 64 * 4)


def write_small_checkpoint(ref, folder: Path) -> Path:
    prefix = folder / "ckpt"
    prefix.with_name("ckpt.index").write_bytes(ref["ckpt_index"].tobytes())
    prefix.with_name("ckpt.data-00000-of-00001").write_bytes(ref["ckpt_data"].tobytes())
    return prefix


def test_read_checkpoint_written_by_tensorflow(ref, tmp_path):
    prefix = write_small_checkpoint(ref, tmp_path)
    expected = small_checkpoint_tensors()
    got = ckpt.read_checkpoint(prefix)
    assert list(got) == sorted(expected)
    for name, value in expected.items():
        assert got[name].dtype == value.dtype and got[name].shape == value.shape, name
        np.testing.assert_array_equal(got[name], value, err_msg=name)
    only = ckpt.read_checkpoint(prefix, names=["model/layer_39/kernel"])
    assert list(only) == ["model/layer_39/kernel"]
    assert ckpt.list_variables(prefix)["a/float32"].shape == (3, 4)
    with pytest.raises(ckpt.CheckpointError, match="no tensor named nope"):
        ckpt.read_checkpoint(prefix, names=["nope"])


def test_read_checkpoint_rejects_damaged_files(ref, tmp_path):
    prefix = write_small_checkpoint(ref, tmp_path)
    data = prefix.with_name("ckpt.data-00000-of-00001")
    data.write_bytes(data.read_bytes()[:100])
    with pytest.raises(ckpt.CheckpointError, match="expected"):
        ckpt.read_checkpoint(prefix)
    data.unlink()
    with pytest.raises(ckpt.CheckpointError, match="not found"):
        ckpt.read_checkpoint(prefix)
    index = prefix.with_name("ckpt.index")
    index.write_bytes(index.read_bytes()[:-1] + b"\x00")
    with pytest.raises(ckpt.CheckpointError, match="magic"):
        ckpt.read_checkpoint(prefix)


# --- weights fetching -------------------------------------------------------------------

def fake_musicnn_wheel(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for model in weights.MUSICNN_MODELS:
            for member in (".index", ".data-00000-of-00001", "config.json", ".meta"):
                z.writestr(f"musicnn/{model}/{member}", f"{model}{member}")
        z.writestr("musicnn/models.py", "code")
        z.writestr("musicnn-0.1.0.dist-info/LICENSE.md", "ISC")
    return path


def test_fetch_musicnn_extracts_checkpoints_once(tmp_path, monkeypatch):
    calls = []

    def pip_download(spec, sha256, dest):
        calls.append((spec, sha256))
        dest.mkdir(parents=True)
        return fake_musicnn_wheel(dest / "musicnn-0.1.0-py3-none-any.whl")

    monkeypatch.setattr(weights, "_pip_download", pip_download)
    assert not weights.musicnn_weights_present(tmp_path)
    folder = weights.fetch_musicnn(tmp_path)
    assert folder == tmp_path / "musicnn-0.1.0" and calls == [("musicnn==0.1.0", weights.MUSICNN_SHA256)]
    assert (folder / "MTT_vgg" / "variables.index").read_text() == "MTT_vgg.index"
    assert (folder / "MSD_musicnn" / "variables.data-00000-of-00001").is_file()
    assert (folder / "LICENSE.md").read_text() == "ISC"
    assert not list(folder.rglob("*.meta")) and not list(folder.rglob("*.py"))
    assert weights.musicnn_weights_present(tmp_path)
    assert weights.fetch_musicnn(tmp_path) == folder and len(calls) == 1  # offline once present
    assert [p.name for p in tmp_path.iterdir()] == ["musicnn-0.1.0"]  # no staging left behind


def test_pip_download_checks_the_wheel_checksum(tmp_path, monkeypatch):
    def fake_run(cmd, **kw):
        dest = Path(cmd[cmd.index("--dest") + 1])
        dest.mkdir(parents=True)  # as pip does
        fake_musicnn_wheel(dest / "musicnn-0.1.0-py3-none-any.whl")
        return type("Done", (), {"returncode": 0, "stderr": ""})()

    monkeypatch.setattr(weights.subprocess, "run", fake_run)
    with pytest.raises(WeightsError, match="SHA-256"):
        weights._pip_download("musicnn==0.1.0", weights.MUSICNN_SHA256, tmp_path / "dl")


def test_missing_weights_raise_and_say_how_to_fetch(tmp_path):
    with pytest.raises(MissingWeightsError, match="mer weights fetch"):
        mn.load_musicnn("MTT_musicnn", weights_dir=tmp_path)
    extractor = mn.MusicnnEmbedding(weights_dir=tmp_path)
    assert extractor.requires_weights and not extractor.parallel
    assert extractor.weights_available() is False
    with pytest.raises(MissingWeightsError):
        extractor(np.zeros(16000, dtype=np.float32), 16000)
    with pytest.raises(ValueError, match="unknown musicnn model"):
        mn.load_musicnn("MSD_musicnn_big", weights_dir=tmp_path)


# --- front-end, patches, registry (no weights needed) ------------------------------------

def test_log_mel_matches_musicnn_front_end(ref):
    for name in ("chirp", "chords"):
        y = reference_signal(**json.loads(str(ref[f"spec_{name}"])))
        expected = np.log10(10000 * ref[f"mel16_{name}"].astype(np.float32) + 1)
        got = mn.log_mel(y)
        assert got.shape == expected.shape == (376, 96) and got.dtype == np.float32
        # bit-exact here; a float16 rounding flip from another FFT build may move a bin by < 1e-3
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-3)
        assert np.mean(got == expected) > 0.99
    with pytest.raises(ValueError, match="16000 Hz"):
        mn.log_mel(np.zeros(1000, dtype=np.float32), sr=22050)


def test_patches_follow_musicnn_batching():
    rep = np.arange(1876 * 2, dtype=np.float32).reshape(1876, 2)  # a 30 s clip at hop 256
    cut = mn.patches(rep)
    assert cut.shape == (10, 187, 2)  # the 6 frames after the 10th patch are dropped
    np.testing.assert_array_equal(cut[1], rep[187:374])
    assert mn.patches(rep, hop=94).shape == (18, 187, 2)
    short = mn.patches(rep[:50])
    assert short.shape == (1, 187, 2)
    np.testing.assert_array_equal(short[0, 100:150], rep[:50])  # repeated, not zero-padded
    with pytest.raises(ValueError, match="empty"):
        mn.patches(rep[:0])


def test_registry_names_and_dimensions():
    dims = {name: factory().dim for name, factory in mn.EXTRACTORS.items()}
    assert dims["musicnn_mtt"] == dims["musicnn_msd"] == 200
    assert dims["vgg_mtt"] == dims["vgg_msd"] == 256
    assert dims["musicnn_mtt_mean_pool"] == 753 and dims["vgg_msd_taggram"] == 50
    assert all(factory().name == name for name, factory in mn.EXTRACTORS.items())
    assert mn.MusicnnEmbedding("MSD_vgg", "taggram", pooling="mean+std").dim == 100
    assert mn.MusicnnEmbedding("MTT_musicnn", pooling="mean+std").name == "musicnn_mtt_mean_std"
    assert mn.MUSICNN_ARCHITECTURE_MODELS == ("MTT_musicnn", "MSD_musicnn")
    assert dims["musicnn_mel"] == 1876 * 96 and mn.EXTRACTORS["musicnn_frontend"]().model == "MTT_musicnn"
    assert "weights_dir" not in str(mn.MusicnnEmbedding(weights_dir="/x").params())
    assert len(mn.tag_names("MTT_vgg")) == len(mn.tag_names("MSD_musicnn")) == 50
    with pytest.raises(ValueError, match="no layer"):
        mn.MusicnnEmbedding("MTT_vgg", layer="penultimate")


# --- equivalence with the TensorFlow originals --------------------------------------------

@needs_weights
@pytest.mark.parametrize("model", weights.MUSICNN_MODELS)
def test_port_matches_tensorflow_musicnn(model, ref):
    net = mn.load_musicnn(model)
    for name in ("chirp", "chords"):
        logmel = np.log10(10000 * ref[f"mel16_{name}"].astype(np.float32) + 1)
        with torch.inference_mode():
            taggram, embeddings = net(torch.from_numpy(mn.patches(logmel)), return_embeddings=True)
        np.testing.assert_allclose(taggram.numpy(), ref[f"{model}_{name}_taggram"], rtol=0, atol=1e-4)
        for layer, value in embeddings.items():
            key = f"{model}_{name}_{layer}"
            if key in ref:
                scale = max(1.0, float(np.abs(ref[key]).max()))
                np.testing.assert_allclose(value.numpy(), ref[key], rtol=0, atol=1e-5 * scale, err_msg=key)


@needs_weights
def test_extractor_end_to_end_through_extract(ref, tmp_path):
    y = reference_signal(**json.loads(str(ref["spec_chords"])))
    path = tmp_path / "chords.wav"
    sf.write(path, y, 16000, subtype="FLOAT")
    tracks = pd.DataFrame({"track_id": ["chords"], "path": [str(path)]})
    extractor = mn.EXTRACTORS["musicnn_mtt"]()
    feats = extract(tracks, extractor, cache_dir=tmp_path / "cache", progress=False)
    assert feats.X.shape == (1, extractor.dim) and feats.n_failed == 0
    np.testing.assert_allclose(feats.X[0], ref["MTT_musicnn_chords_penultimate"].mean(axis=0), atol=1e-4)
    tags = mn.MusicnnEmbedding("MSD_vgg", "taggram", pooling="max")(y, 16000)
    np.testing.assert_allclose(tags, ref["MSD_vgg_chords_taggram"].max(axis=0), atol=1e-4)


@needs_weights
def test_one_network_pass_per_clip_serves_every_layer_and_pooling(ref, tmp_path, monkeypatch):
    y = reference_signal(**json.loads(str(ref["spec_chords"])))
    path = tmp_path / "chords.wav"
    sf.write(path, y, 16000, subtype="FLOAT")
    tracks = pd.DataFrame({"track_id": ["chords"], "path": [str(path)]})
    cache = tmp_path / "cache"
    penultimate = extract(tracks, mn.MusicnnEmbedding("MTT_musicnn"), cache_dir=cache, progress=False)
    # one entry for all layers (beside the clip's decoded samples, which every feature set shares)
    assert sorted(p.name for p in cache.iterdir()) == [DECODED, "musicnn_mtt_windows"]

    def no_network(*args, **kwargs):
        raise AssertionError("the network ran again")

    monkeypatch.setattr(mn.MusicnnEmbedding, "embed_layers", no_network)
    pool = extract(tracks, mn.MusicnnEmbedding("MTT_musicnn", "mean_pool", pooling="mean+max"), cache_dir=cache,
                   progress=False)
    np.testing.assert_allclose(penultimate.X[0], ref["MTT_musicnn_chords_penultimate"].mean(axis=0), atol=1e-4)
    expected = ref["MTT_musicnn_chords_mean_pool"]
    np.testing.assert_allclose(pool.X[0], np.concatenate([expected.mean(0), expected.max(0)]),
                               atol=1e-5 * max(1.0, float(np.abs(expected).max())))
    windows = mn.MusicnnEmbedding("MTT_musicnn").windows()
    table = np.load(next((cache / "musicnn_mtt_windows").glob("*.npy")))
    assert table.shape[1] == windows.dim == 50 + 200 + 753 + 753
    np.testing.assert_allclose(windows.layer(table, "taggram"), ref["MTT_musicnn_chords_taggram"], atol=1e-4)
    with pytest.raises(ParameterError, match="no layer 'pool5'"):
        windows.layer(table, "pool5")


@pytest.mark.parametrize("arch", ["musicnn", "vgg"])
def test_inference_takes_the_maximum_before_relu_and_batch_norm_with_the_same_values(arch):
    """In evaluation mode the blocks reduce first (_max_of_bn_relu); the plain order, bn(relu(x))
    then the maximum, must give the same outputs, also for channels whose batch-norm scale is
    negative (there the maximum becomes a minimum)."""
    torch.manual_seed(0)
    net = mn.MusiCNN() if arch == "musicnn" else mn.VGGTagger()
    for module in net.modules():
        if isinstance(module, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
            n = module.num_features
            module.weight.data = torch.randn(n)  # about half the scales negative
            module.bias.data, module.running_mean.data = torch.randn(n), torch.randn(n)
            module.running_var.data = torch.rand(n) + 0.5
    net.eval()
    x = 3 * torch.randn(2, 187, 96)
    with torch.inference_mode():
        fast, fast_layers = net(x, return_embeddings=True)

    def plain(x_, bn, maximum, *_):
        return maximum(bn(torch.nn.functional.relu(x_)))

    original = mn._max_of_bn_relu
    mn._max_of_bn_relu = plain
    try:
        with torch.inference_mode():
            slow, slow_layers = net(x, return_embeddings=True)
    finally:
        mn._max_of_bn_relu = original
    torch.testing.assert_close(fast, slow, rtol=0, atol=1e-6)
    for layer in slow_layers:
        scale = max(1.0, float(slow_layers[layer].abs().max()))
        torch.testing.assert_close(fast_layers[layer], slow_layers[layer], rtol=0, atol=1e-6 * scale)
