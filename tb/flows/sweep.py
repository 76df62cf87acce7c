"""``make sweep``: IOTLB / context-cache design-space sweep. For every parameter combination,
build the DUT (cached per parameter set), run one fixed seeded request stream, check every
response against the golden model, and report hit rates, walks, latency and area side by side.

    python -m tb.flows.sweep [--sim verilator|icarus] [--grid default|quick]
                       [--set IOTLB_SETS=4,16 --set IOTLB_WAYS=2,4 --set IOTLB_REPL=LRU,PLRU]
                       [--n 2000] [--seed N] [--no-area] [--out build/sweep/results.json]

The stream (topology, tables and requests) comes from :mod:`tb.stimulus.traffic` with a seed
that does not depend on the swept parameters, so every configuration sees the same requests as
long as the sweep only changes cache shapes (the ``stream`` column is a digest of the stream:
equal digests mean equal streams). Requests are issued back to back through the bare cocotb
driver (as the ``bare`` phase of :mod:`tb.flows.bench`); latency is cycles from the request
handshake to the response handshake, so it includes queueing behind earlier misses.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
import json
import math
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

SWEEP_MODULE = "tb.flows.sweep"
ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "build" / "sweep" / "results.json"

# Parameter grids: name -> values (each value as the user would type it).
GRIDS: dict[str, dict[str, list[str]]] = {
    "default": {"IOTLB_SETS": ["1", "4", "16"], "IOTLB_WAYS": ["1", "4"],
                "CC_ENTRIES": ["1", "8"]},
    "quick": {"IOTLB_SETS": ["1", "16"], "IOTLB_WAYS": ["1", "4"]},
}


class SweepError(ValueError):
    """A bad grid or parameter value; the message names the parameter."""


# --------------------------------------------------------------------------- grid


def parse_set(text: str) -> tuple[str, list[str]]:
    """``NAME=v1,v2`` -> (``NAME``, [``v1``, ``v2``])."""
    name, sep, values = text.partition("=")
    name = name.strip().upper()
    vals = [v.strip() for v in values.split(",") if v.strip()]
    if not sep or not name or not vals:
        raise SweepError(f"--set {text!r}: expected NAME=value[,value...]")
    return name, vals


def expand_grid(base: Mapping[str, Sequence[str]], overrides: Sequence[str] = ()) \
        -> list[dict[str, int]]:
    """All combinations of ``base`` with ``--set`` overrides applied (a ``--set`` replaces the
    grid's values for that parameter or adds a parameter), each validated and completed to a
    full RTL parameter set. Raises :class:`SweepError` naming the offending parameter."""
    from tb.flows.params import RtlConfigError, rtl_parameters

    grid: dict[str, list[str]] = {k: list(v) for k, v in base.items()}
    for text in overrides:
        name, vals = parse_set(text)
        grid[name] = vals
    names = list(grid)
    combos: list[dict[str, int]] = []
    seen: set[str] = set()
    for values in itertools.product(*(grid[n] for n in names)):
        raw = dict(zip(names, values, strict=True))
        try:
            params = rtl_parameters(raw)
        except RtlConfigError as e:
            raise SweepError(f"invalid configuration {_fmt_raw(raw)}: {e}") from None
        key = json.dumps(params, sort_keys=True)
        if key not in seen:
            seen.add(key)
            combos.append(params)
    return combos


def _fmt_raw(raw: Mapping[str, str]) -> str:
    return " ".join(f"{k}={v}" for k, v in raw.items())


def swept_names(grid: Sequence[Mapping[str, int]]) -> list[str]:
    """Parameters that differ between configurations (in RTL order), at least the cache ones."""
    from tb.flows.params import RTL_PARAMETERS

    always = ("IOTLB_SETS", "IOTLB_WAYS", "IOTLB_REPL", "CC_ENTRIES")
    return [n for n in RTL_PARAMETERS
            if n in always or len({p[n] for p in grid}) > 1]


# --------------------------------------------------------------------------- results


def percentile(values: Sequence[int], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return float(ordered[rank - 1])


def make_row(params: Mapping[str, int], stats: Mapping[str, Any],
             area: Any | None, names: Sequence[str]) -> dict[str, Any]:
    """One table row from a run's ``sweep`` statistics (and an area estimate)."""
    from tb.flows.params import REPL_NAMES

    perf: Mapping[str, int] = stats["perf"]
    req = perf["PERF_REQUESTS"]
    iotlb = perf["PERF_IOTLB_HITS"] + perf["PERF_IOTLB_MISSES"]
    cc = perf["PERF_CC_HITS"] + perf["PERF_CC_MISSES"]
    row: dict[str, Any] = {}
    for n in names:
        row[n] = REPL_NAMES[params[n]] if n == "IOTLB_REPL" else params[n]
    row.update({
        "requests": req,
        "iotlb_hit_rate": round(perf["PERF_IOTLB_HITS"] / iotlb, 4) if iotlb else 0.0,
        "cc_hit_rate": round(perf["PERF_CC_HITS"] / cc, 4) if cc else 0.0,
        "walks": perf["PERF_WALKS"],
        "walk_reads_per_req": round(perf["PERF_WALK_READS"] / req, 3) if req else 0.0,
        "lat_mean": stats["lat_mean"],
        "lat_p99": stats["lat_p99"],
        "cycles_per_req": round(stats["cycles"] / req, 3) if req else 0.0,
        "cells": area.cells if area is not None else None,
        "flops": area.flops if area is not None else None,
        "logic": area.logic if area is not None else None,
        "checked": stats["checked"],
        "faults": perf["PERF_FAULTS"],
        "cycles": stats["cycles"],
        "stream": stats["stream"],
        "perf": dict(perf),
    })
    return row


# (key, header, format) of the printed columns after the parameters.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("iotlb_hit_rate", "IOTLB hit", "{:.3f}"),
    ("cc_hit_rate", "CC hit", "{:.3f}"),
    ("walks", "walks", "{}"),
    ("walk_reads_per_req", "rd/req", "{:.2f}"),
    ("lat_mean", "lat mean", "{:.1f}"),
    ("lat_p99", "lat p99", "{:.0f}"),
    ("cycles_per_req", "cyc/req", "{:.2f}"),
    ("cells", "cells", "{}"),
    ("flops", "flops", "{}"),
)
_SHORT = {"IOTLB_SETS": "SETS", "IOTLB_WAYS": "WAYS", "IOTLB_REPL": "REPL", "CC_ENTRIES": "CC"}


def format_table(rows: Sequence[Mapping[str, Any]], names: Sequence[str]) -> str:
    """A fixed-width text table: the parameters, then :data:`COLUMNS`."""
    headers = [_SHORT.get(n, n) for n in names] + [h for _, h, _ in COLUMNS]
    body: list[list[str]] = []
    for r in rows:
        cells = [str(r[n]) for n in names]
        for key, _, fmt in COLUMNS:
            v = r.get(key)
            cells.append("-" if v is None else fmt.format(v))
        body.append(cells)
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h)
              for i, h in enumerate(headers)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.rjust(w) for c, w in zip(b, widths, strict=True)) for b in body]
    return "\n".join(lines)


def write_results(rows: Sequence[Mapping[str, Any]], out: Path, meta: Mapping[str, Any]) -> Path:
    """``out`` (JSON: meta + rows) and a CSV next to it (flat columns); returns the CSV path."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({**meta, "rows": list(rows)}, indent=1))
    csv_path = out.with_suffix(".csv")
    flat = [{k: v for k, v in r.items() if not isinstance(v, dict)} for r in rows]
    keys = list(flat[0]) if flat else []
    with open(csv_path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        w.writerows(flat)
    return csv_path


# --------------------------------------------------------------------------- cocotb test


def _stream(builder: Any, rt: Any, n: int) -> list[tuple[int, int, bool, int]]:
    from tb.stimulus.traffic import TrafficGen, TrafficKnobs, build_topology

    topo = build_topology(builder, rt.rng("topology"), domains=6, devices_per_domain=2,
                          regions_per_domain=8)
    gen = TrafficGen(topo, builder.config, rt.rng("traffic"), TrafficKnobs(hit_locality=0.5))
    return [(i.sid, i.addr, i.write, i.size) for i in gen.items(n)]


def _sweep_test() -> Any:
    import cocotb

    from tb.agents.bare import BareDma, BareIrq
    from tb.agents.transactions import DmaRequest
    from tb.env.testbench import Tb

    @cocotb.test()
    async def sweep(dut: Any) -> None:
        tb = Tb(dut)
        rt = tb.rt
        n = rt.iknob("n", 2000)
        reqs = _stream(tb.builder, rt, n)
        digest = hashlib.sha1(json.dumps(reqs).encode()).hexdigest()[:10]
        await tb.start()
        regs = tb.regs_over(tb.mirrored_bus())
        sw = tb.software(regs)
        await sw.enable_translation()
        chk = tb.checker
        before = await sw.read_perf()

        def on_response(item: Any, rsp: Any) -> None:
            chk.dma_response(item, rsp)
            tb.count_response(rsp)

        bare = BareDma(tb.dma_port, on_response=on_response)
        irq = BareIrq(dut, tb.cycles, on_event=chk.event)
        items = [DmaRequest(s, a, w, z) for s, a, w, z in reqs]
        c0 = tb.cycles.now
        await bare.send_many(items, chk.dma_issued)
        await tb.dma_port.drain()
        cycles = tb.cycles.now - c0
        counters = await tb.checkpoint(regs)  # also compares fault state and PERF_REQUESTS
        bare.stop()
        irq.stop()
        perf = {k: counters[k] - before.get(k, 0) for k in counters}
        lats = [i.rsp.cycle - i.issue_cycle for i in items if i.rsp is not None]
        rt.write_stats({"sweep": {
            "perf": perf, "cycles": cycles, "checked": chk.stats.dma_checked,
            "lat_mean": round(sum(lats) / len(lats), 2) if lats else 0.0,
            "lat_p99": percentile(lats, 99), "stream": digest,
            "errors": [*bare.errors, *chk.errors][:5]}})
        tb.finish(bare.errors)

    return sweep


if "cocotb" in sys.modules and getattr(sys.modules["cocotb"], "is_simulation", False):
    sweep = _sweep_test()


# --------------------------------------------------------------------------- driver


def run_sweep(sim: str, grid: Sequence[dict[str, int]], n: int, seed: int, area: bool = True,
              log: Any = print) -> list[dict[str, Any]]:
    """Build and run every configuration; raise :class:`RuntimeError` on a failed run."""
    from tb.flows import build
    from tb.flows.area import estimate
    from tb.flows.params import describe

    names = swept_names(grid)
    rows: list[dict[str, Any]] = []
    for i, params in enumerate(grid, 1):
        what = describe(params)
        t0 = time.monotonic()
        info = build.build(sim, params)
        t_build = time.monotonic() - t0
        run = build.run(sim, params, SWEEP_MODULE, "sweep", seed=seed,
                        env={"TB_KNOBS": json.dumps({"n": n}), "COCOTB_LOG_LEVEL": "WARNING"},
                        label="sweep")
        s = run.stats.get("sweep")
        if not run.ok or not isinstance(s, dict):
            raise RuntimeError(f"configuration {what}: {run.summary()}\n"
                               f"{build.log_tail(run.log, 30)}")
        t1 = time.monotonic()
        est = estimate(params) if area else None
        t_area = time.monotonic() - t1
        row = make_row(params, s, est, names)
        row["build_seconds"] = round(t_build, 1) if not info.reused else 0.0
        row["run_seconds"] = round(run.seconds, 1)
        rows.append(row)
        log(f"[{i}/{len(grid)}] {what}: {row['checked']} checked, IOTLB hit "
            f"{row['iotlb_hit_rate']:.3f}, build {'reused' if info.reused else f'{t_build:.1f} s'}"
            f", run {run.seconds:.1f} s" + (f", area {t_area:.1f} s" if est else ""))
    return rows


def main(argv: list[str] | None = None) -> int:
    from tb.env.runtime import seed_from_env
    from tb.flows import build

    p = argparse.ArgumentParser(prog="python -m tb.flows.sweep", description=__doc__.split("\n")[0])
    p.add_argument("--sim", default="verilator", choices=build.SIMULATORS)
    p.add_argument("--grid", default="default", choices=list(GRIDS))
    p.add_argument("--set", action="append", default=[], metavar="NAME=v1,v2",
                   help="sweep NAME over the values (replaces the grid's values for NAME)")
    p.add_argument("--n", type=int, default=2000, help="requests per configuration")
    p.add_argument("--seed", type=int, default=None, help="stream seed (default SEED or 1)")
    p.add_argument("--no-area", action="store_true", help="skip the Yosys area estimate")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = p.parse_args(argv)
    if args.n < 1:
        p.error("--n must be >= 1")
    try:
        grid = expand_grid(GRIDS[args.grid], args.set)
    except SweepError as e:
        print(f"tb.flows.sweep: error: {e}", file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else seed_from_env(1)
    print(f"sweep on {args.sim}: {len(grid)} configuration(s), {args.n} requests each, "
          f"SEED={seed}")
    t0 = time.monotonic()
    try:
        rows = run_sweep(args.sim, grid, args.n, seed, area=not args.no_area)
    except (RuntimeError, build.BuildError) as e:
        print(f"tb.flows.sweep: error: {e}", file=sys.stderr)
        return 1
    names = swept_names(grid)
    print()
    print(format_table(rows, names))
    streams = {r["stream"] for r in rows}
    if len(streams) > 1:
        print("note: the swept parameters change the request stream (stream digests differ)")
    csv_path = write_results(rows, args.out, {"sim": args.sim, "seed": seed, "n": args.n,
                                              "parameters": names})
    print(f"\n{len(rows)} configurations in {time.monotonic() - t0:.0f} s; "
          f"results {args.out} and {csv_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
