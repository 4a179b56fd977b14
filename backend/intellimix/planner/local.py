"""The `local` planner provider: deterministic and offline, the default (DESIGN §8)."""

from __future__ import annotations

from intellimix.planner.builder import build_reply
from intellimix.planner.reader import read_message
from intellimix.planner.turns import PlannerReply, PlannerRequest


class LocalPlanner:
    """Reads the message with the local reader and plans with the shared builder."""

    def respond(self, request: PlannerRequest) -> PlannerReply:
        """The reply to one planning turn."""
        return build_reply(request, read_message(request), provider="local")
