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

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TypeVar


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
# The look-up groups of CacheState.stamps: (which, key).
_CTX, _TLB, _PSC, _IEC, _TLB_SIZES, _PSC_SIZES = range(6)
K = TypeVar("K")
E = TypeVar("E")


def _ordered(entries: Collection[E]) -> list[E]:
    """Entries in a fixed order (by repr), whatever the set's iteration order."""
    return sorted(entries, key=repr) if len(entries) > 1 else list(entries)


def _overlaps(base: int, size: int, lo: int, hi: int) -> bool:
    return base < hi and lo < base + size


class CacheState:
    """Every entry hardware may hold, per structure, indexed for the per-request look-ups:
    contexts by SID, translations by page (size and base), paging-structure entries by
    (DID, region size, region base), IRTEs by index. The sets are read-only views; entries
    change through :meth:`fill`, :meth:`add`/:meth:`remove` and the invalidations."""

    def __init__(self) -> None:
        self._contexts: dict[int, set[CachedContext]] = {}
        self._translations: dict[tuple[int, int], set[CachedTranslation]] = {}
        self._paging: dict[tuple[int, int, int], set[CachedPagingEntry]] = {}
        self._irtes: dict[int, set[CachedIrte]] = {}
        self._page_sizes: set[int] = set()
        self._region_sizes: set[int] = set()
        # Change tracking, so that a reader may keep what it derived from the state:
        # ``version`` counts every change of what is held (a fill of an entry already held is
        # none); ``stamps`` gives, per look-up group (which index, key), the version of its
        # last change (absent: unchanged since creation or the last clear, and empty).
        # While ``reads`` is a list, every look-up appends the groups it read.
        self.version = 0
        self.stamps: dict[tuple[int, object], int] = {}
        self.reads: list[tuple[int, object]] | None = None

    # --- views ---
    @property
    def contexts(self) -> frozenset[CachedContext]:
        return frozenset(c for group in self._contexts.values() for c in group)

    @property
    def translations(self) -> frozenset[CachedTranslation]:
        return frozenset(t for group in self._translations.values() for t in group)

    @property
    def paging(self) -> frozenset[CachedPagingEntry]:
        return frozenset(p for group in self._paging.values() for p in group)

    @property
    def irtes(self) -> frozenset[CachedIrte]:
        return frozenset(i for group in self._irtes.values() for i in group)

    def clear(self) -> None:
        self.version += 1
        self.stamps.clear()  # every group is empty again, as at creation
        for index in (self._contexts, self._translations, self._paging, self._irtes):
            index.clear()
        self._page_sizes.clear()
        self._region_sizes.clear()

    def _changed(self, group: tuple[int, object]) -> None:
        self.version += 1
        self.stamps[group] = self.version

    # --- changes ---
    def _group_of(self, e: CacheFill) -> tuple[int, object, dict]:
        kind = type(e)
        if kind is CachedTranslation:
            return _TLB, (e.size, e.iova_base), self._translations  # type: ignore[union-attr]
        if kind is CachedPagingEntry:
            return _PSC, (e.did, e.region_size, e.region_base), self._paging  # type: ignore
        if kind is CachedContext:
            return _CTX, e.sid, self._contexts  # type: ignore[union-attr]
        if isinstance(e, CachedIrte):
            return _IEC, e.index, self._irtes
        raise TypeError(f"not a cache entry: {e!r}")

    def add(self, e: CacheFill) -> None:
        which, key, index = self._group_of(e)
        group = index.get(key)
        if group is None:
            group = index[key] = set()
        elif e in group:
            return
        group.add(e)
        self._changed((which, key))
        if which == _TLB and e.size not in self._page_sizes:  # type: ignore[union-attr]
            self._page_sizes.add(e.size)  # type: ignore[union-attr]
            self._changed((_TLB_SIZES, 0))
        elif which == _PSC and e.region_size not in self._region_sizes:  # type: ignore[union-attr]
            self._region_sizes.add(e.region_size)  # type: ignore[union-attr]
            self._changed((_PSC_SIZES, 0))

    def remove(self, e: CacheFill) -> None:
        which, key, index = self._group_of(e)
        group = index.get(key)
        if group is not None and e in group:
            group.discard(e)
            self._changed((which, key))
            if not group:
                del index[key]

    def fill(self, entries: list[CacheFill] | set[CacheFill] | frozenset[CacheFill]) -> None:
        for e in entries:
            self.add(e)

    def _drop(self, which: int, index: dict[K, set[E]], pred: Callable[[E], bool]) -> None:
        for key in list(index):
            kept = {e for e in index[key] if not pred(e)}
            if len(kept) != len(index[key]):
                self._changed((which, key))
            if kept:
                index[key] = kept
            else:
                del index[key]

    # --- look-ups ---
    def contexts_for(self, sid: int) -> list[CachedContext]:
        if self.reads is not None:
            self.reads.append((_CTX, sid))
        return _ordered(self._contexts.get(sid, ()))

    def translations_for(self, sid: int, did: int | None, addr: int) -> list[CachedTranslation]:
        """IOTLB entries a request may hit: looked up by SID and page (§3.8), and, when the
        request's DID is known, by DID for a DID-tagged IOTLB; both are legal implementations."""
        reads = self.reads
        if reads is not None:
            reads.append((_TLB_SIZES, 0))
            reads.extend([(_TLB, (size, addr & ~(size - 1))) for size in self._page_sizes])
        if not self._translations:
            return []
        hits = [t for size in self._page_sizes
                for t in self._translations.get((size, addr & ~(size - 1)), ())
                if t.sid == sid or (did is not None and t.did == did)]
        return _ordered(hits)

    def paging_for(self, did: int, addr: int) -> list[CachedPagingEntry]:
        reads = self.reads
        if reads is not None:
            reads.append((_PSC_SIZES, 0))
            reads.extend([(_PSC, (did, size, addr & ~(size - 1)))
                          for size in self._region_sizes])
        if not self._paging:
            return []
        hits = [p for size in self._region_sizes
                for p in self._paging.get((did, size, addr & ~(size - 1)), ())]
        return _ordered(hits)

    def irtes_for(self, index: int) -> list[CachedIrte]:
        if self.reads is not None:
            self.reads.append((_IEC, index))
        return _ordered(self._irtes.get(index, ()))

    # --- invalidation (§6.1, §6.2, §6.3) ---
    def invalidate_contexts(self, did: int | None = None, sid: int | None = None,
                            fm: int = 0) -> None:
        """Global (no arguments), domain (did) or device (sid under function mask fm, and did)."""
        ignore = (0, 0b100, 0b110, 0b111)[fm]

        def hit(c: CachedContext) -> bool:
            if did is not None and c.did != did:
                return False
            return sid is None or (c.sid & ~ignore) == (sid & ~ignore)

        self._drop(_CTX, self._contexts, hit)

    def invalidate_iotlb(self, did: int | None = None, addr: int | None = None, am: int = 0,
                         ih: bool = False) -> None:
        """Global, domain (did) or page-selective (did, addr, am, ih) per §6.2 Table 23:
        every entry whose page overlaps the range goes; paging-structure entries too, unless IH."""
        if addr is None:
            self._drop(_TLB, self._translations, lambda t: did is None or t.did == did)
            self._drop(_PSC, self._paging, lambda p: did is None or p.did == did)
            return
        size = 1 << (12 + am)
        lo = addr & ~(size - 1)
        hi = lo + size
        self._drop(_TLB, self._translations,
                   lambda t: t.did == did and _overlaps(t.iova_base, t.size, lo, hi))
        if not ih:
            self._drop(_PSC, self._paging,
                       lambda p: p.did == did and _overlaps(p.region_base, p.region_size, lo, hi))

    def invalidate_iec(self, index: int | None = None, im: int = 0) -> None:
        if index is None:
            for key in list(self._irtes):
                self._changed((_IEC, key))
            self._irtes.clear()
            return
        lo = index & ~((1 << im) - 1)
        hi = lo + (1 << im)
        self._drop(_IEC, self._irtes, lambda i: lo <= i.index < hi)
