"""Request parsing shared by the routes: JSON bodies validated by pydantic models."""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from flask import request
from pydantic import BaseModel, ValidationError

from intellimix.errors import ApiError, PayloadTooLarge, UnsupportedMediaType, ValidationFailed

ModelT = TypeVar("ModelT", bound=BaseModel)
MAX_JSON_DEPTH = 32  # the deepest real body (a plan inside a message) is under 10
# C0 controls and DEL. Text fields may hold tab, newline and carriage return; nothing else.
# Lone surrogates are refused too: they cannot be stored as UTF-8.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_CONTROL_OR_BREAK = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


def invalid_characters(field: str) -> ValidationFailed:
    return ValidationFailed(
        "Text may not contain NUL or other control characters.",
        code="INVALID_CHARACTERS",
        details={"fields": [{"field": field, "message": "control character", "type": "chars"}]},
    )


def has_control_characters(text: str, *, allow_line_breaks: bool = False) -> bool:
    """True for NUL and other C0 controls (tab and line breaks only when allowed)."""
    return bool((_CONTROL if allow_line_breaks else _CONTROL_OR_BREAK).search(text))


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError("number out of range")
    return value


def parse_json(raw: bytes) -> Any:
    """Strict JSON: no NaN/Infinity, no numbers that overflow, at most MAX_JSON_DEPTH deep,
    no control characters in strings (bar tab and line breaks in values) — else a 4xx."""
    try:
        body = json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError as exc:
        raise _too_deep() from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError("The body is not valid JSON.", code="INVALID_JSON") from exc
    _check_tree(body)
    return body


def _too_deep() -> ApiError:
    return ApiError(
        f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels.", code="JSON_TOO_DEEP"
    )


def _check_tree(body: Any) -> None:
    """Depth and characters of every key and string, without recursion."""
    stack: list[tuple[Any, int, str]] = [(body, 1, "")]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, str):
            if has_control_characters(value, allow_line_breaks=True):
                raise invalid_characters(path)
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise _too_deep()
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in items:
            child_path = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and has_control_characters(key):
                raise invalid_characters(child_path)
            stack.append((child, depth + 1, child_path))


def body_bytes() -> bytes:
    """The raw body, read up to the request's ceiling; a body that reaches it → 413.

    werkzeug stops a chunked body at `max_content_length` and hands back what it read, so a
    body cut off there must not be parsed as if it were whole.
    """
    raw = request.get_data(cache=True)
    ceiling = request.max_content_length
    if ceiling is not None and len(raw) >= ceiling:
        raise PayloadTooLarge(
            f"The body is larger than {ceiling // 1024} KB.", details={"limit_bytes": ceiling}
        )
    return raw


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 4xx naming what is wrong with it."""
    if not request.is_json:
        raise UnsupportedMediaType("Send the body as application/json.")
    raw = body_bytes()
    if not raw.strip():
        return {}
    body = parse_json(raw)
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


def active_only() -> bool:
    """The `active` query flag of run lists (`1`, `true` or `yes`)."""
    return request.args.get("active", "").lower() in ("1", "true", "yes")


def counting_number(raw: str, upper: int) -> int | None:
    """`raw` as a whole number from 1 to `upper` (≤ 9 digits), else None.

    ASCII digits only: str.isdigit() also says yes to "²" and "¹", which int() refuses.
    """
    if raw.isascii() and raw.isdigit() and len(raw) <= 9 and 1 <= int(raw) <= upper:
        return int(raw)
    return None


def pagination(*, default_limit: int = 20, max_limit: int = 100) -> tuple[int, int]:
    """`page` (from 1) and `limit` query parameters, validated."""
    values = {}
    for name, default, upper in (("page", 1, MAX_PAGE), ("limit", default_limit, max_limit)):
        value = counting_number(request.args.get(name, str(default)), upper)
        if value is None:
            bound = f"between 1 and {upper}"
            raise ValidationFailed(
                details={
                    "fields": [{"field": name, "message": f"must be {bound}", "type": "query"}]
                }
            )
        values[name] = value
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
