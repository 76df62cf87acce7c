"""A divergent gather: many independent accesses to unrelated pages (an accelerator or GPU
gathering table rows, an RDMA scatter-gather list).

A device issues gathers of ``fanout`` ``transfer``-byte reads, each to a random 4 KB page of
a ``pool_mb`` MB pool (mapped once with 4 KB pages). Nothing orders them, so a unit that
keeps several walks in flight (``MAX_WALKS``) and lets hits pass misses overlaps the misses;
a unit with one walker serialises them. Each gather runs ``passes`` times over the same
pages (the reuse distance is ``fanout`` requests) before the next gather draws new pages;
``hot_fraction`` of the accesses instead go to a small hot set of ``hot_pages`` pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from tb.flows.replay.trace import Trace
from tb.software.table_formats import SIZE_4K
from tb.stimulus.workloads.common import Family, StreamBuilder, knob

POOL_IOVA = 0x20_0000_0000


@dataclass(frozen=True)
class GatherKnobs:
    pool_mb: int = knob(256, "MB of memory the gathers draw pages from", min=1, max=4096)
    fanout: int = knob(64, "independent reads per gather", min=1, max=65536)
    passes: int = knob(1, "times each gather repeats over the same pages", min=1)
    transfer: int = knob(64, "bytes per read", min=1, max=4096)
    hot_fraction: float = knob(0.0, "share of reads to the hot set", min=0.0, max=1.0)
    hot_pages: int = knob(16, "pages in the hot set", min=1)


def generate(n: int, seed: int, k: GatherKnobs) -> Trace:
    sb = StreamBuilder("gather", seed, n, k, max_payload=4096)
    dom = sb.domain()
    sid = sb.device(dom)
    pool = (k.pool_mb << 20) // SIZE_4K
    sb.map(dom, POOL_IOVA, pool * SIZE_4K)
    sb.start()
    hot = [sb.rng.randrange(pool) for _ in range(min(k.hot_pages, pool))]
    size = min(k.transfer, SIZE_4K)
    while not sb.full:
        targets = [(hot[sb.rng.randrange(len(hot))] if sb.rng.random() < k.hot_fraction
                    else sb.rng.randrange(pool),
                    sb.rng.randrange(0, SIZE_4K - size + 1, 8 if size <= 4088 else 1))
                   for _ in range(k.fanout)]
        for _ in range(k.passes):
            for pn, off in targets:
                sb.request(sid, POOL_IOVA + pn * SIZE_4K + off, False, size)
    return sb.finish()


FAMILY = Family("gather", "divergent gather needing many outstanding misses", GatherKnobs,
                generate)
