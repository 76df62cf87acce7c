"""``make sim``: the default RTL regression on one simulator, with a summary.

    python -m tb.flows.regress --sim verilator|icarus [--seed N] [--jobs 2] [--scale 3]
                         [--only NAME ...] [--list]

Runs every run of the testplan (``doc/testplan.toml``, the same list ``make test`` runs; one
simulator process each, builds shared per parameter set) and the directed scenario suite, two
at a time, then prints: tests passed and failed, DMA translations / faults / MSIs / fault
events / register values checked, stale outcomes accepted, build times, merged functional
coverage, rates, and the seed. Each random test's seed derives from the regression seed
(printed); ``--seed`` (or ``SEED=``) replays the run.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tb.env.coverage import Coverage
from tb.env.runtime import merge_stats, seed_from_env
from tb.flows import build
from tb.flows.params import describe, preset
from tb.flows.testplan import Run, load

ROOT = Path(__file__).resolve().parents[2]
@dataclass
class Outcome:
    name: str
    ok: bool
    seconds: float
    seed: int
    stats: dict = field(default_factory=dict)
    message: str = ""


def run_entry(e: Run, sim: str, seed: int, scale: float) -> Outcome:
    t0 = time.monotonic()
    try:
        r = build.run(sim, preset(e.params), e.module, e.testcase, seed=seed,
                      env={"TB_KNOBS": json.dumps(e.knobs_for(sim, scale))}, label=f"{e.name}",
                      top=e.top)
    except build.BuildError as err:
        return Outcome(e.name, False, time.monotonic() - t0, seed, message=str(err))
    msg = "" if r.ok else f"{r.summary()}\n{build.log_tail(r.log, 25)}"
    return Outcome(e.name, r.ok, time.monotonic() - t0, seed, r.stats, msg)


def run_scenarios(sim: str) -> Outcome:
    from python_model.scenario import check_expects, compare, load
    from tb.flows.scenario.rtl import run_many

    t0 = time.monotonic()
    files = sorted((ROOT / "tests" / "scenarios").glob("*.json"))
    outs = run_many([load(f) for f in files], sim)
    failures, ran, skipped = [], 0, 0
    for o in outs:
        if o.skipped:
            skipped += 1
            continue
        if o.error or o.results is None:
            failures.append(f"{o.scenario.name}: {o.error}")
            continue
        ran += 1
        r = o.results
        probs = [str(f) for f in check_expects(o.scenario, r)]
        probs += [str(d) for d in compare(r.model_doc, r, ("model", sim))] + r.problems
        failures += [f"{o.scenario.name}: {p}" for p in probs[:3]]
    steps = sum(len(o.scenario.steps) for o in outs if not o.skipped)
    return Outcome("scenarios", not failures, time.monotonic() - t0, 0,
                   {"scenarios_run": ran, "scenarios_skipped": skipped, "scenario_steps": steps},
                   "\n".join(failures))


def main(argv: list[str] | None = None, stats_out: dict | None = None) -> int:
    """``stats_out``: filled with the merged statistics of every run (coverage bins too)."""
    p = argparse.ArgumentParser(prog="python -m tb.flows.regress",
                                description=__doc__.split("\n")[0])
    p.add_argument("--sim", default="verilator", choices=build.SIMULATORS)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--scale", type=float, default=3.0,
                   help="multiply the random traffic (default 3: about two minutes)")
    p.add_argument("--only", nargs="*", default=None, help="entry names (see --list)")
    p.add_argument("--list", action="store_true")
    args = p.parse_args(argv)
    if args.list:
        for e in load().runs:
            print(f"{e.name:22s} {e.module}::{e.testcase} [{e.params}] "
                  f"{e.knobs_for(args.sim, args.scale)}")
        print("scenarios              tests/scenarios/*.json")
        return 0
    master = args.seed if args.seed is not None else seed_from_env()
    entries = [e for e in load().runs if not args.only or e.name in args.only]
    with_scenarios = not args.only or "scenarios" in args.only
    print(f"regression on {args.sim}: {len(entries) + with_scenarios} tests, SEED={master} "
          f"(replay: python -m tb.flows.regress --sim {args.sim} --seed {master})", flush=True)
    t0 = time.monotonic()
    # build every parameter set first (two at a time), so the runs that follow only simulate
    sets = sorted({(e.params, e.top) for e in entries})
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        infos = dict(zip(sets, pool.map(lambda s: build.build(args.sim, preset(s[0]), top=s[1]),
                                        sets), strict=True))
    for (s, _), info in infos.items():
        print(f"  build {s:8s} {info.directory.name}: "
              f"{'reused' if info.reused else 'built'} ({info.seconds:.1f} s) "
              f"[{describe(preset(s))}]", flush=True)
    outcomes: list[Outcome] = []
    t_runs = time.monotonic()

    def job(e: Run) -> Outcome:
        seed = random.Random(f"{master}:{e.name}").randrange(1, 1 << 31)
        o = run_entry(e, args.sim, seed, args.scale)
        print(f"  {'PASS' if o.ok else 'FAIL'} {e.name:22s} {o.seconds:6.1f} s  SEED={seed}  "
              f"{o.stats.get('dma_checked', 0):6d} DMA checked", flush=True)
        return o

    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        futures = [pool.submit(job, e) for e in entries]
        if with_scenarios:
            sc = run_scenarios(args.sim)
            print(f"  {'PASS' if sc.ok else 'FAIL'} {'scenarios':22s} {sc.seconds:6.1f} s  "
                  f"{sc.stats.get('scenarios_run', 0)} run, "
                  f"{sc.stats.get('scenarios_skipped', 0)} skipped (feature off in the build)",
                  flush=True)
            outcomes.append(sc)
        outcomes += [f.result() for f in futures]
    total: dict = {}
    for o in outcomes:
        merge_stats(total, o.stats)
    if stats_out is not None:
        stats_out.update(total)
    cov = Coverage()
    cov.merge(total.get("coverage", {}))
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        print(f"\nFAILED {o.name} (SEED={o.seed}):\n{o.message}")
    wall = time.monotonic() - t0
    print(f"\nsummary ({args.sim}, SEED={master}, {wall:.0f} s wall):")
    print(f"  tests            {len(outcomes) - len(failed)} passed, {len(failed)} failed "
          f"(of {len(outcomes)})")
    print(f"  DMA checked      {total.get('dma_checked', 0)} "
          f"({total.get('dma_faults', 0)} faults, {total.get('dma_stale', 0)} stale outcomes "
          f"accepted, {total.get('dma_issue_view', 0)} through the issue-time view)")
    print(f"  MSIs checked     {total.get('msi_checked', 0)}")
    print(f"  fault events     {total.get('events_checked', 0)} checked")
    print(f"  registers        {total.get('registers_checked', 0)} values compared")
    print(f"  memory           {total.get('mem_bursts', 0)} AXI bursts, "
          f"{total.get('mem_read_errors', 0)} error beats")
    print(f"  scenarios        {total.get('scenarios_run', 0)} run "
          f"({total.get('scenario_steps', 0)} steps), {total.get('scenarios_skipped', 0)} "
          "skipped")
    print(f"  simulated        {total.get('cycles', 0)} cycles")
    runs_s = max(time.monotonic() - t_runs, 1e-9)
    print(f"  rates            {total.get('dma_checked', 0) / runs_s:.0f} DMA responses checked/s, "
          f"{total.get('cycles', 0) / runs_s:.0f} simulated cycles/s ({runs_s:.0f} s of runs "
          f"on {args.jobs} jobs, builds excluded)")
    print(cov.report())
    print(f"result: {'PASS' if not failed else 'FAIL'} (SEED={master})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
