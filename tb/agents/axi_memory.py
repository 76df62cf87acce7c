"""The system memory behind the unit's AXI4 master: a cocotbext-axi slave whose reads come
from the very ``python_model.memory.Memory`` object the golden model reads.

Tables are built once, by the table builder, into that memory; both the RTL (through this
slave) and the model see every later edit at the same instant. A read touching an injected
error range (``Memory.add_error``) raises in the target, which the slave answers with SLVERR.

Knobs (:class:`MemoryKnobs`): random read latency before a burst's first beat and between
beats (awaited clock cycles), back-pressure on every AXI channel (cocotbext-axi pause
generators: ARREADY/AWREADY/WREADY low, RVALID/BVALID delayed), and ``reorder``: bursts of
different IDs are served concurrently, so their data returns out of order and interleaved
(AXI4 allows it across IDs; beats of one ID stay in order).
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from typing import Any

import cocotb
from cocotb.triggers import ClockCycles, Lock
from cocotbext.axi import AxiBus
from cocotbext.axi.axi_slave import AxiSlaveRead, AxiSlaveWrite
from cocotbext.axi.constants import AxiBurstType, AxiResp

from python_model.memory import Memory, MemoryAccessError
from tb.agents.signals import pause_generator


@dataclass
class MemoryKnobs:
    latency_min: int = 0  # cycles before a burst's first beat
    latency_max: int = 0
    beat_gap_probability: float = 0.0  # chance of idle cycles between beats
    backpressure: float = 0.0  # pause probability on every channel
    reorder: bool = False


@dataclass
class MemoryStats:
    bursts: int = 0
    beats: int = 0
    read_errors: int = 0  # beats answered SLVERR
    writes: list[tuple[int, bytes]] = field(default_factory=list)  # unexpected, for now
    protocol_errors: list[str] = field(default_factory=list)
    addresses: list[int] = field(default_factory=list)  # burst addresses, in AR order

    def clear(self) -> None:
        self.bursts = self.beats = self.read_errors = 0
        self.writes.clear()
        self.protocol_errors.clear()
        self.addresses.clear()

    def as_dict(self) -> dict[str, int]:
        return {"mem_bursts": self.bursts, "mem_beats": self.beats,
                "mem_read_errors": self.read_errors, "mem_writes": len(self.writes)}


class ModelMemoryTarget:
    """cocotbext-axi slave target over a python_model ``Memory``."""

    def __init__(self, memory: Memory, stats: MemoryStats) -> None:
        self.memory = memory
        self.stats = stats

    async def read(self, address: int, length: int) -> bytes:
        self.stats.beats += 1
        try:
            return self.memory.read(address, length)
        except MemoryAccessError:
            self.stats.read_errors += 1
            raise

    async def write(self, address: int, data: bytes) -> None:
        self.stats.writes.append((address, bytes(data)))
        self.memory.write(address, data)


class TbAxiSlaveRead(AxiSlaveRead):
    """AXI read slave with latency and optional out-of-order service across IDs."""

    def __init__(self, *args: Any, clock: Any, knobs: MemoryKnobs, rng: random.Random,
                 stats: MemoryStats, **kwargs: Any) -> None:
        self.knobs = knobs
        self.rng = rng
        self.stats = stats
        self._id_locks: dict[int, Lock] = {}
        super().__init__(*args, clock=clock, **kwargs)

    async def _process_read(self) -> None:
        while True:
            ar = await self.ar_channel.recv()
            arid = int(getattr(ar, "arid", 0))
            lock = self._id_locks.setdefault(arid, Lock())
            await lock.acquire()  # per-ID order, taken in AR order
            if self.knobs.reorder:
                cocotb.start_soon(self._serve(ar, lock))
            else:
                await self._serve(ar, lock)

    async def _serve(self, ar: Any, lock: Lock) -> None:
        try:
            await self._burst(ar)
        finally:
            lock.release()

    async def _burst(self, ar: Any) -> None:
        knobs, rng = self.knobs, self.rng
        arid = int(getattr(ar, "arid", 0))
        addr = int(ar.araddr)
        length = int(getattr(ar, "arlen", 0)) + 1
        size = int(getattr(ar, "arsize", self.max_burst_size))
        burst = AxiBurstType(int(getattr(ar, "arburst", AxiBurstType.INCR)))
        self.stats.bursts += 1
        self.stats.addresses.append(addr)
        nbytes = 1 << size
        if burst != AxiBurstType.INCR or nbytes != self.byte_lanes or addr % nbytes:
            self.stats.protocol_errors.append(
                f"AR id {arid} addr {addr:#x} len {length} size {size} burst {burst.name}: "
                "expected aligned INCR bursts of full 8-byte beats")
        if (addr & 0xFFF) + nbytes * length > 0x1000:
            self.stats.protocol_errors.append(f"AR id {arid} addr {addr:#x} len {length} "
                                              "crosses a 4 KiB boundary")
        if knobs.latency_max:
            delay = rng.randint(knobs.latency_min, knobs.latency_max)
            if delay:
                await ClockCycles(self.clock, delay)
        cur = addr - addr % nbytes
        for n in range(length):
            if n and knobs.beat_gap_probability and rng.random() < knobs.beat_gap_probability:
                await ClockCycles(self.clock, rng.randint(1, 3))
            r = self.r_channel._transaction_obj()
            r.rid = arid
            r.rlast = n == length - 1
            r.rresp = AxiResp.OKAY
            word = cur - cur % self.byte_lanes
            try:
                data = await self._read(word, self.byte_lanes)
            except Exception:  # the target raised: a bus error
                data = bytes(self.byte_lanes)
                r.rresp = AxiResp.SLVERR
            r.rdata = int.from_bytes(data, "little")
            await self.r_channel.send(r)
            cur += nbytes


class TbAxiMemory:
    """AXI4 slave on ``m_axi_*`` serving ``memory``; see the module docstring for knobs."""

    def __init__(self, dut: Any, memory: Memory, rng: random.Random,
                 knobs: MemoryKnobs | None = None) -> None:
        self.memory = memory
        self.knobs = knobs or MemoryKnobs()
        self.rng = rng
        self.stats = MemoryStats()
        self.target = ModelMemoryTarget(memory, self.stats)
        logging.getLogger(f"cocotb.{dut._name}.m_axi").setLevel(logging.WARNING)
        bus = AxiBus.from_prefix(dut, "m_axi")
        self.write_if = AxiSlaveWrite(bus.write, dut.clk, dut.rst_n, self.target,
                                      reset_active_level=False)
        self.read_if = TbAxiSlaveRead(bus.read, clock=dut.clk, reset=dut.rst_n,
                                      target=self.target, reset_active_level=False,
                                      knobs=self.knobs, rng=rng, stats=self.stats)
        for log in (self.write_if.log, self.read_if.log):
            log.setLevel(logging.WARNING)
        self.set_backpressure(self.knobs.backpressure)

    def set_backpressure(self, probability: float) -> None:
        self.knobs.backpressure = probability
        channels = (self.read_if.ar_channel, self.read_if.r_channel, self.write_if.aw_channel,
                    self.write_if.w_channel, self.write_if.b_channel)
        for i, ch in enumerate(channels):
            if probability > 0:
                ch.set_pause_generator(pause_generator(random.Random(self.rng.random() + i),
                                                       probability))
            else:
                ch.clear_pause_generator()
