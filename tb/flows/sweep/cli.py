"""``python -m tb.flows.sweep [SWEEP.yaml] [--jobs N] [--out DIR] [--no-area]``

Runs every workload of the sweep file on every configuration through the replay player, in
a process pool (``--jobs``, default all cores) with a progress bar on stderr. Each workload is
generated once (seeded), its model outcomes computed once, each configuration's player built
once; then every (configuration, workload) pair is replayed and every response checked.
Writes ``results.csv``, ``results.md``, ``results.json`` and the PNG plots under ``--out``
(default ``build/sweep/<name>/``).

Exit status: 0 every response and compared counter matched; 1 a mismatch or a failed build or
run (named); 2 an invalid sweep file or an unknown parameter (the message names the field).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any, TextIO

from tb.flows.sweep import jobs, report
from tb.flows.sweep.spec import SweepFileError, SweepSpec, load

ROOT = Path(__file__).resolve().parents[3]
DEFAULT_SWEEP = ROOT / "sweeps" / "default.yaml"


class Progress:
    """``[#####.....] done/total  label  elapsed`` on one stderr line (plain lines when
    stderr is not a terminal)."""

    def __init__(self, total: int, stream: TextIO = sys.stderr, width: int = 30) -> None:
        self.total, self.done, self.stream, self.width = total, 0, stream, width
        self.t0 = time.monotonic()
        self.tty = stream.isatty()

    def step(self, label: str) -> None:
        self.done += 1
        filled = round(self.width * self.done / max(1, self.total))
        line = (f"[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} "
                f"{time.monotonic() - self.t0:5.0f} s  {label}")
        if self.tty:
            self.stream.write("\r" + line[:120].ljust(120))
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def run_sweep(spec: SweepSpec, out: Path, workers: int, area: str,
              log: Callable[[str], None] = print) -> tuple[list[dict[str, Any]], list[str]]:
    """Every (configuration, workload) row, and the failures (builds, runs, area)."""
    n = spec.translations
    tdir = out / "traces"
    rdir = out / "responses"
    rdir.mkdir(parents=True, exist_ok=True)
    configs = {c.name: c for c in spec.configurations}
    sized = [c for c in configs.values() if c.area and (
        area == "all" or (area == "named" and c.source == "configurations"))]
    total = len(spec.workloads) + len(configs) * (1 + len(spec.workloads)) + len(sized)
    bar = Progress(total)
    failures: list[str] = []
    prepared: dict[str, jobs.Prepared] = {}
    built: set[str] = set()
    areas: dict[str, tuple[int, int]] = {}
    rows: list[dict[str, Any]] = []
    pending: dict[Future[Any], tuple[str, str, str]] = {}
    started: set[tuple[str, str]] = set()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for w in spec.workloads:
            f = pool.submit(jobs.prepare_workload, w.name, w.family, w.knobs, n, w.seed, tdir)
            pending[f] = ("prepare", w.name, "")
        for c in configs.values():
            f = pool.submit(jobs.build_config, c.params, spec.memory_latency)
            pending[f] = ("build", c.name, "")
        for c in sized:  # last: the runs need the builds more
            pending[pool.submit(jobs.area_of, c.params)] = ("area", c.name, "")
        while pending:
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for f in done:
                kind, a, b = pending.pop(f)
                label = f"{kind} {a}" + (f" / {b}" if b else "")
                try:
                    value = f.result()
                except Exception as e:  # noqa: BLE001 - reported, the sweep goes on
                    failures.append(f"{label}: {type(e).__name__}: {e}")
                    bar.step(label + " FAILED")
                    if kind in ("prepare", "build"):
                        bar.total -= len(configs) if kind == "prepare" else len(spec.workloads)
                    continue
                bar.step(label)
                if kind == "prepare":
                    prepared[a] = value
                elif kind == "build":
                    built.add(a)
                elif kind == "area":
                    areas[a] = value
                else:
                    rows.append(value)
                    if not value["ok"]:
                        failures.append(f"{a} / {b}: " + "; ".join(value["problems"][:3]))
                for cname in built:
                    for wname, prep in prepared.items():
                        if (cname, wname) not in started:
                            started.add((cname, wname))
                            g = pool.submit(jobs.run_one, cname, configs[cname].params, prep,
                                            spec.memory_latency, rdir)
                            pending[g] = ("run", cname, wname)
    order_c = [c.name for c in spec.configurations]
    order_w = [w.name for w in spec.workloads]
    rows.sort(key=lambda r: (order_c.index(r["configuration"]), order_w.index(r["workload"])))
    for r in rows:
        cells_flops = areas.get(r["configuration"])
        r["cells"], r["flops"] = cells_flops if cells_flops else (None, None)
    return rows, failures


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tb.flows.sweep",
                                description=(__doc__ or "").split("\n")[0])
    p.add_argument("sweep", nargs="?", type=Path, default=DEFAULT_SWEEP,
                   help="sweep file (default sweeps/default.yaml)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="worker processes (default: all cores)")
    p.add_argument("--out", type=Path, default=None, help="default build/sweep/<name>")
    p.add_argument("--no-area", action="store_true", help="skip the Yosys area estimates")
    p.add_argument("--translations", type=int, default=None,
                   help="override the file's translations per configuration and workload")
    p.add_argument("--check-only", action="store_true",
                   help="validate the sweep file and print the grid; run nothing")
    args = p.parse_args(argv)
    try:
        spec = load(args.sweep)
    except SweepFileError as e:
        print(f"tb.flows.sweep: error: {e}", file=sys.stderr)
        return 2
    if args.translations is not None:
        if not 1 <= args.translations <= 1 << 20:
            print("tb.flows.sweep: error: --translations must be 1..1048576", file=sys.stderr)
            return 2
        spec.translations = args.translations
    if args.jobs < 1:
        print("tb.flows.sweep: error: --jobs must be at least 1", file=sys.stderr)
        return 2
    out = (args.out or ROOT / "build" / "sweep" / spec.name).resolve()
    area = "none" if args.no_area else spec.area
    seeds = ", ".join(f"{w.name}={w.seed}" for w in spec.workloads)
    print(f"sweep {spec.name} ({args.sweep}): {len(spec.configurations)} configurations x "
          f"{len(spec.workloads)} workloads, {spec.translations} translations each, memory "
          f"latency {spec.memory_latency}, area {area}, {args.jobs} worker(s); seeds {seeds}")
    for c in spec.configurations:
        print(f"  {c.name:24s} {c.params['IOTLB_SETS']:4d} sets x {c.params['IOTLB_WAYS']} "
              f"ways {c.policy:6s} CC {c.params['CC_ENTRIES']:3d} walkers "
              f"{c.params['MAX_WALKS']}  {c.note}")
    if args.check_only:
        return 0
    t0 = time.monotonic()
    rows, failures = run_sweep(spec, out, args.jobs, area)
    seconds = time.monotonic() - t0
    meta = {"name": spec.name, "description": spec.description, "file": str(args.sweep),
            "translations": spec.translations, "memory_latency": spec.memory_latency,
            "seeds": seeds, "seconds": round(seconds, 1), "jobs": args.jobs, "area": area,
            "load_average": os.getloadavg()}
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps({**meta, "rows": rows,
                                                  "failures": failures}, indent=1))
    report.write_csv(rows, out / "results.csv")
    (out / "results.md").write_text(report.markdown(rows, meta))
    named = [c.name for c in spec.configurations if c.source == "configurations"]
    grid = [c.name for c in spec.configurations if c.source == "grid" or c.in_grid]
    pngs = report.plots(rows, out, named, grid) if rows else []
    checked = sum(r["checked"] for r in rows)
    print(f"\n{len(rows)} runs, {checked} responses checked in {seconds:.0f} s "
          f"({checked / seconds:,.0f} checked translations/s overall); load average "
          + " ".join(f"{x:.1f}" for x in meta["load_average"]))  # type: ignore[union-attr]
    print(f"results: {out / 'results.csv'}, {out / 'results.md'}, "
          + ", ".join(p.name for p in pngs))
    for f in failures:
        print(f"FAIL {f}", file=sys.stderr)
    return 1 if failures else 0
