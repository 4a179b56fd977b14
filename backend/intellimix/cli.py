"""The `intellimix` command: serve, worker, analyze, render, generate, demo, db."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import FlaskGroup

from intellimix import create_app
from intellimix.config import ConfigError, instance_folder, read_environment


def _create_app() -> object:
    try:
        return create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(
    cls=FlaskGroup,
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
)
def main() -> None:
    """IntelliMix — chat-native music mix studio."""
    # Numba (under librosa) otherwise caches its compiled code beside the installed package,
    # where worker processes compiling at once have left a cache that crashes every later
    # process. The variable is read when numba is imported, later than this, and inherited by
    # every server and worker process started from here.
    cache = instance_folder(read_environment()) / "numba-cache"
    os.environ.setdefault("NUMBA_CACHE_DIR", str(cache))


def gunicorn_command(*, bind: str, workers: int) -> list[str]:
    """The production server as a command line: gunicorn, gevent workers, our settings."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:intellimix.gunicorn_conf",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "intellimix.wsgi:app",
    ]


@main.command(with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port",
    type=int,
    default=lambda: int(os.environ.get("PORT", "5000")),
    show_default="$PORT or 5000",
)
@click.option(
    "--workers",
    type=int,
    default=1,
    show_default=True,
    help="gunicorn worker processes (keep 1 on SQLite).",
)
def serve(host: str, port: int, workers: int) -> None:
    """Apply pending migrations, then serve the studio on gunicorn with gevent workers."""
    from flask_migrate import upgrade

    app = _create_app()
    with app.app_context():  # type: ignore[attr-defined]
        upgrade(directory=app.config["MIGRATIONS_DIR"])  # type: ignore[attr-defined]
    click.echo(f"IntelliMix on http://{host}:{port}", err=True)
    # exec gives gunicorn a fresh interpreter, so gevent patches before anything else is imported.
    os.execv(sys.executable, gunicorn_command(bind=f"{host}:{port}", workers=workers))


@main.command(with_appcontext=False)
@click.option("--interactive-slots", type=int, default=None, help="Threads for plan runs.")
@click.option("--heavy-slots", type=int, default=None, help="Processes for analysis/render runs.")
def worker(interactive_slots: int | None, heavy_slots: int | None) -> None:
    """Execute runs from the queue (Redis Streams, or the database when embedded)."""
    from intellimix.runs.worker import Worker

    app = _create_app()
    config = app.config  # type: ignore[attr-defined]
    Worker(
        app,  # type: ignore[arg-type]
        app_factory=create_app,
        interactive_slots=config["WORKER_INTERACTIVE_SLOTS"]
        if interactive_slots is None
        else interactive_slots,
        heavy_slots=config["WORKER_HEAVY_SLOTS"] if heavy_slots is None else heavy_slots,
    ).run()


@main.command(with_appcontext=False)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array, in argument order.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True)
def analyze(files: tuple[Path, ...], as_json: bool, jobs: int) -> None:
    """Analyse audio files: tempo, beats, key, loudness, sections (no server needed)."""
    from intellimix.audio.batch import analyze_many

    results = analyze_many(list(files), jobs=jobs)
    if as_json:
        click.echo(json.dumps(results))
    else:
        for entry in results:
            click.echo(_summary_line(entry))
    sys.exit(1 if any("error" in entry for entry in results) else 0)


def _summary_line(entry: dict[str, Any]) -> str:
    if "error" in entry:
        return f"{entry['file']}: error {entry['error']['code']}: {entry['error']['message']}"
    a = entry["analysis"]
    return (
        f"{entry['file']}: {a['bpm']} BPM, {a['key']} ({a['camelot']}), "
        f"{a['lufs_integrated']} LUFS, {a['true_peak_db']} dBTP, {a['duration_s']:.1f} s"
    )


@main.command(with_appcontext=False)
@click.argument("plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--tracks",
    "tracks_dir",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder holding <track_id>.<ext> for every track of the plan.",
)
@click.option(
    "-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path)
)
@click.option("--reference", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def render(plan_file: Path, tracks_dir: Path, out_dir: Path, reference: Path | None) -> None:
    """Render a MixPlan to mix.wav, mix.mp3, stems/, qa.json and cues.json (no server needed)."""
    from pydantic import ValidationError

    from intellimix.audio.mixdown import render_plan
    from intellimix.planner.plan import TrackFacts, validate_plan
    from intellimix.render_sources import TrackResolutionError, resolve_tracks
    from intellimix.web.http import field_errors

    try:
        raw = json.loads(plan_file.read_text())
        track_ids = [segment["track_id"] for segment in raw["segments"]]
        sources = resolve_tracks(track_ids, tracks_dir)
        facts = {
            track_id: TrackFacts(
                duration_s=float(source.analysis["duration_s"]), bpm=source.analysis.get("bpm")
            )
            for track_id, source in sources.items()
        }
        plan = validate_plan(raw, facts)
    except (ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, ValidationError):
            for error in field_errors(exc):
                click.echo(f"{error['field']}: {error['message']}", err=True)
            sys.exit(2)
        raise click.UsageError(f"{plan_file} is not a MixPlan: {exc}") from exc
    except TrackResolutionError as exc:
        click.echo(f"{exc.code}: {exc.message}", err=True)
        sys.exit(2)
    outcome = render_plan(plan.model_dump(), sources, out_dir, reference=reference)
    verdict = "passed" if outcome.qa["passed"] else "FAILED"
    click.echo(f"{out_dir}: QA {verdict} after {len(outcome.qa['attempts'])} attempt(s)")
    sys.exit(0 if outcome.qa["passed"] else 1)


@main.command(with_appcontext=False)
@click.argument("prompt")
@click.option(
    "-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path)
)
@click.option(
    "--seed", type=int, help="Same prompt and seed, same track (default: from the prompt)."
)
@click.option("--duration", type=float, help="Seconds; wins over a duration in the prompt.")
@click.option(
    "--reference",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A track whose tempo, key and tonal balance the new one follows.",
)
def generate(
    prompt: str, out_dir: Path, seed: int | None, duration: float | None, reference: Path | None
) -> None:
    """Compose a track from a prompt: track.wav, track.mp3, stems/, spec.json, qa.json."""
    from intellimix.audio.analysis import analyze_file
    from intellimix.audio.errors import AudioError
    from intellimix.audio.generate import generate_track
    from intellimix.planner.intent import GENRES, PromptError, parse_prompt

    try:
        measured = analyze_file(reference) if reference else {}
        spec = parse_prompt(
            prompt,
            seed=seed,
            duration_s=duration,
            reference_bpm=measured.get("bpm"),
            reference_key=measured.get("key"),
        )
    except (PromptError, AudioError) as exc:
        click.echo(f"error {exc.code}: {exc.message}", err=True)
        sys.exit(2)  # nothing is written before the prompt and the reference are read
    try:
        outcome = generate_track(spec.model_dump(), out_dir, reference=reference)
    except AudioError as exc:
        click.echo(f"error {exc.code}: {exc.message}", err=True)
        sys.exit(1)
    verdict = "passed" if outcome.qa["passed"] else "FAILED"
    similarity = (
        "" if outcome.similarity is None else f", reference similarity {outcome.similarity}"
    )
    click.echo(
        f"{out_dir}: {GENRES[spec.genre].label} at {spec.bpm:g} BPM in {spec.key}, "
        f"{spec.duration_s:.1f} s, seed {spec.seed}, QA {verdict}{similarity}"
    )
    for note in spec.notes:
        click.echo(f"  note: {note}")
    sys.exit(0 if outcome.qa["passed"] else 1)


@main.command(with_appcontext=False)
@click.option(
    "-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path)
)
def demo(out_dir: Path) -> None:
    """Write the demo set: OUTDIR/<slug>/ holds what `generate` writes, for each demo track."""
    from intellimix.audio.generate import generate_track
    from intellimix.generation.demo import DEMO_SET, demo_spec

    failed = 0
    for entry in DEMO_SET:
        outcome = generate_track(demo_spec(entry), out_dir / entry.slug)
        failed += not outcome.qa["passed"]
        verdict = "passed" if outcome.qa["passed"] else "FAILED"
        click.echo(f"{outcome.out_dir}: {entry.title} ({entry.prompt}), QA {verdict}")
    sys.exit(1 if failed else 0)
