"""The system memory behind the unit's AXI4 master: an AXI4 slave whose reads come from the
very ``python_model.memory.Memory`` object the golden model reads.

Tables are built once, by the table builder, into that memory; both the RTL (through this
slave) and the model see every later edit at the same instant. A read touching an injected
error range (``Memory.add_error``) is answered with SLVERR.

Reads (AR and R) are served by :class:`TbAxiSlaveRead`, a step of the clock's edge loop
(tb.agents.edge_loop) that needs no edge until ARVALID rises while nothing is pending; the
write channels are cocotbext-axi channel objects (they sleep while their VALID is low).

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
beats (clock cycles), back-pressure on every AXI channel (pause generators:
ARREADY/AWREADY/WREADY low, RVALID/BVALID delayed), and ``reorder``: bursts of
different IDs are served concurrently, so their data returns out of order and interleaved
(AXI4 allows it across IDs; beats of one ID stay in order).
"""

from __future__ import annotations

import logging
import random
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import cocotb
from cocotb.triggers import ClockCycles, FallingEdge, RisingEdge
from cocotbext.axi import AxiBus
from cocotbext.axi.constants import AxiBurstType, AxiResp
from cocotbext.axi.reset import Reset

from python_model.memory import Memory, MemoryAccessError
from tb.agents.edge_loop import POLL_EDGES, EdgeLoop
from tb.agents.signals import CycleCounter, int_writer, is_high, pause_generator, read_uint


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
    """Reads of the read slave from a python_model ``Memory`` (counted in ``stats``)."""

    def __init__(self, memory: Memory, stats: MemoryStats) -> None:
        self.memory = memory
        self.stats = stats

    def read_word(self, address: int, length: int) -> int | None:
        """The little-endian word at ``address``, or None for a bus error (an error range)."""
        self.stats.beats += 1
        try:
            return int.from_bytes(self.memory.read(address, length), "little")
        except MemoryAccessError:
            self.stats.read_errors += 1
            return None


_BURST_NAMES = {int(t): t.name for t in AxiBurstType}
_OKAY, _SLVERR = int(AxiResp.OKAY), int(AxiResp.SLVERR)


@dataclass
class _Burst:
    arid: int
    addr: int  # of the next beat
    beats: int  # left to send
    nbytes: int = 8  # per beat
    ready: int = -1  # cycle from which the next beat may go out; -1: not started
    data: deque[int | None] | None = None  # the burst's words, read when its first beat goes


class TbAxiSlaveRead:
    """The AXI4 read slave (AR and R channels) as one step of the clock's
    :class:`~tb.agents.edge_loop.EdgeLoop` that asks for no edge while nothing is asked: it
    waits for ARVALID to rise when no burst is pending and no beat is on R, and otherwise
    handles both channels once per clock edge (no queues between coroutines); while every
    pending burst waits out its latency (or a beat gap) and ARVALID is low it asks for no edge
    before the one at which the first can go (or ARVALID rises).

    Bursts of one ID are answered in AR order. Without ``reorder`` the bursts are served one
    at a time in AR order; with it, any burst at the head of its ID's queue whose latency has
    passed may send the next beat (chosen at random), so data of different IDs returns out of
    order and interleaved. A burst's latency (``latency_min``..``latency_max`` cycles) starts
    when it reaches the head of its queue; ``beat_gap_probability`` inserts 1-3 idle cycles
    between beats; ``backpressure`` lowers ARREADY and withholds the next R beat in random
    runs of cycles (RVALID, once high, stays high until the handshake). The first beat may go
    out in the cycle after the AR handshake."""

    def __init__(self, dut: Any, edges: EdgeLoop, reset: Any, target: ModelMemoryTarget,
                 knobs: MemoryKnobs, rng: random.Random, stats: MemoryStats,
                 cycles: CycleCounter, byte_lanes: int = 8) -> None:
        self.cycles = cycles  # the cycle number, from the simulation time
        self.reset = reset
        self.target = target
        self.knobs = knobs
        self.rng = rng
        self.stats = stats
        self.byte_lanes = byte_lanes
        self.log = logging.getLogger("cocotb.tb.axi_read")
        p = "m_axi_"
        self.arvalid, self.arready = getattr(dut, p + "arvalid"), getattr(dut, p + "arready")
        self.araddr, self.arid = getattr(dut, p + "araddr"), getattr(dut, p + "arid")
        self.arlen, self.arsize = getattr(dut, p + "arlen"), getattr(dut, p + "arsize")
        self.arburst = getattr(dut, p + "arburst")
        self.rvalid, self.rready = getattr(dut, p + "rvalid"), getattr(dut, p + "rready")
        self.rdata, self.rid = getattr(dut, p + "rdata"), getattr(dut, p + "rid")
        self.rresp, self.rlast = getattr(dut, p + "rresp"), getattr(dut, p + "rlast")
        self.ar_pause: Iterator[int] | None = None
        self.r_pause: Iterator[int] | None = None
        self._queues: dict[int, deque[_Burst]] = {}  # per ID, in AR order
        self._order: deque[_Burst] = deque()  # every pending burst, in AR order
        self._presented: _Burst | None = None  # the burst whose beat is on R
        self._cycle = cycles.now
        self._r_writers = tuple(int_writer(s) for s in (self.rdata, self.rresp, self.rid,
                                                          self.rlast))
        self._rvalid_writer = int_writer(self.rvalid)
        self._arready_writer = int_writer(self.arready)
        self._driven: tuple[int, ...] = (-1, -1, -1, -1)  # what R's fields hold (-1: unknown)
        self._rvalid_high = False
        self._ar_ready = True  # what ARREADY holds
        self._quiet = 0  # edges idle in a row
        self._rise = RisingEdge(self.arvalid)
        self.arready.value = 1
        self.rvalid.value = 0
        edges.attach("axi_memory.read", self.step, self._wake)
        self._reset_task = cocotb.start_soon(self._watch_reset())

    def set_pause(self, ar: Iterator[int] | None, r: Iterator[int] | None) -> None:
        self.ar_pause, self.r_pause = ar, r
        if ar is None:
            self.arready.value = 1

    @property
    def idle(self) -> bool:
        return not self._order and self._presented is None

    async def _watch_reset(self) -> None:
        fall = FallingEdge(self.reset)
        while True:
            await fall
            self._queues.clear()
            self._order.clear()
            self._presented = None
            self.rvalid.value = 0
            self._rvalid_high = False

    def _wake(self) -> Any:
        return self._rise  # the unit asks (ARVALID rises)

    def step(self, cycle: int) -> int:
        """Both channels at the rising edge of ``cycle`` (an :class:`EdgeLoop` step): the
        handshakes made at it, then next cycle's ARREADY and R beat. Returns the edges until
        the next one with work (0: none until ARVALID rises)."""
        arvalid = is_high(self.arvalid)  # the unit's, so the same all through this step
        if not self._order and self._presented is None and not arvalid:
            # nothing to do until the unit asks (ARREADY keeps its value): poll a few edges
            # (a walk's next read comes within a few cycles), then sleep until ARVALID rises
            self._quiet += 1
            return 1 if self._quiet < POLL_EDGES else 0
        self._quiet = 0
        self._cycle = cycle
        if self._ar_ready and arvalid:
            self._accept_ar()
        burst = self._presented
        if burst is not None and is_high(self.rready):
            self._presented = None
            if burst.beats == 0:
                self._finish(burst)
        if self.ar_pause is not None:
            self._ar_ready = not next(self.ar_pause)
            self._arready_writer(int(self._ar_ready))
        else:
            self._ar_ready = True
        if self._presented is None:
            paused = self.r_pause is not None and next(self.r_pause)
            nxt = None if paused else self._next_beat()
            if nxt is None:
                if self._rvalid_high:
                    self._rvalid_writer(0)
                    self._rvalid_high = False
            else:
                self._present(nxt)
        if not self._order and self._presented is None and not arvalid:
            return 1
        return 1 + self._idle_cycles(arvalid)

    def _idle_cycles(self, arvalid: bool) -> int:
        """Whole cycles (edges) in which nothing can happen: no beat on R, ARVALID low, no
        pause generator, and the earliest pending burst not ready before then."""
        if (self._presented is not None or self.ar_pause is not None
                or self.r_pause is not None or arvalid):
            return 0
        heads = [q[0] for q in self._queues.values() if q] if self.knobs.reorder \
            else [self._order[0]]
        if any(b.ready < 0 for b in heads):
            return 0
        return max(0, min(b.ready for b in heads) - self._cycle - 1)

    def _accept_ar(self) -> None:
        arid = read_uint(self.arid)
        addr = read_uint(self.araddr)
        length = read_uint(self.arlen) + 1
        size = read_uint(self.arsize)
        burst_type = read_uint(self.arburst)
        self.stats.bursts += 1
        self.stats.addresses.append(addr)
        nbytes = 1 << size
        if burst_type != int(AxiBurstType.INCR) or nbytes != self.byte_lanes or addr % nbytes:
            self.stats.protocol_errors.append(
                f"AR id {arid} addr {addr:#x} len {length} size {size} burst "
                f"{_BURST_NAMES.get(burst_type, 'reserved')}: expected aligned INCR bursts of "
                "full 8-byte beats")
        if (addr & 0xFFF) + nbytes * length > 0x1000:
            self.stats.protocol_errors.append(f"AR id {arid} addr {addr:#x} len {length} "
                                              "crosses a 4 KiB boundary")
        b = _Burst(arid, addr - addr % nbytes, length, nbytes)
        queue = self._queues.setdefault(arid, deque())
        queue.append(b)
        self._order.append(b)

    def _finish(self, b: _Burst) -> None:
        self._queues[b.arid].popleft()
        self._order.remove(b)

    def _start(self, b: _Burst) -> None:
        """``b`` reached the head of its queue: its latency starts now."""
        knobs = self.knobs
        delay = self.rng.randint(knobs.latency_min, knobs.latency_max) if knobs.latency_max \
            else 0
        b.ready = self._cycle + delay

    def _next_beat(self) -> _Burst | None:
        if not self._order:
            return None
        if self.knobs.reorder:
            heads = [q[0] for q in self._queues.values() if q]
        else:
            heads = [self._order[0]]
        for b in heads:
            if b.ready < 0:
                self._start(b)
        ready = [b for b in heads if b.ready <= self._cycle]
        if not ready:
            return None
        return ready[0] if len(ready) == 1 else self.rng.choice(ready)

    def _present(self, b: _Burst) -> None:
        knobs = self.knobs
        lanes = self.byte_lanes
        if b.data is None:
            # the whole burst is read from memory at once, when its first beat goes out: a
            # multi-beat entry (a context entry, an IRTE, a descriptor) is never torn by a
            # table edit that lands between two of its beats
            first = b.addr - b.addr % lanes
            b.data = deque(self.target.read_word(first + lanes * k, lanes)
                           for k in range(b.beats))
        data = b.data.popleft()
        b.addr += b.nbytes
        b.beats -= 1
        if b.beats and knobs.beat_gap_probability and self.rng.random() < \
                knobs.beat_gap_probability:
            b.ready = self._cycle + 1 + self.rng.randint(1, 3)
        beat = (0 if data is None else data, _OKAY if data is not None else _SLVERR, b.arid,
                int(b.beats == 0))
        for write, value, old in zip(self._r_writers, beat, self._driven, strict=True):
            if value != old:  # R's fields are written only when they change
                write(value)
        self._driven = beat
        if not self._rvalid_high:
            self._rvalid_writer(1)
            self._rvalid_high = True
        self._presented = b


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

    def __init__(self, dut: Any, memory: Memory, rng: random.Random, edges: EdgeLoop,
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
        self.read_if = TbAxiSlaveRead(dut, edges, dut.rst_n, self.target, self.knobs, rng,
                                      self.stats, edges.cycles)
        self.write_if.log.setLevel(logging.WARNING)
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
        if probability > 0:
            self.read_if.set_pause(
                pause_generator(random.Random(self.rng.random()), probability),
                pause_generator(random.Random(self.rng.random() + 1), probability))
        else:
            self.read_if.set_pause(None, None)
        channels = (self.write_if.aw_channel, self.write_if.w_channel, self.write_if.b_channel)
        for i, ch in enumerate(channels, start=2):
            if probability > 0:
                ch.set_pause_generator(pause_generator(random.Random(self.rng.random() + i),
                                                       probability))
            else:
                ch.clear_pause_generator()
