"""Analyse many files, in order, optionally in parallel processes, with a progress bar."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from tqdm import tqdm

from intellimix.audio.analysis import analyze_file, warm_up
from intellimix.audio.errors import AudioError


def analyze_one(path: Path) -> dict[str, Any]:
    """`{"file", "analysis"}` or `{"file", "error": {"code", "message"}}` — never raises."""
    entry: dict[str, Any] = {"file": str(path)}
    if not path.is_file():
        entry["error"] = {"code": "FILE_NOT_FOUND", "message": f"No such file: {path}"}
        return entry
    try:
        entry["analysis"] = analyze_file(path)
    except AudioError as exc:
        entry["error"] = {"code": exc.code, "message": exc.message}
    return entry


def analyze_many(
    paths: list[Path], *, jobs: int = 1, show_progress: bool = True
) -> list[dict[str, Any]]:
    """Results in argument order; the bar (stderr) shows only when there is more than one file."""
    with tqdm(total=len(paths), unit="file", disable=not show_progress or len(paths) < 2) as bar:
        if jobs <= 1 or len(paths) < 2:
            results = []
            for path in paths:
                results.append(analyze_one(path))
                bar.update()
            return results
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=warm_up) as pool:
            futures = [pool.submit(analyze_one, path) for path in paths]
            for future in futures:
                future.add_done_callback(lambda _f: bar.update())
            return [future.result() for future in futures]
