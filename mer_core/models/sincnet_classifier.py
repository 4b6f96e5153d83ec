"""Pandrea et al.'s end-to-end classifier: SincNet trained on random raw-audio chunks.

:class:`SincNetClassifier` is a scikit-learn estimator around :class:`~mer_core.models.sincnet.SincNet`
that trains and predicts as the authors' ``emotion_id.py`` / ``evaluate.py`` (an adaptation of
Ravanelli's ``speaker_id.py``) and ``cfg/SincNet_4Q.cfg`` do:

* **Training** (``fit``): ``epochs`` (100) "epochs" of ``batches_per_epoch`` batches (30 for 4Q,
  15 for the Chinese, Turkish and mixed sets); each batch holds ``batch_size`` (128) chunks of
  ``window_ms`` (200 ms = 3200 samples at 16 kHz), each cut at a uniformly random position of a
  uniformly random training clip and multiplied by a random gain drawn uniformly from
  ``gain_range`` ([0.8, 1.2]); RMSprop (lr 0.004, alpha 0.95, eps 1e-8), cross-entropy. Note
  that the layer norm of the input window undoes the gain (up to its ``eps``); the
  augmentation is kept because the authors' code has it.
* **Prediction**: every window of ``window_ms`` at a hop of ``shift_ms`` (10 ms) that fits in
  the clip is classified; with ``aggregate="mean"`` (default) the clip's probabilities are the
  mean of the window posteriors (softmax), and the label maximises it ("voting for the quadrant
  which maximizes the average posterior probability", thesis section 3.3.1). The authors' code
  instead takes the argmax of the **sum of the window log-posteriors**; ``aggregate="log"``
  reproduces that decision (``predict_proba`` is then the normalised geometric mean of the
  window posteriors). :meth:`SincNetClassifier.frame_error_rate` gives the code's ``err_te``
  (window error, averaged per clip).

How the chunk sampling maps onto the project's one training loop
(:func:`mer_core.models.torch_estimator.train_epochs`): an epoch of ``train_epochs`` is a
random permutation of a fixed set of samples. Here the set is ``batches_per_epoch *
batch_size`` *virtual samples*, so one pass over it is exactly ``batches_per_epoch`` full
batches. Virtual sample ``i`` has a fixed class: the label of training clip ``perm[i % n]`` for
a random permutation ``perm`` of the ``n`` clips, so each epoch's class counts are those of
the clips (up to the remainder). Every time ``train_epochs`` asks for sample ``i`` the batch
function draws afresh, from the estimator's generator, a clip of that class (uniformly), a
chunk position and a gain. Each chunk therefore comes from a uniformly random training clip,
as in the authors' code; the only difference is that the number of chunks per class in an
epoch is fixed instead of multinomial.

With ``validation=(X_val, y_val)`` (the harness passes a holdout protocol's validation clips),
the validation clip error (then the window error, to break ties) is measured after every
``validation_every``-th epoch and after the last, and the weights of the best one are kept.
Validation scores every window of every validation clip at ``shift_ms``, which costs about
``n_windows / (3 * batches_per_epoch * batch_size)`` training epochs each time (a 30-s clip
has 2981 windows); the authors evaluated every 10 or 20 epochs (``N_eval_epoch``).

Used by: :mod:`mer_core.experiments.pandrea_sincnet` (notebooks/pandrea.ipynb), tests/test_sincnet.py.
"""
from __future__ import annotations

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ..errors import ParameterError
from .torch_estimator import batches, draw_seed, resolve_device, torch_runtime, train_epochs
from .sincnet import SincNet

EVAL_BATCH = 128
"""Windows per forward pass at prediction and validation (the reference's ``Batch_dev``; batch
norm is in eval mode there, so the value does not change the results)."""

_RESERVED_NET_PARAMS = ("n_samples", "n_classes", "sr")


class SincNetClassifier(ClassifierMixin, BaseEstimator):
    """SincNet on raw waveforms, trained on random chunks, clip label from all its windows.

    Parameters
    ----------
    sr : int
        Sample rate of the waveforms passed to ``fit`` / ``predict`` (they are not resampled
        here) and of the sinc filters (authors: 16000).
    window_ms : float
        Chunk / window length in ms (``cw_len``: 200; the 500-ms variant: 500).
    shift_ms : float
        Hop between the windows of a clip at prediction and validation (``cw_shift``: 10).
    batch_size : int
        Chunks per training batch (128; the 500-ms variant: 32); at least 2 (batch norm).
    batches_per_epoch : int
        Batches per "epoch" (``N_batches``: 30 for 4Q, 15 for CH-818, TR-Music, mixed).
    epochs : int
        Number of epochs (``N_epochs``: 100).
    lr : float
        RMSprop learning rate (0.004; alpha 0.95 and eps 1e-8 are fixed as in the code).
    gain_range : (float, float)
        Range of the uniform random gain of each training chunk (``fact_amp=0.2``: 0.8-1.2).
    aggregate : {"mean", "log"}
        Clip decision: mean of the window posteriors (thesis text) or sum of the window
        log-posteriors (the authors' code); module docstring.
    validation_every : int
        With validation clips: evaluate after every ``validation_every``-th epoch and after the
        last one (default 10, as in the authors' logged runs).
    net_params : dict or None
        Keyword arguments of :class:`~mer_core.models.sincnet.SincNet` (``n_filters``,
        ``kernel_sizes``, ``pool``, ``dense``, ``leak``, ``bn_momentum``, ``input_norm``,
        ``dense_input_norm``, ``min_low_hz``, ``min_band_hz``); ``None``: the authors' network.
    device : str
        ``"auto"`` (CUDA when available, else CPU), ``"cpu"``, ``"cuda"``, ...
    random_state : int, RandomState or None
        Seeds the initial weights and every random draw (batch order, clips, chunk positions,
        gains); the same seed gives the same weights on the same CPU machine.
    progress : bool
        Show a per-epoch progress bar.
    num_threads : int or None
        Torch CPU threads during fit and predict (``None``: leave torch's setting).

    Attributes
    ----------
    classes_ : ndarray
        Sorted labels (columns of ``predict_proba``).
    module_ : SincNet
        The trained network (CPU, eval mode).
    history_ : list of dict
        Per epoch: ``epoch``, ``loss`` (mean cross-entropy of the training chunks),
        ``train_acc`` (their accuracy) and, on validated epochs, ``val_clip_error`` and
        ``val_frame_error``.
    n_epochs_ : int
        Epochs run.
    best_epoch_ : int or None
        Epoch whose weights were kept (``None`` without validation clips: the last one).
    window_, shift_ : int
        Window length and hop in samples (3200 and 160 by default).
    initial_band_edges_, band_edges_ : ndarray of shape (n_filters, 2)
        Sinc cut-offs ``low, high`` in Hz before and after training.

    Examples
    --------
    >>> model = SincNetClassifier(batches_per_epoch=30, random_state=0)   # doctest: +SKIP
    >>> model.fit(waveforms_16k, quadrants).predict(test_waveforms_16k)    # doctest: +SKIP
    """

    def __init__(self, *, sr: int = 16000, window_ms: float = 200, shift_ms: float = 10, batch_size: int = 128,
                 batches_per_epoch: int = 30, epochs: int = 100, lr: float = 0.004,
                 gain_range: tuple[float, float] = (0.8, 1.2), aggregate: str = "mean", validation_every: int = 10,
                 net_params: dict | None = None, device: str = "auto", random_state=None, progress: bool = False,
                 num_threads: int | None = None):
        self.sr = sr
        self.window_ms = window_ms
        self.shift_ms = shift_ms
        self.batch_size = batch_size
        self.batches_per_epoch = batches_per_epoch
        self.epochs = epochs
        self.lr = lr
        self.gain_range = gain_range
        self.aggregate = aggregate
        self.validation_every = validation_every
        self.net_params = net_params
        self.device = device
        self.random_state = random_state
        self.progress = progress
        self.num_threads = num_threads

    # ------------------------------------------------------------------ checks
    def _samples(self, ms: float, name: str) -> int:
        n = int(round(float(self.sr) * float(ms) / 1000.0))
        if not ms > 0 or n <= 0:
            raise ParameterError(f"{name} must be positive and at least one sample at sr={self.sr}, got {ms}")
        return n

    def _check_params(self) -> None:
        if int(self.sr) <= 0:
            raise ParameterError(f"sr must be positive, got {self.sr}")
        if int(self.batch_size) < 2:
            raise ParameterError(f"batch_size must be >= 2 (batch norm), got {self.batch_size}")
        if int(self.batches_per_epoch) <= 0 or int(self.epochs) <= 0 or not self.lr > 0:
            raise ParameterError(f"batches_per_epoch, epochs and lr must be positive, got "
                                 f"{self.batches_per_epoch}, {self.epochs}, {self.lr}")
        try:
            low, high = (float(g) for g in self.gain_range)
        except (TypeError, ValueError):
            raise ParameterError(f"gain_range must be a pair (low, high), got {self.gain_range!r}") from None
        if not 0 < low <= high:
            raise ParameterError(f"gain_range must satisfy 0 < low <= high, got {self.gain_range!r}")
        if self.aggregate not in ("mean", "log"):
            raise ParameterError(f"aggregate must be 'mean' or 'log', got {self.aggregate!r}")
        if int(self.validation_every) <= 0:
            raise ParameterError(f"validation_every must be positive, got {self.validation_every}")
        reserved = set(self.net_params or {}) & set(_RESERVED_NET_PARAMS)
        if reserved:
            raise ParameterError(f"net_params may not set {sorted(reserved)}: they come from the estimator and data")

    def _clips(self, X, window: int, name: str = "X") -> list[np.ndarray]:
        """``X`` as a list of float32 1-D waveforms, each finite and at least one window long."""
        if isinstance(X, np.ndarray) and X.dtype != object:
            if X.ndim != 2:
                raise ParameterError(f"{name} must be a sequence of 1-D waveforms or a (n_clips, n_samples) array, "
                                     f"got an array of shape {X.shape}")
            clips = list(np.asarray(X, dtype=np.float32))
        else:
            try:
                clips = [np.asarray(clip, dtype=np.float32) for clip in X]
            except (TypeError, ValueError) as error:
                raise ParameterError(f"{name} must be a sequence of 1-D float waveforms: {error}") from None
        if len(clips) == 0:
            raise ParameterError(f"{name} holds no clips")
        for i, clip in enumerate(clips):
            if clip.ndim != 1:
                raise ParameterError(f"{name}[{i}] must be a 1-D waveform, got shape {clip.shape}")
            if len(clip) < window:
                raise ParameterError(f"{name}[{i}] has {len(clip)} samples, shorter than one window of {window} "
                                     f"({self.window_ms} ms at {self.sr} Hz)")
            if not np.all(np.isfinite(clip)):
                raise ParameterError(f"{name}[{i}] contains NaN or infinite values")
        return clips

    @staticmethod
    def _labels(y, n: int, name: str = "y") -> np.ndarray:
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != n:
            raise ParameterError(f"{name} must be 1-D with one label per clip ({n}), got shape {y.shape}")
        return y

    # ------------------------------------------------------------------ windows
    def _window_index(self, clips: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Clip and start of every window (clip-major), and the index of each clip's first window."""
        starts = [np.arange(0, len(clip) - self.window_ + 1, self.shift_, dtype=np.int64) for clip in clips]
        counts = np.array([len(s) for s in starts])
        owner = np.repeat(np.arange(len(clips)), counts)
        first = np.concatenate([[0], np.cumsum(counts)[:-1]])
        return owner, np.concatenate(starts), first

    def _window_log_proba(self, module: nn.Module, clips: list[np.ndarray], device: torch.device):
        """Log-posteriors ``(n_windows, C)`` of every window (module already on ``device``, eval mode,
        caller's grad mode), with the window owners and each clip's first window."""
        owner, starts, first = self._window_index(clips)
        out = []
        for idx in batches(np.arange(len(owner)), EVAL_BATCH):
            windows = np.stack([clips[c][s:s + self.window_] for c, s in zip(owner[idx], starts[idx])])
            logits = module(torch.from_numpy(windows).to(device))
            out.append(torch.log_softmax(logits.float(), dim=1).cpu().numpy())
        return np.concatenate(out), owner, first

    def _clip_scores(self, log_p: np.ndarray, first: np.ndarray) -> np.ndarray:
        """Clip probabilities from window log-posteriors (``aggregate`` rule)."""
        counts = np.diff(np.append(first, len(log_p)))[:, None]
        if self.aggregate == "mean":
            return np.add.reduceat(np.exp(log_p.astype(np.float64)), first, axis=0) / counts
        mean_log = np.add.reduceat(log_p.astype(np.float64), first, axis=0) / counts
        mean_log -= mean_log.max(axis=1, keepdims=True)
        p = np.exp(mean_log)
        return p / p.sum(axis=1, keepdims=True)

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, validation=None, pretrained=None):
        """Train a network on clips ``X`` with labels ``y``; return ``self``.

        Parameters
        ----------
        X : sequence of 1-D arrays, object array of them, or ndarray (n_clips, n_samples)
            Waveforms at ``sr`` of any lengths, each at least one window long.
        y : array-like of shape (n_clips,)
            Labels (at least two classes).
        validation : (X_val, y_val) or None
            Clips that choose the kept epoch (module docstring); their labels must occur in ``y``.
        pretrained : SincNetClassifier or None
            A fitted model whose weights start the training instead of a fresh initialisation
            (the authors' transfer learning: the whole network, output layer included, is loaded
            and trained again with the same schedule). Its classes, window and network settings
            must equal these; ``initial_band_edges_`` are then its learned edges.
        """
        self._check_params()
        self.window_ = self._samples(self.window_ms, "window_ms")
        self.shift_ = self._samples(self.shift_ms, "shift_ms")
        clips = self._clips(X, self.window_)
        y = self._labels(y, len(clips))
        self.classes_, y_index = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ParameterError(f"fit needs at least two classes, got {self.classes_.tolist()}")
        validation_loss = val_clips = None
        if validation is not None:
            if len(validation) != 2:
                raise ParameterError("validation must be a pair (X_val, y_val)")
            val_clips = self._clips(validation[0], self.window_, "validation X")
            y_val = self._labels(validation[1], len(val_clips), "validation y")
            unseen = np.setdiff1d(y_val, self.classes_)
            if len(unseen):
                raise ParameterError(f"validation labels {unseen.tolist()} do not occur in the training labels")
            y_val_index = np.searchsorted(self.classes_, y_val)

        if pretrained is not None:
            self._check_pretrained(pretrained)
        device = resolve_device(self.device)
        seed = draw_seed(self.random_state)
        rng = np.random.default_rng(seed)
        lengths = np.array([len(c) for c in clips])
        by_class = [np.flatnonzero(y_index == k) for k in range(len(self.classes_))]
        n_virtual = int(self.batches_per_epoch) * int(self.batch_size)
        virtual_class = y_index[np.resize(rng.permutation(len(clips)), n_virtual)]
        gain_low, gain_high = (float(g) for g in self.gain_range)
        window = self.window_

        def random_chunks(idx: np.ndarray) -> np.ndarray:
            """Fresh chunks for virtual samples ``idx``: a random clip of each one's class, a random
            position and a random gain (module docstring)."""
            classes = virtual_class[idx]
            chosen = np.empty(len(idx), dtype=np.int64)
            for k in np.unique(classes):
                where = np.flatnonzero(classes == k)
                chosen[where] = by_class[k][rng.integers(len(by_class[k]), size=len(where))]
            starts = rng.integers(0, lengths[chosen] - window + 1)
            gains = rng.uniform(gain_low, gain_high, size=len(idx)).astype(np.float32)
            return np.stack([clips[c][s:s + window] for c, s in zip(chosen, starts)]) * gains[:, None]

        val_records: list[dict] = []
        if val_clips is not None:
            n_epochs = int(self.epochs)

            def validation_score() -> float:
                # called by train_epochs after each epoch (eval mode, no gradients)
                epoch = len(val_records) + 1
                if epoch % int(self.validation_every) and epoch != n_epochs:
                    val_records.append({})
                    return np.inf  # not evaluated: never the kept epoch
                log_p, owner, first = self._window_log_proba(module, val_clips, device)
                clip_error = float(np.mean(self._clip_scores(log_p, first).argmax(1) != y_val_index))
                frame_error = self._frame_error(log_p, owner, y_val_index)
                val_records.append({"val_clip_error": clip_error, "val_frame_error": frame_error})
                # clip error first; the window error only breaks ties (it is scaled below one clip's step)
                return clip_error + frame_error / (len(val_clips) + 1)

            validation_loss = validation_score

        with torch_runtime(seed, self.num_threads):
            module = SincNet(window, len(self.classes_), sr=int(self.sr), **(self.net_params or {}))
            if pretrained is not None:
                module.load_state_dict(pretrained.module_.state_dict())
            self.initial_band_edges_ = module.band_edges()
            module.to(device)
            optimizer = torch.optim.RMSprop(module.parameters(), lr=float(self.lr), alpha=0.95, eps=1e-8)
            history = train_epochs(module, random_chunks, virtual_class, optimizer=optimizer,
                                   epochs=int(self.epochs), batch_size=int(self.batch_size), rng=rng, device=device,
                                   progress=self.progress, desc="sincnet", validation_loss=validation_loss)
        for record, extra in zip(history, val_records):
            record.pop("val_loss", None)
            record.update(extra)
        self.history_ = history
        self.n_epochs_ = len(history)
        self.best_epoch_ = None
        if val_clips is not None:
            scored = [r for r in history if "val_clip_error" in r]
            self.best_epoch_ = min(scored, key=lambda r: (r["val_clip_error"], r["val_frame_error"]))["epoch"]
        self.module_ = module.cpu().eval()
        self.band_edges_ = self.module_.band_edges()
        return self

    def _check_pretrained(self, pretrained) -> None:
        """Refuse a start model that is unfitted or whose classes, window or network differ."""
        check_is_fitted(pretrained, "module_")
        if not np.array_equal(np.asarray(pretrained.classes_), self.classes_):
            raise ParameterError(f"pretrained model has classes {list(pretrained.classes_)}, the labels here "
                                 f"{list(self.classes_)}")
        if (pretrained.window_, int(pretrained.sr)) != (self.window_, int(self.sr)) or \
                (pretrained.net_params or {}) != (self.net_params or {}):
            raise ParameterError("pretrained model has another window, sample rate or network settings")

    # ------------------------------------------------------------------ inference
    @staticmethod
    def _frame_error(log_p: np.ndarray, owner: np.ndarray, y_index: np.ndarray) -> float:
        """Window error rate per clip, averaged over clips (the authors' ``err_te``)."""
        wrong = (log_p.argmax(1) != y_index[owner]).astype(np.float64)
        return float(np.mean(np.bincount(owner, weights=wrong) / np.bincount(owner)))

    def _predict_log_windows(self, X):
        check_is_fitted(self, "module_")
        clips = self._clips(X, self.window_)
        device = resolve_device(self.device)
        try:
            with torch_runtime(None, self.num_threads), torch.inference_mode():
                self.module_.to(device).eval()
                return self._window_log_proba(self.module_, clips, device)
        finally:
            self.module_.cpu()

    def predict_frame_proba(self, X) -> list[np.ndarray]:
        """Window posteriors per clip: a list of ``(n_windows_i, n_classes)`` arrays (softmax)."""
        log_p, _, first = self._predict_log_windows(X)
        return np.split(np.exp(log_p), first[1:])

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities per clip, ``(n_clips, n_classes)``, from all its windows (``aggregate``)."""
        log_p, _, first = self._predict_log_windows(X)
        return self._clip_scores(log_p, first)

    def predict(self, X) -> np.ndarray:
        """Most probable class per clip."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def frame_error_rate(self, X, y) -> float:
        """Fraction of misclassified windows of each clip, averaged over the clips (``err_te``)."""
        log_p, owner, _ = self._predict_log_windows(X)
        y = self._labels(y, owner[-1] + 1)
        unseen = np.setdiff1d(y, self.classes_)
        if len(unseen):
            raise ParameterError(f"labels {unseen.tolist()} do not occur in the training labels")
        return self._frame_error(log_p, owner, np.searchsorted(self.classes_, y))
