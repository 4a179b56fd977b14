"""Downloaded media → the format asked for, with ffmpeg (the one the audio engine uses).

ffmpeg directly rather than moviepy: every conversion here is one ffmpeg command (a remux or
a transcode), which moviepy would also hand to ffmpeg — after decoding every frame into
numpy arrays in Python, many times slower for a plain format change, and one dependency more.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from intellimix.audio.errors import AudioError, UndecodableAudio
from intellimix.audio.io import ffmpeg_executable, probe

# format asked → (file extension, ffmpeg output arguments)
AUDIO_FORMATS: dict[str, tuple[str, list[str]]] = {
    "mp3": ("mp3", ["-vn", "-c:a", "libmp3lame", "-b:a", "320k"]),
    "m4a": ("m4a", ["-vn", "-c:a", "aac", "-b:a", "256k", "-movflags", "+faststart"]),
    "mp4-audio": ("m4a", ["-vn", "-c:a", "aac", "-b:a", "256k", "-movflags", "+faststart"]),
    "wav": ("wav", ["-vn", "-c:a", "pcm_s16le"]),
}
VIDEO_REMUX = ["-map", "0:v:0", "-map", "0:a:0?", "-c", "copy", "-movflags", "+faststart"]
VIDEO_TRANSCODE = [
    "-map", "0:v:0", "-map", "0:a:0?",
    "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
    "-c:a", "aac", "-b:a", "192k", "-movflags", "+faststart",
]  # fmt: skip
TIMEOUT_S = 1800


class NoVideoStream(AudioError):
    code, status = "NO_VIDEO_STREAM", 422


def convert_audio(source: Path, target_stem: Path, fmt: str) -> Path:
    """The audio of `source` as `fmt`; checked by decoding the result."""
    extension, arguments = AUDIO_FORMATS[fmt]
    target = target_stem.with_suffix(f".{extension}")
    _ffmpeg(["-i", str(source), *arguments, str(target)])
    probe(target)
    return target


def convert_video(source: Path, target_stem: Path) -> Path:
    """`source` as an MP4 (streams copied when MP4 can hold them, else H.264/AAC)."""
    target = target_stem.with_suffix(".mp4")
    if not has_video(source):
        raise NoVideoStream("The link holds no video to download; try the audio download.")
    try:
        _ffmpeg(["-i", str(source), *VIDEO_REMUX, str(target)])
    except UndecodableAudio:
        _ffmpeg(["-i", str(source), *VIDEO_TRANSCODE, str(target)])
    if not has_video(target):
        raise UndecodableAudio("The converted video could not be read back.")
    return target


def has_video(path: Path) -> bool:
    """Whether one frame of a video stream decodes (imageio-ffmpeg ships no ffprobe)."""
    command = [ffmpeg_executable(), "-hide_banner", "-nostdin", "-v", "error", "-i", str(path),
               "-map", "0:v:0", "-frames:v", "1", "-f", "null", "-"]  # fmt: skip
    return subprocess.run(command, capture_output=True, timeout=120).returncode == 0


def _ffmpeg(arguments: list[str]) -> None:
    command = [ffmpeg_executable(), "-hide_banner", "-nostdin", "-v", "error", "-y", *arguments]
    if subprocess.run(command, capture_output=True, timeout=TIMEOUT_S).returncode != 0:
        raise UndecodableAudio("The downloaded file could not be converted.")
