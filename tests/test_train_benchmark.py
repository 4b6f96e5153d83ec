"""The training benchmark's instruments: FLOP per step and the time inside forward/backward."""
import numpy as np
import pytest
import torch
from torch import nn

from mer_core import benchmark
from mer_core.models.torch_estimator import TorchClassifier


def test_step_flops_counts_forward_and_backward_of_two_linear_layers():
    net = nn.Sequential(nn.Linear(8, 6), nn.Linear(6, 4))
    batch, targets = torch.randn(5, 8), torch.randint(0, 4, (5,))
    forward = 2 * 5 * (8 * 6 + 6 * 4)
    # backward: both weight gradients, and the input gradient of the second layer only (the batch
    # needs none)
    backward = 2 * 5 * (8 * 6 + 6 * 4) + 2 * 5 * 6 * 4
    assert benchmark.step_flops(net, batch, targets) == forward + backward
    assert all(p.grad is None for p in net.parameters())  # the count leaves no gradient behind


def test_network_timer_splits_a_fit_into_inside_and_outside_the_network(torch_one_thread):
    X = np.random.default_rng(0).normal(size=(32, 8, 16)).astype(np.float32)
    y = np.repeat(["a", "b"], 16)
    model = TorchClassifier("cnn_baseline", {"channels": (4, 4, 4, 4, 4)}, epochs=2, batch_size=8, random_state=0,
                            num_threads=1)
    with benchmark.NetworkTimer() as timer:
        model.fit(X, y)
    assert timer.forwards == 2 * 4  # 2 epochs of 4 batches (no validation, no early stop reached)
    assert timer.forward_s > 0 and timer.backward_s > 0
    share = benchmark.time_inside_network(lambda: model.predict(np.repeat(X, 8, axis=0)))
    assert share["backward_s"] == 0 and 0 < share["forward_s"] <= share["wall_s"]
    assert 0 < share["inside_share"] <= 1


def test_network_timer_removes_its_hooks():
    layer = nn.Linear(3, 2)
    with benchmark.NetworkTimer() as timer:
        layer(torch.randn(1, 3))
    layer(torch.randn(1, 3))
    assert timer.forwards == 1


@pytest.mark.parametrize("net", ["cnn_baseline", "samplecnn"])
def test_training_table_measures_each_network(net):
    table = benchmark.training([net], widths=("narrow",), inputs=("smoke",), batch_size=2, steps=1, num_threads=1)
    row = table.iloc[0]
    assert row["network"] == net and row["width"] == "narrow" and row["torch_threads"] == 1 and row["device"] == "cpu"
    assert row["gflop_per_step"] > 0 and row["step_s"] > 0
    assert row["gflop_per_s"] == pytest.approx(row["gflop_per_step"] / row["step_s"], rel=0.05, abs=0.1)


def test_cross_validate_records_the_epochs_each_fold_ran(torch_one_thread):
    from sklearn.svm import SVC

    from mer_core.evaluation import cross_validate

    X = np.random.default_rng(0).normal(size=(24, 8, 16)).astype(np.float32)
    y = np.repeat(["a", "b"], 12)
    X[y == "b", :4] += 3.0
    net = TorchClassifier("cnn_baseline", {"channels": (4, 4, 4, 4, 4)}, epochs=6, batch_size=8, stop_train_acc=0.9,
                          random_state=0, num_threads=1)
    rec = cross_validate(net, X, y, cv="2x1", seed=0, progress=False).records.pivot(index="fold", columns="metric",
                                                                                    values="value")
    assert ((rec["epochs_run"] >= 1) & (rec["epochs_run"] <= 6)).all()
    stopped = rec["epochs_run"] < 6  # a fold that stopped early reached Louro et al.'s 90 % first
    assert (rec.loc[stopped, "last_train_acc"] >= 0.9).all()
    plain = cross_validate(SVC(), X.reshape(24, -1), y, cv="2x1", seed=0, progress=False).records
    assert not {"epochs_run", "last_train_acc"} & set(plain["metric"])  # no history, no extra records


class _FramedLinear(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(400, 2000)

    def forward(self, x):
        return self.dense(x)


def _toy_network():
    from mer_core.features.pretrained import PooledEmbedding, run_batches

    class ToyNetwork(PooledEmbedding):
        """One linear layer over 400-sample frames: 2000 values per frame, 2 * 400 * 2000 FLOP."""

        name, version, sr = "toy_net", "1", 8000
        layer_dims = {"embedding": 2000}

        def weights_available(self):
            return True

        def embed_layers(self, y, sr):
            if self._model is None:
                torch.manual_seed(0)
                self._model = _FramedLinear().eval()
            frames = y[: len(y) // 400 * 400].reshape(-1, 400)
            return {"embedding": run_batches(self._model, frames, batch_size=64)}

    return ToyNetwork()


def test_embedding_costs_splits_a_clip_into_decoding_front_end_and_network(wav, monkeypatch, tmp_path):
    import pandas as pd

    paths = [wav(f"c{i}.wav", seconds=1.0, sr=8000) for i in range(4)]
    tracks = pd.DataFrame({"track_id": [f"c{i}" for i in range(4)], "path": [str(p) for p in paths]})
    monkeypatch.setattr(benchmark, "get", lambda name: _toy_network() if name == "toy_net" else
                        __import__("mer_core.features.registry", fromlist=["get"]).get(name))
    monkeypatch.setenv("MER_WEIGHTS_DIR", str(tmp_path / "no-weights"))
    table = benchmark.embedding_costs(tracks, ["toy_net", "toy_net", "mfcc_stats", "vggish"], clips=2,
                                      num_threads=1, project_to=900).set_index("network")
    assert list(table.index) == ["toy_net_windows", "mfcc_stats", "vggish_windows"]  # one row per network
    row = table.loc["toy_net_windows"]
    assert row["windows_per_clip"] == 20 and row["clips"] == 2  # 1 s at 8 kHz in 400-sample frames
    assert row["gflop_per_clip"] == pytest.approx(20 * 2 * 400 * 2000 / 1e9, abs=0.005)
    assert row["network_s"] > 0 and row["decode_s"] > 0 and row["frontend_s"] >= 0
    per_clip = row["decode_s"] + row["frontend_s"] + row["network_s"]
    assert row["projected_cold_min"] == pytest.approx(900 * per_clip / 60, rel=0.01, abs=0.1)
    assert table.loc["mfcc_stats", "note"] == "not a pretrained network"
    assert table.loc["vggish_windows", "note"] == "weights absent: not run"
    assert not (tmp_path / "features").exists()  # nothing cached
    assert torch.get_num_threads() != 0
    with pytest.raises(benchmark.ParameterError, match="clips"):
        benchmark.embedding_costs(tracks, ["toy_net"], clips=0)


@pytest.mark.skipif(not benchmark.reset_peak_memory(), reason="needs Linux /proc/self/clear_refs")
def test_peak_memory_sees_a_freed_array_until_it_is_reset():
    benchmark.reset_peak_memory()
    before = benchmark.peak_memory_gb()
    block = np.ones(2**28, dtype=np.uint8)  # 0.25 GiB, touched
    del block
    after = benchmark.peak_memory_gb()
    assert after["peak_rss_gb"] >= before["peak_rss_gb"] + 0.24
    assert after["rss_anon_gb"] < after["peak_rss_gb"] - 0.2  # freed: gone from the resident memory
    benchmark.reset_peak_memory()
    assert benchmark.peak_memory_gb()["peak_rss_gb"] < after["peak_rss_gb"] - 0.2
