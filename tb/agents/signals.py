"""Small signal-level helpers shared by the agents: clock/cycle counting, ready
back-pressure, tag allocation, reset."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import cocotb
import cocotb.handle
from cocotb.simtime import convert, get_sim_time
from cocotb.triggers import ClockCycles, Event, RisingEdge


def read_uint(signal: Any) -> int:
    """The unsigned value of ``signal``, parsed from the simulator's bit string without
    building a ``LogicArray`` (the monitors' per-cycle path). X or Z bits raise the error
    ``int(signal.value)`` raises."""
    try:
        return int(signal._handle.get_signal_val_binstr(), 2)
    except ValueError:
        return int(signal.value)


def int_writer(signal: Any) -> Callable[[int], None]:
    """A setter of ``signal`` from a non-negative int that fits it, for the per-cycle paths.
    Where cocotb trusts the simulator's inertial writes (``COCOTB_TRUST_INERTIAL_WRITES``,
    which cocotb's Verilator runner sets) its own setter writes at once too, and this one only
    skips its checks and conversions; elsewhere (Icarus) it is cocotb's setter, so writes are
    scheduled as cocotb schedules them."""
    if not getattr(cocotb.handle, "_trust_inertial", False):
        def write(value: int) -> None:
            signal.value = value
        return write
    raw = signal._handle
    width = len(signal)
    if width <= 32:
        set_int = raw.set_signal_val_int
        return lambda value: set_int(_DEPOSIT, value)
    set_bits = raw.set_signal_val_binstr
    fmt = f"0{width}b"
    return lambda value: set_bits(_DEPOSIT, format(value, fmt))


_DEPOSIT = 0  # cocotb's GPI set action "deposit" (the default of ``signal.value = v``)


def is_high(signal: Any) -> bool:
    """A 1-bit signal is 1 (X and Z count as not high)."""
    return signal._handle.get_signal_val_binstr() == "1"


class CycleCounter:
    """The cycle number of ``clk`` (a free-running clock of ``period_ns``): ``now`` counts the
    periods since the counter was made, from the simulation time, so no coroutine runs per
    cycle. At a rising edge it already counts that edge."""

    def __init__(self, clk: Any, period_ns: int) -> None:
        self.clk = clk
        self.period_ns = period_ns
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
        while True:
            tag = self.try_acquire(item)
            if tag is not None:
                return tag
            self._freed.clear()
            await self._freed.wait()

    def try_acquire(self, item: Any) -> int | None:
        """A free tag for ``item`` now, or None (every tag, or ``limit`` of them, in use)."""
        if not self._free or len(self._in_use) >= self.limit:
            return None
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
        if not is_high(valid):
            await rise
            continue
        if is_high(ready):
            yield


async def until_accepted(clk: Any, ready: Any) -> None:
    """With valid already driven high: wait for the rising edge at which ``ready`` is high,
    sleeping while ``ready`` is low instead of waking every cycle."""
    edge = RisingEdge(clk)
    rise = RisingEdge(ready)
    while True:
        await edge
        if is_high(ready):
            return
        await rise


async def reset(clk: Any, rst_n: Any, cycles: int = 10) -> None:
    """Synchronous active-low reset for ``cycles`` cycles."""
    rst_n.value = 0
    await ClockCycles(clk, cycles)
    rst_n.value = 1
    await RisingEdge(clk)
