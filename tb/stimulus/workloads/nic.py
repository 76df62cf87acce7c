"""NIC receive/transmit rings with a DMA mapping per packet buffer (rIOMMU, ASPLOS 2015).

A device with one receive and one transmit descriptor ring (each ``ring`` 16-byte descriptors,
mapped once). Every packet: the device reads its descriptor, moves ``packet_bytes`` of data
into (receive) or out of (transmit) its buffer in requests of at most ``max_payload`` bytes,
and writes the descriptor back. The driver works in passes of ``napi`` packets: after each
pass it unmaps the buffers the device finished with and maps fresh ones for the next pass,
one 4 KB IOVA per buffer from a top-down allocator that reuses freed IOVAs last-in first-out
(as Linux does). ``invalidation`` says when the IOTLB hears of an unmap:

* ``strict``: a page-selective invalidation for every unmapped buffer, before its IOVA can be
  reused (Linux ``iommu.strict=1``);
* ``batched``: unmapped IOVAs wait in a flush queue; every ``batch`` unmaps one
  domain-selective invalidation, after which they can be reused (Linux's deferred flush);
* ``static``: no per-packet mapping at all: ``ring`` buffers per ring mapped once and reused
  in ring order (the no-protection baseline rIOMMU compares with).

The device never touches a buffer after its unmap, so no response depends on a stale entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from tb.flows.replay.trace import Trace
from tb.software.table_formats import SIZE_4K
from tb.stimulus.workloads.common import Family, IovaAllocator, StreamBuilder, knob

DESC_BYTES = 16
IOVA_TOP = 0xFFFF_F000  # a 32-bit DMA mask, allocation downwards


@dataclass(frozen=True)
class NicKnobs:
    ring: int = knob(256, "descriptors per ring (receive and transmit)", min=16, max=4096)
    packet_bytes: int = knob(1500, "bytes moved per packet", min=64, max=4096)
    tx_fraction: float = knob(0.5, "share of packets that are transmits", min=0.0, max=1.0)
    invalidation: str = knob("strict", "strict | batched | static (see the module text)",
                             choices=("strict", "batched", "static"))
    batch: int = knob(256, "unmaps per domain-selective invalidation (batched)", min=1)
    napi: int = knob(64, "packets per driver pass (unmap + refill between passes)", min=1)
    max_payload: int = knob(256, "largest request in bytes (PCIe MPS/MRRS)", min=8, max=4096)


def generate(n: int, seed: int, k: NicKnobs) -> Trace:
    sb = StreamBuilder("nic", seed, n, k, max_payload=k.max_payload)
    dom = sb.domain()
    sid = sb.device(dom)
    ring_iova = {}
    for name in ("rx", "tx"):
        size = -(-k.ring * DESC_BYTES // SIZE_4K) * SIZE_4K
        iova = 0x1000_0000 if name == "rx" else 0x2000_0000
        sb.map(dom, iova, size)
        ring_iova[name] = iova
    iovas = IovaAllocator(IOVA_TOP)
    static = k.invalidation == "static"
    # buffers[name][slot]: the IOVA of the buffer the next packet in that slot uses
    buffers: dict[str, list[int]] = {"rx": [], "tx": []}
    for name in ("rx", "tx"):
        for _ in range(k.ring):
            iova = iovas.alloc()
            sb.map(dom, iova, SIZE_4K)
            buffers[name].append(iova)
    sb.start()
    head = {"rx": 0, "tx": 0}
    flush_queue: list[int] = []
    while not sb.full:
        done: list[tuple[str, int]] = []
        for _ in range(k.napi):
            name = "tx" if sb.rng.random() < k.tx_fraction else "rx"
            slot = head[name]
            head[name] = (slot + 1) % k.ring
            desc = ring_iova[name] + slot * DESC_BYTES
            sb.request(sid, desc, False, DESC_BYTES)
            sb.transfer(sid, buffers[name][slot], k.packet_bytes, write=name == "rx")
            sb.request(sid, desc, True, DESC_BYTES)
            done.append((name, slot))
        if static:
            continue
        # the driver: unmap what the device finished with, map fresh buffers
        for name, slot in done:
            old = buffers[name][slot]
            sb.unmap(dom, old, SIZE_4K)
            if k.invalidation == "strict":
                sb.invalidate_pages(dom, old, SIZE_4K)
                iovas.release(old)
            else:
                flush_queue.append(old)
                if len(flush_queue) >= k.batch:
                    sb.invalidate_domain(dom)
                    for iova in flush_queue:
                        iovas.release(iova)
                    flush_queue.clear()
        for name, slot in done:
            iova = iovas.alloc()
            sb.map(dom, iova, SIZE_4K)
            buffers[name][slot] = iova
    return sb.finish()


FAMILY = Family("nic", "NIC rx/tx rings, map/unmap per buffer, strict or batched "
                "invalidation (rIOMMU)", NicKnobs, generate)
