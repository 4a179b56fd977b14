"""Bodies of the utility routes, in the shapes the IntelliMix web client sends."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

MAX_CLIPS = 20
MAX_CLIP_SECONDS = 600
Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
_CLOCK = re.compile(r"^(?:(\d{1,2}):)?(\d{1,3}):(\d{2}(?:\.\d+)?)$|^(\d+(?:\.\d+)?)$")


def clock_seconds(text: str) -> float:
    """`"mm:ss"`, `"h:mm:ss"` (fractions allowed) or plain seconds → seconds."""
    match = _CLOCK.match(text.strip())
    if match is None:
        raise ValueError("use mm:ss, h:mm:ss or seconds")
    hours, minutes, seconds, plain = match.groups()
    if plain is not None:
        return float(plain)
    if float(seconds) >= 60:
        raise ValueError("seconds must be under 60")
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)


class Clip(BaseModel):
    """One clip to trim: `start`/`end` as the client sends them ("00:00" / "00:30")."""

    model_config = ConfigDict(extra="ignore")

    url: Url
    start: str | float = "00:00"
    end: str | float = "00:30"

    @property
    def start_s(self) -> float:
        return self.start if isinstance(self.start, float) else clock_seconds(self.start)

    @property
    def end_s(self) -> float:
        return self.end if isinstance(self.end, float) else clock_seconds(self.end)

    @model_validator(mode="after")
    def _ordered(self) -> Clip:
        start, end = self.start_s, self.end_s
        if end <= start:
            raise ValueError("end must be after start")
        if end - start > MAX_CLIP_SECONDS:
            raise ValueError(f"a clip lasts at most {MAX_CLIP_SECONDS} s")
        return self


class ProcessArrayRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    urls: Annotated[list[Clip], Field(min_length=1, max_length=MAX_CLIPS)]


class DownloadRequest(BaseModel):
    """`format`: `mp4` (video) or `mp4-audio` (AAC in .m4a), as the client sends; also mp3/wav."""

    model_config = ConfigDict(extra="ignore")

    url: Url
    format: Literal["mp4", "mp4-audio", "m4a", "mp3", "wav"] = "mp4"
