"""Benchmarks: feature extraction per extractor, cold and from cache (``mer features benchmark``), where
a pretrained network's extraction time goes (``mer features costs``), and training cost and peak memory of
the Louro networks (``mer train-benchmark``).

Benchmarks, not tests: they time real work (extraction of a real dataset, training steps of the
real networks) and write CSV rows naming the machine and how busy it was, so the book can state
timings with their origin.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pandas as pd
import soundfile as sf

from .config import cache_dir as default_cache_dir
from .errors import ParameterError
from .features import extract
from .features.base import DECODED
from .features.registry import get
from .provenance import machine


def run(tracks: pd.DataFrame, names, *, n_jobs: int | None = None, cache_dir=None, dataset: str = "") -> pd.DataFrame:
    """Time each extractor over ``tracks`` twice: first run (cold unless entries exist) and cached rerun.

    Returns a table with ``extractor, cache`` (the cache folder: a pretrained network's
    layers share one, so a second layer of a network is a cached run), ``dim, clips, failed, audio_s, first_run_s, cached_s,
    clips_per_s, x_realtime, cold_entries_before, decoded_before, machine, load_avg_1min, n_jobs, dataset, date``.
    ``cold_entries_before`` counts cache entries that already existed, so a "first run" that was not
    cold says so; ``decoded_before`` counts the clips whose decoded samples an earlier extractor left
    in the cache (:data:`mer_core.features.base.DECODED`): the first extractor of a cold run decodes
    every clip, the others read the samples.
    """
    audio_s = float(sum(sf.info(p).duration for p in tracks["path"]))
    root = Path(default_cache_dir(cache_dir))
    rows = []
    for name in names:
        ex = get(name)
        if ex.requires_weights and not ex.weights_available():
            rows.append({"extractor": name, "note": "weights absent: not run"})
            continue
        # a pretrained network's layers share one cache entry per clip: its window vectors
        cache_name = ex.windows().name if hasattr(ex, "windows") else ex.name
        before = len(list((root / cache_name).glob("*.npy"))) if (root / cache_name).is_dir() else 0
        decoded = len(list((root / DECODED).glob("*.npy"))) if (root / DECODED).is_dir() else 0
        load_before = os.getloadavg()[0]
        t0 = time.perf_counter()
        first = extract(tracks, ex, cache_dir=cache_dir, n_jobs=n_jobs)
        t1 = time.perf_counter()
        extract(tracks, ex, cache_dir=cache_dir, n_jobs=n_jobs, progress=False)
        t2 = time.perf_counter()
        dim = first.X.shape[1] if hasattr(first.X, "shape") and first.X.ndim == 2 else None
        rows.append({"extractor": name, "cache": cache_name, "dim": dim, "clips": len(first.tracks), "failed": first.n_failed,
                     "audio_s": round(audio_s, 1), "first_run_s": round(t1 - t0, 2), "cached_s": round(t2 - t1, 2),
                     "clips_per_s": round(len(tracks) / (t1 - t0), 2), "x_realtime": round(audio_s / (t1 - t0), 1),
                     "cold_entries_before": before, "decoded_before": decoded, "machine": machine(),
                     # other processes on the machine slow every figure: say how busy it was
                     "load_avg_1min": round(max(load_before, os.getloadavg()[0]), 1),
                     "n_jobs": n_jobs or os.cpu_count(), "dataset": dataset,
                     "date": time.strftime("%Y-%m-%d")})
    return pd.DataFrame(rows)


def embedding_costs(tracks: pd.DataFrame, names, *, clips: int = 20, num_threads: int = 2,
                    project_to: int | None = None) -> pd.DataFrame:
    """Where a cold extraction's time goes, per pretrained network: decoding, front-end, network.

    For each network of ``names`` (registry names; one row per network even when several names
    share it), its :meth:`~mer_core.features.pretrained.PooledEmbedding.windows` extractor runs on
    the first ``clips`` clips of ``tracks`` without the cache, after one untimed warm-up clip (the
    weights load), on ``num_threads`` torch threads set explicitly. Per clip it times the decoding
    (:func:`mer_core.audio.load_audio` at the network's rate) and the extractor call, and splits
    the call into the time inside the network's forward passes (:class:`NetworkTimer`) and the
    rest (spectrogram, framing: the front-end). The network's FLOP per clip are counted by torch's
    ``FlopCounterMode`` on the warm-up clip. Nothing is written to the feature cache.

    Parameters
    ----------
    tracks : pandas.DataFrame
        A Tracks table; its first ``clips`` rows are timed.
    names : iterable of str
        Registry names of pretrained-network extractors; others (and networks whose weights
        are absent) get a row with a ``note``.
    project_to : int, optional
        Clips to project the cold extraction to (default ``len(tracks)``).

    Returns
    -------
    pandas.DataFrame
        ``network, clips, windows_per_clip, gflop_per_clip, decode_s, frontend_s, network_s``
        (seconds per clip, means), ``network_gflop_per_s, projected_clips, projected_cold_min``
        (decode + front-end + network for ``projected_clips``), ``torch_threads, machine,
        load_avg_1min, date``, and a last row ``all networks`` with the sums.

    Used by: ``mer features costs``; its table is shown in notebooks/koh_dubnov.ipynb.
    """
    import numpy as np
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from .audio import load_audio

    if clips < 1:
        raise ParameterError(f"clips must be at least 1, got {clips}")
    sample = tracks.iloc[:clips + 1]
    if len(sample) < 2:
        raise ParameterError("embedding_costs needs at least two clips (one warm-up, one timed)")
    projected = int(project_to or len(tracks))
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(int(num_threads))
    rows, seen = [], set()
    try:
        for name in names:
            ex = get(name)
            if not hasattr(ex, "windows"):
                rows.append({"network": name, "note": "not a pretrained network"})
                continue
            windows = ex.windows()
            if windows.name in seen:
                continue
            seen.add(windows.name)
            if not windows.weights_available():
                rows.append({"network": windows.name, "note": "weights absent: not run"})
                continue
            load_before = os.getloadavg()[0]
            first = load_audio(sample["path"].iloc[0], sr=windows.sr, duration=windows.duration)
            counter = FlopCounterMode(display=False)
            with counter:
                n_windows = len(windows(first, windows.sr))
            decode, frontend, network = [], [], []
            for path in sample["path"].iloc[1:]:
                t0 = time.perf_counter()
                y = load_audio(path, sr=windows.sr, duration=windows.duration)
                t1 = time.perf_counter()
                with NetworkTimer() as timer:
                    windows(y, windows.sr)
                t2 = time.perf_counter()
                decode.append(t1 - t0)
                network.append(timer.forward_s)
                frontend.append(t2 - t1 - timer.forward_s)
            gflop = counter.get_total_flops() / 1e9
            per_clip = float(np.mean(decode) + np.mean(frontend) + np.mean(network))
            rows.append({"network": windows.name, "clips": len(decode), "windows_per_clip": n_windows,
                         "gflop_per_clip": round(gflop, 3), "decode_s": round(float(np.mean(decode)), 4),
                         "frontend_s": round(float(np.mean(frontend)), 4),
                         "network_s": round(float(np.mean(network)), 4),
                         "network_gflop_per_s": round(gflop / float(np.mean(network)), 1),
                         "projected_clips": projected, "projected_cold_min": round(projected * per_clip / 60, 1),
                         "torch_threads": torch.get_num_threads(), "machine": machine(),
                         "load_avg_1min": round(max(load_before, os.getloadavg()[0]), 1),
                         "date": time.strftime("%Y-%m-%d")})
    finally:
        torch.set_num_threads(previous_threads)
    table = pd.DataFrame(rows)
    timed = table.dropna(subset=["gflop_per_clip"]) if "gflop_per_clip" in table else table.iloc[:0]
    if len(timed) > 1:
        total = {"network": "all networks", "clips": int(timed["clips"].min()),
                 **{c: round(float(timed[c].sum()), 4) for c in ("gflop_per_clip", "decode_s", "frontend_s",
                                                                  "network_s", "projected_cold_min")},
                 "projected_clips": projected, "torch_threads": int(num_threads), "machine": machine(),
                 "load_avg_1min": round(float(timed["load_avg_1min"].max()), 1), "date": time.strftime("%Y-%m-%d")}
        total["network_gflop_per_s"] = round(total["gflop_per_clip"] / total["network_s"], 1)
        table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    return table


# --- training: FLOP per step, achieved GFLOP/s, and where a row's time goes -------------------------


class NetworkTimer:
    """Seconds spent inside the forward and backward passes of every torch network while active.

    A context manager with global module hooks, so any estimator can be timed without changing
    its code: a top-level forward runs from its module's pre-hook to its post-hook (nested
    modules are not counted twice); a backward runs from the gradient of that forward's output
    to the last gradient accumulated into the module's parameters. Time outside these spans
    (batch gathering, augmentation, the loss, the optimizer step, Python bookkeeping) is what
    a row spends outside the network.

    Attributes
    ----------
    forward_s, backward_s : float
        Accumulated seconds.
    forwards : int
        Top-level forward passes seen.

    Used by: :func:`time_inside_network`, ``mer train-benchmark``.
    """

    def __init__(self):
        self.forward_s = self.backward_s = 0.0
        self.forwards = 0
        self._depth, self._start, self._backward = 0, 0.0, None
        self._handles, self._hooked = [], set()

    def __enter__(self) -> NetworkTimer:
        from torch.nn.modules.module import register_module_forward_hook, register_module_forward_pre_hook

        self._handles = [register_module_forward_pre_hook(self._pre), register_module_forward_hook(self._post)]
        return self

    def __exit__(self, *exc) -> None:
        self._close_backward()
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def _pre(self, module, inputs) -> None:
        if self._depth == 0:
            self._close_backward()
            self._start = time.perf_counter()
        self._depth += 1

    def _post(self, module, inputs, output) -> None:
        self._depth -= 1
        if self._depth:
            return
        self.forward_s += time.perf_counter() - self._start
        self.forwards += 1
        if getattr(output, "requires_grad", False):
            output.register_hook(self._backward_starts)
            if id(module) not in self._hooked:
                self._hooked.add(id(module))
                for p in module.parameters():
                    if p.requires_grad:
                        self._handles.append(p.register_post_accumulate_grad_hook(self._gradient_done))

    def _backward_starts(self, grad):
        self._backward = [time.perf_counter(), None]
        return grad

    def _gradient_done(self, param) -> None:
        if self._backward is not None:
            self._backward[1] = time.perf_counter()

    def _close_backward(self) -> None:
        if self._backward is not None and self._backward[1] is not None:
            self.backward_s += self._backward[1] - self._backward[0]
        self._backward = None


def step_flops(module, batch, targets) -> int:
    """FLOP of one training step's forward and backward (torch's ``FlopCounterMode``; the
    optimizer's update is not counted).

    Used by: :func:`training`.
    """
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter:
        torch.nn.functional.cross_entropy(module(batch), targets).backward()
    module.zero_grad(set_to_none=True)
    return int(counter.get_total_flops())


def training(nets=None, *, widths=("narrow", "paper"), inputs=("cpu", "paper"), batch_size: int = 16,
             steps: int = 3, num_threads: int = 2, seed: int = 0, device: str = "cpu") -> pd.DataFrame:
    """FLOP per step and achieved GFLOP/s of Louro et al.'s networks, per width and input resolution.

    Each network is built as the chapter builds it (:func:`mer_core.experiments.louro_dl.cnn_input_shapes`
    of the ``inputs`` profile: ``cpu`` pools the log-mel 2 x 4, ``paper`` keeps 96 x 1366;
    ``narrow`` widths :data:`~mer_core.experiments.louro_dl.NARROW_NETS` or the published ones) and
    trained on a random batch: one warm-up step, then ``steps`` timed steps (forward, backward,
    Adam update) on ``num_threads`` torch threads, set explicitly, on ``device`` (``"cuda"`` on a
    GPU: each step is timed up to the device's synchronisation).

    Returns
    -------
    pandas.DataFrame
        ``network, width, input, input_shape, parameters, batch, gflop_per_step, step_s (median),
        gflop_per_s, epoch_720_s`` (a training epoch of 720 clips: 45 steps of 16), ``torch_threads,
        machine, load_avg_1min, date``.

    Used by: ``mer train-benchmark``.
    """
    import numpy as np
    import torch

    from .experiments.louro_dl import NARROW_NETS, cnn_input_shapes
    from .models.nets import NETS, build_net, count_parameters
    from .models.torch_estimator import resolve_device

    device = resolve_device(device)
    synchronize = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    torch.set_num_threads(int(num_threads))
    rows = []
    for input_profile in inputs:
        shapes = cnn_input_shapes(input_profile)
        for net in nets or NETS:
            for width in widths:
                torch.manual_seed(seed)
                shape = shapes[net]
                module = build_net(net, 4, shape, **(NARROW_NETS[net] if width == "narrow" else {})).to(device)
                optimizer = torch.optim.Adam(module.parameters())
                batch = torch.randn(batch_size, *shape).to(device)
                targets = torch.randint(0, 4, (batch_size,)).to(device)
                flops = step_flops(module, batch, targets)
                load_before = os.getloadavg()[0]
                times = []
                for k in range(int(steps) + 1):
                    synchronize()
                    t0 = time.perf_counter()
                    optimizer.zero_grad(set_to_none=True)
                    torch.nn.functional.cross_entropy(module(batch), targets).backward()
                    optimizer.step()
                    synchronize()
                    if k:  # the first step warms up the allocator and the kernels
                        times.append(time.perf_counter() - t0)
                step_s = float(np.median(times))
                rows.append({"network": net, "width": width, "input": input_profile,
                             "input_shape": " x ".join(map(str, shape)), "parameters": count_parameters(module),
                             "batch": batch_size, "gflop_per_step": round(flops / 1e9, 2), "step_s": round(step_s, 5),
                             "gflop_per_s": round(flops / step_s / 1e9, 1),
                             "epoch_720_s": round(step_s * 720 / batch_size, 2),
                             "torch_threads": torch.get_num_threads(), "device": device.type,
                             "machine": machine(), "load_avg_1min": round(max(load_before, os.getloadavg()[0]), 1),
                             "date": time.strftime("%Y-%m-%d")})
    return pd.DataFrame(rows)


def time_inside_network(fit) -> dict:
    """Run ``fit()`` (any training or evaluation call) and say where its wall time went.

    Returns ``{"wall_s", "forward_s", "backward_s", "inside_share"}``: the share of the wall
    time inside the networks' forward and backward passes (:class:`NetworkTimer`).

    Used by: ``mer train-benchmark``.
    """
    t0 = time.perf_counter()
    with NetworkTimer() as timer:
        fit()
    wall = time.perf_counter() - t0
    inside = timer.forward_s + timer.backward_s
    return {"wall_s": round(wall, 4), "forward_s": round(timer.forward_s, 4), "backward_s": round(timer.backward_s, 4),
            "inside_share": round(inside / wall, 3) if wall > 0 else float("nan")}


def reset_peak_memory() -> bool:
    """Reset this process's peak resident memory (Linux ``VmHWM``, through ``/proc/self/clear_refs``),
    so that :func:`peak_memory_gb` measures from now; False where the system does not allow it.

    Used by: ``mer train-benchmark`` (the peak of each row).
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_memory_gb() -> dict:
    """This process's peak resident memory since it started or since :func:`reset_peak_memory`
    (``peak_rss_gb``, Linux ``VmHWM``, which counts the pages of memory-mapped files it read) and its
    resident memory now split into anonymous memory and mapped files (``rss_anon_gb``,
    ``rss_file_gb``: the kernel can drop the latter and read it again); NaN where ``/proc`` is absent.

    Used by: ``mer train-benchmark``.
    """
    fields = {"VmHWM": "peak_rss_gb", "RssAnon": "rss_anon_gb", "RssFile": "rss_file_gb"}
    out = dict.fromkeys(fields.values(), float("nan"))
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
    except OSError:
        return out
    for line in lines:
        key, _, value = line.partition(":")
        if key in fields:
            out[fields[key]] = round(int(value.split()[0]) / 2**20, 2)  # kB -> GiB
    return out
