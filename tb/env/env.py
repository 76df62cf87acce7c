"""The pyuvm environment: one agent per DUT interface and the scoreboard, configured from
ConfigDB."""

from __future__ import annotations

from collections.abc import Iterable

from pyuvm import ConfigDB, uvm_env

from tb.agents.dma import DmaAgent, DmaAgentConfig, DmaItem
from tb.agents.msi import (
    FaultEventAgent,
    FaultEventAgentConfig,
    MsiAgent,
    MsiAgentConfig,
    MsiItem,
)
from tb.agents.reg import RegAgent, RegAgentConfig, SequencerRegBus
from tb.env.scoreboard import Scoreboard
from tb.env.watchdog import Watchdog
from tb.stimulus.sequences import ItemSeq


class RemapEnv(uvm_env):
    """One agent per DUT interface (registers, DMA, MSI, fault events), the scoreboard and
    the watchdog (:mod:`tb.env.watchdog`).
    The :class:`Tb` comes from ConfigDB (``"tb"``, set by :func:`run_uvm`); the env hands each
    agent its configuration through ConfigDB too."""

    def build_phase(self) -> None:
        tb = self.tb = ConfigDB().get(self, "", "tb")
        rt = tb.rt
        cdb = ConfigDB()
        cdb.set(self, "reg", "cfg", RegAgentConfig(
            tb.axil_bus, on_start=lambda i: tb.write_starting(i.offset, i.size, i.value)
            if i.write else None))
        cdb.set(self, "dma", "cfg", DmaAgentConfig(tb.dma_port, tb.dma_knobs, rt.rng("dma"),
                                                   tb.dma_batch))
        cdb.set(self, "msi", "cfg", MsiAgentConfig(tb.msi_port, rt.rng("msi"),
                                                   rt.knob("intr_stall", 0.0)))
        cdb.set(self, "events", "cfg", FaultEventAgentConfig(
            tb.dut, tb.cycles, rt.rng("irq"), rt.knob("irq_stall", 0.0)))
        self.reg_agent = RegAgent("reg", self)
        self.dma_agent = DmaAgent("dma", self)
        self.msi_agent = MsiAgent("msi", self)
        self.event_agent = FaultEventAgent("events", self)
        self.scoreboard = Scoreboard("scoreboard", self)
        self.watchdog = Watchdog("watchdog", self)  # every request answered in time

    def connect_phase(self) -> None:
        sb = self.scoreboard
        self.reg_agent.ap.connect(sb.reg)
        self.dma_agent.issue_ap.connect(sb.dma_issue)
        self.dma_agent.rsp_ap.connect(sb.dma_rsp)
        self.msi_agent.issue_ap.connect(sb.msi_issue)
        self.msi_agent.rsp_ap.connect(sb.msi_rsp)
        self.event_agent.ap.connect(sb.irq)
        self.regs = self.tb.regs_over(SequencerRegBus(self.reg_agent.seqr))
        self.sw = self.tb.software(self.regs)

    # ----------------------------------------------------------------- helpers for tests
    async def dma(self, items: Iterable[DmaItem]) -> None:
        """Send DMA items (pipelined; returns when all are issued, not answered)."""
        await ItemSeq.create("dma_items").run(self.dma_agent.seqr, items)

    async def dma_wait(self, items: Iterable[DmaItem]) -> list[DmaItem]:
        """Send and wait for every response."""
        items = list(items)
        await self.dma(items)
        await self.tb.dma_port.drain()
        return items

    async def msi(self, items: Iterable[MsiItem]) -> None:
        """Send interrupt requests and wait for every answer."""
        items = list(items)
        await self.msi_send(items)
        await self.msi_answered(items)

    async def msi_send(self, items: Iterable[MsiItem]) -> None:
        """Send interrupt requests (returns when all are accepted, not answered)."""
        await ItemSeq.create("msi_items").run(self.msi_agent.seqr, list(items))

    async def msi_answered(self, items: Iterable[MsiItem], cycles: int = 40000) -> None:
        items = list(items)
        for _ in range(cycles // 4):
            if all(i.done for i in items):
                return
            await self.tb.wait(4)
        raise TimeoutError(f"MSI requests without an interrupt output after {cycles} cycles")

    def errors(self) -> list[str]:
        return self.dma_agent.monitor.errors + self.msi_agent.monitor.errors
