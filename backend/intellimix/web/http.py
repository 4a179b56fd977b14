"""Request parsing shared by the routes: JSON bodies validated by pydantic models."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from flask import request
from pydantic import BaseModel, ValidationError

from intellimix.errors import ApiError, UnsupportedMediaType, ValidationFailed

ModelT = TypeVar("ModelT", bound=BaseModel)


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 4xx naming what is wrong with it."""
    if not request.is_json:
        raise UnsupportedMediaType("Send the body as application/json.")
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError("The body is not valid JSON.", code="INVALID_JSON") from exc
    if not isinstance(body, dict):
        raise ValidationFailed(
            "The body must be a JSON object.",
            details={"fields": [{"field": "", "message": "expected an object"}]},
        )
    return body


def parse_body(model: type[ModelT]) -> ModelT:
    """Validate the JSON body against `model`; errors carry field paths."""
    return validate(model, json_body())


def validate(model: type[ModelT], data: Any) -> ModelT:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(details={"fields": field_errors(exc)}) from exc


def field_errors(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {
            "field": ".".join(str(part) for part in error["loc"]),
            "message": error["msg"],
            "type": error["type"],
        }
        for error in exc.errors(include_url=False, include_input=False)
    ]


# Past this a page is empty anyway; a bound keeps the row offset inside a 64-bit integer.
MAX_PAGE = 1_000_000


def pagination(*, default_limit: int = 20, max_limit: int = 100) -> tuple[int, int]:
    """`page` (from 1) and `limit` query parameters, validated."""
    values = {}
    for name, default, upper in (("page", 1, MAX_PAGE), ("limit", default_limit, max_limit)):
        raw = request.args.get(name, str(default))
        if not raw.isdigit() or not 1 <= int(raw) <= upper:
            bound = f"between 1 and {upper}"
            raise ValidationFailed(
                details={
                    "fields": [{"field": name, "message": f"must be {bound}", "type": "query"}]
                }
            )
        values[name] = int(raw)
    return values["page"], values["limit"]


def paginated(items: list[Any], *, page: int, limit: int, total: int) -> dict[str, Any]:
    """The list envelope of DESIGN §4: `{items, page, limit, total, pages, has_more}`."""
    pages = (total + limit - 1) // limit
    return {
        "items": items,
        "page": page,
        "limit": limit,
        "total": total,
        "pages": pages,
        "has_more": page < pages,
    }
