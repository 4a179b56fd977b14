"""The `intellimix` command: serve, db upgrade|downgrade (and, as features land, more)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import FlaskGroup

from intellimix import create_app
from intellimix.config import ConfigError


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
    os.execv(
        sys.executable,
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:intellimix.gunicorn_conf",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "intellimix.wsgi:app",
        ],
    )


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
