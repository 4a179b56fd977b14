"""Structure measures on generated signals whose answers are known by construction."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.signal
from numpy.testing import assert_allclose

from intellimix.audio.errors import AudioError, EmptyAudio, TooManyChannels
from intellimix.audio.structure import (
    BANDS,
    Section,
    band_peaks,
    energy_curve,
    sections,
    spectral_balance,
    stereo_image,
    waveform_peaks,
)

SR = 22050
BPM = 120.0
BEAT_S = 60.0 / BPM
BAR_S = 4 * BEAT_S
PHRASE_BARS = 8
# The section test's track, in bars: what each part holds is in `_render_part`.
LAYOUT: tuple[tuple[str, int], ...] = (
    ("intro", 16),
    ("build", 16),
    ("drop", 32),
    ("break", 16),
    ("drop", 32),
    ("outro", 16),
)


def _sine(freq: float, seconds: float, *, sr: int = SR, amp: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _white(seconds: float, *, seed: int = 0, sr: int = SR) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(round(seconds * sr)).astype(np.float32)


def _pink(seconds: float, *, seed: int = 0, sr: int = SR) -> np.ndarray:
    """1/f noise: white noise shaped by 1/sqrt(f) in the frequency domain."""
    spectrum = np.fft.rfft(_white(seconds, seed=seed, sr=sr))
    freqs = np.fft.rfftfreq(round(seconds * sr), 1 / sr)
    spectrum[1:] /= np.sqrt(freqs[1:])
    spectrum[0] = 0
    pink = np.fft.irfft(spectrum, n=round(seconds * sr))
    return (pink / np.abs(pink).max() * 0.5).astype(np.float32)


# --- a small synth for the section test --------------------------------------------------------


def _t(seconds: float) -> np.ndarray:
    return np.arange(round(seconds * SR)) / SR


def _kick_beat() -> np.ndarray:
    """One beat: a pitch-swept sine kick on the beat."""
    t = _t(BEAT_S)
    freq = 45.0 + 90.0 * np.exp(-t * 35.0)
    return 0.7 * np.sin(2 * np.pi * np.cumsum(freq) / SR) * np.exp(-t * 9.0)


def _offbeat(sound: np.ndarray) -> np.ndarray:
    """One beat with `sound` starting on the off-beat."""
    beat = np.zeros(round(BEAT_S * SR))
    half = beat.size // 2
    part = sound[: beat.size - half]
    beat[half : half + part.size] = part
    return beat


def _hats_beat(rng: np.random.Generator) -> np.ndarray:
    t = _t(BEAT_S / 2)
    sos = scipy.signal.butter(4, 7000, "highpass", fs=SR, output="sos")
    burst = scipy.signal.sosfilt(sos, rng.standard_normal(t.size)) * np.exp(-t * 60.0)
    return _offbeat(0.25 * burst)


def _bass_beat() -> np.ndarray:
    t = _t(BEAT_S / 2)
    tone = np.sin(2 * np.pi * 55.0 * t) + 0.5 * np.sin(2 * np.pi * 110.0 * t)
    return _offbeat(0.5 * tone * np.minimum(1.0, t * 200.0) * np.exp(-t * 3.0))


CHORDS_HZ = (
    (220.0, 277.2, 329.6),
    (185.0, 220.0, 277.2),
    (293.7, 370.0, 440.0),
    (329.6, 415.3, 493.9),
)  # A, F#m, D, E — one chord per bar


def _pads(bars: int, *, amp: float) -> np.ndarray:
    """Sustained chords, one per bar, softly attacked."""
    t = _t(BAR_S)
    env = np.minimum(1.0, t * 4.0)
    one = [
        env * sum(np.sin(2 * np.pi * f * t) + 0.3 * np.sin(4 * np.pi * f * t) for f in chord)
        for chord in CHORDS_HZ
    ]
    return amp * np.concatenate([one[i % 4] for i in range(bars)])


def _stabs(bars: int, *, amp: float) -> np.ndarray:
    """Short chord hits on every off-beat, following the same progression."""
    t = _t(BEAT_S / 2)
    env = np.exp(-t * 10.0)
    out = []
    for i in range(bars):
        chord = CHORDS_HZ[i % 4]
        hit = env * sum(np.sign(np.sin(2 * np.pi * f * t)) for f in chord)
        out.append(np.tile(_offbeat(amp * hit), 4))
    return np.concatenate(out)


def _render_part(
    kind: str, bars: int, rng: np.random.Generator, *, riser: float, pads: float
) -> np.ndarray:
    """Intro and break: pads only. Build: kick and a noise riser swelling linearly from silence.
    Drop: kick, off-beat bass, chord stabs and hats. Outro: kick and hats, as DJs want."""
    beats = 4 * bars
    kick = np.tile(_kick_beat(), beats)
    hats = np.tile(_hats_beat(rng), beats)
    if kind in ("intro", "break"):
        return _pads(bars, amp=pads)
    if kind == "build":
        ramp = np.linspace(0.0, 1.0, kick.size)
        sos = scipy.signal.butter(2, 1000, "highpass", fs=SR, output="sos")
        noise = scipy.signal.sosfilt(sos, rng.standard_normal(kick.size))
        return 0.7 * kick + riser * ramp * noise
    if kind == "drop":
        return kick + np.tile(_bass_beat(), beats) + _stabs(bars, amp=0.05) + hats
    if kind == "outro":
        return 0.6 * kick + hats
    raise ValueError(kind)


Track = tuple[np.ndarray, list[float], list[dict[str, float]], list[float]]


def render_track(*, riser: float = 0.15, pads: float = 0.04) -> Track:
    """The LAYOUT track at 120 BPM, its downbeats, its 8-bar phrases and the true part starts."""
    rng = np.random.default_rng(7)
    parts = [_render_part(kind, n, rng, riser=riser, pads=pads) for kind, n in LAYOUT]
    audio = np.concatenate(parts).astype(np.float32)
    total_bars = sum(bars for _, bars in LAYOUT)
    downbeats = [i * BAR_S for i in range(total_bars)]
    phrases = [
        {"start_s": i * BAR_S, "bars": PHRASE_BARS} for i in range(0, total_bars, PHRASE_BARS)
    ]
    part_starts = list(np.cumsum([0] + [bars for _, bars in LAYOUT[:-1]]) * BAR_S)
    return audio, downbeats, phrases, part_starts


@pytest.fixture(scope="module")
def edm_track() -> Track:
    return render_track()


POP_LAYOUT: tuple[tuple[str, int], ...] = (
    ("intro", 8),
    ("verse", 16),
    ("chorus", 16),
    ("verse", 16),
    ("chorus", 16),
    ("outro", 8),
)


def render_pop_track() -> tuple[np.ndarray, list[dict[str, float]], list[float]]:
    """A song without a bass drop: the bass plays in verses and choruses alike."""
    rng = np.random.default_rng(3)
    parts = []
    for kind, bars in POP_LAYOUT:
        beats = 4 * bars
        kick, bass = np.tile(_kick_beat(), beats), np.tile(_bass_beat(), beats)
        pads = _pads(bars, amp=0.04)
        if kind in ("intro", "outro"):
            parts.append(pads)
        elif kind == "verse":
            parts.append(0.8 * kick + 0.8 * bass + pads)
        else:
            t = _t(bars * BAR_S)
            lead = 0.15 * np.sin(2 * np.pi * 880.0 * t) * (np.mod(t, BEAT_S) < 0.4)
            parts.append(
                kick
                + bass
                + 1.5 * pads
                + _stabs(bars, amp=0.06)
                + np.tile(_hats_beat(rng), beats)
                + lead
            )
    total_bars = sum(bars for _, bars in POP_LAYOUT)
    phrases = [
        {"start_s": i * BAR_S, "bars": PHRASE_BARS} for i in range(0, total_bars, PHRASE_BARS)
    ]
    part_starts = list(np.cumsum([0] + [bars for _, bars in POP_LAYOUT[:-1]]) * BAR_S)
    return np.concatenate(parts).astype(np.float32), phrases, part_starts


def _assert_tiles(result: list[Section], duration_s: float) -> None:
    assert result[0]["start_s"] == 0.0
    assert result[-1]["end_s"] == duration_s
    for before, after in zip(result[:-1], result[1:], strict=True):
        assert before["end_s"] == after["start_s"]
    for section in result:
        assert section["end_s"] > section["start_s"]
        assert 0.0 <= section["energy"] <= 1.0
        assert section["label"] in {"intro", "verse", "build", "chorus", "drop", "break", "outro"}


# --- spectral balance --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("freq", "band"),
    [
        (60.0, "low"),
        (300.0, "low_mid"),
        (1000.0, "mid"),
        (4000.0, "high_mid"),
        (9000.0, "high"),
    ],
)
def test_a_sine_lands_in_its_band(freq: float, band: str) -> None:
    balance = spectral_balance(_sine(freq, 5.0), SR)
    # Hann leakage a few bins wide stays inside any band these tones sit in the middle of.
    assert_allclose(balance[band], 1.0, atol=0.005)


@pytest.mark.parametrize("signal", ["sine", "white", "pink", "mix", "clipped"])
def test_band_shares_sum_to_one(signal: str) -> None:
    y = {
        "sine": _sine(440.0, 3.0),
        "white": 0.1 * _white(3.0),
        "pink": _pink(3.0),
        "mix": _sine(50.0, 3.0) + 0.01 * _white(3.0) + _sine(3000.0, 3.0, amp=0.05),
        "clipped": np.clip(3 * _pink(3.0, seed=4), -1, 1),
    }[signal]
    balance = spectral_balance(y, SR)
    assert list(balance) == [name for name, _, _ in BANDS]
    assert_allclose(sum(balance.values()), 1.0, atol=1e-9)
    assert all(0.0 <= v <= 1.0 and round(v, 3) == v for v in balance.values())


def test_white_noise_spreads_by_bandwidth_and_pink_by_octaves() -> None:
    # White noise has equal energy per Hz, pink equal energy per octave: each band's share is
    # its width in Hz (white) or in log-frequency (pink), over 20 Hz..Nyquist.
    top = SR / 2
    edges = [(lo, min(hi, top)) for _, lo, hi in BANDS]
    white_expected = np.array([hi - lo for lo, hi in edges]) / (top - 20.0)
    pink_expected = np.array([math.log(hi / lo) for lo, hi in edges]) / math.log(top / 20.0)
    white = np.array(list(spectral_balance(0.1 * _white(20.0), SR).values()))
    pink = np.array(list(spectral_balance(_pink(20.0), SR).values()))
    assert_allclose(white, white_expected, atol=0.01)
    assert_allclose(pink, pink_expected, atol=0.02)
    assert pink[0] > white[0] and pink[-1] < white[-1]


def test_balance_at_44k_reaches_20k_and_silence_is_zero() -> None:
    white = spectral_balance(0.1 * _white(5.0, sr=44100), 44100)
    assert_allclose(white["high"], 14000 / 19980, atol=0.01)
    assert spectral_balance(np.zeros(SR, np.float32), SR) == dict.fromkeys(white, 0.0)


def test_balance_refuses_bad_input() -> None:
    with pytest.raises(AudioError) as shape:
        spectral_balance(np.zeros((2, SR), np.float32), SR)
    assert shape.value.code == "NOT_MONO"
    with pytest.raises(EmptyAudio):
        spectral_balance(np.zeros(0, np.float32), SR)
    with pytest.raises(AudioError) as rate:
        spectral_balance(_sine(100.0, 1.0), 0)
    assert rate.value.code == "BAD_SAMPLE_RATE"


# --- stereo image ------------------------------------------------------------------------------


def _stereo(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    return np.stack([left, right]).astype(np.float32)


@pytest.mark.parametrize(
    ("gain", "correlation"), [(1.0, 1.0), (0.5, 1.0), (-1.0, -1.0), (0.0, 0.0)]
)
def test_width_and_correlation_of_a_scaled_copy(gain: float, correlation: float) -> None:
    left = 0.3 * _white(10.0)
    image = stereo_image(_stereo(left, gain * left))
    # R = g·L: side/(mid+side) = (1−g)² / (2(1+g²)), exactly.
    assert_allclose(image["stereo_width"], (1 - gain) ** 2 / (2 * (1 + gain**2)), atol=0.001)
    assert_allclose(image["correlation"], correlation, atol=0.001)


def test_independent_noise_is_uncorrelated_and_wide() -> None:
    image = stereo_image(_stereo(0.3 * _white(20.0, seed=1), 0.3 * _white(20.0, seed=2)))
    assert_allclose(image["correlation"], 0.0, atol=0.05)
    assert_allclose(image["stereo_width"], 0.5, atol=0.05)


@pytest.mark.parametrize("shape", ["1-D", "one channel", "silent stereo"])
def test_mono_and_silence_read_as_mono(shape: str) -> None:
    sine = _sine(440.0, 2.0)
    samples = {
        "1-D": sine,
        "one channel": sine[np.newaxis, :],
        "silent stereo": np.zeros((2, SR), np.float32),
    }[shape]
    assert stereo_image(samples) == {"stereo_width": 0.0, "correlation": 1.0}


def test_stereo_refuses_more_than_two_channels() -> None:
    with pytest.raises(TooManyChannels):
        stereo_image(np.zeros((6, SR), np.float32))


# --- energy curve ------------------------------------------------------------------------------


@pytest.mark.parametrize("seconds", [3.0, 3.2, 10.01, 0.1])
@pytest.mark.parametrize("hop_s", [0.5, 0.25, 1.0, 0.3])
def test_energy_curve_has_one_value_per_hop(seconds: float, hop_s: float) -> None:
    curve = energy_curve(_sine(440.0, seconds), SR, hop_s=hop_s)
    assert len(curve) == math.ceil(round(seconds * SR) / SR / hop_s - 1e-9)
    assert all(0.0 <= v <= 1.0 for v in curve)


def test_energy_curve_follows_a_quiet_then_loud_envelope() -> None:
    quiet, loud = _sine(1000.0, 5.0, amp=0.05), _sine(1000.0, 5.0, amp=0.5)
    curve = np.array(energy_curve(np.concatenate([quiet, loud]), SR, hop_s=0.5))
    # 20 dB below the loudest hop is half way down the 40 dB scale.
    assert_allclose(curve[:10], 0.5, atol=0.01)
    assert_allclose(curve[10:], 1.0, atol=0.01)


def test_energy_curve_of_silence_is_zero_and_hop_is_checked() -> None:
    assert energy_curve(np.zeros(3 * SR, np.float32), SR) == [0.0] * 6
    for hop in (0.0, -1.0, float("nan")):
        with pytest.raises(AudioError) as error:
            energy_curve(_sine(440.0, 1.0), SR, hop_s=hop)
        assert error.value.code == "INVALID_ARGUMENT"


# --- sections ----------------------------------------------------------------------------------


@pytest.mark.parametrize("phrase_bars", [8, 16])
def test_sections_of_an_edm_track_follow_its_phrases(edm_track: Track, phrase_bars: int) -> None:
    audio, downbeats, phrases, part_starts = edm_track
    duration = audio.size / SR
    phrases = [p for p in phrases if round(p["start_s"] / BAR_S) % phrase_bars == 0]
    result = sections(audio, SR, downbeats=downbeats, phrases=phrases, duration_s=duration)
    _assert_tiles(result, duration)
    assert [s["label"] for s in result] == [kind for kind, _ in LAYOUT]
    assert_allclose([s["start_s"] for s in result], part_starts, atol=BEAT_S)
    energy = {s["label"]: s["energy"] for s in result}
    assert energy["drop"] == 1.0
    assert energy["intro"] < energy["build"] < energy["drop"]
    assert energy["break"] < energy["outro"] < energy["drop"]


@pytest.mark.parametrize(("riser", "pads"), [(0.1, 0.02), (0.3, 0.08)])
def test_section_labels_hold_across_mixes(riser: float, pads: float) -> None:
    # A faint riser under loud pads, and a riser that ends louder than the drop over quiet pads.
    audio, _, phrases, part_starts = render_track(riser=riser, pads=pads)
    result = sections(audio, SR, downbeats=[], phrases=phrases, duration_s=audio.size / SR)
    assert [s["label"] for s in result] == [kind for kind, _ in LAYOUT]
    assert_allclose([s["start_s"] for s in result], part_starts, atol=BEAT_S)


@pytest.mark.parametrize("grid", ["downbeats", "nothing"])
def test_sections_without_phrases_fall_back_to_novelty(edm_track: Track, grid: str) -> None:
    audio, downbeats, _, part_starts = edm_track
    duration = audio.size / SR
    beats = downbeats if grid == "downbeats" else []
    result = sections(audio, SR, downbeats=beats, phrases=[], duration_s=duration)
    _assert_tiles(result, duration)
    if grid == "downbeats":
        assert {s["start_s"] for s in result} <= set(downbeats)
    # Clustering bars is rougher than a phrase grid: the same layout, within two bars.
    assert [s["label"] for s in result] == [kind for kind, _ in LAYOUT]
    assert_allclose([s["start_s"] for s in result], part_starts, atol=2 * BAR_S)


def test_sections_without_a_bass_drop_are_verses_and_choruses() -> None:
    audio, phrases, part_starts = render_pop_track()
    duration = audio.size / SR
    result = sections(audio, SR, downbeats=[], phrases=phrases, duration_s=duration)
    _assert_tiles(result, duration)
    assert [s["label"] for s in result] == [kind for kind, _ in POP_LAYOUT]
    assert_allclose([s["start_s"] for s in result], part_starts, atol=BEAT_S)


@pytest.mark.parametrize("phrases", [[], [{"start_s": 0.0, "bars": 8}]])
def test_short_audio_is_one_section(phrases: list[dict[str, float]]) -> None:
    audio = _sine(220.0, 3.0)
    result = sections(audio, SR, downbeats=[0.0, 2.0], phrases=phrases, duration_s=3.0)
    assert result == [{"start_s": 0.0, "end_s": 3.0, "label": "verse", "energy": 1.0}]


def test_sections_tolerate_untidy_phrases_and_silence(edm_track: Track) -> None:
    audio, downbeats, phrases, _ = edm_track
    clip = audio[: 60 * SR]
    untidy = [
        {"start_s": 48.0, "bars": 8},
        {"start_s": 0.3, "bars": 8},
        {"start_s": 16.0, "bars": 8},
        {"start_s": 16.0, "bars": 8},
        {"start_s": 58.5, "bars": 8},
        {"start_s": 90.0, "bars": 8},
    ]
    result = sections(clip, SR, downbeats=downbeats, phrases=untidy, duration_s=60.0)
    _assert_tiles(result, 60.0)
    assert {s["start_s"] for s in result} <= {0.0, 0.3, 16.0, 48.0}
    silent = sections(np.zeros(30 * SR, np.float32), SR, downbeats=[], phrases=[], duration_s=30.0)
    _assert_tiles(silent, 30.0)


def test_sections_refuse_malformed_input() -> None:
    audio = _sine(220.0, 20.0)
    with pytest.raises(AudioError) as phrase:
        sections(audio, SR, downbeats=[], phrases=[{"bars": 8}], duration_s=20.0)
    assert phrase.value.code == "INVALID_ARGUMENT"
    with pytest.raises(AudioError) as duration:
        sections(audio, SR, downbeats=[], phrases=[], duration_s=0.0)
    assert duration.value.code == "INVALID_ARGUMENT"


# --- waveform peaks ----------------------------------------------------------------------------


@pytest.mark.parametrize("frames", [500, 1000, 22_050, 3 * SR + 7])
@pytest.mark.parametrize("points", [1, 10, 1000, 4096])
def test_peaks_have_one_pair_per_point(frames: int, points: int) -> None:
    y = 0.8 * _white(frames / SR) / 4
    peaks = waveform_peaks(y, points=points)
    assert len(peaks) == points
    pairs = np.array(peaks)
    assert np.all(pairs[:, 0] <= pairs[:, 1])
    assert np.all(np.abs(pairs) <= 1.0)
    assert_allclose(pairs, np.round(pairs, 4), atol=0)
    # Every sample falls in some bucket: the extremes of the whole signal are drawn.
    assert_allclose(
        [pairs[:, 0].min(), pairs[:, 1].max()],
        np.round(np.clip([y.min(), y.max()], -1, 1), 4),
        atol=1e-4,
    )


def test_peaks_draw_the_envelope_of_the_mono_mix() -> None:
    sine = _sine(440.0, 4.0, amp=0.5)
    for samples in (sine, np.stack([sine, sine]), np.stack([2.4 * sine, -0.4 * sine])):
        assert_allclose(waveform_peaks(samples, points=200), [[-0.5, 0.5]] * 200, atol=1e-3)
    loud = waveform_peaks(4 * sine, points=50)
    assert_allclose(loud, [[-1.0, 1.0]] * 50)  # clipped for drawing


def test_peaks_of_silence_are_zero_and_points_are_checked() -> None:
    assert waveform_peaks(np.zeros((2, SR), np.float32), points=100) == [[0.0, 0.0]] * 100
    with pytest.raises(AudioError) as error:
        waveform_peaks(_sine(440.0, 1.0), points=0)
    assert error.value.code == "INVALID_ARGUMENT"
    with pytest.raises(EmptyAudio):
        waveform_peaks(np.zeros((2, 0), np.float32))


@pytest.mark.parametrize(
    "freq, loud_band",
    [(60.0, "low"), (800.0, "mid"), (6000.0, "high")],
)
def test_band_peaks_put_a_sine_in_its_band(freq: float, loud_band: str) -> None:
    bands = band_peaks(_sine(freq, 2.0, amp=0.5), SR, points=20)
    assert list(bands) == ["low", "mid", "high"]
    assert all(len(levels) == 20 for levels in bands.values())
    # Past the filters' first bucket (their start-up), the sine's own band holds its full peak
    # (within 10 %: a Butterworth passband ripples none, its edges lose a little) and the others
    # at least 20 dB less.
    levels = {name: np.array(values[1:]) for name, values in bands.items()}
    assert_allclose(levels[loud_band], 0.5, rtol=0.1)
    for name, values in levels.items():
        if name != loud_band:
            assert values.max() < 0.05, (name, values.max())


def test_band_peaks_follow_where_the_sound_is() -> None:
    quiet_then_kick = np.concatenate([np.zeros(SR, np.float32), _sine(60.0, 1.0, amp=0.8)])
    low = band_peaks(quiet_then_kick, SR, points=10)["low"]
    assert_allclose(low[:5], 0.0, atol=1e-4)
    assert_allclose(low[6:], 0.8, rtol=0.1)


def test_band_peaks_check_their_input() -> None:
    with pytest.raises(AudioError) as error:
        band_peaks(_sine(440.0, 1.0), SR, points=0)
    assert error.value.code == "INVALID_ARGUMENT"
    with pytest.raises(EmptyAudio):
        band_peaks(np.zeros(0, np.float32), SR)
