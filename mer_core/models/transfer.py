"""Transfer-learning rows of Louro et al.'s Table 1, and the autoencoder + random forest row.

* :class:`ArtistsCNN` ("Artists CNN"): ``cnn_baseline`` pre-trained to recognise the artists of
  the training fold, then given a new quadrant head and fine-tuned.
* :class:`MusicnnFineTune` ("CRNN Pre-trained MTAT", replaced): Louro et al. fine-tune Won et
  al.'s CRNN trained on MagnaTagATune (MTAT); those weights are not obtainable, so this row
  fine-tunes the MTAT model whose real weights are available here, musicnn ``MTT_musicnn``
  (Pons & Serra 2019, :mod:`mer_core.features.musicnn`), with a new 4-class head on its
  200-unit penultimate layer. Same pre-training data (MTAT tags), different architecture. Its
  inputs are the extractors :class:`~mer_core.features.musicnn.MusicnnMel` and
  :class:`~mer_core.features.musicnn.MusicnnFrontend`.
* :class:`AutoencoderForest` ("Autoencoder"): a convolutional autoencoder trained on the
  training fold's log-mels, and a random forest on its bottleneck vectors.

:func:`fine_tune` continues training a fitted
:class:`~mer_core.models.torch_estimator.TorchClassifier` on new data or new labels; the
Artists CNN and :class:`~mer_core.models.hybrid.HybridAugmented` use it. Every fine-tuning
stage uses Louro et al.'s early stopping (stop after the first epoch whose training accuracy
reaches ``stop_train_acc`` = 0.9).

Each estimator learns everything inside the training fold it is given. The Artists CNN reads
two inputs per clip (log-mel and artist), so its ``X`` is an
:class:`~mer_core.models.inputs.Inputs`; the others take the array itself.
"""
from __future__ import annotations

import copy
import os

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ..audio import frame
from ..errors import ParameterError
from ..features.musicnn import (FRONTEND_CHANNELS, MUSICNN_ARCHITECTURE_MODELS, N_MELS, PATCH_FRAMES, MusiCNN,
                                load_musicnn)
from .inputs import check_inputs
from .torch_estimator import (TorchClassifier, draw_seed, encode, fit_autoencoder, predict_batched, resolve_device,
                              torch_runtime, train_epochs)

FREEZE_CNN = ("none", "backbone")
"""``freeze`` options of :func:`fine_tune` / :class:`ArtistsCNN`: train every layer, or only the head."""
FREEZE_MUSICNN = ("none", "frontend", "backbone")
"""``freeze`` options of :class:`MusicnnFineTune`: every layer; all but the musically motivated
front-end (timbral and temporal convolutions, input batch norm); only the new head."""


# ---------------------------------------------------------------------- shared machinery
def _check_training(epochs, lr, head_lr, weight_decay, stop_train_acc) -> None:
    if int(epochs) <= 0:
        raise ParameterError(f"epochs must be positive, got {epochs}")
    if lr <= 0 or (head_lr is not None and head_lr <= 0) or weight_decay < 0:
        raise ParameterError("lr and head_lr must be positive and weight_decay non-negative")
    if stop_train_acc is not None and not 0 < stop_train_acc <= 1:
        raise ParameterError(f"stop_train_acc must be in (0, 1] or None, got {stop_train_acc}")


def _check_labels(y, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Classes and integer targets of ``y`` (1-D, one label per row, at least two classes)."""
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != n_rows:
        raise ParameterError(f"y must be 1-D with one label per clip ({n_rows}), got shape {y.shape}")
    classes, targets = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ParameterError("fit needs at least two classes")
    return classes, targets


def fine_tune(classifier: TorchClassifier, X, y, *, epochs: int = 20, lr: float = 1e-4,
              head_lr: float | None = None, weight_decay: float = 0.0, freeze: str = "none",
              new_head: bool | None = None, stop_train_acc: float | None = 0.9, random_state=None,
              progress: bool = False) -> TorchClassifier:
    """Continue training the network of a fitted ``TorchClassifier`` on clips ``X`` with labels ``y``.

    The classifier is copied, never modified. When the classes of ``y`` differ from the
    classifier's (or ``new_head=True``), the output layer ``module_.head`` is replaced by a
    freshly initialised linear layer with one output per new class. Training is Louro et
    al.'s: Adam, cross-entropy, stop after the first epoch whose training accuracy reaches
    ``stop_train_acc``. The standardisation statistics learned in pre-training (``mean_``,
    ``scale_``) are kept, since the first layer was trained on inputs scaled by them, and so
    is ``augment``.

    Parameters
    ----------
    classifier : TorchClassifier
        Fitted, with whole-clip inputs (``segment_len=None``).
    X : ndarray of shape (n_clips,) + classifier.input_shape_
    y : array-like of shape (n_clips,)
    epochs : int
        Maximum fine-tuning epochs.
    lr, head_lr : float
        Adam learning rates of the pre-trained layers and of the head (``head_lr=None``: ``lr``).
    weight_decay : float
        Adam L2 weight decay.
    freeze : {'none', 'backbone'}
        ``'backbone'`` trains only the head; frozen batch-norm layers keep their statistics.
    new_head : bool or None
        Replace the head; ``None``: only when the classes change. ``False`` requires the
        classifier's classes.
    stop_train_acc : float or None
        Early-stopping threshold on training accuracy (``None``: run ``epochs``).
    random_state : int, RandomState or None
        Seeds the new head, the shuffling and augmentation.
    progress : bool
        tqdm bar over epochs.

    Returns
    -------
    TorchClassifier
        Fitted copy: ``module_`` fine-tuned, ``classes_`` those of ``y``, ``history_`` /
        ``n_epochs_`` of the fine-tuning epochs. Its hyper-parameters (``epochs``, ``lr``)
        remain those of the pre-training.

    Used by: :class:`ArtistsCNN`, :class:`mer_core.models.hybrid.HybridAugmented`
    (notebooks/louro_dl.ipynb: Artists CNN and Hybrid Augmented rows).
    """
    check_is_fitted(classifier, "module_")
    if classifier.segment_len is not None:
        raise ParameterError("fine_tune supports whole-clip classifiers (segment_len=None)")
    if freeze not in FREEZE_CNN:
        raise ParameterError(f"freeze must be one of {FREEZE_CNN}, got {freeze!r}")
    _check_training(epochs, lr, head_lr, weight_decay, stop_train_acc)
    X = np.asarray(X, dtype=np.float32)
    if X.shape[1:] != tuple(classifier.input_shape_):
        raise ParameterError(f"X has clips of shape {X.shape[1:]}, the network was fitted on {classifier.input_shape_}")
    if not np.all(np.isfinite(X)):
        raise ParameterError("X contains NaN or infinite values")
    classes, targets = _check_labels(y, len(X))
    if new_head is None:
        new_head = not np.array_equal(classes, classifier.classes_)
    elif not new_head and not np.array_equal(classes, classifier.classes_):
        raise ParameterError(f"y has classes {classes}, the head was trained on {classifier.classes_}; "
                             "use new_head=True")

    tuned = copy.deepcopy(classifier)
    module = tuned.module_
    device = resolve_device(tuned.device)
    seed = draw_seed(random_state)
    rng = np.random.default_rng(seed)

    def batch(idx: np.ndarray) -> np.ndarray:
        inputs = X[idx]
        if tuned.augment is not None:
            inputs = np.asarray(tuned.augment(inputs, rng), dtype=np.float32)
        return inputs if tuned.mean_ is None else (inputs - tuned.mean_) / tuned.scale_

    with torch_runtime(seed, tuned.num_threads):
        if new_head:
            module.head = nn.Linear(module.head.in_features, len(classes))
        head = list(module.head.parameters())
        body = [p for p in module.parameters() if all(p is not h for h in head)]
        for p in body:
            p.requires_grad_(freeze == "none")
        groups = [{"params": head, "lr": head_lr or lr}] + ([{"params": body, "lr": lr}] if freeze == "none" else [])
        module.to(device)
        optimizer = torch.optim.Adam(groups, weight_decay=weight_decay)
        history = train_epochs(module, batch, targets, optimizer=optimizer, epochs=epochs,
                                batch_size=tuned.batch_size, stop_train_acc=stop_train_acc, rng=rng,
                                device=device, progress=progress, desc="fine-tune")
    for p in module.parameters():
        p.requires_grad_(True)
    tuned.module_ = module.cpu().eval()
    tuned.classes_ = classes
    tuned.history_ = history
    tuned.n_epochs_ = len(history)
    return tuned


# ---------------------------------------------------------------------- Artists CNN
class ArtistsCNN(ClassifierMixin, BaseEstimator):
    """Louro et al.'s "Artists CNN": pre-train on artist recognition, fine-tune on the labels.

    ``fit`` (on one training fold):

    1. keeps the fold's clips whose artist has at least ``min_clips_per_artist`` clips in the
       fold (an artist seen once cannot be recognised, only memorised);
    2. trains a clone of ``cnn`` to recognise those artists (its own ``epochs`` and early
       stopping at training accuracy ``cnn.stop_train_acc``);
    3. replaces the output layer with a new one over the classes of ``y`` and fine-tunes on
       every clip of the fold (:func:`fine_tune`).

    Only the training fold's artist labels are used, so no information from test clips leaks.
    ``X`` is an :class:`~mer_core.models.inputs.Inputs` with a log-mel table and an artist table.

    Parameters
    ----------
    spectrogram, artist : str
        Names of the log-mel table and of the artist table of ``X``. Clips with a missing
        artist are not used for pre-training.
    cnn : TorchClassifier or None
        Network and pre-training settings (default ``TorchClassifier("cnn_baseline")`` seeded
        from ``random_state``); whole-clip inputs only.
    min_clips_per_artist : int
        Artists with fewer training clips are left out of pre-training (Louro et al.: 2).
    epochs, lr, head_lr, weight_decay, freeze, stop_train_acc :
        Fine-tuning settings of :func:`fine_tune`.
    random_state : int or None
        Seeds the default ``cnn`` and the fine-tuning.
    progress : bool
        tqdm bar over fine-tuning epochs.

    Attributes
    ----------
    artist_classifier_ : TorchClassifier
        The artist-recognition network (``classes_`` = artists pre-trained on).
    classifier_ : TorchClassifier
        The fine-tuned network.
    n_pretrain_clips_ : int
        Clips used for artist pre-training.
    classes_ : ndarray

    Used by: notebooks/louro_dl.ipynb (Artists CNN row).
    """

    def __init__(self, *, spectrogram: str = "logmel", artist: str = "artist",
                 cnn: TorchClassifier | None = None, min_clips_per_artist: int = 2, epochs: int = 30,
                 lr: float = 1e-4, head_lr: float | None = 1e-3, weight_decay: float = 0.0,
                 freeze: str = "none", stop_train_acc: float | None = 0.9, random_state=None,
                 progress: bool = False):
        self.spectrogram = spectrogram
        self.artist = artist
        self.cnn = cnn
        self.min_clips_per_artist = min_clips_per_artist
        self.epochs = epochs
        self.lr = lr
        self.head_lr = head_lr
        self.weight_decay = weight_decay
        self.freeze = freeze
        self.stop_train_acc = stop_train_acc
        self.random_state = random_state
        self.progress = progress

    def fit(self, X, y):
        """Pre-train on the fold's artists, then fine-tune on ``y``; return ``self``."""
        if int(self.min_clips_per_artist) < 2:
            raise ParameterError(f"min_clips_per_artist must be at least 2, got {self.min_clips_per_artist}")
        X = check_inputs(X, self.spectrogram, self.artist)
        spectrograms = np.asarray(X[self.spectrogram], dtype=np.float32)
        artists = pd.Series(np.asarray(X[self.artist], dtype=object))
        _check_labels(y, len(spectrograms))
        counts = artists.value_counts()  # NaN (unknown artist) is not counted
        keep = artists.isin(counts.index[counts >= int(self.min_clips_per_artist)]).to_numpy()
        if artists[keep].nunique() < 2:
            raise ParameterError(f"fewer than two artists have >= {self.min_clips_per_artist} clips in the training "
                                 "fold; artist pre-training is impossible")
        rs = check_random_state(self.random_state)
        cnn_seed, tune_seed = rs.randint(np.iinfo(np.int32).max, size=2)
        cnn = clone(self.cnn) if self.cnn is not None else TorchClassifier("cnn_baseline", random_state=cnn_seed)
        self.artist_classifier_ = cnn.fit(spectrograms[keep], artists[keep].astype(str).to_numpy())
        self.n_pretrain_clips_ = int(keep.sum())
        self.classifier_ = fine_tune(self.artist_classifier_, spectrograms, y, epochs=self.epochs, lr=self.lr,
                                     head_lr=self.head_lr, weight_decay=self.weight_decay, freeze=self.freeze,
                                     new_head=True, stop_train_acc=self.stop_train_acc, random_state=tune_seed,
                                     progress=self.progress)
        self.classes_ = self.classifier_.classes_
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities per clip, columns in ``classes_`` order."""
        check_is_fitted(self, "classifier_")
        return self.classifier_.predict_proba(np.asarray(check_inputs(X, self.spectrogram)[self.spectrogram],
                                                         dtype=np.float32))

    def predict(self, X) -> np.ndarray:
        """Most probable class per clip."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


# ---------------------------------------------------------------------- musicnn fine-tuning
class MusicnnClassifierNet(nn.Module):
    """A pretrained :class:`~mer_core.features.musicnn.MusiCNN` with a new classification head.

    ``forward`` maps ``(batch, frames, 96)`` log-mel patches (or, with ``from_frontend``,
    :class:`~mer_core.features.musicnn.MusicnnFrontend` outputs ``(batch, 561, frames)``) to class logits:
    musicnn's front-end, mid-end and back-end up to the 200-unit penultimate layer (after its
    batch norm), dropout, and a new linear layer. musicnn's 50-tag output layer is unused.
    """

    def __init__(self, backbone: MusiCNN, n_classes: int, dropout: float = 0.5, from_frontend: bool = False):
        super().__init__()
        self.backbone = backbone
        self.from_frontend = from_frontend
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(backbone.dense.out_features, n_classes)
        self.backbone.output.requires_grad_(False)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The 200-unit penultimate layer, ``(batch, 200)``."""
        run = self.backbone.from_frontend if self.from_frontend else self.backbone
        _, embeddings = run(x, return_embeddings=True)
        return embeddings["penultimate"]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.embed(x)))

    def frozen_modules(self, freeze: str) -> list[nn.Module]:
        """Sub-modules that ``freeze`` (one of :data:`FREEZE_MUSICNN`) keeps fixed."""
        b = self.backbone
        return {"none": [], "frontend": [b.bn_input, b.timbral, b.temporal], "backbone": [b]}[freeze]


class MusicnnFineTune(ClassifierMixin, BaseEstimator):
    """musicnn pretrained on MagnaTagATune, fine-tuned with a new head ("CRNN Pre-trained MTAT").

    Replaces the paper's CRNN pre-trained on MTAT (Won et al.'s weights are not obtainable)
    by the MTAT model whose real weights are here, ``MTT_musicnn``. Input is musicnn's own
    representation (:class:`~mer_core.features.musicnn.MusicnnMel`: 16 kHz, 96 mel bands,
    ``(n_frames, 96)`` per clip).
    Each clip is cut into non-overlapping patches of ``patch_frames`` (187 = 3 s, musicnn's
    training length; the incomplete tail is dropped as musicnn does); every patch is a
    training sample with its clip's label, and a clip's probabilities are the mean of its
    patches' softmax outputs. Patches are cut from the clips given to ``fit`` / ``predict``,
    so a clip-level CV split never puts patches of one clip on both sides.

    Training: Adam (``lr`` for pretrained layers, ``head_lr`` for the new head),
    cross-entropy, Louro et al.'s early stopping on patch-level training accuracy.

    Parameters
    ----------
    representation : {'mel', 'frontend'}
        What ``X`` holds: :class:`~mer_core.features.musicnn.MusicnnMel` log-mels
        ``(n_clips, n_frames, 96)``, or :class:`~mer_core.features.musicnn.MusicnnFrontend`
        outputs ``(n_clips, n_patches, 561, patch_frames)`` of the same ``model``, which needs
        ``freeze`` 'frontend' or 'backbone' (the front-end is then not run at all).
    model : str
        One of :data:`~mer_core.features.musicnn.MUSICNN_ARCHITECTURE_MODELS` ('MTT_musicnn', 'MSD_musicnn').
    weights_dir : path-like or None
        Weights root (default :func:`mer_core.config.weights_dir`); fetched by ``mer weights fetch``.
    epochs, batch_size, lr, head_lr, weight_decay : training settings (batch in patches).
    dropout : float
        Dropout before the new head (musicnn's back-end used 0.5 before its output layer).
    freeze : {'none', 'frontend', 'backbone'}
        See :data:`FREEZE_MUSICNN`. Frozen batch norms keep musicnn's statistics; freezing
        the front-end also skips its backward pass, the most expensive part.
    patch_frames : int
        Frames per patch (187 = 3 s).
    stop_train_acc : float or None
        Early stopping threshold (0.9 in Louro et al.).
    device, random_state, progress, num_threads : as in
        :class:`~mer_core.models.torch_estimator.TorchClassifier`.

    Attributes
    ----------
    module_ : MusicnnClassifierNet
        Fine-tuned network, on the CPU in eval mode.
    classes_, history_, n_epochs_ : as in TorchClassifier.

    Raises
    ------
    MissingWeightsError
        In ``fit``, when the musicnn checkpoint is not on disk.

    Used by: notebooks/louro_dl.ipynb (CRNN Pre-trained MTAT row).
    """

    def __init__(self, *, representation: str = "mel", model: str = "MTT_musicnn",
                 weights_dir: str | os.PathLike | None = None, epochs: int = 20, batch_size: int = 32,
                 lr: float = 1e-4, head_lr: float = 1e-3, weight_decay: float = 0.0, dropout: float = 0.5,
                 freeze: str = "none", patch_frames: int = PATCH_FRAMES, stop_train_acc: float | None = 0.9,
                 device: str = "auto", random_state=None, progress: bool = False, num_threads: int | None = None):
        self.representation = representation
        self.model = model
        self.weights_dir = weights_dir
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.head_lr = head_lr
        self.weight_decay = weight_decay
        self.dropout = dropout
        self.freeze = freeze
        self.patch_frames = patch_frames
        self.stop_train_acc = stop_train_acc
        self.device = device
        self.random_state = random_state
        self.progress = progress
        self.num_threads = num_threads

    def _patches(self, X) -> np.ndarray:
        """Per-clip patches, ``(n_clips, n_patches, patch_frames, 96)`` log-mels or
        ``(n_clips, n_patches, 561, patch_frames)`` front-end outputs."""
        data = np.asarray(X, dtype=np.float32)
        if not np.all(np.isfinite(data)):
            raise ParameterError("X contains NaN or infinite values")
        length = int(self.patch_frames)
        if self.representation == "frontend":
            if data.ndim != 4 or data.shape[2] != FRONTEND_CHANNELS or data.shape[3] != length or not len(data):
                raise ParameterError(f"expected musicnn front-end outputs of shape (n_clips, n_patches, "
                                     f"{FRONTEND_CHANNELS}, {length}), got {data.shape}")
            return data
        if data.ndim != 3 or data.shape[2] != N_MELS or len(data) == 0:
            raise ParameterError(f"expected musicnn log-mels of shape (n_clips, n_frames, {N_MELS}), got {data.shape}")
        if data.shape[1] < length:
            raise ParameterError(f"clips have {data.shape[1]} frames, fewer than one patch ({length})")
        # the incomplete tail is dropped, as musicnn does
        return np.moveaxis(frame(data, length, axis=1, pad="none"), 0, 1)

    def fit(self, X, y):
        """Fine-tune musicnn on the patches of clips ``X``; return ``self``."""
        if self.model not in MUSICNN_ARCHITECTURE_MODELS:
            raise ParameterError(f"model must be one of {MUSICNN_ARCHITECTURE_MODELS}, got {self.model!r}")
        if self.freeze not in FREEZE_MUSICNN:
            raise ParameterError(f"freeze must be one of {FREEZE_MUSICNN}, got {self.freeze!r}")
        if int(self.patch_frames) <= 0 or int(self.batch_size) <= 0 or not 0 <= self.dropout < 1:
            raise ParameterError("patch_frames and batch_size must be positive and dropout in [0, 1)")
        if self.representation not in ("mel", "frontend"):
            raise ParameterError(f"representation must be 'mel' or 'frontend', got {self.representation!r}")
        if self.representation == "frontend" and self.freeze == "none":
            raise ParameterError("front-end outputs as input need freeze='frontend' or 'backbone'")
        _check_training(self.epochs, self.lr, self.head_lr, self.weight_decay, self.stop_train_acc)
        patches = self._patches(X)
        self.classes_, targets = _check_labels(y, len(patches))
        n_clips, n_patches = patches.shape[:2]
        flat = patches.reshape(n_clips * n_patches, *patches.shape[2:])
        device = resolve_device(self.device)
        seed = draw_seed(self.random_state)
        rng = np.random.default_rng(seed)
        with torch_runtime(seed, self.num_threads):
            net = MusicnnClassifierNet(load_musicnn(self.model, self.weights_dir), len(self.classes_), self.dropout,
                                       from_frontend=self.representation == "frontend")
            for frozen in net.frozen_modules(self.freeze):
                frozen.requires_grad_(False)
            body = [p for p in net.backbone.parameters() if p.requires_grad]
            groups = [{"params": list(net.head.parameters()), "lr": self.head_lr}]
            groups += [{"params": body, "lr": self.lr}] if body else []
            net.to(device)
            optimizer = torch.optim.Adam(groups, weight_decay=self.weight_decay)
            self.history_ = train_epochs(
                net, lambda idx: flat[idx], np.repeat(targets, n_patches), optimizer=optimizer,
                epochs=self.epochs, batch_size=self.batch_size, stop_train_acc=self.stop_train_acc, rng=rng,
                device=device, progress=self.progress, desc=self.model)
        self.n_epochs_ = len(self.history_)
        self.n_patches_ = n_patches
        self.module_ = net.cpu().eval()
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities per clip: the mean of its patches' softmax outputs."""
        check_is_fitted(self, "module_")
        patches = self._patches(X)
        n_clips, n_patches = patches.shape[:2]
        flat = patches.reshape(n_clips * n_patches, *patches.shape[2:])
        probabilities = predict_batched(self.module_, flat, batch_size=int(self.batch_size),
                                        device=self.device, num_threads=self.num_threads)
        return probabilities.reshape(n_clips, n_patches, -1).mean(axis=1)

    def predict(self, X) -> np.ndarray:
        """Most probable class per clip."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


# ---------------------------------------------------------------------- autoencoder + random forest
class AutoencoderForest(ClassifierMixin, BaseEstimator):
    """Louro et al.'s "Autoencoder" row: a random forest on autoencoder bottleneck vectors.

    ``fit`` trains a :class:`~mer_core.models.nets.ConvAutoencoder` on the training fold's
    log-mels (:func:`~mer_core.models.torch_estimator.fit_autoencoder`, mean squared error,
    no labels), encodes them, and fits a random forest on the bottleneck vectors; ``predict``
    encodes the test clips with the fitted autoencoder.

    ``X`` is the ``(n_clips, n_mels, n_frames)`` log-mel array.

    Parameters
    ----------
    latent_dim, channels : int, tuple of int
        Autoencoder bottleneck size and encoder widths.
    ae_epochs, batch_size, lr : autoencoder training (Adam, fixed number of epochs).
    n_estimators : int
        Trees of the forest (scikit-learn defaults otherwise, one job).
    device, random_state, progress, num_threads : as in
        :class:`~mer_core.models.torch_estimator.TorchClassifier`; ``random_state`` seeds
        the autoencoder and the forest.

    Attributes
    ----------
    autoencoder_ : ConvAutoencoder
    forest_ : RandomForestClassifier
    classes_ : ndarray

    Used by: notebooks/louro_dl.ipynb (Autoencoder row).
    """

    def __init__(self, *, latent_dim: int = 128, channels: tuple[int, ...] = (16, 32, 64, 64), ae_epochs: int = 30,
                 batch_size: int = 16, lr: float = 1e-3, n_estimators: int = 500, device: str = "auto",
                 random_state=None, progress: bool = False, num_threads: int | None = None):
        self.latent_dim = latent_dim
        self.channels = channels
        self.ae_epochs = ae_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.n_estimators = n_estimators
        self.device = device
        self.random_state = random_state
        self.progress = progress
        self.num_threads = num_threads

    def fit(self, X, y):
        """Train the autoencoder and the forest on the training clips; return ``self``."""
        spectrograms = np.asarray(X, dtype=np.float32)
        self.classes_, _ = _check_labels(y, len(spectrograms))
        ae_seed, forest_seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max, size=2)
        self.autoencoder_ = fit_autoencoder(spectrograms, latent_dim=self.latent_dim, channels=self.channels,
                                            epochs=self.ae_epochs, batch_size=self.batch_size, lr=self.lr,
                                            device=self.device, random_state=ae_seed, progress=self.progress,
                                            num_threads=self.num_threads)
        codes = encode(self.autoencoder_, spectrograms, device=self.device)
        self.forest_ = RandomForestClassifier(n_estimators=self.n_estimators, random_state=forest_seed, n_jobs=1)
        self.forest_.fit(codes, np.asarray(y))
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Forest class probabilities of the encoded clips."""
        check_is_fitted(self, "forest_")
        codes = encode(self.autoencoder_, X, device=self.device)
        return self.forest_.predict_proba(codes)

    def predict(self, X) -> np.ndarray:
        """Most probable class per clip."""
        return self.forest_.classes_[np.argmax(self.predict_proba(X), axis=1)]
