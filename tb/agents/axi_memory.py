"""The system memory behind the unit's AXI4 master: a cocotbext-axi slave whose reads come
from the very ``python_model.memory.Memory`` object the golden model reads.

Tables are built once, by the table builder, into that memory; both the RTL (through this
slave) and the model see every later edit at the same instant. A read touching an injected
error range (``Memory.add_error``) raises in the target, which the slave answers with SLVERR.

Writes. The unit's only writes are the status writes of invalidation-wait descriptors (SW=1):
one beat of 4 bytes (AWLEN=0, AWSIZE=2, WSTRB 0Fh or F0h). The golden model performs the same
status write itself, into this same memory, when it runs the queue: either when the tail write
completes (the scenario flows), i.e. before the RTL, which still has to fetch the descriptors,
or, in the pyuvm environment, just before the RTL's write is compared (``before_rtl_write``
lets the testbench give the model the queue up to that wait descriptor). Applying the
RTL's write as well would write every status twice (and could overwrite a value software
changed in between), so the slave *compares* instead of applying:

* the model's bus writes (``Memory.write``; software's ``poke`` is not one) are recorded, in
  order, as the writes the RTL owes (:attr:`TbAxiMemory.expected`). The hook wraps the
  ``write`` method of the bound memory object, so nothing changes for the model;
* an RTL write must be the oldest owed write (same address, same bytes): it is then taken off
  the list and answered OKAY; the memory already holds the value;
* a write into an injected write-error range (``Memory.add_error(on_write=True)``) is answered
  SLVERR. The model's write into such a range raised and was dropped (README conformance
  notes), so nothing is owed; if the range was added between the model's write and the RTL's,
  the owed write is taken off the list too;
* anything else (wrong address or data, a burst or a size other than one 4-byte beat, a write
  nobody owed) is recorded in ``stats.write_errors`` (and ``stats.writes``) and answered
  SLVERR; the testbench reports it as an error.

Writes the RTL still owes at the end are reported by the testbench as missing
(:meth:`TbAxiMemory.owed`); :meth:`TbAxiMemory.settle` waits for them. A poll of memory by the
scenario engine also waits until nothing is owed, so that it observes the RTL's write rather
than the model's.

Knobs (:class:`MemoryKnobs`): random read latency before a burst's first beat and between
beats (awaited clock cycles), back-pressure on every AXI channel (cocotbext-axi pause
generators: ARREADY/AWREADY/WREADY low, RVALID/BVALID delayed), and ``reorder``: bursts of
different IDs are served concurrently, so their data returns out of order and interleaved
(AXI4 allows it across IDs; beats of one ID stay in order).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cocotb
from cocotb.triggers import ClockCycles, Lock
from cocotbext.axi import AxiBus
from cocotbext.axi.axi_slave import AxiSlaveRead
from cocotbext.axi.constants import AxiBurstType, AxiResp
from cocotbext.axi.reset import Reset

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
    writes: list[tuple[int, bytes]] = field(default_factory=list)  # unexpected writes
    status_writes: int = 0  # writes that matched one the model made
    write_errors: int = 0  # writes answered SLVERR (injected error ranges)
    protocol_errors: list[str] = field(default_factory=list)
    addresses: list[int] = field(default_factory=list)  # burst addresses, in AR order

    def clear(self) -> None:
        self.bursts = self.beats = self.read_errors = 0
        self.status_writes = self.write_errors = 0
        self.writes.clear()
        self.protocol_errors.clear()
        self.addresses.clear()

    def as_dict(self) -> dict[str, int]:
        return {"mem_bursts": self.bursts, "mem_beats": self.beats,
                "mem_read_errors": self.read_errors, "mem_writes": len(self.writes),
                "mem_status_writes": self.status_writes, "mem_write_errors": self.write_errors}


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

    async def write(self, address: int, data: bytes) -> None:  # pragma: no cover - unused
        raise AssertionError("writes go through TbAxiSlaveWrite")


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


class TbAxiSlaveWrite(Reset):
    """AXI write slave that compares the unit's writes with the model's (module docstring)."""

    def __init__(self, bus: Any, clock: Any, reset: Any, owner: TbAxiMemory) -> None:
        from cocotbext.axi.axi_channels import AxiAWSink, AxiBSource, AxiWSink

        super().__init__()
        self.clock = clock
        self.owner = owner
        self.log = logging.getLogger("cocotb.tb.axi_write")
        self.aw_channel = AxiAWSink(bus.aw, clock, reset, False)
        self.w_channel = AxiWSink(bus.w, clock, reset, False)
        self.b_channel = AxiBSource(bus.b, clock, reset, False)
        self._cr: Any = None
        self._init_reset(reset, False)

    def _handle_reset(self, state: bool) -> None:
        if state:
            if self._cr is not None:
                self._cr.kill()
                self._cr = None
            for ch in (self.aw_channel, self.w_channel, self.b_channel):
                ch.clear()
        elif self._cr is None:
            self._cr = cocotb.start_soon(self._process())

    async def _process(self) -> None:
        while True:
            aw = await self.aw_channel.recv()
            beats = int(aw.awlen) + 1
            data: list[Any] = []
            for _ in range(beats):
                data.append(await self.w_channel.recv())
            b = self.b_channel._transaction_obj()
            b.bid = int(aw.awid)
            b.bresp = self.owner.check_write(int(aw.awaddr), beats, int(aw.awsize),
                                             [(int(w.wdata), int(w.wstrb), int(w.wlast))
                                              for w in data])
            await self.b_channel.send(b)


class TbAxiMemory:
    """AXI4 slave on ``m_axi_*`` serving ``memory``; see the module docstring for knobs."""

    def __init__(self, dut: Any, memory: Memory, rng: random.Random,
                 knobs: MemoryKnobs | None = None) -> None:
        self.memory = memory
        self.knobs = knobs or MemoryKnobs()
        self.rng = rng
        self.stats = MemoryStats()
        self.target = ModelMemoryTarget(memory, self.stats)
        self.expected: list[tuple[int, bytes]] = []  # the model's writes the RTL owes
        # told of each RTL write before it is compared (the testbench lets the model run the
        # invalidation queue up to the wait descriptor that asked for it: tb.env.queue_mirror)
        self.before_rtl_write: Callable[[int, bytes], None] | None = None
        self.bind(memory)
        logging.getLogger(f"cocotb.{dut._name}.m_axi").setLevel(logging.WARNING)
        bus = AxiBus.from_prefix(dut, "m_axi")
        self.clock = dut.clk
        self.write_if = TbAxiSlaveWrite(bus.write, dut.clk, dut.rst_n, self)
        self.read_if = TbAxiSlaveRead(bus.read, clock=dut.clk, reset=dut.rst_n,
                                      target=self.target, reset_active_level=False,
                                      knobs=self.knobs, rng=rng, stats=self.stats)
        for log in (self.write_if.log, self.read_if.log):
            log.setLevel(logging.WARNING)
        self.set_backpressure(self.knobs.backpressure)

    # ------------------------------------------------------------------ writes
    def bind(self, memory: Memory) -> None:
        """Serve ``memory``; record the model's bus writes into it as owed by the RTL."""
        old = getattr(self, "memory", None)
        if old is not None and self._owe in old.bus_write_observers:
            old.bus_write_observers.remove(self._owe)
        self.memory = memory
        self.target.memory = memory
        self.expected.clear()
        memory.bus_write_observers.append(self._owe)

    def _owe(self, addr: int, data: bytes) -> None:
        """The model wrote ``data`` at ``addr`` as a bus master: the RTL owes the same write."""
        self.expected.append((addr, data))

    def check_write(self, addr: int, beats: int, size: int,
                    data: list[tuple[int, int, int]]) -> AxiResp:
        """One AXI write burst of the RTL: compare it with the oldest owed write."""
        if beats != 1 or size != 2 or addr % 4 or not data[0][2]:
            self.stats.protocol_errors.append(
                f"AXI write addr {addr:#x} len {beats} size {size}: expected one 4-byte beat "
                "(AWLEN=0, AWSIZE=2, WLAST=1) at a 4-byte aligned address")
            return AxiResp.SLVERR
        wdata, wstrb, _ = data[0]
        lane = addr % 8
        want_strb = 0xF << lane
        if wstrb != want_strb:
            self.stats.protocol_errors.append(
                f"AXI write addr {addr:#x}: WSTRB {wstrb:#04x}, expected {want_strb:#04x}")
        value = (wdata >> (8 * lane) & 0xFFFF_FFFF).to_bytes(4, "little")
        if self.before_rtl_write is not None:
            self.before_rtl_write(addr, value)
        owed = self.expected[0] if self.expected else None
        if owed == (addr, value):
            self.expected.pop(0)
            self.stats.status_writes += 1
            if self.memory.faults(addr, 4, write=True):
                self.stats.write_errors += 1
                return AxiResp.SLVERR
            return AxiResp.OKAY
        if self.memory.faults(addr, 4, write=True):
            self.stats.write_errors += 1  # dropped by the model too
            return AxiResp.SLVERR
        self.stats.writes.append((addr, value))
        want = (f"{owed[0]:#x} <- {int.from_bytes(owed[1], 'little'):#x}" if owed
                else "no write (the model made none)")
        self.stats.protocol_errors.append(
            f"AXI write {addr:#x} <- {int.from_bytes(value, 'little'):#x}: the model expects "
            f"{want}")
        return AxiResp.SLVERR

    def owed(self) -> list[str]:
        """The model's writes the RTL has not made (yet)."""
        return [f"status write {a:#x} <- {int.from_bytes(d, 'little'):#x} not made by the RTL"
                for a, d in self.expected]

    async def settle(self, timeout: int = 2000) -> None:
        """Wait (up to ``timeout`` cycles) until the RTL has made every owed write."""
        for _ in range(timeout):
            if not self.expected:
                return
            await ClockCycles(self.clock, 1)

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
