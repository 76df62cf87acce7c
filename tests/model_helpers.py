"""Raw table writers for the golden-model unit tests.

Every structure is encoded here from the rules (doc/vtd-rules.md §2) and poked straight into
``unit.memory``; nothing comes from the model's own encoders or from ``tb.software.tables``.
"""

from __future__ import annotations

from python_model.unit import RemappingUnit

# ------------------------------------------------------------------ memory layout of the tests
RTA = 0x0010_0000  # root table
CTX_BASE = 0x0020_0000  # context table of bus b at CTX_BASE + 0x1000*b
PT_POOL = 0x0100_0000  # second-level tables are allocated from here
IRT = 0x0050_0000  # interrupt remapping table
IQ = 0x0060_0000  # invalidation queue
STATUS = 0x0070_0000  # wait-descriptor status words
FEE = 0xFEE0_0000  # interrupt address range FEE0_0000-FEEF_FFFF

# GCMD/GSTS bit numbers (§1.4)
TE, SRTP, SFL, EAFL, WBF, QIE, IRE, SIRTP, CFI = 31, 30, 29, 28, 27, 26, 25, 24, 23
ONE_SHOT_CLEAR = 0x96FF_FFFF  # §1.4: GSTS & this, then change the target bit

LEVEL_SHIFT = {1: 12, 2: 21, 3: 30, 4: 39, 5: 48}  # §2.3


def mask(msb: int, lsb: int) -> int:
    return ((1 << (msb - lsb + 1)) - 1) << lsb


def put(value: int, msb: int, lsb: int, field: int) -> int:
    return value & ~mask(msb, lsb) | (field << lsb) & mask(msb, lsb)


def get(value: int, msb: int, lsb: int) -> int:
    return (value >> lsb) & ((1 << (msb - lsb + 1)) - 1)


# ------------------------------------------------------------------ GCMD (§1.4)
def gcmd(u: RemappingUnit, bit: int, on: bool = True) -> None:
    """Write GCMD the way the spec tells software to: (GSTS & 0x96FF_FFFF), target bit changed."""
    value = u.read_reg("GSTS") & ONE_SHOT_CLEAR
    value = value | 1 << bit if on else value & ~(1 << bit)
    u.write_reg("GCMD", value)


def gsts_bit(u: RemappingUnit, bit: int) -> int:
    return u.read_reg("GSTS") >> bit & 1


def enable_dma(u: RemappingUnit, rta: int = RTA, rtaddr_extra: int = 0) -> None:
    u.write_reg("RTADDR", rta | rtaddr_extra)
    gcmd(u, SRTP)
    gcmd(u, TE)


def poke128(u: RemappingUnit, addr: int, lo: int, hi: int) -> None:
    u.memory.poke_u64(addr, lo)
    u.memory.poke_u64(addr + 8, hi)


# ------------------------------------------------------------------ root / context (§2.1, §2.2)
def root_entry(ctp: int, present: bool = True, extra_lo: int = 0, hi: int = 0) -> tuple[int, int]:
    return ctp | int(present) | extra_lo, hi


def context_entry(slptptr: int, did: int, aw: int = 2, tt: int = 0, present: bool = True,
                  fpd: bool = False, extra_lo: int = 0, extra_hi: int = 0) -> tuple[int, int]:
    lo = int(present) | int(fpd) << 1 | tt << 2 | slptptr | extra_lo
    hi = aw | did << 8 | extra_hi  # AW 66:64, DID 87:72
    return lo, hi


def ctp_of(bus: int) -> int:
    return CTX_BASE + 0x1000 * bus


def write_root(u: RemappingUnit, bus: int, lo: int, hi: int = 0, rta: int = RTA) -> None:
    poke128(u, rta + 16 * bus, lo, hi)


def write_context(u: RemappingUnit, sid: int, lo: int, hi: int) -> None:
    poke128(u, ctp_of(sid >> 8) + 16 * (sid & 0xFF), lo, hi)


def context_addr(sid: int) -> int:
    return ctp_of(sid >> 8) + 16 * (sid & 0xFF)


# ------------------------------------------------------------------ second level (§2.3, §2.4)
class Allocator:
    def __init__(self, base: int = PT_POOL) -> None:
        self.next = base

    def page(self) -> int:
        p = self.next
        self.next += 0x1000
        return p


def sl_index(iova: int, level: int) -> int:
    return (iova >> LEVEL_SHIFT[level]) & 0x1FF


class PageTables:
    """A second-level hierarchy with ``aw + 2`` levels; every non-leaf entry R=W=1 by default."""

    def __init__(self, u: RemappingUnit, aw: int = 2, alloc: Allocator | None = None) -> None:
        self.mem = u.memory
        self.levels = aw + 2
        self.alloc = alloc or Allocator()
        self.root = self.alloc.page()
        self._tables: dict[tuple[int, int], int] = {(self.levels, 0): self.root}

    def _key(self, iova: int, level: int) -> tuple[int, int]:
        if level == self.levels:
            return level, 0
        return level, iova >> (LEVEL_SHIFT[level] + 9)

    def table(self, iova: int, level: int) -> int:
        """Address of the level-``level`` table on the path of ``iova`` (creating it)."""
        key = self._key(iova, level)
        if key not in self._tables:
            parent = self.table(iova, level + 1)
            new = self.alloc.page()
            self.mem.poke_u64(parent + 8 * sl_index(iova, level + 1), new | 0b11)
            self._tables[key] = new
        return self._tables[key]

    def entry_addr(self, iova: int, level: int) -> int:
        return self.table(iova, level) + 8 * sl_index(iova, level)

    def set_entry(self, iova: int, level: int, value: int) -> None:
        self.mem.poke_u64(self.entry_addr(iova, level), value)

    def entry(self, iova: int, level: int) -> int:
        return self.mem.peek_u64(self.entry_addr(iova, level))

    def map(self, iova: int, hpa: int, r: bool = True, w: bool = True, level: int = 1,
            extra: int = 0) -> None:
        """Leaf at ``level`` (1: 4 KB PTE, 2: 2 MB PDE with PS, 3: 1 GB PDPE with PS)."""
        leaf = hpa | int(r) | int(w) << 1 | (1 << 7 if level > 1 else 0) | extra
        self.set_entry(iova, level, leaf)


class Bench:
    """Root table at RTA, one context table per bus, second-level tables from a pool."""

    def __init__(self, u: RemappingUnit) -> None:
        self.u = u
        self.alloc = Allocator()

    def device(self, sid: int, did: int = 1, aw: int = 2, tt: int = 0, fpd: bool = False,
               pt: PageTables | None = None, extra_lo: int = 0,
               extra_hi: int = 0) -> PageTables:
        bus = sid >> 8
        write_root(self.u, bus, *root_entry(ctp_of(bus)))
        if pt is None:
            pt = PageTables(self.u, aw if aw in (1, 2, 3) else 2, self.alloc)
        write_context(self.u, sid, *context_entry(pt.root, did, aw, tt, True, fpd, extra_lo,
                                                  extra_hi))
        return pt

    def tables(self, aw: int = 2) -> PageTables:
        return PageTables(self.u, aw, self.alloc)


# ------------------------------------------------------------------ invalidation descriptors (§2.7)
def cc_dsc(g: int, did: int = 0, sid: int = 0, fm: int = 0) -> tuple[int, int]:
    return 0x1 | g << 4 | did << 16 | sid << 32 | fm << 48, 0


def iotlb_dsc(g: int, did: int = 0, addr: int = 0, am: int = 0, ih: bool = False,
              dr: int = 0, dw: int = 0) -> tuple[int, int]:
    return 0x2 | g << 4 | dw << 6 | dr << 7 | did << 16, addr | int(ih) << 6 | am


def iec_dsc(index_selective: bool = False, iidx: int = 0, im: int = 0) -> tuple[int, int]:
    return 0x4 | int(index_selective) << 4 | im << 27 | iidx << 32, 0


def wait_dsc(sw: bool = False, iflag: bool = False, fn: bool = False, data: int = 0,
             addr: int = STATUS) -> tuple[int, int]:
    return 0x5 | int(iflag) << 4 | int(sw) << 5 | int(fn) << 6 | data << 32, addr


class Queue:
    """The invalidation queue as software drives it (§1.11, §6.4), 128-bit descriptors."""

    def __init__(self, u: RemappingUnit, base: int = IQ, qs: int = 0, enable: bool = True) -> None:
        self.u = u
        self.base = base
        self.qs = qs
        self.tail = 0
        u.write_reg("IQT", 0)
        u.write_reg("IQA", base | qs)
        if enable:
            gcmd(u, QIE)

    @property
    def entries(self) -> int:
        return 1 << (self.qs + 8)

    def place(self, index: int, desc: tuple[int, int]) -> None:
        poke128(self.u, self.base + 16 * index, *desc)

    def submit(self, *descs: tuple[int, int]) -> None:
        for d in descs:
            self.place(self.tail, d)
            self.tail = (self.tail + 1) % self.entries
        self.u.write_reg("IQT", self.tail << 4)

    def head(self) -> int:
        return self.u.read_reg("IQH") >> 4


# ------------------------------------------------------------------ interrupt remapping (§2.5, §5)
def irte(vector: int = 0x40, dst: int = 0, dlm: int = 0, tm: int = 0, rh: int = 0, dm: int = 0,
         present: bool = True, fpd: bool = False, sid: int = 0, sq: int = 0, svt: int = 0,
         im: int = 0, extra_lo: int = 0, extra_hi: int = 0) -> tuple[int, int]:
    lo = (int(present) | int(fpd) << 1 | dm << 2 | rh << 3 | tm << 4 | dlm << 5 | im << 15
          | vector << 16 | dst << 32 | extra_lo)
    hi = sid | sq << 16 | svt << 18 | extra_hi
    return lo, hi


def xapic_dst(apic_id: int) -> int:
    """DST field for EIME=0: APIC ID in DST bits 47:40, i.e. bits 15:8 of the 32-bit field."""
    return apic_id << 8


def write_irte(u: RemappingUnit, index: int, entry: tuple[int, int], base: int = IRT) -> None:
    poke128(u, base + 16 * index, *entry)


def enable_ir(u: RemappingUnit, s: int = 7, eime: bool = False, base: int = IRT,
              cfi: bool = False) -> None:
    u.write_reg("IRTA", base | int(eime) << 11 | s)
    gcmd(u, SIRTP)
    gcmd(u, IRE)
    if cfi:
        gcmd(u, CFI)


def remappable_addr(handle: int, shv: bool = False, low: int = 0) -> int:
    """§5: 31:20 FEEh, 19:5 handle[14:0], 4 = 1, 3 SHV, 2 handle[15], 1:0 ignored."""
    return (FEE | (handle & 0x7FFF) << 5 | 1 << 4 | int(shv) << 3 | (handle >> 15 & 1) << 2
            | low)


def compat_addr(dest: int, rh: int = 0, dm: int = 0) -> int:
    return FEE | dest << 12 | rh << 3 | dm << 2


def fault_event_setup(u: RemappingUnit, addr: int = 0xFEE0_F00C, upper: int = 0,
                      data: int = 0x4041, unmask: bool = True) -> None:
    u.write_reg("FEADDR", addr)
    u.write_reg("FEUADDR", upper)
    u.write_reg("FEDATA", data)
    if unmask:
        u.write_reg("FECTL", 0)
