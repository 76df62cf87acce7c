"""tb.flows.sweep: sweep-file validation (every bad file stops with exit status 2 naming the
field), the default and published sweep files, the CSV / markdown / plot writing and the
progress bar (pure Python), and one small sweep on Verilator (two configurations x two
workloads, 3,000 translations each, every response checked)."""

from __future__ import annotations

import csv
import io
import textwrap
from pathlib import Path

import pytest
import yaml

from tb.flows.params import RTL_PARAMETERS
from tb.flows.sweep import report
from tb.flows.sweep.cli import Progress, main
from tb.flows.sweep.spec import SweepFileError, load

ROOT = Path(__file__).resolve().parent.parent
GOOD = """
name: t
translations: 1000
configurations:
  - name: a
    params: {IOTLB_SETS: 4}
workloads:
  - name: w
    family: tenants
    knobs: {tenants: 2}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def _edit(change) -> str:
    doc = yaml.safe_load(GOOD)
    change(doc)
    return yaml.safe_dump(doc)


def test_good_file_loads(tmp_path):
    spec = load(_write(tmp_path, GOOD))
    assert spec.translations == 1000 and spec.seed == 1 and spec.area == "all"
    assert [c.name for c in spec.configurations] == ["a"]
    assert set(spec.configurations[0].params) == set(RTL_PARAMETERS)
    assert spec.configurations[0].entries == 4 * 4  # default 4 ways
    assert spec.workloads[0].knobs == {"tenants": 2}


def test_grid_expands_deduplicates_and_names(tmp_path):
    text = GOOD + textwrap.dedent("""
        base: {CC_ENTRIES: 2}
        grid:
          IOTLB_SETS: [1, 4]
          IOTLB_REPL: [LRU, PLRU]
        """)
    spec = load(_write(tmp_path, text))
    names = [c.name for c in spec.configurations]
    # (4, PLRU) equals the named configuration "a" (PLRU is the default): run once
    assert names == ["a", "grid-s1-LRU", "grid-s1-PLRU", "grid-s4-LRU"]
    assert spec.configurations[0].in_grid
    assert all(c.params["CC_ENTRIES"] == 2 for c in spec.configurations)


@pytest.mark.parametrize("change, words", [
    (lambda d: d.update(colour="red"), ["colour", "unknown field"]),
    (lambda d: d["configurations"][0]["params"].update(NOPE=1),
     ["configurations[0] (a).params.NOPE", "unknown RTL parameter"]),
    (lambda d: d["configurations"][0]["params"].update(IOTLB_SETS=3),
     ["configurations[0] (a).params", "IOTLB_SETS=3"]),
    (lambda d: d["configurations"][0]["params"].update(IOTLB_REPL="MRU"),
     ["configurations[0] (a).params", "IOTLB_REPL"]),
    (lambda d: d["configurations"][0].update(colour=1), ["configurations[0].colour"]),
    (lambda d: d["configurations"].append({"name": "a", "params": {}}),
     ["configurations[1]", "duplicate configuration name"]),
    (lambda d: d.update(grid={"PWC_L2_ENTRIES": [512]}), ["grid.PWC_L2_ENTRIES", "unknown RTL"]),
    (lambda d: d.update(grid={"IOTLB_SETS": 4}), ["grid.IOTLB_SETS", "list"]),
    (lambda d: d.update(base={"PWC_WAYS": 16}), ["base.PWC_WAYS", "unknown RTL"]),
    (lambda d: d.update(translations=0), ["translations"]),
    (lambda d: d.update(translations=2 << 20), ["translations"]),
    (lambda d: d.update(memory_latency="fast"), ["memory_latency"]),
    (lambda d: d.update(area="some"), ["area"]),
    (lambda d: d.pop("workloads"), ["workloads", "missing"]),
    (lambda d: d["workloads"][0].update(family="disk"),
     ["workloads[0] (w)", "unknown workload family 'disk'"]),
    (lambda d: d["workloads"][0]["knobs"].update(burstiness=3),
     ["workloads[0] (w)", "burstiness"]),
    (lambda d: d["workloads"][0]["knobs"].update(tenants=0), ["workloads[0] (w)", "tenants"]),
    (lambda d: d["workloads"][0].update(speed=1), ["workloads[0].speed"]),
    (lambda d: d["workloads"].append({"name": "st", "family": "storage",
                                      "knobs": {"io_bytes": 5000}}),
     ["workloads[1] (st)", "io_bytes=5000"]),
    (lambda d: d["workloads"].append({"name": "wi", "family": "window",
                                      "knobs": {"window": 1 << 20, "page_size": "2m"}}),
     ["workloads[1] (wi)", "window=1048576"]),
    (lambda d: d["workloads"].append({"name": "w", "family": "nic"}),
     ["workloads[1].name", "duplicate"]),
    (lambda d: d.update(name="a b"), ["name"]),
    (lambda d: d.update(configurations=[]), ["configurations", "no configuration"]),
])
def test_bad_files_exit_2_naming_the_field(tmp_path, capsys, change, words):
    path = _write(tmp_path, _edit(change))
    with pytest.raises(SweepFileError):
        load(path)
    assert main([str(path), "--check-only"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for w in words:
        assert w in err, err


@pytest.mark.parametrize("text, word", [
    ("name: [unclosed", "not valid YAML"),
    ("- just\n- a list\n", "must be a mapping"),
])
def test_unparsable_files_exit_2(tmp_path, capsys, text, word):
    assert main([str(_write(tmp_path, text)), "--check-only"]) == 2
    assert word in capsys.readouterr().err


def test_missing_file_exits_2(tmp_path, capsys):
    assert main([str(tmp_path / "none.yaml"), "--check-only"]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_default_sweep_file(capsys):
    spec = load(ROOT / "sweeps" / "default.yaml")
    assert spec.translations >= 100_000
    by = {c.name: c.params for c in spec.configurations}
    assert by["hypersio-base"]["IOTLB_SETS"] * by["hypersio-base"]["IOTLB_WAYS"] == 64
    assert by["hypersio-base"]["IOTLB_WAYS"] == 8 and by["hypersio-base"]["IOTLB_REPL"] == 0
    assert by["gem5-smmuv3"]["IOTLB_SETS"] * by["gem5-smmuv3"]["IOTLB_WAYS"] == 2048
    assert by["gem5-smmuv3"]["IOTLB_WAYS"] == 4 and by["gem5-smmuv3"]["IOTLB_REPL"] == 2
    riscv = by["riscv-iommu"]
    assert (riscv["IOTLB_SETS"], riscv["IOTLB_WAYS"], riscv["MAX_WALKS"]) == (1, 4, 1)
    assert {w.family for w in spec.workloads} == {"nic", "window", "tenants", "storage",
                                                  "gather"}
    # `make sweep` without SWEEP uses it
    assert main(["--check-only"]) == 0
    assert "sweep default" in capsys.readouterr().out


def test_published_file_stops_on_a_parameter_the_rtl_lacks(capsys):
    path = ROOT / "sweeps" / "published.yaml"
    doc = yaml.safe_load(path.read_text())
    wanted = [k for c in doc["configurations"] for k in (c.get("params") or {})]
    missing = [k for k in wanted if k.upper() not in RTL_PARAMETERS]
    rc = main([str(path), "--check-only"])
    err = capsys.readouterr().err
    if missing:
        assert rc == 2 and missing[0] in err and "unknown RTL parameter" in err, err
    else:
        assert rc == 0, err


def _rows() -> list[dict]:
    rows = []
    for c, (sets, repl, cells) in {"small": (1, "LRU", 1000), "big": (16, "PLRU", 5000),
                                   "named": (4, "LRU", 2500)}.items():
        for w, base in (("w1", 0.2), ("w2", 0.6)):
            rows.append({"configuration": c, "workload": w, "IOTLB_SETS": sets,
                         "IOTLB_WAYS": 4, "IOTLB_REPL": repl, "entries": 4 * sets,
                         "CC_ENTRIES": 8, "MAX_WALKS": 4, "requests": 100, "checked": 100,
                         "faults": 0, "ok": True, "iotlb_hit_rate": base + sets / 100,
                         "cc_hit_rate": 0.9, "walks": 10, "walk_reads_per_req": 1.25,
                         "lat_mean": 7.5 + sets, "lat_p99": 40.0, "cycles": 300,
                         "translations_per_cycle": 0.333, "memory_latency": 4,
                         "cells": cells, "flops": cells // 5, "run_seconds": 1.0,
                         "check_seconds": 0.5, "problems": []})
    return rows


def test_csv_markdown_and_plots(tmp_path):
    rows = _rows()
    report.write_csv(rows, tmp_path / "r.csv")
    with open(tmp_path / "r.csv") as f:
        back = list(csv.DictReader(f))
    assert len(back) == 6 and list(back[0]) == list(report.CSV_COLUMNS)
    assert back[2]["configuration"] == "big" and float(back[2]["iotlb_hit_rate"]) == 0.36
    md = report.markdown(rows, {"name": "t", "translations": 100, "memory_latency": 4,
                                "seeds": "w1=1"})
    assert "| configuration | entries | policy | w1 | w2 |" in md
    assert "| big | 64 | PLRU | 0.360 | 0.760 |" in md
    assert "| named | 4 | 4 | LRU | 4 | 2500 | 500 |" in md
    assert "0 run(s) with a mismatch" in md
    paths = report.plots(rows, tmp_path, named=["named"])
    assert [p.name for p in paths] == list(report.PLOTS)
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 5000


def test_markdown_lists_mismatches():
    rows = _rows()
    rows[0] = {**rows[0], "ok": False, "problems": ["request #3 (sid=0x100) RTL ok, model fault"]}
    md = report.markdown(rows, {"name": "t"})
    assert "1 run(s) with a mismatch" in md and "request #3" in md


def test_progress_bar():
    out = io.StringIO()
    bar = Progress(4, out, width=8)
    bar.step("build a")
    bar.step("run a / w")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("[##......] 1/4") and "build a" in lines[0]
    assert lines[1].startswith("[####....] 2/4")


@pytest.mark.sim
def test_small_sweep_on_verilator(tmp_path, capsys):
    out = tmp_path / "sweep"
    rc = main([str(ROOT / "tests" / "data" / "sweep_small.yaml"), "--out", str(out),
               "--no-area"])
    text = capsys.readouterr()
    assert rc == 0, text.out + text.err
    assert "seeds nic=5, tenants=5" in text.out
    with open(out / "results.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4
    assert all(r["ok"] == "True" and int(r["checked"]) == 3000 for r in rows)
    hit = {(r["configuration"], r["workload"]): float(r["iotlb_hit_rate"]) for r in rows}
    assert all(0 < h < 1 for h in hit.values())
    for name in ("results.md", *report.PLOTS):
        assert (out / name).stat().st_size > 0
