"""Table changes plus register-based invalidation while DMA traffic runs.

Rounds of: background random traffic; meanwhile the software unmaps regions, changes
permissions, remaps pages elsewhere, maps new regions, moves devices between domains,
unassigns devices, each followed by the invalidation a driver does (page-selective with AM
and IH, domain-selective, global; device/domain/global context-cache invalidation). Between
the table edit and the invalidation's completion the scoreboard accepts the old and the new
outcome (stale cached state); after it only the new one. After each round: drain, compare
fault records/FSTS with the model, service faults. Prints its seed; replay with ``SEED=``.
"""

import cocotb
from rtl_runner import plan_test

from tb.env.base_test import BaseTest, run_uvm
from tb.software.tables import G_DEVICE, G_DOMAIN, G_GLOBAL, MappingConflict
from tb.stimulus.traffic import Region, TrafficGen, TrafficKnobs, build_topology


class InvalidationTest(BaseTest):
    async def body(self):
        tb, sw = self.tb, self.sw
        rt = tb.rt
        rng = rt.rng("actions")
        self.topo = build_topology(tb.builder, rt.rng("topology"), domains=4,
                                   devices_per_domain=2, regions_per_domain=8)
        await sw.setup_fault_event()
        await sw.enable_translation()
        gen = TrafficGen(self.topo, tb.config, rt.rng("traffic"), TrafficKnobs(hit_locality=0.6))
        rounds, actions = rt.iknob("rounds", 4), rt.iknob("actions", 12)
        self.done = {}
        for _ in range(rounds):
            running = [True]

            async def traffic(running=running):
                while running[0]:
                    await self.env.dma(gen.items(20))

            task = cocotb.start_soon(traffic())
            for _ in range(actions):
                await tb.wait(rng.randint(10, 150))
                await self.action(rng)
            running[0] = False
            await task
            await tb.checkpoint(self.regs)
            await sw.service_faults()
        tb.log.info("invalidation actions: %s", self.done)

    async def action(self, rng):
        kinds = ["unmap", "protect", "remap", "map", "move", "unassign", "global"]
        kind = rng.choices(kinds, weights=[5, 3, 3, 2, 2, 1, 1])[0]
        self.done[kind] = self.done.get(kind, 0) + 1
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


@cocotb.test()
async def invalidation_under_traffic(dut):
    await run_uvm(dut, InvalidationTest)


# pytest: every run of this module in the testplan (doc/testplan.toml)
test_plan = plan_test("test_rtl_invalidation")
