"""Request bodies of the /tracks routes."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Artist = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]


class TrackPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    title: Title | None = None
    artist: Artist | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> TrackPatch:
        if not self.model_fields_set:
            raise ValueError("send at least one of title, artist")
        if "title" in self.model_fields_set and self.title is None:
            raise ValueError("title cannot be null")
        return self


class ImportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
