"""What the RTL's caches hold, predicted exactly from their documented organisation.

The golden model only knows what hardware *may* cache; a replacement-policy slip or an
off-by-one in a set index stays inside that permitted set. For tests that issue one request
at a time this predictor follows the RTL's documented micro-architecture
(``rtl/vtd_iotlb.v``, ``vtd_iotlb_repl.v``, ``vtd_context_cache.v``, the request stage of
``vtd_remap_unit.v``) and says, per request, whether it hits the IOTLB, hits the context cache
and walks: the test compares that with the performance counters.

* IOTLB: SETS x WAYS; looked up by SID; an entry of page size PS (0 4K, 1 2M, 2 1G) sits in
  set ``VPN[9*PS + log2(SETS) - 1 : 9*PS]``; a hit needs the permission and an output outside
  FEEx_xxxx, else it counts as a miss; on several matches the smallest PS then lowest way wins.
  Fill: a same SID/PS/VPN entry in the set is overwritten, else the first invalid way, else
  the policy's victim. A used hit and a fill both touch the replacement state.
  LRU: ages (reset age = way); PLRU: tree bits, heap order, bit 0 = victim on the left;
  FIFO: per-set pointer advancing on a fill into the way it names; RANDOM: unknown victim
  (the entries it may have evicted become "maybe present").
* Context cache: fully associative by SID; fill overwrites the same SID, else the first
  invalid entry, else the round-robin pointer (which advances).
"""

from __future__ import annotations

from dataclasses import dataclass

from python_model.cachestate import CachedContext, CachedTranslation

LRU, PLRU, FIFO, RANDOM = 0, 1, 2, 3
PS_OF_SIZE = {1 << 12: 0, 1 << 21: 1, 1 << 30: 2}
INTR_LO, INTR_HI = 0xFEE0_0000, 0xFEF0_0000


def _intr_overlap(addr: int, size: int) -> bool:
    return addr < INTR_HI and addr + size > INTR_LO


@dataclass
class TlbEntry:
    sid: int
    did: int
    ps: int
    vpn: int  # address bits MGAW-1:12, low 9*ps bits zero
    frame: int  # page base address
    r: bool
    w: bool
    sure: bool = True  # False: a random replacement may have evicted it


class IotlbPredictor:
    def __init__(self, sets: int, ways: int, policy: int, mgaw: int, nd: int) -> None:
        self.sets, self.ways, self.policy, self.mgaw = sets, ways, policy, mgaw
        self.sw = max(1, (sets - 1).bit_length()) if sets > 1 else 0
        self.ww = max(1, (ways - 1).bit_length())
        self.did_mask = (1 << min(16, 4 + 2 * nd)) - 1
        self.entries: list[list[TlbEntry | None]] = [[None] * ways for _ in range(sets)]
        self.age = [list(range(ways)) for _ in range(sets)]
        self.tree = [[0] * max(ways, 2) for _ in range(sets)]  # nodes 1..ways-1
        self.ptr = [0] * sets
        self.uncertain = [False] * sets  # RANDOM: which ways hold what is no longer known

    # ----------------------------------------------------------------- geometry
    def vpn(self, addr: int) -> int:
        return (addr >> 12) & ((1 << (self.mgaw - 12)) - 1)

    def set_of(self, vpn: int, ps: int) -> int:
        return (vpn >> (9 * ps)) & (self.sets - 1)

    # ----------------------------------------------------------------- lookup
    def lookup(self, sid: int, addr: int, write: bool, size: int) -> tuple[bool | None, tuple]:
        """(tlb_ok, (set, way)): True hit, False miss, None unknown (a maybe-present entry
        matches: random replacement may have evicted it). Several matches: the smallest page
        size, then the lowest way."""
        if addr >> self.mgaw:
            return False, ()
        vpn = self.vpn(addr)
        decided: tuple[bool, tuple] | None = None
        unknown = False
        for ps in range(3):
            s = self.set_of(vpn, ps)
            mask = ~((1 << (9 * ps)) - 1)
            for w, e in enumerate(self.entries[s]):
                if e is None or e.sid != sid or e.ps != ps or e.vpn != vpn & mask:
                    continue
                unknown |= not e.sure
                if decided is None and e.sure:
                    hpa = e.frame | (addr & ((1 << (12 + 9 * ps)) - 1))
                    ok = (e.w if write else e.r) and not _intr_overlap(hpa, size)
                    decided = (bool(ok), (s, w))
        if unknown:
            return None, ()
        return decided if decided is not None else (False, ())

    def touch(self, s: int, w: int) -> None:
        if self.policy == LRU:
            ref = self.age[s][w]
            for i in range(self.ways):
                if self.age[s][i] < ref:
                    self.age[s][i] += 1
            self.age[s][w] = 0
        elif self.policy == PLRU and self.ways > 1:
            node = 1
            for d in range(self.ww - 1, -1, -1):
                bit = w >> d & 1
                self.tree[s][node] = 1 - bit
                node = 2 * node + bit

    def _victim(self, s: int) -> int | None:
        for w, e in enumerate(self.entries[s]):
            if e is None:
                return w
        if self.ways == 1:
            return 0
        if self.policy == LRU:
            return max(range(self.ways), key=lambda w: self.age[s][w])
        if self.policy == PLRU:
            node, way = 1, 0
            for d in range(self.ww - 1, -1, -1):
                bit = self.tree[s][node]
                way |= bit << d
                node = 2 * node + bit
            return way
        if self.policy == FIFO:
            return self.ptr[s]
        return None  # RANDOM

    def fill(self, sid: int, did: int, ps: int, addr: int, frame: int, r: bool,
             w: bool) -> None:
        vpn = self.vpn(addr) & ~((1 << (9 * ps)) - 1)
        s = self.set_of(vpn, ps)
        entry = TlbEntry(sid, did & self.did_mask, ps, vpn, frame, r, w)
        way: int | None = None
        for i, e in enumerate(self.entries[s]):
            if e is not None and (e.sid, e.ps, e.vpn) == (sid, ps, vpn):
                way = i
                break
        if way is not None and not self.entries[s][way].sure:  # type: ignore[union-attr]
            self.entries[s].pop(way)  # present (overwritten) or gone (random victim)
            way = None
        elif way is None and not self.uncertain[s]:
            way = self._victim(s)
        if way is None:  # random victim: any valid way may go; the set becomes uncertain
            self.uncertain[s] = True
            kept = [e for e in self.entries[s] if e is not None]
            for e in kept:
                e.sure = False
            self.entries[s] = [*kept, entry]
            return
        if self.policy == FIFO and way == self.ptr[s]:
            self.ptr[s] = (self.ptr[s] + 1) % self.ways
        self.entries[s][way] = entry
        self.touch(s, way)

    def invalidate(self, gran: int, did: int = 0, addr: int = 0, am: int = 0) -> None:
        did &= self.did_mask
        for s in range(self.sets):
            for w, e in enumerate(self.entries[s]):
                if e is None:
                    continue
                if gran == 1:
                    hit = True
                elif gran == 2:
                    hit = e.did == did
                elif gran == 3:
                    low = max(am, 9 * e.ps)
                    hit = e.did == did and (e.vpn >> low) == (self.vpn(addr) >> low)
                else:
                    hit = False
                if hit:
                    self.entries[s][w] = None
            if self.uncertain[s]:
                left = [e for e in self.entries[s] if e is not None]
                if left:
                    self.entries[s] = left
                else:
                    self.entries[s] = [None] * self.ways
                    self.uncertain[s] = False

    @property
    def certain(self) -> bool:
        return all(e is None or e.sure for row in self.entries for e in row)


@dataclass
class CcEntry:
    sid: int
    did: int
    tt: int


class CcPredictor:
    def __init__(self, entries: int, nd: int) -> None:
        self.n = entries
        self.did_mask = (1 << min(16, 4 + 2 * nd)) - 1
        self.entries: list[CcEntry | None] = [None] * entries
        self.rr = 0

    def lookup(self, sid: int) -> CcEntry | None:
        return next((e for e in self.entries if e is not None and e.sid == sid), None)

    def fill(self, sid: int, did: int, tt: int) -> None:
        entry = CcEntry(sid, did & self.did_mask, tt)
        for i, e in enumerate(self.entries):
            if e is not None and e.sid == sid:
                self.entries[i] = entry
                return
        for i, e in enumerate(self.entries):
            if e is None:
                self.entries[i] = entry
                return
        self.entries[self.rr] = entry
        self.rr = (self.rr + 1) % self.n

    def invalidate(self, gran: int, did: int = 0, sid: int = 0, fm: int = 0) -> None:
        did &= self.did_mask
        ignore = (0, 0b100, 0b110, 0b111)[fm]
        for i, e in enumerate(self.entries):
            if e is None:
                continue
            if (gran == 1 or gran == 2 and e.did == did
                    or gran == 3 and e.did == did and e.sid & ~ignore == sid & ~ignore):
                self.entries[i] = None


@dataclass
class Expect:
    """What the request stage will do with one request (filled in by ``before``)."""

    sid: int = 0
    addr: int = 0
    write: bool = False
    size: int = 4
    lookup: bool = False  # reaches the caches (not FEEx, TE=1, TTM ok)


PERF = ("PERF_IOTLB_HITS", "PERF_IOTLB_MISSES", "PERF_CC_HITS", "PERF_CC_MISSES", "PERF_WALKS")


@dataclass
class UnitPredictor:
    """Both caches plus the request stage's decision, fed one request at a time."""

    iotlb: IotlbPredictor
    cc: CcPredictor
    checked: int = 0

    @classmethod
    def for_params(cls, params: dict[str, int]) -> UnitPredictor:
        return cls(IotlbPredictor(params["IOTLB_SETS"], params["IOTLB_WAYS"],
                                  params["IOTLB_REPL"], params["MGAW"], params["ND"]),
                   CcPredictor(params["CC_ENTRIES"], params["ND"]))

    def before(self, sid: int, addr: int, write: bool, size: int, te: bool,
               ttm_ok: bool = True) -> Expect:
        """Note a request about to be sent (its lookups happen against the current state)."""
        lookup = not _intr_overlap(addr, size) and te and ttm_ok
        return Expect(sid, addr, write, size, lookup)

    def after(self, e: Expect, fills: list[object],
              observed: dict[str, int] | None = None) -> list[str]:
        """Apply the request (given the fills of the model candidate the RTL's answer
        matched) and compare with the observed counter increments; returns the differences.

        Where random replacement leaves an IOTLB entry uncertain, the observed hit/miss is
        taken as it is (a miss may also be a hit lacking the permission)."""
        want = dict.fromkeys(PERF, 0)
        if not e.lookup:
            return self._diff(want, observed)
        ok, where = self.iotlb.lookup(e.sid, e.addr, e.write, e.size)
        if ok is None:  # only random replacement gets here: believe the counters
            ok = bool(observed and observed.get("PERF_IOTLB_HITS"))
            where = ()
        if ok:
            want["PERF_IOTLB_HITS"] = 1
            if where:
                self.iotlb.touch(*where)
            return self._diff(want, observed)
        want["PERF_IOTLB_MISSES"] = 1
        cc = self.cc.lookup(e.sid)
        want["PERF_CC_HITS" if cc is not None else "PERF_CC_MISSES"] = 1
        if cc is not None and cc.tt == 0b10:
            return self._diff(want, observed)  # pass-through hit: a unity translation
        want["PERF_WALKS"] = 1
        for f in fills:
            if isinstance(f, CachedContext) and cc is None and f.sid == e.sid:
                self.cc.fill(f.sid, f.did, f.tt)
            elif isinstance(f, CachedTranslation) and f.sid == e.sid and f.covers(e.addr):
                self.iotlb.fill(f.sid, f.did, PS_OF_SIZE[f.size], f.iova_base, f.frame,
                                f.read, f.write)
        return self._diff(want, observed)

    def _diff(self, want: dict[str, int], observed: dict[str, int] | None) -> list[str]:
        self.checked += 1
        if observed is None:
            return []
        return [f"{k}+{observed.get(k, 0)} (predicted +{v})" for k, v in want.items()
                if observed.get(k, 0) != v]

    def invalidate_context(self, gran: int, did: int = 0, sid: int = 0, fm: int = 0) -> None:
        self.cc.invalidate(gran, did, sid, fm)

    def invalidate_iotlb(self, gran: int, did: int = 0, addr: int = 0, am: int = 0) -> None:
        self.iotlb.invalidate(gran, did, addr, am)
