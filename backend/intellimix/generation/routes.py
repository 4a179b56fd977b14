"""/api/v1/generate-ai: a prompt (and optionally a reference track) → a `generate` run."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_jwt_extended import get_jwt_identity, jwt_required

from intellimix.generation import service
from intellimix.generation.schemas import GenerateRequest
from intellimix.runs.serializers import run_snapshot
from intellimix.web.http import parse_body

bp = Blueprint("generation", __name__)


@bp.post("/generate-ai")
@jwt_required()
def generate_ai() -> tuple[dict[str, Any], int]:
    run = service.start_generation(get_jwt_identity(), parse_body(GenerateRequest))
    # The spec rides along so the client can show its notes (defaults taken, values clamped).
    return {"run": run_snapshot(run), "spec": run.input["spec"]}, 202
