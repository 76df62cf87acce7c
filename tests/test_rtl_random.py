"""Random translations across many domains and devices: 3-, 4- and 5-level tables, 4K/2M/1G
page mixes, permission mixes, holes, pass-through, FPD, unassigned devices, the interrupt
range; many requests in flight. Optionally with memory latency, back-pressure on every
channel and out-of-order memory (knobs). Checkpoints compare fault records/FSTS with the
model and service the faults. Prints its seed; replay with ``SEED=``."""

import cocotb
import pytest
from pyuvm import uvm_factory
from rtl_runner import run_cocotb, scaled, sim_params

from tb.env.env import BaseTest, run_uvm
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


STRESS = {"mem_latency_min": 0, "mem_latency_max": 24, "mem_beat_gap": 0.2,
          "backpressure": 0.3, "reorder": 1, "rsp_stall": 0.3, "irq_stall": 0.3,
          "axil_stall": 0.2, "gap_probability": 0.2}


@pytest.mark.sim
@sim_params()
@pytest.mark.parametrize("params", ["wide", "default"])
def test_random_translations(sim, params):
    """3/4/5 levels (wide) and the default configuration, back-to-back requests."""
    run_cocotb(sim, "test_rtl_random", "random_traffic", params=params, random=True,
               knobs={"n": scaled(sim, 2000)})


@pytest.mark.sim
@sim_params()
def test_bursty_translations(sim):
    """Per-device bursts: misses of one device queue, hits of the next pass them."""
    run_cocotb(sim, "test_rtl_random", "bursty_traffic", params="default", random=True,
               knobs={"n": scaled(sim, 1000), "mem_latency_max": 16})


@pytest.mark.sim
@sim_params()
def test_random_stress(sim):
    """Memory latency and reordering, back-pressure everywhere, response stalls."""
    run_cocotb(sim, "test_rtl_random", "random_traffic", params="wide", random=True,
               knobs={"n": scaled(sim, 1500), **STRESS})


@pytest.mark.sim
@sim_params()
def test_random_small_fifo(sim):
    """A 2x3 FIFO IOTLB, 4 context-cache entries, 2 walkers, long memory latency."""
    run_cocotb(sim, "test_rtl_random", "random_traffic", params="fifo", random=True,
               knobs={"n": scaled(sim, 1500), "mem_latency_max": 40, "reorder": 1,
                      "locality": 0.3})
