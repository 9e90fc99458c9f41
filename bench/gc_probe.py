"""The bots' garbage-collector pauses, for ``bench.discord_bench``.

Copied as ``sitecustomize.py`` onto each bot's ``PYTHONPATH``, so it runs in the bot's
process before the bot starts, without any change to the bot: with ``BENCH_GC_PAUSES`` set, it
times each collection (``gc.callbacks``) and a thread writes the pauses of 1 ms or more to
that file, as JSON lines ``[when, generation, ms]``, every 0.2 s. ``when`` is
``time.perf_counter()``, the system's monotonic clock, which the benchmark's process reads
too: it counts the pauses of each command's window.
"""

from __future__ import annotations

import gc
import json
import os
import threading
import time

PATH = os.environ.get("BENCH_GC_PAUSES")
SHORTEST_MS = 1.0


def _install(path: str) -> None:
    pauses: list[tuple[float, int, float]] = []
    started = [0.0]
    lock = threading.Lock()

    def timed(phase: str, info: dict[str, int]) -> None:
        now = time.perf_counter()
        if phase == "start":
            started[0] = now
            return
        ms = (now - started[0]) * 1000
        if ms >= SHORTEST_MS:
            with lock:
                pauses.append((started[0], info["generation"], ms))

    def write() -> None:
        while True:
            time.sleep(0.2)
            with lock:
                taken = pauses[:]
                pauses.clear()
            if taken:
                with open(path, "a", encoding="utf-8") as out:
                    out.writelines(json.dumps(pause) + "\n" for pause in taken)

    gc.callbacks.append(timed)
    threading.Thread(target=write, name="gc-pauses", daemon=True).start()


if PATH:
    _install(PATH)
