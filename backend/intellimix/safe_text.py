"""Text from files and clients made safe to store and to put in headers."""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, the bidirectional marks and overrides (which can make
# "evil\u202Egnp.mp3" display as "evilmp3.png"), and lone surrogates (not storable as UTF-8).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def strip_unsafe(text: str) -> str:
    """`text` without control, bidi-control or surrogate characters."""
    return _UNSAFE.sub("", text)
