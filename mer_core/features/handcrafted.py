"""Hand-crafted feature sets: openSMILE functionals and Essentia low-level descriptors.

Pandrea, Gómez-Cañón & Herrera's baseline compares two hand-crafted sets on the 4Q
dataset: the INTERSPEECH 2013 ComParE set of openSMILE (the better of the two, used for
their MLP baseline) and "low-level descriptors extracted with Essentia"; a third run keeps
the best 50 features of both sets together. This module provides

- :class:`IS13ComParE`: the IS13 ComParE functionals, 6373 values per clip, from the
  ``IS13_ComParE.conf`` that ships with opensmile-python (``FeatureSet.IS13``). This is
  the set the paper names. Pandrea et al.'s extended abstract reports no reduced IS13
  variant; the only reduced set it reports is the best 50 of IS13 + Essentia.
- :class:`ComParE2016`: the ComParE 2016 functionals (6373 values), audEERING's numerically
  fixed revision of IS13 with the same 6373 feature names. Compared with IS13 its config
  (i) zero-pads FFT frames symmetrically (IS13 keeps ``zeroPadSymmetric = 0`` "for
  compatibility with 2.2.0 and older"), (ii) turns off the jitter threshold bug
  (``useBrokenJitterThresh = 0``), and (iii) limits ratios and normalises regression
  functionals (``doRatioLimit = 1``, ``centroidUseAbsValues = 1``, ``normRegCoeff = 2``,
  ``normInputs = 1``). So the names match but many values differ.
- :class:`EGeMAPSv02`: the extended Geneva minimalistic acoustic parameter set (88 values).
- :class:`EssentiaLowLevel`: 127 spectral, temporal, rhythm and tonal statistics composed
  from ``essentia.standard`` algorithms on the numpy signal (the list is
  :data:`ESSENTIA_FRAME_DESCRIPTORS` and :data:`ESSENTIA_GLOBAL_DESCRIPTORS`).

Sample rate. Every extractor here runs at 22.05 kHz (:data:`mer_core.config.DEFAULT_SR`),
the papers' analysis rate. The ComParE configs are rate-agnostic (the challenges used
16 kHz speech, but band limits are in Hz: MFCC/auditory bands stop at 8 kHz and spectral
shape descriptors use the whole band). 22.05 kHz keeps the 8-11 kHz band that carries
brightness cues in music without upsampling any 4Q copy (their rates: the datasets chapter). Pandrea et al. do not
state a rate; their co-author's companion code for the same datasets
(github.com/juansgomez87/lang-sens-mer, ``generate_os_feats.py``) ran ``SMILExtract
-C IS13_ComParE.conf`` of openSMILE 2.3.0 on WAVs decoded at the MP3s' native rate, which
for 4Q varies between 16 and 44.1 kHz per clip; a fixed rate keeps the features comparable.

``EXTRACTORS`` maps registry names to zero-argument factories.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..audio import frame, resample
from ..config import DEFAULT_SR
from ..errors import ParameterError
from .base import Extractor

INT16_MAX = 32767 / 32768
"""Largest float openSMILE can take: it scales by 32768 into int16, so 1.0 would wrap to -1."""


def _validate_signal(y: np.ndarray, sr: int, expected_sr: int, name: str) -> np.ndarray:
    """Return ``y`` as a finite 1-D float32 array at ``expected_sr``, or raise ParameterError."""
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise ParameterError(f"{name} expects mono 1-D audio, got shape {y.shape}")
    if y.size == 0:
        raise ParameterError(f"{name} got an empty signal")
    if not np.all(np.isfinite(y)):
        raise ParameterError(f"{name} got non-finite samples")
    if sr != expected_sr:
        raise ParameterError(f"{name} runs at {expected_sr} Hz, got audio at {sr} Hz "
                             f"(load it with mer_core.audio.load_audio(path, sr=extractor.sr))")
    return y


# --------------------------------------------------------------------------- openSMILE

@lru_cache(maxsize=None)
def _smile(feature_set: str):
    """One ``opensmile.Smile`` per feature set and process (building one loads the library)."""
    import opensmile

    return opensmile.Smile(feature_set=opensmile.FeatureSet[feature_set],
                           feature_level=opensmile.FeatureLevel.Functionals)


class OpenSmileFunctionals(Extractor):
    """Clip-level functionals of an openSMILE feature set (base of the three sets below).

    The whole clip is one openSMILE segment, so the output is one vector of functionals
    (means, percentiles, regression coefficients, ... of the low-level descriptors and
    their deltas). Samples are clipped to [-1, 32767/32768] before openSMILE's int16
    conversion, which would otherwise wrap full-scale peaks around.

    Parameters
    ----------
    sr : int
        Analysis sample rate (default 22050 Hz; see the module docstring).
    """

    feature_set: str = ""
    """Member name of ``opensmile.FeatureSet``."""

    def __init__(self, sr: int = DEFAULT_SR):
        if sr <= 0:
            raise ParameterError(f"sr must be positive, got {sr}")
        self.sr = sr

    @property
    def dim(self) -> int:
        return len(self.feature_names())

    def feature_names(self) -> list[str]:
        """openSMILE's own names of the functionals, in output order."""
        return list(_smile(self.feature_set).feature_names)

    def __call__(self, y: np.ndarray, sr: int) -> np.ndarray:
        y = _validate_signal(y, sr, self.sr, self.name)
        y = np.clip(y, -1.0, INT16_MAX)
        feats = _smile(self.feature_set).process_signal(y, sr).to_numpy(dtype=np.float32)[0]
        if not np.all(np.isfinite(feats)):
            raise ParameterError(f"{self.name}: openSMILE returned non-finite values "
                                 f"({len(y) / sr:.2f} s of audio; is the clip too short?)")
        return feats


class IS13ComParE(OpenSmileFunctionals):
    """INTERSPEECH 2013 ComParE functionals (6373 values): Pandrea et al.'s baseline features.

    Used by: notebooks/features.ipynb (registry name ``is13_compare``, through
    :mod:`mer_core.experiments.features`).
    """

    name = "is13_compare"
    version = "1"
    feature_set = "IS13"


class ComParE2016(OpenSmileFunctionals):
    """ComParE 2016 functionals (6373 values): IS13 with audEERING's numerical fixes.

    Same names as :class:`IS13ComParE`; the config differences are listed in the module
    docstring.

    Used by: notebooks/features.ipynb (registry name ``compare2016``, through
    :mod:`mer_core.experiments.features`).
    """

    name = "compare2016"
    version = "1"
    feature_set = "ComParE_2016"


class EGeMAPSv02(OpenSmileFunctionals):
    """Extended Geneva Minimalistic Acoustic Parameter Set v02 functionals (88 values).

    Used by: notebooks/features.ipynb (registry name ``egemaps``, through
    :mod:`mer_core.experiments.features`).
    """

    name = "egemaps"
    version = "1"
    feature_set = "eGeMAPSv02"


# --------------------------------------------------------------------------- Essentia

ESSENTIA_FRAME_DESCRIPTORS: tuple[tuple[str, int], ...] = (
    # spectral shape, on the magnitude spectrum of a Hann-windowed frame
    ("spectral_centroid", 1),
    ("spectral_spread", 1),
    ("spectral_skewness", 1),
    ("spectral_kurtosis", 1),
    ("spectral_rolloff", 1),            # 85 % of the energy
    ("spectral_flux", 1),
    ("barkbands_flatness_db", 1),       # flatness of the 24 Bark bands below 9.5 kHz
    ("spectral_entropy", 1),
    ("spectral_decrease", 1),
    ("spectral_energy", 1),
    ("hfc", 1),                         # high-frequency content
    ("spectral_complexity", 1),         # number of peaks
    ("spectral_strongpeak", 1),
    ("spectral_energyband_low", 1),     # 20-150 Hz
    ("spectral_energyband_middle_low", 1),   # 150-800 Hz
    ("spectral_energyband_middle_high", 1),  # 800-4000 Hz
    ("spectral_energyband_high", 1),    # 4000 Hz-Nyquist
    ("pitch_salience", 1),
    ("dissonance", 1),
    ("mfcc", 13),
    ("spectral_contrast_coeffs", 6),
    ("spectral_contrast_valleys", 6),
    # temporal, on the raw frame
    ("zerocrossingrate", 1),
    ("rms", 1),
    ("loudness", 1),                    # Stevens' power law, energy ** 0.67
    # tonal
    ("hpcp", 12),                       # pitch-class profile, A = bin 0
    ("hpcp_entropy", 1),
)
"""Frame-wise Essentia descriptors (name, size): 60 values per frame, summarised by
:data:`ESSENTIA_STATS`. Names follow Essentia's MusicExtractor ``lowlevel``/``tonal`` keys."""

ESSENTIA_STATS: tuple[str, ...] = ("mean", "std")
"""Statistics over frames (the paper names none; mean and standard deviation are the two
every MusicExtractor output has)."""

ESSENTIA_GLOBAL_DESCRIPTORS: tuple[str, ...] = (
    "bpm",                  # RhythmExtractor2013, 'degara' beat tracker
    "onset_rate",           # OnsetRate: onsets per second
    "danceability",         # DFA-based Danceability
    "dynamic_complexity",   # DynamicComplexity: mean deviation from the global loudness, dB
    "dynamic_loudness",     # DynamicComplexity's global loudness estimate, dB
    "key_strength",         # Key (Temperley profile) on the mean HPCP
    "key_scale_major",      # 1 for a major key, 0 for minor
)
"""Clip-level Essentia descriptors (one value each)."""

RHYTHM_SR = 44100
"""Rate of Essentia's OnsetRate and RhythmExtractor2013, which take no sample-rate parameter."""

_BAND_EDGES = {"spectral_energyband_low": (20.0, 150.0),
               "spectral_energyband_middle_low": (150.0, 800.0),
               "spectral_energyband_middle_high": (800.0, 4000.0),
               "spectral_energyband_high": (4000.0, None)}


@lru_cache(maxsize=None)
def _essentia_algorithms(sr: int, frame_size: int) -> dict:
    """Configured Essentia algorithm instances, built once per process and setting.

    Several keep state between calls (Flux, OnsetRate, RhythmExtractor2013 return stale
    results otherwise), so callers must ``reset()`` them before each clip.
    """
    import essentia

    # silence INFO lines (importing essentia.standard and the rhythm algorithms log chatter)
    essentia.log.infoActive = False
    import essentia.standard as es

    nyquist = sr / 2
    n_bins = frame_size // 2 + 1
    n_bark = 24 if nyquist < 12000 else 27   # Bark band 25 starts at 9.5 kHz and ends at 12 kHz
    algos = {
        "window": es.Windowing(type="hann", size=frame_size),
        "spectrum": es.Spectrum(size=frame_size),
        "centroid": es.Centroid(range=nyquist),
        "moments": es.CentralMoments(range=nyquist),
        "shape": es.DistributionShape(),
        "rolloff": es.RollOff(sampleRate=sr),
        "flux": es.Flux(),
        "bark": es.BarkBands(sampleRate=sr, numberBands=n_bark),
        "flatness_db": es.FlatnessDB(),
        "entropy": es.Entropy(),
        "decrease": es.Decrease(range=nyquist),
        "energy": es.Energy(),
        "hfc": es.HFC(sampleRate=sr),
        "complexity": es.SpectralComplexity(sampleRate=sr),
        "strongpeak": es.StrongPeak(),
        "salience": es.PitchSalience(sampleRate=sr),
        "peaks": es.SpectralPeaks(sampleRate=sr, orderBy="frequency", minFrequency=20,
                                  maxFrequency=5000, maxPeaks=100, magnitudeThreshold=1e-5),
        "dissonance": es.Dissonance(),
        "mfcc": es.MFCC(inputSize=n_bins, sampleRate=sr, highFrequencyBound=min(11000.0, nyquist),
                        numberCoefficients=13),
        "contrast": es.SpectralContrast(frameSize=frame_size, sampleRate=sr,
                                        highFrequencyBound=min(11000.0, nyquist)),
        "zcr": es.ZeroCrossingRate(),
        "rms": es.RMS(),
        "loudness": es.Loudness(),
        "hpcp": es.HPCP(size=12, sampleRate=sr, referenceFrequency=440.0, maxFrequency=5000,
                        normalized="unitMax"),
        # these two only work at 44.1 kHz (they take no sample rate): see _clip_descriptors
        "onset_rate": es.OnsetRate(),
        "rhythm": es.RhythmExtractor2013(method="degara"),
        "danceability": es.Danceability(sampleRate=sr),
        "dynamic": es.DynamicComplexity(sampleRate=sr),
        "key": es.Key(profileType="temperley", pcpSize=12),
    }
    for band, (low, high) in _BAND_EDGES.items():
        algos[band] = es.EnergyBand(sampleRate=sr, startCutoffFrequency=low,
                                    stopCutoffFrequency=nyquist if high is None else min(high, nyquist))
    return algos


class EssentiaLowLevel(Extractor):
    """Essentia low-level descriptors of a clip: 127 values (Pandrea et al.'s second set).

    The paper says only "low-level descriptors extracted with Essentia". Essentia's file-based
    MusicExtractor cannot take the project's decoded, resampled signal, so the extractor
    composes the same ``essentia.standard`` algorithms on the numpy signal:

    - 60 frame-wise values (:data:`ESSENTIA_FRAME_DESCRIPTORS`): 19 spectral scalars
      (centroid, spread, skewness, kurtosis, roll-off, flux, Bark-band flatness, entropy,
      decrease, energy, HFC, spectral complexity, strong peak, four energy bands, pitch
      salience, dissonance), 13 MFCCs, 6 + 6 spectral contrast coefficients and valleys,
      3 temporal scalars (zero-crossing rate, RMS, loudness) and a 12-bin HPCP with its
      entropy; each summarised by mean and standard deviation over frames (120 values);
    - 7 clip-level values (:data:`ESSENTIA_GLOBAL_DESCRIPTORS`): tempo, onset rate,
      danceability, dynamic complexity and loudness, key strength and major/minor.

    Frames are 1024 samples with a 512 hop at 22.05 kHz: 46 ms and 21.5 Hz bins, the same
    time span and resolution as MusicExtractor's 2048/1024 at 44.1 kHz. The last partial
    frame is zero-padded. OnsetRate and RhythmExtractor2013 only work at 44.1 kHz, so they
    get the clip upsampled to 44.1 kHz; the tempo uses the 'degara' beat tracker, several times
    cheaper than MusicExtractor's default 'multifeature' (extraction times: ``mer features benchmark``).

    Parameters
    ----------
    sr : int
        Analysis sample rate (default 22050 Hz).
    frame_size, hop_size : int
        Frame length and hop in samples (frame_size even).

    Used by: notebooks/features.ipynb (registry name ``essentia_lowlevel``, through
    :mod:`mer_core.experiments.features`).
    """

    name = "essentia_lowlevel"
    version = "1"

    def __init__(self, sr: int = DEFAULT_SR, frame_size: int = 1024, hop_size: int = 512):
        if min(sr, frame_size, hop_size) <= 0:
            raise ParameterError("EssentiaLowLevel parameters must be positive")
        if frame_size % 2:
            raise ParameterError(f"frame_size must be even, got {frame_size}")
        if hop_size > frame_size:
            raise ParameterError(f"hop_size ({hop_size}) must not exceed frame_size ({frame_size})")
        self.sr, self.frame_size, self.hop_size = sr, frame_size, hop_size

    @property
    def dim(self) -> int:
        return len(self.feature_names())

    def feature_names(self) -> list[str]:
        """``<descriptor>[_<index>]_<stat>`` for frame-wise values, then the clip-level names."""
        names = []
        for stat in ESSENTIA_STATS:
            for desc, size in ESSENTIA_FRAME_DESCRIPTORS:
                names += [f"{desc}_{stat}"] if size == 1 else [f"{desc}_{i:02d}_{stat}" for i in range(size)]
        return names + list(ESSENTIA_GLOBAL_DESCRIPTORS)

    def __call__(self, y: np.ndarray, sr: int) -> np.ndarray:
        y = _validate_signal(y, sr, self.sr, self.name)
        a = _essentia_algorithms(self.sr, self.frame_size)
        for algorithm in a.values():
            algorithm.reset()
        rows = []
        # frames start at sample 0; the last one is zero-padded
        for samples in frame(y, self.frame_size, self.hop_size, pad="end"):
            mag = a["spectrum"](a["window"](samples))
            spread, skewness, kurtosis = a["shape"](a["moments"](mag))
            freqs, mags = a["peaks"](mag)
            _, mfcc = a["mfcc"](mag)
            contrast, valleys = a["contrast"](mag)
            hpcp = a["hpcp"](freqs, mags)
            scalars = [
                a["centroid"](mag), spread, skewness, kurtosis, a["rolloff"](mag), a["flux"](mag),
                a["flatness_db"](a["bark"](mag)), a["entropy"](mag), a["decrease"](mag),
                a["energy"](mag), a["hfc"](mag), a["complexity"](mag), a["strongpeak"](mag),
                *(a[band](mag) for band in _BAND_EDGES), a["salience"](mag),
                a["dissonance"](freqs, mags) if len(freqs) > 1 else 0.0,
            ]
            temporal = [a["zcr"](samples), a["rms"](samples), a["loudness"](samples)]
            hpcp_entropy = a["entropy"](hpcp) if hpcp.any() else 0.0
            rows.append(np.concatenate([scalars, mfcc, contrast, valleys, temporal, hpcp, [hpcp_entropy]]))
        frames = np.asarray(rows, dtype=np.float64)
        frame_stats = np.concatenate([frames.mean(axis=0), frames.std(axis=0)])
        return np.concatenate([frame_stats, self._clip_descriptors(y, frames, a)]).astype(np.float32)

    def _clip_descriptors(self, y: np.ndarray, frames: np.ndarray, a: dict) -> list[float]:
        """The :data:`ESSENTIA_GLOBAL_DESCRIPTORS` of one clip."""
        # OnsetRate and RhythmExtractor2013 assume 44.1 kHz; upsampling adds no content
        # but puts their frame and tempo constants on the right time scale
        y44 = resample(y, self.sr, RHYTHM_SR)
        _, onset_rate = a["onset_rate"](y44)
        bpm = a["rhythm"](y44)[0]
        hpcp_start = sum(size for _, size in ESSENTIA_FRAME_DESCRIPTORS[:-2])
        mean_hpcp = frames[:, hpcp_start:hpcp_start + 12].mean(axis=0).astype(np.float32)
        if mean_hpcp.any():
            _, scale, key_strength, _ = a["key"](mean_hpcp)
        else:   # no pitched content: no key
            scale, key_strength = "minor", 0.0
        dyn_complexity, dyn_loudness = a["dynamic"](y)
        danceability, _ = a["danceability"](y)
        return [bpm, onset_rate, danceability, dyn_complexity, dyn_loudness, key_strength,
                float(scale == "major")]


EXTRACTORS = {
    "is13_compare": IS13ComParE,
    "compare2016": ComParE2016,
    "egemaps": EGeMAPSv02,
    "essentia_lowlevel": EssentiaLowLevel,
}
"""Registry name -> zero-argument factory returning the extractor with its defaults."""
