"""Folds on a Dask cluster (mer_core.cluster): the same records as a serial run, and a one-line error
when the scheduler cannot be reached."""
import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from mer_core import cluster
from mer_core.errors import ParameterError
from mer_core.evaluation import cross_validate
from mer_core.models.torch_estimator import TorchClassifier

distributed = pytest.importorskip("distributed", reason="dask.distributed not installed (pip install -e .[cluster])")


def spectrogram_clips(n=24, bands=16, frames=32, seed=0):
    """Four classes of tiny 'spectrograms': each class is brighter in its own quarter of the bands."""
    rng = np.random.default_rng(seed)
    y = np.repeat(["Q1", "Q2", "Q3", "Q4"], n // 4)
    X = rng.normal(0, 1, (n, bands, frames)).astype(np.float32)
    for k, label in enumerate(["Q1", "Q2", "Q3", "Q4"]):
        X[y == label, k * bands // 4:(k + 1) * bands // 4] += 2.0
    return X, y, np.arange(n) // 2  # pairs of clips share a song


@pytest.fixture(scope="module")
def local_cluster():
    cl = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    yield cl
    cluster.close_clients()
    cl.close()


def test_folds_on_a_two_worker_cluster_give_the_serial_records(local_cluster, monkeypatch, torch_one_thread):
    X, y, groups = spectrogram_clips()
    models = {"svm": make_pipeline(StandardScaler(), SVC(random_state=0)),
              "cnn": TorchClassifier("cnn_baseline", {"channels": (4, 4, 4, 4, 4)}, epochs=2, batch_size=8,
                                     random_state=0, num_threads=1)}
    X_flat = X.reshape(len(X), -1)
    serial = {name: cross_validate(model, X_flat if name == "svm" else X, y, groups=groups, cv="3x1", seed=0,
                                   progress=False, method=name) for name, model in models.items()}
    monkeypatch.setenv(cluster.SCHEDULER_ENV, local_cluster.scheduler_address)
    context, n_jobs = cluster.fold_backend(1)
    assert n_jobs == -1
    client = cluster.client(local_cluster.scheduler_address)
    distributed_runs = {name: cross_validate(model, X_flat if name == "svm" else X, y, groups=groups, cv="3x1",
                                             seed=0, progress=False, method=name) for name, model in models.items()}
    for name in models:
        a, b = serial[name], distributed_runs[name]
        assert a.records.equals(b.records), name  # every metric of every fold, bit for bit
        assert a.predictions.equals(b.predictions), name
    prefixes = client.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.task_prefixes))
    assert any(p.startswith("batch_of__run_fold") for p in prefixes), prefixes  # the folds ran as tasks

def test_an_unreachable_scheduler_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 1)
    monkeypatch.setenv(cluster.SCHEDULER_ENV, "tcp://127.0.0.1:9")
    with pytest.raises(ParameterError, match="cannot reach the Dask scheduler tcp://127.0.0.1:9"):
        cluster.fold_backend(1)
    monkeypatch.setenv(cluster.SCHEDULER_ENV, "")
    assert cluster.scheduler_address() is None and cluster.fold_backend(3)[1] == 3
