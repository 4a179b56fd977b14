"""Audio failures with stable codes, for the API (4xx) and for failed runs alike."""

from __future__ import annotations


class AudioError(Exception):
    """A problem with the audio itself; `code` is stable, `message` safe to show a person."""

    code = "AUDIO_ERROR"
    status = 422

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.status = status or self.status


class UndecodableAudio(AudioError):
    code, status = "UNDECODABLE_AUDIO", 415


class TooManyChannels(AudioError):
    code, status = "TOO_MANY_CHANNELS", 415


class EmptyAudio(AudioError):
    code, status = "EMPTY_AUDIO", 422


class TooShortForAnalysis(EmptyAudio):
    """Too little audio to find a beat in (rhythm needs a couple of seconds)."""

    code, status = "TOO_SHORT_FOR_ANALYSIS", 422


class TrackTooLong(AudioError):
    code, status = "TRACK_TOO_LONG", 422


class UnsupportedSampleRate(AudioError):
    code, status = "UNSUPPORTED_SAMPLE_RATE", 422


class AudioTooLarge(AudioError):
    """More decoded samples than a heavy slot may hold (frames × channels)."""

    code, status = "AUDIO_TOO_LARGE", 422


class MixPlanError(AudioError):
    """The plan cannot be rendered with these tracks (unknown track, cut outside it, …)."""

    code, status = "INVALID_MIX_PLAN", 422
