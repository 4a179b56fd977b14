"""Plan → delivered files: load → render → master → encode → QA, re-mastering when QA fails.

Writes `mix.wav` (24-bit), `mix.mp3` (320 kbps), `stems/<track_id>.wav` (the pre-master lanes),
`qa.json` (every attempt) and `cues.json` into one folder. `deliver` — master, encode, QA,
re-master — is shared with the track generator, which delivers its own premaster the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from intellimix.audio import io, master, qa, render
from intellimix.audio.lanes import Lanes
from intellimix.audio.progress import Progress, scaled, silent
from intellimix.audio.stopwatch import Stopwatch

MAX_ATTEMPTS = 3  # the first render and at most two corrected ones
MAX_ALIGNMENT_RENDERS = 3  # the first render and at most two with corrected transitions


@dataclass(frozen=True)
class TrackSource:
    """A track file and its analysis (at least `bpm`, `beats`, `downbeats`)."""

    path: Path
    analysis: Mapping[str, Any]


@dataclass
class MixdownOutcome:
    out_dir: Path
    mix_wav: Path
    mix_mp3: Path
    stems: dict[str, Path]
    qa_json: Path
    cues_json: Path
    qa: dict[str, Any]
    timeline: list[dict[str, Any]]
    cues: list[dict[str, Any]]
    timings: dict[str, float] = field(default_factory=dict)


def render_plan(
    plan: Mapping[str, Any],
    tracks: Mapping[str, TrackSource],
    out_dir: Path,
    *,
    reference: Path | None = None,
    progress: Progress | None = None,
) -> MixdownOutcome:
    """Render a validated plan (as a plain mapping) into `out_dir`."""
    report = progress or silent
    timings: dict[str, float] = {}
    clock = Stopwatch(timings)
    target = plan["target"]
    rate = int(target["sample_rate"])
    bit_depth = int(target.get("bit_depth", 24))
    out_dir.mkdir(parents=True, exist_ok=True)

    report("load", 2, "Decoding the tracks")
    with clock("load"):
        audio = {
            track_id: render.TrackAudio(
                samples=io.decode(source.path, sample_rate=rate).samples,
                sample_rate=rate,
                analysis=source.analysis,
            )
            for track_id, source in tracks.items()
            if track_id in {segment["track_id"] for segment in plan["segments"]}
        }
        reference_audio = io.decode(reference, sample_rate=rate).samples if reference else None

    rendered, corrections = _aligned_render(plan, audio, report, timings)
    # Held no longer than needed, so mastering and QA (which decode the delivered files) have
    # the memory: the decoded tracks are not needed to deliver, and the segments (the lanes)
    # only until the stems are written — the writer pops them.
    del audio
    premaster, timeline, cues = rendered.mix, rendered.timeline, rendered.cues
    lanes = [rendered.stems]
    del rendered
    delivered = deliver(
        premaster,
        rate,
        plan=plan,
        timeline=timeline,
        out_dir=out_dir,
        name="mix",
        stem_writer=lambda: write_stems(lanes.pop(), rate, out_dir),
        reference=reference_audio,
        bit_depth=bit_depth,
        progress=scaled(report, 62, 98),
        clock=clock,
        alignment_renders=corrections,
    )
    report("done", 99, "Mix ready")
    cues_json = out_dir / "cues.json"
    cues_json.write_text(json.dumps({"cues": cues, "timeline": timeline}, indent=2))
    return MixdownOutcome(
        out_dir=out_dir,
        mix_wav=delivered.wav,
        mix_mp3=delivered.mp3,
        stems=delivered.stems,
        qa_json=delivered.qa_json,
        cues_json=cues_json,
        qa=delivered.qa,
        timeline=timeline,
        cues=cues,
        timings=timings,
    )


@dataclass
class Delivery:
    """The delivered files of one master → encode → QA loop, and what QA found."""

    wav: Path
    mp3: Path
    stems: dict[str, Path]
    qa_json: Path
    qa: dict[str, Any]  # {"passed", "attempts": [{"attempt", "master", "qa"}]}

    @property
    def master_report(self) -> dict[str, Any]:
        return dict(self.qa["attempts"][-1]["master"])


def deliver(
    premaster: np.ndarray,
    rate: int,
    *,
    plan: Mapping[str, Any],
    timeline: list[dict[str, Any]],
    out_dir: Path,
    name: str,
    stem_writer: Callable[[], dict[str, Path]],
    reference: np.ndarray | None,
    bit_depth: int,
    progress: Progress,
    clock: Stopwatch,
    master_options: Mapping[str, Any] | None = None,
    alignment_renders: list[dict[str, Any]] | None = None,
) -> Delivery:
    """Master, encode `<name>.wav` and `<name>.mp3`, QA the files; re-master while QA says so.

    `plan["target"]` holds the loudness, ceiling, tempo and key QA checks against; the
    stems are written by `stem_writer` on a background thread, overlapping the mastering.
    `master_options` are passed on to `master.master` (e.g. `reference_levels_db`,
    `mono_below_hz`).
    """
    target = plan["target"]
    target_lufs = float(target.get("lufs", -14.0))
    wav, mp3 = out_dir / f"{name}.wav", out_dir / f"{name}.mp3"
    attempts: list[dict[str, Any]] = []
    correction: dict[str, Any] = {}
    step = 100.0 / MAX_ATTEMPTS
    # File writing and LAME (a subprocess) overlap the CPU-bound mastering on the other core.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="deliver-io") as background:
        stems_written = background.submit(stem_writer)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            base = step * (attempt - 1)
            progress("master", base, f"Mastering (attempt {attempt})")
            with clock(f"master_{attempt}"):
                mastered = master.master(
                    premaster,
                    rate,
                    target_lufs=target_lufs + correction.get("lufs_offset_db", 0.0),
                    ceiling_db=float(target.get("true_peak_db", -1.0)),
                    ceiling_margin_db=correction.get("ceiling_margin_db"),
                    reference=reference,
                    reference_rate=rate if reference is not None else None,
                    **(master_options or {}),
                )
            progress("encode", base + step * 0.4, "Encoding WAV and MP3")
            with clock(f"encode_{attempt}"):
                # LAME keeps running in the background while QA checks the WAV.
                mp3_written = background.submit(io.encode_mp3, mp3, mastered.samples, rate)
                io.encode_wav(wav, mastered.samples, rate, bit_depth=bit_depth)
                master_report = mastered.report
                del mastered  # QA decodes the files: the master itself is not held meanwhile
                stems = stems_written.result()
            progress("qa", base + step * 0.6, "Checking the delivered files")
            with clock(f"qa_{attempt}"):
                checked = qa.check_render(
                    mix_wav=wav,
                    mix_mp3=mp3,
                    stems=stems,
                    plan=plan,
                    timeline=timeline,
                    premaster=premaster,
                    premaster_rate=rate,
                    mp3_ready=mp3_written.result,
                )
            attempts.append({"attempt": attempt, "master": master_report, "qa": checked})
            suggestion = qa.suggest_correction(checked)
            if checked["passed"] or not suggestion["retry"]:
                break  # done, or nothing a re-master could fix (tempo, silence, stems)
            correction = {
                "lufs_offset_db": correction.get("lufs_offset_db", 0.0)
                + suggestion.get("lufs_offset_db", 0.0),
                "ceiling_margin_db": suggestion.get(
                    "ceiling_margin_db", correction.get("ceiling_margin_db")
                ),
            }
    qa_report: dict[str, Any] = {"passed": attempts[-1]["qa"]["passed"], "attempts": attempts}
    if alignment_renders is not None:
        qa_report["alignment_renders"] = alignment_renders
    qa_json = out_dir / "qa.json"
    qa_json.write_text(json.dumps(qa_report, indent=2, allow_nan=False))
    return Delivery(wav=wav, mp3=mp3, stems=stems, qa_json=qa_json, qa=qa_report)


def _aligned_render(
    plan: Mapping[str, Any],
    audio: Mapping[str, render.TrackAudio],
    report: Progress,
    timings: dict[str, float],
) -> tuple[render.RenderResult, list[dict[str, Any]]]:
    """Render, measure every transition on the stems, re-render with corrections while off.

    The render phase-locks each hand-over from the analysed grids; a grid a few ms off (or
    a stretch that rounds) still shows in the stems. Each measured offset over
    qa.MAX_ALIGNMENT_MS moves that incoming segment back by it, at most twice.
    """
    nudges: dict[str, float] = {}
    history: list[dict[str, Any]] = []
    bpm = float(plan["target"]["bpm"])
    attempt = 1
    while True:
        rendered = render.render_mix(
            plan, audio, progress=scaled(report, 5, 60), timings=timings, nudges=nudges
        )
        offsets = qa.transition_offsets(
            rendered.stems, rendered.sample_rate, rendered.timeline, bpm
        )
        history.append({"attempt": attempt, "offsets_ms": offsets})
        off = [
            o
            for o in offsets
            if o["offset_ms"] is not None and abs(o["offset_ms"]) > qa.MAX_ALIGNMENT_MS
        ]
        if not off or attempt == MAX_ALIGNMENT_RENDERS:
            return rendered, history
        for o in off:
            nudges[o["segment_id"]] = nudges.get(o["segment_id"], 0.0) - o["offset_ms"] / 1000.0
        del rendered  # not held while the next render builds its own segments and mix
        attempt += 1


def write_stems(lanes: Lanes, rate: int, out_dir: Path) -> dict[str, Path]:
    """Pre-master lanes as 32-bit float WAV: they may exceed full scale and must sum exactly.

    Each file is streamed from the lane's pieces a block at a time: no stem is ever held
    whole in memory.
    """
    folder = out_dir / "stems"
    folder.mkdir(exist_ok=True)
    paths = {}
    for lane in lanes:
        paths[lane] = folder / f"{lane}.wav"
        io.encode_wav_blocks(
            paths[lane],
            lanes.blocks(lane, io.IO_BLOCK),
            rate,
            channels=lanes.channels,
            floating=True,
        )
    return paths
