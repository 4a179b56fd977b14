"""/api/v1/auth: register, login, refresh, logout, me."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, request
from flask_jwt_extended import current_user, get_jwt, jwt_required

from intellimix.auth import service
from intellimix.auth.schemas import LoginRequest, LogoutRequest, RefreshRequest, RegisterRequest
from intellimix.errors import ApiError
from intellimix.extensions import limiter
from intellimix.web.http import body_bytes, parse_body, parse_json

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _email_key() -> str:
    try:
        body = parse_json(body_bytes()) if request.is_json else None
    except ApiError:
        body = None  # the route answers the bad body itself
    email = body.get("email") if isinstance(body, dict) else None
    return f"email:{email.strip().lower()}" if isinstance(email, str) else "email:-"


per_address = limiter.shared_limit(
    lambda: current_app.config["AUTH_RATE_LIMIT_PER_ADDRESS"], scope="auth-address"
)


def failures_per_email(scope: str) -> Any:
    """Counts only failed attempts for one email; once over the limit every attempt is refused."""
    return limiter.limit(
        lambda: current_app.config["AUTH_FAILURE_LIMIT_PER_EMAIL"],
        key_func=_email_key,
        deduct_when=lambda response: 400 <= response.status_code < 500,
        scope=scope,
    )


@bp.post("/register")
@per_address
@failures_per_email("register-email")
def register() -> tuple[dict[str, Any], int]:
    user, tokens = service.register(parse_body(RegisterRequest))
    return {"user": user.to_dict(), **tokens}, 201


@bp.post("/login")
@per_address
@failures_per_email("login-email")
def login() -> dict[str, Any]:
    user, tokens = service.login(parse_body(LoginRequest))
    return {"user": user.to_dict(), **tokens}


@bp.post("/refresh")
@per_address
def refresh() -> dict[str, str]:
    return service.refresh(parse_body(RefreshRequest).refresh_token)


@bp.post("/logout")
@jwt_required()
def logout() -> Response:
    body = parse_body(LogoutRequest) if request.content_length else LogoutRequest()
    service.logout(get_jwt(), body.refresh_token)
    return Response(status=204)


@bp.get("/me")
@jwt_required()
def me() -> dict[str, Any]:
    return {"user": current_user.to_dict()}
