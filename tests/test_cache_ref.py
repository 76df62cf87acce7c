"""Unit tests of the cache micro-architecture reference (tb/cache_ref.py) against
hand-worked sequences, and of the cache-policy streams (tb/cache_streams.py): each stream
must tell the correct reference apart from variants with planted bugs, or the RTL test
could not catch them either.

Hand-worked sequences use 4 KB pages named by letters: page A = VPN 0, B = VPN SETS, ...
(all in set 0). ``run_pattern`` fills on a miss.
"""

from __future__ import annotations

import pytest

from tb.flows.params import rtl_parameters
from tb.ref.caches import (
    LFSR_RESET,
    AmbiguousPrediction,
    CacheMismatch,
    CcEntry,
    ContextCacheRef,
    IotlbL1L2Ref,
    IotlbRef,
    SetState,
    TlbEntry,
    UnitCacheRef,
    WalkCacheLevelRef,
    WalkCacheRef,
    WalkStart,
    _Policy,
    lfsr_step,
    run_pattern,
)
from tb.stimulus.cache_streams import (
    BAD_CTX_SID,
    BASE_2M,
    HOLE_PD,
    NO_ROOT_SID,
    PT_SID,
    SHAPES,
    CcInv,
    IotlbInv,
    Layout,
    Req,
    directed_ops,
    random_ops,
    replay,
)

SID = 0x100


def page(letter: str, sets: int = 1) -> int:
    return (ord(letter) - ord("A")) * sets << 12


def names(ref: IotlbRef, set_index: int = 0, sets: int = 1) -> str:
    """Contents of a set as letters ('-' for invalid)."""
    out = ""
    for e in ref.contents(set_index):
        out += "-" if e is None else chr(ord("A") + e.vpn // sets)
    return out


HIT, MISS = True, False


# --------------------------------------------------------------------------- LRU


def test_lru_abcdae_evicts_b():
    t = IotlbRef(1, 4, "LRU")
    assert run_pattern(t, "ABCDAE") == [MISS] * 4 + [HIT, MISS]
    assert names(t) == "AECD"
    assert not t.lookup(SID, page("B"))
    assert all(t.lookup(SID, page(x)) for x in "ACDE")


def test_lru_order_after_more_misses():
    t = IotlbRef(1, 4, "LRU")
    run_pattern(t, "ABCDAE")
    # recency now E A D C (most recent first): F evicts C, then B (a miss) evicts D
    assert run_pattern(t, "FB") == [MISS, MISS]
    assert names(t) == "AEFB"
    assert t.state(0).repl == (3, 2, 1, 0)


def test_lru_reset_order_is_way_index():
    # ages reset to the way index: way 3 is the least recent, so with a full set of
    # untouched-by-hit entries filled in way order the victim is way 0 (filled first)
    t = IotlbRef(1, 4, "LRU")
    assert t.state(0).repl == (0, 1, 2, 3)
    run_pattern(t, "ABCD")
    assert t.victim(0) == 0


def test_lru_hit_refreshes():
    t = IotlbRef(1, 2, "LRU")
    assert run_pattern(t, "ABACAB") == [MISS, MISS, HIT, MISS, HIT, MISS]
    # A B | A hit | C evicts B | A hit | B evicts C
    assert names(t) == "AB"


# --------------------------------------------------------------------------- tree PLRU


def test_plru_abcdae_evicts_c():
    t = IotlbRef(1, 4, "PLRU")
    run_pattern(t, "ABCD")
    assert t.state(0).repl == (0, 0, 0)  # node1, node2, node3: all point left
    assert run_pattern(t, "A") == [HIT]
    assert t.state(0).repl == (1, 1, 0)  # A (way 0) touched: root -> right, node2 -> right
    assert t.victim(0) == 2  # root 1 -> node3, bit 0 -> left: way 2 (C), not LRU's B
    run_pattern(t, "E")
    assert names(t) == "ABED"
    assert t.state(0).repl == (0, 1, 1)
    assert t.victim(0) == 1  # B


def test_plru_fill_bits_step_by_step():
    t = IotlbRef(1, 4, "PLRU")
    expected = {"A": (1, 1, 0), "B": (1, 0, 0), "C": (0, 0, 1), "D": (0, 0, 0)}
    for x, bits in expected.items():
        run_pattern(t, x)
        assert t.state(0).repl == bits, x


def test_plru_8way_victim_order():
    # after filling ways 0..7 in order, a stream of new tags evicts 0 4 2 6 1 5 3 7
    t = IotlbRef(1, 8, "PLRU")
    run_pattern(t, "ABCDEFGH")
    order = []
    for x in "IJKLMNOP":
        order.append(t.victim(0))
        run_pattern(t, x)
    assert order == [0, 4, 2, 6, 1, 5, 3, 7]


def test_plru_two_ways_is_lru():
    a, b = IotlbRef(1, 2, "PLRU"), IotlbRef(1, 2, "LRU")
    seq = "ABACBDAADCBA"
    assert run_pattern(a, seq) == run_pattern(b, seq)


def test_plru_needs_power_of_two():
    with pytest.raises(ValueError):
        IotlbRef(1, 3, "PLRU")


# --------------------------------------------------------------------------- FIFO


def test_fifo_abcdae_evicts_a_hits_ignored():
    t = IotlbRef(1, 4, "FIFO")
    assert run_pattern(t, "ABCDAE") == [MISS] * 4 + [HIT, MISS]
    assert names(t) == "EBCD"
    assert run_pattern(t, "FA") == [MISS, MISS]  # F evicts B, A evicts C
    assert names(t) == "EFAD"
    assert t.state(0).repl == (3,)


def test_fifo_fill_into_hole_keeps_pointer():
    t = IotlbRef(1, 4, "FIFO")
    run_pattern(t, "ABCDE")  # E replaces A (way 0); pointer 1
    assert t.state(0).repl == (1,)
    t.invalidate_page(1, page("C"), 0)  # way 2 invalid
    run_pattern(t, "G")  # the hole first; the pointer does not move
    assert names(t) == "EBGD" and t.state(0).repl == (1,)
    run_pattern(t, "H")  # pointer: way 1 (B)
    assert names(t) == "EHGD" and t.state(0).repl == (2,)


def test_fifo_fill_into_hole_at_pointer_advances():
    t = IotlbRef(1, 4, "FIFO")
    run_pattern(t, "ABCDE")  # pointer 1
    t.invalidate_page(1, page("B"), 0)  # way 1 = the pointer's way
    run_pattern(t, "F")
    assert names(t) == "EFCD" and t.state(0).repl == (2,)


def test_fifo_three_ways_wraps():
    t = IotlbRef(1, 3, "FIFO")
    run_pattern(t, "ABCDEFG")
    # D->0 E->1 F->2 G->0
    assert names(t) == "GEF" and t.state(0).repl == (1,)


# --------------------------------------------------------------------------- random


def test_random_most_recent_fill_always_hits():
    t = IotlbRef(1, 2, "RANDOM", exact_lfsr=False)
    run_pattern(t, "AB")
    assert t.lookup(SID, page("A")) and t.lookup(SID, page("B"))  # no eviction yet
    t.fill(TlbEntry(SID, 1, 2, 0, 2))  # C: evicts A or B
    assert t.lookup(SID, page("C"))
    assert t.possible(SID, page("A")) == {True, False}
    with pytest.raises(AmbiguousPrediction):
        t.lookup(SID, page("A"))
    with pytest.raises(AmbiguousPrediction):
        t.access(SID, page("A"))
    assert t.access(SID, page("A"), observed=True)  # so B went
    assert t.deterministic
    assert not t.lookup(SID, page("B"))


def test_random_rejects_impossible_observation():
    t = IotlbRef(1, 2, "RANDOM", exact_lfsr=False)
    run_pattern(t, "ABC")
    with pytest.raises(CacheMismatch):
        t.access(SID, page("C"), observed=False)  # the last fill must hit
    with pytest.raises(CacheMismatch):
        t.access(SID, page("D"), observed=True)  # never filled


def test_random_states_stay_small():
    t = IotlbRef(2, 4, "RANDOM", exact_lfsr=False)
    for vpn in range(0, 40, 2):  # 20 tags in set 0, no observations
        t.fill(TlbEntry(SID, 1, vpn, 0, vpn))
    assert len(t.possible_states(0)) == 969  # C(19, 3): the last fill is certain
    assert len(t.possible_states(1)) == 1


# --------------------------------------------------------------------------- indexing


def test_set_index_per_page_size():
    t = IotlbRef(4, 1, "LRU")
    assert t.set_of(0x0003, 0) == 3  # VPN bits 1:0
    assert t.set_of(0x0004, 0) == 0
    assert t.set_of(0x0600, 1) == 3  # VPN bits 10:9 (address bits 22:21)
    assert t.set_of(0x0200, 1) == 1
    assert t.set_of(0xC0000, 2) == 3  # VPN bits 19:18 (address bits 31:30)
    assert t.set_of(0x40000 | 0x3 | 0x600, 2) == 1


def test_direct_mapped_conflicts():
    t = IotlbRef(4, 1, "LRU")
    # pages 0 and 4 share set 0; page 1 lives in set 1
    assert run_pattern(t, "ABAEBF", stride_pages=1) == [MISS, MISS, HIT, MISS, HIT, MISS]
    assert run_pattern(t, "A", stride_pages=4) == [MISS]  # A (page 0) was evicted by E


def test_page_sizes_compete_in_one_set():
    t = IotlbRef(2, 1, "LRU")
    small = TlbEntry(SID, 1, 0x0000, 0, 0x100)  # set 0
    big = TlbEntry(SID, 1, 0x0400, 1, 0x200)  # VPN bit 9 = 0: set 0
    huge = TlbEntry(SID, 1, 0x40000, 2, 0x40000)  # VPN bit 18 = 1: set 1
    for e in (small, big, huge):
        t.fill(e)
    assert not t.lookup(SID, 0x0000) and t.lookup(SID, 0x0400 << 12 | 0x1234)
    assert t.lookup(SID, (0x40000 << 12) + 0x3FFF_FFF8)


def test_lookup_smallest_page_size_wins_and_decides_permission():
    t = IotlbRef(1, 4, "LRU")
    big = TlbEntry(SID, 1, 0x200, 1, 0x1000, r=True, w=True)
    small = TlbEntry(SID, 1, 0x203, 0, 0x5003, r=True, w=False)
    t.fill(big)
    t.fill(small)
    addr = (0x203 << 12) + 0x10
    assert t.probe(SID, addr) == small
    assert t.lookup(SID, addr, write=False)
    assert not t.lookup(SID, addr, write=True)  # the 2 MB entry would allow it: not used
    assert t.probe(SID, (0x204 << 12)) == big
    # the used hit touches the 4 KB entry (way 1), not the 2 MB one (way 0)
    t.access(SID, addr)
    assert t.state(0).repl[0] == 1


def test_no_hit_at_or_above_mgaw():
    t = IotlbRef(1, 4, "LRU", mgaw=39)
    t.fill(TlbEntry(SID, 1, 0, 2, 0))  # 1 GB page at 0
    assert t.lookup(SID, 0x1000)
    assert not t.lookup(SID, (1 << 39) + 0x1000)  # VPN bits wrap to 1, but out of range


def test_sid_is_the_tag():
    t = IotlbRef(1, 4, "LRU")
    t.fill(TlbEntry(0x100, 1, 5, 0, 5))
    assert t.lookup(0x100, 5 << 12) and not t.lookup(0x101, 5 << 12)


def test_same_tag_fill_overwrites_in_place():
    t = IotlbRef(1, 4, "LRU")
    run_pattern(t, "ABCD")
    t.fill(TlbEntry(SID, 1, page("B") >> 12, 0, 0x77, r=True, w=True))
    assert names(t) == "ABCD"
    assert t.probe(SID, page("B")).frame == 0x77
    assert t.state(0).repl[0] == 1  # the refill touched B


def test_interrupt_range_output_is_a_miss():
    t = IotlbRef(1, 4, "LRU")
    t.fill(TlbEntry(SID, 1, 0x10, 0, 0xFEE00))
    assert t.probe(SID, 0x10000) is not None
    assert not t.lookup(SID, 0x10000, write=False, size=4)


# --------------------------------------------------------------------------- invalidation


def filled(ways: int = 8) -> IotlbRef:
    t = IotlbRef(1, ways, "LRU", did_bits=8)
    t.fill(TlbEntry(SID, 1, 0x000, 0, 0x1))  # 4K at 0
    t.fill(TlbEntry(SID, 1, 0x001, 0, 0x2))  # 4K at 0x1000
    t.fill(TlbEntry(SID, 1, 0x1FF, 0, 0x3))  # 4K at 0x1FF000
    t.fill(TlbEntry(SID, 1, 0x200, 1, 0x200))  # 2M at 0x200000
    t.fill(TlbEntry(SID, 1, 0x40000, 2, 0x40000))  # 1G at 1 GB
    t.fill(TlbEntry(SID + 1, 2, 0x001, 0, 0x9))  # other domain, 4K at 0x1000
    return t


def present(t: IotlbRef) -> set[tuple[int, int]]:
    return {(e.did, e.vpn) for e in t.entries()}


def test_page_invalidation_am0():
    t = filled()
    t.invalidate_page(1, 0x1000, 0)
    assert present(t) == {(1, 0), (1, 0x1FF), (1, 0x200), (1, 0x40000), (2, 1)}


def test_page_invalidation_inside_large_pages():
    t = filled()
    t.invalidate_page(1, 0x3FF000, 0)  # last 4K of the 2M page
    assert (1, 0x200) not in present(t)
    t.invalidate_page(1, 0x7FFF_F000, 0)  # last 4K of the 1G page
    assert (1, 0x40000) not in present(t)
    assert len(present(t)) == 4


def test_page_invalidation_masks():
    t = filled()
    t.invalidate_page(1, 0x1000, 1)  # ADDR aligned down: pages 0 and 1
    assert present(t) == {(1, 0x1FF), (1, 0x200), (1, 0x40000), (2, 1)}
    t = filled()
    t.invalidate_page(1, 0, 9)  # the first 2 MB: three 4K entries, not the 2M at 2 MB
    assert present(t) == {(1, 0x200), (1, 0x40000), (2, 1)}
    t = filled()
    t.invalidate_page(1, 0, 18)  # the first 1 GB: everything of DID 1 below 1 GB
    assert present(t) == {(1, 0x40000), (2, 1)}


def test_domain_and_global_and_did_mask():
    t = filled()
    t.invalidate_domain(2 + 256)  # DID is masked to 8 bits (ND=2)
    assert (2, 1) not in present(t) and len(present(t)) == 5
    t.invalidate_domain(3)
    assert len(present(t)) == 5
    t.invalidate_global()
    assert present(t) == set()


def test_invalidation_keeps_replacement_state():
    t = IotlbRef(1, 4, "LRU")
    run_pattern(t, "ABCD")
    repl = t.state(0).repl
    t.invalidate_page(1, page("A"), 0)
    assert t.state(0).repl == repl
    run_pattern(t, "E")  # into the hole (way 0), then LRU order continues
    assert names(t) == "EBCD" and t.victim(0) == 1


def test_unit_register_invalidation_p12():
    u = UnitCacheRef(IotlbRef(1, 4, "LRU"), ContextCacheRef(2), mamv=18)
    u.iotlb.fill(TlbEntry(SID, 1, 0, 0, 0))
    assert u.iotlb_register_invalidation(3, did=1, addr=0, am=19) == 0  # AM > MAMV
    assert u.iotlb.lookup(SID, 0)
    assert u.iotlb_register_invalidation(3, did=1, addr=0, am=18) == 3
    assert not u.iotlb.lookup(SID, 0)
    u.psi = False
    assert u.iotlb_register_invalidation(3, did=1, addr=0, am=0) == 0


# --------------------------------------------------------------------------- context cache


def cc_fill(cc: ContextCacheRef, sid: int, did: int = 1) -> int:
    return cc.fill(CcEntry(sid, did))


def test_cc_round_robin():
    cc = ContextCacheRef(2)
    assert [cc_fill(cc, s) for s in (1, 2, 3, 4, 5)] == [0, 1, 0, 1, 0]
    assert cc.rr == 1
    assert cc.lookup(5) and cc.lookup(4) and not cc.lookup(3)


def test_cc_same_sid_and_hole_do_not_advance():
    cc = ContextCacheRef(3)
    for s in (1, 2, 3):
        cc_fill(cc, s)
    assert cc_fill(cc, 4) == 0 and cc.rr == 1
    assert cc_fill(cc, 2, did=7) == 1 and cc.rr == 1  # same SID: overwritten in place
    assert cc.entry(2).did == 7
    cc.invalidate_device(1, 3)  # slot 2
    assert cc_fill(cc, 5) == 2 and cc.rr == 1  # the hole
    assert cc_fill(cc, 6) == 1 and cc.rr == 2  # then the pointer (not skipping)


def test_cc_pointer_does_not_skip_a_refilled_hole():
    cc = ContextCacheRef(2)
    for s in (1, 2, 3):  # 3 evicts slot 0; pointer 1
        cc_fill(cc, s)
    cc.invalidate_device(1, 2)  # slot 1 (the pointer's) becomes a hole
    assert cc_fill(cc, 4) == 1 and cc.rr == 1
    assert cc_fill(cc, 5) == 1 and cc.rr == 0  # evicts 4, just filled


def test_cc_invalidation_granularities():
    def fresh() -> ContextCacheRef:
        cc = ContextCacheRef(8)
        for sid, did in ((0x100, 1), (0x101, 1), (0x104, 4), (0x107, 1), (0x108, 1),
                         (0x200, 2)):
            cc_fill(cc, sid, did)
        return cc

    def sids(cc: ContextCacheRef) -> set[int]:
        return {e.sid for e in cc.slots if e is not None}

    cc = fresh()
    cc.invalidate_device(1, 0x100, 0)
    assert sids(cc) == {0x101, 0x104, 0x107, 0x108, 0x200}
    cc = fresh()
    cc.invalidate_device(1, 0x100, 1)  # SID[2] masked: .0/.4 match the SID; .4 is DID 4
    assert sids(cc) == {0x101, 0x104, 0x107, 0x108, 0x200}
    cc = fresh()
    cc.invalidate_device(1, 0x101, 2)  # SID[2:1] masked: .1 .3 .5 .7 of DID 1
    assert sids(cc) == {0x100, 0x104, 0x108, 0x200}
    cc = fresh()
    cc.invalidate_device(1, 0x102, 3)  # SID[2:0]: the whole device 01:00, DID 1 only
    assert sids(cc) == {0x104, 0x108, 0x200}
    cc = fresh()
    cc.invalidate_device(2, 0x100, 3)  # wrong DID: nothing
    assert len(sids(cc)) == 6
    cc = fresh()
    cc.invalidate_domain(1)
    assert sids(cc) == {0x104, 0x200}
    cc.invalidate_global()
    assert sids(cc) == set()


# --------------------------------------------------------------------------- the unit flow


@pytest.fixture(scope="module")
def params() -> dict[str, int]:
    return rtl_parameters(SHAPES["lru1x4"])


def test_unit_flow_counts(params):
    layout = Layout(params)
    ref, walk = layout.reference(), layout.walker()

    def go(sid, addr, write=False, size=8):
        return ref.request(sid, addr, write, size, walk)

    o = go(0x100, 0x5008)
    assert (o.iotlb_hit, o.cc_hit, o.walked, o.reads, o.fault) == (False, False, True, 6, None)
    assert o.hpa == (1 << 36) + 0x5008
    o = go(0x100, 0x5010)
    assert (o.iotlb_hit, o.cc_hit, o.walked, o.reads) == (True, None, False, 0)
    assert o.deltas() == {"PERF_IOTLB_HITS": 1, "PERF_IOTLB_MISSES": 0, "PERF_CC_HITS": 0,
                          "PERF_CC_MISSES": 0, "PERF_WALKS": 0, "PERF_WALK_READS": 0,
                          "PERF_WC_HITS": 0, "PERF_WC_MISSES": 0}
    o = go(0x100, BASE_2M + 0x1234)  # 2 MB leaf: PML4, PDPT, PD
    assert (o.iotlb_hit, o.cc_hit, o.reads) == (False, True, 3)
    o = go(0x100, (16 << 30) + 0x1234)  # 1 GB leaf: PML4, PDPT
    assert (o.cc_hit, o.reads) == (True, 2)
    o = go(0x100, HOLE_PD)  # PD entry missing: 3 reads, 06h, no IOTLB fill
    assert (o.reads, o.fault) == (3, 0x06)
    assert go(0x100, HOLE_PD).iotlb_hit is False
    o = go(0x100, 40 * 4096, write=True)  # read-only page: write faults 05h
    assert (o.reads, o.fault) == (4, 0x05)
    o = go(0x100, 40 * 4096)
    assert (o.iotlb_hit, o.fault) == (False, None)
    o = go(0x100, 40 * 4096, write=True)  # cached R-only: a miss, walks again
    assert (o.iotlb_hit, o.walked, o.fault) == (False, True, 0x05)
    o = go(PT_SID, 0x1234_5678)  # pass-through: root + context, no IOTLB fill
    assert (o.cc_hit, o.reads, o.hpa) == (False, 2, 0x1234_5678)
    o = go(PT_SID, 0x1234_5678)
    assert (o.iotlb_hit, o.cc_hit, o.walked, o.reads) == (False, True, False, 0)
    o = go(BAD_CTX_SID, 0x1000)
    assert (o.cc_hit, o.reads, o.fault) == (False, 2, 0x02)
    assert go(BAD_CTX_SID, 0x1000).cc_hit is False  # not filled
    o = go(NO_ROOT_SID, 0x1000)
    assert (o.reads, o.fault) == (1, 0x01)
    o = go(0x100, 0xFEE0_0000, size=4)
    assert (o.lookup, o.fault) == (False, 0x29)
    assert set(o.deltas().values()) == {0}


def test_streams_are_deterministic(params):
    assert random_ops(params, 5, 100) == random_ops(params, 5, 100)
    assert random_ops(params, 5, 100) != random_ops(params, 6, 100)
    assert sum(isinstance(o, Req) for o in random_ops(params, 5, 100)) == 100
    ops = directed_ops(params)
    assert any(isinstance(o, IotlbInv) and o.gran == 3 and o.am > 18 for o in ops)
    assert any(isinstance(o, CcInv) and o.gran == 3 and o.fm == 2 for o in ops)


# --------------------------------------------------------------------------- stream power
# Reference variants with planted bugs: the streams must tell each one from the correct
# reference (same predicted hit/miss sequence would mean the RTL test cannot catch it).


class _Variant(IotlbRef):
    bug = ""

    def set_of(self, vpn: int, ps: int) -> int:
        if self.bug == "index+1":
            return (vpn >> (9 * ps + 1)) & (self.sets - 1)
        if self.bug == "index-ps":  # 1 GB entries indexed like 2 MB ones
            return (vpn >> (9 * min(ps, 1))) & (self.sets - 1)
        return super().set_of(vpn, ps)

    def _slots(self, st: SetState) -> tuple[int, ...]:
        slots = super()._slots(st)
        if self.bug == "never-way1" and self.ways > 1 and slots == (1,):
            return (0,)
        if self.bug == "no-first-invalid":
            return self.policy.victims(st.repl)
        return slots

    def _touch(self, st: SetState, way: int, fill: bool) -> SetState:
        if self.bug == "no-touch-on-hit" and not fill:
            return st
        return super()._touch(st, way, fill)

    def fill(self, entry: TlbEntry) -> None:
        if self.bug == "no-same-tag":
            s = self.set_of(entry.vpn, entry.ps)
            new = set()
            for st in self._states[s]:
                w = self._slots(st)[0]
                ways = list(st.ways)
                ways[w] = entry
                new.add(self._touch(SetState(tuple(ways), st.repl), w, fill=True))
            self._states[s] = new
            return
        super().fill(entry)

    def invalidate_page(self, did: int, addr: int, am: int) -> None:
        if self.bug == "psi-skip-last-way":
            keep = [e for s in range(self.sets) for e in self.contents(s)[-1:]]
            super().invalidate_page(did, addr, am)
            for s in range(self.sets):
                st = self.state(s)
                ways = list(st.ways)
                if keep[s] is not None:
                    ways[-1] = keep[s]
                self._states[s] = {SetState(tuple(ways), st.repl)}
            return
        if self.bug == "psi-am-only":  # ignores the entry's own page size
            did &= self.did_mask
            start = self.vpn_of(addr) & ~((1 << am) - 1)
            self._drop(lambda e: e.did == did and start <= e.vpn < start + (1 << am))
            return
        super().invalidate_page(did, addr, am)


class _PolicyVariant(_Policy):
    bug = ""

    def touch(self, repl: tuple[int, ...], way: int, fill: bool) -> tuple[int, ...]:
        if self.bug == "fifo-stuck":
            return repl
        if self.bug == "fifo-advance-on-hit" and self.code == 2:
            return ((repl[0] + 1) % self.ways,) if way == repl[0] else repl
        if self.bug == "plru-toward" and self.code == 1:  # path nodes point at the way
            bits, node = list(repl), 1
            for level in range(self.levels - 1, -1, -1):
                right = way >> level & 1
                bits[node - 1] = right
                node = 2 * node + right
            return tuple(bits)
        return super().touch(repl, way, fill)

    def victims(self, repl: tuple[int, ...]) -> tuple[int, ...]:
        if self.bug == "lru-victim-mru" and self.code == 0:
            return (repl[0],)
        return super().victims(repl)


class _CcVariant(ContextCacheRef):
    bug = ""

    def fill(self, entry: CcEntry) -> int:
        if self.bug == "cc-rr-stuck":
            rr = self.rr
            i = super().fill(entry)
            self.rr = rr
            return i
        return super().fill(entry)

    def invalidate_device(self, did: int, sid: int, fm: int = 0) -> None:
        if self.bug == "cc-ignore-fm":
            fm = 0
        if self.bug == "cc-device-no-did":
            self._drop(lambda e: e.sid == sid)
            return
        super().invalidate_device(did, sid, fm)


IOTLB_BUGS = ("index+1", "index-ps", "never-way1", "no-first-invalid", "no-touch-on-hit",
              "no-same-tag", "psi-skip-last-way", "psi-am-only")
POLICY_BUGS = ("fifo-stuck", "fifo-advance-on-hit", "plru-toward", "lru-victim-mru")
CC_BUGS = ("cc-rr-stuck", "cc-ignore-fm", "cc-device-no-did")


def _variant_ref(params: dict[str, int], bug: str) -> UnitCacheRef:
    ref = UnitCacheRef.from_params(params)
    if bug in IOTLB_BUGS or bug in POLICY_BUGS:
        t = _Variant(params["IOTLB_SETS"], params["IOTLB_WAYS"], params["IOTLB_REPL"])
        t.bug = bug
        if bug in POLICY_BUGS:
            pol = _PolicyVariant(t.policy.code, t.ways)
            pol.bug = bug
            t.policy = pol
            t.reset()
        ref.iotlb = t
    elif bug in CC_BUGS:
        cc = _CcVariant(params["CC_ENTRIES"])
        cc.bug = bug
        ref.cc = cc
    elif bug.startswith("policy="):
        ref.iotlb = IotlbRef(params["IOTLB_SETS"], params["IOTLB_WAYS"], bug[7:])
    return ref


def _applicable(params: dict[str, int], bug: str) -> bool:
    """Bugs that change behaviour at all for this shape."""
    sets, ways, pol = params["IOTLB_SETS"], params["IOTLB_WAYS"], params["IOTLB_REPL"]
    if bug in ("index+1", "index-ps"):
        return sets > 1
    if bug in ("never-way1", "no-first-invalid", "no-touch-on-hit", "no-same-tag"):
        return ways > 1 and not (bug == "no-touch-on-hit" and pol == 2)
    if bug == "psi-skip-last-way":
        return True
    if bug.startswith("fifo"):
        return pol == 2 and ways > 1
    if bug == "plru-toward":
        return pol == 1 and ways > 1
    if bug == "lru-victim-mru":
        return pol == 0 and ways > 1
    if bug == "cc-rr-stuck":
        return params["CC_ENTRIES"] > 1
    if bug.startswith("policy="):
        other = {"LRU": 0, "PLRU": 1, "FIFO": 2}[bug[7:]]
        if other == pol or ways == 1 or (other == 1 and ways & (ways - 1)):
            return False
        return not (ways == 2 and {pol, other} == {0, 1})  # 2-way PLRU is LRU
    return True


DETERMINISTIC = [name for name, p in SHAPES.items()
                 if rtl_parameters(p)["IOTLB_REPL"] != 3]
ALL_BUGS = (IOTLB_BUGS + POLICY_BUGS + CC_BUGS
            + ("policy=LRU", "policy=PLRU", "policy=FIFO"))


@pytest.mark.parametrize("shape", DETERMINISTIC)
def test_directed_stream_catches_planted_bugs(shape):
    params = rtl_parameters(SHAPES[shape])
    ops = directed_ops(params)
    good = replay(params, ops)
    missed = []
    for bug in ALL_BUGS:
        if not _applicable(params, bug):
            continue
        layout = Layout(params)
        if replay(params, ops, _variant_ref(params, bug), layout) == good:
            missed.append(bug)
    assert not missed, f"{shape}: the directed stream does not tell apart {missed}"


# Bugs only the directed stream reaches: table changes (same-tag refills) and device
# invalidations aimed at a cached SID through its function mask or with a wrong DID.
DIRECTED_ONLY = ("no-same-tag", "cc-ignore-fm", "cc-device-no-did")


@pytest.mark.parametrize("shape", DETERMINISTIC)
def test_random_stream_catches_planted_bugs(shape):
    """Each other planted bug changes the outcome of at least one of three random streams
    (400 requests each, seeds 1-3)."""
    params = rtl_parameters(SHAPES[shape])
    bugs = [b for b in ALL_BUGS if _applicable(params, b) and b not in DIRECTED_ONLY]
    caught: set[str] = set()
    for seed in (1, 2, 3):
        ops = random_ops(params, seed, 400)
        good = replay(params, ops)
        for bug in bugs:
            if bug not in caught and replay(params, ops, _variant_ref(params, bug),
                                            Layout(params)) != good:
                caught.add(bug)
    assert caught == set(bugs), f"{shape}: random streams miss {sorted(set(bugs) - caught)}"


# --------------------------------------------------------------------------- random policy
# The any-victim mode (exact_lfsr=False) keeps every possible state, for random caches whose
# victims it cannot know. Check it against concrete caches that pick random victims: it must
# accept whatever they do, and still reject a concrete cache with a planted bug.


class _ConcreteRandom(_Policy):
    """A random-victim policy that commits to one choice (like the LFSR at some cycle)."""

    def __init__(self, ways: int, seed: int) -> None:
        super().__init__(0, ways)  # LRU-shaped state, unused
        import random as _random

        self.rng = _random.Random(seed)

    def touch(self, repl: tuple[int, ...], way: int, fill: bool) -> tuple[int, ...]:
        return repl

    def victims(self, repl: tuple[int, ...]) -> tuple[int, ...]:
        return (self.rng.randrange(self.ways),)


def _concrete(params: dict[str, int], seed: int, bug: str = "") -> UnitCacheRef:
    ref = UnitCacheRef.from_params(params)
    t = _Variant(params["IOTLB_SETS"], params["IOTLB_WAYS"], "LRU")
    t.bug = bug
    t.policy = _ConcreteRandom(t.ways, seed)
    t.reset()
    ref.iotlb = t
    return ref


def _drive_random(params: dict[str, int], seed: int, bug: str = "") -> int:
    """Run a random stream on a concrete random cache and the reference; returns the most
    possible states the reference held for one set."""
    layout = Layout(params)
    walker = layout.walker()
    concrete, ref = _concrete(params, seed, bug), layout.reference()
    ref.iotlb.exact_lfsr = False  # any victim, not the RTL's LFSR
    most = 1
    for op in random_ops(params, seed, 400):
        if isinstance(op, Req):
            o = concrete.request(op.sid, op.addr, op.write, op.size, walker)
            r = ref.request(op.sid, op.addr, op.write, op.size, walker, iotlb_hit=o.iotlb_hit,
                            hpa=o.hpa)
            assert r.deltas() == o.deltas(), op
            most = max(most, *(len(ref.iotlb.possible_states(s))
                               for s in range(ref.iotlb.sets)))
        elif isinstance(op, IotlbInv):
            concrete.iotlb_register_invalidation(op.gran, op.did, op.addr, op.am)
            ref.iotlb_register_invalidation(op.gran, op.did, op.addr, op.am)
        elif isinstance(op, CcInv):
            concrete.cc_register_invalidation(op.gran, op.did, op.sid, op.fm)
            ref.cc_register_invalidation(op.gran, op.did, op.sid, op.fm)
    return most


RANDOM_SHAPE = rtl_parameters(SHAPES["random2x4"])


@pytest.mark.parametrize("seed", range(1, 5))
def test_random_reference_accepts_any_victim_choice(seed):
    assert _drive_random(RANDOM_SHAPE, seed) < 2000


@pytest.mark.parametrize("bug", ["index+1", "never-way1", "no-first-invalid",
                                 "psi-skip-last-way", "psi-am-only"])
def test_random_reference_rejects_planted_bugs(bug):
    with pytest.raises(CacheMismatch):
        for seed in (1, 2, 3):
            _drive_random(RANDOM_SHAPE, seed, bug)


# --------------------------------------------------------------------------- exact LFSR


def test_lfsr_is_maximal_length():
    """x^16+x^14+x^13+x^11+1 from ACE1h visits all 65535 non-zero states once."""
    value, seen = LFSR_RESET, set()
    for _ in range(65535):
        assert value not in seen
        seen.add(value)
        value = lfsr_step(value)
    assert value == LFSR_RESET and len(seen) == 65535


def test_random_victims_follow_the_lfsr():
    """The victim of a fill into a full set is LFSR mod WAYS, the LFSR stepping per fill."""
    t = IotlbRef(1, 4, "RANDOM")
    lfsr = LFSR_RESET
    for vpn in range(12):
        full = vpn >= 4
        victim = lfsr % 4 if full else vpn
        t.fill(TlbEntry(SID, 1, vpn, 0, vpn))
        assert t.contents(0)[victim] == TlbEntry(SID, 1, vpn, 0, vpn)
        lfsr = lfsr_step(lfsr)
    assert t.deterministic and t.lfsr == lfsr


# --------------------------------------------------------------------------- walk cache


class _WcLevelVariant(WalkCacheLevelRef):
    bug = ""

    def invalidate(self, gran, did=0, vpn=0, am=0, ih=False):
        if self.bug == "wc-domain-noop" and gran == 2:
            return
        if self.bug == "wc-ih-ignored":
            ih = False
        if self.bug == "wc-psi-region" and gran == 3 and not ih:
            mask = ~((1 << am) - 1)
            for ways in self.slots:
                for i, e in enumerate(ways):
                    if e is not None and e.did == did and (e.tag ^ vpn) & mask == 0:
                        ways[i] = None
            return
        super().invalidate(gran, did, vpn, am, ih)

    def touch(self, did, vpn):
        if self.bug != "wc-no-touch":
            super().touch(did, vpn)


class _WcVariant(WalkCacheRef):
    bug = ""

    def lookup(self, ctx, addr, write):
        if self.bug != "wc-shallowest":
            return super().lookup(ctx, addr, write)
        for level in sorted(self.levels, reverse=True):  # the top-most match instead
            if level <= ctx.aw + 2:
                e = self.levels[level].lookup(ctx.did, addr >> 12)
                if e is not None:
                    return WalkStart(level, e.ptr, e.r, e.w) if (e.w if write else e.r) else None
        return None


class _UnitVariant(UnitCacheRef):
    bug = ""

    def cc_register_invalidation(self, cirg, did=0, sid=0, fm=0):
        if self.bug == "wc-cc-inv-drops" and self.wc is not None and cirg:
            self.wc.invalidate(1)
        return super().cc_register_invalidation(cirg, did, sid, fm)


WC_BUGS = ("wc-domain-noop", "wc-ih-ignored", "wc-psi-region", "wc-no-touch", "wc-shallowest",
           "wc-cc-inv-drops")
WC_SHAPES = [name for name, p in SHAPES.items() if rtl_parameters(p)["WC_ENTRIES"] > 0]


def _wc_variant(params, bug):
    base = UnitCacheRef.from_params(params)
    ref = _UnitVariant(base.iotlb, base.cc, psi=base.psi, mamv=base.mamv, haw=base.haw)
    ref.bug = bug
    wc = _WcVariant.__new__(_WcVariant)
    wc.__dict__.update(base.wc.__dict__)
    wc.bug = bug
    for level, lv in list(wc.levels.items()):
        v = _WcLevelVariant.__new__(_WcLevelVariant)
        v.__dict__.update(lv.__dict__)
        v.bug = bug
        wc.levels[level] = v
    ref.wc = wc
    return ref


@pytest.mark.parametrize("shape", WC_SHAPES)
def test_walk_cache_streams_catch_planted_bugs(shape):
    """The directed stream (and, for the LFSR shape, three random streams) tell each
    planted walk-cache bug apart by the read counts and WC counters it predicts."""
    params = rtl_parameters(SHAPES[shape])
    streams = [directed_ops(params)] + [random_ops(params, seed, 400) for seed in (1, 2, 3)]
    goods = [replay(params, ops) for ops in streams]
    # touches matter only to LRU/PLRU with more than one way
    bugs = [b for b in WC_BUGS if b != "wc-no-touch"
            or (params["WC_REPL"] in (0, 1) and params["WC_WAYS"] > 1)]
    missed = [bug for bug in bugs
              if all(replay(params, ops, _wc_variant(params, bug), Layout(params)) == good
                     for ops, good in zip(streams, goods, strict=True))]
    assert not missed, f"{shape}: the streams do not tell apart {missed}"


def test_walk_cache_directed_counts():
    """Hand-checked: a PDE hit reads one entry, IH=1 keeps, a domain invalidation drops
    only its domain, a context-cache invalidation keeps."""
    params = rtl_parameters({**SHAPES["wc-lru"], "WC_ENTRIES": 4, "WC_WAYS": 4})
    layout = Layout(params)
    ref, walk = layout.reference(), layout.walker()

    def go(sid, addr):
        return ref.request(sid, addr, False, 8, walk)

    assert go(0x0100, 0x5000).reads == 2 + 5  # root, context, 5 levels (57-bit tables)
    o = go(0x0100, 0x6000)
    assert (o.wc_hit, o.reads) == (True, 1)
    assert go(0x0100, BASE_2M).reads == 2  # PML4E hit: PDPE, then the 2 MB leaf PDE
    ref.iotlb_register_invalidation(3, did=1, addr=0x6000, am=0, ih=True)
    assert (go(0x0100, 0x6000).wc_hit, go(0x0100, 0x7000).reads) == (True, 1)
    ref.iotlb_register_invalidation(3, did=1, addr=0x6000, am=0, ih=False)
    o = go(0x0100, 0x8000)
    assert (o.wc_hit, o.reads) == (False, 5)
    go(0x0200, 0x5000)
    ref.iotlb_register_invalidation(2, did=2)
    assert go(0x0100, 0x9000).reads == 1 and go(0x0200, 0x9000).reads == 5
    ref.cc_register_invalidation(1)
    assert go(0x0100, 0xA000).cc_hit is False  # context re-read: no walk-cache look-up
    assert go(0x0100, 0xB000).reads == 1  # the walk-cache entries survived


# --------------------------------------------------------------------------- two-level IOTLB


class _L1L2Variant(IotlbL1L2Ref):
    bug = ""

    def invalidate(self, gran, did=0, addr=0, am=0):
        if self.bug != "l1-no-inv":
            self.l1.invalidate(gran, did, addr, am)
        self.l2.invalidate(gran, did, addr, am)

    def access(self, sid, addr, write=None, size=1, observed=None, observed_hpa=None):
        if self.bug == "no-promote":
            saved, self.l1.fill = self.l1.fill, lambda entry: None
            try:
                return super().access(sid, addr, write, size, observed, observed_hpa)
            finally:
                self.l1.fill = saved
        if self.bug == "l2-first" and self.l2.lookup(sid, addr, write, size):
            self.l2.access(sid, addr, write, size)
            return True
        return super().access(sid, addr, write, size, observed, observed_hpa)

    def fill(self, entry):
        if self.bug != "l2-only-fill":
            self.l1.fill(entry)
        self.l2.fill(entry)


L1L2_BUGS = ("l1-no-inv", "no-promote", "l2-first", "l2-only-fill")
L1L2_SHAPES = [name for name, p in SHAPES.items() if rtl_parameters(p)["IOTLB_IMPL"] == 1]


def _l1l2_variant(params, bug):
    ref = UnitCacheRef.from_params(params)
    v = _L1L2Variant.__new__(_L1L2Variant)
    v.__dict__.update(ref.iotlb.__dict__)
    v.bug = bug
    ref.iotlb = v
    return ref


@pytest.mark.parametrize("shape", L1L2_SHAPES)
def test_l1l2_streams_catch_planted_bugs(shape):
    """The directed stream and three random streams tell each planted two-level bug apart
    (an L1 hit after an invalidation, no promotion, L2 consulted first, walks not filling the
    L1)."""
    params = rtl_parameters(SHAPES[shape])
    streams = [directed_ops(params)] + [random_ops(params, seed, 400) for seed in (1, 2, 3)]
    goods = [replay(params, ops) for ops in streams]
    missed = [bug for bug in L1L2_BUGS
              if all(replay(params, ops, _l1l2_variant(params, bug), Layout(params)) == good
                     for ops, good in zip(streams, goods, strict=True))]
    assert not missed, f"{shape}: the streams do not tell apart {missed}"


def test_l1l2_hand_checked():
    """L1 of 2 (LRU) in front of a 1x1 L2: the L2 holds only the last fill, the L1 two."""
    t = IotlbL1L2Ref(2, "LRU", 1, 1, "LRU")
    a, b, c = (TlbEntry(SID, 1, v, 0, v) for v in (1, 2, 3))
    t.fill(a)
    t.fill(b)  # L1 [a, b], L2 [b]
    assert t.access(SID, page("A")) is False  # page A = VPN 0: never filled
    assert t.access(SID, 1 << 12)  # a: L1 hit (the L2 lost it)
    t.fill(c)  # L1 evicts b (LRU), L2 [c]
    assert not t.lookup(SID, 2 << 12)
    assert t.lookup(SID, 1 << 12) and t.lookup(SID, 3 << 12)
    t.l1.invalidate(1)  # only the L1 emptied (not something the unit does): c is in the L2
    assert t.access(SID, 3 << 12)  # L2 hit, promoted
    assert t.l1.lookup(SID, 3 << 12)
    t.invalidate(3, did=1, addr=3 << 12, am=0)
    assert not t.lookup(SID, 3 << 12)
