"""Tempo journeys (issue 15, part 4): segments at their own tempi, ramps across overlaps.

Four synthetic four-on-the-floor tracks at 120, 128, 140 and 174 BPM with their exact grids.
The journey plays them at 124 → 129 → 138 BPM (each within ±8 % of its own tempo, overlaps
included) with tempo ramps across the first two hand-overs, then echoes out into the 174 BPM
track at half time (87 on the set's grid): 138 → 174 is too far to ramp, so each side of that
echo-out keeps its own tempo. Rendered end to end (master,
QA); kicks are found on the delivered stems.
"""

from __future__ import annotations

import copy
import hashlib
import json
from functools import cache
from pathlib import Path

import librosa
import numpy as np
import pytest

from intellimix.audio import io, qa, render
from intellimix.audio.mixdown import TrackSource, render_plan
from intellimix.audio.rhythm import analyze_rhythm
from intellimix.audio.tempo import set_tempo_of, time_maps
from intellimix.planner.plan import TrackFacts, validate_plan

from .drum_signals import synth_drum_track
from .media import write_wav
from .mix_signals import drum_track, mix_plan, segment

RATE = 44_100
NATIVE = {"a": 120.0, "b": 128.0, "c": 140.0, "d": 174.0}
PLANNER_LIMIT = 0.08


def _journey() -> dict:
    return {
        "title": "120 to 174",
        "target": {"bpm": 128.0, "sample_rate": RATE},
        "segments": [
            {
                "id": "s1",
                "track_id": "a",
                "source_start_s": 2.0,
                "source_end_s": 18.0,
                "bpm": 124.0,
            },
            {
                "id": "s2",
                "track_id": "b",
                "source_start_s": 2.0,
                "source_end_s": 26.0,
                "bpm": 129.0,
                "transition_in": {"type": "crossfade", "beats": 16, "ramp_beats": 16},
            },
            {
                "id": "s3",
                "track_id": "c",
                "source_start_s": 2.0,
                "source_end_s": 18.0,
                "bpm": 138.0,
                "transition_in": {"type": "bass_swap", "beats": 16, "ramp_beats": 8},
            },
            {
                "id": "s4",
                "track_id": "d",
                "source_start_s": 4.0,
                "source_end_s": 12.0,
                "bpm": 87.0,
                "beat_map": "half_time",
                "transition_in": {"type": "echo_out", "beats": 2},
            },
        ],
    }


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> dict[str, TrackSource]:
    folder = tmp_path_factory.mktemp("journey_tracks")
    sources = {}
    for track_id, bpm in NATIVE.items():
        drums = synth_drum_track(
            "house", bpm=bpm, duration_s=30.0, sample_rate=RATE, first_downbeat_s=0.37
        )
        path = write_wav(folder / f"{track_id}.wav", np.stack([drums.audio, drums.audio]), RATE)
        # The exact grid: the renderer is tested against what the signal is.
        analysis = {
            "duration_s": 30.0,
            "bpm": bpm,
            "beats": drums.beats.tolist(),
            "downbeats": drums.downbeats.tolist(),
        }
        sources[track_id] = TrackSource(path, analysis)
    return sources


@pytest.fixture(scope="module")
def journey(library, tmp_path_factory):
    facts = {t: TrackFacts(30.0, NATIVE[t]) for t in NATIVE}
    plan = validate_plan(_journey(), facts).model_dump()
    outcome = render_plan(plan, library, tmp_path_factory.mktemp("journey"))
    return plan, outcome


def _heard_bpm(path: Path, start_s: float, stop_s: float, native: float) -> float:
    """The tempo a stem plays between two times, read by our beat tracker, in the track's beats."""
    x = io.read_frames(path, round(start_s * RATE), round(stop_s * RATE)).mean(axis=0)
    heard = analyze_rhythm(x, RATE)["bpm"]
    assert heard is not None
    # A reading at half or double time is the same tempo: count it in the track's own beats.
    return min((heard * f for f in (0.5, 1.0, 2.0)), key=lambda bpm: abs(bpm / native - 1))


def test_the_journey_passes_qa_with_every_overlap_in_phase(journey):
    _, outcome = journey
    report = outcome.qa["attempts"][-1]["qa"]
    assert outcome.qa["passed"], [c for c in report["checks"] if not c["passed"]]
    checks = {c["name"]: c for c in report["checks"]}
    offsets = report["measured"]["transition_offsets_ms"]
    assert set(offsets) == {"s2", "s3"}  # the echo-out into s4 is not beat-matched
    assert all(abs(ms) <= 10.0 for ms in offsets.values()), offsets
    # Read segment by segment: the half-time segment's kicks at 174 count as its 87.
    assert checks["tempo"]["passed"] and set(report["measured"]["segment_bpms"]) >= {"s2", "s3"}


def _shared(entry: dict) -> bool:
    """Whether both sides follow one tempo through the overlap into this entry."""
    return entry["transition_in_s"] > 0 and entry.get("tempo_in", {}).get("locked", True)


def test_every_segment_stays_within_eight_percent_of_its_track(journey):
    plan, outcome = journey
    segments, timeline = plan["segments"], outcome.timeline
    for index, (seg, entry) in enumerate(zip(segments, timeline, strict=True)):
        own = set_tempo_of(NATIVE[seg["track_id"]], seg.get("beat_map"))
        # Planned: its own tempo, and its neighbours' wherever it overlaps them.
        heard = [seg["bpm"]]
        if index and _shared(timeline[index]):
            heard.append(segments[index - 1]["bpm"])
        if index + 1 < len(segments) and _shared(timeline[index + 1]):
            heard.append(segments[index + 1]["bpm"])
        assert max(abs(bpm / own - 1) for bpm in heard) <= PLANNER_LIMIT, seg["id"]
        # Measured: the tempo of its solo part, on its stem.
        solo_start = entry["start_s"] + entry["transition_in_s"]
        solo_stop = timeline[index + 1]["start_s"] if index + 1 < len(timeline) else entry["end_s"]
        native = NATIVE[seg["track_id"]]
        played = _heard_bpm(outcome.stems[seg["track_id"]], solo_start, solo_stop, native)
        assert abs(played / native - 1) <= PLANNER_LIMIT, (seg["id"], played)
        np.testing.assert_allclose(played / native, entry["stretch"], atol=0.003, err_msg=seg["id"])


def _onsets_near(path: Path, expected: np.ndarray, start_s: float, stop_s: float) -> np.ndarray:
    """The onset (seconds) nearest each expected beat: the onset envelope's peak within 60 ms."""
    x = io.read_frames(path, round((start_s - 0.2) * RATE), round((stop_s + 0.2) * RATE))
    envelope = librosa.onset.onset_strength(y=x.mean(axis=0), sr=RATE, hop_length=64)
    times = start_s - 0.2 + np.arange(envelope.size) * 64 / RATE
    found = []
    for beat in expected:
        near = np.abs(times - beat) < 0.06
        found.append(times[near][np.argmax(envelope[near])])
    return np.asarray(found)


@pytest.mark.parametrize("index", [1, 2])
def test_both_sides_of_a_ramp_follow_one_rising_tempo_beat_by_beat(journey, library, index):
    plan, outcome = journey
    entry = outcome.timeline[index]
    start, stop = entry["start_s"], entry["start_s"] + entry["transition_in_s"]
    locked = copy.deepcopy(plan)  # the plan with the cuts the render locked
    for seg, placed in zip(locked["segments"], outcome.timeline, strict=True):
        seg.update(source_start_s=placed["source_start_s"], source_end_s=placed["source_end_s"])
    maps = time_maps(locked, NATIVE)
    spans = []
    for side in (index - 1, index):
        track_id = plan["segments"][side]["track_id"]
        beats = maps[side].to_output(np.asarray(library[track_id].analysis["beats"]))
        # Inside the overlap, leaving out a beat at each end where one side is all but silent.
        beats = beats[(beats > start + 0.4) & (beats < stop - 0.4)]
        onsets = _onsets_near(outcome.stems[track_id], beats, start, stop)
        lag = onsets - beats
        # Every kick where the ramp puts it, beat by beat, within QA's 10 ms (the median is
        # the onset detector's own delay).
        assert np.max(np.abs(lag - np.median(lag))) <= 0.010, np.round(lag * 1000, 1)
        # The tempo heard over each bar, against the ramp's over the same beats.
        spans.append((240.0 / np.diff(onsets[::4]), 240.0 / np.diff(beats[::4])))
    for heard, planned in spans:
        assert len(heard) >= 3 and np.all(np.diff(planned) > 0)
        assert np.all(np.diff(heard) >= -0.5), np.round(heard, 2)  # rising, never back
        np.testing.assert_allclose(heard, planned, atol=1.0)


def test_the_timeline_and_cue_sheet_carry_each_segments_tempo(journey):
    plan, outcome = journey
    cues = json.loads(outcome.cues_json.read_text())
    assert [c["bpm"] for c in cues["cues"]] == [124.0, 129.0, 138.0, 87.0]
    assert [e["bpm"] for e in cues["timeline"]] == [124.0, 129.0, 138.0, 87.0]
    ramp = cues["timeline"][2]["tempo_in"]
    assert (ramp["from_bpm"], ramp["to_bpm"]) == (129.0, 138.0)
    overlap = cues["timeline"][2]["start_s"], cues["timeline"][1]["end_s"]
    # An 8-beat ramp centred in a 16-beat overlap.
    assert overlap[0] < ramp["ramp_start_s"] < ramp["ramp_end_s"] < overlap[1]
    assert ramp["ramp_start_s"] - overlap[0] == pytest.approx(4 * 60 / 129.0)
    # The echo-out: each side at its own tempo; the tempo is the incoming one's from its end.
    echo = cues["timeline"][3]
    assert echo["tempo_in"]["locked"] is False
    assert echo["tempo_in"]["ramp_start_s"] == pytest.approx(echo["start_s"] + 2 * 60 / 138.0)


def test_after_the_echo_out_the_incoming_beats_continue_the_outgoing_grid(journey, library):
    plan, outcome = journey
    locked = copy.deepcopy(plan)
    for seg, placed in zip(locked["segments"], outcome.timeline, strict=True):
        seg.update(source_start_s=placed["source_start_s"], source_end_s=placed["source_end_s"])
    maps = time_maps(locked, NATIVE)
    end = outcome.timeline[3]["start_s"] + outcome.timeline[3]["transition_in_s"]
    analyses = {t: library[t].analysis for t in ("c", "d")}
    offset = render.phase_offset(maps[2], analyses["c"], maps[3], analyses["d"], reference_s=end)
    assert abs(offset) <= 0.001


# --- one global tempo, as before tempo journeys ------------------------------------------------


def _single_tempo_plan() -> dict:
    return mix_plan(
        [
            segment("s1", "a", 1.0, 9.0, pitch_semitones=1, effects={"reverb": 0.0, "echo": 0.3}),
            segment("s2", "b", 2.0, 10.0, transition="bass_swap", beats=8),
            segment("s3", "a", 10.0, 17.0, transition="echo_out", beats=4),
        ],
        bpm=124.0,
        sample_rate=RATE,
    )


def _single_tempo_tracks() -> dict[str, render.TrackAudio]:
    return {
        "a": drum_track(bpm=120.0, duration_s=20.0, sample_rate=RATE),
        "b": drum_track(bpm=128.0, duration_s=20.0, style="techno", seed=1, sample_rate=RATE),
    }


# The premaster of _single_tempo_plan as rendered on main before tempo journeys (da25ed0),
# float32 bytes. A deliberate change to how mixes sound records a new digest.
SINGLE_TEMPO_DIGEST = "fedfe9dae0cec3e3f21d38a378e063f6a44529c3524e9e809a3f36f9429d7df7"


def test_a_single_tempo_plan_renders_exactly_as_before():
    result = render.render_mix(_single_tempo_plan(), _single_tempo_tracks())
    assert hashlib.sha256(result.mix.tobytes()).hexdigest() == SINGLE_TEMPO_DIGEST


def test_neutral_tempo_fields_change_nothing():
    plan, tracks = _single_tempo_plan(), _single_tempo_tracks()
    spelled = json.loads(json.dumps(plan))
    for seg in spelled["segments"]:
        seg.update(bpm=124.0, beat_map="same")
        if seg["transition_in"]:
            seg["transition_in"]["ramp_beats"] = 0
    plain, explicit = render.render_mix(plan, tracks), render.render_mix(spelled, tracks)
    assert plain.timeline == explicit.timeline
    np.testing.assert_array_equal(plain.mix, explicit.mix)
    # Still the one-tempo arithmetic: each segment starts where the last one's overlap begins.
    end = 0.0
    for seg, entry in zip(plan["segments"], plain.timeline, strict=True):
        beats = seg["transition_in"]["beats"] if seg["transition_in"] else 0
        assert entry["start_s"] == end - float(beats) * 60.0 / 124.0
        end = (
            entry["start_s"] + (entry["source_end_s"] - entry["source_start_s"]) / entry["stretch"]
        )
        assert entry["end_s"] == end and entry["bpm"] == 124.0 and "tempo_in" not in entry


@pytest.mark.parametrize(
    ("outgoing", "incoming", "beat_map", "tempi"),
    [
        (90.0, 174.0, "half_time", (90.0, 87.0)),  # hip hop into drum & bass counted at 87
        (140.0, 72.0, "double_time", (140.0, 144.0)),  # a 72 BPM track counted at 144
    ],
)
def test_a_ramp_into_half_or_double_time_stays_locked(outgoing, incoming, beat_map, tempi):
    tracks = {
        "out": drum_track(bpm=outgoing, duration_s=20.0, sample_rate=RATE),
        "in": drum_track(bpm=incoming, duration_s=20.0, sample_rate=RATE, first_downbeat_s=0.21),
    }
    plan = mix_plan(
        [
            {**segment("s1", "out", 1.0, 17.0), "bpm": tempi[0]},
            {
                **segment("s2", "in", 2.0, 18.0, transition="crossfade", beats=8),
                "bpm": tempi[1],
                "beat_map": beat_map,
            },
        ],
        bpm=tempi[0],
        sample_rate=RATE,
    )
    plan["segments"][1]["transition_in"]["ramp_beats"] = 8
    result = render.render_mix(plan, tracks)
    (offset,) = qa.transition_offsets(result.stems, RATE, result.timeline, tempi[0])
    assert offset["offset_ms"] is not None and abs(offset["offset_ms"]) <= qa.MAX_ALIGNMENT_MS
    per_beat = {"half_time": 2.0, "double_time": 0.5}[beat_map]
    assert result.timeline[1]["stretch"] == pytest.approx(tempi[1] * per_beat / incoming)


@pytest.mark.parametrize("source_start_s", [2.0, 3.3, 4.7])
def test_a_half_time_track_starts_its_bar_pairs_on_the_mix_downbeats(source_start_s):
    """174 counted as 87: two of its bars make one of the mix's, so its odd bars start on the
    mix's beat 3. The pairs start where its phrases do (its first downbeat, then every other
    one), whatever the cut seconds say: its bar 1 — not bar 2 — lands on the mix's one."""
    tracks = {
        "out": drum_track(bpm=90.0, duration_s=20.0, sample_rate=RATE),
        "in": drum_track(bpm=174.0, duration_s=20.0, sample_rate=RATE, first_downbeat_s=0.21),
    }
    plan = mix_plan(
        [
            {**segment("s1", "out", 1.0, 17.0), "bpm": 90.0},
            {
                **segment("s2", "in", source_start_s, 18.0, transition="crossfade", beats=8),
                "bpm": 87.0,
                "beat_map": "half_time",
            },
        ],
        bpm=90.0,
        sample_rate=RATE,
    )
    plan["segments"][1]["transition_in"]["ramp_beats"] = 8
    result = render.render_mix(plan, tracks)
    locked = copy.deepcopy(plan)
    for seg, placed in zip(locked["segments"], result.timeline, strict=True):
        seg.update(source_start_s=placed["source_start_s"], source_end_s=placed["source_end_s"])
    bpms = {"out": 90.0, "in": 174.0}
    maps = time_maps(locked, bpms)
    mix_ones = maps[0].to_output(np.asarray(tracks["out"].analysis["downbeats"]))
    pairs = maps[1].to_output(np.asarray(tracks["in"].analysis["downbeats"])[::2])
    start, stop = result.timeline[1]["start_s"], result.timeline[0]["end_s"]
    inside = pairs[(pairs >= start - 0.01) & (pairs <= stop + 0.01)]
    assert inside.size >= 1
    for one in inside:
        assert np.min(np.abs(mix_ones - one)) <= qa.MAX_ALIGNMENT_MS / 1000


@cache
def _analysed_tracks(rate: int) -> dict[str, render.TrackAudio]:
    """Three house tracks at 120, 128 and 136 BPM, analysed by our own beat tracker."""
    tracks = {}
    for track_id, bpm, first in (("a", 120.0, 0.41), ("b", 128.0, 0.23), ("c", 136.0, 0.3)):
        drums = synth_drum_track(
            "house", bpm=bpm, duration_s=20.0, sample_rate=rate, first_downbeat_s=first
        )
        tracks[track_id] = render.TrackAudio(
            np.stack([drums.audio, drums.audio]),
            rate,
            {"duration_s": 20.0, **analyze_rhythm(drums.audio, rate)},
        )
    return tracks


@pytest.mark.parametrize("seed", range(12))
def test_random_journeys_stay_locked_in_every_overlap(seed):
    # Random cut seconds, tempi, transition types and ramps — steps (0 beats) to whole overlaps.
    rng = np.random.default_rng(seed)
    rate = 44_100 if seed % 2 else 48_000
    kinds = ("crossfade", "bass_swap", "filter_sweep", "echo_out")
    segments = []
    for index, (track_id, low) in enumerate((("a", 120.0), ("b", 124.0), ("c", 130.0))):
        start = float(rng.uniform(0.5, 6.0))
        beats = int(rng.choice([4, 8]))
        segments.append(
            {
                "id": f"s{index + 1}",
                "track_id": track_id,
                "source_start_s": start,
                "source_end_s": start + float(rng.uniform(9.0, 11.0)),
                "bpm": round(float(rng.uniform(low, low + 8.0)), 2),
                "transition_in": None
                if index == 0
                else {
                    "type": kinds[(seed + index) % len(kinds)],
                    "beats": beats,
                    "ramp_beats": int(rng.integers(0, beats + 1)),
                },
            }
        )
    plan = {"target": {"bpm": 128.0, "sample_rate": rate}, "segments": segments}
    result = render.render_mix(plan, _analysed_tracks(rate))
    offsets = qa.transition_offsets(result.stems, rate, result.timeline, 128.0)
    assert len(offsets) == 2
    assert all(abs(o["offset_ms"]) <= qa.MAX_ALIGNMENT_MS for o in offsets), offsets
