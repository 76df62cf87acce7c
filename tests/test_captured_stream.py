"""Captured streams (tb/stimulus/workloads/captured.py, doc/workloads.md "Captured streams"):
the committed QEMU VT-d logs of a Linux guest convert into replay traces whose every request
translates, on the golden model, to the address QEMU's own VT-d model gave it (QEMU is an
independent implementation: this is the cross-check); the converted streams replay on the
RTL with every response matching; counts agree with the raw log; a log the converter cannot
use is refused naming the line (exit status 2 from the command line). The captures are fixed
data: nothing here is random."""

from __future__ import annotations

import lzma
from collections import Counter
from pathlib import Path

import pytest

from tb.flows.params import preset
from tb.flows.replay.check import expected_outcomes
from tb.flows.replay.trace import MemWrite, RegOp, read_trace, write_trace
from tb.stimulus.workloads import generate
from tb.stimulus.workloads.captured import (
    CAPTURE_DIR,
    CAPTURES,
    CapturedKnobs,
    build,
    convert,
    load,
)
from tb.stimulus.workloads.convert_capture import main
from tb.stimulus.workloads.qemu_vtd_log import QemuLogError

NET, BLK = 0x0010, 0x0018  # virtio-net 00:02.0, virtio-blk 00:03.0


def _raw(name: str) -> list[str]:
    with lzma.open(CAPTURE_DIR / CAPTURES[name], "rt") as f:
        return f.read().splitlines()


def _after_enable(lines: list[str]) -> list[str]:
    start = next(i for i, x in enumerate(lines) if x.startswith("vtd_dmar_enable enable 1"))
    return lines[start:]


@pytest.fixture(scope="module", params=sorted(CAPTURES))
def capture(request):
    return request.param, load(request.param)


def test_counts_agree_with_the_raw_log(capture):
    name, cap = capture
    lines = _raw(name)
    events = Counter(x.split(" ", 1)[0] for x in _after_enable(lines))
    stats = cap.stats()
    # one translation per IOTLB hit or fill line, as many as QEMU's vtd_dmar_translate lines
    # after translation was switched on
    assert stats["translations"] == events["vtd_iotlb_page_hit"] + events["vtd_iotlb_page_update"]
    assert stats["translations"] == events["vtd_dmar_translate"] > 10_000
    assert stats["qemu_iotlb_hits"] == events["vtd_iotlb_page_hit"]
    assert stats.get("inv_iotlb_page", 0) == events["vtd_inv_desc_iotlb_pages"]
    assert stats.get("inv_iotlb_domain", 0) == events["vtd_inv_desc_iotlb_domain"]
    assert set(cap.contexts) == {NET, BLK}
    assert {c.did for c in cap.contexts.values()} == {4, 5}
    assert {c.aw for c in cap.contexts.values()} == {39}
    assert Counter(t.sid for t in cap.translations).keys() == {NET, BLK}
    # strict mode invalidates page by page, lazy mode domain by domain
    if name == "strict":
        assert stats["inv_iotlb_page"] > 1000 and "inv_iotlb_domain" not in stats
    else:
        assert stats["inv_iotlb_domain"] > 10 and "inv_iotlb_page" not in stats
    # every page the guest used is mapped before its first use, and unmaps follow invalidations
    assert stats["maps"] >= stats["pages"] and stats["unmaps"] <= stats["maps"]


@pytest.mark.parametrize("rw_as", ["write", "read"])
def test_every_request_translates_on_the_model_to_qemus_address(capture, rw_as):
    """The real cross-check: the model, on the rebuilt tables with the operations between
    requests, gives each request exactly the output address QEMU's VT-d model recorded."""
    name, cap = capture
    built = build(cap, len(cap.translations), 0, CapturedKnobs(name, rw_as=rw_as))
    trace = built.trace
    assert len(trace.requests) == len(cap.translations) == len(built.outputs)
    outcomes = expected_outcomes(trace, preset("default"), spot_every=1)
    for i, ((fault, value), r, qemu) in enumerate(zip(outcomes, trace.requests, built.outputs,
                                                      strict=True)):
        assert not fault, f"{name}: request #{i} (log line {built.lines[i]}) faults: {value:#x}"
        assert value | (r.addr & 0xFFF) == qemu, (
            f"{name}: request #{i} (log line {built.lines[i]}) {r}: model {value:#x}, QEMU "
            f"{qemu:#x}")
    # directions: read-only leaves are reads, read-write ones follow rw_as
    writes = sum(r.write for r in trace.requests)
    rw = sum(t.read and t.write for t in cap.translations)
    assert writes == (rw if rw_as == "write" else 0)
    assert 0 < rw < len(cap.translations)


def test_a_wrong_table_is_caught_by_the_cross_check():
    """The cross-check can fail: one leaf written with another output page is reported."""
    cap = load("strict")
    built = build(cap, 3000, 0, CapturedKnobs())
    trace = built.trace
    # the last table entry with R or W set that the second group writes: point it elsewhere
    i = trace.barriers()[1]
    ops = trace.ops[i]
    k = max(j for j, op in enumerate(ops) if isinstance(op, MemWrite) and op.value & 3)
    ops[k] = MemWrite(ops[k].addr, ops[k].value ^ 0x1000)
    outcomes = expected_outcomes(trace, preset("default"))
    bad = [j for j, ((f, v), r) in enumerate(zip(outcomes, trace.requests, strict=True))
           if f or v | (r.addr & 0xFFF) != built.outputs[j]]
    assert bad and bad[0] >= i


def test_operations_unmap_then_invalidate_then_map(capture):
    name, cap = capture
    trace = build(cap, len(cap.translations), 0, CapturedKnobs(name)).trace
    regs = Counter(op.reg for ops in trace.ops.values() for op in ops
                   if isinstance(op, RegOp) and op.op == "write")
    if name == "strict":
        assert regs["IVA"] == regs["IOTLB"] == cap.stats()["inv_iotlb_page"]
    else:
        assert regs["IOTLB"] == cap.stats()["inv_iotlb_domain"] and not regs["IVA"]
    for i, ops in trace.ops.items():
        kinds = ["reg" if isinstance(op, RegOp) else
                 "map" if op.value else "clear" for op in ops]
        if "reg" in kinds:  # clears, then invalidations, then maps
            first, last = kinds.index("reg"), len(kinds) - kinds[::-1].index("reg") - 1
            assert "map" not in kinds[:first] and "clear" not in kinds[last:], i


def test_family_loop_and_round_trip(tmp_path):
    cap = load("strict")
    n = 2 * len(cap.translations) + 500
    short = generate("captured", n, 1)
    assert len(short.requests) == len(cap.translations)
    looped = build(cap, n, 1, CapturedKnobs(loop=True))
    assert len(looped.trace.requests) == n
    outcomes = expected_outcomes(looped.trace, preset("default"))
    for i, ((fault, value), r) in enumerate(zip(outcomes, looped.trace.requests, strict=True)):
        assert not fault and value | (r.addr & 0xFFF) == looped.outputs[i], i
    assert looped.trace.header["profile"] == "captured"
    path = tmp_path / "c.trace"
    write_trace(looped.trace, path)
    back = read_trace(path)
    assert back.requests == looped.trace.requests and back.ops == looped.trace.ops
    assert all((r.addr & 0xFFF) + r.size <= 4096 for r in back.requests)


def test_file_knob_keeps_the_path_as_written(tmp_path):
    """A log path is used as written (capitals included); committed names match in any case."""
    (tmp_path / "Captures").mkdir()
    log = tmp_path / "Captures" / "Mine.log"
    log.write_text("\n".join(GOOD) + "\n")
    trace = generate("captured", 10, 1, {"file": str(log)})
    assert len(trace.requests) == 2
    assert len(generate("captured", 5, 1, {"file": "STRICT"}).requests) == 5


GOOD = [
    "vtd_dmar_enable enable 1",
    "vtd_iotlb_cc_update IOTLB context update bus 0x0 devfn 0x10 high 0x401 low 0x2000001 "
    "gen 0 -> gen 1",
    "vtd_iotlb_page_update IOTLB page update sid 0x10 iova 0xfffff010 slpte 0x5000003 domain 0x4",
    "vtd_dmar_translate dev 00:02.00 iova 0xfffff000 -> gpa 0x5000000 mask 0xfff",
    "vtd_inv_desc_iotlb_pages iotlb invalidate domain 0x4 addr 0xfffff000 mask 0x0",
    "vtd_iotlb_page_update IOTLB page update sid 0x10 iova 0xfffff020 slpte 0x6000001 domain 0x4",
    "vtd_dmar_translate dev 00:02.00 iova 0xfffff000 -> gpa 0x6000000 mask 0xfff",
]


def test_a_small_log_converts():
    cap = convert(GOOD, "good")
    built = build(cap, 2, 0, CapturedKnobs())
    assert [r.write for r in built.trace.requests] == [True, False]
    assert built.outputs == [0x5000010, 0x6000020]
    outcomes = expected_outcomes(built.trace, preset("default"))
    assert [v for _, v in outcomes] == [0x5000000, 0x6000000]


@pytest.mark.parametrize("line_no, text, words", [
    (3, "garbage here", ["good:3", "not a QEMU vtd_* trace event"]),
    (3, "vtd_iotlb_page_update IOTLB page update sid 0x10 iova zz slpte 0x1 domain 0x4",
     ["good:3", "vtd_iotlb_page_update", "cannot parse"]),
    (4, "vtd_dmar_translate dev 00:02.00 iova 0xfffff000 -> gpa 0x7000000 mask 0xfff",
     ["good:4", "differs from the leaf entry"]),
    (5, "vtd_brand_new_event x 1", ["good:5", "unknown QEMU trace event"]),
    (5, "vtd_dmar_fault sid 0x10 fault 5 addr 0x1000 write 1", ["good:5", "fault"]),
    # the translation changes without the invalidation between
    (5, "vtd_reg_read addr 0x0 size 0x8", ["good:7", "no invalidation between", "line 4"]),
])
def test_bad_logs_name_the_line(line_no, text, words):
    lines = list(GOOD)
    lines[line_no - 1] = text
    with pytest.raises(QemuLogError) as e:
        convert(lines, "good")
    for w in words:
        assert w in str(e.value)


def test_cli_converts_and_exits_2_naming_the_line(tmp_path, capsys):
    log = tmp_path / "x.log"
    log.write_text("\n".join(GOOD) + "\n")
    out = tmp_path / "x.trace"
    assert main([str(log), "--out", str(out)]) == 0
    assert "translations=2" in capsys.readouterr().out
    assert len(read_trace(out).requests) == 2
    log.write_text("\n".join(GOOD[:3] + ["vtd_dmar_translate dev 0"] + GOOD[4:]) + "\n")
    assert main([str(log), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "x.log:4" in err and "Traceback" not in err
    assert main([str(tmp_path / "missing.log"), "--out", str(out)]) == 2
    assert "cannot read" in capsys.readouterr().err
    log.write_text("\n".join(GOOD) + "\n")
    assert main([str(log), "--out", str(out), "--params", "nope"]) == 2
    assert "nope" in capsys.readouterr().err


@pytest.mark.sim
@pytest.mark.parametrize("name", sorted(CAPTURES))
def test_captured_stream_replays_on_the_rtl(name, tmp_path, capsys):
    """The whole capture through the Verilog player on Verilator: every response, the
    counters and the fault state match the model."""
    from tb.flows.replay.cli import main as replay_main

    cap = load(name)
    trace = tmp_path / f"{name}.trace"
    write_trace(build(cap, len(cap.translations), 0, CapturedKnobs(name)).trace, trace)
    rc = replay_main(["run", str(trace), "--out", str(tmp_path / f"{name}.rsp"),
                      "--no-reference"])
    text = capsys.readouterr().out
    assert rc == 0, text
    assert f"PASS: {len(cap.translations)} checked, 0 faults" in text
    print(text)


def test_committed_captures_are_small_and_described():
    readme = (CAPTURE_DIR / "README.md").read_text()
    for f in CAPTURES.values():
        assert (CAPTURE_DIR / f).stat().st_size < 1_000_000
        assert f"`{f}`" in readme
    assert "QEMU emulator version 7.2" in readme and "6.1.0" in readme
    assert Path(CAPTURE_DIR.parents[3] / "tools" / "qemu_capture" / "capture.sh").is_file()


def test_family_documented_with_its_knobs():
    text = (Path(__file__).resolve().parent.parent / "doc" / "workloads.md").read_text()
    assert "## `captured`" in text and "tools/qemu_capture/capture.sh" in text
    for f in CapturedKnobs.__dataclass_fields__:
        assert f"`{f}`" in text, f"doc/workloads.md lacks knob captured.{f}"
