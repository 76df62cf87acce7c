"""Table builder: the in-memory structures system software programs for a VT-d unit in legacy
mode, and the register programming a driver performs, as ``vtd-scenario/1`` steps.

Written from doc/vtd-rules.md (§1 registers, §2 entries, §5 interrupts, §6 invalidation,
§10 decisions) independently of the golden model, so the two can check each other.

Typical use::

    mem = Memory()
    tb = TableBuilder(mem, UnitConfig())
    dom = tb.create_domain()                      # DID 1, largest AGAW in SAGAW
    dom.map(0x20_0000, 0x4000_0000, 0x20_0000)    # one 2 MB page if SLLPS allows it
    tb.assign_device("01:00.0", dom)
    steps = tb.program_root_table() + tb.enable_translation()
    scenario = {"format": "vtd-scenario/1", "name": "x", "memory": tb.memory_image(),
                "steps": steps}

Bookkeeping: the builder remembers what it wrote (:meth:`Domain.lookup`, :meth:`Domain.mappings`,
:meth:`TableBuilder.device`, :meth:`TableBuilder.irte`) in Python objects; it never reads its
tables back from memory. Escape hatches (:meth:`Domain.set_entry`,
:meth:`TableBuilder.write_context_entry`, :meth:`TableBuilder.write_root_entry`,
:meth:`TableBuilder.write_irte`) write raw values for tests that need malformed structures.

Memory written after the scenario's initial ``memory`` section was taken has to reach the unit
through ``mem_write`` steps: :meth:`TableBuilder.flush_steps` returns them for everything the
builder wrote since the last :meth:`TableBuilder.memory_image` or ``flush_steps`` call.

Register programming: the builder cannot read the hardware, so it tracks the GSTS value it
expects (:attr:`TableBuilder.gsts`, reset 0) and updates it as its own steps complete. A GCMD
write is ``(gsts & 0x96FF_FFFF)`` with the one target bit changed (doc/vtd-rules.md §1.4). If a test
changes the unit's state through other steps, it must set ``tb.gsts`` to match.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from python_model import regmap
from python_model.config import UnitConfig
from python_model.memory import Memory
from tb.software.table_formats import (
    AW_AGAW,
    DLM_EXTINT,
    DLM_FIXED,
    DLM_INIT,
    DLM_LOWEST,
    DLM_NMI,
    DLM_SMI,
    G_DEVICE,
    G_DOMAIN,
    G_GLOBAL,
    G_PAGE,
    IEC_GLOBAL,
    IEC_INDEX,
    INTERRUPT_BASE,
    INTERRUPT_END,
    LEAF_LEVEL_OF_SIZE,
    PAGE_SIZE,
    SIZE_1G,
    SIZE_2M,
    SIZE_4K,
    SVT_BUS,
    SVT_NONE,
    SVT_SID,
    TT_ATS,
    TT_PASSTHROUGH,
    TT_TRANSLATE,
    U64,
    Descriptor,
    Step,
    TableError,
    cc_inv_dsc,
    compat_msi,
    context_entry,
    format_sid,
    iec_inv_dsc,
    inv_wait_dsc,
    iotlb_inv_dsc,
    irte_remapped,
    msi_address,
    msi_data,
    parse_sid,
    psi_range,
    root_entry,
    sl_entry,
    step_mem_write,
    step_poll_mem,
    step_poll_reg,
    step_reg_read,
    step_reg_write,
)

__all__ = [
    "DLM_EXTINT", "DLM_FIXED", "DLM_INIT", "DLM_LOWEST", "DLM_NMI", "DLM_SMI", "G_DEVICE",
    "G_DOMAIN", "G_GLOBAL", "G_PAGE", "GSTS_PRESERVE_MASK", "IEC_GLOBAL", "IEC_INDEX",
    "PAGE_SIZE", "SIZE_1G", "SIZE_2M", "SIZE_4K", "SVT_BUS", "SVT_NONE", "SVT_SID", "TT_ATS",
    "TT_PASSTHROUGH", "TT_TRANSLATE", "AllocationError", "Assignment", "Descriptor", "Domain",
    "Irte", "Mapping", "MappingConflict", "PageAllocator", "RawEntry", "RawEntryError", "Step",
    "TableBuilder", "TableError", "Translation", "cc_inv_dsc", "compat_msi", "format_sid",
    "iec_inv_dsc", "inv_wait_dsc", "iotlb_inv_dsc", "msi_address", "msi_data", "parse_sid",
    "psi_range", "step_mem_write", "step_poll_mem", "step_poll_reg", "step_reg_read",
    "step_reg_write",
]

# GCMD value = GSTS with the one-shot status bits (RTPS 30, FLS 29, WBFS 27, IRTPS 24) and the
# reserved bits cleared, then the target bit changed (SPEC value, doc/vtd-rules.md §1.4).
GSTS_PRESERVE_MASK = 0x96FF_FFFF


class AllocationError(TableError):
    """The page allocator has no room left for a table."""


class MappingConflict(TableError):
    """A map() would overwrite a different existing mapping (pass replace=True to allow it)."""


class RawEntryError(TableError):
    """The address is covered by an entry written raw through set_entry(); the builder does
    not predict what the hardware makes of it."""


# --------------------------------------------------------------------------- allocator


class PageAllocator:
    """Hands out zeroed, naturally aligned 4 KB pages from [base, limit).

    A page is skipped when it lies in a range given to :meth:`reserve`, in the interrupt
    address range FEE0_0000-FEEF_FFFF, or already holds non-zero bytes in ``memory`` (data
    someone put there). Pages are never freed.
    """

    def __init__(self, memory: Memory, base: int = 0x1000_0000, limit: int = 0x2000_0000) -> None:
        if base % PAGE_SIZE or limit % PAGE_SIZE or not 0 <= base < limit:
            raise TableError(f"allocator range [{base:#x}, {limit:#x}) must be non-empty and "
                             "4 KB aligned")
        self.memory = memory
        self.base = base
        self.limit = limit
        self._next = base
        self._reserved: list[tuple[int, int]] = []
        self._allocated: list[tuple[int, int]] = []

    def reserve(self, addr: int, size: int) -> None:
        """Never hand out pages overlapping [addr, addr+size) (user data)."""
        if size <= 0:
            raise TableError(f"reserved range size {size:#x} must be positive")
        for start, end in self._allocated:
            if addr < end and start < addr + size:
                raise TableError(f"cannot reserve {addr:#x}+{size:#x}: it overlaps table pages "
                                 f"[{start:#x}, {end:#x}) already handed out")
        self._reserved.append((addr, addr + size))

    def alloc(self, pages: int = 1) -> int:
        """Base address of ``pages`` contiguous zeroed pages, aligned to their rounded-up
        power-of-two size."""
        if pages < 1:
            raise TableError(f"cannot allocate {pages} pages")
        align = PAGE_SIZE << (pages - 1).bit_length()
        cand = _align_up(self._next, align)
        while True:
            end = cand + pages * PAGE_SIZE
            if end > self.limit:
                raise AllocationError(
                    f"page allocator exhausted: no {pages} free contiguous page(s) left in "
                    f"[{self.base:#x}, {self.limit:#x}) ({len(self._allocated)} allocations "
                    "made); give the TableBuilder a PageAllocator with a larger limit")
            bad = self._first_unusable(cand, end)
            if bad is None:
                break
            cand = _align_up(bad + PAGE_SIZE, align)
        self._next = end
        self._allocated.append((cand, end))
        return cand

    @property
    def allocated(self) -> list[tuple[int, int]]:
        """[(start, end)) of every allocation, in order."""
        return list(self._allocated)

    def owns(self, addr: int) -> bool:
        return any(start <= addr < end for start, end in self._allocated)

    def _first_unusable(self, start: int, end: int) -> int | None:
        for page in range(start, end, PAGE_SIZE):
            top = page + PAGE_SIZE
            if (any(page < r_end and r_start < top for r_start, r_end in self._reserved)
                    or (page < INTERRUPT_END and INTERRUPT_BASE < top)
                    or any(self.memory.peek(page, PAGE_SIZE))):
                return page
        return None


# --------------------------------------------------------------------------- bookkeeping


@dataclass(frozen=True)
class Mapping:
    """One leaf the builder wrote: [iova, iova+size) -> [hpa, hpa+size)."""

    iova: int
    hpa: int
    size: int
    read: bool
    write: bool

    def translates_like(self, other: Mapping) -> bool:
        """True when ``other`` lies inside this mapping with the same offset and permissions."""
        return (self.iova <= other.iova and other.iova + other.size <= self.iova + self.size
                and other.hpa - other.iova == self.hpa - self.iova
                and (self.read, self.write) == (other.read, other.write))


@dataclass(frozen=True)
class RawEntry:
    """An entry written raw through :meth:`Domain.set_entry`."""

    level: int
    iova: int  # first IOVA the entry covers
    value: int


class Translation(NamedTuple):
    """What the builder expects for one IOVA: output address and the leaf's permissions."""

    hpa: int
    read: bool
    write: bool
    page_size: int


@dataclass(frozen=True)
class Assignment:
    """What the builder wrote into a device's context entry (None in raw/unassigned cases)."""

    sid: int
    present: bool
    tt: int
    did: int
    aw: int
    fpd: bool
    domain: Domain | None


@dataclass(frozen=True)
class Irte:
    """A remapped-format IRTE the builder wrote."""

    index: int
    vector: int
    dest: int
    dm: int
    rh: int
    tm: int
    dlm: int
    sid: int
    sq: int
    svt: int
    fpd: bool
    present: bool

    def msi_result(self) -> dict[str, object]:
        """The ``msi`` step result expected when the request passes the source-id check."""
        return {"status": "ok", "vector": self.vector, "dest": self.dest,
                "dest_mode": self.dm, "delivery_mode": self.dlm, "trigger_mode": self.tm,
                "redirection_hint": self.rh}


class _Table:
    """A second-level table the builder allocated; slots mirror what it wrote there."""

    __slots__ = ("addr", "level", "slots")

    def __init__(self, addr: int, level: int) -> None:
        self.addr = addr
        self.level = level
        self.slots: dict[int, _Table | Mapping | RawEntry] = {}


def _coverage(level: int) -> int:
    """Bytes of IOVA space one entry at ``level`` covers (level 1 = PTE)."""
    return 1 << (12 + 9 * (level - 1))


def _index(iova: int, level: int) -> int:
    return (iova >> (12 + 9 * (level - 1))) & 0x1FF


def _align_up(x: int, align: int) -> int:
    return (x + align - 1) // align * align


def _human(size: int) -> str:
    for unit, name in ((SIZE_1G, "GB"), (SIZE_2M // 2, "MB"), (1024, "KB")):
        if size >= unit and size % unit == 0:
            return f"{size // unit} {name}"
    return f"{size:#x} bytes"


# --------------------------------------------------------------------------- domains


class Domain:
    """A second-level translation domain: one page-table tree tagged with a DID.

    Created by :meth:`TableBuilder.create_domain`. ``levels`` = AW+2; the top table is at
    :attr:`slptptr`.
    """

    def __init__(self, builder: TableBuilder, did: int, aw: int) -> None:
        self._b = builder
        self.did = did
        self.aw = aw
        self.agaw = AW_AGAW[aw]
        self.levels = aw + 2
        self._top = _Table(builder._alloc_table(), self.levels)

    def __repr__(self) -> str:
        return f"Domain(did={self.did}, aw={self.aw}, slptptr={self.slptptr:#x})"

    @property
    def slptptr(self) -> int:
        return self._top.addr

    @property
    def input_limit(self) -> int:
        """IOVAs must be below 2^X with X = min(MGAW, AGAW) (doc/vtd-rules.md §2.3)."""
        return 1 << min(self._b.config.MGAW, self.agaw)

    @property
    def page_sizes(self) -> list[int]:
        """Leaf sizes allowed by CAP.SLLPS, smallest first."""
        sllps = self._b.config.SLLPS
        return [SIZE_4K] + [SIZE_2M] * (sllps & 1) + [SIZE_1G] * (sllps >> 1 & 1)

    # ----------------------------------------------------------------- map / unmap

    def map(self, iova: int, hpa: int, size: int, read: bool = True, write: bool = True,
            page_size: int | None = None, replace: bool = False) -> list[Mapping]:
        """Map [iova, iova+size) to [hpa, hpa+size); returns the leaves, in IOVA order.

        ``page_size`` None picks, at each step, the largest size allowed by SLLPS and by the
        alignment of both addresses and the remaining length. Intermediate tables are allocated
        as needed; non-leaf entries get R=W=1. Mapping a range that is already mapped the
        same way is a no-op; a different existing mapping (or a raw entry) raises
        :class:`MappingConflict` unless ``replace`` (a large page that must make room for
        smaller ones is then split). Nothing is written when an error is raised, except if
        the allocator runs out midway.
        """
        self._check_iova_range(iova, size, "map")
        for value, what in ((hpa, "HPA"), (size, "size")):
            if value % SIZE_4K:
                raise TableError(f"map: {what} {value:#x} is not 4 KB aligned")
        haw = self._b.config.HAW
        if hpa < 0 or hpa + size > 1 << haw:
            raise TableError(f"map: HPA range {hpa:#x}+{size:#x} does not fit HAW={haw} "
                             f"(must end at or below {1 << haw:#x})")
        if not (read or write):
            raise TableError("map: read=False and write=False is a not-present entry; use "
                             "unmap(), or set_entry() for a raw entry")
        chunks = self._plan(iova, hpa, size, page_size, read, write)
        if not replace:
            for chunk in chunks:
                self._check_free(chunk)
        for chunk in chunks:
            self._place(chunk)
        return chunks

    def unmap(self, iova: int, size: int) -> list[Mapping]:
        """Clear every leaf in [iova, iova+size) (the entry becomes 0: R=W=0).

        Returns the mappings removed. Unmapped holes in the range are fine. A large page
        (or raw entry) only partly inside the range raises: the builder does not split pages
        on unmap. Empty tables are kept.
        """
        self._check_iova_range(iova, size, "unmap")
        end = iova + size
        found = list(self._slots_in(iova, end))
        for table, _idx, slot, base in found:
            cov = _coverage(table.level)
            if base < iova or base + cov > end:
                kind = "raw entry" if isinstance(slot, RawEntry) else f"{_human(cov)} page"
                raise TableError(
                    f"unmap {iova:#x}+{size:#x} (domain {self.did}) covers only part of the "
                    f"{kind} at IOVA {base:#x}+{cov:#x}; unmapping would split it: unmap the "
                    "whole page, or first map it again with smaller pages (replace=True)")
        removed: list[Mapping] = []
        for table, idx, slot, _ in found:
            del table.slots[idx]
            self._b._write_qword(table.addr + 8 * idx, 0)
            if isinstance(slot, Mapping):
                removed.append(slot)
        return removed

    def lookup(self, iova: int) -> Translation | None:
        """The builder's own view: (hpa, read, write, page_size) of ``iova``, or None when
        unmapped. Raises :class:`RawEntryError` under an entry written by set_entry()."""
        if not 0 <= iova < self.input_limit:
            return None
        table = self._top
        while True:
            slot = table.slots.get(_index(iova, table.level))
            if slot is None:
                return None
            if isinstance(slot, _Table):
                table = slot
                continue
            if isinstance(slot, RawEntry):
                raise RawEntryError(
                    f"IOVA {iova:#x} (domain {self.did}) is under the level-{slot.level} entry "
                    f"{slot.value:#018x} written raw by set_entry(); the builder does not "
                    "predict its translation")
            return Translation(slot.hpa + (iova - slot.iova), slot.read, slot.write, slot.size)

    def mappings(self) -> list[Mapping]:
        """Every leaf written by map() and still present, in IOVA order."""
        return [s for _, _, s, _ in self._slots_in(0, 1 << self.agaw) if isinstance(s, Mapping)]

    def raw_entries(self) -> list[RawEntry]:
        """Every entry written by set_entry() and still present, in IOVA order."""
        return [s for _, _, s, _ in self._slots_in(0, 1 << self.agaw)
                if isinstance(s, RawEntry)]

    # ----------------------------------------------------------------- escape hatches

    def set_entry(self, level: int, iova: int, value: int) -> int:
        """Write the raw 64-bit ``value`` into the level-``level`` entry that translates
        ``iova`` (level 1 = PTE ... ``levels`` = top); returns the entry's address.

        Tables above it are allocated with R=W=1 entries as usual; the path must not pass
        through a leaf or raw entry. Whatever the entry held before is forgotten; lookups
        under it raise :class:`RawEntryError` until map(replace=True) or unmap() covers it.
        """
        self._check_level(level)
        if not 0 <= iova < 1 << self.agaw:
            raise TableError(f"set_entry: IOVA {iova:#x} is outside the {self.agaw}-bit "
                             f"AGAW of domain {self.did}")
        if not 0 <= value <= U64:
            raise TableError(f"set_entry: value {value:#x} is not a 64-bit number")
        table = self._descend(iova, level, "set_entry")
        idx = _index(iova, level)
        table.slots[idx] = RawEntry(level, iova & ~(_coverage(level) - 1), value)
        addr = table.addr + 8 * idx
        self._b._write_qword(addr, value)
        return addr

    def move_table(self, level: int, iova: int) -> tuple[int, int]:
        """Move the level-``level`` table translating ``iova`` to a fresh page: its entries
        are copied and the entry above it is pointed at the copy. Returns (old, new)
        addresses. The old page keeps its contents (software may reuse it only after the
        invalidation that must follow, IH=0: paging-structure caches may hold it)."""
        if not 1 <= level < self.levels:
            raise TableError(f"move_table: level {level} is not in 1..{self.levels - 1} "
                             f"(domain {self.did}; the top table moves with its context entry)")
        parent = self._descend(iova, level + 1, "move_table")
        idx = _index(iova, level + 1)
        child = parent.slots.get(idx)
        if not isinstance(child, _Table):
            raise TableError(f"move_table: no level-{level} table translates IOVA {iova:#x} "
                             f"(domain {self.did})")
        old, new = child.addr, self._b._alloc_table()
        for i in range(512):
            value = self._b._written.get(old + 8 * i, 0)
            if value:
                self._b._write_qword(new + 8 * i, value)
        child.addr = new
        self._b._write_qword(parent.addr + 8 * idx, sl_entry(new, True, True))
        return old, new

    def entry_address(self, level: int, iova: int) -> int | None:
        """Address of the level-``level`` entry translating ``iova``, or None when the table
        holding it does not exist (the path stops earlier)."""
        self._check_level(level)
        table = self._top
        while table.level > level:
            slot = table.slots.get(_index(iova, table.level))
            if not isinstance(slot, _Table):
                return None
            table = slot
        return table.addr + 8 * _index(iova, level)

    def table_addresses(self) -> list[int]:
        """Every table of this domain the builder still references, top first."""
        out: list[int] = []
        todo = [self._top]
        while todo:
            t = todo.pop(0)
            out.append(t.addr)
            todo += [s for _, s in sorted(t.slots.items()) if isinstance(s, _Table)]
        return out

    # ----------------------------------------------------------------- internals

    def _check_level(self, level: int) -> None:
        if not 1 <= level <= self.levels:
            raise TableError(f"level {level} is not in 1..{self.levels} (domain {self.did} "
                             f"has {self.levels} levels)")

    def _check_iova_range(self, iova: int, size: int, what: str) -> None:
        if size <= 0:
            raise TableError(f"{what}: size {size:#x} must be positive")
        if iova % SIZE_4K:
            raise TableError(f"{what}: IOVA {iova:#x} is not 4 KB aligned")
        if size % SIZE_4K:
            raise TableError(f"{what}: size {size:#x} is not a multiple of 4 KB")
        limit = self.input_limit
        if iova < 0 or iova + size > limit:
            raise TableError(
                f"{what}: IOVA range {iova:#x}+{size:#x} does not fit the input-address limit "
                f"2^{limit.bit_length() - 1} = {limit:#x} of domain {self.did} (AGAW "
                f"{self.agaw}, MGAW {self._b.config.MGAW})")

    def _plan(self, iova: int, hpa: int, size: int, page_size: int | None, read: bool,
              write: bool) -> list[Mapping]:
        sizes = self.page_sizes
        if page_size is not None:
            if page_size not in (SIZE_4K, SIZE_2M, SIZE_1G):
                raise TableError(f"map: page_size {page_size:#x} is not 4 KB, 2 MB or 1 GB")
            if page_size not in sizes:
                raise TableError(f"map: {_human(page_size)} pages are not supported "
                                 f"(CAP.SLLPS={self._b.config.SLLPS:#06b})")
            for value, what in ((iova, "IOVA"), (hpa, "HPA"), (size, "size")):
                if value % page_size:
                    raise TableError(f"map: {what} {value:#x} is not aligned to the requested "
                                     f"{_human(page_size)} page size")
            sizes = [page_size]
        out: list[Mapping] = []
        off = 0
        while off < size:
            s = next(s for s in reversed(sizes)
                     if (iova + off) % s == 0 and (hpa + off) % s == 0 and size - off >= s)
            out.append(Mapping(iova + off, hpa + off, s, read, write))
            off += s
        return out

    def _check_free(self, chunk: Mapping) -> None:
        """Raise MappingConflict if placing ``chunk`` would change an existing translation."""
        leaf_level = LEAF_LEVEL_OF_SIZE[chunk.size]
        table = self._top
        while True:
            slot = table.slots.get(_index(chunk.iova, table.level))
            if slot is None:
                return
            if isinstance(slot, _Table):
                if table.level > leaf_level:
                    table = slot
                    continue
                # The chunk's entry points at a lower table: fine if everything under it
                # already translates like the chunk (or nothing is mapped there).
                for inner in self._slots_in_table(slot):
                    if not (isinstance(inner, Mapping) and chunk.translates_like(inner)):
                        raise MappingConflict(self._conflict_text(chunk, inner))
                return
            if isinstance(slot, Mapping) and slot.translates_like(chunk):
                return
            raise MappingConflict(self._conflict_text(chunk, slot))

    def _conflict_text(self, chunk: Mapping, slot: Mapping | RawEntry) -> str:
        new = f"IOVA {chunk.iova:#x}+{chunk.size:#x} -> {chunk.hpa:#x}"
        if isinstance(slot, RawEntry):
            old = (f"a raw level-{slot.level} entry {slot.value:#018x} (set_entry) at IOVA "
                   f"{slot.iova:#x}")
        else:
            perms = ("R" if slot.read else "") + ("W" if slot.write else "")
            old = (f"the existing {_human(slot.size)} mapping IOVA {slot.iova:#x} -> "
                   f"{slot.hpa:#x} ({perms})")
        return (f"domain {self.did}: map {new} would overwrite {old}; unmap it first or pass "
                "replace=True")

    def _place(self, chunk: Mapping) -> None:
        leaf_level = LEAF_LEVEL_OF_SIZE[chunk.size]
        table = self._top
        while table.level > leaf_level:
            idx = _index(chunk.iova, table.level)
            slot = table.slots.get(idx)
            if isinstance(slot, _Table):
                table = slot
                continue
            if isinstance(slot, Mapping):
                if slot.translates_like(chunk):
                    return
                child = self._split(slot, table.level)
            else:  # absent, or a raw entry being replaced
                child = _Table(self._b._alloc_table(), table.level - 1)
            table.slots[idx] = child
            self._b._write_qword(table.addr + 8 * idx, sl_entry(child.addr, True, True))
            table = child
        idx = _index(chunk.iova, leaf_level)
        if table.slots.get(idx) == chunk:
            return
        table.slots[idx] = chunk
        self._b._write_qword(table.addr + 8 * idx, self._leaf_value(chunk))

    def _split(self, big: Mapping, level: int) -> _Table:
        """A new level-1 lower table holding ``big`` as 512 smaller leaves."""
        child = _Table(self._b._alloc_table(), level - 1)
        sub = _coverage(level - 1)
        for i in range(512):
            m = Mapping(big.iova + i * sub, big.hpa + i * sub, sub, big.read, big.write)
            child.slots[i] = m
            self._b._write_qword(child.addr + 8 * i, self._leaf_value(m))
        return child

    @staticmethod
    def _leaf_value(m: Mapping) -> int:
        return sl_entry(m.hpa, m.read, m.write, page=m.size > SIZE_4K)

    def _descend(self, iova: int, level: int, what: str) -> _Table:
        table = self._top
        while table.level > level:
            idx = _index(iova, table.level)
            slot = table.slots.get(idx)
            if slot is None:
                child = _Table(self._b._alloc_table(), table.level - 1)
                table.slots[idx] = child
                self._b._write_qword(table.addr + 8 * idx, sl_entry(child.addr, True, True))
                slot = child
            elif not isinstance(slot, _Table):
                kind = "raw entry" if isinstance(slot, RawEntry) else "leaf (large page)"
                raise TableError(f"{what}: the level-{table.level} entry for IOVA {iova:#x} "
                                 f"(domain {self.did}) is a {kind}, not a table pointer; "
                                 f"level {level} cannot be reached")
            table = slot
        return table

    def _slots_in(self, start: int, end: int
                  ) -> Iterator[tuple[_Table, int, Mapping | RawEntry, int]]:
        """(table, index, leaf-or-raw slot, first IOVA) for slots intersecting [start, end)."""

        def walk(table: _Table, base: int) -> Iterator[tuple[_Table, int, Mapping | RawEntry,
                                                             int]]:
            cov = _coverage(table.level)
            for idx in sorted(table.slots):
                lo = base + idx * cov
                if lo + cov <= start or lo >= end:
                    continue
                slot = table.slots[idx]
                if isinstance(slot, _Table):
                    yield from walk(slot, lo)
                else:
                    yield table, idx, slot, lo

        yield from walk(self._top, 0)

    @staticmethod
    def _slots_in_table(table: _Table) -> Iterator[Mapping | RawEntry]:
        for slot in table.slots.values():
            if isinstance(slot, _Table):
                yield from Domain._slots_in_table(slot)
            else:
                yield slot


# --------------------------------------------------------------------------- builder


class TableBuilder:
    """Builds root/context tables, domains, the IRT and the invalidation queue in ``memory``,
    and returns the driver's register programming as scenario steps."""

    def __init__(self, memory: Memory, config: UnitConfig | None = None,
                 allocator: PageAllocator | None = None) -> None:
        self.memory = memory
        self.config = config if config is not None else UnitConfig()
        self.allocator = allocator if allocator is not None else PageAllocator(memory)
        self._written: dict[int, int] = {}  # qword address -> last value the builder wrote
        self._pending: dict[int, int] = {}  # written since the last memory_image/flush_steps
        self.gsts = 0  # GSTS value the builder expects the unit to have (see module doc)
        self.root_table_addr = self._alloc_table()
        self._context_tables: dict[int, int] = {}
        self._raw_roots: set[int] = set()
        self._devices: dict[int, Assignment] = {}
        self._domains: dict[int, Domain] = {}
        self._passthrough_dids: set[int] = set()
        # interrupt remapping table
        self.irta: int | None = None
        self._irt_addr = 0
        self._irt_entries = 0
        self._eime = False
        self._irtes: dict[int, Irte] = {}
        # invalidation queue
        self.iqa: int | None = None
        self._iq_addr = 0
        self._iq_entries = 0
        self.iq_tail = 0  # software tail, in descriptors
        self._status_addr = 0
        self._wait_seq = 0

    # ----------------------------------------------------------------- memory

    def _alloc_table(self, pages: int = 1) -> int:
        addr = self.allocator.alloc(pages)
        end = addr + pages * PAGE_SIZE
        if end > 1 << self.config.HAW:
            raise TableError(f"allocated table page {addr:#x} is above HAW={self.config.HAW}; "
                             "give the builder a PageAllocator below 2^HAW")
        return addr

    def _write_qword(self, addr: int, value: int) -> None:
        self.memory.poke_u64(addr, value)
        self._written[addr] = value
        self._pending[addr] = value

    def _write_pair(self, addr: int, lo: int, hi: int) -> None:
        """A 128-bit entry: the high qword first, so the present bit (low) lands last."""
        self._write_qword(addr + 8, hi)
        self._write_qword(addr, lo)

    def memory_image(self, mark_flushed: bool = True) -> list[dict[str, object]]:
        """The scenario ``memory`` section for everything the builder wrote: runs of
        consecutive non-zero qwords, never crossing a 4 KB page, hex strings.

        With ``mark_flushed`` (default) the image counts as delivered: later
        :meth:`flush_steps` return only what is written after this call.
        """
        if mark_flushed:
            self._pending.clear()
        nonzero = {a: v for a, v in self._written.items() if v}
        return [{"addr": f"{addr:#x}", "qwords": [f"{q:#018x}" for q in qwords]}
                for addr, qwords in _runs(nonzero)]

    def flush_steps(self) -> list[Step]:
        """``mem_write`` steps for every qword written since the last memory_image() or
        flush_steps() (zeros included), grouped into runs within a 4 KB page."""
        steps = [step_mem_write(addr, qwords) for addr, qwords in _runs(self._pending)]
        self._pending.clear()
        return steps

    # ----------------------------------------------------------------- domains and devices

    def create_domain(self, did: int | None = None, aw: int | None = None) -> Domain:
        """A translation domain with an empty top-level table.

        ``did`` defaults to the lowest free DID >= 1 (DID 0 is reserved when CM=1, so it is
        never picked, but may be asked for). ``aw`` is the context AW encoding 1/2/3
        (3/4/5 levels) and defaults to the largest one in CAP.SAGAW.
        """
        if did is None:
            did = next((d for d in range(1, 1 << self.config.domain_id_bits)
                        if not self._did_used(d)), None)
            if did is None:
                raise TableError("no free DID left: every DID >= 1 of the "
                                 f"{self.config.domain_id_bits}-bit width is in use")
        self._check_did(did)
        if did in self._domains:
            raise TableError(f"DID {did} is already used by {self._domains[did]!r}")
        if did in self._passthrough_dids:
            raise TableError(f"DID {did} is already used by a pass-through assignment")
        if aw is None:
            aw = self.config.largest_aw
        if aw not in AW_AGAW or not self.config.SAGAW >> aw & 1:
            raise TableError(f"AW {aw} is not supported: CAP.SAGAW={self.config.SAGAW:#07b} "
                             f"allows {[a for a in AW_AGAW if self.config.SAGAW >> a & 1]} "
                             "(1 = 39-bit/3-level, 2 = 48-bit/4-level, 3 = 57-bit/5-level)")
        dom = Domain(self, did, aw)
        self._domains[did] = dom
        return dom

    def domain(self, did: int) -> Domain:
        if did not in self._domains:
            raise TableError(f"no domain with DID {did}")
        return self._domains[did]

    @property
    def domains(self) -> list[Domain]:
        return [self._domains[d] for d in sorted(self._domains)]

    def context_table(self, bus: int) -> int:
        """Address of the context table for ``bus``, allocated (and the root entry written,
        unless it was written raw) on first use."""
        if not 0 <= bus <= 0xFF:
            raise TableError(f"bus {bus:#x} is not in 0..0xff")
        if bus not in self._context_tables:
            addr = self._alloc_table()
            self._context_tables[bus] = addr
            if bus not in self._raw_roots:
                self._write_pair(self.root_entry_address(bus), *root_entry(addr))
        return self._context_tables[bus]

    def root_entry_address(self, bus: int) -> int:
        return self.root_table_addr + 16 * bus

    def context_entry_address(self, sid: int | str) -> int:
        """Address of the context entry of ``sid`` (allocates the bus's context table)."""
        s = parse_sid(sid)
        return self.context_table(s >> 8) + 16 * (s & 0xFF)

    def assign_device(self, sid: int | str, domain: Domain, fpd: bool = False) -> int:
        """Point ``sid`` at ``domain`` (TT=00, P=1). Returns the context entry's address.

        Re-assigning a present device just rewrites the entry: the caller invalidates the
        context cache (and the IOTLB) as §6.1 requires.
        """
        if self._domains.get(domain.did) is not domain:
            raise TableError(f"{domain!r} was not created by this builder")
        return self._assign(parse_sid(sid), TT_TRANSLATE, domain.did, domain.aw, fpd, domain)

    def assign_passthrough(self, sid: int | str, did: int, fpd: bool = False) -> int:
        """Pass-through (TT=10) with AW = the largest supported AGAW (§2.2) and ``did``.
        Several devices may share one pass-through DID; a translation domain's DID may not."""
        if not self.config.PT:
            raise TableError("pass-through needs ECAP.PT=1 (config PT=0); write the entry with "
                             "write_context_entry() to test the reserved TT")
        self._check_did(did)
        if did in self._domains:
            raise TableError(f"DID {did} belongs to {self._domains[did]!r}; a pass-through "
                             "assignment needs its own DID")
        self._passthrough_dids.add(did)
        return self._assign(parse_sid(sid), TT_PASSTHROUGH, did, self.config.largest_aw, fpd,
                            None)

    def unassign_device(self, sid: int | str, fpd: bool = False) -> int:
        """Make the context entry not present (P=0; FPD as given, evaluated even when P=0).
        Returns the entry's address."""
        s = parse_sid(sid)
        addr = self.context_entry_address(s)
        self._write_pair(addr, context_entry(present=False, fpd=fpd, tt=0, slptptr=0, aw=0,
                                             did=0)[0], 0)
        self._devices[s] = Assignment(s, False, 0, 0, 0, fpd, None)
        return addr

    def device(self, sid: int | str) -> Assignment | None:
        """What the builder last wrote for ``sid`` (None if never written or written raw)."""
        return self._devices.get(parse_sid(sid))

    def write_context_entry(self, sid: int | str, lo: int, hi: int) -> int:
        """Raw context entry (for malformed-entry tests). Returns its address."""
        s = parse_sid(sid)
        addr = self.context_entry_address(s)
        self._write_pair(addr, lo & U64, hi & U64)
        self._devices.pop(s, None)
        return addr

    def write_root_entry(self, bus: int, lo: int, hi: int) -> int:
        """Raw root entry for ``bus``. Later assign_device() calls on that bus still write
        into the builder's context table (allocated if needed) but leave this entry alone.
        Returns the entry's address."""
        if not 0 <= bus <= 0xFF:
            raise TableError(f"bus {bus:#x} is not in 0..0xff")
        self._raw_roots.add(bus)
        addr = self.root_entry_address(bus)
        self._write_pair(addr, lo & U64, hi & U64)
        return addr

    def _assign(self, sid: int, tt: int, did: int, aw: int, fpd: bool,
                domain: Domain | None) -> int:
        addr = self.context_entry_address(sid)
        slptptr = domain.slptptr if domain is not None else 0
        self._write_pair(addr, *context_entry(present=True, fpd=fpd, tt=tt, slptptr=slptptr,
                                              aw=aw, did=did))
        self._devices[sid] = Assignment(sid, True, tt, did, aw, fpd, domain)
        return addr

    def _check_did(self, did: int) -> None:
        bits = self.config.domain_id_bits
        if not 0 <= did < 1 << bits:
            raise TableError(f"DID {did} does not fit the {bits}-bit domain-id width "
                             f"(CAP.ND={self.config.ND}: DIDs 0..{(1 << bits) - 1})")

    def _did_used(self, did: int) -> bool:
        return did in self._domains or did in self._passthrough_dids

    # ----------------------------------------------------------------- interrupt remapping

    def create_irt(self, entries: int, eime: bool = False) -> int:
        """Allocate an interrupt remapping table of 2^(S+1) >= ``entries`` entries and return
        the IRTA register value (address, EIME, S). Replaces any previous table."""
        if not 1 <= entries <= 1 << 16:
            raise TableError(f"an IRT holds 1..65536 entries, not {entries}")
        if eime and not self.config.EIM:
            raise TableError("EIME=1 (x2APIC) needs ECAP.EIM=1 (config EIM=0)")
        s = max(0, (entries - 1).bit_length() - 1)
        n = 1 << (s + 1)
        self._irt_addr = self._alloc_table(max(1, n * 16 // PAGE_SIZE))
        self._irt_entries = n
        self._eime = eime
        self._irtes = {}
        self.irta = (regmap.fld("IRTA", "IRTA").put(0, self._irt_addr >> 12)
                     | regmap.fld("IRTA", "EIME").put(0, int(eime))
                     | regmap.fld("IRTA", "S").put(0, s))
        return self.irta

    @property
    def irt_entries(self) -> int:
        return self._irt_entries

    def irte_address(self, index: int) -> int:
        self._check_irte_index(index)
        return self._irt_addr + 16 * index

    def set_irte(self, index: int, vector: int, dest: int, dm: int = 0, rh: int = 0, tm: int = 0,
                 dlm: int = 0, sid: int | str | None = None, sq: int = 0, svt: int | None = None,
                 fpd: bool = False, present: bool = True) -> tuple[int, int]:
        """Write a remapped-format IRTE (§2.5); returns (lo, hi).

        ``dest`` is an 8-bit xAPIC ID (table created with eime=False, stored in bits 47:40)
        or a 32-bit x2APIC ID (eime=True, bits 63:32). ``svt`` defaults to 01 (verify SID
        under SQ) when ``sid`` is given, else 00 (no check). Reserved encodings (DLM 011/110,
        SVT 11) are refused: use write_irte() for them.
        """
        addr = self.irte_address(index)
        if dlm not in (DLM_FIXED, DLM_LOWEST, DLM_SMI, DLM_NMI, DLM_INIT, DLM_EXTINT):
            raise TableError(f"DLM {dlm:#05b} is reserved or out of range; use write_irte()")
        if not self._eime and not 0 <= dest <= 0xFF:
            raise TableError(f"destination {dest:#x} does not fit xAPIC mode (8-bit APIC ID); "
                             "create the IRT with eime=True for 32-bit x2APIC IDs")
        sid_value = parse_sid(sid) if sid is not None else 0
        if svt is None:
            svt = SVT_SID if sid is not None else SVT_NONE
        if svt not in (SVT_NONE, SVT_SID, SVT_BUS):
            raise TableError(f"SVT {svt:#04b} is reserved or out of range; use write_irte()")
        lo, hi = irte_remapped(vector=vector, dest=dest, eime=self._eime, dm=dm, rh=rh, tm=tm,
                               dlm=dlm, sid=sid_value, sq=sq, svt=svt, fpd=fpd,
                               present=present)
        self._write_pair(addr, lo, hi)
        self._irtes[index] = Irte(index, vector, dest, dm, rh, tm, dlm, sid_value, sq, svt, fpd,
                                  present)
        return lo, hi

    def clear_irte(self, index: int, fpd: bool = False) -> None:
        """Make IRTE ``index`` not present (all zero except FPD as given)."""
        self._write_pair(self.irte_address(index), int(fpd) << 1, 0)
        self._irtes.pop(index, None)

    def write_irte(self, index: int, lo: int, hi: int) -> int:
        """Raw IRTE (for malformed-entry tests). Returns its address."""
        addr = self.irte_address(index)
        self._write_pair(addr, lo & U64, hi & U64)
        self._irtes.pop(index, None)
        return addr

    def irte(self, index: int) -> Irte | None:
        """What set_irte() last wrote at ``index`` (None after clear/raw writes)."""
        return self._irtes.get(index)

    @staticmethod
    def msi_address(index: int, shv: bool = True) -> int:
        """Remappable MSI address for handle ``index`` (see tables_formats.msi_address)."""
        return msi_address(index, shv)

    @staticmethod
    def msi_data(subhandle: int = 0) -> int:
        return msi_data(subhandle)

    def _check_irte_index(self, index: int) -> None:
        if not self._irt_entries:
            raise TableError("no interrupt remapping table: call create_irt() first")
        if not 0 <= index < self._irt_entries:
            raise TableError(f"IRTE index {index} is outside the table of "
                             f"{self._irt_entries} entries")

    # ----------------------------------------------------------------- invalidation queue

    def create_invalidation_queue(self, qs: int = 0) -> int:
        """Allocate a queue of 2^qs pages (2^(qs+8) 128-bit descriptors) plus a page for wait
        status writes; returns the IQA register value (DW=0)."""
        if not 0 <= qs <= 7:
            raise TableError(f"IQA.QS {qs} is not in 0..7")
        self._iq_addr = self._alloc_table(1 << qs)
        self._iq_entries = 1 << (qs + 8)
        self._status_addr = self._alloc_table()
        self.iq_tail = 0
        self.iqa = (regmap.fld("IQA", "IQA").put(0, self._iq_addr >> 12)
                    | regmap.fld("IQA", "QS").put(0, qs))
        return self.iqa

    @property
    def iq_entries(self) -> int:
        return self._iq_entries

    @property
    def wait_status_addr(self) -> int:
        """Where submit_invalidations() has wait descriptors write their status."""
        return self._status_addr

    def queue_descriptors(self, descriptors: Iterable[Descriptor]) -> int:
        """Write descriptors at the software tail (wrapping) and return the new IQT value.

        The builder cannot see the head: it assumes the unit consumed everything queued
        before (the steps of submit_invalidations() wait for that).
        """
        if not self._iq_entries:
            raise TableError("no invalidation queue: call create_invalidation_queue() first")
        descs = list(descriptors)
        if len(descs) >= self._iq_entries:
            raise TableError(f"{len(descs)} descriptors do not fit a queue of "
                             f"{self._iq_entries} entries (at most {self._iq_entries - 1})")
        for qw0, qw1 in descs:
            addr = self._iq_addr + 16 * self.iq_tail
            self._write_qword(addr, qw0 & U64)
            self._write_qword(addr + 8, qw1 & U64)
            self.iq_tail = (self.iq_tail + 1) % self._iq_entries
        return regmap.fld("IQT", "QT").put(0, self.iq_tail)

    def submit_invalidations(self, descriptors: Iterable[Descriptor],
                             wait: bool = True) -> list[Step]:
        """Steps of a queued invalidation: ``mem_write`` of everything written since the last
        flush (table edits and these descriptors), IQT = new tail, and with ``wait`` an
        inv_wait_dsc (SW=1, status data = a sequence number) whose status write is polled."""
        if not self.gsts & regmap.fld("GSTS", "QIES").mask:
            raise TableError("queued invalidation is not enabled: use "
                             "enable_queued_invalidation() first (or the *_register methods)")
        descs = list(descriptors)
        seq = 0
        if wait:
            self._wait_seq = seq = self._wait_seq % 0xFFFF_FFFF + 1
            descs.append(inv_wait_dsc(self._status_addr, seq, sw=True))
        tail = self.queue_descriptors(descs)
        steps = self.flush_steps() + [step_reg_write("IQT", tail)]
        if wait:
            steps.append(step_poll_mem(self._status_addr, 0xFFFF_FFFF, seq))
        return steps

    def global_invalidate_queued(self, iec: bool = False) -> list[Step]:
        """Global context-cache then global IOTLB (then global IEC with ``iec``) descriptors."""
        descs = [cc_inv_dsc(G_GLOBAL), iotlb_inv_dsc(G_GLOBAL)]
        if iec:
            descs.append(iec_inv_dsc(IEC_GLOBAL))
        return self.submit_invalidations(descs)

    # ----------------------------------------------------------------- GCMD / GSTS

    def _gcmd(self, cmd: str, status: str, on: bool) -> list[Step]:
        """One GCMD write changing ``cmd`` (§1.4 rule) and the poll of its status bit."""
        bit = regmap.fld("GCMD", cmd).mask
        sts = regmap.fld("GSTS", status).mask
        value = self.gsts & GSTS_PRESERVE_MASK
        value = value | bit if on else value & ~bit
        self.gsts = self.gsts | sts if on else self.gsts & ~sts
        return [step_reg_write("GCMD", value), step_poll_reg("GSTS", sts, sts if on else 0)]

    def _status(self, status: str) -> bool:
        return bool(self.gsts & regmap.fld("GSTS", status).mask)

    def program_root_table(self, invalidate: bool = False) -> list[Step]:
        """RTADDR = root table (TTM=00), GCMD.SRTP, poll GSTS.RTPS.

        With ESRTPS=0 (P1) software must then invalidate the context cache and the IOTLB
        globally (§6.5); ``invalidate`` appends that (queued when QI is enabled, else through
        the registers). On a unit that never translated, the caches are empty.
        """
        value = regmap.fld("RTADDR", "RTA").put(0, self.root_table_addr >> 12)
        steps = [step_reg_write("RTADDR", value)] + self._gcmd("SRTP", "RTPS", True)
        if invalidate:
            steps += self.global_invalidate()
        return steps

    def enable_translation(self) -> list[Step]:
        if not self._status("RTPS"):
            raise TableError("enable_translation: the root table pointer was never set "
                             "(program_root_table() first; or set tb.gsts if done by hand)")
        return self._gcmd("TE", "TES", True)

    def disable_translation(self) -> list[Step]:
        return self._gcmd("TE", "TES", False)

    def enable_queued_invalidation(self, iqa: int | None = None) -> list[Step]:
        """IQT = 0, IQA, GCMD.QIE, poll QIES. ``iqa`` defaults to create_invalidation_queue()'s
        (queue_descriptors() always writes into that queue)."""
        if not self.config.QI:
            raise TableError("queued invalidation needs ECAP.QI=1 (config QI=0)")
        if iqa is None:
            if self.iqa is None:
                raise TableError("no invalidation queue: call create_invalidation_queue()")
            iqa = self.iqa
        self.iq_tail = 0
        return ([step_reg_write("IQT", 0), step_reg_write("IQA", iqa)]
                + self._gcmd("QIE", "QIES", True))

    def disable_queued_invalidation(self) -> list[Step]:
        """GCMD.QIE=0 and poll; the unit resets IQH to 0 (the queue must be quiesced)."""
        self.iq_tail = 0
        return self._gcmd("QIE", "QIES", False)

    def enable_interrupt_remapping(self, irta: int | None = None, cfi: bool = False,
                                   invalidate_iec: bool = False) -> list[Step]:
        """IRTA, GCMD.SIRTP + poll IRTPS, [global IEC invalidation], GCMD.IRE + poll IRES,
        then with ``cfi`` GCMD.CFI + poll CFIS (CFI only matters once IRES=1, §1.4).

        With ESIRTPS=0 (P1) software must globally invalidate the IEC after SIRTP (§6.5):
        ``invalidate_iec`` inserts that through the queue (QI must be enabled). On a unit
        that never remapped, the IEC is empty.
        """
        if not self.config.IR:
            raise TableError("interrupt remapping needs ECAP.IR=1 (config IR=0)")
        if irta is None:
            if self.irta is None:
                raise TableError("no interrupt remapping table: call create_irt() first")
            irta = self.irta
        steps = [step_reg_write("IRTA", irta)] + self._gcmd("SIRTP", "IRTPS", True)
        if invalidate_iec:
            steps += self.submit_invalidations([iec_inv_dsc(IEC_GLOBAL)])
        steps += self._gcmd("IRE", "IRES", True)
        if cfi:
            steps += self._gcmd("CFI", "CFIS", True)
        return steps

    def disable_interrupt_remapping(self) -> list[Step]:
        return self._gcmd("IRE", "IRES", False)

    def set_cfi(self, enable: bool) -> list[Step]:
        """GCMD.CFI (compatibility-format interrupts pass through when IRES=1, EIME=0)."""
        return self._gcmd("CFI", "CFIS", enable)

    # ----------------------------------------------------------------- register invalidation

    def context_invalidate_register(self, g: int, did: int = 0, sid: int | str = 0,
                                    fm: int = 0) -> list[Step]:
        """CCMD with ICC=1 and CIRG=``g`` (01 global, 10 domain, 11 device), poll ICC=0."""
        self._require_register_invalidation()
        if g not in (G_GLOBAL, G_DOMAIN, G_DEVICE):
            raise TableError(f"CCMD.CIRG {g:#04b} is reserved (01 global, 10 domain, 11 device)")
        icc = regmap.fld("CCMD", "ICC")
        value = icc.mask
        for name, v in (("CIRG", g), ("DID", did), ("SID", parse_sid(sid)), ("FM", fm)):
            value = _put(regmap.fld("CCMD", name), value, v, f"CCMD.{name}")
        return [step_reg_write("CCMD", value), step_poll_reg("CCMD", icc.mask, 0)]

    def iotlb_invalidate_register(self, g: int, did: int = 0, addr: int = 0, am: int = 0,
                                  ih: int = 0) -> list[Step]:
        """[IVA for page-selective], IOTLB_REG with IVT=1 and IIRG=``g``, poll IVT=0."""
        self._require_register_invalidation()
        if g not in (G_GLOBAL, G_DOMAIN, G_PAGE):
            raise TableError(f"IOTLB.IIRG {g:#04b} is reserved (01 global, 10 domain, 11 page)")
        steps: list[Step] = []
        if g == G_PAGE:
            if not self.config.PSI:
                raise TableError("page-selective invalidation needs CAP.PSI=1 (config PSI=0)")
            if am > self.config.MAMV:
                raise TableError(f"AM {am} exceeds CAP.MAMV={self.config.MAMV}")
            if addr % (SIZE_4K << am):
                raise TableError(f"page-selective invalidation address {addr:#x} is not "
                                 f"aligned to its 2^{am}-page range")
            iva = 0
            for name, v in (("ADDR", addr >> 12), ("IH", ih), ("AM", am)):
                iva = _put(regmap.fld("IVA", name), iva, v, f"IVA.{name}")
            steps.append(step_reg_write("IVA", iva))
        ivt = regmap.fld("IOTLB", "IVT")
        value = ivt.mask
        for name, v in (("IIRG", g), ("DID", did)):
            value = _put(regmap.fld("IOTLB", name), value, v, f"IOTLB.{name}")
        return steps + [step_reg_write("IOTLB", value), step_poll_reg("IOTLB", ivt.mask, 0)]

    def global_invalidate_register(self) -> list[Step]:
        """Global context-cache invalidation, then global IOTLB invalidation (registers)."""
        return self.context_invalidate_register(G_GLOBAL) + self.iotlb_invalidate_register(
            G_GLOBAL)

    def domain_invalidate_register(self, did: int, context: bool = False) -> list[Step]:
        """Domain-selective IOTLB invalidation, preceded with ``context`` by a
        domain-selective context-cache invalidation (needed after context-entry changes)."""
        steps = self.context_invalidate_register(G_DOMAIN, did=did) if context else []
        return steps + self.iotlb_invalidate_register(G_DOMAIN, did=did)

    def page_invalidate_register(self, did: int, addr: int, am: int, ih: int = 0) -> list[Step]:
        """Page-selective IOTLB invalidation of 2^am pages at ``addr`` (IVA, then IOTLB_REG
        with IIRG=11). :func:`psi_range` computes (addr, am) for a byte range."""
        return self.iotlb_invalidate_register(G_PAGE, did=did, addr=addr, am=am, ih=ih)

    def global_invalidate(self) -> list[Step]:
        """Global context cache + IOTLB through the queue when QIES is set, else registers."""
        if self._status("QIES"):
            return self.global_invalidate_queued()
        return self.global_invalidate_register()

    def _require_register_invalidation(self) -> None:
        if self._status("QIES"):
            raise TableError("register-based invalidation is not allowed while queued "
                             "invalidation is enabled (§6.4); use submit_invalidations()")

    # ----------------------------------------------------------------- fault service

    def fault_service_steps(self, index: int) -> list[Step]:
        """Read FRCD[index] (high qword first, as drivers do) and clear it (F is RW1C), then
        read FSTS. The runner's results show what was read."""
        if not 0 <= index < self.config.num_fault_records:
            raise TableError(f"fault record {index} is not in 0..{self.config.NFR}")
        f = regmap.fld("FRCD_HI", "F").mask
        return [step_reg_read(f"FRCD{index}_HI"), step_reg_read(f"FRCD{index}_LO"),
                step_reg_write(f"FRCD{index}_HI", f), step_reg_read("FSTS")]


def _put(field: regmap.Field, word: int, value: int, name: str) -> int:
    if not 0 <= value < 1 << field.width:
        raise TableError(f"{name}={value:#x} does not fit in {field.width} bit(s)")
    return field.put(word, value)


def _runs(words: dict[int, int]) -> list[tuple[int, list[int]]]:
    """Group qwords at consecutive addresses into runs that stay inside one 4 KB page."""
    runs: list[tuple[int, list[int]]] = []
    prev = -16
    for addr in sorted(words):
        if addr == prev + 8 and addr % PAGE_SIZE:
            runs[-1][1].append(words[addr])
        else:
            runs.append((addr, [words[addr]]))
        prev = addr
    return runs
