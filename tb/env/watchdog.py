"""The watchdog of every pyuvm test: each DMA request is answered within a bound.

The bound is the knob ``watchdog`` (cycles, default :data:`DEFAULT_BOUND`), plus
``WALK_READS_BOUND`` memory reads' worth of the slowest memory the knobs allow
(``mem_latency_max``), so runs with slow memory need no knob of their own. Every
``CHECK_EVERY`` cycles the oldest request in flight is looked at; when it has waited longer than
the bound the watchdog prints the unit's state (the requests in flight with their issue cycles,
GSTS/FSTS/IQH/IQT read over AXI4-Lite, the valid/ready of every channel, the memory's bursts in
flight), records a mismatch and raises :class:`WatchdogExpired`, which fails the test. A test
that expects the hang sets :attr:`Watchdog.on_expire` to take the report instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cocotb.triggers import Timer
from pyuvm import ConfigDB, uvm_component

from python_model import regmap
from tb.agents.signals import read_uint

DEFAULT_BOUND = 20000  # cycles
WALK_READS_BOUND = 64  # memory reads' latency added to the bound (walks queue behind walks)
CHECK_EVERY = 256  # cycles

# (name, valid, ready) of every handshake channel of the unit
CHANNELS = (
    ("req", "req_valid", "req_ready"), ("rsp", "rsp_valid", "rsp_ready"),
    ("intr_req", "msi_valid", "msi_ready"), ("intr", "intr_valid", "intr_ready"),
    ("irq", "irq_valid", "irq_ready"),
    ("AR", "m_axi_arvalid", "m_axi_arready"), ("R", "m_axi_rvalid", "m_axi_rready"),
    ("AW", "m_axi_awvalid", "m_axi_awready"), ("W", "m_axi_wvalid", "m_axi_wready"),
    ("B", "m_axi_bvalid", "m_axi_bready"),
)
STATUS_REGISTERS = ("GSTS", "FSTS", "IQH", "IQT")


class WatchdogExpired(AssertionError):
    """A request went unanswered for longer than the watchdog's bound."""


def watchdog_bound(knobs: dict[str, object]) -> int:
    """The bound in cycles for a run with these knobs (see the module docstring)."""
    raw = knobs.get("watchdog", DEFAULT_BOUND)
    try:
        base = int(raw)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ValueError(f"knob watchdog={raw!r}: expected a number of cycles") from None
    if base <= 0:
        raise ValueError(f"knob watchdog={base}: must be a positive number of cycles")
    latency = int(knobs.get("mem_latency_max", 0))  # type: ignore[call-overload]
    return base + WALK_READS_BOUND * latency


class Watchdog(uvm_component):
    """Fails the test when a DMA request waits longer than :func:`watchdog_bound`."""

    def build_phase(self) -> None:
        self.tb = ConfigDB().get(self, "", "tb")
        self.bound = watchdog_bound(self.tb.rt.knobs)
        self.on_expire: Callable[[str], None] | None = None
        self.report: str | None = None

    async def run_phase(self) -> None:
        tb = self.tb
        # a timer, not ClockCycles: cocotb's ClockCycles resumes its task at every edge, which
        # cost this check a task switch per cycle (a quarter of the environment's switches)
        interval = Timer(CHECK_EVERY * tb.cycles.period_ns, "ns")
        while True:
            await interval
            port = tb.dma_port
            # a request still presented has no issue cycle yet: it is not in flight
            items = [i for i in port.tags.items().values() if i is not port.presenting]
            if not items or self.report is not None:
                continue
            now = tb.cycles.now
            oldest = min(items, key=lambda i: i.issue_cycle)
            if now - oldest.issue_cycle <= self.bound:
                continue
            self.report = await self.state_report(
                f"WATCHDOG: {oldest} issued at cycle {oldest.issue_cycle} unanswered at cycle "
                f"{now} (bound {self.bound} cycles)")
            self.logger.error(self.report)
            if self.on_expire is not None:
                self.on_expire(self.report)
                continue
            tb.checker.error(self.report.splitlines()[0])
            raise WatchdogExpired(self.report)

    async def state_report(self, headline: str) -> str:
        """The unit's state: requests in flight, status registers, channels, memory."""
        tb = self.tb
        dut = tb.dut
        lines = [headline]
        items = sorted(((t, i) for t, i in tb.dma_port.tags.items().items()
                        if i is not tb.dma_port.presenting), key=lambda kv: kv[1].issue_cycle)
        lines.append(f"  {len(items)} DMA request(s) in flight (tag: request, issue cycle):")
        for tag, item in items[:16]:
            lines.append(f"    {tag:#x}: {item} issued at cycle {item.issue_cycle}")
        if len(items) > 16:
            lines.append(f"    ... and {len(items) - 16} more")
        regs = []
        for name in STATUS_REGISTERS:
            r = regmap.RegisterMap(0).by_name(name)
            try:
                regs.append(f"{name}={await tb.axil_bus.read(r.offset, r.size):#x}")
            except Exception as e:  # noqa: BLE001 - the report must come out whatever the bus does
                regs.append(f"{name}=<read failed: {e}>")
        lines.append("  registers: " + " ".join(regs))
        chans = []
        for name, valid, ready in CHANNELS:
            if hasattr(dut, valid) and hasattr(dut, ready):
                chans.append(f"{name} {_bit(getattr(dut, valid))}/{_bit(getattr(dut, ready))}")
        lines.append("  channels valid/ready: " + ", ".join(chans))
        read_if = tb.mem.read_if
        bursts = [f"id {b.arid} addr {b.addr:#x} beats left {b.beats} ready at "
                  f"{b.ready if b.ready >= 0 else 'not started'}" for b in read_if._order]
        lines.append(f"  memory read bursts in flight: {len(bursts)}"
                     + "".join(f"\n    {b}" for b in bursts[:16]))
        lines.append(f"  memory R channel held: {read_if.r_pause is not None}")
        return "\n".join(lines)


def _bit(signal: Any) -> str:
    try:
        return str(read_uint(signal))
    except ValueError:
        return "x"
