"""Decode anything people have to float32, and encode what IntelliMix delivers.

libsndfile (via soundfile) reads WAV, FLAC, AIFF, MP3 and Ogg (Vorbis, Opus) directly; anything
else — AAC/M4A and the audio of MP4/MOV/WebM/MKV video — goes through ffmpeg, which comes from
the imageio-ffmpeg wheel when none is on PATH, so no system package is needed.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import librosa
import numpy as np
import soundfile as sf

from intellimix.audio.errors import (
    AudioTooLarge,
    EmptyAudio,
    TooManyChannels,
    TrackTooLong,
    UndecodableAudio,
    UnsupportedSampleRate,
)

MAX_CHANNELS = 8
# Outside these rates a file is broken or hostile: a 1 Hz header made the true-peak
# oversampling explode, and 384 kHz is no music format.
MIN_SAMPLE_RATE = 8_000
MAX_SAMPLE_RATE = 192_000
# Frames × channels one decode may hold (float32: 4 bytes each): twenty minutes of 96 kHz
# stereo, ≈0.9 GB. Longer material at higher rates is refused before it is decoded.
DEFAULT_MAX_DECODED_SAMPLES = 1200 * 96_000 * 2
PROBE_SECONDS = 2.0
DELIVERY_SAMPLE_RATE = 48_000
MP3_BITRATE = "320k"
IO_BLOCK = 1 << 16  # frames per block when a whole file is written or read
# Containers whose extension we keep when storing an original (by libsndfile format name).
SOUNDFILE_EXTENSIONS = {
    "WAV": "wav",
    "WAVEX": "wav",
    "RF64": "wav",
    "W64": "w64",
    "FLAC": "flac",
    "AIFF": "aiff",
    "MP3": "mp3",
    "OGG": "ogg",
    "CAF": "caf",
}


@dataclass(frozen=True)
class AudioInfo:
    """What a file holds, learned without decoding all of it."""

    duration_s: float
    sample_rate: int
    channels: int
    extension: str  # a safe extension for storing the original ("bin" when unknown)


@dataclass(frozen=True)
class DecodedAudio:
    samples: np.ndarray  # (channels, frames), float32, at most 2 channels
    sample_rate: int
    source_channels: int
    source_sample_rate: int

    @property
    def duration_s(self) -> float:
        return self.samples.shape[1] / self.sample_rate


def ffmpeg_executable() -> str:
    """ffmpeg on PATH, else the binary shipped inside the imageio-ffmpeg wheel."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def probe(
    path: Path,
    *,
    max_seconds: float | None = None,
    max_samples: int | None = None,
) -> AudioInfo:
    """Check a file is decodable audio within limits, decoding only its first seconds."""
    if max_samples is None:
        max_samples = DEFAULT_MAX_DECODED_SAMPLES
    info = _soundfile_info(path)
    if info is not None:
        duration, rate, channels = info.frames / info.samplerate, info.samplerate, info.channels
        check_size(sample_rate=rate, channels=channels, frames=info.frames, max_samples=max_samples)
        extension = SOUNDFILE_EXTENSIONS.get(info.format, "bin")
        head = _read_soundfile(path, frames=int(PROBE_SECONDS * rate))
    else:
        head, rate = _ffmpeg_decode(path, seconds=PROBE_SECONDS)
        channels = head.shape[0]
        duration = _container_duration(path)
        extension = _sniff_container(path)
        frames = int(duration * rate)
        check_size(sample_rate=rate, channels=channels, frames=frames, max_samples=max_samples)
    if head.size == 0:
        raise EmptyAudio("The file holds no audio samples.")
    _check_limits(channels=channels, duration_s=duration, max_seconds=max_seconds)
    return AudioInfo(
        duration_s=round(duration, 3), sample_rate=int(rate), channels=channels, extension=extension
    )


def decode(
    path: Path,
    *,
    sample_rate: int | None = None,
    max_seconds: float | None = None,
    max_samples: int | None = None,
) -> DecodedAudio:
    """Whole file → float32 (channels ≤ 2, 3–8 downmixed to stereo), optionally resampled.

    The sample rate and the number of samples (at most `max_samples`, by default
    DEFAULT_MAX_DECODED_SAMPLES) are checked before the file is read in full.
    """
    if max_samples is None:
        max_samples = DEFAULT_MAX_DECODED_SAMPLES
    info = _soundfile_info(path)
    if info is not None and info.channels <= 2:
        channels, rate = info.channels, info.samplerate
        check_size(sample_rate=rate, channels=channels, frames=info.frames, max_samples=max_samples)
        samples = _read_soundfile(path)
    else:
        channels, rate = _ffmpeg_layout(path) if info is None else (info.channels, info.samplerate)
        _check_limits(channels=channels, duration_s=0.0, max_seconds=None)
        check_size(sample_rate=rate, channels=channels, frames=0, max_samples=max_samples)
        kept_channels = min(channels, 2)
        # Enough to detect "too long" or "too large", never the whole of a huge file.
        limit = max_samples / (rate * kept_channels) + 1.0
        if max_seconds is not None:
            limit = min(limit, max_seconds + 1.0)
        # ffmpeg applies its standard downmix matrices for 3–8 channels.
        samples, rate = _ffmpeg_decode(path, seconds=limit, stereo=channels > 2)
        check_size(
            sample_rate=rate,
            channels=samples.shape[0],
            frames=samples.shape[1],
            max_samples=max_samples,
        )
    if samples.shape[1] == 0:
        raise EmptyAudio("The file holds no audio samples.")
    _check_limits(channels=channels, duration_s=samples.shape[1] / rate, max_seconds=max_seconds)
    if not np.all(np.isfinite(samples)):
        raise UndecodableAudio("The audio contains invalid (NaN or infinite) samples.")
    target = sample_rate or rate
    if target != rate:
        samples = resample(samples, rate, target)
    return DecodedAudio(
        samples=samples, sample_rate=target, source_channels=channels, source_sample_rate=int(rate)
    )


def resample(samples: np.ndarray, source_rate: int, target_rate: int) -> np.ndarray:
    """High-quality resampling (soxr) along the last axis."""
    resampled = librosa.resample(
        samples, orig_sr=source_rate, target_sr=target_rate, res_type="soxr_hq"
    )
    return np.ascontiguousarray(resampled, dtype=np.float32)


def to_mono(samples: np.ndarray) -> np.ndarray:
    """Average the channels; a 1-D input is returned as it is."""
    return samples if samples.ndim == 1 else samples.mean(axis=0).astype(np.float32)


_SFC_SET_ADD_PEAK_CHUNK = 0x1050  # sndfile.h
_SF_FALSE = 0


def encode_wav(
    path: Path,
    samples: np.ndarray,
    sample_rate: int,
    *,
    bit_depth: int = 24,
    floating: bool = False,
) -> None:
    """Write WAV from (channels, frames): PCM (24-bit by default) or 32-bit float.

    Float keeps values beyond full scale (pre-master stems), which PCM would clip.
    """
    data = np.asarray(samples, dtype=np.float32)
    channels = 1 if data.ndim == 1 else data.shape[0]
    # In blocks: libsndfile wants frames × channels, and transposing a whole mix copies it.
    blocks = (data[..., start : start + IO_BLOCK] for start in range(0, data.shape[-1], IO_BLOCK))
    encode_wav_blocks(
        path, blocks, sample_rate, channels=channels, bit_depth=bit_depth, floating=floating
    )


def encode_wav_blocks(
    path: Path,
    blocks: Iterable[np.ndarray],
    sample_rate: int,
    *,
    channels: int,
    bit_depth: int = 24,
    floating: bool = False,
) -> None:
    """`encode_wav` from consecutive (channels, frames) blocks, holding one block at a time.

    The same samples give the same bytes whether written whole or in blocks.
    """
    subtype = "FLOAT" if floating else {16: "PCM_16", 24: "PCM_24", 32: "PCM_32"}[bit_depth]
    with sf.SoundFile(str(path), "w", sample_rate, channels, subtype=subtype, format="WAV") as out:
        if floating:
            # libsndfile stamps a float WAV's PEAK chunk with the time of writing; without the
            # chunk the same samples always give the same bytes (generation is bit-exact).
            sf._snd.sf_command(out._file, _SFC_SET_ADD_PEAK_CHUNK, sf._ffi.NULL, _SF_FALSE)
        for block in blocks:
            out.write(np.asarray(block, dtype=np.float32).T)


def read_frames(path: Path, start: int, stop: int) -> np.ndarray:
    """Frames [start, stop) of a file libsndfile reads, as (channels, frames) float32.

    Only those frames are decoded (fewer past the file's end), so QA can measure a long
    delivered WAV a window at a time. No resampling: the caller knows the file's rate.
    """
    try:
        with sf.SoundFile(str(path)) as source:
            first = min(max(start, 0), source.frames)
            source.seek(first)
            data = source.read(max(stop - first, 0), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
        raise UndecodableAudio("The file is not audio we can decode.") from exc
    return np.ascontiguousarray(data.T)


def encode_mp3(
    path: Path, samples: np.ndarray, sample_rate: int, *, bitrate: str = MP3_BITRATE
) -> None:
    """Write a constant-bitrate MP3 through ffmpeg's LAME encoder."""
    with tempfile.TemporaryDirectory(prefix="intellimix-mp3-") as scratch:
        source = Path(scratch) / "source.wav"
        encode_wav(source, samples, sample_rate, floating=True)
        _run_ffmpeg(["-i", str(source), "-codec:a", "libmp3lame", "-b:a", bitrate, str(path)])


def _soundfile_info(path: Path) -> sf._SoundFileInfo | None:
    """libsndfile's view of the file, or None when it is not a format libsndfile reads."""
    try:
        return sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, ValueError):
        return None


def _read_soundfile(path: Path, *, frames: int = -1) -> np.ndarray:
    """(channels, frames) float32, filled a block at a time: no transposed copy of the whole."""
    with sf.SoundFile(str(path)) as source:
        total = source.frames if frames < 0 else min(frames, source.frames)
        out = np.empty((source.channels, total), dtype=np.float32)
        done = 0
        while done < total:
            block = source.read(min(IO_BLOCK, total - done), dtype="float32", always_2d=True)
            if block.shape[0] == 0:
                break  # the header promised more frames than the file holds
            out[:, done : done + block.shape[0]] = block.T
            done += block.shape[0]
    return out if done == total else np.ascontiguousarray(out[:, :done])


def _ffmpeg_decode(
    path: Path, *, seconds: float | None, stereo: bool = False
) -> tuple[np.ndarray, int]:
    """Decode the first audio stream to float WAV in a scratch folder, then read it."""
    with tempfile.TemporaryDirectory(prefix="intellimix-decode-") as scratch:
        target = Path(scratch) / "decoded.wav"
        args = ["-i", str(path), "-vn", "-map", "0:a:0", "-c:a", "pcm_f32le"]
        if seconds is not None:
            args += ["-t", f"{seconds:.3f}"]
        if stereo:
            args += ["-ac", "2"]
        _run_ffmpeg([*args, "-f", "wav", "-rf64", "auto", str(target)])
        try:
            rate = sf.info(str(target)).samplerate
            return _read_soundfile(target), int(rate)
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise UndecodableAudio("The file is not audio we can decode.") from exc


def _ffmpeg_layout(path: Path) -> tuple[int, int]:
    """Channels and sample rate of the first audio stream, from a tiny decode (no text parsing)."""
    head, rate = _ffmpeg_decode(path, seconds=0.1)
    return int(head.shape[0]), rate


def _sniff_container(path: Path) -> str:
    """The container from its magic bytes, so a stored original keeps a playable extension."""
    with path.open("rb") as handle:
        head = handle.read(64)
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand.startswith(b"M4A"):
            return "m4a"
        return "mov" if brand == b"qt  " else "mp4"
    if head.startswith(b"\x1aE\xdf\xa3"):  # EBML: Matroska or its WebM profile
        return "webm" if b"webm" in head else "mkv"
    return "bin"


def _container_duration(path: Path) -> float:
    """Duration from the container's metadata (mutagen), else 0 (checked again at decode)."""
    import mutagen

    try:
        meta = mutagen.File(str(path))
    except Exception:  # mutagen raises many types on unknown files; the decode already passed
        return 0.0
    length = getattr(getattr(meta, "info", None), "length", 0.0) or 0.0
    return float(length)


def _run_ffmpeg(args: list[str]) -> None:
    command = [ffmpeg_executable(), "-hide_banner", "-nostdin", "-v", "error", "-y", *args]
    result = subprocess.run(command, capture_output=True, timeout=600)
    if result.returncode != 0:
        raise UndecodableAudio("The file is not audio we can decode.")


def check_size(*, sample_rate: int, channels: int, frames: int, max_samples: int) -> None:
    """Refuse a sample rate outside 8–192 kHz, or more than `max_samples` frames × channels."""
    if not MIN_SAMPLE_RATE <= sample_rate <= MAX_SAMPLE_RATE:
        raise UnsupportedSampleRate(
            f"The audio's sample rate is {sample_rate} Hz; IntelliMix accepts "
            f"{MIN_SAMPLE_RATE // 1000} kHz to {MAX_SAMPLE_RATE // 1000} kHz."
        )
    total = frames * channels
    if total > max_samples:
        longest = max_samples / (sample_rate * channels)
        raise AudioTooLarge(
            f"The audio holds {total / 1e6:.0f} million samples ({frames / sample_rate:.0f} s of "
            f"{channels} channel(s) at {sample_rate / 1000:g} kHz); the limit is "
            f"{max_samples / 1e6:.0f} million, about {longest:.0f} s at that rate."
        )


def _check_limits(*, channels: int, duration_s: float, max_seconds: float | None) -> None:
    if channels > MAX_CHANNELS:
        raise TooManyChannels(
            f"Audio with {channels} channels is not supported (at most {MAX_CHANNELS})."
        )
    if max_seconds is not None and duration_s > max_seconds:
        raise TrackTooLong(
            f"The track is {duration_s:.0f} s long; the limit is {max_seconds:.0f} s."
        )
