"""Request bodies of the feedback routes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class FeedbackRequest(BaseModel):
    """`POST /tracks/<id>/feedback`; the genre is checked against the measured targets."""

    model_config = ConfigDict(extra="forbid", strict=True)

    type: Literal["mix", "master"]
    genre: str | None = None
    reference_track_id: str | None = None
    detail: Literal["brief", "detailed"] = "detailed"


class FixRequest(BaseModel):
    """`POST /feedback/<id>/fix` takes no fields; a body, when sent, must be an empty object."""

    model_config = ConfigDict(extra="forbid", strict=True)
