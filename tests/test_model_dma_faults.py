"""Legacy-mode DMA translation of the golden model against doc/vtd-rules.md §2-§3,
decisions P3, P6, P13, P14 and FPD (§3.4). Expected values come from the rules."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from python_model.config import UnitConfig
from python_model.unit import RemappingUnit
from tests.model_helpers import (
    RTA,
    SRTP,
    TE,
    Bench,
    PageTables,
    context_addr,
    context_entry,
    ctp_of,
    enable_dma,
    fault_event_setup,
    gcmd,
    root_entry,
    write_context,
    write_root,
)

SID = 0x0310  # bus 3, device 2, function 0
IOVA = 0x0000_1234_5678_9000  # inside 48 bits: L4 index 0x24, L3 0xD1, L2 0xB3, L1 0x189
HPA = 0x0000_0004_3210_F000


def make(cfg: UnitConfig | None = None, **dev: object) -> tuple[RemappingUnit, Bench,
                                                                   PageTables]:
    u = RemappingUnit(cfg or UnitConfig())
    b = Bench(u)
    pt = b.device(SID, **dev)  # type: ignore[arg-type]
    enable_dma(u)
    return u, b, pt


def check_fault(u: RemappingUnit, out: object, reason: int, addr: int, write: bool,
                sid: int = SID) -> None:
    """Blocked with ``reason`` and recorded in FRCD[0] exactly as §1.13 lays it out."""
    assert not out.ok, out
    assert out.reason == reason, f"reason {out.reason:#x} != {reason:#x}"
    recs = u.fault_records()
    assert len(recs) == 1, recs
    r = recs[0]
    assert (r.index, r.sid, r.fi, r.write, r.reason) == (0, sid, addr & ~0xFFF & (2**64 - 1),
                                                         write, reason)
    lo = u.reg_read(0x600, 8)
    hi = u.reg_read(0x608, 8)
    assert lo == addr & 0xFFFF_FFFF_FFFF_F000  # FI 63:12, 11:0 RsvdZ
    t1 = 0 if write else 1
    assert hi == 1 << 63 | t1 << 62 | reason << 32 | sid  # F, T1, FR, SID; T2, AT, PV, PP = 0
    assert u.reg_read(0x60C, 4) == hi >> 32


# ------------------------------------------------------------------ successful translation
def test_te_zero_passes_everything_through():
    u = RemappingUnit(UnitConfig())
    for addr in (0, 0x1234_5678, 0xFFFF_FFFF_FFFF_F000, 1 << 60):
        out = u.dma(SID, addr, write=True)
        assert out.ok and out.hpa == addr
    assert u.fault_records() == [] and u.fsts() == 0


def test_te_zero_after_enable_passes_through():
    u, _, _ = make()
    assert u.dma(SID, 0x5000, write=False).reason == 0x06
    gcmd(u, TE, on=False)
    assert u.dma(SID, 0x5000, write=False).hpa == 0x5000


@pytest.mark.parametrize("write", [False, True])
def test_4k_translation_four_levels(write):
    u, _, pt = make()
    pt.map(IOVA, HPA)
    out = u.dma(SID, IOVA + 0xABC, write=write, size=4)
    assert out.ok and out.hpa == HPA + 0xABC
    assert u.fault_records() == []


def test_walk_uses_each_levels_index_bits():
    u, _, pt = make()
    base = 0x0000_0080_4020_1000  # indices L4=1, L3=1, L2=1, L1=1
    for n, delta in enumerate((0, 1 << 12, 1 << 21, 1 << 30, 1 << 39)):
        pt.map(base + delta, 0x1000_0000 + 0x1000 * n)
    for n, delta in enumerate((0, 1 << 12, 1 << 21, 1 << 30, 1 << 39)):
        assert u.dma(SID, base + delta + 8, write=False).hpa == 0x1000_0000 + 0x1000 * n + 8


def test_three_level_walk():
    u, _, pt = make(aw=1)
    iova = 0x7F_C020_3000  # top index bits 38:30
    pt.map(iova, HPA)
    assert pt.levels == 3
    assert u.dma(SID, iova + 4, write=True).hpa == HPA + 4
    assert u.dma(SID, 1 << 39, write=False).reason == 0x04


def test_five_level_walk():
    cfg = UnitConfig(HAW=48, MGAW=57, SAGAW=0b1110)
    u, b, pt = make(cfg, aw=3)
    iova = 0x01AB_CDEF_0123_4000  # bits 56:48 = 0x1AB
    pt.map(iova, HPA)
    pt.map(iova & ~(0x1FF << 48), HPA + 0x1000)  # same lower indices, PML5 index 0
    assert u.dma(SID, iova + 0x10, write=False).hpa == HPA + 0x10
    assert u.dma(SID, (iova & ~(0x1FF << 48)) + 0x10, write=False).hpa == HPA + 0x1010
    assert u.dma(SID, 1 << 57, write=False).reason == 0x04


def test_2m_page():
    u, _, pt = make()
    iova = 0x4020_0000
    pt.map(iova, 0x8_0000_0000 | 0x200000 * 3, level=2)
    out = u.dma(SID, iova + 0x1_2345, write=True)
    assert out.hpa == 0x8_0060_0000 + 0x1_2345


def test_1g_page():
    u, _, pt = make()
    iova = 0x1_8000_0000
    pt.map(iova, 0x1_4000_0000, level=3)
    assert u.dma(SID, iova + 0x1234_5678, write=False).hpa == 0x1_4000_0000 + 0x1234_5678


def test_1g_page_top_level_of_three_level_table():
    u, _, pt = make(aw=1)
    pt.map(0x40_0000_0000 - (1 << 30), 0x2_0000_0000, level=3)
    assert u.dma(SID, 0x3F_C000_1000, write=False).hpa == 0x2_0000_1000


def test_passthrough_context():
    u, _, _ = make(tt=0b10, aw=2)  # AW must be the largest AGAW (48-bit: AW=2)
    for addr in (0, 0x1234_5678, (1 << 48) - 4):
        assert u.dma(SID, addr, write=True).hpa == addr
    assert u.dma(SID, 1 << 48, write=False).reason == 0x04


def test_passthrough_ignores_slptptr_and_permissions():
    """§2.2: SLPTPTR ignored when TT=10 (no reserved check of its bits >= HAW either)."""
    u = RemappingUnit(UnitConfig())
    write_root(u, 3, *root_entry(ctp_of(3)))
    write_context(u, SID, *context_entry(0xFFFF_F000_0000_0000, did=1, aw=2, tt=0b10))
    enable_dma(u)
    assert u.dma(SID, 0x9000, write=True).hpa == 0x9000


def test_effective_permissions_are_anded_over_levels():
    u, _, pt = make()
    pt.map(IOVA, HPA, r=True, w=True)
    pt.set_entry(IOVA, 4, pt.entry(IOVA, 4) & ~0b10)  # PML4E read-only
    assert u.dma(SID, IOVA, write=False).ok
    assert u.dma(SID, IOVA, write=True).reason == 0x05
    u2, _, pt2 = make()
    pt2.map(IOVA, HPA, r=True, w=True)
    pt2.set_entry(IOVA, 2, pt2.entry(IOVA, 2) & ~0b01)  # PDE write-only
    assert u2.dma(SID, IOVA, write=True).ok
    assert u2.dma(SID, IOVA, write=False).reason == 0x06


@pytest.mark.parametrize(("r", "w", "write", "reason"), [
    (True, False, True, 0x05), (False, True, False, 0x06), (True, False, False, 0),
    (False, True, True, 0),
])
def test_leaf_permissions(r, w, write, reason):
    u, _, pt = make()
    pt.map(IOVA, HPA, r=r, w=w)
    out = u.dma(SID, IOVA, write=write)
    if reason:
        check_fault(u, out, reason, IOVA, write)
    else:
        assert out.ok


# ------------------------------------------------------------------ 01h, 02h, 08h, 09h, 0Ah
@pytest.mark.parametrize("write", [False, True])
def test_01_root_not_present(write):
    u = RemappingUnit(UnitConfig())
    enable_dma(u)
    check_fault(u, u.dma(SID, 0x7654_3210, write=write), 0x01, 0x7654_3210, write)


def test_01_beats_root_reserved_bits():
    u = RemappingUnit(UnitConfig())
    write_root(u, 3, ctp_of(3) | 0xFFE, 0xFFFF)  # P=0 with reserved bits set
    enable_dma(u)
    check_fault(u, u.dma(SID, 0x1000, write=False), 0x01, 0x1000, False)


def test_08_root_fetch_error():
    u, _, pt = make()
    pt.map(IOVA, HPA)
    u.memory.add_error(RTA + 16 * 3, 16, on_read=True, on_write=False)
    check_fault(u, u.dma(SID, IOVA, write=True), 0x08, IOVA, True)
    assert u.dma(0x0410, IOVA, write=False).reason == 0x01  # other buses unaffected


def test_09_context_fetch_error():
    u, _, pt = make()
    pt.map(IOVA, HPA)
    u.memory.add_error(context_addr(SID) + 8, 1)
    check_fault(u, u.dma(SID, IOVA, write=False), 0x09, IOVA, False)


@pytest.mark.parametrize(("lo_bits", "hi"), [
    (1 << 1, 0), (1 << 5, 0), (1 << 11, 0), (0xFFE, 0),  # 11:1
    (1 << 48, 0), (1 << 51, 0), (1 << 63, 0),  # CTP bits >= HAW (48)
    (0, 1), (0, 1 << 31), (0, 1 << 63),  # 127:64
])
def test_0a_root_reserved(lo_bits, hi):
    u, _, pt = make()
    pt.map(IOVA, HPA)
    write_root(u, 3, ctp_of(3) | 1 | lo_bits, hi)
    check_fault(u, u.dma(SID, IOVA, write=False), 0x0A, IOVA, False)


def test_0a_root_bits_above_smaller_haw():
    u, _, pt = make(UnitConfig(HAW=40, MGAW=48))
    pt.map(IOVA & ((1 << 40) - 1), HPA)
    write_root(u, 3, ctp_of(3) | 1 | 1 << 40)
    assert u.dma(SID, 0x1000, write=False).reason == 0x0A
    write_root(u, 3, ctp_of(3) | 1 | 1 << 39)  # below HAW: a (wrong but legal) pointer
    assert u.dma(SID, 0x1000, write=False).reason != 0x0A


@pytest.mark.parametrize("write", [False, True])
def test_02_context_not_present(write):
    u, _, pt = make()
    pt.map(IOVA, HPA)
    lo, hi = context_entry(pt.root, did=1, present=False, extra_lo=0xFF0)  # reserved ignored
    write_context(u, SID, lo, hi | 0xFF << 56)
    check_fault(u, u.dma(SID, IOVA, write=write), 0x02, IOVA, write)


def test_02_other_function_on_same_bus():
    u, _, pt = make()
    pt.map(IOVA, HPA)
    check_fault(u, u.dma(SID + 1, IOVA, write=False), 0x02, IOVA, False, sid=SID + 1)


# ------------------------------------------------------------------ 03h
@pytest.mark.parametrize(("case", "cfg", "dev"), [
    ("aw3-not-in-sagaw", None, {"aw": 3}),
    ("aw1-not-in-sagaw", UnitConfig(SAGAW=0b0100), {"aw": 1}),
    ("aw0", None, {"aw": 0}),
    ("aw4", None, {"aw": 4}),
    ("aw7", None, {"aw": 7}),
    ("tt01-no-dt", None, {"tt": 0b01}),
    ("tt11", None, {"tt": 0b11}),
    ("tt10-pt0", UnitConfig(PT=0), {"tt": 0b10}),
    ("tt10-aw-not-largest", None, {"tt": 0b10, "aw": 1}),
    ("tt10-aw-not-largest-57", UnitConfig(MGAW=57, SAGAW=0b1110), {"tt": 0b10, "aw": 2}),
])
def test_03_context_programming(case, cfg, dev):
    u, _, pt = make(cfg, **dev)
    if pt.levels in (3, 4, 5):
        pt.map(0x5000, HPA)
    check_fault(u, u.dma(SID, 0x5000, write=True), 0x03, 0x5000, True)


def test_03_top_level_fetch_error():
    u, _, pt = make()
    pt.map(IOVA, HPA)
    u.memory.add_error(pt.root, 0x1000)
    check_fault(u, u.dma(SID, IOVA, write=False), 0x03, IOVA, False)


def test_supported_aw_variants_translate():
    cfg = UnitConfig(MGAW=57, SAGAW=0b1110)
    for aw in (1, 2, 3):
        u, _, pt = make(cfg, aw=aw)
        pt.map(0x5000, HPA)
        assert u.dma(SID, 0x5000, write=True).hpa == HPA, aw
    u, _, _ = make(cfg, tt=0b10, aw=3)
    assert u.dma(SID, 0x5000, write=True).hpa == 0x5000


# ------------------------------------------------------------------ 04h
@pytest.mark.parametrize(("cfg", "aw", "limit"), [
    (None, 1, 39),  # AGAW 39 < MGAW 48
    (None, 2, 48),
    (UnitConfig(HAW=39, MGAW=40, SAGAW=0b0110), 2, 40),  # MGAW 40 < AGAW 48
    (UnitConfig(HAW=48, MGAW=57, SAGAW=0b1110), 3, 57),
    (UnitConfig(HAW=48, MGAW=50, SAGAW=0b1110), 3, 50),
])
def test_04_input_above_min_mgaw_agaw(cfg, aw, limit):
    u, _, pt = make(cfg, aw=aw)
    top = (1 << limit) - 0x1000
    pt.map(top, HPA)
    assert u.dma(SID, top + 0xFFC, write=False).hpa == HPA + 0xFFC
    check_fault(u, u.dma(SID, 1 << limit, write=True), 0x04, 1 << limit, True)


def test_04_fi_keeps_all_address_bits():
    u, _, _ = make()
    addr = 0xFFFF_FFFF_FFFF_F123
    check_fault(u, u.dma(SID, addr, write=False, size=1), 0x04, addr, False)


@pytest.mark.parametrize("haw", [39, 40, 48])
def test_04_passthrough_above_haw(haw):
    u, _, _ = make(UnitConfig(HAW=haw, MGAW=48, SAGAW=0b0110), tt=0b10, aw=2)
    assert u.dma(SID, (1 << haw) - 4, write=True).hpa == (1 << haw) - 4
    check_fault(u, u.dma(SID, 1 << haw, write=True), 0x04, 1 << haw, True)


# ------------------------------------------------------------------ 05h / 06h not present
@pytest.mark.parametrize("level", [4, 3, 2, 1])
@pytest.mark.parametrize("write", [False, True])
def test_not_present_entry_each_level(level, write):
    u, _, pt = make()
    pt.map(IOVA, HPA)
    pt.set_entry(IOVA, level, pt.entry(IOVA, level) & ~0b11)
    check_fault(u, u.dma(SID, IOVA, write=write), 0x05 if write else 0x06, IOVA, write)


def test_unmapped_page_in_existing_table():
    u, _, pt = make()
    pt.map(IOVA, HPA)
    assert u.dma(SID, IOVA + 0x1000, write=False).reason == 0x06


# ------------------------------------------------------------------ 07h
@pytest.mark.parametrize("level", [3, 2, 1])
def test_07_lower_level_fetch_error(level):
    u, _, pt = make()
    pt.map(IOVA, HPA)
    u.memory.add_error(pt.entry_addr(IOVA, level), 8)
    check_fault(u, u.dma(SID, IOVA, write=True), 0x07, IOVA, True)


def test_07_not_raised_for_other_entries_of_the_table():
    u, _, pt = make()
    pt.map(IOVA, HPA)
    pt.map(IOVA + 0x1000, HPA + 0x1000)
    u.memory.add_error(pt.entry_addr(IOVA, 1), 8)
    assert u.dma(SID, IOVA + 0x1000, write=True).hpa == HPA + 0x1000


# ------------------------------------------------------------------ 0Bh
@pytest.mark.parametrize(("cfg", "extra_lo", "extra_hi", "did"), [
    (None, 1 << 4, 0, 1), (None, 1 << 7, 0, 1), (None, 1 << 11, 0, 1),  # 11:4
    (None, 1 << 48, 0, 1), (None, 1 << 63, 0, 1),  # SLPTPTR >= HAW
    (UnitConfig(HAW=40, MGAW=48), 1 << 40, 0, 1),
    (None, 0, 1 << 7, 1),  # bit 71
    (None, 0, 1 << 24, 1), (None, 0, 1 << 40, 1), (None, 0, 1 << 63, 1),  # 127:88
    (UnitConfig(ND=2), 0, 0, 0x100),  # DID above 8 bits
    (UnitConfig(ND=2), 0, 0, 0x8001),
    (UnitConfig(ND=0), 0, 0, 0x10),  # DID above 4 bits
    (UnitConfig(ND=5), 0, 0, 0x4000),  # DID above 14 bits
])
def test_0b_context_reserved(cfg, extra_lo, extra_hi, did):
    u, _, pt = make(cfg, did=did, extra_lo=extra_lo, extra_hi=extra_hi)
    pt.map(0x7000, HPA)
    check_fault(u, u.dma(SID, 0x7000, write=False), 0x0B, 0x7000, False)


@pytest.mark.parametrize(("cfg", "extra_hi", "did"), [
    (None, 0b1111 << 3, 1),  # AVAIL 70:67 ignored
    (UnitConfig(ND=6), 0, 0xFFFF),
    (UnitConfig(ND=2), 0, 0xFF),
    (UnitConfig(ND=0), 0, 0xF),
])
def test_context_fields_that_are_not_reserved(cfg, extra_hi, did):
    u, _, pt = make(cfg, did=did, extra_hi=extra_hi)
    pt.map(0x7000, HPA)
    assert u.dma(SID, 0x7000, write=False).hpa == HPA


def test_0b_checked_before_03():
    """§3.2: reserved bits (step 6) before AW/TT programming (step 7)."""
    u, _, _ = make(aw=3, tt=0b11, extra_lo=1 << 4)
    assert u.dma(SID, 0x7000, write=False).reason == 0x0B


# ------------------------------------------------------------------ 0Ch
HAW48 = UnitConfig()
HAW40 = UnitConfig(HAW=40, MGAW=48)


@pytest.mark.parametrize(("cfg", "page_level", "level", "bits"), [
    (HAW48, 1, 4, 1 << 7),  # PS reserved in PML4E
    (HAW48, 1, 4, 1 << 11), (HAW48, 1, 4, 1 << 62), (HAW48, 1, 4, 1 << 48),
    (HAW48, 1, 4, 1 << 51),
    (HAW48, 1, 3, 1 << 11), (HAW48, 1, 3, 1 << 62), (HAW48, 1, 3, 1 << 50),
    (HAW48, 1, 2, 1 << 11), (HAW48, 1, 2, 1 << 62), (HAW48, 1, 2, 1 << 49),
    (HAW48, 1, 1, 1 << 11), (HAW48, 1, 1, 1 << 62), (HAW48, 1, 1, 1 << 48),
    (HAW48, 1, 1, 1 << 51),
    (HAW40, 1, 1, 1 << 40), (HAW40, 1, 4, 1 << 45), (HAW40, 1, 2, 1 << 47),
    (HAW48, 2, 2, 1 << 12), (HAW48, 2, 2, 1 << 16), (HAW48, 2, 2, 1 << 20),  # 2M: 20:12
    (HAW48, 2, 2, 1 << 11), (HAW48, 2, 2, 1 << 62), (HAW48, 2, 2, 1 << 48),
    (HAW48, 3, 3, 1 << 12), (HAW48, 3, 3, 1 << 21), (HAW48, 3, 3, 1 << 29),  # 1G: 29:12
    (HAW48, 3, 3, 1 << 11), (HAW48, 3, 3, 1 << 62), (HAW48, 3, 3, 1 << 51),
])
@pytest.mark.parametrize("write", [False, True])
def test_0c_reserved_bits(cfg, page_level, level, bits, write):
    u, _, pt = make(cfg)
    iova = 0x80_4000_0000
    pt.map(iova, 0x1_0000_0000, level=page_level)
    pt.set_entry(iova, level, pt.entry(iova, level) | bits)
    check_fault(u, u.dma(SID, iova + 0x18, write=write), 0x0C, iova, write)


@pytest.mark.parametrize(("level", "bits"), [
    (4, 0b1111100), (4, 0b111 << 8), (4, 0x3FF << 52), (4, 1 << 63),
    (3, 0b1111100), (3, 0b111 << 8), (3, 0x3FF << 52), (3, 1 << 63),
    (2, 0b1111100), (2, 0x3FF << 52),
    (1, 0b11111100), (1, 0b111 << 8), (1, 0x3FF << 52), (1, 1 << 63),  # PS ignored in PTE
])
def test_ignored_sl_bits(level, bits):
    u, _, pt = make()
    pt.map(IOVA, HPA)
    pt.set_entry(IOVA, level, pt.entry(IOVA, level) | bits)
    assert u.dma(SID, IOVA + 4, write=True).hpa == HPA + 4


def test_frame_bits_below_haw_are_address_not_reserved():
    u, _, pt = make(HAW40)
    pt.map(0x3000, 0x80_0000_0000 | 0x1000)  # bit 39 = top address bit for HAW 40
    assert u.dma(SID, 0x3008, write=False).hpa == 0x80_0000_1008


@pytest.mark.parametrize(("sllps", "page_level", "expect"), [
    (0b00, 2, 0x0C), (0b00, 3, 0x0C), (0b01, 2, 0), (0b01, 3, 0x0C), (0b11, 3, 0),
])
def test_large_pages_need_sllps(sllps, page_level, expect):
    u, _, pt = make(UnitConfig(SLLPS=sllps))
    iova = 0x1_4000_0000
    pt.map(iova, 0x2_0000_0000, level=page_level)
    out = u.dma(SID, iova + 0x1_2008, write=True)
    if expect:
        check_fault(u, out, expect, iova + 0x1_2008, True)
    else:
        assert out.hpa == 0x2_0000_0000 + 0x1_2008


def test_0c_ps_in_pml5e():
    u, _, pt = make(UnitConfig(MGAW=57, SAGAW=0b1110), aw=3)
    pt.map(0x5000, HPA)
    pt.set_entry(0x5000, 5, pt.entry(0x5000, 5) | 1 << 7)
    check_fault(u, u.dma(SID, 0x5000, write=False), 0x0C, 0x5000, False)


# ------------------------------------------------------------------ P3 order
def test_p3_not_present_beats_reserved():
    u, _, pt = make()
    pt.map(IOVA, HPA)
    pt.set_entry(IOVA, 2, (pt.entry(IOVA, 2) & ~0b11) | 1 << 11 | 1 << 62)
    assert u.dma(SID, IOVA, write=True).reason == 0x05
    assert u.dma(SID, IOVA, write=False).reason == 0x06


def test_p3_reserved_beats_permission():
    u, _, pt = make()
    pt.map(IOVA, HPA, r=True, w=False, extra=1 << 11)
    assert u.dma(SID, IOVA, write=True).reason == 0x0C
    u2, _, pt2 = make()
    pt2.map(IOVA, HPA)
    pt2.set_entry(IOVA, 3, (pt2.entry(IOVA, 3) & ~0b01) | 1 << 62)  # W-only with reserved bit
    assert u2.dma(SID, IOVA, write=False).reason == 0x0C


def test_p3_upper_level_permission_beats_lower_reserved():
    u, _, pt = make()
    pt.map(IOVA, HPA, extra=1 << 11)  # leaf reserved
    pt.set_entry(IOVA, 4, pt.entry(IOVA, 4) & ~0b10)  # PML4E read-only
    assert u.dma(SID, IOVA, write=True).reason == 0x05
    assert u.dma(SID, IOVA, write=False).reason == 0x0C


def test_p3_upper_level_reserved_beats_lower_not_present():
    u, _, pt = make()
    pt.map(IOVA, HPA, r=False, w=False)
    pt.set_entry(IOVA, 3, pt.entry(IOVA, 3) | 1 << 11)
    assert u.dma(SID, IOVA, write=False).reason == 0x0C


def test_p3_upper_not_present_beats_lower_fetch_error():
    u, _, pt = make()
    pt.map(IOVA, HPA)
    u.memory.add_error(pt.entry_addr(IOVA, 1), 8)
    pt.set_entry(IOVA, 3, pt.entry(IOVA, 3) & ~0b11)
    assert u.dma(SID, IOVA, write=True).reason == 0x05


# ------------------------------------------------------------------ 0Eh (P13)
@pytest.mark.parametrize(("frame", "page_level", "offset", "size", "expect"), [
    (0xFEEF_F000, 1, 0xFF8, 8, 0x0E),
    (0xFEE0_0000, 1, 0x0, 1, 0x0E),
    (0xFEE5_5000, 1, 0x800, 4096 - 0x800, 0x0E),
    (0xFEDF_F000, 1, 0xFFC, 4, 0),  # just below the range
    (0xFEF0_0000, 1, 0x0, 4, 0),  # just above
    (0xFEE0_0000, 2, 0x10_0000, 4, 0),  # 2 MB page half inside: only the bytes count
    (0xFEE0_0000, 2, 0x0F_FFFC, 4, 0x0E),
    (0xFEE0_0000, 2, 0x1F_F000, 4096, 0),
    (0xC000_0000, 3, 0x3EE0_0000, 4, 0x0E),  # 1 GB page containing the range
    (0xC000_0000, 3, 0x3EDF_FFF0, 16, 0),
    (0xC000_0000, 3, 0x3EF0_0000, 64, 0),
])
def test_0e_output_in_interrupt_range(frame, page_level, offset, size, expect):
    u, _, pt = make()
    iova = 0x40_0000_0000
    pt.map(iova, frame, level=page_level)
    out = u.dma(SID, iova + offset, write=True, size=size)
    if expect:
        check_fault(u, out, 0x0E, iova + offset, True)
    else:
        assert out.ok and out.hpa == frame + offset
        assert u.fault_records() == []


# ------------------------------------------------------------------ 29h (P14)
@pytest.mark.parametrize(("addr", "write", "size"), [
    (0xFEE0_0000, False, 4), (0xFEEF_FFFF, False, 1), (0xFEE0_1000, True, 8),
    (0xFEE0_0000, True, 2), (0xFEE0_0003, True, 1), (0xFEEF_F000, False, 4096),
    (0xFEE0_0000, True, 4096), (0xFEE8_0000, True, 16),
])
@pytest.mark.parametrize("te", [True, False])
def test_29_interrupt_range_access(addr, write, size, te):
    u, _, _ = make(fpd=True)  # 29h is not qualified: FPD does not suppress it
    if not te:
        gcmd(u, TE, on=False)  # U6 open: the model raises 29h whatever TE is
    check_fault(u, u.dma(SID, addr, write=write, size=size), 0x29, addr, write)


@pytest.mark.parametrize("addr", [0xFEE0_0000, 0xFEE0_0004, 0xFEEF_FFFC, 0xFEE1_2340])
@pytest.mark.parametrize("te", [True, False])
def test_4_byte_write_to_interrupt_range_is_not_dma(addr, te):
    """P14/§3.1: a DWORD write there is an interrupt request, never a DMA (use msi())."""
    u, _, _ = make()
    if not te:
        gcmd(u, TE, on=False)
    with pytest.raises(ValueError, match="interrupt"):
        u.dma(SID, addr, write=True, size=4)
    with pytest.raises(ValueError, match="interrupt"):
        u.dma_candidates(SID, addr, write=True, size=4)
    assert u.fault_records() == [] and u.fsts() == 0


@pytest.mark.parametrize("addr", [0xFEDF_FFFC, 0xFEF0_0000])
def test_neighbours_of_interrupt_range_are_translated(addr):
    u, _, _ = make()
    assert u.dma(SID, addr, write=True).reason == 0x05


# ------------------------------------------------------------------ 30h
@pytest.mark.parametrize("rtaddr_extra", [1 << 10, 2 << 10, 3 << 10, 1 << 7, 1 << 7 | 1 << 10])
def test_30_bad_rtaddr(rtaddr_extra):
    u = RemappingUnit(UnitConfig())
    b = Bench(u)
    b.device(SID, fpd=True).map(IOVA, HPA)
    enable_dma(u, rtaddr_extra=rtaddr_extra)
    check_fault(u, u.dma(SID, IOVA, write=False), 0x30, IOVA, False)


def test_30_cleared_by_new_srtp():
    u = RemappingUnit(UnitConfig())
    Bench(u).device(SID).map(IOVA, HPA)
    enable_dma(u, rtaddr_extra=1 << 10)
    assert u.dma(SID, IOVA, write=False).reason == 0x30
    u.write_reg("RTADDR", RTA)
    gcmd(u, SRTP)
    assert u.dma(SID, IOVA, write=False).hpa == HPA


# ------------------------------------------------------------------ FPD (§3.4, P6)
def _ctx_not_present(u, b, fpd):
    write_context(u, SID, *context_entry(0, did=1, present=False, fpd=fpd))
    return 0x1000, False


def _aw_bad(u, b, fpd):
    b.device(SID, fpd=fpd, aw=3)
    return 0x1000, False


def _tt_bad(u, b, fpd):
    b.device(SID, fpd=fpd, tt=0b11)
    return 0x1000, True


def _addr_wide(u, b, fpd):
    b.device(SID, fpd=fpd)
    return 1 << 48, True


def _addr_wide_pt(u, b, fpd):
    b.device(SID, fpd=fpd, tt=0b10)
    return 1 << 48, False


def _write_denied(u, b, fpd):
    b.device(SID, fpd=fpd).map(0x1000, HPA, r=True, w=False)
    return 0x1000, True


def _read_denied(u, b, fpd):
    b.device(SID, fpd=fpd).map(0x1000, HPA, r=False, w=True)
    return 0x1000, False


def _not_mapped(u, b, fpd):
    b.device(SID, fpd=fpd)
    return 0x1000, False


def _lower_fetch(u, b, fpd):
    pt = b.device(SID, fpd=fpd)
    pt.map(0x1000, HPA)
    u.memory.add_error(pt.entry_addr(0x1000, 1), 8)
    return 0x1000, True


def _top_fetch(u, b, fpd):
    pt = b.device(SID, fpd=fpd)
    pt.map(0x1000, HPA)
    u.memory.add_error(pt.root, 8)
    return 0x1000, True


def _ctx_reserved(u, b, fpd):
    b.device(SID, fpd=fpd, extra_hi=1 << 7).map(0x1000, HPA)
    return 0x1000, False


def _ctx_did_reserved(u, b, fpd):
    b.device(SID, fpd=fpd, did=0x100).map(0x1000, HPA)
    return 0x1000, False


def _sl_reserved(u, b, fpd):
    b.device(SID, fpd=fpd).map(0x1000, HPA, extra=1 << 11)
    return 0x1000, True


def _output_intr(u, b, fpd):
    b.device(SID, fpd=fpd).map(0x1000, 0xFEE0_0000)
    return 0x1000, True


QUALIFIED: list[tuple[int, Callable]] = [
    (0x02, _ctx_not_present), (0x03, _aw_bad), (0x03, _tt_bad), (0x03, _top_fetch),
    (0x04, _addr_wide), (0x04, _addr_wide_pt), (0x05, _write_denied), (0x06, _read_denied),
    (0x06, _not_mapped), (0x07, _lower_fetch), (0x0B, _ctx_reserved), (0x0B, _ctx_did_reserved),
    (0x0C, _sl_reserved), (0x0E, _output_intr),
]


@pytest.mark.parametrize(("reason", "setup"), QUALIFIED,
                         ids=[f"{r:02x}-{f.__name__}" for r, f in QUALIFIED])
@pytest.mark.parametrize("fpd", [True, False])
def test_fpd_suppresses_exactly_the_qualified_faults(reason, setup, fpd):
    u = RemappingUnit(UnitConfig())
    b = Bench(u)
    write_root(u, 3, *root_entry(ctp_of(3)))
    fault_event_setup(u)
    addr, write = setup(u, b, fpd)
    enable_dma(u)
    out = u.dma(SID, addr, write=write)
    assert not out.ok and out.reason == reason  # blocked either way
    if fpd:
        assert u.fault_records() == []
        assert u.fsts() == 0
        assert u.events == []
        assert u.read_reg("FECTL") == 0
    else:
        check_fault(u, out, reason, addr, write)
        assert len(u.events) == 1


@pytest.mark.parametrize("reason", [0x01, 0x08, 0x09, 0x0A, 0x29, 0x30])
def test_fpd_does_not_suppress_unqualified_faults(reason):
    u = RemappingUnit(UnitConfig())
    b = Bench(u)
    pt = b.device(SID, fpd=True)
    pt.map(0x1000, HPA)
    extra = 0
    addr, write = 0x1000, False
    if reason == 0x01:
        write_root(u, 3, 0, 0)
    elif reason == 0x08:
        u.memory.add_error(RTA + 16 * 3, 16)
    elif reason == 0x09:
        u.memory.add_error(context_addr(SID), 16)
    elif reason == 0x0A:
        write_root(u, 3, ctp_of(3) | 1, 1)
    elif reason == 0x29:
        addr = 0xFEE0_0000
    else:
        extra = 1 << 11
    enable_dma(u, rtaddr_extra=extra)
    check_fault(u, u.dma(SID, addr, write=write), reason, addr, write)


# ------------------------------------------------------------------ record contents
def test_fault_record_layout_read_and_write():
    u, _, pt = make()
    pt.map(0x1234_5000, HPA, r=False, w=False)
    u.dma(0x0123, 0x1234_5678, write=False, size=2)  # bus 1: root not present -> 01h
    u.dma(SID, 0x1234_5678, write=True, size=1)
    u.dma(SID, 0xABCD_EF01_2000, write=False, size=8)
    lo = [u.reg_read(0x600 + 16 * n, 8) for n in range(3)]
    hi = [u.reg_read(0x608 + 16 * n, 8) for n in range(3)]
    assert lo == [0x1234_5000, 0x1234_5000, 0xABCD_EF01_2000]
    assert hi[0] == 1 << 63 | 1 << 62 | 0x01 << 32 | 0x0123  # read: T1=1, T2=0
    assert hi[1] == 1 << 63 | 0 << 62 | 0x05 << 32 | SID  # write: T1=T2=0
    assert hi[2] == 1 << 63 | 1 << 62 | 0x06 << 32 | SID
    recs = u.fault_records()
    assert [(r.index, r.sid, r.fi, r.write, r.reason) for r in recs] == [
        (0, 0x0123, 0x1234_5000, False, 0x01),
        (1, SID, 0x1234_5000, True, 0x05),
        (2, SID, 0xABCD_EF01_2000, False, 0x06),
    ]
    assert u.fsts() == 0x2  # PPF, FRI=0


def test_request_must_stay_in_one_page():
    u, _, _ = make()
    with pytest.raises(ValueError):
        u.dma(SID, 0x1FFC, write=False, size=8)
    with pytest.raises(ValueError):
        u.dma(SID, 0x1000, write=False, size=0)
    with pytest.raises(ValueError):
        u.dma(0x10000, 0x1000, write=False)


def test_dma_candidates_has_no_side_effects():
    u, _, pt = make()
    pt.map(0x1000, HPA)
    cands = u.dma_candidates(SID, 0x2000, write=False)
    assert [c.outcome.reason for c in cands] == [0x06]
    assert u.fault_records() == [] and u.fsts() == 0
    assert u.dma_candidates(SID, 0x1000, write=False)[0].outcome.hpa == HPA
    pt.map(0x1000, HPA + 0x1000)  # nothing was cached by the look-ups above
    assert [c.outcome.hpa for c in u.dma_candidates(SID, 0x1000, write=False)] == [HPA + 0x1000]


def test_rtaddr_bits_above_haw_ignored():
    """§1.5: RTA bits at and above HAW are ignored."""
    u = RemappingUnit(UnitConfig(HAW=40, MGAW=48))
    Bench(u).device(SID).map(0x1000, HPA)
    enable_dma(u, rtaddr_extra=1 << 40 | 1 << 63)
    assert u.dma(SID, 0x1008, write=False).hpa == HPA + 8


def test_interrupt_range_classification_precedes_rtaddr_check():
    """§3.1 classification comes before the §3.2 walk (step 1 TTM check included)."""
    u = RemappingUnit(UnitConfig())
    enable_dma(u, rtaddr_extra=1 << 10)
    assert u.dma(SID, 0xFEE0_0000, write=False).reason == 0x29
    assert u.dma(SID, 0x1000, write=False).reason == 0x30
