"""Legacy-mode DMA translation (doc/vtd-rules.md §3), producing every permitted outcome.

The first outcome is the fresh one: a walk of the tables as they are in memory now, with the
check order of §3.2 and decision P3. The others come from entries hardware may still have
cached (``cachestate``): a context-cache entry, an IOTLB entry, or a paging-structure-cache
entry followed by a fresh walk below it. Under CM=0 a cached entry is used only when it grants
the access (software need not invalidate after raising permissions, §6.6), so a stale entry
never produces a permission fault by itself; faults reached through fresh reads below a stale
entry are permitted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from python_model.cachestate import (
    CachedContext,
    CachedPagingEntry,
    CachedTranslation,
    CacheFill,
    CacheState,
)
from python_model.config import UnitConfig
from python_model.memory import Memory, MemoryAccessError
from python_model.outcomes import DmaOutcome, FaultInfo
from python_model.structures import (
    AW_TO_AGAW,
    LEVEL_SHIFT,
    PAGE_SIZE_OF_LEAF_LEVEL,
    TT_PASSTHROUGH,
    ContextEntry,
    RootEntry,
    mask,
    sl_frame,
    sl_is_leaf,
    sl_reserved_set,
    table_index,
    touches_interrupt_range,
)

# Fault reasons (§3.3).
FR_ROOT_NOT_PRESENT = 0x01
FR_CTX_NOT_PRESENT = 0x02
FR_CTX_PROGRAMMING = 0x03
FR_ADDR_WIDTH = 0x04
FR_WRITE = 0x05
FR_READ = 0x06
FR_SL_FETCH = 0x07
FR_ROOT_FETCH = 0x08
FR_CTX_FETCH = 0x09
FR_ROOT_RESERVED = 0x0A
FR_CTX_RESERVED = 0x0B
FR_SL_RESERVED = 0x0C
FR_OUTPUT_INTR = 0x0E
FR_INTR_RANGE = 0x29
FR_BAD_RTADDR = 0x30

# Qualified by FPD (§3.3 table, decision P6 for 0Bh).
QUALIFIED = {0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0B, 0x0C, 0x0D, 0x0E}


@dataclass(frozen=True)
class RootPointer:
    """RTADDR as latched by SRTP (§1.5)."""

    rta: int = 0
    ttm: int = 0
    ssirwe: int = 0


@dataclass
class Candidate:
    outcome: DmaOutcome
    fills: list[CacheFill] = field(default_factory=list)


class DmaTranslator:
    """Computes the permitted outcomes of a request. The answer is a function of the request,
    TE, the root pointer, the memory (contents and error ranges) and the cache-state groups the
    computation looked up; it is kept while the memory's version and those groups' stamps
    (``CacheState.stamps``) stay the same, so a request asked about at issue and again at its
    response is computed once when nothing it depends on changed in between.

    The answer is kept per 4 KiB page, not per address: a request lies inside one page, and
    every step of the computation (the interrupt-range checks, the address-width check, the
    table indices, the cache look-ups, the fault's FI, what may be cached) depends on the
    address only through its page, while a translation's output is the output page plus the
    request's offset. A request to another offset of a kept page gets the kept answer with its
    outputs moved to its own offset (``tests/test_model_stale.py`` compares every kept answer
    with a computation from scratch)."""

    MEMO_LIMIT = 1 << 16  # kept answers; beyond it the memo starts again

    def __init__(self, cfg: UnitConfig, memory: Memory, caches: CacheState) -> None:
        self.cfg = cfg
        self.memory = memory
        self.caches = caches
        # (sid, page, write, te, root) -> (answer, the cache groups it read, their stamps then
        # (None: never changed), the page offset of the request it was computed for)
        self._memo: dict[tuple[int, int, bool, bool, RootPointer],
                         tuple[list[Candidate], tuple[tuple[int, object], ...],
                               list[int | None], int]] = {}
        self._memo_memory = -1
        self._contexts: dict[tuple[int, RootPointer], CachedContext | tuple[int, bool]] = {}
        # (entry, level) -> (reserved bits set, leaf, frame or next table): a pure function
        # of the entry, the level and the configuration, looked up on every walk step
        self._decoded: dict[tuple[int, int], tuple[bool, bool, int]] = {}
        self.memo_hits = 0

    # --- entry point ---
    def candidates(self, sid: int, addr: int, write: bool, size: int, te: bool,
                   root: RootPointer) -> list[Candidate]:
        """All permitted outcomes, the fresh one first, each with what it lets hardware cache.
        Every call returns new :class:`Candidate` objects (callers may change them)."""
        memo = self._memo
        if self.memory.version != self._memo_memory or len(memo) >= self.MEMO_LIMIT:
            memo.clear()
            self._contexts.clear()
            self._memo_memory = self.memory.version
        key = (sid, addr >> 12, write, te, root)
        kept = memo.get(key)
        caches = self.caches
        stamps = caches.stamps
        offset = addr & 0xFFF
        if kept is not None and list(map(stamps.get, kept[1])) == kept[2]:
            self.memo_hits += 1
            found, _, _, kept_offset = kept
            if kept_offset != offset:  # the same page at another offset: move the outputs
                move = offset - kept_offset
                return [Candidate(DmaOutcome(True, c.outcome.hpa + move) if c.outcome.ok
                                  else c.outcome, list(c.fills)) for c in found]
        else:
            reads: list[tuple[int, object]] = []
            caches.reads = reads
            try:
                found = self._compute(sid, addr, write, size, te, root)
            finally:
                caches.reads = None
            groups = tuple(set(reads))
            memo[key] = (found, groups, list(map(stamps.get, groups)), offset)
        return [Candidate(c.outcome, list(c.fills)) for c in found]

    def fresh_outcome(self, sid: int, addr: int, write: bool, size: int, te: bool,
                      root: RootPointer) -> DmaOutcome:
        """The fresh outcome alone, ``candidates(...)[0].outcome``: the tables as they are in
        memory now, whatever the caches hold (for checkers of streams whose tables never
        change, where no cached entry can be stale)."""
        if self.memory.version != self._memo_memory:  # the tables changed: forget contexts
            self._memo.clear()
            self._contexts.clear()
            self._memo_memory = self.memory.version
        req = _Request(sid, addr, write, size)
        if touches_interrupt_range(addr, size):
            return req.fault(FR_INTR_RANGE)
        if not te:
            return DmaOutcome(True, addr)
        if root.ttm != 0 or root.ssirwe:
            return req.fault(FR_BAD_RTADDR)
        fresh = self._fresh_context(req, root)
        if isinstance(fresh, Candidate):
            return fresh.outcome
        return self._under_context(req, fresh, None)[0].outcome  # no fills to build

    def _compute(self, sid: int, addr: int, write: bool, size: int, te: bool,
                 root: RootPointer) -> list[Candidate]:
        req = _Request(sid, addr, write, size)
        if touches_interrupt_range(addr, size):
            return [Candidate(req.fault(FR_INTR_RANGE))]  # P14
        if not te:
            return [Candidate(DmaOutcome(True, addr))]  # §3.1: no remapping
        if root.ttm != 0 or root.ssirwe:
            return [Candidate(req.fault(FR_BAD_RTADDR))]  # §3.2 step 1 (SMTS=ADMS=0)
        found: list[Candidate] = []
        fresh = self._fresh_context(req, root)
        if isinstance(fresh, Candidate):
            found.append(fresh)
        else:
            found += self._with_context(req, fresh, [fresh])
        for cached in self.caches.contexts_for(sid):
            if cached != fresh:  # the fresh context's outcomes are already there
                found += self._with_context(req, cached, [])
        # §3.8: the IOTLB is looked up by SID and page before the context cache, and §6.1 lets
        # its entries live until the IOTLB invalidation that follows a context change; so an
        # entry of this SID may answer whatever the context path gives now.
        found += self._iotlb_hits(req, None, False, [])
        return _merge(found)

    # --- §3.2 steps 2-7 ---
    def _fresh_context(self, req: _Request, root: RootPointer) -> CachedContext | Candidate:
        """The context entry for the request's SID as it is in memory now, or the fault. The
        decoded entry (or fault reason and FPD) is kept per (SID, root pointer) while the
        memory's version stays the same (``candidates`` clears it)."""
        key = (req.sid, root)
        found = self._contexts.get(key)
        if found is None:
            found = self._contexts[key] = self._read_context(req.sid, root)
        if isinstance(found, CachedContext):
            return found
        return Candidate(req.fault(*found))

    def _read_context(self, sid: int, root: RootPointer) -> CachedContext | tuple[int, bool]:
        cfg = self.cfg
        rta = root.rta & mask(cfg.HAW - 1, 12)
        try:
            lo, hi = self.memory.read_u128(rta + (sid >> 8) * 16)
        except MemoryAccessError:
            return FR_ROOT_FETCH, False
        re = RootEntry(lo, hi)
        if not re.present:
            return FR_ROOT_NOT_PRESENT, False
        if re.reserved_set(cfg):
            return FR_ROOT_RESERVED, False
        try:
            lo, hi = self.memory.read_u128(re.ctp + (sid & 0xFF) * 16)
        except MemoryAccessError:
            return FR_CTX_FETCH, False
        ce = ContextEntry(lo, hi)
        if not ce.present:
            return FR_CTX_NOT_PRESENT, ce.fpd
        if ce.reserved_set(cfg):
            return FR_CTX_RESERVED, ce.fpd
        if ce.programming_error(cfg):
            return FR_CTX_PROGRAMMING, ce.fpd
        return CachedContext(sid, ce.did, ce.tt, ce.aw, ce.slptptr & mask(cfg.HAW - 1, 12),
                             ce.fpd)

    # --- §3.2 steps 9-14 under one context ---
    def _with_context(self, req: _Request, ctx: CachedContext,
                      fills: list[CacheFill]) -> list[Candidate]:
        first, levels = self._under_context(req, ctx, fills)
        if not levels:
            return [first]
        found = [first]
        found += self._iotlb_hits(req, ctx.did, ctx.fpd, fills)
        walked = first.fills
        for p in self.caches.paging_for(ctx.did, req.addr):
            # An entry the walk above read itself (same table, same rights) leads to that
            # walk's outcome with a part of its fills: it adds nothing to the merged set.
            if 2 <= p.level <= levels and req.granted(p.read, p.write) and p not in walked:
                found.append(self._walk(req, ctx, p.level - 1, p.next_table, p.read, p.write,
                                        False, list(fills)))
        return found

    def _under_context(self, req: _Request, ctx: CachedContext,
                       fills: list[CacheFill] | None) -> tuple[Candidate, int]:
        """The fresh outcome under ``ctx`` (pass-through, the address-width check, a walk of
        the tables in memory) and the levels of the walk (0: no walk). ``fills`` None: the
        outcome alone is wanted, the candidate's fills stay empty."""
        cfg = self.cfg
        kept = [] if fills is None else fills
        if ctx.tt == TT_PASSTHROUGH:
            if req.addr >= 1 << cfg.HAW:
                return Candidate(req.fault(FR_ADDR_WIDTH, ctx.fpd), kept), 0
            return Candidate(req.output(req.addr, ctx.fpd), kept), 0
        width = min(cfg.MGAW, AW_TO_AGAW[ctx.aw])
        if req.addr >= 1 << width:
            return Candidate(req.fault(FR_ADDR_WIDTH, ctx.fpd), kept), 0
        levels = ctx.aw + 2
        return self._walk(req, ctx, levels, ctx.slptptr, True, True, True,
                          None if fills is None else list(fills)), levels

    def _iotlb_hits(self, req: _Request, did: int | None, fpd: bool,
                    fills: list[CacheFill]) -> list[Candidate]:
        """Cached translations usable for this request (by SID, or by DID when given). Under
        CM=0 a cached entry is used only when it grants the access and yields a usable output;
        otherwise hardware walks again (§6.6), so it never produces a fault by itself."""
        found = []
        for t in self.caches.translations_for(req.sid, did, req.addr):
            hpa = t.frame | (req.addr - t.iova_base)
            if req.granted(t.read, t.write) and req.output(hpa, fpd).ok:
                found.append(Candidate(DmaOutcome(True, hpa), list(fills)))
        return found

    def _decode(self, entry: int, level: int) -> tuple[bool, bool, int]:
        """A present second-level entry at ``level``: reserved bits set (P3 (2)), leaf, and
        its frame (leaf) or next table (kept per (entry, level), see ``_decoded``)."""
        decoded = self._decoded
        if len(decoded) >= self.MEMO_LIMIT:
            decoded.clear()
        found = decoded[entry, level] = (sl_reserved_set(entry, level, self.cfg),
                                         sl_is_leaf(entry, level),
                                         sl_frame(entry, level, self.cfg))
        return found

    def _walk(self, req: _Request, ctx: CachedContext, level: int, table: int, r: bool,
              w: bool, top: bool, fills: list[CacheFill] | None) -> Candidate:
        """The walk from ``table`` at ``level`` down; ``fills`` None: build no fills (the
        candidate's stay empty)."""
        build = fills is not None
        kept: list[CacheFill] = fills if fills is not None else []
        read_u64 = self.memory.read_u64
        decoded = self._decoded
        addr = req.addr
        while True:
            try:
                entry = read_u64(table + 8 * table_index(addr, level))
            except MemoryAccessError:
                return Candidate(req.fault(FR_CTX_PROGRAMMING if top else FR_SL_FETCH, ctx.fpd),
                                 kept)
            top = False
            er, ew = bool(entry & 1), bool(entry & 2)
            if not (er or ew):  # P3 (1): not present
                return Candidate(req.fault(req.permission_reason, ctx.fpd), kept)
            reserved, leaf, frame = decoded.get((entry, level)) or self._decode(entry, level)
            if reserved:  # P3 (2)
                return Candidate(req.fault(FR_SL_RESERVED, ctx.fpd), kept)
            r, w = r and er, w and ew
            if not leaf and build:
                # cacheable in the paging-structure cache whatever this request needs
                region = 1 << LEVEL_SHIFT[level]
                kept.append(CachedPagingEntry(ctx.did, level, addr & ~(region - 1), region,
                                              frame, r, w))
            if not req.granted(er, ew):  # P3 (3)
                return Candidate(req.fault(req.permission_reason, ctx.fpd), kept)
            if leaf:
                page = PAGE_SIZE_OF_LEAF_LEVEL[level]
                outcome = req.output(frame | (addr & (page - 1)), ctx.fpd)
                if outcome.ok and build:  # §3.2 step 15: only successes are cached
                    kept.append(CachedTranslation(ctx.did, req.sid, addr & ~(page - 1), page,
                                                  frame, r, w))
                return Candidate(outcome, kept)
            table = frame
            level -= 1


class _Request(NamedTuple):
    sid: int
    addr: int
    write: bool
    size: int

    @property
    def permission_reason(self) -> int:
        return FR_WRITE if self.write else FR_READ

    def granted(self, r: bool, w: bool) -> bool:
        return w if self.write else r

    def fault(self, reason: int, fpd: bool = False) -> DmaOutcome:
        info = FaultInfo(reason=reason, sid=self.sid, fi=self.addr & mask(63, 12),
                         write=self.write, qualified=reason in QUALIFIED, fpd=fpd)
        return DmaOutcome(False, fault=info)

    def output(self, hpa: int, fpd: bool) -> DmaOutcome:
        if touches_interrupt_range(hpa, self.size):  # §3.2 step 14, P13
            return self.fault(FR_OUTPUT_INTR, fpd)
        return DmaOutcome(True, hpa)


def _merge(found: list[Candidate]) -> list[Candidate]:
    """One candidate per distinct outcome, first occurrence first, fills united."""
    if len(found) == 1:
        return found
    merged: dict[DmaOutcome, Candidate] = {}
    for c in found:
        if c.outcome in merged:
            merged[c.outcome].fills.extend(c.fills)
        else:
            merged[c.outcome] = Candidate(c.outcome, list(c.fills))
    return list(merged.values())
