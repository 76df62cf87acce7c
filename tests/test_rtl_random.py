"""Random translations across many domains and devices: 3-, 4- and 5-level tables, 4K/2M/1G
page mixes, permission mixes, holes, pass-through, FPD, unassigned devices, the interrupt
range; many requests in flight. Optionally with memory latency, back-pressure on every
channel and out-of-order memory (knobs). Checkpoints compare fault records/FSTS with the
model and service the faults. Prints its seed; replay with ``SEED=``."""

import cocotb
from pyuvm import uvm_factory
from rtl_runner import plan_test

from tb.env.base_test import BaseTest, run_uvm
from tb.stimulus.sequences import BurstyDmaSeq, RandomDmaSeq
from tb.stimulus.traffic import TrafficGen, TrafficKnobs, build_topology


class RandomTrafficTest(BaseTest):
    async def body(self):
        tb = self.tb
        rt = tb.rt
        rng = rt.rng("topology")
        topo = build_topology(tb.builder, rng, domains=rt.iknob("domains", 6),
                              devices_per_domain=rt.iknob("devices", 2),
                              regions_per_domain=rt.iknob("regions", 8))
        await self.sw.setup_fault_event()
        await self.sw.enable_translation()
        gen = TrafficGen(topo, tb.config, rt.rng("traffic"),
                         TrafficKnobs(hit_locality=rt.knob("locality", 0.5)))
        n, chunk = rt.iknob("n", 1000), rt.iknob("chunk", 250)
        perf: dict[str, int] = {}
        done = 0
        while done < n:
            k = min(chunk, n - done)
            seq = RandomDmaSeq.create("traffic")  # through the factory: tests may override
            seq.gen, seq.n = gen, k
            await seq.start(self.env.dma_agent.seqr)
            done += k
            perf = await tb.checkpoint(self.regs, perf)
            await self.sw.service_faults()
        tb.log.info("random traffic: %d requests, %d domains, %d devices", n,
                    len(topo.domains), len(topo.devices))


class BurstyTrafficTest(RandomTrafficTest):
    """The same test with the stimulus regrouped in per-device bursts (a factory override)."""

    def build_phase(self):
        uvm_factory().set_type_override_by_type(RandomDmaSeq, BurstyDmaSeq)
        super().build_phase()


@cocotb.test()
async def random_traffic(dut):
    await run_uvm(dut, RandomTrafficTest)


@cocotb.test()
async def bursty_traffic(dut):
    await run_uvm(dut, BurstyTrafficTest)


# pytest: every run of this module in the testplan (doc/testplan.toml)
test_plan = plan_test("test_rtl_random")
