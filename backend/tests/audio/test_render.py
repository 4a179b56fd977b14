"""Mix rendering on generated tracks whose beat grids are exact (see mix_signals.py)."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from intellimix.audio.loudness import integrated_loudness
from intellimix.audio.render import (
    ECHO_DELAY_BEATS,
    ECHO_OUT_TAIL_BEATS,
    ECHO_SEND,
    MATCH_LUFS,
    MixPlanError,
    RenderResult,
    TrackAudio,
    apply_effects,
    apply_eq,
    derive_timeline,
    render_mix,
    rubber_band,
    snap_to_grid,
    stretch_ratio,
)
from intellimix.audio.rhythm import analyze_rhythm
from tests.audio.mix_signals import (
    RATE,
    band,
    beat_grid,
    drum_track,
    mix_plan,
    noise_track,
    onset_time,
    peak_frequency,
    rms_db,
    segment,
    tone_track,
    windowed_rms,
)

BPM = 124.0
BEAT = 60.0 / BPM
TRANSITIONS = ["cut", "crossfade", "bass_swap", "filter_sweep", "echo_out"]
OVERLAP_BEATS = 16
ONSET_TOLERANCE_S = 0.010  # both sources' onsets inside a transition
BPM_TOLERANCE = 0.5
CLICK_MARGIN = 1.05  # the mix's largest sample step may exceed the sources' own by 5 %
HANDOVER_DB = 3.0  # outgoing falls / incoming rises at least this much across the overlap
EQUAL_POWER_DB = 1.0
LOUDNESS_TOLERANCE_LU = 1.0
STEM_SUM_DB = -60.0
BASS_TUNING_ST = 0.05  # 5 cents


# --- helpers ----------------------------------------------------------------------------------


@cache
def tones() -> dict[str, TrackAudio]:
    """Two steady chords at the target tempo: a step anywhere in the mix stands out."""
    return {
        "A": tone_track([55.0, 220.0, 880.0], bpm=BPM, duration_s=20.0),
        "B": tone_track([65.0, 262.0, 1046.0], bpm=BPM, duration_s=20.0),
    }


@cache
def noises() -> dict[str, TrackAudio]:
    """Two uncorrelated pink-ish noises at the target tempo: equal-power transitions keep level."""
    return {
        "A": noise_track(bpm=BPM, duration_s=20.0, seed=1),
        "B": noise_track(bpm=BPM, duration_s=20.0, seed=2),
    }


@cache
def two_segment_render(kind: str, signal: str) -> tuple[RenderResult, int, int]:
    """A (32 beats) into B (32 beats) by `kind`; returns the result and the overlap in frames."""
    tracks = tones() if signal == "tones" else noises()
    beats = 0 if kind == "cut" else OVERLAP_BEATS
    plan = mix_plan(
        [
            segment("s1", "A", 0.0, 32 * BEAT),
            segment("s2", "B", 0.0, 32 * BEAT, transition=kind, beats=beats),
        ],
        bpm=BPM,
    )
    result = render_mix(plan, tracks)
    start = round(result.timeline[1]["start_s"] * RATE)
    end = round(result.timeline[0]["end_s"] * RATE)
    return result, start, end


def max_step(x: np.ndarray) -> float:
    return float(np.abs(np.diff(x, axis=-1)).max())


# --- timeline -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "track", "expected"),
    [
        (124.0, 124.0, 1.0),
        (124.0, 123.5, 1.0),  # 0.40 % slower: within 0.5 %, no stretch
        (124.0, 124.6, 1.0),  # 0.48 % faster
        (124.0, 123.3, 124.0 / 123.3),  # 0.57 %: stretched
        (124.0, 120.0, 124.0 / 120.0),
        (124.0, 128.0, 124.0 / 128.0),
        (124.0, None, 1.0),  # no beat to sync
    ],
)
def test_stretch_ratio(target: float, track: float | None, expected: float) -> None:
    assert stretch_ratio(target, track) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("bad", [0.0, -120.0, math.nan, math.inf])
def test_stretch_ratio_refuses_a_tempo_that_is_not_a_positive_bpm(bad: float) -> None:
    with pytest.raises(MixPlanError) as caught:
        stretch_ratio(124.0, bad)
    assert caught.value.code == "INVALID_TEMPO"


def test_timeline_starts_each_segment_where_the_previous_transition_begins() -> None:
    plan = mix_plan(
        [
            segment("s1", "slow", 10.0, 26.0),  # 16 s at 120 BPM: 32 beats
            segment("s2", "same", 5.0, 25.0, transition="crossfade", beats=16),
            segment("s3", "slow", 40.0, 48.0, transition="cut"),
        ],
        bpm=BPM,
    )
    timeline = derive_timeline(plan, {"slow": 120.0, "same": 124.3})
    overlap = 16 * 60.0 / BPM
    s1_end = 16.0 * 120.0 / BPM
    s2_start = s1_end - overlap
    s3_start = s2_start + 20.0  # 124.3 is within 0.5 % of 124: not stretched
    expected = [
        ("s1", 0.0, s1_end, BPM / 120.0, 0.0),
        ("s2", s2_start, s3_start, 1.0, overlap),
        ("s3", s3_start, s3_start + 8.0 * 120.0 / BPM, BPM / 120.0, 0.0),
    ]
    for entry, (segment_id, start, end, stretch, transition_in) in zip(
        timeline, expected, strict=True
    ):
        assert entry["segment_id"] == segment_id
        assert_allclose(
            [entry["start_s"], entry["end_s"], entry["stretch"], entry["transition_in_s"]],
            [start, end, stretch, transition_in],
            rtol=0,
            atol=1e-9,
        )


def test_timeline_refuses_an_unknown_track() -> None:
    plan = mix_plan([segment("s1", "ghost", 0.0, 10.0)], bpm=BPM)
    with pytest.raises(MixPlanError) as caught:
        derive_timeline(plan, {"other": 120.0})
    assert caught.value.code == "UNKNOWN_TRACK"


# --- cut ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("time_s", "expected"),
    [
        (2.04, 2.0),  # 40 ms late
        (1.95, 2.0),  # 50 ms early
        (2.5, 2.5),  # already on a beat
        (2.08, 2.08),  # 80 ms off: a deliberate off-beat cut, kept
        (9.0, 9.0),  # past the grid
    ],
)
def test_snap_to_grid(time_s: float, expected: float) -> None:
    assert snap_to_grid(time_s, [1.5, 2.0, 2.5, 3.0]) == pytest.approx(expected, abs=1e-12)


def test_render_snaps_cut_points_to_the_source_downbeats() -> None:
    track = drum_track(bpm=BPM, duration_s=12.0)
    downbeats = track.analysis["downbeats"]
    plan = mix_plan([segment("s1", "A", downbeats[0] + 0.035, downbeats[2] - 0.045)], bpm=BPM)
    result = render_mix(plan, {"A": track})
    cut = result.timeline[0]
    assert_allclose(
        [cut["source_start_s"], cut["source_end_s"]], [downbeats[0], downbeats[2]], atol=1e-9
    )
    assert result.mix.shape[1] == round((downbeats[2] - downbeats[0]) * RATE)
    # The kick on the first downbeat opens the mix.
    assert onset_time(result.mix, RATE, near_s=0.02, window_s=0.02) < 0.003


# --- beat alignment across a stretched transition ------------------------------------------------


@cache
def stretched_crossfade() -> RenderResult:
    """Drums at 120 and 128 BPM into a 124 BPM plan, cut points up to 40 ms off their downbeats."""
    a = drum_track(bpm=120.0, duration_s=24.0, seed=1)
    b = drum_track(bpm=128.0, duration_s=24.0, style="techno", seed=2)
    da, db = a.analysis["downbeats"], b.analysis["downbeats"]
    plan = mix_plan(
        [
            segment("s1", "A", da[1] + 0.03, da[9] + 0.03),  # 32 beats at 120 BPM
            segment("s2", "B", db[1] - 0.04, db[9], transition="crossfade", beats=OVERLAP_BEATS),
        ],
        bpm=BPM,
    )
    return render_mix(plan, {"A": a, "B": b})


def test_onsets_of_both_sources_coincide_inside_the_transition() -> None:
    result = stretched_crossfade()
    start = result.timeline[1]["start_s"]
    # Beat 0 is skipped: the incoming is still at zero gain there.
    grid = start + BEAT * np.arange(1, OVERLAP_BEATS)
    outgoing = np.array([onset_time(result.stems["A"], RATE, near_s=t) for t in grid])
    incoming = np.array([onset_time(result.stems["B"], RATE, near_s=t) for t in grid])
    assert_allclose(outgoing, incoming, rtol=0, atol=ONSET_TOLERANCE_S)
    assert_allclose(outgoing, grid, rtol=0, atol=ONSET_TOLERANCE_S)


def test_stretched_mix_analyses_at_the_target_tempo() -> None:
    result = stretched_crossfade()
    rhythm = analyze_rhythm(result.mix.mean(axis=0), RATE)
    assert rhythm["bpm"] == pytest.approx(BPM, abs=BPM_TOLERANCE)


# --- transitions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", TRANSITIONS)
def test_transition_does_not_click(kind: str) -> None:
    result, start, end = two_segment_render(kind, "tones")
    a, b = result.stems["A"], result.stems["B"]
    tail = round(ECHO_OUT_TAIL_BEATS * BEAT * RATE) if kind == "echo_out" else 0
    guard = RATE // 10
    # Each source's own largest step, measured where it plays alone.
    bound = max_step(a[:, RATE : start - guard]) + max_step(b[:, end + tail + guard : -RATE])
    assert max_step(result.mix[:, start - guard : end + tail + guard]) <= CLICK_MARGIN * bound


@pytest.mark.parametrize("kind", [k for k in TRANSITIONS if k != "cut"])
def test_transition_hands_the_energy_over(kind: str) -> None:
    result, start, end = two_segment_render(kind, "noise")
    quarter = (end - start) // 4
    first, last = slice(start, start + quarter), slice(end - quarter, end)
    a, b = result.stems["A"], result.stems["B"]
    assert rms_db(a[:, first]) - rms_db(a[:, last]) >= HANDOVER_DB
    assert rms_db(b[:, last]) - rms_db(b[:, first]) >= HANDOVER_DB


def test_cut_hands_over_at_the_boundary() -> None:
    result, boundary, _ = two_segment_render("cut", "noise")
    declick = round(0.005 * RATE)
    assert not np.any(result.stems["A"][:, boundary:])
    assert not np.any(result.stems["B"][:, :boundary])
    assert rms_db(result.stems["B"][:, boundary + declick : boundary + RATE]) > -40.0


@pytest.mark.parametrize("kind", ["crossfade", "bass_swap", "filter_sweep"])
def test_transition_keeps_the_power_of_uncorrelated_sources(kind: str) -> None:
    result, start, end = two_segment_render(kind, "noise")
    beat = round(BEAT * RATE)
    before = rms_db(result.mix[:, start - 4 * beat : start])
    levels = 20 * np.log10(windowed_rms(result.mix, start=start, stop=end, window=beat))
    assert_allclose(levels, before, rtol=0, atol=EQUAL_POWER_DB)


def test_bass_swap_hands_the_low_band_over_at_the_midpoint() -> None:
    result, start, end = two_segment_render("bass_swap", "tones")
    window = round(BEAT * RATE / 8)
    low_a = windowed_rms(
        band(result.stems["A"], RATE, "lowpass", 100.0), start=start, stop=end, window=window
    )
    low_b = windowed_rms(
        band(result.stems["B"], RATE, "lowpass", 100.0), start=start, stop=end, window=window
    )
    crossing_s = int(np.argmax(low_b > low_a)) * window / RATE
    assert crossing_s == pytest.approx(OVERLAP_BEATS / 2 * BEAT, abs=BEAT)
    # The highs are not swapped but faded: the outgoing's are still there after the swap.
    high_a = band(result.stems["A"], RATE, "highpass", 400.0)
    middle = start + (end - start) // 2
    assert rms_db(high_a[:, middle : middle + window]) > rms_db(high_a[:, start:middle]) - 6.0


# --- stems ---------------------------------------------------------------------------------------


@cache
def lane_render() -> RenderResult:
    """A → B → A: track A's lane holds two segments."""
    plan = mix_plan(
        [
            segment("s1", "A", 0.0, 16 * BEAT),
            segment("s2", "B", 0.0, 24 * BEAT, transition="echo_out", beats=8),
            segment("s3", "A", 8 * BEAT, 24 * BEAT, transition="bass_swap", beats=8),
        ],
        bpm=BPM,
    )
    return render_mix(plan, noises())


def test_stems_sum_to_the_mix() -> None:
    result = lane_render()
    assert sorted(result.stems) == ["A", "B"]
    residual = result.mix - sum(result.stems.values())
    assert rms_db(residual) - rms_db(result.mix) < STEM_SUM_DB


def test_stems_have_the_mix_length_and_the_timeline_duration() -> None:
    result = lane_render()
    for stem in result.stems.values():
        assert stem.shape == result.mix.shape
        assert stem.dtype == np.float32
    assert result.mix.shape[1] == round(result.timeline[-1]["end_s"] * RATE)
    # Between its two segments (B alone, after the echo tail) lane A is silent.
    b_alone = round((result.timeline[0]["end_s"] + ECHO_OUT_TAIL_BEATS * BEAT) * RATE)
    assert not np.any(result.stems["A"][:, b_alone : round(result.timeline[2]["start_s"] * RATE)])
    assert [cue["segment_id"] for cue in result.cues] == ["s1", "s2", "s3"]


# --- pitch, loudness, EQ, effects --------------------------------------------------------------


@pytest.mark.parametrize(("semitones", "expected_hz"), [(1, 466.16), (-2, 392.00)])
def test_pitch_shift_moves_a_tone(semitones: int, expected_hz: float) -> None:
    track = tone_track([440.0], bpm=BPM, duration_s=8.0)
    plan = mix_plan([segment("s1", "A", 0.0, 6.0, pitch_semitones=semitones)], bpm=BPM)
    mix = render_mix(plan, {"A": track}).mix
    assert peak_frequency(mix[0, RATE : 5 * RATE], RATE) == pytest.approx(expected_hz, abs=1.0)


@pytest.mark.parametrize(
    ("bass_hz", "ratio", "semitones"),
    [(55.0, 124 / 120, 0), (55.0, 124 / 128, 0), (41.2, 1.0, 1), (73.4, 124 / 120, -2)],
)
def test_stretch_keeps_a_sustained_bass_under_drums_in_tune(
    bass_hz: float, ratio: float, semitones: int
) -> None:
    # Rubber Band R2's crisp mode alone fails this: its phase resets at every drum hit drag the
    # bass by the stretch ratio (+0.57 semitone at 124/120) and leave it unshifted.
    drums = drum_track(bpm=120.0, duration_s=10.0, seed=4).samples
    t = np.arange(drums.shape[1]) / RATE
    x = (drums + 0.25 * np.sin(2 * np.pi * bass_hz * t)).astype(np.float32)
    y = rubber_band(x, RATE, ratio=ratio, semitones=semitones)
    expected_hz = bass_hz * 2 ** (semitones / 12)
    measured_hz = peak_frequency(
        band(y[0, RATE : 8 * RATE], RATE, "lowpass", 1.5 * expected_hz), RATE
    )
    assert 12 * np.log2(measured_hz / expected_hz) == pytest.approx(0.0, abs=BASS_TUNING_ST)


@pytest.mark.parametrize("gain_db", [0.0, -3.0])
def test_segments_are_matched_in_loudness_before_the_plan_gain(gain_db: float) -> None:
    tracks = {
        "loud": tone_track([110.0, 440.0], bpm=BPM, duration_s=20.0, amplitude=0.4),
        "quiet": tone_track([130.0, 520.0], bpm=BPM, duration_s=20.0, amplitude=0.01),
    }
    plan = mix_plan(
        [
            segment("s1", "loud", 0.0, 32 * BEAT),
            segment(
                "s2", "quiet", 0.0, 32 * BEAT, transition="crossfade", beats=8, gain_db=gain_db
            ),
        ],
        bpm=BPM,
    )
    result = render_mix(plan, tracks)
    start, end = (
        round(result.timeline[1]["start_s"] * RATE),
        round(result.timeline[0]["end_s"] * RATE),
    )
    loud = integrated_loudness(result.stems["loud"][:, RATE : start - RATE], RATE)
    quiet = integrated_loudness(result.stems["quiet"][:, end + RATE : -RATE], RATE)
    assert loud is not None and quiet is not None
    assert loud == pytest.approx(MATCH_LUFS, abs=LOUDNESS_TOLERANCE_LU)
    assert quiet - loud == pytest.approx(gain_db, abs=LOUDNESS_TOLERANCE_LU / 2)


@pytest.mark.parametrize(
    ("band_name", "freq", "gain_db"),
    [("low_db", 30.0, 6.0), ("mid_db", 1000.0, -4.0), ("high_db", 16000.0, 5.0)],
)
def test_eq_band_moves_its_own_frequencies(band_name: str, freq: float, gain_db: float) -> None:
    t = np.arange(2 * RATE) / RATE
    for probe, expected in ((freq, gain_db), (3000.0 if freq < 2000 else 300.0, None)):
        x = np.tile((0.1 * np.sin(2 * np.pi * probe * t)).astype(np.float32), (2, 1))
        y = apply_eq(x, RATE, **{band_name: gain_db})
        change = rms_db(y[:, RATE // 2 :]) - rms_db(x[:, RATE // 2 :])
        if expected is None:  # a frequency two octaves or more away is left alone
            assert abs(change) < 0.6 * abs(gain_db)
        else:
            assert change == pytest.approx(expected, abs=0.5)


def test_echo_repeats_on_the_tempo_grid() -> None:
    x = np.zeros((2, 2 * RATE), np.float32)
    x[:, 1000] = 1.0
    y = apply_effects(x, RATE, beat_s=BEAT, echo=0.8)
    first_repeat = 1000 + round(ECHO_DELAY_BEATS * BEAT * RATE)
    assert int(np.argmax(np.abs(y[0, 1001:]))) + 1001 == pytest.approx(first_repeat, abs=2)
    assert y[0, 1000] == pytest.approx(1.0)  # the dry signal is untouched
    assert float(np.abs(y[0, first_repeat - 2 : first_repeat + 3]).max()) == pytest.approx(
        0.8 * ECHO_SEND, rel=0.05
    )


def test_reverb_adds_a_tail() -> None:
    t = np.arange(RATE // 10) / RATE
    burst = np.sin(2 * np.pi * 500 * t) * np.hanning(t.size)
    x = np.zeros((2, RATE), np.float32)
    x[:, : t.size] = burst
    y = apply_effects(x, RATE, beat_s=BEAT, reverb=0.5)
    assert rms_db(y[:, RATE // 5 : RATE // 2]) - rms_db(x[:, : t.size]) > -40.0
    assert not np.any(x[:, RATE // 5 :])


# --- refusals -------------------------------------------------------------------------------------


def _unknown_track(plan: dict[str, Any], tracks: dict[str, TrackAudio]) -> None:
    plan["segments"][1]["track_id"] = "ghost"


def _other_rate(plan: dict[str, Any], tracks: dict[str, TrackAudio]) -> None:
    tracks["B"] = TrackAudio(tracks["B"].samples, 44_100, tracks["B"].analysis)


def _cut_past_the_end(plan: dict[str, Any], tracks: dict[str, TrackAudio]) -> None:
    plan["segments"][1]["source_end_s"] = 99.0


def _transition_too_long(plan: dict[str, Any], tracks: dict[str, TrackAudio]) -> None:
    plan["segments"][1]["transition_in"] = {"type": "crossfade", "beats": 40}


def _unknown_transition(plan: dict[str, Any], tracks: dict[str, TrackAudio]) -> None:
    plan["segments"][1]["transition_in"] = {"type": "spinback", "beats": 4}


def _no_segments(plan: dict[str, Any], tracks: dict[str, TrackAudio]) -> None:
    plan["segments"].clear()


def _no_tempo(plan: dict[str, Any], tracks: dict[str, TrackAudio]) -> None:
    plan["target"]["bpm"] = 0


@pytest.mark.parametrize(
    ("spoil", "code"),
    [
        (_unknown_track, "UNKNOWN_TRACK"),
        (_other_rate, "SAMPLE_RATE_MISMATCH"),
        (_cut_past_the_end, "CUT_OUTSIDE_TRACK"),
        (_transition_too_long, "TRANSITION_TOO_LONG"),
        (_unknown_transition, "UNKNOWN_TRANSITION"),
        (_no_segments, "EMPTY_PLAN"),
        (_no_tempo, "INVALID_TEMPO"),
    ],
)
def test_render_refuses_a_plan_it_cannot_render(
    spoil: Callable[[dict[str, Any], dict[str, TrackAudio]], None], code: str
) -> None:
    tracks = dict(tones())
    plan = mix_plan(
        [
            segment("s1", "A", 0.0, 32 * BEAT),
            segment("s2", "B", 0.0, 32 * BEAT, transition="crossfade", beats=8),
        ],
        bpm=BPM,
    )
    spoil(plan, tracks)
    with pytest.raises(MixPlanError) as caught:
        render_mix(plan, tracks)
    assert caught.value.code == code
    assert caught.value.status == 422


def test_a_transition_of_zero_beats_is_a_cut() -> None:
    def render(kind: str) -> np.ndarray:
        plan = mix_plan(
            [
                segment("s1", "A", 0.0, 8 * BEAT),
                segment("s2", "B", 0.0, 8 * BEAT, transition=kind, beats=0),
            ],
            bpm=BPM,
        )
        return render_mix(plan, tones()).mix

    assert_allclose(render("bass_swap"), render("cut"), rtol=0, atol=0)


def test_mono_track_plays_on_both_channels() -> None:
    mono = tone_track([440.0], bpm=BPM, duration_s=6.0).samples[0]
    track = TrackAudio(mono, RATE, beat_grid(BPM, 6.0))
    result = render_mix(mix_plan([segment("s1", "M", 0.0, 4.0)], bpm=BPM), {"M": track})
    assert result.mix.shape == (2, 4 * RATE)
    assert_allclose(result.mix[0], result.mix[1], rtol=0, atol=0)


# --- a whole mix --------------------------------------------------------------------------------


def test_three_minute_mix_of_four_stretched_tracks() -> None:
    """4 tracks at 118–131 BPM, 104 beats each, three 16-beat transitions: ~178 s at 48 kHz."""
    kinds = [None, "bass_swap", "filter_sweep", "echo_out"]
    styles = ["house", "techno", "house_offbeat", "dnb"]
    tracks, segments = {}, []
    for index, (bpm, style, kind) in enumerate(
        zip([118, 122, 127, 131], styles, kinds, strict=True)
    ):
        track = drum_track(bpm=bpm, duration_s=75.0, style=style, seed=index)
        start = track.analysis["downbeats"][4]
        tracks[f"t{index}"] = track
        segments.append(
            segment(
                f"s{index}",
                f"t{index}",
                start,
                start + 104 * 60.0 / bpm,
                transition=kind,
                beats=OVERLAP_BEATS if kind else 0,
                pitch_semitones=1 if index == 3 else 0,
                eq={"low_db": -2.0, "mid_db": 1.0, "high_db": 2.0} if index == 1 else None,
                effects={"reverb": 0.2, "echo": 0.1} if index == 2 else None,
            )
        )
    reports: list[tuple[str, float, str]] = []
    timings: dict[str, float] = {}
    result = render_mix(
        mix_plan(segments, bpm=BPM),
        tracks,
        progress=lambda *event: reports.append(event),
        timings=timings,
    )

    assert result.duration_s == pytest.approx((104 * 4 - 3 * OVERLAP_BEATS) * BEAT, abs=1e-3)
    assert set(timings) == {"cut", "stretch", "loudness", "eq_effects", "transitions", "place"}
    percents = [percent for _stage, percent, _label in reports]
    assert percents == sorted(percents) and percents[-1] == 100
    assert np.all(np.isfinite(result.mix))  # how fast: `make bench` (bench/render.py), not here
