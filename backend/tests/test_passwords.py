"""Password hashing under gevent: the event loop keeps serving while a hash is computed.

Run in a child process, because gevent's monkey patching must come first and would change this
test process for every test after it.
"""

from __future__ import annotations

import json
import subprocess
import sys

from intellimix.auth.passwords import hash_password, password_matches

METHOD = "scrypt:32768:8:1"  # production's (config PASSWORD_HASH_METHOD), also in CHILD

CHILD = """
from gevent import monkey
monkey.patch_all()
import json, time
import gevent
from intellimix.auth.passwords import hash_password, password_matches

METHOD = "scrypt:32768:8:1"
ticks = []
def tick():
    while True:
        ticks.append(time.perf_counter())
        gevent.sleep(0.002)

ticker = gevent.spawn(tick)
gevent.sleep(0.01)
started = time.perf_counter()
stored = hash_password("correct horse", METHOD)
ok = password_matches(stored, "correct horse")
wrong = password_matches(stored, "battery staple")
ended = time.perf_counter()
ticker.kill()
during = [t for t in ticks if started < t < ended]
print(json.dumps({"ok": ok, "wrong": wrong, "seconds": ended - started, "ticks": len(during)}))
"""


def test_hashes_round_trip_outside_gevent():
    stored = hash_password("correct horse", METHOD)
    assert stored.startswith("scrypt:32768:8:1$")
    assert password_matches(stored, "correct horse")
    assert not password_matches(stored, "battery staple")


def test_under_gevent_the_event_loop_keeps_running_while_hashing():
    """Three scrypt computations (tens of ms each) with a greenlet ticking every 2 ms: on the
    event loop it could not tick until all three were done; off it, it ticks throughout."""
    child = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120, check=True
    )
    measured = json.loads(child.stdout.strip().splitlines()[-1])
    assert measured["ok"] is True and measured["wrong"] is False
    assert measured["ticks"] >= 3 * 3, measured  # at least three ticks in each hash
