"""Stale cached state: the golden model must permit exactly the outcomes the architecture
allows (doc/vtd-rules.md §3.8, §6, §6.6 CM=0), no fewer and no more."""

from __future__ import annotations

import pytest

from python_model.config import UnitConfig
from python_model.unit import RemappingUnit
from tests.model_helpers import (
    TE,
    Bench,
    PageTables,
    Queue,
    context_entry,
    enable_dma,
    gcmd,
    iotlb_dsc,
    root_entry,
    write_context,
    write_root,
)

SID = 0x0A08
X = 0x7000_2000
H1 = 0x3000_0000
H2 = 0x3100_0000


def make(r: bool = True, w: bool = True, qi: bool = False,
         translate: bool | None = None) -> tuple[RemappingUnit, Bench, PageTables]:
    """SID -> X -> H1; ``translate`` = None: nothing cached yet, else the write flag of a first
    successful request through the mapping (so caches may hold it)."""
    u = RemappingUnit(UnitConfig())
    b = Bench(u)
    pt = b.device(SID, did=4)
    pt.map(X, H1, r=r, w=w)
    enable_dma(u)
    if qi:
        u.q = Queue(u)  # type: ignore[attr-defined]
    if translate is not None:
        assert u.dma(SID, X, write=translate).ok
    return u, b, pt


def seen(u: RemappingUnit, addr: int = X, write: bool = False, sid: int = SID) -> list[tuple]:
    return [c.outcome.visible() for c in u.dma_candidates(sid, addr, write)]


def ok(hpa: int) -> tuple[str, int]:
    return ("ok", hpa)


def fault(reason: int) -> tuple[str, int]:
    return ("fault", reason)


def psi(u: RemappingUnit, addr: int = X, did: int = 4, ih: bool = False) -> None:
    u.write_reg("IVA", addr | int(ih) << 6)
    u.write_reg("IOTLB", 1 << 63 | 0b11 << 60 | did << 32)


# ------------------------------------------------------------------ CM=0 permission rules (§6.6)
def test_permission_increase_needs_no_invalidation():
    u, _, pt = make(r=True, w=False, translate=False)  # IOTLB may hold X read-only
    pt.map(X, H1, r=True, w=True)
    assert seen(u, write=True) == [ok(H1)]  # the denying cached entry is not used
    assert seen(u, write=False) == [ok(H1)]


def test_denying_cached_entry_not_used_even_after_remap():
    """CM=0 (§6.6): a cached entry that lacks the needed permission is never used, so a write
    sees only the fresh mapping while a read may still see the stale one."""
    u, _, pt = make(r=True, w=False, translate=False)
    pt.map(X, H2, r=True, w=True)
    assert seen(u, write=True) == [ok(H2)]
    assert seen(u, write=False) == [ok(H2), ok(H1)]


def test_denying_cached_paging_entry_not_used():
    """CM=0 (§6.6) for the paging-structure cache: a cached read-only PDE pointing at the old
    table is not used for a write once software made the PDE read-write (and repointed it)."""
    u, b, pt = make()
    pt.set_entry(X, 2, pt.entry(X, 2) & ~0b10)  # PDE read-only
    assert u.dma(SID, X, write=False).hpa == H1
    t2 = b.alloc.page()
    u.memory.poke_u64(t2 + 8 * ((X >> 12) & 0x1FF), H2 | 0b11)
    pt.set_entry(X, 2, t2 | 0b11)
    assert seen(u, write=True) == [ok(H2)]
    assert seen(u, write=False) == [ok(H2), ok(H1)]


def test_permission_increase_at_a_non_leaf_level():
    u, _, pt = make()
    pt.set_entry(X, 3, pt.entry(X, 3) & ~0b10)  # PDPE read-only
    assert u.dma(SID, X + 0x40, write=False).ok
    assert u.dma(SID, X, write=True).reason == 0x05
    pt.set_entry(X, 3, pt.entry(X, 3) | 0b10)
    assert seen(u, write=True) == [ok(H1)]


def test_read_permission_increase():
    u, _, pt = make(r=False, w=True, translate=True)
    pt.map(X, H1, r=True, w=True)
    assert seen(u, write=False) == [ok(H1)]


def test_permission_drop_keeps_old_outcome_until_invalidation():
    u, _, pt = make(translate=True)
    pt.map(X, H1, r=True, w=False)
    assert seen(u, write=True) == [fault(0x05), ok(H1)]
    assert seen(u, write=False) == [ok(H1)]
    psi(u, X + 0x1000)  # another page: not covering
    assert seen(u, write=True) == [fault(0x05), ok(H1)]
    psi(u, X, did=5)  # another domain
    assert seen(u, write=True) == [fault(0x05), ok(H1)]
    psi(u, X)
    assert seen(u, write=True) == [fault(0x05)]


def test_permission_drop_at_a_non_leaf_level():
    u, _, pt = make(translate=True)
    pt.set_entry(X, 2, pt.entry(X, 2) & ~0b10)  # PDE read-only now
    assert seen(u, write=True) == [fault(0x05), ok(H1)]
    psi(u, X, ih=True)  # leaf-only hint: the PDE cache may keep the old RW PDE
    assert seen(u, write=True) == [fault(0x05), ok(H1)]
    psi(u, X)
    assert seen(u, write=True) == [fault(0x05)]


def test_not_present_to_present_needs_no_invalidation():
    u, _, pt = make()
    assert u.dma(SID, X + 0x1000, write=False).reason == 0x06
    pt.map(X + 0x1000, H2)
    assert seen(u, X + 0x1000) == [ok(H2)]


def test_context_not_present_to_present_needs_no_invalidation():
    u, b, _ = make()
    assert u.dma(SID + 1, X, write=False).reason == 0x02
    b.device(SID + 1, did=4).map(X, H2)
    assert seen(u, X, sid=SID + 1) == [ok(H2)]


def test_root_not_present_to_present_needs_no_invalidation():
    u, b, _ = make()
    assert u.dma(0x0B00, X, write=False).reason == 0x01
    b.device(0x0B00, did=4).map(X, H2)
    assert seen(u, X, sid=0x0B00) == [ok(H2)]


def test_faulting_entries_are_not_cached():
    u, _, pt = make()
    pt.set_entry(X, 2, pt.entry(X, 2) | 1 << 11)  # reserved bit in the PDE
    assert u.dma(SID, X, write=False).reason == 0x0C
    pt.set_entry(X, 2, pt.entry(X, 2) & ~(1 << 11))
    assert seen(u) == [ok(H1)]


def test_output_in_interrupt_range_not_cached():
    u, _, pt = make()
    pt.map(X, 0xFEE0_0000)
    assert u.dma(SID, X, write=True).reason == 0x0E
    pt.map(X, H2)
    assert seen(u, write=True) == [ok(H2)]


def test_bad_context_not_cached():
    u, b, _ = make()
    b.device(SID + 2, did=4, extra_lo=1 << 4).map(X, H2)
    assert u.dma(SID + 2, X, write=False).reason == 0x0B
    b.device(SID + 2, did=4).map(X, H2)
    assert seen(u, X, sid=SID + 2) == [ok(H2)]


# ------------------------------------------------------------------ present -> changed
def test_remap_both_outcomes_until_invalidation():
    u, _, pt = make(translate=False)
    pt.map(X, H2)
    assert seen(u) == [ok(H2), ok(H1)]
    psi(u)
    assert seen(u) == [ok(H2)]


def test_unmap_both_outcomes_until_invalidation():
    u, _, pt = make(translate=True)
    pt.map(X, 0, r=False, w=False)
    assert seen(u, write=True) == [fault(0x05), ok(H1)]
    assert seen(u, write=False) == [fault(0x06), ok(H1)]
    psi(u)
    assert seen(u, write=True) == [fault(0x05)]


def test_stale_ok_even_when_fresh_walk_hits_reserved_bits():
    u, _, pt = make(translate=False)
    pt.map(X, H1, extra=1 << 62)
    assert seen(u) == [fault(0x0C), ok(H1)]


def test_other_offsets_in_the_cached_page():
    u, _, pt = make(translate=False)
    pt.map(X, H2)
    assert seen(u, X + 0xFF0) == [ok(H2 + 0xFF0), ok(H1 + 0xFF0)]
    assert seen(u, X + 0x1000) == [fault(0x06)]


def test_stale_context_keeps_old_tables():
    u, b, pt = make(translate=False)
    pt2 = b.tables()
    pt2.map(X, H2)
    pt2.map(X + 0x1000, H2 + 0x1000)
    write_context(u, SID, *context_entry(pt2.root, did=4))
    assert seen(u, X) == [ok(H2), ok(H1)]
    assert seen(u, X + 0x1000) == [ok(H2 + 0x1000), fault(0x06)]  # old tables through old ctx
    u.write_reg("CCMD", 1 << 63 | 0b01 << 61)
    # Same DID: the paging-structure caches (DID-tagged) still hold the old upper levels
    assert seen(u, X + 0x1000) == [ok(H2 + 0x1000), fault(0x06)]
    assert seen(u, X) == [ok(H2), ok(H1)]  # the IOTLB entry is not a context-cache entry
    u.write_reg("IOTLB", 1 << 63 | 0b01 << 60)
    assert seen(u, X) == [ok(H2)]
    assert seen(u, X + 0x1000) == [ok(H2 + 0x1000)]


def test_stale_context_new_did():
    u, b, pt = make(translate=False)
    pt2 = b.tables()
    pt2.map(X + 0x1000, H2 + 0x1000)
    write_context(u, SID, *context_entry(pt2.root, did=6))
    assert seen(u, X + 0x1000) == [ok(H2 + 0x1000), fault(0x06)]
    u.write_reg("CCMD", 1 << 63 | 0b11 << 61 | SID << 16 | 4)  # device, old DID
    assert seen(u, X + 0x1000) == [ok(H2 + 0x1000)]  # DID 6 has nothing cached


def test_context_made_not_present_then_cc_invalidated_keeps_iotlb_hit():
    """§3.8: IOTLB looked up by SID before the context cache; §6.1: CC invalidation must be
    followed by an IOTLB invalidation. Until then the IOTLB entry may still answer."""
    u, _, _ = make(translate=True)
    write_context(u, SID, *context_entry(0, did=0, present=False))
    assert seen(u) == [fault(0x02), ok(H1)]
    u.write_reg("CCMD", 1 << 63 | 0b01 << 61)
    assert seen(u) == [fault(0x02), ok(H1)]
    assert seen(u, X + 0x1000) == [fault(0x02)]
    u.write_reg("IOTLB", 1 << 63 | 0b10 << 60 | 4 << 32)
    assert seen(u) == [fault(0x02)]


def test_root_made_not_present_keeps_iotlb_hit_until_invalidation():
    u, _, _ = make(translate=True)
    write_root(u, SID >> 8, *root_entry(0, present=False))
    u.write_reg("CCMD", 1 << 63 | 0b01 << 61)
    assert seen(u) == [fault(0x01), ok(H1)]
    u.write_reg("IOTLB", 1 << 63 | 0b01 << 60)
    assert seen(u) == [fault(0x01)]


def test_iotlb_hit_without_context_still_needs_permission():
    u, _, _ = make(r=True, w=False, translate=False)
    write_context(u, SID, *context_entry(0, did=0, present=False))
    u.write_reg("CCMD", 1 << 63 | 0b01 << 61)
    assert seen(u, write=True) == [fault(0x02)]
    assert seen(u, write=False) == [fault(0x02), ok(H1)]


def test_iotlb_entry_is_per_sid():
    u, b, pt = make(translate=False)
    b.device(SID + 1, did=4, pt=pt)
    pt.map(X, H2)
    assert seen(u, sid=SID + 1) == [ok(H2), ok(H1)]  # same DID: tagged IOTLB may hit
    write_context(u, SID + 1, *context_entry(0, did=0, present=False))
    assert seen(u, sid=SID + 1) == [fault(0x02)]  # never translated itself


def test_te_off_ignores_caches():
    u, _, pt = make(translate=False)
    pt.map(X, H2)
    gcmd(u, TE, on=False)
    assert seen(u) == [ok(X)]
    gcmd(u, TE)
    assert seen(u) == [ok(H2), ok(H1)]  # TE changes do not invalidate (§6.5: QEMU only)


def test_queued_invalidation_removes_stale():
    u, _, pt = make(qi=True, translate=True)
    pt.map(X, H2)
    u.q.submit(iotlb_dsc(0b11, 5, X))
    assert seen(u) == [ok(H2), ok(H1)]
    u.q.submit(iotlb_dsc(0b11, 4, X))
    assert seen(u) == [ok(H2)]


# ------------------------------------------------------------------ commit / accept
def test_accept_stale_outcome_commits_without_fault():
    u, _, pt = make(translate=True)
    pt.map(X, H1, r=True, w=False)
    cands = u.dma_candidates(SID, X, write=True)
    chosen = u.accept(cands, ok(H1))
    assert chosen is cands[1]
    assert u.fault_records() == [] and u.fsts() == 0
    assert seen(u, write=True) == [fault(0x05), ok(H1)]


def test_accept_fresh_fault_records_it():
    u, _, pt = make(translate=True)
    pt.map(X, H1, r=True, w=False)
    cands = u.dma_candidates(SID, X, write=True)
    assert u.accept(cands, fault(0x05)) is cands[0]
    recs = u.fault_records()
    assert [(r.sid, r.fi, r.write, r.reason) for r in recs] == [(SID, X, True, 0x05)]


@pytest.mark.parametrize("observed", [ok(H2), fault(0x06), fault(0x0C), ("ok", 0)])
def test_accept_rejects_unpermitted_outcome(observed):
    u, _, pt = make(translate=True)
    pt.map(X, H1, r=True, w=False)
    assert u.accept(u.dma_candidates(SID, X, write=True), observed) is None
    assert u.fault_records() == []


def test_commit_fills_what_the_chosen_outcome_cached():
    u, _, pt = make()
    cands = u.dma_candidates(SID, X, write=False)
    assert [c.outcome.visible() for c in cands] == [ok(H1)]
    pt.map(X, H2)
    assert seen(u) == [ok(H2)]  # candidates alone cache nothing
    u.commit(cands[0])  # hardware did translate through the old entry
    assert seen(u) == [ok(H2), ok(H1)]


def test_msi_accept_and_commit():
    from python_model.outcomes import Interrupt
    from tests.model_helpers import enable_ir, irte, remappable_addr, write_irte, xapic_dst

    u = RemappingUnit(UnitConfig())
    enable_ir(u)
    write_irte(u, 2, irte(vector=0x21, dst=xapic_dst(1)))
    first = Interrupt(0x21, 1, 0, 0, 0, 0)
    assert u.msi(0x0100, remappable_addr(2), 0).interrupt == first
    write_irte(u, 2, irte(present=False))
    cands = u.msi_candidates(0x0100, remappable_addr(2), 0)
    assert [c.outcome.visible() for c in cands] == [fault(0x22), ("ok", first)]
    assert u.accept(cands, ("ok", first)) is cands[1]
    assert u.fault_records() == []
    assert u.accept(cands, fault(0x22)) is cands[0]
    assert len(u.fault_records()) == 1
    assert u.accept(cands, fault(0x24)) is None


def test_kept_outcomes_equal_a_fresh_computation_under_fills_invalidations_and_edits():
    """The translator keeps a request's permitted outcomes while memory and the cache groups
    they were derived from are unchanged (issue 8: computed once per request). Under random
    traffic committing stale and fresh outcomes, invalidations and table edits, every answer
    equals a computation from scratch, outcomes and fills alike. Answers are kept per 4 KiB
    page: requests to other offsets of a kept page get the kept answer moved to their offset,
    and the stream has many of them."""
    import random

    from tb.env.runtime import seed_from_env
    from tb.software.tables import TableBuilder
    from tb.stimulus.traffic import TrafficGen, TrafficKnobs, build_topology

    seed = seed_from_env()
    print(f"SEED={seed}")
    rng = random.Random(seed)
    cfg = UnitConfig()
    u = RemappingUnit(cfg)
    b = TableBuilder(u.memory, cfg)
    topo = build_topology(b, rng, domains=3, devices_per_domain=2, regions_per_domain=4)
    for step in b.program_root_table() + b.enable_translation():
        if step["op"] == "reg_write":
            u.write_reg(str(step["reg"]), int(step["value"]))
    items = list(TrafficGen(topo, cfg, rng, TrafficKnobs(hit_locality=0.6)).items(600))
    tr = u._translator
    doms = [d.domain for d in topo.devices if d.domain is not None and d.regions]
    offsets: dict[tuple[int, int, bool], int] = {}
    moved = 0  # kept answers given to another offset of their page than the first one asked
    for n, it in enumerate(items):
        args = (it.sid, it.addr, bool(it.write), it.size)
        first = offsets.setdefault((it.sid, it.addr >> 12, bool(it.write)), it.addr & 0xFFF)
        hits = tr.memo_hits
        kept = u.dma_candidates(*args)
        moved += tr.memo_hits > hits and first != it.addr & 0xFFF
        again = u.dma_candidates(*args)
        scratch = tr._compute(*args, u.tes, u.root)
        want = [(c.outcome, sorted(map(repr, c.fills))) for c in scratch]
        for got in (kept, again):
            assert [(c.outcome, sorted(map(repr, c.fills))) for c in got] == want, \
                f"SEED={seed}, request #{n}"
        u.commit(rng.choice(kept))
        roll = rng.random()
        if roll < 0.03:  # invalidate some of what is cached, memory unchanged
            u.caches.invalidate_iotlb(did=rng.choice(doms).did)
        elif roll < 0.05:
            u.caches.invalidate_contexts()
        elif roll < 0.08:  # edit a table without invalidating: stale entries stay permitted
            dev = rng.choice([d for d in topo.devices if d.domain is not None and d.regions])
            r = rng.choice(dev.regions)
            if rng.random() < 0.5:
                dev.domain.unmap(r.iova, r.page)
            else:
                dev.domain.map(r.iova, (1 << 34) + rng.randrange(64) * r.page, r.page,
                               page_size=r.page, replace=True)
    assert tr.memo_hits > len(items) // 2, tr.memo_hits
    assert moved > len(items) // 50, moved
