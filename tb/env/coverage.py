"""Functional coverage: bins hit by checked traffic, merged over a regression and printed.

Groups: fault reasons, page sizes and table levels of successful translations, translation
type, request kind, cache behaviour (from the performance counters), invalidation
granularities (register-based and queued, IEC), interrupt outcomes and interrupt fault reasons,
fault-record events (overflow), memory behaviour.
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
}
_SIZE = {1 << 12: "4K", 1 << 21: "2M", 1 << 30: "1G"}


class Coverage:
    def __init__(self) -> None:
        self.bins: dict[str, dict[str, int]] = {g: {} for g in EXPECTED}

    def hit(self, group: str, name: str, n: int = 1) -> None:
        if n:
            grp = self.bins.setdefault(group, {})
            grp[name] = grp.get(name, 0) + n

    def sample_dma(self, item: Any, rsp: Any, chosen: Any, fresh: Any) -> None:
        self.hit("request", "write" if item.write else "read")
        if item.size > 8:
            self.hit("request", "size>8")
        if chosen is not fresh:
            self.hit("memory", "stale outcome accepted")
        fault = chosen.outcome.fault
        if fault is not None:
            self.hit("fault_reason", f"{fault.reason:#04x}")
            if fault.suppressed:
                self.hit("faults", "suppressed (FPD)")
            return
        ctx = next((f for f in fresh.fills if isinstance(f, CachedContext)), None)
        leaf = next((f for f in fresh.fills if isinstance(f, CachedTranslation)), None)
        if leaf is not None:
            self.hit("translation", "second-level")
            self.hit("page_size", _SIZE.get(leaf.size, str(leaf.size)))
            if ctx is not None:
                self.hit("levels", str(ctx.aw + 2))
        elif ctx is not None and ctx.tt == 0b10:
            self.hit("translation", "pass-through")
        elif ctx is None and not fresh.fills and rsp.addr == item.addr:
            self.hit("translation", "untranslated (TE=0)")

    def sample_msi(self, item: Any, rsp: Any, ires: bool) -> None:
        if rsp.fault:
            self.hit("interrupt", f"{rsp.reason:#04x}")
            return
        self.hit("interrupt", "remapped" if ires and item.addr >> 4 & 1 else "compatibility")
        if rsp.dest > 0xFF:
            self.hit("interrupt", "x2APIC destination")

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

    def report(self) -> str:
        lines = ["functional coverage:"]
        total = hit = 0
        for group, names in EXPECTED.items():
            got = self.bins.get(group, {})
            cells = []
            for name in names:
                total += 1
                hit += bool(got.get(name))
                cells.append(f"{name}={got.get(name, 0)}")
            extra = [f"{k}={v}" for k, v in got.items() if k not in names]
            lines.append(f"  {group:13s} " + "  ".join(cells + extra))
        lines.append(f"  {hit}/{total} bins hit" + (f"; holes: {', '.join(self.holes())}"
                                                     if hit < total else ""))
        return "\n".join(lines)
