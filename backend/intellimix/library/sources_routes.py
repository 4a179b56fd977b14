"""/api/v1/sources: find songs outside the library (search providers, e.g. YouTube)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request
from flask_jwt_extended import get_jwt_identity, jwt_required

from intellimix.errors import ValidationFailed
from intellimix.extensions import limiter
from intellimix.library import imports

bp = Blueprint("sources", __name__, url_prefix="/sources")
MAX_RESULTS = 25


@bp.get("/search")
@jwt_required()
@limiter.limit(
    lambda: current_app.config["SOURCE_SEARCH_RATE_LIMIT"],
    key_func=lambda: f"user:{get_jwt_identity()}",
    scope="source-search",
)
def search_sources() -> dict[str, Any]:
    """`{items: [{title, artist, duration_s, thumbnail_url, url, provider}]}`, best first."""
    query = request.args.get("q", "").strip()
    raw_limit = request.args.get("limit", "10")
    problems = []
    if not 1 <= len(query) <= 200:
        problems.append({"field": "q", "message": "1–200 characters", "type": "query"})
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_RESULTS:
        problems.append(
            {"field": "limit", "message": f"between 1 and {MAX_RESULTS}", "type": "query"}
        )
    if problems:
        raise ValidationFailed(details={"fields": problems})
    found = imports.search(query, limit=int(raw_limit))
    return {"items": [candidate.to_dict() for candidate in found]}
