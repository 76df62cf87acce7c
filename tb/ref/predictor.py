"""The scoreboard's hit/miss predictor: the cache reference (:mod:`tb.ref.caches`) fed with
what the golden model says a walk fills, checked against the performance counters.

The golden model only knows what hardware *may* cache; a replacement-policy slip or an
off-by-one in a set index stays inside that permitted set. For tests that issue one request
at a time the environment asks this predictor, per request, whether the RTL hits the IOTLB,
hits the context cache and walks, and compares that with the counters' increments.

There is one cache reference (:class:`tb.ref.caches.UnitCacheRef`); this module only adapts
it to the scoreboard: the walk oracle is not a table walk of its own but the fills of the
model outcome the RTL's answer matched (:class:`FillsWalk`), so a stale answer the
architecture permits fills what the RTL really filled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from python_model.cachestate import CachedContext, CachedPagingEntry, CachedTranslation
from tb.ref.caches import (
    PAGE_SHIFT,
    CacheMismatch,
    CcEntry,
    TlbEntry,
    UnitCacheRef,
    WalkResult,
    WalkStart,
    WcFill,
    intr_overlap,
)

PS_OF_SIZE = {1 << 12: 0, 1 << 21: 1, 1 << 30: 2}
# The counters this predictor checks (walk reads depend on the stale choices: not predicted).
PERF = ("PERF_IOTLB_HITS", "PERF_IOTLB_MISSES", "PERF_CC_HITS", "PERF_CC_MISSES", "PERF_WALKS",
        "PERF_WC_HITS", "PERF_WC_MISSES")


@dataclass
class Expect:
    """A request about to be sent, with the unit state that decides whether it looks up."""

    sid: int = 0
    addr: int = 0
    write: bool = False
    size: int = 4
    lookup: bool = False  # reaches the caches (not FEEx, TE=1, TTM ok)


class FillsWalk:
    """A walk oracle answering with the fills of the model outcome the RTL's answer matched:
    the context entry when the context cache missed, the translation covering the
    request, and the paging-structure entries covering it below the walk-cache hit the walk
    resumed from (all of them without one)."""

    def __init__(self, fills: Iterable[object], mgaw: int) -> None:
        self.fills = list(fills)
        self.vpn_mask = (1 << (mgaw - PAGE_SHIFT)) - 1

    def __call__(self, sid: int, addr: int, write: bool, size: int, cc: CcEntry | None,
                 start: WalkStart | None = None) -> WalkResult:
        ctx: CcEntry | None = None
        fill: TlbEntry | None = None
        below = start.level if start is not None else 6
        wc = {f.level: WcFill(f.level, f.next_table, f.read, f.write) for f in self.fills
              if isinstance(f, CachedPagingEntry) and f.covers(addr) and f.level < below}
        for f in self.fills:
            if isinstance(f, CachedContext) and cc is None and f.sid == sid:
                ctx = CcEntry(sid=f.sid, did=f.did, tt=f.tt, aw=f.aw, slptptr=f.slptptr,
                              fpd=f.fpd)
            elif isinstance(f, CachedTranslation) and f.sid == sid and f.covers(addr):
                fill = TlbEntry(sid, f.did, (f.iova_base >> PAGE_SHIFT) & self.vpn_mask,
                                PS_OF_SIZE[f.size], f.frame >> PAGE_SHIFT, f.read, f.write)
        return WalkResult(reads=0, ctx=ctx, fill=fill,
                          wc_fills=tuple(wc[lv] for lv in sorted(wc, reverse=True)))


@dataclass
class UnitPredictor:
    """Both caches behind the request stage, fed one request at a time."""

    ref: UnitCacheRef
    mgaw: int = 48
    checked: int = 0

    @classmethod
    def for_params(cls, params: dict[str, int]) -> UnitPredictor:
        return cls(UnitCacheRef.from_params(params), mgaw=params.get("MGAW", 48))

    def before(self, sid: int, addr: int, write: bool, size: int, te: bool,
               ttm_ok: bool = True) -> Expect:
        """Note a request about to be sent (its look-ups happen against the current state)."""
        lookup = not intr_overlap(addr, size) and te and ttm_ok
        return Expect(sid, addr, write, size, lookup)

    def after(self, e: Expect, fills: list[object],
              observed: dict[str, int] | None = None) -> list[str]:
        """Apply the request (given the fills of the model outcome the RTL's answer matched)
        and compare with the observed counter increments; returns the differences.

        Where random replacement leaves the IOTLB outcome open, the observed hit or miss is
        checked against what the reference allows and narrows its state."""
        if not e.lookup:
            return self._diff(dict.fromkeys(PERF, 0), observed)
        ref = self.ref
        ref.translation_enabled = True
        observed_hit: bool | None = None
        if len(ref.predict_iotlb(e.sid, e.addr, e.write, e.size)) > 1:
            observed_hit = bool(observed and observed.get("PERF_IOTLB_HITS"))
        try:
            out = ref.request(e.sid, e.addr, e.write, e.size, FillsWalk(fills, self.mgaw),
                              iotlb_hit=observed_hit)
        except CacheMismatch as err:
            self.checked += 1
            return [str(err)]
        deltas = out.deltas()
        return self._diff({k: deltas[k] for k in PERF}, observed)

    def _diff(self, want: dict[str, int], observed: dict[str, int] | None) -> list[str]:
        self.checked += 1
        if observed is None:
            return []
        return [f"{k}+{observed.get(k, 0)} (predicted +{v})" for k, v in want.items()
                if observed.get(k, 0) != v]

    def invalidate_context(self, gran: int, did: int = 0, sid: int = 0, fm: int = 0) -> None:
        self.ref.cc.invalidate(gran, did, sid, fm)

    def invalidate_iotlb(self, gran: int, did: int = 0, addr: int = 0, am: int = 0,
                         ih: bool = False) -> None:
        self.ref.invalidate_iotlb(gran, did, addr, am, ih)
