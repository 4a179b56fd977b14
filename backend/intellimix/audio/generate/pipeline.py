"""Spec → delivered track: compose → synthesize stems → balance → master → QA → files.

`generate_track(spec, out_dir)` reads top to bottom:

1. load: the spec read onto an arrangement grid (`context_from_spec`), the reference decoded;
2. synthesize: drums and fx on one thread, harmony, bass and lead on another (numpy and
   pedalboard release the interpreter lock, so the two cores share the work);
3. balance: each stem brought to its genre's level, bass/harmony/lead ducked under the kick,
   a fade over the last beat — applied per stem, so the stems still sum to the premaster;
4. deliver: the render engine's master → encode → QA loop (`mixdown.deliver`), with the
   spec's tempo and key as the QA target and the sections as the timeline.

Writes `track.wav` (24-bit), `track.mp3` (320 kbps), `stems/{drums,bass,harmony,lead,fx}.wav`
(32-bit float, pre-master), `spec.json` and `qa.json`. Every byte depends only on the spec
(its seed included) and the reference: the same spec gives identical files.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import numpy as np

from intellimix.audio import io, mixdown
from intellimix.audio.errors import AudioError
from intellimix.audio.generate.arrangement import STEMS
from intellimix.audio.generate.bass import render_bass
from intellimix.audio.generate.context import SynthContext, context_from_spec
from intellimix.audio.generate.drums import DrumStem, render_drums
from intellimix.audio.generate.effects import sidechain_gain
from intellimix.audio.generate.fx import render_fx
from intellimix.audio.generate.instruments import render_harmony, render_lead
from intellimix.audio.generate.theory import progression as compose_progression
from intellimix.audio.lanes import Lanes
from intellimix.audio.progress import Progress, scaled, silent
from intellimix.audio.stopwatch import Stopwatch
from intellimix.audio.structure import ENERGY_HOP_S, SECTION_LABELS, Label, Section
from intellimix.audio.tonal import key_name

ENGINE = "intellimix-procedural-1"
TARGET_LUFS = -14.0
TRUE_PEAK_DB = -1.0
BIT_DEPTH = 24

# Each stem's loudness in the premaster (RMS of its active parts, dBFS); genres move some.
BALANCE_DB: dict[str, float] = {
    "drums": -15.0,
    "bass": -17.0,
    "harmony": -21.0,
    "lead": -22.0,
    "fx": -27.0,
}
GENRE_BALANCE_DB: dict[str, dict[str, float]] = {
    "dubstep": {"bass": -14.0, "lead": -24.0},
    "drum_and_bass": {"bass": -16.0},
    "trap": {"bass": -15.0, "lead": -23.0},
    "hip_hop": {"drums": -14.0, "harmony": -20.0},
    "lo_fi": {"drums": -17.0, "harmony": -18.0, "fx": -30.0},
    "ambient": {"drums": -24.0, "bass": -20.0, "harmony": -16.0, "lead": -20.0, "fx": -24.0},
    "pop": {"lead": -19.0},
    "synthwave": {"harmony": -19.0, "lead": -20.0},
}
# How deep the kick ducks bass, harmony and lead (the lead half as much); 0 = no pumping.
SIDECHAIN_DEPTH: dict[str, float] = {
    "house": 0.5,
    "techno": 0.4,
    "drum_and_bass": 0.3,
    "dubstep": 0.4,
    "hip_hop": 0.15,
    "lo_fi": 0.2,
    "trap": 0.25,
    "ambient": 0.0,
    "pop": 0.3,
    "synthwave": 0.35,
}
# A track whose delivered files measure off-tempo or off-key is played again with new seeded
# variations (another "take": patterns, motif, voicings); QA keeps every take's report.
MAX_TAKES = 3
RETAKE_CHECKS = frozenset({"tempo", "key"})
ACTIVE_WINDOW_S = 0.05
ACTIVE_RANGE_DB = 30.0  # windows this far under a stem's loudest one are its quiet parts


@dataclass
class GenerationOutcome:
    out_dir: Path
    track_wav: Path
    track_mp3: Path
    stems: dict[str, Path]
    spec_json: Path
    qa_json: Path
    qa: dict[str, Any]
    similarity: float | None  # tonal-balance similarity to the reference (with one only)
    timings: dict[str, float] = field(default_factory=dict)


def generate_track(
    spec: Mapping[str, Any],
    out_dir: Path,
    *,
    reference: Path | None = None,
    progress: Progress | None = None,
) -> GenerationOutcome:
    """Synthesize, master and check the track a GenerationSpec (as a mapping) describes."""
    report = progress or silent
    timings: dict[str, float] = {}
    clock = Stopwatch(timings)
    ctx = _context(spec)
    rate = ctx.sample_rate
    out_dir.mkdir(parents=True, exist_ok=True)

    report("load", 2, "Reading the spec")
    with clock("load"):
        reference_audio = io.decode(reference, sample_rate=rate).samples if reference else None

    spec_json = out_dir / "spec.json"
    takes: list[dict[str, Any]] = []
    for take in range(MAX_TAKES):
        ctx = replace(ctx, take=take)
        # A retake is rare: it reports within the last few percent instead of going backwards.
        step = scaled(report, 0, 96) if take == 0 else scaled(report, 96, 98)
        step("synthesize", 5, f"Synthesizing drums, bass, harmony, lead and fx (take {take + 1})")
        with clock("synthesize"):
            raw, kicks = synthesize(ctx)
        step("balance", 45, "Balancing the stems")
        with clock("balance"):
            stems = balance(ctx, raw, kicks)
            premaster = np.stack([stems[name] for name in STEMS]).sum(axis=0, dtype=np.float32)
        spec_json.write_text(json.dumps(_spec_record(spec, ctx), indent=2, allow_nan=False))
        delivered = mixdown.deliver(
            premaster,
            rate,
            plan=_qa_plan(ctx),
            timeline=timeline(ctx),
            out_dir=out_dir,
            name="track",
            stem_writer=functools.partial(mixdown.write_stems, Lanes.whole(stems), rate, out_dir),
            reference=reference_audio,
            bit_depth=BIT_DEPTH,
            progress=scaled(step, 50, 98),
            clock=clock,
        )
        takes.append({"take": take + 1, **delivered.qa})
        if not _needs_another_take(delivered.qa):
            break
    qa_report = {**delivered.qa, "takes": takes}
    delivered.qa_json.write_text(json.dumps(qa_report, indent=2, allow_nan=False))
    report("done", 99, "Track ready")
    return GenerationOutcome(
        out_dir=out_dir,
        track_wav=delivered.wav,
        track_mp3=delivered.mp3,
        stems=delivered.stems,
        spec_json=spec_json,
        qa_json=delivered.qa_json,
        qa=qa_report,
        similarity=delivered.master_report.get("reference_similarity_after"),
        timings=timings,
    )


def synthesize(ctx: SynthContext) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Every stem, raw (each at the level its instrument chose), and the kick's trigger samples."""

    def rhythm() -> tuple[DrumStem, np.ndarray]:
        return render_drums(ctx), render_fx(ctx)

    def tonal() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        progression = compose_progression(ctx)
        return (
            render_bass(ctx, progression),
            render_harmony(ctx, progression),
            render_lead(ctx, progression),
        )

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="synth") as pool:
        rhythm_done = pool.submit(rhythm)
        bass, harmony, lead = tonal()
        drum_stem, fx_stem = rhythm_done.result()
    raw = {"drums": drum_stem.audio, "bass": bass, "harmony": harmony, "lead": lead, "fx": fx_stem}
    return raw, drum_stem.kicks


def balance(
    ctx: SynthContext, raw: Mapping[str, np.ndarray], kicks: np.ndarray
) -> dict[str, np.ndarray]:
    """Stems at their genre's levels, ducked under the kick, faded over the last beat."""
    levels = {**BALANCE_DB, **GENRE_BALANCE_DB.get(ctx.genre, {})}
    depth = SIDECHAIN_DEPTH.get(ctx.genre, 0.0)
    duck = sidechain_gain(
        kicks,
        ctx.n_samples,
        ctx.sample_rate,
        depth=depth,
        release_s=0.6 * ctx.arrangement.beat_s,
    )
    lead_duck = 1.0 - 0.5 * (1.0 - duck)
    fade = _tail_fade(ctx)
    stems: dict[str, np.ndarray] = {}
    for name in STEMS:
        x = _fit_length(raw[name], ctx.n_samples)
        gain = _gain_to(x, ctx.sample_rate, levels[name])
        envelope = fade * (duck if name in ("bass", "harmony") else 1.0)
        if name == "lead":
            envelope = envelope * lead_duck
        stems[name] = (x * (gain * envelope)).astype(np.float32)
    return stems


def timeline(ctx: SynthContext) -> list[dict[str, Any]]:
    """The sections as timeline entries (what QA's duration and silence checks read)."""
    arrangement = ctx.arrangement
    return [
        {
            "section": section.name,
            "role": section.role,
            "start_s": round(arrangement.time_s(section.start_beat), 6),
            "end_s": round(arrangement.time_s(section.end_beat), 6),
            "bars": section.bars,
        }
        for section in arrangement.sections
    ]


def arranged_sections(
    spec: Mapping[str, Any], *, energy_curve: Sequence[float], duration_s: float
) -> list[Section]:
    """The spec's own sections in the analysis's form: where a generated track really changes.

    Section estimates are for music we did not make; here the arrangement is known exactly.
    Names the analysis also uses (chorus, drop…) are kept, others become their role; each
    section's energy is its mean of the measured `energy_curve`, the most energetic at 1.0.
    """
    spans: list[tuple[str, float, float]] = []
    for entry in timeline(_context(spec)):
        name = str(entry["section"]).lower()
        label = name if name in SECTION_LABELS else str(entry["role"])
        start, end = float(entry["start_s"]), min(float(entry["end_s"]), duration_s)
        if start >= end:
            continue
        if spans and spans[-1][0] == label:  # neighbours with one label are one section
            spans[-1] = (label, spans[-1][1], end)
        else:
            spans.append((label, start, end))
    if not spans:
        return []
    spans[-1] = (spans[-1][0], spans[-1][1], duration_s)  # sections tile the whole track
    curve = np.asarray(energy_curve, dtype=np.float64)
    means = [_mean_energy(curve, start, end) for _, start, end in spans]
    top = max(means) or 1.0
    return [
        Section(
            start_s=round(start, 3),
            end_s=round(end, 3),
            label=cast(Label, label),
            energy=round(m / top, 3),
        )
        for (label, start, end), m in zip(spans, means, strict=True)
    ]


def _mean_energy(curve: np.ndarray, start_s: float, end_s: float) -> float:
    first = int(start_s / ENERGY_HOP_S)
    last = max(first + 1, int(np.ceil(end_s / ENERGY_HOP_S)))
    window = curve[first:last]
    return float(window.mean()) if window.size else 0.0


def _needs_another_take(qa: Mapping[str, Any]) -> bool:
    """True when the delivered track measures off-tempo or off-key: mastering cannot fix that."""
    last = qa["attempts"][-1]["qa"]["checks"]
    return any(check["name"] in RETAKE_CHECKS and not check["passed"] for check in last)


def _context(spec: Mapping[str, Any]) -> SynthContext:
    try:
        return context_from_spec(spec)
    except (KeyError, TypeError, ValueError) as exc:
        raise AudioError(f"The generation spec is incomplete: {exc}", code="INVALID_SPEC") from exc


def _qa_plan(ctx: SynthContext) -> dict[str, Any]:
    return {
        "target": {
            "bpm": ctx.bpm,
            "key": key_name(ctx.tonic_pc, ctx.mode),
            "lufs": TARGET_LUFS,
            "true_peak_db": TRUE_PEAK_DB,
            "sample_rate": ctx.sample_rate,
            "bit_depth": BIT_DEPTH,
        }
    }


def _spec_record(spec: Mapping[str, Any], ctx: SynthContext) -> dict[str, Any]:
    return {
        **dict(spec),
        "engine": ENGINE,
        "sample_rate": ctx.sample_rate,
        "take": ctx.take + 1,
        "timeline": timeline(ctx),
    }


def _fit_length(x: np.ndarray, n: int) -> np.ndarray:
    """A stereo stem exactly `n` samples long (instruments may overshoot by a tail)."""
    if x.ndim != 2 or x.shape[0] != 2:
        raise AudioError("A stem must be stereo (2, samples).", code="INVALID_STEM")
    if x.shape[1] >= n:
        return x[:, :n]
    return np.pad(x, ((0, 0), (0, n - x.shape[1])))


def _gain_to(x: np.ndarray, sample_rate: int, level_db: float) -> float:
    """The gain that puts the RMS of `x`'s active windows at `level_db` (1.0 when silent)."""
    window = max(int(ACTIVE_WINDOW_S * sample_rate), 1)
    frames = x.shape[1] // window
    if frames == 0:
        return 1.0
    power = np.mean(
        np.square(x[:, : frames * window].reshape(2, frames, window), dtype=np.float64),
        axis=(0, 2),
    )
    loudest = float(power.max())
    if loudest <= 1e-12:
        return 1.0
    active = power[power >= loudest * 10.0 ** (-ACTIVE_RANGE_DB / 10.0)]
    rms_db = 10.0 * np.log10(float(active.mean()))
    return float(10.0 ** ((level_db - rms_db) / 20.0))


def _tail_fade(ctx: SynthContext) -> np.ndarray:
    """Unity, then a fade to silence over the last beat, so reverb tails do not cut off."""
    fade = np.ones(ctx.n_samples, dtype=np.float32)
    length = min(ctx.arrangement.samples(1), ctx.n_samples)
    fade[ctx.n_samples - length :] = np.linspace(1.0, 0.0, length, dtype=np.float32) ** 2
    return fade
