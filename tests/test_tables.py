"""Tests of the table builder (python_model.tables).

Everything the builder writes is decoded back from memory with literal bit positions taken
from doc/vtd-rules.md (§1 registers, §2 entries, §2.7 descriptors, §5 MSI), independently of
the encoders under test.
"""

from __future__ import annotations

import json
import random

import pytest

from python_model import regmap
from python_model.config import UnitConfig
from python_model.memory import Memory
from tb.software.tables import (
    G_DEVICE,
    G_DOMAIN,
    G_GLOBAL,
    G_PAGE,
    IEC_INDEX,
    SIZE_1G,
    SIZE_2M,
    SIZE_4K,
    AllocationError,
    MappingConflict,
    PageAllocator,
    RawEntryError,
    TableBuilder,
    TableError,
    cc_inv_dsc,
    compat_msi,
    iec_inv_dsc,
    inv_wait_dsc,
    iotlb_inv_dsc,
    msi_address,
    msi_data,
    parse_sid,
    psi_range,
)

# Literal positions from doc/vtd-rules.md (not from the code under test).
GCMD_TE, GCMD_SRTP, GCMD_QIE, GCMD_IRE, GCMD_SIRTP, GCMD_CFI = (
    1 << 31, 1 << 30, 1 << 26, 1 << 25, 1 << 24, 1 << 23)


def bits(value: int, msb: int, lsb: int) -> int:
    return (value >> lsb) & ((1 << (msb - lsb + 1)) - 1)


def make(**cfg) -> tuple[Memory, TableBuilder]:
    mem = Memory()
    return mem, TableBuilder(mem, UnitConfig(**cfg))


def walk(mem: Memory, haw: int, slptptr: int, aw: int, iova: int):
    """Independent legacy second-level walk (§2.3/§2.4) that also checks reserved bits."""
    table = slptptr
    r = w = 1
    for level in range(aw + 2, 0, -1):
        shift = 12 + 9 * (level - 1)
        entry = mem.peek_u64(table + 8 * bits(iova, shift + 8, shift))
        if entry & 3 == 0:
            return None
        r &= entry & 1
        w &= entry >> 1 & 1
        assert bits(entry, 11, 11) == 0, f"SNP/reserved bit 11 set at level {level}"
        assert bits(entry, 51, haw) == 0, f"address bits >= HAW set at level {level}"
        assert bits(entry, 62, 62) == 0
        ps = bits(entry, 7, 7)
        if level > 3:
            assert ps == 0, "PS is reserved in PML4E/PML5E"
        if level == 1 or ps:
            size = 1 << shift
            assert bits(entry, shift - 1, 12) == 0 if shift > 12 else True
            frame = entry & ((1 << haw) - 1) & ~(size - 1)
            return frame | (iova & (size - 1)), bool(r), bool(w), size
        table = entry & ((1 << haw) - 1) & ~0xFFF
    raise AssertionError("unreachable")


# ----------------------------------------------------------------------------- allocator


def test_allocator_pages_are_aligned_distinct_and_zero():
    mem = Memory()
    alloc = PageAllocator(mem)
    pages = [alloc.alloc() for _ in range(5)]
    assert len(set(pages)) == 5
    assert all(p % 4096 == 0 and 0x1000_0000 <= p < 0x2000_0000 for p in pages)
    big = alloc.alloc(4)
    assert big % (4 * 4096) == 0
    assert all(not (big <= p < big + 4 * 4096) for p in pages)
    assert alloc.owns(big + 3 * 4096) and not alloc.owns(big + 4 * 4096)


def test_allocator_skips_reserved_nonzero_and_interrupt_pages():
    mem = Memory()
    mem.poke_u64(0x20_1008, 0x1234)  # user data in the second page
    alloc = PageAllocator(mem, base=0x20_0000, limit=0x30_0000)
    alloc.reserve(0x20_2000, 0x2000)  # third and fourth pages
    got = [alloc.alloc() for _ in range(3)]
    assert got == [0x20_0000, 0x20_4000, 0x20_5000]
    intr = PageAllocator(Memory(), base=0xFEDF_F000, limit=0xFF00_0000)
    assert intr.alloc() == 0xFEDF_F000
    assert intr.alloc() == 0xFEF0_0000  # FEE0_0000-FEEF_FFFF skipped


def test_allocator_exhaustion_and_bad_reserve():
    alloc = PageAllocator(Memory(), base=0x10_0000, limit=0x10_2000)
    first = alloc.alloc()
    alloc.alloc()
    with pytest.raises(AllocationError, match="exhausted"):
        alloc.alloc()
    with pytest.raises(TableError, match="overlaps table pages"):
        alloc.reserve(first + 8, 8)
    with pytest.raises(TableError):
        PageAllocator(Memory(), base=0x1234, limit=0x10_0000)


def test_builder_tables_stay_below_haw():
    mem = Memory()
    with pytest.raises(TableError, match="above HAW"):
        TableBuilder(mem, UnitConfig(HAW=32, MGAW=39, SAGAW=0b10),
                     PageAllocator(mem, base=1 << 32, limit=(1 << 32) + 0x10000))


# ----------------------------------------------------------------------------- root/context


def test_sid_parsing():
    assert parse_sid("01:00.0") == 0x100
    assert parse_sid("ff:1f.7") == 0xFFFF
    assert parse_sid("00:02.3") == 0x13
    assert parse_sid("0x100") == 0x100
    assert parse_sid(7) == 7
    for bad in ("01:20.0", "01:00.8", "zz", 0x10000, -1, "1:2:3"):
        with pytest.raises(TableError, match="source id"):
            parse_sid(bad)


def test_root_and_context_entries_decode():
    mem, tb = make()
    assert tb.root_table_addr % 4096 == 0
    dom = tb.create_domain(did=5, aw=2)
    addr = tb.assign_device("01:02.3", dom, fpd=True)
    root_lo = mem.peek_u64(tb.root_table_addr + 16 * 1)
    root_hi = mem.peek_u64(tb.root_table_addr + 16 * 1 + 8)
    assert bits(root_lo, 0, 0) == 1
    assert bits(root_lo, 11, 1) == 0
    ctp = root_lo & ~0xFFF
    assert root_hi == 0
    assert addr == ctp + 16 * 0x13
    lo, hi = mem.peek_u64(addr), mem.peek_u64(addr + 8)
    assert bits(lo, 0, 0) == 1  # P
    assert bits(lo, 1, 1) == 1  # FPD
    assert bits(lo, 3, 2) == 0b00  # TT
    assert bits(lo, 11, 4) == 0
    assert lo & ~0xFFF == dom.slptptr
    assert bits(hi, 66 - 64, 64 - 64) == 2  # AW
    assert bits(hi, 71 - 64, 67 - 64) == 0
    assert bits(hi, 87 - 64, 72 - 64) == 5  # DID
    assert bits(hi, 127 - 64, 88 - 64) == 0
    # Same bus shares the context table; another bus gets its own; untouched buses stay 0.
    other = tb.assign_device(0x0100, dom)
    assert other == ctp + 16 * 0x00
    tb.assign_device("02:00.0", dom)
    root2 = mem.peek_u64(tb.root_table_addr + 32)
    assert root2 & 1 and root2 & ~0xFFF not in (0, ctp)
    assert mem.peek_u64(tb.root_table_addr + 48) == 0
    a = tb.device("01:02.3")
    assert a is not None and (a.present, a.tt, a.did, a.aw, a.fpd, a.domain) == (
        True, 0, 5, 2, True, dom)


def test_passthrough_entry():
    mem, tb = make(SAGAW=0b1110)
    addr = tb.assign_passthrough("03:00.1", did=9)
    lo, hi = mem.peek_u64(addr), mem.peek_u64(addr + 8)
    assert bits(lo, 0, 0) == 1 and bits(lo, 1, 1) == 0
    assert bits(lo, 3, 2) == 0b10
    assert lo >> 12 == 0
    assert bits(hi, 2, 0) == 3  # largest supported AGAW: 57-bit
    assert bits(hi, 23, 8) == 9
    tb.assign_passthrough("03:00.2", did=9)  # several devices may share the DID
    with pytest.raises(TableError, match="pass-through"):
        tb.create_domain(did=9)
    _, tb2 = make(PT=0)
    with pytest.raises(TableError, match="PT"):
        tb2.assign_passthrough(0x10, did=1)


def test_unassign_and_raw_entries():
    mem, tb = make()
    dom = tb.create_domain()
    addr = tb.assign_device(0x208, dom)
    assert tb.unassign_device(0x208, fpd=True) == addr
    assert mem.peek_u64(addr) == 0b10 and mem.peek_u64(addr + 8) == 0
    assert tb.device(0x208).present is False
    tb.write_context_entry(0x208, 0xDEAD_0001, 0x55)
    assert (mem.peek_u64(addr), mem.peek_u64(addr + 8)) == (0xDEAD_0001, 0x55)
    assert tb.device(0x208) is None
    # A raw root entry survives later assignments on its bus.
    root = tb.write_root_entry(7, 0xABC0_0003, 1)
    tb.assign_device("07:00.0", dom)
    assert (mem.peek_u64(root), mem.peek_u64(root + 8)) == (0xABC0_0003, 1)
    with pytest.raises(TableError):
        tb.write_root_entry(0x100, 0, 0)


def test_domain_ids_and_widths():
    _, tb = make(ND=0)  # 4-bit DIDs
    assert tb.create_domain().did == 1  # never defaults to 0
    assert tb.create_domain(did=0).did == 0  # allowed when asked
    with pytest.raises(TableError, match="4-bit"):
        tb.create_domain(did=16)
    with pytest.raises(TableError, match="already used"):
        tb.create_domain(did=1)
    for _ in range(14):
        tb.create_domain()
    with pytest.raises(TableError, match="no free DID"):
        tb.create_domain()
    _, tb = make(SAGAW=0b0010)
    dom = tb.create_domain()
    assert (dom.aw, dom.levels, dom.agaw) == (1, 3, 39)
    with pytest.raises(TableError, match="SAGAW"):
        tb.create_domain(aw=2)
    _, tb = make(SAGAW=0b1110)
    assert tb.create_domain().levels == 5


# ----------------------------------------------------------------------------- second level


def test_map_4k_writes_every_level():
    mem, tb = make(HAW=46)
    dom = tb.create_domain(aw=2)
    iova, hpa = 0x12_3456_7000, 0x3_0000_5000
    [m] = dom.map(iova, hpa, SIZE_4K, read=True, write=False)
    assert (m.iova, m.hpa, m.size, m.read, m.write) == (iova, hpa, SIZE_4K, True, False)
    table = dom.slptptr
    for level in (4, 3, 2):
        shift = 12 + 9 * (level - 1)
        entry = mem.peek_u64(table + 8 * bits(iova, shift + 8, shift))
        assert entry & 0xFFF == 0b11, f"non-leaf level {level}: R=W=1, PS=0, rest 0"
        assert entry >> 46 == 0
        table = entry & ~0xFFF
        assert table % 4096 == 0 and table in dom.table_addresses()
    leaf = mem.peek_u64(table + 8 * bits(iova, 20, 12))
    assert leaf == hpa | 0b01  # R=1, W=0, nothing else
    assert walk(mem, 46, dom.slptptr, 2, iova + 0x123) == (hpa + 0x123, True, False, SIZE_4K)
    assert dom.entry_address(1, iova) == table + 8 * bits(iova, 20, 12)


@pytest.mark.parametrize(("sllps", "iova", "hpa", "size", "expect"), [
    (0b11, 0, 0x4000_0000, SIZE_1G + SIZE_2M + SIZE_4K, [SIZE_1G, SIZE_2M, SIZE_4K]),
    (0b01, 0, 0x4000_0000, SIZE_1G, [SIZE_2M] * 512),
    (0b00, 0, 0x4000_0000, SIZE_2M, [SIZE_4K] * 512),
    (0b11, 0, 0x4000_1000, SIZE_2M, [SIZE_4K] * 512),  # HPA alignment limits the size
    (0b11, 0x1F_F000, 0x7F_F000, SIZE_2M + 2 * SIZE_4K, [SIZE_4K, SIZE_2M, SIZE_4K]),
])
def test_page_size_selection(sllps, iova, hpa, size, expect):
    mem, tb = make(SLLPS=sllps)
    dom = tb.create_domain()
    chunks = dom.map(iova, hpa, size)
    assert [c.size for c in chunks] == expect
    assert sum(c.size for c in chunks) == size
    for c in chunks[:3] + chunks[-2:]:
        assert c.hpa - c.iova == hpa - iova
        assert walk(mem, 48, dom.slptptr, dom.aw, c.iova) == (c.hpa, True, True, c.size)


def test_explicit_page_size():
    mem, tb = make(SLLPS=0b01)
    dom = tb.create_domain()
    assert [c.size for c in dom.map(0, 0x20_0000, SIZE_2M, page_size=SIZE_4K)] == [SIZE_4K] * 512
    assert walk(mem, 48, dom.slptptr, dom.aw, 0x1000)[3] == SIZE_4K
    with pytest.raises(TableError, match="not supported"):
        dom.map(SIZE_1G, SIZE_1G, SIZE_1G, page_size=SIZE_1G)
    with pytest.raises(TableError, match="not aligned to the requested 2 MB"):
        dom.map(0x4000_1000, 0x20_0000, SIZE_2M, page_size=SIZE_2M)
    with pytest.raises(TableError, match="not 4 KB, 2 MB or 1 GB"):
        dom.map(0x4000_0000, 0, 0x8000, page_size=0x8000)


def test_map_range_errors():
    _, tb = make(HAW=39, MGAW=40, SAGAW=0b0110)
    d3 = tb.create_domain(aw=1)
    d4 = tb.create_domain(aw=2)
    for args, msg in [
        ((0x1001, 0, SIZE_4K), "IOVA 0x1001 is not 4 KB aligned"),
        ((0x1000, 0x10, SIZE_4K), "HPA 0x10 is not 4 KB aligned"),
        ((0x1000, 0, 0x800), "not a multiple of 4 KB"),
        ((0x1000, 0, 0), "must be positive"),
        (((1 << 39) - SIZE_4K, 0, 2 * SIZE_4K), "input-address limit"),
        ((0, (1 << 39) - SIZE_4K, 2 * SIZE_4K), "HAW=39"),
    ]:
        with pytest.raises(TableError, match=msg):
            d3.map(*args)
    d4.map((1 << 40) - SIZE_4K, 0, SIZE_4K)  # limit is min(MGAW, AGAW) = 40 bits
    with pytest.raises(TableError, match="MGAW 40"):
        d4.map(1 << 40, 0, SIZE_4K)
    with pytest.raises(TableError, match="not-present"):
        d4.map(0, 0, SIZE_4K, read=False, write=False)


def test_conflicts_are_refused_without_writing():
    mem, tb = make()
    dom = tb.create_domain()
    dom.map(0x10_0000, 0x50_0000, 4 * SIZE_4K)
    writes = len(mem.write_log)
    with pytest.raises(MappingConflict, match="IOVA 0x100000 -> 0x500000"):
        dom.map(0xF_E000, 0x90_0000, 4 * SIZE_4K)  # overlaps only the first pages
    with pytest.raises(MappingConflict):
        dom.map(0x10_3000, 0x50_3000, SIZE_4K, write=False)  # same address, fewer permissions
    assert len(mem.write_log) == writes
    assert dom.lookup(0xF_E000) is None
    dom.map(0x10_1000, 0x50_1000, SIZE_4K)  # identical: allowed, nothing written
    assert len(mem.write_log) == writes
    dom.map(0x10_1000, 0x90_0000, SIZE_4K, write=False, replace=True)
    assert dom.lookup(0x10_1000) == (0x90_0000, True, False, SIZE_4K)
    assert walk(mem, 48, dom.slptptr, dom.aw, 0x10_1000) == (0x90_0000, True, False, SIZE_4K)


def test_replace_splits_a_large_page():
    mem, tb = make()
    dom = tb.create_domain()
    dom.map(0, 0x4000_0000, SIZE_2M)
    with pytest.raises(MappingConflict, match="2 MB mapping"):
        dom.map(0x1000, 0x8000_0000, SIZE_4K)
    dom.map(0x1000, 0x8000_0000, SIZE_4K, replace=True)
    for iova, hpa in ((0, 0x4000_0000), (0x1000, 0x8000_0000), (0x1F_F000, 0x401F_F000)):
        assert dom.lookup(iova) == (hpa, True, True, SIZE_4K)
        assert walk(mem, 48, dom.slptptr, dom.aw, iova) == (hpa, True, True, SIZE_4K)
    assert len(dom.mappings()) == 512


def test_large_page_over_small_pages():
    mem, tb = make()
    dom = tb.create_domain()
    dom.map(0x20_0000, 0x4020_0000, SIZE_4K)
    with pytest.raises(MappingConflict):
        dom.map(0x20_0000, 0x8000_0000, SIZE_2M)
    dom.map(0x20_0000, 0x4020_0000, SIZE_2M)  # a consistent superset is not a conflict
    assert dom.lookup(0x20_5000) == (0x4020_5000, True, True, SIZE_2M)
    assert walk(mem, 48, dom.slptptr, dom.aw, 0x20_5000) == (0x4020_5000, True, True, SIZE_2M)
    assert [m.size for m in dom.mappings()] == [SIZE_2M]


def test_unmap():
    mem, tb = make()
    dom = tb.create_domain()
    dom.map(0, 0x4000_0000, SIZE_2M + 4 * SIZE_4K)
    leaf = dom.entry_address(1, SIZE_2M + SIZE_4K)
    removed = dom.unmap(SIZE_2M + SIZE_4K, 2 * SIZE_4K)
    assert [(m.iova, m.size) for m in removed] == [(SIZE_2M + SIZE_4K, SIZE_4K),
                                                    (SIZE_2M + 2 * SIZE_4K, SIZE_4K)]
    assert mem.peek_u64(leaf) == 0
    assert dom.lookup(SIZE_2M + SIZE_4K) is None
    assert walk(mem, 48, dom.slptptr, dom.aw, SIZE_2M + SIZE_4K) is None
    assert dom.lookup(SIZE_2M) == (0x4020_0000, True, True, SIZE_4K)
    with pytest.raises(TableError, match="split"):
        dom.unmap(0x1000, SIZE_4K)  # inside the 2 MB page
    assert dom.lookup(0x1000) is not None
    assert dom.unmap(0x4000_0000, SIZE_2M) == []  # a hole: nothing to do
    assert [m.size for m in dom.unmap(0, SIZE_2M)] == [SIZE_2M]
    assert walk(mem, 48, dom.slptptr, dom.aw, 0x1000) is None


def test_lookup_matches_an_independent_walk():
    rng = random.Random(1234)
    mem, tb = make(HAW=46, SAGAW=0b1110)
    for aw in (1, 2, 3):
        dom = tb.create_domain(aw=aw)
        placed = []
        for _ in range(40):
            size = rng.choice([SIZE_4K, 3 * SIZE_4K, SIZE_2M, SIZE_2M + SIZE_4K, SIZE_1G])
            iova = rng.randrange(0, (1 << 39) - size) & ~(SIZE_4K - 1)
            if rng.random() < 0.5:
                iova &= ~(SIZE_2M - 1)
            hpa = (rng.randrange(0, 1 << 45) & ~(SIZE_2M - 1)) + (iova & (SIZE_2M - 1))
            try:
                read = rng.random() < 0.8
                placed += dom.map(iova, hpa, size, read=read,
                                  write=not read or rng.random() < 0.5)
            except MappingConflict:
                continue
        assert dom.mappings() == sorted(dom.mappings(), key=lambda m: m.iova)
        assert {(m.iova, m.size) for m in placed} >= {(m.iova, m.size) for m in dom.mappings()}
        for m in dom.mappings():
            for probe in (m.iova, m.iova + m.size - 8, m.iova + rng.randrange(m.size)):
                got = dom.lookup(probe)
                assert got == walk(mem, 46, dom.slptptr, aw, probe)
                assert got.hpa == m.hpa + probe - m.iova
        for _ in range(200):
            probe = rng.randrange(0, 1 << 39)
            assert dom.lookup(probe) == walk(mem, 46, dom.slptptr, aw, probe)


def test_set_entry_escape_hatch():
    mem, tb = make()
    dom = tb.create_domain()
    dom.map(0, 0x4000_0000, 4 * SIZE_4K)
    addr = dom.set_entry(2, 0x1000, 0x1234_5000 | 0x800 | 0b01)  # PDE with reserved bit 11
    assert mem.peek_u64(addr) == 0x1234_5801
    assert addr == dom.entry_address(2, 0)
    with pytest.raises(RawEntryError, match="set_entry"):
        dom.lookup(0x2000)
    assert dom.raw_entries()[0].level == 2
    assert dom.mappings() == []
    with pytest.raises(MappingConflict, match="raw level-2"):
        dom.map(0x10_0000, 0, SIZE_4K)
    dom.map(0x10_0000, 0x7000_0000, SIZE_4K, replace=True)
    assert walk(mem, 48, dom.slptptr, dom.aw, 0x10_0000) == (0x7000_0000, True, True, SIZE_4K)
    assert dom.raw_entries() == []
    leaf = dom.set_entry(1, 0x10_0000, 0x7000_0000 | 0b10)  # per-level permissions
    assert mem.peek_u64(leaf) == 0x7000_0002
    dom.map(SIZE_1G, 0, SIZE_1G)
    with pytest.raises(TableError, match="leaf"):
        dom.set_entry(1, SIZE_1G, 0)
    with pytest.raises(TableError, match="level 5"):
        dom.set_entry(5, 0, 0)


# ----------------------------------------------------------------------------- interrupts


@pytest.mark.parametrize(("entries", "s"), [(1, 0), (2, 0), (3, 1), (256, 7), (257, 8),
                                            (65536, 15)])
def test_create_irt_size(entries, s):
    _, tb = make()
    irta = tb.create_irt(entries)
    assert bits(irta, 3, 0) == s
    assert bits(irta, 11, 11) == 0
    assert bits(irta, 10, 4) == 0
    assert tb.irt_entries == 2 ** (s + 1) >= entries
    base = irta & ~0xFFF
    assert tb.allocator.owns(base) and tb.allocator.owns(base + 16 * tb.irt_entries - 1)
    assert bits(tb.create_irt(entries, eime=True), 11, 11) == 1


def test_set_irte_xapic_decode():
    mem, tb = make()
    base = tb.create_irt(64) & ~0xFFF
    lo, hi = tb.set_irte(5, vector=0x31, dest=0xA5, dm=1, rh=1, tm=1, dlm=1, sid="00:1f.2",
                         sq=2, fpd=True)
    assert (mem.peek_u64(base + 80), mem.peek_u64(base + 88)) == (lo, hi)
    assert bits(lo, 0, 0) == 1 and bits(lo, 1, 1) == 1
    assert (bits(lo, 2, 2), bits(lo, 3, 3), bits(lo, 4, 4), bits(lo, 7, 5)) == (1, 1, 1, 1)
    assert bits(lo, 15, 8) == 0 and bits(lo, 31, 24) == 0
    assert bits(lo, 23, 16) == 0x31
    assert bits(lo, 47, 40) == 0xA5
    assert bits(lo, 39, 32) == 0 and bits(lo, 63, 48) == 0
    assert bits(hi, 79 - 64, 64 - 64) == 0xFA
    assert bits(hi, 81 - 64, 80 - 64) == 2
    assert bits(hi, 83 - 64, 82 - 64) == 0b01  # SVT defaults to "verify SID" with a SID
    assert bits(hi, 127 - 64, 84 - 64) == 0
    _, hi = tb.set_irte(6, vector=0x40, dest=1)
    assert bits(hi, 19, 0) == 0  # no SID: SVT=00
    assert tb.irte(5).msi_result() == {
        "status": "ok", "vector": 0x31, "dest": 0xA5, "dest_mode": 1, "delivery_mode": 1,
        "trigger_mode": 1, "redirection_hint": 1}


def test_set_irte_x2apic_and_errors():
    mem, tb = make()
    tb.create_irt(16, eime=True)
    lo, _ = tb.set_irte(15, vector=0xEE, dest=0x1234_5678, svt=0b10, sid=0x0205)
    assert bits(lo, 63, 32) == 0x1234_5678
    assert mem.peek_u64(tb.irte_address(15) + 8) == 0b10 << 18 | 0x0205
    with pytest.raises(TableError, match="outside the table of 16"):
        tb.set_irte(16, vector=1, dest=0)
    with pytest.raises(TableError, match="DLM"):
        tb.set_irte(1, vector=1, dest=0, dlm=0b011)
    with pytest.raises(TableError, match="SVT"):
        tb.set_irte(1, vector=1, dest=0, svt=0b11)
    with pytest.raises(TableError, match="irte.V"):
        tb.set_irte(1, vector=0x100, dest=0)
    tb.create_irt(16)
    with pytest.raises(TableError, match="xAPIC"):
        tb.set_irte(1, vector=1, dest=0x100)
    _, no_eim = make(EIM=0)
    with pytest.raises(TableError, match="EIM"):
        no_eim.create_irt(16, eime=True)
    _, fresh = make()
    with pytest.raises(TableError, match="create_irt"):
        fresh.set_irte(0, vector=1, dest=0)


def test_clear_and_raw_irte():
    mem, tb = make()
    tb.create_irt(8)
    tb.set_irte(3, vector=0x20, dest=2)
    tb.clear_irte(3, fpd=True)
    addr = tb.irte_address(3)
    assert (mem.peek_u64(addr), mem.peek_u64(addr + 8)) == (0b10, 0)
    assert tb.irte(3) is None
    tb.write_irte(3, 0x7001, 0xF00000)
    assert (mem.peek_u64(addr), mem.peek_u64(addr + 8)) == (0x7001, 0xF00000)


def test_msi_address_and_data():
    for handle in (0, 1, 0x7FFF, 0x8000, 0xBEEF, 0xFFFF):
        for shv in (True, False):
            a = msi_address(handle, shv)
            assert bits(a, 31, 20) == 0xFEE
            assert bits(a, 19, 5) | bits(a, 2, 2) << 15 == handle
            assert bits(a, 4, 4) == 1
            assert bits(a, 3, 3) == int(shv)
            assert bits(a, 1, 0) == 0 and a >> 32 == 0
    assert msi_address(0x8001) == 0xFEE0_0000 | 1 << 5 | 1 << 4 | 1 << 3 | 1 << 2
    assert msi_data(0x1234) == 0x1234
    with pytest.raises(TableError):
        msi_data(0x1_0000)
    with pytest.raises(TableError):
        msi_address(0x1_0000)
    addr, data = compat_msi(dest=0x12, vector=0x45, dm=1, rh=1, dlm=1, tm=1)
    assert addr == 0xFEE1_200C and data == 0x8145


# ----------------------------------------------------------------------------- invalidation


def test_descriptor_encodings():
    qw0, qw1 = cc_inv_dsc(G_DEVICE, did=0x1234, sid=0xABCD, fm=3)
    assert bits(qw0, 3, 0) == 1 and bits(qw0, 11, 9) == 0
    assert (bits(qw0, 5, 4), bits(qw0, 31, 16), bits(qw0, 47, 32), bits(qw0, 49, 48)) == (
        3, 0x1234, 0xABCD, 3)
    assert bits(qw0, 8, 6) == 0 and bits(qw0, 15, 12) == 0 and qw0 >> 50 == 0 and qw1 == 0

    qw0, qw1 = iotlb_inv_dsc(G_PAGE, did=0xFFFF, addr=0x1234_5600_0000, am=9, ih=1, dr=1, dw=1)
    assert bits(qw0, 3, 0) == 2
    assert (bits(qw0, 5, 4), bits(qw0, 6, 6), bits(qw0, 7, 7), bits(qw0, 31, 16)) == (
        3, 1, 1, 0xFFFF)
    assert bits(qw0, 15, 8) == 0 and qw0 >> 32 == 0
    assert (bits(qw1, 5, 0), bits(qw1, 6, 6), bits(qw1, 11, 7)) == (9, 1, 0)
    assert qw1 & ~0xFFF == 0x1234_5600_0000

    qw0, qw1 = iec_inv_dsc(IEC_INDEX, iidx=0x8040, im=6)
    assert bits(qw0, 3, 0) == 4
    assert (bits(qw0, 4, 4), bits(qw0, 31, 27), bits(qw0, 47, 32)) == (1, 6, 0x8040)
    assert bits(qw0, 26, 5) == 0 and qw0 >> 48 == 0 and qw1 == 0

    qw0, qw1 = inv_wait_dsc(status_addr=0x1_2345_6784, status_data=0xCAFE_F00D, sw=True,
                            if_=True, fn=True)
    assert bits(qw0, 3, 0) == 5
    assert (bits(qw0, 4, 4), bits(qw0, 5, 5), bits(qw0, 6, 6), bits(qw0, 7, 7)) == (1, 1, 1, 0)
    assert bits(qw0, 31, 8) == 0 and bits(qw0, 63, 32) == 0xCAFE_F00D
    assert qw1 == 0x1_2345_6784
    assert inv_wait_dsc()[0] == 5


def test_descriptor_field_overflow():
    with pytest.raises(TableError, match="cc_inv_dsc.DID"):
        cc_inv_dsc(G_DOMAIN, did=0x1_0000)
    with pytest.raises(TableError, match="iotlb_inv_dsc.AM"):
        iotlb_inv_dsc(G_PAGE, am=64)
    with pytest.raises(TableError, match="not 4096-byte aligned"):
        iotlb_inv_dsc(G_PAGE, addr=0x1800)
    with pytest.raises(TableError, match="iec_inv_dsc.IM"):
        iec_inv_dsc(IEC_INDEX, im=32)
    with pytest.raises(TableError, match="not 4-byte aligned"):
        inv_wait_dsc(status_addr=0x1002)
    assert cc_inv_dsc(0)[0] == 1  # reserved G=00 is encodable (tests provoke IQE with it)


def test_psi_range():
    assert psi_range(0x1000, 0x1000) == (0x1000, 0)
    assert psi_range(0x1000, 0x2000) == (0, 2)
    assert psi_range(0x20_0000, SIZE_2M) == (0x20_0000, 9)
    assert psi_range(SIZE_1G, SIZE_1G) == (SIZE_1G, 18)


def test_invalidation_queue_and_wrap():
    mem, tb = make()
    iqa = tb.create_invalidation_queue(qs=1)
    base = iqa & ~0xFFF
    assert bits(iqa, 2, 0) == 1 and bits(iqa, 11, 11) == 0 and base % 8192 == 0
    assert tb.iq_entries == 512
    tail = tb.queue_descriptors([cc_inv_dsc(G_GLOBAL)] * 510)
    assert tail == 510 << 4
    tail = tb.queue_descriptors([iec_inv_dsc(0, iidx=i) for i in range(3)])
    assert tail == 1 << 4
    assert bits(mem.peek_u64(base + 16 * 510), 47, 32) == 0
    assert bits(mem.peek_u64(base + 16 * 511), 47, 32) == 1
    assert bits(mem.peek_u64(base), 47, 32) == 2 and mem.peek_u64(base) & 0xF == 4
    with pytest.raises(TableError, match="do not fit"):
        tb.queue_descriptors([cc_inv_dsc(G_GLOBAL)] * 512)


def test_submit_invalidations_steps():
    mem, tb = make()
    tb.create_invalidation_queue()
    with pytest.raises(TableError, match="not enabled"):
        tb.submit_invalidations([cc_inv_dsc(G_GLOBAL)])
    tb.enable_queued_invalidation()
    tb.memory_image()
    steps = tb.submit_invalidations([cc_inv_dsc(G_GLOBAL), iotlb_inv_dsc(G_GLOBAL)])
    *writes, iqt, poll = steps
    assert [s["op"] for s in writes] == ["mem_write"]
    assert writes[0]["addr"] == tb.iqa & ~0xFFF and len(writes[0]["qwords"]) == 6
    wait0, wait1 = writes[0]["qwords"][4:6]
    assert wait0 & 0xF == 5 and bits(wait0, 5, 5) == 1 and wait0 >> 32 == 1
    assert wait1 == tb.wait_status_addr
    assert iqt == {"op": "reg_write", "reg": "IQT", "value": 3 << 4}
    assert poll == {"op": "poll", "addr": tb.wait_status_addr, "mask": 0xFFFF_FFFF, "value": 1}
    second = tb.submit_invalidations([])
    assert second[-1]["value"] == 2 and second[-2]["value"] == 4 << 4


# ----------------------------------------------------------------------------- driver steps


def gcmd_writes(steps):
    return [s["value"] for s in steps if s.get("reg") == "GCMD"]


def test_gcmd_writes_follow_the_gsts_rule():
    _, tb = make()
    tb.create_invalidation_queue()
    tb.create_irt(256)
    steps = (tb.program_root_table() + tb.enable_queued_invalidation() + tb.enable_translation()
             + tb.enable_interrupt_remapping(cfi=True) + tb.disable_translation()
             + tb.disable_interrupt_remapping())
    assert gcmd_writes(steps) == [
        GCMD_SRTP,
        GCMD_QIE,
        GCMD_QIE | GCMD_TE,
        GCMD_QIE | GCMD_TE | GCMD_SIRTP,
        GCMD_QIE | GCMD_TE | GCMD_IRE,
        GCMD_QIE | GCMD_TE | GCMD_IRE | GCMD_CFI,
        GCMD_QIE | GCMD_IRE | GCMD_CFI,
        GCMD_QIE | GCMD_CFI,
    ]
    # Every GCMD write is followed by a poll of the matching GSTS bit.
    polls = [(s["mask"], s["value"]) for s in steps if s.get("reg") == "GSTS"]
    assert polls == [(GCMD_SRTP, GCMD_SRTP), (GCMD_QIE, GCMD_QIE), (GCMD_TE, GCMD_TE),
                     (GCMD_SIRTP, GCMD_SIRTP), (GCMD_IRE, GCMD_IRE), (GCMD_CFI, GCMD_CFI),
                     (GCMD_TE, 0), (GCMD_IRE, 0)]
    for i, s in enumerate(steps):
        if s.get("reg") == "GCMD":
            assert steps[i + 1]["op"] == "poll" and steps[i + 1]["reg"] == "GSTS"
    assert steps[0] == {"op": "reg_write", "reg": "RTADDR", "value": tb.root_table_addr}
    assert {"op": "reg_write", "reg": "IRTA", "value": tb.irta} in steps
    qi = steps.index({"op": "reg_write", "reg": "IQA", "value": tb.iqa})
    assert steps[qi - 1] == {"op": "reg_write", "reg": "IQT", "value": 0}


def test_driver_preconditions():
    _, tb = make()
    with pytest.raises(TableError, match="program_root_table"):
        tb.enable_translation()
    with pytest.raises(TableError, match="create_irt"):
        tb.enable_interrupt_remapping()
    with pytest.raises(TableError, match="create_invalidation_queue"):
        tb.enable_queued_invalidation()
    _, no_qi = make(QI=0, IR=0, EIM=0)
    with pytest.raises(TableError, match="QI"):
        no_qi.enable_queued_invalidation(0x1000)
    with pytest.raises(TableError, match="IR"):
        no_qi.enable_interrupt_remapping(0x1000)


def test_interrupt_remapping_with_iec_invalidation():
    _, tb = make()
    tb.create_invalidation_queue()
    tb.create_irt(16)
    tb.enable_queued_invalidation()
    tb.memory_image()
    steps = tb.enable_interrupt_remapping(invalidate_iec=True)
    ops = [(s["op"], s.get("reg")) for s in steps]
    assert ops == [("reg_write", "IRTA"), ("reg_write", "GCMD"), ("poll", "GSTS"),
                   ("mem_write", None), ("reg_write", "IQT"), ("poll", None),
                   ("reg_write", "GCMD"), ("poll", "GSTS")]
    assert steps[3]["qwords"][0] & 0x1F == 4  # iec_inv_dsc, G=0 (global)


def test_register_invalidation_values():
    _, tb = make()
    steps = tb.global_invalidate_register()
    assert steps == [
        {"op": "reg_write", "reg": "CCMD", "value": 1 << 63 | 0b01 << 61},
        {"op": "poll", "reg": "CCMD", "mask": 1 << 63, "value": 0},
        {"op": "reg_write", "reg": "IOTLB", "value": 1 << 63 | 0b01 << 60},
        {"op": "poll", "reg": "IOTLB", "mask": 1 << 63, "value": 0},
    ]
    steps = tb.domain_invalidate_register(7, context=True)
    assert steps[0]["value"] == 1 << 63 | 0b10 << 61 | 7
    assert steps[2]["value"] == 1 << 63 | 0b10 << 60 | 7 << 32
    steps = tb.context_invalidate_register(G_DEVICE, did=3, sid="01:00.1", fm=1)
    assert steps[0]["value"] == 1 << 63 | 0b11 << 61 | 1 << 32 | 0x101 << 16 | 3
    steps = tb.page_invalidate_register(did=2, addr=0x20_0000, am=9, ih=1)
    assert steps[0] == {"op": "reg_write", "reg": "IVA", "value": 0x20_0000 | 1 << 6 | 9}
    assert steps[1]["value"] == 1 << 63 | 0b11 << 60 | 2 << 32
    with pytest.raises(TableError, match="aligned"):
        tb.page_invalidate_register(did=2, addr=0x1000, am=1)
    with pytest.raises(TableError, match="MAMV"):
        tb.page_invalidate_register(did=2, addr=0, am=19)
    _, no_psi = make(PSI=0)
    with pytest.raises(TableError, match="PSI"):
        no_psi.page_invalidate_register(did=1, addr=0, am=0)
    tb.create_invalidation_queue()
    tb.enable_queued_invalidation()
    with pytest.raises(TableError, match="queued invalidation is enabled"):
        tb.global_invalidate_register()
    assert tb.program_root_table(invalidate=True)[-1]["op"] == "poll"
    assert any(s.get("reg") == "IQT" for s in tb.global_invalidate())


def test_steps_are_well_formed():
    _, tb = make()
    dom = tb.create_domain()
    dom.map(0, 0x4000_0000, SIZE_2M)
    tb.assign_device(0x100, dom)
    tb.create_invalidation_queue()
    tb.create_irt(32)
    steps = (tb.program_root_table(invalidate=True) + tb.enable_translation()
             + tb.page_invalidate_register(dom.did, *psi_range(0, SIZE_2M))
             + tb.enable_queued_invalidation() + tb.enable_interrupt_remapping(
                 invalidate_iec=True) + tb.fault_service_steps(0))
    names = set(regmap.RegisterMap(UnitConfig().num_fault_records).names())
    fields = {"reg_write": {"op", "reg", "value"}, "reg_read": {"op", "reg"},
              "mem_write": {"op", "addr", "qwords"}, "poll": {"op", "mask", "value"}}
    for s in steps:
        assert s["op"] in fields
        assert fields[s["op"]] <= set(s)
        if "reg" in s:
            assert s["reg"] in names
            size = regmap.RegisterMap(8).by_name(s["reg"]).size
            for key in ("value", "mask"):
                if key in s:
                    assert isinstance(s[key], int) and 0 <= s[key] < 1 << (8 * size)
        if s["op"] == "poll":
            assert s["value"] & ~s["mask"] == 0
            assert ("reg" in s) != ("addr" in s)
    json.dumps(steps)
    parse = pytest.importorskip("python_model.scenario.parse")
    doc = {"format": "vtd-scenario/1", "name": "tables", "memory": tb.memory_image(),
           "steps": steps}
    scenario = parse.parse_document(json.loads(json.dumps(doc)))
    assert len(scenario.steps) == len(steps)


# ----------------------------------------------------------------------------- memory image


def test_memory_image_round_trip_and_flush():
    mem, tb = make()
    dom = tb.create_domain()
    dom.map(0x1000, 0x4000_0000, 3 * SIZE_4K)
    dom.map(SIZE_1G, SIZE_1G, SIZE_2M)
    tb.assign_device("00:01.0", dom)
    tb.assign_passthrough("05:00.0", did=77)
    tb.create_irt(300)
    for i in range(0, 300, 7):
        tb.set_irte(i, vector=0x20 + i % 200, dest=i % 256)
    tb.create_invalidation_queue(qs=1)
    # Both qwords non-zero: one contiguous run of data that crosses a page boundary.
    tb.queue_descriptors([iotlb_inv_dsc(G_PAGE, did=1, addr=0x1000)] * 300)
    image = tb.memory_image()
    copy = Memory()
    total = 0
    for run in image:
        addr = int(run["addr"], 16)
        assert addr % 8 == 0
        assert addr // 4096 == (addr + 8 * len(run["qwords"]) - 1) // 4096, "run crosses a page"
        for i, q in enumerate(run["qwords"]):
            assert isinstance(q, str) and q.startswith("0x") and int(q, 16) != 0
            copy.poke_u64(addr + 8 * i, int(q, 16))
            total += 1
    assert total > 300
    assert {p: b for p, b in mem.pages().items() if any(b)} == {
        p: b for p, b in copy.pages().items() if any(b)}
    assert walk(copy, 48, dom.slptptr, dom.aw, 0x2000) == (0x4000_1000, True, True, SIZE_4K)
    # Later edits come out as mem_write steps, zeros included.
    assert tb.flush_steps() == []
    leaf = dom.entry_address(1, 0x2000)
    dom.unmap(0x2000, SIZE_4K)
    assert tb.flush_steps() == [{"op": "mem_write", "addr": leaf, "qwords": [0]}]
    assert tb.flush_steps() == []
    tb.queue_descriptors([cc_inv_dsc(G_GLOBAL)] * 300)
    flushed = tb.flush_steps()
    assert sum(len(s["qwords"]) for s in flushed) == 600  # zeros included
    for s in flushed:
        assert s["addr"] // 4096 == (s["addr"] + 8 * len(s["qwords"]) - 1) // 4096
    tb.memory_image(mark_flushed=False)
    dom.map(0x2000, 0x5000_0000, SIZE_4K, write=False)
    assert tb.flush_steps() == [{"op": "mem_write", "addr": leaf, "qwords": [0x5000_0001]}]


# ----------------------------------------------------------------------------- end to end


def test_builder_scenario_runs_on_the_golden_model():
    """A scenario made only from builder output: the model's answers match lookup()."""
    pytest.importorskip("python_model.unit")
    execute = pytest.importorskip("python_model.scenario.execute")
    parse = pytest.importorskip("python_model.scenario.parse")
    _, tb = make()
    dom = tb.create_domain()
    dom.map(0x20_0000, 0x4000_0000, SIZE_2M + SIZE_4K)
    dom.map(0x1000, 0x5000_0000, SIZE_4K, write=False)
    dom.map(0x3000, 0x5000_3000, SIZE_4K, read=False)
    tb.assign_device("01:00.0", dom)
    tb.assign_passthrough("02:00.0", did=9)
    tb.create_invalidation_queue()
    tb.create_irt(64)
    tb.set_irte(3, vector=0x41, dest=7, dm=1, dlm=1, sid="01:00.0")
    memory = tb.memory_image()
    steps = (tb.program_root_table() + tb.enable_queued_invalidation()
             + tb.enable_translation() + tb.enable_interrupt_remapping(invalidate_iec=True))

    def expected(iova, write):
        t = dom.lookup(iova)
        if t is None or not (t.write if write else t.read):
            return {"status": "fault", "reason": 5 if write else 6}
        return {"status": "ok", "hpa": t.hpa}

    probes = [(0x1000, False), (0x1008, True), (0x3000, True), (0x3000, False),
              (0x20_1234, True), (0x40_0010, False), (0x50_0000, False)]
    for addr, write in probes:
        steps.append({"op": "dma", "sid": "01:00.0", "addr": addr, "write": write,
                      "expect": expected(addr, write)})
    steps.append({"op": "dma", "sid": "02:00.0", "addr": 0x1234_5000, "write": True,
                  "expect": {"status": "ok", "hpa": 0x1234_5000}})
    steps.append({"op": "msi", "sid": "01:00.0", "addr": tb.msi_address(3),
                  "data": tb.msi_data(0), "expect": tb.irte(3).msi_result()})
    dom.unmap(0x1000, SIZE_4K)
    steps += tb.submit_invalidations([iotlb_inv_dsc(G_PAGE, did=dom.did, addr=0x1000)])
    steps.append({"op": "dma", "sid": "01:00.0", "addr": 0x1000, "write": False,
                  "expect": expected(0x1000, False)})
    doc = {"format": "vtd-scenario/1", "name": "tables-e2e", "memory": memory, "steps": steps}
    run = execute.run_model(parse.parse_document(json.loads(json.dumps(doc))))
    assert run.problems == [] and run.expect_failures == []
    assert all(r.fields.get("status", "ok") == "ok" for r in run.doc.results
               if r.op == "poll")
    assert expected(0x1000, False)["status"] == "fault"  # the unmap reached the model
