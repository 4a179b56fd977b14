"""QA of a render (DESIGN §6): measure the delivered files, decoded again, against the plan.

`check_render` decodes the mix WAV and MP3 and measures them — nothing is copied from the
plan or from the master's report — then compares with `plan["target"]` and the timeline:

- tempo: `analyze_rhythm` on the decoded mix within ±TEMPO_TOLERANCE_BPM of the plan's BPM.
  A reading at half or double the tempo also passes (the detail says so): the render
  stretches every segment by a ratio, so an exact octave is a beat-tracker's reading, not a
  render error, and re-rendering would not change it. A tempo journey (segments at their own
  tempi, the timeline's `bpm`) is read segment by segment instead: each segment's solo part
  (outside its overlaps, when at least MIN_TEMPO_WINDOW_S long) at that segment's tempo.
- key (when the plan names one): `detect_key` on the decoded mix. It passes when the key
  heard is the plan's key or one a detector commonly reports for it and a listener hears as
  fitting — the relations `tonal.COMPATIBLE` names: same, relative major/minor, dominant,
  subdominant. Anything else (parallel, diagonal, clash) fails, and so does hearing no key.
- loudness: integrated LUFS of the WAV within ±LUFS_TOLERANCE_LU of target.lufs (−14).
- true peak: at most target.true_peak_db (−1) in the WAV and in the decoded MP3 (an MP3
  that does not decode fails this check).
- clipping: no run of CLIP_RUN or more consecutive samples at |x| ≥ CLIP_LEVEL in the WAV.
- silence: no stretch longer than MAX_SILENCE_S whose RMS stays under SILENCE_DBFS (50 ms
  windows), except where the timeline says nothing plays (a valid plan has no such gaps).
- duration: the WAV within one beat of the timeline's last `end_s`.
- stems (when given): with the premaster, decoded stems sum to it within STEMS_ERROR_DB
  (error power relative to the premaster's; summed STEMS_BLOCK frames at a time, so a long
  set's stems are never all in memory, and a stem at another rate than the premaster fails);
  without it, each stem decodes and is as long as the mix within one beat.

- transition alignment (when stems are given and the timeline has two lanes overlapping):
  in every overlap between two different lanes, the lag that best lines up their onset
  envelopes (cross-correlation within ±a quarter beat of the faster side's tempo, to a
  fraction of a 2.7 ms frame) is at
  most MAX_ALIGNMENT_MS. Measured on the decoded stems, so it sees what was delivered; only
  the overlaps are read from the files. An echo-out between two tempi is not beat-matched
  (the timeline's `tempo_in.locked` is false) and is not measured.

The report is JSON-safe (no NaN or infinities: unmeasurable values are None).

`suggest_correction(report)` says what a corrected re-render should change, for an
orchestrator that retries a bounded number of times (DESIGN §6):
`{"retry": bool, "lufs_offset_db": x, "ceiling_margin_db": y, "unfixable": [names]}`.

- `lufs_offset_db` (when loudness failed): target − measured, to add to the `target_lufs`
  the master was given (the master reads its own output with the same meter, so this is
  only non-zero when it could not reach the target).
- `ceiling_margin_db` (when a true-peak or clipping check failed): the margin to pass to
  `master` next time, absolute — the decoded MP3's measured overshoot over the WAV plus
  CORRECTION_HEADROOM_DB. The master holds the WAV at ceiling − margin, so the MP3 then
  lands about that headroom under the ceiling; no history of earlier attempts is needed.
- `unfixable`: failed checks no mastering change can fix (tempo, key, silence, duration,
  stems, an MP3 that does not decode): re-rendering the same plan would fail them again.
- `retry`: true when there is at least one change to make.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple, TypedDict

import numpy as np

from intellimix.audio import io, loudness, tonal
from intellimix.audio.errors import AudioError
from intellimix.audio.lanes import Windows
from intellimix.audio.rhythm import analyze_rhythm

ANALYSIS_RATE = 22_050  # rhythm and key need nothing above 11 kHz; half the cost
TEMPO_TOLERANCE_BPM = 1.0
LUFS_TOLERANCE_LU = 0.5
DEFAULT_LUFS = -14.0
DEFAULT_TRUE_PEAK_DB = -1.0
CLIP_LEVEL = 0.999
CLIP_RUN = 3
SILENCE_DBFS = -60.0
SILENCE_WINDOW_S = 0.05
MAX_SILENCE_S = 2.0
STEMS_ERROR_DB = -60.0
MAX_ALIGNMENT_MS = 10.0
MIN_TEMPO_WINDOW_S = 4.0  # a journey's segment shorter than this alone is not read for tempo
STEMS_BLOCK = 1 << 20  # frames summed at a time: 22 s at 48 kHz, 16 MB per float64 stereo block
ALIGNMENT_HOP = 128  # onset frames: 2.7 ms at 48 kHz, 2.9 ms at 44.1 kHz
ACCEPTED_KEY_RELATIONS = tonal.COMPATIBLE
# A correction asks for this much more than the measured overshoot, so one retry is enough
# even though a re-encoded MP3's overshoot moves by a few hundredths of a dB.
CORRECTION_HEADROOM_DB = 0.1
# Checks a mastering change can fix; any other failure is the render's (or the plan's).
MASTERING_CHECKS = frozenset({"loudness", "true_peak_wav", "true_peak_mp3", "clipping"})


def transition_offsets(
    stems: Mapping[str, np.ndarray] | Windows,
    rate: int,
    timeline: Sequence[Mapping[str, Any]],
    bpm: float,
) -> list[dict[str, Any]]:
    """For each overlap between two lanes: the incoming lane's onsets' lag behind the outgoing's.

    `{"segment_id", "offset_ms"}` per transition into a segment that overlaps its predecessor
    on another lane; a positive offset means the incoming segment plays late. `offset_ms` is
    None where the overlap has too few onsets to tell. `stems` are full-length arrays, or
    anything that reads a lane's `window` (rendered lanes, stem files): only overlaps are read.
    """
    import librosa

    found = []
    for before, after in zip(timeline, timeline[1:], strict=False):
        # The faster side's beat: an off-beat of either must not pass for the match.
        beat = 60.0 / max(before.get("bpm", bpm), after.get("bpm", bpm))
        start, end = float(after["start_s"]), float(before["end_s"])
        if end - start < beat or before["track_id"] == after["track_id"]:
            continue
        if after.get("tempo_in", {}).get("locked") is False:
            continue  # an echo-out between two tempi: each side keeps its own beat
        lo, hi = round(start * rate), round(end * rate)
        envelopes = []
        for lane in (before["track_id"], after["track_id"]):
            if isinstance(stems, Windows):
                x = stems.window(lane, lo, hi)
            else:
                x = np.asarray(stems[lane], dtype=np.float32)[..., lo:hi]
            x = x.mean(axis=0) if x.ndim == 2 else x
            envelopes.append(librosa.onset.onset_strength(y=x, sr=rate, hop_length=ALIGNMENT_HOP))
        found.append(
            {
                "segment_id": after["segment_id"],
                "offset_ms": _lag_ms(envelopes[0], envelopes[1], rate, beat),
            }
        )
    return found


def _lag_ms(outgoing: np.ndarray, incoming: np.ndarray, rate: int, beat_s: float) -> float | None:
    """The lag (ms) of `incoming` behind `outgoing` that best lines up their onsets."""
    n = int(min(outgoing.size, incoming.size))
    a, b = outgoing[:n] - outgoing[:n].mean(), incoming[:n] - incoming[:n].mean()
    if n < 8 or float(a @ a) <= 1e-12 or float(b @ b) <= 1e-12:
        return None
    # Within a quarter beat: an off-beat (hats against a low-passed kick in a filter sweep)
    # must not pass for the match; a real offset beyond it reads at the edge, and fails.
    max_lag = max(1, int(0.25 * beat_s * rate / ALIGNMENT_HOP))
    lags = np.arange(-max_lag, max_lag + 1)
    score = np.array(
        [
            float(a[max(0, -k) : n - max(0, k)] @ b[max(0, k) : n - max(0, -k)])
            for k in lags.tolist()
        ]
    )
    i = int(np.argmax(score))
    frac = 0.0
    if 0 < i < lags.size - 1:
        left, mid, right = score[i - 1], score[i], score[i + 1]
        denom = left - 2 * mid + right
        frac = 0.5 * (left - right) / denom if denom < 0 else 0.0
    return round(float((lags[i] + frac) * ALIGNMENT_HOP / rate * 1000.0), 2)


class Check(TypedDict):
    """One comparison: what was measured, what the plan expects, and a sentence on it."""

    name: str
    passed: bool
    measured: Any  # a number, a key name or None (unmeasurable)
    expected: dict[str, Any]
    detail: str


class QAReport(TypedDict):
    """Every check, whether all passed, and the measurements by name (JSON-safe)."""

    passed: bool
    checks: list[Check]
    measured: dict[str, Any]


class _Target(NamedTuple):
    bpm: float
    key: str | None
    lufs: float
    true_peak_db: float


def check_render(
    *,
    mix_wav: Path,
    mix_mp3: Path,
    stems: Mapping[str, Path] | None,
    plan: Mapping[str, Any],
    timeline: Sequence[Mapping[str, Any]],
    premaster: np.ndarray | None = None,
    premaster_rate: int | None = None,
    mp3_ready: Callable[[], object] | None = None,
) -> QAReport:
    """Measure the decoded mix files (and stems) against the plan's target and timeline.

    `mp3_ready` (e.g. a Future's `result`) is awaited before the MP3 is read, so a caller can
    still be encoding it while the WAV is checked.
    """
    target = _target(plan)
    spans = _spans(timeline)
    if premaster is not None:
        premaster = _checked_premaster(premaster, premaster_rate)
    # The delivered files are the render's own, about as long as its timeline: decoding them
    # under the limit for uploads (40 minutes of 48 kHz stereo) refused every longer set.
    limit = _delivered_samples(spans)
    wav = io.decode(mix_wav, max_samples=limit)
    x, rate = wav.samples, wav.sample_rate
    duration_s = x.shape[1] / rate
    mono = io.resample(io.to_mono(x), rate, ANALYSIS_RATE)
    measured: dict[str, Any] = {"sample_rate": rate, "duration_s": _num(duration_s)}

    # The MP3 and the stems are decoded and measured on a second thread while this one
    # analyses the WAV: decoding and numpy release the interpreter lock.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="qa") as pool:
        mp3_check = pool.submit(
            _mp3_when_ready, mp3_ready, mix_mp3, target.true_peak_db, measured, limit
        )
        stems_check = None
        if stems and premaster is not None and premaster_rate is not None:
            stems_check = pool.submit(_stems_sum, stems, premaster, premaster_rate, measured, limit)
        elif stems:
            stems_check = pool.submit(_stems_decode, stems, duration_s, target.bpm, limit)
        alignment_check = (
            pool.submit(_alignment, stems, timeline, target.bpm, measured, limit) if stems else None
        )
        journey = any(e.get("bpm", target.bpm) != target.bpm for e in timeline)
        checks = [
            _tempi(mono, timeline, measured) if journey else _tempo(mono, target.bpm, measured)
        ]
        if target.key is not None:
            checks.append(_key(mono, target.key, measured))
        checks += [
            _loudness(x, rate, target.lufs, measured),
            _true_peak("true_peak_wav", x, rate, target.true_peak_db, measured),
            mp3_check.result(),
            _clipping(x, rate, measured),
            _silence(x, rate, spans, measured),
            _duration(duration_s, spans, target.bpm),
        ]
        if stems_check is not None:
            checks.append(stems_check.result())
        if alignment_check is not None:
            checks.append(alignment_check.result())
    # Sorted: the second thread adds its measurements whenever it finishes, and the same files
    # must give the same report, byte for byte.
    return QAReport(
        passed=all(c["passed"] for c in checks),
        checks=checks,
        measured=dict(sorted(measured.items())),
    )


def suggest_correction(report: Mapping[str, Any]) -> dict[str, Any]:
    """What a re-render should change to pass (see the module docstring for the keys)."""
    checks = {c["name"]: c for c in report["checks"]}
    failed = {name for name, c in checks.items() if not c["passed"]}
    changes: dict[str, Any] = {}
    unfixable = {name for name in failed if name not in MASTERING_CHECKS}
    if "loudness" in failed:
        loud = checks["loudness"]
        if loud["measured"] is None:
            unfixable.add("loudness")  # nothing audible: no gain fixes that
        else:
            changes["lufs_offset_db"] = round(loud["expected"]["target"] - loud["measured"], 2)
    if "true_peak_mp3" in failed and checks["true_peak_mp3"]["measured"] is None:
        unfixable.add("true_peak_mp3")  # the MP3 did not decode
    elif failed & {"true_peak_wav", "true_peak_mp3", "clipping"}:
        changes["ceiling_margin_db"] = round(_mp3_overshoot(checks) + CORRECTION_HEADROOM_DB, 2)
    return {"retry": bool(changes), **changes, "unfixable": sorted(unfixable)}


def _mp3_overshoot(checks: Mapping[str, Mapping[str, Any]]) -> float:
    """How far the decoded MP3's true peak rose over the WAV's (dB, at least 0)."""
    # The master holds the WAV's true peak at (or under) ceiling − margin, and encoding adds
    # this much; a margin of the overshoot (plus headroom) brings the MP3 under the ceiling.
    wav = checks.get("true_peak_wav", {}).get("measured")
    mp3 = checks.get("true_peak_mp3", {}).get("measured")
    if mp3 is None:
        return 0.0
    if wav is None:  # a silent WAV cannot give an overshoot; fall back to the MP3's excess
        return max(0.0, mp3 - checks["true_peak_mp3"]["expected"]["max"])
    return max(0.0, mp3 - wav)


# --- the checks ---------------------------------------------------------------------------


def _tempo(mono: np.ndarray, bpm: float, measured: dict[str, Any]) -> Check:
    rhythm = analyze_rhythm(mono, ANALYSIS_RATE)
    heard = rhythm["bpm"]
    measured.update(bpm=heard, bpm_confidence=rhythm["bpm_confidence"])
    expected = {"bpm": bpm, "tolerance_bpm": TEMPO_TOLERANCE_BPM}
    if heard is None:
        return _check("tempo", False, None, expected, "No steady beat was found in the mix.")
    for factor, reading in (
        (1.0, ""),
        (0.5, " (read at half time)"),
        (2.0, " (read at double time)"),
    ):
        if abs(heard - bpm * factor) <= TEMPO_TOLERANCE_BPM:
            detail = f"{heard:.2f} BPM against {bpm:g}{reading}."
            return _check("tempo", True, heard, expected, detail)
    detail = f"{heard:.2f} BPM is {heard - bpm:+.2f} off the plan's {bpm:g}."
    return _check("tempo", False, heard, expected, detail)


def _tempi(
    mono: np.ndarray, timeline: Sequence[Mapping[str, Any]], measured: dict[str, Any]
) -> Check:
    """A tempo journey: each segment's solo part (outside its overlaps) at its own tempo."""
    heard: dict[str, float | None] = {}
    wrong = []
    for index, entry in enumerate(timeline):
        following = timeline[index + 1]["start_s"] if index + 1 < len(timeline) else entry["end_s"]
        start, stop = entry["start_s"] + entry.get("transition_in_s", 0.0), following
        if stop - start < MIN_TEMPO_WINDOW_S:
            continue  # too short to read a tempo from
        window = mono[round(start * ANALYSIS_RATE) : round(stop * ANALYSIS_RATE)]
        reading = analyze_rhythm(window, ANALYSIS_RATE)["bpm"]
        heard[entry["segment_id"]] = reading
        if reading is None or not _same_tempo(reading, float(entry["bpm"])):
            wrong.append(f"{entry['segment_id']} {reading or 'no beat'} against {entry['bpm']:g}")
    measured["segment_bpms"] = heard
    expected = {
        "bpm": {e["segment_id"]: e["bpm"] for e in timeline},
        "tolerance_bpm": TEMPO_TOLERANCE_BPM,
    }
    detail = (
        f"Off: {'; '.join(wrong)}."
        if wrong
        else f"{len(heard)} segments each at their own tempo (half or double time passes)."
    )
    return _check("tempo", not wrong, len(heard) - len(wrong), expected, detail)


def _same_tempo(heard: float, bpm: float) -> bool:
    return any(abs(heard - bpm * factor) <= TEMPO_TOLERANCE_BPM for factor in (1.0, 0.5, 2.0))


def _key(mono: np.ndarray, key: str, measured: dict[str, Any]) -> Check:
    estimate = tonal.detect_key(mono, ANALYSIS_RATE)
    heard = estimate["key"]
    measured.update(key=heard, key_confidence=estimate["key_confidence"])
    expected = {"key": tonal.normalize_key(key), "accepts": sorted(ACCEPTED_KEY_RELATIONS)}
    if heard is None:
        return _check("key", False, None, expected, "No key could be heard in the mix.")
    relation = tonal.key_relation(key, heard)["relation"]
    passed = relation in ACCEPTED_KEY_RELATIONS
    detail = f"{heard} heard against {expected['key']}: {relation}."
    return _check("key", passed, heard, expected, detail)


def _loudness(x: np.ndarray, rate: int, lufs: float, measured: dict[str, Any]) -> Check:
    heard = loudness.integrated_loudness(x, rate)
    measured["lufs"] = _num(heard)
    expected = {"target": lufs, "tolerance_lu": LUFS_TOLERANCE_LU}
    if heard is None:
        return _check("loudness", False, None, expected, "The mix has no measurable loudness.")
    passed = abs(heard - lufs) <= LUFS_TOLERANCE_LU
    detail = f"{heard:.2f} LUFS against {lufs:g} (±{LUFS_TOLERANCE_LU:g})."
    return _check("loudness", passed, _num(heard), expected, detail)


def _true_peak(
    name: str, x: np.ndarray, rate: int, limit: float, measured: dict[str, Any]
) -> Check:
    peak = loudness.true_peak_db(x, rate)
    measured[name] = _num(peak)
    detail = (
        f"{peak:.2f} dBTP against a ceiling of {limit:g}." if math.isfinite(peak) else "Silent."
    )
    return _check(name, peak <= limit, _num(peak), {"max": limit}, detail)


def _mp3_when_ready(
    ready: Callable[[], object] | None,
    path: Path,
    limit: float,
    measured: dict[str, Any],
    max_samples: int,
) -> Check:
    if ready is not None:
        ready()
    return _mp3(path, limit, measured, max_samples)


def _mp3(path: Path, limit: float, measured: dict[str, Any], max_samples: int) -> Check:
    try:
        decoded = io.decode(path, max_samples=max_samples)
    except AudioError as exc:
        measured.update(true_peak_mp3=None, lufs_mp3=None, duration_mp3_s=None)
        detail = f"The MP3 did not decode: {exc.message}"
        return _check("true_peak_mp3", False, None, {"max": limit}, detail)
    mp3, rate = decoded.samples, decoded.sample_rate
    measured.update(
        lufs_mp3=_num(loudness.integrated_loudness(mp3, rate)),
        duration_mp3_s=_num(mp3.shape[1] / rate),
    )
    return _true_peak("true_peak_mp3", mp3, rate, limit, measured)


def clipped_runs(x: np.ndarray) -> list[tuple[int, int]]:
    """(start frame, length) of every run of CLIP_RUN or more samples at |x| ≥ CLIP_LEVEL."""
    runs: list[tuple[int, int]] = []
    for channel in x:
        # Run boundaries of the clipped mask; a run's length is end − start.
        edges = np.diff(np.r_[0, (np.abs(channel) >= CLIP_LEVEL).astype(np.int8), 0])
        begin, end = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        long = end - begin >= CLIP_RUN
        runs += zip(begin[long].tolist(), (end - begin)[long].tolist(), strict=True)
    return runs


def _clipping(x: np.ndarray, rate: int, measured: dict[str, Any]) -> Check:
    starts = [start for start, _ in clipped_runs(x)]
    measured["clipped_runs"] = len(starts)
    expected = {"max_runs": 0, "level": CLIP_LEVEL, "run_samples": CLIP_RUN}
    if not starts:
        return _check("clipping", True, 0, expected, "No clipped runs.")
    detail = f"{len(starts)} clipped run(s), the first at {min(starts) / rate:.3f} s."
    return _check("clipping", False, len(starts), expected, detail)


def _silence(
    x: np.ndarray, rate: int, spans: list[tuple[float, float]], measured: dict[str, Any]
) -> Check:
    width = round(SILENCE_WINDOW_S * rate)
    windows = x.shape[1] // width
    blocks = x[:, : windows * width].reshape(x.shape[0], windows, width)
    power = np.einsum("cwn,cwn->w", blocks, blocks, dtype=np.float64) / (x.shape[0] * width)
    silent = power < 10.0 ** (SILENCE_DBFS / 10.0)
    # Silence where the timeline has nothing playing is expected: it breaks a run instead.
    centres = (np.arange(windows) + 0.5) * SILENCE_WINDOW_S
    playing = np.zeros(windows, dtype=bool)
    for span_start, span_end in spans:
        playing |= (centres >= span_start) & (centres < span_end)
    edges = np.diff(np.r_[0, (silent & playing).astype(np.int8), 0])
    begin, end = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    longest = int((end - begin).max()) if begin.size else 0
    longest_s = longest * width / rate
    measured["longest_silence_s"] = _num(longest_s)
    expected = {"max_s": MAX_SILENCE_S, "below_dbfs": SILENCE_DBFS}
    if longest_s <= MAX_SILENCE_S:
        return _check(
            "silence", True, _num(longest_s), expected, f"Longest silence {longest_s:.2f} s."
        )
    at = begin[int(np.argmax(end - begin))] * width / rate
    detail = f"{longest_s:.2f} s of silence from {at:.2f} s where the timeline has music."
    return _check("silence", False, _num(longest_s), expected, detail)


def _duration(duration_s: float, spans: list[tuple[float, float]], bpm: float) -> Check:
    end = max(stop for _, stop in spans)
    beat = 60.0 / bpm
    passed = abs(duration_s - end) <= beat
    detail = f"{duration_s:.3f} s against the timeline's {end:.3f} s (one beat = {beat:.3f} s)."
    expected = {"seconds": _num(end), "tolerance_s": _num(beat)}
    return _check("duration", passed, _num(duration_s), expected, detail)


def _stems_sum(
    stems: Mapping[str, Path],
    premaster: np.ndarray,
    rate: int,
    measured: dict[str, Any],
    max_samples: int,
) -> Check:
    expected = {"max_error_db": STEMS_ERROR_DB}
    names = sorted(stems)
    broken = []
    for name in names:
        try:
            stem_rate = io.probe(stems[name], max_samples=max_samples).sample_rate
        except AudioError as exc:
            broken.append(f"{name}: {exc.message}")
            continue
        if stem_rate != rate:
            broken.append(f"{name}: {stem_rate} Hz against the premaster's {rate} Hz")
    short: set[str] = set()
    error = reference = 0.0
    try:
        for start in range(0, premaster.shape[1] if not broken else 0, STEMS_BLOCK):
            mix = premaster[:, start : start + STEMS_BLOCK].astype(np.float64)
            total = np.zeros_like(mix)
            for name in names:
                stem = io.read_frames(stems[name], start, start + mix.shape[1])
                if stem.shape[0] != mix.shape[0]:
                    stem = stem.mean(axis=0, keepdims=True)  # spread (or fold) to the premaster's
                # A short lane counts as silent past its end, so a length mismatch shows as error.
                total[:, : stem.shape[1]] += stem
                if stem.shape[1] < mix.shape[1]:
                    short.add(name)
            error += float(np.sum((mix - total) ** 2))
            reference += float(np.sum(mix**2))
    except AudioError as exc:
        broken.append(exc.message)
    if broken:
        measured["stems_error_db"] = None
        return _check("stems", False, None, expected, "Undecodable: " + "; ".join(broken))
    error_db = 10.0 * math.log10(error / reference) if error > 0 and reference > 0 else None
    measured["stems_error_db"] = _num(error_db)
    if reference == 0.0:
        passed = error == 0.0
        detail = "The premaster is silent" + ("; so are the stems." if passed else "; stems not.")
        return _check("stems", passed, None, expected, detail)
    passed = error_db is None or error_db <= STEMS_ERROR_DB
    shown = "exactly" if error_db is None else f"to {error_db:.1f} dB"
    detail = f"{len(stems)} stems sum to the premaster {shown}."
    if short and not passed:
        detail += f" Shorter than the premaster: {', '.join(sorted(short))}."
    return _check("stems", passed, _num(error_db), expected, detail)


def _alignment(
    stems: Mapping[str, Path],
    timeline: Sequence[Mapping[str, Any]],
    bpm: float,
    measured: dict[str, Any],
    max_samples: int,
) -> Check:
    expected = {"max_ms": MAX_ALIGNMENT_MS}
    entries = [e for e in timeline if "track_id" in e and "segment_id" in e]
    lanes = {e["track_id"] for e in entries}
    try:
        rates = {
            lane: io.probe(stems[lane], max_samples=max_samples).sample_rate
            for lane in lanes
            if lane in stems
        }
        if len(rates) < len(lanes) or len(set(rates.values())) > 1:
            measured["transition_offsets_ms"] = None
            return _check("alignment", True, None, expected, "No lanes to compare.")
        offsets = transition_offsets(_StemFiles(stems), next(iter(rates.values()), 0), entries, bpm)
    except AudioError as exc:
        # The stems check fails for it; alignment cannot be measured, so it is not judged.
        measured["transition_offsets_ms"] = None
        detail = f"Not measured: a stem did not decode ({exc.message})."
        return _check("alignment", True, None, expected, detail)
    measured["transition_offsets_ms"] = {o["segment_id"]: o["offset_ms"] for o in offsets}
    known = [abs(o["offset_ms"]) for o in offsets if o["offset_ms"] is not None]
    worst = max(known, default=None)
    passed = worst is None or worst <= MAX_ALIGNMENT_MS
    detail = (
        "No overlapping transitions between two lanes."
        if worst is None
        else f"Worst transition {worst:.1f} ms apart (of {len(known)} measured)."
    )
    return _check("alignment", passed, worst, expected, detail)


class _StemFiles:
    """Windows of delivered stem files, read as they are asked for."""

    def __init__(self, paths: Mapping[str, Path]) -> None:
        self.paths = paths

    def window(self, lane: str, start: int, stop: int) -> np.ndarray:
        return io.read_frames(self.paths[lane], start, stop)


def _stems_decode(
    stems: Mapping[str, Path], duration_s: float, bpm: float, max_samples: int
) -> Check:
    beat = 60.0 / bpm
    problems = []
    for name, path in stems.items():
        try:
            length = io.decode(path, max_samples=max_samples).duration_s
        except AudioError as exc:
            problems.append(f"{name}: {exc.message}")
            continue
        if abs(length - duration_s) > beat:
            problems.append(f"{name}: {length:.3f} s against the mix's {duration_s:.3f} s")
    expected = {"tolerance_s": _num(beat)}
    detail = "; ".join(problems) or f"{len(stems)} stems decode, as long as the mix."
    return _check("stems", not problems, len(stems) - len(problems), expected, detail)


# --- inputs and helpers -------------------------------------------------------------------


def _check(name: str, passed: bool, measured: Any, expected: dict[str, Any], detail: str) -> Check:
    return Check(
        name=name, passed=bool(passed), measured=measured, expected=expected, detail=detail
    )


def _num(value: float | None, digits: int = 3) -> float | None:
    """A finite number rounded for the report; None for None, NaN or ±inf."""
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits) + 0.0


def _target(plan: Mapping[str, Any]) -> _Target:
    """The plan's target, checked (the schema validates plans; QA must not crash on one)."""
    target = plan.get("target") if isinstance(plan, Mapping) else None
    if not isinstance(target, Mapping):
        raise AudioError("The plan has no target.", code="INVALID_PLAN")
    bpm = _finite(target.get("bpm"), "target.bpm")
    if bpm <= 0:
        raise AudioError("target.bpm must be positive.", code="INVALID_PLAN")
    key = target.get("key")
    if key is not None:
        tonal.parse_key(str(key))  # InvalidKey (code INVALID_KEY) when unreadable
    lufs = target.get("lufs", DEFAULT_LUFS)
    true_peak = target.get("true_peak_db", DEFAULT_TRUE_PEAK_DB)
    return _Target(
        bpm=bpm,
        key=None if key is None else str(key),
        lufs=_finite(DEFAULT_LUFS if lufs is None else lufs, "target.lufs"),
        true_peak_db=_finite(
            DEFAULT_TRUE_PEAK_DB if true_peak is None else true_peak, "target.true_peak_db"
        ),
    )


def _finite(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise AudioError(f"{name} must be a number.", code="INVALID_PLAN")
    return float(value)


def _spans(timeline: Sequence[Mapping[str, Any]]) -> list[tuple[float, float]]:
    """(start_s, end_s) of every timeline entry."""
    if not timeline:
        raise AudioError("The timeline is empty.", code="INVALID_TIMELINE")
    spans = []
    for index, entry in enumerate(timeline):
        try:
            start, end = float(entry["start_s"]), float(entry["end_s"])
        except (KeyError, TypeError, ValueError) as exc:
            raise AudioError(
                f"timeline[{index}] needs numeric start_s and end_s.", code="INVALID_TIMELINE"
            ) from exc
        if not (math.isfinite(start) and math.isfinite(end) and 0.0 <= start <= end):
            raise AudioError(f"timeline[{index}] is not a span of time.", code="INVALID_TIMELINE")
        spans.append((start, end))
    return spans


def _delivered_samples(spans: list[tuple[float, float]]) -> int:
    """Frames × channels a delivered file may hold: the timeline and a minute, stereo, any rate."""
    return math.ceil((max(end for _, end in spans) + 60.0) * io.MAX_SAMPLE_RATE * 2)


def _checked_premaster(premaster: np.ndarray, rate: int | None) -> np.ndarray:
    if (
        rate is None
        or isinstance(rate, bool)
        or not isinstance(rate, int | np.integer)
        or rate <= 0
    ):
        raise AudioError(
            "premaster_rate must be given with the premaster.", code="INVALID_PARAMETER"
        )
    if (
        not isinstance(premaster, np.ndarray)
        or premaster.ndim != 2
        or premaster.shape[0] not in (1, 2)
    ):
        raise AudioError("The premaster must be shaped (channels, frames).", code="INVALID_SAMPLES")
    if not np.isfinite(premaster).all():
        raise AudioError("The premaster contains NaN or infinite samples.", code="INVALID_SAMPLES")
    return premaster  # summed in float64 a block at a time (_stems_sum), never copied whole
