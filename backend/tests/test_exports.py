"""DJ exports: safe titled file names, a cue sheet read back, the tracklist, the ZIP."""

from __future__ import annotations

import zipfile

import pytest

from intellimix.chats import exports

from .cue_sheets import parse_cue


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Sunrise into Night Drive", "Sunrise into Night Drive"),
        ("Café Noir — 124 BPM", "Café Noir — 124 BPM"),
        ("../../etc/passwd", "etc passwd"),
        ('a "quoted" mix: part 1/2?', "a quoted mix part 1 2"),
        ("tab\tand\nnewline\x00", "tab and newline"),
        ("  ...hidden.  ", "hidden"),
        ("CON", "fallback"),
        ("", "fallback"),
        (None, "fallback"),
        ("\u202eevil", "evil"),  # a right-to-left override (format character) is dropped
    ],
)
def test_safe_stem_is_never_a_path_or_a_broken_header(title, expected):
    name = exports.safe_stem(title, fallback="fallback")
    assert name == expected
    assert not set('/\\<>:"|?*') & set(name) and "\n" not in name


def test_long_titles_are_cut():
    assert len(exports.safe_stem("x" * 500, fallback="f")) == exports.MAX_STEM_CHARS


def test_stems_are_numbered_in_the_order_tracks_enter_the_mix():
    segments = [{"track_id": "b"}, {"track_id": "a"}, {"track_id": "b"}, {"track_id": "c"}]
    names = exports.stem_names(segments, {"a": "Alpha", "b": "Beta/Remix"})
    assert names == {"b": "01 - Beta Remix.wav", "a": "02 - Alpha.wav", "c": "03 - Track 3.wav"}


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0.0, "00:00:00"),
        (83.0, "01:23:00"),
        (1.2, "00:01:15"),
        (3600.0, "60:00:00"),
        (-1, "00:00:00"),
    ],
)
def test_cue_times_are_minutes_seconds_and_75ths(seconds, expected):
    assert exports.cue_time(seconds) == expected


def test_a_cue_sheet_reads_back_with_its_titles_and_start_times():
    entries = [
        exports.CueEntry(0.0, "Warehouse Sunrise", "IntelliMix"),
        exports.CueEntry(35.44, 'Night "Runner"', None),
        exports.CueEntry(127.987, "Ünïcode Drift", "Ada"),
    ]
    text = exports.cue_sheet(title="Late Set", audio_name="Late Set.wav", entries=entries)
    sheet = parse_cue(text)
    assert (sheet["title"], sheet["performer"]) == ("Late Set", "IntelliMix")
    assert (sheet["file"], sheet["file_type"]) == ("Late Set.wav", "WAVE")
    assert [t["number"] for t in sheet["tracks"]] == [1, 2, 3]
    assert [t["title"] for t in sheet["tracks"]] == [
        "Warehouse Sunrise",
        "Night 'Runner'",
        "Ünïcode Drift",
    ]
    assert [t["performer"] for t in sheet["tracks"]] == ["IntelliMix", None, "Ada"]
    for track, entry in zip(sheet["tracks"], entries, strict=True):
        assert abs(track["start_s"] - entry.start_s) <= 0.5 / exports.CUE_FRAMES_PER_SECOND


def test_the_tracklist_has_a_timestamp_per_track():
    entries = [exports.CueEntry(0.0, "A", "X"), exports.CueEntry(3725.4, "B", None)]
    text = exports.tracklist(title="Marathon", duration_s=3800, entries=entries)
    assert text.splitlines() == ["Marathon (1:03:20)", "", "0:00  A — X", "1:02:05  B"]


def test_write_exports_bundles_everything_under_download_names(tmp_path):
    wav, mp3, stem_a, stem_b = (tmp_path / n for n in ("mix.wav", "mix.mp3", "sa.wav", "sb.wav"))
    for path in (wav, mp3, stem_a, stem_b):
        path.write_bytes(b"RIFF" + path.name.encode())
    made = exports.write_exports(
        title="Sunrise/Night",
        segments=[{"track_id": "a"}, {"track_id": "b"}],
        tracks={"a": ("Sunrise", "Nova"), "b": ("Night", None)},
        cues=[{"track_id": "a", "start_s": 0.0}, {"track_id": "b", "start_s": 30.0}],
        duration_s=60.0,
        mix_wav=wav,
        mix_mp3=mp3,
        stems={"a": stem_a, "b": stem_b},
        out_dir=tmp_path,
    )
    assert made.mix_stem == "Sunrise Night"
    with zipfile.ZipFile(made.bundle) as bundle:
        assert sorted(bundle.namelist()) == [
            "Stems/01 - Sunrise.wav",
            "Stems/02 - Night.wav",
            "Sunrise Night - tracklist.txt",
            "Sunrise Night.cue",
            "Sunrise Night.mp3",
            "Sunrise Night.wav",
        ]
        assert bundle.getinfo("Sunrise Night.wav").compress_type == zipfile.ZIP_STORED
        sheet = parse_cue(bundle.read("Sunrise Night.cue").decode("utf-8"))
    assert sheet["file"] == "Sunrise Night.wav"
    assert [(t["title"], t["start_s"]) for t in sheet["tracks"]] == [
        ("Sunrise", 0.0),
        ("Night", 30.0),
    ]
