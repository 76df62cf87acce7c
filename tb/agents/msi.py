"""MSI agent and fault-event monitor.

MSI input ``msi_valid/msi_ready/msi_sid/msi_addr/msi_data``; interrupt output
``intr_valid/intr_ready/intr_fault/intr_reason/intr_vector/intr_dest/intr_dm/intr_rh/intr_tm/
intr_dlm`` (in request order). Fault event port ``irq_valid/irq_ready/irq_addr/irq_data``.
"""

from __future__ import annotations

import dataclasses
import random
from collections import deque
from dataclasses import dataclass
from typing import Any

import cocotb
from cocotb.triggers import ReadOnly, RisingEdge
from pyuvm import (
    uvm_agent,
    uvm_analysis_port,
    uvm_component,
    uvm_driver,
    uvm_sequence_item,
    uvm_sequencer,
)

from python_model import regmap
from python_model.structures import INTR_LO
from tb.agents.port_agent import PortAgent
from tb.agents.signals import CycleCounter, ReadyDriver, handshakes, until_accepted
from tb.agents.transactions import EventMsg, IntrResponse


class MsiItem(uvm_sequence_item):
    def __init__(self, name: str = "msi", sid: int = 0, addr: int = INTR_LO,
                 data: int = 0) -> None:
        super().__init__(name)
        self.sid = sid
        self.addr = addr
        self.data = data
        self.issue_cycle = 0
        self.rsp: IntrResponse | None = None
        self.dropped = False  # accepted, then forgotten by a reset of the unit

    @property
    def done(self) -> bool:
        """Answered, or dropped by a reset (never to be answered)."""
        return self.rsp is not None or self.dropped

    def __str__(self) -> str:
        return f"MSI sid={self.sid:#06x} addr={self.addr:#x} data={self.data:#x}"


class MsiPort:
    def __init__(self, dut: Any, cycles: CycleCounter) -> None:
        self.dut = dut
        self.clk = dut.clk
        self.cycles = cycles
        self.in_flight: deque[MsiItem] = deque()
        dut.msi_valid.value = 0
        dut.msi_sid.value = 0
        dut.msi_addr.value = 0
        dut.msi_data.value = 0

    async def issue(self, item: Any) -> None:
        """Present one MSI, wait for its handshake, drop valid; it is then in flight."""
        dut = self.dut
        dut.msi_sid.value = item.sid
        dut.msi_addr.value = item.addr
        dut.msi_data.value = item.data
        dut.msi_valid.value = 1
        await until_accepted(self.clk, dut.msi_ready)
        dut.msi_valid.value = 0
        item.issue_cycle = self.cycles.now
        self.in_flight.append(item)

    def drop_in_flight(self) -> list[MsiItem]:
        """A reset: the unit forgets every interrupt request it had accepted. Returns them,
        marked dropped."""
        dropped = list(self.in_flight)
        for item in dropped:
            item.dropped = True
        self.in_flight.clear()
        return dropped

    def sample_interrupt(self) -> IntrResponse:
        dut = self.dut
        return IntrResponse(
            fault=bool(dut.intr_fault.value), reason=int(dut.intr_reason.value),
            vector=int(dut.intr_vector.value), dest=int(dut.intr_dest.value),
            dm=int(dut.intr_dm.value), rh=int(dut.intr_rh.value), tm=int(dut.intr_tm.value),
            dlm=int(dut.intr_dlm.value), cycle=self.cycles.now)


def sample_event(dut: Any, cycle: int) -> EventMsg:
    """The message on the fault event port in a handshake cycle."""
    return EventMsg(int(dut.irq_addr.value), int(dut.irq_data.value), cycle)


class MsiSequencer(uvm_sequencer):
    pass


class MsiDriver(uvm_driver):
    def __init__(self, name: str, parent: Any) -> None:
        super().__init__(name, parent)
        self.port: MsiPort | None = None
        self.rng = random.Random(0)
        self.intr_stall = 0.0

    def build_phase(self) -> None:
        self.issue_ap = uvm_analysis_port("issue_ap", self)

    def start_of_simulation_phase(self) -> None:
        assert self.port is not None
        self.ready = ReadyDriver(self.port.dut.intr_ready, self.port.clk, self.rng,
                                 self.intr_stall)

    async def run_phase(self) -> None:
        port = self.port
        assert port is not None
        while True:
            item = await self.seq_item_port.get_next_item()
            await port.issue(item)
            self.issue_ap.write(item)
            self.seq_item_port.item_done()


_PERF_FAULTS = [name for name, _ in regmap.PERF_COUNTERS].index("PERF_FAULTS")


class IntrMonitor(uvm_component):
    """Publishes ``(MsiItem, IntrResponse)``: interrupts come out in request order.

    Fault-record order. The unit records an interrupt fault just before it presents the
    answer (intr_valid rises), a DMA fault when the answer enters the response queue, which the
    device may drain much later; the rules leave the interleaving of the two open, and it
    decides which record lands in which FRCD slot. So a faulting interrupt answer is published
    when it *appears* (sampled after the edge intr_valid rose at, where the record was made),
    not at its handshake, with the number of DMA fault answers the unit had made by then (the
    PERF_FAULTS counter, read from the unit's ``perf_values`` wire: an order hint only, never
    a value that is checked) in ``IntrResponse.dma_faults_before``; the checker commits the
    interrupt's record to the model after that many DMA fault answers. A DMA fault recorded
    after it is answered after it too (the queue takes at least a cycle).
    """

    def __init__(self, name: str, parent: Any) -> None:
        super().__init__(name, parent)
        self.port: MsiPort | None = None
        self.errors: list[str] = []
        self._early = 0  # faulting answers published when they appeared, handshake pending

    def build_phase(self) -> None:
        self.ap = uvm_analysis_port("ap", self)

    def _publish(self, rsp: IntrResponse) -> None:
        port = self.port
        assert port is not None
        if not port.in_flight:
            self.errors.append(f"interrupt output with no MSI in flight (cycle "
                               f"{rsp.cycle}): {rsp.describe()}")
            self.logger.error(self.errors[-1])
            return
        item = port.in_flight.popleft()
        item.rsp = rsp
        self.ap.write((item, rsp))

    async def _faults_as_they_appear(self) -> None:
        port = self.port
        assert port is not None
        dut = port.dut
        perf = getattr(dut, "perf_values", None)
        if perf is None:  # without it interrupt faults would be ordered by handshake: wrong
            raise RuntimeError("the DUT has no perf_values wire (vtd_remap_unit's counter "
                               "bus): the interrupt monitor orders fault records by it")
        rise, read_only = RisingEdge(dut.intr_valid), ReadOnly()
        while True:
            await rise
            await read_only
            if dut.intr_valid.value and dut.intr_fault.value:
                before = int(perf.value) >> (64 * _PERF_FAULTS) & (1 << 64) - 1
                self._early += 1
                self._publish(dataclasses.replace(port.sample_interrupt(),
                                                  dma_faults_before=before))

    async def run_phase(self) -> None:
        port = self.port
        assert port is not None
        dut = port.dut
        cocotb.start_soon(self._faults_as_they_appear())
        async for _ in handshakes(port.clk, dut.intr_valid, dut.intr_ready):
            rsp = port.sample_interrupt()
            if rsp.fault and self._early:
                self._early -= 1  # published when it appeared
                continue
            self._publish(rsp)


class IrqMonitor(uvm_component):
    """The unit's fault-event message port; drives ``irq_ready`` (random stalls)."""

    def __init__(self, name: str, parent: Any) -> None:
        super().__init__(name, parent)
        self.dut: Any = None
        self.cycles: CycleCounter | None = None
        self.rng = random.Random(0)
        self.stall = 0.0
        self.seen: list[EventMsg] = []

    def build_phase(self) -> None:
        self.ap = uvm_analysis_port("ap", self)

    def start_of_simulation_phase(self) -> None:
        self.ready = ReadyDriver(self.dut.irq_ready, self.dut.clk, self.rng, self.stall)

    async def run_phase(self) -> None:
        dut = self.dut
        async for _ in handshakes(dut.clk, dut.irq_valid, dut.irq_ready):
            msg = sample_event(dut, self.cycles.now if self.cycles else 0)
            self.seen.append(msg)
            self.ap.write(msg)


@dataclass
class MsiAgentConfig:
    """What an :class:`MsiAgent` needs, set in ConfigDB under ``"cfg"`` for its path."""

    port: MsiPort
    rng: random.Random
    intr_stall: float = 0.0  # probability of holding intr_ready low in a cycle


class MsiAgent(PortAgent):
    """The interrupt interface: sequencer and driver of interrupt requests, monitor of the
    interrupt output. ``issue_ap`` publishes every request, ``rsp_ap`` every
    ``(MsiItem, IntrResponse)``."""

    sequencer_cls = MsiSequencer
    driver_cls = MsiDriver
    monitor_cls = IntrMonitor

    def configure(self, cfg: MsiAgentConfig) -> None:
        self.driver.port = self.monitor.port = cfg.port
        self.driver.rng = cfg.rng
        self.driver.intr_stall = cfg.intr_stall


@dataclass
class FaultEventAgentConfig:
    """What a :class:`FaultEventAgent` needs, set in ConfigDB under ``"cfg"``."""

    dut: Any
    cycles: CycleCounter
    rng: random.Random
    stall: float = 0.0  # probability of holding irq_ready low in a cycle


class FaultEventAgent(uvm_agent):
    """The fault-event message port: a passive agent (its monitor drives only ``irq_ready``).
    ``ap`` publishes every :class:`EventMsg`."""

    def build_phase(self) -> None:
        super().build_phase()
        cfg: FaultEventAgentConfig = self.cdb_get("cfg")
        self.monitor = IrqMonitor("monitor", self)
        self.monitor.dut = cfg.dut
        self.monitor.cycles = cfg.cycles
        self.monitor.rng = cfg.rng
        self.monitor.stall = cfg.stall

    def connect_phase(self) -> None:
        self.ap = self.monitor.ap

