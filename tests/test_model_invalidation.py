"""Context-cache, IOTLB and queued invalidation of the golden model against
doc/vtd-rules.md §1.6, §1.7, §1.11, §2.7, §6 and decisions P10, P12.

Granularity is observed through the permitted outcome set: after a table change, a stale
outcome stays permitted exactly until an invalidation that covers it completes."""

from __future__ import annotations

import pytest

from python_model.config import UnitConfig
from python_model.unit import RemappingUnit
from tests.model_helpers import (
    IQ,
    QIE,
    SRTP,
    STATUS,
    TE,
    Bench,
    PageTables,
    Queue,
    cc_dsc,
    context_entry,
    enable_dma,
    gcmd,
    get,
    iec_dsc,
    iotlb_dsc,
    wait_dsc,
    write_context,
)

X = 0x4000_3000
Y = 0x4000_5000
H1 = 0x9000_0000
H2 = 0x9100_0000
A = 0x0100
IQE = 1 << 4


def outcomes(u: RemappingUnit, sid: int, addr: int, write: bool = False) -> list[tuple]:
    return [c.outcome.visible() for c in u.dma_candidates(sid, addr, write)]


def ok(hpa: int) -> tuple[str, int]:
    return ("ok", hpa)


# ------------------------------------------------------------------ register-path commands
def ccmd(u: RemappingUnit, cirg: int, did: int = 0, sid: int = 0, fm: int = 0) -> int:
    u.write_reg("CCMD", 1 << 63 | cirg << 61 | fm << 32 | sid << 16 | did)
    value = u.read_reg("CCMD")
    assert value >> 63 == 0  # ICC cleared when done
    return get(value, 60, 59)  # CAIG


def iotlb_reg(u: RemappingUnit, iirg: int, did: int = 0, addr: int = 0, am: int = 0,
              ih: bool = False) -> int:
    u.write_reg("IVA", addr | int(ih) << 6 | am)
    u.write_reg("IOTLB", 1 << 63 | iirg << 60 | did << 32)
    value = u.read_reg("IOTLB")
    assert value >> 63 == 0
    return get(value, 58, 57)  # IAIG


# ------------------------------------------------------------------ context cache (§6.1)
class CtxWorld:
    """SIDs 01:00.0-01:00.7 in DID 1 and 01:01.0 in DID 2 share one page table mapping X and Y.
    Each SID translated X (its context may be cached); then every context entry went away.
    A SID whose context may still be cached can still reach Y (never translated, so never in
    the IOTLB) through that stale context."""

    SIDS = [0x0100 + f for f in range(8)] + [0x0108]

    def __init__(self, cfg: UnitConfig | None = None, qi: bool = False) -> None:
        self.u = RemappingUnit(cfg or UnitConfig())
        b = Bench(self.u)
        self.pt = b.tables()
        self.pt.map(X, H1)
        self.pt.map(Y, H2)
        for sid in self.SIDS:
            b.device(sid, did=2 if sid == 0x0108 else 1, pt=self.pt)
        enable_dma(self.u)
        self.q = Queue(self.u) if qi else None
        for sid in self.SIDS:
            assert self.u.dma(sid, X, write=False).hpa == H1
        for sid in self.SIDS:
            write_context(self.u, sid, *context_entry(0, did=0, present=False))

    def cached(self) -> set[int]:
        out = set()
        for sid in self.SIDS:
            seen = outcomes(self.u, sid, Y)
            assert seen[0] == ("fault", 0x02)
            if ok(H2) in seen:
                out.add(sid)
        return out


ALL = set(CtxWorld.SIDS)
DOM1 = ALL - {0x0108}


def test_context_world_starts_fully_cached():
    assert CtxWorld().cached() == ALL


@pytest.mark.parametrize(("cirg", "did", "sid", "fm", "gone"), [
    (0b01, 0, 0, 0, ALL),  # global
    (0b10, 1, 0, 0, DOM1),  # domain
    (0b10, 2, 0, 0, {0x0108}),
    (0b10, 3, 0, 0, set()),
    (0b10, 0x101, 0, 0, DOM1),  # DID bits above the ND width (8 bits) are ignored
    (0b11, 1, 0x0104, 0, {0x0104}),  # device
    (0b11, 1, 0x0104, 1, {0x0100, 0x0104}),  # FM=01: SID[2] masked
    (0b11, 1, 0x0104, 2, {0x0100, 0x0102, 0x0104, 0x0106}),  # FM=10: SID[2:1]
    (0b11, 1, 0x0105, 3, DOM1),  # FM=11: SID[2:0]
    (0b11, 2, 0x0104, 3, set()),  # device needs SID and DID
    (0b11, 2, 0x0108, 0, {0x0108}),
    (0b11, 1, 0x0108, 3, set()),
])
@pytest.mark.parametrize("path", ["register", "queue"])
def test_context_invalidation_granularity(cirg, did, sid, fm, gone, path):
    w = CtxWorld(qi=path == "queue")
    if path == "register":
        assert ccmd(w.u, cirg, did, sid, fm) == cirg  # CAIG: what was done
    else:
        w.q.submit(cc_dsc(cirg, did, sid, fm))
        assert w.q.head() == 1 and w.u.fsts() == 0
    assert w.cached() == ALL - gone


def test_ccmd_ignored_while_qi_enabled():
    w = CtxWorld(qi=True)
    assert ccmd(w.u, 0b01) == 0
    assert w.cached() == ALL


def test_ccmd_reserved_granularity_does_nothing():
    w = CtxWorld()
    assert ccmd(w.u, 0b00) == 0
    assert w.cached() == ALL


def test_ccmd_low_dword_alone_does_nothing():
    w = CtxWorld()
    w.u.reg_write(0x28, 4, 1)  # DID=1
    assert w.cached() == ALL
    w.u.reg_write(0x2C, 4, 1 << 31 | 0b10 << 29)  # top dword with ICC: domain DID 1
    assert get(w.u.read_reg("CCMD"), 60, 59) == 0b10
    assert w.cached() == ALL - DOM1


def test_iotlb_invalidation_does_not_touch_context_cache():
    w = CtxWorld()
    assert iotlb_reg(w.u, 0b01) == 0b01
    assert w.cached() == ALL


# ------------------------------------------------------------------ IOTLB (§6.2)
class TlbWorld:
    """SID A (DID 1) and SID B (DID 2) each translated X; then X's leaf changed H1 -> H2."""

    B = 0x0200

    def __init__(self, cfg: UnitConfig | None = None, qi: bool = False,
                 page_level: int = 1) -> None:
        self.u = RemappingUnit(cfg or UnitConfig())
        b = Bench(self.u)
        self.pt: PageTables = b.device(A, did=1)
        self.pt_b: PageTables = b.device(self.B, did=2)
        self.x = X if page_level == 1 else 0x4020_0000
        size = {1: 0x1000, 2: 0x20_0000}[page_level]
        self.pt.map(self.x, H1, level=page_level)
        self.pt_b.map(self.x, H1, level=page_level)
        enable_dma(self.u)
        self.q = Queue(self.u) if qi else None
        self.probe = self.x + size - 8
        assert self.u.dma(A, self.probe, write=True).hpa == H1 + size - 8
        assert self.u.dma(self.B, self.probe, write=True).hpa == H1 + size - 8
        self.pt.map(self.x, H2, level=page_level)
        self.pt_b.map(self.x, H2, level=page_level)
        self.off = size - 8

    def stale(self, sid: int = A) -> bool:
        seen = outcomes(self.u, sid, self.probe, write=True)
        assert seen[0] == ok(H2 + self.off)
        assert set(seen) <= {ok(H2 + self.off), ok(H1 + self.off)}
        return ok(H1 + self.off) in seen

    def inval(self, path: str, g: int, did: int = 0, addr: int = 0, am: int = 0,
              ih: bool = False) -> int | None:
        if path == "register":
            return iotlb_reg(self.u, g, did, addr, am, ih)
        self.q.submit(iotlb_dsc(g, did, addr, am, ih))
        return None


def test_tlb_world_both_stale():
    w = TlbWorld()
    assert w.stale(A) and w.stale(TlbWorld.B)


@pytest.mark.parametrize(("g", "did", "addr", "am", "a_gone", "b_gone"), [
    (0b01, 0, 0, 0, True, True),  # global
    (0b10, 1, 0, 0, True, False),  # domain
    (0b10, 2, 0, 0, False, True),
    (0b10, 3, 0, 0, False, False),
    (0b10, 0x201, 0, 0, True, False),  # DID bits above ND ignored
    (0b11, 1, X, 0, True, False),  # page
    (0b11, 1, X + 0x1000, 0, False, False),  # next page
    (0b11, 1, X - 0x1000, 0, False, False),
    (0b11, 1, X & ~0x1FFF, 1, True, False),  # 2 pages from 0x4000_2000
    (0b11, 1, X, 1, True, False),  # ADDR bit 12 masked by AM=1: 0x4000_2000
    (0b11, 1, X + 0x1000, 1, False, False),  # [0x4000_4000, +8K)
    (0b11, 1, 0x4000_4000, 2, False, False),  # [0x4000_4000, +16K)
    (0b11, 1, 0x4000_4000, 3, True, False),  # [0x4000_0000, +32K)
    (0b11, 1, 0, 18, False, False),  # [0, 1G) does not hold 0x4000_3000
    (0b11, 1, 0x7FFF_F000, 18, True, False),  # [0x4000_0000, +1G)
    (0b11, 2, X, 0, False, True),
])
@pytest.mark.parametrize("path", ["register", "queue"])
def test_iotlb_invalidation_granularity(g, did, addr, am, a_gone, b_gone, path):
    w = TlbWorld(qi=path == "queue")
    iaig = w.inval(path, g, did, addr, am)
    if path == "register":
        assert iaig == g
    else:
        assert w.q.head() == 1 and w.u.fsts() == 0
    assert w.stale(A) is not a_gone
    assert w.stale(TlbWorld.B) is not b_gone


def test_iva_address_bits_above_mgaw_ignored():
    """§1.7: IVA.ADDR bits >= MGAW are ignored."""
    w = TlbWorld()
    assert iotlb_reg(w.u, 0b11, 1, X | 1 << 50 | 1 << 63, 0) == 0b11
    assert not w.stale(A)


@pytest.mark.parametrize("path", ["register", "queue"])
def test_psi_removes_an_overlapping_large_page(path):
    w = TlbWorld(qi=path == "queue", page_level=2)
    assert w.stale()
    w.inval(path, 0b11, 1, w.x + 0x7_3000, 0)  # one 4K page inside the 2 MB page
    assert not w.stale()


@pytest.mark.parametrize("path", ["register", "queue"])
def test_psi_outside_a_large_page_keeps_it(path):
    w = TlbWorld(qi=path == "queue", page_level=2)
    w.inval(path, 0b11, 1, w.x + 0x20_0000, 0)
    assert w.stale()
    w.inval(path, 0b11, 1, w.x + 0x20_0000, 9)  # 2 MB range: the next 2 MB page
    assert w.stale()
    w.inval(path, 0b11, 1, w.x + 0x20_0000, 10)  # 4 MB range [0x4040_0000, +4M)
    assert w.stale()
    w.inval(path, 0b11, 1, w.x + 0x20_0000, 11)  # 8 MB range [0x4000_0000, +8M) holds it
    assert not w.stale()


def test_register_psi_am_above_mamv_not_done_p12():
    w = TlbWorld(UnitConfig(MAMV=5))
    assert iotlb_reg(w.u, 0b11, 1, X, 6) == 0
    assert w.stale()
    assert iotlb_reg(w.u, 0b11, 1, X, 5) == 0b11
    assert not w.stale()


def test_register_psi_without_cap_psi_not_done():
    """Model choice (doc/vtd-rules.md: PSI needs CAP.PSI): IAIG=00 and nothing invalidated."""
    w = TlbWorld(UnitConfig(PSI=0))
    assert iotlb_reg(w.u, 0b11, 1, X, 0) == 0
    assert w.stale()
    assert iotlb_reg(w.u, 0b10, 1) == 0b10
    assert not w.stale()


def test_register_iotlb_ignored_while_qi_enabled():
    w = TlbWorld(qi=True)
    assert iotlb_reg(w.u, 0b01) == 0
    assert w.stale()


def test_register_iotlb_reserved_granularity():
    w = TlbWorld()
    assert iotlb_reg(w.u, 0b00) == 0
    assert w.stale()


class PdeWorld:
    """X translated through L1 table T1; then the PDE is repointed to a new T2 (X -> H2)."""

    def __init__(self, qi: bool = False) -> None:
        self.u = RemappingUnit(UnitConfig())
        b = Bench(self.u)
        self.pt = b.device(A, did=1)
        self.pt.map(X, H1)
        enable_dma(self.u)
        self.q = Queue(self.u) if qi else None
        assert self.u.dma(A, X, write=False).hpa == H1
        t2 = b.alloc.page()
        self.u.memory.poke_u64(t2 + 8 * ((X >> 12) & 0x1FF), H2 | 0b11)
        self.pt.set_entry(X, 2, t2 | 0b11)

    def seen(self) -> set:
        s = outcomes(self.u, A, X)
        assert s[0] == ok(H2)
        return set(s)


@pytest.mark.parametrize("path", ["register", "queue"])
def test_psi_ih_keeps_paging_structure_cache(path):
    w = PdeWorld(qi=path == "queue")
    assert w.seen() == {ok(H1), ok(H2)}
    if path == "register":
        assert iotlb_reg(w.u, 0b11, 1, X, 0, ih=True) == 0b11
    else:
        w.q.submit(iotlb_dsc(0b11, 1, X, 0, ih=True))
    assert w.seen() == {ok(H1), ok(H2)}  # IOTLB entry gone, cached PDE still points at T1
    if path == "register":
        iotlb_reg(w.u, 0b11, 1, X, 0, ih=False)
    else:
        w.q.submit(iotlb_dsc(0b11, 1, X, 0, ih=False))
    assert w.seen() == {ok(H2)}


@pytest.mark.parametrize(("g", "did", "addr", "am", "gone"), [
    (0b10, 1, 0, 0, True), (0b10, 2, 0, 0, False), (0b01, 0, 0, 0, True),
    (0b11, 1, X + 0x1000, 0, False),  # PDE region overlaps, but the IOTLB entry stays
    (0b11, 1, X - 0x1000, 1, True),
])
def test_pde_world_granularities(g, did, addr, am, gone):
    w = PdeWorld()
    iotlb_reg(w.u, g, did, addr, am)
    assert (w.seen() == {ok(H2)}) is gone


# ------------------------------------------------------------------ queued invalidation (§6.4)
def make_q(cfg: UnitConfig | None = None, qs: int = 0) -> tuple[RemappingUnit, Queue]:
    u = RemappingUnit(cfg or UnitConfig())
    q = Queue(u, qs=qs)
    return u, q


def status(u: RemappingUnit, n: int = 0) -> int:
    return u.memory.peek_u64(STATUS + 8 * n) & 0xFFFF_FFFF


def test_queue_enable_state():
    u, q = make_q()
    assert u.read_reg("GSTS") == 1 << 26
    assert u.read_reg("IQH") == 0 and u.read_reg("IQT") == 0
    assert u.read_reg("IQA") == IQ


def test_queue_disabled_does_not_fetch():
    u = RemappingUnit(UnitConfig())
    q = Queue(u, enable=False)
    q.submit(wait_dsc(sw=True, data=0x1234))
    assert status(u) == 0 and q.head() == 0


def test_wait_status_write():
    u, q = make_q()
    q.submit(wait_dsc(sw=True, data=0xDEAD_BEEF, addr=STATUS + 4))
    assert u.memory.peek_u64(STATUS) == 0xDEAD_BEEF << 32
    assert q.head() == 1 and u.read_reg("IQT") == 1 << 4
    assert u.read_reg("ICS") == 0 and u.events == [] and u.fsts() == 0


def test_descriptors_run_in_order_to_the_tail():
    u, q = make_q()
    q.place(0, wait_dsc(sw=True, data=1, addr=STATUS))
    q.place(1, wait_dsc(sw=True, data=2, addr=STATUS))
    q.place(2, wait_dsc(sw=True, data=3, addr=STATUS + 8))
    u.write_reg("IQT", 2 << 4)
    assert status(u) == 2 and status(u, 1) == 0 and q.head() == 2
    u.write_reg("IQT", 3 << 4)
    assert status(u, 1) == 3 and q.head() == 3


def setup_iectl(u: RemappingUnit, unmask: bool) -> None:
    u.write_reg("IEADDR", 0xFEE0_2000)
    u.write_reg("IEUADDR", 0x3)
    u.write_reg("IEDATA", 0x0051)
    if unmask:
        u.write_reg("IECTL", 0)


INV_EVENT = (0x3_FEE0_2000, 0x51, "invalidation")


def inv_events(u: RemappingUnit) -> list[tuple]:
    return [(e.addr, e.data, e.source) for e in u.events]


def test_wait_interrupt_unmasked():
    u, q = make_q()
    setup_iectl(u, unmask=True)
    q.submit(wait_dsc(iflag=True))
    assert u.read_reg("ICS") == 1
    assert inv_events(u) == [INV_EVENT]
    assert u.read_reg("IECTL") == 0
    assert u.fsts() == 0 and u.read_reg("FECTL") == 1 << 31  # not a fault event


def test_wait_interrupt_masked_then_unmasked():
    u, q = make_q()
    setup_iectl(u, unmask=False)
    q.submit(wait_dsc(iflag=True))
    assert u.read_reg("ICS") == 1
    assert u.read_reg("IECTL") == 1 << 31 | 1 << 30
    assert u.events == []
    u.write_reg("IECTL", 0)
    assert inv_events(u) == [INV_EVENT]
    assert u.read_reg("IECTL") == 0


def test_wait_interrupt_with_iwc_already_set_does_nothing_more():
    u, q = make_q()
    setup_iectl(u, unmask=False)
    q.submit(wait_dsc(iflag=True))
    u.write_reg("IECTL", 0)  # sends, IP=0; IWC still 1
    q.submit(wait_dsc(iflag=True))
    assert u.read_reg("IECTL") == 0 and len(u.events) == 1
    u.write_reg("ICS", 1)
    assert u.read_reg("ICS") == 0
    q.submit(wait_dsc(iflag=True))
    assert len(u.events) == 2 and u.read_reg("ICS") == 1


def test_clearing_iwc_clears_pending_ip_without_message():
    u, q = make_q()
    setup_iectl(u, unmask=False)
    q.submit(wait_dsc(iflag=True))
    assert u.read_reg("IECTL") >> 30 & 1
    u.write_reg("ICS", 0)  # writing 0 leaves it
    assert u.read_reg("ICS") == 1 and u.read_reg("IECTL") >> 30 & 1
    u.write_reg("ICS", 1)
    assert u.read_reg("IECTL") == 1 << 31
    u.write_reg("IECTL", 0)
    assert u.events == []


def test_wait_sw_and_if_together_p10():
    u, q = make_q()
    setup_iectl(u, unmask=True)
    q.submit(wait_dsc(sw=True, iflag=True, data=0x77))
    assert status(u) == 0x77
    assert u.read_reg("ICS") == 1 and inv_events(u) == [INV_EVENT]


def test_wait_fence_flag_accepted():
    u, q = make_q()
    q.submit(wait_dsc(sw=True, fn=True, data=5), wait_dsc(sw=True, data=6, addr=STATUS + 8))
    assert status(u) == 5 and status(u, 1) == 6 and u.fsts() == 0


def test_valid_descriptors_with_all_fields_set():
    u, q = make_q()
    q.submit(cc_dsc(3, 0xFFFF, 0xFFFF, 3), iotlb_dsc(3, 0xFFFF, 0xFFFF_FFFF_FFFF_F000, 18, True,
                                                     dr=1, dw=1),
             iec_dsc(True, 0xFFFF, 15), wait_dsc(True, False, True, 0xFFFF_FFFF, STATUS))
    assert u.fsts() == 0 and q.head() == 4
    assert status(u) == 0xFFFF_FFFF


def test_queue_wraps():
    u, q = make_q()
    for _ in range(250):
        q.submit(wait_dsc())
    assert q.head() == 250
    q.submit(*[wait_dsc() for _ in range(9)])
    assert q.head() == 3 and u.read_reg("IQH") == 3 << 4 and u.fsts() == 0


def test_larger_queue_size():
    u, q = make_q(qs=1)
    for n in range(300):
        q.place(n, wait_dsc())
    q.place(300, wait_dsc(sw=True, data=9))
    u.write_reg("IQT", 301 << 4)
    assert q.head() == 301 and status(u) == 9 and u.fsts() == 0


# --- errors
def expect_iqe(u: RemappingUnit, q: Queue, iqei: int, head: int) -> None:
    assert u.fsts() & IQE
    assert u.read_reg("IQERCD") & 0xF == iqei
    assert q.head() == head


BAD_TYPES = [
    (0x0, 0), (0x3, 0), (0x6, 0), (0x7, 0), (0x8, 0), (0x9, 0), (0xA, 0), (0xF, 0),
    (0x1 | 1 << 9, 0), (0x5 | 1 << 11, 0),  # type bits 11:9 make it a 6-bit type
]


@pytest.mark.parametrize("desc", BAD_TYPES, ids=[f"{d[0]:#x}" for d in BAD_TYPES])
def test_iqe_bad_type(desc):
    u, q = make_q()
    q.submit(wait_dsc(sw=True, data=1), desc, wait_dsc(sw=True, data=2, addr=STATUS + 8))
    expect_iqe(u, q, 3, 1)
    assert status(u) == 1  # earlier descriptor completed
    assert status(u, 1) == 0  # later one not run


RESERVED = [
    ("cc-qw0-6", (cc_dsc(1)[0] | 1 << 6, 0)), ("cc-qw0-8", (cc_dsc(1)[0] | 1 << 8, 0)),
    ("cc-qw0-12", (cc_dsc(1)[0] | 1 << 12, 0)), ("cc-qw0-15", (cc_dsc(1)[0] | 1 << 15, 0)),
    ("cc-qw0-50", (cc_dsc(1)[0] | 1 << 50, 0)), ("cc-qw0-63", (cc_dsc(1)[0] | 1 << 63, 0)),
    ("cc-qw1-0", (cc_dsc(1)[0], 1)), ("cc-qw1-63", (cc_dsc(1)[0], 1 << 63)),
    ("iotlb-qw0-8", (iotlb_dsc(1)[0] | 1 << 8, 0)),
    ("iotlb-qw0-12", (iotlb_dsc(1)[0] | 1 << 12, 0)),
    ("iotlb-qw0-32", (iotlb_dsc(1)[0] | 1 << 32, 0)),
    ("iotlb-qw0-63", (iotlb_dsc(1)[0] | 1 << 63, 0)),
    ("iotlb-qw1-7", (iotlb_dsc(1)[0], 1 << 7)), ("iotlb-qw1-11", (iotlb_dsc(1)[0], 1 << 11)),
    ("iec-qw0-5", (iec_dsc()[0] | 1 << 5, 0)), ("iec-qw0-8", (iec_dsc()[0] | 1 << 8, 0)),
    ("iec-qw0-12", (iec_dsc()[0] | 1 << 12, 0)), ("iec-qw0-26", (iec_dsc()[0] | 1 << 26, 0)),
    ("iec-qw0-48", (iec_dsc()[0] | 1 << 48, 0)), ("iec-qw0-63", (iec_dsc()[0] | 1 << 63, 0)),
    ("wait-qw0-7-pd", (wait_dsc()[0] | 1 << 7, STATUS)),  # PD needs ECAP.PDS
    ("wait-qw0-8", (wait_dsc()[0] | 1 << 8, STATUS)),
    ("wait-qw0-12", (wait_dsc()[0] | 1 << 12, STATUS)),
    ("wait-qw0-31", (wait_dsc()[0] | 1 << 31, STATUS)),
    ("wait-qw1-0", (wait_dsc(sw=True)[0], STATUS | 1)),
    ("wait-qw1-1", (wait_dsc(sw=True)[0], STATUS | 2)),
]


@pytest.mark.parametrize(("name", "desc"), RESERVED, ids=[r[0] for r in RESERVED])
def test_iqe_reserved_bits(name, desc):
    u, q = make_q()
    q.submit(wait_dsc(), wait_dsc(), desc)
    expect_iqe(u, q, 4, 2)


@pytest.mark.parametrize("desc", [cc_dsc(0, 1), iotlb_dsc(0, 1)], ids=["cc", "iotlb"])
def test_iqe_granularity_zero(desc):
    """§6.4: G=00 raises IQE (IQEI: model reports 4, reserved field)."""
    u, q = make_q()
    q.submit(desc)
    expect_iqe(u, q, 4, 0)


def test_iqe_psi_am_above_mamv_p12():
    u, q = make_q(UnitConfig(MAMV=4))
    q.submit(iotlb_dsc(3, 1, 0x4000_0000, 4))
    assert u.fsts() == 0
    q.submit(iotlb_dsc(3, 1, 0x4000_0000, 5))
    expect_iqe(u, q, 4, 1)


def test_iqe_psi_without_cap_psi():
    u, q = make_q(UnitConfig(PSI=0))
    q.submit(iotlb_dsc(2, 1))
    assert u.fsts() == 0
    q.submit(iotlb_dsc(3, 1, 0x4000_0000, 0))
    expect_iqe(u, q, 4, 1)


def test_iqe_iec_mask_above_mhmv():
    """Model choice (§6.3: IM <= MHMV): an iec_inv_dsc with IM > MHMV raises IQE."""
    u, q = make_q(UnitConfig(MHMV=3))
    q.submit(iec_dsc(True, 0, 3))
    assert u.fsts() == 0
    q.submit(iec_dsc(True, 0, 4))
    expect_iqe(u, q, 4, 1)


def test_iqe_bad_tail():
    u, q = make_q()
    q.submit(wait_dsc(sw=True, data=1))
    u.write_reg("IQT", 256 << 4)  # 256 entries with QS=0: index 256 is outside
    expect_iqe(u, q, 1, 1)


def test_iqe_fetch_error():
    u, q = make_q()
    u.memory.add_error(IQ + 16 * 2, 16, on_read=True, on_write=False)
    q.submit(wait_dsc(sw=True, data=1), wait_dsc(), wait_dsc(sw=True, data=2, addr=STATUS + 8))
    expect_iqe(u, q, 2, 2)
    assert status(u) == 1 and status(u, 1) == 0


def test_iqe_dw_in_legacy_mode():
    u = RemappingUnit(UnitConfig())
    u.write_reg("IQT", 0)
    u.write_reg("IQA", IQ | 1 << 11)
    gcmd(u, QIE)
    u.memory.poke_u64(IQ, wait_dsc(sw=True, data=1)[0])
    u.memory.poke_u64(IQ + 8, STATUS)
    u.write_reg("IQT", 1 << 5)  # one 256-bit descriptor
    assert u.fsts() & IQE
    assert u.read_reg("IQERCD") & 0xF == 5
    assert u.read_reg("IQH") == 0 and status(u) == 0


def test_iqe_stops_fetching_until_cleared_then_resumes():
    u, q = make_q()
    q.submit(wait_dsc(sw=True, data=1), (0x6, 0), wait_dsc(sw=True, data=2, addr=STATUS + 8))
    expect_iqe(u, q, 3, 1)
    q.submit(wait_dsc(sw=True, data=3, addr=STATUS + 16))  # tail write while IQE: nothing
    assert q.head() == 1 and status(u, 1) == 0 and status(u, 2) == 0
    q.place(1, wait_dsc())  # software repairs the bad descriptor
    u.write_reg("FSTS", 0)  # writing 0 does not clear IQE
    assert q.head() == 1 and u.fsts() & IQE
    u.write_reg("FSTS", IQE)
    assert u.fsts() == 0
    assert q.head() == 4 and status(u, 1) == 2 and status(u, 2) == 3


def test_iqe_raises_fault_event_p9():
    u, q = make_q()
    u.write_reg("FEADDR", 0xFEE0_0000)
    u.write_reg("FEDATA", 0x33)
    u.write_reg("FECTL", 0)
    q.submit((0, 0))
    assert [(e.addr, e.data, e.source) for e in u.events] == [(0xFEE0_0000, 0x33, "fault")]


def test_iqe_no_event_when_ppf_already_set_p9():
    u, q = make_q()
    u.write_reg("FECTL", 0)
    enable_dma(u)
    u.dma(0x0100, 0x1000, write=False)  # 01h: PPF, one event
    q.submit((0, 0))
    assert len(u.events) == 1 and u.fsts() & IQE


def test_qie_disable_resets_iqh():
    u, q = make_q()
    q.submit(wait_dsc(), wait_dsc(), wait_dsc())
    assert q.head() == 3
    gcmd(u, QIE, on=False)
    assert u.read_reg("GSTS") >> 26 & 1 == 0
    assert u.read_reg("IQH") == 0
    assert u.read_reg("IQT") == 3 << 4


def test_qie_disable_resets_iqh_after_error():
    u, q = make_q()
    q.submit(wait_dsc(), (0x7, 0))
    assert q.head() == 1
    gcmd(u, QIE, on=False)
    assert u.read_reg("IQH") == 0


@pytest.mark.parametrize("ttm", [0b01, 0b10, 0b11])
def test_register_invalidation_rejected_when_ttm_not_legacy(ttm):
    """§1.6 CAIG / §1.7 IAIG: 00 (not done) when TTM != 00 (the latched RTADDR, §1.5)."""
    w = CtxWorld()
    w.u.write_reg("RTADDR", 0x0010_0000 | ttm << 10)
    assert ccmd(w.u, 0b01) == 0b01  # not latched yet: still legacy
    w.u.write_reg("RTADDR", 0x0010_0000 | ttm << 10)
    gcmd(w.u, SRTP)
    assert ccmd(w.u, 0b01) == 0
    assert iotlb_reg(w.u, 0b01) == 0
    w.u.write_reg("RTADDR", 0x0010_0000)
    gcmd(w.u, SRTP)
    assert ccmd(w.u, 0b10, 1) == 0b10
    assert iotlb_reg(w.u, 0b10, 1) == 0b10


def test_register_invalidation_with_bad_ttm_leaves_caches():
    w = TlbWorld()
    w.u.write_reg("RTADDR", 0x0010_0000 | 0b01 << 10)
    gcmd(w.u, SRTP)
    assert iotlb_reg(w.u, 0b01) == 0
    w.u.write_reg("RTADDR", 0x0010_0000)
    gcmd(w.u, SRTP)
    assert w.stale(A)


def test_register_invalidation_works_with_translation_off():
    """§6.4: the register path is processed whatever TES/IRES are."""
    w = CtxWorld()
    gcmd(w.u, TE, on=False)
    assert ccmd(w.u, 0b01) == 0b01
    gcmd(w.u, TE)
    assert w.cached() == set()
