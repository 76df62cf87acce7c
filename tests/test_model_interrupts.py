"""Interrupt remapping of the golden model against doc/vtd-rules.md §1.12, §2.5, §3.3, §5,
§6.3 and decisions P7, P8, P11, P15, P16, P17."""

from __future__ import annotations

import pytest

from python_model.config import UnitConfig
from python_model.outcomes import Interrupt
from python_model.unit import RemappingUnit
from tests.model_helpers import (
    CFI,
    IRE,
    IRT,
    SIRTP,
    Queue,
    compat_addr,
    enable_ir,
    fault_event_setup,
    gcmd,
    iec_dsc,
    irte,
    remappable_addr,
    write_irte,
    xapic_dst,
)

SID = 0x0518  # bus 5, device 3, function 0


def make(cfg: UnitConfig | None = None, s: int = 7, eime: bool = False, cfi: bool = False,
         qi: bool = False) -> RemappingUnit:
    u = RemappingUnit(cfg or UnitConfig())
    fault_event_setup(u)
    u.q = Queue(u) if qi else None  # type: ignore[attr-defined]
    enable_ir(u, s=s, eime=eime, cfi=cfi)
    return u


def check_ir_fault(u: RemappingUnit, out: object, reason: int, index: int | None,
                   sid: int = SID) -> None:
    """Blocked and recorded per P16: T1=T2=0, FI[63:48] = index, other FI bits 0."""
    assert not out.ok and out.reason == reason, out
    recs = u.fault_records()
    assert len(recs) == 1, recs
    r = recs[0]
    assert (r.sid, r.write, r.reason) == (sid, True, reason)
    hi = u.reg_read(0x608, 8)
    assert hi >> 62 & 1 == 0 and hi >> 28 & 1 == 0  # T1, T2
    assert hi >> 32 & 0xFF == reason and hi & 0xFFFF == sid
    if index is not None:
        assert r.fi == index << 48
        assert u.reg_read(0x600, 8) == index << 48


def check_suppressed(u: RemappingUnit, out: object, reason: int) -> None:
    assert not out.ok and out.reason == reason
    assert u.fault_records() == [] and u.fsts() == 0 and u.events == []


# ------------------------------------------------------------------ IRES=0 (P17, P15)
@pytest.mark.parametrize(("addr", "data", "expect"), [
    (compat_addr(0x12, rh=1, dm=1), 0x0000_C231,
     Interrupt(vector=0x31, dest=0x12, dest_mode=1, delivery_mode=2, trigger_mode=1,
               redirection_hint=1)),
    (compat_addr(0xFF), 0x0000_0700 | 0xEF,
     Interrupt(vector=0xEF, dest=0xFF, dest_mode=0, delivery_mode=7, trigger_mode=0,
               redirection_hint=0)),
    # A remappable-format address still decodes as compatibility format: dest = addr[19:12]
    (remappable_addr(0x1234, shv=True), 0x4000 | 0x8000 | 0x100 | 0x22,
     Interrupt(vector=0x22, dest=0x24, dest_mode=0, delivery_mode=1, trigger_mode=1,
               redirection_hint=1)),
])
@pytest.mark.parametrize("cfg", [UnitConfig(), UnitConfig(QI=0, IR=0, EIM=0)],
                         ids=["ir-off", "no-ir"])
def test_ires_zero_passes_through(addr, data, expect, cfg):
    u = RemappingUnit(cfg)
    u.write_reg("IRTA", IRT | 7)
    gcmd(u, SIRTP)  # a latched table does not matter while IRES=0
    out = u.msi(SID, addr, data)
    assert out.ok and out.interrupt == expect
    assert u.fault_records() == []


# ------------------------------------------------------------------ remapped format (§5, P15)
def test_remapped_xapic():
    u = make()
    write_irte(u, 5, irte(vector=0x45, dst=xapic_dst(0x23), dlm=1, tm=1, rh=1, dm=1))
    out = u.msi(SID, remappable_addr(5), 0xFFFF_FFFF)  # SHV=0: data ignored
    assert out.ok
    assert out.interrupt == Interrupt(vector=0x45, dest=0x23, dest_mode=1, delivery_mode=1,
                                      trigger_mode=1, redirection_hint=1)
    assert u.fault_records() == []


@pytest.mark.parametrize("dlm", [0, 1, 2, 4, 5, 7])
def test_remapped_delivery_modes(dlm):
    u = make()
    write_irte(u, 9, irte(vector=0x99, dst=xapic_dst(1), dlm=dlm))
    assert u.msi(SID, remappable_addr(9), 0).interrupt.delivery_mode == dlm


def test_remapped_x2apic_destination():
    u = make(eime=True)
    write_irte(u, 5, irte(vector=0x45, dst=0x1234_5678, dlm=0, tm=0))
    out = u.msi(SID, remappable_addr(5), 0)
    assert out.interrupt == Interrupt(vector=0x45, dest=0x1234_5678, dest_mode=0,
                                      delivery_mode=0, trigger_mode=0, redirection_hint=0)


def test_subhandle_adds_to_handle():
    u = make()
    write_irte(u, 7, irte(vector=0x70, dst=xapic_dst(7)))
    write_irte(u, 4, irte(vector=0x40, dst=xapic_dst(4)))
    assert u.msi(SID, remappable_addr(4, shv=True), 3).interrupt.vector == 0x70
    assert u.msi(SID, remappable_addr(4, shv=True), 0).interrupt.vector == 0x40
    assert u.msi(SID, remappable_addr(4, shv=False), 3).interrupt.vector == 0x40


def test_handle_bit_15_and_ignored_address_bits():
    u = make(s=15)
    index = 0x8003
    write_irte(u, index, irte(vector=0x83, dst=xapic_dst(9)))
    assert u.msi(SID, remappable_addr(index), 0).interrupt.vector == 0x83
    assert u.msi(SID, remappable_addr(index, low=0b11), 0).interrupt.vector == 0x83
    assert u.msi(SID, remappable_addr(3), 0).reason == 0x22  # without bit 2: index 3


def test_avail_bits_ignored():
    u = make()
    write_irte(u, 1, irte(vector=0x10, dst=xapic_dst(2), extra_lo=0xF << 8))
    assert u.msi(SID, remappable_addr(1), 0).interrupt == Interrupt(0x10, 2, 0, 0, 0, 0)


def test_sirtp_latches_irta():
    u = make()
    write_irte(u, 1, irte(vector=0x11, dst=xapic_dst(1)))
    write_irte(u, 1, irte(vector=0x22, dst=xapic_dst(1)), base=0x0058_0000)
    u.write_reg("IRTA", 0x0058_0000 | 7)
    assert u.msi(SID, remappable_addr(1), 0).interrupt.vector == 0x11
    gcmd(u, SIRTP)
    vectors = {c.outcome.interrupt.vector for c in u.msi_candidates(SID, remappable_addr(1), 0)}
    assert vectors == {0x22, 0x11}  # SIRTP with ESIRTPS=0 leaves the IEC to software (§6.5)
    assert u.msi_candidates(SID, remappable_addr(1), 0)[0].outcome.interrupt.vector == 0x22


# ------------------------------------------------------------------ 20h, 21h, 22h, 23h
@pytest.mark.parametrize("data", [0x1_0000, 0x8000_0000, 0xFFFF_0000])
def test_20_shv_data_high_bits(data):
    u = make()
    write_irte(u, 4, irte())
    check_ir_fault(u, u.msi(SID, remappable_addr(4, shv=True), data), 0x20, None)


@pytest.mark.parametrize(("s", "handle", "shv", "data", "index"), [
    (3, 16, False, 0, 16), (3, 10, True, 6, 16), (0, 2, False, 0, 2), (7, 0x7FFF, False, 0, 0x7FFF),
    (14, 0x8000, False, 0, 0x8000),
])
def test_21_index_beyond_table(s, handle, shv, data, index):
    u = make(s=s)
    write_irte(u, index, irte())
    check_ir_fault(u, u.msi(SID, remappable_addr(handle, shv=shv), data), 0x21, index)


@pytest.mark.parametrize(("s", "index"), [(3, 15), (0, 1), (14, 0x7FFF)])
def test_last_index_in_table(s, index):
    u = make(s=s)
    write_irte(u, index, irte(vector=0x55))
    assert u.msi(SID, remappable_addr(index), 0).interrupt.vector == 0x55


def test_21_irte_address_above_haw():
    u = RemappingUnit(UnitConfig(HAW=39, MGAW=39, SAGAW=0b0010))
    base = (1 << 39) - 0x1000  # 256 entries below 2^39, the rest above
    enable_ir(u, s=15, base=base)
    write_irte(u, 255, irte(vector=0x77), base=base)
    assert u.msi(SID, remappable_addr(255), 0).interrupt.vector == 0x77
    check_ir_fault(u, u.msi(SID, remappable_addr(256), 0), 0x21, 256)


def test_22_not_present():
    u = make()
    write_irte(u, 6, irte(present=False, vector=0x66))
    check_ir_fault(u, u.msi(SID, remappable_addr(6), 0), 0x22, 6)


def test_22_fpd_suppresses_even_when_not_present():
    u = make()
    write_irte(u, 6, irte(present=False, fpd=True, extra_lo=0xFF << 24))
    check_suppressed(u, u.msi(SID, remappable_addr(6), 0), 0x22)


@pytest.mark.parametrize("fpd", [False, True])
def test_23_fetch_error(fpd):
    u = make()
    write_irte(u, 8, irte(fpd=fpd))
    u.memory.add_error(IRT + 16 * 8 + 12, 4)
    check_ir_fault(u, u.msi(SID, remappable_addr(8), 0), 0x23, 8)


# ------------------------------------------------------------------ 24h
RESERVED_XAPIC = [
    ("14:12-12", {"extra_lo": 1 << 12}), ("14:12-14", {"extra_lo": 1 << 14}),
    ("31:24-24", {"extra_lo": 1 << 24}), ("31:24-31", {"extra_lo": 1 << 31}),
    ("dst-39:32-32", {"extra_lo": 1 << 32}), ("dst-39:32-39", {"extra_lo": 1 << 39}),
    ("dst-63:48-48", {"extra_lo": 1 << 48}), ("dst-63:48-63", {"extra_lo": 1 << 63}),
    ("127:84-84", {"extra_hi": 1 << 20}), ("127:84-100", {"extra_hi": 1 << 36}),
    ("127:84-127", {"extra_hi": 1 << 63}),
    ("svt-11", {"svt": 0b11}), ("svt-11-sq", {"svt": 0b11, "sq": 3, "sid": SID}),
    ("im-1-no-pi", {"im": 1}), ("dlm-011", {"dlm": 0b011}), ("dlm-110", {"dlm": 0b110}),
]


@pytest.mark.parametrize(("name", "fields"), RESERVED_XAPIC, ids=[r[0] for r in RESERVED_XAPIC])
@pytest.mark.parametrize("fpd", [False, True])
def test_24_reserved_fields(name, fields, fpd):
    u = make()
    write_irte(u, 12, irte(fpd=fpd, dst=xapic_dst(3), **fields))
    out = u.msi(SID, remappable_addr(12), 0)
    if fpd:
        check_suppressed(u, out, 0x24)
    else:
        check_ir_fault(u, out, 0x24, 12)


@pytest.mark.parametrize("dst", [0xFFFF_FFFF, 0x0000_00FF, 0xFF00_0000, 0x0001_0000])
def test_x2apic_dst_has_no_reserved_bits(dst):
    u = make(eime=True)
    write_irte(u, 12, irte(dst=dst))
    assert u.msi(SID, remappable_addr(12), 0).interrupt.dest == dst


@pytest.mark.parametrize("extra_lo", [1 << 12, 1 << 24])
def test_24_reserved_also_in_x2apic_mode(extra_lo):
    u = make(eime=True)
    write_irte(u, 12, irte(dst=0x100, extra_lo=extra_lo))
    check_ir_fault(u, u.msi(SID, remappable_addr(12), 0), 0x24, 12)


# ------------------------------------------------------------------ 26h (P7)
@pytest.mark.parametrize(("sq", "requester", "ok"), [
    (0b00, SID, True), (0b00, SID ^ 0b001, False), (0b00, SID ^ 0b100, False),
    (0b01, SID ^ 0b100, True), (0b01, SID ^ 0b010, False),
    (0b10, SID ^ 0b110, True), (0b10, SID ^ 0b001, False),
    (0b11, SID ^ 0b111, True), (0b11, SID ^ 0b1000, False), (0b11, SID ^ 0x100, False),
    (0b00, SID ^ 0x8000, False),
])
def test_26_svt01_sid_and_sq(sq, requester, ok):
    u = make()
    write_irte(u, 20, irte(vector=0x20, svt=0b01, sq=sq, sid=SID))
    out = u.msi(requester, remappable_addr(20), 0)
    if ok:
        assert out.ok and out.interrupt.vector == 0x20
    else:
        check_ir_fault(u, out, 0x26, 20, sid=requester)


@pytest.mark.parametrize(("start", "end", "bus", "ok"), [
    (0x05, 0x05, 0x05, True), (0x03, 0x07, 0x03, True), (0x03, 0x07, 0x07, True),
    (0x03, 0x07, 0x05, True), (0x03, 0x07, 0x02, False), (0x03, 0x07, 0x08, False),
    (0x00, 0xFF, 0xFF, True), (0x07, 0x03, 0x05, False),  # start > end: empty
    (0x10, 0x20, 0x05, False),
])
def test_26_svt10_bus_range(start, end, bus, ok):
    u = make()
    write_irte(u, 21, irte(vector=0x21, svt=0b10, sid=start << 8 | end))
    requester = bus << 8 | 0x3F
    out = u.msi(requester, remappable_addr(21), 0)
    if ok:
        assert out.ok
    else:
        check_ir_fault(u, out, 0x26, 21, sid=requester)


def test_svt00_ignores_sid_and_sq():
    u = make()
    write_irte(u, 22, irte(vector=0x22, svt=0b00, sq=3, sid=0xABCD))
    assert u.msi(0x0001, remappable_addr(22), 0).ok


def test_26_fpd_suppresses():
    u = make()
    write_irte(u, 20, irte(fpd=True, svt=0b01, sid=SID))
    check_suppressed(u, u.msi(SID + 1, remappable_addr(20), 0), 0x26)


# ------------------------------------------------------------------ P11 order
def test_p11_source_check_before_reserved():
    u = make()
    write_irte(u, 30, irte(svt=0b01, sid=SID, extra_lo=1 << 13, dlm=0b011))
    check_ir_fault(u, u.msi(SID + 1, remappable_addr(30), 0), 0x26, 30, sid=SID + 1)


def test_p11_reserved_when_source_matches():
    u = make()
    write_irte(u, 30, irte(svt=0b01, sid=SID, extra_lo=1 << 13))
    check_ir_fault(u, u.msi(SID, remappable_addr(30), 0), 0x24, 30)


def test_p11_present_before_source_check():
    u = make()
    write_irte(u, 30, irte(present=False, svt=0b01, sid=SID))
    check_ir_fault(u, u.msi(SID + 1, remappable_addr(30), 0), 0x22, 30, sid=SID + 1)


def test_20_before_21():
    u = make(s=0)
    check_ir_fault(u, u.msi(SID, remappable_addr(100, shv=True), 0x1_0000), 0x20, None)


# ------------------------------------------------------------------ compatibility format (P8)
@pytest.mark.parametrize(("eime", "cfi", "blocked"), [
    (False, False, True), (True, False, True), (True, True, True), (False, True, False),
])
def test_compatibility_format_with_ir_enabled(eime, cfi, blocked):
    u = make(eime=eime, cfi=cfi)
    assert (u.read_reg("GSTS") >> 23 & 1) == cfi
    out = u.msi(SID, compat_addr(0x34, rh=1), 0x8000 | 0x400 | 0x56)
    if blocked:
        assert not out.ok and out.reason == 0x25
        recs = u.fault_records()
        assert [(r.sid, r.write, r.reason) for r in recs] == [(SID, True, 0x25)]
    else:
        assert out.interrupt == Interrupt(vector=0x56, dest=0x34, dest_mode=0, delivery_mode=4,
                                          trigger_mode=1, redirection_hint=1)


def test_cfi_level_can_be_turned_off():
    u = make(cfi=True)
    assert u.msi(SID, compat_addr(1), 0x30).ok
    gcmd(u, CFI, on=False)
    assert u.msi(SID, compat_addr(1), 0x30).reason == 0x25
    gcmd(u, IRE, on=False)
    assert u.msi(SID, compat_addr(1), 0x30).ok


# ------------------------------------------------------------------ IEC (§6.3, §6.6)
def iec_world() -> RemappingUnit:
    u = make(qi=True)
    for idx in range(4, 8):
        write_irte(u, idx, irte(vector=0x40 + idx, dst=xapic_dst(1)))
        assert u.msi(SID, remappable_addr(idx), 0).interrupt.vector == 0x40 + idx
        write_irte(u, idx, irte(vector=0x80 + idx, dst=xapic_dst(1)))
    return u


def vectors(u: RemappingUnit, idx: int) -> list[object]:
    out = []
    for c in u.msi_candidates(SID, remappable_addr(idx), 0):
        o = c.outcome
        out.append(o.interrupt.vector if o.ok else o.reason)
    return out


def test_iec_holds_stale_entries():
    u = iec_world()
    for idx in range(4, 8):
        assert vectors(u, idx) == [0x80 + idx, 0x40 + idx]


@pytest.mark.parametrize(("desc", "gone"), [
    (iec_dsc(False), {4, 5, 6, 7}),  # global
    (iec_dsc(True, 5, 0), {5}),
    (iec_dsc(True, 8, 0), set()),
    (iec_dsc(True, 5, 1), {4, 5}),  # IIDX bit 0 masked: [4, 6)
    (iec_dsc(True, 6, 1), {6, 7}),
    (iec_dsc(True, 0, 2), set()),  # [0, 4)
    (iec_dsc(True, 7, 2), {4, 5, 6, 7}),  # [4, 8)
    (iec_dsc(True, 0x1234, 15), {4, 5, 6, 7}),  # [0x0000, 0x8000)
    (iec_dsc(True, 0x9234, 15), set()),  # [0x8000, 0x10000)
])
def test_iec_invalidation_granularity(desc, gone):
    u = iec_world()
    u.q.submit(desc)
    assert u.fsts() == 0
    for idx in range(4, 8):
        expect = [0x80 + idx] if idx in gone else [0x80 + idx, 0x40 + idx]
        assert vectors(u, idx) == expect, idx


def test_iec_stale_entry_after_irte_made_not_present():
    u = iec_world()
    write_irte(u, 5, irte(present=False))
    assert vectors(u, 5) == [0x22, 0x45]
    u.q.submit(iec_dsc(True, 5, 0))
    assert vectors(u, 5) == [0x22]


def test_context_and_iotlb_invalidation_do_not_touch_iec():
    u = iec_world()
    from tests.model_helpers import cc_dsc, iotlb_dsc

    u.q.submit(cc_dsc(1), iotlb_dsc(1))
    assert vectors(u, 5) == [0x85, 0x45]


def test_faulting_irte_not_cached():
    """§5/§6.6 CM=0: an IRTE that faulted (24h) is not cached."""
    u = make()
    write_irte(u, 3, irte(vector=0x33, extra_lo=1 << 12))
    assert u.msi(SID, remappable_addr(3), 0).reason == 0x24
    write_irte(u, 3, irte(vector=0x33))
    assert vectors(u, 3) == [0x33]


def test_not_present_irte_not_cached():
    u = make()
    write_irte(u, 3, irte(present=False))
    assert u.msi(SID, remappable_addr(3), 0).reason == 0x22
    write_irte(u, 3, irte(vector=0x33))
    assert vectors(u, 3) == [0x33]


def test_irte_that_failed_source_check_not_cached():
    """§5 'With CM=0, faulting IRTEs are not cached': an IRTE that produced 26h is not cached,
    so once software fixes its SID no invalidation is needed."""
    u = make()
    write_irte(u, 3, irte(vector=0x33, svt=0b01, sid=SID + 1))
    assert u.msi(SID, remappable_addr(3), 0).reason == 0x26
    write_irte(u, 3, irte(vector=0x33, svt=0b01, sid=SID))
    assert vectors(u, 3) == [0x33]


def test_msi_candidates_have_no_side_effects():
    u = make()
    write_irte(u, 3, irte(present=False))
    assert vectors(u, 3) == [0x22]
    assert u.fault_records() == [] and u.events == []
    write_irte(u, 3, irte(vector=0x31))
    assert vectors(u, 3) == [0x31]
    write_irte(u, 3, irte(vector=0x32))
    assert vectors(u, 3) == [0x32]  # the look-up above cached nothing


def test_irta_bits_above_haw_ignored():
    """§1.12: IRTA bits >= HAW are ignored."""
    u = RemappingUnit(UnitConfig(HAW=40, MGAW=48))
    enable_ir(u, s=3, base=IRT | 1 << 40 | 1 << 62)
    write_irte(u, 2, irte(vector=0x52, dst=xapic_dst(1)))
    assert u.msi(SID, remappable_addr(2), 0).interrupt.vector == 0x52


def test_irta_size_and_eime_take_effect_only_at_sirtp():
    """§1.12: all IRTA fields take effect at SIRTP."""
    u = make(s=2)  # 8 entries
    write_irte(u, 10, irte(vector=0x5A, dst=0x0000_7700))
    u.write_reg("IRTA", IRT | 1 << 11 | 7)  # larger table, x2APIC: not latched yet
    assert u.msi(SID, remappable_addr(10), 0).reason == 0x21
    gcmd(u, SIRTP)
    assert u.msi(SID, remappable_addr(10), 0).interrupt.dest == 0x7700  # x2APIC now
    u.write_reg("IRTA", IRT | 7)
    assert u.msi(SID, remappable_addr(10), 0).interrupt.dest == 0x7700
    gcmd(u, SIRTP)
    assert u.msi(SID, remappable_addr(10), 0).interrupt.dest == 0x77  # xAPIC: DST[15:8]
