"""Audio loading and shaping: load, mono, resample, crop/pad, and framing.

Every reader of audio in the project goes through :func:`load_audio`, so an unreadable,
empty or silent clip always raises the same typed :class:`AudioError`, which
:func:`mer_core.features.extract` collects and reports instead of crashing a batch.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from .config import DEFAULT_SR
from .errors import AudioError, ParameterError
from .progress import progress
from .provenance import file_digest

SILENCE_RMS = 1e-5
"""RMS below which a clip counts as silent (-100 dBFS): it carries no emotion cue to learn."""


def to_mono(y: np.ndarray) -> np.ndarray:
    """Average channels. ``y`` is ``(n,)`` or ``(n, channels)`` as soundfile returns it."""
    y = np.asarray(y)
    return y if y.ndim == 1 else y.mean(axis=1)


def resample(y: np.ndarray, orig_sr: int, target_sr: int) -> np.ndarray:
    """Resample with soxr (high quality), the same resampler used to prepare the 4Q audio."""
    if orig_sr == target_sr:
        return y
    return soxr.resample(y, orig_sr, target_sr, quality="HQ").astype(np.float32)


def load_audio(path: str | os.PathLike, sr: int = DEFAULT_SR, *, offset: float = 0.0,
               duration: float | None = None, allow_silent: bool = False,
               decoded_cache: str | os.PathLike | None = None) -> np.ndarray:
    """Load a clip as mono float32 at ``sr``.

    Parameters
    ----------
    path : path-like
        Any file libsndfile decodes (WAV, FLAC, Ogg/Vorbis, Ogg/Opus, MP3 with libsndfile >= 1.1).
    sr : int
        Target sample rate (default 22050 Hz, as in the papers).
    offset, duration : float
        Seconds to skip and to keep (``None``: to the end).
    allow_silent : bool
        If False (default) a clip whose RMS is below :data:`SILENCE_RMS` raises.
    decoded_cache : path-like, optional
        A folder that keeps each file's decoded samples (mono, float32, native rate), named by
        the digest of the file's bytes: a later load of the same file, at any rate or duration,
        reads them instead of decoding again (an MP3 of 30 s takes about 0.1 s to decode, its
        resampling 3 ms). The samples are the ones a direct read gives; used for reads from the
        start of a file (``offset`` 0), as :func:`mer_core.features.extract` makes them.

    Raises
    ------
    AudioError
        If the file is missing, cannot be decoded, is empty, contains non-finite samples or is silent.
    """
    path = Path(path)
    if sr <= 0:
        raise ParameterError(f"sr must be positive, got {sr}")
    if not path.is_file():
        raise AudioError(path, "file not found")
    try:
        with sf.SoundFile(str(path)) as f:
            native_sr = f.samplerate
            frames = -1 if duration is None else int(round(duration * native_sr))
            if decoded_cache is not None and offset == 0:
                y = _decoded(f, path, Path(decoded_cache))[:None if frames < 0 else frames]
            else:
                f.seek(int(round(offset * native_sr)))
                y = to_mono(f.read(frames, dtype="float32", always_2d=False))
    except (sf.LibsndfileError, RuntimeError, TypeError) as err:
        raise AudioError(path, f"cannot decode ({err})") from err
    if y.size == 0:
        raise AudioError(path, "no samples")
    if not np.all(np.isfinite(y)):
        raise AudioError(path, "non-finite samples")
    if not allow_silent and float(np.sqrt(np.mean(y.astype(np.float64) ** 2))) < SILENCE_RMS:
        raise AudioError(path, "silent (RMS below -100 dBFS)")
    return resample(y, native_sr, sr)


def _decoded(f: sf.SoundFile, path: Path, folder: Path) -> np.ndarray:
    """All of the open file ``f`` as mono float32, from ``folder`` when an earlier call kept it there."""
    entry = folder / f"{file_digest(path)}_{f.samplerate}.npy"
    if entry.is_file():
        return np.load(entry)
    y = np.ascontiguousarray(to_mono(f.read(-1, dtype="float32", always_2d=False)), dtype=np.float32)
    folder.mkdir(parents=True, exist_ok=True)
    partial = entry.with_suffix(f".{os.getpid()}.tmp.npy")
    np.save(partial, y)
    os.replace(partial, entry)
    return y


def fix_length(y: np.ndarray, n_samples: int) -> np.ndarray:
    """Crop or zero-pad ``y`` at the end to exactly ``n_samples``."""
    if n_samples <= 0:
        raise ParameterError(f"n_samples must be positive, got {n_samples}")
    if len(y) >= n_samples:
        return y[:n_samples]
    return np.pad(y, (0, n_samples - len(y)))


FRAME_PADS = ("none", "short", "end")
"""``pad`` options of :func:`frame`."""
FRAME_PAD_MODES = ("constant", "wrap")
"""``pad_mode`` options of :func:`frame` (``numpy.pad`` modes: zeros, or the signal repeated)."""


def frame(x: np.ndarray, frame_length: int, hop_length: int | None = None, *, axis: int = -1,
          pad: str = "short", pad_mode: str = "constant") -> np.ndarray:
    """Cut ``x`` along ``axis`` into frames of ``frame_length`` starting every ``hop_length``.

    The one framing function of the project: waveforms into segments or analysis frames,
    spectrograms into patches or blocks along their time axis. Frame ``i`` holds
    ``x[..., i * hop_length : i * hop_length + frame_length, ...]`` (indices along ``axis``).

    Parameters
    ----------
    x : ndarray
        A signal ``(n_samples,)`` or any array whose ``axis`` is time, e.g. a spectrogram
        ``(n_bands, n_frames)`` with ``axis=-1`` or ``(n_frames, n_bands)`` with ``axis=0``.
    frame_length : int
        Length of a frame along ``axis``.
    hop_length : int, optional
        Distance between frame starts (default ``frame_length``: frames do not overlap).
    axis : int
        The time axis of ``x``.
    pad : {'none', 'short', 'end'}
        What happens at the end of ``x``:

        * ``'none'``: frames lie inside ``x``; a trailing part that does not fill a frame is
          dropped, and an ``x`` shorter than one frame raises;
        * ``'short'`` (default): as ``'none'``, but an ``x`` shorter than one frame is padded
          to exactly one frame, so every clip gives at least one frame;
        * ``'end'``: ``x`` is padded at the end until every sample lies in a frame:
          ``1 + ceil((n - frame_length) / hop_length)`` frames (at least one).
    pad_mode : {'constant', 'wrap'}
        What the padding holds: zeros, or ``x`` repeated from its start.

    Returns
    -------
    ndarray of shape ``(n_frames,) + x.shape`` with ``x.shape[axis]`` replaced by ``frame_length``
        Frames on a new first axis. When no padding is needed it is a read-only view of ``x``
        (no copy); copy it (``np.array``) before writing to it.

    Raises
    ------
    ParameterError
        If ``x`` is empty along ``axis``, a length is not a positive integer, ``axis``, ``pad``
        or ``pad_mode`` is not a valid value, or ``pad='none'`` and ``x`` is shorter than one frame.

    Examples
    --------
    >>> frame(np.arange(10), 4, 3).tolist()
    [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]]
    >>> frame(np.arange(5), 4, 3, pad="end").tolist()
    [[0, 1, 2, 3], [3, 4, 0, 0]]

    Used by: :class:`~mer_core.models.torch_estimator.TorchClassifier` (segments),
    :mod:`mer_core.features.musicnn` (patches), :mod:`mer_core.features.aisfx` (blocks),
    :mod:`mer_core.features.openl3` (windows), :mod:`mer_core.features.vggish` (frames and
    examples), :class:`~mer_core.features.handcrafted.EssentiaLowLevel` (frames),
    :class:`~mer_core.models.transfer.MusicnnFineTune` (patches).
    """
    hop_length = frame_length if hop_length is None else hop_length
    for name, value in (("frame_length", frame_length), ("hop_length", hop_length)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
            raise ParameterError(f"{name} must be a positive integer, got {value!r}")
    if pad not in FRAME_PADS:
        raise ParameterError(f"pad must be one of {FRAME_PADS}, got {pad!r}")
    if pad_mode not in FRAME_PAD_MODES:
        raise ParameterError(f"pad_mode must be one of {FRAME_PAD_MODES}, got {pad_mode!r}")
    x = np.asarray(x)
    if not -x.ndim <= axis < x.ndim:
        raise ParameterError(f"axis {axis} does not exist in an array of shape {x.shape}")
    axis %= x.ndim
    n = x.shape[axis]
    if n == 0:
        raise ParameterError(f"cannot frame an empty signal (shape {x.shape}, axis {axis})")
    if pad == "none" and n < frame_length:
        raise ParameterError(f"x has {n} steps along axis {axis}, fewer than one frame ({frame_length}); "
                             "use pad='short' or pad='end' to pad it")
    overhang = max(n - frame_length, 0)
    n_frames = 1 + (-(-overhang // hop_length) if pad == "end" else overhang // hop_length)
    missing = (n_frames - 1) * hop_length + frame_length - n
    if missing > 0:
        widths = [(0, 0)] * x.ndim
        widths[axis] = (0, missing)
        x = np.pad(x, widths, mode=pad_mode)
    windows = np.lib.stride_tricks.sliding_window_view(x, frame_length, axis=axis)
    windows = windows[(slice(None),) * axis + (slice(None, None, hop_length),)]
    # sliding_window_view puts the frame index at ``axis`` and the window last: move them
    return np.moveaxis(np.moveaxis(windows, axis, 0), -1, axis + 1)


def load_clips(paths, sr: int, *, cache: str | os.PathLike | None = None, show_progress: bool = False,
               desc: str = "audio") -> tuple[list[np.ndarray | None], list[AudioError]]:
    """Load many clips at ``sr``, each through :func:`load_audio`, optionally through a waveform cache.

    Parameters
    ----------
    paths : sequence of path-like
        The clips.
    sr : int
        Target sample rate.
    cache : path-like or None
        Folder of decoded clips as 16-bit ``.npy`` files (``<cache>/<sr>/<digest>.npy``, the digest
        of the path, size and modification time, so an edited file is decoded again). Decoding a
        30-s MP3 and resampling it costs about 0.2 s; reading it back about 2 ms. 16-bit is the
        resolution of the files themselves.
    show_progress : bool
        Show a progress bar.

    Returns
    -------
    clips : list
        One float32 array per path, or None where the clip failed.
    failures : list of AudioError
        Every failed clip (missing, undecodable, empty, silent), in order; the caller reports the
        count (a failed clip is never silently dropped nor allowed to stop the others).

    Used by: :mod:`mer_core.experiments.pandrea_sincnet` (notebooks/pandrea.ipynb).
    """
    folder = None if cache is None else Path(cache) / str(int(sr))
    clips: list[np.ndarray | None] = []
    failures: list[AudioError] = []
    for path in progress(list(paths), desc=desc, unit="clip", disable=not show_progress):
        path = Path(path)
        entry = None
        if folder is not None and path.is_file():
            stat = path.stat()
            digest = hashlib.sha1(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:20]
            entry = folder / f"{digest}.npy"
            if entry.is_file():
                clips.append(np.load(entry).astype(np.float32) / 32767.0)
                continue
        try:
            y = load_audio(path, sr)
        except AudioError as error:
            failures.append(error)
            clips.append(None)
            continue
        if entry is not None:
            entry.parent.mkdir(parents=True, exist_ok=True)
            partial = entry.with_suffix(f".{os.getpid()}.tmp.npy")
            np.save(partial, np.round(np.clip(y, -1.0, 1.0) * 32767.0).astype(np.int16))
            partial.replace(entry)
        clips.append(y)
    return clips, failures
