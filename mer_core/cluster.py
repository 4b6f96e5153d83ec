"""Folds on a Dask cluster: one setting sends every cross-validation fold of the book to the workers.

The ``paper`` profile (e.g. Louro et al.'s 10 x 10 folds of 19 rows) is far beyond one small
machine. Every protocol of the book runs its folds through
:func:`mer_core.evaluation.cross_validate` / ``cross_validate_regression``, which hand them to
joblib; when a Dask scheduler is named, joblib's ``dask`` backend runs each fold as a task on
the cluster's workers and the results come back in fold order, into the same records.

Name the scheduler with ``mer book --scheduler ADDRESS`` or the environment variable
:data:`SCHEDULER_ENV` (``tcp://host:8786``); the executed notebooks inherit it. Without it,
everything runs on this machine as before. The workers need this package and the data path
(``MER_DATA_DIR``) and cache (``MER_CACHE_DIR``) at the same paths, e.g. on a shared file
system. A fold's result does not depend on where it runs: every fold seeds its own models, and
the torch models take their thread count from their ``num_threads`` (Dask's workers start with
one BLAS/OpenMP thread, so a model left at torch's default may round differently there than on
a multi-threaded laptop: give it ``num_threads`` to make the tables bit-identical).

Needs ``dask[distributed]`` (``pip install -e ".[cluster]"``).
"""
from __future__ import annotations

import os
from contextlib import contextmanager, nullcontext

from .errors import ParameterError

SCHEDULER_ENV = "MER_DASK_SCHEDULER"
"""Environment variable with the address of the Dask scheduler (unset or empty: run locally)."""

CONNECT_TIMEOUT_S = 30
"""Seconds to wait for the scheduler before giving up with a one-line error."""

_clients: dict = {}


def scheduler_address() -> str | None:
    """The scheduler named by :data:`SCHEDULER_ENV`, or None."""
    return os.environ.get(SCHEDULER_ENV, "").strip() or None


def client(address: str):
    """This process's ``distributed.Client`` of ``address`` (connected once, then reused).

    Raises
    ------
    ParameterError
        When dask.distributed is not installed or the scheduler does not answer.
    """
    if address in _clients:
        return _clients[address]
    try:
        from distributed import Client
    except ImportError as err:
        raise ParameterError(f"{SCHEDULER_ENV} is set but dask.distributed is not installed: pip install -e "
                             "\".[cluster]\"") from err
    try:
        _clients[address] = Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as err:
        raise ParameterError(f"cannot reach the Dask scheduler {address} ({SCHEDULER_ENV}): {err}") from err
    return _clients[address]


def fold_backend(n_jobs: int | None):
    """The joblib setting and worker count that run a protocol's folds.

    Returns ``(context, n_jobs)``: with a scheduler (:func:`scheduler_address`), joblib's
    ``dask`` backend and ``-1`` (every fold a task on the cluster); without, a null context
    and ``n_jobs`` unchanged (local processes, or in order for 1).

    Used by: :mod:`mer_core.evaluation` (every cross-validation of the book).
    """
    address = scheduler_address()
    if address is None:
        return nullcontext(), n_jobs
    client(address)
    return _dask_backend(), -1


@contextmanager
def _dask_backend():
    # joblib's parallel_config applies when it is built: build it only when the context is entered
    from joblib import parallel_config

    with parallel_config(backend="dask"):
        yield


def close_clients() -> None:
    """Close every client :func:`client` opened in this process (the cluster keeps running)."""
    while _clients:
        _clients.popitem()[1].close()
