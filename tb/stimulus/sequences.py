"""pyuvm sequences: the stimulus a test starts on an agent's sequencer.

Tests create sequences through the factory (``SomeSeq.create(name)``), so a test that differs
from another only in its stimulus overrides the sequence type in its ``build_phase``
(``uvm_factory().set_type_override_by_type(Base, Derived)``) and keeps the body.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pyuvm import uvm_sequence

from tb.agents.dma import DmaItem
from tb.stimulus.traffic import TrafficGen


class ItemSeq(uvm_sequence):
    """Sends a ready-made list (or generator) of items."""

    def __init__(self, name: str = "items") -> None:
        super().__init__(name)
        self.items: Iterable[Any] = ()

    async def run(self, seqr: Any, items: Iterable[Any]) -> None:
        self.items = items
        await self.start(seqr)

    async def body(self) -> None:
        for item in self.items:
            await self.start_item(item)
            await self.finish_item(item)


class RandomDmaSeq(uvm_sequence):
    """``n`` random DMA requests from a :class:`TrafficGen` (its mix: hits near earlier
    requests, misses, faults, pass-through, the interrupt range)."""

    def __init__(self, name: str = "random_dma") -> None:
        super().__init__(name)
        self.gen: TrafficGen | None = None
        self.n = 0

    def requests(self, gen: TrafficGen, n: int) -> Iterable[DmaItem]:
        return gen.items(n)

    async def body(self) -> None:
        assert self.gen is not None, "RandomDmaSeq.gen not set"
        for item in self.requests(self.gen, self.n):
            await self.start_item(item)
            await self.finish_item(item)


class BurstyDmaSeq(RandomDmaSeq):
    """The same traffic regrouped in bursts: runs of requests from one device back to back,
    so misses of one device queue behind each other and hits of the next pass them."""

    burst = 8

    def requests(self, gen: TrafficGen, n: int) -> Iterable[DmaItem]:
        pending: dict[int, list[DmaItem]] = {}
        for item in gen.items(n):
            run = pending.setdefault(item.sid, [])
            run.append(item)
            if len(run) == self.burst:
                yield from run
                run.clear()
        for run in pending.values():
            yield from run
