"""Targets a track is measured against: genre tonal curves (measured) and delivery guidance.

Genre curves are not written by hand. Each is measured by `build_genre_targets` from tracks
our own procedural generator (`intellimix.audio.generate`, engine ENGINE) composes for that
genre: the prompt "<genre> track", seeds TARGET_SEEDS, TARGET_SECONDS long, synthesized,
balanced and mastered exactly as `generate_track` does (to −14 LUFS, −1 dBTP). A curve is the
mean of the seeds' relative 1/3-octave band levels (`measure.relative_band_levels`): what the
generator's arrangement of that genre sounds like, a named and reproducible source — not a
claim about all commercial music in the genre. `python -m intellimix.audio.feedback.targets`
rebuilds `genre_targets.json` (the file records engine, prompts, seeds and length);
`tests/audio/test_feedback_targets.py` re-measures one entry to check the file is what the
builder gives.

Without a genre the tonal balance is compared only with a reference track, when one is given.

Delivery guidance (`DELIVERY`), each with its source:

- Streaming loudness −14 LUFS integrated: the level Spotify's and YouTube's loudness
  normalisation play at by default (Spotify for Artists, "Loudness normalization"); a master
  far under it is turned up only as far as its peaks allow, far over it is turned down and
  loses its loudness for nothing but lost dynamics.
- True peak at most −1 dBTP: Spotify's mastering recommendation (−2 dBTP for masters louder
  than −14 LUFS) and AES TD1004.1.15-10's ceiling for lossy streaming, because lossy encoding
  raises inter-sample peaks (our own master measured 0.1–0.7 dB of MP3 overshoot, see
  `audio/master.py`).
- Loudness range and peak-to-loudness ratio: EBU Tech 3342 defines LRA; the thresholds here
  (LRA under 4 LU or PLR under 8 dB reads as over-compressed for music) follow the EBU R128
  s1 supplement's observation that heavily limited pop programme sits at LRA 3–5 LU, and are
  marked `convention` in the report rather than presented as a standard.
- Mix headroom: a mix sent to mastering keeps its sample peaks at or under −3 dBFS and is not
  limited (a convention of mastering engineers, reported as such).
"""

from __future__ import annotations

import functools
import json
import math
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from intellimix.audio.master import BAND_CENTRES_HZ

TARGETS_FILE = Path(__file__).with_name("genre_targets.json")
TARGET_SEEDS = (11, 23, 37)
TARGET_SECONDS = 45.0


@dataclass(frozen=True)
class Guidance:
    """One delivery target with where it comes from."""

    value: float
    unit: str
    source: str
    convention: bool = False  # a working practice, not a published standard


DELIVERY: dict[str, Guidance] = {
    "streaming_lufs": Guidance(
        -14.0, "LUFS", "Spotify and YouTube default loudness normalisation level"
    ),
    "true_peak_dbtp": Guidance(
        -1.0, "dBTP", "Spotify mastering recommendation; AES TD1004.1.15-10 streaming ceiling"
    ),
    "loud_master_true_peak_dbtp": Guidance(
        -2.0, "dBTP", "Spotify recommendation for masters louder than −14 LUFS"
    ),
    "min_lra_lu": Guidance(
        4.0, "LU", "EBU Tech 3342 loudness range; heavily limited pop sits at 3–5 LU", True
    ),
    "min_plr_db": Guidance(8.0, "dB", "peak-to-loudness ratio under 8 dB reads as crushed", True),
    "mix_peak_dbfs": Guidance(-3.0, "dBFS", "headroom a mix leaves for mastering", True),
}


@dataclass(frozen=True)
class GenreTarget:
    """A genre's tonal curve and where it was measured."""

    genre: str
    label: str
    levels_db: np.ndarray  # relative 1/3-octave levels at BAND_CENTRES_HZ (dB re total power)
    source: str
    measured: dict[str, float]  # loudness and width of the source tracks, for context


@functools.cache
def genre_targets() -> dict[str, GenreTarget]:
    """The stored genre curves, by genre id (the generator's, e.g. `drum_and_bass`)."""
    data = json.loads(TARGETS_FILE.read_text())
    if tuple(data["band_centres_hz"]) != tuple(round(hz, 1) for hz in BAND_CENTRES_HZ):
        raise RuntimeError("genre_targets.json was measured on other bands: rebuild it")
    source = (
        f"measured from the IntelliMix generator ({data['engine']}): prompt '<genre> track', "
        f"seeds {', '.join(map(str, data['seeds']))}, {data['seconds']:g} s each, mastered to "
        f"−14 LUFS; mean 1/3-octave balance"
    )
    return {
        genre: GenreTarget(
            genre=genre,
            label=entry["label"],
            levels_db=np.array(entry["levels_db"], dtype=np.float64),
            source=source,
            measured=entry["measured"],
        )
        for genre, entry in data["genres"].items()
    }


def known_genres() -> list[str]:
    return sorted(genre_targets())


def measure_genre(genre: str, seed: int, seconds: float = TARGET_SECONDS) -> dict[str, Any]:
    """Generate one track of `genre` as `generate_track` would and measure its balance."""
    # Imported here: building targets is an offline task; reading them must stay light.
    from intellimix.audio import loudness, master
    from intellimix.audio.feedback.measure import relative_band_levels
    from intellimix.audio.generate.arrangement import STEMS
    from intellimix.audio.generate.context import context_from_spec
    from intellimix.audio.generate.pipeline import TARGET_LUFS, TRUE_PEAK_DB, balance, synthesize
    from intellimix.audio.structure import stereo_image
    from intellimix.planner.intent import parse_prompt

    spec = parse_prompt(f"{genre.replace('_', ' ')} track", seed=seed, duration_s=seconds)
    ctx = context_from_spec(spec.model_dump())
    raw, kicks = synthesize(ctx)
    stems = balance(ctx, raw, kicks)
    premaster = np.stack([stems[name] for name in STEMS]).sum(axis=0, dtype=np.float32)
    mastered = master.master(
        premaster, ctx.sample_rate, target_lufs=TARGET_LUFS, ceiling_db=TRUE_PEAK_DB
    ).samples
    measured = loudness.measure_loudness(mastered, ctx.sample_rate)
    return {
        "levels_db": relative_band_levels(mastered, ctx.sample_rate).tolist(),
        "lufs": measured["lufs_integrated"],
        "lra_lu": measured["loudness_range_lu"],
        "plr_db": measured["plr_db"],
        "stereo_width": stereo_image(mastered)["stereo_width"],
        "label": spec.genre,
    }


def build_genre_targets(path: Path = TARGETS_FILE) -> None:
    """Measure every genre of the generator over TARGET_SEEDS and write the targets file."""
    from intellimix.audio.generate.pipeline import ENGINE
    from intellimix.planner.intent import GENRES

    genres: dict[str, Any] = {}
    for genre, profile in GENRES.items():
        runs = [measure_genre(genre, seed) for seed in TARGET_SEEDS]
        levels = np.mean([run["levels_db"] for run in runs], axis=0)
        genres[genre] = {
            "label": profile.label,
            "levels_db": [round(float(v), 2) for v in levels],
            "seeds": {
                str(seed): [round(float(v), 2) for v in run["levels_db"]]
                for seed, run in zip(TARGET_SEEDS, runs, strict=True)
            },
            "spread_db": round(
                float(np.sqrt(np.mean(np.var([run["levels_db"] for run in runs], axis=0)))), 2
            ),
            "measured": {
                key: round(float(np.mean([run[key] for run in runs])), 2)
                for key in ("lufs", "lra_lu", "plr_db", "stereo_width")
            },
        }
        print(f"{genre}: done", file=sys.stderr)
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    path.write_text(
        json.dumps(
            {
                "engine": ENGINE,
                "built_at_commit": commit or None,
                "prompt": "<genre> track",
                "seeds": list(TARGET_SEEDS),
                "seconds": TARGET_SECONDS,
                "band_centres_hz": [round(hz, 1) for hz in BAND_CENTRES_HZ],
                "genres": genres,
            },
            indent=1,
        )
        + "\n"
    )


def curve_at(levels_db: np.ndarray, hz: float) -> float:
    """A band curve read at `hz` (linear in log-frequency between band centres)."""
    centres = np.log2(np.asarray(BAND_CENTRES_HZ))
    usable = np.isfinite(levels_db)
    return float(np.interp(math.log2(hz), centres[usable], levels_db[usable]))


if __name__ == "__main__":
    build_genre_targets()
