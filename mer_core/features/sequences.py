"""Sequences of frame features per fixed-length segment: the input of a recurrent regressor, or of a
1-D CNN that turns each piece of a clip into features (:class:`MFCCLogMelPieces`).

Grekow (2021) cuts music into 6 s fragments and feeds a recurrent network with the features of
short, possibly overlapping windows of each fragment. :class:`MFCCSequence` does this with
librosa: 20 MFCCs and their deltas on 46 ms frames (1024 samples at 22.05 kHz) with a 23 ms
hop (512 samples), averaged over consecutive 0.5 s steps, so that a 6 s segment is a sequence
of 12 steps of 40 values. Deviation: Grekow extracts with Marsyas (MFCC, chroma) and Essentia
(higher-level features); this is MFCC only, from librosa.
"""
from __future__ import annotations

import librosa
import numpy as np

from ..errors import ParameterError
from .base import Extractor

SEGMENT_TOLERANCE = 0.05
"""A clip holds ``floor(duration / segment_s + SEGMENT_TOLERANCE)`` segments (at least one): a last
segment short by up to 5 % of its length (0.3 s of 6 s) is kept and zero-padded."""


class MFCCSequence(Extractor):
    """MFCC (+ delta) means over ``step_s`` steps of consecutive ``segment_s`` segments of a clip.

    The MFCCs and deltas are computed over the whole clip (zero-padded to a whole number of
    segments), then each frame goes to the step of its segment that contains its centre
    (librosa frames are centred: frame ``j`` at ``j * hop_length / sr`` seconds) and each step
    is the mean of its frames.

    Parameters
    ----------
    sr : int
        Analysis sample rate (22.05 kHz).
    n_mfcc : int
        MFCCs per frame (20).
    n_fft, hop_length : int
        Frame and hop in samples (1024 = 46 ms and 512 = 23 ms at 22.05 kHz).
    segment_s, step_s : float
        Segment and step length in seconds (6 s and 0.5 s: 12 steps per segment).
    deltas : bool
        Append the MFCCs' deltas (librosa's 9-frame regression).

    Returns (``__call__``)
    ----------------------
    ndarray of shape (n_segments, n_steps, n_mfcc * (1 + deltas))
        The clip's segments in time order (:meth:`segment_starts`).

    Used by: :func:`mer_core.experiments.du.grekow_features` (notebooks/du.ipynb, Grekow).
    """

    name = "mfcc_sequence"
    version = "1"

    def __init__(self, sr: int = 22050, n_mfcc: int = 20, n_fft: int = 1024, hop_length: int = 512,
                 segment_s: float = 6.0, step_s: float = 0.5, deltas: bool = True):
        if min(sr, n_mfcc, n_fft, hop_length) <= 0 or segment_s <= 0 or step_s <= 0:
            raise ParameterError("MFCCSequence parameters must be positive")
        if step_s > segment_s or abs(segment_s / step_s - round(segment_s / step_s)) > 1e-9:
            raise ParameterError(f"segment_s ({segment_s}) must be a whole number of steps of {step_s} s")
        if step_s * sr < hop_length:
            raise ParameterError(f"a step of {step_s} s is shorter than the hop ({hop_length} samples)")
        self.sr, self.n_mfcc, self.n_fft, self.hop_length = sr, n_mfcc, n_fft, hop_length
        self.segment_s, self.step_s, self.deltas = float(segment_s), float(step_s), bool(deltas)

    @property
    def n_steps(self) -> int:
        """Steps per segment."""
        return int(round(self.segment_s / self.step_s))

    @property
    def dim(self) -> int:
        """Features per step."""
        return self.n_mfcc * (2 if self.deltas else 1)

    def feature_names(self) -> list[str]:
        """Names of the ``dim`` features of a step."""
        names = [f"mfcc{i}" for i in range(self.n_mfcc)]
        return names + ([f"dmfcc{i}" for i in range(self.n_mfcc)] if self.deltas else [])

    def n_segments(self, duration_s: float) -> int:
        """Segments of a clip of ``duration_s`` seconds (:data:`SEGMENT_TOLERANCE`)."""
        return max(1, int(np.floor(duration_s / self.segment_s + SEGMENT_TOLERANCE)))

    def segment_starts(self, n_segments: int) -> np.ndarray:
        """Start times (s) of the segments of a clip's output."""
        return np.arange(int(n_segments)) * self.segment_s

    def __call__(self, y: np.ndarray, sr: int) -> np.ndarray:
        if sr != self.sr:
            raise ParameterError(f"MFCCSequence expects audio at {self.sr} Hz, got {sr}")
        n_seg = self.n_segments(len(y) / sr)
        seg_len = int(round(self.segment_s * sr))
        total = n_seg * seg_len
        y = y[:total] if len(y) >= total else np.pad(y, (0, total - len(y)))
        mfcc = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=self.n_mfcc, n_fft=self.n_fft, hop_length=self.hop_length)
        feats = np.concatenate([mfcc, librosa.feature.delta(mfcc)]) if self.deltas else mfcc
        # the step of every step boundary, in frames: frame j (centre j * hop) belongs to [t0, t1) if
        # ceil(t0 / hop) <= j < ceil(t1 / hop)
        bounds = np.ceil(np.arange(n_seg * self.n_steps + 1) * self.step_s * sr / self.hop_length).astype(int)
        bounds = np.minimum(bounds, feats.shape[1])
        steps = np.stack([feats[:, lo:hi].mean(axis=1) for lo, hi in zip(bounds[:-1], bounds[1:])])
        return steps.reshape(n_seg, self.n_steps, self.dim).astype(np.float32)


class MFCCLogMelPieces(Extractor):
    """MFCC and log-mel frames of a clip's three equal pieces: the input of Hizlisoy et al.'s CNN features.

    Hizlisoy et al. (2021) divide each 30 s excerpt into three pieces of equal length, compute MFCCs
    and log-mel filterbank energies of each, and let a 1-D CNN turn each piece into 256 values (the
    three joined: 768). This extractor gives the CNN's input: the clip is cut or zero-padded to
    ``clip_s`` seconds, the features are computed over the whole of it (frames centred, librosa's
    defaults) and the frames are dealt into ``n_pieces`` consecutive pieces of equal length (a last
    frame that does not fill a piece is dropped).

    Parameters
    ----------
    sr : int
        Analysis sample rate (22.05 kHz).
    clip_s : float
        Seconds of each clip used (30: a 4Q clip).
    n_pieces : int
        Equal pieces (3, as the paper).
    n_mfcc, n_mels : int
        MFCCs (20, from librosa's 128-band mel spectrogram) and log-mel bands (40, in dB).
    n_fft, hop_length : int
        Frame and hop in samples (2048 = 93 ms and 1024 = 46 ms at 22.05 kHz: 215 frames per 10 s piece).

    Returns (``__call__``)
    ----------------------
    ndarray of shape (n_pieces, frames_per_piece, n_mfcc + n_mels)
        MFCCs first, then log-mel bands.

    Used by: :func:`mer_core.experiments.du.hizlisoy_4q_features` (notebooks/du.ipynb, Hizlisoy et al.).
    """

    name = "mfcc_logmel_pieces"
    version = "1"

    def __init__(self, sr: int = 22050, clip_s: float = 30.0, n_pieces: int = 3, n_mfcc: int = 20, n_mels: int = 40,
                 n_fft: int = 2048, hop_length: int = 1024):
        if min(sr, n_pieces, n_mfcc, n_mels, n_fft, hop_length) <= 0 or clip_s <= 0:
            raise ParameterError("MFCCLogMelPieces parameters must be positive")
        self.sr, self.clip_s, self.n_pieces = int(sr), float(clip_s), int(n_pieces)
        self.n_mfcc, self.n_mels, self.n_fft, self.hop_length = int(n_mfcc), int(n_mels), int(n_fft), int(hop_length)
        if self.frames_per_piece < 1:
            raise ParameterError(f"a piece of {clip_s / n_pieces} s holds no frame of {hop_length} samples")

    @property
    def frames_per_piece(self) -> int:
        """Frames in each piece."""
        n_frames = 1 + int(round(self.clip_s * self.sr)) // self.hop_length
        return n_frames // self.n_pieces

    @property
    def dim(self) -> int:
        """Features per frame."""
        return self.n_mfcc + self.n_mels

    def __call__(self, y: np.ndarray, sr: int) -> np.ndarray:
        if sr != self.sr:
            raise ParameterError(f"MFCCLogMelPieces expects audio at {self.sr} Hz, got {sr}")
        n = int(round(self.clip_s * sr))
        y = y[:n] if len(y) >= n else np.pad(y, (0, n - len(y)))
        mfcc = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=self.n_mfcc, n_fft=self.n_fft, hop_length=self.hop_length)
        mel = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=self.n_fft, hop_length=self.hop_length,
                                             n_mels=self.n_mels)
        frames = np.concatenate([mfcc, librosa.power_to_db(mel, ref=1.0, top_db=None)]).T
        used = self.n_pieces * self.frames_per_piece
        return frames[:used].reshape(self.n_pieces, self.frames_per_piece, self.dim).astype(np.float32)


EXTRACTORS = {"mfcc_sequence": MFCCSequence, "mfcc_logmel_pieces": MFCCLogMelPieces}
"""Zero-argument factories of this module's extractors (the registry's convention)."""
