"""Phase-locked transitions: whatever the plan's cut seconds, the stems' onsets meet in overlaps.

Two synthetic house tracks at 124 and 128 BPM (the case a 160 ms off-grid cut once left
160–180 ms apart), random plans with random cut seconds, every transition type, at 44.1 and
48 kHz; the offset is measured on the rendered stems by QA's own cross-correlation.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from intellimix.audio import qa, render
from intellimix.audio.rhythm import analyze_rhythm
from tests.audio.drum_signals import synth_drum_track

TYPES = ("crossfade", "bass_swap", "filter_sweep", "echo_out", "cut")
TRACK_S = 20.0


@cache
def tracks(rate: int) -> dict[str, render.TrackAudio]:
    out = {}
    for track_id, bpm, first in (("a", 124.0, 0.41), ("b", 128.0, 0.23)):
        drums = synth_drum_track(
            "house", bpm=bpm, duration_s=TRACK_S, sample_rate=rate, first_downbeat_s=first
        )
        out[track_id] = render.TrackAudio(
            samples=np.stack([drums.audio, drums.audio]),
            sample_rate=rate,
            analysis={"duration_s": TRACK_S, **analyze_rhythm(drums.audio, rate)},
        )
    return out


def random_plan(seed: int, rate: int) -> dict:
    rng = np.random.default_rng(seed)
    kinds = [TYPES[seed % len(TYPES)], TYPES[(seed + 2) % len(TYPES)]]
    segments = []
    for index, track_id in enumerate(("a", "b", "a")):
        start = float(rng.uniform(0.5, 8.0))  # random seconds: off every grid
        kind = kinds[index - 1] if index else None
        segments.append(
            {
                "id": f"s{index + 1}",
                "track_id": track_id,
                "source_start_s": start,
                "source_end_s": start + float(rng.uniform(8.5, 10.5)),
                "transition_in": None
                if kind is None
                else {"type": kind, "beats": 0 if kind == "cut" else int(rng.choice([4, 8]))},
            }
        )
    return {
        "target": {"bpm": float(rng.choice([124.0, 126.0, 128.0])), "sample_rate": rate},
        "segments": segments,
    }


@pytest.mark.parametrize("seed", range(20))
def test_every_overlap_meets_within_ten_ms(seed: int) -> None:
    rate = 44_100 if seed % 2 else 48_000
    plan = random_plan(seed, rate)
    result = render.render_mix(plan, tracks(rate))
    offsets = qa.transition_offsets(result.stems, rate, result.timeline, plan["target"]["bpm"])
    overlapping = [s for s in plan["segments"][1:] if s["transition_in"]["type"] != "cut"]
    assert len(offsets) == len(overlapping)
    for offset in offsets:
        assert offset["offset_ms"] is not None
        assert abs(offset["offset_ms"]) <= qa.MAX_ALIGNMENT_MS, offsets


def test_a_cut_lands_on_the_outgoing_grid() -> None:
    rate = 48_000
    plan = random_plan(4, rate)  # seeds 4 and 9 start with a cut
    assert plan["segments"][1]["transition_in"]["type"] == "cut"
    result = render.render_mix(plan, tracks(rate))
    before, after = result.timeline[0], result.timeline[1]
    analyses = {t: a.analysis for t, a in tracks(rate).items()}
    offset = render.phase_offset(
        before, analyses["a"], after, analyses["b"], reference_s=after["start_s"]
    )
    assert abs(offset) <= 0.002  # already locked: nothing left to move


def test_without_a_lock_the_offgrid_cut_is_measured_off() -> None:
    # The measure itself: an incoming track placed 40 ms late reads about +40 ms.
    rate = 48_000
    kick = synth_drum_track("house", bpm=124, duration_s=6.0, sample_rate=rate).audio
    late = np.concatenate([np.zeros(round(0.040 * rate), np.float32), kick])[: kick.size]
    stems = {"a": np.stack([kick, kick]), "b": np.stack([late, late])}
    timeline = [
        {"segment_id": "s1", "track_id": "a", "start_s": 0.0, "end_s": 6.0},
        {"segment_id": "s2", "track_id": "b", "start_s": 1.0, "end_s": 6.0},
    ]
    (offset,) = qa.transition_offsets(stems, rate, timeline, 124.0)
    assert offset["offset_ms"] == pytest.approx(40.0, abs=3.0)
