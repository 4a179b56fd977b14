"""What a DJ takes away from a render: files named after the mix and its tracks, a standard
`.cue` sheet, a plain-text tracklist with timestamps, and one ZIP of everything.

Stored files keep their safe, app-chosen names (`mix.wav`, `stem_<track id>.wav`); the names
here are *download* names, sent in Content-Disposition and used inside the ZIP — made from
titles people typed, so they are cleaned of anything a file system or a header would misread.
Pure functions and files: no Flask, no database.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Characters Windows, macOS or a Content-Disposition header would misread in a file name.
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f-\x9f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10))}
_RESERVED |= {f"LPT{i}" for i in range(1, 10)}
MAX_STEM_CHARS = 100
CUE_FRAMES_PER_SECOND = 75  # a CD frame: INDEX times are mm:ss:ff


@dataclass(frozen=True)
class CueEntry:
    """One track of the mix as a cue sheet and a tracklist list it."""

    start_s: float
    title: str
    performer: str | None


def safe_stem(text: str | None, *, fallback: str) -> str:
    """`text` as the part of a file name before its extension (never empty, never a path)."""
    cleaned = unicodedata.normalize("NFC", text or "")
    # Format characters (bidi overrides, zero-width) go; controls (tabs, newlines) become spaces.
    cleaned = "".join(ch for ch in cleaned if unicodedata.category(ch) != "Cf")
    cleaned = _FORBIDDEN.sub(" ", cleaned)
    cleaned = re.sub(r"\s+", " ", cleaned).strip(" .")[:MAX_STEM_CHARS].strip(" .")
    if not cleaned or cleaned.upper() in _RESERVED:
        return fallback
    return cleaned


def mix_stem(title: str | None) -> str:
    """The mix's files are `<mix title>.<ext>`."""
    return safe_stem(title, fallback="IntelliMix mix")


def stem_names(segments: Sequence[Mapping[str, Any]], titles: Mapping[str, str]) -> dict[str, str]:
    """`01 - <track title>.wav` per track id, numbered in the order the tracks enter the mix."""
    order: list[str] = []
    for segment in segments:
        if segment["track_id"] not in order:
            order.append(segment["track_id"])
    width = max(2, len(str(len(order))))
    return {
        track_id: f"{number:0{width}d} - "
        f"{safe_stem(titles.get(track_id), fallback=f'Track {number}')}.wav"
        for number, track_id in enumerate(order, start=1)
    }


def cue_entries(
    cues: Iterable[Mapping[str, Any]], tracks: Mapping[str, tuple[str, str | None]]
) -> list[CueEntry]:
    """The render's cues (`{track_id, start_s}` per segment) with each track's title and artist."""
    entries = []
    for cue in cues:
        title, artist = tracks.get(cue["track_id"], (str(cue.get("label") or "Unknown"), None))
        entries.append(CueEntry(start_s=float(cue["start_s"]), title=title, performer=artist))
    return entries


def cue_time(seconds: float) -> str:
    """Seconds → a cue sheet's `mm:ss:ff` (75 frames a second; minutes may pass 99)."""
    frames = round(max(0.0, seconds) * CUE_FRAMES_PER_SECOND)
    minutes, rest = divmod(frames, 60 * CUE_FRAMES_PER_SECOND)
    whole, frame = divmod(rest, CUE_FRAMES_PER_SECOND)
    return f"{minutes:02d}:{whole:02d}:{frame:02d}"


def _quoted(text: str) -> str:
    # A cue sheet string has no escapes: a double quote would end it.
    return '"' + re.sub(r"[\r\n]+", " ", text).replace('"', "'") + '"'


def cue_sheet(*, title: str, audio_name: str, entries: Sequence[CueEntry]) -> str:
    """A standard cue sheet: one WAVE file, one TRACK per entry, INDEX 01 where it starts."""
    lines = ['PERFORMER "IntelliMix"', f"TITLE {_quoted(title)}"]
    lines.append(f"FILE {_quoted(audio_name)} WAVE")
    for number, entry in enumerate(entries, start=1):
        lines.append(f"  TRACK {number:02d} AUDIO")
        lines.append(f"    TITLE {_quoted(entry.title)}")
        if entry.performer:
            lines.append(f"    PERFORMER {_quoted(entry.performer)}")
        lines.append(f"    INDEX 01 {cue_time(entry.start_s)}")
    return "\r\n".join(lines) + "\r\n"


def clock(seconds: float) -> str:
    """83.4 → `1:23`; 3725 → `1:02:05` (a tracklist's timestamps)."""
    total = int(max(0.0, seconds) + 0.5)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def tracklist(*, title: str, duration_s: float, entries: Sequence[CueEntry]) -> str:
    """Plain text to paste under a mix: the title, then `0:00  Title — Artist` per track."""
    lines = [f"{title} ({clock(duration_s)})", ""]
    for entry in entries:
        who = f"{entry.title} — {entry.performer}" if entry.performer else entry.title
        lines.append(f"{clock(entry.start_s)}  {who}")
    return "\n".join(lines) + "\n"


def write_zip(target: Path, members: Iterable[tuple[Path, str]]) -> Path:
    """One ZIP of `(file, name inside)`: audio stored (it barely compresses), text deflated."""
    with zipfile.ZipFile(target, "w") as bundle:
        for source, name in members:
            compress = zipfile.ZIP_DEFLATED if source.suffix in (".cue", ".txt", ".json") else 0
            bundle.write(source, arcname=name, compress_type=compress or zipfile.ZIP_STORED)
    return target


@dataclass(frozen=True)
class ExportSet:
    """Download names for the rendered files, and the cue sheet, tracklist and ZIP written."""

    mix_stem: str
    stem_names: dict[str, str]  # track id → `01 - <title>.wav`
    cue_sheet: Path
    tracklist: Path
    bundle: Path


def write_exports(
    *,
    title: str,
    segments: Sequence[Mapping[str, Any]],
    tracks: Mapping[str, tuple[str, str | None]],
    cues: Iterable[Mapping[str, Any]],
    duration_s: float,
    mix_wav: Path,
    mix_mp3: Path,
    stems: Mapping[str, Path],
    out_dir: Path,
) -> ExportSet:
    """Write `mix.cue`, `tracklist.txt` and `mix.zip` (everything, by download name) in `out_dir`.

    `tracks`: track id → (title, artist). The cue sheet names the WAV as it is called in the
    ZIP and when downloaded, so it plays beside it.
    """
    name = mix_stem(title)
    names = stem_names(segments, {track_id: info[0] for track_id, info in tracks.items()})
    entries = cue_entries(cues, tracks)
    cue_path = out_dir / "mix.cue"
    cue_path.write_text(cue_sheet(title=title, audio_name=f"{name}.wav", entries=entries), "utf-8")
    list_path = out_dir / "tracklist.txt"
    list_path.write_text(tracklist(title=title, duration_s=duration_s, entries=entries), "utf-8")
    members = [
        (mix_wav, f"{name}.wav"),
        (mix_mp3, f"{name}.mp3"),
        (cue_path, f"{name}.cue"),
        (list_path, f"{name} - tracklist.txt"),
        *((path, f"Stems/{names[track_id]}") for track_id, path in stems.items()),
    ]
    bundle = write_zip(out_dir / "mix.zip", members)
    return ExportSet(name, names, cue_path, list_path, bundle)
