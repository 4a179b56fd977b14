"""Request bodies of the generation routes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class GenerateRequest(BaseModel):
    """`POST /generate-ai`; the prompt's own rules (length, key, ranges) live in the parser."""

    model_config = ConfigDict(extra="forbid", strict=True)

    prompt: str
    duration_s: float | None = None
    seed: int | None = None
    reference_track_id: str | None = None


class DemoRequest(BaseModel):
    """`POST /tracks/demo` takes no fields; a body, when sent, must be an empty object."""

    model_config = ConfigDict(extra="forbid", strict=True)
