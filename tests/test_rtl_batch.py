"""The batched DMA port (tb/transactors/vtd_batch_top.v, tb.agents.dma_batch): the pyuvm
environment sends its requests in blocks, with no Python per cycle.

* ``batched_traffic``: a random stream with faults goes through the per-cycle agents, then the
  same stream again through the batched port, with interrupt requests beside both passes
  (their entry fetches share the AXI port with the walks: the image memory serves them in
  the batched pass). The scoreboard checks every response of both
  against the model; besides, each request's answer must be the same both ways (the tables do
  not change, so neither may the answer), every handshake of the batched pass must carry a
  cycle inside its block, and the per-cycle agents' edge loop must have slept through the
  batched pass (no Python per cycle).
* ``batch_refusals``: what the batched port cannot do is reported as an error naming it:
  memory with error ranges (enter() refuses), memory changed while a block runs, and memory
  changed between blocks.

The pytest side also runs ``batched_traffic`` on RTL with a planted bug, which the batched
port must catch as the per-cycle environment does. Prints its seed; replay with ``SEED=``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import cocotb
from cocotb.triggers import ClockCycles, Event
from rtl_runner import plan_test, require

from tb.agents.dma import DmaItem
from tb.agents.dma_batch import BLOCK_MAX, BatchError
from tb.env.base_test import BaseTest, run_uvm
from tb.flows.mutants import MUTANTS, make
from tb.stimulus.interrupts import InterruptTraffic
from tb.stimulus.traffic import TrafficGen, TrafficKnobs, build_topology

ROOT = Path(__file__).resolve().parents[1]


def _copy(item: DmaItem) -> DmaItem:
    return DmaItem(sid=item.sid, addr=item.addr, write=item.write, size=item.size)


class BatchedTrafficTest(BaseTest):
    async def body(self) -> None:
        tb, rt = self.tb, self.tb.rt
        batch = tb.dma_batch
        assert batch is not None, "batched_traffic runs on the toplevel vtd_batch_top"
        topo = build_topology(tb.builder, rt.rng("topology"), domains=4, devices_per_domain=2,
                              regions_per_domain=6)
        # interrupt requests run beside both passes: their entry fetches use the memory the
        # DMA port uses, the image during the batched pass
        intr = None
        if tb.config.IR and rt.iknob("interrupts", 1):
            await self.sw.enable_queued_invalidation(qs=0)
        await self.sw.enable_translation()
        if tb.config.IR and rt.iknob("interrupts", 1):
            intr = InterruptTraffic(tb.builder, rt.rng("interrupts"),
                                    [d.sid for d in topo.devices])
            intr.setup()
            tb.memory.clear_errors()  # its bus-error entry: the image cannot return errors
            await self.sw.enable_interrupt_remapping()
        gen = TrafficGen(topo, tb.config, rt.rng("traffic"), TrafficKnobs(hit_locality=0.5))
        first = list(gen.items(rt.iknob("requests", 1500)))
        # batched_only (the planted-bug test): the batched pass alone must catch it
        batched_only = bool(rt.iknob("batched_only", 0))
        gate = Event()
        gate.set()
        msi_task = cocotb.start_soon(self._interrupts(intr, gate)) if intr else None
        if not batched_only:
            await self.env.dma_wait(first)
        again = [_copy(i) for i in first] if not batched_only else first
        loop = tb.harness.edges
        edges0, checked0 = loop.edges, tb.checker.stats.dma_checked
        msi0 = tb.checker.stats.msi_checked
        await batch.enter()
        await self.env.dma_wait(again)
        await batch.leave()
        gate.clear()
        edges = loop.edges - edges0
        if msi_task is not None:
            await msi_task
        checked = tb.checker.stats.dma_checked - checked0
        msis = tb.checker.stats.msi_checked - msi0
        err = tb.checker.error
        if intr is not None and not msis:
            err("no interrupt request was answered during the batched pass")
        if checked != len(again):
            err(f"the batched pass checked {checked} responses, {len(again)} were sent")
        blocks = -(-len(again) // BLOCK_MAX)  # the sequence fills each block before it yields
        if batch.blocks != blocks:
            err(f"{len(again)} requests ran in {batch.blocks} block(s), not {blocks} (a block "
                f"holds {BLOCK_MAX})")
        if edges > len(again) // 20:
            err(f"the per-cycle agents ran {edges} edges during the batched pass of "
                f"{len(again)} requests: the DMA port's and the memory's should sleep through "
                "it (the interrupt requests' entry fetches go to the image)")
        for one, two in zip(first, again, strict=True):
            if batched_only:
                break
            if one.rsp is None or two.rsp is None:
                err(f"{two} has no response")
            elif one.rsp.visible() != two.rsp.visible():
                err(f"{two}: the per-cycle pass answered {one.rsp.describe()}, the batched "
                    f"pass {two.rsp.describe()}")
            elif not one.rsp.cycle < two.issue_cycle < two.rsp.cycle:
                err(f"{two}: issued at cycle {two.issue_cycle}, answered at {two.rsp.cycle}, "
                    f"after the per-cycle pass ended")
        faults = sum(bool(i.rsp and i.rsp.fault) for i in again)
        tb.log.info("batched pass: %d requests in %d blocks, %d faults, %d interrupt "
                    "requests beside them, %d edges of the per-cycle agents", len(again),
                    batch.blocks, faults, msis, edges)
        if not faults or faults == len(again):
            err(f"the stream should mix faults and translations: {faults} of {len(again)} "
                "faulted")


    async def _interrupts(self, intr: InterruptTraffic, gate: Event) -> None:
        while gate.is_set():
            await self.env.msi(intr.items(4))


class BatchRefusalsTest(BaseTest):
    async def body(self) -> None:
        tb = self.tb
        batch = tb.dma_batch
        assert batch is not None, "batch_refusals runs on the toplevel vtd_batch_top"
        topo = build_topology(tb.builder, tb.rt.rng("topology"), domains=2,
                              devices_per_domain=1, regions_per_domain=2)
        await self.sw.enable_translation()
        gen = TrafficGen(topo, tb.config, tb.rt.rng("traffic"), TrafficKnobs())
        expected: list[str] = []
        # memory with an error range: the image cannot return errors, so enter() refuses
        tb.memory.add_error(0x7FFF_0000, 0x1000)
        try:
            await batch.enter()
            tb.checker.error("enter() accepted memory with an error range")
        except BatchError as e:
            if "error range" not in str(e) or batch.active:
                tb.checker.error(f"enter() refused memory with an error range so: {e}")
        tb.memory.clear_errors()
        # memory written while a block runs: the image would not see the write
        await batch.enter()

        async def poke() -> None:
            await ClockCycles(tb.dut.clk, 3)
            tb.memory.poke(0x7FFE_0000, b"\x01")

        cocotb.start_soon(poke())
        await self.env.dma_wait(list(gen.items(200)))
        expected.append("memory changed during a batched block")
        # and between blocks (an interrupt entry fetch may read the image at any time)
        tb.memory.poke(0x7FFE_0008, b"\x02")
        await self.env.dma_wait(list(gen.items(20)))
        expected.append("memory changed during batch mode, before a block")
        await batch.leave()
        errors = [e for e in tb.checker.errors if "batched DMA port" in e]
        for words in expected:
            if not any(words in e for e in errors):
                tb.checker.error(f"no batched-port error about {words!r}: {errors}")
        # the refusals were the point: keep every other error, drop these
        tb.checker.errors[:] = [e for e in tb.checker.errors if e not in errors]
        tb.checker.stats.mismatches -= len(errors)
        tb.log.info("refused as expected: %s", errors)


@cocotb.test()
async def batched_traffic(dut):
    await run_uvm(dut, BatchedTrafficTest)


@cocotb.test()
async def batch_refusals(dut):
    await run_uvm(dut, BatchRefusalsTest)


# pytest: every run of this module in the testplan (doc/testplan.toml)
test_plan = plan_test("test_rtl_batch")


def test_planted_rtl_bug_is_caught_on_the_batched_port():
    """``index-l2`` (a walker's level-2 index off by one) planted in a copy of rtl/: the
    batched pass reports mismatches. The per-cycle pass runs first in the same test, so the
    run is made to fail there too; what this asserts is that the batched pass *alone* catches
    it: its mismatches name the batched handshakes' requests (``tb.env.checker``)."""
    require("verilator")
    mutant = next(m for m in MUTANTS if m.name == "index-l2")
    rtl = make(mutant, ROOT / "build" / "batch" / "mutants" / mutant.name / "rtl")
    script = ("import json, sys\n"
              "from tb.flows import build\n"
              "from tb.flows.params import preset\n"
              "r = build.run('verilator', preset('default'), 'test_rtl_batch', 'batched_traffic',"
              " env={'TB_KNOBS': json.dumps({'requests': 1200, 'batched_only': 1})}, seed=5,"
              " label='mutant', top=build.BATCH_TOP)\n"
              "print('RESULT', r.ok)\n"
              "print(r.log.read_text(errors='replace'))\n")
    env = dict(os.environ, TB_RTL_DIR=str(rtl),
               PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    out = proc.stdout
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "RESULT False" in out, out[-3000:]
    assert "MISMATCH DMA" in out, out[-3000:]


def _header(path: Path, module: str) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """A module's parameters (name -> default) and ports (name -> (direction, width))."""
    text = re.sub(r"//[^\n]*", "", path.read_text())
    head = text[text.index(f"module {module}"):]
    head = head[:head.index(");") + 2]
    params = dict(re.findall(r"parameter\s+integer\s+(\w+)\s*=\s*(\d+)", head))
    ports = {name: (direction, re.sub(r"\s+", "", width))
             for direction, width, name in
             re.findall(r"(input|output)\s+wire\s*(\[[^\]]*\])?\s*(\w+)", head)}
    return params, ports


def test_the_batch_wrapper_passes_every_parameter_and_port_of_the_unit():
    """vtd_batch_top repeats the unit's header by hand (Verilog-2005 has no other way): a
    parameter or port added to the unit and not to the wrapper would silently fall back to a
    default in every batched build, so the two are compared here."""
    unit_params, unit_ports = _header(ROOT / "rtl" / "vtd_remap_unit.v", "vtd_remap_unit")
    top = ROOT / "tb" / "transactors" / "vtd_batch_top.v"
    top_params, top_ports = _header(top, "vtd_batch_top")
    text = top.read_text()
    inst = text[text.index("vtd_remap_unit #("):]
    inst = inst[:inst.index(");")]
    assert len(unit_params) >= 25 and len(unit_ports) >= 80, (len(unit_params), len(unit_ports))
    for name, default in unit_params.items():
        assert top_params.get(name) == default, f"parameter {name}: wrapper {top_params.get(name)}"
        assert f".{name}({name})" in inst, f"parameter {name} not passed to the unit"
    for name, (direction, width) in unit_ports.items():
        assert top_ports.get(name) == (direction, width), f"port {name}: {top_ports.get(name)}"
        assert re.search(rf"\.{name}\((u_)?{name}\)", inst), f"port {name} not connected"
