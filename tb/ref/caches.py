"""Micro-architectural reference of the RTL's caches: IOTLB and context-cache hit/miss,
request by request.

The golden model (``python_model``) is architectural: it cannot tell a cache that never hits
from one that works. This module predicts what the RTL's caches hold, written from the
documented intent in the RTL headers (not from their code):

``rtl/vtd_iotlb.v``
    SETS x WAYS entries tagged by SID, page size PS (0 4 KB, 1 2 MB, 2 1 GB) and VPN (address
    bits MGAW-1:12, low 9*PS bits zero). An entry of size PS lives in set
    ``VPN[9*PS + log2(SETS) - 1 : 9*PS]``; a lookup probes the three candidate sets, the
    smallest page size (then the lowest way) wins. Addresses at or above 2^MGAW never hit.
    Fill: an entry with the same SID, PS and VPN in the target set is overwritten, else the
    first invalid way, else the policy's victim. A used hit and a fill update the
    replacement state. Invalidation: global; domain (DID); page-selective: DID and the page
    overlaps ``[VPN & ~(2^AM-1), +2^AM)`` pages.
``rtl/vtd_iotlb_repl.v``
    0 true LRU (reset: way w has age w, i.e. way 0 most recent), 1 tree pseudo-LRU (WAYS-1
    bits per set in heap order, bit=0 "victim on the left", a touch points the nodes on the
    way's path away from it, reset all 0), 2 FIFO (per-set pointer, reset 0; a fill into the
    way it designates advances it), 3 LFSR-random: one 16-bit LFSR per cache (x^16 + x^14 +
    x^13 + x^11 + 1, reset ACE1h) that steps on every fill; victim = LFSR mod WAYS. The
    reference runs the same LFSR, so it predicts the victims exactly (``exact_lfsr=False``
    gives the older any-victim reference that tracks every possible content).
``rtl/vtd_iotlb_l1l2.v`` (IOTLB_IMPL=1)
    A fully associative L1 (one set of L1_ENTRIES ways, L1_REPL) in front of the
    set-associative IOTLB above as L2: the L1's match wins; a used L2 hit is copied into the
    L1; fills go into both; invalidations into both (:class:`IotlbL1L2Ref`).
``rtl/vtd_context_cache.v``
    Fully associative, looked up by SID. Fill: same SID overwritten, else the first invalid
    entry, else the entry at a round-robin pointer (reset 0), which then advances. Hits do not
    change any state. Invalidation: global; domain (DID); device (DID and SID under the
    function mask FM: 1 masks SID[2], 2 SID[2:1], 3 SID[2:0]).
``rtl/vtd_walk_cache.v``, ``vtd_walk_cache_level.v``
    Paging-structure caches, one per level 2 (PDE) .. 5 (PML5E), ENTRIES (= WC_ENTRIES) of
    WAYS per level, the IOTLB's replacement policies. Tag: DID and the VPN bits above the
    level (set index: the VPN bits just above those the level ignores). Looked up for a walk
    that starts with a context-cache hit on a TT=00 context and an address below 2^X; the
    deepest matching level is used when its ANDed R/W grant the request (a hit: the walk
    resumes below it), else the look-up is a miss. A walk fills every present non-leaf entry
    it read. Invalidation: the IOTLB's (page-selective by region overlap unless IH=1);
    context-cache invalidations leave it alone.
``rtl/vtd_request_stage.v``, ``vtd_response_arbiter.v`` (request pipeline, performance counters)
    A request whose bytes touch FEE0_0000-FEEF_FFFF, or that arrives with translation off or
    TTM/SSIRWE bad, does not reach the caches. Otherwise an IOTLB hit with the needed
    permission (and an output not touching the interrupt range) answers it (IOTLB_HITS, the
    entry is touched); anything else is an IOTLB miss (IOTLB_MISSES) and consults the context
    cache (CC_HITS / CC_MISSES). A context-cache hit with TT=10 (pass-through) answers
    without a walk; everything else walks (WALKS), reading the root and context entries
    only on a context-cache miss. The walk fills the context cache when it read a good
    context entry, the IOTLB when it produced a second-level translation and the walk cache
    with the non-leaf entries it read.

:class:`IotlbRef` and :class:`ContextCacheRef` are the two caches; :class:`UnitCacheRef`
chains them like the request pipeline, given a walk oracle (:class:`LegacyWalker` walks
tables in a :class:`python_model.memory.Memory` and counts the reads the RTL issues).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from python_model.memory import Memory, MemoryAccessError
from python_model.structures import touches_interrupt_range as intr_overlap

POLICIES: dict[str, int] = {"LRU": 0, "PLRU": 1, "FIFO": 2, "RANDOM": 3}
POLICY_NAMES: dict[int, str] = {v: k for k, v in POLICIES.items()}
PAGE_SHIFT = 12
LEVEL_BITS = 9
MAX_STATES = 50_000  # per set, for the random policy; beyond this the test stream is at fault


LFSR_RESET = 0xACE1


def lfsr_step(value: int) -> int:
    """One step of the replacement LFSR of ``rtl/vtd_iotlb_repl.v`` (x^16+x^14+x^13+x^11+1,
    shift left, the feedback of bits 15, 13, 12, 10 into bit 0)."""
    fb = (value >> 15 ^ value >> 13 ^ value >> 12 ^ value >> 10) & 1
    return ((value << 1) & 0xFFFF) | fb


class CacheMismatch(AssertionError):
    """An observation no state of the reference allows."""


class AmbiguousPrediction(RuntimeError):
    """The reference cannot predict this outcome alone (random replacement): pass the
    observed outcome so it can check consistency and narrow its state."""


def policy_code(policy: int | str) -> int:
    if isinstance(policy, str):
        name = policy.strip().upper()
        if name not in POLICIES:
            raise ValueError(f"policy {policy!r}: one of {', '.join(POLICIES)}")
        return POLICIES[name]
    if policy not in POLICY_NAMES:
        raise ValueError(f"policy {policy!r}: 0 LRU, 1 PLRU, 2 FIFO, 3 RANDOM")
    return policy


def page_bits(ps: int) -> int:
    """Bits of the page number below the page's own size (0, 9 or 18)."""
    return LEVEL_BITS * ps


# --------------------------------------------------------------------------- IOTLB


@dataclass(frozen=True, order=True)
class TlbEntry:
    """One IOTLB entry. ``vpn`` and ``frame`` are 4 KB page numbers with the low 9*ps bits
    zero."""

    sid: int
    did: int
    vpn: int
    ps: int
    frame: int = 0
    r: bool = True
    w: bool = True

    @property
    def pages(self) -> int:
        return 1 << page_bits(self.ps)

    def matches(self, sid: int, vpn: int) -> bool:
        return self.sid == sid and vpn >> page_bits(self.ps) == self.vpn >> page_bits(self.ps)

    def same_tag(self, other: TlbEntry) -> bool:
        return (self.sid, self.ps, self.vpn) == (other.sid, other.ps, other.vpn)

    def hpa(self, addr: int) -> int:
        off = (1 << (PAGE_SHIFT + page_bits(self.ps))) - 1
        return (self.frame << PAGE_SHIFT) | (addr & off)

    def allows(self, write: bool | None) -> bool:
        return True if write is None else (self.w if write else self.r)

    def short(self) -> str:
        size = ("4K", "2M", "1G")[self.ps]
        perm = ("R" if self.r else "-") + ("W" if self.w else "-")
        return f"sid={self.sid:04x}/did={self.did} {size}@{self.vpn << PAGE_SHIFT:#x} {perm}"


Ways = tuple[TlbEntry | None, ...]


@dataclass(frozen=True)
class SetState:
    """One set: its ways and its replacement state.

    ``repl`` is, per policy: LRU the recency order (most recent first, a permutation of the
    ways); PLRU the tree bits, index n-1 for node n; FIFO ``(pointer,)``; RANDOM ``()``.
    """

    ways: Ways
    repl: tuple[int, ...]


class _Policy:
    """Replacement policy of one set, as documented in vtd_iotlb_repl.v."""

    def __init__(self, code: int, ways: int) -> None:
        self.code = code
        self.ways = ways
        self.levels = ways.bit_length() - 1
        if code == POLICIES["PLRU"] and ways & (ways - 1):
            raise ValueError(f"tree pseudo-LRU needs a power-of-two WAYS (got {ways})")

    def reset(self) -> tuple[int, ...]:
        if self.code == POLICIES["LRU"]:
            return tuple(range(self.ways))  # age = way index: way 0 most recent
        if self.code == POLICIES["PLRU"]:
            return (0,) * (self.ways - 1)
        if self.code == POLICIES["FIFO"]:
            return (0,)
        return ()

    def touch(self, repl: tuple[int, ...], way: int, fill: bool) -> tuple[int, ...]:
        if self.code == POLICIES["LRU"]:
            return (way,) + tuple(w for w in repl if w != way)
        if self.code == POLICIES["PLRU"]:
            bits = list(repl)
            node = 1
            for level in range(self.levels - 1, -1, -1):
                right = way >> level & 1
                bits[node - 1] = 0 if right else 1  # point away from the touched way
                node = 2 * node + right
            return tuple(bits)
        if self.code == POLICIES["FIFO"]:
            if fill and way == repl[0]:
                return ((repl[0] + 1) % self.ways,)
            return repl
        return repl

    def victims(self, repl: tuple[int, ...]) -> tuple[int, ...]:
        """The way(s) the policy may pick when every way is valid."""
        if self.code == POLICIES["LRU"]:
            return (repl[-1],)
        if self.code == POLICIES["PLRU"]:
            node, way = 1, 0
            for _ in range(self.levels):
                bit = repl[node - 1]
                way = 2 * way + bit
                node = 2 * node + bit
            return (way,)
        if self.code == POLICIES["FIFO"]:
            return (repl[0],)
        return tuple(range(self.ways))

    @property
    def random(self) -> bool:
        return self.code == POLICIES["RANDOM"]


class IotlbRef:
    """Set-associative IOTLB of the RTL (``vtd_iotlb`` + ``vtd_iotlb_repl``).

    Each set holds the set of its possible states: exactly one for LRU, PLRU and FIFO; for
    the LFSR-random policy every victim choice is kept (states in a canonical form, since
    way positions carry no meaning there) and observations prune them.
    """

    def __init__(self, sets: int, ways: int, policy: int | str, mgaw: int = 48,
                 did_bits: int = 8, exact_lfsr: bool = True) -> None:
        if sets < 1 or sets & (sets - 1):
            raise ValueError(f"SETS={sets}: must be a power of two")
        if ways < 1:
            raise ValueError(f"WAYS={ways}: must be >= 1")
        self.sets = sets
        self.ways = ways
        self.policy = _Policy(policy_code(policy), ways)
        self.mgaw = mgaw
        self.did_mask = (1 << min(did_bits, 16)) - 1
        self.set_bits = sets.bit_length() - 1
        self.exact_lfsr = exact_lfsr
        self.reset()

    @property
    def policy_name(self) -> str:
        return POLICY_NAMES[self.policy.code]

    def reset(self) -> None:
        empty = SetState((None,) * self.ways, self.policy.reset())
        self._states: list[set[SetState]] = [{empty} for _ in range(self.sets)]
        self.lfsr = LFSR_RESET

    # ------------------------------------------------------------------ indexing

    def set_of(self, vpn: int, ps: int) -> int:
        """``VPN[9*PS + log2(SETS) - 1 : 9*PS]``."""
        return (vpn >> page_bits(ps)) & (self.sets - 1)

    def vpn_of(self, addr: int) -> int:
        return (addr >> PAGE_SHIFT) & ((1 << (self.mgaw - PAGE_SHIFT)) - 1)

    def in_range(self, addr: int) -> bool:
        return addr >> self.mgaw == 0

    # ------------------------------------------------------------------ introspection

    @property
    def deterministic(self) -> bool:
        return all(len(s) == 1 for s in self._states)

    def state(self, set_index: int) -> SetState:
        states = self._states[set_index]
        if len(states) != 1:
            raise AmbiguousPrediction(f"set {set_index} has {len(states)} possible states")
        return next(iter(states))

    def possible_states(self, set_index: int) -> frozenset[SetState]:
        return frozenset(self._states[set_index])

    def contents(self, set_index: int) -> Ways:
        return self.state(set_index).ways

    def victim(self, set_index: int) -> int:
        """The way the next fill of a new tag into this set takes."""
        ways = self.state(set_index)
        choices = self._slots(ways)
        if len(choices) != 1:
            raise AmbiguousPrediction(f"set {set_index}: any of ways {choices}")
        return choices[0]

    def entries(self) -> list[TlbEntry]:
        """Every valid entry (deterministic states only), by set and way."""
        out = []
        for s in range(self.sets):
            out += [e for e in self.contents(s) if e is not None]
        return out

    def describe(self) -> str:
        lines = []
        for s, states in enumerate(self._states):
            if len(states) == 1:
                st = next(iter(states))
                ways = ", ".join(e.short() if e else "-" for e in st.ways)
                lines.append(f"  set {s}: [{ways}] repl={st.repl}")
            else:
                lines.append(f"  set {s}: {len(states)} possible states")
                for st in sorted(states, key=_state_key)[:4]:
                    lines.append("     [" + ", ".join(e.short() if e else "-" for e in st.ways)
                                 + "]")
        return "\n".join(lines)

    # ------------------------------------------------------------------ lookup

    def _candidates(self, vpn: int) -> dict[int, list[int]]:
        """Candidate set -> the page sizes probed in it (ascending)."""
        out: dict[int, list[int]] = {}
        for ps in range(3):
            out.setdefault(self.set_of(vpn, ps), []).append(ps)
        return out

    @staticmethod
    def _first_match(st: SetState, sid: int, vpn: int, ps: int) -> int | None:
        for w, e in enumerate(st.ways):
            if e is not None and e.ps == ps and e.matches(sid, vpn):
                return w
        return None

    def _signature(self, st: SetState, sid: int, vpn: int,
                   sizes: Sequence[int]) -> tuple[TlbEntry | None, ...]:
        """Per probed page size, the entry that matches in this state (or None)."""
        sig = []
        for ps in sizes:
            w = self._first_match(st, sid, vpn, ps)
            sig.append(None if w is None else st.ways[w])
        return tuple(sig)

    def _combos(self, sid: int, addr: int) -> list[tuple[dict[int, tuple], TlbEntry | None]]:
        """Every combination of possible per-set match signatures, with the entry the
        lookup would use in it."""
        if not self.in_range(addr):
            return [({}, None)]
        vpn = self.vpn_of(addr)
        cand = self._candidates(vpn)
        states = self._states
        if all(len(states[s]) == 1 for s in cand):
            # one possible state per set (always so for LRU and PLRU): one combination, found
            # without building and ordering the sets of signatures below
            one = {s: self._signature(next(iter(states[s])), sid, vpn, sizes)
                   for s, sizes in cand.items()}
            return [(one, self._used(one, cand, vpn))]
        per_set = {s: sorted({self._signature(st, sid, vpn, sizes) for st in self._states[s]},
                             key=repr) for s, sizes in cand.items()}
        out = []
        keys = list(per_set)
        for choice in itertools.product(*(per_set[k] for k in keys)):
            sigs = dict(zip(keys, choice, strict=True))
            out.append((sigs, self._used(sigs, cand, vpn)))
        return out

    def _used(self, sigs: dict[int, tuple], cand: dict[int, list[int]],
              vpn: int) -> TlbEntry | None:
        """The entry a lookup uses given each candidate set's match signature: the smallest
        page size that matches."""
        for ps in range(3):
            s = self.set_of(vpn, ps)
            e = sigs[s][cand[s].index(ps)]
            if e is not None:
                return e
        return None

    def probe(self, sid: int, addr: int) -> TlbEntry | None:
        """The entry a lookup would use (no state change); raises when ambiguous."""
        used = {u for _, u in self._combos(sid, addr)}
        if len(used) != 1:
            raise AmbiguousPrediction(f"lookup {sid:#06x}/{addr:#x}: {len(used)} possible "
                                      "matches")
        return used.pop()

    @staticmethod
    def _usable(e: TlbEntry | None, addr: int, write: bool | None, size: int) -> bool:
        """A hit the unit uses: the permission (``write`` None: any) and an output that does
        not touch the interrupt range."""
        return e is not None and e.allows(write) and not intr_overlap(e.hpa(addr), size)

    def possible(self, sid: int, addr: int, write: bool | None = None,
                 size: int = 1) -> frozenset[bool]:
        """The possible outcomes of a lookup: True = a usable hit (with the permission,
        ``write`` None: any), False = a miss."""
        return frozenset(self._usable(u, addr, write, size) for _, u in self._combos(sid, addr))

    def lookup(self, sid: int, addr: int, write: bool | None = None, size: int = 1) -> bool:
        """Predicted hit (no state change); raises :class:`AmbiguousPrediction` if the random
        policy leaves it open."""
        outcomes = self.possible(sid, addr, write, size)
        if len(outcomes) != 1:
            raise AmbiguousPrediction(f"lookup {sid:#06x}/{addr:#x}: hit or miss")
        return next(iter(outcomes))

    def access(self, sid: int, addr: int, write: bool | None = None, size: int = 1,
               observed: bool | None = None, observed_hpa: int | None = None) -> bool:
        """A lookup by a request: on a usable hit the entry is touched. ``observed`` (the
        RTL's outcome) is checked against the possible outcomes and narrows the state; it is
        required when the outcome is ambiguous. ``observed_hpa`` (for an observed hit) narrows
        further. Returns the outcome."""
        combos = self._combos(sid, addr)
        outcomes = {self._usable(u, addr, write, size) for _, u in combos}
        if observed is None:
            if len(outcomes) != 1:
                raise AmbiguousPrediction(f"lookup {sid:#06x}/{addr:#x}: hit or miss")
            observed = next(iter(outcomes))
        keep = [(sigs, u) for sigs, u in combos if self._usable(u, addr, write, size) == observed
                and (observed_hpa is None or not observed or u is None
                     or u.hpa(addr) == observed_hpa)]
        if not keep:
            what = "hit" if observed else "miss"
            raise CacheMismatch(f"IOTLB lookup sid={sid:#06x} addr={addr:#x} "
                                f"write={write}: RTL {what}, reference allows only "
                                f"{'hit' if True in outcomes else 'miss'}")
        if len(keep) != len(combos):
            vpn = self.vpn_of(addr)
            cand = self._candidates(vpn)
            for s, sizes in cand.items():
                allowed = {sigs[s] for sigs, _ in keep}
                self._states[s] = {st for st in self._states[s]
                                   if self._signature(st, sid, vpn, sizes) in allowed}
        if observed:
            used = keep[0][1]
            assert used is not None
            s = self.set_of(self.vpn_of(addr), used.ps)
            new = set()
            for st in self._states[s]:
                w = self._first_match(st, sid, self.vpn_of(addr), used.ps)
                new.add(st if w is None else self._touch(st, w, fill=False))
            self._states[s] = new
        return observed

    # ------------------------------------------------------------------ fill

    @property
    def _lfsr_exact(self) -> bool:
        return self.policy.random and self.exact_lfsr

    def _slots(self, st: SetState) -> tuple[int, ...]:
        for w, e in enumerate(st.ways):
            if e is None:
                return (w,)  # the lowest invalid way first
        if self._lfsr_exact:
            return (self.lfsr % self.ways,)
        return self.policy.victims(st.repl)

    def _touch(self, st: SetState, way: int, fill: bool) -> SetState:
        return self._canon(SetState(st.ways, self.policy.touch(st.repl, way, fill)))

    def _canon(self, st: SetState) -> SetState:
        if not self.policy.random or self.exact_lfsr:
            return st
        valid = sorted((e for e in st.ways if e is not None), key=_entry_key)
        return SetState(tuple(valid) + (None,) * (self.ways - len(valid)), st.repl)

    def fill(self, entry: TlbEntry) -> None:
        """A walk's fill (entry.vpn/frame already aligned to the page size)."""
        if entry.vpn & ((1 << page_bits(entry.ps)) - 1):
            raise ValueError(f"fill VPN {entry.vpn:#x} not aligned to page size {entry.ps}")
        entry = replace(entry, did=entry.did & self.did_mask,
                        vpn=entry.vpn & ((1 << (self.mgaw - PAGE_SHIFT)) - 1))
        s = self.set_of(entry.vpn, entry.ps)
        new: set[SetState] = set()
        for st in self._states[s]:
            same = [w for w, e in enumerate(st.ways) if e is not None and e.same_tag(entry)]
            for w in same[:1] or self._slots(st):
                ways = list(st.ways)
                ways[w] = entry
                new.add(self._touch(SetState(tuple(ways), st.repl), w, fill=True))
        if len(new) > MAX_STATES:
            raise RuntimeError(f"set {s}: {len(new)} possible states; make the stream revisit "
                               "entries so that observations narrow them")
        self._states[s] = new
        self.lfsr = lfsr_step(self.lfsr)  # the RTL's LFSR steps on every fill

    # ------------------------------------------------------------------ invalidation

    def _drop(self, pred: Callable[[TlbEntry], bool]) -> None:
        for s in range(self.sets):
            self._states[s] = {
                self._canon(SetState(tuple(None if e is not None and pred(e) else e
                                           for e in st.ways), st.repl))
                for st in self._states[s]}

    def invalidate_global(self) -> None:
        self._drop(lambda e: True)

    def invalidate_domain(self, did: int) -> None:
        did &= self.did_mask
        self._drop(lambda e: e.did == did)

    def invalidate_page(self, did: int, addr: int, am: int) -> None:
        """Entries of ``did`` whose page overlaps the 2^am pages at ``addr`` (aligned down)."""
        did &= self.did_mask
        start = self.vpn_of(addr) & ~((1 << am) - 1)
        end = start + (1 << am)
        self._drop(lambda e: e.did == did and e.vpn < end and start < e.vpn + e.pages)

    def invalidate(self, gran: int, did: int = 0, addr: int = 0, am: int = 0) -> None:
        """IOTLB_REG.IIRG semantics: 01 global, 10 domain, 11 page; 00 nothing."""
        if gran == 1:
            self.invalidate_global()
        elif gran == 2:
            self.invalidate_domain(did)
        elif gran == 3:
            self.invalidate_page(did, addr, am)


class IotlbL1L2Ref:
    """The two-level IOTLB of ``rtl/vtd_iotlb_l1l2.v`` (IOTLB_IMPL=1): a fully associative L1
    (an :class:`IotlbRef` of one set, L1_ENTRIES ways, L1_REPL) in front of the
    set-associative L2. A look-up uses the L1's match if there is one (usable or not), else
    the L2's; a used L1 hit touches the L1, a used L2 hit touches the L2 and is copied into the
    L1 (a fill of the L1). A walk's fill goes into both; an invalidation into both.

    It offers the part of :class:`IotlbRef`'s interface that :class:`UnitCacheRef` and the
    testbench use (``access``, ``possible``, ``lookup``, ``probe``, ``fill``, ``invalidate``,
    ``describe``)."""

    def __init__(self, l1_entries: int, l1_policy: int | str, sets: int, ways: int,
                 policy: int | str, mgaw: int = 48, did_bits: int = 8) -> None:
        self.l1 = IotlbRef(1, l1_entries, l1_policy, mgaw=mgaw, did_bits=did_bits)
        self.l2 = IotlbRef(sets, ways, policy, mgaw=mgaw, did_bits=did_bits)
        self.sets, self.ways, self.policy = sets, ways, self.l2.policy

    def reset(self) -> None:
        self.l1.reset()
        self.l2.reset()

    @property
    def deterministic(self) -> bool:
        return self.l1.deterministic and self.l2.deterministic

    def probe(self, sid: int, addr: int) -> TlbEntry | None:
        e = self.l1.probe(sid, addr)
        return e if e is not None else self.l2.probe(sid, addr)

    def possible(self, sid: int, addr: int, write: bool | None = None,
                 size: int = 1) -> frozenset[bool]:
        return frozenset({IotlbRef._usable(self.probe(sid, addr), addr, write, size)})

    def lookup(self, sid: int, addr: int, write: bool | None = None, size: int = 1) -> bool:
        return next(iter(self.possible(sid, addr, write, size)))

    def access(self, sid: int, addr: int, write: bool | None = None, size: int = 1,
               observed: bool | None = None, observed_hpa: int | None = None) -> bool:
        in_l1 = self.l1.probe(sid, addr) is not None
        hit = self.lookup(sid, addr, write, size)
        if observed is not None and observed != hit:
            raise CacheMismatch(f"IOTLB (L1+L2) lookup sid={sid:#06x} addr={addr:#x} "
                                f"write={write}: RTL {'hit' if observed else 'miss'}, "
                                f"reference {'hit' if hit else 'miss'}")
        if hit:
            if in_l1:
                self.l1.access(sid, addr, write, size)
            else:
                entry = self.l2.probe(sid, addr)
                self.l2.access(sid, addr, write, size)
                assert entry is not None
                self.l1.fill(entry)  # promotion
        return hit

    def fill(self, entry: TlbEntry) -> None:
        self.l1.fill(entry)
        self.l2.fill(entry)

    def invalidate(self, gran: int, did: int = 0, addr: int = 0, am: int = 0) -> None:
        self.l1.invalidate(gran, did, addr, am)
        self.l2.invalidate(gran, did, addr, am)

    def describe(self) -> str:
        return "  L1:\n" + self.l1.describe() + "\n  L2:\n" + self.l2.describe()


def make_iotlb_set_assoc(params: dict[str, int], did_bits: int) -> IotlbRef:
    return IotlbRef(params["IOTLB_SETS"], params["IOTLB_WAYS"], params["IOTLB_REPL"],
                    mgaw=params.get("MGAW", 48), did_bits=did_bits)


def make_iotlb_l1l2(params: dict[str, int], did_bits: int) -> IotlbL1L2Ref:
    return IotlbL1L2Ref(params.get("IOTLB_L1_ENTRIES", 4), params.get("IOTLB_L1_REPL", 0),
                        params["IOTLB_SETS"], params["IOTLB_WAYS"], params["IOTLB_REPL"],
                        mgaw=params.get("MGAW", 48), did_bits=did_bits)


# IOTLB_IMPL code -> the reference of that implementation (rtl/vtd_iotlb_select.v). A new
# IOTLB implementation registers its reference here (doc/architecture.md, "Writing your own
# IOTLB"); every counter-exact test then checks it.
IOTLB_IMPLS: dict[int, Callable[[dict[str, int], int], IotlbRef | IotlbL1L2Ref]] = {
    0: make_iotlb_set_assoc,
    1: make_iotlb_l1l2,
}


def make_iotlb(params: dict[str, int], did_bits: int) -> IotlbRef | IotlbL1L2Ref:
    impl = params.get("IOTLB_IMPL", 0)
    if impl not in IOTLB_IMPLS:
        raise ValueError(f"IOTLB_IMPL={impl}: no cache reference for this implementation "
                         f"(known: {', '.join(map(str, IOTLB_IMPLS))}); register one in "
                         "tb/ref/caches.py IOTLB_IMPLS")
    return IOTLB_IMPLS[impl](params, did_bits)


def _entry_key(e: TlbEntry) -> tuple[int, ...]:
    return (e.sid, e.ps, e.vpn, e.did, e.frame, int(e.r), int(e.w))


def _state_key(st: SetState) -> tuple:
    return tuple(_entry_key(e) if e else (-1,) for e in st.ways)


# --------------------------------------------------------------------------- context cache


@dataclass(frozen=True)
class CcEntry:
    """A context-cache entry: what a walk needs from a good legacy context entry."""

    sid: int
    did: int
    tt: int = 0
    aw: int = 2
    slptptr: int = 0  # table address (bytes)
    fpd: bool = False

    def short(self) -> str:
        return f"sid={self.sid:04x}/did={self.did}{'/PT' if self.tt == 2 else ''}"


FM_MASKS = {0: 0xFFFF, 1: 0xFFFB, 2: 0xFFF9, 3: 0xFFF8}


class ContextCacheRef:
    """Fully associative context cache with round-robin replacement (vtd_context_cache)."""

    def __init__(self, entries: int, did_bits: int = 8) -> None:
        if entries < 1:
            raise ValueError(f"CC_ENTRIES={entries}: must be >= 1")
        self.size = entries
        self.did_mask = (1 << min(did_bits, 16)) - 1
        self.reset()

    def reset(self) -> None:
        self.slots: list[CcEntry | None] = [None] * self.size
        self.rr = 0

    def entry(self, sid: int) -> CcEntry | None:
        for e in self.slots:
            if e is not None and e.sid == sid:
                return e
        return None

    def lookup(self, sid: int) -> bool:
        return self.entry(sid) is not None

    def victim(self) -> int:
        """The slot a fill of a new SID takes."""
        for i, e in enumerate(self.slots):
            if e is None:
                return i
        return self.rr

    def fill(self, entry: CcEntry) -> int:
        """Returns the slot used."""
        entry = replace(entry, did=entry.did & self.did_mask)
        for i, e in enumerate(self.slots):
            if e is not None and e.sid == entry.sid:
                self.slots[i] = entry
                return i
        i = self.victim()
        if self.slots[i] is not None:
            self.rr = (self.rr + 1) % self.size
        self.slots[i] = entry
        return i

    def _drop(self, pred: Callable[[CcEntry], bool]) -> None:
        self.slots = [None if e is not None and pred(e) else e for e in self.slots]

    def invalidate_global(self) -> None:
        self._drop(lambda e: True)

    def invalidate_domain(self, did: int) -> None:
        did &= self.did_mask
        self._drop(lambda e: e.did == did)

    def invalidate_device(self, did: int, sid: int, fm: int = 0) -> None:
        did &= self.did_mask
        m = FM_MASKS[fm]
        self._drop(lambda e: e.did == did and e.sid & m == sid & m)

    def invalidate(self, gran: int, did: int = 0, sid: int = 0, fm: int = 0) -> None:
        """CCMD.CIRG semantics: 01 global, 10 domain, 11 device; 00 nothing."""
        if gran == 1:
            self.invalidate_global()
        elif gran == 2:
            self.invalidate_domain(did)
        elif gran == 3:
            self.invalidate_device(did, sid, fm)

    def describe(self) -> str:
        return ("  cc: [" + ", ".join(e.short() if e else "-" for e in self.slots)
                + f"] rr={self.rr}")

# --------------------------------------------------------------------------- walk cache


@dataclass(frozen=True)
class WcEntry:
    """One paging-structure-cache entry of a level: DID, the VPN bits above the level (low
    bits zero), the next table (byte address) and R/W ANDed from the top down to it."""

    did: int
    tag: int
    ptr: int
    r: bool = True
    w: bool = True


@dataclass(frozen=True)
class WcFill:
    """A non-leaf entry a walk read: what the walk cache of its level takes."""

    level: int
    ptr: int
    r: bool
    w: bool


@dataclass(frozen=True)
class WalkStart:
    """A usable walk-cache hit: the walk resumes at ``level - 1`` from ``ptr``."""

    level: int
    ptr: int
    r: bool
    w: bool


class WalkCacheLevelRef:
    """One level of the walk cache (vtd_walk_cache_level): set-associative, the IOTLB's
    replacement policies (rtl/vtd_iotlb_repl.v) with their own LFSR."""

    def __init__(self, level: int, entries: int, ways: int, policy: int | str,
                 mgaw: int = 48, did_bits: int = 8) -> None:
        if ways < 1 or entries < ways or entries % ways:
            raise ValueError(f"WC_ENTRIES={entries}, WC_WAYS={ways}: entries must be a "
                             "multiple of the ways")
        sets = entries // ways
        if sets & (sets - 1):
            raise ValueError(f"WC_ENTRIES/WC_WAYS={sets}: must be a power of two")
        self.level = level
        self.sets = sets
        self.ways = ways
        self.shift = LEVEL_BITS * (level - 1)
        self.policy = _Policy(policy_code(policy), ways)
        self.vpn_mask = (1 << (mgaw - PAGE_SHIFT)) - 1
        self.did_mask = (1 << min(did_bits, 16)) - 1
        self.reset()

    def reset(self) -> None:
        self.slots: list[list[WcEntry | None]] = [[None] * self.ways for _ in range(self.sets)]
        self.repl: list[tuple[int, ...]] = [self.policy.reset() for _ in range(self.sets)]
        self.lfsr = LFSR_RESET

    def tag_of(self, vpn: int) -> int:
        return vpn & self.vpn_mask & ~((1 << self.shift) - 1)

    def set_of(self, vpn: int) -> int:
        return ((vpn & self.vpn_mask) >> self.shift) & (self.sets - 1)

    def find(self, did: int, vpn: int) -> int | None:
        """The way holding (did, vpn's tag), the first one."""
        s, tag, did = self.set_of(vpn), self.tag_of(vpn), did & self.did_mask
        for w, e in enumerate(self.slots[s]):
            if e is not None and e.did == did and e.tag == tag:
                return w
        return None

    def lookup(self, did: int, vpn: int) -> WcEntry | None:
        w = self.find(did, vpn)
        return None if w is None else self.slots[self.set_of(vpn)][w]

    def touch(self, did: int, vpn: int) -> None:
        w = self.find(did, vpn)
        if w is not None:
            s = self.set_of(vpn)
            self.repl[s] = self.policy.touch(self.repl[s], w, fill=False)

    def fill(self, did: int, vpn: int, ptr: int, r: bool, w: bool) -> None:
        s = self.set_of(vpn)
        entry = WcEntry(did & self.did_mask, self.tag_of(vpn), ptr, r, w)
        way = self.find(did, vpn)
        if way is None:
            free = [i for i, e in enumerate(self.slots[s]) if e is None]
            if free:
                way = free[0]
            elif self.policy.random:
                way = self.lfsr % self.ways
            else:
                way = self.policy.victims(self.repl[s])[0]
        self.slots[s][way] = entry
        self.repl[s] = self.policy.touch(self.repl[s], way, fill=True)
        self.lfsr = lfsr_step(self.lfsr)

    def invalidate(self, gran: int, did: int = 0, vpn: int = 0, am: int = 0,
                   ih: bool = False) -> None:
        did &= self.did_mask
        if gran == 1:
            def hit(e: WcEntry) -> bool:
                return True
        elif gran == 2:
            def hit(e: WcEntry) -> bool:
                return e.did == did
        elif gran == 3 and not ih:
            keep_low = max(am, self.shift)
            mask = ~((1 << keep_low) - 1)

            def hit(e: WcEntry) -> bool:
                return e.did == did and (e.tag ^ (vpn & self.vpn_mask)) & mask == 0
        else:
            return
        for ways in self.slots:
            for i, e in enumerate(ways):
                if e is not None and hit(e):
                    ways[i] = None

    def entries(self) -> list[WcEntry]:
        return [e for ways in self.slots for e in ways if e is not None]


class WalkCacheRef:
    """The walk cache of ``rtl/vtd_walk_cache.v``: a :class:`WalkCacheLevelRef` per level
    2..top (top = 2 + the largest AW of SAGAW)."""

    def __init__(self, entries: int, ways: int, policy: int | str, top: int = 5,
                 mgaw: int = 48, did_bits: int = 8) -> None:
        self.mgaw = mgaw
        self.levels = {lv: WalkCacheLevelRef(lv, entries, ways, policy, mgaw, did_bits)
                       for lv in range(2, top + 1)}

    def reset(self) -> None:
        for lv in self.levels.values():
            lv.reset()

    def applies(self, ctx: CcEntry, addr: int) -> bool:
        """A look-up is made (and counted): TT=00, AW 1..3, address below 2^X."""
        return (ctx.tt == 0 and ctx.aw in (1, 2, 3)
                and addr >> min(self.mgaw, 30 + LEVEL_BITS * ctx.aw) == 0)

    def lookup(self, ctx: CcEntry, addr: int, write: bool) -> WalkStart | None:
        """The usable hit (the deepest matching level, if it grants the request)."""
        vpn = addr >> PAGE_SHIFT
        for level in sorted(self.levels):
            if level > ctx.aw + 2:
                break
            e = self.levels[level].lookup(ctx.did, vpn)
            if e is not None:
                if not (e.w if write else e.r):
                    return None
                return WalkStart(level, e.ptr, e.r, e.w)
        return None

    def touch(self, ctx: CcEntry, addr: int, level: int) -> None:
        self.levels[level].touch(ctx.did, addr >> PAGE_SHIFT)

    def fill(self, did: int, addr: int, fills: Iterable[WcFill]) -> None:
        for f in fills:
            if f.level in self.levels:
                self.levels[f.level].fill(did, addr >> PAGE_SHIFT, f.ptr, f.r, f.w)

    def invalidate(self, gran: int, did: int = 0, addr: int = 0, am: int = 0,
                   ih: bool = False) -> None:
        for lv in self.levels.values():
            lv.invalidate(gran, did, addr >> PAGE_SHIFT, am, ih)

    def describe(self) -> str:
        parts = []
        for level, lv in self.levels.items():
            ents = ", ".join(f"did={e.did}@{e.tag << PAGE_SHIFT:#x}->{e.ptr:#x}"
                             for e in lv.entries())
            parts.append(f"L{level}: [{ents}]")
        return "  wc: " + " ".join(parts)


# --------------------------------------------------------------------------- walks


@dataclass(frozen=True)
class WalkResult:
    """What the RTL's walker does for one request."""

    reads: int  # AXI read transactions (root, context: one burst each; one per SL level)
    ctx: CcEntry | None = None  # good context entry read from memory (context-cache fill)
    fill: TlbEntry | None = None  # second-level translation (IOTLB fill)
    fault: int | None = None  # fault reason, None on success
    hpa: int | None = None
    wc_fills: tuple[WcFill, ...] = ()  # non-leaf entries read (walk-cache fills)


class Walker(Protocol):
    """A walk oracle: ``start`` is the walk-cache hit the walk resumes from (or None)."""

    def __call__(self, sid: int, addr: int, write: bool, size: int, cc: CcEntry | None,
                 start: WalkStart | None = None) -> WalkResult: ...


class LegacyWalker:
    """Legacy-mode walk of well-formed tables in ``memory`` (as the table builder writes
    them): the outcome, the fills and the number of reads the RTL's walker issues.

    Reserved-bit checks are not modelled: entries are assumed well formed, apart from
    not-present root/context/paging entries and missing permissions, which are.
    """

    def __init__(self, memory: Memory, rta: int, haw: int = 48, mgaw: int = 48,
                 did_bits: int = 8) -> None:
        self.memory = memory
        self.rta = rta
        self.haw = haw
        self.mgaw = mgaw
        self.did_mask = (1 << min(did_bits, 16)) - 1

    def _addr(self, value: int) -> int:
        return value & ((1 << self.haw) - 1) & ~0xFFF

    def __call__(self, sid: int, addr: int, write: bool, size: int, cc: CcEntry | None,
                 start: WalkStart | None = None) -> WalkResult:
        reads = 0
        ctx = cc
        fill_ctx: CcEntry | None = None
        if ctx is None:
            reads += 1
            try:
                lo, _ = self.memory.read_u128(self.rta + 16 * (sid >> 8))
            except MemoryAccessError:
                return WalkResult(reads, fault=0x08)
            if not lo & 1:
                return WalkResult(reads, fault=0x01)
            reads += 1
            try:
                clo, chi = self.memory.read_u128(self._addr(lo) + 16 * (sid & 0xFF))
            except MemoryAccessError:
                return WalkResult(reads, fault=0x09)
            if not clo & 1:
                return WalkResult(reads, fault=0x02)
            ctx = CcEntry(sid=sid, did=(chi >> 8) & 0xFFFF & self.did_mask,
                          tt=(clo >> 2) & 3, aw=chi & 7, slptptr=self._addr(clo),
                          fpd=bool(clo >> 1 & 1))
            if ctx.tt not in (0, 2):
                return WalkResult(reads, fault=0x03)
            fill_ctx = ctx
        if ctx.tt == 2:
            if addr >> self.haw:
                return WalkResult(reads, ctx=fill_ctx, fault=0x04)
            if intr_overlap(addr, size):
                return WalkResult(reads, ctx=fill_ctx, fault=0x0E)
            return WalkResult(reads, ctx=fill_ctx, hpa=addr)
        levels = ctx.aw + 2
        if addr >> min(self.mgaw, 30 + 9 * ctx.aw):
            return WalkResult(reads, ctx=fill_ctx, fault=0x04)
        table = ctx.slptptr
        r_all = w_all = True
        first = levels
        if start is not None:  # resume below the cached entry
            table, r_all, w_all, first = start.ptr, start.r, start.w, start.level - 1
        deny = 0x05 if write else 0x06
        wc: list[WcFill] = []
        for level in range(first, 0, -1):
            shift = PAGE_SHIFT + LEVEL_BITS * (level - 1)
            reads += 1
            try:
                e = self.memory.read_u64(table + 8 * ((addr >> shift) & 0x1FF))
            except MemoryAccessError:
                return WalkResult(reads, ctx=fill_ctx, fault=0x03 if level == levels else 0x07,
                                  wc_fills=tuple(wc))
            r, w = bool(e & 1), bool(e & 2)
            leaf = level == 1 or (level in (2, 3) and bool(e >> 7 & 1))
            if (r or w) and not leaf:
                wc.append(WcFill(level, self._addr(e), r_all and r, w_all and w))
            if not (r or w) or not (w if write else r):
                return WalkResult(reads, ctx=fill_ctx, fault=deny, wc_fills=tuple(wc))
            r_all, w_all = r_all and r, w_all and w
            if leaf:
                ps = level - 1
                off = (1 << shift) - 1
                hpa = (self._addr(e) & ~off) | (addr & off)
                if intr_overlap(hpa, size):
                    return WalkResult(reads, ctx=fill_ctx, fault=0x0E, wc_fills=tuple(wc))
                vpn = (addr >> PAGE_SHIFT) & ((1 << (self.mgaw - PAGE_SHIFT)) - 1)
                vpn &= ~((1 << page_bits(ps)) - 1)
                frame = (self._addr(e) & ~off) >> PAGE_SHIFT
                entry = TlbEntry(sid, ctx.did, vpn, ps, frame, r_all, w_all)
                return WalkResult(reads, ctx=fill_ctx, fill=entry, hpa=hpa, wc_fills=tuple(wc))
            table = self._addr(e)
        raise AssertionError("unreachable")


# --------------------------------------------------------------------------- the unit


@dataclass(frozen=True)
class Outcome:
    """One request as the performance counters and the response show it."""

    lookup: bool  # reached the caches
    iotlb_hit: bool = False
    cc_hit: bool | None = None  # None: the context cache was not consulted
    walked: bool = False
    wc_hit: bool | None = None  # None: no walk-cache look-up
    reads: int = 0
    fault: int | None = None
    hpa: int | None = None  # None: unknown (stale cached state); ignored when fault

    def deltas(self) -> dict[str, int]:
        """Expected increments of the performance counters (regmap names)."""
        return {
            "PERF_IOTLB_HITS": int(self.lookup and self.iotlb_hit),
            "PERF_IOTLB_MISSES": int(self.lookup and not self.iotlb_hit),
            "PERF_CC_HITS": int(self.cc_hit is True),
            "PERF_CC_MISSES": int(self.cc_hit is False),
            "PERF_WALKS": int(self.walked),
            "PERF_WALK_READS": self.reads,
            "PERF_WC_HITS": int(self.wc_hit is True),
            "PERF_WC_MISSES": int(self.wc_hit is False),
        }

    def short(self) -> str:
        if not self.lookup:
            return "no lookup"
        parts = ["TLB hit" if self.iotlb_hit else "TLB miss"]
        if self.cc_hit is not None:
            parts.append("CC hit" if self.cc_hit else "CC miss")
        if self.wc_hit is not None:
            parts.append("WC hit" if self.wc_hit else "WC miss")
        if self.walked:
            parts.append(f"walk({self.reads} reads)")
        return ", ".join(parts)


@dataclass
class UnitCacheRef:
    """The RTL's caches behind its request pipeline (vtd_request_stage.v,
    vtd_response_arbiter.v): which cache answers
    a request, what it increments, what the walk fills, and register-based invalidation."""

    iotlb: IotlbRef | IotlbL1L2Ref
    cc: ContextCacheRef
    psi: bool = True
    mamv: int = 18
    haw: int = 48
    translation_enabled: bool = True
    wc: WalkCacheRef | None = None
    history: list[str] = field(default_factory=list)
    # False: counter predictions only (no history lines, no output address for an IOTLB hit)
    detailed: bool = True

    @classmethod
    def from_params(cls, params: dict[str, int]) -> UnitCacheRef:
        """From the RTL's parameter names (tb.config.rtl_parameters)."""
        did_bits = 4 + 2 * params.get("ND", 2)
        mgaw = params.get("MGAW", 48)
        wc = None
        if params.get("WC_ENTRIES", 0) > 0:
            sagaw = params.get("SAGAW", 6)
            top = 5 if sagaw & 8 else 4 if sagaw & 4 else 3
            wc = WalkCacheRef(params["WC_ENTRIES"], params.get("WC_WAYS", 4),
                              params.get("WC_REPL", 0), top=top, mgaw=mgaw, did_bits=did_bits)
        return cls(make_iotlb(params, did_bits),
                   ContextCacheRef(params["CC_ENTRIES"], did_bits=did_bits),
                   psi=bool(params.get("PSI", 1)), mamv=params.get("MAMV", 18),
                   haw=params.get("HAW", 48), wc=wc)

    def predict_iotlb(self, sid: int, addr: int, write: bool, size: int = 1) -> frozenset[bool]:
        return self.iotlb.possible(sid, addr, write, size)

    def request(self, sid: int, addr: int, write: bool, size: int, walker: Walker,
                iotlb_hit: bool | None = None, hpa: int | None = None) -> Outcome:
        """Apply one request (sent alone: nothing else in flight). ``iotlb_hit``/``hpa``: the
        RTL's observed outcome, needed only where the random policy leaves it open (it is
        checked: :class:`CacheMismatch` when impossible)."""
        if intr_overlap(addr, size):
            return self._log(sid, addr, write, Outcome(lookup=False, fault=0x29))
        if not self.translation_enabled:
            return self._log(sid, addr, write, Outcome(lookup=False, hpa=addr))
        hit = self.iotlb.access(sid, addr, write, size, observed=iotlb_hit,
                                observed_hpa=hpa if iotlb_hit else None)
        if hit:
            if not self.detailed:
                return Outcome(lookup=True, iotlb_hit=True, hpa=hpa)
            entry = None
            try:
                entry = self.iotlb.probe(sid, addr)
            except AmbiguousPrediction:
                pass
            out = Outcome(lookup=True, iotlb_hit=True,
                          hpa=entry.hpa(addr) if entry is not None else hpa)
            return self._log(sid, addr, write, out)
        ctx = self.cc.entry(sid)
        if ctx is not None and ctx.tt == 2:
            fault = 0x04 if addr >> self.haw else None  # pass-through: output = input
            out = Outcome(lookup=True, cc_hit=True, fault=fault, hpa=addr)
            return self._log(sid, addr, write, out)
        wc_hit: bool | None = None
        start: WalkStart | None = None
        if self.wc is not None and ctx is not None and self.wc.applies(ctx, addr):
            start = self.wc.lookup(ctx, addr, write)
            wc_hit = start is not None
            if start is not None:
                self.wc.touch(ctx, addr, start.level)
        res = walker(sid, addr, write, size, ctx, start)
        if res.ctx is not None:
            self.cc.fill(res.ctx)
        if res.fill is not None:
            self.iotlb.fill(res.fill)
        walk_ctx = ctx or res.ctx  # the walker's DID: cached or just read
        if self.wc is not None and res.wc_fills and walk_ctx is not None:
            self.wc.fill(walk_ctx.did, addr, res.wc_fills)
        out = Outcome(lookup=True, cc_hit=ctx is not None, walked=True, wc_hit=wc_hit,
                      reads=res.reads, fault=res.fault, hpa=res.hpa)
        return self._log(sid, addr, write, out)

    # register-based invalidation -------------------------------------------------------

    def iotlb_register_invalidation(self, iirg: int, did: int = 0, addr: int = 0,
                                    am: int = 0, ih: bool = False) -> int:
        """IOTLB_REG/IVA; returns the IAIG hardware reports (P12: 00 and nothing done for a
        page-selective request with PSI=0 or AM > MAMV)."""
        if iirg == 3 and (not self.psi or am > self.mamv):
            iirg = 0
        self.invalidate_iotlb(iirg, did, addr, am, ih)
        self.history.append(f"IOTLB inv IIRG={iirg:02b} did={did} addr={addr:#x} am={am} "
                            f"ih={int(ih)}")
        return iirg

    def invalidate_iotlb(self, gran: int, did: int = 0, addr: int = 0, am: int = 0,
                         ih: bool = False) -> None:
        """The IOTLB and the walk cache, as the unit invalidates them in one cycle
        (§6.2: IH=1 keeps the paging-structure entries of a page-selective request)."""
        self.iotlb.invalidate(gran, did, addr, am)
        if self.wc is not None:
            self.wc.invalidate(gran, did, addr, am, ih)

    def cc_register_invalidation(self, cirg: int, did: int = 0, sid: int = 0,
                                 fm: int = 0) -> int:
        self.cc.invalidate(cirg, did, sid, fm)
        self.history.append(f"CC inv CIRG={cirg:02b} did={did} sid={sid:#06x} fm={fm}")
        return cirg

    def _log(self, sid: int, addr: int, write: bool, out: Outcome) -> Outcome:
        if not self.detailed:
            return out
        self.history.append(f"{'W' if write else 'R'} sid={sid:04x} addr={addr:#x}: "
                            f"{out.short()}")
        return out

    def describe(self) -> str:
        text = self.iotlb.describe() + "\n" + self.cc.describe()
        if self.wc is not None:
            text += "\n" + self.wc.describe()
        return text


def run_pattern(iotlb: IotlbRef, names: Iterable[str], sid: int = 0x100, did: int = 1,
                stride_pages: int = 0) -> list[bool]:
    """Hand-worked access patterns: each name is a 4 KB page (A, B, ...) of one set (page
    number = letter index * ``stride_pages``, default SETS, so all land in set 0); a miss
    fills. Returns the hit/miss sequence."""
    stride = stride_pages or iotlb.sets
    out = []
    for name in names:
        vpn = (ord(name) - ord("A")) * stride
        addr = vpn << PAGE_SHIFT
        hit = iotlb.access(sid, addr)
        if not hit:
            iotlb.fill(TlbEntry(sid, did, vpn, 0, vpn))
        out.append(hit)
    return out
