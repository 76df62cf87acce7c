"""Captured streams as scenarios (tb/stimulus/workloads/capture_scenario.py, doc/workloads.md
"The scenario converter"): the committed QEMU VT-d logs of a Linux guest become
``vtd-scenario/1`` files that replay the guest's register writes, queued descriptors, IRTEs,
DMA and interrupts, with QEMU's results as expectations. QEMU's VT-d model is an independent
implementation: the golden model meeting every expectation of both whole captures is the
cross-check; a prefix runs on the RTL (Verilator and Icarus) with every expectation holding
and the RTL equal to the model. The captures are fixed data: nothing here is random."""

from __future__ import annotations

import copy
import json
import lzma
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from rtl_runner import require, sim_params

from python_model.scenario import check_expects, compare, parse_document, run_model
from tb.flows.scenario.cli import main as scenario_main
from tb.stimulus.workloads.capture_scenario import Converted, convert_log, main
from tb.stimulus.workloads.captured import CAPTURE_DIR, CAPTURES
from tb.stimulus.workloads.qemu_vtd_log import QemuLogError

# Prefixes for the RTL: they include QI and IR enabling, IEC, IOTLB (global and
# page-selective or domain) and wait descriptors, device and IOAPIC interrupts.
PREFIX = {"strict": 200, "lazy": 100}


@cache
def _raw(name: str) -> tuple[str, ...]:
    with lzma.open(CAPTURE_DIR / CAPTURES[name], "rt") as f:
        return tuple(f.read().splitlines())


@cache
def _converted(name: str, max_dma: int | None = None) -> Converted:
    return convert_log(list(_raw(name)), CAPTURES[name], max_dma)


def _int(v: object) -> int:
    return int(str(v), 0)


def _queue(scn: dict) -> tuple[int, int]:
    """[start, end) of the queue from the guest's IQA write."""
    iqa = next(_int(s["value"]) for s in scn["steps"]
               if s["op"] == "reg_write" and s.get("reg") == "IQA")
    return iqa & ~0xFFF, (iqa & ~0xFFF) + (16 << (8 + (iqa & 7)))


def _descriptors(scn: dict) -> list[tuple[int, int]]:
    """Every (qword0, qword1) the scenario writes into the queue, in order."""
    start, end = _queue(scn)
    out = []
    for s in scn["steps"]:
        if s["op"] == "mem_write" and start <= _int(s["addr"]) < end:
            q = [_int(x) for x in s["qwords"]]
            out += list(zip(q[::2], q[1::2], strict=True))
    return out


def _features(scn: dict) -> Counter:
    """What a scenario exercises, read from its steps."""
    f: Counter = Counter()
    for s in scn["steps"]:
        if s["op"] == "reg_write" and s.get("reg") == "GCMD":
            v = _int(s["value"])
            f["QIE"] += bool(v >> 26 & 1)
            f["IRE"] += bool(v >> 25 & 1)
            f["TE"] += bool(v >> 31 & 1)
        elif s["op"] == "poll" and "addr" in s:
            f["wait_poll"] += 1
        elif s["op"] in ("dma", "msi"):
            f[s["op"]] += 1
            if s["op"] == "msi" and _int(s["addr"]) >> 4 & 1:
                # remappable: a device's MSI-X (SHV=1) or an IOAPIC entry (SHV=0)
                f["msi_subhandle" if _int(s["addr"]) >> 3 & 1 else "msi_ioapic"] += 1
    for qw0, _ in _descriptors(scn):
        f[f"desc_{qw0 & 0xF:x}h"] += 1
        if qw0 & 0xF == 2 and qw0 >> 4 & 3 in (2, 3):
            f["iotlb_selective"] += 1
        if qw0 & 0xF == 5 and qw0 >> 5 & 1:
            f["wait_sw"] += 1
    return f


def _assert_complete(name: str, f: Counter) -> None:
    for what in ("QIE", "IRE", "TE", "desc_4h", "desc_2h", "iotlb_selective", "desc_5h",
                 "wait_sw", "wait_poll", "msi", "msi_subhandle", "msi_ioapic", "dma"):
        assert f[what] >= 1, f"{name} prefix lacks {what}: {dict(f)}"


# --------------------------------------------------------------------------- the model


@pytest.mark.parametrize("name", sorted(CAPTURES))
def test_whole_capture_agrees_with_qemu_on_the_model(name):
    """Every DMA translation and every interrupt of the capture: the golden model gives
    QEMU's result, and the counts are the raw log's."""
    conv = _converted(name)
    scn = conv.scenario
    scenario = parse_document(copy.deepcopy(scn), name)
    run = run_model(scenario)
    assert not run.problems
    assert not run.expect_failures, "\n".join(str(f) for f in run.expect_failures[:10])
    raw = Counter(x.split(" ", 1)[0] for x in _raw(name))
    ops = Counter(s["op"] for s in scn["steps"])
    assert ops["dma"] == raw["vtd_dmar_translate"] > 10_000
    assert ops["msi"] == raw["vtd_ir_remap_msi_req"] > 600
    assert scenario.expect_count == ops["dma"] + ops["msi"]
    assert ops["reg_write"] == raw["vtd_reg_write"]
    assert ops["reg_read"] == raw["vtd_reg_read"]
    # every descriptor QEMU fetched is written into the queue; every SW wait is polled
    descs = _descriptors(scn)
    assert len(descs) == raw["vtd_inv_desc"]
    assert Counter(qw0 & 0xF for qw0, _ in descs)[5] == raw["vtd_inv_desc_wait_sw"]
    assert sum(s["op"] == "poll" and "addr" in s for s in scn["steps"]) == \
        raw["vtd_inv_desc_wait_sw"]
    assert sum(s["op"] == "poll" and s.get("reg") == "GSTS" for s in scn["steps"]) == \
        raw["vtd_reg_write_gcmd"]
    # the model read every interrupt through the IRTE QEMU read, and delivered it
    assert all(r.fields["status"] == "ok" for r in run.doc.results if r.op in ("dma", "msi"))
    assert not run.doc.fault_records
    # the rebuilt tables stay clear of the guest's queue, status dwords and IRT
    assert {r.what for r in conv.guest_ranges} >= {"the invalidation queue",
                                                    "the interrupt remapping table",
                                                    "a wait descriptor's status"}
    for start, end in conv.table_pages:
        for r in conv.guest_ranges:
            assert end <= r.start or r.end <= start, (hex(start), r)
    # the guest's RTADDR is replaced by the rebuilt root table; the other values are verbatim
    rt = [s for s in scn["steps"] if s["op"] == "reg_write" and s.get("reg") == "RTADDR"]
    assert len(rt) == 1 and "the rebuilt root table" in rt[0]["comment"]
    assert _int(rt[0]["value"]) == conv.table_pages[0][0]


def test_strict_and_lazy_differ_as_the_guest_invalidated():
    strict, lazy = (_features(_converted(n).scenario) for n in ("strict", "lazy"))
    assert strict["iotlb_selective"] > 1000 and lazy["iotlb_selective"] > 10
    assert strict["desc_4h"] == lazy["desc_4h"] == 33
    assert strict["msi_subhandle"] > 100 and lazy["msi_subhandle"] > 100


@pytest.mark.parametrize("name", sorted(CAPTURES))
def test_prefix_stays_consistent_and_has_every_kind_of_step(name):
    scn = _converted(name, PREFIX[name]).scenario
    f = _features(scn)
    assert f["dma"] == PREFIX[name]
    _assert_complete(name, f)
    run = run_model(parse_document(copy.deepcopy(scn), name))
    assert run.ok, [str(x) for x in run.expect_failures[:5]]


def test_an_altered_qemu_expectation_is_a_failure_naming_the_step(tmp_path, capsys):
    scn = copy.deepcopy(_converted("strict", PREFIX["strict"]).scenario)
    steps = scn["steps"]
    i_msi = next(i for i, s in enumerate(steps) if s["op"] == "msi" and _int(s["addr"]) >> 3 & 1)
    i_dma = max(i for i, s in enumerate(steps) if s["op"] == "dma")
    steps[i_msi]["expect"]["vector"] = hex(_int(steps[i_msi]["expect"]["vector"]) ^ 1)
    steps[i_dma]["expect"]["hpa"] = hex(_int(steps[i_dma]["expect"]["hpa"]) ^ 0x1000)
    failures = run_model(parse_document(copy.deepcopy(scn), "altered")).expect_failures
    assert [(f.step, f.op, f.field) for f in failures] == [(i_msi, "msi", "vector"),
                                                           (i_dma, "dma", "hpa")]
    path = tmp_path / "altered.json"
    path.write_text(json.dumps(scn))
    assert scenario_main(["run", str(path), "--sim", "model",
                          "--out", str(tmp_path / "r.json")]) == 1
    out = capsys.readouterr().out
    assert f"step {i_msi} (msi)" in out and f"step {i_dma} (dma)" in out


# --------------------------------------------------------------------------- small logs

QUEUE = [
    "vtd_reg_write addr 0x90 size 0x8 value 0x11b1000",
    "vtd_reg_write addr 0x18 size 0x4 value 0x4000000",
    "vtd_reg_write addr 0xb8 size 0x8 value 0x120000f",
    "vtd_reg_write addr 0x18 size 0x4 value 0x5000000",
    "vtd_reg_write addr 0x88 size 0x4 value 0x20",
    "vtd_inv_qi_tail write tail 2",
    "vtd_inv_qi_fetch ",
    "vtd_inv_qi_head read head 0",
    "vtd_inv_desc invalidate desc type iec high 0x0 low 0x4",
    "vtd_inv_desc_iec granularity 0x0 index 0x0 mask 0x0",
    "vtd_inv_qi_head read head 1",
    "vtd_inv_desc invalidate desc type wait high 0x11ba804 low 0x200000025",
    "vtd_inv_desc_wait_sw wait invalidate status write addr 0x11ba804 data 0x2",
    "vtd_reg_write addr 0x18 size 0x4 value 0x6000000",
    "vtd_ir_remap_msi_req addr 0xfee00258 data 0x0",
    "vtd_ir_irte_get index 18 low 0x40018 high 0x1000027000d",
    "vtd_ir_remap index 18 trigger 0 vector 39 deliver 0 dest 0x1 mode 1",
    "vtd_ir_remap_type MSI",
    "vtd_ir_remap_msi (addr 0xfee00258, data 0x0) -> (addr 0xfee0100c, data 0x4027)",
    "vtd_reg_write addr 0x20 size 0x8 value 0x26a3000",
    "vtd_reg_write addr 0x18 size 0x4 value 0x46000000",
    "vtd_reg_write addr 0x18 size 0x4 value 0x86000000",
    "vtd_dmar_enable enable 1",
    "vtd_iotlb_cc_update IOTLB context update bus 0x0 devfn 0x18 high 0x501 low 0x2000001 "
    "gen 0 -> gen 1",
    "vtd_iotlb_page_update IOTLB page update sid 0x18 iova 0xfffff010 slpte 0x5000003 "
    "domain 0x5",
    "vtd_dmar_translate dev 00:03.00 iova 0xfffff000 -> gpa 0x5000000 mask 0xfff",
    "vtd_reg_write addr 0x88 size 0x4 value 0x40",
    "vtd_inv_qi_head read head 2",
    "vtd_inv_desc invalidate desc type iotlb high 0xfffff000 low 0x500f2",
    "vtd_inv_desc_iotlb_pages iotlb invalidate domain 0x5 addr 0xfffff000 mask 0x0",
    "vtd_inv_qi_head read head 3",
    "vtd_inv_desc invalidate desc type wait high 0x11ba80c low 0x200000025",
    "vtd_inv_desc_wait_sw wait invalidate status write addr 0x11ba80c data 0x2",
    "vtd_iotlb_page_update IOTLB page update sid 0x18 iova 0xfffff020 slpte 0x6000001 "
    "domain 0x5",
    "vtd_dmar_translate dev 00:03.00 iova 0xfffff000 -> gpa 0x6000000 mask 0xfff",
]


def _ops(scn: dict) -> list[str]:
    return [f"{s['op']}:{s.get('reg', s.get('addr', ''))}" for s in scn["steps"]]


def test_a_small_log_replays_the_driver_in_order():
    conv = convert_log(list(QUEUE), "q.log")
    steps = conv.scenario["steps"]
    ops = _ops(conv.scenario)
    # the IRTE goes in before the IEC invalidation that precedes its first use; the queue
    # slots and the status dword before the IQT write; the poll after it
    i_irte = ops.index("mem_write:0x1200120")
    i_slots = ops.index("mem_write:0x11b1000")
    i_status = ops.index("mem_write:0x11ba800")
    i_iqt = next(i for i, s in enumerate(steps) if s.get("offset") == "0x88")
    assert i_irte < i_slots < i_status < i_iqt
    assert steps[i_iqt + 1] == {**steps[i_iqt + 1], "op": "poll", "addr": "0x11ba800",
                                "mask": "0xffffffff00000000", "value": "0x200000000"}
    assert [_int(q) for q in steps[i_irte]["qwords"]] == [0x1000027000D, 0x40018]
    assert steps[i_status]["qwords"] == ["0x100000000"]  # QI_IN_USE in the upper dword
    msi = next(s for s in steps if s["op"] == "msi")
    assert msi["sid"] == "0x18"  # SVT=01b: the IRTE's SID
    assert msi["expect"] == {"status": "ok", "vector": "0x27", "dest": "0x1",
                             "dest_mode": "0x1", "delivery_mode": "0x0",
                             "trigger_mode": "0x0", "redirection_hint": "0x1"}
    # the leaf of the first DMA is cleared before the submission of the page invalidation,
    # the new leaf written before the second DMA
    dmas = [i for i, s in enumerate(steps) if s["op"] == "dma"]
    i_iqt2 = max(i for i, s in enumerate(steps) if s.get("offset") == "0x88")
    clears = [i for i, s in enumerate(steps) if "clear the leaves" in s.get("comment", "")]
    maps = [i for i, s in enumerate(steps) if "before its first use" in s.get("comment", "")]
    assert dmas[0] < clears[0] < i_iqt2 < maps[-1] < dmas[1]
    assert [s["expect"]["hpa"] for s in (steps[i] for i in dmas)] == ["0x5000010", "0x6000020"]
    assert [s["write"] for s in (steps[i] for i in dmas)] == [True, False]
    assert run_model(parse_document(copy.deepcopy(conv.scenario), "q")).ok


def test_a_changed_irte_goes_in_before_the_iec_invalidation_covering_it():
    lines = QUEUE + [
        "vtd_reg_write addr 0x88 size 0x4 value 0x60",
        "vtd_inv_qi_head read head 4",
        "vtd_inv_desc invalidate desc type iec high 0x0 low 0x1200000014",
        "vtd_inv_desc_iec granularity 0x1 index 0x12 mask 0x0",
        "vtd_inv_qi_head read head 5",
        "vtd_inv_desc invalidate desc type wait high 0x11ba814 low 0x200000025",
        "vtd_inv_desc_wait_sw wait invalidate status write addr 0x11ba814 data 0x2",
        "vtd_ir_remap_msi_req addr 0xfee00258 data 0x0",
        "vtd_ir_irte_get index 18 low 0x40018 high 0x2000028000d",
        "vtd_ir_remap_msi (addr 0xfee00258, data 0x0) -> (addr 0xfee0200c, data 0x4028)",
    ]
    scn = convert_log(lines, "q.log").scenario
    ops = _ops(scn)
    irte = [i for i, o in enumerate(ops) if o == "mem_write:0x1200120"]
    slots45 = ops.index("mem_write:0x11b1040")
    assert len(irte) == 2 and irte[1] < slots45
    assert run_model(parse_document(copy.deepcopy(scn), "q")).ok
    # without the IEC invalidation between, the change is refused naming the line
    bad = lines[:35] + lines[-3:]
    with pytest.raises(QemuLogError, match=r"q\.log:36: IRTE 18 changes"):
        convert_log(bad, "q.log")


def test_rebuilt_tables_keep_clear_of_the_guests_structures():
    """A guest queue where the table allocator would start: the tables go around it."""
    lines = list(QUEUE)
    lines[0] = "vtd_reg_write addr 0x90 size 0x8 value 0x10000000"
    conv = convert_log(lines, "q.log")
    queue = next(r for r in conv.guest_ranges if r.what == "the invalidation queue")
    assert (queue.start, queue.end) == (0x1000_0000, 0x1000_1000)
    assert conv.table_pages and all(end <= queue.start or queue.end <= start
                                    for start, end in conv.table_pages)
    assert run_model(parse_document(copy.deepcopy(conv.scenario), "q")).ok


@pytest.mark.parametrize("line_no, text, words", [
    (3, "garbage here", ["x.log:3", "not a QEMU vtd_* trace event"]),
    (5, "vtd_reg_write addr 0x28 size 0x8 value 0xa000000000000000",
     ["x.log:5", "CCMD", "register-based invalidation"]),
    (5, "vtd_reg_write addr 0x88 size 0x4 value zz", ["x.log:5", "cannot parse"]),
    (9, "vtd_inv_desc invalidate desc type iotlb high 0x0 low 0x4",
     ["x.log:9", "type 'iotlb'", "type 0x4"]),
    (16, "vtd_ir_irte_get index 18 low 0xc0018 high 0x1000027000d",
     ["x.log:15", "IRTE 18", "SVT=11b"]),
    (19, "vtd_ir_remap_type MSI", ["x.log:15", "without a vtd_ir_remap_msi result"]),
    (1, "vtd_reg_write addr 0x90 size 0x8 value 0x11b1800",
     ["x.log:1", "DW=0", "IQA"]),
    (22, "vtd_reg_write addr 0x18 size 0x4 value 0x88000000", ["x.log:22", "GCMD.WBF"]),
    (20, "vtd_reg_write addr 0xb8 size 0x8 value 0x130000f",
     ["x.log:20", "IRTA written again", "line 3"]),
    (1, "vtd_reg_write addr 0x90 size 0x8 value 0x1000000000000",
     ["x.log:1", "the invalidation queue", "outside the unit's memory"]),
])
def test_bad_or_unsupported_lines_exit_2_naming_the_line(tmp_path, capsys, line_no, text,
                                                         words):
    lines = list(QUEUE)
    lines[line_no - 1] = text
    log = tmp_path / "x.log"
    log.write_text("\n".join(lines) + "\n")
    assert main([str(log), "--out", str(tmp_path / "x.json")]) == 2
    err = capsys.readouterr().err
    for w in words:
        assert w in err, err
    assert "Traceback" not in err and not (tmp_path / "x.json").exists()


def test_cli_writes_a_valid_scenario(tmp_path, capsys):
    out = tmp_path / "s.json"
    assert main([str(CAPTURE_DIR / CAPTURES["strict"]), "--out", str(out),
                 "--max-dma", "50"]) == 0
    assert "dma=50" in capsys.readouterr().out
    assert parse_document(json.loads(out.read_text()), "s").expect_count > 50
    assert main([str(CAPTURE_DIR / CAPTURES["strict"]), "--out", str(out),
                 "--max-dma", "0"]) == 2
    assert main([str(tmp_path / "missing.log"), "--out", str(out)]) == 2
    assert "cannot read" in capsys.readouterr().err


# --------------------------------------------------------------------------- the RTL


@pytest.mark.sim
@sim_params()
def test_prefixes_run_on_the_rtl_equal_to_the_model_and_qemu(sim):
    """A prefix of each capture on the RTL: every QEMU expectation holds and the RTL's
    results (interrupts, translations, register reads, status writes) equal the model's."""
    from tb.flows.scenario.rtl import run_many

    require(sim)
    for n in sorted(PREFIX):
        _assert_complete(n, _features(_converted(n, PREFIX[n]).scenario))
    scenarios = [parse_document(copy.deepcopy(_converted(n, PREFIX[n]).scenario), n)
                 for n in sorted(PREFIX)]
    outcomes = run_many(scenarios, sim)
    for o in outcomes:
        name = o.scenario.name
        assert o.skipped is None and o.error is None, (name, o.skipped, o.error)
        r = o.results
        assert r is not None
        failures = [str(f) for f in check_expects(o.scenario, r)]
        failures += [f"mismatch: {d}" for d in compare(r.model_doc, r, ("model", sim))]
        failures += r.problems
        assert not failures, f"{name} on {sim}:\n" + "\n".join(failures[:10])
        assert len(r.results) == len(o.scenario.steps)
        print(f"PASS {name} on {sim}: {len(o.scenario.steps)} steps, "
              f"{o.scenario.expect_count} QEMU expectations")


def test_documented():
    root = Path(__file__).resolve().parent.parent
    text = (root / "doc" / "workloads.md").read_text()
    assert "### The scenario converter" in text and "capture_scenario" in text
    assert "capture_scenario" in (root / "README.md").read_text()


@pytest.mark.parametrize(("qw1", "sid"), [
    (0x4_0010, 0x0010),  # SVT=01b: the IRTE's SID
    (0x8_0305, 0x0300),  # SVT=10b: the first bus (SID bits 15:8, decision P7), device 0
    (0x0_1234, 0x0000),  # SVT=00b: no check, any SID
])
def test_interrupt_source_id_comes_from_the_irte(qw1, sid):
    from tb.stimulus.workloads.capture_scenario import _msi_sid
    from tb.stimulus.workloads.qemu_vtd_log import Interrupt

    intr = Interrupt(line=1, addr=0xFEE00010, data=0, out_addr=0xFEE00000, out_data=0x30,
                     irte=(0, 0x1, qw1))
    assert _msi_sid(intr, "log:1") == sid
    with pytest.raises(QemuLogError, match="SVT=11b"):
        _msi_sid(Interrupt(1, 0xFEE00010, 0, 0xFEE00000, 0x30, (0, 0x1, 0xC_0000)), "log:1")
