"""Progress reporting shared by every long audio job: `report(stage, percent, label)`."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, float, str], None]


def scaled(report: Progress, low: float, high: float) -> Progress:
    """Map a step's own 0–100 progress into [low, high] of the whole job."""
    return lambda stage, percent, label: report(stage, low + (high - low) * percent / 100, label)


def silent(_stage: str, _percent: float, _label: str) -> None:
    """Progress sink when nobody listens."""
