"""Several aligned inputs per clip as one ``X``: the :class:`Inputs` container.

Most estimators read one array per clip. Some read several: Louro et al.'s Hybrid Augmented
(log-mel and hand-crafted features), the Artists CNN (log-mel and artist). They take an
:class:`Inputs` as ``X``: named per-clip tables that are indexed together, so
:func:`mer_core.evaluation.cross_validate` splits it like an array (``X[train_rows]``) and a
fold's estimator reads only its own clips' rows. Estimators keep only hyper-parameters, so
``sklearn.base.clone`` and ``get_params`` work as for any scikit-learn estimator.
"""
from __future__ import annotations

import numpy as np

from ..errors import ParameterError


class Inputs:
    """Named per-clip tables, aligned row for row, passed as one ``X``.

    ``len(inputs)`` is the number of clips; ``inputs["logmel"]`` is one table (its rows for
    these clips); ``inputs[rows]`` (an integer index array, a boolean mask or a slice) is the
    :class:`Inputs` of those clips, in that order. Selecting clips copies nothing: the rows of
    a table are taken when the table is read, so memory-mapped tables
    (``np.load(..., mmap_mode="r")``) stay on disk until then.

    Parameters
    ----------
    **tables : array-like
        One entry per clip in each (arrays of any trailing shape, pandas Series or DataFrames,
        lists), e.g. ``logmel=(n, 96, 1366)``, ``top100=(n, 100)``, ``artist=(n,)``. Readers
        must treat them as read-only.

    Raises
    ------
    ParameterError
        If there is no table, a table is a scalar, or the tables' lengths differ.

    Examples
    --------
    >>> inputs = Inputs(logmel=logmels, top100=features, artist=tracks["artist"])
    >>> cross_validate(HybridAugmented(features="top100"), inputs, y, cv="10x10")

    Used by: :class:`~mer_core.models.hybrid.HybridAugmented`,
    :class:`~mer_core.models.transfer.ArtistsCNN` (notebooks/louro_dl.ipynb, Hybrid Augmented
    and Artists CNN rows, through :func:`mer_core.experiments.louro_dl.build_row`).
    """

    def __init__(self, **tables):
        if not tables:
            raise ParameterError("Inputs needs at least one table")
        self._tables = {}
        for name, table in tables.items():
            array = table.to_numpy() if hasattr(table, "to_numpy") else np.asarray(table)
            if array.ndim == 0:
                raise ParameterError(f"table {name!r} is a scalar, expected one entry per clip")
            self._tables[name] = array
        lengths = {name: len(array) for name, array in self._tables.items()}
        if len(set(lengths.values())) != 1:
            raise ParameterError(f"tables must have one entry per clip, got lengths {lengths}")
        self._n_rows = next(iter(lengths.values()))
        self._rows = None  # rows of the tables these clips are, in order; None: all of them

    @property
    def names(self) -> tuple[str, ...]:
        """The table names."""
        return tuple(self._tables)

    def __len__(self) -> int:
        return self._n_rows if self._rows is None else len(self._rows)

    def __getitem__(self, key):
        """``inputs["name"]``: a table's rows for these clips; ``inputs[rows]``: an :class:`Inputs` of some clips."""
        if isinstance(key, str):
            if key not in self._tables:
                raise KeyError(f"no table {key!r} in Inputs; it has {', '.join(self._tables)}")
            table = self._tables[key]
            return table if self._rows is None else table[self._rows]
        positions = np.arange(len(self))[key]
        if positions.ndim != 1:
            raise ParameterError(f"index Inputs with a table name or a 1-D array of rows, got {key!r}")
        subset = object.__new__(Inputs)
        subset._tables, subset._n_rows = self._tables, self._n_rows
        subset._rows = positions if self._rows is None else self._rows[positions]
        return subset

    def __repr__(self) -> str:
        shapes = ", ".join(f"{name}={array.shape[1:]} {array.dtype}" for name, array in self._tables.items())
        return f"Inputs(n_clips={len(self)}, {shapes})"


def check_inputs(X, *names: str) -> Inputs:
    """Return ``X`` if it is an :class:`Inputs` with every table of ``names``.

    Raises
    ------
    ParameterError
        If ``X`` is not an :class:`Inputs`, has no clip, or lacks one of the tables.
    """
    if not isinstance(X, Inputs):
        raise ParameterError(f"X must be an Inputs holding the tables {', '.join(names)}, got {type(X).__name__}")
    if len(X) == 0:
        raise ParameterError("X holds no clip")
    missing = [name for name in names if name not in X.names]
    if missing:
        raise ParameterError(f"X has no table {', '.join(map(repr, missing))}; it has {', '.join(X.names)}")
    return X
