"""Smoke test of the RTL and the testbench plumbing: identity registers, one domain, a few
translations and faults, a fault event."""

import cocotb
from rtl_runner import plan_test

from tb.agents.dma import DmaItem
from tb.env.base_test import BaseTest, run_uvm


class SmokeTest(BaseTest):
    async def body(self):
        tb, regs = self.tb, self.regs
        for name in ("VER", "CAP", "ECAP", "GSTS", "FSTS", "FECTL", "RTADDR"):
            tb.checker.compare_register(name, await regs.read(name))
        b = tb.builder
        dom = b.create_domain()
        dom.map(0x10000, 0x200000, 16 * 4096)
        b.assign_device("01:00.0", dom)
        await self.sw.setup_fault_event()
        await self.sw.enable_translation()
        items = [DmaItem(sid=0x100, addr=0x10000 + i * 4096 + 8, write=bool(i % 2), size=8)
                 for i in range(16)]
        items += [DmaItem(sid=0x100, addr=0x40000, write=True), DmaItem(sid=0x200, addr=0)]
        items += [DmaItem(sid=0x100, addr=0x10000 + i * 4096) for i in range(16)]
        await self.env.dma_wait(items)


@cocotb.test()
async def smoke(dut):
    await run_uvm(dut, SmokeTest)


# pytest: every run of this module in the testplan (doc/testplan.toml)
test_plan = plan_test("test_rtl_smoke")
