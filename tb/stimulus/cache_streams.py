"""Tables and request streams for the cache-policy tests (``tb/test_cache_policy.py``).

Pure Python (no simulator): the unit tests run the same streams through reference variants
to show that they tell the policies (and planted bugs) apart.

:class:`Layout` builds, with the table builder, the same IOVA layout in three domains (4 KB,
2 MB and 1 GB pages, some read-only, some holes), a pass-through device and two broken
devices. The streams are lists of operations: :class:`Req` (one DMA request, sent alone),
:class:`IotlbInv` / :class:`CcInv` (register-based invalidation), :class:`TableOp` (a table
change made without invalidation, to reach same-tag refills and stale multi-size matches).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from python_model.config import UnitConfig
from python_model.memory import Memory
from python_model.structures import INTR_LO
from tb.ref.caches import LegacyWalker, UnitCacheRef
from tb.software.tables import SIZE_1G, SIZE_2M, SIZE_4K, Domain, TableBuilder

# ---------------------------------------------------------------------------- operations


@dataclass(frozen=True)
class Req:
    sid: int
    addr: int
    write: bool = False
    size: int = 8
    note: str = ""

    def __str__(self) -> str:
        return (f"{'W' if self.write else 'R'} sid={self.sid:04x} addr={self.addr:#x}"
                f"{' (' + self.note + ')' if self.note else ''}")


@dataclass(frozen=True)
class IotlbInv:
    """IVA + IOTLB_REG: IIRG 1 global, 2 domain, 3 page (AM may exceed MAMV on purpose;
    IH=1 keeps the walk cache's entries)."""

    gran: int
    did: int = 0
    addr: int = 0
    am: int = 0
    ih: bool = False

    def __str__(self) -> str:
        what = {1: "global", 2: f"domain {self.did}",
                3: f"page did={self.did} addr={self.addr:#x} am={self.am}"
                   f"{' ih' if self.ih else ''}"}[self.gran]
        return f"IOTLB invalidation {what}"


@dataclass(frozen=True)
class CcInv:
    """CCMD: CIRG 1 global, 2 domain, 3 device (SID under FM, and DID)."""

    gran: int
    did: int = 0
    sid: int = 0
    fm: int = 0

    def __str__(self) -> str:
        what = {1: "global", 2: f"domain {self.did}",
                3: f"device did={self.did} sid={self.sid:04x} fm={self.fm}"}[self.gran]
        return f"CC invalidation {what}"


@dataclass(frozen=True)
class TableOp:
    """A table change without invalidation: ``upgrade`` makes the 4 KB page at ``addr`` of
    domain ``did`` writable; ``split`` remaps the 2 MB page at ``addr`` as 4 KB pages (R/W,
    other frames)."""

    kind: str
    did: int
    addr: int

    def __str__(self) -> str:
        return f"table change: {self.kind} did={self.did} addr={self.addr:#x}"


Op = Req | IotlbInv | CcInv | TableOp

# ---------------------------------------------------------------------------- layout

PT_SID = 0x0104  # 01:00.4, pass-through, DID 4 (same bus and FM group as 01:00.0)
PT_DID = 4
BAD_CTX_SID = 0x0102  # 01:00.2, context entry not present (02h)
NO_ROOT_SID = 0x0700  # bus 7 has no root entry (01h)
DOMAIN_SIDS: dict[int, tuple[int, ...]] = {1: (0x0100, 0x0101), 2: (0x0108, 0x0200),
                                            3: (0x0300,)}
SIDS: tuple[int, ...] = tuple(s for sids in DOMAIN_SIDS.values() for s in sids)
DID_OF: dict[int, int] = {s: d for d, sids in DOMAIN_SIDS.items() for s in sids}
# More devices of domain 3, used to put pressure on large context caches.
CC_EXTRA_SIDS: tuple[int, ...] = (0x0301, 0x0302, 0x0303, 0x0310, 0x0311, 0x0312, 0x0320,
                                  0x0321, 0x0322)
CC_DID_OF: dict[int, int] = {**DID_OF, **{s: 3 for s in CC_EXTRA_SIDS}, PT_SID: PT_DID}

RW_4K = 40  # 4 KB pages 0..39 at IOVA k*4K are R/W, 40..47 read-only
N_4K = 48
REGION2 = 0x60_0000  # 8 more 4 KB pages (another page table), R/W
N_REGION2 = 8
BASE_2M = 0x4000_0000  # 2 MB pages j=0..11 R/W, 12..15 read-only
RW_2M = 12
N_2M = 16
BASE_1G_INDEX = 16  # 1 GB pages at (16+k) GB, k=0..6 R/W, k=7 read-only
N_1G = 8
HOLE_PD = 0x40_0000  # unmapped 2 MB region (no page table): fault after 3 reads
HOLE_PTE = (N_4K + 8) * SIZE_4K  # unmapped 4 KB slot in the first page table: 4 reads


def hpa_base(did: int) -> int:
    return did << 36


@dataclass(frozen=True)
class Page:
    """One mapped page: its IOVA, size class (0/1/2) and whether it is writable."""

    iova: int
    ps: int
    writable: bool

    @property
    def size(self) -> int:
        return SIZE_4K << (9 * self.ps)


def page_list() -> list[Page]:
    pages = [Page(k * SIZE_4K, 0, k < RW_4K) for k in range(N_4K)]
    pages += [Page(REGION2 + k * SIZE_4K, 0, True) for k in range(N_REGION2)]
    pages += [Page(BASE_2M + j * SIZE_2M, 1, j < RW_2M) for j in range(N_2M)]
    pages += [Page((BASE_1G_INDEX + k) * SIZE_1G, 2, k < N_1G - 1) for k in range(N_1G)]
    return pages


def unit_config(params: dict[str, int]) -> UnitConfig:
    """The table builder's configuration for RTL parameters (missing ones at the defaults)."""
    return UnitConfig(HAW=params.get("HAW", 48), MGAW=params.get("MGAW", 48),
                      SAGAW=params.get("SAGAW", 0b0110), SLLPS=params.get("SLLPS", 0b11),
                      ND=params.get("ND", 2), PSI=params.get("PSI", 1),
                      MAMV=params.get("MAMV", 18), PT=params.get("PT", 1),
                      QI=params.get("QI", 1), IR=params.get("IR", 1), EIM=params.get("EIM", 1),
                      MHMV=params.get("MHMV", 15))


class Layout:
    """The tables: domains 1..3 with the same IOVA layout (frames differ per domain)."""

    def __init__(self, params: dict[str, int]) -> None:
        self.params = params
        self.config = unit_config(params)
        if self.config.SLLPS != 0b11:
            raise ValueError("the cache-policy streams need 2 MB and 1 GB pages (SLLPS=0b11)")
        self.memory = Memory()
        self.builder = TableBuilder(self.memory, self.config)
        self.pages = page_list()
        self.domains: dict[int, Domain] = {}
        for did, sids in DOMAIN_SIDS.items():
            dom = self.builder.create_domain(did=did)
            self.domains[did] = dom
            for p in self.pages:
                dom.map(p.iova, hpa_base(did) + p.iova, p.size, read=True, write=p.writable,
                        page_size=p.size)
            for sid in sids + (CC_EXTRA_SIDS if did == 3 else ()):
                self.builder.assign_device(sid, dom)
        self.builder.assign_passthrough(PT_SID, PT_DID)
        self.builder.unassign_device(BAD_CTX_SID)  # bus 1's table exists; this entry P=0
        self.setup_steps = self.builder.program_root_table() + self.builder.enable_translation()

    @property
    def rta(self) -> int:
        return self.builder.root_table_addr

    def walker(self) -> LegacyWalker:
        return LegacyWalker(self.memory, self.rta, haw=self.config.HAW, mgaw=self.config.MGAW,
                            did_bits=self.config.domain_id_bits)

    def reference(self) -> UnitCacheRef:
        return UnitCacheRef.from_params(self.params)

    def apply(self, op: TableOp) -> None:
        dom = self.domains[op.did]
        if op.kind == "upgrade":
            dom.map(op.addr, hpa_base(op.did) + op.addr, SIZE_4K, read=True, write=True,
                    page_size=SIZE_4K, replace=True)
        elif op.kind == "split":
            dom.map(op.addr, hpa_base(op.did) + 0x8_0000_0000 + op.addr, SIZE_2M, read=True,
                    write=True, page_size=SIZE_4K, replace=True)
        else:
            raise ValueError(f"unknown table change {op.kind!r}")


# ---------------------------------------------------------------------------- shapes

# The cache shapes the RTL tests build (one build per simulator each). "random2x4" and
# "default" equal tb.config's "random" and "default" presets, so a regression shares them.
SHAPES: dict[str, dict[str, object]] = {
    "lru1x4": {"IOTLB_SETS": 1, "IOTLB_WAYS": 4, "IOTLB_REPL": "LRU", "CC_ENTRIES": 2,
               "MAX_WALKS": 2},
    "plru1x4": {"IOTLB_SETS": 1, "IOTLB_WAYS": 4, "IOTLB_REPL": "PLRU", "CC_ENTRIES": 3,
                "MAX_WALKS": 2},
    "fifo2x3": {"IOTLB_SETS": 2, "IOTLB_WAYS": 3, "IOTLB_REPL": "FIFO", "CC_ENTRIES": 4,
                "MAX_WALKS": 2},
    "plru4x2": {"IOTLB_SETS": 4, "IOTLB_WAYS": 2, "IOTLB_REPL": "PLRU", "CC_ENTRIES": 2,
                "MAX_WALKS": 2},
    "dm2x1": {"IOTLB_SETS": 2, "IOTLB_WAYS": 1, "IOTLB_REPL": "LRU", "CC_ENTRIES": 1,
              "MAX_WALKS": 2},
    "random2x4": {"IOTLB_SETS": 2, "IOTLB_WAYS": 4, "IOTLB_REPL": "RANDOM", "CC_ENTRIES": 2},
    "default": {},
    # walk caches (= tb.flows.params' "walkcache" preset): 2 entries per level, 3/4/5-level
    # tables, a small IOTLB so that most requests walk
    "wc-lru": {"IOTLB_SETS": 1, "IOTLB_WAYS": 2, "IOTLB_REPL": "LRU", "CC_ENTRIES": 4,
               "MAX_WALKS": 2, "SAGAW": 0b1110, "MGAW": 57, "WC_ENTRIES": 2, "WC_WAYS": 2,
               "WC_REPL": "LRU"},
    # the two-level IOTLB (= tb.flows.params' "l1l2" preset)
    "l1l2": {"IOTLB_IMPL": 1, "IOTLB_L1_ENTRIES": 2, "IOTLB_L1_REPL": "LRU", "IOTLB_SETS": 2,
             "IOTLB_WAYS": 2, "IOTLB_REPL": "FIFO", "CC_ENTRIES": 4, "MAX_WALKS": 2},
    # ... with an LFSR-random L1 and a PLRU L2, walk caches and a miss queue
    "l1l2-random": {"IOTLB_IMPL": 1, "IOTLB_L1_ENTRIES": 3, "IOTLB_L1_REPL": "RANDOM",
                    "IOTLB_SETS": 2, "IOTLB_WAYS": 2, "IOTLB_REPL": "PLRU", "CC_ENTRIES": 2,
                    "WC_ENTRIES": 2, "WC_WAYS": 1, "WC_REPL": "FIFO", "MISSQ_DEPTH": 2},
    # LFSR-random in the IOTLB and the walk cache (2 sets of 2 ways per level)
    "wc-random": {"IOTLB_SETS": 2, "IOTLB_WAYS": 2, "IOTLB_REPL": "RANDOM", "CC_ENTRIES": 2,
                  "WC_ENTRIES": 4, "WC_WAYS": 2, "WC_REPL": "RANDOM"},
}

# ---------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class Shape:
    sets: int
    ways: int
    cc: int
    policy: int

    @classmethod
    def of(cls, params: dict[str, int]) -> Shape:
        return cls(params["IOTLB_SETS"], params["IOTLB_WAYS"], params["CC_ENTRIES"],
                   params["IOTLB_REPL"])


def set_of(shape: Shape, iova: int, ps: int) -> int:
    return (iova >> (12 + 9 * ps)) & (shape.sets - 1)


def pages_in_set(shape: Shape, s: int, ps: int, writable: bool = True) -> list[Page]:
    return [p for p in page_list() if p.ps == ps and p.writable == writable
            and set_of(shape, p.iova, ps) == s]


def tags_in_set(shape: Shape, s: int, ps: int, n: int) -> list[tuple[int, int]]:
    """``n`` distinct (sid, iova) IOTLB tags of page size ``ps`` in set ``s`` (R/W pages):
    different pages first, then the same pages through the other SIDs."""
    pages = pages_in_set(shape, s, ps)
    order = [(sid, p.iova) for sid in SIDS for p in pages]
    if len(order) < n:
        raise ValueError(f"set {s} page size {ps}: only {len(order)} tags, {n} wanted")
    return order[:n]


def offset(rng: random.Random | None, ps: int) -> int:
    """A byte offset inside a page of size ``ps`` (8-byte aligned, not past the end)."""
    size = SIZE_4K << (9 * ps)
    return 0 if rng is None else rng.randrange(0, size - 64, 8)


# ---------------------------------------------------------------------------- directed


def directed_ops(params: dict[str, int]) -> list[Op]:
    """A stream for any shape, designed so that policy slips, index errors, unfilled ways,
    missed invalidations and missing touches change some request's hit/miss
    (tests/test_cache_ref.py checks that against reference variants with planted bugs)."""
    shape = Shape.of(params)
    w = shape.ways
    ops: list[Op] = []

    def req(sid: int, addr: int, write: bool = False, note: str = "", size: int = 8) -> None:
        ops.append(Req(sid, addr, write, size, note))

    def seq(tags: list[tuple[int, int]], order: list[int], note: str) -> None:
        for i in order:
            sid, iova = tags[i]
            req(sid, iova + 8 * i, note=f"{note} {chr(65 + i)}")

    # 1. replacement order in set 0 and in the last set (4 KB): fill A.., re-touch, evict,
    #    and probe in an order that exposes which way went.
    n = w + 3
    for s in sorted({0, shape.sets - 1}):
        tags = tags_in_set(shape, s, 0, n)
        order = list(range(w)) + [0, w] + [1, 0, w + 1, 2, w, 3 % n, w + 2, 1, 0, 2, w + 1]
        order += [i % n for i in (3, 4, 5, 0, 1, 2, 3)]
        seq(tags, order, f"order set {s}")
        ops.append(IotlbInv(1))
    # 2. hits on the victim-to-be: under LRU/PLRU a hit saves it, FIFO ignores it
    tags = tags_in_set(shape, 0, 0, n)
    order = list(range(w))
    for k in range(w + 2):
        order += [k % w, (k + w) % n, (k + 1) % n]
    seq(tags, order, "touch")
    # 3. per page size: one page in every set, all again (each set holds its own: hits),
    #    then other pages/SIDs, then the first ones again
    for ps in (0, 1, 2):
        ops.append(IotlbInv(1))
        for rnd, note in ((0, "fill"), (0, "again"), (1, "other"), (0, "first again")):
            for s in range(shape.sets):
                pages = pages_in_set(shape, s, ps)
                if pages:
                    req(SIDS[rnd], pages[rnd % len(pages)].iova + 0x10 * rnd,
                        note=f"sets ps{ps} {note}")
    ops.append(IotlbInv(1))
    # 4. same set, different page sizes: 4 KB, 2 MB and 1 GB entries compete in set 0
    mixed = (tags_in_set(shape, 0, 0, 2) + tags_in_set(shape, 0, 1, 2)
             + tags_in_set(shape, 0, 2, 2))
    for i in [0, 2, 4, 1, 3, 5, 0, 2, 4, 5, 3, 1, 0]:
        sid, iova = mixed[i]
        req(sid, iova + 0x18, note="mixed sizes")
    # 5. a hole is refilled before the policy's victim: fill set 0 with distinct pages of
    #    one SID, invalidate the most recent one, add a new tag, probe the others
    ops.append(IotlbInv(1))
    own = [t for t in tags_in_set(shape, 0, 0, 4 * w + 4) if t[0] == SIDS[0]][:w]
    newcomer = tags_in_set(shape, 0, 0, 4 * w + 4)[len(own)]
    for sid, iova in own + [own[-1]]:
        req(sid, iova, note="hole: fill")
    ops.append(IotlbInv(3, did=DID_OF[own[-1][0]], addr=own[-1][1], am=0))
    req(*newcomer, note="hole: refill")
    for sid, iova in own[:-1]:
        req(sid, iova, note="hole: others stay")
    # 6. page-selective invalidation: fill every way of set 0 with DID 1 entries, then
    #    invalidate the whole 2 MB region (AM=9) and probe each way's entry
    ops.append(IotlbInv(1))
    d1 = [(sid, p.iova) for p in pages_in_set(shape, 0, 0) for sid in DOMAIN_SIDS[1]][:w]
    for sid, iova in d1:
        req(sid, iova, note="psi fill")
    ops.append(IotlbInv(3, did=2, addr=0, am=9))  # other domain: nothing
    for sid, iova in d1:
        req(sid, iova, note="psi other did (hit)")
    ops.append(IotlbInv(3, did=1, addr=0, am=19))  # AM > MAMV: not done (P12)
    for sid, iova in d1:
        req(sid, iova, note="psi am>mamv (hit)")
    ops.append(IotlbInv(3, did=1, addr=0, am=9))
    for sid, iova in d1:
        req(sid, iova, note="psi am=9 (miss)")
    # each way on its own with AM=0 (entries of one page through two SIDs go together)
    for _sid, iova in d1:
        ops.append(IotlbInv(3, did=1, addr=iova, am=0))
        for sid2, iova2 in d1:
            req(sid2, iova2, note="psi am=0")
    # AM=1 covers the pair (k, k+1); unaligned ADDR is aligned down by the mask
    req(0x0100, 0x2000)
    req(0x0100, 0x3000)
    req(0x0100, 0x4000)
    ops.append(IotlbInv(3, did=1, addr=0x3000, am=1))
    req(0x0100, 0x4000, note="outside am=1 range")
    req(0x0100, 0x2000, note="inside am=1 range")
    req(0x0100, 0x3000, note="inside am=1 range")
    # a 4 KB invalidation inside a cached 2 MB and a cached 1 GB page drops the large entry
    big2 = pages_in_set(shape, 0, 1)[0].iova
    big1 = pages_in_set(shape, 0, 2)[0].iova
    req(0x0100, big2 + 0x5000)
    req(0x0101, big1 + 0x123000)
    ops.append(IotlbInv(3, did=1, addr=big2 + 0x1F_F000, am=0))
    ops.append(IotlbInv(3, did=1, addr=big1 + 0x3FFF_F000, am=0))
    req(0x0100, big2 + 0x5000, note="2M dropped by 4K psi")
    req(0x0101, big1 + 0x123000, note="1G dropped by 4K psi")
    req(0x0100, big1, note="1G")
    ops.append(IotlbInv(3, did=1, addr=big1 + 0x20_0000, am=9))
    req(0x0100, big1 + 8, note="1G dropped by 2M psi")
    # 7. domain invalidation: DID 2's entries go, DID 1's and 3's stay
    for sid in SIDS:
        req(sid, 0x5000)
    ops.append(IotlbInv(2, did=2))
    for sid in SIDS:
        req(sid, 0x5000, note="after domain 2 inv")
    ops.append(IotlbInv(2, did=9))  # a DID nobody uses
    for sid in SIDS:
        req(sid, 0x5000, note="after domain 9 inv")
    ops.append(IotlbInv(1))
    for sid in SIDS:
        req(sid, 0x5000, note="after global inv")
    # 8. permissions: a read-only page hit by a write is a miss and a 05h walk (no fill);
    #    then the page becomes writable without invalidation: the write walks and refills
    #    the entry's own way (not the victim's: the rest of the full set stays)
    ops.append(IotlbInv(1))
    ro = next(p.iova for p in page_list() if p.ps == 0 and not p.writable)
    others = tags_in_set(shape, set_of(shape, ro, 0), 0, w - 1)
    for sid, iova in others:
        req(sid, iova, note="fill set")
    req(0x0100, ro, note="RO read")
    req(0x0100, ro, write=True, note="RO write: perm miss, fault")
    req(0x0100, ro, note="RO read: hit")
    ops.append(TableOp("upgrade", 1, ro))
    req(0x0100, ro, write=True, note="upgraded write: same-tag refill")
    for sid, iova in others:
        req(sid, iova, note="still cached")
    req(0x0100, ro, write=True, note="upgraded write: hit")
    # 9. stale 2 MB entry plus a 4 KB entry for the same address: the smaller one wins
    ops.append(IotlbInv(1))
    ro2 = next(p.iova for p in page_list() if p.ps == 1 and not p.writable)
    req(0x0101, ro2 + 0x3000, note="RO 2M read")
    ops.append(TableOp("split", 1, ro2))
    req(0x0101, ro2 + 0x3000, write=True, note="split: write walks to 4K")
    req(0x0101, ro2 + 0x3008, note="4K entry wins over stale 2M")
    req(0x0101, ro2 + 0x7000, note="stale 2M still hit")
    req(0x0101, ro2 + 0x7000, write=True, note="stale 2M lacks W: walk")
    # 10. context cache: consulted on IOTLB misses only, so these requests miss the IOTLB
    #     (holes never fill it, pass-through never does)
    ops.append(IotlbInv(1))
    ops.append(CcInv(1))
    cc_sids = list(SIDS) + [PT_SID] + list(CC_EXTRA_SIDS)
    for rnd in range(3):  # round robin over more SIDs than entries
        for i, sid in enumerate(cc_sids[: shape.cc + 2]):
            req(sid, HOLE_PD if (i + rnd) % 2 else HOLE_PTE, note="cc round robin")
        req(cc_sids[0], HOLE_PD, note="cc revisit")
    for sid in cc_sids:
        req(sid, HOLE_PTE, note="cc sweep")
    for sid in cc_sids[::3]:
        req(sid, HOLE_PTE, note="cc sweep 2")
    req(PT_SID, 0x1234_5000, note="pass-through")
    req(PT_SID, 0x1234_6000, write=True, note="pass-through")
    req(BAD_CTX_SID, 0x1000, note="context not present: no fill")
    req(BAD_CTX_SID, 0x1000, note="context not present: no fill")
    req(NO_ROOT_SID, 0x1000, note="root not present")
    req(0x0100, INTR_LO, size=4, note="interrupt range: no lookup")
    req(0x0100, 1 << 48, note="above MGAW")

    def cc_case(fill: list[int], inv: CcInv, note: str) -> None:
        for sid in fill:  # the last min(len, CC) of these are cached
            req(sid, HOLE_PD, note=f"{note}: fill")
        ops.append(inv)
        for sid in reversed(fill):
            req(sid, HOLE_PTE, note=f"{note}: probe")

    # device: FM=3 covers 01:00.0-.7 (DID 1: .0 and .1); the SID named is not cached
    cc_case([0x0108, 0x0101, 0x0100], CcInv(3, did=1, sid=BAD_CTX_SID, fm=3), "cc fm=3")
    # device: FM=2 (SID[2:1] masked) from .1 covers .1 .3 .5 .7, not .0
    cc_case([0x0108, 0x0100, 0x0101], CcInv(3, did=1, sid=0x0107, fm=2), "cc fm=2")
    # device: FM=1 (SID[2]) from .0 covers .4 by SID, but .4 is DID 4: stays
    cc_case([0x0100, PT_SID], CcInv(3, did=1, sid=0x0100, fm=1), "cc fm=1")
    # device: the right SID with the wrong DID does nothing
    cc_case([0x0200, 0x0100], CcInv(3, did=2, sid=0x0100, fm=0), "cc wrong did")
    cc_case([0x0100, 0x0108], CcInv(3, did=2, sid=0x0108, fm=0), "cc device")
    # domain and global
    cc_case([0x0108, 0x0300, PT_SID, 0x0101], CcInv(2, did=PT_DID), "cc domain")
    cc_case([0x0300, 0x0200, 0x0100], CcInv(2, did=2), "cc domain 2")
    cc_case(cc_sids[: shape.cc], CcInv(1), "cc global")
    if params.get("WC_ENTRIES", 0) > 0:
        ops += walk_cache_ops()
    if params.get("IOTLB_IMPL", 0) == 1:
        ops += l1l2_ops(params)
    return ops


def l1l2_ops(params: dict[str, int]) -> list[Op]:
    """Two-level IOTLB cases: an L1 hit, every invalidation granularity removing the L1 copy
    (a hit after it would be a bug), L1 evictions answered by the L2 and promoted back."""
    shape = Shape.of(params)
    l1 = params.get("IOTLB_L1_ENTRIES", 4)
    ops: list[Op] = [IotlbInv(1), CcInv(1)]

    def req(sid: int, addr: int, note: str) -> None:
        ops.append(Req(sid, addr, False, 8, note))

    a = pages_in_set(shape, 0, 0)[0].iova
    for inv, what in ((IotlbInv(3, did=1, addr=a, am=0), "page"),
                      (IotlbInv(3, did=1, addr=a & ~0x1F_FFFF, am=9), "2M range"),
                      (IotlbInv(2, did=1), "domain"), (IotlbInv(1), "global")):
        req(0x0100, a, f"l1l2 fill before {what} inv")
        req(0x0100, a + 8, f"l1l2 L1 hit before {what} inv")
        ops.append(inv)
        req(0x0100, a + 16, f"l1l2 miss after {what} inv")
    # other domain / other page: the L1 copy stays
    ops.append(IotlbInv(2, did=2))
    req(0x0100, a + 24, "l1l2 L1 kept by domain 2 inv")
    ops.append(IotlbInv(3, did=1, addr=a + SIZE_4K * shape.sets * 8, am=0))
    req(0x0100, a + 32, "l1l2 L1 kept by other page inv")
    # one page per L2 set, more pages than L1 entries: the first ones leave the L1 but stay
    # in the L2 (one per set), are promoted back, then hit in the L1
    ops.append(IotlbInv(1))
    pages = [p.iova for s in range(shape.sets) for p in pages_in_set(shape, s, 0)[:1]]
    pages += [p.iova for p in pages_in_set(shape, 0, 1)[:1]] + \
             [p.iova for p in pages_in_set(shape, 0, 2)[:1]]
    pages = pages[: max(l1 + 1, 2)]
    for rnd in range(3):
        for iova in pages:
            req(0x0100, iova + 0x40 * rnd, f"l1l2 capacity round {rnd}")
    return ops


def walk_cache_ops() -> list[Op]:
    """Walk-cache cases (their read counts tell a hit from a miss): a walk resumes below the
    deepest cached level; IH=1 keeps the entries, IH=0 drops those whose region overlaps;
    a domain invalidation drops only that domain's; context-cache invalidations keep them."""
    ops: list[Op] = [IotlbInv(1), CcInv(1)]

    def req(sid: int, addr: int, note: str, write: bool = False) -> None:
        ops.append(Req(sid, addr, write, 8, note))

    # warm DID 1 and DID 2 (context, every level), then neighbours in the same tables
    req(0x0100, 0x5000, "wc warm d1")
    req(0x0200, 0x5000, "wc warm d2")
    req(0x0100, 0x6000, "wc PDE hit d1")
    req(0x0200, 0x6000, "wc PDE hit d2")
    req(0x0100, REGION2 + 0x1000, "wc PDPE hit (other PT)")
    req(0x0100, BASE_2M + 3 * SIZE_2M, "wc PML4E hit (2M page)")
    req(0x0100, (BASE_1G_INDEX + 1) * SIZE_1G + 0x3000, "wc PML4E hit (1G page)")
    # IH=1: the IOTLB entry goes, the walk-cache entries stay
    ops.append(IotlbInv(3, did=1, addr=0x6000, am=0, ih=True))
    req(0x0100, 0x6000, "wc kept by IH=1")
    # IH=0 on another page of the first table: its PDE, PDPE, PML4E (and PML5E) go
    ops.append(IotlbInv(3, did=1, addr=0x7000, am=0))
    req(0x0100, 0x8000, "wc dropped by IH=0")
    # a 2 MB range in the 1 GB region of the 2 MB pages drops the entries covering it only
    req(0x0100, BASE_2M + 5 * SIZE_2M, "wc refill 2M region")
    ops.append(IotlbInv(3, did=1, addr=BASE_2M, am=9))
    req(0x0100, 0x9000, "wc PDE of the first table kept (no overlap)")
    req(0x0100, BASE_2M + 6 * SIZE_2M, "wc PDPE of the 2M region dropped")
    # domain: DID 2's entries go, DID 1's stay
    ops.append(IotlbInv(2, did=2))
    req(0x0100, 0xA000, "wc d1 kept by domain 2 inv")
    req(0x0200, 0xA000, "wc d2 dropped by domain 2 inv")
    # context-cache invalidations leave the walk cache alone (0x0101 stays cached)
    req(0x0101, 0xB000, "wc via second device of d1")
    ops.append(CcInv(3, did=1, sid=0x0100, fm=0))
    req(0x0101, 0xC000, "wc kept by device cc inv")
    ops.append(CcInv(2, did=2))
    req(0x0101, 0xD000, "wc kept by domain cc inv")
    # a write through R/W upper levels resumes below them too
    req(0x0101, 0xE000, "wc write", write=True)
    # capacity: every table of three domains, twice
    for rnd in range(2):
        for sid in (0x0100, 0x0200, 0x0300):
            for addr in (0x1000 * (3 + rnd), REGION2 + 0x1000 * rnd, BASE_2M + SIZE_2M * rnd):
                req(sid, addr, f"wc sweep {rnd}")
    ops.append(IotlbInv(1))
    req(0x0100, 0xF000, "wc dropped by global inv")
    return ops


# ---------------------------------------------------------------------------- random


def random_ops(params: dict[str, int], seed: int, count: int) -> list[Op]:
    """``count`` requests over a working set of about twice the IOTLB's capacity (page
    sizes equally likely), biased to a few sets, with invalidations, permission misses,
    holes (context-cache traffic from many devices), pass-through and broken devices mixed
    in. Depends only on ``params`` and ``seed``."""
    shape = Shape.of(params)
    rng = random.Random(seed)
    capacity = shape.sets * shape.ways
    hot_sets = rng.sample(range(shape.sets), k=min(shape.sets, max(1, rng.choice([1, 2, 4]))))
    by_size = []
    for ps in range(3):
        group = [(sid, p) for sid in SIDS for p in page_list() if p.ps == ps]
        rng.shuffle(group)
        by_size.append(group)
    tags: list[tuple[int, Page]] = []
    want = max(4, int(capacity * rng.uniform(1.3, 2.5)))
    while len(tags) < want and any(by_size):
        group = rng.choice([g for g in by_size if g])
        sid, p = group.pop()
        if set_of(shape, p.iova, p.ps) in hot_sets or rng.random() < 0.25:
            tags.append((sid, p))
    ops: list[Op] = []
    recent: list[tuple[int, Page]] = []
    recent_sids: list[int] = [SIDS[0]]
    hole_sids = SIDS + CC_EXTRA_SIDS + (PT_SID, BAD_CTX_SID, NO_ROOT_SID)
    requests = 0
    while requests < count:
        x = rng.random()
        if x < 0.06:
            inv = _random_iotlb_inv(rng, tags, params)
            if params.get("WC_ENTRIES", 0) > 0 and inv.gran == 3 and rng.random() < 0.4:
                inv = IotlbInv(3, did=inv.did, addr=inv.addr, am=inv.am, ih=True)
            ops.append(inv)
            continue
        if x < 0.09:
            ops.append(_random_cc_inv(rng, recent_sids[-shape.cc - 2:]))
            continue
        requests += 1
        if x < 0.12:
            ops.append(Req(PT_SID, rng.randrange(0, 1 << 32, 8) & ~0xFF00_0000 | 0x1000_0000,
                           rng.random() < 0.5, note="pass-through"))
            recent_sids.append(PT_SID)
        elif x < 0.17:
            sid = rng.choice(hole_sids)
            ops.append(Req(sid, rng.choice([HOLE_PD, HOLE_PTE, 0x1000]), note="hole/bad"))
            recent_sids.append(sid)
        elif x < 0.175:
            ops.append(Req(rng.choice(SIDS), INTR_LO + 0x1000, size=4, note="intr range"))
        else:
            if recent and rng.random() < 0.35:
                sid, p = rng.choice(recent[-shape.ways * 2:])
            else:
                sid, p = rng.choice(tags)
            write = rng.random() < 0.15
            ops.append(Req(sid, p.iova + offset(rng, p.ps), write))
            recent.append((sid, p))
            recent_sids.append(sid)
    return ops


def _random_iotlb_inv(rng: random.Random, tags: list[tuple[int, Page]],
                      params: dict[str, int]) -> IotlbInv:
    x = rng.random()
    if x < 0.1:
        return IotlbInv(1)
    if x < 0.3:
        return IotlbInv(2, did=rng.choice([1, 2, 3, 5]))
    sid, p = rng.choice(tags)
    am = rng.choice([0, 0, 0, 1, 2, 5, 9, 9, 10, 18, params.get("MAMV", 18) + 1])
    addr = p.iova + offset(rng, p.ps)
    addr &= ~((SIZE_4K << am) - 1)
    did = DID_OF[sid] if rng.random() < 0.85 else rng.choice([1, 2, 3])
    return IotlbInv(3, did=did, addr=addr, am=am)


def _random_cc_inv(rng: random.Random, recent_sids: list[int]) -> CcInv:
    x = rng.random()
    if x < 0.15:
        return CcInv(1)
    if x < 0.4:
        return CcInv(2, did=rng.choice([1, 2, 3, PT_DID]))
    sid = rng.choice(recent_sids) ^ rng.choice([0, 0, 0, 1, 2, 4, 7])  # FM may cover it
    did = CC_DID_OF.get(sid, 1) if rng.random() < 0.7 else rng.choice([1, 2, 3, PT_DID])
    return CcInv(3, did=did, sid=sid, fm=rng.randrange(4))


# ---------------------------------------------------------------------------- offline run


def replay(params: dict[str, int], ops: list[Op], ref: UnitCacheRef | None = None,
           layout: Layout | None = None) -> list[str]:
    """Run a stream through the reference alone; returns one line per request (its
    outcome). For comparing reference variants (tests/test_cache_ref.py)."""
    layout = layout or Layout(params)
    ref = ref or layout.reference()
    walker = layout.walker()
    out = []
    for op in ops:
        if isinstance(op, Req):
            o = ref.request(op.sid, op.addr, op.write, op.size, walker)
            out.append(o.short())
        elif isinstance(op, IotlbInv):
            ref.iotlb_register_invalidation(op.gran, op.did, op.addr, op.am, op.ih)
        elif isinstance(op, CcInv):
            ref.cc_register_invalidation(op.gran, op.did, op.sid, op.fm)
        else:
            layout.apply(op)
    return out
