"""Signals between a running executor and the worker that runs it."""

from __future__ import annotations


class RunFailure(Exception):
    """An executor's expected failure, with a stable code the client can act on."""

    def __init__(self, code: str, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable


class RunCancelled(Exception):
    """The person cancelled the run; raised at the next progress checkpoint."""


class LeaseLost(Exception):
    """Another worker owns the run now (our lease expired); stop without writing anything."""


class ShutdownRequested(Exception):
    """The worker is stopping and the grace period is over; the run goes back to the queue."""
