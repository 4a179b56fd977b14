"""Decoding what people upload, and encoding what IntelliMix delivers."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from intellimix.audio import io
from intellimix.audio.errors import EmptyAudio, TooManyChannels, TrackTooLong, UndecodableAudio

from .media import tone, transcode, video_with_audio, write_wav

FORMATS = {
    "wav": (),
    "flac": (),
    "aiff": (),
    "mp3": ("-b:a", "192k"),
    "ogg": ("-c:a", "libvorbis"),
    "opus": ("-c:a", "libopus"),
    "m4a": ("-c:a", "aac"),
}


@pytest.fixture
def source_wav(tmp_path):
    return write_wav(tmp_path / "source.wav", tone(seconds=3.0), 44100)


@pytest.mark.parametrize("extension", sorted(FORMATS))
def test_decodes_audio_formats(tmp_path, source_wav, extension):
    path = transcode(source_wav, tmp_path / f"song.{extension}", *FORMATS[extension])
    info = io.probe(path, max_seconds=60)
    assert info.channels == 2
    decoded = io.decode(path)
    assert decoded.samples.dtype == np.float32 and decoded.samples.shape[0] == 2
    # Lossy codecs pad a little (encoder delay); every format keeps the length within 0.1 s.
    np.testing.assert_allclose(decoded.duration_s, 3.0, atol=0.1)
    # Level of the middle second (codec edges ring): a −6 dBFS sine has RMS 0.5/√2.
    middle = decoded.samples[:, decoded.sample_rate : 2 * decoded.sample_rate]
    np.testing.assert_allclose(np.sqrt(np.mean(middle**2)), 0.5 / np.sqrt(2), rtol=0.05)


@pytest.mark.parametrize("extension", ["mp4", "mov", "webm", "mkv"])
def test_decodes_the_audio_of_videos(tmp_path, source_wav, extension):
    path = video_with_audio(source_wav, tmp_path / f"clip.{extension}")
    decoded = io.decode(path, sample_rate=22050)
    assert decoded.sample_rate == 22050 and decoded.source_channels == 2
    np.testing.assert_allclose(decoded.duration_s, 3.0, atol=0.15)


def test_low_sample_rate_mono_is_resampled(tmp_path):
    path = write_wav(tmp_path / "phone.wav", tone(channels=1, sample_rate=8000), 8000)
    decoded = io.decode(path, sample_rate=48000)
    assert decoded.samples.shape == (1, 3 * 48000)
    assert decoded.source_sample_rate == 8000
    spectrum = np.abs(np.fft.rfft(decoded.samples[0]))
    assert abs(np.argmax(spectrum) * 48000 / decoded.samples.shape[1] - 440) < 2


@pytest.mark.parametrize("channels", [3, 6, 8])
def test_surround_is_downmixed_to_stereo(tmp_path, channels):
    path = write_wav(tmp_path / "surround.wav", tone(channels=channels), 44100)
    assert io.probe(path).channels == channels
    decoded = io.decode(path)
    assert decoded.samples.shape[0] == 2 and decoded.source_channels == channels
    assert np.abs(decoded.samples).max() > 0.1


def test_nine_channels_are_refused(tmp_path):
    path = write_wav(tmp_path / "nine.wav", tone(channels=9, seconds=0.5), 44100)
    with pytest.raises(TooManyChannels) as caught:
        io.probe(path)
    assert caught.value.status == 415
    with pytest.raises(TooManyChannels):
        io.decode(path)


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", UndecodableAudio),
        (b"this is a text file, not an mp3\n" * 20, UndecodableAudio),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00garbage", UndecodableAudio),
    ],
)
def test_garbage_is_undecodable(tmp_path, content, error):
    path = tmp_path / "song.mp3"
    path.write_bytes(content)
    with pytest.raises(error) as caught:
        io.probe(path)
    assert caught.value.status == 415
    with pytest.raises(error):
        io.decode(path)


def test_zero_length_audio_is_empty(tmp_path):
    path = tmp_path / "empty.wav"
    sf.write(str(path), np.zeros((0, 2), dtype=np.float32), 44100)
    with pytest.raises(EmptyAudio):
        io.probe(path)
    with pytest.raises(EmptyAudio):
        io.decode(path)


def test_truncated_mp3_decodes_what_is_there(tmp_path, source_wav):
    full = transcode(source_wav, tmp_path / "full.mp3")
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    decoded = io.decode(cut)
    assert 1.0 < decoded.duration_s < 2.2


@pytest.mark.parametrize("extension", ["wav", "m4a"])
def test_too_long_is_refused(tmp_path, extension):
    wav = write_wav(tmp_path / "long.wav", tone(seconds=6.0, channels=1), 8000)
    path = wav if extension == "wav" else transcode(wav, tmp_path / "long.m4a", "-c:a", "aac")
    with pytest.raises(TrackTooLong) as caught:
        io.decode(path, max_seconds=4)
    assert caught.value.code == "TRACK_TOO_LONG" and caught.value.status == 422


@pytest.mark.parametrize("sample_rate", [44100, 48000])
def test_encode_wav_24_bit_round_trip(tmp_path, sample_rate):
    signal = tone(seconds=1.0, sample_rate=sample_rate)
    path = tmp_path / "out.wav"
    io.encode_wav(path, signal, sample_rate)
    info = sf.info(str(path))
    assert (info.subtype, info.samplerate, info.channels) == ("PCM_24", sample_rate, 2)
    np.testing.assert_allclose(io.decode(path).samples, signal, atol=2**-22)


def test_encode_mp3_320k(tmp_path):
    signal = tone(seconds=2.0, sample_rate=48000)
    path = tmp_path / "out.mp3"
    io.encode_mp3(path, signal, 48000)
    import mutagen.mp3

    assert mutagen.mp3.MP3(str(path)).info.bitrate == 320_000
    decoded = io.decode(path)
    np.testing.assert_allclose(decoded.duration_s, 2.0, atol=0.08)


@pytest.mark.parametrize(
    ("extension", "stored_as"),
    [("m4a", "m4a"), ("mp4", "mp4"), ("mov", "mov"), ("webm", "webm"), ("mkv", "mkv")],
)
def test_originals_keep_a_playable_extension(tmp_path, source_wav, extension, stored_as):
    if extension == "m4a":
        path = transcode(source_wav, tmp_path / "song.m4a", "-c:a", "aac")
    else:
        path = video_with_audio(source_wav, tmp_path / f"clip.{extension}")
    assert io.probe(path).extension == stored_as


def test_float_wav_bytes_depend_only_on_the_samples(tmp_path: Path) -> None:
    # libsndfile would stamp the float WAV's PEAK chunk with the time of writing.
    x = np.random.default_rng(5).uniform(-1.5, 1.5, (2, 4800)).astype(np.float32)
    first, second = tmp_path / "a.wav", tmp_path / "b.wav"
    io.encode_wav(first, x, 48_000, floating=True)
    time.sleep(1.1)
    io.encode_wav(second, x, 48_000, floating=True)
    assert first.read_bytes() == second.read_bytes()
    np.testing.assert_array_equal(io.decode(first).samples, x)
