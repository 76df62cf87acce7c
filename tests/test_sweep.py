"""tb.flows.sweep: grid expansion and validation, table formatting (pure Python), and a small
two-configuration sweep on Icarus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tb.flows import sweep
from tb.flows.params import rtl_parameters


def test_expand_grid_combinations_and_overrides():
    grid = sweep.expand_grid({"IOTLB_SETS": ["1", "4"], "IOTLB_WAYS": ["2"]},
                             ["IOTLB_WAYS=1,4", "iotlb_repl=LRU,plru"])
    assert len(grid) == 2 * 2 * 2
    assert {p["IOTLB_SETS"] for p in grid} == {1, 4}
    assert {p["IOTLB_WAYS"] for p in grid} == {1, 4}
    assert {p["IOTLB_REPL"] for p in grid} == {0, 1}  # LRU, PLRU codes
    base = rtl_parameters()
    assert all(set(p) == set(base) for p in grid)  # complete parameter sets
    assert all(p["CC_ENTRIES"] == base["CC_ENTRIES"] for p in grid)
    assert sweep.swept_names(grid)[:4] == ["IOTLB_SETS", "IOTLB_WAYS", "IOTLB_REPL",
                                           "CC_ENTRIES"]


def test_expand_grid_deduplicates():
    grid = sweep.expand_grid({}, ["IOTLB_REPL=LRU,0"])  # the same policy twice
    assert len(grid) == 1


@pytest.mark.parametrize("bad, word", [
    ("IOTLB_SETS=3", "IOTLB_SETS"),
    ("IOTLB_WAYS=0", "IOTLB_WAYS"),
    ("IOTLB_REPL=MRU", "IOTLB_REPL"),
    ("CC_ENTRIES=x", "CC_ENTRIES"),
    ("NOPE=1", "NOPE"),
    ("IOTLB_SETS", "IOTLB_SETS"),
])
def test_expand_grid_rejects_bad_values(bad, word):
    with pytest.raises(sweep.SweepError, match=word):
        sweep.expand_grid(sweep.GRIDS["quick"], [bad])


def test_main_reports_bad_parameter_without_traceback(capsys):
    assert sweep.main(["--set", "IOTLB_SETS=5", "--no-area"]) == 2
    err = capsys.readouterr().err
    assert "IOTLB_SETS=5" in err and "power of two" in err and "Traceback" not in err


def test_percentile():
    assert sweep.percentile([], 99) == 0.0
    assert sweep.percentile([5], 99) == 5.0
    assert sweep.percentile(list(range(1, 101)), 99) == 99.0
    assert sweep.percentile(list(range(1, 101)), 100) == 100.0


def _stats(hits: int, misses: int) -> dict:
    perf = {"PERF_REQUESTS": 100, "PERF_IOTLB_HITS": hits, "PERF_IOTLB_MISSES": misses,
            "PERF_CC_HITS": 30, "PERF_CC_MISSES": 10, "PERF_WALKS": 40,
            "PERF_WALK_READS": 150, "PERF_FAULTS": 5, "PERF_BUSY_CYCLES": 300}
    return {"perf": perf, "cycles": 400, "checked": 100, "lat_mean": 12.5, "lat_p99": 40.0,
            "stream": "abc"}


def test_rows_table_and_files(tmp_path: Path):
    grid = sweep.expand_grid({"IOTLB_SETS": ["1", "16"]}, [])
    names = sweep.swept_names(grid)

    class Area:
        cells, flops, logic = 12345, 2345, 10000

    rows = [sweep.make_row(grid[0], _stats(60, 40), None, names),
            sweep.make_row(grid[1], _stats(75, 25), Area(), names)]
    assert rows[0]["iotlb_hit_rate"] == 0.6 and rows[1]["iotlb_hit_rate"] == 0.75
    assert rows[0]["cc_hit_rate"] == 0.75
    assert rows[0]["walk_reads_per_req"] == 1.5 and rows[0]["cycles_per_req"] == 4.0
    assert rows[0]["IOTLB_REPL"] == "PLRU"
    table = sweep.format_table(rows, names).splitlines()
    assert len(table) == 4
    assert table[0].split()[:4] == ["SETS", "WAYS", "REPL", "CC"]
    assert "0.600" in table[2] and table[2].rstrip().endswith("-")
    assert "0.750" in table[3] and "12345" in table[3] and "2345" in table[3]
    assert len({len(line) for line in table}) == 1  # aligned
    out = tmp_path / "r.json"
    csv_path = sweep.write_results(rows, out, {"n": 100})
    data = json.loads(out.read_text())
    assert data["n"] == 100 and len(data["rows"]) == 2
    lines = csv_path.read_text().splitlines()
    assert len(lines) == 3 and lines[0].startswith("IOTLB_SETS,")


@pytest.mark.sim
def test_sweep_icarus(tmp_path: Path):
    from rtl_runner import require

    require("icarus")
    n = 200
    grid = sweep.expand_grid({}, ["IOTLB_SETS=1,16", "IOTLB_WAYS=1,4"])
    grid = [p for p in grid if (p["IOTLB_SETS"], p["IOTLB_WAYS"]) in ((1, 1), (16, 4))]
    assert len(grid) == 2
    rows = sweep.run_sweep("icarus", grid, n, seed=7, area=False, log=lambda _: None)
    small, big = rows
    for r in rows:
        assert r["requests"] == n and r["checked"] == n
        assert 0.0 <= r["iotlb_hit_rate"] <= 1.0 and 0.0 <= r["cc_hit_rate"] <= 1.0
        assert r["perf"]["PERF_IOTLB_HITS"] + r["perf"]["PERF_IOTLB_MISSES"] <= n
        assert r["lat_mean"] > 0 and r["lat_p99"] >= 1
        assert r["cycles_per_req"] > 0 and r["walks"] > 0
        assert r["cells"] is None
    assert small["stream"] == big["stream"]  # the same request stream
    assert big["iotlb_hit_rate"] >= small["iotlb_hit_rate"]
    assert big["walks"] <= small["walks"]
    table = sweep.format_table(rows, sweep.swept_names(grid))
    assert len(table.splitlines()) == 4
