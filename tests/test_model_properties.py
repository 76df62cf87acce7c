"""Property-based tests: random tables built with ``tb.software.tables`` against the golden model.

Expected outcomes come from the table builder's own bookkeeping (``Domain.lookup``) and the
rules, written out in :func:`expected` (§3.1 interrupt range, §3.2 steps 3-14, P13,
P14), never from the model:

* every probe of a random world (3/4/5-level domains as CAP.SAGAW allows, 4 KB/2 MB/1 GB pages
  as CAP.SLLPS allows, read/write permission mixes, holes, addresses above the input limit,
  unassigned devices) translates as the builder says;
* translations are unchanged by a repeated request (cache hit) and by any invalidation while
  memory is unchanged, and the model then permits no other outcome;
* after editing one leaf (unmap, permission change, new frame) the old translation stays
  permitted until the invalidation (CM=0 caches), and after a page-selective (or coarser)
  invalidation the edited page follows the new tables while every neighbour keeps translating,
  with exactly one permitted outcome per request.

Randomness: hypothesis draws from ``SEED`` (environment; a fresh random seed otherwise). The
seed is printed, and a failure message says how to replay:
``SEED=<n> PYTHONPATH=. .venv/bin/python -m pytest tests/test_model_properties.py``.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, note, seed, settings
from hypothesis import strategies as st

from python_model.config import UnitConfig
from python_model.structures import INTR_HI, INTR_LO
from python_model.unit import RemappingUnit
from tb.software.tables import (
    SIZE_1G,
    SIZE_2M,
    SIZE_4K,
    MappingConflict,
    TableBuilder,
    psi_range,
)

SEED = int(os.environ["SEED"]) if os.environ.get("SEED") else random.SystemRandom().randrange(
    1 << 32)
REPLAY = f"SEED={SEED} PYTHONPATH=. .venv/bin/python -m pytest tests/test_model_properties.py"

SETTINGS = settings(
    max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "40")),
    deadline=None,
    database=None,  # SEED is the replay mechanism
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

AGAW = {1: 39, 2: 48, 3: 57}  # context AW -> AGAW (§2.3)
FR_ADDR, FR_WRITE, FR_READ = 0x04, 0x05, 0x06
FR_ROOT_NP, FR_CTX_NP, FR_OUT_INTR, FR_INTR_RANGE = 0x01, 0x02, 0x0E, 0x29


@pytest.fixture(autouse=True)
def _print_seed():
    print(f"hypothesis seed {SEED}; replay: {REPLAY}")


# --------------------------------------------------------------------------- world description


@dataclass(frozen=True)
class MapSpec:
    iova: int
    hpa: int
    size: int
    page: int
    read: bool
    write: bool


@dataclass(frozen=True)
class DomainSpec:
    did: int
    aw: int
    maps: tuple[MapSpec, ...]


@dataclass(frozen=True)
class World:
    config: UnitConfig
    domains: tuple[DomainSpec, ...]
    devices: tuple[tuple[int, int | None], ...]  # (sid, index into domains or None)


@st.composite
def configs(draw: st.DrawFn) -> UnitConfig:
    sagaw = draw(st.sampled_from([0b0010, 0b0100, 0b1000, 0b0110, 0b1100, 0b1010, 0b1110]))
    haw = draw(st.sampled_from([39, 42, 48]))
    mgaw = draw(st.sampled_from([m for m in (39, 45, 48, 57) if m >= haw]))
    sllps = draw(st.sampled_from([0b00, 0b01, 0b11]))
    return UnitConfig(HAW=haw, MGAW=mgaw, SAGAW=sagaw, SLLPS=sllps)


def _page_sizes(cfg: UnitConfig) -> list[int]:
    return [SIZE_4K] + [SIZE_2M] * (cfg.SLLPS & 1) + [SIZE_1G] * (cfg.SLLPS >> 1 & 1)


def _first_page(draw: st.DrawFn, total: int, n: int, near: int | None = None) -> int:
    """A first page number so that n pages fit in [0, total): low, high, near, or anywhere."""
    last = total - n
    kinds = ["low", "high", "any"] + (["near"] if near is not None else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "low":
        return draw(st.integers(0, min(63, last)))
    if kind == "high":
        return last - draw(st.integers(0, min(63, last)))
    if kind == "near":
        assert near is not None
        return min(max(0, near + draw(st.integers(-2, 2))), last)
    return draw(st.integers(0, last))


@st.composite
def map_specs(draw: st.DrawFn, cfg: UnitConfig, limit: int) -> MapSpec:
    page = draw(st.sampled_from(_page_sizes(cfg)))
    n = draw(st.integers(1, 3))
    iova = _first_page(draw, limit // page, n) * page
    fee_page = INTR_LO // page  # near the interrupt range: 0Eh cases
    hpa = _first_page(draw, (1 << cfg.HAW) // page, n, near=fee_page) * page
    read, write = draw(st.sampled_from([(True, False), (False, True), (True, True)]))
    return MapSpec(iova, hpa, page * n, page, read, write)


@st.composite
def worlds(draw: st.DrawFn) -> World:
    cfg = draw(configs())
    aws = [aw for aw in (1, 2, 3) if cfg.SAGAW >> aw & 1]
    ndom = draw(st.integers(1, 3))
    dids = draw(st.lists(st.integers(1, 255), min_size=ndom, max_size=ndom, unique=True))
    domains = []
    for did in dids:
        aw = draw(st.sampled_from(aws))
        limit = 1 << min(cfg.MGAW, AGAW[aw])
        maps = draw(st.lists(map_specs(cfg, limit), min_size=1, max_size=5))
        domains.append(DomainSpec(did, aw, tuple(maps)))
    # a few buses and functions so that devices share buses and context tables
    sid_st = st.builds(lambda b, d: b << 8 | d, st.sampled_from([0x00, 0x01, 0x3A, 0xFF]),
                       st.integers(0, 0xFF))
    sids = draw(st.lists(sid_st, min_size=ndom, max_size=2 * ndom + 2, unique=True))
    devices = []
    for i, sid in enumerate(sids):
        owner = i if i < ndom else draw(st.one_of(st.none(), st.integers(0, ndom - 1)))
        devices.append((sid, owner))
    return World(cfg, tuple(domains), tuple(devices))


# --------------------------------------------------------------------------- building


class Built:
    """A unit with translation enabled over the world's tables."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.cfg = world.config
        self.unit = RemappingUnit(self.cfg)
        self.tb = TableBuilder(self.unit.memory, self.cfg)  # tables go straight into memory
        self.domains = []
        for spec in world.domains:
            dom = self.tb.create_domain(did=spec.did, aw=spec.aw)
            for m in spec.maps:
                try:
                    dom.map(m.iova, m.hpa, m.size, read=m.read, write=m.write, page_size=m.page)
                except MappingConflict:
                    pass  # overlaps an earlier mapping differently: keep the earlier one
            self.domains.append(dom)
        self.owner = {}
        for sid, idx in world.devices:
            if idx is not None:
                self.tb.assign_device(sid, self.domains[idx])
                self.owner[sid] = self.domains[idx]
        self.buses = {sid >> 8 for sid in self.owner}
        self.apply(self.tb.program_root_table() + self.tb.enable_translation())

    def apply(self, steps: list[dict]) -> None:
        """Run builder steps on the unit (memory is already written by the builder)."""
        u = self.unit
        for s in steps:
            op = s["op"]
            if op == "reg_write":
                u.write_reg(s["reg"], s["value"])
            elif op == "poll" and "reg" in s:
                got = u.read_reg(s["reg"]) & s["mask"]
                assert got == s["value"], f"poll {s['reg']}: {got:#x} != {s['value']:#x}"
            elif op == "poll":
                got = u.memory.peek_u64(s["addr"]) & s["mask"]
                assert got == s["value"], f"poll {s['addr']:#x}: {got:#x}"
            elif op == "mem_write":
                for i, q in enumerate(s["qwords"]):
                    u.memory.poke_u64(s["addr"] + 8 * i, q)
            elif op != "reg_read":
                raise AssertionError(f"unexpected builder step {s}")

    def devices_of(self, dom) -> list[int]:  # noqa: ANN001 - python_model.tables.Domain
        return [sid for sid, d in self.owner.items() if d is dom]


def _touches_intr(addr: int, size: int) -> bool:
    return addr <= INTR_HI and INTR_LO < addr + size


def expected(b: Built, sid: int, addr: int, write: bool, size: int) -> tuple[str, int]:
    """('ok', hpa) or ('fault', reason) from the builder's view and the rules."""
    perm_fault = FR_WRITE if write else FR_READ
    if _touches_intr(addr, size):
        return ("fault", FR_INTR_RANGE)  # P14 (4-byte writes are never generated)
    dom = b.owner.get(sid)
    if dom is None:
        return ("fault", FR_CTX_NP if sid >> 8 in b.buses else FR_ROOT_NP)  # §3.2 steps 3, 5
    if addr >= 1 << min(b.cfg.MGAW, AGAW[dom.aw]):
        return ("fault", FR_ADDR)  # §3.2 step 11
    tr = dom.lookup(addr)
    if tr is None or not (tr.write if write else tr.read):
        return ("fault", perm_fault)  # P3: not present, or permission missing
    if _touches_intr(tr.hpa, size):
        return ("fault", FR_OUT_INTR)  # §3.2 step 14, P13
    return ("ok", tr.hpa)


Probe = tuple[int, int, bool, int]  # sid, addr, write, size


@st.composite
def _request(draw: st.DrawFn, addr: int) -> tuple[int, bool, int]:
    size = draw(st.sampled_from([1, 4, 8, 64]))
    addr = min(addr, (1 << 64) - 1) & ~(size - 1)
    write = draw(st.booleans())
    if write and size == 4 and _touches_intr(addr, size):
        write = False  # a 4-byte write there is an interrupt, not DMA (P14)
    return addr, write, size


def draw_probes(data: st.DataObject, b: Built) -> list[Probe]:
    """Requests at mapping edges and insides, holes next to mappings, random addresses, the
    input limit, the interrupt range, and from unassigned devices."""
    probes: list[Probe] = []
    for dom in b.domains:
        sids = b.devices_of(dom)
        if not sids:
            continue
        limit = 1 << min(b.cfg.MGAW, AGAW[dom.aw])
        addrs = []
        for m in dom.mappings():
            addrs += [m.iova, m.iova + m.size - 8,
                      data.draw(st.integers(m.iova, m.iova + m.size - 1), label="inside")]
            addrs += [a for a in (m.iova - SIZE_4K, m.iova + m.size) if 0 <= a < limit]
        addrs += data.draw(st.lists(st.integers(0, limit - 1), max_size=4), label="random")
        addrs += [limit, limit + data.draw(st.integers(0, (1 << 64) - limit - 1)),
                  (1 << 64) - SIZE_4K, INTR_LO]
        for addr in addrs:
            req = data.draw(_request(addr), label="request")
            probes.append((data.draw(st.sampled_from(sids), label="sid"), *req))
    for sid, idx in b.world.devices:
        if idx is None and sid not in b.owner:
            probes.append((sid, *data.draw(_request(0x1000), label="unassigned")))
    return probes


def check_probes(b: Built, probes: list[Probe], single: bool = False, what: str = "") -> None:
    for sid, addr, write, size in probes:
        want = expected(b, sid, addr, write, size)
        fresh = b.unit.dma_fresh_outcome(sid, addr, write, size).visible()
        assert fresh == want, (f"{what}sid {sid:#06x} at {addr:#x}: dma_fresh_outcome "
                               f"{fresh}, expected {want}; replay: {REPLAY}")
        got = b.unit.dma(sid, addr, write, size).visible()
        assert got == want, (f"{what}sid {sid:#06x} {'write' if write else 'read'} {size} B "
                             f"at {addr:#x}: model {got}, expected {want}; replay: {REPLAY}")
        if single:
            seen = {c.outcome.visible() for c in b.unit.dma_candidates(sid, addr, write, size)}
            assert seen == {want}, (f"{what}sid {sid:#06x} at {addr:#x}: permitted outcomes "
                                    f"{seen} after a complete invalidation, expected only "
                                    f"{want}; replay: {REPLAY}")


# --------------------------------------------------------------------------- properties


@seed(SEED)
@SETTINGS
@given(world=worlds(), data=st.data())
def test_translation_matches_the_builder(world: World, data: st.DataObject):
    note(f"replay: {REPLAY}")
    b = Built(world)
    probes = draw_probes(data, b)
    check_probes(b, probes)
    check_probes(b, probes, what="again (caches warm): ")


@seed(SEED)
@SETTINGS
@given(world=worlds(), data=st.data(),
       kind=st.sampled_from(["global", "context+global", "domain", "page"]))
def test_invalidation_without_memory_change_keeps_translations(world: World,
                                                               data: st.DataObject, kind: str):
    note(f"replay: {REPLAY}")
    b = Built(world)
    probes = draw_probes(data, b)
    check_probes(b, probes, what="before: ")
    dom = data.draw(st.sampled_from(b.domains), label="domain")
    if kind == "global":
        b.apply(b.tb.iotlb_invalidate_register(1))
    elif kind == "context+global":
        b.apply(b.tb.global_invalidate_register())
    elif kind == "domain":
        b.apply(b.tb.domain_invalidate_register(dom.did, context=True))
    else:
        m = data.draw(st.sampled_from(dom.mappings()), label="page")
        addr, am = psi_range(m.iova, m.size)
        b.apply(b.tb.page_invalidate_register(dom.did, addr, am,
                                              ih=data.draw(st.integers(0, 1), label="ih")))
    check_probes(b, probes, single=True, what=f"after {kind} invalidation: ")


@seed(SEED)
@SETTINGS
@given(world=worlds(), data=st.data(),
       edit=st.sampled_from(["unmap", "permissions", "frame"]),
       inval=st.sampled_from(["page", "page", "domain", "global"]))
def test_leaf_edit_then_invalidation(world: World, data: st.DataObject, edit: str, inval: str):
    note(f"replay: {REPLAY}")
    b = Built(world)
    doms = [d for d in b.domains if d.mappings() and b.devices_of(d)]
    if not doms:
        return
    dom = data.draw(st.sampled_from(doms), label="domain")
    m = data.draw(st.sampled_from(dom.mappings()), label="edited leaf")
    sid = b.devices_of(dom)[0]
    probes = draw_probes(data, b)
    probes += [(s, m.iova, False, 4) for s in b.devices_of(dom)]
    probes += [(s, m.iova, True, 4) for s in b.devices_of(dom)]
    check_probes(b, probes, what="before the edit: ")
    old_read = expected(b, sid, m.iova, False, 4)
    if edit == "unmap":
        dom.unmap(m.iova, m.size)
    elif edit == "permissions":
        read, write = data.draw(st.sampled_from(
            [p for p in [(True, False), (False, True), (True, True)] if p != (m.read, m.write)]),
            label="new permissions")
        dom.map(m.iova, m.hpa, m.size, read=read, write=write, page_size=m.size, replace=True)
    else:
        total = (1 << b.cfg.HAW) // m.size
        new = data.draw(st.integers(0, total - 1).filter(lambda p: p * m.size != m.hpa),
                        label="new frame") * m.size
        dom.map(m.iova, new, m.size, read=m.read, write=m.write, page_size=m.size,
                replace=True)
    # Without invalidation the unit may still use what it cached (CM=0, §6.6): the old
    # translation must stay permitted next to the fresh one.
    cands = b.unit.dma_candidates(sid, m.iova, False, 4)
    assert cands[0].outcome.visible() == expected(b, sid, m.iova, False, 4), REPLAY
    # the fresh outcome alone ignores the stale entries the full set permits
    assert b.unit.dma_fresh_outcome(sid, m.iova, False, 4) == cands[0].outcome, REPLAY
    if old_read[0] == "ok":
        assert old_read in {c.outcome.visible() for c in cands}, (
            f"the cached translation {old_read} of {m.iova:#x} is no longer permitted before "
            f"the invalidation; replay: {REPLAY}")
    if inval == "page":
        addr, am = psi_range(m.iova, m.size)
        b.apply(b.tb.page_invalidate_register(dom.did, addr, am,
                                              ih=data.draw(st.integers(0, 1), label="ih")))
    elif inval == "domain":
        b.apply(b.tb.domain_invalidate_register(dom.did))
    else:
        b.apply(b.tb.iotlb_invalidate_register(1))
    check_probes(b, probes, single=True, what=f"after {edit} + {inval} invalidation: ")
    if edit == "unmap":
        for s in b.devices_of(dom):
            assert b.unit.dma(s, m.iova, True, 4).reason == FR_WRITE, REPLAY
            assert b.unit.dma(s, m.iova + m.size - 4, False, 4).reason == FR_READ, REPLAY
