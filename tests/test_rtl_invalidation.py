"""Table changes plus invalidation while DMA (and interrupt) traffic runs.

Rounds of: background random traffic; meanwhile the software unmaps regions, changes
permissions, remaps pages elsewhere, maps new regions, moves devices between domains,
unassigns devices, each followed by the invalidation a driver does (page-selective with AM
and IH, domain-selective, global; device/domain/global context-cache invalidation). Between
the table edit and the invalidation's completion the scoreboard accepts the old and the new
outcome (stale cached state); after it only the new one. After each round: drain, compare
fault records/FSTS with the model, service faults. Prints its seed; replay with ``SEED=``.

Knob ``queued=1``: the driver enables queued invalidation first (as Linux does when ECAP.QI=1)
and every invalidation goes through the queue, each followed by a wait descriptor whose status
write the driver polls for; the tail starts at a random place so the queue wraps; some
invalidations are batched (several unmaps, one submission, one wait). The scoreboard checks
that nothing accepted before an invalidation is answered after its wait completed. Knob
``msi=1`` (with ``queued``): interrupt remapping on top (``eime=1``: x2APIC), MSIs from every
device beside the DMA traffic, and IRTE retargets, most followed by an IEC invalidation
(index-selective or global), some left for a later one. Checkpoints then also compare
IQH/IQT/IQA/ICS/IECTL/IQERCD.
"""

import cocotb
from rtl_runner import plan_test

from tb.agents.dma import DmaItem
from tb.agents.msi import MsiItem
from tb.env.base_test import BaseTest, run_uvm
from tb.software.table_formats import (
    IEC_INDEX,
    iec_inv_dsc,
    inv_wait_dsc,
    iotlb_inv_dsc,
    psi_range,
)
from tb.software.tables import G_DEVICE, G_DOMAIN, G_GLOBAL, G_PAGE, MappingConflict
from tb.stimulus.interrupts import InterruptTraffic
from tb.stimulus.traffic import Region, TrafficGen, TrafficKnobs, build_topology


class InvalidationTest(BaseTest):
    async def body(self):
        tb, sw = self.tb, self.sw
        rt = tb.rt
        rng = rt.rng("actions")
        self.topo = build_topology(tb.builder, rt.rng("topology"), domains=4,
                                   devices_per_domain=2, regions_per_domain=8)
        await sw.setup_fault_event()
        self.queued = bool(rt.iknob("queued", 0))
        self.intr = None
        if self.queued:
            await sw.enable_queued_invalidation(qs=0)
            # start the tail anywhere, so the storm wraps the queue (waits without status)
            await sw.run_steps(tb.builder.submit_invalidations(
                [inv_wait_dsc()] * rng.randrange(0, tb.builder.iq_entries - 8), wait=False))
        await sw.enable_translation()
        if self.queued and rt.iknob("msi", 0):
            sids = [d.sid for d in self.topo.devices] + list(self.topo.unassigned)
            self.intr = InterruptTraffic(tb.builder, rt.rng("interrupts"), sids,
                                         eime=bool(rt.iknob("eime", 0)))
            self.intr.setup()
            await sw.enable_interrupt_remapping(cfi=bool(rng.getrandbits(1)))
        gen = TrafficGen(self.topo, tb.config, rt.rng("traffic"), TrafficKnobs(hit_locality=0.6))
        rounds, actions = rt.iknob("rounds", 4), rt.iknob("actions", 12)
        self.done = {}
        for _ in range(rounds):
            running = [True]

            async def traffic(running=running):
                while running[0]:
                    await self.env.dma(gen.items(20))

            async def interrupts(running=running):
                while running[0]:
                    await self.env.msi(self.intr.items(6))

            tasks = [cocotb.start_soon(traffic())]
            if self.intr is not None:
                tasks.append(cocotb.start_soon(interrupts()))
            for _ in range(actions):
                await tb.wait(rng.randint(10, 150))
                await self.action(rng)
            running[0] = False
            for task in tasks:
                await task
            await tb.checkpoint(self.regs)
            await sw.service_faults()
        tb.log.info("invalidation actions: %s; queue releases %s; checked %d MSIs", self.done,
                    tb.mirror.queue.releases if tb.mirror.queue else {},
                    tb.checker.stats.msi_checked)
        if self.queued and not self.done.get("queued-waits"):
            raise AssertionError("queued mode made no queued invalidation")

    async def action(self, rng):
        kinds = ["unmap", "protect", "remap", "map", "move", "unassign", "global", "batch",
                 "irte"]
        weights = [5, 3, 3, 2, 2, 1, 1, 2 * self.queued, 4 * (self.intr is not None)]
        kind = rng.choices(kinds, weights=weights)[0]
        self.done[kind] = self.done.get(kind, 0) + 1
        if self.queued:
            self.done["queued-waits"] = self.done.get("queued-waits", 0) + 1
        if kind == "irte":
            index = self.intr.edit()
            roll = rng.random()
            if roll < 0.15:
                return  # no invalidation yet: old and new entry both stay permitted
            if roll < 0.8:
                await self.sw.invalidate_iec(index, im=rng.choice([0, 0, 1]) if index % 2 == 0
                                             else 0)
            else:
                await self.sw.invalidate_iec()
            return
        if kind == "batch":
            await self.batch_unmap(rng)
            return
        self.tb.log.debug("cycle %d: action %s", self.tb.cycles.now, kind)
        sw, b = self.sw, self.tb.builder
        devs = [d for d in self.topo.devices if d.domain is not None]
        if kind == "global":
            await sw.invalidate_global()
            return
        if kind in ("move", "unassign"):
            if len(devs) < 3:  # keep some traffic translating
                return
            dev = rng.choice(devs)
            old = dev.domain
            if kind == "move":
                new = rng.choice([d for d in self.topo.domains if d is not old])
                # keep FPD: with FPD changing, an old (cached) and a new context give the
                # same fault recorded or not, which the response alone cannot tell apart
                b.assign_device(dev.sid, new, fpd=b.device(dev.sid).fpd)
                dev.domain, dev.regions = new, self._regions(new)
            else:
                b.unassign_device(dev.sid)
                self.topo.devices.remove(dev)
                self.topo.unassigned.append(dev.sid)
            gran = rng.choice([G_DEVICE, G_DOMAIN, G_GLOBAL])
            self.tb.log.debug("  %s sid %#x from DID %d (%d levels) to %s, context inval %d",
                              kind, dev.sid, old.did, old.levels,
                              dev.domain.did if dev.domain else None, gran)
            await sw.invalidate_context(gran, did=old.did, sid=dev.sid)
            await sw.invalidate_iotlb(G_DOMAIN, did=old.did)  # software rule after CC inval
            return
        dom = rng.choice(self.topo.domains)
        regions = self._regions(dom)
        if kind == "map" or not regions:
            page = rng.choice(dom.page_sizes)
            iova = rng.randrange(0, dom.input_limit - page, page)
            if any(r.iova < iova + page and iova < r.iova + r.size for r in regions):
                return
            try:
                dom.map(iova, rng.randrange(1 << 32, 1 << 40, page), page, page_size=page)
            except MappingConflict:
                return
            regions.append(Region(dom, iova, page, page, True, True))
            return  # not-present -> present needs no invalidation (CM=0)
        r = rng.choice(regions)
        page_iova = r.iova + r.page * rng.randrange(r.size // r.page)
        if kind == "unmap":
            dom.unmap(page_iova, r.page)
            self._split_out(regions, r, page_iova)
        else:
            read, write = (r.read, not r.write) if kind == "protect" else (True, True)
            if not (read or write):
                read = True
            hpa = rng.randrange(1 << 32, 1 << 40, r.page)
            dom.map(page_iova, hpa, r.page, read=read, write=write, page_size=r.page,
                    replace=True)
            self._split_out(regions, r, page_iova)
            regions.append(Region(dom, page_iova, r.page, r.page, read, write))
        how = rng.choice(["page", "page", "page-ih", "domain", "global"])
        if how.startswith("page"):
            await sw.invalidate_range(dom.did, page_iova, r.page, ih=int(how == "page-ih"))
        elif how == "domain":
            await sw.invalidate_domain(dom.did)
        else:
            await sw.invalidate_global()

    async def batch_unmap(self, rng):
        """Unmap a few pages of one domain, then one submission of their page-selective
        IOTLB invalidations behind a single wait (a batched flush)."""
        dom = rng.choice(self.topo.domains)
        regions = self._regions(dom)
        descs, events = [], []
        for _ in range(rng.randint(2, 5)):
            if not regions:
                break
            r = rng.choice(regions)
            page_iova = r.iova + r.page * rng.randrange(r.size // r.page)
            dom.unmap(page_iova, r.page)
            self._split_out(regions, r, page_iova)
            addr, am = psi_range(page_iova, r.page)
            if am > self.tb.config.MAMV:  # as the driver does: the whole domain instead
                descs.append(iotlb_inv_dsc(G_DOMAIN, did=dom.did))
                events.append(("iotlb", G_DOMAIN, dom.did, 0, 0, 0))
            else:
                descs.append(iotlb_inv_dsc(G_PAGE, did=dom.did, addr=addr, am=am))
                events.append(("iotlb", G_PAGE, dom.did, addr, am, 0))
        if descs:
            await self.sw.submit(descs, events)

    def _regions(self, dom):
        for d in self.topo.devices:
            if d.domain is dom:
                return d.regions
        return []

    @staticmethod
    def _split_out(regions, r, page_iova):
        """Replace region r by its pages other than page_iova (list shared by devices)."""
        regions.remove(r)
        for off in range(0, r.size, r.page):
            if r.iova + off != page_iova:
                regions.append(Region(r.domain, r.iova + off, r.page, r.page, r.read, r.write))


class DrainOrderTest(BaseTest):
    """Directed: a queued invalidation's wait must not complete while an answer made from an
    entry it invalidates is still held by back-pressure (doc/architecture.md, queued
    invalidation). A DMA answer (IOTLB hit) waits with rsp_ready low while an IOTLB
    invalidation and a wait are queued; an interrupt answer (IEC hit) waits with intr_ready low
    while an IEC invalidation and a wait are queued. Each time the status must stay unwritten
    until the answer is taken, and afterwards the new entry is used."""

    async def body(self):
        tb, sw, b = self.tb, self.sw, self.tb.builder
        await sw.enable_queued_invalidation()
        dom = b.create_domain()
        dom.map(0x10000, 0x200000, 4096)
        b.assign_device("01:00.0", dom)
        await sw.enable_translation()
        b.create_irt(16)
        b.set_irte(5, vector=0x41, dest=1)
        await sw.enable_interrupt_remapping()
        await self.one(0x0100, 0x10008, hpa=0x200008, what="fills the IOTLB")
        dma_ready = self.env.dma_agent.driver.ready
        await self.held_answer(
            hold=dma_ready,
            send=lambda: self.env.dma([DmaItem(sid=0x0100, addr=0x10010)]),
            answered=lambda: tb.dma_port.drain(),
            edit=lambda: dom.map(0x10000, 0x300000, 4096, replace=True),
            descriptor=iotlb_inv_dsc(G_DOMAIN, did=dom.did),
            event=("iotlb", G_DOMAIN, dom.did, 0, 0, 0), what="DMA answer")
        await self.one(0x0100, 0x10010, hpa=0x300010, what="after the IOTLB invalidation")
        await self.env.msi([MsiItem(sid=0x0100, addr=b.msi_address(5, shv=False))])
        intr_ready = self.env.msi_agent.driver.ready
        held = MsiItem(sid=0x0100, addr=b.msi_address(5, shv=False))
        await self.held_answer(
            hold=intr_ready, send=lambda: self.env.msi_send([held]),
            answered=lambda: self.env.msi_answered([held]),
            edit=lambda: b.set_irte(5, vector=0x42, dest=1),
            descriptor=iec_inv_dsc(IEC_INDEX, iidx=5),
            event=("iec", 0, 5, 0), what="interrupt answer")
        assert held.rsp is not None and held.rsp.vector == 0x41, \
            f"the held interrupt was looked up before the invalidation: {held.rsp}"
        fresh = MsiItem(sid=0x0100, addr=b.msi_address(5, shv=False))
        await self.env.msi([fresh])
        assert fresh.rsp is not None and fresh.rsp.vector == 0x42, \
            f"after the IEC invalidation the new entry: {fresh.rsp}"

    async def held_answer(self, hold, send, answered, edit, descriptor, event, what):
        tb = self.tb
        hold.set_probability(1.0)  # the consumer stops taking answers
        await send()
        await tb.wait(20)  # the answer is made (from the cached entry) and waits
        edit()
        # the driver's submission (descriptor + wait, polled) runs while the answer is held
        submission = cocotb.start_soon(self.sw.submit([descriptor], [event]))
        await tb.wait(400)
        if submission.done():
            tb.checker.error(f"the wait completed while the {what} made before the "
                             "invalidation was still held")
        hold.set_probability(0.0)
        await answered()
        await submission


@cocotb.test()
async def invalidation_under_traffic(dut):
    await run_uvm(dut, InvalidationTest)


@cocotb.test()
async def drain_order(dut):
    await run_uvm(dut, DrainOrderTest)


# pytest: every run of this module in the testplan (doc/testplan.toml)
test_plan = plan_test("test_rtl_invalidation")
