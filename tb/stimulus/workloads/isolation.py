"""Isolation probes at the edges of the address space, on partly malformed tables that
software edits and moves under traffic (issue 10, "Isolation campaign, edges first").

The stream is cut into segments of ``segment`` requests. After every segment the driver
services the faults: it reads FSTS and every fault record (``read`` operations, compared with
the golden model's registers by the replay check), clears every F bit and PFO. Every
``edit_every`` segments it also edits the tables (a page remapped, a permission reduced, a
page table moved, a device moved to another domain) followed by the invalidations software
must issue (page- or domain-selective IOTLB, device-selective context cache).

Beside the trace, :func:`build` returns a :class:`Manifest`: per request its probe class and
the output address the generator's own bookkeeping allows (``-1``: none). That bookkeeping is
the table builder's record of what it mapped, not the model: the campaign
(``python -m tb.flows.isolation``) checks every translated response against it, so a
translation outside the device's domain is found even where the model agreed with the RTL.

Topology (``default`` parameter set: HAW = MGAW = 48, 3- and 4-level tables, 8-bit DIDs):

* ``D4`` (4 levels): 64 pages with mixed permissions at 0x4000_0000; a 2 MB and a 1 GB page;
  the last 4 KB page below 2^48; pages mapped to the 4 KB pages just below and just above
  FEE0_0000; a 2 MB page onto FEE0_0000 and a 1 GB page onto C000_0000 (which holds
  FEEx_xxxx); and its level-1 table of 0x4000_0000 referenced a second time at 0x6000_0000.
* ``D3`` (3 levels): pages at the same IOVAs as ``D4`` (other host pages), the last page below
  2^39.
* ``DS`` (4 levels): its own pages, and a level-3 entry pointing at ``D4``'s level-2 table of
  the 1 GB at 0x4000_0000: a subtree two domains share.
* ``DM`` (4 levels): malformed entries at every level (not present, reserved bits, PS where
  it is reserved, bits above HAW, write-only table pointers) beside a few good pages.
* Source-ids that differ from the main device's (01:00.0) only in function, device or bus:
  other domains, a pass-through device, a not-present context, a bus without a root entry.
* Context entries with reserved bits, unsupported AW and TT, a pass-through AW that is not
  the largest, a DID with bits above the ND width that would alias D4's when truncated; root
  entries with reserved bits. Each with FPD set or clear at random.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from python_model import regmap
from python_model.structures import touches_interrupt_range
from tb.flows.replay.trace import MemWrite, Op, RegOp, Trace
from tb.software.table_formats import (
    G_DEVICE,
    G_DOMAIN,
    SIZE_1G,
    SIZE_2M,
    SIZE_4K,
    context_entry,
    psi_range,
)
from tb.software.tables import Domain, RawEntryError, TableError
from tb.stimulus.workloads.common import Family, StreamBuilder, knob

# Probe classes (Manifest.classes holds their index).
CLASSES: tuple[str, ...] = (
    "mapped",      # a mapped page, in range (often the warm-up before an edge probe)
    "above_agaw",  # bits between AGAW and MGAW set (3-level domain)
    "above_mgaw",  # bits at or above MGAW set (4-level domain: AGAW = MGAW = 48)
    "above_haw",   # pass-through device, bits at or above HAW
    "bit63",       # bit 63 set
    "boundary",    # requests ending at a 4 KB / 2 MB / 1 GB page end, or starting the next one
    "intr",        # output next to or inside FEEx_xxxx; input inside FEEx_xxxx
    "sid",         # source-ids differing from a cached one in bus, device or function
    "did",         # a context whose DID has bits above the ND width
    "context",     # malformed root and context entries (reserved bits, AW, TT, not present)
    "second",      # malformed second-level entries at every level
    "shared",      # a subtree two domains share; a table referenced twice
    "edited",      # pages just remapped, reduced or moved by the driver
)

MAIN_SID = 0x0100  # 01:00.0
REGION_A = 0x4000_0000
REGION_A_PAGES = 64
ALIAS_A = 0x6000_0000  # D4's second reference to region A's level-1 table
DS_OWN = 0x8000_0000
DM_GOOD = 0x30_0000_0000


@dataclass(frozen=True)
class IsolationKnobs:
    segment: int = knob(12, "requests between two fault services (read every FRCD, clear)",
                        min=1, max=4096)
    edit_every: int = knob(8, "segments between two table edits (0: never)", min=0)
    warm: float = knob(0.5, "share of edge probes preceded by a request to the same page in "
                       "range (so the page is cached)", min=0.0, max=1.0)
    fpd_fraction: float = knob(0.3, "share of malformed contexts and of the malformed domain's "
                               "devices with FPD=1", min=0.0, max=1.0)
    max_payload: int = knob(256, "largest request in bytes", min=4, max=4096)


@dataclass
class Manifest:
    """What the generator knows beside the trace, by request index."""

    classes: list[int] = field(default_factory=list)
    allowed: list[int] = field(default_factory=list)  # output address, or -1: none allowed
    services: int = 0  # fault services (each reads FSTS and every fault record)
    edits: int = 0


@dataclass
class IsolationStream:
    trace: Trace
    manifest: Manifest


View = Callable[[int, bool], int | None]  # (iova, write) -> allowed hpa


class _Gen:
    def __init__(self, n: int, seed: int, k: IsolationKnobs) -> None:
        self.k = k
        self.sb = sb = StreamBuilder("isolation", seed, n, k, max_payload=k.max_payload)
        self.rng = sb.rng
        self.cfg = sb.cfg
        self.man = Manifest()
        self.views: dict[int, View] = {}
        self.tb = sb.tables
        self.pages: dict[str, list[int]] = {}  # probe bases (IOVAs of mapped pages) per device
        self._build()

    # ------------------------------------------------------------------ topology
    def _build(self) -> None:
        sb, tb, rng, cfg = self.sb, self.tb, self.rng, self.cfg
        self.d4 = d4 = tb.create_domain(aw=2)
        self.d3 = d3 = tb.create_domain(aw=1)
        self.ds = ds = tb.create_domain(aw=2)
        self.dm = dm = tb.create_domain(aw=2)
        perms = [(True, True)] * 6 + [(True, False)] * 2 + [(False, True)]
        for i in range(REGION_A_PAGES):
            r, w = rng.choice(perms)
            d4.map(REGION_A + i * SIZE_4K, sb.hpa(SIZE_4K), SIZE_4K, read=r, write=w)
            d3.map(REGION_A + i * SIZE_4K, sb.hpa(SIZE_4K), SIZE_4K, read=r, write=w)
        self.big2m = 0x8000_0000
        d4.map(self.big2m, sb.hpa(SIZE_2M, SIZE_2M), SIZE_2M, page_size=SIZE_2M)
        self.big1g = 0x1_0000_0000
        d4.map(self.big1g, sb.hpa(SIZE_1G, SIZE_1G), SIZE_1G, page_size=SIZE_1G)
        self.top4 = (1 << 48) - SIZE_4K
        d4.map(self.top4, sb.hpa(SIZE_4K), SIZE_4K)
        self.top3 = (1 << 39) - SIZE_4K
        d3.map(self.top3, sb.hpa(SIZE_4K), SIZE_4K)
        # next to and inside the interrupt range after translation
        self.below_fee, self.above_fee = 0x9000_0000, 0x9000_1000
        d4.map(self.below_fee, 0xFEDF_F000, SIZE_4K)
        d4.map(self.above_fee, 0xFEF0_0000, SIZE_4K)
        self.fee2m = 0xA000_0000
        d4.map(self.fee2m, 0xFEE0_0000, SIZE_2M, page_size=SIZE_2M)
        self.c0_1g = 0x2_0000_0000
        d4.map(self.c0_1g, 0xC000_0000, SIZE_1G, page_size=SIZE_1G)
        # region A's level-1 table referenced twice in D4; D4's level-2 table shared with DS
        l2_entry = d4.entry_address(2, REGION_A)
        l3_entry = d4.entry_address(3, REGION_A)
        assert l2_entry is not None and l3_entry is not None
        self.a_l1 = tb.memory.read_u64(l2_entry) & ~0xFFF
        d4.set_entry(2, ALIAS_A, self.a_l1 | 3)
        ds.map(DS_OWN, sb.hpa(8 * SIZE_4K), 8 * SIZE_4K)
        ds.set_entry(3, REGION_A, (l2_entry & ~0xFFF) | 3)
        # the malformed domain: good pages and one bad entry per (level, kind)
        dm.map(DM_GOOD, sb.hpa(4 * SIZE_4K), 4 * SIZE_4K)
        haw_bit = 1 << cfg.HAW
        spare = tb._alloc_table()  # an empty table: pointers to it lead to not-present
        good_ptr = spare | 3
        self.bad: list[int] = []  # IOVAs under malformed entries
        bad = {
            4: [0, good_ptr | 1 << 7, good_ptr | 1 << 11, good_ptr | 1 << 62,
                good_ptr | haw_bit, spare | 2, spare | 1],
            3: [0, good_ptr | 1 << 11, good_ptr | 1 << 62, good_ptr | haw_bit,
                0x80_0000_0000 | 3 | 1 << 7 | 1 << 12, spare | 2],
            2: [0, good_ptr | 1 << 11, good_ptr | 1 << 62, 0x80_0000_0000 | 3 | 1 << 7 | 1 << 13,
                spare | 2, good_ptr | haw_bit],
            1: [0, 0x80_0000_0000 | 3 | 1 << 11, 0x80_0000_0000 | 3 | 1 << 62,
                0x80_0000_0000 | 3 | haw_bit],
        }
        bases = {4: 1 << 39, 3: 0x1_0000_0000 * 8, 2: 0x10_0000_0000, 1: 0x20_0000_0000}
        for level, values in bad.items():
            for i, value in enumerate(values):
                iova = bases[level] + (i + 1) * (1 << (12 + 9 * (level - 1)))
                dm.set_entry(level, iova, value)
                self.bad.append(iova)
        # devices: the main one, its neighbours in function, device and bus
        fpd = lambda: rng.random() < self.k.fpd_fraction  # noqa: E731
        self._assign(MAIN_SID, d4)
        self._assign(0x0102, d4)       # 01:00.2, same domain
        self._assign(0x0101, d3)       # function differs
        self._assign(0x0108, ds)       # device differs
        self._assign(0x0110, dm, fpd())  # the malformed domain
        self._assign(0x0111, dm, True)   # ... with FPD=1 (qualified faults suppressed)
        tb.assign_passthrough(0x0200, did=0x20)  # bus differs: pass-through
        self.views[0x0200] = self._pt_view
        tb.unassign_device(0x0109, fpd=fpd())  # 01:01.1 not present
        self.views[0x0109] = _none
        self.views[0x0300] = _none  # bus 3: no root entry (tb never touches it... see below)
        # malformed contexts on bus 5; malformed roots on buses 0x10..0x13
        slpt4, slpt3 = d4.slptptr, d3.slptptr
        lo, hi = context_entry(present=True, fpd=False, tt=0, slptptr=slpt4, aw=2, did=d4.did)
        variants = [
            (lo | 1 << 4, hi), (lo | 1 << 11, hi), (lo, hi | 1 << 7), (lo, hi | 1 << 40),
            (lo | 1 << 50, hi), (lo, (hi & ~7) | 0), (lo, (hi & ~7) | 3), (lo, (hi & ~7) | 5),
            (lo | 1 << 2, hi), (lo | 3 << 2, hi), (lo & ~1, hi),
            ((lo & ~0xC) | 2 << 2, (hi & ~7) | 1),  # pass-through with AW not the largest
        ]
        for i, (vlo, vhi) in enumerate(variants):
            sid = 0x0500 + i
            tb.write_context_entry(sid, vlo | (2 if fpd() else 0), vhi)
            self.views[sid] = _none
        # DID alias: D3's tables under D4's DID plus a bit above the ND width (U8: 0Bh)
        did_bits = cfg.domain_id_bits
        alias_lo, alias_hi = context_entry(present=True, fpd=False, tt=0, slptptr=slpt3, aw=1,
                                           did=d4.did)
        if did_bits < 16:
            alias_hi |= (1 << did_bits) << 8
        self.alias_sid = 0x0103
        tb.write_context_entry(self.alias_sid, alias_lo | (2 if fpd() else 0), alias_hi)
        self.views[self.alias_sid] = _none if did_bits < 16 else self._dom_view(d3)
        ctp = tb.context_table(1)
        for bus, (rlo, rhi) in {0x10: (ctp | 1 | 1 << 3, 0), 0x11: (ctp | 1 | haw_bit, 0),
                                0x12: (ctp | 1, 1), 0x13: (ctp | 1 << 5, 0)}.items():
            tb.write_root_entry(bus, rlo, rhi)
            self.views[bus << 8] = _none
        self.sids_bad_ctx = [0x0500 + i for i in range(len(variants))] + [
            0x0109, 0x0300, 0x1000, 0x1100, 0x1200, 0x1300]
        self.neighbours = [0x0101, 0x0108, 0x0200, 0x0109, 0x0300, self.alias_sid]
        sb.start()

    def _assign(self, sid: int, dom: Domain, fpd: bool = False) -> None:
        self.tb.assign_device(sid, dom, fpd=fpd)
        self.views[sid] = self._dom_view(dom)

    def _dom_view(self, domain: Domain) -> View:
        def view(iova: int, write: bool) -> int | None:
            dom = domain
            if not 0 <= iova < dom.input_limit:
                return None
            if dom is self.ds and REGION_A <= iova < REGION_A + SIZE_1G:
                dom = self.d4  # the shared subtree
            if dom is self.d4 and ALIAS_A <= iova < ALIAS_A + SIZE_2M:
                iova = iova - ALIAS_A + REGION_A  # the table referenced twice
            try:
                t = dom.lookup(iova)
            except (RawEntryError, TableError):
                return None
            if t is None or not (t.write if write else t.read):
                return None
            return t.hpa
        return view

    def _pt_view(self, iova: int, write: bool) -> int | None:
        return iova if iova < 1 << self.cfg.HAW else None

    # ------------------------------------------------------------------ requests
    def emit(self, cls: str, sid: int, addr: int, write: bool, size: int) -> None:
        if self.sb.full:
            return
        size = max(1, min(size, SIZE_4K - (addr & 0xFFF)))
        if write and size == 4 and 0xFEE0_0000 <= addr <= 0xFEEF_FFFF:
            size = 2  # a 4-byte write there is an interrupt, not DMA
        assert (addr & 0xFFF) + size <= SIZE_4K, "a request never crosses a 4 KB page"
        allowed = None
        if not touches_interrupt_range(addr, size):
            view = self.views.get(sid, _none)
            allowed = view(addr, write)
            if allowed is not None and touches_interrupt_range(allowed, size):
                allowed = None
        self.sb.request(sid, addr, write, size)
        self.man.classes.append(CLASSES.index(cls))
        self.man.allowed.append(-1 if allowed is None else allowed)

    def _size(self) -> int:
        return self.rng.choice((1, 4, 8, 16, 64, self.k.max_payload))

    def _offset(self, size: int) -> int:
        return self.rng.randrange(0, SIZE_4K - size + 1) & ~(min(size, 8) - 1)

    def _mapped_page(self, sid: int) -> int:
        rng = self.rng
        if sid in (0x0101,):  # D3
            return rng.choice([REGION_A + rng.randrange(REGION_A_PAGES) * SIZE_4K, self.top3])
        if sid == 0x0108:  # DS: own pages, the shared subtree, the doubly referenced table
            return rng.choice([DS_OWN + rng.randrange(8) * SIZE_4K,
                               REGION_A + rng.randrange(REGION_A_PAGES) * SIZE_4K,
                               ALIAS_A + rng.randrange(REGION_A_PAGES) * SIZE_4K])
        if sid in (0x0110, 0x0111):
            return DM_GOOD + rng.randrange(4) * SIZE_4K
        if sid == 0x0200:
            return rng.randrange(1 << 36) & ~0xFFF
        return rng.choice([
            REGION_A + rng.randrange(REGION_A_PAGES) * SIZE_4K,
            ALIAS_A + rng.randrange(REGION_A_PAGES) * SIZE_4K,
            self.big2m + rng.randrange(512) * SIZE_4K,
            self.big1g + rng.randrange(1 << 18) * SIZE_4K,
            self.top4, self.below_fee, self.above_fee])

    def _warm(self, sid: int, page: int, write: bool) -> None:
        if self.rng.random() < self.k.warm:
            size = self._size()
            self.emit("mapped", sid, page + self._offset(size), write, size)

    def probe(self) -> None:
        rng = self.rng
        cls = rng.choice(CLASSES[:-1])
        write = rng.random() < 0.5
        size = self._size()
        off = self._offset(size)
        if cls == "mapped":
            sid = rng.choice([MAIN_SID, 0x0102, 0x0101, 0x0108, 0x0110, 0x0200])
            self.emit(cls, sid, self._mapped_page(sid) + off, write, size)
        elif cls == "above_agaw":
            page = self._mapped_page(0x0101)
            self._warm(0x0101, page, write)
            bit = rng.randrange(39, self.cfg.MGAW)
            self.emit(cls, 0x0101, page | 1 << bit | off, write, size)
        elif cls == "above_mgaw":
            sid = rng.choice([MAIN_SID, 0x0102, 0x0108])
            page = self._mapped_page(sid)
            self._warm(sid, page, write)
            self.emit(cls, sid, page | 1 << rng.randrange(self.cfg.MGAW, 63) | off, write, size)
        elif cls == "above_haw":
            page = self._mapped_page(0x0200)
            self._warm(0x0200, page, write)
            self.emit(cls, 0x0200, page | 1 << rng.randrange(self.cfg.HAW, 64) | off, write,
                      size)
        elif cls == "bit63":
            sid = rng.choice([MAIN_SID, 0x0101, 0x0108, 0x0200, 0x0110])
            page = self._mapped_page(sid)
            self._warm(sid, page, write)
            self.emit(cls, sid, page | 1 << 63 | off, write, size)
        elif cls == "boundary":
            ends = [REGION_A + (REGION_A_PAGES - 1) * SIZE_4K, self.big2m + SIZE_2M - SIZE_4K,
                    self.big1g + SIZE_1G - SIZE_4K, self.top4, self.c0_1g + SIZE_1G - SIZE_4K,
                    self.fee2m - SIZE_4K]
            last = rng.choice(ends)
            if rng.random() < 0.5:  # the last bytes of the page, up to the boundary
                self.emit(cls, MAIN_SID, last + SIZE_4K - size, write, size)
            else:  # the first bytes after it
                nxt = last + SIZE_4K
                self.emit(cls, MAIN_SID, nxt & ((1 << 64) - 1), write, size)
        elif cls == "intr":
            pick = rng.randrange(6)
            if pick == 0:
                self.emit(cls, MAIN_SID, self.below_fee + SIZE_4K - size, write, size)
            elif pick == 1:
                self.emit(cls, MAIN_SID, self.above_fee + rng.randrange(0, 64), write, size)
            elif pick == 2:
                self.emit(cls, MAIN_SID, self.fee2m + rng.randrange(512) * SIZE_4K + off, write,
                          size)
            elif pick == 3:  # the 1 GB page holding FEEx_xxxx: inside, or its neighbours
                page = rng.choice([0x3EE0_0000, 0x3EEF_F000, 0x3EDF_F000, 0x3EF0_0000])
                self.emit(cls, MAIN_SID, self.c0_1g + page + off, write, size)
            else:  # input address in FEEx_xxxx, any device
                sid = rng.choice([MAIN_SID, 0x0200, 0x0101, 0x0500])
                self.emit(cls, sid, 0xFEE0_0000 + rng.randrange(256) * SIZE_4K + off, write,
                          size)
        elif cls == "sid":
            page = self._mapped_page(MAIN_SID)
            self._warm(MAIN_SID, page, write)
            self.emit(cls, rng.choice(self.neighbours), page + off, write, size)
        elif cls == "did":
            page = REGION_A + rng.randrange(REGION_A_PAGES) * SIZE_4K
            self._warm(rng.choice([MAIN_SID, 0x0101]), page, write)
            self.emit(cls, self.alias_sid, page + off, write, size)
        elif cls == "context":
            self.emit(cls, rng.choice(self.sids_bad_ctx), self._mapped_page(MAIN_SID) + off,
                      write, size)
        elif cls == "second":
            sid = rng.choice([0x0110, 0x0111])
            if rng.random() < 0.3:
                page = self._mapped_page(sid)
                self.emit("mapped", sid, page + off, write, size)
            iova = rng.choice(self.bad) + rng.randrange(4) * SIZE_4K
            self.emit(cls, sid, iova + off, write, size)
        elif cls == "shared":
            sid = rng.choice([0x0108, MAIN_SID])
            base = rng.choice([REGION_A, ALIAS_A])
            self.emit(cls, sid, base + rng.randrange(REGION_A_PAGES) * SIZE_4K + off, write,
                      size)

    # ------------------------------------------------------------------ software
    def fault_service(self) -> None:
        ops: list[Op] = [RegOp("read", "FSTS", 0)]
        nrec = self.cfg.num_fault_records
        for n in range(nrec):
            ops += [RegOp("read", f"FRCD{n}_HI", 0), RegOp("read", f"FRCD{n}_LO", 0)]
        f_bit = regmap.fld("FRCD_HI", "F").mask
        ops += [RegOp("write", f"FRCD{n}_HI", f_bit) for n in range(nrec)]
        ops.append(RegOp("write", "FSTS", regmap.fld("FSTS", "PFO").mask))
        self.sb.ops(ops)
        self.man.services += 1

    def edit(self) -> None:
        """One driver edit under traffic and the invalidation it needs (§6.1, §6.2, §6.5)."""
        rng, sb, tb, d4 = self.rng, self.sb, self.tb, self.d4
        kind = rng.randrange(4)
        self.man.edits += 1
        if kind in (0, 1):  # remap a page of region A (D4 and DS see it), or reduce it
            iova = REGION_A + rng.randrange(REGION_A_PAGES) * SIZE_4K
            old = d4.lookup(iova)
            if old is not None:
                d4.unmap(iova, SIZE_4K)
            if kind == 0:
                d4.map(iova, sb.hpa(SIZE_4K), SIZE_4K, read=True, write=rng.random() < 0.7)
            elif old is not None and (old.read and old.write):
                d4.map(iova, old.hpa, SIZE_4K, read=True, write=False)
            else:
                d4.map(iova, sb.hpa(SIZE_4K), SIZE_4K)
            self._flush()
            # the subtree is shared (both DIDs) and the table referenced twice (both IOVAs)
            for page in (iova, iova - REGION_A + ALIAS_A):
                addr, am = psi_range(page, SIZE_4K)
                for dom in (d4, self.ds):
                    self._ops(tb.page_invalidate_register(dom.did, addr, am))
            self._probe_edited(iova)
        elif kind == 2:  # move region A's level-1 table, and its second reference
            _, new = d4.move_table(1, REGION_A)
            d4.set_entry(2, ALIAS_A, new | 3)
            self._flush()
            for dom in (d4, self.ds):
                self._ops(tb.domain_invalidate_register(dom.did))
            self._probe_edited(REGION_A + rng.randrange(REGION_A_PAGES) * SIZE_4K)
        else:  # move 01:00.2 between D4 and D3 (device-selective context invalidation)
            sid = 0x0102
            old_dom = tb.device(sid).domain  # type: ignore[union-attr]
            new_dom = self.d3 if old_dom is d4 else d4
            self._assign(sid, new_dom)
            self._flush()
            assert old_dom is not None
            self._ops(tb.context_invalidate_register(G_DEVICE, did=old_dom.did, sid=sid))
            self._ops(tb.iotlb_invalidate_register(G_DOMAIN, did=old_dom.did))
            self.emit("edited", sid, REGION_A + rng.randrange(REGION_A_PAGES) * SIZE_4K,
                      rng.random() < 0.5, 8)

    def _probe_edited(self, iova: int) -> None:
        for sid in (MAIN_SID, 0x0108):
            for base in (iova, iova - REGION_A + ALIAS_A):
                self.emit("edited", sid, base + self._offset(8), self.rng.random() < 0.5, 8)

    def _flush(self) -> None:
        writes: list[Op] = []
        for step in self.tb.flush_steps():
            base = int(step["addr"])  # type: ignore[call-overload]
            writes += [MemWrite(base + 8 * i, int(q))  # type: ignore[call-overload]
                       for i, q in enumerate(step["qwords"])]  # type: ignore[arg-type]
        self.sb.ops(writes)

    def _ops(self, steps: list[dict[str, object]]) -> None:
        from tb.stimulus.workloads.common import _reg_op
        self.sb.ops(_reg_op(s) for s in steps)

    def run(self) -> IsolationStream:
        segments = 0
        while not self.sb.full:
            start = len(self.sb.trace.requests)
            while len(self.sb.trace.requests) - start < self.k.segment and not self.sb.full:
                self.probe()
            self.fault_service()
            segments += 1
            if self.k.edit_every and segments % self.k.edit_every == 0 and not self.sb.full:
                self.edit()
        trace = self.sb.finish()
        n = len(trace.requests)
        del self.man.classes[n:], self.man.allowed[n:]
        return IsolationStream(trace, self.man)


def _none(iova: int, write: bool) -> int | None:
    return None


def build(n: int, seed: int, k: IsolationKnobs | None = None) -> IsolationStream:
    """The trace of ``n`` requests and its manifest (same n, seed and knobs: same stream)."""
    return _Gen(n, seed, k or IsolationKnobs()).run()


def generate(n: int, seed: int, k: IsolationKnobs) -> Trace:
    return build(n, seed, k).trace


FAMILY = Family("isolation", "edge probes (address bits above AGAW/MGAW/HAW, page and "
                "interrupt-range boundaries, neighbouring SIDs, aliased DIDs) on partly "
                "malformed, shared and edited tables, with a fault service per segment",
                IsolationKnobs, generate)

__all__ = ["CLASSES", "FAMILY", "IsolationKnobs", "IsolationStream", "Manifest", "build",
           "generate"]
