"""Executors by run kind: features register what a kind does and which lane it runs on."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from intellimix.runs.context import RunContext
    from intellimix.runs.models import Run

Lane = Literal["interactive", "heavy"]
LANES: tuple[Lane, ...] = ("interactive", "heavy")
ExecuteFn = Callable[["RunContext"], dict[str, Any] | None]

# Modules that register the product's executors; features append theirs here.
BUILTIN_EXECUTOR_MODULES: tuple[str, ...] = (
    "intellimix.library.executors",
    "intellimix.chats.executors",
    "intellimix.chats.planning",
    "intellimix.generation.executors",
    "intellimix.tools.executors",
    "intellimix.feedback.executors",
)
# Lanes of the product's kinds, known to API processes that never import the executors.
KIND_LANES: dict[str, Lane] = {
    "plan": "interactive",
    "analyze_track": "heavy",
    "import_track": "heavy",
    "audio_mix": "heavy",
    "audio_download": "heavy",
    "video_download": "heavy",
    "import_songs": "heavy",
    "render": "heavy",
    "generate": "heavy",
    "feedback": "heavy",
    "feedback_fix": "heavy",
}


@dataclass(frozen=True)
class Executor:
    kind: str
    lane: Lane
    execute: ExecuteFn


_EXECUTORS: dict[str, Executor] = {}
_WARM_UPS: list[Callable[[], None]] = []
_STOPPED_HOOKS: list[Callable[[Run], None]] = []
_COMPLETED_HOOKS: list[Callable[[Run], None]] = []


def executor(kind: str, *, lane: Lane) -> Callable[[ExecuteFn], ExecuteFn]:
    """Decorator: `@executor("render", lane="heavy")` makes `render` runs call the function."""

    def register(fn: ExecuteFn) -> ExecuteFn:
        _EXECUTORS[kind] = Executor(kind=kind, lane=lane, execute=fn)
        return fn

    return register


def warm_up(fn: Callable[[], None]) -> Callable[[], None]:
    """Decorator: run `fn` once when a heavy worker process starts (e.g. JIT compilation)."""
    _WARM_UPS.append(fn)
    return fn


def on_run_stopped(fn: Callable[[Run], None]) -> Callable[[Run], None]:
    """Decorator: `fn(run)` runs in the transaction that fails or cancels a run, before commit."""
    _STOPPED_HOOKS.append(fn)
    return fn


def run_stopped_hooks() -> list[Callable[[Run], None]]:
    return list(_STOPPED_HOOKS)


def on_run_completed(fn: Callable[[Run], None]) -> Callable[[Run], None]:
    """Decorator: `fn(run)` runs in the transaction that completes a run (its result set),
    before commit, so what it writes is there when the completion is announced."""
    _COMPLETED_HOOKS.append(fn)
    return fn


def run_completed_hooks() -> list[Callable[[Run], None]]:
    return list(_COMPLETED_HOOKS)


def registered_warm_ups() -> list[Callable[[], None]]:
    return list(_WARM_UPS)


def run_warm_ups() -> None:
    for fn in _WARM_UPS:
        fn()


def load_executors(extra_modules: Iterable[str] = ()) -> None:
    """Import the modules whose decorators fill the registry (also in worker child processes)."""
    for module in (*BUILTIN_EXECUTOR_MODULES, *extra_modules):
        importlib.import_module(module)


def get_executor(kind: str) -> Executor | None:
    return _EXECUTORS.get(kind)


def lane_of(kind: str) -> Lane:
    found = _EXECUTORS.get(kind)
    if found is not None:
        return found.lane
    if kind in KIND_LANES:
        return KIND_LANES[kind]
    raise KeyError(f"no executor registered for run kind {kind!r}")


def kinds_of(lane: Lane) -> list[str]:
    """Every kind this process knows to belong to `lane`."""
    lanes = {**KIND_LANES, **{kind: found.lane for kind, found in _EXECUTORS.items()}}
    return sorted(kind for kind, kind_lane in lanes.items() if kind_lane == lane)
