"""The rule engine: measurements → findings, each with evidence, a severity and a fix.

Every rule reads `measure.measure` output (and the comparison curve of `report`) and returns
zero or more findings. A finding's `score` is how far past its rule's threshold the track is,
on one scale for every rule: 1 = clearly worth fixing (medium), 2 = a problem a listener hears
or a platform acts on (high), capped at 3; findings under LOW_SCORE are dropped. Thresholds
and their sources are next to each rule; delivery numbers come from `targets.DELIVERY`.

Fixes are plugin-agnostic settings: `{"kind": "eq", "filter": "bell", "freq_hz", "gain_db",
"q"}`, `{"kind": "limiter", "ceiling_dbtp", "input_gain_db", "true_peak": true}`,
`{"kind": "compressor", "threshold_db", "ratio", "attack_ms", "release_ms"}`,
`{"kind": "stereo", "mono_below_hz"}` / `{"kind": "stereo", "width_percent"}`,
`{"kind": "de_esser", "freq_hz", "range_db"}`, `{"kind": "gate", "threshold_db"}` and
`{"kind": "source", ...}` for what only a new export of the mix can fix.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from intellimix.audio.feedback.targets import DELIVERY
from intellimix.audio.master import BAND_CENTRES_HZ

FeedbackType = Literal["mix", "master"]
Severity = Literal["high", "medium", "low"]

MAX_SCORE = 3.0
LOW_SCORE = 0.25
AREAS = (
    "peaks",
    "loudness",
    "dynamics",
    "tonal_balance",
    "low_end",
    "harshness",
    "stereo",
    "transients",
    "noise",
)
# A tonal deviation (dB, after the master's own band smoothing) starts to count past this,
# and every further TONAL_DB_PER_SCORE is one step of severity: 3.5 dB low, 5.5 medium-high.
TONAL_FREE_DB = 1.5
TONAL_DB_PER_SCORE = 2.0
MAX_EQ_DB = 9.0  # the master's own matching clamp
MONO_BASS_HZ = 120.0
HARSH_BAND_HZ = (2000.0, 6000.0)
AIR_FROM_HZ = 6000.0
TILT_BELOW_HZ = 1000.0  # a high shelf starting lower tilts the whole balance
LOW_END_TO_HZ = 150.0
LOW_MID_TO_HZ = 500.0
SIBILANCE_SPIKY_DB = 18.0
NOISE_FLOOR_DBFS = -60.0
NOISE_FLATNESS = 0.5


@dataclass
class Finding:
    """One problem: where it is, how bad, what shows it and what to do."""

    rule: str
    area: str
    score: float
    title: str
    explanation: str
    evidence: dict[str, Any]
    fixes: list[dict[str, Any]]
    remaster_fixable: bool
    tags: list[str] = field(default_factory=list)  # words a follow-up question may use

    @property
    def severity(self) -> Severity:
        if self.score >= 2.0:
            return "high"
        return "medium" if self.score >= 1.0 else "low"

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "area": self.area,
            "severity": self.severity,
            "score": round(min(self.score, MAX_SCORE), 2),
            "title": self.title,
            "explanation": self.explanation,
            "evidence": self.evidence,
            "fixes": self.fixes,
            "remaster_fixable": self.remaster_fixable,
            "tags": self.tags,
        }


@dataclass(frozen=True)
class Comparison:
    """The tonal curve a track is judged against, and what it is."""

    kind: Literal["reference", "genre"]
    label: str
    levels_db: np.ndarray
    source: str


def run_rules(
    measured: dict[str, Any],
    *,
    type: FeedbackType,
    correction_db: np.ndarray | None,
    comparison: Comparison | None,
    reference: dict[str, Any] | None,
) -> list[Finding]:
    """Every finding for a measured track, most severe first."""
    findings = [
        *_clipping(measured),
        *_true_peak(measured, type),
        *_loudness(measured, type),
        *_dynamics(measured, type, reference),
        *_low_end_phase(measured),
        *_stereo(measured, reference),
        *_transients(measured, reference),
        *_sibilance(measured),
        *_noise(measured),
    ]
    if correction_db is not None and comparison is not None:
        findings += _tonal(measured, correction_db, comparison)
    findings = [f for f in findings if f.score >= LOW_SCORE]
    # Ties (rare with continuous scores) go to the order of AREAS: peaks before tone.
    findings.sort(key=lambda f: (-round(f.score, 3), AREAS.index(f.area)))
    return findings


def _score(excess: float, per_step: float) -> float:
    return float(np.clip(excess / per_step, 0.0, MAX_SCORE))


# --- peaks ----------------------------------------------------------------------------------


def _clipping(m: dict[str, Any]) -> list[Finding]:
    peaks = m["peaks"]
    runs = peaks["clipped_runs"]
    if runs == 0:
        return []
    # One clipped run is worth a look (1.0); ten or more are audible crackle on loud hits (2+).
    score = 1.0 + math.log10(runs)
    ranges = peaks["clip_ranges"]
    return [
        Finding(
            rule="clipping",
            area="peaks",
            score=score,
            title=f"Clipped peaks: {runs} flattened run(s) of samples at full scale",
            explanation=(
                f"{peaks['clipped_samples']} samples sit at ±{peaks['clip_level']} in runs of "
                f"{peaks['clip_run_samples']} or more, first around {_time(ranges[0][0])}. A "
                "clipped peak is a flattened waveform: it distorts, and lowering the level "
                "afterwards keeps the distortion."
            ),
            evidence={
                "clipped_runs": runs,
                "clipped_samples": peaks["clipped_samples"],
                "sample_peak_db": m["loudness"]["sample_peak_db"],
                "time_ranges": ranges[:20],
            },
            fixes=[
                {
                    "kind": "source",
                    "action": "re-export the mix with the master fader or bus limiter lowered "
                    "until no sample reaches full scale",
                },
                _limiter(DELIVERY["true_peak_dbtp"].value, 0.0),
            ],
            remaster_fixable=False,
            tags=["clipping", "clip", "distortion", "peaks", "crackle"],
        )
    ]


def _true_peak(m: dict[str, Any], type: FeedbackType) -> list[Finding]:
    level = m["loudness"]
    true_peak = level["true_peak_db"]
    if true_peak is None:
        return []
    peaks = m["peaks"]
    if type == "mix":
        ceiling = DELIVERY["mix_peak_dbfs"]
        value, measured_name = level["sample_peak_db"], "sample peak"
    else:
        loud = (level["lufs_integrated"] or -99.0) > DELIVERY["streaming_lufs"].value
        ceiling = DELIVERY["loud_master_true_peak_dbtp" if loud else "true_peak_dbtp"]
        value, measured_name = true_peak, "true peak"
    excess = value - ceiling.value
    if excess <= 0:
        return []
    isp = peaks["inter_sample_over_ranges"]
    explanation = (
        f"The {measured_name} reaches {value:+.1f} dB, {excess:.1f} dB over the "
        f"{ceiling.value:g} {ceiling.unit} ceiling ({ceiling.source})."
    )
    if isp:
        explanation += (
            f" {peaks['inter_sample_over_blocks']} half-second block(s) hold inter-sample "
            "peaks over 0 dBTP where no sample reaches full scale: converters and lossy "
            "encoders will clip them."
        )
    if type == "mix":
        fix = {"kind": "gain", "gain_db": round(-excess, 1), "where": "mix bus, before export"}
    else:
        fix = _limiter(ceiling.value, 0.0)
    return [
        Finding(
            rule="true_peak" if type == "master" else "mix_headroom",
            area="peaks",
            score=_score(excess, 1.0) + (0.5 if isp else 0.0),
            title=f"Peaks over the ceiling: {value:+.1f} dB against {ceiling.value:g}",
            explanation=explanation,
            evidence={
                "true_peak_db": true_peak,
                "sample_peak_db": level["sample_peak_db"],
                "ceiling": ceiling.value,
                "ceiling_unit": ceiling.unit,
                "inter_sample_over_ranges": isp[:20],
                "time_ranges": peaks["over_ranges"][:20],
            },
            fixes=[fix],
            remaster_fixable=type == "master",
            tags=["peak", "true peak", "inter-sample", "ceiling", "limiter"],
        )
    ]


def _limiter(ceiling: float, gain_db: float) -> dict[str, Any]:
    return {
        "kind": "limiter",
        "ceiling_dbtp": ceiling,
        "input_gain_db": round(gain_db, 1),
        "true_peak": True,
        "oversampling": 4,
    }


# --- loudness and dynamics ------------------------------------------------------------------


def _loudness(m: dict[str, Any], type: FeedbackType) -> list[Finding]:
    level = m["loudness"]
    lufs = level["lufs_integrated"]
    if lufs is None or type == "mix":
        return []
    target = DELIVERY["streaming_lufs"]
    true_peak = level["true_peak_db"] or 0.0
    deficit = target.value - lufs
    evidence = {"lufs_integrated": lufs, "target_lufs": target.value, "true_peak_db": true_peak}
    if deficit > 2.0:
        # Platforms raise a quiet track only as far as its peaks allow (Spotify: up to
        # −1 dBTP), so a quiet master with loud peaks plays quieter than everything around it.
        headroom = DELIVERY["true_peak_dbtp"].value - true_peak
        lift = min(deficit, max(headroom, 0.0))
        return [
            Finding(
                rule="too_quiet",
                area="loudness",
                score=_score(deficit - 2.0, 3.0),
                title=f"Too quiet for streaming: {lufs:.1f} LUFS against {target.value:g}",
                explanation=(
                    f"At {lufs:.1f} LUFS the master is {deficit:.1f} LU under the "
                    f"{target.value:g} LUFS that {target.source} plays at. "
                    + (
                        f"Its peaks leave room to turn it up by only {lift:.1f} dB, so even "
                        f"where quiet tracks are turned up it plays {deficit - lift:.1f} dB "
                        "quieter than its neighbours; where they are not (and in downloads, "
                        f"DJ sets), {deficit:.1f} dB quieter."
                        if deficit - lift > 0.1
                        else f"Where quiet tracks are not turned up (and in downloads, DJ sets) "
                        f"it plays {deficit:.1f} dB quieter than its neighbours."
                    )
                ),
                evidence={**evidence, "platform_lift_db": round(lift, 1)},
                fixes=[_limiter(DELIVERY["true_peak_dbtp"].value, deficit)],
                remaster_fixable=True,
                tags=["quiet", "loudness", "lufs", "streaming", "level", "volume"],
            )
        ]
    if deficit < -2.0:
        return [
            Finding(
                rule="too_loud",
                area="loudness",
                score=_score(-deficit - 2.0, 3.0),
                title=f"Louder than streaming plays: {lufs:.1f} LUFS against {target.value:g}",
                explanation=(
                    f"Streaming turns this master down by {-deficit:.1f} dB to "
                    f"{target.value:g} LUFS, so the loudness bought with limiting is lost while "
                    "the flattened dynamics remain."
                ),
                evidence={**evidence, "platform_turn_down_db": round(-deficit, 1)},
                fixes=[_limiter(DELIVERY["true_peak_dbtp"].value, deficit)],
                remaster_fixable=True,
                tags=["loud", "loudness", "lufs", "streaming", "level", "volume"],
            )
        ]
    return []


def _dynamics(
    m: dict[str, Any], type: FeedbackType, reference: dict[str, Any] | None
) -> list[Finding]:
    level = m["loudness"]
    lra, plr = level["loudness_range_lu"], level["plr_db"]
    if lra is None or plr is None:
        return []
    min_lra, min_plr = DELIVERY["min_lra_lu"], DELIVERY["min_plr_db"]
    if reference is not None:
        # A reference sets the bar where it is itself denser (a club master is allowed to be).
        ref = reference["loudness"]
        if ref["loudness_range_lu"] is not None and ref["plr_db"] is not None:
            lra_bar = min(min_lra.value, ref["loudness_range_lu"] - 1.0)
            plr_bar = min(min_plr.value, ref["plr_db"] - 1.0)
        else:
            lra_bar, plr_bar = min_lra.value, min_plr.value
    else:
        lra_bar, plr_bar = min_lra.value, min_plr.value
    score = max(_score(lra_bar - lra, 1.5), _score(plr_bar - plr, 2.0))
    if score <= 0:
        return []
    short_term = [v for v in m["short_term"]["lufs"] if v is not None]
    fixes: list[dict[str, Any]] = [
        {
            "kind": "limiter",
            "ceiling_dbtp": DELIVERY["true_peak_dbtp"].value,
            "input_gain_db": round(min(0.0, plr - plr_bar), 1),
            "true_peak": True,
            "oversampling": 4,
        }
    ]
    if type == "mix":
        fixes = [{"kind": "source", "action": "bypass the bus limiter/clipper before export"}]
    fixes.append(
        {
            "kind": "compressor",
            "threshold_db": round((level["lufs_integrated"] or -14.0) + 3.0, 1),
            "ratio": 2.0,
            "attack_ms": 30.0,
            "release_ms": 200.0,
            "note": "glue at most 2–3 dB of reduction instead of limiting harder",
        }
    )
    return [
        Finding(
            rule="over_compressed",
            area="dynamics",
            score=score,
            title=f"Over-compressed: loudness range {lra:.1f} LU, peak-to-loudness {plr:.1f} dB",
            explanation=(
                f"The loudness range is {lra:.1f} LU (bar {lra_bar:.1f}) and the peaks stand "
                f"only {plr:.1f} dB over the average loudness (bar {plr_bar:.1f}): verses and "
                "drops play at nearly one level and hits lose their snap. "
                f"Conventions: {min_lra.source}; {min_plr.source}."
            ),
            evidence={
                "loudness_range_lu": lra,
                "plr_db": plr,
                "lra_bar_lu": round(lra_bar, 1),
                "plr_bar_db": round(plr_bar, 1),
                "short_term_spread_lu": round(max(short_term) - min(short_term), 1)
                if short_term
                else None,
            },
            fixes=fixes,
            remaster_fixable=False,
            tags=["dynamics", "compressed", "squashed", "crushed", "lra", "plr", "limiting"],
        )
    ]


# --- stereo ---------------------------------------------------------------------------------


def _low_end_phase(m: dict[str, Any]) -> list[Finding]:
    low = m["bands"]["low"]
    correlation, loss = low["correlation"], low["mono_loss_db"]
    if correlation is None or m["channels"] == 1:
        return []
    # Correlation under +0.5 below 150 Hz makes the bass shrink in mono (clubs, phones);
    # under 0 it partly cancels. Negative correlation is a polarity or phase fault: high.
    score = 2.0 + min(1.0, -correlation) if correlation < 0 else _score(0.5 - correlation, 0.5)
    if score <= 0:
        return []
    ranges = m["low_end"]["negative_ranges"]
    loss_text = "cancels completely" if loss is None else f"loses {abs(loss):.1f} dB"
    return [
        Finding(
            rule="low_end_phase",
            area="low_end",
            score=score,
            title=f"Low end not mono-compatible: correlation {correlation:+.2f} under 150 Hz",
            explanation=(
                f"Under 150 Hz the left and right channels correlate at {correlation:+.2f}; "
                f"summed to mono (club systems, phones, one-speaker radios) the bass {loss_text}. "
                "Out-of-phase bass usually comes from a polarity-flipped layer, a stereo "
                "widener on the bass or a chorus on the sub."
            ),
            evidence={
                "correlation": correlation,
                "mono_loss_db": loss,
                "width": low["width"],
                "frequency_hz": [20.0, 150.0],
                "time_ranges": ranges[:20],
            },
            fixes=[
                {"kind": "stereo", "mono_below_hz": MONO_BASS_HZ},
                {
                    "kind": "source",
                    "action": "check the polarity of bass and kick layers; remove wideners "
                    "from the sub",
                },
            ],
            remaster_fixable=True,
            tags=["bass", "low end", "phase", "mono", "sub", "kick", "polarity"],
        )
    ]


def _stereo(m: dict[str, Any], reference: dict[str, Any] | None) -> list[Finding]:
    if m["channels"] == 1:
        return []
    findings: list[Finding] = []
    overall = m["stereo"]["correlation"]
    if overall < 0.0:
        findings.append(
            Finding(
                rule="phase_overall",
                area="stereo",
                score=2.0 + min(1.0, -overall),
                title=f"Channels out of phase overall: correlation {overall:+.2f}",
                explanation="Left and right mostly cancel in mono: one channel's polarity is "
                "likely inverted.",
                evidence={"correlation": overall, "width": m["stereo"]["stereo_width"]},
                fixes=[{"kind": "source", "action": "invert the polarity of one channel"}],
                remaster_fixable=False,
                tags=["phase", "stereo", "mono", "polarity"],
            )
        )
    if reference is None:
        return findings
    for band in ("mid", "high_mid", "high"):
        width, ref_width = m["bands"][band]["width"], reference["bands"][band]["width"]
        if width is None or ref_width is None:
            continue
        delta = width - ref_width
        if abs(delta) < 0.1:
            continue
        lo, hi = m["bands"][band]["range_hz"]
        wider = delta > 0
        # Width as side share; a width control scales the side signal, so aim its gain.
        target_side = ref_width / max(width, 1e-6)
        findings.append(
            Finding(
                rule=f"width_{band}",
                area="stereo",
                score=_score(abs(delta) - 0.05, 0.1),
                title=f"{'Wider' if wider else 'Narrower'} than the reference at {lo:g}–{hi:g} Hz",
                explanation=(
                    f"Side share {width:.2f} against the reference's {ref_width:.2f} in "
                    f"{lo:g}–{hi:g} Hz."
                ),
                evidence={"width": width, "reference_width": ref_width, "frequency_hz": [lo, hi]},
                fixes=[
                    {
                        "kind": "stereo",
                        "width_percent": round(100.0 * math.sqrt(target_side), 0),
                        "from_hz": lo,
                        "to_hz": hi,
                    }
                ],
                remaster_fixable=False,
                tags=["stereo", "width", "wide", "narrow", "image"],
            )
        )
    return findings


# --- transients, sibilance, noise -----------------------------------------------------------


def _transients(m: dict[str, Any], reference: dict[str, Any] | None) -> list[Finding]:
    crest = m["transients"]["crest_db"]
    full, low = crest["full"], crest["low"]
    if full is None:
        return []
    if reference is not None and reference["transients"]["crest_db"]["full"] is not None:
        ref_full = reference["transients"]["crest_db"]["full"]
        ref_low = reference["transients"]["crest_db"]["low"]
        deficit = max(ref_full - full, (ref_low - low) if ref_low and low else 0.0)
        bar_text = f"the reference's {ref_full:.1f} dB"
        score = _score(deficit - 2.0, 3.0)
    else:
        # Without a reference: a 2 s crest under 8 dB is limiter territory (a sine is 3 dB,
        # a dry drum loop 15–20 dB). Capped at medium: only a reference says what is wanted.
        deficit = 8.0 - full
        bar_text = "8 dB"
        score = min(_score(deficit, 3.0), 1.5)
    if score <= 0:
        return []
    return [
        Finding(
            rule="weak_transients",
            area="transients",
            score=score,
            title=f"Soft transients: crest {full:.1f} dB against {bar_text}",
            explanation=(
                f"Peaks stand {full:.1f} dB over the RMS in 2 s windows (low band "
                f"{low if low is not None else 0:.1f} dB); hits start with a median "
                f"{m['transients']['onset_rise_db'] or 0:.1f} dB jump. Fast compressor "
                "attacks and hard limiting shave the front off kicks and snares."
            ),
            evidence={
                "crest_db": crest,
                "onset_rise_db": m["transients"]["onset_rise_db"],
                "deficit_db": round(deficit, 1),
            },
            fixes=[
                {
                    "kind": "compressor",
                    "threshold_db": round((m["loudness"]["lufs_integrated"] or -14.0) + 3.0, 1),
                    "ratio": 2.0,
                    "attack_ms": 30.0,
                    "release_ms": 150.0,
                    "note": "a slower attack lets the hit through before the gain drops",
                },
                {"kind": "transient_shaper", "attack_db": round(min(deficit, 6.0), 1)},
            ],
            remaster_fixable=False,
            tags=["punch", "transients", "kick", "snare", "drums", "attack", "crest"],
        )
    ]


def _sibilance(m: dict[str, Any]) -> list[Finding]:
    spiky = m["harshness"]["sibilance_spikiness_db"]
    if spiky is None or spiky <= SIBILANCE_SPIKY_DB:
        return []
    return [
        Finding(
            rule="sibilance",
            area="harshness",
            score=min(_score(spiky - SIBILANCE_SPIKY_DB, 4.0), 2.0),
            title=f"Spiky 5–10 kHz: bursts {spiky:.1f} dB over its usual level",
            explanation="Short, recurring bursts in 5–10 kHz (esses, hi-hat ticks) stand well "
            "over that band's usual level.",
            evidence={"spikiness_db": spiky, "frequency_hz": m["harshness"]["sibilance_range_hz"]},
            fixes=[
                {"kind": "de_esser", "freq_hz": 7000.0, "range_db": round(min(spiky - 12, 8), 1)}
            ],
            remaster_fixable=False,
            tags=["sibilance", "esses", "harsh", "hats", "de-esser"],
        )
    ]


def _noise(m: dict[str, Any]) -> list[Finding]:
    floor, flatness = m["noise"]["floor_dbfs"], m["noise"]["flatness"]
    lufs = m["loudness"]["lufs_integrated"]
    if floor is None or flatness is None or lufs is None:
        return []
    # Hiss counts when the quietest passages are broadband (flat) and far under the music.
    if floor <= NOISE_FLOOR_DBFS or flatness < NOISE_FLATNESS or lufs - floor < 25.0:
        return []
    return [
        Finding(
            rule="noise_floor",
            area="noise",
            score=_score(floor - NOISE_FLOOR_DBFS, 10.0),
            title=f"Audible noise floor: {floor:.1f} dBFS in the quiet passages",
            explanation=f"The quietest passages hold broadband noise (flatness {flatness:.2f}).",
            evidence={"floor_dbfs": floor, "flatness": flatness},
            fixes=[{"kind": "gate", "threshold_db": round(floor + 6.0, 1)}],
            remaster_fixable=False,
            tags=["noise", "hiss", "floor", "hum"],
        )
    ]


# --- tonal balance --------------------------------------------------------------------------


def _tonal(m: dict[str, Any], correction: np.ndarray, comparison: Comparison) -> list[Finding]:
    """One finding per run of bands the comparison says to move by more than TONAL_FREE_DB."""
    centres = np.asarray(BAND_CENTRES_HZ)
    findings = []
    for lo, hi in _runs(correction, TONAL_FREE_DB):
        segment = correction[lo:hi]
        peak = lo + int(np.argmax(np.abs(segment)))
        gain = float(correction[peak])
        freq = float(centres[peak])
        findings.append(_tonal_finding(m, correction, comparison, lo, hi, peak, gain, freq))
    return findings


def _runs(curve: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """Index ranges [lo, hi) where |curve| > threshold with one sign throughout."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, value in enumerate([*curve.tolist(), 0.0]):
        inside = math.isfinite(value) and abs(value) > threshold
        same = start is not None and inside and np.sign(value) == np.sign(curve[start])
        if start is not None and not same:
            runs.append((start, i))
            start = None
        if inside and start is None:
            start = i
    return runs


def _tonal_finding(
    m: dict[str, Any],
    correction: np.ndarray,
    comparison: Comparison,
    lo: int,
    hi: int,
    peak: int,
    gain: float,
    freq: float,
) -> Finding:
    centres = np.asarray(BAND_CENTRES_HZ)
    usable = np.flatnonzero(np.isfinite(correction))
    excess = gain < 0  # the track has too much here
    f_lo, f_hi = centres[lo] / 10**0.05, centres[hi - 1] * 10**0.05
    # Bandwidth from where the move falls to half its peak (in dB) on either side.
    half = np.flatnonzero(np.abs(correction[lo:hi]) >= abs(gain) / 2.0) + lo
    bw_lo, bw_hi = centres[half[0]] / 10**0.05, centres[half[-1]] * 10**0.05
    q = float(np.clip(freq / (bw_hi - bw_lo), 0.4, 4.0))
    eq: dict[str, Any]
    if hi - 1 >= usable[-1] and lo > 0:
        eq = {"kind": "eq", "filter": "high_shelf", "freq_hz": _hz(f_lo), "gain_db": _db(gain)}
    elif lo <= usable[0]:
        eq = {"kind": "eq", "filter": "low_shelf", "freq_hz": _hz(f_hi), "gain_db": _db(gain)}
    else:
        eq = {
            "kind": "eq",
            "filter": "bell",
            "freq_hz": _hz(freq),
            "gain_db": _db(gain),
            "q": round(q, 2),
        }
    shelf = eq["filter"] != "bell"
    if eq["filter"] == "high_shelf" and f_lo < TILT_BELOW_HZ:
        area, title, tags = _tilt_name(excess)
        where = f"above {_hz_text(f_lo)}"
    elif eq["filter"] == "high_shelf":
        area, title, tags = _top_end_name(excess)
        where = f"above {_hz_text(f_lo)}"
    else:
        area, title, tags = _tonal_name(freq, excess)
        where = f"below {_hz_text(f_hi)}" if shelf else f"around {_hz_text(freq)}"
    deviation = -gain
    evidence = {
        "frequency_hz": _hz(freq),
        "range_hz": [_hz(f_lo), _hz(f_hi)],
        "deviation_db": round(deviation, 1),
        "compared_with": comparison.kind,
        "comparison": comparison.label,
    }
    if area == "harshness":
        evidence["harsh_share_db"] = m["harshness"]["harsh_share_db"]
        evidence["time_ranges"] = _loudest_seconds(m["harshness"]["harsh_share_over_time_db"])
    return Finding(
        rule="tonal",
        area=area,
        score=_score(abs(gain) - TONAL_FREE_DB, TONAL_DB_PER_SCORE),
        title=f"{title}: {deviation:+.1f} dB {where} against the {comparison.kind}",
        explanation=(
            f"Between {_hz_text(f_lo)} and {_hz_text(f_hi)} the track is {abs(deviation):.1f} dB "
            f"{'over' if excess else 'under'} {comparison.label} ({comparison.source}), after "
            "both are levelled and smoothed across neighbouring bands."
        ),
        evidence=evidence,
        fixes=[eq],
        remaster_fixable=True,
        tags=tags,
    )


def _tonal_name(freq: float, excess: bool) -> tuple[str, str, list[str]]:
    """Area, title and follow-up words for a tonal move, by where it sits and its direction."""
    if freq < LOW_END_TO_HZ:
        if excess:
            return "low_end", "Boomy low end", ["bass", "low end", "boomy", "sub", "muddy", "kick"]
        return "low_end", "Thin low end", ["bass", "low end", "thin", "sub", "weak", "kick"]
    if freq < LOW_MID_TO_HZ:
        if excess:
            return "tonal_balance", "Muddy low-mids", ["muddy", "mud", "boxy", "low mids", "warm"]
        return "tonal_balance", "Hollow low-mids", ["thin", "hollow", "low mids", "warmth"]
    if HARSH_BAND_HZ[0] <= freq < HARSH_BAND_HZ[1] and excess:
        return "harshness", "Harsh upper mids", ["harsh", "harshness", "bright", "piercing"]
    if freq >= AIR_FROM_HZ:
        return _top_end_name(excess)
    if excess:
        return "tonal_balance", "Forward mids", ["mids", "honky", "nasal", "forward"]
    return "tonal_balance", "Recessed mids", ["mids", "scooped", "recessed", "vocal"]


def _tilt_name(excess: bool) -> tuple[str, str, list[str]]:
    if excess:
        return "tonal_balance", "Bright tilt", ["bright", "thin", "tilt", "balance"]
    return "tonal_balance", "Dark tilt", ["dark", "dull", "tilt", "balance", "muffled"]


def _top_end_name(excess: bool) -> tuple[str, str, list[str]]:
    if excess:
        return "harshness", "Over-bright top end", ["bright", "harsh", "sizzle", "top end"]
    return "tonal_balance", "Dull top end", ["dull", "dark", "air", "top end", "muffled"]


def _loudest_seconds(values: Sequence[float | None], count: int = 3) -> list[list[float]]:
    """The `count` seconds where a per-second value is highest, as [start, end] ranges."""
    indexed = [(v, i) for i, v in enumerate(values) if v is not None]
    indexed.sort(reverse=True)
    return [[float(i), float(i + 1)] for _, i in sorted(indexed[:count], key=lambda p: p[1])]


def _hz(value: float) -> float:
    return float(round(value, -1) if value >= 100 else round(value, 1))


def _hz_text(value: float) -> str:
    return f"{value / 1000:.1f} kHz" if value >= 1000 else f"{value:.0f} Hz"


def _db(value: float) -> float:
    return round(float(np.clip(value, -MAX_EQ_DB, MAX_EQ_DB)), 1)


def _time(seconds: float) -> str:
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"
