"""Request bodies of the /auth routes."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

MIN_PASSWORD_LENGTH = 8

Email = Annotated[EmailStr, AfterValidator(str.lower)]
Password = Annotated[str, Field(min_length=MIN_PASSWORD_LENGTH, max_length=256)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)


class RegisterRequest(_Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    email: Email
    password: Password


class LoginRequest(_Strict):
    email: Email
    # No length rule here: a wrong password must look exactly like any other wrong password.
    password: Annotated[str, Field(min_length=1, max_length=256)]


class RefreshRequest(_Strict):
    refresh_token: Annotated[str, Field(min_length=1, max_length=4096)]


class LogoutRequest(_Strict):
    refresh_token: Annotated[str | None, Field(max_length=4096)] = None
