"""Unit tests of the coverage flow (tb/flows/coverage.py: merging Verilator coverage files,
waivers, figures and reports) and of the functional coverage crosses (tb/env/coverage.py).
The full ``make coverage`` run is not part of the suite (minutes of simulation)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from python_model.cachestate import CachedContext, CachedTranslation
from tb.env.coverage import CROSSES, EXPECTED, Coverage, pressure
from tb.flows import coverage as flow

ROOT = Path(__file__).resolve().parents[1]


def record(file: str, line: int, kind: str, comment: str, hier: str, count: int,
           col: int = 1) -> str:
    pairs = {"f": file, "l": str(line), "n": str(col), "t": kind,
             "page": f"v_{kind}/x", "o": comment, "h": hier}
    return "C '" + "".join(f"\x01{k}\x02{v}" for k, v in pairs.items())[1:] + f"' {count}"


def dat(*records: str) -> str:
    return "# SystemC::Coverage-3\n" + "\n".join(records) + "\n"


RTL_FILE = str(ROOT / "rtl" / "vtd_fifo.v")


def test_merge_sums_runs_and_folds_instances() -> None:
    a = dat(record(RTL_FILE, 10, "line", "block", "top.u0", 3),
            record(RTL_FILE, 10, "line", "block", "top.u1", 0),
            record(RTL_FILE, 12, "branch", "if", "top.u0", 0),
            record(RTL_FILE, 12, "branch", "else", "top.u0", 0),
            record("/usr/share/verilator/include/x.v", 5, "line", "block", "top", 0))
    b = dat(record(RTL_FILE, 12, "branch", "if", "top.u0", 2),
            record(RTL_FILE, 14, "toggle", "data[0]:0->1", "top.u0", 0))
    merged = flow.merge_dats([a, b])
    assert len(merged) == 6  # distinct (per-instance) points of both files
    text = flow.write_dat(merged)
    assert flow.parse_dat(text) == merged  # the merged file reads back the same
    points = flow.aggregate(merged)
    # instances folded; files outside rtl/ dropped
    assert points == {("rtl/vtd_fifo.v", "line", 10, 1, "block"): 3,
                      ("rtl/vtd_fifo.v", "branch", 12, 1, "if"): 2,
                      ("rtl/vtd_fifo.v", "branch", 12, 1, "else"): 0,
                      ("rtl/vtd_fifo.v", "toggle", 14, 1, "data[0]:0->1"): 0}
    cc = flow.code_coverage(points, [])
    f = cc.files["rtl/vtd_fifo.v"]
    assert (f.hit, f.total) == ({"line": 1, "branch": 1, "toggle": 0},
                                {"line": 1, "branch": 2, "toggle": 1})
    assert f.pct("branch") == 50.0 and f.pct("line") == 100.0 and f.pct("toggle") == 0.0
    assert [k[4] for k in f.holes] == ["else", "data[0]:0->1"]


def test_waivers_leave_the_denominator_and_are_checked() -> None:
    waivers = flow.parse_waivers(
        "# comment\n"
        "vtd_fifo.v:12 branch:else the else arm is unreachable: reason here\n"
        "vtd_fifo.v:12 line the whole line is unreachable: reason\n"
        "rtl/vtd_fifo.v:90-95 * a stale waiver\n")
    assert waivers[0].file == "rtl/vtd_fifo.v" and waivers[2].last == 95
    assert waivers[0].comment == "else" and waivers[1].comment == ""
    points = {("rtl/vtd_fifo.v", "branch", 12, 1, "if"): 2,
              ("rtl/vtd_fifo.v", "branch", 12, 1, "else"): 0,
              ("rtl/vtd_fifo.v", "line", 12, 1, "block"): 7,
              ("rtl/vtd_fifo.v", "toggle", 12, 1, "x:0->1"): 0}
    cc = flow.code_coverage(points, waivers)
    f = cc.files["rtl/vtd_fifo.v"]
    assert f.total["branch"] == 1 and f.hit["branch"] == 1 and f.waived["branch"] == 1
    assert f.total["line"] == 0 and f.total["toggle"] == 1  # each waiver names its type
    assert cc.waived_hit == [("rtl/vtd_fifo.v", "line", 12, 1, "block")]
    assert [w.first for w in cc.unused_waivers] == [90]
    report = flow.text_report(cc, flow.summary(cc, Coverage().counts(), {}), "")
    assert "waivers matching no point" in report and "a stale waiver" in report
    assert "waived points that were covered" in report


@pytest.mark.parametrize("line, problem", [
    ("vtd_fifo.v:12 branch", "expected"),          # no reason
    ("vtd_fifo.v:12 lines why", "expected"),       # unknown type
    ("vtd_fifo.v:20-12 line why", "reversed"),
])
def test_bad_waiver_lines_are_named(line: str, problem: str) -> None:
    with pytest.raises(flow.WaiverError, match=rf"waivers.txt:2: .*{problem}"):
        flow.parse_waivers("# ok\n" + line + "\n", "waivers.txt")


def test_summary_and_reports(tmp_path: Path) -> None:
    points = {("rtl/vtd_fifo.v", "line", 3, 1, "block"): 1,
              ("rtl/vtd_fifo.v", "line", 4, 1, "block"): 0,
              ("rtl/vtd_fifo.v", "toggle", 2, 1, "x:0->1"): 5}
    cc = flow.code_coverage(points, [])
    cov = Coverage()
    cov.hit("page_size", "4K")
    cov.hit("levels x page size", "4/4K")
    counts = cov.counts()
    s = flow.summary(cc, counts, {"seed": 7})
    for key in ("line_pct", "branch_pct", "toggle_pct", "coverpoints_hit", "coverpoints",
                "crosses_hit", "crosses"):
        assert key in s
    assert s["line_pct"] == 50.0 and s["toggle_pct"] == 100.0 and s["branch_pct"] == 100.0
    assert s["coverpoints_hit"] == 1 and s["crosses_hit"] == 1
    assert s["coverpoints"] == sum(len(v) for v in EXPECTED.values())
    assert s["crosses"] == sum(len(v) for v in CROSSES.values())
    assert s["goals"] == {"every coverpoint hit": False, "crosses >= 75%": False,
                          "line >= 90%": False}
    flow.write_reports(cc, s, cov.report(crosses=True), tmp_path)
    assert json.loads((tmp_path / "summary.json").read_text())["line_pct"] == 50.0
    page = (tmp_path / "vtd_fifo_v.html").read_text()
    assert page.count("class='miss'") == 1  # line 4 never ran
    assert "vtd_fifo_v.html" in (tmp_path / "index.html").read_text()
    assert "rtl/vtd_fifo.v:4 line block" in (tmp_path / "report.txt").read_text()


def test_cli_rejects_an_unknown_run() -> None:
    r = subprocess.run([sys.executable, "-m", "tb.flows.coverage", "--only", "no-such-run"],
                       cwd=ROOT, capture_output=True, text=True, check=False)
    assert r.returncode == 2 and "no-such-run" in r.stderr and "Traceback" not in r.stderr


def test_waiver_file_beside_the_rtl_parses_and_gives_reasons() -> None:
    waivers = flow.parse_waivers(flow.WAIVERS.read_text())
    for w in waivers:
        assert (ROOT / w.file).exists(), w.text
        assert len(w.reason.split()) >= 4, f"give a reason: {w.text}"


# --------------------------------------------------------------------------- crosses


def _dma(write: bool, size: int) -> SimpleNamespace:
    return SimpleNamespace(write=write, size=size, addr=0x1000, sid=0x10)


def _cand(fault: int | None = None, fills: list | None = None) -> SimpleNamespace:
    f = None if fault is None else SimpleNamespace(reason=fault, suppressed=False)
    return SimpleNamespace(outcome=SimpleNamespace(fault=f), fills=fills or [])


def test_cross_bins_are_legal_and_distinct() -> None:
    for name, bins in CROSSES.items():
        assert len(bins) == len(set(bins)), name
    fr = CROSSES["fault x request"]
    assert "0x05/write/small" in fr and "0x05/read/small" not in fr
    assert "0x06/read/large" in fr and "0x06/write/large" not in fr
    assert "hit/LRU/empty" not in CROSSES["iotlb x policy x pressure"]
    assert len(CROSSES["levels x page size"]) == 9
    assert pressure(0, 4) == "empty" and pressure(2, 4) == "partial" and pressure(4, 4) == "full"
    assert pressure(1, 1) == "full"


def test_dma_samples_fault_and_level_crosses() -> None:
    cov = Coverage()
    c = _cand(0x05)
    cov.sample_dma(_dma(True, 64), None, c, c)
    ctx = CachedContext(sid=0x10, did=3, tt=0, aw=2, slptptr=0, fpd=False)
    leaf = CachedTranslation(did=3, sid=0x10, iova_base=0, size=1 << 21, frame=0, read=True,
                             write=True)
    ok = _cand(None, [ctx, leaf])
    cov.sample_dma(_dma(False, 4), SimpleNamespace(addr=0), ok, ok)
    assert cov.bins["fault x request"] == {"0x05/write/large": 1}
    assert cov.bins["levels x page size"] == {"4/2M": 1}
    assert cov.counts()["crosses_hit"] == 2


def test_invalidation_cache_state_follows_fills() -> None:
    cov = Coverage()
    cov.sample_invalidation(("iotlb", 1, 0, 0, 0), "iotlb-global")
    ctx = CachedContext(sid=0x10, did=3, tt=0, aw=2, slptptr=0, fpd=False)
    leaf = CachedTranslation(did=3, sid=0x10, iova_base=0, size=4096, frame=0, read=True,
                             write=True)
    ok = _cand(None, [ctx, leaf])
    cov.sample_dma(_dma(False, 8), SimpleNamespace(addr=0), ok, ok)
    cov.sample_invalidation(("iotlb", 2, 4, 0, 0), "iotlb-domain")  # another domain
    cov.sample_invalidation(("iotlb", 2, 3, 0, 0), "iotlb-domain")  # its domain
    cov.sample_invalidation(("iotlb", 3, 3, 0x1000, 0), "iotlb-page")  # dropped already
    cov.sample_invalidation(("context", 3, 0, 0x10, 0), "context-device")
    cov.sample_invalidation(("context", 1, 0, 0, 0), "context-global")  # nothing left
    got = cov.bins["invalidation x cache state"]
    assert got == {"iotlb-global/nothing cached": 1, "iotlb-domain/nothing cached": 1,
                   "iotlb-domain/cached": 1, "iotlb-page/nothing cached": 1,
                   "context-device/cached": 1, "context-global/nothing cached": 1}
    assert cov.bins["invalidation"]["iotlb-domain"] == 2


def test_interrupt_and_queue_and_iotlb_crosses() -> None:
    cov = Coverage()
    remappable = SimpleNamespace(addr=0xFEE0_0010)
    cov.sample_msi(remappable, SimpleNamespace(fault=False, dest=0x100), True, True, False)
    cov.sample_msi(remappable, SimpleNamespace(fault=True, reason=0x25), True, False, False)
    cov.sample_msi(SimpleNamespace(addr=0xFEE0_0000), SimpleNamespace(fault=False, dest=1),
                   False, False, False)
    assert cov.bins["interrupt path"] == {"remapped/IRES=1/EIME=1/CFI=*": 1,
                                          "0x25/IRES=1/EIME=*/CFI=0": 1,
                                          "compatibility/IRES=0/EIME=*/CFI=*": 1}
    assert set(cov.bins["interrupt path"]) <= set(CROSSES["interrupt path"])
    cov.sample_queue_tail(True, False)
    cov.sample_queue_tail(False, True)
    assert cov.bins["queue tail x occupancy x wrap"] == {"empty/linear": 1, "non-empty/wrap": 1}
    assert cov.bins["queue"] == {"tail write": 2, "wrap-around": 1}
    cov.sample_iotlb(False, "FIFO", 3, 3)
    assert cov.bins["iotlb x policy x pressure"] == {"miss/FIFO/full": 1}


def test_crosses_merge_over_runs_and_report_holes() -> None:
    a, b = Coverage(), Coverage()
    a.sample_iotlb(True, "LRU", 1, 2)
    b.sample_iotlb(True, "LRU", 2, 2)
    b.sample_iotlb(True, "LRU", 2, 2)
    total = Coverage()
    for part in (a, b):
        total.merge(json.loads(json.dumps(part.as_dict())))  # as the stats files carry them
    assert total.bins["iotlb x policy x pressure"] == {"hit/LRU/partial": 1, "hit/LRU/full": 2}
    assert total.counts()["crosses_hit"] == 2
    holes = total.cross_holes()
    assert "iotlb x policy x pressure: miss/LRU/empty" in holes
    assert "iotlb x policy x pressure: hit/LRU/full" not in holes
    report = total.report(crosses=True)
    assert "cross iotlb x policy x pressure: 2/20" in report
    assert f"crosses: 2/{total.counts()['crosses']} bins hit" in report
