"""The memory side: bus errors on table fetches under traffic (root 08h, context 09h, top-level
03h, lower-level 07h), many requests in flight against slow, reordering, back-pressured
memory, hit-under-miss (a request that hits the IOTLB must not wait behind walks), hits
passing misses that wait in the miss queue while every walker is busy, and miss merging
(requests to a page being walked wait for that walk instead of walking it again)."""

import cocotb
from rtl_runner import plan_test

from tb.agents.dma import DmaItem
from tb.env.base_test import BaseTest, run_uvm
from tb.stimulus.traffic import TrafficGen, TrafficKnobs, build_topology


class MemoryErrorTest(BaseTest):
    """Random traffic while error ranges cover root entries, context entries, top-level and
    lower-level tables of some devices; some ranges are added and removed during the run."""

    async def body(self):
        tb, sw = self.tb, self.sw
        rt, b, mem = tb.rt, tb.builder, tb.memory
        rng = rt.rng("errors")
        topo = build_topology(b, rt.rng("topology"), domains=5, devices_per_domain=2,
                              regions_per_domain=6)
        devs = [d for d in topo.devices if d.domain is not None]
        victims = rng.sample(devs, 4)
        ranges = [
            (b.root_entry_address(victims[0].sid >> 8), 16),  # 08h for that bus
            (b.context_entry_address(victims[1].sid), 16),  # 09h
            (victims[2].domain.slptptr, 0x1000),  # 03h for the domain
        ]
        r = victims[3].regions[0] if victims[3].regions else None
        if r is not None and victims[3].domain.levels > 1:
            addr = victims[3].domain.entry_address(victims[3].domain.levels - 1, r.iova)
            if addr is not None:
                ranges.append((addr & ~0xFFF, 0x1000))  # 07h
        for a, n in ranges:
            mem.add_error(a, n, on_read=True, on_write=False)
        await sw.setup_fault_event()
        await sw.enable_translation()
        gen = TrafficGen(topo, tb.config, rt.rng("traffic"), TrafficKnobs(hit_locality=0.3))
        n, rounds = rt.iknob("n", 1200), 4
        for i in range(rounds):
            await self.env.dma(gen.items(n // rounds))
            await tb.checkpoint(self.regs)
            await sw.service_faults()
            if i == 1:  # errors gone: the same tables now translate (no invalidation needed:
                mem.clear_errors()  # faulting walks were never cached, CM=0)
            if i == 2:
                for a, n_ in ranges:
                    mem.add_error(a, n_, on_read=True, on_write=False)
        tb.coverage.hit("memory", "bus error", tb.mem.stats.read_errors)


class HitUnderMissTest(BaseTest):
    """With 200-cycle memory, a request that hits the IOTLB, issued after one that misses,
    answers first; responses come back out of order by tag."""

    async def body(self):
        tb, sw = self.tb, self.sw
        b = tb.builder
        dom = b.create_domain()
        dom.map(0x100000, 0x800000, 64 * 0x1000)
        b.assign_device("01:00.0", dom)
        await sw.enable_translation()
        await self.one(0x100, 0x100000, hpa=0x800000)  # warm the caches
        tb.mem.knobs.latency_min = tb.mem.knobs.latency_max = 200
        loop = tb.harness.edges
        edges0, cycle0 = loop.edges, tb.cycles.now
        overtaken = 0
        for k in range(1, 9):
            miss = DmaItem(sid=0x100, addr=0x100000 + k * 0x1000)
            hit = DmaItem(sid=0x100, addr=0x100008, write=True)
            await self.env.dma_wait([miss, hit])
            if hit.rsp.cycle < miss.rsp.cycle:
                overtaken += 1
            else:
                tb.checker.error(f"hit-under-miss: the hit (tag {hit.tag}) answered at cycle "
                                 f"{hit.rsp.cycle}, after the miss (tag {miss.tag}) at "
                                 f"{miss.rsp.cycle}")
            if hit.rsp.cycle - hit.issue_cycle > 8:
                tb.checker.error(f"IOTLB hit took {hit.rsp.cycle - hit.issue_cycle} cycles "
                                 "behind a walk")
        tb.log.info("hit-under-miss: %d of 8 hits overtook their miss", overtaken)
        # the agents wake on activity: while the walks wait out the memory's latency the
        # clock's edge loop sleeps, instead of running every edge
        ran, elapsed = loop.edges - edges0, tb.cycles.now - cycle0
        tb.log.info("edge loop: %d of %d edges", ran, elapsed)
        if ran * 4 > elapsed:
            tb.checker.error(f"the agents' edge loop ran {ran} of the {elapsed} edges in which "
                             "requests waited for 200-cycle memory: a step polls where it "
                             "should sleep")


class QueuedMissTest(BaseTest):
    """With 200-cycle memory and every walker busy, further misses wait in the miss queue
    (MISSQ_DEPTH) and a request that hits the IOTLB, issued behind them, answers at once:
    before every one of the misses, in at most 8 cycles. Without a miss queue the hit would
    wait in S1 behind the first miss that found no walker."""

    async def body(self):
        tb, sw = self.tb, self.sw
        walkers, depth = tb.params["MAX_WALKS"], tb.params["MISSQ_DEPTH"]
        if depth < 1:
            tb.checker.error("hits_pass_queued_misses needs MISSQ_DEPTH >= 1 (params 'missq')")
            return
        queued = min(depth, 2)
        b = tb.builder
        dom = b.create_domain()
        dom.map(0x100000, 0x800000, 64 * 0x1000)
        b.assign_device("01:00.0", dom)
        await sw.enable_translation()
        await self.one(0x100, 0x100000, hpa=0x800000)  # warm the caches
        tb.mem.knobs.latency_min = tb.mem.knobs.latency_max = 200
        base = 1
        for rnd in range(4):
            misses = [DmaItem(sid=0x100, addr=0x100000 + (base + k) * 0x1000)
                      for k in range(walkers + queued)]
            base += walkers + queued
            hit = DmaItem(sid=0x100, addr=0x100010, write=rnd % 2 == 1)
            await self.env.dma_wait(misses + [hit])
            first_miss = min(m.rsp.cycle for m in misses)
            if hit.rsp.cycle >= first_miss:
                tb.checker.error(f"round {rnd}: the hit (tag {hit.tag}) answered at cycle "
                                 f"{hit.rsp.cycle}, not before the {len(misses)} misses "
                                 f"({walkers} walking, {queued} queued; first at {first_miss})")
            if hit.rsp.cycle - hit.issue_cycle > 8:
                tb.checker.error(f"round {rnd}: the IOTLB hit took "
                                 f"{hit.rsp.cycle - hit.issue_cycle} cycles behind queued misses")
        tb.log.info("queued misses: %d walking and %d queued per round", walkers,
                    queued)


class MergedMissTest(BaseTest):
    """Bursts of requests to one fresh page on slow memory. With MISS_MERGE=1 the first one
    walks and the others wait for that walk and hit the entry it filled: one walk per burst
    (a write behind a read of a read-only page still walks: the filled entry lacks the
    permission, and the walk reports the fault). With MISS_MERGE=0 every request that finds a
    free walker walks the same tables again."""

    async def body(self):
        tb, sw = self.tb, self.sw
        merge, walkers = tb.params["MISS_MERGE"], tb.params["MAX_WALKS"]
        b = tb.builder
        dom = b.create_domain()
        dom.map(0x100000, 0x800000, 64 * 0x1000)
        dom.map(0x200000, 0x900000, 4 * 0x1000, write=False)
        b.assign_device("01:00.0", dom)
        await sw.enable_translation()
        await self.one(0x100, 0x100000, hpa=0x800000)  # context cached
        tb.mem.knobs.latency_min = tb.mem.knobs.latency_max = 60
        burst = 6
        for rnd in range(4):
            page = 0x100000 + (rnd + 1) * 0x1000
            items = [DmaItem(sid=0x100, addr=page + 0x40 * k, write=k % 2 == 1)
                     for k in range(burst)]
            before = await sw.read_perf()
            await self.env.dma_wait(items)
            after = await sw.read_perf()
            d = {k: after[k] - before[k] for k in ("PERF_WALKS", "PERF_IOTLB_HITS",
                                                   "PERF_IOTLB_MISSES")}
            want_walks = 1 if merge else min(burst, walkers)
            if d["PERF_WALKS"] != want_walks or d["PERF_IOTLB_MISSES"] != want_walks \
                    or d["PERF_IOTLB_HITS"] != burst - want_walks:
                tb.checker.error(f"burst {rnd} of {burst} to page {page:#x} (MISS_MERGE="
                                 f"{merge}, {walkers} walkers): {d}, expected {want_walks} "
                                 f"walk(s) and {burst - want_walks} hits")
        # a write behind a read of a read-only page: the read's fill cannot answer it
        ro = [DmaItem(sid=0x100, addr=0x200000), DmaItem(sid=0x100, addr=0x200040, write=True)]
        before = await sw.read_perf()
        await self.env.dma_wait(ro)
        after = await sw.read_perf()
        walks = after["PERF_WALKS"] - before["PERF_WALKS"]
        if walks != 2 or not ro[1].rsp.fault or ro[0].rsp.fault:
            tb.checker.error(f"read then write to a read-only page: {walks} walks, read "
                             f"{ro[0].rsp}, write {ro[1].rsp}: expected 2 walks, the write "
                             "faulting")
        await sw.service_faults()
        tb.log.info("merged misses (MISS_MERGE=%d, %d walkers): bursts of %d, %d walk(s) each",
                    merge, walkers, burst, 1 if merge else min(burst, walkers))


@cocotb.test()
async def merged_misses(dut):
    await run_uvm(dut, MergedMissTest)


@cocotb.test()
async def memory_errors(dut):
    await run_uvm(dut, MemoryErrorTest)


@cocotb.test()
async def hit_under_miss(dut):
    await run_uvm(dut, HitUnderMissTest)


@cocotb.test()
async def hits_pass_queued_misses(dut):
    await run_uvm(dut, QueuedMissTest)


# pytest: every run of this module in the testplan (doc/testplan.toml)
test_plan = plan_test("test_rtl_memory")
