"""Louro et al.'s Hybrid Augmented ensemble.

:class:`HybridAugmented` is Louro et al.'s best model: a CNN on log-mels, pre-trained on
synthetic samples and fine-tuned on the original clips, and a DNN on hand-crafted features,
combined by a weighted average of their class probabilities. It reads two inputs per clip,
so its ``X`` is an :class:`~mer_core.models.inputs.Inputs` (log-mel and feature tables).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ..errors import ParameterError
from .inputs import check_inputs
from .torch_estimator import TorchClassifier
from .transfer import fine_tune


def default_dnn(random_state=None) -> Pipeline:
    """The DNN branch of :class:`HybridAugmented`: ``StandardScaler -> MLPClassifier``.

    Two hidden layers of 256 and 128 ReLU units, Adam (learning rate 1e-3), L2 penalty 1e-3,
    up to 500 epochs (scikit-learn stops when the training loss stops improving). Louro et al.
    do not publish their DNN's layers; these sizes suit 100 to 2000 input features. The
    scaler is fitted on the training fold only.

    Used by: :class:`HybridAugmented` (notebooks/louro_dl.ipynb, Hybrid Augmented row).
    """
    return Pipeline([("scale", StandardScaler()),
                     ("mlp", MLPClassifier(hidden_layer_sizes=(256, 128), alpha=1e-3, max_iter=500,
                                           random_state=random_state))])


class HybridAugmented(ClassifierMixin, BaseEstimator):
    """Louro et al.'s Hybrid Augmented: a pre-trained log-mel CNN and a feature DNN, late-fused.

    ``X`` is an :class:`~mer_core.models.inputs.Inputs` with the log-mel table ``spectrogram``
    and the feature table ``features``. ``fit`` on the training clips:

    * CNN branch: a clone of ``cnn`` (default ``TorchClassifier("cnn_baseline")``) is trained
      on synthetic samples of the training clips (``pretrain_inputs``), with its own epochs
      and early stopping, then fine-tuned on the original training clips
      (:func:`~mer_core.models.transfer.fine_tune`: ``finetune_epochs``, ``finetune_lr``,
      early stopping at ``stop_train_acc``). Without ``pretrain_inputs`` it is trained on the
      originals directly (a plain hybrid).
    * DNN branch: a clone of ``dnn`` (default :func:`default_dnn`) on the hand-crafted
      feature table ``features``.
    * Combination: ``p = w * p_cnn + (1 - w) * p_dnn`` per clip (class probabilities), so
      the output is a probability distribution. With ``weight=None``, ``w`` is chosen from
      ``n_weights`` values evenly spaced in [0, 1] by the macro-F1 on an inner stratified
      validation split (``validation_size`` of the training rows) after fitting both branches
      on the rest; ties go to the ``w`` nearest 0.5; both branches are then refitted on all
      the training rows. A fixed ``weight`` skips the inner split (half the cost).

    Late fusion was chosen over a joint head on concatenated embeddings: a joint head trained
    on the training clips would learn from branches already fitted to those clips (the CNN to
    90 % training accuracy, the MLP beyond), so it needs held-out clips like the weight does,
    and one weight fitted on ~150 held-out clips overfits far less than a dense layer. Louro
    et al. describe the combination only as "an ensemble"; this rule is ours.

    Parameters
    ----------
    spectrogram : str
        Log-mel table of ``X`` (clips of shape ``cnn`` accepts).
    features : str
        Hand-crafted feature table of ``X``, ``(n_clips, n_features)``: the authors' top-100
        features on 4Q (``top100_features.csv``; their 1714-feature table is not published),
        or any openSMILE / Essentia set.
    cnn : TorchClassifier or None
        CNN branch and its pre-training settings (whole-clip inputs).
    dnn : classifier or None
        Feature branch (needs ``predict_proba``).
    pretrain_inputs : str, callable or None
        Synthetic samples for pre-training the CNN, built from the training rows only:

        * a table of ``X`` holding precomputed copies per clip (augmented audio re-extracted
          offline), ``(n_clips,) + clip_shape`` or ``(n_clips, n_copies) + clip_shape``; the
          copies of the training clips are used, with their clips' labels;
        * a callable ``pretrain_inputs(X, y, random_state) -> (X_synthetic, y_synthetic)``
          that receives the training log-mels and labels (e.g. DeepSMOTE fitted on them,
          wrapped with ``functools.partial``); its labels must cover the classes of ``y``;
        * ``None``: no pre-training.
    finetune_epochs, finetune_lr : int, float
        Fine-tuning on the originals after pre-training.
    stop_train_acc : float or None
        Early stopping of the fine-tuning (Louro et al.: 0.9).
    weight : float in [0, 1] or None
        CNN weight ``w``; ``None`` selects it on the inner split.
    validation_size : float
        Share of the training rows in the inner validation split (at least one clip per class).
    n_weights : int
        Candidate weights in the search.
    random_state : int or None
        Seeds the inner split, the default branches, the fine-tuning and ``pretrain_inputs``.

    Attributes
    ----------
    cnn_ : TorchClassifier
        Fitted CNN branch (fine-tuned when pre-trained; its ``history_`` is the fine-tuning's).
    pretrain_history_ : list of dict or None
        Epoch records of the pre-training on synthetic samples (``None`` without it).
    dnn_ : classifier
        Fitted feature branch.
    weight_ : float
        CNN weight used by ``predict_proba``.
    validation_f1_ : ndarray or None
        Macro-F1 on the inner split of each candidate weight (``None`` with a fixed weight).
    classes_ : ndarray

    Used by: notebooks/louro_dl.ipynb (Hybrid Augmented row).
    """

    def __init__(self, *, spectrogram: str = "logmel", features: str = "top100",
                 cnn: TorchClassifier | None = None, dnn=None, pretrain_inputs: str | Callable | None = None,
                 finetune_epochs: int = 20, finetune_lr: float = 1e-4, stop_train_acc: float | None = 0.9,
                 weight: float | None = None, validation_size: float = 0.2, n_weights: int = 11,
                 random_state=None):
        self.spectrogram = spectrogram
        self.features = features
        self.cnn = cnn
        self.dnn = dnn
        self.pretrain_inputs = pretrain_inputs
        self.finetune_epochs = finetune_epochs
        self.finetune_lr = finetune_lr
        self.stop_train_acc = stop_train_acc
        self.weight = weight
        self.validation_size = validation_size
        self.n_weights = n_weights
        self.random_state = random_state

    # ------------------------------------------------------------------ branches
    def _check_params(self, X) -> None:
        check_inputs(X, self.spectrogram, self.features)
        if self.weight is not None and not 0 <= self.weight <= 1:
            raise ParameterError(f"weight must be in [0, 1] or None, got {self.weight}")
        if not 0 < self.validation_size < 1 or int(self.n_weights) < 2:
            raise ParameterError("validation_size must be in (0, 1) and n_weights at least 2")
        pretrain = self.pretrain_inputs
        if pretrain is not None and not callable(pretrain) and pretrain not in X.names:
            raise ParameterError(f"pretrain_inputs must be a table of X ({', '.join(X.names)}), "
                                 f"a callable or None, got {pretrain!r}")

    def _synthetic(self, X, spectrograms: np.ndarray, y: np.ndarray, seed: int):
        """Pre-training samples and labels derived from the training clips ``X`` only."""
        clip_shape = spectrograms.shape[1:]
        if callable(self.pretrain_inputs):
            X_syn, y_syn = self.pretrain_inputs(spectrograms, y, seed)
            X_syn, y_syn = np.asarray(X_syn, dtype=np.float32), np.asarray(y_syn)
        else:
            X_syn, y_syn = np.asarray(X[self.pretrain_inputs], dtype=np.float32), y
            if X_syn.ndim == len(clip_shape) + 2 and X_syn.shape[2:] == clip_shape:  # several copies per clip
                X_syn, y_syn = X_syn.reshape((-1,) + clip_shape), np.repeat(y, X_syn.shape[1])
        if X_syn.shape[1:] != clip_shape or len(X_syn) != len(y_syn) or len(X_syn) == 0:
            raise ParameterError(f"pretrain_inputs gave samples of shape {X_syn.shape} with {len(y_syn)} labels; "
                                 f"expected (n, {', '.join(map(str, clip_shape))}) with one label each")
        if not np.array_equal(np.unique(y_syn), np.unique(y)):
            raise ParameterError(f"pretrain_inputs labels {np.unique(y_syn)} must cover exactly the classes "
                                 f"{np.unique(y)} of the training clips")
        return X_syn, y_syn

    def _branch_inputs(self, X) -> tuple[np.ndarray, np.ndarray]:
        """The CNN's log-mels and the DNN's features of the clips ``X``."""
        return np.asarray(X[self.spectrogram], dtype=np.float32), np.asarray(X[self.features], dtype=np.float64)

    def _fit_branches(self, X, y: np.ndarray, seeds: np.ndarray):
        spectrograms, features = self._branch_inputs(X)
        if features.ndim != 2:
            raise ParameterError(f"feature table {self.features!r} must be (n_clips, n_features), "
                                 f"got clips of shape {features.shape[1:]}")
        cnn = clone(self.cnn) if self.cnn is not None else TorchClassifier("cnn_baseline", random_state=seeds[0])
        pretrain_history = None
        if self.pretrain_inputs is None:
            cnn.fit(spectrograms, y)
        else:
            X_syn, y_syn = self._synthetic(X, spectrograms, y, int(seeds[1]))
            pretrain_history = cnn.fit(X_syn, y_syn).history_
            cnn = fine_tune(cnn, spectrograms, y, epochs=self.finetune_epochs, lr=self.finetune_lr,
                            new_head=False, stop_train_acc=self.stop_train_acc, random_state=seeds[1])
        dnn = clone(self.dnn) if self.dnn is not None else default_dnn(random_state=seeds[2])
        dnn.fit(features, y)
        if not np.array_equal(cnn.classes_, dnn.classes_):
            raise ParameterError(f"branch classes differ: CNN {cnn.classes_}, DNN {dnn.classes_}")
        return cnn, dnn, pretrain_history

    def _branch_probabilities(self, cnn, dnn, X) -> tuple[np.ndarray, np.ndarray]:
        spectrograms, features = self._branch_inputs(X)
        return cnn.predict_proba(spectrograms), dnn.predict_proba(features)

    # ------------------------------------------------------------------ estimator API
    def fit(self, X, y):
        """Fit both branches on the training clips ``X`` (choosing the weight if needed); return ``self``."""
        self._check_params(X)
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(X):
            raise ParameterError(f"y must be 1-D with one label per clip ({len(X)}), got shape {y.shape}")
        classes = np.unique(y)
        if len(classes) < 2:
            raise ParameterError("fit needs at least two classes")
        rs = check_random_state(self.random_state)
        split_seed, *branch_seeds = rs.randint(np.iinfo(np.int32).max, size=4)
        self.validation_f1_ = None
        if self.weight is None:
            n_val = max(int(round(self.validation_size * len(X))), len(classes))
            splitter = StratifiedShuffleSplit(n_splits=1, test_size=n_val, random_state=split_seed)
            inner, val = next(splitter.split(np.zeros(len(X)), y))
            cnn, dnn, _ = self._fit_branches(X[inner], y[inner], branch_seeds)
            p_cnn, p_dnn = self._branch_probabilities(cnn, dnn, X[val])
            grid = np.linspace(0.0, 1.0, int(self.n_weights))
            self.validation_f1_ = np.array([f1_score(y[val], cnn.classes_[np.argmax(w * p_cnn + (1 - w) * p_dnn, 1)],
                                                     average="macro", zero_division=0) for w in grid])
            best = np.flatnonzero(np.isclose(self.validation_f1_, self.validation_f1_.max()))
            self.weight_ = float(grid[best[np.argmin(np.abs(grid[best] - 0.5))]])
        else:
            self.weight_ = float(self.weight)
        self.cnn_, self.dnn_, self.pretrain_history_ = self._fit_branches(X, y, branch_seeds)
        self.classes_ = self.cnn_.classes_
        return self

    def predict_proba(self, X) -> np.ndarray:
        """``weight_ * p_cnn + (1 - weight_) * p_dnn`` per clip, columns in ``classes_`` order."""
        check_is_fitted(self, "cnn_")
        X = check_inputs(X, self.spectrogram, self.features)
        p_cnn, p_dnn = self._branch_probabilities(self.cnn_, self.dnn_, X)
        return self.weight_ * p_cnn + (1.0 - self.weight_) * p_dnn

    def predict(self, X) -> np.ndarray:
        """Most probable class per clip."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
