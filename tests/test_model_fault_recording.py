"""Primary fault recording and the fault event of the golden model against
doc/vtd-rules.md §1.8, §1.9, §1.13, §4 and decisions P4, P5, P9."""

from __future__ import annotations

import pytest

from python_model.config import UnitConfig
from python_model.unit import RemappingUnit
from tests.model_helpers import (
    IRE,
    SIRTP,
    TE,
    Bench,
    Queue,
    enable_dma,
    fault_event_setup,
    gcmd,
    remappable_addr,
    wait_dsc,
)

PFO, PPF, IQE = 1 << 0, 1 << 1, 1 << 4
EVENT = (0xFEE0_F00C, 0x4041, "fault")


def fri(n: int) -> int:
    return n << 8


def make(nfr: int = 3, unmask: bool = True) -> RemappingUnit:
    """TE on with an empty root table: every DMA request faults with 01h (not qualified)."""
    u = RemappingUnit(UnitConfig(NFR=nfr))
    fault_event_setup(u, unmask=unmask)
    enable_dma(u)
    return u


def fault(u: RemappingUnit, n: int) -> None:
    out = u.dma(0x0100 + n, 0x1000 * (n + 1), write=bool(n & 1))
    assert out.reason == 0x01


def recorded(u: RemappingUnit) -> dict[int, int]:
    """FRCD index -> SID of every record with F=1."""
    return {r.index: r.sid for r in u.fault_records()}


def events(u: RemappingUnit) -> list[tuple[int, int, str]]:
    return [(e.addr, e.data, e.source) for e in u.events]


def clear_f(u: RemappingUnit, n: int) -> None:
    u.reg_write(0x600 + 16 * n + 12, 4, 1 << 31)


def test_first_fault_sets_ppf_fri_and_sends_event():
    u = make()
    fault(u, 0)
    assert u.read_reg("FSTS") == PPF | fri(0)
    assert events(u) == [EVENT]
    assert u.read_reg("FECTL") == 0  # IM=0, IP cleared after sending


def test_event_message_uses_feaddr_feuaddr_fedata():
    u = RemappingUnit(UnitConfig())
    fault_event_setup(u, addr=0xFEE3_4008, upper=0x0000_0012, data=0x0000_00E5)
    enable_dma(u)
    fault(u, 0)
    assert events(u) == [(0x12_FEE3_4008, 0xE5, "fault")]


def test_records_fill_in_order_then_wrap():
    u = make()
    for n in range(3):
        fault(u, n)
    assert recorded(u) == {0: 0x100, 1: 0x101, 2: 0x102}
    assert u.fsts() == PPF | fri(0)
    assert len(u.events) == 1  # PPF already set for the 2nd and 3rd (P9)
    for n in range(3):
        clear_f(u, n)
    assert u.fsts() & PPF == 0
    fault(u, 3)
    assert recorded(u) == {3: 0x103}
    assert u.fsts() == PPF | fri(3)
    assert len(u.events) == 2
    fault(u, 4)  # wraps from NFR to 0
    assert recorded(u) == {3: 0x103, 0: 0x104}
    assert u.fsts() == PPF | fri(3)
    assert len(u.events) == 2


def test_no_compression_p4():
    u = make()
    for _ in range(3):
        u.dma(0x0100, 0x1000, write=False)
    assert [(r.index, r.sid, r.fi) for r in u.fault_records()] == [
        (0, 0x100, 0x1000), (1, 0x100, 0x1000), (2, 0x100, 0x1000)]


def test_overflow_sets_pfo_without_event_or_record():
    u = make()
    for n in range(4):
        fault(u, n)
    before = [u.reg_read(0x600 + 8 * k, 8) for k in range(8)]
    fault(u, 4)  # FRCD[0].F=1 at idx 0: PFO
    assert u.fsts() == PFO | PPF | fri(0)
    assert [u.reg_read(0x600 + 8 * k, 8) for k in range(8)] == before
    assert len(u.events) == 1
    clear_f(u, 0)  # room again, but PFO=1 blocks recording
    fault(u, 5)
    assert recorded(u) == {1: 0x101, 2: 0x102, 3: 0x103}
    assert u.fsts() & PFO
    u.write_reg("FSTS", PFO)
    assert u.fsts() == PPF | fri(0)
    fault(u, 6)  # resumes at the current index (0)
    assert recorded(u) == {0: 0x106, 1: 0x101, 2: 0x102, 3: 0x103}
    assert len(u.events) == 1  # PPF stayed set throughout


def test_recording_resumes_at_current_index_after_pfo_clear():
    u = make()
    for n in range(4):
        fault(u, n)  # idx wraps to 0
    clear_f(u, 0)
    fault(u, 4)  # index 0, idx -> 1
    fault(u, 5)  # FRCD[1].F=1: PFO, idx stays 1
    assert u.fsts() & PFO
    for n in range(4):
        clear_f(u, n)
    u.write_reg("FSTS", PFO)
    assert u.fsts() & (PFO | PPF) == 0
    assert u.read_reg("FECTL") == 0
    fault(u, 6)
    assert recorded(u) == {1: 0x106}
    assert u.fsts() == PPF | fri(1)
    assert len(u.events) == 2  # PPF 0->1 with nothing else set: a new event


def test_writing_zero_to_pfo_keeps_it():
    u = make(nfr=0)
    fault(u, 0)
    fault(u, 1)
    assert u.fsts() == PFO | PPF
    u.write_reg("FSTS", 0xFFFF_FFFE)  # PFO bit 0 written 0; PPF/FRI not writable
    assert u.fsts() == PFO | PPF


@pytest.mark.parametrize("how", ["dword-top", "qword-hi", "qword-hi-all-ones"])
def test_software_clears_f(how):
    u = make()
    fault(u, 0)
    fault(u, 1)
    hi1 = u.reg_read(0x618, 8)
    if how == "dword-top":
        u.reg_write(0x61C, 4, 1 << 31)
    elif how == "qword-hi":
        u.reg_write(0x618, 8, 1 << 63)
    else:
        u.write_reg("FRCD1_HI", 0xFFFF_FFFF_FFFF_FFFF)
    assert recorded(u) == {0: 0x100}
    assert u.reg_read(0x618, 8) == hi1 & ~(1 << 63)  # the other fields stay (RO)
    assert u.fsts() & PPF


@pytest.mark.parametrize(("off", "size", "value"), [
    (0x608, 4, 0xFFFF_FFFF),  # low dword of the upper qword: F not in it
    (0x60C, 4, 0x7FFF_FFFF),  # top dword with F written 0
    (0x600, 8, 0xFFFF_FFFF_FFFF_FFFF),  # FI is RO
    (0x608, 8, 0x7FFF_FFFF_FFFF_FFFF),
])
def test_writes_that_do_not_clear_f(off, size, value):
    u = make()
    fault(u, 0)
    lo, hi = u.reg_read(0x600, 8), u.reg_read(0x608, 8)
    u.reg_write(off, size, value)
    assert (u.reg_read(0x600, 8), u.reg_read(0x608, 8)) == (lo, hi)
    assert u.fsts() == PPF


def test_ppf_is_or_of_f_bits():
    u = make()
    fault(u, 0)
    fault(u, 1)
    clear_f(u, 0)
    assert u.fsts() & PPF
    clear_f(u, 1)
    assert u.fsts() & PPF == 0


def test_masked_event_pending_then_sent_on_unmask():
    u = make(unmask=False)
    assert u.read_reg("FECTL") == 1 << 31
    fault(u, 0)
    assert u.read_reg("FECTL") == 1 << 31 | 1 << 30  # IM, IP
    assert u.events == []
    fault(u, 1)
    assert u.events == []
    u.write_reg("FECTL", 0)
    assert events(u) == [EVENT]
    assert u.read_reg("FECTL") == 0
    u.write_reg("FECTL", 1 << 31)
    u.write_reg("FECTL", 0)
    assert len(u.events) == 1


def test_writing_ip_does_nothing():
    u = make(unmask=False)
    u.write_reg("FECTL", 1 << 31 | 1 << 30)
    assert u.read_reg("FECTL") == 1 << 31
    u.write_reg("FECTL", 0)
    assert u.events == []


def test_pending_ip_cleared_without_message_when_status_clears():
    u = make(unmask=False)
    fault(u, 0)
    fault(u, 1)
    clear_f(u, 0)
    assert u.read_reg("FECTL") == 1 << 31 | 1 << 30  # PPF still 1
    clear_f(u, 1)
    assert u.read_reg("FECTL") == 1 << 31
    u.write_reg("FECTL", 0)
    assert u.events == []


def test_pending_ip_needs_pfo_cleared_too():
    u = make(nfr=0, unmask=False)
    fault(u, 0)
    fault(u, 1)  # PFO
    clear_f(u, 0)
    assert u.fsts() == PFO
    assert u.read_reg("FECTL") >> 30 & 1
    u.write_reg("FSTS", PFO)
    assert u.read_reg("FECTL") == 1 << 31
    u.write_reg("FECTL", 0)
    assert u.events == []


def test_no_event_while_ppf_set():
    u = make()
    fault(u, 0)
    fault(u, 1)
    assert len(u.events) == 1


def _queue_error(u: RemappingUnit, q: Queue) -> None:
    q.submit((0x0, 0))  # type 0: invalid in any mode
    assert u.fsts() & IQE


def test_no_event_for_iqe_while_pfo_set():
    u = make(nfr=0)
    q = Queue(u)
    fault(u, 0)
    fault(u, 1)  # PFO
    clear_f(u, 0)
    assert u.fsts() == PFO
    _queue_error(u, q)
    assert len(u.events) == 1  # only the first fault's
    assert u.read_reg("FECTL") == 0


def test_no_event_for_iqe_while_ppf_set():
    u = make()
    q = Queue(u)
    fault(u, 0)
    _queue_error(u, q)
    assert len(u.events) == 1


def test_no_event_for_fault_while_iqe_set():
    u = make()
    q = Queue(u)
    _queue_error(u, q)
    assert events(u) == [EVENT]  # IQE on a clean FSTS raises the event
    fault(u, 0)
    assert recorded(u) == {0: 0x100}
    assert u.fsts() == IQE | PPF | fri(0)
    assert len(u.events) == 1
    clear_f(u, 0)
    q.place(0, wait_dsc())
    u.write_reg("FSTS", IQE)
    assert u.fsts() & (IQE | PPF) == 0 and len(u.events) == 1
    fault(u, 1)
    assert len(u.events) == 2


def test_masked_iqe_event_cleared_by_clearing_iqe():
    u = make(unmask=False)
    q = Queue(u)
    _queue_error(u, q)
    assert u.read_reg("FECTL") == 1 << 31 | 1 << 30
    q.place(0, wait_dsc())  # fix the bad descriptor first: clearing IQE refetches it
    u.write_reg("FSTS", IQE)
    assert u.fsts() == 0
    assert u.read_reg("FECTL") == 1 << 31
    u.write_reg("FECTL", 0)
    assert u.events == []


def test_clearing_iqe_with_bad_descriptor_still_there_raises_it_again():
    u = make(unmask=False)
    q = Queue(u)
    _queue_error(u, q)
    u.write_reg("FSTS", IQE)  # IP cleared, then the refetched descriptor fails again
    assert u.fsts() == IQE
    assert u.read_reg("FECTL") == 1 << 31 | 1 << 30
    assert q.head() == 0


def test_fpd_suppressed_fault_does_not_use_a_record():
    u = RemappingUnit(UnitConfig(NFR=3))
    fault_event_setup(u)
    Bench(u).device(0x0200, fpd=True)
    enable_dma(u)
    assert u.dma(0x0200, 0x5000, write=False).reason == 0x06
    assert u.fault_records() == [] and u.events == []
    fault(u, 0)
    assert recorded(u) == {0: 0x100}


def test_p5_index_resets_when_tes_and_ires_both_zero():
    u = make()
    fault(u, 0)
    fault(u, 1)  # idx = 2
    clear_f(u, 0)
    clear_f(u, 1)
    gcmd(u, TE, on=False)  # TES=0, IRES=0: idx -> 0
    gcmd(u, TE)
    fault(u, 2)
    assert recorded(u) == {0: 0x102}
    assert u.fsts() == PPF | fri(0)


def test_p5_index_kept_while_ires_set():
    u = make()
    u.write_reg("IRTA", 0x0050_0000)
    gcmd(u, SIRTP)
    gcmd(u, IRE)
    fault(u, 0)
    fault(u, 1)  # idx = 2
    clear_f(u, 0)
    clear_f(u, 1)
    gcmd(u, TE, on=False)  # IRES still 1: no reset
    gcmd(u, TE)
    fault(u, 2)
    assert recorded(u) == {2: 0x102}
    clear_f(u, 2)  # idx = 3
    gcmd(u, TE, on=False)
    gcmd(u, IRE, on=False)  # now both 0: reset
    out = u.msi(0x0300, remappable_addr(5), 0)  # IRES=0: passes, no fault
    assert out.ok
    gcmd(u, TE)
    fault(u, 3)
    assert recorded(u) == {0: 0x103}


def test_p5_interrupt_faults_share_the_index():
    u = make()
    u.write_reg("IRTA", 0x0050_0000 | 7)
    gcmd(u, SIRTP)
    gcmd(u, IRE)
    fault(u, 0)
    assert u.msi(0x0300, remappable_addr(3), 0).reason == 0x22  # IRTE not present
    fault(u, 1)
    assert recorded(u) == {0: 0x100, 1: 0x300, 2: 0x101}
    rec = u.fault_records()[1]
    assert (rec.fi, rec.write, rec.reason) == (3 << 48, True, 0x22)
