"""What a mix/master feedback report is built on: one pass of measurements, JSON-ready.

`measure(samples, rate)` reads top to bottom: check → loudness (BS.1770 / EBU R128 through
`audio.loudness`) → peaks (clipped runs as QA defines them, true peak per half second) →
spectrum (`master.band_levels_db`, the curve the master's tonal matching uses) → one STFT of
L and R for everything per band (stereo image, mono compatibility, harshness over time) →
transients on the mono mix at 22.05 kHz → noise floor. It runs with one BLAS thread: the
true-peak interpolation's matrix products are small, and on a machine busy with other runs
OpenBLAS's spinning threads cost several times their work (the `feedback` benchmark at a load
average of 17: 24 s wall and 6.5 s CPU with numpy's default threads, 6–7 s and 1.8 s with one).

Definitions (all levels in dB; None where undefined, e.g. silence):

- `spectrum.levels_db`: 1/3-octave band power (IEC centres 25 Hz–16 kHz) relative to the total
  power of all bands, so two tracks at different loudness compare by shape alone.
- Per band (`structure.BANDS`: low 20–150, low_mid 150–500, mid 500–2k, high_mid 2k–6k,
  high 6k–20k Hz), from the cross-spectra of L and R (Parseval: the same numbers a band-pass
  filter then `structure.stereo_image` gives, without five filter passes):
  `correlation` (Pearson L/R, −1..1), `width` (side / (mid + side) energy, 0..1) and
  `mono_loss_db` (how much quieter the band gets summed to mono: 10·log10(mid power /
  mean channel power); 0 for a mono band, −∞ → None for a band that cancels completely).
- `low_end.correlation_over_time`: correlation of the low band per second, for time ranges.
- `harshness`: energy of 2.5–5 kHz (`harsh`) and 5–10 kHz (`sibilance`) relative to the total,
  per second, and its average; `sibilance_spikiness_db` = 95th percentile minus median of the
  5–10 kHz share per frame (sharp, recurring "s" bursts rather than steady brightness).
- `transients.crest_db[band]`: peak over RMS of the mono mix band-passed, in 2 s windows,
  median over windows within 20 dB of the loudest (limiting and heavy compression lower it);
  `onset_rise_db`: median jump of the 5 ms envelope over the 30 ms before each of the
  strongest onsets (how sharply hits start).
- `noise.floor_dbfs`: 5th percentile of 50 ms RMS windows that are not digital silence;
  `noise.flatness`: spectral flatness (0 tonal … 1 white) of the quietest tenth of windows,
  which tells hiss from a quiet musical passage.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.fft
import scipy.signal
from numpy.lib.stride_tricks import sliding_window_view
from threadpoolctl import threadpool_limits

from intellimix.audio import io, loudness, master, qa, structure
from intellimix.audio.errors import AudioError, TooShortForAnalysis

MIN_SECONDS = 3.0  # one short-term loudness window
ANALYSIS_RATE = 22_050
SHORT_TERM_HOP_S = 1.0
PEAK_BLOCK_S = 0.5
STFT_SECONDS = 0.17  # ≈ 6 Hz bins: the 20–150 Hz band holds ~20 of them
HARSH_HZ = (2500.0, 5000.0)
SIBILANCE_HZ = (5000.0, 10000.0)
CREST_WINDOW_S = 2.0
CREST_RANGE_DB = 20.0
ENVELOPE_FRAME_S = 0.005
ONSET_LOOKBACK_S = 0.03
ONSETS_USED = 64
NOISE_WINDOW_S = 0.05
CLIP_MERGE_S = 0.5  # clipped runs closer than this form one time range
BAND_NAMES = tuple(name for name, _, _ in structure.BANDS)


def measure(samples: np.ndarray, sample_rate: int) -> dict[str, Any]:
    """Every measurement a feedback report uses, for a (channels, frames) float signal."""
    with threadpool_limits(limits=1, user_api="blas"):
        return _measure(samples, sample_rate)


def _measure(samples: np.ndarray, sample_rate: int) -> dict[str, Any]:
    x = _checked(samples, sample_rate)
    duration_s = x.shape[1] / sample_rate
    stereo = _as_stereo(x)
    spectra = _Spectra(stereo, sample_rate)
    mono = io.resample(io.to_mono(x), sample_rate, ANALYSIS_RATE)
    measured_loudness, short_term = _loudness(x, sample_rate)
    return {
        "duration_s": round(duration_s, 3),
        "sample_rate": sample_rate,
        "channels": x.shape[0],
        "loudness": measured_loudness,
        "short_term": short_term,
        "peaks": _peaks(x, sample_rate),
        "spectrum": {
            "band_centres_hz": [round(hz, 1) for hz in master.BAND_CENTRES_HZ],
            "levels_db": _rounded_list(relative_band_levels(x, sample_rate)),
            "stereo": spectra.third_octave_stereo(),
        },
        "stereo": structure.stereo_image(x),
        "bands": spectra.bands(),
        "low_end": spectra.low_end_over_time(),
        "harshness": spectra.harshness(),
        "transients": _transients(mono),
        "noise": _noise(mono),
    }


def relative_band_levels(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """1/3-octave levels (master.BAND_CENTRES_HZ) in dB relative to their total power."""
    levels = master.band_levels_db(samples, sample_rate)
    usable = np.isfinite(levels)
    total = float(np.sum(10.0 ** (levels[usable] / 10.0)))
    if total <= 0.0:
        return np.full(levels.shape, np.nan)
    return levels - 10.0 * math.log10(total)


# --- loudness and peaks ---------------------------------------------------------------------


def _loudness(x: np.ndarray, rate: int) -> tuple[dict[str, Any], dict[str, Any]]:
    profile = loudness.loudness_profile(x, rate, hop_s=SHORT_TERM_HOP_S)
    measured = {
        **profile.measurement,
        "short_term_max_lufs": profile.short_term_max_lufs,
        "momentary_max_lufs": profile.momentary_max_lufs,
    }
    # Each value is the 3 s window starting at k·hop; it is drawn at the window's centre.
    series = {
        "hop_s": SHORT_TERM_HOP_S,
        "window_s": loudness.SHORT_TERM_WINDOW_S,
        "start_s": loudness.SHORT_TERM_WINDOW_S / 2,
        "lufs": [_num(v, 1) for v in profile.short_term_lufs],
    }
    return measured, series


def _peaks(x: np.ndarray, rate: int) -> dict[str, Any]:
    runs = qa.clipped_runs(x)
    true_peaks = master.true_peak_blocks_db(x, rate, block_s=PEAK_BLOCK_S).tolist()
    block = round(PEAK_BLOCK_S * rate)
    count = len(true_peaks)
    padded = np.zeros((x.shape[0], count * block), dtype=np.float32)
    padded[:, : min(x.shape[1], count * block)] = np.abs(x[:, : count * block])
    with np.errstate(divide="ignore"):
        sample_peaks = (
            20.0 * np.log10(padded.reshape(x.shape[0], count, block).max(axis=(0, 2)))
        ).tolist()
    over = [tp > 0.0 for tp in true_peaks]
    # Inter-sample overs: the reconstructed wave passes full scale where no sample reaches
    # the clip level.
    clip_db = 20.0 * math.log10(qa.CLIP_LEVEL)
    isp = [tp > 0.0 and sp < clip_db for tp, sp in zip(true_peaks, sample_peaks, strict=True)]
    return {
        "clip_level": qa.CLIP_LEVEL,
        "clip_run_samples": qa.CLIP_RUN,
        "clipped_runs": len(runs),
        "clipped_samples": int(sum(length for _, length in runs)),
        "clip_ranges": _merged_ranges(
            sorted((start / rate, (start + length) / rate) for start, length in runs),
            CLIP_MERGE_S,
        ),
        "block_s": PEAK_BLOCK_S,
        "true_peak_db": [_num(v, 2) for v in true_peaks],
        "over_ranges": _flag_ranges(over, PEAK_BLOCK_S),
        "inter_sample_over_blocks": int(sum(isp)),
        "inter_sample_over_ranges": _flag_ranges(isp, PEAK_BLOCK_S),
    }


# --- spectra --------------------------------------------------------------------------------


class _Spectra:
    """Short-time spectra of L and R (Hann, no overlap) and the per-bin sums built on them."""

    def __init__(self, stereo: np.ndarray, rate: int) -> None:
        size = 1 << round(math.log2(STFT_SECONDS * rate))
        frames = max(1, stereo.shape[1] // size)
        padded = np.zeros((2, frames * size), dtype=np.float32)
        usable = min(stereo.shape[1], frames * size)
        padded[:, :usable] = stereo[:, :usable]
        window = np.hanning(size + 1)[:-1].astype(np.float32)
        spectra = scipy.fft.rfft(padded.reshape(2, frames, size) * window, axis=-1)
        left, right = spectra[0], spectra[1]
        self.rate = rate
        self.frame_s = size / rate
        self.freqs = np.fft.rfftfreq(size, 1.0 / rate)
        self.ll = (left.real**2 + left.imag**2).astype(np.float32)
        self.rr = (right.real**2 + right.imag**2).astype(np.float32)
        self.lr = (left.real * right.real + left.imag * right.imag).astype(np.float32)
        # Per-bin totals over the whole track: every whole-track band sum starts from these.
        self.totals = [a.sum(axis=0, dtype=np.float64) for a in (self.ll, self.rr, self.lr)]

    def _bins(self, lo: float, hi: float) -> np.ndarray:
        return (self.freqs >= lo) & (self.freqs < min(hi, self.rate / 2))

    def _stereo(self, ll: float, rr: float, lr: float) -> dict[str, float | None]:
        power = ll + rr
        if power <= 0.0:
            return {"correlation": None, "width": None, "mono_loss_db": None}
        mid = (power + 2.0 * lr) / 4.0  # |(L+R)/2|²
        side = (power - 2.0 * lr) / 4.0
        correlation = lr / math.sqrt(ll * rr) if ll > 0 and rr > 0 else 0.0
        return {
            "correlation": round(float(np.clip(correlation, -1.0, 1.0)), 3),
            "width": round(float(np.clip(side / (mid + side), 0.0, 1.0)), 3),
            "mono_loss_db": _num(10.0 * math.log10(mid / (power / 2.0)) if mid > 0 else None),
        }

    def bands(self) -> dict[str, dict[str, Any]]:
        total = float(self.totals[0].sum() + self.totals[1].sum())
        out: dict[str, dict[str, Any]] = {}
        for name, lo, hi in structure.BANDS:
            bins = self._bins(lo, hi)
            ll, rr, lr = (float(a[bins].sum()) for a in self.totals)
            share = (ll + rr) / total if total > 0 else 0.0
            out[name] = {
                "range_hz": [lo, hi],
                "level_db": _num(10.0 * math.log10(share) if share > 0 else None),
                **self._stereo(ll, rr, lr),
            }
        return out

    def third_octave_stereo(self) -> dict[str, list[float | None]]:
        correlation, width = [], []
        for centre in master.BAND_CENTRES_HZ:
            bins = self._bins(centre / master.BAND_HALF_WIDTH, centre * master.BAND_HALF_WIDTH)
            image = self._stereo(*(float(a[bins].sum()) for a in self.totals))
            correlation.append(image["correlation"])
            width.append(image["width"])
        return {"correlation": correlation, "width": width}

    def _per_second(self, values: np.ndarray) -> np.ndarray:
        """Sum frame values into whole seconds (the last, partial second included)."""
        per = max(1, round(1.0 / self.frame_s))
        seconds = -(-values.shape[0] // per)
        padded = np.zeros((seconds * per, *values.shape[1:]))
        padded[: values.shape[0]] = values
        return padded.reshape(seconds, per, *values.shape[1:]).sum(axis=1)

    def low_end_over_time(self) -> dict[str, Any]:
        _, lo, hi = structure.BANDS[0]
        bins = self._bins(lo, hi)
        sums = self._per_second(
            np.stack([a[:, bins].sum(axis=1) for a in (self.ll, self.rr, self.lr)], axis=1)
        )
        loudest = float((sums[:, 0] + sums[:, 1]).max()) if sums.size else 0.0
        correlation: list[float | None] = []
        for ll, rr, lr in sums:
            # Seconds where the low band is 30 dB under its loudest carry no bass to judge.
            audible = loudest > 0 and (ll + rr) >= loudest * 1e-3 and ll > 0 and rr > 0
            correlation.append(round(float(lr / math.sqrt(ll * rr)), 3) if audible else None)
        negative = [c is not None and c < 0.0 for c in correlation]
        return {
            "hop_s": 1.0,
            "correlation_over_time": correlation,
            "negative_ranges": _flag_ranges(negative, 1.0),
        }

    def harshness(self) -> dict[str, Any]:
        power = self.ll + self.rr
        total_frames = power.sum(axis=1)
        harsh_frames = power[:, self._bins(*HARSH_HZ)].sum(axis=1)
        sib_frames = power[:, self._bins(*SIBILANCE_HZ)].sum(axis=1)
        total = float(total_frames.sum())
        per_second = self._per_second(np.stack([total_frames, harsh_frames], axis=1))
        with np.errstate(divide="ignore", invalid="ignore"):
            harsh_share = 10.0 * np.log10(per_second[:, 1] / per_second[:, 0])
            sib_share = 10.0 * np.log10(sib_frames / total_frames)
        loud = total_frames > total_frames.max() * 1e-3 if total > 0 else total_frames > 0
        sib_loud = sib_share[loud & np.isfinite(sib_share)]
        spikiness = (
            float(np.percentile(sib_loud, 95) - np.median(sib_loud)) if sib_loud.size else None
        )
        return {
            "harsh_range_hz": list(HARSH_HZ),
            "sibilance_range_hz": list(SIBILANCE_HZ),
            "harsh_share_db": _num(
                10.0 * math.log10(float(harsh_frames.sum()) / total) if total > 0 else None
            ),
            "sibilance_share_db": _num(
                10.0 * math.log10(float(sib_frames.sum()) / total) if total > 0 else None
            ),
            "sibilance_spikiness_db": _num(spikiness),
            "harsh_share_over_time_db": [_num(v, 1) for v in harsh_share],
        }


# --- transients and noise -------------------------------------------------------------------


def _band_passed(mono: np.ndarray, lo: float, hi: float) -> np.ndarray:
    nyquist = ANALYSIS_RATE / 2
    if hi >= nyquist * 0.95:
        sos = scipy.signal.butter(4, lo, btype="highpass", fs=ANALYSIS_RATE, output="sos")
    else:
        sos = scipy.signal.butter(2, (lo, hi), btype="bandpass", fs=ANALYSIS_RATE, output="sos")
    return scipy.signal.sosfilt(sos, mono).astype(np.float32)


def _windowed_crest(y: np.ndarray) -> float | None:
    width = round(CREST_WINDOW_S * ANALYSIS_RATE)
    windows = y.size // width
    if windows == 0:
        return None
    blocks = np.abs(y[: windows * width].reshape(windows, width))
    rms = np.sqrt(np.mean(blocks.astype(np.float64) ** 2, axis=1))
    peak = blocks.max(axis=1)
    loud = rms >= rms.max() * 10.0 ** (-CREST_RANGE_DB / 20.0)
    loud &= rms > 0
    if not loud.any():
        return None
    return float(np.median(20.0 * np.log10(peak[loud] / rms[loud])))


def _transients(mono: np.ndarray) -> dict[str, Any]:
    crest: dict[str, float | None] = {"full": _num(_windowed_crest(mono))}
    for name, lo, hi in structure.BANDS:
        crest[name] = _num(_windowed_crest(_band_passed(mono, lo, hi)))
    frame = round(ENVELOPE_FRAME_S * ANALYSIS_RATE)
    frames = mono.size // frame
    envelope = np.sqrt(
        np.mean(mono[: frames * frame].reshape(frames, frame).astype(np.float64) ** 2, axis=1)
    )
    with np.errstate(divide="ignore"):
        level = 20.0 * np.log10(np.maximum(envelope, 1e-9))
    back = round(ONSET_LOOKBACK_S / ENVELOPE_FRAME_S)
    rise_db = None
    onsets = 0
    if frames > back + 1:
        # The quietest frame of the 30 ms before each frame.
        before = sliding_window_view(level, back).min(axis=1)
        rise = level[back:] - before[: frames - back]
        # Onsets: local maxima of the rise, at least 100 ms apart, in audible frames.
        audible = level[back:] > level.max() - 40.0
        peaks, _ = scipy.signal.find_peaks(
            np.where(audible, rise, 0.0), distance=round(0.1 / ENVELOPE_FRAME_S), height=3.0
        )
        onsets = int(peaks.size)
        if peaks.size:
            strongest = np.sort(rise[peaks])[-ONSETS_USED:]
            rise_db = float(np.median(strongest))
    return {
        "crest_db": crest,
        "crest_window_s": CREST_WINDOW_S,
        "onset_rise_db": _num(rise_db),
        "onsets_per_minute": round(onsets / (mono.size / ANALYSIS_RATE) * 60.0, 1),
    }


def _noise(mono: np.ndarray) -> dict[str, Any]:
    width = round(NOISE_WINDOW_S * ANALYSIS_RATE)
    windows = mono.size // width
    blocks = mono[: windows * width].reshape(windows, width).astype(np.float64)
    rms = np.sqrt(np.mean(blocks**2, axis=1))
    live = rms > 1e-7  # digital silence (and dither-free fades to zero) is no noise floor
    if not live.any():
        return {"floor_dbfs": None, "flatness": None}
    floor = float(np.percentile(20.0 * np.log10(rms[live]), 5))
    quietest = blocks[live][np.argsort(rms[live])[: max(1, int(live.sum()) // 10)]]
    power = np.mean(np.abs(np.fft.rfft(quietest * np.hanning(width), axis=1)) ** 2, axis=0)
    freqs = np.fft.rfftfreq(width, 1.0 / ANALYSIS_RATE)
    band = power[(freqs >= 100.0) & (freqs <= 10_000.0)]
    band = band[band > 0]
    flatness = float(np.exp(np.mean(np.log(band))) / np.mean(band)) if band.size else None
    return {"floor_dbfs": _num(floor), "flatness": _num(flatness, 3)}


# --- helpers --------------------------------------------------------------------------------


def _checked(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    if not isinstance(samples, np.ndarray) or not np.issubdtype(samples.dtype, np.floating):
        raise AudioError("Samples must be a floating-point numpy array.", code="INVALID_SAMPLES")
    x = samples[np.newaxis, :] if samples.ndim == 1 else samples
    if x.ndim != 2 or not 1 <= x.shape[0] <= 2:
        raise AudioError(
            "Feedback takes mono or stereo (channels, frames).", code="INVALID_SAMPLES"
        )
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, int) or sample_rate < 8000:
        raise AudioError("The sample rate must be at least 8000 Hz.", code="INVALID_SAMPLE_RATE")
    if x.shape[1] < MIN_SECONDS * sample_rate:
        raise TooShortForAnalysis(f"Feedback needs at least {MIN_SECONDS:g} s of audio.")
    if not np.isfinite(x).all():
        raise AudioError("The audio contains NaN or infinite samples.", code="INVALID_SAMPLES")
    return np.ascontiguousarray(x, dtype=np.float32)


def _as_stereo(x: np.ndarray) -> np.ndarray:
    return x if x.shape[0] == 2 else np.repeat(x, 2, axis=0)


def _flag_ranges(flags: list[bool], step_s: float) -> list[list[float]]:
    """[start_s, end_s] of each run of true flags, flags being consecutive `step_s` blocks."""
    ranges: list[list[float]] = []
    for i, flag in enumerate(flags):
        if not flag:
            continue
        if ranges and math.isclose(ranges[-1][1], i * step_s):
            ranges[-1][1] = round((i + 1) * step_s, 3)
        else:
            ranges.append([round(i * step_s, 3), round((i + 1) * step_s, 3)])
    return ranges


def _merged_ranges(spans: list[tuple[float, float]], gap_s: float) -> list[list[float]]:
    merged: list[list[float]] = []
    for start, end in spans:
        if merged and start - merged[-1][1] <= gap_s:
            merged[-1][1] = max(merged[-1][1], round(end, 3))
        else:
            merged.append([round(start, 3), round(end, 3)])
    return merged


def _num(value: float | None, digits: int = 2) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits) + 0.0


def _rounded_list(values: np.ndarray) -> list[float | None]:
    return [_num(v) for v in values]
