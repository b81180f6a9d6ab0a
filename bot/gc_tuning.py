"""The garbage collector of the serving process, set for a bot that holds thousands of clerks.

python-telegram-bot builds dozens of short-lived objects for every update (the update,
its message, buttons, the request and the answer). With CPython's default thresholds
(700, 10, 10) that is a young collection every few updates and, every ~70,000 objects,
a full collection that walks every object the process holds — every clerk's draft and
conversation, the caches, PTB's handlers. At the 09:00 rush with 1,000 clerks the full
collections alone were 1.3 s of a 10-second rush (``benchmarks/bench_rush_handlers.py``).

So, once started (``python -m bot run``, after start-up has loaded everything):

* ``gc.freeze()``: what start-up built (modules, handlers, settings, the persisted
  states it loaded) lives as long as the process; collections no longer walk it;
* young collections every 100,000 objects instead of 700 (the garbage of about a
  thousand updates), and the older generations correspondingly rarer. A young
  collection walks what is young *and still alive*: the longer it waits, the more of an
  update's objects have been freed by their reference counts before it looks. At the
  rush, 1,000 clerks: 24 young collections took 0.36 s at 20,000, 4 took 0.07 s at
  100,000 (timed with ``gc.callbacks`` around the rush benchmark).

Reference cycles are still collected, only later; memory stays bounded (the rush
benchmark's peak RSS is reported beside it). Tests keep CPython's defaults.
"""

from __future__ import annotations

import gc
from typing import Final

SERVING_THRESHOLDS: Final = (100_000, 20, 20)


def tune_for_serving() -> None:
    """Freeze what start-up built and collect less often (the module docstring says why)."""
    gc.collect()  # start-up's garbage goes now, not into the frozen generation
    gc.freeze()
    gc.set_threshold(*SERVING_THRESHOLDS)
