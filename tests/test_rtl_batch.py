"""The batched DMA port (tb/transactors/vtd_batch_top.v, tb.agents.dma_batch): the pyuvm
environment sends its requests in blocks, with no Python per cycle.

* ``batched_traffic``: a random stream with faults goes through the per-cycle agents, then the
  same stream again through the batched port. The scoreboard checks every response of both
  against the model; besides, each request's answer must be the same both ways (the tables do
  not change, so neither may the answer), every handshake of the batched pass must carry a
  cycle inside its block, and the per-cycle agents' edge loop must have slept through the
  batched pass (no Python per cycle).
* ``batch_refusals``: what the batched port cannot do is reported as an error naming it:
  memory with error ranges, and memory changed while a block runs.

The pytest side also runs ``batched_traffic`` on RTL with a planted bug, which the batched
port must catch as the per-cycle environment does. Prints its seed; replay with ``SEED=``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import cocotb
from cocotb.triggers import ClockCycles
from rtl_runner import plan_test, require

from tb.agents.dma import DmaItem
from tb.agents.dma_batch import BLOCK_MAX
from tb.env.base_test import BaseTest, run_uvm
from tb.flows.mutants import MUTANTS
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
        await self.sw.enable_translation()
        gen = TrafficGen(topo, tb.config, rt.rng("traffic"), TrafficKnobs(hit_locality=0.5))
        first = list(gen.items(rt.iknob("requests", 1500)))
        # batched_only (the planted-bug test): the batched pass alone must catch it
        batched_only = bool(rt.iknob("batched_only", 0))
        if not batched_only:
            await self.env.dma_wait(first)
        again = [_copy(i) for i in first] if not batched_only else first
        loop = tb.harness.edges
        edges0, checked0 = loop.edges, tb.checker.stats.dma_checked
        batch.enter()
        await self.env.dma_wait(again)
        await batch.leave()
        edges = loop.edges - edges0
        checked = tb.checker.stats.dma_checked - checked0
        err = tb.checker.error
        if checked != len(again):
            err(f"the batched pass checked {checked} responses, {len(again)} were sent")
        blocks = -(-len(again) // BLOCK_MAX)  # the sequence fills each block before it yields
        if batch.blocks != blocks:
            err(f"{len(again)} requests ran in {batch.blocks} block(s), not {blocks} (a block "
                f"holds {BLOCK_MAX})")
        if edges > len(again) // 20:
            err(f"the per-cycle agents ran {edges} edges during the batched pass of "
                f"{len(again)} requests: they should sleep through it")
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
        tb.log.info("batched pass: %d requests in %d blocks, %d faults, %d edges of the "
                    "per-cycle agents", len(again), batch.blocks, faults, edges)
        if not faults or faults == len(again):
            err(f"the stream should mix faults and translations: {faults} of {len(again)} "
                "faulted")


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
        batch.enter()
        # memory with an error range: the image cannot return errors
        tb.memory.add_error(0x7FFF_0000, 0x1000)
        await self.env.dma_wait(list(gen.items(4)))
        expected.append("error range")
        tb.memory.clear_errors()
        # memory written while a block runs: the image would not see the write

        async def poke() -> None:
            await ClockCycles(tb.dut.clk, 3)
            tb.memory.poke(0x7FFE_0000, b"\x01")

        cocotb.start_soon(poke())
        await self.env.dma_wait(list(gen.items(200)))
        expected.append("memory changed while a batched block ran")
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
    rtl = ROOT / "build" / "batch" / "mutants" / mutant.name / "rtl"  # stable: build reused
    if rtl.exists():
        shutil.rmtree(rtl)
    shutil.copytree(ROOT / "rtl", rtl)
    target = rtl / mutant.file
    text = target.read_text()
    assert text.count(mutant.old) == 1, f"mutant {mutant.name} no longer applies"
    target.write_text(text.replace(mutant.old, mutant.new))
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
