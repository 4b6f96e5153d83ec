"""Deep-embedding extractors: weight loaders on files in the official layouts, front-ends, errors.

The aiSFX test compares our port with the package's own model code and real weights when
``fetch_aisfx()`` has put them in the weights folder (the Makefile set-up does); OpenL3 and
VGGish are tested on full-size weight files with random values written by the tests in
the official layouts (Keras HDF5, torchvggish state dict, official PCA ``.npz``).
"""
from __future__ import annotations

import importlib.util
import warnings
import zipfile

import h5py
import librosa
import numpy as np
import pytest
import torch

from mer_core.errors import ParameterError, WeightsError
from mer_core.features import MissingWeightsError, aisfx, openl3, vggish
from mer_core.features.pretrained import pool_over_time
from mer_core.features.registry import get
from mer_core.weights import aisfx_dir, install_aisfx_wheel

RNG = np.random.default_rng(0)


def tone(freq: float, seconds: float, sr: int) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (0.5 * np.sin(2 * np.pi * freq * t) + 0.01 * RNG.standard_normal(t.size)).astype(np.float32)


# ---------------------------------------------------------------------------- shared

def test_pool_over_time():
    frames = np.array([[0.0, 4.0], [2.0, -2.0]])
    np.testing.assert_allclose(pool_over_time(frames, "mean"), [1.0, 1.0])
    np.testing.assert_allclose(pool_over_time(frames, "max"), [2.0, 4.0])
    np.testing.assert_allclose(pool_over_time(frames, "mean+max"), [1.0, 1.0, 2.0, 4.0])
    np.testing.assert_allclose(pool_over_time(frames, "mean+std"), [1.0, 1.0, 1.0, 3.0])
    with pytest.raises(ParameterError, match="pooling"):
        pool_over_time(frames, "median")
    with pytest.raises(ParameterError, match="non-empty"):
        pool_over_time(np.zeros((0, 2)), "mean")


@pytest.mark.parametrize("name, dim", [("openl3_512", 512), ("openl3_6144", 6144),
                                       ("vggish", 128), ("aisfx", 512)])
def test_missing_weights_raise_and_say_where(name, dim, tmp_path, monkeypatch):
    empty = tmp_path / "weights"
    empty.mkdir()
    monkeypatch.setenv("MER_WEIGHTS_DIR", str(empty))
    monkeypatch.setattr(openl3, "_openl3_package_dir", lambda: None)
    extractor = get(name)
    assert extractor.name == name and extractor.dim == dim
    assert extractor.requires_weights and not extractor.parallel
    assert extractor.weights_available() is False
    with pytest.raises(MissingWeightsError, match=str(empty)):
        extractor(tone(440, 1.0, extractor.sr), extractor.sr)


def test_extractor_options_are_validated():
    with pytest.raises(ParameterError, match="embedding_size"):
        openl3.OpenL3Embedding(1024)
    with pytest.raises(ParameterError, match="backend"):
        openl3.OpenL3Embedding(backend="keras")
    with pytest.raises(ParameterError, match="pooling"):
        vggish.VGGishEmbedding(pooling="median")
    assert aisfx.AisfxEmbedding(pooling="mean+max").dim == 1024
    # where the weights live is not part of the cache key
    assert "weights_dir" not in openl3.OpenL3Embedding(weights_dir="/somewhere").params()


# ---------------------------------------------------------------------------- aiSFX

def test_aisfx_blocks_follow_the_package():
    spec = np.full((230, 96), aisfx.AISFX_SPEC_MAX, dtype=np.float32)
    blocks = aisfx.aisfx_blocks(spec)
    # ceil((230 - 100) / 50 + 1) = 4 blocks, the last one partial and dropped
    assert blocks.shape == (3, 100, 96)
    np.testing.assert_allclose(blocks, 1.0)
    short = aisfx.aisfx_blocks(spec[:30])
    assert short.shape == (1, 100, 96)
    assert np.all(short[0, 30:] == 0) and np.all(short[0, :30] == 1)


def test_aisfx_wheel_with_wrong_hash_is_rejected(tmp_path):
    wheel = tmp_path / "aisfx-0.1.2-py2.py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("aisfx/models/checkpoint.pth", b"not the checkpoint")
    with pytest.raises(WeightsError, match="SHA-256"):
        install_aisfx_wheel(wheel, tmp_path / "out")
    assert not (tmp_path / "out" / "checkpoint.pth").exists()


def _aisfx_files_present() -> bool:
    folder = aisfx_dir()
    return (folder / "checkpoint.pth").is_file() and (folder / "cnn2d.py").is_file()


@pytest.mark.skipif(not _aisfx_files_present(),
                    reason="aiSFX weights not fetched (run `mer weights fetch`)")
def test_aisfx_port_matches_package_model_code():
    folder = aisfx_dir()
    spec = importlib.util.spec_from_file_location("aisfx_cnn2d", folder / "cnn2d.py")
    cnn2d = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cnn2d)
    state, datasets = aisfx._load_aisfx_checkpoint(folder / "checkpoint.pth")
    reference = cnn2d.CrossNet(cnn2d.EmbeddingNet("max", 3, 1, 64), datasets, "cpu")
    reference.load_state_dict(state)  # the package's own loading (inference.load_bestModel)
    reference.eval()
    ours = aisfx.load_aisfx()

    x = torch.from_numpy(RNG.uniform(0, 1, size=(2, 100, 96)).astype(np.float32))
    with torch.inference_mode():
        expected, got = reference.get_embedding(x), ours(x)
    assert got.shape == (2, 512)
    assert float((expected - got).abs().max()) < 1e-5

    extractor = aisfx.AisfxEmbedding()
    frames = extractor.embed_frames(tone(440, 5.0, 22050), 22050)
    assert frames.shape == (3, 512)  # 5 s -> 217 frames -> blocks at 0, 50, 100 (partial one dropped)
    vector = extractor(tone(440, 5.0, 22050), 22050)
    assert vector.shape == (extractor.dim,) and np.all(np.isfinite(vector))


# ---------------------------------------------------------------------------- OpenL3

def _keras_bn(n: int, mean: float = 0.0, var: float = 1.0) -> dict:
    return {"gamma": RNG.uniform(0.8, 1.2, n), "beta": RNG.normal(0, 0.1, n),
            "moving_mean": RNG.normal(mean, 0.1 * var ** 0.5, n),
            "moving_variance": RNG.uniform(0.5, 1.5, n) * var}


def _keras_conv(c_in: int, c_out: int) -> dict:
    return {"kernel": RNG.normal(0, (2.0 / (9 * c_in)) ** 0.5, (3, 3, c_in, c_out)),
            "bias": RNG.normal(0, 0.05, c_out)}


def write_openl3_h5(path) -> list[tuple[str, dict]]:
    """A full-size mel256 audio model in Keras 2 ``save_weights`` layout, random values."""
    widths = [1, 64, 64, 128, 128, 256, 256, 512, 512]
    layers = [("input_1", {}), ("melspectrogram_1", {"freq2mel": RNG.random((1025, 256))}),
              ("batch_normalization_1", _keras_bn(1, mean=-40.0, var=400.0))]
    for i in range(8):
        name = f"conv2d_{i + 1}" if i < 7 else "audio_embedding_layer"
        layers.append((name, _keras_conv(widths[i], widths[i + 1])))
        if i < 7:
            layers.append((f"batch_normalization_{i + 2}", _keras_bn(widths[i + 1])))
        if i in (1, 3, 5):
            layers.append((f"max_pooling2d_{i // 2 + 1}", {}))
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([n.encode() for n, _ in layers])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.2.4"
        for name, weights in layers:
            group = f.create_group(name)
            group.attrs["weight_names"] = np.array([f"{name}/{w}:0".encode() for w in weights], dtype="S")
            for w, value in weights.items():
                group.create_dataset(f"{name}/{w}:0", data=np.asarray(value, dtype=np.float32))
    return layers


@pytest.fixture(scope="module")
def openl3_weights(tmp_path_factory):
    root = tmp_path_factory.mktemp("weights")
    layers = write_openl3_h5(root / "openl3" / openl3.OPENL3_WEIGHTS_FILE)
    return root, dict(layers)


def _conv_same_nhwc(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Keras Conv2D, 3x3, 'same' padding, on an (H, W, C) array."""
    h, w, _ = x.shape
    padded = np.pad(x, ((1, 1), (1, 1), (0, 0)))
    out = np.zeros((h, w, kernel.shape[3]))
    for dy in range(3):
        for dx in range(3):
            out += padded[dy:dy + h, dx:dx + w, :] @ kernel[dy, dx]
    return out + bias


def _bn(x: np.ndarray, p: dict) -> np.ndarray:
    return (x - p["moving_mean"]) / np.sqrt(p["moving_variance"] + 1e-3) * p["gamma"] + p["beta"]


def test_openl3_loads_keras_h5_and_matches_numpy_first_block(openl3_weights):
    root, layers = openl3_weights
    model = openl3.load_openl3(512, weights_dir=root)
    # round trip: torch (out, in, h, w) is Keras (h, w, in, out) transposed
    kernel = layers["audio_embedding_layer"]["kernel"].astype(np.float32)
    np.testing.assert_array_equal(model.block4[3].weight.detach().numpy(), kernel.transpose(3, 2, 0, 1))
    np.testing.assert_array_equal(model.input_bn.running_var.numpy(),
                                  layers["batch_normalization_1"]["moving_variance"].astype(np.float32))

    audio = torch.from_numpy(tone(1000, 1.0, openl3.OPENL3_SR))[None]
    with torch.inference_mode():
        mel = model.frontend(audio)
        block1 = model.block1(model.input_bn(mel))
    assert block1.shape == (1, 64, 128, 99)
    # Keras channels_last; a 42 x 42 corner is enough: two 3x3 convolutions leave the top-left
    # 40 x 40 outputs exact (the true zero padding is on the top and left edges)
    x = mel[0].permute(1, 2, 0).double().numpy()[:42, :42]
    x = _bn(x, layers["batch_normalization_1"])
    x = np.maximum(_bn(_conv_same_nhwc(x, *layers["conv2d_1"].values()), layers["batch_normalization_2"]), 0)
    x = np.maximum(_bn(_conv_same_nhwc(x, *layers["conv2d_2"].values()), layers["batch_normalization_3"]), 0)
    x = x[:40, :40].reshape(20, 2, 20, 2, 64).max(axis=(1, 3))  # MaxPooling2D 2x2
    np.testing.assert_allclose(block1[0].permute(1, 2, 0).numpy()[:20, :20], x, rtol=1e-4, atol=1e-4)


def test_openl3_512_is_the_max_of_6144(openl3_weights):
    root, _ = openl3_weights
    small, large = openl3.load_openl3(512, root), openl3.load_openl3(6144, root)
    audio = torch.from_numpy(RNG.normal(0, 0.1, (1, openl3.OPENL3_SR)).astype(np.float32))
    with torch.inference_mode():
        e512, e6144 = small(audio), large(audio)
    assert e512.shape == (1, 512) and e6144.shape == (1, 6144)
    # 6144 = 4 x 3 positions x 512 channels, flattened height, width, channel (Keras order)
    torch.testing.assert_close(e6144.reshape(1, 4, 3, 512).amax(dim=(1, 2)), e512)


def test_openl3_extractor_on_official_layout(openl3_weights):
    root, _ = openl3_weights
    extractor = openl3.OpenL3Embedding(512, hop_size=1.0, pooling="mean+max", weights_dir=root)
    assert extractor.weights_available()
    y = tone(440, 1.5, 22050)
    frames = extractor.embed_frames(y, 22050)
    assert frames.shape == (2, 512)  # 1.5 s + 0.5 s centring pad -> windows at 0 s and 1 s
    vector = extractor(y, 22050)
    assert vector.shape == (extractor.dim,) == (1024,)
    np.testing.assert_allclose(vector[:512], frames.mean(axis=0), rtol=1e-5)


def test_openl3_loader_rejects_a_wrong_layout(tmp_path):
    path = tmp_path / "openl3" / openl3.OPENL3_WEIGHTS_FILE
    write_openl3_h5(path)
    with h5py.File(path, "a") as f:  # drop the last convolution
        f.attrs["layer_names"] = [n for n in f.attrs["layer_names"] if n != b"audio_embedding_layer"]
    with pytest.raises(WeightsError, match="weighted layers"):
        openl3.load_openl3(512, weights_dir=tmp_path)


def test_kapre_frontend_matches_dft_definition():
    audio = RNG.normal(0, 0.1, openl3.OPENL3_SR).astype(np.float64)
    # kapre 0.1.4: DFT as a strided convolution with periodic-Hann-windowed cos/sin kernels
    n = np.arange(openl3.OPENL3_N_FFT)
    k = np.arange(openl3.OPENL3_N_FFT // 2 + 1)
    window = 0.5 - 0.5 * np.cos(2 * np.pi * n / openl3.OPENL3_N_FFT)
    angle = 2 * np.pi * np.outer(n, k) / openl3.OPENL3_N_FFT
    padded = np.pad(audio, (982, 982))  # TF 'same': (199 - 1) * 242 + 2048 - 48000 = 1964
    frames = np.stack([padded[i * 242:i * 242 + 2048] for i in range(199)])
    real, imag = frames @ (window[:, None] * np.cos(angle)), frames @ (window[:, None] * np.sin(angle))
    power = real ** 2 + imag ** 2
    with warnings.catch_warnings():  # two HTK bands are narrower than an FFT bin, as in kapre
        warnings.simplefilter("ignore")
        mel = librosa.filters.mel(sr=48000, n_fft=2048, n_mels=256, htk=True, norm="slaney")
    db = 10 * np.log10(np.maximum(np.sqrt(mel @ power.T), 1e-10))
    expected = np.maximum(db - db.max(), -80)
    with torch.inference_mode():
        got = openl3.KapreMelspectrogram()(torch.from_numpy(audio.astype(np.float32))[None])
    assert got.shape == (1, 1, 256, 199)
    np.testing.assert_allclose(got[0, 0].numpy(), expected, atol=2e-3)


def test_openl3_windows_follow_the_package():
    windows = openl3.openl3_windows(np.ones(openl3.OPENL3_SR, dtype=np.float32), hop_size=0.1, center=True)
    assert windows.shape == (6, openl3.OPENL3_SR)  # 1 s + 0.5 s pad -> 1 + ceil(0.5 / 0.1) windows
    assert np.all(windows[0, :24000] == 0) and np.all(windows[0, 24000:] == 1)
    assert openl3.openl3_windows(np.ones(100), hop_size=0.1, center=False).shape == (1, openl3.OPENL3_SR)


# ---------------------------------------------------------------------------- VGGish

def write_torchvggish_files(folder) -> dict:
    """A torchvggish ``vggish-*.pth`` state dict and an official-layout PCA ``.npz``, random values."""
    state = {}
    for index, (c_in, c_out) in zip((0, 3, 6, 8, 11, 13), ((1, 64), (64, 128), (128, 256), (256, 256),
                                                          (256, 512), (512, 512))):
        state[f"features.{index}.weight"] = torch.randn(c_out, c_in, 3, 3) * (2.0 / (9 * c_in)) ** 0.5
        state[f"features.{index}.bias"] = torch.randn(c_out) * 0.01
    for index, (n_in, n_out) in zip((0, 2, 4), ((12288, 4096), (4096, 4096), (4096, 128))):
        state[f"embeddings.{index}.weight"] = torch.randn(n_out, n_in) * (2.0 / n_in) ** 0.5
        state[f"embeddings.{index}.bias"] = torch.randn(n_out) * 0.01
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(state, folder / "vggish-10086976.pth")
    pca_matrix = np.linalg.qr(RNG.normal(size=(128, 128)))[0] * 0.1  # keeps most values inside [-2, 2]
    pca_means = RNG.normal(0, 0.1, 128)
    np.savez(folder / "vggish_pca_params.npz", pca_eigen_vectors=pca_matrix, pca_means=pca_means)
    return {"state": state, "pca_eigen_vectors": pca_matrix, "pca_means": pca_means}


@pytest.fixture(scope="module")
def vggish_weights(tmp_path_factory):
    root = tmp_path_factory.mktemp("weights")
    yield root, write_torchvggish_files(root / "vggish")
    for path in (root / "vggish").iterdir():  # 290 MB: do not leave it in pytest's kept tmp dirs
        path.unlink()


def test_vggish_examples_shape_and_mel_scale():
    examples = vggish.vggish_examples(tone(1000, 3.0, 16000), 16000)
    assert examples.shape == (3, 96, 64)  # 298 frames of 10 ms -> 3 examples of 96
    edges = 1127 * np.log(1 + np.array([125.0, 7500.0]) / 700)
    centers_mel = np.linspace(*edges, 66)[1:-1]
    expected_band = int(np.argmin(np.abs(centers_mel - 1127 * np.log(1 + 1000 / 700))))
    assert np.bincount(examples.mean(axis=0).argmax(axis=1)).argmax() == expected_band
    assert vggish.vggish_examples(tone(1000, 0.5, 16000), 16000).shape == (1, 96, 64)


def test_vggish_loads_torchvggish_layout_and_pca(vggish_weights):
    root, files = vggish_weights
    model, (pca_matrix, pca_means) = vggish.load_vggish(weights_dir=root)
    np.testing.assert_allclose(pca_matrix, files["pca_eigen_vectors"])
    y = tone(440, 2.0, 16000)
    examples = vggish.vggish_examples(y, 16000)
    with torch.inference_mode():
        raw = model(torch.from_numpy(examples)).numpy()
        maps = model.features(torch.from_numpy(examples)[:, None]).numpy()
    # TensorFlow flattens (height, width, channel); the embedding layer has no ReLU
    x = maps.transpose(0, 2, 3, 1).reshape(len(maps), -1)
    for index in (0, 2, 4):
        weight, bias = (files["state"][f"embeddings.{index}.{k}"].numpy() for k in ("weight", "bias"))
        x = x @ weight.T + bias
        x = np.maximum(x, 0) if index < 4 else x
    np.testing.assert_allclose(raw, x, rtol=1e-3, atol=1e-3)

    extractor = vggish.VGGishEmbedding(weights_dir=root)
    frames = extractor.embed_frames(y, 16000)
    expected = np.round((np.clip((pca_matrix @ (raw.T - pca_means[:, None])).T, -2, 2) + 2) * 255 / 4)
    np.testing.assert_allclose(frames, expected, atol=1.0)  # at most one quantisation step apart
    assert np.mean(frames == expected) > 0.99
    assert np.mean((frames > 0) & (frames < 255)) > 0.5  # the check is not all saturation
    vector = extractor(tone(440, 2.0, 22050), 22050)
    assert vector.shape == (128,) and 0 <= vector.min() and vector.max() <= 255


def test_vggish_without_pca_needs_only_the_network(vggish_weights, tmp_path):
    root, _ = vggish_weights
    (tmp_path / "vggish").mkdir()
    (tmp_path / "vggish" / "vggish-10086976.pth").symlink_to(root / "vggish" / "vggish-10086976.pth")
    assert not vggish.VGGishEmbedding(weights_dir=tmp_path).weights_available()
    with pytest.raises(MissingWeightsError, match="vggish_pca_params.npz"):
        vggish.load_vggish(weights_dir=tmp_path)
    raw = vggish.VGGishEmbedding(postprocess=False, weights_dir=tmp_path)
    assert raw.weights_available()
    assert raw(tone(440, 1.0, 16000), 16000).shape == (128,)
