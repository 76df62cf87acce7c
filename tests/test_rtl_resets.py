"""Faults, resets and the watchdog.

* ``reset_under_traffic``: rounds of random DMA traffic (with fault events unmasked); at a random
  cycle ``rst_n`` is asserted for a few cycles with requests in flight. The requests the unit
  had accepted are dropped, the model is rebuilt from scratch (caches and fault records empty);
  requests after the reset (translation off) are checked against it. Once quiet every register
  reads its reset value from the register description, the fault records are empty, and the
  next round enables translation again with new tables at different host addresses: every
  answer must match the fresh model, so nothing cached before the reset may answer.
  With the knob ``qi``, every round also enables queued invalidation and interrupt
  remapping (a new queue and a new interrupt table each round), sends MSIs beside the DMA
  traffic, and most resets land just after a tail write, while the unit fetches and runs
  queued IEC/IOTLB invalidations and a wait whose status write is still owed: afterwards
  IQA/IQH/IQT/IRTA/ICS and GSTS read their reset values, no status write of the old queue
  appears, and interrupts through the new table must not be answered from interrupt entries
  cached before the reset.
* ``watchdog_fires``: the memory's R channel is held forever; the environment's watchdog must
  report the hang with the unit's state; a reset then recovers the unit.
* ``everything_at_once``: memory latency, reordering, back-pressure on every AXI channel,
  response/interrupt/fault-event/AXI4-Lite stalls and bus-error ranges on table reads, with
  DMA and interrupt traffic at once.

Prints its seed; replay with ``SEED=``."""

import itertools
import json

import cocotb
import pytest
from cocotb.triggers import Event
from rtl_runner import plan_test, require, sim_params

from tb.agents.dma import DmaItem
from tb.agents.msi import MsiItem
from tb.env.base_test import BaseTest, run_uvm
from tb.env.csr_description import CsrPlan, DescribedValues
from tb.flows import build
from tb.flows.params import preset
from tb.software.table_formats import G_GLOBAL, IEC_INDEX, iec_inv_dsc, iotlb_inv_dsc
from tb.software.tables import TableBuilder
from tb.stimulus.interrupts import InterruptTraffic
from tb.stimulus.traffic import TrafficGen, TrafficKnobs, build_topology


class ResetUnderTrafficTest(BaseTest):
    async def body(self):
        tb = self.tb
        rt = tb.rt
        rng = rt.rng("reset")
        plan = CsrPlan(self.regs.map, tb.config)
        described = DescribedValues(plan, {r.name: tb.unit.reg_read(r.offset, r.size)
                                           for r in self.regs.map.registers
                                           if r.computed_reset})
        # the same devices, domains and IOVAs every round, mapped to new host pages through
        # new tables: whatever the unit kept across a reset answers with an old address
        shape = rt.rng("shape")
        sids = shape.sample(range(0x100, 0x2000), 8)
        dropped_total = 0
        roots = []
        self.qi = bool(rt.iknob("qi", 0))
        mid_queue = 0
        resets = rt.iknob("resets", 3)
        for rnd in range(resets):
            sw, targets, intr = await self._round_setup(sids, rnd, roots)
            trng = rt.rng(f"traffic{rnd}")
            # warm the caches, then reset at a random cycle under traffic
            await self.env.dma(self._items(trng, targets, sids, rt.iknob("warm", 150)))
            if intr is not None:
                await self.env.msi(intr.items(rt.iknob("warm", 150) // 4))
            gate = Event()
            gate.set()
            batches = [cocotb.start_soon(self._traffic(trng, targets, sids, gate,
                                                       rt.iknob("n", 600)))]
            if intr is not None:
                batches.append(cocotb.start_soon(self._interrupts(intr, gate)))
            await tb.wait(rng.randint(20, rt.iknob("window", 1500)))
            # most rounds, and the last one at the latest: the run must reset at least once
            # with a queue in flight (a seed drew six misses in a row at 0.7 each)
            if intr is not None and (rng.random() < 0.7
                                     or (rnd == resets - 1 and not mid_queue)):
                await self._queue_then_reset_soon(rng, intr)
                mid_queue += 1
            gate.clear()  # no new batch after this one
            in_flight = tb.dma_port.outstanding
            dropped = await tb.reset_unit(rng.randint(1, 6))
            dropped_total += dropped
            tb.log.info("round %d: reset with %d request(s) outstanding, %d dropped", rnd,
                        in_flight, dropped)
            for task in batches:  # the batch under way ends with translation off
                await task
            await tb.dma_port.drain()
            await self._check_reset_values(described, f"round {rnd} after the reset")
            await tb.checkpoint(self.regs)
        # and once more translated after the last reset: nothing stale may answer
        sw, targets, intr = await self._round_setup(sids, len(roots), roots)
        await self.env.dma_wait(self._items(rt.rng("final"), targets, sids, rt.iknob("warm", 150)))
        if intr is not None:
            await self.env.msi(intr.items(rt.iknob("warm", 150)))
            await tb.checkpoint(self.regs)
        if len(set(roots)) != len(roots):
            tb.checker.error(f"root tables were not moved between rounds: {roots}")
        tb.log.info("resets under traffic: %d resets (%d just after a queued invalidation "
                    "was submitted), %d requests dropped in flight, %d MSIs checked, root "
                    "tables at %s", len(roots) - 1, mid_queue, dropped_total,
                    tb.checker.stats.msi_checked, ", ".join(f"{r:#x}" for r in roots))
        if self.qi and (not mid_queue or not tb.checker.stats.msi_checked):
            tb.checker.error("the qi run reset no queue in flight or checked no interrupt: "
                             "raise resets")

    async def _round_setup(self, sids: list[int], rnd: int, roots: list[int]):
        """New tables at new addresses (and with ``qi`` a new queue and interrupt table),
        translation (and QI, IR) enabled. Returns the software, the mapped pages and the
        interrupt traffic (None without ``qi``)."""
        tb = self.tb
        tb.builder = TableBuilder(tb.memory, tb.config, allocator=tb.builder.allocator)
        sw = tb.software(self.regs)
        self.round_sw = sw
        roots.append(tb.builder.root_table_addr)
        targets = self._map(sids, HOST_BASE + rnd * HOST_STRIDE)
        await sw.setup_fault_event()
        intr = None
        if self.qi:
            await sw.enable_queued_invalidation(qs=0)
        await sw.enable_translation()
        if self.qi:
            intr = InterruptTraffic(tb.builder, tb.rt.rng(f"interrupts{rnd}"), sids)
            intr.setup()
            if rnd == 0:
                await sw.enable_interrupt_remapping()
            else:
                # after a reset the interrupt entry cache is empty (doc/vtd-rules.md), so
                # software may skip the global IEC invalidation: none is given, and an entry
                # the reset left cached would answer through the old table
                await sw.run_steps(tb.builder.enable_interrupt_remapping(invalidate_iec=False))
        return sw, targets, intr

    async def _queue_then_reset_soon(self, rng, intr: InterruptTraffic) -> None:
        """Retarget an interrupt entry and submit its IEC invalidation, a global IOTLB
        invalidation and a wait (SW=1) without waiting for the status write: the tail write
        completes, then a few cycles pass (the unit fetching, draining, running them) before
        the caller resets."""
        tb = self.tb
        index = intr.edit()
        descs = [iec_inv_dsc(IEC_INDEX, iidx=index), iotlb_inv_dsc(G_GLOBAL)]
        steps = tb.builder.submit_invalidations(descs)
        *submit, poll = steps
        assert poll["op"] == "poll" and "addr" in poll, f"not the status poll: {poll}"
        await self.round_sw.run_steps(submit)  # the status poll is not waited for
        # the descriptor fetch and the status write take a few cycles, the drain longer
        await tb.wait(rng.choice([rng.randint(0, 8), rng.randint(0, 40)]))

    async def _interrupts(self, intr: InterruptTraffic, gate: Event) -> None:
        while gate.is_set():
            await self.env.msi(intr.items(6))

    def _map(self, sids: list[int], host: int) -> list[tuple[int, int]]:
        """Two devices per domain, four 4-page regions per domain, at ``host`` onwards.
        Returns the (sid, iova) pages mapped."""
        b = self.tb.builder
        targets = []
        for d in range(len(sids) // 2):
            dom = b.create_domain()
            for k in range(4):
                iova = (d + 1) << 24 | k << 16
                dom.map(iova, host + (4 * d + k) * 0x4000, 0x4000)
                targets += [(sid, iova + p * 0x1000) for sid in sids[2 * d:2 * d + 2]
                            for p in range(4)]
            for sid in sids[2 * d:2 * d + 2]:
                b.assign_device(sid, dom)
        return targets

    def _items(self, rng, targets: list[tuple[int, int]], sids: list[int], n: int):
        for _ in range(n):
            sid, page = rng.choice(targets)
            if rng.random() < 0.1:
                page ^= 1 << 20  # an unmapped IOVA: a fault
            yield DmaItem(sid=sid, addr=page | rng.randrange(0, 0x1000, 4),
                          write=rng.random() < 0.4)

    async def _traffic(self, rng, targets, sids, gate: Event, n: int) -> None:
        sent = 0
        while sent < n and gate.is_set():
            await self.env.dma(self._items(rng, targets, sids, 16))
            sent += 16

    async def _check_reset_values(self, described: DescribedValues, what: str) -> None:
        """Every register (less the performance counters, which count the requests after
        the reset) reads what the description says after a reset, and what the model says;
        the fault records are empty."""
        tb, regs = self.tb, self.regs
        for reg in regs.map.registers:
            if reg.implementation_defined:
                continue
            value = await regs.bus.read(reg.offset, reg.size)
            want = described.read(reg, reg.offset, reg.size)
            if value != want:
                tb.checker.error(f"{what}: {reg.name} reads {value:#x}, its reset value is "
                                 f"{want:#x}")
            tb.checker.compare_offset(reg.offset, reg.size, value, f"{what}: {reg.name}")
        if tb.unit.fault_records():
            tb.checker.error(f"{what}: the model holds fault records")


HOST_BASE = 0x4000_0000  # the data pages of round 0
HOST_STRIDE = 0x0100_0000  # each round's pages that far above the last's


class WatchdogTest(BaseTest):
    """The memory's R channel is held (as if the interconnect hung): a request that needs a
    walk is never answered; the watchdog must report it with the unit's state."""

    async def body(self):
        tb = self.tb
        b = tb.builder
        dom = b.create_domain()
        dom.map(0x100000, 0x800000, 16 * 0x1000)
        b.assign_device("01:00.0", dom)
        await self.sw.enable_translation()
        await self.one(0x100, 0x100000, hpa=0x800000)  # a walk, answered
        watchdog = self.env.watchdog
        reports: list[str] = []
        fired = Event()

        def expire(report: str) -> None:
            reports.append(report)
            fired.set()

        if tb.rt.iknob("expect_hang", 1):
            watchdog.on_expire = expire  # else the watchdog fails the test (pytest below)
        read_if = tb.mem.read_if
        read_if.r_pause = itertools.repeat(1)  # R held forever
        hung = [DmaItem(sid=0x100, addr=0x100000 + 0x1000 * k) for k in range(1, 4)]
        await self.env.dma(hung)
        limit = watchdog.bound + 8 * 256
        for _ in range(limit // 64 + 1):
            if fired.is_set():
                break
            await tb.wait(64)
        if not reports:
            tb.checker.error(f"the watchdog did not fire within {limit} cycles of a hang")
            return
        report = reports[0]
        tb.log.info("the watchdog reported:\n%s", report)
        for needle in ("WATCHDOG", "unanswered", f"bound {watchdog.bound}", "in flight",
                       "issued at cycle", "GSTS=", "FSTS=", "IQH=", "IQT=",
                       "channels valid/ready", "memory read bursts in flight",
                       "R channel held: True"):
            if needle not in report:
                tb.checker.error(f"the watchdog's report lacks {needle!r}:\n{report}")
        if not any(str(item) in report for item in hung):
            tb.checker.error(f"the watchdog's report names none of the hung requests:\n{report}")
        read_if.r_pause = None
        watchdog.on_expire = None
        watchdog.report = None
        await tb.reset_unit(4)  # recover: the hung requests are dropped
        await self.sw.enable_translation()
        await self.one(0x100, 0x101000, hpa=0x801000)


class EverythingAtOnceTest(BaseTest):
    """DMA and interrupt traffic at once with every knob: memory latency and reordering,
    back-pressure on AR/R/AW/W/B, rsp/intr/irq/AXI4-Lite stalls, and bus errors on the root
    entry, context entry and top-level table of some devices."""

    async def body(self):
        tb, sw = self.tb, self.sw
        rt, b, mem = tb.rt, tb.builder, tb.memory
        rng = rt.rng("errors")
        topo = build_topology(b, rt.rng("topology"), domains=5, devices_per_domain=2,
                              regions_per_domain=6)
        devs = [d for d in topo.devices if d.domain is not None]
        victims = rng.sample(devs, min(3, len(devs)))
        ranges = [(b.root_entry_address(victims[0].sid >> 8), 16),
                  (b.context_entry_address(victims[1].sid), 16),
                  (victims[2].domain.slptptr, 0x1000)]
        for a, n in ranges:
            mem.add_error(a, n, on_read=True, on_write=False)
        await sw.setup_fault_event()
        await sw.enable_translation()
        gen = TrafficGen(topo, tb.config, rt.rng("traffic"), TrafficKnobs(hit_locality=0.4))
        mrng = rt.rng("msi")
        n = rt.iknob("n", 800)
        for _ in range(rt.iknob("rounds", 3)):
            msis = [MsiItem(sid=mrng.getrandbits(16),
                            addr=0xFEE00000 | mrng.getrandbits(20) & ~3,
                            data=mrng.getrandbits(32)) for _ in range(n // 8)]
            intr = cocotb.start_soon(self.env.msi(msis))
            await self.env.dma(gen.items(n))
            await intr
            await tb.checkpoint(self.regs)
            await sw.service_faults()
        stats = tb.mem.stats
        tb.log.info("everything at once: %d bursts, %d read errors", stats.bursts,
                    stats.read_errors)
        if not stats.read_errors:
            tb.checker.error("no table read hit an error range: the run did not test them")


@cocotb.test()
async def reset_under_traffic(dut):
    await run_uvm(dut, ResetUnderTrafficTest)


@cocotb.test()
async def watchdog_fires(dut):
    await run_uvm(dut, WatchdogTest)


@cocotb.test()
async def everything_at_once(dut):
    await run_uvm(dut, EverythingAtOnceTest)


# pytest: every run of this module in the testplan (doc/testplan.toml)
test_plan = plan_test("test_rtl_resets")


@pytest.mark.sim
@sim_params()
def test_watchdog_fails_a_hung_test(sim: str) -> None:
    """Without a test taking the report, the watchdog fails the test with its message."""
    require(sim)
    knobs = {"watchdog": 1500, "expect_hang": 0}
    result = build.run(sim, preset("default"), "test_rtl_resets", "watchdog_fires",
                       env={"TB_KNOBS": json.dumps(knobs), "TB_ARGS": "{}"}, seed=1,
                       label="watchdog-hang")
    log = result.log.read_text(errors="replace")
    assert not result.ok, "a hung request did not fail the test"
    assert "WatchdogExpired" in log and "WATCHDOG: DMA sid=0x0100" in log, \
        build.log_tail(result.log)
    assert "bound 1500 cycles" in log and "GSTS=" in log and "R channel held: True" in log
