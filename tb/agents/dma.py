"""DMA agent: request channel driver (pipelined, tags, random gaps) and response monitor.

Ports: ``req_valid/req_ready/req_sid/req_addr/req_write/req_size/req_tag`` and
``rsp_valid/rsp_ready/rsp_tag/rsp_fault/rsp_reason/rsp_addr``. Responses come back in any
order, matched by tag.

* :class:`DmaDriver` takes :class:`DmaItem` from its sequencer, waits a random gap (knobs
  ``gap_probability``/``gap_max``), takes a free tag (at most ``max_outstanding`` in flight),
  presents the request and, on the handshake, publishes the item on ``issue_ap`` and calls
  ``item_done`` at once, so many requests are in flight. It also drives ``rsp_ready`` with
  random back-pressure (``rsp_stall``).
* :class:`DmaMonitor` publishes ``(item, DmaResponse)`` on ``ap`` for every response beat.

Both do their per-cycle work as steps of the clock's :class:`~tb.agents.edge_loop.EdgeLoop`
(the monitor's first, so a tag it frees serves the driver at the same edge) instead of
coroutines of their own, and :class:`DmaSequencer` hands a sequence's item to the driver at
once (:meth:`DmaDriver.take`): in a stream of requests the sequence is the only task resumed
per request, once, when its previous item was accepted.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from cocotb.triggers import ClockCycles, Event, RisingEdge
from pyuvm import (
    uvm_analysis_port,
    uvm_component,
    uvm_driver,
    uvm_sequence_item,
    uvm_sequencer,
)

from tb.agents.edge_loop import POLL_EDGES, EdgeLoop
from tb.agents.port_agent import PortAgent
from tb.agents.signals import (
    CycleCounter,
    ReadyDriver,
    TagPool,
    int_writer,
    is_high,
    read_uint,
    until_accepted,
)
from tb.agents.transactions import DmaResponse


class DmaItem(uvm_sequence_item):
    """One untranslated DMA request (``size`` bytes, inside one 4 KiB page)."""

    def __init__(self, name: str = "dma", sid: int = 0, addr: int = 0, write: bool = False,
                 size: int = 4) -> None:
        super().__init__(name)
        self.sid = sid
        self.addr = addr
        self.write = write
        self.size = size
        self.tag = -1
        self.issue_cycle = 0
        self.rsp: DmaResponse | None = None
        self.batched = False  # sent through the batched port (tb.agents.dma_batch)

    def __str__(self) -> str:
        return (f"DMA sid={self.sid:#06x} addr={self.addr:#x} "
                f"{'W' if self.write else 'R'} size={self.size} tag={self.tag}")


@dataclass
class DmaKnobs:
    gap_probability: float = 0.0  # chance of idle cycles before a request
    gap_max: int = 4
    max_outstanding: int = 0  # 0: every tag
    rsp_stall: float = 0.0  # chance rsp_ready is low in a cycle


class DmaPort:
    """The DMA request/response signals of the DUT, and the shared tag pool."""

    def __init__(self, dut: Any, edges: EdgeLoop, tag_width: int,
                 max_outstanding: int = 0) -> None:
        self.dut = dut
        self.clk = dut.clk
        self.edges = edges  # where the pyuvm driver and monitor do their per-cycle work
        self.cycles: CycleCounter = edges.cycles
        self.tags = TagPool(tag_width, max_outstanding or None)
        self.all_done = Event()
        self.issued = 0
        self.responded = 0
        self._req_writers = tuple(int_writer(s) for s in (dut.req_sid, dut.req_addr,
                                                            dut.req_write, dut.req_size,
                                                            dut.req_tag))
        self._valid_writer = int_writer(dut.req_valid)
        self._rsp_signals = (dut.rsp_tag, dut.rsp_fault, dut.rsp_reason, dut.rsp_addr)
        dut.req_valid.value = 0
        self.valid = False  # what req_valid holds
        # the batched port (tb.agents.dma_batch) while batch mode is on: requests go there
        self.batch: Any = None
        self.presenting: Any = None  # the item on req_* awaiting its handshake
        for sig in (dut.req_sid, dut.req_addr, dut.req_write, dut.req_size, dut.req_tag):
            sig.value = 0
        self._driven: tuple[int, ...] = (0, 0, 0, 0, 0)  # what req_* hold

    @property
    def outstanding(self) -> int:
        return self.tags.in_use

    def present(self, item: Any) -> None:
        """Drive ``item``'s fields (it already holds its tag) with ``req_valid`` high. A field
        equal to what this port drove last is not written again."""
        fields = (item.sid, item.addr, int(bool(item.write)), item.size, item.tag)
        for write, value, old in zip(self._req_writers, fields, self._driven, strict=True):
            if value != old:
                write(value)
        self._driven = fields
        if not self.valid:
            self._valid_writer(1)
            self.valid = True

    def idle(self) -> None:
        """Drop ``req_valid`` (no request presented from the next edge on)."""
        if self.valid:
            self._valid_writer(0)
            self.valid = False

    async def issue(self, item: Any) -> None:
        """Present ``item`` and wait for its handshake (``req_valid`` stays high)."""
        self.present(item)
        self.presenting = item
        await until_accepted(self.clk, self.dut.req_ready)
        self.presenting = None
        item.issue_cycle = self.cycles.now
        self.issued += 1

    def drop_in_flight(self) -> list[Any]:
        """A reset: the unit forgets every accepted request; free their tags (not the one of
        a request still presented, which the unit will accept after the reset). Returns the
        dropped items."""
        dropped = [item for item in list(self.tags.items().values())
                   if item is not self.presenting]
        for item in dropped:
            self.tags.release(item.tag)
        self.issued = self.responded = 0
        return dropped

    def sample_response(self, cycle: int | None = None) -> DmaResponse:
        """The response on rsp_* at the edge of ``cycle`` (default: now)."""
        tag, fault, reason, addr = self._rsp_signals
        return DmaResponse(tag=read_uint(tag), fault=is_high(fault), reason=read_uint(reason),
                           addr=read_uint(addr),
                           cycle=self.cycles.now if cycle is None else cycle)

    @staticmethod
    def response_error(rsp: DmaResponse) -> str | None:
        """The port's rule: rsp_addr is 0 on a fault, rsp_reason is 0 on success."""
        if (rsp.addr if rsp.fault else rsp.reason) == 0:
            return None
        return (f"response tag {rsp.tag:#x} (cycle {rsp.cycle}): "
                f"{'rsp_addr' if rsp.fault else 'rsp_reason'} must be 0 "
                f"(fault={int(rsp.fault)} reason={rsp.reason:#x} addr={rsp.addr:#x})")

    async def drain(self, timeout_cycles: int = 100000) -> None:
        """Wait until every issued request has its response (in batch mode: every request
        handed to the batched port has run)."""
        if self.batch is not None:
            await self.batch.drain()
        waited = 0
        while self.tags.in_use:
            await ClockCycles(self.clk, 16)
            waited += 16
            if waited > timeout_cycles:
                raise TimeoutError(f"{self.tags.in_use} DMA request(s) still without a response "
                                   f"after {timeout_cycles} cycles: tags "
                                   f"{sorted(self.tags.items())[:16]}")


class DmaDriver(uvm_driver):
    """Presents the sequencer's items on the request channel: a step of the port's edge loop
    (``"dma.driver"``), fed by :class:`DmaSequencer` through :meth:`take`."""

    def __init__(self, name: str, parent: Any) -> None:
        super().__init__(name, parent)
        self.port: DmaPort | None = None
        self.knobs = DmaKnobs()
        self.rng = random.Random(0)
        self._pending: Any = None  # taken from the sequencer, waiting for its gap or a tag
        self._gap_until = 0  # the edge (cycle) before which _pending is not presented
        self._stalled = 0  # edges the presented item has waited for req_ready

    def build_phase(self) -> None:
        self.issue_ap = uvm_analysis_port("issue_ap", self)

    def start_of_simulation_phase(self) -> None:
        port = self.port
        assert port is not None, "DmaDriver.port not set"
        self.ready = ReadyDriver(port.dut.rsp_ready, port.clk, self.rng, self.knobs.rsp_stall)

    def attach(self) -> None:
        """Become the port's edge-loop step ``"dma.driver"`` (replacing an earlier run's)."""
        port = self.port
        assert port is not None, "DmaDriver.port not set"
        self._req_ready = port.dut.req_ready
        self._rise = RisingEdge(self._req_ready)
        self._pending = None
        port.edges.attach("dma.driver", self.step, self._wake)

    def take(self) -> None:
        """The sequencer holds an item: take it now if nothing is presented or waiting (the
        port's one request slot); the step takes it otherwise, once that one is accepted."""
        port = self.port
        assert port is not None
        if self._pending is None and port.presenting is None:
            ok, item = self.seq_item_port.try_next_item()
            if ok:
                self._start(item)
                port.edges.need("dma.driver")

    def _start(self, item: Any) -> None:
        """A random gap first (request channel idle), then a free tag, then present."""
        port = self.port
        assert port is not None
        knobs = self.knobs
        if knobs.gap_probability and self.rng.random() < knobs.gap_probability:
            port.idle()
            # ClockCycles(gap) from now: present at the gap-th edge after the last one
            self._gap_until = port.cycles.now + self.rng.randint(1, knobs.gap_max)
            self._pending = item
        elif not self._present(item):
            port.idle()
            self._pending = item

    def _present(self, item: Any) -> bool:
        port = self.port
        assert port is not None
        tag = port.tags.try_acquire(item)
        if tag is None:
            return False
        item.tag = tag
        port.present(item)
        port.presenting = item
        return True

    def _wake(self) -> Any:
        port = self.port
        # presenting to a unit that is not ready: req_ready rising (else take() wakes the loop)
        return self._rise if port is not None and port.presenting is not None else None

    def step(self, cycle: int) -> int:
        """The request channel at the edge of ``cycle``: the handshake of the presented item
        (published on ``issue_ap``, ``item_done``, the next queued item presented at once,
        else req_valid dropped until the sequence hands one over), or the gap and tag wait of
        a pending one. Returns the edges until the next one it needs (0: none)."""
        port = self.port
        assert port is not None
        item = port.presenting
        if item is not None:
            if not is_high(self._req_ready):
                self._stalled += 1  # poll a few edges, then sleep until req_ready rises
                return 1 if self._stalled < POLL_EDGES else 0
            self._stalled = 0
            port.presenting = None
            item.issue_cycle = cycle
            port.issued += 1
            self.issue_ap.write(item)
            self.seq_item_port.item_done()
            ok, nxt = self.seq_item_port.try_next_item()
            if ok:
                self._start(nxt)
            else:
                # the sequence, woken by item_done, may hand over its next item in this time
                # step (take): keep the next edge rather than sleep and be woken at once
                port.idle()
            return 1
        item = self._pending
        if item is None:
            return 0
        if cycle < self._gap_until:
            return self._gap_until - cycle
        if self._present(item):
            self._pending = None
            return 1
        return 1  # every tag in use: poll at each edge (the monitor frees them)


class DmaMonitor(uvm_component):
    """Publishes ``(DmaItem, DmaResponse)`` for every response handshake: a step of the
    port's edge loop (``"dma.monitor"``)."""

    def __init__(self, name: str, parent: Any) -> None:
        super().__init__(name, parent)
        self.port: DmaPort | None = None
        self.errors: list[str] = []

    def build_phase(self) -> None:
        self.ap = uvm_analysis_port("ap", self)

    def attach(self) -> None:
        """Become the port's edge-loop step ``"dma.monitor"`` (replacing an earlier run's)."""
        port = self.port
        assert port is not None, "DmaMonitor.port not set"
        self._valid, self._ready = port.dut.rsp_valid, port.dut.rsp_ready
        self._rise = RisingEdge(self._valid)
        self._quiet = 0  # edges rsp_valid has been low
        port.edges.attach("dma.monitor", self.step, lambda: self._rise)

    def step(self, cycle: int) -> int:
        """A response handshake at the edge of ``cycle``; returns 1 while rsp_valid is high,
        and while a request is outstanding for up to ``POLL_EDGES`` edges of rsp_valid low
        (polling costs less than a sleep and a wake-up per response), else 0 to sleep until
        rsp_valid rises."""
        port = self.port
        assert port is not None
        if not is_high(self._valid):
            if not port.tags.in_use:
                self._quiet = 0
                return 0
            self._quiet += 1
            return 1 if self._quiet < POLL_EDGES else 0
        self._quiet = 0
        if is_high(self._ready):
            rsp = port.sample_response(cycle)
            item = port.tags.release(rsp.tag)
            port.responded += 1
            problem = port.response_error(rsp)
            if problem is not None:
                self.errors.append(problem)
                self.logger.error(problem)
            if item is None:
                self.errors.append(f"response with tag {rsp.tag:#x} that is not in flight "
                                   f"(cycle {rsp.cycle}): {rsp.describe()}")
                self.logger.error(self.errors[-1])
            else:
                item.rsp = rsp
                self.ap.write((item, rsp))
        return 1


class DmaSequencer(uvm_sequencer):
    """A sequence's item goes straight into the driver's request queue (first come, first
    served, the base sequencer's order) instead of through the sequencer's own queue and
    task, and the driver takes it there and then when its request slot is free
    (:meth:`DmaDriver.take`), so ``start_item`` returns without a wait."""

    def __init__(self, name: str, parent: Any = None) -> None:
        super().__init__(name, parent)
        self.take: Any = None  # the driver's hand-off (DmaAgent.connect_phase)
        self.port: DmaPort | None = None

    async def start_item(self, item: Any) -> None:
        batch = self.port.batch if self.port is not None else None
        item.batched = batch is not None
        if batch is not None:  # batch mode: the item goes into the next block, done at once
            await batch.put(item)
            return
        export = self.seq_item_export
        await export.put_req(item)  # an unbounded queue: never waits
        if self.take is not None:
            self.take()
        if export.current_item is not item:
            await item.start_condition.wait()

    async def finish_item(self, item: Any) -> None:
        if getattr(item, "batched", False):
            return  # handed to the batched port: its handshakes are published with its block
        await super().finish_item(item)


@dataclass
class DmaAgentConfig:
    """What a :class:`DmaAgent` needs, set in ConfigDB under ``"cfg"`` for its path."""

    port: DmaPort
    knobs: DmaKnobs
    rng: random.Random
    batch: Any = None  # the batched port (tb.agents.dma_batch.BatchDmaPort) on vtd_batch_top


class DmaAgent(PortAgent):
    """The DMA request/response interface: sequencer, pipelined driver (tags, gaps, response
    back-pressure) and response monitor. ``issue_ap`` publishes every issued request,
    ``rsp_ap`` every ``(DmaItem, DmaResponse)``."""

    sequencer_cls = DmaSequencer
    driver_cls = DmaDriver
    monitor_cls = DmaMonitor

    def configure(self, cfg: DmaAgentConfig) -> None:
        self.driver.port = self.monitor.port = self.seqr.port = cfg.port
        self.batch = cfg.batch
        self.driver.knobs = cfg.knobs
        self.driver.rng = cfg.rng

    def connect_phase(self) -> None:
        super().connect_phase()
        self.seqr.take = self.driver.take
        if self.batch is not None:  # its handshakes go out on this agent's analysis ports
            self.batch.on_issue = self.issue_ap.write
            rsp_ap = self.rsp_ap
            self.batch.on_response = lambda item, rsp: rsp_ap.write((item, rsp))

    def start_of_simulation_phase(self) -> None:
        # the monitor's step before the driver's: a tag freed at an edge serves the driver at
        # that edge
        self.monitor.attach()
        self.driver.attach()

    def stop(self) -> None:
        """Leave the edge loop (the end of a run: a later one on the same harness attaches
        its own driver and monitor)."""
        port = self.driver.port
        if port is not None:
            port.edges.detach("dma.monitor")
            port.edges.detach("dma.driver")
