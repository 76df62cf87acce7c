"""``python -m tb.stimulus.workloads``: write workload traces, list families and knobs,
convert a trace to a scenario.

    python -m tb.stimulus.workloads list
    python -m tb.stimulus.workloads gen FAMILY --n 100000 [--seed N] [--set knob=value ...]
                                        --out F.trace
    python -m tb.stimulus.workloads scenario F.trace --out F.json [--name NAME]

Exit status 0, or 2 for a bad family, knob, trace or count (the message names it).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import yaml

from tb.flows.replay.trace import TraceError, read_trace, write_trace
from tb.stimulus.workloads import ALL_FAMILIES, WorkloadError, generate
from tb.stimulus.workloads.common import knob_docs
from tb.stimulus.workloads.scenario import trace_to_scenario


def _knob_pair(text: str) -> tuple[str, object]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise WorkloadError(f"--set {text!r}: expected knob=value")
    return name.strip(), yaml.safe_load(value)


def main(argv: list[str] | None = None) -> int:
    from tb.env.runtime import seed_from_env

    p = argparse.ArgumentParser(prog="python -m tb.stimulus.workloads",
                                description=(__doc__ or "").split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list", help="families and their knobs")
    g = sub.add_parser("gen", help="write a trace")
    g.add_argument("family")
    g.add_argument("--n", type=int, default=100_000)
    g.add_argument("--seed", type=int, default=None, help="default: SEED, else a fresh one")
    g.add_argument("--set", action="append", default=[], metavar="KNOB=VALUE")
    g.add_argument("--out", type=Path, required=True)
    s = sub.add_parser("scenario", help="convert a (small) trace to a scenario file")
    s.add_argument("trace", type=Path)
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--name", default=None)
    args = p.parse_args(argv)
    try:
        if args.cmd == "list":
            for fam in ALL_FAMILIES.values():
                print(f"{fam.name}: {fam.summary}")
                for name, default, doc in knob_docs(fam.knobs):
                    print(f"    {name:15s} {default!s:>10s}  {doc}")
            return 0
        if args.cmd == "gen":
            seed = args.seed if args.seed is not None else seed_from_env()
            knobs = dict(_knob_pair(t) for t in args.set)
            t0 = time.monotonic()
            trace = generate(args.family, args.n, seed, knobs)
            write_trace(trace, args.out)
            print(f"gen: {args.family} SEED={seed} knobs {trace.header['knobs']}: "
                  f"{len(trace.requests)} requests, {sum(map(len, trace.ops.values()))} "
                  f"operations in {len(trace.barriers())} groups -> {args.out} "
                  f"({time.monotonic() - t0:.1f} s)")
            return 0
        trace = read_trace(args.trace)
        scen = trace_to_scenario(trace, args.name or args.trace.stem)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(scen, indent=1) + "\n")
        print(f"scenario: {len(scen['steps'])} steps -> {args.out}")
        return 0
    except (WorkloadError, TraceError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
