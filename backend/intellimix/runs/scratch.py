"""Scratch folders of run attempts, named by run so a dead attempt's leftovers can be found."""

from __future__ import annotations

import shutil
from pathlib import Path

from intellimix.storage import get_storage


def attempt_scratch(run_id: str, attempt: int) -> Path:
    """Where attempt `attempt` of the run keeps files in flight (not created here)."""
    return get_storage().scratch_folder() / f"run-{run_id}-a{attempt}"


def remove_run_scratch(run_id: str) -> None:
    """Delete every attempt's scratch of the run (its worker finished or is gone)."""
    for leftover in get_storage().scratch_folder().glob(f"run-{run_id}-a*"):
        shutil.rmtree(leftover, ignore_errors=True)
