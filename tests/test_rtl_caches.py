"""IOTLB and context-cache behaviour, exactly: eviction and replacement in tiny and in
conflict-heavy configurations, every replacement policy (LRU, tree-PLRU, FIFO, LFSR-random).

Requests go one at a time. Besides the scoreboard, ``tb.ref.predictor`` follows the RTL's
documented cache organisation (set index per page size, SID-tagged lookup, fill-in-place,
first invalid way, then the policy's victim; context cache by SID with round-robin) and the
performance counters (IOTLB hits/misses, context-cache hits/misses, walks) must match its
prediction after every request. A replacement-policy slip, a wrong set index or a missed
invalidation changes which requests hit. Random replacement is predicted as far as it can be
(uncertain entries give a range).
"""

import cocotb
from rtl_runner import plan_test

from tb.agents.dma import DmaItem
from tb.env.base_test import BaseTest, run_uvm
from tb.ref.predictor import UnitPredictor
from tb.software.tables import G_DEVICE, G_DOMAIN, G_GLOBAL, G_PAGE


class CacheTest(BaseTest):
    async def body(self):
        tb, sw = self.tb, self.sw
        rt, cfg, p = tb.rt, tb.config, tb.params
        rng = rt.rng("cache")
        tb.predictor = UnitPredictor.for_params(p)
        sets = p["IOTLB_SETS"]
        b = tb.builder
        dom_a, dom_b = b.create_domain(), b.create_domain()
        pool = []  # (iova, size)
        nways = p["IOTLB_WAYS"] + 2
        for k in range(nways):  # 4K pages all in set 0 (and one in set 1)
            pool.append((0x100000 + k * sets * 0x1000, 1 << 12))
        if sets > 1:
            pool.append((0x101000, 1 << 12))
        if cfg.SLLPS & 1:
            for k in range(3):
                pool.append((0x40000000 + k * sets * (1 << 21), 1 << 21))
        if cfg.SLLPS & 2:
            for k in range(2):
                pool.append(((k + 4) * sets * (1 << 30), 1 << 30))
        for i, (iova, size) in enumerate(pool):
            ro = i % 4 == 3
            dom_a.map(iova, 0x1_0000_0000 + iova, size, write=not ro, page_size=size)
            dom_b.map(iova, 0x2_0000_0000 + iova, size, read=True, write=True, page_size=size)
        sids_a = [0x0100, 0x0108, 0x0110]
        sids_b = [0x0200]
        for s in sids_a:
            b.assign_device(s, dom_a)
        for s in sids_b:
            b.assign_device(s, dom_b)
        b.assign_passthrough(0x0300, did=9)
        devices = sids_a + sids_b + [0x0300]
        await sw.setup_fault_event()
        await sw.enable_translation()
        self.base = await sw.read_perf()
        self.count = 0
        # directed: a page-selective invalidation of a small range inside a large page
        # removes the large entry (overlap), whatever the AM
        for iova, size in pool:
            if size == 1 << 12:
                continue
            inside = iova + size // 2 + 0x1230
            for _ in range(2):  # fill, then hit
                if not await self.access(sids_a[0], inside, False):
                    return
            am = 0 if size == 1 << 21 else 9
            await sw.invalidate_iotlb(G_PAGE, did=dom_a.did, addr=inside & ~((0x1000 << am) - 1),
                                      am=am)
            if not await self.access(sids_a[0], inside, False):  # must miss now
                return
        if p["WC_ENTRIES"] > 0 and not await self.walk_cache_cases(dom_a, pool, sids_a[0]):
            return
        n = rt.iknob("n", 300)
        hot = []
        for _ in range(n):
            if rng.random() < 0.06:
                await self.invalidate(rng, dom_a, dom_b, pool, sids_a)
                continue
            if hot and rng.random() < 0.6:  # a working set a little larger than the ways
                sid, iova, size = rng.choice(hot)
            else:
                sid = rng.choice(devices)
                iova, size = rng.choice(pool)
                hot.append((sid, iova, size))
                if len(hot) > p["IOTLB_WAYS"] + 1:
                    hot.pop(rng.randrange(len(hot)))
            addr = iova + (rng.randrange(size) & ~0x7)
            if rng.random() < 0.05:
                addr = 0x7000_0000 + (rng.randrange(1 << 20) & ~7)  # unmapped: fault, no fill
            if not await self.access(sid, addr, rng.random() < 0.3):
                break
        await tb.checkpoint(self.regs)
        await sw.service_faults()

    async def walk_cache_cases(self, dom, pool, sid):
        """Directed: walk-cache entries of the domain go with a domain, a global and a
        page-selective (IH=0) invalidation and stay with IH=1; each case fills through two
        pages of one table, invalidates, then probes a third page of that table (an IOTLB
        miss with the context cached: a walk-cache look-up the counters must show)."""
        sw = self.sw
        pages = [iova for iova, size in pool if size == 1 << 12]
        x, y = pages[0], pages[1]
        for k, how in enumerate(("domain", "page-ih0", "page-ih1", "global", "page-ih1")):
            for addr in (x, y):
                if not await self.access(sid, addr + 8, False):
                    return False
            if how == "domain":
                await sw.invalidate_iotlb(G_DOMAIN, did=dom.did)
            elif how == "global":
                await sw.invalidate_iotlb(G_GLOBAL)
            else:
                await sw.invalidate_iotlb(G_PAGE, did=dom.did, addr=x, am=0,
                                          ih=int(how == "page-ih1"))
            probe = pages[2 + k % (len(pages) - 2)]
            if not await self.access(sid, probe + 0x10, False):
                return False
        return True

    async def access(self, sid, addr, write):
        """One request, then the counters against the predictor; False on a difference."""
        tb = self.tb
        item = DmaItem(sid=sid, addr=addr, write=write, size=8)
        expect = tb.predict(item)
        await self.env.dma_wait([item])
        now = await self.sw.read_perf()
        delta = {k: now[k] - self.base[k] for k in now}
        self.base = now
        self.count += 1
        problems = tb.predictor.after(expect, getattr(item, "fills", []), delta)
        tb.coverage.sample_perf(delta)
        if tb.rt.knobs.get("debug"):
            tb.log.info("#%d %s -> %s %s", self.count, item, item.rsp.describe(),
                        {k[5:]: v for k, v in delta.items() if v})
        if problems:
            tb.checker.error(f"cache prediction wrong for request #{self.count} ({item}, "
                             f"answered {item.rsp.describe()}): {', '.join(problems)}")
            return False
        return True

    async def invalidate(self, rng, dom_a, dom_b, pool, sids_a):
        sw = self.sw
        kind = rng.choices(["page", "domain", "global", "ctx-device", "ctx-domain", "ctx-global"],
                           weights=[4, 1, 1, 1, 1, 1])[0]
        dom = rng.choice([dom_a, dom_b])
        if kind == "page":
            iova, size = rng.choice(pool)
            # AM below the page's own size too: every entry overlapping the range goes
            am = rng.randint(0, {1 << 12: 0, 1 << 21: 9, 1 << 30: 18}[size])
            addr = iova + (rng.randrange(size) & ~((1 << (12 + am)) - 1))
            await sw.invalidate_iotlb(G_PAGE, did=dom.did, addr=addr, am=am)
        elif kind == "domain":
            await sw.invalidate_iotlb(G_DOMAIN, did=dom.did)
        elif kind == "global":
            await sw.invalidate_iotlb(G_GLOBAL)
        elif kind == "ctx-device":
            await sw.invalidate_context(G_DEVICE, did=dom_a.did, sid=rng.choice(sids_a))
        elif kind == "ctx-domain":
            await sw.invalidate_context(G_DOMAIN, did=dom.did)
        else:
            await sw.invalidate_context(G_GLOBAL)


@cocotb.test()
async def cache_behaviour(dut):
    await run_uvm(dut, CacheTest)


# pytest: every run of this module in the testplan (doc/testplan.toml)
test_plan = plan_test("test_rtl_caches")
