"""A simulated music-emotion corpus, generated deterministically from a seed.

This is the project's embedded default dataset: it needs no download, so every notebook
runs out of the box. It is a **simulation**: the clips are synthesised by a rule-based
cue model, not performed or rated by people, and no claim about human emotion perception
may rest on it. Every generated folder carries a ``PROVENANCE.md`` saying so.

Emotion model
-------------
Each clip has a latent (valence, arousal) on the scale [-1, 1] with neutral midpoint 0
(quadrants via :func:`~mer_core.datasets.base.va_to_quadrant` with ``midpoint=0``). Each
culture's songs are spread evenly over the four quadrants; a song's distances to the axes
are stratified quantiles of a Beta(2, 2) law on [0, 1]. Each excerpt drifts from its song's
point (normal, sd 0.12, so excerpts of one song may fall in different quadrants), and
within an excerpt a smooth 2 Hz curve wanders around the excerpt's value (two slow
sinusoids, 0.06 each). The static labels are the means of the curves; the audio follows
the curves note by note. With the defaults about one clip in six lies within 0.15 of an
axis, where quadrants are ambiguous by construction.

Cue model (after Gabrielsson & Lindström 2010 and Juslin 2001)
---------------------------------------------------------------
Arousal drives tempo, note density (and fewer rests), loudness (note velocity, +8 dB per
unit on the clip level), articulation (staccato when high, legato when low; restruck vs
sustained chords), brightness (spectral tilt of every note, FM index, drum crispness) and
percussiveness (attack time, level of the drum part). Valence drives mode (major vs minor,
or the culture's equivalent: slendro vs pelog, Ajam/Rast vs Saba/Hijaz), consonance (clash
tones and detuned, beating chord voices when low), register (melody pitch height, 12
semitones per unit), harmonic stability (tonic/dominant roots and final cadence when high,
remote roots when low) and, more weakly, brightness (bright happy vs dull sad timbres).
Every cue reads the latent through its own per-clip noise term (sd :data:`CUE_NOISE`) and
the mode through a song-level one, so the cue-to-emotion mapping is imperfect.

Nuisance variation unrelated to emotion: instrument palette (additive piano-, string-
and FM-like timbres; inharmonic metallophones and gongs; plucked lute- and zither-like
strings, reeds), key, song tempo style and tempo jitter, song register style, background
noise (pink, 15-40 dB SNR), room (convolution with a decaying-noise impulse response,
RT60 0.2-1.2 s, random wet level) and overall gain (sd 2 dB).

Cultures (:data:`CULTURES`)
---------------------------
``western``: 12-TET major / natural minor, triads, piano / strings / electric-piano timbres,
drum kit. ``gamelan``: slendro-like (five ~240-cent steps) / pelog-like pentatonic scales,
kempyung dyads, inharmonic metallophone timbres with beating pairs, gong cycles, kendang.
``maqam``: quarter-tone maqam-like scales (Ajam, Rast vs Saba, Hijaz), tonic-fifth drones,
plucked (oud-, qanun-like) and reed timbres, darbuka maqsum rhythm. The cultures share the
cue model but not scales, timbres, tempo and pitch ranges or production conventions
(overall level, brightness), so training on one and testing on another measures a
cross-dataset shift.

Files written by :func:`generate` into ``out_dir`` (by convention
``<data_dir>/synthetic_mer``): ``audio/<culture>/<track_id>.wav`` (16-bit PCM mono),
``tracks.csv`` (one row per clip, generator metadata included), ``dynamic_va.csv``
(2 Hz valence/arousal curves, long format) and ``PROVENANCE.md``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf
from scipy.signal import fftconvolve, lfilter
from scipy.stats import beta as beta_law

from ..config import DEFAULT_SR, locate
from ..progress import progress as progress_bar
from .base import DatasetError, va_to_quadrant, validate_tracks

DIRNAME = "synthetic_mer"
"""Folder name of the corpus inside the data directory."""

CULTURES = ("western", "gamelan", "maqam")
"""Simulated musical cultures, each with its own scales and timbre palette."""

GENERATOR_VERSION = "1"
"""Bump when the synthesis changes, so generated corpora can be told apart."""

DYNAMIC_RATE = 2.0
"""Frames per second of the dynamic valence/arousal curves."""

CUE_NOISE = 0.25
"""Standard deviation (in latent units) of each cue's per-clip noise term."""

TRACK_COLUMNS = ("track_id", "path", "dataset", "culture", "group", "quadrant",
                 "valence", "arousal", "duration")
"""Columns of the Tracks table returned by :func:`load`, in order."""

METADATA_COLUMNS = ("excerpt", "mode", "melody_instrument", "accompaniment_instrument",
                    "tonic_midi", "tempo_bpm")
"""Generator metadata kept in ``tracks.csv`` and appended by :func:`load`."""

_FLOAT_FORMAT = "%.4f"
_MAGNITUDE_BETA = (2.0, 2.0)  # law of |valence|, |arousal| of songs (calibrated, see generate)


# --------------------------------------------------------------------------- timbres
@dataclass(frozen=True)
class _Instrument:
    """A note model: additive partials (``ratios``/``amps``) or two-operator FM."""

    ratios: tuple = (1.0,)
    amps: tuple = (1.0,)
    decay: float = 1.0          # 1/s, decay rate of the first partial
    decay_slope: float = 0.0    # extra relative decay per unit of partial ratio
    attack: float = 0.005       # s, before the arousal scaling
    release: float = 0.1        # s after the gate (ringing of bars and strings)
    vibrato: float = 0.0        # relative frequency depth at 5.5 Hz
    beating: float = 0.0        # Hz, amplitude beating of paired metallophone keys
    breath: float = 0.0         # relative level of noise added to the note
    fm_ratio: float = 0.0       # modulator / carrier; 0 means additive synthesis
    fm_index: float = 0.0
    fm_index_decay: float = 0.0


def _harmonic(n: int, rolloff: float = 1.0) -> tuple:
    return tuple(float(k) for k in range(1, n + 1)), tuple(float(k) ** -rolloff for k in range(1, n + 1))


def _plucked(n: int, position: float) -> tuple:
    """Harmonic spectrum of a string plucked at ``position`` of its length (comb-shaped)."""
    k = np.arange(1, n + 1)
    amps = np.abs(np.sin(np.pi * k * position)) / k
    return tuple(map(float, k)), tuple(map(float, amps / amps.max()))


_INSTRUMENTS = {
    "piano": _Instrument(ratios=tuple(k * np.sqrt(1 + 4e-4 * k * k) for k in range(1, 11)),
                         amps=_harmonic(10, 0.8)[1], decay=2.0, decay_slope=0.35,
                         attack=0.003, release=0.15),
    "strings": _Instrument(*_harmonic(12, 1.0), decay=0.2, decay_slope=0.02, attack=0.08,
                           release=0.12, vibrato=0.004),
    "epiano": _Instrument(decay=1.5, attack=0.003, release=0.2, fm_ratio=1.0, fm_index=1.8,
                          fm_index_decay=3.0),
    "metallophone": _Instrument(ratios=(1.0, 2.76, 5.40, 8.93), amps=(1.0, 0.5, 0.25, 0.12),
                                decay=0.9, decay_slope=0.25, attack=0.002, release=0.6,
                                beating=3.0),
    "bonang": _Instrument(ratios=(1.0, 1.52, 2.0, 2.92, 4.1), amps=(1.0, 0.45, 0.6, 0.3, 0.15),
                          decay=3.0, decay_slope=0.3, attack=0.002, release=0.3, beating=5.0),
    "gender": _Instrument(ratios=(1.0, 3.93, 9.54), amps=(1.0, 0.3, 0.1), decay=1.2,
                          decay_slope=0.2, attack=0.003, release=0.8, beating=2.0),
    "gong": _Instrument(ratios=(1.0, 1.47, 2.09, 2.56, 3.0), amps=(1.0, 0.5, 0.4, 0.2, 0.15),
                        decay=0.5, decay_slope=0.2, attack=0.01, release=1.5, beating=1.0),
    "oud": _Instrument(*_plucked(12, 0.2), decay=3.0, decay_slope=0.3, attack=0.002,
                       release=0.25),
    "qanun": _Instrument(*_plucked(14, 0.12), decay=2.0, decay_slope=0.2, attack=0.002,
                         release=0.4),
    "ney": _Instrument(ratios=(1.0, 2.0, 3.0, 4.0, 5.0), amps=(1.0, 0.35, 0.2, 0.1, 0.05),
                       decay=0.1, attack=0.06, release=0.08, vibrato=0.006, breath=0.25),
    "reed": _Instrument(decay=0.15, attack=0.03, release=0.08, vibrato=0.003, fm_ratio=2.0,
                        fm_index=2.2),
}


# --------------------------------------------------------------------------- cultures
@dataclass(frozen=True)
class _Culture:
    positive_modes: dict        # name -> scale steps in semitones (floats: quarter tones)
    negative_modes: dict
    melody_instruments: tuple
    accompaniment_instruments: tuple
    chord: tuple                # scale-degree offsets of one accompaniment chord
    stable_roots: tuple         # scale degrees of stable (tonic-like) harmony
    unstable_roots: tuple
    tonic_range: tuple          # MIDI notes the tonic is drawn from (the key)
    tempo_range: tuple          # bpm at arousal -1 and +1
    low_drum: tuple             # eighth-note positions (of 8 per bar) of the low drum
    high_drum: tuple
    hat: bool                   # cymbal-like subdivisions at high arousal
    gong_cycle: int             # beats per gong stroke, 0 for none
    level_db: float             # production convention: overall level offset
    brightness_offset: float    # production convention: timbre brighter (+) or darker (-)


_CULTURE_SPECS = {
    "western": _Culture(
        positive_modes={"major": (0, 2, 4, 5, 7, 9, 11)},
        negative_modes={"minor": (0, 2, 3, 5, 7, 8, 10)},
        melody_instruments=("piano", "strings", "epiano"),
        accompaniment_instruments=("piano", "strings", "epiano"),
        chord=(0, 2, 4), stable_roots=(0, 3, 4), unstable_roots=(1, 2, 5, 6),
        tonic_range=(55, 66), tempo_range=(66.0, 160.0),
        low_drum=(0, 4), high_drum=(2, 6), hat=True, gong_cycle=0, level_db=0.0, brightness_offset=0.0),
    "gamelan": _Culture(
        positive_modes={"slendro": (0, 2.4, 4.8, 7.2, 9.6)},
        negative_modes={"pelog": (0, 1.2, 2.7, 7.0, 8.1)},
        melody_instruments=("bonang", "gender", "metallophone"),
        accompaniment_instruments=("metallophone", "gender"),
        chord=(0, 2, 5), stable_roots=(0, 3), unstable_roots=(1, 2, 4),
        tonic_range=(58, 69), tempo_range=(56.0, 140.0),
        low_drum=(0, 5), high_drum=(3, 6, 7), hat=False, gong_cycle=8, level_db=-1.5,
        brightness_offset=0.2),
    "maqam": _Culture(
        positive_modes={"ajam": (0, 2, 4, 5, 7, 9, 11), "rast": (0, 2, 3.5, 5, 7, 9, 10.5)},
        negative_modes={"saba": (0, 1.5, 3, 4, 7, 8, 10), "hijaz": (0, 1, 4, 5, 7, 8, 10)},
        melody_instruments=("oud", "qanun", "ney", "reed"),
        accompaniment_instruments=("reed", "oud", "qanun"),
        chord=(0, 4, 7), stable_roots=(0, 4), unstable_roots=(1, 2, 3, 5),
        tonic_range=(52, 63), tempo_range=(60.0, 150.0),
        low_drum=(0, 4), high_drum=(1, 3, 6), hat=False, gong_cycle=0, level_db=1.0,
        brightness_offset=-0.15),
}


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def _midi_to_hz(m):
    return 440.0 * 2.0 ** ((np.asarray(m, dtype=float) - 69.0) / 12.0)


def _degree_to_semitones(degree: int, scale: tuple) -> float:
    octave, step = divmod(int(degree), len(scale))
    return 12.0 * octave + float(scale[step])


# --------------------------------------------------------------------------- latents
@dataclass(frozen=True)
class _Song:
    culture: str
    group: str
    valence: float
    arousal: float
    mode: str
    tonic_midi: int
    melody_instrument: str
    accompaniment_instrument: str
    tempo_style: float          # multiplicative tempo factor of this song
    register_style: float       # semitones added to the melody register


def _song_latents(rng: np.random.Generator, first_song: int, n_songs: int):
    """Signed (valence, arousal) of one culture's songs.

    Song ``j`` (numbered across cultures) lies in quadrant ``j % 4``, so quadrants are
    balanced and even a tiny corpus holds all four; distances to the axes are stratified
    over the quantiles of a Beta law (Latin hypercube), so every corpus has the same share
    of songs near the axes.
    """
    quadrant = (first_song + np.arange(n_songs)) % 4
    signs_v = np.where(np.isin(quadrant, (0, 3)), 1.0, -1.0)  # Q1, Q4 positive valence
    signs_a = np.where(quadrant <= 1, 1.0, -1.0)               # Q1, Q2 high arousal
    magnitudes = np.empty((2, n_songs))
    for q in range(4):
        members = np.flatnonzero(quadrant == q)
        for dim in range(2):
            strata = (rng.permutation(len(members)) + rng.random(len(members))) / len(members)
            magnitudes[dim, members] = beta_law.ppf(strata, *_MAGNITUDE_BETA)
    return signs_v * magnitudes[0], signs_a * magnitudes[1]


def _draw_song(rng: np.random.Generator, culture: str, song_index: int, valence: float,
               arousal: float) -> _Song:
    """A song's style: mode (a noisy reading of valence), key, instruments, tempo and register styles."""
    spec = _CULTURE_SPECS[culture]
    # Mode is a song-level choice, itself a noisy reading of valence.
    positive = rng.random() < _sigmoid(4.0 * (valence + rng.normal(0.0, CUE_NOISE)))
    modes = spec.positive_modes if positive else spec.negative_modes
    return _Song(
        culture=culture, group=f"{culture}_s{song_index:03d}",
        valence=float(valence), arousal=float(arousal),
        mode=str(rng.choice(sorted(modes))),
        tonic_midi=int(rng.integers(spec.tonic_range[0], spec.tonic_range[1] + 1)),
        melody_instrument=str(rng.choice(spec.melody_instruments)),
        accompaniment_instrument=str(rng.choice(spec.accompaniment_instruments)),
        tempo_style=float(np.exp(rng.normal(0.0, 0.1))),
        register_style=float(rng.normal(0.0, 2.0)))


def _dynamic_curves(rng: np.random.Generator, song: _Song, duration: float):
    """Excerpt drift plus a smooth within-clip wander, sampled at :data:`DYNAMIC_RATE`."""
    times = np.arange(0.0, duration + 1e-9, 1.0 / DYNAMIC_RATE)
    curves = []
    for centre in (song.valence, song.arousal):
        centre = centre + rng.normal(0.0, 0.12)
        freqs = rng.uniform(0.04, 0.25, size=2)
        phases = rng.uniform(0.0, 2.0 * np.pi, size=2)
        wander = 0.06 * np.sin(2.0 * np.pi * freqs[:, None] * times[None, :] + phases[:, None]).sum(axis=0)
        curves.append(np.clip(centre + wander - wander.mean(), -1.0, 1.0))
    return times, curves[0], curves[1]


# --------------------------------------------------------------------------- synthesis
def _render_note(inst: _Instrument, f0: float, gate: float, velocity: float, brightness: float,
                 attack_scale: float, detune_cents: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    """One note: partials (or FM) x attack / gate / release envelope.

    ``brightness`` is the clip's brightness cue (mostly arousal): it flattens the spectral tilt of
    additive timbres and raises the FM index. ``attack_scale`` shortens attacks when aroused.
    """
    n = max(int((gate + inst.release) * sr), 16)
    # float32 makes sin/exp an order of magnitude faster; phase error stays far below the noise floor.
    t = np.arange(n, dtype=np.float32) / np.float32(sr)
    f0 = f0 * 2.0 ** (detune_cents / 1200.0)
    if inst.vibrato:
        # Phase of f0 * (1 + d sin(2 pi 5.5 t)), integrated in closed form.
        time_warp = t - inst.vibrato * np.cos(2.0 * np.pi * 5.5 * t) / (2.0 * np.pi * 5.5)
    else:
        time_warp = t
    if inst.fm_ratio:
        index = inst.fm_index * 2.0 ** brightness * np.exp(-inst.fm_index_decay * t)
        modulator = index * np.sin(2.0 * np.pi * f0 * inst.fm_ratio * time_warp)
        y = np.sin(2.0 * np.pi * f0 * time_warp + modulator) * np.exp(-inst.decay * t)
    else:
        ratios = np.asarray(inst.ratios)
        # Spectral tilt: partial k is scaled by ratio^-tilt; bright (high arousal) = shallow tilt.
        tilt = 1.2 - 1.3 * brightness
        amps = np.asarray(inst.amps) * ratios ** -tilt * (f0 * ratios < 0.45 * sr)
        decays = inst.decay * (1.0 + inst.decay_slope * (ratios - 1.0))
        phases = rng.uniform(0.0, 2.0 * np.pi, size=len(ratios))
        ratios, amps, decays, phases = (a.astype(np.float32) for a in (ratios, amps, decays, phases))
        y = (amps[:, None] * np.exp(-decays[:, None] * t[None, :])
             * np.sin(2.0 * np.pi * f0 * ratios[:, None] * time_warp[None, :] + phases[:, None])).sum(axis=0)
    if inst.beating:
        y *= 0.7 + 0.3 * np.cos(2.0 * np.pi * inst.beating * t)
    if inst.breath:
        y += inst.breath * rng.standard_normal(n) * np.exp(-inst.decay * t)
    attack = max(inst.attack * attack_scale, 0.001)
    env = np.minimum(t / attack, 1.0)
    release_start = gate
    in_release = t > release_start
    env[in_release] *= np.exp(-(t[in_release] - release_start) * 5.0 / inst.release)
    return velocity * env * y


def _render_drum(kind: str, brightness: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    """Low drum: pitch-swept sine; high drum and hat: decaying noise, highpassed when bright."""
    if kind == "low":
        n = int(0.35 * sr)
        t = np.arange(n) / sr
        freq = 55.0 + 90.0 * np.exp(-t * 30.0)
        return np.sin(2.0 * np.pi * np.cumsum(freq) / sr) * np.exp(-t * 10.0)
    length, decay = (0.18, 25.0) if kind == "high" else (0.06, 70.0)
    n = int(length * sr)
    t = np.arange(n) / sr
    noise = rng.standard_normal(n)
    crisp = np.diff(noise, prepend=0.0)
    mix = _sigmoid(2.0 * brightness)
    tone = np.sin(2.0 * np.pi * 330.0 * t) if kind == "high" else 0.0
    return ((1.0 - mix) * noise + mix * crisp + 0.5 * tone) * np.exp(-t * decay) * 0.5


def _add(buffer: np.ndarray, start: float, sound: np.ndarray, sr: int) -> None:
    i = int(round(start * sr))
    if i >= len(buffer):
        return
    stop = min(len(buffer), i + len(sound))
    buffer[i:stop] += sound[:stop - i]


def _beat_grid(duration: float, tempo_at) -> np.ndarray:
    """Beat onsets from a tempo curve (bpm as a function of time)."""
    beats = [0.0]
    while beats[-1] < duration:
        beats.append(beats[-1] + 60.0 / tempo_at(beats[-1]))
    return np.asarray(beats)


def _synthesize(song: _Song, rng: np.random.Generator, times: np.ndarray, valence: np.ndarray,
                arousal: np.ndarray, duration: float, sr: int):
    """Render one clip following its valence/arousal curves; return (audio, mean tempo)."""
    spec = _CULTURE_SPECS[song.culture]
    modes = {**spec.positive_modes, **spec.negative_modes}
    scale = modes[song.mode]
    melody_inst = _INSTRUMENTS[song.melody_instrument]
    accomp_inst = _INSTRUMENTS[song.accompaniment_instrument]

    # Each cue reads the latent through its own noise term: the cues disagree a little.
    cue_names = ("tempo", "density", "articulation", "loudness", "brightness", "percussion",
                 "consonance", "register", "stability")
    noise = dict(zip(cue_names, rng.normal(0.0, CUE_NOISE, size=len(cue_names))))

    def a_cue(name, t):
        return float(np.interp(t, times, arousal)) + noise[name]

    def v_cue(name, t):
        return float(np.interp(t, times, valence)) + noise[name]

    lo, hi = spec.tempo_range
    tempo_jitter = rng.normal(0.0, 0.03)

    def tempo_at(t):
        position = np.clip((a_cue("tempo", t) + 1.0) / 2.0, 0.0, 1.0)
        return (lo + (hi - lo) * position) * song.tempo_style * (1.0 + tempo_jitter)

    beats = _beat_grid(duration, tempo_at)
    mix = np.zeros(int(round(duration * sr)))
    tonic = song.tonic_midi

    def brightness(t):  # mostly arousal; happy timbres brighter, sad ones duller (Juslin 2001)
        # The culture's offset is a production convention, a source of cross-culture shift.
        return a_cue("brightness", t) + 0.7 * float(np.interp(t, times, valence)) + spec.brightness_offset

    def loudness(t):  # velocity, 9 dB per unit of arousal
        return 10.0 ** (9.0 * a_cue("loudness", t) / 20.0)

    def attack_scale(t):  # fast attacks when aroused
        return 2.0 ** (-1.5 * a_cue("percussion", t))

    # Melody: scale-degree random walk pulled toward a valence-dependent register.
    degree = 0
    for b, start in enumerate(beats[:-1]):
        ioi = beats[b + 1] - start
        density = 1.0 + 3.0 * _sigmoid(2.5 * a_cue("density", start))
        n_sub = int(np.clip(round(density + rng.normal(0.0, 0.5)), 1, 4))
        for k in range(n_sub):
            onset = start + k * ioi / n_sub
            if onset >= duration or rng.random() < 0.25 * _sigmoid(-2.0 * a_cue("density", onset)):
                continue
            centre = 7.0 + 12.0 * v_cue("register", onset) + song.register_style
            step = int(rng.choice((-2, -1, 0, 1, 2), p=(0.15, 0.3, 0.1, 0.3, 0.15)))
            current = _degree_to_semitones(degree, scale)
            if abs(current - centre) > 5.0:
                step = int(np.sign(centre - current)) * max(abs(step), 1)
            degree += step
            gate_fraction = 0.25 + 0.85 * _sigmoid(-2.5 * a_cue("articulation", onset))
            note = _render_note(
                melody_inst, float(_midi_to_hz(tonic + _degree_to_semitones(degree, scale))),
                gate=gate_fraction * ioi / n_sub, velocity=0.5 * loudness(onset) * rng.uniform(0.8, 1.0),
                brightness=brightness(onset), attack_scale=attack_scale(onset),
                detune_cents=0.0, sr=sr, rng=rng)
            _add(mix, onset, note, sr)

    # Accompaniment: chords (dyads, drones) whose roots and consonance follow valence.
    root = 0
    b = 0
    while b < len(beats) - 1:
        start = beats[b]
        span = 2 if a_cue("articulation", start) > 0.3 else 4  # faster harmonic rhythm when aroused
        end_beat = min(b + span, len(beats) - 1)
        stable = rng.random() < _sigmoid(3.0 * v_cue("stability", start))
        if b > 0:
            if stable:
                root = 0 if end_beat >= len(beats) - 1 else int(rng.choice(spec.stable_roots))
            else:
                root = int(rng.choice(spec.unstable_roots))
        dissonance = _sigmoid(-3.0 * v_cue("consonance", start))
        voices = [_degree_to_semitones(root + d, scale) - 12.0 for d in spec.chord]
        if rng.random() < 0.9 * dissonance:
            voices.append(voices[0] + float(rng.choice((1.0, 6.0, 11.0))))  # m2, tritone, M7 clash
        if span == 4:  # calm: one sustained chord
            strokes = [(start, beats[end_beat] - start)]
        else:          # aroused: the chord restruck on every beat
            strokes = [(beats[j], beats[j + 1] - beats[j]) for j in range(b, end_beat)]
        for onset, length in strokes:
            gate_fraction = 0.25 + 0.85 * _sigmoid(-2.5 * a_cue("articulation", onset))
            for semis in voices:
                # Detuned voices beat against each other: roughness grows as valence falls.
                note = _render_note(
                    accomp_inst, float(_midi_to_hz(tonic + semis)), gate=gate_fraction * length,
                    velocity=0.25 * loudness(onset), brightness=brightness(onset) - 0.5,
                    attack_scale=attack_scale(onset),
                    detune_cents=float(rng.choice((-1.0, 1.0)) * 25.0 * dissonance), sr=sr, rng=rng)
                _add(mix, onset, note, sr)
        b = end_beat

    # Percussion: level and crispness grow with arousal.
    for b, start in enumerate(beats[:-1]):
        ioi = beats[b + 1] - start
        level = 0.6 * _sigmoid(3.0 * a_cue("percussion", start)) * loudness(start)
        for half in (0, 1):
            position = (2 * b + half) % 8
            onset = start + half * ioi / 2.0
            if position in spec.low_drum:
                _add(mix, onset, level * _render_drum("low", brightness(start), sr, rng), sr)
            if position in spec.high_drum:
                _add(mix, onset, level * _render_drum("high", brightness(start), sr, rng), sr)
            if spec.hat and rng.random() < _sigmoid(3.0 * a_cue("percussion", onset)):
                _add(mix, onset, 0.5 * level * _render_drum("hat", brightness(start), sr, rng), sr)
        if spec.gong_cycle and b % spec.gong_cycle == 0:
            _add(mix, start, _render_note(_INSTRUMENTS["gong"], float(_midi_to_hz(tonic - 24)), gate=2.0,
                                          velocity=0.4 * loudness(start), brightness=0.0, attack_scale=1.0,
                                          detune_cents=0.0, sr=sr, rng=rng), sr)

    # Room: convolution with an exponentially decaying noise impulse response.
    rt60 = rng.uniform(0.2, 1.2)
    ir_t = np.arange(int(rt60 * sr)) / sr
    impulse = rng.standard_normal(len(ir_t)) * np.exp(-6.9 * ir_t / rt60)
    impulse /= np.sqrt(np.sum(impulse ** 2))
    wet = fftconvolve(mix, impulse)[: len(mix)]
    y = mix + rng.uniform(0.1, 0.5) * wet

    # Loudness target follows arousal (8 dB per unit) and the culture's convention; gain is a nuisance.
    mean_arousal = float(np.mean(arousal)) + noise["loudness"]
    target_rms = 10.0 ** ((-22.0 + spec.level_db + 8.0 * mean_arousal + rng.normal(0.0, 2.0)) / 20.0)
    y *= target_rms / max(float(np.sqrt(np.mean(y ** 2))), 1e-12)

    # Background: pink-ish noise at a random SNR.
    background = lfilter([1.0], [1.0, -0.95], rng.standard_normal(len(y)))
    snr_db = rng.uniform(15.0, 40.0)
    background *= target_rms * 10.0 ** (-snr_db / 20.0) / float(np.sqrt(np.mean(background ** 2)))
    y = y + background
    peak = float(np.max(np.abs(y)))
    if peak > 0.98:
        y *= 0.98 / peak
    return y, float(60.0 * (len(beats) - 1) / beats[-1])


def _to_pcm16(y: np.ndarray) -> np.ndarray:
    return np.round(np.clip(y, -1.0, 1.0) * 32767.0).astype(np.int16)


# --------------------------------------------------------------------------- public API
def generate(out_dir: str | os.PathLike, seed: int = 0, *, n_songs_per_culture: int = 36,
             excerpts_per_song: int = 2, duration: float = 8.0, sr: int = DEFAULT_SR,
             progress: bool = True) -> Path:
    """Write the synthetic music-emotion corpus into ``out_dir``.

    Each song of each culture (:data:`CULTURES`) draws a latent (valence, arousal) on
    [-1, 1]; its excerpts drift slightly from it and follow a smooth 2 Hz curve. Every clip
    is then rendered by the cue model of this module: arousal sets tempo, note density,
    loudness, articulation, brightness and percussiveness; valence sets mode, consonance,
    register, harmonic stability and, weakly, brightness; every cue reads the latent with
    its own noise, and timbre, key, tempo style, room, background noise and gain vary
    independently. The default corpus is 3 cultures x 36 songs x 2 excerpts = 216 clips of
    8 s: the most 8-s clips of 16-bit audio that fit in 80 MB.

    Parameters
    ----------
    out_dir : path-like
        Target folder, by convention ``mer_core.config.locate(DIRNAME)``. Created if
        needed; files of an earlier run are overwritten and stale WAVs removed.
    seed : int
        Corpus seed. The latents of culture ``c`` come from
        ``numpy.random.default_rng((seed, 2, c))``, the style of song ``j`` from
        ``default_rng((seed, 0, j))`` and clip ``i`` is rendered from
        ``default_rng((seed, 1, i))``; no global random state is used and no timestamp is
        written, so the same arguments give byte-identical files on one machine.
    n_songs_per_culture : int
        Songs per culture, spread evenly over the four quadrants (default 36).
    excerpts_per_song : int
        Clips cut from each song; they share the song's ``group`` (default 2).
    duration : float
        Seconds per clip (default 8).
    sr : int
        Sample rate of the WAV files (default 22050).
    progress : bool
        Show a progress bar.

    Returns
    -------
    pathlib.Path
        ``out_dir``, holding ``audio/<culture>/<track_id>.wav`` (16-bit PCM),
        ``tracks.csv``, ``dynamic_va.csv`` and ``PROVENANCE.md``.

    Notes
    -----
    The cue gains and noise levels were calibrated so the corpus is learnable but not
    trivially separable by MFCC statistics with an RBF SVM, with arousal easier than valence
    as on real data, and so that a model trained on one culture loses accuracy on another.
    The datasets chapter measures it (its "How hard is it?" table, with provenance).

    Used by: notebooks/datasets.ipynb, notebooks/koh_dubnov.ipynb
    """
    counts = {"n_songs_per_culture": n_songs_per_culture, "excerpts_per_song": excerpts_per_song}
    for name, value in counts.items():
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if not duration >= 1.0:
        raise ValueError(f"duration must be at least 1 s, got {duration!r}")
    if int(sr) != sr or sr < 8000:
        raise ValueError(f"sr must be an integer of at least 8000 Hz, got {sr!r}")
    if int(seed) != seed or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    out_dir = Path(out_dir).expanduser().resolve()
    n_songs_per_culture, excerpts_per_song = int(n_songs_per_culture), int(excerpts_per_song)
    sr, seed = int(sr), int(seed)

    jobs = []
    for c, culture in enumerate(CULTURES):
        valence, arousal = _song_latents(np.random.default_rng((seed, 2, c)), c * n_songs_per_culture,
                                         n_songs_per_culture)
        for s in range(n_songs_per_culture):
            song_index = c * n_songs_per_culture + s
            song = _draw_song(np.random.default_rng((seed, 0, song_index)), culture, s,
                              valence=float(valence[s]), arousal=float(arousal[s]))
            for e in range(excerpts_per_song):
                jobs.append((song, e))

    track_rows, dynamic_frames = [], []
    keep = set()
    for track_index, (song, excerpt) in enumerate(progress_bar(jobs, desc="synthetic corpus", unit="clip",
                                                               disable=not progress)):
        rng = np.random.default_rng((seed, 1, track_index))
        times, valence, arousal = _dynamic_curves(rng, song, duration)
        y, tempo = _synthesize(song, rng, times, valence, arousal, duration, sr)
        track_id = f"{song.group}_e{excerpt}"
        rel_path = f"audio/{song.culture}/{track_id}.wav"
        (out_dir / "audio" / song.culture).mkdir(parents=True, exist_ok=True)
        sf.write(str(out_dir / rel_path), _to_pcm16(y), sr, subtype="PCM_16", format="WAV")
        keep.add(out_dir / rel_path)
        static_v, static_a = round(float(valence.mean()), 4), round(float(arousal.mean()), 4)
        track_rows.append({
            "track_id": track_id, "path": rel_path, "culture": song.culture, "group": song.group,
            "excerpt": excerpt, "quadrant": va_to_quadrant(static_v, static_a, midpoint=0.0),
            "valence": static_v, "arousal": static_a, "duration": duration, "mode": song.mode,
            "melody_instrument": song.melody_instrument,
            "accompaniment_instrument": song.accompaniment_instrument,
            "tonic_midi": song.tonic_midi, "tempo_bpm": round(tempo, 2)})
        dynamic_frames.append(pd.DataFrame({"track_id": track_id, "time_s": times,
                                            "valence": valence, "arousal": arousal}))

    for culture in CULTURES:
        for stale in sorted((out_dir / "audio" / culture).glob("*.wav")):
            if stale not in keep:
                stale.unlink()
    tracks = pd.DataFrame(track_rows)
    tracks.to_csv(out_dir / "tracks.csv", index=False, float_format=_FLOAT_FORMAT, lineterminator="\n")
    pd.concat(dynamic_frames, ignore_index=True).to_csv(
        out_dir / "dynamic_va.csv", index=False, float_format=_FLOAT_FORMAT, lineterminator="\n")
    (out_dir / "PROVENANCE.md").write_text(
        _provenance(tracks, seed=seed, n_songs_per_culture=n_songs_per_culture,
                    excerpts_per_song=excerpts_per_song, duration=duration, sr=sr), encoding="utf-8")
    return out_dir


def _provenance(tracks: pd.DataFrame, **params) -> str:
    counts = tracks.groupby(["culture", "quadrant"]).size().unstack(fill_value=0)
    table = "\n".join(f"| {culture} | " + " | ".join(str(int(counts.loc[culture].get(q, 0)))
                                                    for q in ("Q1", "Q2", "Q3", "Q4")) + " |"
                      for culture in counts.index)
    settings = ", ".join(f"{k}={v}" for k, v in params.items())
    near_axes = float((tracks[["valence", "arousal"]].abs() < 0.15).any(axis=1).mean())
    return f"""# Synthetic music-emotion corpus (SIMULATION)

**This corpus is simulated.** No clip was performed, recorded or rated by a person. The audio
is rendered by the rule-based cue model of `mer_core.datasets.synthetic` (generator
version {GENERATOR_VERSION}) and the valence/arousal labels are the latent values that model was
driven with. Use it to exercise code and protocols; do not cite results on it as evidence
about music or human emotion perception.

Generated by `mer_core.datasets.synthetic.generate` with {settings}.
The same arguments reproduce every file byte for byte.

## Labels
- `valence`, `arousal`: static values on [-1, 1], neutral midpoint 0 (the mean of the
  clip's dynamic curve); `quadrant` = Russell quadrant with midpoint 0
  (Q1 +V+A, Q2 -V+A, Q3 -V-A, Q4 +V-A).
- `dynamic_va.csv`: the curves at {DYNAMIC_RATE:g} Hz (`time_s` from 0 to the clip's end).
- `group`: the song; the excerpts of one song share it and must stay in one fold.

## Cue model (after Gabrielsson & Lindström; Juslin)
- Arousal -> tempo, note density, loudness, articulation (staccato/legato), brightness
  (spectral tilt), percussiveness (attack time, drum level).
- Valence -> mode (major/minor or the culture's equivalent), consonance (clash tones,
  detuned voices), register (melody pitch height), harmonic stability and, weakly,
  brightness.
- Each cue reads the latent with independent noise (sd {CUE_NOISE}); timbre, key, tempo style,
  room reverb, background noise and gain vary as nuisances. {near_axes:.0%} of the clips lie
  within 0.15 of an axis, so quadrant borders overlap on purpose.

## Clips per culture and quadrant
| culture | Q1 | Q2 | Q3 | Q4 |
|---|---|---|---|---|
{table}

## Files
- `audio/<culture>/<track_id>.wav`: mono 16-bit PCM, {params["sr"]} Hz, {params["duration"]:g} s.
- `tracks.csv`: one row per clip (labels, song group, generator metadata: mode, instruments,
  tonic, mean tempo).
- `dynamic_va.csv`: `track_id, time_s, valence, arousal`.
"""


def _corpus_root(root: str | os.PathLike | None) -> Path:
    root = locate(DIRNAME) if root is None else Path(root).expanduser().resolve()
    if not root.is_dir():
        raise DatasetError(
            f"synthetic corpus not found: {root} does not exist. Create it with "
            f"`mer data synth` (or mer_core.datasets.synthetic.generate({str(root)!r})).")
    return root


def _read_csv(root: Path, name: str, columns: tuple) -> pd.DataFrame:
    path = root / name
    if not path.is_file():
        raise DatasetError(f"synthetic corpus at {root} lacks {name}; regenerate it with "
                           f"`mer data synth` (or mer_core.datasets.synthetic.generate({str(root)!r})).")
    table = pd.read_csv(path)
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DatasetError(f"{path} lacks columns {missing}")
    return table


def load(root: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load the synthetic corpus's Tracks table.

    Parameters
    ----------
    root : path-like, optional
        The folder written by :func:`generate` (default ``mer_core.config.locate(DIRNAME)``).

    Returns
    -------
    pandas.DataFrame
        One row per clip with ``track_id``, ``path`` (absolute), ``dataset``
        (``"synthetic"``), ``culture``, ``group`` (song id: excerpts of one song share it and
        must not straddle CV folds), ``quadrant`` (Q1..Q4), ``valence`` and ``arousal``
        (static values on [-1, 1], neutral midpoint 0: the means of the clip's 2 Hz curves;
        ``quadrant == va_to_quadrant(valence, arousal, midpoint=0)``) and ``duration`` (s),
        followed by the generator metadata :data:`METADATA_COLUMNS` (excerpt number, mode,
        instruments, tonic MIDI note, mean tempo), useful to show the cue model at work.

    Raises
    ------
    DatasetError
        If the folder, ``tracks.csv`` or any listed audio file is missing.

    Used by: notebooks/datasets.ipynb, notebooks/koh_dubnov.ipynb
    """
    root = _corpus_root(root)
    table = _read_csv(root, "tracks.csv", ("track_id", "path", "culture", "group", "valence",
                                           "arousal", "duration") + METADATA_COLUMNS)
    paths = [root / p for p in table["path"]]
    absent = [str(p) for p in paths if not p.is_file()]
    if absent:
        raise DatasetError(f"synthetic corpus at {root}: {len(absent)} of {len(paths)} audio files are "
                           f"missing (first: {absent[0]}); regenerate it with "
                           f"`mer data synth` (or mer_core.datasets.synthetic.generate({str(root)!r})).")
    tracks = table.assign(path=[str(p) for p in paths], dataset="synthetic",
                          group=table["group"].astype(str),
                          quadrant=va_to_quadrant(table["valence"], table["arousal"], midpoint=0.0))
    return validate_tracks(tracks[list(TRACK_COLUMNS + METADATA_COLUMNS)].reset_index(drop=True))


def load_dynamic(root: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load the dynamic (2 Hz) valence/arousal curves of the synthetic corpus.

    Parameters
    ----------
    root : path-like, optional
        The folder written by :func:`generate` (default ``mer_core.config.locate(DIRNAME)``).

    Returns
    -------
    pandas.DataFrame
        Long format, one row per clip and frame: ``track_id``, ``time_s`` (0, 0.5, ... up to
        the clip's duration), ``valence``, ``arousal`` (on [-1, 1], midpoint 0). The audio
        follows these curves note by note; the static labels of :func:`load` are their means.

    Raises
    ------
    DatasetError
        If the folder or ``dynamic_va.csv`` is missing.

    Used by: notebooks/datasets.ipynb
    """
    root = _corpus_root(root)
    columns = ("track_id", "time_s", "valence", "arousal")
    return _read_csv(root, "dynamic_va.csv", columns)[list(columns)]
