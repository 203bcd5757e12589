"""Garbage collection tuned for a long-running web worker (docs/performance.md, "How the pages stay
within budget").

A request makes and drops tens of thousands of objects. With CPython's default thresholds the
cyclic collector runs every 700 net allocations, and every so often a full collection walks every
object the worker holds, Django's code, models and templates included: on the 1,000,000-case
benchmark that was a pause of 60 to 70 ms in the middle of a request. `tune_garbage_collection`,
called once the application is loaded, moves everything loaded so far out of the collector's sight
(`gc.freeze`: it is never garbage), and collects less often. Objects that are garbage are still
collected; memory a request leaves in reference cycles waits a little longer for it.
"""

import gc

# Collections of the youngest generation every this many net allocations (CPython's default: 700);
# the middle one every GENERATION_1 of those, the oldest every GENERATION_2 of the middle ones.
# Measured on the dashboard at 1,000,000 cases: at 50,000 a young collection took 20 to 27 ms, at
# 10,000 about 4 ms, at 700 many more of them, 75 ms in 40 requests in all.
GENERATION_0 = 10_000
GENERATION_1 = 20
GENERATION_2 = 20


def tune_garbage_collection() -> None:
    """Freeze what is loaded, then collect less often. Call once, after the application is loaded
    and before the first request (safeguard/wsgi.py)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GENERATION_0, GENERATION_1, GENERATION_2)
