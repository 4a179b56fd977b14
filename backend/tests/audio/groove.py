"""Groove measurements on rendered audio: band-limited onsets read on the bar grid, and swing.

Every function takes audio (mono `(n,)` or `(channels, n)`), its sample rate and, where a
grid is involved, the tempo with the first downbeat at `offset_s` (0 for a generated track),
and returns plain numbers, so the same measures apply to a drum stem or a full mix.

An onset is a jump of a band's level: the kick's low band, the snare's upper mids (above the
kick's body, below the hats) or the hats' top octave. Calibrated on clicks at 22.05 to
48 kHz, onset times fall within 4 ms of the attacks (a 3 ms analysis hop, and the kick band
reads about 1.5 ms late).
"""

from __future__ import annotations

import librosa
import numpy as np
import scipy.signal

KICK_BAND = (30.0, 150.0)
SNARE_BAND = (1000.0, 4000.0)
HAT_BAND = (5500.0, 16_000.0)

STEPS_PER_BEAT = 4
BEATS_PER_BAR = 4
WINDOW_S = 0.02  # analysis window, rounded to a power of two of samples (1024 at 48 kHz)
HOPS_PER_WINDOW = 8
MIN_GAP_S = 0.03  # two onsets closer than this are one (a flam, a clap's several hands)
RISE_S = 0.012  # a rise is measured over this long: an attack, not a swell
MIN_RISE_DB = 6.0
# An onset must also get loud: within this of the band's loudest moment. A snare's faint
# spill into the kick band rises from silence too, but stays far below the kicks.
MAX_BELOW_DB = 20.0
TOP_DB = 40.0  # the level's floor under the loudest frame: silence, as far as onsets go


def _mono(audio: np.ndarray) -> np.ndarray:
    """A mono float32 view of mono or (channels, n) audio."""
    x = np.asarray(audio, dtype=np.float32)
    return x.mean(axis=0) if x.ndim == 2 else x


def _n_fft(sample_rate: int) -> int:
    """A power-of-two window close to WINDOW_S at this sample rate."""
    return int(2 ** round(np.log2(WINDOW_S * sample_rate)))


def band_level(
    audio: np.ndarray, sample_rate: int, *, band: tuple[float, float]
) -> tuple[np.ndarray, float]:
    """The band's level in dB under its loudest frame (floored at -TOP_DB), and the frame rate."""
    # The level of the whole band, not a sum over its bins: a kick's falling pitch moving from
    # bin to bin, or the grain of a reverb tail, rises in single bins but not in the band.
    n_fft = _n_fft(sample_rate)
    hop = n_fft // HOPS_PER_WINDOW
    spectrum = np.abs(librosa.stft(_mono(audio), n_fft=n_fft, hop_length=hop)) ** 2
    freqs = librosa.fft_frequencies(sr=sample_rate, n_fft=n_fft)
    power = spectrum[(freqs >= band[0]) & (freqs <= band[1])].sum(axis=0)
    level = librosa.power_to_db(power, ref=float(power.max()) or 1.0, top_db=TOP_DB)
    return np.asarray(level), sample_rate / hop


def onset_times(
    audio: np.ndarray,
    sample_rate: int,
    *,
    band: tuple[float, float],
    min_rise_db: float = MIN_RISE_DB,
) -> np.ndarray:
    """Onset times (s) in a band: where its level jumps by at least `min_rise_db`."""
    # A window of silence in front, so a hit on the very first sample rises like any other.
    lead = _n_fft(sample_rate)
    padded = np.concatenate([np.zeros(lead, dtype=np.float32), _mono(audio)])
    level, fps = band_level(padded, sample_rate, band=band)
    lag = max(1, round(RISE_S * fps))
    before = np.concatenate([np.full(lag, level[0]), level[:-lag]])
    after = np.concatenate([level[lag:], np.full(lag, level[-1])])
    rise = np.maximum(level - before, 0.0)
    peaks, _ = scipy.signal.find_peaks(
        rise, height=min_rise_db, distance=max(1, int(MIN_GAP_S * fps))
    )
    peaks = peaks[np.maximum(level, after)[peaks] >= -MAX_BELOW_DB]
    # No lag to correct: an attack enters the centred window half a window early, and the rise
    # over RISE_S peaks about that much later, on the attack.
    return peaks / fps - lead / sample_rate


def step_hits(
    onsets: np.ndarray, bpm: float, *, n_bars: int, offset_s: float = 0.0, tolerance: float = 0.3
) -> np.ndarray:
    """(n_bars, 16) booleans: whether an onset lies within `tolerance` of a 16th-note step."""
    step_s = 60.0 / bpm / STEPS_PER_BEAT
    position = (np.asarray(onsets) - offset_s) / step_s
    nearest = np.round(position).astype(int)
    close = np.abs(position - nearest) <= tolerance
    steps_per_bar = STEPS_PER_BEAT * BEATS_PER_BAR
    hits = np.zeros((n_bars, steps_per_bar), dtype=bool)
    inside = close & (nearest >= 0) & (nearest < n_bars * steps_per_bar)
    hits[nearest[inside] // steps_per_bar, nearest[inside] % steps_per_bar] = True
    return hits


def step_rates(
    audio: np.ndarray,
    sample_rate: int,
    bpm: float,
    *,
    band: tuple[float, float],
    bars: range | None = None,
    offset_s: float = 0.0,
    min_rise_db: float = MIN_RISE_DB,
) -> np.ndarray:
    """For each of the 16 steps of a bar, the share of `bars` with an onset there (0..1)."""
    n_bars = int((_mono(audio).size / sample_rate - offset_s) / (60.0 / bpm * BEATS_PER_BAR))
    hits = step_hits(
        onset_times(audio, sample_rate, band=band, min_rise_db=min_rise_db),
        bpm,
        n_bars=n_bars,
        offset_s=offset_s,
    )
    chosen = hits if bars is None else hits[[b for b in bars if b < n_bars]]
    return np.asarray(chosen.mean(axis=0), dtype=float)


def swing_ratio(
    audio: np.ndarray,
    sample_rate: int,
    bpm: float,
    *,
    pair_beats: float = 0.5,
    band: tuple[float, float] = HAT_BAND,
    offset_s: float = 0.0,
    min_rise_db: float = MIN_RISE_DB,
    min_offbeats: int = 8,
) -> float:
    """Where the off-beat of each swing pair lands, as a share of the pair (0.5 = straight).

    `pair_beats` is the length of a pair: 0.5 for swung 16ths, 1.0 for swung 8ths. The
    median position of onsets in the second half of their pair, less the median offset of the
    onsets on the pair's start (what detection lag and humanizing add to every hit). NaN when
    fewer than `min_offbeats` onsets fall on an off-beat: a fill's stray 32nds are no groove.
    """
    onsets = onset_times(audio, sample_rate, band=band, min_rise_db=min_rise_db)
    phase = ((onsets - offset_s) / (60.0 / bpm * pair_beats)) % 1.0
    on = phase[(phase < 0.15) | (phase > 0.85)]
    off = phase[(phase > 0.35) & (phase < 0.8)]
    if off.size < min_offbeats:
        return float("nan")
    lag = float(np.median(np.where(on > 0.5, on - 1.0, on))) if on.size else 0.0
    return float(np.median(off)) - lag
