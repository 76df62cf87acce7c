"""``python -m tb.flows.replay``: generate, run and check replay streams.

    python -m tb.flows.replay gen --n 100000 [--seed N] [--profile mixed|hit|miss] --out F
    python -m tb.flows.replay run TRACE [--params NAME] [--out RESPONSES] [--latency N]
                                        [--sim verilator|icarus] [--pgo]
    python -m tb.flows.replay check TRACE RESPONSES [--params NAME]

``run`` builds the Verilog player (cached per parameter set), replays the trace, checks every
response against the golden model in one batch and prints the rates, the counters and a
latency histogram. ``--pgo`` builds the player with profile-guided optimisation (a second
build and a short training run, once per parameter set: worth it for long streams). Exit
status: 0 every response matched, 1 a mismatch (each named), 2 a bad trace file or command
line (the message names the line and field).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tb.flows.params import RtlConfigError, RtlParams, preset
from tb.flows.replay import images as img
from tb.flows.replay.check import CheckReport, check_responses, latency_histogram
from tb.flows.replay.gen import PROFILES, generate
from tb.flows.replay.run import (
    BUILD_ROOT,
    DEFAULT_LATENCY,
    SIMULATORS,
    ReplayBuildError,
    RunResult,
    build_player,
    read_responses,
    run_player,
)
from tb.flows.replay.trace import Trace, TraceError, read_trace, write_trace


@dataclass
class ReplayOutcome:
    trace: Trace
    result: RunResult
    report: CheckReport
    build_seconds: float
    build_reused: bool
    pgo: bool = False  # the player came from a profile-guided build (its build stamp says so)

    @property
    def rtl_per_s(self) -> float:
        return len(self.result.responses) / self.result.seconds if self.result.seconds else 0.0

    @property
    def check_per_s(self) -> float:
        return self.report.checked / self.report.seconds if self.report.seconds else 0.0


def replay(trace_path: Path, params_name: str | None = None, out: Path | None = None,
           latency: int = DEFAULT_LATENCY, reference: bool = True,
           sim: str = "verilator", pgo: bool = False) -> ReplayOutcome:
    """Build, run and check one trace (raises TraceError / RtlConfigError for bad input)."""
    trace = read_trace(trace_path)
    params = preset(params_name or trace.params)
    # absolute: the player runs in the response file's directory
    out = (out or BUILD_ROOT / "results" / f"{trace_path.stem}.rsp").resolve()
    images = img.write_images(trace, out.parent / f"{trace_path.stem}.images")
    built = build_player(params, images.slots_log2, latency, sim, pgo)
    result = run_player(built, images.plusargs(), out)
    report = check_responses(trace, result, params, reference=reference)
    return ReplayOutcome(trace, result, report, built.seconds, built.reused, built.pgo)


def _print_report(o: ReplayOutcome, out: Path | None = None) -> None:
    res, rep, n = o.result, o.report, len(o.trace.requests)
    h = o.trace.header
    print(f"replay: {n} requests (profile {h.get('profile', '?')}, SEED={h.get('seed', '?')}), "
          f"player build {'reused' if o.build_reused else 'made'} ({o.build_seconds:.1f} s"
          f"{', profile-guided' if o.pgo else ''})")
    if out is not None:
        print(f"  responses     : {out}")
    cpu = (f"; CPU {res.cpu_seconds:.2f} s = {n / res.cpu_seconds:,.0f}/s"
           if res.cpu_seconds else "")
    print(f"  RTL run       : {res.cycles} cycles, {res.seconds:.2f} s wall = "
          f"{o.rtl_per_s:,.0f} translations/s ({res.cycles / max(n, 1):.2f} cycles/request"
          f"{cpu})")
    print(f"  model check   : {rep.checked} responses in {rep.seconds:.2f} s = "
          f"{o.check_per_s:,.0f} translations/s ({rep.memo_hits} memoized), counters "
          f"{rep.counter_seconds:.2f} s")
    print("  counters      :")
    for row in rep.counters:
        want = "-" if row.expected is None else str(row.expected)
        state = "" if row.expected is None else ("ok" if row.ok else "MISMATCH")
        print(f"    {row.name:18s} {row.rtl:10d}  expected {want:>10s} {state:8s} {row.note}")
    bad_regs = [r for r in rep.registers if not r.ok]
    print(f"  fault state   : FSTS and {len(rep.registers) - 1} FRCD qwords after the stream, "
          f"{'all equal to the model' if not bad_regs else f'{len(bad_regs)} MISMATCH(ES)'}")
    if rep.driver_reads:
        print(f"  driver reads  : {rep.driver_reads} register reads between requests compared "
              "with the model")
    for r in bad_regs:
        rtl = "not reported" if r.rtl is None else f"{r.rtl:#x}"
        print(f"    {r.name:18s} RTL {rtl}  model {r.model:#x}  MISMATCH")
    print("  latency (cycles issue -> answer):")
    total = max(len(res.responses), 1)
    for label, count in latency_histogram(res.responses):
        bar = "#" * round(40 * count / total)
        print(f"    {label:>8s} {count:9d} {100 * count / total:5.1f}% {bar}")
    for m in rep.mismatches:
        print(f"  MISMATCH {m}")
    bad = sum(not r.ok for r in rep.counters)
    print(f"  result        : {'PASS' if rep.ok else 'FAIL'}: {rep.checked} checked, "
          f"{rep.faults} faults, {len(rep.mismatches)} response mismatch(es), {bad} counter "
          f"mismatch(es), {len(bad_regs)} fault-register mismatch(es)")


def _seed(value: int | None) -> int:
    from tb.env.runtime import seed_from_env

    return value if value is not None else seed_from_env()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tb.flows.replay",
                                description=(__doc__ or "").split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen", help="write a random trace")
    g.add_argument("--n", type=int, default=100_000)
    g.add_argument("--seed", type=int, default=None, help="default: SEED, else a fresh one")
    g.add_argument("--profile", choices=sorted(PROFILES), default="mixed")
    g.add_argument("--params", default="default", help="parameter set (tb.flows.params)")
    g.add_argument("--out", type=Path, required=True)
    r = sub.add_parser("run", help="replay a trace on the RTL and check it")
    r.add_argument("trace", type=Path)
    r.add_argument("--params", default=None, help="parameter set (default: the trace's)")
    r.add_argument("--out", type=Path, default=None, help="response file")
    r.add_argument("--latency", type=int, default=DEFAULT_LATENCY)
    r.add_argument("--sim", choices=SIMULATORS, default="verilator",
                   help="Verilator (default) or Icarus (slow; a cross-check)")
    r.add_argument("--pgo", action="store_true",
                   help="profile-guided Verilator build of the player (faster runs, slower "
                        "first build)")
    r.add_argument("--no-reference", action="store_true",
                   help="skip the sequential cache reference (informative counters)")
    c = sub.add_parser("check", help="check a response file against the model")
    c.add_argument("trace", type=Path)
    c.add_argument("responses", type=Path)
    c.add_argument("--params", default=None)
    args = p.parse_args(argv)
    try:
        if args.cmd == "gen":
            seed = _seed(args.seed)
            t0 = time.monotonic()
            trace = generate(args.n, seed, args.profile, args.params)
            write_trace(trace, args.out)
            print(f"gen: {args.n} requests, profile {args.profile}, SEED={seed}, "
                  f"{len(trace.memory)} memory words -> {args.out} "
                  f"({time.monotonic() - t0:.1f} s)")
            return 0
        if args.cmd == "run":
            out = args.out or BUILD_ROOT / "results" / f"{args.trace.stem}.rsp"
            if args.pgo and args.sim != "verilator":
                print("error: --pgo is a Verilator build option, not one for --sim "
                      f"{args.sim}", file=sys.stderr)
                return 2
            o = replay(args.trace, args.params, out, args.latency, not args.no_reference,
                       args.sim, args.pgo)
            _print_report(o, out)
            return 0 if o.report.ok else 1
        trace = read_trace(args.trace)
        params: RtlParams = preset(args.params or trace.params)
        result = read_responses(args.responses)
        report = check_responses(trace, result, params)
        for m in report.mismatches:
            print(f"MISMATCH {m}")
        for row in report.counters:
            if not row.ok:
                print(f"MISMATCH counter {row.name}: RTL {row.rtl}, expected {row.expected}")
        bad_regs = [r for r in report.registers if not r.ok]
        for r in bad_regs:
            rtl = "not reported" if r.rtl is None else f"{r.rtl:#x}"
            print(f"MISMATCH fault register {r.name}: RTL {rtl}, model {r.model:#x}")
        print(f"check: {'PASS' if report.ok else 'FAIL'}: {report.checked} responses checked, "
              f"{len(bad_regs)} fault-register mismatch(es)")
        return 0 if report.ok else 1
    except (TraceError, RtlConfigError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except ReplayBuildError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
