"""DUT plumbing for one cocotb test: clock, reset, the AXI4-Lite master, the AXI memory slave
and the DMA/MSI port state. Several runs (e.g. a scenario suite) may share one harness,
re-binding the memory and resetting the DUT between them."""

from __future__ import annotations

import gc
import logging
from typing import Any

from cocotb.clock import Clock
from cocotb.triggers import ClockCycles
from cocotbext.axi import AxiLiteBus, AxiLiteMaster

from python_model.memory import Memory
from tb.agents.axi_memory import MemoryKnobs, TbAxiMemory
from tb.agents.dma import DmaPort
from tb.agents.dma_batch import BatchDmaPort
from tb.agents.edge_loop import EdgeLoop
from tb.agents.msi import MsiPort
from tb.agents.reg_bus import AxiLiteRegBus
from tb.agents.signals import CycleCounter, pause_generator, reset
from tb.env.runtime import Runtime

CLOCK_NS = 10


def tune_gc() -> None:
    """Fewer garbage collections during a run: every request makes short-lived items,
    responses and model outcomes, and with CPython's default threshold (700 allocations) the
    young generation was collected every few requests. The objects alive now (the model,
    the testbench, the simulator's handles) move to the permanent generation (gc.freeze), and
    a young collection waits for 20,000 allocations. `make bench` by CPU time: the pyuvm
    environment about 10% faster."""
    gc.freeze()
    gc.set_threshold(20_000, 50, 50)


class Harness:
    def __init__(self, dut: Any, rt: Runtime, memory: Memory | None = None) -> None:
        tune_gc()
        self.dut = dut
        self.rt = rt
        self.params = rt.params
        for name in ("s_axil", "m_axi"):
            logging.getLogger(f"cocotb.{dut._name}.{name}").setLevel(logging.WARNING)
        Clock(dut.clk, CLOCK_NS, unit="ns").start()
        self.cycles = CycleCounter(dut.clk, CLOCK_NS)
        dut.rst_n.value = 0
        for sig in ("rsp_ready", "intr_ready", "irq_ready"):
            getattr(dut, sig).value = 1
        self.axil = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axil"), dut.clk, dut.rst_n,
                                  reset_active_level=False)
        self.axil.write_if.log.setLevel(logging.WARNING)
        self.axil.read_if.log.setLevel(logging.WARNING)
        stall = rt.knob("axil_stall", 0.0)
        if stall:
            for ch in (self.axil.write_if.b_channel, self.axil.read_if.r_channel):
                ch.set_pause_generator(pause_generator(rt.rng("axil"), stall))
        k = rt.knobs
        self.mem_knobs = MemoryKnobs(
            latency_min=rt.iknob("mem_latency_min", 0), latency_max=rt.iknob("mem_latency_max", 0),
            beat_gap_probability=rt.knob("mem_beat_gap", 0.0),
            backpressure=rt.knob("backpressure", 0.0), reorder=bool(k.get("reorder", False)))
        # the per-cycle work of the memory's read slave and the DMA agents, one resume per edge
        self.edges = EdgeLoop(dut.clk, self.cycles)
        self.mem = TbAxiMemory(dut, memory if memory is not None else Memory(), rt.rng("mem"),
                               self.edges, self.mem_knobs)
        self.dma_port = DmaPort(dut, self.edges, self.params["REQ_TAG_W"],
                                rt.iknob("max_outstanding", 0))
        self.msi_port = MsiPort(dut, self.cycles)
        self.axil_bus = AxiLiteRegBus(self.axil)
        # on vtd_batch_top: the batched DMA port (off until a test enters batch mode)
        self.dma_batch: BatchDmaPort | None = None
        if hasattr(dut, "batch_mode"):
            for sig in ("batch_mode", "batch_load", "batch_count", "batch_mem_reload"):
                getattr(dut, sig).value = 0
            read_if = self.mem.read_if
            self.dma_batch = BatchDmaPort(self.dma_port, self.mem.memory,
                                          memory_idle=lambda: read_if.idle)

    def bind(self, memory: Memory) -> None:
        """Serve ``memory`` from now on (a new run with its own tables)."""
        self.mem.bind(memory)
        if self.dma_batch is not None:
            self.dma_batch.memory = memory

    async def reset(self, cycles: int = 10) -> None:
        """Reset the DUT; the port counters restart with it (they mirror PERF_REQUESTS)."""
        self.dma_port.issued = self.dma_port.responded = 0
        await reset(self.dut.clk, self.dut.rst_n, cycles)

    async def wait(self, cycles: int) -> None:
        if cycles > 0:
            await ClockCycles(self.dut.clk, cycles)
