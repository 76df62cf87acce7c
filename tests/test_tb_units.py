"""Unit tests of the testbench's pure-Python parts (no simulator): RTL parameter mapping,
register layer, model mirror, checker, cache predictor, software layer, scenario gating."""

import asyncio
import json
from pathlib import Path

import pytest

from python_model.cachestate import CachedContext, CachedTranslation
from python_model.config import UnitConfig
from python_model.memory import Memory
from python_model.scenario import load
from python_model.unit import RemappingUnit
from tb.agents.reg_bus import ModelRegBus, ObservedRegBus
from tb.agents.transactions import DmaRequest, DmaResponse, EventMsg
from tb.env.checker import ModelChecker
from tb.env.reg_mirror import ModelMirror
from tb.flows.params import (
    PRESETS,
    RTL_PARAMETERS,
    RtlConfigError,
    config_to_params,
    params_key,
    preset,
    rtl_model_config,
    rtl_parameters,
)
from tb.flows.scenario.engine import ReplayEngine
from tb.flows.scenario.rtl import RtlResults, scenario_params, skip_reason
from tb.ref.predictor import PERF, UnitPredictor
from tb.software.driver import Software
from tb.software.register_layer import PollTimeout, RegisterLayer
from tb.software.tables import G_DOMAIN, G_GLOBAL, G_PAGE, TableBuilder

RTL_CFG = UnitConfig()  # the RTL's defaults are the model's (QI=IR=EIM=1)


def run(coro):
    return asyncio.run(coro)


# ----------------------------------------------------------------------------- config
def test_rtl_model_config_maps_names_and_policies():
    cfg = rtl_model_config({"IOTLB_REPL": 2, "NFR": 3, "AXI_ID_W": 3, "IEC_ENTRIES": 2})
    assert cfg.IOTLB_REPL == "FIFO" and cfg.NFR == 3
    assert (cfg.QI, cfg.IR, cfg.EIM, cfg.MHMV) == (1, 1, 1, 15)
    off = rtl_model_config({"QI": 0, "IR": 0, "EIM": 0, "MHMV": 0})
    assert (off.QI, off.IR, off.EIM, off.MHMV) == (0, 0, 0, 0)
    assert rtl_model_config({"IOTLB_REPL": "random"}).IOTLB_REPL == "RANDOM"
    assert rtl_parameters({"IOTLB_REPL": "LRU"})["IOTLB_REPL"] == 0


def test_rtl_model_config_rejects_illegal_sets():
    with pytest.raises(RtlConfigError, match="IR"):
        rtl_model_config({"QI": 0})  # IR=1 needs QI
    with pytest.raises(RtlConfigError, match="AXI_ID_W"):
        rtl_parameters({"MAX_WALKS": 4, "AXI_ID_W": 2})  # 4 walkers + QI + IR: 3 ID bits
    assert rtl_parameters({"MAX_WALKS": 2, "AXI_ID_W": 2})["AXI_ID_W"] == 2
    with pytest.raises(RtlConfigError, match="IEC_ENTRIES"):
        rtl_parameters({"IEC_ENTRIES": 0})
    with pytest.raises(RtlConfigError, match="BOGUS"):
        rtl_model_config({"BOGUS": 1})
    with pytest.raises(RtlConfigError, match="IOTLB_REPL"):
        rtl_model_config({"IOTLB_REPL": "MRU"})
    assert rtl_model_config({"QI": 0, "IR": 0, "EIM": 0}).QI == 0


def test_rtl_parameters_complete_and_stable():
    p = rtl_parameters()
    assert tuple(p) == RTL_PARAMETERS and all(isinstance(v, int) for v in p.values())
    assert config_to_params(RTL_CFG) == p
    assert params_key(p) == params_key(dict(reversed(p.items())))
    for name in PRESETS:
        assert preset(name)
    assert len({params_key(preset(n)) for n in PRESETS}) == len(PRESETS)


# ----------------------------------------------------------------------------- registers
def test_register_layer_over_the_model():
    unit = RemappingUnit(RTL_CFG)
    regs = RegisterLayer(ModelRegBus(unit), RTL_CFG.num_fault_records)
    assert run(regs.read("VER")) == 0x10
    assert run(regs.read("CAP")) == RTL_CFG.cap()
    run(regs.write_fields("FEDATA", IMD=0x1234))
    assert run(regs.read_field("FEDATA", "IMD")) == 0x1234
    assert regs.put("RTADDR", 0, RTA=0x123, TTM=1) == 0x123000 | 1 << 10
    assert regs.reg("FRCD3_HI").offset == regs.reg("FRCD3_LO").offset + 8
    with pytest.raises(PollTimeout):
        run(regs.poll("GSTS", 1 << 31, 1 << 31, timeout_cycles=3))
    with pytest.raises(ValueError):
        regs.put("FEDATA", 0, IMD=1 << 16)


# ----------------------------------------------------------------------------- fixtures
def setup_unit():
    mem = Memory()
    unit = RemappingUnit(RTL_CFG, mem)
    b = TableBuilder(mem, RTL_CFG)
    dom = b.create_domain()
    dom.map(0x10000, 0x50000, 0x2000)
    b.assign_device("01:00.0", dom)
    mirror = ModelMirror(unit)
    regs = RegisterLayer(ObservedRegBus(ModelRegBus(RemappingUnit(RTL_CFG, mem)),
                                        mirror.on_read, mirror.on_write),
                         RTL_CFG.num_fault_records)
    return mem, unit, b, dom, mirror, regs


def test_software_layer_and_mirror_drive_a_model_like_a_dut():
    mem, unit, b, dom, mirror, regs = setup_unit()
    sw = Software(regs, b, lambda n: asyncio.sleep(0))
    run(sw.setup_fault_event(0xFEE00000, 0x42))
    run(sw.enable_translation())
    assert unit.tes and unit.read_reg("FECTL") == 0
    assert unit.dma(0x100, 0x10010, False).hpa == 0x50010
    assert not unit.dma(0x100, 0x20000, True).ok  # fault 05h recorded in the mirror's model
    run(sw.invalidate_range(dom.did, 0x10000, 0x1000))
    assert sw.invalidations == {"iotlb-page": 1}
    run(sw.invalidate_global())
    assert sw.invalidations["context-global"] == 1


def test_mirror_holds_commands_until_the_bit_reads_clear():
    unit = RemappingUnit(RTL_CFG)
    mirror = ModelMirror(unit)
    ccmd = unit.regmap.by_name("CCMD")
    icc = ccmd.field("ICC").mask
    mirror.on_write(ccmd.offset, 8, icc | 1 << 61)  # global context invalidation
    assert "CCMD" in mirror.pending and unit.caag == 0
    mirror.on_read(ccmd.offset, 8, icc)  # still running
    assert "CCMD" in mirror.pending
    mirror.on_read(ccmd.offset + 4, 4, 0)  # top dword with ICC clear
    assert not mirror.pending and unit.caag == 1


def test_service_faults_reads_and_clears_records():
    mem, unit, b, dom, mirror, regs = setup_unit()
    dut = regs.bus.bus.unit  # the "DUT" (a second model) behind the observed bus
    sw = Software(regs, b, lambda n: asyncio.sleep(0))
    run(sw.enable_translation())
    for i in range(3):
        dut.dma(0x100, 0x30000 + 0x1000 * i, False)
        unit.dma(0x100, 0x30000 + 0x1000 * i, False)
    got = run(sw.service_faults())
    assert [r.reason for r in got] == [6, 6, 6] and [r.index for r in got] == [0, 1, 2]
    assert got[1].fi == 0x31000 and not got[0].write
    assert dut.fsts() == 0 and unit.fsts() == 0


# ----------------------------------------------------------------------------- checker
def test_checker_accepts_fresh_and_stale_and_rejects_the_rest():
    mem, unit, b, dom, mirror, regs = setup_unit()
    for s in b.program_root_table() + b.enable_translation():
        if s["op"] == "reg_write":
            unit.write_reg(s["reg"], s["value"])
    chk = ModelChecker(unit)
    req = DmaRequest(0x100, 0x10008, False, 8)
    chk.dma_issued(req)
    assert chk.dma_response(req, DmaResponse(1, False, 0, 0x50008))
    dom.unmap(0x10000, 0x1000)  # no invalidation yet: old and new both permitted
    for rsp in (DmaResponse(2, False, 0, 0x50010), DmaResponse(3, True, 6, 0)):
        r = DmaRequest(0x100, 0x10010, False, 4)
        chk.dma_issued(r)
        assert chk.dma_response(r, rsp)
    assert chk.stats.dma_stale == 1
    unit.invalidate_iotlb(G_PAGE, dom.did, 0x10000, 0, False)
    unit.invalidate_context(G_GLOBAL, 0, 0, 0)
    r = DmaRequest(0x100, 0x10010, False, 4)
    chk.dma_issued(r)
    assert not chk.dma_response(r, DmaResponse(4, False, 0, 0x50010))
    assert "permitted now {fault 0x06}" in chk.errors[-1]


def test_checker_issue_view_after_invalidation_drops_the_fills():
    mem, unit, b, dom, mirror, regs = setup_unit()
    for s in b.program_root_table() + b.enable_translation():
        if s["op"] == "reg_write":
            unit.write_reg(s["reg"], s["value"])
    chk = ModelChecker(unit)
    r = DmaRequest(0x100, 0x10008, False, 8, issue_cycle=10)
    chk.dma_issued(r)  # walked before the unmap
    dom.unmap(0x10000, 0x1000)
    unit.invalidate_iotlb(G_DOMAIN, dom.did, 0, 0, False)
    chk.bump_epoch(start=12)  # an invalidation written after the request was accepted
    assert chk.dma_response(r, DmaResponse(1, False, 0, 0x50008))
    assert chk.stats.dma_issue_view == 1 and not unit.caches.translations


def test_checker_keeps_the_fills_of_every_outcome_that_looks_like_the_answer():
    """A fault walked under the context entry cached before a device moved, answered after
    the move, looks exactly like the fault the fresh walk (under the new entry) gives: the
    RTL may keep the old context entry, and until the context-cache invalidation a later
    request may be translated through it (a failing seed of invalidation_under_traffic)."""
    mem, unit, b, dom, mirror, regs = setup_unit()  # 01:00.0 in dom: 0x10000 -> 0x50000
    for s in b.program_root_table() + b.enable_translation():
        if s["op"] == "reg_write":
            unit.write_reg(s["reg"], s["value"])
    other = b.create_domain()
    other.map(0x10000, 0x90000, 0x2000)
    chk = ModelChecker(unit, strict_invalidation=True)
    unmapped = DmaRequest(0x100, 0x40000, False, 4, issue_cycle=10)
    chk.dma_issued(unmapped)  # walks under dom's context entry, which the RTL caches
    b.assign_device("01:00.0", other)  # the move; its context invalidation still to come
    assert chk.dma_response(unmapped, DmaResponse(1, True, 6, 0))  # alike in both domains
    assert chk.stats.dma_alike == 1
    later = DmaRequest(0x100, 0x10008, False, 8, issue_cycle=20)
    chk.dma_issued(later)
    assert chk.dma_response(later, DmaResponse(2, False, 0, 0x50008)), chk.errors  # old entry
    unit.invalidate_context(G_GLOBAL, 0, 0, 0)
    unit.invalidate_iotlb(G_GLOBAL, 0, 0, 0, False)  # what `later` cached goes too
    chk.bump_epoch(start=30)
    last = DmaRequest(0x100, 0x10008, False, 8, issue_cycle=40)
    chk.dma_issued(last)
    assert not chk.dma_response(last, DmaResponse(3, False, 0, 0x50008))  # gone now
    assert "permitted now {ok 0x90008}" in chk.errors[-1]


def test_checker_keeps_the_iec_fill_of_an_interrupt_that_looks_like_the_answer():
    """The same for interrupts: an IRTE edit that changes nothing visible for this request
    (source validation switched on) leaves the unit free to keep the old entry; until the IEC
    invalidation another source may still be remapped through it."""
    from python_model.outcomes import Interrupt
    from tb.agents.transactions import IntrResponse, MsiRequest
    from tests.model_helpers import enable_ir, irte, remappable_addr, write_irte, xapic_dst

    unit = RemappingUnit(UnitConfig())
    enable_ir(unit)
    write_irte(unit, 2, irte(vector=0x21, dst=xapic_dst(1)))  # no source validation
    chk = ModelChecker(unit, strict_invalidation=True)
    delivered = Interrupt(vector=0x21, dest=1, dest_mode=0, delivery_mode=0, trigger_mode=0,
                          redirection_hint=0)
    answer = IntrResponse(False, 0, 0x21, delivered.dest, 0, 0, 0, 0)
    first = MsiRequest(0x0100, remappable_addr(2), 0, issue_cycle=10)
    chk.msi_issued(first)  # looked up under the old entry, which the unit may keep
    write_irte(unit, 2, irte(vector=0x21, dst=xapic_dst(1), sid=0x0100, svt=1))
    assert chk.msi_response(first, answer)  # alike under the old and the new entry
    assert chk.stats.msi_alike == 1
    other = MsiRequest(0x0200, remappable_addr(2), 0, issue_cycle=20)
    chk.msi_issued(other)
    assert chk.msi_response(other, answer), chk.errors  # through the old entry
    unit.invalidate_iec(True, 0, 0)  # global
    chk.bump_epoch(start=30)
    last = MsiRequest(0x0200, remappable_addr(2), 0, issue_cycle=40)
    chk.msi_issued(last)
    assert not chk.msi_response(last, answer)  # the new entry refuses source 0x0200


def test_checker_matches_events_in_order():
    unit = RemappingUnit(RTL_CFG)
    chk = ModelChecker(unit)
    unit.write_reg("FEDATA", 0x77)
    unit.write_reg("FEADDR", 0xFEE00000)
    unit.write_reg("FECTL", 0)
    assert unit.dma(0x100, 0xFEE00000, False, 8).reason == 0x29  # recorded: an event
    unit.events.append(unit.events[0])  # pretend a second event
    chk.event(EventMsg(0xFEE00000, 0x77))
    chk.final_events_check()
    assert chk.stats.events_checked == 1 and "never came from the RTL" in chk.errors[-1]


# ----------------------------------------------------------------------------- predictor
PARAMS = {"IOTLB_SETS": 1, "IOTLB_WAYS": 2, "IOTLB_REPL": 0, "CC_ENTRIES": 1, "MGAW": 48,
          "ND": 2}
CTX = CachedContext(sid=0x100, did=1, tt=0, aw=2, slptptr=0x5000, fpd=False)


def page(k: int, size: int = 1 << 12) -> CachedTranslation:
    return CachedTranslation(did=1, sid=0x100, iova_base=0x100000 + k * size, size=size,
                             frame=0x9000000 + k * size, read=True, write=True)


def send(p: UnitPredictor, addr: int, fills: list[object], **seen: int) -> list[str]:
    """One request through the predictor; ``seen`` are the observed counter increments."""
    observed = dict.fromkeys(PERF, 0) | {f"PERF_{k.upper()}": v for k, v in seen.items()}
    return p.after(p.before(0x100, addr, False, 4, te=True), fills, observed)


def test_predictor_follows_walk_fills_and_lru():
    p = UnitPredictor.for_params(PARAMS)
    assert send(p, page(0).iova_base, [CTX, page(0)], iotlb_misses=1, cc_misses=1, walks=1) == []
    assert send(p, page(1).iova_base, [page(1)], iotlb_misses=1, cc_hits=1, walks=1) == []
    assert send(p, page(0).iova_base, [], iotlb_hits=1) == []
    # page 2 evicts page 1, the least recently used of the two ways
    assert send(p, page(2).iova_base, [page(2)], iotlb_misses=1, cc_hits=1, walks=1) == []
    assert send(p, page(0).iova_base, [], iotlb_hits=1) == []
    problems = send(p, page(1).iova_base, [page(1)], iotlb_hits=1)
    assert "PERF_IOTLB_HITS+1 (predicted +0)" in problems


def test_predictor_no_lookup_and_invalidation():
    p = UnitPredictor.for_params(PARAMS)
    e = p.before(0x100, 0xFEE0_0000, True, 4, te=True)  # interrupt range: no look-up
    assert p.after(e, [], dict.fromkeys(PERF, 0)) == []
    big = CachedTranslation(did=1, sid=0x100, iova_base=0x4020_0000, size=1 << 21,
                            frame=0x8000_0000, read=True, write=True)
    assert send(p, big.iova_base + 0x5678, [CTX, big], iotlb_misses=1, cc_misses=1,
                walks=1) == []
    p.invalidate_iotlb(3, did=1, addr=big.iova_base + 0x45000, am=0)  # 4K inside the 2M page
    assert send(p, big.iova_base, [big], iotlb_misses=1, cc_hits=1, walks=1) == []
    p.invalidate_context(3, did=1, sid=0x100, fm=0)
    assert send(p, big.iova_base, [CTX], iotlb_hits=1) == []
    assert send(p, 0x7000_0000, [CTX], iotlb_misses=1, cc_misses=1, walks=1) == []


# ----------------------------------------------------------------------------- scenarios
SUITE = Path(__file__).parent / "scenarios"


def test_scenario_gating_by_config_and_register_use(tmp_path: Path):
    assert skip_reason(load(SUITE / "qi_basic.json")) is None
    assert skip_reason(load(SUITE / "ir_remap_x2apic.json")) is None
    assert skip_reason(load(SUITE / "registers_caps.json")) is None
    doc = json.loads((SUITE / "qi_basic.json").read_text())
    doc["config"] = {"QI": 0, "IR": 0, "EIM": 0}
    (tmp_path / "off.json").write_text(json.dumps(doc))
    off = skip_reason(load(tmp_path / "off.json"))
    assert off and "QI=0" in off and "IQA" in off and "GCMD.QIE" in off
    basic = load(SUITE / "runner_basics.json")
    assert skip_reason(basic) is None
    assert scenario_params(basic)["NFR"] == 7


def test_replay_engine_and_results_unpacking():
    eng = ReplayEngine([("reg_read", 5), ("dma", {"status": "ok", "hpa": 1})])
    assert eng.reg_read(0, 4) == 5
    with pytest.raises(RuntimeError, match="out of step"):
        eng.fsts()
    doc = RtlResults("s", "verilator", model_doc=RtlResults("s", "model"))
    rtl, model = doc
    assert rtl.engine == "verilator" and model.engine == "model"


# ----------------------------------------------------------------------------- new cache parameters
def test_walk_cache_miss_queue_and_iotlb_impl_parameters_are_checked():
    p = rtl_parameters({"WC_ENTRIES": 8, "WC_WAYS": 2, "WC_REPL": "plru", "MISSQ_DEPTH": 3,
                        "IOTLB_IMPL": 1, "IOTLB_L1_ENTRIES": 2, "IOTLB_L1_REPL": "FIFO"})
    assert (p["WC_REPL"], p["IOTLB_L1_REPL"], p["MISSQ_DEPTH"]) == (1, 2, 3)
    assert rtl_parameters()["WC_ENTRIES"] == 0 and rtl_parameters()["IOTLB_IMPL"] == 0
    for bad, word in (({"WC_ENTRIES": 6, "WC_WAYS": 4}, "WC_ENTRIES"),
                      ({"WC_ENTRIES": 12, "WC_WAYS": 4}, "power of two"),
                      ({"WC_ENTRIES": 6, "WC_WAYS": 3, "WC_REPL": "PLRU"}, "WC_WAYS"),
                      ({"WC_REPL": "MRU"}, "WC_REPL"),
                      ({"IOTLB_IMPL": 7}, "IOTLB_IMPL"),
                      ({"IOTLB_L1_ENTRIES": 0}, "IOTLB_L1_ENTRIES"),
                      ({"MISSQ_DEPTH": -1}, "MISSQ_DEPTH")):
        with pytest.raises(RtlConfigError, match=word):
            rtl_parameters(bad)


def test_params_override_applies_to_every_preset(monkeypatch):
    monkeypatch.setenv("TB_PARAMS_OVERRIDE", "IOTLB_IMPL=1, IOTLB_L1_ENTRIES=2")
    for name in PRESETS:
        p = preset(name)
        assert (p["IOTLB_IMPL"], p["IOTLB_L1_ENTRIES"]) == (1, 2), name
    monkeypatch.setenv("TB_PARAMS_OVERRIDE", "BOGUS=1")
    with pytest.raises(RtlConfigError, match="BOGUS"):
        preset("default")
    monkeypatch.setenv("TB_PARAMS_OVERRIDE", "IOTLB_IMPL")
    with pytest.raises(RtlConfigError, match="NAME=value"):
        preset("default")


def test_tally_adds_cocotb_runs_after_the_stamp_and_replay_notes(tmp_path, monkeypatch):
    import json as _json
    import os as _os

    from tb.flows import tally

    runs = tmp_path / "sim" / "verilator-x" / "runs"
    for name, dma, age in (("old", 1000, 100), ("a", 40, 0), ("b", 2, 0)):
        d = runs / name
        d.mkdir(parents=True)
        f = d / "stats.json"
        f.write_text(_json.dumps({"dma_checked": dma, "msi_checked": 3, "cycles": 10}))
        mtime = f.stat().st_mtime - age
        _os.utime(f, (mtime, mtime))
    since = f.stat().st_mtime - 50
    totals = tally.cocotb_totals(since, tmp_path / "sim")
    assert (totals["runs"], totals["dma_checked"], totals["msi_checked"]) == (2, 42, 6)
    monkeypatch.setenv(tally.ENV, str(tmp_path / "tally"))
    tally.note_replay(500)
    tally.note_replay(7)
    assert tally.replay_totals(tmp_path / "tally") == (2, 507)
    monkeypatch.delenv(tally.ENV)
    tally.note_replay(1)  # not asked for: nothing written
    assert tally.replay_totals(tmp_path / "tally") == (2, 507)


def test_every_planted_bug_still_applies_to_the_rtl():
    """Each planted bug (simulation mutants, tb/flows/mutants.py; formal ones,
    tb/flows/formal.py PLANTED) replaces text that occurs exactly once in its RTL file: an RTL
    change that moves it must update the bug, which would otherwise go stale untested."""
    from tb.flows.formal import PLANTED
    from tb.flows.mutants import MUTANTS, StaleMutant, planted
    from tb.flows.mutants import ROOT as MUTANT_ROOT

    stale = []
    for bug in [*MUTANTS, *PLANTED]:
        try:
            planted((MUTANT_ROOT / "rtl" / bug.file).read_text(), bug.old, bug.new, bug.name)
        except StaleMutant as e:
            stale.append(str(e))
    assert not stale, "\n".join(stale)
    with pytest.raises(StaleMutant, match="occurs 0 times"):
        planted("wire a;", "wire b;", "wire c;", "probe")
