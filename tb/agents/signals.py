"""Small signal-level helpers shared by the agents: clock/cycle counting, ready
back-pressure, tag allocation, reset."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterator
from typing import Any

import cocotb
from cocotb.simtime import convert, get_sim_time
from cocotb.triggers import ClockCycles, Event, RisingEdge


class CycleCounter:
    """The cycle number of ``clk`` (a free-running clock of ``period_ns``): ``now`` counts the
    periods since the counter was made, from the simulation time, so no coroutine runs per
    cycle. At a rising edge it already counts that edge."""

    def __init__(self, clk: Any, period_ns: int) -> None:
        self.clk = clk
        self._period = convert(period_ns, "ns", to="step")
        self._t0 = get_sim_time("step")

    @property
    def now(self) -> int:
        high, low = cocotb.simulator.get_sim_time()
        return ((high << 32 | low) - self._t0) // self._period

    async def wait(self, cycles: int) -> None:
        if cycles > 0:
            await ClockCycles(self.clk, cycles)


def pause_generator(rng: random.Random, probability: float, max_run: int = 4) -> Iterator[int]:
    """For cocotbext-axi ``set_pause_generator``: 1 (pause) in bursts, ~``probability`` of
    cycles paused."""
    while True:
        if rng.random() < probability:
            for _ in range(rng.randint(1, max_run)):
                yield 1
        else:
            yield 0


class ReadyDriver:
    """Drives a ready signal: constantly 1, or randomly de-asserted with ``probability``."""

    def __init__(self, signal: Any, clk: Any, rng: random.Random, probability: float = 0.0,
                 max_run: int = 4) -> None:
        self.signal = signal
        self.clk = clk
        self.rng = rng
        self.max_run = max_run
        self._task: Any = None
        self.set_probability(probability)

    def set_probability(self, probability: float) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self.probability = probability
        self.signal.value = 1
        if probability > 0:
            self._task = cocotb.start_soon(self._run())

    async def _run(self) -> None:
        gen = pause_generator(self.rng, self.probability, self.max_run)
        edge = RisingEdge(self.clk)
        while True:
            self.signal.value = 0 if next(gen) else 1
            await edge


class TagPool:
    """Free request tags; ``acquire`` waits while none is free (or ``limit`` are in use)."""

    def __init__(self, width: int, limit: int | None = None) -> None:
        self.size = 1 << width
        self.limit = min(limit or self.size, self.size)
        self._free = list(range(self.size))
        self._in_use: dict[int, Any] = {}
        self._freed = Event()

    @property
    def in_use(self) -> int:
        return len(self._in_use)

    @property
    def full(self) -> bool:
        return not self._free or len(self._in_use) >= self.limit

    def items(self) -> dict[int, Any]:
        return self._in_use

    async def acquire(self, item: Any) -> int:
        while not self._free or len(self._in_use) >= self.limit:
            self._freed.clear()
            await self._freed.wait()
        tag = self._free.pop(0)
        self._in_use[tag] = item
        return tag

    def release(self, tag: int) -> Any:
        """The item the tag belonged to; None for a tag not in use."""
        item = self._in_use.pop(tag, None)
        if item is not None:
            self._free.append(tag)
            self._freed.set()
        return item

    async def drained(self) -> None:
        while self._in_use:
            self._freed.clear()
            await self._freed.wait()


async def handshakes(clk: Any, valid: Any, ready: Any) -> AsyncIterator[None]:
    """Yields once per cycle in which ``valid`` and ``ready`` are both high at the rising edge
    of ``clk`` (a transfer), sleeping while ``valid`` is low."""
    edge = RisingEdge(clk)
    rise = RisingEdge(valid)
    while True:
        await edge
        if not valid.value:
            await rise
            continue
        if ready.value:
            yield


async def until_accepted(clk: Any, ready: Any) -> None:
    """With valid already driven high: wait for the rising edge at which ``ready`` is high."""
    edge = RisingEdge(clk)
    while True:
        await edge
        if ready.value:
            return


async def reset(clk: Any, rst_n: Any, cycles: int = 10) -> None:
    """Synchronous active-low reset for ``cycles`` cycles."""
    rst_n.value = 0
    await ClockCycles(clk, cycles)
    rst_n.value = 1
    await RisingEdge(clk)
