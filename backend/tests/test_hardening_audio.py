"""Audio that would exhaust a heavy slot is refused before any heavy step (issue 17, 1 and 2)."""

from __future__ import annotations

import io as bytes_io
import struct
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from intellimix.audio import io, loudness
from intellimix.audio.analysis import analyze_file
from intellimix.audio.errors import AudioError

from .audio.media import tone
from .conftest import Api


def _wav_declaring(path: Path, *, sample_rate: int, frames: int = 1000) -> Path:
    """A tiny 16-bit mono WAV whose header claims `sample_rate` (hand-written: any rate fits)."""
    data = (np.sin(np.arange(frames) / 3) * 12000).astype("<i2").tobytes()
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, sample_rate, sample_rate * 2, 2, 16)
    path.write_bytes(header + fmt + b"data" + struct.pack("<I", len(data)) + data)
    return path


def _upload(client, headers, path: Path):
    return client.post(
        "/api/v1/tracks",
        data={"file": (bytes_io.BytesIO(path.read_bytes()), path.name)},
        headers=headers,
        content_type="multipart/form-data",
    )


@pytest.fixture
def headers(api):
    return api.bearer(api.register()["access_token"])


@pytest.mark.parametrize("rate", [1, 100, 7999, 192_001, 384_000])
def test_a_declared_rate_outside_8_to_192_khz_is_refused_on_upload(client, headers, tmp_path, rate):
    wav = _wav_declaring(tmp_path / "odd.wav", sample_rate=rate, frames=2 * max(rate, 1000))
    response = _upload(client, headers, wav)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "UNSUPPORTED_SAMPLE_RATE"


def test_a_1_hz_wav_fails_analysis_at_once(tmp_path):
    """The 2 KB attack file: refused at decode, not analysed for hours in `loudness`."""
    wav = _wav_declaring(tmp_path / "one-hertz.wav", sample_rate=1)
    assert wav.stat().st_size < 2100
    started = time.perf_counter()
    with pytest.raises(AudioError) as caught:
        analyze_file(wav)
    assert caught.value.code == "UNSUPPORTED_SAMPLE_RATE"
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("rate", [8000, 11025, 16000, 22050, 44100, 48000, 96000, 192000])
def test_oversampling_factor_is_fixed_whatever_the_rate(rate):
    factor = loudness._oversample_factor(rate, loudness.TRUE_PEAK_OVERSAMPLE)
    assert factor in (2, 4)
    assert loudness._oversample_factor(rate, 1) == 1


def test_true_peak_at_the_lowest_rate_stays_cheap():
    x = tone(seconds=5, sample_rate=8000, channels=2)
    started = time.perf_counter()
    assert loudness.true_peak_db(x, 8000) < 0
    assert time.perf_counter() - started < 2


def test_total_decoded_samples_are_capped_on_upload(make_app, tmp_path):
    """Frames × channels over MAX_DECODED_SAMPLES → 422 before anything is decoded in full."""
    api = Api(make_app(MAX_DECODED_SAMPLES=500_000).test_client())
    headers = api.bearer(api.register()["access_token"])
    path = tmp_path / "hi-res.flac"
    sf.write(str(path), np.zeros((192_000 * 2, 2), dtype=np.float32), 192_000, format="FLAC")
    response = _upload(api.client, headers, path)
    assert response.status_code == 422
    body = response.get_json()["error"]
    assert body["code"] == "AUDIO_TOO_LARGE" and "192" in body["message"]


def test_default_cap_refuses_twenty_minutes_of_192_khz_stereo(app):
    cap = app.config["MAX_DECODED_SAMPLES"]
    assert 1190 * 192_000 * 2 > cap >= 1200 * 96_000 * 2
    with pytest.raises(AudioError) as caught:
        io.check_size(sample_rate=192_000, channels=2, frames=1190 * 192_000, max_samples=cap)
    assert caught.value.code == "AUDIO_TOO_LARGE"


def test_decode_refuses_a_capped_file_even_without_a_probe(tmp_path):
    path = tmp_path / "long.wav"
    sf.write(str(path), np.zeros((48_000 * 3, 2), dtype=np.float32), 48_000)
    with pytest.raises(AudioError) as caught:
        io.decode(path, max_samples=100_000)
    assert caught.value.code == "AUDIO_TOO_LARGE"
    assert io.decode(path, max_samples=1_000_000).samples.shape == (2, 48_000 * 3)


def test_analysis_of_high_rates_runs_at_48_khz_and_reports_the_source_rate(tmp_path, monkeypatch):
    from intellimix.audio import analysis as pipeline

    seen_rates = []
    real = pipeline.analyze_audio

    def spy(samples, sample_rate, **kwargs):
        seen_rates.append(sample_rate)
        return real(samples, sample_rate, **kwargs)

    monkeypatch.setattr(pipeline, "analyze_audio", spy)
    path = tmp_path / "hi.wav"
    sf.write(str(path), tone(seconds=3, sample_rate=96_000).T, 96_000, subtype="PCM_24")
    analysis = analyze_file(path)
    assert seen_rates == [48_000]
    assert analysis["sample_rate"] == 96_000
    assert analysis["true_peak_db"] == pytest.approx(-6.0, abs=0.3)
