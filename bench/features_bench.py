"""Issue 14's features: prints figures, asserts nothing.

    python -m bench.features_bench [--url sqlite:///:memory:] [--calls 50]
    python -m bench.features_bench --url postgresql://postgres@127.0.0.1:5432/test

On the curated store in a fresh database (``fresh_store``):
1. Find sources: p50/p99 per message and the store calls one lookup makes, for a short claim, a
   message with links/code/mentions, an unrelated message and a 4,000-character message.
2. /timeline: gathering the answer (p50/p99), the first picture (matplotlib imported and the
   PNG drawn in a worker thread) and a cached picture; the PNG's size.
3. ``store verify``: recomputing the checksum of the curated entries in the database.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path
from typing import Any

from bench.store_bench import fresh_store, settle, timed
from bot.core.dataset import checksum
from bot.core.ports import Store
from bot.core.reading.findsources import SourceFinder
from bot.core.reading.service import FactService
from bot.core.reading.timeline import TimelineService
from bot.store.curated import DEFAULT_DATA_DIR, load_catalog
from bot.store.dataset import dataset_of, stored_documents

MESSAGES = {
    "short claim": "Did SCO trade really reach 890 billion dollars last year?",
    "noisy": "<@1> Belarus joined in 2024 at Astana https://example.com/x ```code 2019``` <#2>",
    "unrelated": "I had pizza for lunch with my cat, it was lovely",
    "4000 chars": ("Tianjin summit plans and partners " * 120)[:3940] + " 890 billion",
}


class Counting:
    """A store wrapper counting the calls a lookup makes."""

    def __init__(self, store: Store) -> None:
        self.store, self.calls = store, 0

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.store, name)
        if not callable(attr):
            return attr

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return attr(*args, **kwargs)

        return counted


async def main(args: argparse.Namespace) -> None:
    docs = load_catalog().documents()
    async with fresh_store(args.url) as store:
        await store.sync_curated(docs)
        await settle(store)
        facts = FactService(store)
        counting = Counting(store)
        finder = SourceFinder(counting, facts)  # type: ignore[arg-type]
        print(f"backend: {args.url.split('://')[0]}, {len(docs)} curated entries")
        for label, text in MESSAGES.items():
            counting.calls = 0
            found = await finder.find(text)
            calls = counting.calls
            p50, p99 = await timed(lambda text=text: finder.find(text), args.calls)
            print(
                f"find sources, {label:11}: p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
                f"{calls} store calls, {len(found.hits)} matches"
            )
        timeline = TimelineService(store, facts, dataset_of(DEFAULT_DATA_DIR, docs))
        p50, p99 = await timed(timeline.timeline, args.calls)
        print(f"timeline answer: p50 {p50:.1f} ms  p99 {p99:.1f} ms")
        answer = await timeline.timeline()
        start = time.perf_counter()
        png = await timeline.picture(answer)
        first = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        await timeline.picture(await timeline.timeline())
        cached = (time.perf_counter() - start) * 1000
        from bot.core.reading._timeline_chart import draw_timeline  # loaded by the first picture

        start = time.perf_counter()
        await asyncio.to_thread(draw_timeline, answer)
        redraw = (time.perf_counter() - start) * 1000
        print(
            f"timeline picture: first {first:.0f} ms (imports matplotlib), redraw {redraw:.0f} ms, "
            f"cached answer+picture {cached:.1f} ms, PNG {len(png) / 1024:.0f} KiB"
        )
        start = time.perf_counter()
        same = checksum(await stored_documents(store)) == checksum(docs)
        print(f"store verify: {(time.perf_counter() - start) * 1000:.0f} ms, match={same}")
    if args.png:
        await asyncio.to_thread(Path(args.png).write_bytes, png)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="sqlite:///:memory:")
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--png", help="also write the picture here")
    asyncio.run(main(parser.parse_args()))
