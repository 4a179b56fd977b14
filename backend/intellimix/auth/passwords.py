"""Password hashes, computed off gevent's event loop.

A scrypt hash is tens of milliseconds of CPU by design. Under gunicorn's gevent workers a call
on the event loop would stall every request and SSE stream that worker holds for that long, so
there it runs in gevent's pool of native threads (hashlib.scrypt and PBKDF2 release the GIL while
they work). Outside gevent (the embedded server, the worker, tests) it is a plain call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from gevent import get_hub
from gevent.monkey import is_module_patched
from werkzeug.security import check_password_hash, generate_password_hash

T = TypeVar("T")


def hash_password(password: str, method: str) -> str:
    return _off_the_event_loop(generate_password_hash, password, method)


def password_matches(stored_hash: str, password: str) -> bool:
    return _off_the_event_loop(check_password_hash, stored_hash, password)


def _off_the_event_loop(work: Callable[..., T], *args: str) -> T:
    if is_module_patched("threading"):
        return get_hub().threadpool.apply(work, args)
    return work(*args)
