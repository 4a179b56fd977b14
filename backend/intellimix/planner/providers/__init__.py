"""Planner providers behind one interface (DESIGN §8): `local` (the default) and `gemini`.

`planner_for(app.config)` picks the configured one. Building a provider opens no connection, so
it is cheap; a caller that plans often may keep the one it got.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from intellimix.config import ConfigError
from intellimix.planner.turns import PlannerReply, PlannerRequest

PROVIDERS = ("local", "gemini")


class Provider(Protocol):
    """Anything that answers one planning turn."""

    def respond(self, request: PlannerRequest) -> PlannerReply: ...


def planner_for(config: Mapping[str, Any]) -> Provider:
    """The provider `PLANNER_PROVIDER` names (`gemini` falls back to `local` on cloud failure)."""
    from intellimix.planner.local import LocalPlanner

    name = config.get("PLANNER_PROVIDER", "local")
    if name == "local":
        return LocalPlanner()
    if name == "gemini":
        # google-genai is a heavy import: only processes that plan with it pay for it.
        from intellimix.planner.providers.gemini import GeminiPlanner, settings_from

        return GeminiPlanner(settings_from(config), fallback=LocalPlanner())
    raise ConfigError(f"PLANNER_PROVIDER must be one of {', '.join(PROVIDERS)}, got {name!r}")
