"""Functional coverage: bins hit by checked traffic, merged over a regression and printed.

Groups: fault reasons, page sizes and table levels of successful translations, translation
type, request kind, cache behaviour (from the performance counters), invalidation
granularities (register-based and queued, IEC), interrupt outcomes and interrupt fault reasons,
fault-record events (overflow), memory behaviour, queue events.

Crosses (:data:`CROSSES`, bins named ``a/b/c``; doc/coverage.md defines every axis): fault reason
x request type; table levels x page size; IOTLB hit/miss x replacement policy x set pressure;
invalidation granularity x cache state; interrupt path x IRES/EIME/CFI; invalidation-queue tail
writes x occupancy x wrap-around. Each cross lists its legal bins only (combinations the rules
exclude, e.g. fault 05h on a read, are left out, as a covergroup's ignore_bins would). Sampling
is O(1) per request: a few dict updates in the scoreboard's existing hooks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from python_model.cachestate import CachedContext, CachedTranslation

# Bins the RTL can reach (legacy mode, no ATS): a regression should fill them all.
EXPECTED: dict[str, tuple[str, ...]] = {
    "fault_reason": ("0x01", "0x02", "0x03", "0x04", "0x05", "0x06", "0x07", "0x08", "0x09",
                     "0x0a", "0x0b", "0x0c", "0x0e", "0x29", "0x30"),
    "page_size": ("4K", "2M", "1G"),
    "levels": ("3", "4", "5"),
    "translation": ("second-level", "pass-through", "untranslated (TE=0)"),
    "request": ("read", "write", "size>8"),
    "cache": ("iotlb hit", "iotlb miss", "context hit", "context miss"),
    "invalidation": ("context-global", "context-domain", "context-device", "iotlb-global",
                     "iotlb-domain", "iotlb-page", "iec-global", "iec-index"),
    "interrupt": ("remapped", "compatibility", "x2APIC destination", "0x20", "0x21", "0x22",
                  "0x23", "0x24", "0x25", "0x26"),
    "faults": ("suppressed (FPD)", "overflow (PFO)"),
    "memory": ("bus error", "stale outcome accepted"),
    "queue": ("tail write", "wrap-around", "IQE"),
}
FAULT_REASONS = EXPECTED["fault_reason"]
POLICIES = ("LRU", "PLRU", "FIFO", "RANDOM")
# Interrupt-remapping fault reasons decided after the IRTE fetch (EIME takes part); 0x25
# (compatibility format blocked) depends on CFI only.
_IR_FAULTS = ("0x20", "0x21", "0x22", "0x23", "0x24", "0x26")


def _fault_request_bins() -> tuple[str, ...]:
    """reason/direction/size class; 05h is a write fault and 06h a read fault only."""
    return tuple(f"{r}/{d}/{c}" for r in FAULT_REASONS for d in ("read", "write")
                 for c in ("small", "large")
                 if not (r == "0x05" and d == "read") and not (r == "0x06" and d == "write"))


def _iotlb_bins() -> tuple[str, ...]:
    """hit or miss/policy/pressure of the looked-up set; an empty set cannot hit."""
    return tuple(f"{h}/{p}/{s}" for h in ("hit", "miss") for p in POLICIES
                 for s in ("empty", "partial", "full") if not (h == "hit" and s == "empty"))


def _interrupt_bins() -> tuple[str, ...]:
    """path/IRES/EIME/CFI with ``*`` where the rules do not consult the bit for that path."""
    out = ["compatibility/IRES=0/EIME=*/CFI=*", "compatibility/IRES=1/EIME=*/CFI=1",
           "0x25/IRES=1/EIME=*/CFI=0"]
    out += [f"{p}/IRES=1/EIME={e}/CFI=*" for p in ("remapped", *_IR_FAULTS) for e in (0, 1)]
    return tuple(out)


CROSSES: dict[str, tuple[str, ...]] = {
    "fault x request": _fault_request_bins(),
    "levels x page size": tuple(f"{lv}/{ps}" for lv in EXPECTED["levels"]
                                for ps in EXPECTED["page_size"]),
    "iotlb x policy x pressure": _iotlb_bins(),
    "invalidation x cache state": tuple(f"{g}/{st}" for g in EXPECTED["invalidation"]
                                        for st in ("cached", "nothing cached")),
    "interrupt path": _interrupt_bins(),
    "queue tail x occupancy x wrap": tuple(f"{o}/{w}" for o in ("empty", "non-empty")
                                           for w in ("linear", "wrap")),
}
_SIZE = {1 << 12: "4K", 1 << 21: "2M", 1 << 30: "1G"}


def pressure(valid_ways: int, ways: int) -> str:
    """Set pressure of an IOTLB look-up: how many ways of the looked-up set hold an entry."""
    return "empty" if valid_ways == 0 else "full" if valid_ways >= ways else "partial"


class Coverage:
    def __init__(self) -> None:
        self.bins: dict[str, dict[str, int]] = {g: {} for g in [*EXPECTED, *CROSSES]}
        # what accepted answers let the unit cache since the last invalidation covering it,
        # as far as the scoreboard knows: context entries by SID and DID, IOTLB entries by
        # DID, whether a remapped interrupt filled the interrupt entry cache
        self._ctx_sids: set[int] = set()
        self._ctx_dids: set[int] = set()
        self._tlb_dids: set[int] = set()
        self._iec_filled = False

    def hit(self, group: str, name: str, n: int = 1) -> None:
        if n:
            grp = self.bins.setdefault(group, {})
            grp[name] = grp.get(name, 0) + n

    def sample_dma(self, item: Any, rsp: Any, chosen: Any, fresh: Any) -> None:
        direction = "write" if item.write else "read"
        self.hit("request", direction)
        if item.size > 8:
            self.hit("request", "size>8")
        if chosen is not fresh:
            self.hit("memory", "stale outcome accepted")
        for f in chosen.fills:  # a handful at most
            if isinstance(f, CachedTranslation):
                self._tlb_dids.add(f.did)
            elif isinstance(f, CachedContext):
                self._ctx_sids.add(f.sid)
                self._ctx_dids.add(f.did)
        fault = chosen.outcome.fault
        if fault is not None:
            reason = f"{fault.reason:#04x}"
            self.hit("fault_reason", reason)
            self.hit("fault x request",
                     f"{reason}/{direction}/{'large' if item.size > 8 else 'small'}")
            if fault.suppressed:
                self.hit("faults", "suppressed (FPD)")
            return
        ctx = next((f for f in fresh.fills if isinstance(f, CachedContext)), None)
        leaf = next((f for f in fresh.fills if isinstance(f, CachedTranslation)), None)
        if leaf is not None:
            self.hit("translation", "second-level")
            size = _SIZE.get(leaf.size, str(leaf.size))
            self.hit("page_size", size)
            if ctx is not None:
                self.hit("levels", str(ctx.aw + 2))
                self.hit("levels x page size", f"{ctx.aw + 2}/{size}")
        elif ctx is not None and ctx.tt == 0b10:
            self.hit("translation", "pass-through")
        elif ctx is None and not fresh.fills and rsp.addr == item.addr:
            self.hit("translation", "untranslated (TE=0)")

    def sample_msi(self, item: Any, rsp: Any, ires: bool, eime: bool = False,
                   cfi: bool = False) -> None:
        """One interrupt answer; ``ires``, ``eime`` (IRTA.EIME), ``cfi`` (GSTS.CFIS): the
        model's state when the answer was checked."""
        if rsp.fault:
            path = f"{rsp.reason:#04x}"
            self.hit("interrupt", path)
        else:
            path = "remapped" if ires and item.addr >> 4 & 1 else "compatibility"
            self.hit("interrupt", path)
            if rsp.dest > 0xFF:
                self.hit("interrupt", "x2APIC destination")
        if path == "remapped":
            self._iec_filled = True
        if not ires:
            name = f"{path}/IRES=0/EIME=*/CFI=*"
        elif path in ("compatibility", "0x25"):
            name = f"{path}/IRES=1/EIME=*/CFI={int(cfi)}"
        else:
            name = f"{path}/IRES=1/EIME={int(eime)}/CFI=*"
        self.hit("interrupt path", name)

    def sample_invalidation(self, event: tuple[Any, ...], name: str) -> None:
        """A completed invalidation (the driver's event tuple, tb/software/driver.py) named
        ``name`` (e.g. ``iotlb-domain``): was anything it covers cached, as far as the
        scoreboard knows (fills of accepted answers since the last invalidation covering
        them)? Global: anything of that kind; domain: an entry of that DID; device: a
        context entry of that SID; page: an IOTLB entry of that DID; IEC index: any IRTE."""
        kind, gran = event[0], name.rsplit("-", 1)[-1]
        if kind == "context":
            did, sid = event[2], event[3]
            cached = (bool(self._ctx_sids) if gran == "global" else did in self._ctx_dids
                      if gran == "domain" else sid in self._ctx_sids)
            if gran == "global":
                self._ctx_sids.clear()
                self._ctx_dids.clear()
            elif gran == "domain":
                self._ctx_dids.discard(did)
            else:
                self._ctx_sids.discard(sid)
        elif kind == "iotlb":
            did = event[2]
            cached = bool(self._tlb_dids) if gran == "global" else did in self._tlb_dids
            if gran == "global":
                self._tlb_dids.clear()
            elif gran == "domain":
                self._tlb_dids.discard(did)
        else:
            cached = self._iec_filled
            if gran == "global":
                self._iec_filled = False
        self.hit("invalidation", name)
        self.hit("invalidation x cache state", f"{name}/{'cached' if cached else 'nothing cached'}")

    def sample_iotlb(self, hit: bool, policy: str, valid_ways: int, ways: int) -> None:
        """One IOTLB look-up whose outcome the cache reference predicts exactly."""
        self.hit("iotlb x policy x pressure",
                 f"{'hit' if hit else 'miss'}/{policy}/{pressure(valid_ways, ways)}")

    def sample_queue_tail(self, empty: bool, wrap: bool) -> None:
        """A software tail write to a running invalidation queue: was the queue empty (every
        earlier tail known run), and does the new tail wrap past the end of the ring?"""
        self.hit("queue", "tail write")
        if wrap:
            self.hit("queue", "wrap-around")
        self.hit("queue tail x occupancy x wrap",
                 f"{'empty' if empty else 'non-empty'}/{'wrap' if wrap else 'linear'}")

    def sample_perf(self, delta: Mapping[str, int]) -> None:
        self.hit("cache", "iotlb hit", delta.get("PERF_IOTLB_HITS", 0))
        self.hit("cache", "iotlb miss", delta.get("PERF_IOTLB_MISSES", 0))
        self.hit("cache", "context hit", delta.get("PERF_CC_HITS", 0))
        self.hit("cache", "context miss", delta.get("PERF_CC_MISSES", 0))

    def merge(self, other: Mapping[str, Mapping[str, int]]) -> None:
        for group, bins in other.items():
            for name, n in bins.items():
                self.hit(group, name, int(n))

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {g: dict(sorted(b.items())) for g, b in self.bins.items()}

    def holes(self) -> list[str]:
        return [f"{g}/{b}" for g, names in EXPECTED.items() for b in names
                if not self.bins.get(g, {}).get(b)]

    def cross_holes(self) -> list[str]:
        return [f"{c}: {b}" for c, names in CROSSES.items() for b in names
                if not self.bins.get(c, {}).get(b)]

    def counts(self) -> dict[str, int]:
        """Coverpoint bins and cross bins: how many are expected and how many were hit."""
        def hit(table: Mapping[str, tuple[str, ...]]) -> int:
            return sum(bool(self.bins.get(g, {}).get(b)) for g, names in table.items()
                       for b in names)
        return {"coverpoints_hit": hit(EXPECTED),
                "coverpoints": sum(len(v) for v in EXPECTED.values()),
                "crosses_hit": hit(CROSSES),
                "crosses": sum(len(v) for v in CROSSES.values())}

    def report(self, crosses: bool = False) -> str:
        """Every coverpoint's bins with their counts; with ``crosses`` every cross too."""
        lines = ["functional coverage:"]
        for group, names in EXPECTED.items():
            got = self.bins.get(group, {})
            cells = [f"{name}={got.get(name, 0)}" for name in names]
            extra = [f"{k}={v}" for k, v in got.items() if k not in names]
            lines.append(f"  {group:13s} " + "  ".join(cells + extra))
        c = self.counts()
        lines.append(f"  {c['coverpoints_hit']}/{c['coverpoints']} bins hit"
                     + (f"; holes: {', '.join(self.holes())}"
                        if c["coverpoints_hit"] < c["coverpoints"] else ""))
        if crosses:
            for cross, names in CROSSES.items():
                got = self.bins.get(cross, {})
                n = sum(bool(got.get(b)) for b in names)
                lines.append(f"  cross {cross}: {n}/{len(names)}")
                lines += [f"    {'   ' if got.get(b) else '-- '}{b} = {got.get(b, 0)}"
                          for b in names]
                lines += [f"    ?? {k} = {v} (not a legal bin)" for k, v in got.items()
                          if k not in names]
        lines.append(f"  crosses: {c['crosses_hit']}/{c['crosses']} bins hit "
                     f"({100.0 * c['crosses_hit'] / max(1, c['crosses']):.1f}%)")
        return "\n".join(lines)
