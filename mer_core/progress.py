"""Progress bars that stay readable in logs.

On a terminal a bar redraws itself in place, ten times a second. Where stderr is not a
terminal (CI logs, notebooks executed by papermill) every redraw becomes a line of its own,
so one extraction would print hundreds of lines; there :func:`progress` draws a bar only
every :data:`LOG_INTERVAL_S` seconds and every tenth of the work at most.
"""
from __future__ import annotations

import math
import sys
from collections.abc import Iterable

import warnings

from tqdm import TqdmWarning
from tqdm.std import tqdm as plain_tqdm

with warnings.catch_warnings():
    # without ipywidgets tqdm.auto warns (naming this machine's paths) and falls back to the text bar
    warnings.simplefilter("ignore", TqdmWarning)
    from tqdm.auto import tqdm as terminal_tqdm

LOG_INTERVAL_S = 30.0
"""Shortest time between two redraws of a bar whose stderr is not a terminal."""

LOG_STEPS = 10
"""Redraws over the whole run (one per tenth of ``total``) at most, where stderr is not a terminal."""


def stderr_is_terminal() -> bool:
    """True when ``sys.stderr`` is an interactive terminal (False for pipes, files, notebooks)."""
    isatty = getattr(sys.stderr, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def progress(iterable: Iterable | None = None, *, total: int | None = None, desc: str | None = None,
             unit: str = "it", disable: bool = False):
    """A tqdm progress bar, redrawn rarely when stderr is not a terminal.

    Parameters
    ----------
    iterable : iterable, optional
        What to iterate over; omit it for a manual bar (``bar.update()``, ``bar.close()``).
    total : int, optional
        Number of steps (default ``len(iterable)`` where it has one).
    desc : str, optional
        Label printed before the bar.
    unit : str
        Name of one step ("clip", "epoch", ...).
    disable : bool
        Draw nothing (the bar still iterates and counts).

    Returns
    -------
    tqdm.tqdm
        On a terminal, :class:`tqdm.auto.tqdm` with its defaults. Otherwise a plain
        :class:`tqdm.std.tqdm` that redraws at most every :data:`LOG_INTERVAL_S` seconds and every
        1/:data:`LOG_STEPS` of ``total``, plus its final line: a long run prints a handful of lines.

    Used by: :func:`mer_core.features.extract`, :func:`mer_core.evaluation.cross_validate`,
    :func:`mer_core.datasets.synthetic.generate`, :func:`mer_core.datasets.status` (``deep=True``),
    the training loops of :mod:`mer_core.models.torch_estimator`.
    """
    if stderr_is_terminal():
        return terminal_tqdm(iterable, total=total, desc=desc, unit=unit, disable=disable)
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable)
    # maxinterval=inf: tqdm's monitor thread would otherwise force a redraw every 10 s
    return plain_tqdm(iterable, total=total, desc=desc, unit=unit, disable=disable, mininterval=LOG_INTERVAL_S,
                      maxinterval=math.inf, miniters=math.ceil(total / LOG_STEPS) if total else None)
