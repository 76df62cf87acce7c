"""Many tenants sharing the unit (HyperSIO / HyperTRIO, ISCA 2020).

``tenants`` devices, each in its own domain (its own DID), each with a working set of
``pages`` 4 KB pages (its rings and buffers). The unit sees them interleaved: ``schedule=rr``
gives every tenant in turn a burst of exactly ``burst`` requests; ``schedule=random`` picks
the next tenant at random and draws its burst length from a geometric distribution with mean
``burst``. Within a burst a tenant touches its pages in order, ``transfer`` bytes at a time,
continuing where its last burst stopped. Once tenants x pages exceeds the IOTLB, round-robin
with short bursts evicts every tenant's entries before it comes back: the effect HyperSIO
measured with its tenant-interleaving traces.
"""

from __future__ import annotations

from dataclasses import dataclass

from tb.flows.replay.trace import Trace
from tb.software.table_formats import SIZE_4K
from tb.stimulus.workloads.common import Family, StreamBuilder, knob

BASE_IOVA = 0x8000_0000


@dataclass(frozen=True)
class TenantKnobs:
    tenants: int = knob(32, "devices, each in its own domain", min=1, max=250)
    pages: int = knob(8, "4 KB pages in each tenant's working set", min=1, max=4096)
    schedule: str = knob("rr", "rr (round-robin) | random interleaving",
                         choices=("rr", "random"))
    burst: int = knob(4, "requests per turn (rr) or mean burst length (random)", min=1)
    transfer: int = knob(256, "bytes per request", min=1, max=4096)
    write_fraction: float = knob(0.5, "share of requests that write memory", min=0.0,
                                 max=1.0)


def generate(n: int, seed: int, k: TenantKnobs) -> Trace:
    sb = StreamBuilder("tenants", seed, n, k, max_payload=4096)
    sids = []
    for _ in range(k.tenants):
        dom = sb.domain()
        sids.append(sb.device(dom))
        sb.map(dom, BASE_IOVA, k.pages * SIZE_4K)
    sb.start()
    span = k.pages * SIZE_4K
    step = min(k.transfer, SIZE_4K)
    cursor = [sb.rng.randrange(0, span, step) // step * step for _ in sids]
    turn = 0
    while not sb.full:
        if k.schedule == "rr":
            t = turn % k.tenants
            length = k.burst
        else:
            t = sb.rng.randrange(k.tenants)
            length = 1
            while sb.rng.random() > 1.0 / k.burst:
                length += 1
        turn += 1
        for _ in range(length):
            addr = BASE_IOVA + cursor[t]
            size = min(step, SIZE_4K - (addr & 0xFFF))
            sb.request(sids[t], addr, sb.rng.random() < k.write_fraction, size)
            cursor[t] = (cursor[t] + size) % span
    return sb.finish()


FAMILY = Family("tenants", "many tenants interleaved round-robin or at random with bursts "
                "(HyperSIO)", TenantKnobs, generate)
