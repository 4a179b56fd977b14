"""The planner package is framework-free: importing every module of it loads neither Flask nor
SQLAlchemy (persistence, such as remembered preferences, lives in `intellimix.chats`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FRAMEWORKS = ("flask", "flask_sqlalchemy", "sqlalchemy")
BACKEND = Path(__file__).resolve().parents[1]

# Imports the given modules (every module of a package, for a name ending in ".*") in a fresh
# interpreter and prints which modules it imported and which frameworks got loaded.
PROBE = """
import importlib, json, pkgutil, sys
names = []
for target in sys.argv[1:]:
    if target.endswith(".*"):
        package = importlib.import_module(target[:-2])
        names.append(package.__name__)
        names += [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
    else:
        names.append(target)
for name in names:
    importlib.import_module(name)
print(json.dumps({"modules": names, "loaded": [f for f in FRAMEWORKS if f in sys.modules]}))
""".replace("FRAMEWORKS", repr(FRAMEWORKS))


def probe(*targets: str) -> dict[str, list[str]]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *targets],
        cwd=BACKEND,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_every_planner_module_imports_without_flask_or_sqlalchemy() -> None:
    found = probe("intellimix.planner.*")
    assert {
        "intellimix.planner.builder",
        "intellimix.planner.changes",
        "intellimix.planner.memory",
        "intellimix.planner.providers.gemini",
    } <= set(found["modules"])
    assert found["loaded"] == []


def test_the_probe_sees_a_framework_when_one_is_imported() -> None:
    assert probe("intellimix.extensions")["loaded"] == list(FRAMEWORKS)
