"""Rhythm analysis: tempo, beat grid, downbeats, bars, phrases and meter of a mono signal.

`analyze_rhythm(mono, sample_rate)` returns a `RhythmAnalysis` dict (times in seconds):

- `bpm`: beats per minute to 0.01, from a robust straight-line fit of beat times against
  beat numbers, so it is not tied to the 11.6 ms analysis frame; `None` when there is no beat.
- `bpm_confidence` (0..1): the chosen tempo's share among its candidate readings (the model's
  softmax), times how clear the pulse is, times the share of tracked beats on the fitted grid.
- `bpm_alternatives`: `[{bpm, confidence}]`, the runner-up readings (half or double time, 2:3,
  3:4) with their shares, best first, e.g. 87 beside 174; at most three, none under 5 %.
- `beats`: for a steady tempo (a quantized track) the fitted grid, extended over the whole
  track as a DJ beatgrid is; when the tempo drifts (played or ramped) the tracked beats.
- `downbeats`: every bar's first beat; beats before the first one are pickup beats.
- `bars`: `[{index, start_s, end_s}]`, index 0-based (a cue editor shows index + 1); a bar
  ends where the next begins, the last one a bar length later or at the end of the audio.
- `phrases`: `[{start_s, bars}]` every `phrase_bars` (default 8) bars from the first
  downbeat: cue points where a DJ would start a transition; the last one may be shorter.
- `meter`: "4/4"; "3/4" only when the accents repeat every three beats much more clearly
  than every four; "6/8" when the beat (then a dotted quarter, at most 100 a minute) is
  divided in three eighths, with bars of two beats — a 12/8 reads as two bars of 6/8, as
  2/4 is not told from 4/4; `None` when there is no beat.

Silence, a steady tone or noise without a pulse is no error: it gives `bpm` None,
confidence 0 and empty lists. Audio shorter than 2 s raises `TooShortForAnalysis` (code
"TOO_SHORT_FOR_ANALYSIS", an `EmptyAudio`), empty audio `EmptyAudio`; a 2-D array is taken as
(channels, frames) and downmixed. Knobs out of range (`min_bpm`, `max_bpm`, `phrase_bars`)
are programming errors: ValueError.

How: one STFT and mel projection at 22050 Hz give full-band and low/mid/high spectral
flux; a tempogram of each gives the strongest periodicities and their metrical relatives
(×1/4 … ×4, with 2:3 and 3:4) as candidate tempi; a linear model fitted on the dev set
(`bench/beats_train.py`) scores each from the periodicity at its beat, bar and subdivision
levels, how sharply a grid at that period catches the onsets, and a tempo prior; librosa's
beat tracker places the beats, refined to a fraction of a frame, put back on one phase where
the tracker slipped a 16th or an 8th for a stretch, and moved to the kick and snare's phase
when the tracker locked onto an off-beat; onsets on both inner thirds of a slow beat make it
compound (6/8); the bar phase and meter come from kick/bass, snare, cymbal and
harmonic-change accents at the beats.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

import librosa
import numpy as np
import scipy.ndimage
import scipy.stats

from intellimix.audio.errors import AudioError, EmptyAudio, TooShortForAnalysis

ANALYSIS_SR = 22050
N_FFT = 1024
HOP = 256
FPS = ANALYSIS_SR / HOP  # onset-envelope frames per second (≈ 86.1, 11.6 ms per frame)
N_MELS = 64
BLOCK_FRAMES = 2048  # STFT frames computed at once (24 s of audio)
MIN_DURATION_S = 2.0
# More rows than this is not a (channels, frames) signal but most likely (frames, channels).
MAX_CHANNELS = 8
# Peak level under which a signal counts as silence (-80 dBFS).
SILENCE_PEAK = 1e-4
# Band edges (Hz) of the low (kick, bass), mid (snare, body) and high (hats) onset envelopes.
LOW_MAX_HZ = 150.0
HIGH_MIN_HZ = 4000.0

# Spectral flux peaks this long before an attack, while the attack is still in the front half
# of the analysis window (measured on synthetic kicks and snares: 9-11 ms); beat times are
# moved later by it so that they land on the attack.
ONSET_LEAD_S = 0.0105
# A fit whose smoothed residuals stay within this is a steady (quantized) beat: report the
# regression grid. Anything wider is a played or drifting tempo: report the tracked beats.
MAX_STEADY_DRIFT_S = 0.020
MIN_STEADY_INLIERS = 0.8
# Tempogram peak prominence under which there is no beat to speak of: white noise, random
# clicks and sustained pads measure 0.0-0.15 over 30 s (up to 0.35 over 10 s), drum loops
# 1.0 and up, and still 0.45 under white noise as loud as the drums.
MIN_PULSE_CLARITY = 0.25


class Bar(TypedDict):
    """One bar: `index` counts from 0 at the first downbeat."""

    index: int
    start_s: float
    end_s: float


class Phrase(TypedDict):
    """A cue point at a downbeat and the number of bars until the next one."""

    start_s: float
    bars: int


class TempoAlternative(TypedDict):
    """Another reading of the tempo (a metrical relative: half, double, 2:3, 3:4…)."""

    bpm: float
    confidence: float


class RhythmAnalysis(TypedDict):
    """What analyze_rhythm returns; see the module docstring for each field."""

    bpm: float | None
    bpm_confidence: float
    bpm_alternatives: list[TempoAlternative]
    beats: list[float]
    downbeats: list[float]
    bars: list[Bar]
    phrases: list[Phrase]
    meter: str | None


@dataclass(frozen=True)
class _Envelopes:
    """Onset-strength envelopes at FPS, plus the beat-synchronous spectral material."""

    full: np.ndarray
    low: np.ndarray
    mid: np.ndarray
    high: np.ndarray
    log_mel: np.ndarray


def _prepare(mono: np.ndarray, sample_rate: int) -> np.ndarray:
    """Validate, downmix and resample to ANALYSIS_SR as float32."""
    if not isinstance(sample_rate, (int, np.integer)) or sample_rate < 4000:
        raise AudioError(f"Unsupported sample rate: {sample_rate!r}.", code="BAD_SAMPLE_RATE")
    x = np.asarray(mono)
    if x.ndim == 2 and x.shape[0] <= MAX_CHANNELS:
        # (channels, frames) as the rest of the engine passes it: analyse the downmix.
        x = x.mean(axis=0)
    if x.ndim != 1:
        raise AudioError(f"Expected mono audio, got an array shaped {x.shape}.", code="NOT_MONO")
    if x.size == 0:
        raise EmptyAudio("The audio is empty.")
    if x.size < MIN_DURATION_S * sample_rate:
        raise TooShortForAnalysis(
            f"Rhythm analysis needs at least {MIN_DURATION_S:g} s of audio, "
            f"got {np.floor(x.size / sample_rate * 1000) / 1000:.3f} s."
        )
    x = x.astype(np.float32, copy=False)
    finite = np.isfinite(x)
    if not finite.all():
        x = np.where(finite, x, np.float32(0.0))  # a decoder glitch: treat as silence
    if sample_rate != ANALYSIS_SR:
        x = librosa.resample(x, orig_sr=int(sample_rate), target_sr=ANALYSIS_SR, res_type="soxr_hq")
    return x


def _log_mel(y: np.ndarray) -> np.ndarray:
    """Log-mel spectrogram with frames centred on t = frame * HOP, computed block by block."""
    # Blocks keep the complex STFT of a long track out of memory (a whole 3-minute one would
    # be 64 MB); the frames are the same as one centred librosa.stft would give.
    padded = np.pad(y, N_FFT // 2)
    n_frames = 1 + (padded.size - N_FFT) // HOP
    mel_fb = librosa.filters.mel(sr=ANALYSIS_SR, n_fft=N_FFT, n_mels=N_MELS)
    mel = np.empty((N_MELS, n_frames), dtype=np.float32)
    for start in range(0, n_frames, BLOCK_FRAMES):
        stop = min(n_frames, start + BLOCK_FRAMES)
        block = padded[start * HOP : (stop - 1) * HOP + N_FFT]
        spectrum = librosa.stft(block, n_fft=N_FFT, hop_length=HOP, center=False)
        mel[:, start:stop] = mel_fb @ (spectrum.real**2 + spectrum.imag**2)
    return np.asarray(librosa.power_to_db(mel, ref=np.max, top_db=80.0))


def _envelopes(y: np.ndarray) -> _Envelopes:
    """One STFT, one mel projection; full-band and per-band log-mel spectral flux."""
    log_mel = _log_mel(y)
    mel_hz = librosa.mel_frequencies(n_mels=N_MELS, fmax=ANALYSIS_SR / 2)
    low_end = int(np.searchsorted(mel_hz, LOW_MAX_HZ))
    high_start = int(np.searchsorted(mel_hz, HIGH_MIN_HZ))
    # center=False: frames are already centered by the STFT; only the one-frame lag is padded.
    bands = librosa.onset.onset_strength_multi(
        S=log_mel,
        sr=ANALYSIS_SR,
        hop_length=HOP,
        center=False,
        channels=[0, low_end, high_start, N_MELS],
    )
    full = librosa.onset.onset_strength(S=log_mel, sr=ANALYSIS_SR, hop_length=HOP, center=False)
    return _Envelopes(full=full, low=bands[0], mid=bands[1], high=bands[2], log_mel=log_mel)


def _local_tempogram(
    env: np.ndarray, *, win_s: float = 8.0, step_s: float = 2.0, max_lag_s: float = 4.0
) -> np.ndarray:
    """Mean of windowed, normalized autocorrelations of `env`: support per lag (in frames)."""
    win = int(win_s * FPS)
    # Onset peaks are one or two frames wide; smoothing them keeps a beat period that falls
    # between two integer lags from splitting its support across both.
    env = scipy.ndimage.gaussian_filter1d(env, 1.0)
    # Whole-window autocorrelations every `step_s` instead of every frame, as librosa's
    # tempogram does: 2 s steps see the same periodicities at 1/170 of the cost.
    if env.size < win:
        env = np.pad(env, (0, win - env.size))
    frames = librosa.util.frame(env, frame_length=win, hop_length=int(step_s * FPS), axis=0)
    frames = frames - frames.mean(axis=1, keepdims=True)
    window = np.hanning(win)
    frames = frames * window
    max_lag = int(max_lag_s * FPS)
    acf = librosa.autocorrelate(frames, max_size=max_lag, axis=1)
    # Undo the taper that windowing puts on long lags, so a 4-beat lag competes fairly with a
    # 3-beat one (the unbiased autocorrelation estimate).
    acf = acf / np.maximum(librosa.autocorrelate(window, max_size=max_lag), 1e-9)
    energy = acf[:, :1]
    valid = energy[:, 0] > 1e-9
    if not valid.any():
        return np.zeros(max_lag)
    return np.asarray((acf[valid] / energy[valid]).mean(axis=0))


# Candidate tempi: the most salient periodicities times these ratios. Octaves, and the 2:3
# and 3:4 relations that swung, shuffled, triplet and compound-meter music puts next to the
# beat (134 swing read as 89.3, 12/8 blues at 76 read as 114).
CANDIDATE_RATIOS = (1 / 4, 1 / 3, 1 / 2, 2 / 3, 3 / 4, 1.0, 4 / 3, 3 / 2, 2.0, 3.0, 4.0)
SEED_PEAKS = 3
# The tempo range searched: a 6/8 at 50 dotted quarters to a charleston at 220.
DEFAULT_MIN_BPM, DEFAULT_MAX_BPM = 50.0, 220.0
PRIOR_CENTER_BPM = 120.0
# Candidates closer than this (relative) are one tempo.
SAME_TEMPO = 0.03
# Alternatives are reported down to this confidence.
MIN_ALTERNATIVE_CONFIDENCE = 0.05
MAX_ALTERNATIVES = 3


MAX_GRID_WINDOWS = 12


def _grid_profile(
    env: np.ndarray, lag: float, *, win_s: float = 8.0, step_s: float = 4.0
) -> np.ndarray:
    """Mean onset on a `lag`-periodic grid at each phase (frame steps), over its mean.

    The median over 8 s windows, each rolled so its best phase comes first: a drifting tempo
    still lines up inside each window. A grid at 2:3 or 3:4 of the beat catches the beat
    only every second or third step, so its profile is flatter.
    """
    win = max(int(win_s * FPS), int(2 * lag) + 2)
    if env.size < win:
        env = np.pad(env, (0, win - env.size))
    # At most MAX_GRID_WINDOWS windows, spread over the track: a long track costs no more.
    step = max(int(step_s * FPS), (env.size - win) // MAX_GRID_WINDOWS + 1)
    phases = np.arange(0.0, lag, 1.0)
    steps = np.arange(int((win - 1 - phases[-1]) // lag) + 1)
    positions = phases[:, None] + lag * steps[None, :]
    lo = np.floor(positions).astype(int)
    frac = positions - lo
    profiles = []
    for start in range(0, env.size - win + 1, step):
        seg = env[start : start + win]
        values = (seg[lo] * (1 - frac) + seg[np.minimum(lo + 1, win - 1)] * frac).mean(axis=1)
        mean = float(values.mean())
        if mean > 1e-9:
            profiles.append(np.roll(values / mean, -int(np.argmax(values))))
    return np.median(profiles, axis=0) if profiles else np.ones(phases.size)


def _grid_features(env: np.ndarray, lag: float) -> list[float]:
    """Sharpness of the beat grid, how strong its off-beats are, and its bar-level accents."""
    profile = _grid_profile(env, lag)
    n = profile.size

    def at(fraction: float) -> float:
        return float(profile[int(round(fraction * n)) % n])

    peak = float(profile[0])
    peak_two = float(_grid_profile(env, 2 * lag)[0])
    peak_three = float(_grid_profile(env, 3 * lag)[0])
    return [
        float(np.log(peak)),
        at(0.5) / peak,
        max(at(1 / 3), at(2 / 3)) / peak,
        float(np.log(peak_two / peak)),
        float(np.log(peak_three / peak)),
    ]


# Names of tempo_features' columns, in order (TEMPO_WEIGHTS follows them).
_BANDS = ("full", "low", "mid", "high")
_LEVELS = {
    "eighth": 0.125,
    "quarter": 0.25,
    "half": 0.5,
    "third": 1 / 3,
    "beat": 1.0,
    "two_beats": 2.0,
}
TEMPO_FEATURES = (
    "log2_ratio",
    "log2_ratio_squared",
    "pulse_bar",
    "octave_score",
    *(f"{band}_pulse_{level}" for band in _BANDS for level in _LEVELS),
    *(
        f"{band}_grid_{name}"
        for band in _BANDS[:3]
        for name in ("sharpness", "offbeat", "triplet", "two_beats", "three_beats")
    ),
)
# A conditional logit (softmax over each track's candidates) fitted on the dev set by
# `python -m bench.beats_train`; see that module for how, and bench-results/beats.md for the
# accuracy with each source held out.
TEMPO_WEIGHTS = np.array(
    [
        0.6694,  # log2_ratio
        -2.1135,  # log2_ratio_squared
        0.7442,  # pulse_bar
        1.2171,  # octave_score
        -0.9511,  # full_pulse_eighth
        -0.7368,  # full_pulse_quarter
        0.0472,  # full_pulse_half
        0.3495,  # full_pulse_third
        0.5591,  # full_pulse_beat
        -0.4493,  # full_pulse_two_beats
        -4.6492,  # low_pulse_eighth
        0.1153,  # low_pulse_quarter
        -3.3538,  # low_pulse_half
        -1.3511,  # low_pulse_third
        0.2946,  # low_pulse_beat
        0.2299,  # low_pulse_two_beats
        -2.8131,  # mid_pulse_eighth
        -0.4865,  # mid_pulse_quarter
        -0.0149,  # mid_pulse_half
        1.5948,  # mid_pulse_third
        0.1485,  # mid_pulse_beat
        -1.0220,  # mid_pulse_two_beats
        -0.7761,  # high_pulse_eighth
        0.3283,  # high_pulse_quarter
        0.1369,  # high_pulse_half
        -0.0393,  # high_pulse_third
        -0.0423,  # high_pulse_beat
        0.2331,  # high_pulse_two_beats
        1.3457,  # full_grid_sharpness
        -0.1221,  # full_grid_offbeat
        -1.0073,  # full_grid_triplet
        -1.2589,  # full_grid_two_beats
        -1.5174,  # full_grid_three_beats
        1.8385,  # low_grid_sharpness
        1.3440,  # low_grid_offbeat
        -1.9367,  # low_grid_triplet
        2.8330,  # low_grid_two_beats
        -3.8640,  # low_grid_three_beats
        0.9628,  # mid_grid_sharpness
        0.1551,  # mid_grid_offbeat
        -0.6621,  # mid_grid_triplet
        1.6447,  # mid_grid_two_beats
        -1.8516,  # mid_grid_three_beats
    ]
)


def _octave_score(tempograms: list[np.ndarray], bpm: float) -> float:
    """The first tracker's octave rule: prior, beat, subdivision, minus a 16th-of-double pulse.

    A pulse at an eighth of the beat means 16ths of a beat twice as fast: the half-time
    reading of drum & bass. Kept as one of the model's features (an ensemble with it).
    """
    lag = _bpm_to_lag(bpm)

    def pulse(at: float) -> float:
        return max(_pulse(t, at) for t in tempograms)

    prior = -0.5 * np.log2(bpm / PRIOR_CENTER_BPM) ** 2
    subdivided = max(pulse(lag / 2), pulse(lag / 3))
    return float(prior + pulse(lag) + 0.5 * subdivided - pulse(lag / 8))


def tempo_features(
    tempograms: list[np.ndarray], smoothed: list[np.ndarray], bpm: float
) -> np.ndarray:
    """The evidence for `bpm` being the beat: prior, periodicity at its levels, grid fit."""
    lag = _bpm_to_lag(bpm)
    full, low, mid = smoothed[0], smoothed[1], smoothed[2]
    ratio = float(np.log2(bpm / PRIOR_CENTER_BPM))
    bar = max(_pulse(t, n * lag) for t in tempograms for n in (3, 4))
    levels = [_pulse(t, lag * factor) for t in tempograms for factor in _LEVELS.values()]
    octave = _octave_score(tempograms, bpm)
    grids = [value for e in (full, low, mid) for value in _grid_features(e, lag)]
    return np.array([ratio, ratio**2, bar, octave, *levels, *grids])


@dataclass(frozen=True)
class _TempoChoice:
    bpm: float
    confidence: float
    alternatives: list[tuple[float, float]]  # (bpm, confidence) of the runners-up


def _bpm_to_lag(bpm: float) -> float:
    return 60.0 * FPS / bpm


def _peak_lag(tempogram: np.ndarray, lag: float, *, radius: float = 2.0) -> float:
    """The tempogram peak near `lag`, to a fraction of a frame (parabolic interpolation)."""
    lo = max(1, int(np.floor(lag - radius)))
    hi = min(tempogram.size - 1, int(np.ceil(lag + radius)) + 1)
    if hi - lo < 3:
        return lag
    i = lo + int(np.argmax(tempogram[lo:hi]))
    if i <= lo or i >= hi - 1:
        return float(i)
    a, b, c = tempogram[i - 1], tempogram[i], tempogram[i + 1]
    denom = a - 2 * b + c
    return float(i) if denom >= 0 else float(i + 0.5 * (a - c) / denom)


def _clarity(tempograms: list[np.ndarray], bpm: float) -> float:
    """How clearly any band pulses at `bpm` (0–1)."""
    lag = _bpm_to_lag(bpm)
    return min(1.0, max(_pulse(t, lag) for t in tempograms))


def _pulse(tempogram: np.ndarray, lag: float) -> float:
    """Prominence of a tempogram peak within 1.5 frames of `lag`; 0 when there is no peak.

    Measured from the trough between lag/2 and the peak, so the slope that every smoothed
    envelope has at short lags never passes for a periodicity.
    """
    lo, hi = int(np.floor(lag - 1.5)), int(np.ceil(lag + 1.5)) + 1
    if lo < 2 or hi >= tempogram.size:
        return 0.0
    i = lo + int(np.argmax(tempogram[lo:hi]))
    if tempogram[i] < tempogram[i - 1] or tempogram[i] < tempogram[i + 1]:
        return 0.0
    trough = float(tempogram[int(lag / 2) : i + 1].min())
    return max(0.0, float(tempogram[i]) - trough)


def tempo_candidates(
    tempograms: list[np.ndarray], *, min_bpm: float, max_bpm: float
) -> list[float]:
    """The strongest periodicities of the full-band tempogram and their metrical relatives."""
    full = tempograms[0]
    lags = np.arange(int(np.ceil(_bpm_to_lag(max_bpm))), int(_bpm_to_lag(min_bpm)) + 1)
    lags = lags[lags < full.size - 1]
    bpms = 60.0 * FPS / lags
    weight = np.exp(-0.5 * np.log2(bpms / PRIOR_CENTER_BPM) ** 2)
    support = full[lags] * weight
    peaks = [
        i
        for i in range(1, lags.size - 1)
        if support[i] >= support[i - 1] and support[i] >= support[i + 1]
    ]
    peaks = sorted(peaks, key=lambda i: -support[i])[:SEED_PEAKS] or [int(np.argmax(support))]
    found: list[float] = []
    for i in peaks:
        seed = 60.0 * FPS / _peak_lag(full, float(lags[i]))
        for ratio in CANDIDATE_RATIOS:
            bpm = seed * ratio
            if min_bpm <= bpm <= max_bpm and all(
                abs(bpm / other - 1.0) > SAME_TEMPO for other in found
            ):
                found.append(bpm)
    return found


def tempo_evidence(env: _Envelopes) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Tempograms of the full, low, mid and high envelopes; smoothed full, low, mid envelopes."""
    tempograms = [_local_tempogram(e) for e in (env.full, env.low, env.mid, env.high)]
    smoothed = [scipy.ndimage.gaussian_filter1d(e, 1.0) for e in (env.full, env.low, env.mid)]
    return tempograms, smoothed


def _choose_tempo(
    tempograms: list[np.ndarray],
    smoothed: list[np.ndarray],
    *,
    min_bpm: float,
    max_bpm: float,
) -> _TempoChoice:
    """The candidate the fitted model scores highest; softmax shares as confidences.

    When the favourite has no pulse one can hear, only the audible candidates compete: a
    drone with a clear slow beat is not read at a double time too weak to follow (and then
    as no beat at all).
    """
    candidates = tempo_candidates(tempograms, min_bpm=min_bpm, max_bpm=max_bpm)
    scores = np.array([tempo_features(tempograms, smoothed, c) @ TEMPO_WEIGHTS for c in candidates])
    if _clarity(tempograms, candidates[int(np.argmax(scores))]) < MIN_PULSE_CLARITY:
        audible = np.array([_clarity(tempograms, c) >= MIN_PULSE_CLARITY for c in candidates])
        if audible.any():
            candidates = [c for c, heard in zip(candidates, audible, strict=True) if heard]
            scores = scores[audible]
    shares = np.exp(scores - scores.max())
    shares /= shares.sum()
    order = np.argsort(-shares)
    best = int(order[0])
    alternatives = [
        (candidates[i], float(shares[i]))
        for i in order[1 : 1 + MAX_ALTERNATIVES]
        if shares[i] >= MIN_ALTERNATIVE_CONFIDENCE
    ]
    return _TempoChoice(
        bpm=candidates[best], confidence=float(shares[best]), alternatives=alternatives
    )


def _track_beats(onset: np.ndarray, bpm: float) -> np.ndarray:
    """librosa's dynamic-programming beat tracker at a given tempo; beat frames (int)."""
    _, frames = librosa.beat.beat_track(
        onset_envelope=onset, sr=ANALYSIS_SR, hop_length=HOP, bpm=bpm, units="frames", trim=True
    )
    return np.asarray(frames, dtype=int)


def _refine_frames(onset: np.ndarray, frames: np.ndarray, *, radius: int) -> np.ndarray:
    """Move each beat to the onset peak within `radius` frames, to a fraction of a frame."""
    refined = frames.astype(float)
    last = onset.size - 1
    for n, frame in enumerate(frames):
        lo, hi = max(1, frame - radius), min(last - 1, frame + radius)
        if hi <= lo:
            continue
        i = lo + int(np.argmax(onset[lo : hi + 1]))
        a, b, c = onset[i - 1], onset[i], onset[i + 1]
        denom = a - 2 * b + c
        refined[n] = i + (0.5 * (a - c) / denom if denom < 0 else 0.0)
    return refined


# Another phase wins only with this much more kick-and-snare onset on its beats.
PHASE_MARGIN = 1.15
# A swung or shuffled beat is long-short: from the beat the next onset comes 2/3 later,
# from the swung note 1/3 later. This much more onset at +1/3 than at +2/3 means the tracker
# sits on the swung note.
SWING_PHASE_MARGIN = 1.3
# …and the swung note must carry at least this share of the tracked beat's onset.
SWING_MIN_SHARE = 0.25
PEAK_RADIUS = 4  # frames (±46 ms): attacks of different instruments land a few frames apart


def _peaks_at(onset: np.ndarray, times: np.ndarray) -> float:
    """Mean of the onset envelope's largest value within PEAK_RADIUS of each time."""
    frames = np.round((times - ONSET_LEAD_S) * FPS).astype(int)
    frames = frames[(frames >= 0) & (frames < onset.size)]
    if frames.size == 0:
        return 0.0
    padded = np.pad(onset, PEAK_RADIUS)
    return float(padded[frames[:, None] + np.arange(2 * PEAK_RADIUS + 1)].max(axis=1).mean())


# A beat tracker that slipped off the beat for a stretch (onto the off-beat in a breakdown
# without a kick, or a 16th early on a busy hat line) is repaired when the beats off its main
# phase hold at least this share of the tracked beats.
MIN_SLIP_SHARE = 0.1
# A slip of a 16th makes one gap 0.75 or 1.25 beats; one of 0.85 is a late or early beat.
SLIP_TOLERANCE = 0.19
# A gap this close to whole beats is a played or drifting tempo's, and carries nothing on.
SLIP_JITTER = 0.06


def _sixteenths(gaps: np.ndarray) -> np.ndarray:
    """Each beat's position in 16ths from the first, counted from the gaps (in beats).

    A gap within SLIP_TOLERANCE of whole beats is timing jitter and counts whole beats. What a
    clearly uneven gap leaves over carries on to the next, so a slip spread over a few gaps
    (0.87, 0.92, 0.70 beats: two and a half) is counted where it adds up; a gap within
    SLIP_JITTER of whole beats (a played or drifting tempo) ends the carry.
    """
    positions = np.zeros(gaps.size + 1)
    carried = 0.0
    for i, gap in enumerate(gaps):
        wanted = 4.0 * gap + carried
        whole = 4.0 * round(wanted / 4.0)
        step = whole if abs(wanted - whole) < 4.0 * SLIP_TOLERANCE else float(round(wanted))
        uneven = abs(gap - round(gap)) > SLIP_JITTER
        carried = wanted - step if uneven else 0.0
        positions[i + 1] = positions[i] + max(step, 1.0)
    return positions


def _one_phase(env: _Envelopes, times: np.ndarray, period: float) -> np.ndarray:
    """The tracked beats on one phase of the beat, when the tracker slipped a 16th or an 8th.

    Counted in 16ths from the first beat, each beat sits on one of four phases. The phase
    most beats sit on is the tracker's; beats elsewhere move onto it, so one straight grid
    fits them (a slip would otherwise tilt the fitted tempo by 1–2 %). When a stretch
    followed the off-beat, the beats then take the half of the beat with more kick and snare.
    """
    if times.size < 8:
        return times
    sixteenths = _sixteenths(np.diff(times) / period)
    phase = (sixteenths % 4).astype(int)
    counts = np.bincount(phase, minlength=4)
    main = int(np.argmax(counts))
    if counts[main] >= (1.0 - MIN_SLIP_SHARE) * times.size:
        return times
    # -1, 0, +1 or +2 sixteenths from the main phase; a beat moves back by that much.
    offset = (phase - main + 1) % 4 - 1
    beat_index = (sixteenths - offset) // 4
    _, first = np.unique(beat_index, return_index=True)  # two beats on one: the first stays
    aligned = (times - offset * period / 4)[first]
    if counts[(main + 2) % 4] >= MIN_SLIP_SHARE * times.size:
        accent = env.low + env.mid
        if _peaks_at(accent, aligned + period / 2) > _peaks_at(accent, aligned):
            aligned = aligned + period / 2
    return np.asarray(aligned)


def _best_phase(env: _Envelopes, times: np.ndarray, period: float) -> np.ndarray:
    """The tracked beats, moved onto the beat when the tracker locked onto an off-beat."""

    def full(shift: float) -> float:
        return _peaks_at(env.full, times + shift * period)

    tracked, third, half, two_thirds = full(0.0), full(1 / 3), full(1 / 2), full(2 / 3)
    if (
        third > SWING_MIN_SHARE * tracked
        and third + two_thirds > 2 * half
        and third > SWING_PHASE_MARGIN * two_thirds
    ):
        return times + period / 3  # on the swung note: the beat is a third later
    accent = env.low + env.mid
    if _peaks_at(accent, times + period / 2) > PHASE_MARGIN * _peaks_at(accent, times):
        return times + period / 2  # on the off-beat, where the kick and snare are not
    return times


@dataclass(frozen=True)
class _GridFit:
    period: float  # seconds per beat
    offset: float  # time of beat index 0
    indices: np.ndarray  # beat index of every tracked beat
    inliers: np.ndarray  # bool mask of the beats the fit kept
    drift: float  # largest smoothed residual, seconds


def _fit_grid(times: np.ndarray, period: float) -> _GridFit:
    """Robust straight-line fit of beat times against beat indices (trimmed least squares)."""
    # Beat indices come from the gaps, so a beat the tracker skipped keeps the count right.
    steps = np.maximum(1, np.round(np.diff(times) / period))
    indices = np.concatenate([[0], np.cumsum(steps)]).astype(int)
    inliers = np.ones(times.size, dtype=bool)
    slope, offset = period, float(times[0])
    for _ in range(4):
        slope, offset = np.polyfit(indices[inliers], times[inliers], 1)
        residuals = times - (offset + slope * indices)
        spread = 1.4826 * np.median(np.abs(residuals[inliers]))
        # Never trim tighter than 10 ms: sub-frame jitter of a steady beat is smaller than that.
        keep = np.abs(residuals) <= max(3.0 * spread, 0.010)
        if keep.sum() < 4 or np.array_equal(keep, inliers):
            break
        inliers = keep
    # Drift is judged on the kept beats only: one stray beat must not pass for a tempo change.
    kept = (times - (offset + slope * indices))[inliers]
    smoothed = scipy.ndimage.median_filter(kept, size=min(9, kept.size), mode="reflect")
    return _GridFit(
        period=float(slope),
        offset=float(offset),
        indices=indices,
        inliers=inliers,
        drift=float(np.abs(smoothed).max()),
    )


def _beat_flux(onset: np.ndarray, frames: np.ndarray, *, radius: int = 2) -> np.ndarray:
    """Onset strength summed within `radius` frames of each beat."""
    # A sum, not a peak: a peak's height depends on where the attack falls between two
    # frames, which cycles with the tempo and would fake a 3- or 4-beat accent pattern.
    padded = np.pad(onset, radius)
    centers = np.clip(np.round(frames).astype(int), 0, onset.size - 1)
    return np.asarray(padded[centers[:, None] + np.arange(2 * radius + 1)].sum(axis=1))


def _phase_contrast(x: np.ndarray, meter: int) -> np.ndarray:
    """For each phase, a t-statistic of x at beats of that phase against the other beats."""
    # On ranks: a silent stretch (-80 dB) or one loud hit must not set the scale for the rest.
    x = scipy.stats.rankdata(x)
    scale = float(x.std())
    if x.size < 2 * meter or scale <= 1e-12:
        return np.zeros(meter)
    out = np.zeros(meter)
    phases = np.arange(x.size) % meter
    for phase in range(meter):
        inside, outside = x[phases == phase], x[phases != phase]
        out[phase] = (inside.mean() - outside.mean()) / (
            scale * np.sqrt(1.0 / inside.size + 1.0 / outside.size)
        )
    return out


def _harmonic_novelty(log_mel: np.ndarray, frames: np.ndarray, meter: int) -> np.ndarray:
    """Spectral change at each beat between the `meter` beats before and after it."""
    # Bands under ~2 kHz carry chords and bass; the hats above them would only add noise.
    tonal = log_mel[: int(N_MELS * 0.6)]
    bounds = np.clip(np.round(frames).astype(int), 0, tonal.shape[1] - 1)
    if bounds.size < 2:
        return np.zeros(frames.size)
    segments = np.add.reduceat(tonal, bounds, axis=1)[:, :-1] / np.maximum(np.diff(bounds), 1)
    segments = segments.T  # (beats - 1, bands): one spectrum per beat
    cumulative = np.vstack([np.zeros(segments.shape[1]), np.cumsum(segments, axis=0)])
    novelty = np.zeros(frames.size)
    for i in range(meter, segments.shape[0] - meter + 1):
        before = (cumulative[i] - cumulative[i - meter]) / meter
        after = (cumulative[i + meter] - cumulative[i]) / meter
        novelty[i] = float(np.sqrt(np.mean((after - before) ** 2)))
    return novelty


def _low_energy(log_mel: np.ndarray, frames: np.ndarray, span: float) -> np.ndarray:
    """Mean level of the bands under LOW_MAX_HZ over the first `span` frames of each beat."""
    mel_hz = librosa.mel_frequencies(n_mels=N_MELS, fmax=ANALYSIS_SR / 2)
    # Averaged as power: in dB the quiet tail of a beat would weigh as much as its body, and
    # the faint low-frequency splash of a snare would then pass for a bass note.
    low_bands = max(1, int(np.searchsorted(mel_hz, LOW_MAX_HZ)))
    low = librosa.db_to_power(log_mel[:low_bands]).mean(axis=0)
    cumulative = np.concatenate([[0.0], np.cumsum(low)])
    start = np.clip(np.round(frames).astype(int), 0, low.size - 1)
    stop = np.clip(start + max(1, int(span)), 1, low.size)
    mean = (cumulative[stop] - cumulative[start]) / np.maximum(stop - start, 1)
    return np.asarray(librosa.power_to_db(mean))


# Weight of each per-beat feature in the downbeat vote. A kick or a bass note marks "one" in
# dance music, a chord change marks it in nearly everything; a snare or clap marks 2 and 4,
# hence its negative weight; a crash (high band) marks the first beat of a section.
_ACCENT_WEIGHTS = {"low": 1.0, "low_energy": 1.0, "mid": -1.0, "high": 0.5, "harmonic": 1.0}
# 3/4 is reported only when its best phase beats the best 4/4 phase by this factor.
_TRIPLE_METER_MARGIN = 1.5
_MIN_METER_EVIDENCE = 4.0


def _bar_phase(
    env: _Envelopes, beat_frames: np.ndarray, meters: tuple[int, ...] = (3, 4)
) -> tuple[int, int]:
    """(beats per bar, index of the first downbeat among the beats), among `meters`.

    With 3 and 4 to choose from, 3 wins only by _TRIPLE_METER_MARGIN; one meter is only
    phased.
    """
    beat_span = float(np.median(np.diff(beat_frames))) if beat_frames.size > 1 else FPS / 2
    accents = {
        "low": _beat_flux(env.low, beat_frames),
        "low_energy": _low_energy(env.log_mel, beat_frames, beat_span / 2),
        "mid": _beat_flux(env.mid, beat_frames),
        "high": _beat_flux(env.high, beat_frames),
    }
    best: dict[int, tuple[float, int]] = {}
    for meter in meters:
        features = {**accents, "harmonic": _harmonic_novelty(env.log_mel, beat_frames, meter)}
        total = np.zeros(meter)
        for name, x in features.items():
            total += _ACCENT_WEIGHTS[name] * _phase_contrast(x, meter)
        phase = int(np.argmax(total))
        best[meter] = (float(total[phase]), phase)
    if len(meters) == 1:
        return meters[0], best[meters[0]][1]
    triple, quadruple = best[3][0], best[4][0]
    if triple > _MIN_METER_EVIDENCE and triple > _TRIPLE_METER_MARGIN * max(quadruple, 0.0):
        return 3, best[3][1]
    return 4, best[4][1]


# A compound meter (6/8) divides its beat, the dotted quarter, in three eighths. It is
# reported when onsets on both inner eighths of the beat (1/3 and 2/3 of it) outweigh those
# on any duple division (the half, the 16ths) by this factor…
COMPOUND_DIVISION_MARGIN = 1.75
# …carry at least this share of the beat's own onset (a shuffle or a swing plays the 2/3
# only, a full triplet grid plays both; a soft arpeggio's inner eighths can be this faint)…
COMPOUND_MIN_SHARE = 0.15
# …and the beat is no faster than this: above it the same triplet grid is a shuffle or a
# swing written in 4/4 (a 6/8 jig or march is felt at 100–120, 12/8 blues at 40–80).
COMPOUND_MAX_BPM = 100.0


def _division_onset(env: _Envelopes, beats: np.ndarray, period: float, at: float) -> float:
    """Mean full-band onset at `at` of the way through each beat (a narrow window)."""
    frames = (beats + at * period - ONSET_LEAD_S) * FPS
    inside = (frames >= 0) & (frames < env.full.size)
    if not inside.any():
        return 0.0
    return float(_beat_flux(env.full, frames[inside], radius=1).mean())


def _is_compound(env: _Envelopes, beats: np.ndarray, period: float) -> bool:
    """Whether the beat is divided in three eighths (6/8, 12/8) rather than in two."""
    if 60.0 / period > COMPOUND_MAX_BPM or beats.size < 8:
        return False

    def at(fraction: float) -> float:
        return _division_onset(env, beats, period, fraction)

    beat, inner = at(0.0), min(at(1 / 3), at(2 / 3))
    duple = max(at(1 / 2), (at(1 / 4) + at(3 / 4)) / 2)
    return inner >= COMPOUND_MIN_SHARE * beat and inner >= COMPOUND_DIVISION_MARGIN * duple


def _no_rhythm() -> RhythmAnalysis:
    """The answer for silence or audio without a pulse: no tempo, no grid."""
    return RhythmAnalysis(
        bpm=None,
        bpm_confidence=0.0,
        bpm_alternatives=[],
        beats=[],
        downbeats=[],
        bars=[],
        phrases=[],
        meter=None,
    )


def _bars(downbeats: np.ndarray, bar_s: float, duration_s: float) -> list[Bar]:
    """Bars from downbeats: each ends at the next, the last one a bar later (or at the end)."""
    if downbeats.size == 0:
        return []
    ends = np.append(downbeats[1:], min(downbeats[-1] + bar_s, duration_s))
    return [
        Bar(index=i, start_s=round(float(start), 3), end_s=round(float(end), 3))
        for i, (start, end) in enumerate(zip(downbeats, ends, strict=True))
    ]


def _phrases(downbeats: np.ndarray, phrase_bars: int) -> list[Phrase]:
    """A phrase every `phrase_bars` bars from the first downbeat; the last may be shorter."""
    n = downbeats.size
    return [
        Phrase(start_s=round(float(downbeats[i]), 3), bars=int(min(phrase_bars, n - i)))
        for i in range(0, n, phrase_bars)
    ]


def analyze_rhythm(
    mono: np.ndarray,
    sample_rate: int,
    *,
    min_bpm: float = DEFAULT_MIN_BPM,
    max_bpm: float = DEFAULT_MAX_BPM,
    phrase_bars: int = 8,
) -> RhythmAnalysis:
    """Tempo, beat grid, downbeats, bars, phrases and meter of a mono signal."""
    if not 30.0 <= min_bpm < max_bpm <= 300.0:
        raise ValueError(f"Need 30 <= min_bpm < max_bpm <= 300, got {min_bpm}, {max_bpm}.")
    if phrase_bars < 1:
        raise ValueError(f"phrase_bars must be positive, got {phrase_bars}.")
    y = _prepare(mono, sample_rate)
    duration_s = y.size / ANALYSIS_SR
    if float(np.abs(y).max()) < SILENCE_PEAK:
        return _no_rhythm()
    env = _envelopes(y)
    if float(env.full.max()) <= 1e-6:
        return _no_rhythm()  # a steady tone or DC: sound, but nothing that starts

    tempograms, smoothed = tempo_evidence(env)
    choice = _choose_tempo(tempograms, smoothed, min_bpm=min_bpm, max_bpm=max_bpm)
    frames = _track_beats(env.full, choice.bpm)
    lag = _bpm_to_lag(choice.bpm)
    clarity = _clarity(tempograms, choice.bpm)
    if frames.size < 4 or clarity < MIN_PULSE_CLARITY:
        return _no_rhythm()
    refined = _refine_frames(env.full, frames, radius=max(1, int(0.1 * lag)))
    times = _one_phase(env, refined / FPS + ONSET_LEAD_S, 60.0 / choice.bpm)
    times = _best_phase(env, times, 60.0 / choice.bpm)
    fit = _fit_grid(times, 60.0 / choice.bpm)

    if fit.drift <= MAX_STEADY_DRIFT_S and fit.inliers.mean() >= MIN_STEADY_INLIERS:
        # Steady: the regression grid, extended over the whole track as a DJ beatgrid is.
        first = int(np.ceil(-fit.offset / fit.period))
        last = int(np.floor((duration_s - fit.offset) / fit.period))
        beats = fit.offset + fit.period * np.arange(first, last + 1)
    else:
        beats = times  # the slope of the fit is still the best average tempo
    beats = beats[(beats >= 0.0) & (beats < duration_s)]
    period = fit.period
    scale = (60.0 / period) / choice.bpm  # alternatives follow the fitted tempo

    # A compound meter's bar is two dotted quarters (6/8); a 12/8 reads as two bars of it,
    # as a 4/4 with two-beat accents would read as 2/4 if 2/4 were told apart.
    compound = _is_compound(env, beats, period)
    meter, first_downbeat = _bar_phase(
        env, (beats - ONSET_LEAD_S) * FPS, (2,) if compound else (3, 4)
    )
    downbeats = beats[first_downbeat::meter]
    confidence = choice.confidence * clarity * float(fit.inliers.mean())
    return RhythmAnalysis(
        bpm=round(60.0 / period, 2),
        bpm_confidence=round(float(np.clip(confidence, 0.0, 1.0)), 3),
        bpm_alternatives=[
            TempoAlternative(bpm=round(bpm * scale, 2), confidence=round(share, 3))
            for bpm, share in choice.alternatives
        ],
        beats=[round(float(t), 3) for t in beats],
        downbeats=[round(float(t), 3) for t in downbeats],
        bars=_bars(downbeats, meter * period, duration_s),
        phrases=_phrases(downbeats, phrase_bars),
        meter="6/8" if compound else f"{meter}/4",
    )


def warm_up() -> None:
    """Run the analysis once on 2 s of clicks, so a worker pays numba's JIT compile at start."""
    sr = ANALYSIS_SR
    clicks = np.zeros(2 * sr, dtype=np.float32)
    click = np.sin(2 * np.pi * 1000 * np.arange(200) / sr) * np.hanning(200)
    for start in range(int(0.1 * sr), clicks.size - 200, sr // 2):
        clicks[start : start + 200] = click
    analyze_rhythm(clicks, sr)
