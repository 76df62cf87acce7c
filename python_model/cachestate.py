"""What hardware may still hold in its caches: the source of permitted stale outcomes.

The model is architectural, yet the architecture lets hardware keep using a cached entry after
software changed the table in memory, until the matching invalidation completes
(doc/vtd-rules.md §6).
This module tracks, per cached structure, every entry hardware *may* hold: an entry enters when
a walk could have cached it (CM=0: only present, non-faulting entries, §6.6) and leaves only
through an invalidation that covers it (§6.1–§6.3). Translation then permits the fresh outcome
plus whatever these entries allow.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CachedContext:
    """A context-cache entry (§3.8): looked up by SID, invalidated by SID and/or DID."""

    sid: int
    did: int
    tt: int
    aw: int
    slptptr: int
    fpd: bool


@dataclass(frozen=True)
class CachedTranslation:
    """An IOTLB entry: page of ``size`` bytes at ``iova_base`` -> ``frame`` with ANDed R/W."""

    did: int
    sid: int
    iova_base: int
    size: int
    frame: int
    read: bool
    write: bool

    def covers(self, addr: int) -> bool:
        return self.iova_base <= addr < self.iova_base + self.size


@dataclass(frozen=True)
class CachedPagingEntry:
    """A paging-structure-cache entry: the non-leaf entry at ``level`` for the region
    [region_base, region_base + region_size), pointing at the next table."""

    did: int
    level: int
    region_base: int
    region_size: int
    next_table: int
    read: bool
    write: bool

    def covers(self, addr: int) -> bool:
        return self.region_base <= addr < self.region_base + self.region_size


@dataclass(frozen=True)
class CachedIrte:
    index: int
    lo: int
    hi: int


CacheFill = CachedContext | CachedTranslation | CachedPagingEntry | CachedIrte


def _overlaps(base: int, size: int, lo: int, hi: int) -> bool:
    return base < hi and lo < base + size


@dataclass
class CacheState:
    contexts: set[CachedContext] = field(default_factory=set)
    translations: set[CachedTranslation] = field(default_factory=set)
    paging: set[CachedPagingEntry] = field(default_factory=set)
    irtes: set[CachedIrte] = field(default_factory=set)

    def clear(self) -> None:
        self.contexts.clear()
        self.translations.clear()
        self.paging.clear()
        self.irtes.clear()

    def fill(self, entries: list[CacheFill] | set[CacheFill]) -> None:
        for e in entries:
            if isinstance(e, CachedContext):
                self.contexts.add(e)
            elif isinstance(e, CachedTranslation):
                self.translations.add(e)
            elif isinstance(e, CachedPagingEntry):
                self.paging.add(e)
            else:
                self.irtes.add(e)

    # --- look-ups ---
    def contexts_for(self, sid: int) -> list[CachedContext]:
        return sorted((c for c in self.contexts if c.sid == sid), key=repr)

    def translations_for(self, sid: int, did: int | None, addr: int) -> list[CachedTranslation]:
        """IOTLB entries a request may hit: looked up by SID and page (§3.8), and, when the
        request's DID is known, by DID for a DID-tagged IOTLB; both are legal implementations."""
        hits = (t for t in self.translations
                if (t.sid == sid or (did is not None and t.did == did)) and t.covers(addr))
        return sorted(hits, key=repr)

    def paging_for(self, did: int, addr: int) -> list[CachedPagingEntry]:
        hits = (p for p in self.paging if p.did == did and p.covers(addr))
        return sorted(hits, key=repr)

    def irtes_for(self, index: int) -> list[CachedIrte]:
        return sorted((i for i in self.irtes if i.index == index), key=repr)

    # --- invalidation (§6.1, §6.2, §6.3) ---
    def invalidate_contexts(self, did: int | None = None, sid: int | None = None,
                            fm: int = 0) -> None:
        """Global (no arguments), domain (did) or device (sid under function mask fm, and did)."""
        ignore = (0, 0b100, 0b110, 0b111)[fm]

        def hit(c: CachedContext) -> bool:
            if did is not None and c.did != did:
                return False
            return sid is None or (c.sid & ~ignore) == (sid & ~ignore)

        self.contexts = {c for c in self.contexts if not hit(c)}

    def invalidate_iotlb(self, did: int | None = None, addr: int | None = None, am: int = 0,
                         ih: bool = False) -> None:
        """Global, domain (did) or page-selective (did, addr, am, ih) per §6.2 Table 23:
        every entry whose page overlaps the range goes; paging-structure entries too, unless IH."""
        if addr is None:
            self.translations = {t for t in self.translations if did is not None and t.did != did}
            self.paging = {p for p in self.paging if did is not None and p.did != did}
            return
        size = 1 << (12 + am)
        lo = addr & ~(size - 1)
        hi = lo + size
        self.translations = {
            t for t in self.translations
            if not (t.did == did and _overlaps(t.iova_base, t.size, lo, hi))
        }
        if not ih:
            self.paging = {
                p for p in self.paging
                if not (p.did == did and _overlaps(p.region_base, p.region_size, lo, hi))
            }

    def invalidate_iec(self, index: int | None = None, im: int = 0) -> None:
        if index is None:
            self.irtes.clear()
            return
        lo = index & ~((1 << im) - 1)
        hi = lo + (1 << im)
        self.irtes = {i for i in self.irtes if not lo <= i.index < hi}
