"""/api/v1/sources: find songs outside the library (search providers, e.g. YouTube)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request
from flask_jwt_extended import jwt_required

from intellimix.errors import ValidationFailed
from intellimix.extensions import limiter, signed_in_person
from intellimix.library import imports
from intellimix.web.http import counting_number

bp = Blueprint("sources", __name__, url_prefix="/sources")
MAX_RESULTS = 25


@bp.get("/search")
@jwt_required()
@limiter.limit(
    lambda: current_app.config["SOURCE_SEARCH_RATE_LIMIT"],
    key_func=signed_in_person,
    scope="source-search",
)
def search_sources() -> dict[str, Any]:
    """`{items: [{title, artist, duration_s, thumbnail_url, url, provider}]}`, best first."""
    query = request.args.get("q", "").strip()
    limit = counting_number(request.args.get("limit", "10"), MAX_RESULTS)
    problems = []
    if not 1 <= len(query) <= 200:
        problems.append({"field": "q", "message": "1–200 characters", "type": "query"})
    if limit is None:
        problems.append(
            {"field": "limit", "message": f"between 1 and {MAX_RESULTS}", "type": "query"}
        )
    if problems or limit is None:
        raise ValidationFailed(details={"fields": problems})
    found = imports.search(query, limit=limit)
    return {"items": [candidate.to_dict() for candidate in found]}
