"""Overview measures of a track: spectral balance, stereo image, energy, sections and peaks.

Units, chosen for charts and for the planner:

- spectral balance: each band's share of the 20 Hz–20 kHz energy (`BANDS`), fractions rounded to
  0.001 that sum to exactly 1.0 (all 0.0 for silence); from a long-term average spectrum
  (Welch, ≤ 6 Hz bins).
- stereo width: side / (mid + side) energy with mid = (L+R)/2, side = (L−R)/2: 0 = mono,
  0.5 = unrelated channels (very wide), 1 = fully out of phase. Correlation: Pearson L/R over
  the whole track, −1..1. Mono input: width 0, correlation 1.
- energy (curve and sections): K-weighted RMS (BS.1770's frequency weighting, ungated) in dB
  relative to the loudest hop (curve) or loudest section (sections), mapped linearly onto 0..1
  over `ENERGY_RANGE_DB`: 1 = loudest, 0.5 = 20 dB down, 0 = 40 dB or more down. A dB scale
  keeps quiet intros and breaks visible when drawn.
- peaks: [min, max] of the mono mix per bucket, clipped to −1..1, rounded to 0.0001.
- band peaks: the largest |sample| per bucket of the low (< 200 Hz), mid (200 Hz–2 kHz) and
  high (≥ 2 kHz) bands, clipped to 0..1, rounded to 0.0001 — what a DJ waveform colours by
  (rekordbox's three-band view splits about there).

Sections: cut at the rhythm analysis's phrase starts (else at bar-grid boundaries from
clustering beat-synchronous MFCC, chroma and level); neighbours that sound alike at a similar
level are fused; then each span is labelled by its level against the loudest steady span and by
position — a run that climbs steadily into a peak is a `build`, peaks are `drop` when the band
under 150 Hz jumps in with them (electronic music) or else `chorus`, the opening and closing
non-peak spans are `intro`/`outro`, quiet spans between are `break`, middling ones `verse`
(`break` in a track with drops). Neighbours with the same label become one section.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal, TypedDict, get_args

import librosa
import numpy as np
import numpy.typing as npt
import scipy.fft
import scipy.signal
from pyloudnorm.iirfilter import IIRfilter

from intellimix.audio.errors import AudioError, EmptyAudio, TooManyChannels

FloatArray = npt.NDArray[np.floating[Any]]
Label = Literal["intro", "verse", "build", "chorus", "drop", "break", "outro"]
SECTION_LABELS: Final = frozenset(get_args(Label))
ENERGY_HOP_S: Final = 0.5  # the energy curve's resolution

# (name, low edge Hz inclusive, high edge Hz exclusive): sub/kick, bass body and warmth,
# vocals and most instruments, presence, air. The top edge is cut at Nyquist.
BANDS: Final[tuple[tuple[str, float, float], ...]] = (
    ("low", 20.0, 150.0),
    ("low_mid", 150.0, 500.0),
    ("mid", 500.0, 2000.0),
    ("high_mid", 2000.0, 6000.0),
    ("high", 6000.0, 20000.0),
)
ENERGY_RANGE_DB: Final = 40.0
SPECTRUM_RESOLUTION_HZ: Final = 6.0  # Welch bins at least this fine keep 20–150 Hz meaningful

# Section analysis.
SECTION_FRAME_S: Final = 0.093  # feature frame; a power of two in samples is chosen near this
MIN_SECTION_S: Final = 4.0  # shorter spans join a neighbour; shorter tracks are one section
FALLBACK_GRID_S: Final = 2.0  # "bar" length when no downbeats are known (one bar at 120 BPM)
FALLBACK_SEGMENT_S: Final = 15.0  # novelty over-segments at about this length, merging fuses
MERGE_TIMBRE: Final = 0.45  # mean |Δz| of MFCC+chroma below which neighbours sound alike
MERGE_DB: Final = 3.0  # ...and level difference below which they are the same section
HIGH_DB: Final = 3.0  # within this of the loudest section → chorus/drop
LOW_DB: Final = 9.0  # this far or more below the loudest → intro/break/outro material
RISE_DB: Final = 3.0  # a build gains at least this much from its first to its last quarter
RISE_SLACK_DB: Final = 1.0  # a quarter may dip this much and the rise still counts as steady
CHAIN_RISE_DB: Final = 1.0  # an earlier span joins a build when it too climbs this much
DROP_LOW_JUMP_DB: Final = 6.0  # the band under 150 Hz jumps this much into a drop...
DROP_LOW_EXCESS_DB: Final = 2.0  # ...and this much more than the overall level does
LOW_EDGE_HZ: Final = 150.0
# The three-band waveform's crossovers (Hz): kick and bass below, vocals and most instruments
# between, hats and air above.
WAVEFORM_CROSSOVERS_HZ: Final = (200.0, 2000.0)
WAVEFORM_FILTER_ORDER: Final = 4


class Section(TypedDict):
    """One labelled span of a track; sections tile [0, duration_s]."""

    start_s: float
    end_s: float
    label: Label
    energy: float


def _invalid(message: str, *, code: str = "INVALID_ARGUMENT") -> AudioError:
    return AudioError(message, code=code, status=422)


def _as_mono(mono: FloatArray) -> FloatArray:
    """The 1-D signal, refusing other shapes and empty input."""
    y = np.asarray(mono)
    if y.ndim != 1:
        raise _invalid(f"Expected mono audio, got an array shaped {y.shape}.", code="NOT_MONO")
    if y.size == 0:
        raise EmptyAudio("The audio is empty.")
    return y


def _as_channels(samples: FloatArray) -> FloatArray:
    """(channels, frames) view of mono or multichannel input."""
    x = np.asarray(samples)
    if x.ndim == 1:
        x = x[np.newaxis, :]
    if x.ndim != 2:
        raise _invalid(
            f"Expected (channels, frames) audio, got an array shaped {x.shape}.", code="BAD_SHAPE"
        )
    if x.size == 0:
        raise EmptyAudio("The audio is empty.")
    return x


def _check_rate(sample_rate: int) -> int:
    if not isinstance(sample_rate, (int, np.integer)) or sample_rate <= 0:
        raise _invalid(f"Unsupported sample rate: {sample_rate!r}.", code="BAD_SAMPLE_RATE")
    return int(sample_rate)


def _rounded_shares(energies: FloatArray) -> list[float]:
    """Fractions of the total, rounded to 0.001 so that they still sum to exactly 1.0."""
    total = float(energies.sum())
    if total <= 0.0:
        return [0.0] * energies.size
    thousandths = energies / total * 1000.0
    floors = np.floor(thousandths).astype(int)
    # Largest remainder: plain rounding can sum to 0.999 or 1.001, which a stacked bar shows.
    short = 1000 - int(floors.sum())
    order = np.argsort(-(thousandths - floors), kind="stable")
    floors[order[:short]] += 1
    return [int(v) / 1000.0 for v in floors]


def spectral_balance(mono: FloatArray, sample_rate: int) -> dict[str, float]:
    """Share of 20 Hz–20 kHz energy per band (`BANDS`) from the long-term average spectrum."""
    y = _as_mono(mono)
    sr = _check_rate(sample_rate)
    nperseg = min(1 << math.ceil(math.log2(sr / SPECTRUM_RESOLUTION_HZ)), y.size)
    freqs = np.fft.rfftfreq(nperseg, d=1.0 / sr)
    psd = _average_periodogram(y, nperseg)
    # Bins are equally wide, so summing the density is proportional to band energy.
    energies = np.array(
        [psd[(freqs >= lo) & (freqs < hi)].sum() for _, lo, hi in BANDS], dtype=np.float64
    )
    return dict(zip((name for name, _, _ in BANDS), _rounded_shares(energies), strict=True))


LTAS_BLOCK: Final = 64  # segments transformed at once (2 MB of float32 at 8192 samples)


def _average_periodogram(y: FloatArray, nperseg: int) -> FloatArray:
    """Welch's one-sided spectrum of Hann segments without overlap or detrending, unscaled.

    What `scipy.signal.welch(y, nperseg=nperseg, window="hann", noverlap=0, detrend=False)`
    gives up to a constant factor (which the band shares cancel), at its float32 precision.
    Welch with the usual 50% overlap and detrend would double the cost for no change in a
    long-term average; scipy's own (ShortTimeFFT) took 0.6–2.3 s on five minutes at 44.1 kHz,
    the transforms of the reshaped segments take 0.3 s.
    """
    if not np.issubdtype(y.dtype, np.floating):
        y = y.astype(np.float64)
    segments = y.size // nperseg  # a trailing part shorter than a segment is left out
    frames = y[: segments * nperseg].reshape(segments, nperseg)
    window = scipy.signal.get_window("hann", nperseg).astype(frames.dtype)
    total = np.zeros(nperseg // 2 + 1)
    for start in range(0, segments, LTAS_BLOCK):
        spectrum = scipy.fft.rfft(frames[start : start + LTAS_BLOCK] * window, axis=1)
        total += (spectrum.real**2 + spectrum.imag**2).sum(axis=0)
    # One-sided: every bin but DC (and Nyquist, for an even length) holds both signs' power.
    total[1 : None if nperseg % 2 else -1] *= 2.0
    return total / segments


def _channel_moments(left: FloatArray, right: FloatArray) -> tuple[float, ...]:
    """Sums of L, R, L², R², L·R in float64, in blocks so that no full-length copy is made."""
    block = 1 << 18
    sums = np.zeros(5, dtype=np.float64)
    for start in range(0, left.size, block):
        a = left[start : start + block].astype(np.float64)
        b = right[start : start + block].astype(np.float64)
        sums += (a.sum(), b.sum(), a @ a, b @ b, a @ b)
    return tuple(float(v) for v in sums)


def stereo_image(samples: FloatArray) -> dict[str, float]:
    """Stereo width (side share of mid+side energy, 0..1) and Pearson L/R correlation (−1..1)."""
    x = _as_channels(samples)
    if x.shape[0] > 2:
        raise TooManyChannels(f"The stereo image needs 1 or 2 channels, got {x.shape[0]}.")
    if x.shape[0] == 1:
        return {"stereo_width": 0.0, "correlation": 1.0}
    n = x.shape[1]
    sum_l, sum_r, ll, rr, lr = _channel_moments(x[0], x[1])
    # mid² + side² = (LL + RR) / 2 and side² = (LL + RR − 2LR) / 4, so no mid/side arrays.
    power = ll + rr
    width = (power - 2.0 * lr) / (2.0 * power) if power > 0.0 else 0.0
    var_l = ll - sum_l * sum_l / n
    var_r = rr - sum_r * sum_r / n
    cov = lr - sum_l * sum_r / n
    tiny = 1e-12 * max(power, 1e-30)
    if var_l <= tiny and var_r <= tiny:
        correlation = 1.0  # silence (or DC) in both: nothing is decorrelated
    elif var_l <= tiny or var_r <= tiny:
        correlation = 0.0  # one silent side has no linear relation to the other
    else:
        correlation = cov / math.sqrt(var_l * var_r)
    return {
        "stereo_width": round(float(np.clip(width, 0.0, 1.0)), 3),
        "correlation": round(float(np.clip(correlation, -1.0, 1.0)), 3),
    }


def _k_sos(sr: int) -> FloatArray:
    """BS.1770-4 K-weighting (high shelf, then RLB high-pass) as second-order sections."""
    # Designed for any rate with pyloudnorm's biquads, as its BS.1770 meter does.
    stages = (
        IIRfilter(4.0, 1 / math.sqrt(2), 1500.0, sr, "high_shelf"),
        IIRfilter(0.0, 0.5, 38.0, sr, "high_pass"),
    )
    return np.vstack([np.concatenate([stage.b, stage.a]) for stage in stages])


def _k_weights(freqs: FloatArray, sr: int) -> FloatArray:
    """|H|² of the K-weighting at `freqs`, to weight a power spectrogram."""
    _, response = scipy.signal.sosfreqz(_k_sos(sr), worN=freqs, fs=sr)
    return np.abs(response) ** 2


def _db_to_energy(db: FloatArray) -> FloatArray:
    """dB relative to the loudest (≤ 0) → 0..1 over `ENERGY_RANGE_DB`."""
    return np.clip(1.0 + db / ENERGY_RANGE_DB, 0.0, 1.0)


def energy_curve(mono: FloatArray, sample_rate: int, *, hop_s: float = ENERGY_HOP_S) -> list[float]:
    """K-weighted RMS per hop, in dB relative to the loudest hop, mapped onto 0..1."""
    y = _as_mono(mono)
    sr = _check_rate(sample_rate)
    if not (_is_number(hop_s) and math.isfinite(hop_s) and hop_s > 0.0):
        raise _invalid(f"hop_s must be a positive number of seconds, got {hop_s!r}.")
    hop = hop_s * sr
    count = max(1, math.ceil(round(y.size / hop, 9)))  # 3 s / 0.3 s is 10 hops, not 11
    # Floors keep every start inside the signal; the last hop averages only what is left.
    starts = np.floor(np.arange(count) * hop).astype(np.int64)
    lengths = np.diff(np.append(starts, y.size))
    # K-weighted like BS.1770 loudness, so bass-heavy parts do not dominate what hats, leads and
    # vocals add; the curve is an ungated, per-hop loudness.
    weighted = scipy.signal.sosfilt(_k_sos(sr), y)
    power = np.add.reduceat(np.square(weighted, dtype=np.float64), starts) / lengths
    loudest = float(power.max())
    if loudest <= 0.0:
        return [0.0] * count
    db = 10.0 * np.log10(np.maximum(power, loudest * 1e-12) / loudest)
    return np.round(_db_to_energy(db), 3).tolist()


def waveform_peaks(samples: FloatArray, *, points: int = 1000) -> list[list[float]]:
    """[min, max] of the mono mix in `points` equal buckets, clipped to ±1, rounded to 0.0001."""
    x = _as_channels(samples)
    if isinstance(points, bool) or not isinstance(points, (int, np.integer)) or points < 1:
        raise _invalid(f"points must be a positive integer, got {points!r}.")
    mono = x[0] if x.shape[0] == 1 else x.mean(axis=0)
    # Integer bucket starts spread any remainder evenly; when frames < points, buckets repeat a
    # sample (reduceat returns the element at a non-increasing index) so the length holds.
    starts = (np.arange(points, dtype=np.int64) * mono.size) // points
    pairs = np.stack([np.minimum.reduceat(mono, starts), np.maximum.reduceat(mono, starts)], 1)
    # float64 before rounding, or float32's nearest value prints as 0.08240000158548355.
    return np.round(np.clip(pairs.astype(np.float64), -1.0, 1.0), 4).tolist()


def band_peaks(mono: FloatArray, sample_rate: int, *, points: int = 1000) -> dict[str, list[float]]:
    """Per bucket, the peak level of the low, mid and high band of a mono signal (0..1).

    Butterworth crossovers run once over the signal (causal filters: their phase shift moves a
    peak by a millisecond or so, far less than a bucket), then each bucket keeps its largest
    |sample|, as `waveform_peaks` does.
    """
    y = _as_mono(mono)
    sr = _check_rate(sample_rate)
    if isinstance(points, bool) or not isinstance(points, (int, np.integer)) or points < 1:
        raise _invalid(f"points must be a positive integer, got {points!r}.")
    low_hz, high_hz = WAVEFORM_CROSSOVERS_HZ
    nyquist = sr / 2
    filters = {
        "low": scipy.signal.butter(WAVEFORM_FILTER_ORDER, low_hz, "lowpass", fs=sr, output="sos"),
        "mid": scipy.signal.butter(
            WAVEFORM_FILTER_ORDER // 2,
            [low_hz, min(high_hz, 0.99 * nyquist)],
            "bandpass",
            fs=sr,
            output="sos",
        ),
        "high": scipy.signal.butter(
            WAVEFORM_FILTER_ORDER, min(high_hz, 0.99 * nyquist), "highpass", fs=sr, output="sos"
        ),
    }
    starts = (np.arange(points, dtype=np.int64) * y.size) // points
    bands: dict[str, list[float]] = {}
    for name, sos in filters.items():
        level = np.abs(scipy.signal.sosfilt(sos, y.astype(np.float64, copy=False)))
        bands[name] = np.round(np.clip(np.maximum.reduceat(level, starts), 0.0, 1.0), 4).tolist()
    return bands


# --- sections -------------------------------------------------------------------------------


class _Frames:
    """Frame-level features for section analysis: level, low-band level and timbre."""

    def __init__(self, y: FloatArray, sr: int) -> None:
        hop = 1 << max(6, round(math.log2(SECTION_FRAME_S * sr)))
        n_fft = hop  # no overlap: sections need averages over seconds, not time detail
        power = (
            np.abs(librosa.stft(y.astype(np.float32, copy=False), n_fft=n_fft, hop_length=hop)) ** 2
        )
        freqs = librosa.fft_frequencies(sr=sr, n_fft=n_fft)
        mel = librosa.feature.melspectrogram(S=power, sr=sr, n_mels=64)
        # c0 is loudness, which is judged separately; the rest describe timbre.
        mfcc = librosa.feature.mfcc(S=librosa.power_to_db(mel, top_db=80.0), n_mfcc=14)[1:]
        # Tuning estimation would cost more than everything else; chroma here only compares
        # parts of one track with each other, so a shared small detuning is harmless.
        chroma = librosa.feature.chroma_stft(S=power, sr=sr, tuning=0.0)
        timbre = np.vstack([mfcc, chroma])
        # z-scores make MFCC and chroma comparable, and thresholds independent of gain.
        timbre = (timbre - timbre.mean(axis=1, keepdims=True)) / (
            timbre.std(axis=1, keepdims=True) + 1e-9
        )
        self.hop_s = hop / sr
        self.power = _k_weights(freqs, sr) @ power
        self.low = power[(freqs >= 20.0) & (freqs < LOW_EDGE_HZ)].sum(axis=0)
        self.timbre = timbre
        self.count = self.power.size

    def index(self, times_s: FloatArray) -> npt.NDArray[np.int64]:
        """Frame index nearest to each time (frames are centred on multiples of the hop)."""
        return np.clip(np.round(np.asarray(times_s) / self.hop_s), 0, self.count).astype(np.int64)


def _db(power: float | FloatArray) -> Any:
    return 10.0 * np.log10(np.maximum(power, 1e-20))


class _Span:
    """Statistics of one candidate section over frames [a, b)."""

    def __init__(self, frames: _Frames, start_s: float, end_s: float) -> None:
        a, b = (int(i) for i in frames.index(np.array([start_s, end_s])))
        a = min(a, frames.count - 1)
        b = max(b, a + 1)
        self.start_s, self.end_s = start_s, end_s
        self.db = float(_db(frames.power[a:b].mean()))
        self.low_db = float(_db(frames.low[a:b].mean()))
        self.timbre = frames.timbre[:, a:b].mean(axis=1)
        quarters = np.array_split(frames.power[a:b], 4)
        self.quarter_db = np.array([_db(q.mean()) if q.size else -200.0 for q in quarters])


def _rises(span: _Span, *, by_db: float) -> bool:
    """Energy climbs steadily: `by_db` from first to last quarter, no quarter dips much."""
    q = span.quarter_db
    steady = bool(np.all(np.diff(q) >= -RISE_SLACK_DB))
    return steady and q[-1] - q[0] >= by_db


def _clean_bounds(times: Sequence[float], duration_s: float) -> list[float]:
    """0, the distinct finite times inside the track in order, and duration_s."""
    inside = sorted({float(t) for t in times if math.isfinite(t) and 0.0 < t < duration_s})
    return [0.0, *inside, duration_s]


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _phrase_starts(phrases: Sequence[Mapping[str, Any]]) -> list[float]:
    """Start times of the rhythm analysis's phrases ({"start_s", "bars"})."""
    starts: list[float] = []
    for phrase in phrases:
        start = phrase.get("start_s") if isinstance(phrase, Mapping) else None
        if not _is_number(start):
            raise _invalid(f"Each phrase needs a numeric start_s, got {phrase!r}.")
        starts.append(float(start))  # type: ignore[arg-type]
    return starts


def _times(values: Sequence[float], name: str) -> list[float]:
    if not all(_is_number(v) for v in values):
        raise _invalid(f"{name} must be a list of times in seconds.")
    return [float(v) for v in values]


def _novelty_bounds(frames: _Frames, downbeats: Sequence[float], duration_s: float) -> list[float]:
    """Boundaries on a bar grid (downbeats, else a fixed grid) from clustering bar features."""
    grid = np.array(sorted(float(t) for t in downbeats if 0.0 <= t < duration_s))
    if grid.size < 8:
        grid = np.arange(0.0, duration_s, FALLBACK_GRID_S)
    idx, first = np.unique(frames.index(grid), return_index=True)
    grid = grid[first]
    grid, idx = grid[idx < frames.count], idx[idx < frames.count]
    if idx.size < 3:
        return []
    # sync pads a column for frames before the first bar; drop it so column j is bar j.
    stub = 1 if idx[0] > 0 else 0
    timbre = librosa.util.sync(frames.timbre, idx, aggregate=np.mean)[:, stub:]
    power = librosa.util.sync(frames.power[np.newaxis, :], idx, aggregate=np.mean)[:, stub:]
    # Level joins timbre at a weight where 6 dB counts like one standard deviation of timbre.
    bars = np.vstack([timbre, _db(power) / 6.0])
    k = int(np.clip(round(duration_s / FALLBACK_SEGMENT_S), 1, bars.shape[1]))
    if k < 2:
        return []
    starts = librosa.segment.agglomerative(bars, k)
    return [float(t) for t in grid[starts]]


def _gap(left: _Span, right: _Span) -> float:
    """How different neighbours sound and sit in level, in units of the merge thresholds."""
    timbre = float(np.mean(np.abs(left.timbre - right.timbre)))
    if timbre >= MERGE_TIMBRE or abs(left.db - right.db) >= MERGE_DB:
        return math.inf
    return _difference(left, right)


def _merge_similar(frames: _Frames, bounds: list[float]) -> list[_Span]:
    """Spans between bounds, slivers absorbed, then alike neighbours fused closest pair first."""
    spans = [_Span(frames, a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    def fuse(i: int) -> None:
        spans[i : i + 2] = [_Span(frames, spans[i].start_s, spans[i + 1].end_s)]

    # A span shorter than MIN_SECTION_S is no section (a lone bar where clustering split on a
    # chord change): it joins whichever neighbour it resembles more, thresholds aside.
    while len(spans) > 1:
        lengths = [s.end_s - s.start_s for s in spans]
        i = int(np.argmin(lengths))
        if lengths[i] >= MIN_SECTION_S:
            break
        left = _difference(spans[i - 1], spans[i]) if i > 0 else math.inf
        right = _difference(spans[i], spans[i + 1]) if i + 1 < len(spans) else math.inf
        fuse(i - 1 if left < right else i)
    while len(spans) > 1:
        gaps = [_gap(a, b) for a, b in zip(spans[:-1], spans[1:], strict=True)]
        best = int(np.argmin(gaps))
        if not math.isfinite(gaps[best]):
            break
        fuse(best)
    return spans


def _difference(left: _Span, right: _Span) -> float:
    """Unthresholded distance between neighbours, for picking which one a sliver joins."""
    return (
        float(np.mean(np.abs(left.timbre - right.timbre))) / MERGE_TIMBRE
        + abs(left.db - right.db) / MERGE_DB
    )


def _is_drop_track(spans: list[_Span], peak: list[bool]) -> bool:
    """Electronic drop: into some peak the low band jumps in clearly more than the level does."""
    for i in range(1, len(spans)):
        if peak[i] and not peak[i - 1]:
            low_jump = spans[i].low_db - spans[i - 1].low_db
            level_jump = spans[i].db - spans[i - 1].db
            if low_jump >= DROP_LOW_JUMP_DB and low_jump - level_jump >= DROP_LOW_EXCESS_DB:
                return True
    return False


def _builds(spans: list[_Span], high: list[bool], rising: list[bool]) -> list[bool]:
    """Runs of spans that climb steadily, by RISE_DB in all, from below into a peak."""
    n = len(spans)
    build = [False] * n
    for i in range(1, n - 1):
        after = spans[i + 1]
        if not high[i + 1] or rising[i + 1]:
            continue
        # A 16-bar riser covers two 8-bar phrases, and its first half may climb only a little:
        # each span of the run climbs, the run as a whole by RISE_DB.
        j = i
        while (
            j >= 1
            and _rises(spans[j], by_db=CHAIN_RISE_DB)
            and (j == i or spans[j].db < spans[j + 1].db)
        ):
            j -= 1
        if j == i:
            continue
        first, last = spans[j + 1].quarter_db[0], spans[i].quarter_db[-1]
        # Starting below the peak is what tells a build from a peak that swells; the riser's
        # end may well be louder than the drop itself.
        if last - first >= RISE_DB and first <= after.db - RISE_SLACK_DB:
            build[j + 1 : i + 1] = [True] * (i - j)
    return build


def _label(spans: list[_Span]) -> list[Label]:
    """Labels from level against the loudest steady span, position, and rises into peaks."""
    n = len(spans)
    if n == 1:
        return ["verse"]  # nothing to contrast with: neither an intro nor a peak
    rising = [_rises(s, by_db=RISE_DB) for s in spans]
    # A riser can end louder than the drop it announces, so rising spans set no reference.
    loudest = max(
        [s.db for s, r in zip(spans, rising, strict=True) if not r] or [s.db for s in spans]
    )
    rel = [s.db - loudest for s in spans]
    high = [r > -HIGH_DB for r in rel]
    low = [r <= -LOW_DB for r in rel]
    build = _builds(spans, high, rising)
    peak = [h and not b for h, b in zip(high, build, strict=True)]
    top: Label = "drop" if _is_drop_track(spans, peak) else "chorus"
    middle: Label = "break" if top == "drop" else "verse"  # between drops there are no verses
    labels: list[Label] = [
        "build" if build[i] else top if peak[i] else "break" if low[i] else middle for i in range(n)
    ]
    # The opening and closing: the first and last spans unless they peak, plus quiet spans next
    # to them (a long intro of pads is two phrases).
    if not peak[0]:
        labels[0] = "intro"
        i = 1
        while i < n - 1 and low[i] and not build[i]:
            labels[i] = "intro"
            i += 1
    if not peak[-1]:
        labels[-1] = "outro"
        i = n - 2
        while i > 0 and low[i] and labels[i] not in ("intro", "build"):
            labels[i] = "outro"
            i -= 1
    return labels


def sections(
    mono: FloatArray,
    sample_rate: int,
    *,
    downbeats: Sequence[float],
    phrases: Sequence[Mapping[str, Any]],
    duration_s: float,
) -> list[Section]:
    """Labelled sections tiling [0, duration_s] in seconds, cut at phrase starts or bars."""
    y = _as_mono(mono)
    sr = _check_rate(sample_rate)
    if not (_is_number(duration_s) and math.isfinite(duration_s) and duration_s > 0):
        raise _invalid(f"duration_s must be a positive number of seconds, got {duration_s!r}.")
    duration = float(duration_s)
    phrase_starts = _phrase_starts(phrases)
    beats = _times(downbeats, "downbeats")
    if duration < 2 * MIN_SECTION_S or y.size < sr * MIN_SECTION_S:
        return [Section(start_s=0.0, end_s=duration, label="verse", energy=1.0)]

    frames = _Frames(y, sr)
    bounds = _clean_bounds(phrase_starts, duration)
    if len(bounds) == 2:
        # No phrases, or a single one for the whole track: the rhythm analysis found no phrase
        # grid, so cut where the music changes instead.
        bounds = _clean_bounds(_novelty_bounds(frames, beats, duration), duration)
    spans = _merge_similar(frames, bounds)
    labels = _label(spans)

    # Neighbours with one label are one section: keep only the bounds where the label changes.
    keep = [0] + [i for i in range(1, len(spans)) if labels[i] != labels[i - 1]]
    ends = [spans[i].start_s for i in keep[1:]] + [duration]
    merged = [_Span(frames, spans[i].start_s, end) for i, end in zip(keep, ends, strict=True)]
    loudest = max(s.db for s in merged)
    energy = _db_to_energy(np.array([s.db - loudest for s in merged]))
    last = len(merged) - 1
    return [
        Section(
            start_s=round(s.start_s, 3),
            end_s=round(duration if i == last else s.end_s, 3),
            label=labels[keep[i]],
            energy=round(float(energy[i]), 3),
        )
        for i, s in enumerate(merged)
    ]
