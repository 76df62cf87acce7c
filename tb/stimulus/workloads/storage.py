"""A storage queue with large scattered buffers (an NVMe-style submission/completion pair).

``queue_depth`` commands are in flight. Each command moves ``io_bytes`` through a buffer
whose 4 KB pages lie scattered at random over a ``region_mb`` MB region mapped once
(``scatter=false``: contiguous pages), described by a PRP list. For a command the device
reads its 64-byte submission entry and its PRP list (8 bytes per page), moves the data in
requests of ``chunk`` bytes, and writes a 16-byte completion. The commands in flight advance
round-robin one chunk at a time, as a device's DMA engines interleave them, so the IOTLB sees
``queue_depth`` streams of page-sequential accesses at once. ``read_fraction`` of the
commands are reads from the disk (the device writes memory).
"""

from __future__ import annotations

from dataclasses import dataclass

from tb.flows.replay.trace import Trace
from tb.software.table_formats import SIZE_4K
from tb.stimulus.workloads.common import PAGE_SIZES, Family, StreamBuilder, WorkloadError, knob

SQ_IOVA = 0x1000_0000
CQ_IOVA = 0x1001_0000
PRP_IOVA = 0x1100_0000
DATA_IOVA = 0x4000_0000


@dataclass(frozen=True)
class StorageKnobs:
    queue_depth: int = knob(32, "commands in flight", min=1, max=1024)
    io_bytes: int = knob(128 * 1024, "bytes per command (a multiple of 4096)", min=4096,
                         max=2 << 20)
    chunk: int = knob(512, "bytes per request (PCIe MRRS/MPS)", min=64, max=4096)
    region_mb: int = knob(256, "MB of buffer memory mapped for the data", min=1, max=4096)
    page_size: str = knob("4k", "4k | 2m: pages mapping the data region",
                          choices=tuple(PAGE_SIZES))
    scatter: bool = knob(True, "buffer pages scattered at random (false: contiguous)")
    read_fraction: float = knob(0.7, "share of commands that are disk reads (device writes "
                                "memory)", min=0.0, max=1.0)

    def __post_init__(self) -> None:
        if self.io_bytes % SIZE_4K:
            raise WorkloadError(f"workload family 'storage': knob io_bytes={self.io_bytes} is "
                                "not a multiple of 4096")
        region = self.region_mb << 20
        if region < self.io_bytes or region % PAGE_SIZES.get(self.page_size, 1):
            raise WorkloadError(f"workload family 'storage': knob region_mb={self.region_mb} "
                                "must hold one command's io_bytes and be a multiple of "
                                "page_size")


@dataclass
class _Command:
    slot: int
    pages: list[int]
    write_memory: bool
    pos: int = 0  # bytes moved


def generate(n: int, seed: int, k: StorageKnobs) -> Trace:
    region = k.region_mb << 20
    page = PAGE_SIZES[k.page_size]
    sb = StreamBuilder("storage", seed, n, k, max_payload=k.chunk)
    dom = sb.domain()
    sid = sb.device(dom)
    sq_bytes = -(-k.queue_depth * 64 // SIZE_4K) * SIZE_4K
    sb.map(dom, SQ_IOVA, sq_bytes)
    sb.map(dom, CQ_IOVA, SIZE_4K)
    prp_pages = -(-k.io_bytes // SIZE_4K * 8 // SIZE_4K)
    sb.map(dom, PRP_IOVA, k.queue_depth * prp_pages * SIZE_4K)
    sb.map(dom, DATA_IOVA, region, page_size=page)
    sb.start()
    region_pages = region // SIZE_4K
    io_pages = k.io_bytes // SIZE_4K
    cq_head = 0

    def new_command(slot: int) -> _Command:
        if k.scatter:
            pages = sb.rng.sample(range(region_pages), io_pages)
        else:
            first = sb.rng.randrange(region_pages - io_pages + 1)
            pages = list(range(first, first + io_pages))
        cmd = _Command(slot, [DATA_IOVA + p * SIZE_4K for p in pages],
                       sb.rng.random() < k.read_fraction)
        sb.request(sid, SQ_IOVA + slot * 64, False, 64)
        prp = PRP_IOVA + slot * prp_pages * SIZE_4K
        sb.transfer(sid, prp, 8 * io_pages, write=False)
        return cmd

    active = [new_command(s) for s in range(k.queue_depth)]
    while not sb.full:
        for i, cmd in enumerate(active):
            page_iova = cmd.pages[cmd.pos // SIZE_4K]
            addr = page_iova + cmd.pos % SIZE_4K
            sb.request(sid, addr, cmd.write_memory, k.chunk)
            cmd.pos += k.chunk
            if cmd.pos >= k.io_bytes:
                sb.request(sid, CQ_IOVA + cq_head * 16, True, 16)
                cq_head = (cq_head + 1) % (SIZE_4K // 16)
                active[i] = new_command(cmd.slot)
    return sb.finish()


FAMILY = Family("storage", "storage queue with large scattered buffers (NVMe-style)",
                StorageKnobs, generate)
