"""Run every benchmark and write bench-results/<name>.json plus one summary.md."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench import (
    analysis,
    auth_api,
    beats,
    conversation,
    feedback,
    generate,
    imports,
    load,
    memory,
    planning,
    render,
    runs_events,
)

BENCHMARKS = {
    "auth_api": auth_api.run,
    "runs_events": runs_events.run,
    "analysis": analysis.run,
    "render": render.run,
    "memory": memory.run,
    "generate": generate.run,
    "planning": planning.run,
    "feedback": feedback.run,
    "imports": imports.run,
    "conversation": conversation.run,
    "load": load.run,
    "beats": beats.run,
}


def main() -> None:
    parser = argparse.ArgumentParser(description="IntelliMix benchmarks")
    parser.add_argument("--out", type=Path, default=Path("bench-results"))
    parser.add_argument("only", nargs="*", help=f"benchmarks to run: {', '.join(BENCHMARKS)}")
    args = parser.parse_args()
    unknown = set(args.only) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    args.out.mkdir(parents=True, exist_ok=True)
    lines = ["# IntelliMix benchmarks", ""]
    for name in args.only or BENCHMARKS:
        result = BENCHMARKS[name]()
        (args.out / f"{name}.json").write_text(json.dumps(result, indent=2))
        lines += [f"## {name}", ""]
        # A benchmark with its own table (and a detail too long for one) writes <name>.md.
        if "markdown" in result:
            (args.out / f"{name}.md").write_text(result["markdown"])
            lines.append(result["markdown"])
        else:
            lines += ["| measurement | value |", "| --- | --- |"]
            lines += [f"| {key} | {value} |" for key, value in result.items()]
        lines.append("")
        print(json.dumps({name: {k: v for k, v in result.items() if k != "detail"}}, indent=2))
    (args.out / "summary.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
