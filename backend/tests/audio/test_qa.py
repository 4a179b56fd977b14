"""QA on synthetic renders written as real files: a correct one passes, each fault fails its check.

The render is eight bars at 124 BPM — house drums and an A minor progression (Am Dm E Am) as
two lanes — summed into a premaster, mastered to −14 LUFS and delivered as a 24-bit WAV and a
320 kbps MP3 through `intellimix.audio.io`, exactly as a render would deliver it. Each faulty
variant breaks one thing and checks that its check, and as far as possible only its check,
fails.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from intellimix.audio import io
from intellimix.audio.errors import AudioError
from intellimix.audio.master import master
from intellimix.audio.qa import check_render, suggest_correction
from tests.audio.drum_signals import synth_drum_track

RATES = (44100, 48000)
RATE = 48000
BPM = 124.0
BEAT_S = 60.0 / BPM
BARS = 8
KEY = "A minor"
PLAN: dict[str, Any] = {
    "target": {"bpm": BPM, "key": KEY, "lufs": -14.0, "true_peak_db": -1.0, "duration_s": 15}
}
# Am, Dm, E (the harmonic-minor dominant), Am as MIDI notes; the root doubled an octave down.
CHORDS = ((57, 60, 64), (50, 53, 57), (52, 56, 59), (57, 60, 64))


@dataclass(frozen=True)
class Render:
    rate: int
    lanes: dict[str, np.ndarray]  # stereo float32 pre-master lanes
    premaster: np.ndarray
    mastered: np.ndarray
    duration_s: float

    @property
    def timeline(self) -> list[dict[str, Any]]:
        return [{"segment_id": "s1", "start_s": 0.0, "end_s": self.duration_s}]


def _harmony(rate: int, bpm: float) -> np.ndarray:
    """One chord a bar, plucked: three harmonics per note, 1.5 s decay."""
    bar = 4 * 60.0 / bpm
    length = round(bar * rate)
    t = np.arange(length) / rate
    envelope = np.minimum(1.0, t / 0.01) * np.exp(-t / 1.5)
    out = np.zeros(BARS * length)
    for index in range(BARS):
        notes = CHORDS[index % len(CHORDS)]
        for midi in (*notes, notes[0] - 12):
            freq = 440.0 * 2.0 ** ((midi - 69) / 12)
            tone = sum(np.sin(2 * np.pi * freq * k * t) / k for k in (1, 2, 3))
            out[index * length : (index + 1) * length] += envelope * tone
    return (out / np.abs(out).max()).astype(np.float32)


def _render(rate: int, *, bpm: float = BPM) -> Render:
    duration_s = BARS * 4 * 60.0 / bpm
    drums = synth_drum_track(
        "house", bpm=bpm, duration_s=duration_s, sample_rate=rate, first_downbeat_s=0.0
    ).audio
    chords = _harmony(rate, bpm)
    harmony = np.pad(chords, (0, max(0, drums.size - chords.size)))[: drums.size]
    lanes = {
        "drums": (0.6 * np.stack([drums, drums])).astype(np.float32),
        "harmony": (0.3 * np.stack([harmony, 0.8 * harmony])).astype(np.float32),
    }
    premaster = (lanes["drums"] + lanes["harmony"]).astype(np.float32)
    mastered = master(premaster, rate, target_lufs=-14.0, ceiling_db=-1.0).samples
    return Render(rate, lanes, premaster, mastered, drums.size / rate)


@pytest.fixture(scope="module")
def render() -> Render:
    return _render(RATE)


def _deliver(folder: Path, samples: np.ndarray, rate: int) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    wav, mp3 = folder / "mix.wav", folder / "mix.mp3"
    io.encode_wav(wav, samples, rate)
    io.encode_mp3(mp3, samples, rate)
    return wav, mp3


def _stems(folder: Path, lanes: dict[str, np.ndarray], rate: int) -> dict[str, Path]:
    paths = {}
    for name, lane in lanes.items():
        paths[name] = folder / f"{name}.wav"
        io.encode_wav(paths[name], lane, rate)
    return paths


def _qa(
    folder: Path,
    samples: np.ndarray,
    render: Render,
    *,
    plan: dict[str, Any] = PLAN,
    timeline: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    wav, mp3 = _deliver(folder, samples, render.rate)
    report = check_render(
        mix_wav=wav, mix_mp3=mp3, stems=None, plan=plan, timeline=timeline or render.timeline
    )
    json.dumps(report, allow_nan=False)  # every report is JSON-safe
    return dict(report)


def _failed(report: Mapping[str, Any]) -> set[str]:
    return {check["name"] for check in report["checks"] if not check["passed"]}


def _check(report: Mapping[str, Any], name: str) -> dict[str, Any]:
    return next(check for check in report["checks"] if check["name"] == name)


# --- a correct render -----------------------------------------------------------------------


@pytest.mark.parametrize("rate", RATES)
def test_correct_render_passes_every_check(rate: int, tmp_path: Path) -> None:
    good = _render(rate)
    wav, mp3 = _deliver(tmp_path, good.mastered, rate)
    report = check_render(
        mix_wav=wav,
        mix_mp3=mp3,
        stems=_stems(tmp_path, good.lanes, rate),
        plan=PLAN,
        timeline=good.timeline,
        premaster=good.premaster,
        premaster_rate=rate,
    )
    json.dumps(report, allow_nan=False)
    assert report["passed"], [c["detail"] for c in report["checks"] if not c["passed"]]
    assert [c["name"] for c in report["checks"]] == [
        "tempo",
        "key",
        "loudness",
        "true_peak_wav",
        "true_peak_mp3",
        "clipping",
        "silence",
        "duration",
        "stems",
        "alignment",
    ]
    measured = report["measured"]
    assert_allclose(measured["bpm"], BPM, atol=0.5)
    assert measured["key"] == KEY
    assert_allclose(measured["lufs"], -14.0, atol=0.5)
    assert measured["true_peak_wav"] <= -1.0 and measured["true_peak_mp3"] <= -1.0
    assert_allclose(measured["duration_s"], good.duration_s, atol=1e-3)
    assert measured["stems_error_db"] < -100.0  # 24-bit lanes: quantisation only
    assert measured["clipped_runs"] == 0 and measured["longest_silence_s"] < 0.1
    assert suggest_correction(report) == {"retry": False, "unfixable": []}


# --- each fault fails its check -------------------------------------------------------------


def test_off_tempo_render_fails_tempo(tmp_path: Path) -> None:
    fast = _render(RATE, bpm=130.0)
    report = _qa(tmp_path, fast.mastered, fast)
    assert _failed(report) == {"tempo"}
    assert_allclose(_check(report, "tempo")["measured"], 130.0, atol=1.0)
    assert suggest_correction(report) == {"retry": False, "unfixable": ["tempo"]}


def test_hot_inter_sample_peak_fails_true_peak(render: Render, tmp_path: Path) -> None:
    # 10 ms of a sine at fs/4, 45° off its crests, at +2 dBTP: its samples stay at 0.89, so
    # nothing clips and only a true-peak meter sees it.
    hot = render.mastered.copy()
    n = round(0.01 * RATE)
    phase = 2 * np.pi * np.arange(n) / 4 + np.pi / 4
    hot[:, 5 * RATE : 5 * RATE + n] = 10 ** (2.0 / 20) * np.sin(phase)
    report = _qa(tmp_path, hot, render)
    assert _failed(report) == {"true_peak_wav", "true_peak_mp3"}
    wav_peak = _check(report, "true_peak_wav")["measured"]
    mp3_peak = _check(report, "true_peak_mp3")["measured"]
    assert wav_peak >= 1.9
    correction = suggest_correction(report)
    assert correction["retry"] and correction["unfixable"] == []
    # Re-mastering holds the WAV under the ceiling whatever the margin; the margin asked for
    # covers what the MP3 added on top of the WAV, plus 0.1 dB.
    assert_allclose(correction["ceiling_margin_db"], max(0.0, mp3_peak - wav_peak) + 0.1, atol=0.01)


def test_suggested_margin_fixes_an_mp3_overshoot_in_one_retry(
    render: Render, tmp_path: Path
) -> None:
    # Loud and with no margin, the master sits at −1 dBTP and the MP3 goes over.
    plan = {"target": {**PLAN["target"], "lufs": -9.0}}
    first = master(render.premaster, RATE, target_lufs=-9.0, ceiling_margin_db=0.0).samples
    report = _qa(tmp_path / "first", first, render, plan=plan)
    assert _failed(report) == {"true_peak_mp3"}
    correction = suggest_correction(report)
    assert correction["retry"] and set(correction) == {"retry", "ceiling_margin_db", "unfixable"}

    margin = correction["ceiling_margin_db"]
    second = master(render.premaster, RATE, target_lufs=-9.0, ceiling_margin_db=margin).samples
    assert _qa(tmp_path / "second", second, render, plan=plan)["passed"]


def test_gap_of_silence_fails_unless_the_timeline_has_a_gap_there(
    render: Render, tmp_path: Path
) -> None:
    gap = render.mastered.copy()
    gap[:, 6 * RATE : 9 * RATE] = 0.0
    report = _qa(tmp_path / "gap", gap, render)
    assert "silence" in _failed(report)
    assert_allclose(_check(report, "silence")["measured"], 3.0, atol=0.1)

    # The same file against a timeline where nothing plays from 6 to 9 s.
    with_gap = [
        {"start_s": 0.0, "end_s": 6.0},
        {"start_s": 9.0, "end_s": render.duration_s},
    ]
    assert _check(_qa(tmp_path / "planned", gap, render, timeline=with_gap), "silence")["passed"]


def test_short_silence_passes(render: Render, tmp_path: Path) -> None:
    pause = render.mastered.copy()
    pause[:, 6 * RATE : round(7.5 * RATE)] = 0.0
    silence = _check(_qa(tmp_path, pause, render), "silence")
    assert silence["passed"]
    assert_allclose(silence["measured"], 1.5, atol=0.1)


def test_clipped_run_fails_clipping_but_two_samples_do_not(render: Render, tmp_path: Path) -> None:
    clipped = render.mastered.copy()
    clipped[0, 3 * RATE : 3 * RATE + 5] = 1.0
    report = _qa(tmp_path / "run", clipped, render)
    assert "clipping" in _failed(report)
    assert _check(report, "clipping")["measured"] == 1
    assert "ceiling_margin_db" in suggest_correction(report)

    pair = render.mastered.copy()
    pair[0, 3 * RATE : 3 * RATE + 2] = 1.0
    assert _check(_qa(tmp_path / "pair", pair, render), "clipping")["passed"]


@pytest.mark.parametrize(("beats_longer", "passes"), [(0.5, True), (1.5, False)])
def test_duration_within_one_beat_of_the_timeline(
    render: Render, tmp_path: Path, beats_longer: float, passes: bool
) -> None:
    timeline = [{"start_s": 0.0, "end_s": render.duration_s + beats_longer * BEAT_S}]
    report = _qa(tmp_path, render.mastered, render, timeline=timeline)
    assert _failed(report) == (set() if passes else {"duration"})


def test_stems_that_do_not_sum_to_the_premaster_fail(render: Render, tmp_path: Path) -> None:
    wav, mp3 = _deliver(tmp_path, render.mastered, RATE)
    lanes = {**render.lanes, "harmony": 0.9 * render.lanes["harmony"]}
    report = check_render(
        mix_wav=wav,
        mix_mp3=mp3,
        stems=_stems(tmp_path, lanes, RATE),
        plan=PLAN,
        timeline=render.timeline,
        premaster=render.premaster,
        premaster_rate=RATE,
    )
    assert _failed(report) == {"stems"}
    # The error is a tenth of the harmony lane.
    harmony, premaster = render.lanes["harmony"], render.premaster.astype(np.float64)
    expected = 10 * np.log10(np.sum((0.1 * harmony) ** 2) / np.sum(premaster**2))
    assert_allclose(_check(report, "stems")["measured"], expected, atol=0.05)
    assert suggest_correction(report) == {"retry": False, "unfixable": ["stems"]}


def test_stems_are_summed_a_block_at_a_time_to_the_same_error(
    render: Render, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Blocks of 4096 frames cross every stem's length and the short stem's end mid-block.
    wav, mp3 = _deliver(tmp_path, render.mastered, RATE)
    short = {**render.lanes, "drums": render.lanes["drums"][:, : RATE * 5 + 123]}

    def stems_check(lanes: dict[str, np.ndarray], rate: int) -> dict[str, Any]:
        report = check_render(
            mix_wav=wav,
            mix_mp3=mp3,
            stems=_stems(tmp_path, lanes, rate),
            plan=PLAN,
            timeline=render.timeline,
            premaster=render.premaster,
            premaster_rate=RATE,
        )
        return _check(report, "stems")

    whole = stems_check(short, RATE)
    monkeypatch.setattr("intellimix.audio.qa.STEMS_BLOCK", 4096)
    blocks = stems_check(short, RATE)
    assert not blocks["passed"] and "Shorter than the premaster: drums." in blocks["detail"]
    assert_allclose(blocks["measured"], whole["measured"], atol=1e-3)
    expected = 10 * np.log10(
        np.sum(render.lanes["drums"][:, RATE * 5 + 123 :].astype(np.float64) ** 2)
        / np.sum(render.premaster.astype(np.float64) ** 2)
    )
    assert_allclose(blocks["measured"], expected, atol=0.05)
    # A stem at another rate than the premaster is no stem of it (it used to be resampled).
    other = stems_check(render.lanes, 44_100)
    assert not other["passed"] and "44100 Hz against the premaster's 48000 Hz" in other["detail"]


def test_delivered_files_longer_than_the_upload_limit_are_checked(
    render: Render, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The upload limit (40 min of 48 kHz stereo) made QA refuse every longer set's own
    # files with AudioTooLarge; here the limit is a second, and the render is longer.
    wav, mp3 = _deliver(tmp_path, render.mastered, RATE)
    stems = _stems(tmp_path, render.lanes, RATE)
    monkeypatch.setattr("intellimix.audio.io.DEFAULT_MAX_DECODED_SAMPLES", RATE * 2)
    with pytest.raises(AudioError, match="million samples"):
        io.decode(wav)
    for premaster in (render.premaster, None):
        report = check_render(
            mix_wav=wav,
            mix_mp3=mp3,
            stems=stems,
            plan=PLAN,
            timeline=render.timeline,
            premaster=premaster,
            premaster_rate=RATE if premaster is not None else None,
        )
        assert report["passed"], [c["detail"] for c in report["checks"] if not c["passed"]]
        assert report["measured"]["transition_offsets_ms"] is not None


def test_stems_without_a_premaster_must_decode_and_match_the_mix(
    render: Render, tmp_path: Path
) -> None:
    wav, mp3 = _deliver(tmp_path, render.mastered, RATE)
    stems = _stems(tmp_path, render.lanes, RATE)

    def qa(lanes: dict[str, Path]) -> Mapping[str, Any]:
        return check_render(
            mix_wav=wav, mix_mp3=mp3, stems=lanes, plan=PLAN, timeline=render.timeline
        )

    assert _check(qa(stems), "stems")["passed"]
    short = tmp_path / "short.wav"
    io.encode_wav(short, render.lanes["drums"][:, : RATE * 5], RATE)
    report = qa({**stems, "drums": short})
    assert "drums" in _check(report, "stems")["detail"] and _failed(report) == {"stems"}


@pytest.mark.parametrize(
    ("plan_key", "passes"),
    [("A minor", True), ("C major", True), ("E minor", True), ("F# major", False)],
)
def test_key_is_compared_by_its_relation(
    render: Render, tmp_path: Path, plan_key: str, passes: bool
) -> None:
    plan = {"target": {**PLAN["target"], "key": plan_key}}
    key = _check(_qa(tmp_path, render.mastered, render, plan=plan), "key")
    assert key["measured"] == KEY and key["passed"] is passes


def test_plan_without_a_key_skips_the_key_check(render: Render, tmp_path: Path) -> None:
    plan = {"target": {"bpm": BPM}}  # lufs and true peak default to −14 and −1
    report = _qa(tmp_path, render.mastered, render, plan=plan)
    assert report["passed"] and "key" not in {c["name"] for c in report["checks"]}
    assert _check(report, "loudness")["expected"]["target"] == -14.0


def test_quiet_render_fails_loudness_and_asks_for_an_offset(render: Render, tmp_path: Path) -> None:
    quiet = (render.mastered * 10 ** (-2.0 / 20)).astype(np.float32)  # −16 LUFS
    report = _qa(tmp_path, quiet, render)
    assert _failed(report) == {"loudness"}
    correction = suggest_correction(report)
    assert correction["retry"] and correction["unfixable"] == []
    assert_allclose(correction["lufs_offset_db"], 2.0, atol=0.05)


def test_undecodable_mp3_fails_true_peak_mp3(render: Render, tmp_path: Path) -> None:
    wav, mp3 = _deliver(tmp_path, render.mastered, RATE)
    mp3.write_bytes(b"not an mp3 at all" * 100)
    report = check_render(mix_wav=wav, mix_mp3=mp3, stems=None, plan=PLAN, timeline=render.timeline)
    json.dumps(report, allow_nan=False)
    assert _failed(report) == {"true_peak_mp3"}
    assert "did not decode" in _check(report, "true_peak_mp3")["detail"]
    assert suggest_correction(report) == {"retry": False, "unfixable": ["true_peak_mp3"]}


def test_silent_render_is_reported_without_nan(render: Render, tmp_path: Path) -> None:
    report = _qa(tmp_path, np.zeros_like(render.mastered), render)
    assert {"tempo", "key", "loudness", "silence"} <= _failed(report)
    measured = report["measured"]
    assert (
        measured["lufs"] is None and measured["true_peak_wav"] is None and measured["bpm"] is None
    )
    assert suggest_correction(report)["retry"] is False


# --- suggest_correction on its own -----------------------------------------------------------


def _report(*checks: tuple[str, bool, Any, dict[str, Any]]) -> dict[str, Any]:
    rows = [
        {"name": n, "passed": p, "measured": m, "expected": e, "detail": ""}
        for n, p, m, e in checks
    ]
    return {"passed": all(p for _, p, _, _ in checks), "checks": rows, "measured": {}}


def test_suggest_correction_combines_loudness_and_peak_fixes() -> None:
    report = _report(
        ("tempo", True, 124.0, {"bpm": 124.0}),
        ("loudness", False, -14.8, {"target": -14.0, "tolerance_lu": 0.5}),
        ("true_peak_wav", True, -1.2, {"max": -1.0}),
        ("true_peak_mp3", False, -0.7, {"max": -1.0}),
        ("duration", False, 100.0, {"seconds": 90.0}),
    )
    correction = suggest_correction(report)
    assert correction["retry"] and correction["unfixable"] == ["duration"]
    assert_allclose(correction["lufs_offset_db"], 0.8)
    assert_allclose(correction["ceiling_margin_db"], 0.6)  # MP3 0.5 over the WAV, plus 0.1


def test_suggest_correction_for_a_pass_changes_nothing() -> None:
    report = _report(("loudness", True, -14.1, {"target": -14.0, "tolerance_lu": 0.5}))
    assert suggest_correction(report) == {"retry": False, "unfixable": []}


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plan", "timeline", "code"),
    [
        ({}, [{"start_s": 0.0, "end_s": 1.0}], "INVALID_PLAN"),
        ({"target": {"bpm": "fast"}}, [{"start_s": 0.0, "end_s": 1.0}], "INVALID_PLAN"),
        (
            {"target": {"bpm": 124, "key": "H major"}},
            [{"start_s": 0.0, "end_s": 1.0}],
            "INVALID_KEY",
        ),
        ({"target": {"bpm": 124}}, [], "INVALID_TIMELINE"),
        ({"target": {"bpm": 124}}, [{"start_s": 0.0}], "INVALID_TIMELINE"),
    ],
)
def test_invalid_plan_or_timeline_is_refused(
    plan: dict[str, Any], timeline: list[dict[str, Any]], code: str, tmp_path: Path
) -> None:
    with pytest.raises(AudioError) as error:
        check_render(
            mix_wav=tmp_path / "mix.wav",
            mix_mp3=tmp_path / "mix.mp3",
            stems=None,
            plan=plan,
            timeline=timeline,
        )
    assert error.value.code == code


def test_premaster_needs_its_rate(render: Render, tmp_path: Path) -> None:
    wav, mp3 = _deliver(tmp_path, render.mastered, RATE)
    with pytest.raises(AudioError) as error:
        check_render(
            mix_wav=wav,
            mix_mp3=mp3,
            stems=None,
            plan=PLAN,
            timeline=render.timeline,
            premaster=render.premaster,
        )
    assert error.value.code == "INVALID_PARAMETER"
