"""Request bodies of the /tracks routes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Artist = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
Genre = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]


class TrackPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    title: Title | None = None
    artist: Artist | None = None
    genre: Genre | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> TrackPatch:
        if not self.model_fields_set:
            raise ValueError("send at least one of title, artist, genre")
        if "title" in self.model_fields_set and self.title is None:
            raise ValueError("title cannot be null")
        return self


class ImportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


TrackStatus = Literal["pending", "analyzing", "ready", "failed"]
SortKey = Literal["title", "artist", "bpm", "key", "duration", "added", "status"]
Bpm = Annotated[float, Field(ge=20, le=400, allow_inf_nan=False)]


class TrackFilters(BaseModel):
    """The list's search, filters and order (query parameters of `GET /tracks`)."""

    # Query strings arrive as text: numbers are read from them (lax mode); like every list
    # route, names it does not know are ignored.
    model_config = ConfigDict(extra="ignore")

    q: Annotated[
        str, Field(max_length=200, description="Words matched against title and artist.")
    ] = ""
    sort: Annotated[
        SortKey, Field(description="Column to order by; `key` follows the Camelot wheel.")
    ] = "added"
    order: Annotated[
        Literal["asc", "desc"] | None,
        Field(description="Default: newest first for `added`, ascending otherwise."),
    ] = None
    bpm_min: Annotated[Bpm | None, Field(description="Only tracks at this tempo or faster.")] = None
    bpm_max: Annotated[Bpm | None, Field(description="Only tracks at this tempo or slower.")] = None
    compatible_with: Annotated[
        str | None,
        Field(
            max_length=36,
            description="A track id: only tracks whose key mixes with it (Camelot neighbours).",
        ),
    ] = None
    genre: Annotated[Genre | None, Field(description="Only tracks of this genre (any case).")] = (
        None
    )
    status: Annotated[TrackStatus | None, Field(description="Only tracks in this state.")] = None

    @model_validator(mode="after")
    def _range_in_order(self) -> TrackFilters:
        if self.bpm_min is not None and self.bpm_max is not None and self.bpm_min > self.bpm_max:
            raise ValueError("bpm_min must not be above bpm_max")
        return self

    @property
    def descending(self) -> bool:
        return self.order == "desc" if self.order else self.sort == "added"
