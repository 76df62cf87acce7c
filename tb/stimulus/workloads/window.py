"""A buffer window against IOTLB reach (pcie-bench, SIGCOMM 2018).

One device moves ``transfer``-byte DMAs within a window of ``window`` bytes mapped with
``page_size`` pages (4 KB or 2 MB), at random offsets (``pattern=random``) or walking through
the window in order (``sequential``). Once the window's pages outnumber the IOTLB's entries,
random accesses start missing: pcie-bench saw throughput fall off there; with 2 MB pages the
same entries reach 512 times further.
"""

from __future__ import annotations

from dataclasses import dataclass

from tb.flows.replay.trace import Trace
from tb.stimulus.workloads.common import PAGE_SIZES, Family, StreamBuilder, WorkloadError, knob

WINDOW_IOVA = 0x40_0000_0000  # 256 GB: 1 GB aligned


@dataclass(frozen=True)
class WindowKnobs:
    window: int = knob(1 << 20, "window size in bytes (a multiple of the page size)",
                       min=4096, max=1 << 32)
    page_size: str = knob("4k", "4k | 2m: the page size that maps the window",
                          choices=tuple(PAGE_SIZES))
    transfer: int = knob(64, "bytes per DMA (one request; at most 4096)", min=1, max=4096)
    pattern: str = knob("random", "random | sequential offsets",
                        choices=("random", "sequential"))
    write_fraction: float = knob(0.0, "share of DMAs that write memory", min=0.0, max=1.0)

    def __post_init__(self) -> None:
        if self.window % PAGE_SIZES.get(self.page_size, 1):
            raise WorkloadError(f"workload family 'window': knob window={self.window} is not "
                                f"a multiple of page_size={self.page_size}")


def generate(n: int, seed: int, k: WindowKnobs) -> Trace:
    page = PAGE_SIZES[k.page_size]
    sb = StreamBuilder("window", seed, n, k, max_payload=4096)
    dom = sb.domain()
    sid = sb.device(dom)
    sb.map(dom, WINDOW_IOVA, k.window, page_size=page)
    sb.start()
    slots = max(1, k.window // k.transfer)
    step = k.transfer
    pos = 0
    while not sb.full:
        if k.pattern == "random":
            offset = sb.rng.randrange(slots) * step
        else:
            offset = pos
            pos = (pos + step) % (slots * step)
        addr = WINDOW_IOVA + offset
        size = min(k.transfer, 4096 - (addr & 0xFFF), WINDOW_IOVA + k.window - addr)
        sb.request(sid, addr, sb.rng.random() < k.write_fraction, size)
    return sb.finish()


FAMILY = Family("window", "buffer window vs IOTLB reach, 4 KB or 2 MB pages (pcie-bench)",
                WindowKnobs, generate)
